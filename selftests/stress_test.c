// SPDX-License-Identifier: GPL-2.0
/*
 * Soak: every kind of node at once, from many processes, for
 * $KIPC_STRESS_SECONDS (default 30) seconds, with sequence-numbered,
 * checksummed data. At the end every record and message sent must have
 * been received exactly once and whole, and the semaphore-guarded counter
 * must be exact. Not part of `make check`: `make stress` runs it.
 *
 *   pipe0: 3 writers of PIPE_BUF records, 2 readers
 *   pipe1: 1 writer of a byte stream, 1 reader, 1 process resizing the ring
 *   msg0:  2 senders of typed messages, 3 receivers (type 1, types <= 2, any)
 *   shm0 + sem0 (a mutex): 3 processes incrementing a shared counter
 *   sem1 (a counter from 0): 1 producer, 2 consumers
 *   objects: 2 processes creating (KIPC_CREATE_EXCL) and removing named
 *     objects of every kind, churn-KIND-N, at random, while 2 more open
 *     and use them (removal takes them from under their open files,
 *     blocked receivers and semaphore waiters, and mappings); and each of
 *     the 2 making anonymous pipes and msg queues that a child of its own
 *     fills (fork), and anonymous shm and sem objects it uses itself
 *
 * Objects: every create and remove that succeeded is counted, so at the
 * end each churn name exists exactly when it was made once more than it
 * was removed; what an anonymous pipe or queue carried arrived exactly
 * once, in order; and once the rest is removed the object count (the
 * `used` column of max_objects in /proc/kipc/limits) is back where it
 * started, with no churn-* or anon:* row, node or sysfs device left.
 *
 * With KIPC_STRESS_FAULTS=1 (`make fault`, on the debug kernel, whose
 * fault job sets failslab and fail_page_alloc to fail a share of the
 * allocations of tasks with make-it-fail) every process sets its
 * make-it-fail once set up, and one more process keeps opening pipe0,
 * msg0, sem0 and shm0 and mapping shm0. The object processes take ENOMEM
 * from every request of the control node but KIPC_CTL_REMOVE (which
 * cannot fail), from fork, and from using an object, and carry on; the
 * end-of-run accounting of objects is as without faults. ENOMEM (and a short write, which
 * the pipe1 writer then makes with 5000-byte writes) is retried and
 * counted; any other error, and every exactly-once check, is as without
 * faults; and some ENOMEM must have come.
 */

#include <dirent.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "kipc_test.h"

KIPC_REQUIRE_MODULE();

#define PIPE_WRITERS 3
#define PIPE_READERS 2
#define MSG_SENDERS 2
#define MSG_RECEIVERS 3
#define COUNTERS 3
#define CONSUMERS 2
#define CHURNERS 2
#define CHURN_USERS 2
#define MAX_SEQ 4194304

/* Named objects churned: churn-KIND-N, N < CHURN_PER_KIND, of 4 kinds. */
#define CHURN_PER_KIND 4
#define CHURN_NAMES (4 * CHURN_PER_KIND)

/* What a child sends through an anonymous pipe or queue. */
#define ANON_RECORDS 64

struct record {
	uint32_t writer;
	uint32_t seq;
	uint32_t sum;
	char payload[PIPE_BUF - 12];
};

/* What fault mode counts: ENOMEM by operation, and short pipe writes. */
enum fault_kind {
	F_PIPE_WRITE,
	F_PIPE_SHORT,
	F_PIPE_RESIZE,
	F_MSG_SEND,
	F_OPEN_PIPE,
	F_OPEN_MSG,
	F_OPEN_SEM,
	F_OPEN_SHM,
	F_SHM_MMAP,
	F_SHM_MUNMAP,
	F_SEM_UNDO,
	F_CTL_CREATE,
	F_CTL_PIPE,
	F_CTL_ANON,
	F_OPEN_MADE,
	F_OBJ_USE,
	F_FORK,
	NR_FAULT_KINDS
};

static const char *const fault_names[NR_FAULT_KINDS] = {
	"pipe write ENOMEM",
	"pipe write short",
	"pipe resize",
	"msg send",
	"open pipe",
	"open msg",
	"open sem",
	"open shm",
	"shm mmap",
	"shm munmap",
	"sem P with undo",
	"KIPC_CTL_CREATE",
	"KIPC_CTL_PIPE",
	"KIPC_CTL_ANON",
	"open made object",
	"using an object",
	"fork",
};

struct text {
	uint32_t sender;
	uint32_t seq;
	uint32_t len;
	uint32_t sum;
	unsigned char data[200];
};

/* Everything the processes report, in one shared mapping. */
struct stats {
	uint8_t pipe_seen[PIPE_WRITERS][MAX_SEQ];
	uint8_t msg_seen[MSG_SENDERS][MAX_SEQ];
	uint32_t pipe_sent[PIPE_WRITERS];
	uint32_t msg_sent[MSG_SENDERS];
	uint64_t stream_sent, stream_received, resizes;
	uint64_t increments[COUNTERS];
	uint64_t produced, consumed[CONSUMERS];
	uint64_t faults[NR_FAULT_KINDS];
	uint64_t bad;
	int bad_line[8], bad_errno[8];
	/* Objects: successful creates and removes per churn name. */
	uint64_t created[CHURN_NAMES], removed[CHURN_NAMES];
	uint64_t opens, uses, eidrm;
	uint64_t anon_pipes, anon_queues, anon_records, anon_objects;
};

static struct stats *st;
static unsigned long long deadline;

/* KIPC_STRESS_FAULTS: fault mode; the process's make-it-fail, when set. */
static int faults;
static int fail_fd = -1;

/* Pipe ends opened by the parent and inherited; each role keeps its own. */
enum { P0R, P0W, P1R, P1W, NR_ENDS };
static int ends[NR_ENDS];

static int keep(int which)
{
	int i;

	for (i = 0; i < NR_ENDS; i++)
		if (i != which)
			close(ends[i]);
	return which < NR_ENDS ? ends[which] : -1;
}

static int running(void)
{
	return kipc_now_ns() < deadline;
}

/* Something went wrong: counted, and where and with which errno, kept. */
static void bad_at(int line)
{
	uint64_t n = __atomic_fetch_add(&st->bad, 1, __ATOMIC_SEQ_CST);

	if (n < ARRAY_SIZE(st->bad_line)) {
		st->bad_line[n] = line;
		st->bad_errno[n] = errno;
	}
}

#define bad() bad_at(__LINE__)

static void fault(enum fault_kind kind)
{
	__atomic_add_fetch(&st->faults[kind], 1, __ATOMIC_SEQ_CST);
}

/* Is this error an injected allocation failure, to be counted and retried? */
static int injected(enum fault_kind kind)
{
	if (!faults || errno != ENOMEM)
		return 0;
	fault(kind);
	return 1;
}

/*
 * In fault mode, once a process is set up: from now on its allocations may
 * fail. Its memory is locked first, so that no page fault in a copy to or
 * from user space takes a failure and makes it EFAULT.
 */
static void fault_arm(void)
{
	if (!faults)
		return;
	fail_fd = open("/proc/self/make-it-fail", O_WRONLY | O_CLOEXEC);
	if (mlockall(MCL_CURRENT | MCL_FUTURE) || fail_fd < 0 ||
	    write(fail_fd, "1", 1) != 1)
		bad();
}

/* Before exit: done. */
static void fault_disarm(void)
{
	if (fail_fd >= 0 && pwrite(fail_fd, "0", 1, 0) != 1)
		bad();
}

/*
 * fork() from a process that may be armed. The fork is not under test,
 * and with its hundreds of allocations it would hardly ever get through:
 * it runs disarmed, and the child arms itself (make-it-fail is per task,
 * and the file the parent opened is the parent's).
 */
static pid_t fork_armed(void)
{
	pid_t pid;

	if (!faults)
		return fork();
	fault_disarm();
	pid = fork();
	if (pid == 0) {
		close(fail_fd);
		fault_arm();
		return 0;
	}
	if (pwrite(fail_fd, "1", 1, 0) != 1)
		bad();
	return pid;
}

static uint32_t checksum(const unsigned char *p, size_t n, uint32_t seed)
{
	while (n--)
		seed = seed * 31 + *p++;
	return seed;
}

static void pipe_writer(int w)
{
	int fd = keep(P0W);
	struct record rec;
	uint32_t seq;
	ssize_t n;

	fault_arm();
	for (seq = 0; running() && seq < MAX_SEQ; seq++) {
		rec.writer = w;
		rec.seq = seq;
		memset(rec.payload, (char)(seq + w), sizeof(rec.payload));
		rec.sum = checksum((unsigned char *)rec.payload,
				   sizeof(rec.payload), seq);
		/* A record is atomic: all of it, or ENOMEM and nothing. */
		while ((n = write(fd, &rec, sizeof(rec))) < 0 &&
		       injected(F_PIPE_WRITE))
			;
		if (n != sizeof(rec)) {
			bad();
			break;
		}
		st->pipe_sent[w] = seq + 1;
	}
	close(fd);
}

static void pipe_reader(int unused)
{
	int fd = keep(P0R);
	int64_t last[PIPE_WRITERS] = { -1, -1, -1 };
	struct record rec;
	ssize_t n;

	fault_arm();
	while ((n = read(fd, &rec, sizeof(rec))) > 0) {
		if (n != sizeof(rec) || rec.writer >= PIPE_WRITERS ||
		    rec.seq >= MAX_SEQ ||
		    (int64_t)rec.seq <= last[rec.writer] ||
		    rec.sum != checksum((unsigned char *)rec.payload,
					sizeof(rec.payload), rec.seq)) {
			bad();
			continue;
		}
		last[rec.writer] = rec.seq;
		__atomic_add_fetch(&st->pipe_seen[rec.writer][rec.seq], 1,
				   __ATOMIC_SEQ_CST);
	}
	close(fd);
}

/* The byte at position @pos of the pipe1 stream. */
static unsigned char stream_byte(uint64_t pos)
{
	return (unsigned char)(pos * 131 + (pos >> 9));
}

/*
 * Writes of 777 bytes; in fault mode of 5000, more than PIPE_BUF, so that
 * a write that gets a page and then no more can come back short. What a
 * short or failed write did not take is written again.
 */
static void stream_writer(int unused)
{
	size_t len = faults ? 5000 : 777;
	int fd = keep(P1W);
	unsigned char buf[5000];
	uint64_t pos = 0;
	size_t i;
	ssize_t n;

	fault_arm();
	while (running()) {
		for (i = 0; i < len; i++)
			buf[i] = stream_byte(pos + i);
		n = write(fd, buf, len);
		if (n > 0 && n < (ssize_t)len && faults) {
			fault(F_PIPE_SHORT);
		} else if (n < 0 && injected(F_PIPE_WRITE)) {
			continue;
		} else if (n != (ssize_t)len) {
			bad();
			break;
		}
		pos += n;
	}
	st->stream_sent = pos;
	close(fd);
}

static void stream_reader(int unused)
{
	int fd = keep(P1R);
	unsigned char buf[1000];
	uint64_t pos = 0;
	ssize_t n, i;

	fault_arm();
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (i = 0; i < n; i++)
			if (buf[i] != stream_byte(pos + i)) {
				bad();
				break;
			}
		pos += n;
	}
	st->stream_received = pos;
	close(fd);
}

static void resizer(int unused)
{
	static const __u32 sizes[] = { 4096, 16384, 65536, 1 << 20, 8192 };
	int fd = keep(P1R);
	unsigned int i = 0;

	fault_arm();
	while (running()) {
		if (!ioctl(fd, KIPC_PIPE_SET_SIZE, &sizes[i++ % 5]))
			st->resizes++;
		else if (errno != EBUSY && !injected(F_PIPE_RESIZE))
			bad();
		usleep(2000);
	}
	close(fd);
}

static void msg_sender(int s)
{
	int fd = kipc_open("msg0", O_RDWR);
	struct kipc_msg m = { 0 };
	struct text t;
	uint32_t seq;

	fault_arm();
	for (seq = 0; running() && seq < MAX_SEQ; seq++) {
		t.sender = s;
		t.seq = seq;
		t.len = seq % sizeof(t.data);
		memset(t.data, (int)(seq ^ s), t.len);
		t.sum = checksum(t.data, t.len, seq);
		m.mtype = 1 + seq % 4;
		m.text = (uintptr_t)&t;
		m.size = offsetof(struct text, data) + t.len;
		m.timeout_ns = 100000000;
		m.flags = 0;
		while (ioctl(fd, KIPC_MSG_SEND, &m)) {
			if (injected(F_MSG_SEND))
				continue;
			if (errno != ETIMEDOUT || !running()) {
				if (errno != ETIMEDOUT)
					bad();
				goto out;
			}
		}
		st->msg_sent[s] = seq + 1;
	}
out:
	close(fd);
}

/* Receive one message with @selector; 1 if one came, 0 if none in time. */
static int msg_take(int fd, long long selector, unsigned long long timeout_ns)
{
	struct kipc_msg m = { 0 };
	struct text t;

	m.mtype = selector;
	m.text = (uintptr_t)&t;
	m.size = sizeof(t);
	m.timeout_ns = timeout_ns;
	m.flags = timeout_ns ? 0 : KIPC_NOWAIT;
	if (ioctl(fd, KIPC_MSG_RECV, &m)) {
		if (errno != ETIMEDOUT && errno != ENOMSG)
			bad();
		return 0;
	}
	if (t.sender >= MSG_SENDERS || t.seq >= MAX_SEQ ||
	    m.size != offsetof(struct text, data) + t.len ||
	    m.mtype != 1 + t.seq % 4 ||
	    t.sum != checksum(t.data, t.len, t.seq) ||
	    (selector > 0 && m.mtype != selector) ||
	    (selector < 0 && m.mtype > -selector)) {
		bad();
		return 1;
	}
	__atomic_add_fetch(&st->msg_seen[t.sender][t.seq], 1, __ATOMIC_SEQ_CST);
	return 1;
}

static void msg_receiver(int r)
{
	static const long long selectors[MSG_RECEIVERS] = { 1, -2, 0 };
	int fd = kipc_open("msg0", O_RDWR);

	fault_arm();
	while (running())
		msg_take(fd, selectors[r], 100000000);
	close(fd);
}

static void counter(int c)
{
	struct kipc_sem_op op = { .count = 1, .flags = KIPC_SEM_UNDO };
	struct kipc_sem_op v = { .count = 1 };
	int sem = kipc_open("sem0", O_RDWR);
	int shm = kipc_open("shm0", O_RDWR);
	uint64_t *value;

	value = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, shm, 0);
	if (value == MAP_FAILED) {
		bad();
		return;
	}
	fault_arm();
	while (running()) {
		/* KIPC_SEM_UNDO allocates the process's undo record. */
		while (ioctl(sem, KIPC_SEM_P, &op))
			if (!injected(F_SEM_UNDO)) {
				bad();
				goto out;
			}
		*value = *value + 1;
		st->increments[c]++;
		if (ioctl(sem, KIPC_SEM_V, &v)) {
			bad();
			break;
		}
	}
out:
	munmap(value, 4096);
	close(shm);
	close(sem);
}

static void producer(int unused)
{
	struct kipc_sem_op v = { .count = 1 };
	int fd = kipc_open("sem1", O_RDWR);

	fault_arm();
	while (running()) {
		if (ioctl(fd, KIPC_SEM_V, &v)) {
			bad();
			break;
		}
		st->produced++;
		if (st->produced % 64 == 0)
			usleep(100);
	}
	close(fd);
}

static void consumer(int c)
{
	struct kipc_sem_op p = { .count = 1, .timeout_ns = 50000000 };
	int fd = kipc_open("sem1", O_RDWR);

	fault_arm();
	while (running()) {
		if (!ioctl(fd, KIPC_SEM_P, &p))
			st->consumed[c]++;
		else if (errno != ETIMEDOUT)
			bad();
	}
	close(fd);
}

/* Map shm0 through @fd, read it, unmap it. */
static void map_shm(int fd)
{
	uint64_t *p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED) {
		if (!injected(F_SHM_MMAP))
			bad();
		return;
	}
	/* The first touch of the page, in this process, under faults. */
	(void)__atomic_load_n(p, __ATOMIC_RELAXED);
	while (munmap(p, 4096)) {
		if (!injected(F_SHM_MUNMAP)) {
			bad();
			break;
		}
	}
}

/*
 * Fault mode only: open every kind of node in use and map shm0, again and
 * again, so that failed opens and mappings meet the traffic above.
 */
static void opener(int unused)
{
	static const char *const nodes[] = { "pipe0", "msg0", "sem0", "shm0" };
	unsigned int k;
	int fd;

	fault_arm();
	while (running()) {
		for (k = 0; k < 4; k++) {
			/* pipe0 as a reader that never reads: never blocks. */
			fd = kipc_open(nodes[k],
				       (k ? O_RDWR : O_RDONLY) | O_NONBLOCK);
			if (fd < 0) {
				if (!injected(F_OPEN_PIPE + k))
					bad();
				continue;
			}
			if (k == 3)
				map_shm(fd);
			close(fd);
		}
		usleep(1000);
	}
}

/* ---------------------------------------------------------- objects */

static const char *const kind_names[] = { "pipe", "msg", "shm", "sem" };

/* Per-process randomness for the object roles (xorshift64*). */
static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static void count(uint64_t *counter)
{
	__atomic_add_fetch(counter, 1, __ATOMIC_SEQ_CST);
}

/* Churn name @i: churn-KIND-N; its kind (KIPC_KIND_*). */
static __u32 churn_name(int i, char *name, size_t len)
{
	snprintf(name, len, "churn-%s-%d", kind_names[i / CHURN_PER_KIND],
		 i % CHURN_PER_KIND);
	return KIPC_KIND_PIPE + i / CHURN_PER_KIND;
}

static int ctl_open(void)
{
	return kipc_open("control", O_RDWR);
}

/* Sizes small enough for many objects: a 16 KiB pipe, a 64 KiB segment. */
static int ctl_create(int ctl, __u32 kind, const char *name)
{
	struct kipc_create req = {
		.kind = kind,
		.flags = KIPC_CREATE_EXCL,
		.mode = 0600,
		.size = kind == KIPC_KIND_PIPE ? 16384 :
			kind == KIPC_KIND_SHM  ? 65536 :
						 0,
	};

	snprintf(req.name, sizeof(req.name), "%s", name);
	return ioctl(ctl, KIPC_CTL_CREATE, &req);
}

static int ctl_remove(int ctl, const char *name)
{
	struct kipc_remove req = { 0 };

	snprintf(req.name, sizeof(req.name), "%s", name);
	return ioctl(ctl, KIPC_CTL_REMOVE, &req);
}

/* A small record: who, which, and a checksum over both. */
struct small {
	uint32_t from;
	uint32_t seq;
	uint32_t sum;
	unsigned char pad[52];
};

static void small_fill(struct small *r, uint32_t from, uint32_t seq)
{
	r->from = from;
	r->seq = seq;
	memset(r->pad, (int)(from ^ seq), sizeof(r->pad));
	r->sum = checksum(r->pad, sizeof(r->pad), from * 7919 + seq);
}

static int small_ok(const struct small *r)
{
	return r->sum ==
	       checksum(r->pad, sizeof(r->pad), r->from * 7919 + r->seq);
}

/*
 * An error from using an object of a churn name: 0 if it may happen there
 * (EAGAIN, ENOMSG, ETIMEDOUT: others share the object; EIDRM: it was
 * removed; ENOMEM in fault mode), else counted as bad. -1 if the file is
 * of no more use (EIDRM).
 */
static int use_error(void)
{
	switch (errno) {
	case EIDRM:
		count(&st->eidrm);
		return -1;
	case EAGAIN:
	case ENOMSG:
	case ETIMEDOUT:
		return 0;
	default:
		if (!injected(F_OBJ_USE))
			bad();
		return 0;
	}
}

/*
 * One use of @fd, a file of churn object of @kind, open O_RDWR|O_NONBLOCK:
 * 0 done (or a harmless miss), -1 the object is gone (EIDRM).
 */
static int churn_use(int fd, __u32 kind, uint32_t me, uint32_t seq)
{
	struct kipc_sem_op op = { .count = 1 };
	struct kipc_msg m = { 0 };
	struct small r;
	uint64_t *p;
	ssize_t n;

	count(&st->uses);
	switch (kind) {
	case KIPC_KIND_PIPE:
		/* Whole records in, whole records out (64 <= PIPE_BUF). */
		small_fill(&r, me, seq);
		if (write(fd, &r, sizeof(r)) != sizeof(r))
			return use_error();
		n = read(fd, &r, sizeof(r));
		if (n < 0)
			return use_error();
		if (n != sizeof(r) || !small_ok(&r))
			bad();
		return 0;
	case KIPC_KIND_MSG:
		small_fill(&r, me, seq);
		m.mtype = 1 + seq % 3;
		m.text = (uintptr_t)&r;
		m.size = sizeof(r);
		m.flags = KIPC_NOWAIT;
		if (ioctl(fd, KIPC_MSG_SEND, &m) && use_error())
			return -1;
		/* Now and then wait: a removal must wake the receiver. */
		m = (struct kipc_msg){ .text = (uintptr_t)&r,
				       .size = sizeof(r) };
		if (seq % 4)
			m.flags = KIPC_NOWAIT;
		else
			m.timeout_ns = 2000000;
		if (ioctl(fd, KIPC_MSG_RECV, &m))
			return use_error();
		if (m.size != sizeof(r) || !small_ok(&r))
			bad();
		return 0;
	case KIPC_KIND_SHM:
		p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			return use_error();
		/* Each user has its own word; a removal keeps the pages. */
		__atomic_store_n(&p[me], seq, __ATOMIC_RELAXED);
		if (__atomic_load_n(&p[me], __ATOMIC_RELAXED) != seq)
			bad();
		while (munmap(p, 4096))
			if (!injected(F_SHM_MUNMAP)) {
				bad();
				break;
			}
		return 0;
	default:
		if (ioctl(fd, KIPC_SEM_V, &op) && use_error())
			return -1;
		/* Someone else may take it: then the P times out. */
		op.timeout_ns = 2000000;
		if (ioctl(fd, KIPC_SEM_P, &op))
			return use_error();
		return 0;
	}
}

/* Open the churn objects at random and use them, as they come and go. */
static void churn_user(int u)
{
	char name[KIPC_NAME_MAX];
	uint32_t seq = 0;
	int i, k, fd;
	__u32 kind;

	rng = kipc_now_ns() ^ ((uint64_t)getpid() << 32);
	fault_arm();
	while (running()) {
		i = rnd() % CHURN_NAMES;
		kind = churn_name(i, name, sizeof(name));
		fd = kipc_open(name, O_RDWR | O_NONBLOCK);
		if (fd < 0) {
			/*
			 * Not there; or removed between the lookup and the
			 * open: the device is gone (ENXIO), or the object
			 * (EIDRM).
			 */
			if (errno != ENOENT && errno != ENXIO &&
			    errno != EIDRM && !injected(F_OPEN_MADE))
				bad();
			continue;
		}
		count(&st->opens);
		for (k = 0; k < 16 && running(); k++)
			if (churn_use(fd, kind, u, seq++))
				break;
		close(fd);
	}
}

/*
 * Read ANON_RECORDS records from @fd (a read end, or a queue when @queue)
 * that a child writes: exactly those, in order, once.
 */
static void anon_check(int fd, bool queue, uint32_t from)
{
	struct kipc_msg m = { 0 };
	uint32_t got = 0, stalls = 0;
	struct small r;
	ssize_t n;

	for (;;) {
		if (queue) {
			m = (struct kipc_msg){ .text = (uintptr_t)&r,
					       .size = sizeof(r),
					       .timeout_ns = 100000000 };
			if (got == ANON_RECORDS)
				break;
			if (ioctl(fd, KIPC_MSG_RECV, &m)) {
				/*
				 * The child may be slow (past the deadline
				 * too: it sends them all); never stuck.
				 */
				if (errno == ETIMEDOUT && ++stalls < 300)
					continue;
				if (errno == ETIMEDOUT || !injected(F_OBJ_USE))
					break;
				continue;
			}
			stalls = 0;
			n = m.size;
		} else {
			n = read(fd, &r, sizeof(r));
			if (n == 0)
				break;
			if (n < 0) {
				if (errno == EINTR)
					continue;
				bad();
				break;
			}
		}
		if (n != sizeof(r) || !small_ok(&r) || r.from != from ||
		    r.seq != got) {
			bad();
			return;
		}
		got++;
	}
	if (got != ANON_RECORDS)
		bad();
	else
		__atomic_add_fetch(&st->anon_records, got, __ATOMIC_SEQ_CST);
}

/* In the child: send ANON_RECORDS records to @fd; exit status 0 if all went. */
static void anon_fill(int fd, bool queue, uint32_t from)
{
	struct kipc_msg m = { 0 };
	struct small r;
	uint32_t seq;
	int ret;

	for (seq = 0; seq < ANON_RECORDS; seq++) {
		small_fill(&r, from, seq);
		do {
			if (queue) {
				m = (struct kipc_msg){ .mtype = 1,
						       .text = (uintptr_t)&r,
						       .size = sizeof(r) };
				ret = ioctl(fd, KIPC_MSG_SEND, &m);
			} else {
				ret = write(fd, &r, sizeof(r)) == sizeof(r) ?
					      0 :
					      -1;
			}
		} while (ret && injected(F_OBJ_USE));
		if (ret)
			_exit(1);
	}
	fault_disarm();
	_exit(0);
}

/*
 * An anonymous pipe (KIPC_CTL_PIPE) or queue (KIPC_CTL_ANON) that a child
 * fills, shared by fork: what it sent arrives once, in order.
 */
static void anon_shared(int ctl, bool queue, uint32_t from)
{
	struct kipc_pipe_pair pair = { .fd = { -1, -1 }, .flags = O_CLOEXEC };
	struct kipc_anon anon = { .kind = KIPC_KIND_MSG, .flags = O_CLOEXEC };
	int rd, wr, status;
	pid_t pid;

	if (queue) {
		rd = ioctl(ctl, KIPC_CTL_ANON, &anon);
		wr = rd;
		if (rd < 0) {
			if (!injected(F_CTL_ANON))
				bad();
			return;
		}
	} else {
		if (ioctl(ctl, KIPC_CTL_PIPE, &pair)) {
			if (!injected(F_CTL_PIPE))
				bad();
			return;
		}
		rd = pair.fd[0];
		wr = pair.fd[1];
	}
	pid = fork_armed();
	if (pid < 0) {
		if (errno != EAGAIN && !injected(F_FORK))
			bad();
	} else if (pid == 0) {
		if (!queue)
			close(rd);
		anon_fill(wr, queue, from);
	} else {
		if (!queue)
			close(wr);
		anon_check(rd, queue, from);
		if (waitpid(pid, &status, 0) != pid || status)
			bad();
		count(queue ? &st->anon_queues : &st->anon_pipes);
	}
	close(rd);
	if (!queue && pid < 0)
		close(wr);
}

/* An anonymous shm or sem object, used by its maker alone. */
static void anon_private(int ctl, __u32 kind)
{
	struct kipc_anon anon = { .kind = kind, .flags = O_CLOEXEC };
	struct kipc_sem_op op = { .count = 2 };
	struct kipc_sem_info info;
	uint64_t *p, v;
	int fd;

	anon.size = kind == KIPC_KIND_SHM ? 8192 : 5;
	fd = ioctl(ctl, KIPC_CTL_ANON, &anon);
	if (fd < 0) {
		if (!injected(F_CTL_ANON))
			bad();
		return;
	}
	count(&st->anon_objects);
	if (kind == KIPC_KIND_SHM) {
		p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED) {
			if (!injected(F_SHM_MMAP))
				bad();
		} else {
			/* A fresh segment is zero; what is stored is read. */
			if (p[1000] != 0)
				bad();
			p[1000] = 42;
			if (pread(fd, &v, 8, 8000) != 8) {
				if (!injected(F_OBJ_USE))
					bad();
			} else if (v != 42) {
				bad();
			}
			munmap(p, 8192);
		}
	} else {
		if (ioctl(fd, KIPC_SEM_P, &op) ||
		    ioctl(fd, KIPC_SEM_GETINFO, &info) || info.value != 3)
			bad();
	}
	close(fd);
}

/*
 * Make churn name @i. A failure injected in fault mode is retried (a few
 * times), so that even a short run under injection makes objects and the
 * end-of-run check that some were made means something.
 */
static void churn_create(int ctl, __u32 kind, const char *name, int i)
{
	int tries;

	for (tries = 0; tries < 20 && running(); tries++) {
		if (!ctl_create(ctl, kind, name)) {
			count(&st->created[i]);
			return;
		}
		if (errno == EEXIST)
			return;
		if (!injected(F_CTL_CREATE)) {
			bad();
			return;
		}
	}
}

/*
 * Make and remove the churn names at random; now and then make anonymous
 * objects too. Every success is counted for the end-of-run check.
 */
static void churner(int c)
{
	char name[KIPC_NAME_MAX];
	int ctl = ctl_open(), i;
	uint32_t n = 0;
	__u32 kind;

	rng = kipc_now_ns() ^ ((uint64_t)getpid() << 32);
	if (ctl < 0) {
		bad();
		return;
	}
	fault_arm();
	while (running()) {
		i = rnd() % CHURN_NAMES;
		kind = churn_name(i, name, sizeof(name));
		if (rnd() % 2) {
			churn_create(ctl, kind, name, i);
		} else {
			if (!ctl_remove(ctl, name))
				count(&st->removed[i]);
			else if (errno != ENOENT)
				bad();
		}
		switch (n++ % 16) {
		case 3:
			anon_shared(ctl, false, c);
			break;
		case 7:
			anon_shared(ctl, true, c);
			break;
		case 11:
			anon_private(ctl, KIPC_KIND_SHM);
			break;
		case 15:
			anon_private(ctl, KIPC_KIND_SEM);
			break;
		default:
			usleep(500);
			break;
		}
	}
	close(ctl);
}

static int all_rows(const char *prefix)
{
	int k, n = 0;

	for (k = 0; k < 4; k++)
		n += kipc_proc_rows(kind_names[k], prefix);
	return n;
}

/* Entries of directory @dir whose name starts with @prefix. */
static int dir_entries(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += !strncmp(e->d_name, prefix, strlen(prefix));
	closedir(d);
	return n;
}

/* Roles that touch no pipe drop all the inherited ends. */
static pid_t spawn(void (*fn)(int), int arg)
{
	pid_t pid = fork();

	if (pid == 0) {
		if (fn != pipe_writer && fn != pipe_reader &&
		    fn != stream_writer && fn != stream_reader && fn != resizer)
			keep(NR_ENDS);
		fn(arg);
		fault_disarm();
		_exit(0);
	}
	return pid;
}

FIXTURE(stress)
{
	int unused;
};

FIXTURE_SETUP(stress)
{
	/* kipc is checked for once, at start-up: KIPC_REQUIRE_MODULE(). */
}

FIXTURE_TEARDOWN(stress)
{
}

/* The run bounds itself; the harness time-out only has to be larger. */
TEST_F_TIMEOUT(stress, all_devices_at_once, 86400)
{
	const char *env = getenv("KIPC_STRESS_SECONDS");
	int seconds = env ? atoi(env) : 30;
	uint64_t pipe_total = 0, msg_total = 0, sum, consumed = 0, nfaults = 0;
	int pipe_bad = 0, msg_bad = 0, i, j, n = 0, status;
	struct kipc_sem_info info;
	__s64 zero = 0, one = 1;
	__u32 pipe_size = 65536;
	uint64_t *value;
	pid_t pids[64];
	int fd, shm, ctl;
	uint64_t created = 0, removed = 0;
	long long used;
	int anon_rows, churn_bad = 0;
	char name[KIPC_NAME_MAX];
	long long v;
	__u32 kind;

	st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, st);
	signal(SIGPIPE, SIG_IGN);
	env = getenv("KIPC_STRESS_FAULTS");
	faults = env && atoi(env) > 0;
	if (faults && access("/proc/self/make-it-fail", F_OK))
		SKIP(return, "KIPC_STRESS_FAULTS needs CONFIG_FAULT_INJECTION");

	/* sem0 is a mutex, sem1 counts from 0, the shm counter starts at 0. */
	fd = kipc_open("sem0", O_RDWR);
	ASSERT_EQ(0, ioctl(fd, KIPC_SEM_SETVAL, &one));
	close(fd);
	fd = kipc_open("sem1", O_RDWR);
	ASSERT_EQ(0, ioctl(fd, KIPC_SEM_SETVAL, &zero));
	close(fd);
	shm = kipc_open("shm0", O_RDWR);
	ASSERT_GE(shm, 0);
	value = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, shm, 0);
	ASSERT_NE(MAP_FAILED, value);
	*value = 0;

	/* Where the object count starts; no churn name left from before. */
	used = kipc_objects_used();
	anon_rows = all_rows("anon:");
	ASSERT_LE(0, used);
	ASSERT_EQ(0, all_rows("churn-"));

	for (i = 0; i < NR_ENDS; i++) {
		ends[i] = kipc_open(i < P1R ? "pipe0" : "pipe1",
				    (i % 2 ? O_WRONLY : O_RDONLY) | O_NONBLOCK);
		ASSERT_GE(ends[i], 0);
		fcntl(ends[i], F_SETFL, 0);
	}

	TH_LOG("stressing every device for %d s%s", seconds,
	       faults ? ", failing allocations" : "");
	deadline = kipc_now_ns() + seconds * 1000000000ULL;
	for (i = 0; i < PIPE_WRITERS; i++)
		pids[n++] = spawn(pipe_writer, i);
	for (i = 0; i < PIPE_READERS; i++)
		pids[n++] = spawn(pipe_reader, 0);
	pids[n++] = spawn(stream_writer, 0);
	pids[n++] = spawn(stream_reader, 0);
	pids[n++] = spawn(resizer, 0);
	for (i = 0; i < MSG_SENDERS; i++)
		pids[n++] = spawn(msg_sender, i);
	for (i = 0; i < MSG_RECEIVERS; i++)
		pids[n++] = spawn(msg_receiver, i);
	for (i = 0; i < COUNTERS; i++)
		pids[n++] = spawn(counter, i);
	pids[n++] = spawn(producer, 0);
	for (i = 0; i < CONSUMERS; i++)
		pids[n++] = spawn(consumer, i);
	for (i = 0; i < CHURNERS; i++)
		pids[n++] = spawn(churner, i);
	for (i = 0; i < CHURN_USERS; i++)
		pids[n++] = spawn(churn_user, i);
	if (faults)
		pids[n++] = spawn(opener, 0);
	keep(NR_ENDS);

	for (i = 0; i < n; i++) {
		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
		EXPECT_EQ(0, status);
	}

	/* What is still queued counts as received once drained. */
	fd = kipc_open("msg0", O_RDWR);
	while (msg_take(fd, 0, 0))
		;
	close(fd);

	for (i = 0; i < PIPE_WRITERS; i++)
		for (j = 0; j < MAX_SEQ; j++) {
			pipe_total += st->pipe_seen[i][j];
			pipe_bad += st->pipe_seen[i][j] !=
				    (j < (int)st->pipe_sent[i]);
		}
	for (i = 0; i < MSG_SENDERS; i++)
		for (j = 0; j < MAX_SEQ; j++) {
			msg_total += st->msg_seen[i][j];
			msg_bad += st->msg_seen[i][j] !=
				   (j < (int)st->msg_sent[i]);
		}
	for (i = 0, sum = 0; i < COUNTERS; i++)
		sum += st->increments[i];
	for (i = 0; i < CONSUMERS; i++)
		consumed += st->consumed[i];
	fd = kipc_open("pipe1", O_RDWR);
	EXPECT_EQ(0, ioctl(fd, KIPC_PIPE_SET_SIZE, &pipe_size));
	close(fd);
	fd = kipc_open("sem1", O_RDWR);
	ASSERT_EQ(0, ioctl(fd, KIPC_SEM_GETINFO, &info));
	ASSERT_EQ(0, ioctl(fd, KIPC_SEM_SETVAL, &one));
	close(fd);

	/*
	 * Each churn name is there exactly when it was made once more than
	 * it was removed; then it goes, and with it the last object made.
	 */
	ctl = ctl_open();
	ASSERT_LE(0, ctl);
	for (i = 0; i < CHURN_NAMES; i++) {
		int there, row, want;

		kind = churn_name(i, name, sizeof(name));
		there = kipc_node_exists(name);
		row = !kipc_proc_get(kind_names[kind - 1], name, "name", &v);
		want = (int)(st->created[i] - st->removed[i]);
		if (there != want || row != want) {
			TH_LOG("%s: made %llu times, removed %llu, node %d, row %d",
			       name, (unsigned long long)st->created[i],
			       (unsigned long long)st->removed[i], there, row);
			churn_bad++;
		}
		if (there)
			EXPECT_EQ(0, ctl_remove(ctl, name));
		created += st->created[i];
		removed += st->removed[i];
	}
	close(ctl);

	TH_LOG("pipe0: %llu records, %d lost or duplicated",
	       (unsigned long long)pipe_total, pipe_bad);
	TH_LOG("pipe1: %llu bytes sent, %llu received, %llu resizes",
	       (unsigned long long)st->stream_sent,
	       (unsigned long long)st->stream_received,
	       (unsigned long long)st->resizes);
	TH_LOG("msg0: %llu messages, %d lost or duplicated",
	       (unsigned long long)msg_total, msg_bad);
	TH_LOG("shm0+sem0: %llu increments, counter %llu",
	       (unsigned long long)sum, (unsigned long long)*value);
	TH_LOG("sem1: %llu produced, %llu consumed, %lld left",
	       (unsigned long long)st->produced, (unsigned long long)consumed,
	       (long long)info.value);
	TH_LOG("objects: %llu made, %llu removed, %llu opens, %llu uses, %llu EIDRM",
	       (unsigned long long)created, (unsigned long long)removed,
	       (unsigned long long)st->opens, (unsigned long long)st->uses,
	       (unsigned long long)st->eidrm);
	TH_LOG("anonymous: %llu pipes, %llu queues (%llu records), %llu shm and sem",
	       (unsigned long long)st->anon_pipes,
	       (unsigned long long)st->anon_queues,
	       (unsigned long long)st->anon_records,
	       (unsigned long long)st->anon_objects);
	TH_LOG("bad records, checksums or errors: %llu",
	       (unsigned long long)st->bad);
	for (i = 0; i < (int)st->bad && i < (int)ARRAY_SIZE(st->bad_line); i++)
		TH_LOG("bad: line %d, errno %d (%s)", st->bad_line[i],
		       st->bad_errno[i], strerror(st->bad_errno[i]));
	for (i = 0; faults && i < NR_FAULT_KINDS; i++) {
		TH_LOG("injected failures: %s: %llu", fault_names[i],
		       (unsigned long long)st->faults[i]);
		nfaults += st->faults[i];
	}

	EXPECT_EQ(0, st->bad);
	EXPECT_EQ(0, pipe_bad);
	EXPECT_LT(0, pipe_total);
	EXPECT_EQ(st->stream_sent, st->stream_received);
	EXPECT_EQ(0, msg_bad);
	EXPECT_LT(0, msg_total);
	EXPECT_EQ(sum, *value);
	EXPECT_EQ(st->produced, consumed + info.value);
	/* Objects: exact, and nothing left. */
	EXPECT_EQ(0, churn_bad);
	EXPECT_LT(0, created);
	EXPECT_LT(0, st->anon_records);
	EXPECT_EQ(used, kipc_objects_used());
	EXPECT_EQ(0, all_rows("churn-"));
	EXPECT_EQ(anon_rows, all_rows("anon:"));
	EXPECT_EQ(0, dir_entries(KIPC_DEV_DIR, "churn-"));
	EXPECT_EQ(0, dir_entries("/dev", "churn-"));
	EXPECT_EQ(0, dir_entries("/sys/class/kipc", "churn-"));
	/* Fault mode that failed nothing tested nothing: no debugfs set-up? */
	if (faults)
		EXPECT_LT(0, nfaults);
	munmap(value, 4096);
	close(shm);
}

TEST_HARNESS_MAIN

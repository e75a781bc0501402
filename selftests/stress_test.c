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
 *
 * With KIPC_STRESS_FAULTS=1 (`make fault`, on the debug kernel, whose
 * fault job sets failslab and fail_page_alloc to fail a share of the
 * allocations of tasks with make-it-fail) every process sets its
 * make-it-fail once set up, and one more process keeps opening pipe0,
 * msg0, sem0 and shm0 and mapping shm0. ENOMEM (and a short write, which
 * the pipe1 writer then makes with 5000-byte writes) is retried and
 * counted; any other error, and every exactly-once check, is as without
 * faults; and some ENOMEM must have come.
 */

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
#define MAX_SEQ 4194304

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
	NR_FAULT_KINDS
};

static const char *const fault_names[NR_FAULT_KINDS] = {
	"pipe write ENOMEM", "pipe write short", "pipe resize", "msg send",
	"open pipe",	     "open msg",	 "open sem",	"open shm",
	"shm mmap",	     "shm munmap",
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

static void bad(void)
{
	__atomic_add_fetch(&st->bad, 1, __ATOMIC_SEQ_CST);
}

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
		if (ioctl(sem, KIPC_SEM_P, &op)) {
			bad();
			break;
		}
		*value = *value + 1;
		st->increments[c]++;
		if (ioctl(sem, KIPC_SEM_V, &v)) {
			bad();
			break;
		}
	}
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
	int fd, shm;

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
	TH_LOG("bad records, checksums or errors: %llu",
	       (unsigned long long)st->bad);
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
	/* Fault mode that failed nothing tested nothing: no debugfs set-up? */
	if (faults)
		EXPECT_LT(0, nfaults);
	munmap(value, 4096);
	close(shm);
}

TEST_HARNESS_MAIN

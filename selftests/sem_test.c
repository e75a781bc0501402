// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/kipc/semN. The `both` fixture runs each test on a System V
 * semaphore (semop/semtimedop/semctl, the oracle) and on /dev/kipc/sem0:
 * blocking, waking, timeouts, signals, SEM_UNDO when the holder dies, lpid
 * and waiter counts, and the two textbook scenes (a mutex guarding a
 * counter in shared memory, producer/consumer) over SysV shm and over
 * /dev/kipc/shm1. Where kipc deliberately differs (strict FIFO service,
 * ETIMEDOUT for EAGAIN on timeout) the variant says what each must do.
 * The `sem` fixture covers what SysV has no counterpart for: the uapi's own
 * errors and limits, poll, per-open-file undo, /proc/kipc/sem.
 */

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sem.h>
#include <sys/shm.h>

#include "kselftest_harness.h"
#include "kipc_test.h"

KIPC_REQUIRE_MODULE();

#define NODE "sem0"
#define SHM_NODE "shm1"
#define MAX KIPC_SEM_VALUE_MAX
#define MS 1000000ULL /* ns */

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

struct op_result {
	long ret;
	int err;
};

/*
 * Exit status of @pid, or -1 if it did not exit normally. Not
 * kipc_wait_exit(): only a reaped @pid leaves the teardown's list.
 */
static int wait_exit(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	kipc_forget_kid(pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void on_signal(int sig)
{
	(void)sig;
}

/* ------------------------------------------------------ kipc helpers */

static int sem_op(int fd, unsigned long cmd, __u32 count, __u32 flags,
		  __u64 timeout_ns)
{
	struct kipc_sem_op op = {
		.count = count,
		.flags = flags,
		.timeout_ns = timeout_ns,
	};

	return ioctl(fd, cmd, &op);
}

static int sem_p(int fd, __u32 count, __u32 flags, __u64 timeout_ns)
{
	return sem_op(fd, KIPC_SEM_P, count, flags, timeout_ns);
}

static int sem_v(int fd, __u32 count)
{
	return sem_op(fd, KIPC_SEM_V, count, 0, 0);
}

static int sem_setval(int fd, long long v)
{
	__s64 val = v;

	return ioctl(fd, KIPC_SEM_SETVAL, &val);
}

static struct kipc_sem_info sem_info(int fd)
{
	struct kipc_sem_info info;

	memset(&info, 0xff, sizeof(info));
	ioctl(fd, KIPC_SEM_GETINFO, &info);
	return info;
}

static long long sem_value(int fd)
{
	return sem_info(fd).value;
}

/* ------------------------------------- one semaphore, SysV or kipc */

struct backend {
	bool kipc;
	int fd;
	int semid;
};

static int be_p(const struct backend *b, int n, __u32 flags, __u64 timeout)
{
	struct sembuf sb = { .sem_num = 0, .sem_op = -n };
	struct timespec ts = { .tv_sec = timeout / 1000000000ULL,
			       .tv_nsec = timeout % 1000000000ULL };

	if (b->kipc)
		return sem_p(b->fd, n, flags, timeout);
	if (flags & KIPC_NOWAIT)
		sb.sem_flg |= IPC_NOWAIT;
	if (flags & KIPC_SEM_UNDO)
		sb.sem_flg |= SEM_UNDO;
	return timeout ? semtimedop(b->semid, &sb, 1, &ts) :
			 semop(b->semid, &sb, 1);
}

static int be_v(const struct backend *b, int n)
{
	struct sembuf sb = { .sem_num = 0, .sem_op = n };

	return b->kipc ? sem_v(b->fd, n) : semop(b->semid, &sb, 1);
}

static int be_setval(const struct backend *b, int v)
{
	union semun arg = { .val = v };

	return b->kipc ? sem_setval(b->fd, v) :
			 semctl(b->semid, 0, SETVAL, arg);
}

static long long be_value(const struct backend *b)
{
	return b->kipc ? sem_value(b->fd) : semctl(b->semid, 0, GETVAL);
}

static long long be_waiters(const struct backend *b)
{
	return b->kipc ? (long long)sem_info(b->fd).waiters :
			 semctl(b->semid, 0, GETNCNT);
}

static long long be_lpid(const struct backend *b)
{
	return b->kipc ? (long long)sem_info(b->fd).lpid :
			 semctl(b->semid, 0, GETPID);
}

/*
 * In a child: use an open file of its own, so that its KIPC_SEM_UNDO
 * record goes when it exits (SysV undo is per process anyway).
 */
static int be_own(struct backend *b)
{
	if (b->kipc) {
		b->fd = kipc_open(NODE, O_RDWR);
		if (b->fd < 0)
			return -1;
	}
	return 0;
}

/* Wait until @n tasks wait on the semaphore (at most ~20 s). */
static int wait_waiters(const struct backend *b, long long n)
{
	return kipc_wait_until(be_waiters(b) == n);
}

/* P after installing a SA_RESTART handler for SIGUSR1. */
static long p_with_restarting_handler(const struct backend *b, __u64 timeout)
{
	struct sigaction sa = { .sa_handler = on_signal,
				.sa_flags = SA_RESTART };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	return be_p(b, 1, 0, timeout);
}

/*
 * A child that holds @n units taken with UNDO until killed: through an
 * open file of its own, or (@shared) through the parent's, as a worker of
 * a forked pool does.
 */
static pid_t spawn_undo_holder(struct __test_metadata *_metadata,
			       const struct backend *b, int n, bool shared)
{
	struct backend own = *b;
	int ready[2];
	pid_t pid;
	char c;

	if (pipe(ready))
		return -1;
	pid = kipc_fork_kid();
	if (pid == 0) {
		close(ready[0]);
		if ((!shared && be_own(&own)) ||
		    be_p(&own, n, KIPC_SEM_UNDO, 0))
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(2);
		for (;;)
			pause();
	}
	close(ready[1]);
	if (pid > 0)
		ASSERT_EQ(0, kipc_keep_kid(pid));
	EXPECT_EQ(1, read(ready[0], &c, 1));
	close(ready[0]);
	return pid;
}

static pid_t spawn_holder(struct __test_metadata *_metadata,
			  const struct backend *b, int n)
{
	return spawn_undo_holder(_metadata, b, n, false);
}

/* Shared memory of @len bytes for the scenes: SysV shm or kipc shm1. */
static void *scene_memory(const struct backend *b, size_t len, int *shmid,
			  int *fd, __u64 *saved_size)
{
	__u64 size = len;
	void *p;

	if (!b->kipc) {
		*shmid = shmget(IPC_PRIVATE, len, IPC_CREAT | 0600);
		if (*shmid < 0)
			return NULL;
		p = shmat(*shmid, NULL, 0);
		return p == (void *)-1 ? NULL : p;
	}
	*fd = kipc_open(SHM_NODE, O_RDWR);
	if (*fd < 0 || ioctl(*fd, KIPC_SHM_GET_SIZE, saved_size) ||
	    ioctl(*fd, KIPC_SHM_SET_SIZE, &size))
		return NULL;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
	if (p == MAP_FAILED)
		return NULL;
	memset(p, 0, len);
	return p;
}

static int scene_memory_free(const struct backend *b, void *p, size_t len,
			     int shmid, int fd, __u64 saved_size)
{
	int ret;

	if (!b->kipc)
		return shmdt(p) || shmctl(shmid, IPC_RMID, NULL);
	memset(p, 0, len);
	ret = munmap(p, len) || ioctl(fd, KIPC_SHM_SET_SIZE, &saved_size);
	close(fd);
	return ret;
}

/*
 * sem0 as backend @b, with nobody waiting on it; its value is saved in
 * *@saved for node_teardown() to put back.
 */
static void node_setup(struct __test_metadata *_metadata, struct backend *b,
		       long long *saved)
{
	b->kipc = true;
	b->semid = -1;
	b->fd = kipc_open(NODE, O_RDWR);
	ASSERT_GE(b->fd, 0);
	*saved = sem_value(b->fd);
	ASSERT_GE(*saved, 0);
	ASSERT_EQ(0U, sem_info(b->fd).waiters);
}

/* Once the test's helpers are reaped: nobody waits, @saved is put back. */
static void node_teardown(struct __test_metadata *_metadata,
			  const struct backend *b, long long saved)
{
	EXPECT_EQ(0, wait_waiters(b, 0));
	EXPECT_EQ(0, sem_setval(b->fd, saved));
	close(b->fd);
}

/* ============================================== SysV vs /dev/kipc/sem0 */

FIXTURE(both)
{
	struct backend b;
	long long saved;
};

FIXTURE_VARIANT(both)
{
	bool kipc;
	int timeout_errno; /* semtimedop() says EAGAIN */
	bool fifo; /* semop() lets a fitting newcomer overtake */
};

/* clang-format off */
FIXTURE_VARIANT_ADD(both, sysv) {
	.kipc = false,
	.timeout_errno = EAGAIN,
	.fifo = false,
};

FIXTURE_VARIANT_ADD(both, kipc) {
	.kipc = true,
	.timeout_errno = ETIMEDOUT,
	.fifo = true,
};

/* clang-format on */

FIXTURE_SETUP(both)
{
	if (variant->kipc) {
		node_setup(_metadata, &self->b, &self->saved);
	} else {
		self->b.kipc = false;
		self->b.fd = -1;
		self->b.semid = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
		ASSERT_GE(self->b.semid, 0);
	}
}

FIXTURE_TEARDOWN(both)
{
	kipc_reap_kids();
	if (!variant->kipc) {
		EXPECT_EQ(0, semctl(self->b.semid, 0, IPC_RMID));
		return;
	}
	node_teardown(_metadata, &self->b, self->saved);
}

TEST_F(both, p_takes_and_v_gives_units)
{
	ASSERT_EQ(0, be_setval(&self->b, 5));
	EXPECT_EQ(0, be_p(&self->b, 3, 0, 0));
	EXPECT_EQ(2, be_value(&self->b));
	EXPECT_EQ(0, be_v(&self->b, 4));
	EXPECT_EQ(6, be_value(&self->b));
}

/* The same non-blocking sequence, step by step, result by result. */
TEST_F(both, nowait_sequence)
{
	static const struct {
		int op; /* > 0: V(op), < 0: P(-op) with NOWAIT */
		int ret, err, value;
	} seq[] = {
		{ 2, 0, 0, 2 },	 { -1, 0, 0, 1 },	{ -2, -1, EAGAIN, 1 },
		{ -1, 0, 0, 0 }, { -1, -1, EAGAIN, 0 }, { 3, 0, 0, 3 },
		{ -3, 0, 0, 0 }, { 1, 0, 0, 1 },	{ -4, -1, EAGAIN, 1 },
		{ 3, 0, 0, 4 },	 { -4, 0, 0, 0 },
	};
	unsigned int i;
	int ret;

	ASSERT_EQ(0, be_setval(&self->b, 0));
	for (i = 0; i < ARRAY_SIZE(seq); i++) {
		errno = 0;
		ret = seq[i].op > 0 ?
			      be_v(&self->b, seq[i].op) :
			      be_p(&self->b, -seq[i].op, KIPC_NOWAIT, 0);
		EXPECT_EQ(seq[i].ret, ret)
		TH_LOG("step %u", i);
		if (ret)
			EXPECT_EQ(seq[i].err, errno);
		EXPECT_EQ(seq[i].value, be_value(&self->b));
	}
}

TEST_F(both, p_nowait_eagain)
{
	ASSERT_EQ(0, be_setval(&self->b, 1));
	EXPECT_EQ(-1, be_p(&self->b, 2, KIPC_NOWAIT, 0));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(1, be_value(&self->b));
}

TEST_F(both, p_blocks_until_v)
{
	struct op_result r;
	int note;
	pid_t pid;

	ASSERT_EQ(0, be_setval(&self->b, 0));
	KIPC_CHILD_OP(pid, note, be_p(&self->b, 1, 0, 0));
	ASSERT_EQ(0, wait_waiters(&self->b, 1));
	EXPECT_EQ(0, kipc_op_done(note, 50, &r));
	ASSERT_EQ(0, be_v(&self->b, 1));
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	EXPECT_EQ(0, r.ret);
	EXPECT_EQ(0, be_value(&self->b));
	EXPECT_EQ(0, be_waiters(&self->b));
	EXPECT_EQ(0, wait_exit(pid));
}

TEST_F(both, waiters_counts_blocked_p)
{
	int note1, note2;
	pid_t p1, p2;

	ASSERT_EQ(0, be_setval(&self->b, 0));
	EXPECT_EQ(0, be_waiters(&self->b));
	KIPC_CHILD_OP(p1, note1, be_p(&self->b, 1, 0, 0));
	ASSERT_EQ(0, wait_waiters(&self->b, 1));
	KIPC_CHILD_OP(p2, note2, be_p(&self->b, 2, 0, 0));
	EXPECT_EQ(0, wait_waiters(&self->b, 2));
	kill(p1, SIGKILL);
	EXPECT_EQ(-1, wait_exit(p1));
	EXPECT_EQ(0, wait_waiters(&self->b, 1));
	(void)note1;
	(void)note2;
	(void)p2;
}

TEST_F(both, v_wakes_every_waiter_that_fits)
{
	struct op_result r;
	int note[3], i;
	pid_t pid[3];

	ASSERT_EQ(0, be_setval(&self->b, 0));
	for (i = 0; i < 3; i++)
		KIPC_CHILD_OP(pid[i], note[i], be_p(&self->b, 1, 0, 0));
	ASSERT_EQ(0, wait_waiters(&self->b, 3));
	ASSERT_EQ(0, be_v(&self->b, 3));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(1, kipc_op_done(note[i], 10000, &r));
		EXPECT_EQ(0, r.ret);
		EXPECT_EQ(0, wait_exit(pid[i]));
	}
	EXPECT_EQ(0, be_value(&self->b));
}

TEST_F(both, timed_p_times_out)
{
	unsigned long long t0 = kipc_now_ns();

	ASSERT_EQ(0, be_setval(&self->b, 0));
	EXPECT_EQ(-1, be_p(&self->b, 1, 0, 20 * MS));
	EXPECT_EQ(variant->timeout_errno, errno);
	/* Never early (hrtimers don't fire before their time). */
	EXPECT_GE(kipc_now_ns() - t0, 20 * MS);
	EXPECT_EQ(0, be_waiters(&self->b));
	EXPECT_EQ(0, be_value(&self->b));
}

TEST_F(both, timed_p_succeeds_when_v_comes_in_time)
{
	struct op_result r;
	int note;
	pid_t pid;

	ASSERT_EQ(0, be_setval(&self->b, 0));
	KIPC_CHILD_OP(pid, note, be_p(&self->b, 1, 0, 60000 * MS));
	ASSERT_EQ(0, wait_waiters(&self->b, 1));
	ASSERT_EQ(0, be_v(&self->b, 1));
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	EXPECT_EQ(0, r.ret);
	EXPECT_EQ(0, wait_exit(pid));
}

/* semop() is never restarted, SA_RESTART or not: nor is P. */
TEST_F(both, signal_interrupts_p_despite_sa_restart)
{
	struct op_result r;
	int note;
	pid_t pid;

	ASSERT_EQ(0, be_setval(&self->b, 0));
	KIPC_CHILD_OP(pid, note, p_with_restarting_handler(&self->b, 0));
	ASSERT_EQ(0, wait_waiters(&self->b, 1));
	ASSERT_EQ(0, kill(pid, SIGUSR1));
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	EXPECT_EQ(-1, r.ret);
	EXPECT_EQ(EINTR, r.err);
	EXPECT_EQ(0, be_waiters(&self->b));
	EXPECT_EQ(0, be_value(&self->b));
}

TEST_F(both, signal_interrupts_timed_p)
{
	struct op_result r;
	int note;
	pid_t pid;

	ASSERT_EQ(0, be_setval(&self->b, 0));
	KIPC_CHILD_OP(pid, note,
		      p_with_restarting_handler(&self->b, 60000 * MS));
	ASSERT_EQ(0, wait_waiters(&self->b, 1));
	ASSERT_EQ(0, kill(pid, SIGUSR1));
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	EXPECT_EQ(-1, r.ret);
	EXPECT_EQ(EINTR, r.err);
}

TEST_F(both, killed_waiter_leaves_queue)
{
	int note;
	pid_t pid;

	ASSERT_EQ(0, be_setval(&self->b, 0));
	KIPC_CHILD_OP(pid, note, be_p(&self->b, 1, 0, 0));
	ASSERT_EQ(0, wait_waiters(&self->b, 1));
	kill(pid, SIGKILL);
	EXPECT_EQ(-1, wait_exit(pid));
	EXPECT_EQ(0, wait_waiters(&self->b, 0));
	/* A later V is not swallowed by the dead waiter. */
	ASSERT_EQ(0, be_v(&self->b, 1));
	EXPECT_EQ(1, be_value(&self->b));
	(void)note;
}

TEST_F(both, lpid_is_last_operator)
{
	pid_t pid;

	ASSERT_EQ(0, be_setval(&self->b, 0));
	pid = kipc_fork_kid();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(be_v(&self->b, 1) ? 1 : 0);
	ASSERT_EQ(0, wait_exit(pid));
	EXPECT_EQ(pid, be_lpid(&self->b));
	ASSERT_EQ(0, be_p(&self->b, 1, 0, 0));
	EXPECT_EQ(getpid(), be_lpid(&self->b));
}

/* A P that waited completes when granted: lpid is the waiter, not the V. */
TEST_F(both, lpid_of_granted_waiter)
{
	struct op_result r;
	int note;
	pid_t pid;

	ASSERT_EQ(0, be_setval(&self->b, 0));
	KIPC_CHILD_OP(pid, note, be_p(&self->b, 1, 0, 0));
	ASSERT_EQ(0, wait_waiters(&self->b, 1));
	ASSERT_EQ(0, be_v(&self->b, 1));
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	EXPECT_EQ(pid, be_lpid(&self->b));
	EXPECT_EQ(0, wait_exit(pid));
}

TEST_F(both, undo_given_back_at_exit)
{
	pid_t holder;

	ASSERT_EQ(0, be_setval(&self->b, 5));
	holder = spawn_holder(_metadata, &self->b, 2);
	ASSERT_GT(holder, 0);
	EXPECT_EQ(3, be_value(&self->b));
	kill(holder, SIGKILL);
	EXPECT_EQ(-1, wait_exit(holder));
	EXPECT_EQ(5, be_value(&self->b));
}

/* The textbook case: the mutex holder dies, the others carry on. */
TEST_F(both, undo_holder_killed_others_continue)
{
	struct op_result r;
	int note[2], i;
	pid_t holder, pid[2];

	ASSERT_EQ(0, be_setval(&self->b, 1));
	holder = spawn_holder(_metadata, &self->b, 1);
	ASSERT_GT(holder, 0);
	EXPECT_EQ(0, be_value(&self->b));
	for (i = 0; i < 2; i++)
		KIPC_CHILD_OP(pid[i], note[i],
			      be_p(&self->b, 1, 0, 0) || be_v(&self->b, 1));
	ASSERT_EQ(0, wait_waiters(&self->b, 2));
	kill(holder, SIGKILL);
	EXPECT_EQ(-1, wait_exit(holder));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(1, kipc_op_done(note[i], 10000, &r));
		EXPECT_EQ(0, r.ret);
		EXPECT_EQ(0, wait_exit(pid[i]));
	}
	EXPECT_EQ(1, be_value(&self->b));
}

/*
 * The crash-safe worker pool: a worker forked with the parent's open file
 * takes a unit with UNDO and is killed; the unit comes back although the
 * parent still holds the file, as SEM_UNDO gives it back per process.
 */
TEST_F(both, undo_worker_sharing_the_file_killed_gives_back)
{
	pid_t worker;

	ASSERT_EQ(0, be_setval(&self->b, 1));
	worker = spawn_undo_holder(_metadata, &self->b, 1, true);
	ASSERT_GT(worker, 0);
	EXPECT_EQ(0, be_value(&self->b));
	kill(worker, SIGKILL);
	EXPECT_EQ(-1, wait_exit(worker));
	EXPECT_EQ(1, be_value(&self->b));
}

/* Someone else's V does not cancel the holder's undo. */
TEST_F(both, undo_survives_v_by_other_process)
{
	pid_t holder;

	ASSERT_EQ(0, be_setval(&self->b, 1));
	holder = spawn_holder(_metadata, &self->b, 1);
	ASSERT_GT(holder, 0);
	ASSERT_EQ(0, be_v(&self->b, 1));
	EXPECT_EQ(1, be_value(&self->b));
	kill(holder, SIGKILL);
	EXPECT_EQ(-1, wait_exit(holder));
	EXPECT_EQ(2, be_value(&self->b));
}

TEST_F(both, setval_cancels_undo)
{
	pid_t holder;

	ASSERT_EQ(0, be_setval(&self->b, 1));
	holder = spawn_holder(_metadata, &self->b, 1);
	ASSERT_GT(holder, 0);
	ASSERT_EQ(0, be_setval(&self->b, 1));
	kill(holder, SIGKILL);
	EXPECT_EQ(-1, wait_exit(holder));
	EXPECT_EQ(1, be_value(&self->b));
}

/*
 * A waiter for 3 queued before a waiter for 1. kipc serves strictly in
 * arrival order: one unit does not go to the later small request, and
 * the large one is served first. SysV lets the small one overtake.
 */
TEST_F(both, large_waiter_served_before_later_small_ones)
{
	struct op_result r;
	int big, small;
	pid_t pb, ps;

	ASSERT_EQ(0, be_setval(&self->b, 0));
	KIPC_CHILD_OP(pb, big, be_p(&self->b, 3, 0, 0));
	ASSERT_EQ(0, wait_waiters(&self->b, 1));
	KIPC_CHILD_OP(ps, small, be_p(&self->b, 1, 0, 0));
	ASSERT_EQ(0, wait_waiters(&self->b, 2));

	ASSERT_EQ(0, be_v(&self->b, 1));
	if (variant->fifo) {
		EXPECT_EQ(0, kipc_op_done(small, 100, &r));
		EXPECT_EQ(2, be_waiters(&self->b));
		EXPECT_EQ(1, be_value(&self->b));
		ASSERT_EQ(0, be_v(&self->b, 2));
		ASSERT_EQ(1, kipc_op_done(big, 10000, &r));
		EXPECT_EQ(0, r.ret);
		EXPECT_EQ(0, kipc_op_done(small, 100, &r));
		EXPECT_EQ(0, be_value(&self->b));
		ASSERT_EQ(0, be_v(&self->b, 1));
		ASSERT_EQ(1, kipc_op_done(small, 10000, &r));
	} else {
		ASSERT_EQ(1, kipc_op_done(small, 10000, &r));
		EXPECT_EQ(0, kipc_op_done(big, 100, &r));
		ASSERT_EQ(0, be_v(&self->b, 3));
		ASSERT_EQ(1, kipc_op_done(big, 10000, &r));
	}
	EXPECT_EQ(0, r.ret);
	EXPECT_EQ(0, be_value(&self->b));
	EXPECT_EQ(0, wait_exit(pb));
	EXPECT_EQ(0, wait_exit(ps));
}

#define WORKERS 4

/*
 * 100,000 rounds per worker; KIPC_SEM_ROUNDS=N runs fewer where a round
 * costs much more (a KASAN/lockdep kernel under TCG).
 */
static unsigned int scene_rounds(void)
{
	const char *env = getenv("KIPC_SEM_ROUNDS");

	return env && atoi(env) > 0 ? atoi(env) : 100000;
}

/* Four processes add 1 to a shared counter 100,000 times each, under P/V. */
TEST_F_TIMEOUT(both, mutex_guards_shared_counter, 280)
{
	const unsigned int rounds = scene_rounds();
	unsigned long long t0 = kipc_now_ns();
	__u64 saved_size = 0;
	int shmid = -1, fd = -1, i;
	pid_t pid[WORKERS];
	unsigned int *counter;

	counter = scene_memory(&self->b, 4096, &shmid, &fd, &saved_size);
	ASSERT_NE(NULL, counter);
	ASSERT_EQ(0, be_setval(&self->b, 1));
	for (i = 0; i < WORKERS; i++) {
		pid[i] = kipc_fork_kid();
		ASSERT_GE(pid[i], 0);
		if (pid[i] == 0) {
			unsigned int n, v;

			for (n = 0; n < rounds; n++) {
				if (be_p(&self->b, 1, 0, 0))
					_exit(1);
				/* A read-modify-write that races without P. */
				v = __atomic_load_n(counter, __ATOMIC_RELAXED);
				__atomic_store_n(counter, v + 1,
						 __ATOMIC_RELAXED);
				if (be_v(&self->b, 1))
					_exit(2);
			}
			_exit(0);
		}
		ASSERT_EQ(0, kipc_keep_kid(pid[i]));
	}
	for (i = 0; i < WORKERS; i++)
		EXPECT_EQ(0, wait_exit(pid[i]));
	EXPECT_EQ(WORKERS * rounds, *counter);
	/* For information: strict FIFO hands the mutex over at every V. */
	TH_LOG("%s: %u x %u rounds in %llu ms", variant->kipc ? "kipc" : "sysv",
	       WORKERS, rounds, (kipc_now_ns() - t0) / 1000000);
	EXPECT_EQ(1, be_value(&self->b));
	EXPECT_EQ(0, scene_memory_free(&self->b, counter, 4096, shmid, fd,
				       saved_size));
}

/*
 * Producer/consumer over a semaphore at 0: the consumer reads the message
 * only after the producer wrote it and did V, whichever starts first.
 */
static void producer_consumer(struct __test_metadata *_metadata,
			      const struct backend *b, bool consumer_first)
{
	static const char msg[] = "produced before consumed";
	__u64 saved_size = 0;
	int shmid = -1, fd = -1;
	pid_t prod, cons = 0;
	char *buf;

	buf = scene_memory(b, 4096, &shmid, &fd, &saved_size);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, be_setval(b, 0));

	if (consumer_first) {
		cons = kipc_fork_kid();
		ASSERT_GE(cons, 0);
		if (cons == 0)
			_exit(be_p(b, 1, 0, 0) ? 1 : strcmp(buf, msg) ? 2 : 0);
		ASSERT_EQ(0, kipc_keep_kid(cons));
		/* It waits, and has not seen anything. */
		ASSERT_EQ(0, wait_waiters(b, 1));
	}
	prod = kipc_fork_kid();
	ASSERT_GE(prod, 0);
	if (prod == 0) {
		memcpy(buf, msg, sizeof(msg));
		_exit(be_v(b, 1) ? 1 : 0);
	}
	ASSERT_EQ(0, kipc_keep_kid(prod));
	EXPECT_EQ(0, wait_exit(prod));
	if (!consumer_first) {
		EXPECT_EQ(1, be_value(b));
		cons = kipc_fork_kid();
		ASSERT_GE(cons, 0);
		if (cons == 0)
			_exit(be_p(b, 1, 0, 0) ? 1 : strcmp(buf, msg) ? 2 : 0);
		ASSERT_EQ(0, kipc_keep_kid(cons));
	}
	EXPECT_EQ(0, wait_exit(cons));
	EXPECT_EQ(0, be_value(b));
	EXPECT_EQ(0, scene_memory_free(b, buf, 4096, shmid, fd, saved_size));
}

TEST_F(both, producer_consumer_consumer_starts_first)
{
	producer_consumer(_metadata, &self->b, true);
}

TEST_F(both, producer_consumer_producer_starts_first)
{
	producer_consumer(_metadata, &self->b, false);
}

/* ================================================= /dev/kipc/sem0 only */

/* As the `both` fixture's kipc variant: sem0 as a backend, for be_*(). */
FIXTURE(sem)
{
	struct backend b;
	long long saved;
};

FIXTURE_SETUP(sem)
{
	node_setup(_metadata, &self->b, &self->saved);
}

FIXTURE_TEARDOWN(sem)
{
	kipc_reap_kids();
	node_teardown(_metadata, &self->b, self->saved);
}

/* ------------------------------------------------- argument checks */

TEST_F(sem, p_count_zero_einval)
{
	EXPECT_EQ(-1, sem_p(self->b.fd, 0, 0, 0));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(sem, v_count_zero_einval)
{
	EXPECT_EQ(-1, sem_v(self->b.fd, 0));
	EXPECT_EQ(EINVAL, errno);
}

/* More than the value can ever hold: it would block the queue for good. */
TEST_F(sem, p_count_above_max_einval)
{
	EXPECT_EQ(-1, sem_p(self->b.fd, (__u32)MAX + 1, KIPC_NOWAIT, 0));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(sem, p_unknown_flag_einval)
{
	ASSERT_EQ(0, sem_setval(self->b.fd, 1));
	EXPECT_EQ(-1, sem_p(self->b.fd, 1, 1U << 7, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, sem_p(self->b.fd, 1, KIPC_MSG_EXCEPT, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(1, sem_value(self->b.fd));
}

TEST_F(sem, v_with_flags_einval)
{
	ASSERT_EQ(0, sem_setval(self->b.fd, 0));
	EXPECT_EQ(-1, sem_op(self->b.fd, KIPC_SEM_V, 1, KIPC_NOWAIT, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, sem_op(self->b.fd, KIPC_SEM_V, 1, KIPC_SEM_UNDO, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, sem_value(self->b.fd));
}

TEST_F(sem, v_with_timeout_einval)
{
	EXPECT_EQ(-1, sem_op(self->b.fd, KIPC_SEM_V, 1, 0, MS));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(sem, v_overflow_changes_nothing)
{
	struct kipc_sem_info before, after;

	ASSERT_EQ(0, sem_setval(self->b.fd, MAX - 5));
	before = sem_info(self->b.fd);
	EXPECT_EQ(-1, sem_v(self->b.fd, 6));
	EXPECT_EQ(EOVERFLOW, errno);
	EXPECT_EQ(-1, sem_v(self->b.fd, UINT32_MAX));
	EXPECT_EQ(EOVERFLOW, errno);
	after = sem_info(self->b.fd);
	EXPECT_EQ(MAX - 5, after.value);
	EXPECT_EQ(before.v_ops, after.v_ops);
	EXPECT_EQ(0, sem_v(self->b.fd, 5));
	EXPECT_EQ(MAX, sem_value(self->b.fd));
}

TEST_F(sem, setval_negative_erange)
{
	ASSERT_EQ(0, sem_setval(self->b.fd, 3));
	EXPECT_EQ(-1, sem_setval(self->b.fd, -1));
	EXPECT_EQ(ERANGE, errno);
	EXPECT_EQ(3, sem_value(self->b.fd));
}

TEST_F(sem, setval_above_max_erange)
{
	ASSERT_EQ(0, sem_setval(self->b.fd, 3));
	EXPECT_EQ(-1, sem_setval(self->b.fd, (long long)MAX + 1));
	EXPECT_EQ(ERANGE, errno);
	EXPECT_EQ(3, sem_value(self->b.fd));
}

TEST_F(sem, setval_bounds_accepted)
{
	EXPECT_EQ(0, sem_setval(self->b.fd, 0));
	EXPECT_EQ(0, sem_value(self->b.fd));
	EXPECT_EQ(0, sem_setval(self->b.fd, MAX));
	EXPECT_EQ(MAX, sem_value(self->b.fd));
}

TEST_F(sem, p_bad_pointer_efault)
{
	EXPECT_EQ(-1, ioctl(self->b.fd, KIPC_SEM_P, kipc_bad_ptr()));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(sem, v_bad_pointer_efault)
{
	EXPECT_EQ(-1, ioctl(self->b.fd, KIPC_SEM_V, NULL));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(sem, getinfo_bad_pointer_efault)
{
	EXPECT_EQ(-1, ioctl(self->b.fd, KIPC_SEM_GETINFO, kipc_bad_ptr()));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(sem, setval_bad_pointer_efault)
{
	EXPECT_EQ(-1, ioctl(self->b.fd, KIPC_SEM_SETVAL, kipc_bad_ptr()));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(sem, unknown_ioctl_enotty)
{
	__u64 size;

	EXPECT_EQ(-1, ioctl(self->b.fd, KIPC_SHM_GET_SIZE, &size));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->b.fd, _IO(KIPC_IOC_MAGIC, 0x3f)));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_F(sem, readonly_fd_cannot_alter_ebadf)
{
	int fd = kipc_open(NODE, O_RDONLY);

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, sem_setval(self->b.fd, 1));
	EXPECT_EQ(-1, sem_p(fd, 1, KIPC_NOWAIT, 0));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, sem_v(fd, 1));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, sem_setval(fd, 2));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(1, sem_value(fd));
	close(fd);
}

TEST_F(sem, writeonly_fd_cannot_getinfo_ebadf)
{
	struct kipc_sem_info info;
	int fd = kipc_open(NODE, O_WRONLY);

	ASSERT_GE(fd, 0);
	EXPECT_EQ(-1, ioctl(fd, KIPC_SEM_GETINFO, &info));
	EXPECT_EQ(EBADF, errno);
	ASSERT_EQ(0, sem_setval(fd, 1));
	EXPECT_EQ(0, sem_p(fd, 1, 0, 0));
	close(fd);
}

/* ----------------------------------------------- FIFO and waiting */

/* A NOWAIT P that would fit does not jump a queue: EAGAIN. */
TEST_F(sem, nowait_p_does_not_overtake_queue)
{
	int note;
	pid_t pid;

	ASSERT_EQ(0, sem_setval(self->b.fd, 2));
	KIPC_CHILD_OP(pid, note, sem_p(self->b.fd, 3, 0, 0));
	ASSERT_EQ(0, wait_waiters(&self->b, 1));
	EXPECT_EQ(-1, sem_p(self->b.fd, 1, KIPC_NOWAIT, 0));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(2, sem_value(self->b.fd));
	(void)note;
	(void)pid;
}

TEST_F(sem, blocking_p_queues_behind_waiter)
{
	struct op_result r;
	int big, small;
	pid_t pb, ps;

	ASSERT_EQ(0, sem_setval(self->b.fd, 2));
	KIPC_CHILD_OP(pb, big, sem_p(self->b.fd, 3, 0, 0));
	ASSERT_EQ(0, wait_waiters(&self->b, 1));
	KIPC_CHILD_OP(ps, small, sem_p(self->b.fd, 1, 0, 0));
	ASSERT_EQ(0, wait_waiters(&self->b, 2));
	EXPECT_EQ(2, sem_value(self->b.fd));
	ASSERT_EQ(0, sem_v(self->b.fd, 2));
	/* 4 units: 3 to the head, then 1 to the next. */
	ASSERT_EQ(1, kipc_op_done(big, 10000, &r));
	ASSERT_EQ(1, kipc_op_done(small, 10000, &r));
	EXPECT_EQ(0, sem_value(self->b.fd));
	EXPECT_EQ(0, wait_exit(pb));
	EXPECT_EQ(0, wait_exit(ps));
}

/* The head times out: the one it held back is served at once. */
TEST_F(sem, head_timing_out_serves_next)
{
	struct op_result r;
	int big, small;
	pid_t pb, ps;

	ASSERT_EQ(0, sem_setval(self->b.fd, 2));
	KIPC_CHILD_OP(pb, big, sem_p(self->b.fd, 3, 0, 3000 * MS));
	ASSERT_EQ(0, wait_waiters(&self->b, 1));
	KIPC_CHILD_OP(ps, small, sem_p(self->b.fd, 1, 0, 0));
	/* Both queued: the small one waits behind the big one. */
	ASSERT_EQ(0, wait_waiters(&self->b, 2));
	EXPECT_EQ(0, kipc_op_done(small, 0, &r));
	ASSERT_EQ(1, kipc_op_done(big, 10000, &r));
	EXPECT_EQ(-1, r.ret);
	EXPECT_EQ(ETIMEDOUT, r.err);
	ASSERT_EQ(1, kipc_op_done(small, 10000, &r));
	EXPECT_EQ(0, r.ret);
	EXPECT_EQ(1, sem_value(self->b.fd));
	EXPECT_EQ(0, wait_exit(pb));
	EXPECT_EQ(0, wait_exit(ps));
}

TEST_F(sem, head_killed_serves_next)
{
	struct op_result r;
	int big, small;
	pid_t pb, ps;

	ASSERT_EQ(0, sem_setval(self->b.fd, 2));
	KIPC_CHILD_OP(pb, big, sem_p(self->b.fd, 3, 0, 0));
	ASSERT_EQ(0, wait_waiters(&self->b, 1));
	KIPC_CHILD_OP(ps, small, sem_p(self->b.fd, 1, 0, 0));
	ASSERT_EQ(0, wait_waiters(&self->b, 2));
	kill(pb, SIGKILL);
	EXPECT_EQ(-1, wait_exit(pb));
	ASSERT_EQ(1, kipc_op_done(small, 10000, &r));
	EXPECT_EQ(0, r.ret);
	EXPECT_EQ(1, sem_value(self->b.fd));
	EXPECT_EQ(0, wait_exit(ps));
	(void)big;
}

TEST_F(sem, setval_serves_waiters)
{
	struct op_result r;
	int note;
	pid_t pid;

	ASSERT_EQ(0, sem_setval(self->b.fd, 0));
	KIPC_CHILD_OP(pid, note, sem_p(self->b.fd, 2, 0, 0));
	ASSERT_EQ(0, wait_waiters(&self->b, 1));
	ASSERT_EQ(0, sem_setval(self->b.fd, 5));
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	EXPECT_EQ(0, r.ret);
	EXPECT_EQ(3, sem_value(self->b.fd));
	EXPECT_EQ(0, wait_exit(pid));
}

/* A relative timeout of 2^64-1 ns saturates: it waits, not fails. */
TEST_F(sem, huge_timeout_waits)
{
	struct op_result r;
	int note;
	pid_t pid;

	ASSERT_EQ(0, sem_setval(self->b.fd, 0));
	KIPC_CHILD_OP(pid, note, sem_p(self->b.fd, 1, 0, UINT64_MAX));
	ASSERT_EQ(0, wait_waiters(&self->b, 1));
	EXPECT_EQ(0, kipc_op_done(note, 100, &r));
	ASSERT_EQ(0, sem_v(self->b.fd, 1));
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	EXPECT_EQ(0, r.ret);
	EXPECT_EQ(0, wait_exit(pid));
}

TEST_F(sem, nowait_ignores_timeout)
{
	ASSERT_EQ(0, sem_setval(self->b.fd, 0));
	EXPECT_EQ(-1, sem_p(self->b.fd, 1, KIPC_NOWAIT, 60000 * MS));
	EXPECT_EQ(EAGAIN, errno);
}

/*
 * Units are conserved: four processes take 1..3 units with UNDO (blocking
 * with short timeouts, or NOWAIT) and give them back, for three seconds,
 * one of them is killed midway while it may hold some; at the end the
 * value is what it was and nobody waits.
 */
TEST_F_TIMEOUT(sem, units_conserved_under_timeouts_and_kill, 60)
{
	unsigned long long end = kipc_now_ns() + 3000000000ULL;
	pid_t pid[4];
	int i;

	ASSERT_EQ(0, sem_setval(self->b.fd, 5));
	for (i = 0; i < 4; i++) {
		pid[i] = kipc_fork_kid();
		ASSERT_GE(pid[i], 0);
		if (pid[i] == 0) {
			int fd = kipc_open(NODE, O_RDWR), k;
			unsigned int seed = getpid();
			__u32 flags;

			while (fd >= 0 && kipc_now_ns() < end) {
				k = 1 + rand_r(&seed) % 3;
				flags = KIPC_SEM_UNDO;
				if (rand_r(&seed) % 4 == 0)
					flags |= KIPC_NOWAIT;
				if (!sem_p(fd, k, flags,
					   (1 + rand_r(&seed) % 3) * MS)) {
					if (sem_v(fd, k))
						_exit(1);
				} else if (errno != EAGAIN &&
					   errno != ETIMEDOUT) {
					_exit(2);
				}
			}
			_exit(fd < 0 ? 3 : 0);
		}
		ASSERT_EQ(0, kipc_keep_kid(pid[i]));
	}
	usleep(1000000);
	kill(pid[0], SIGKILL);
	EXPECT_EQ(-1, wait_exit(pid[0]));
	for (i = 1; i < 4; i++)
		EXPECT_EQ(0, wait_exit(pid[i]));
	EXPECT_EQ(0, wait_waiters(&self->b, 0));
	EXPECT_EQ(5, sem_value(self->b.fd));
}

/* --------------------------------------------------------- counters */

TEST_F(sem, ops_counted_only_when_completed)
{
	struct kipc_sem_info a, b;

	ASSERT_EQ(0, sem_setval(self->b.fd, 1));
	a = sem_info(self->b.fd);
	EXPECT_EQ(0, sem_p(self->b.fd, 1, 0, 0));
	EXPECT_EQ(-1, sem_p(self->b.fd, 1, KIPC_NOWAIT, 0));
	EXPECT_EQ(-1, sem_p(self->b.fd, 1, 0, MS));
	EXPECT_EQ(0, sem_v(self->b.fd, 2));
	EXPECT_EQ(-1, sem_v(self->b.fd, MAX));
	EXPECT_EQ(0, sem_v(self->b.fd, 1));
	b = sem_info(self->b.fd);
	EXPECT_EQ(a.p_ops + 1, b.p_ops);
	EXPECT_EQ(a.v_ops + 2, b.v_ops);
	EXPECT_EQ(getpid(), (pid_t)b.lpid);
	EXPECT_EQ(3, b.value);
	EXPECT_EQ(0U, b.waiters);
}

TEST_F(sem, proc_row_matches_getinfo)
{
	struct kipc_sem_info info;

	ASSERT_EQ(0, sem_setval(self->b.fd, 7));
	ASSERT_EQ(0, sem_p(self->b.fd, 2, 0, 0));
	info = sem_info(self->b.fd);
	EXPECT_EQ(5, kipc_proc("sem", NODE, "value"));
	EXPECT_EQ((long long)info.waiters, kipc_proc("sem", NODE, "waiters"));
	EXPECT_EQ(getpid(), kipc_proc("sem", NODE, "lpid"));
	EXPECT_EQ((long long)info.p_ops, kipc_proc("sem", NODE, "p_ops"));
	EXPECT_EQ((long long)info.v_ops, kipc_proc("sem", NODE, "v_ops"));
}

/* sem3 is used by no test: it still holds the sem_init parameter. */
TEST_F(sem, initial_value_is_sem_init)
{
	char buf[32] = "";
	FILE *f = fopen("/sys/module/kipc/parameters/sem_init", "re");
	int fd = kipc_open("sem3", O_RDONLY);

	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(buf, sizeof(buf), f));
	fclose(f);
	if (fd < 0)
		SKIP(return, "no sem3 node");
	EXPECT_EQ(strtoll(buf, NULL, 0), sem_value(fd));
	close(fd);
}

/* ------------------------------------------------------------- poll */

/* Wait until @pid sleeps (state S in /proc/PID/stat), at most ~10 s. */
static int wait_sleeping(pid_t pid)
{
	char path[64], state;
	int i, ok;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	for (i = 0; i < 10000; i++) {
		f = fopen(path, "re");
		if (!f)
			return -1;
		ok = fscanf(f, "%*d (%*[^)]) %c", &state) == 1 && state == 'S';
		fclose(f);
		if (ok)
			return 0;
		usleep(1000);
	}
	return -1;
}

static short poll_events(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1 ? p.revents : 0;
}

TEST_F(sem, poll_readable_while_value)
{
	ASSERT_EQ(0, sem_setval(self->b.fd, 1));
	EXPECT_EQ(POLLIN, poll_events(self->b.fd, 0) & POLLIN);
	ASSERT_EQ(0, sem_setval(self->b.fd, 0));
	EXPECT_EQ(0, poll_events(self->b.fd, 0));
}

TEST_F(sem, poll_not_readable_while_queue_waits)
{
	int note;
	pid_t pid;

	ASSERT_EQ(0, sem_setval(self->b.fd, 2));
	KIPC_CHILD_OP(pid, note, sem_p(self->b.fd, 3, 0, 0));
	ASSERT_EQ(0, wait_waiters(&self->b, 1));
	EXPECT_EQ(0, poll_events(self->b.fd, 0));
	kill(pid, SIGKILL);
	EXPECT_EQ(-1, wait_exit(pid));
	/* The queue emptied: readable again. */
	EXPECT_EQ(POLLIN, poll_events(self->b.fd, 10000) & POLLIN);
	(void)note;
}

TEST_F(sem, poll_woken_by_v)
{
	pid_t pid;

	ASSERT_EQ(0, sem_setval(self->b.fd, 0));
	pid = kipc_fork_kid();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		/* V only once the parent sleeps in poll(). */
		if (wait_sleeping(getppid()))
			_exit(2);
		_exit(sem_v(self->b.fd, 1) ? 1 : 0);
	}
	ASSERT_EQ(0, kipc_keep_kid(pid));
	EXPECT_EQ(POLLIN, poll_events(self->b.fd, 10000) & POLLIN);
	EXPECT_EQ(0, wait_exit(pid));
}

TEST_F(sem, epoll_woken_by_v)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET };
	int ep = epoll_create1(EPOLL_CLOEXEC);
	pid_t pid;

	ASSERT_GE(ep, 0);
	ASSERT_EQ(0, sem_setval(self->b.fd, 0));
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->b.fd, &ev));
	EXPECT_EQ(0, epoll_wait(ep, &ev, 1, 0));
	pid = kipc_fork_kid();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		if (wait_sleeping(getppid()))
			_exit(2);
		_exit(sem_v(self->b.fd, 1) ? 1 : 0);
	}
	ASSERT_EQ(0, kipc_keep_kid(pid));
	ASSERT_EQ(1, epoll_wait(ep, &ev, 1, 10000));
	EXPECT_TRUE(!!(ev.events & EPOLLIN));
	EXPECT_EQ(0, wait_exit(pid));
	close(ep);
}

/* ----------------------------------------------------- undo per process */

TEST_F(sem, undo_given_back_on_close)
{
	int fd = kipc_open(NODE, O_RDWR);

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, sem_setval(self->b.fd, 5));
	ASSERT_EQ(0, sem_p(fd, 3, KIPC_SEM_UNDO, 0));
	EXPECT_EQ(2, sem_value(self->b.fd));
	close(fd);
	EXPECT_EQ(5, sem_value(self->b.fd));
}

TEST_F(sem, plain_p_not_given_back)
{
	int fd = kipc_open(NODE, O_RDWR);

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, sem_setval(self->b.fd, 5));
	ASSERT_EQ(0, sem_p(fd, 3, 0, 0));
	close(fd);
	EXPECT_EQ(2, sem_value(self->b.fd));
}

/* P(UNDO) then V through the same file: nothing is given back twice. */
TEST_F(sem, own_v_settles_undo)
{
	int fd = kipc_open(NODE, O_RDWR);

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, sem_setval(self->b.fd, 1));
	ASSERT_EQ(0, sem_p(fd, 1, KIPC_SEM_UNDO, 0));
	ASSERT_EQ(0, sem_v(fd, 1));
	close(fd);
	EXPECT_EQ(1, sem_value(self->b.fd));
}

TEST_F(sem, undo_give_back_clamped_at_max)
{
	int fd = kipc_open(NODE, O_RDWR);

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, sem_setval(self->b.fd, MAX));
	ASSERT_EQ(0, sem_p(fd, 5, KIPC_SEM_UNDO, 0));
	ASSERT_EQ(0, sem_v(self->b.fd, 5));
	close(fd);
	EXPECT_EQ(MAX, sem_value(self->b.fd));
}

/* Outstanding undo units per file are bounded like the value: ERANGE. */
TEST_F(sem, undo_beyond_max_erange)
{
	int fd = kipc_open(NODE, O_RDWR);

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, sem_setval(self->b.fd, MAX));
	ASSERT_EQ(0, sem_p(fd, MAX, KIPC_SEM_UNDO, 0));
	ASSERT_EQ(0, sem_v(self->b.fd, 10));
	EXPECT_EQ(-1, sem_p(fd, 1, KIPC_SEM_UNDO, 0));
	EXPECT_EQ(ERANGE, errno);
	EXPECT_EQ(10, sem_value(self->b.fd));
	/* Without undo it is an ordinary P. */
	EXPECT_EQ(0, sem_p(fd, 1, 0, 0));
	close(fd);
}

TEST_F(sem, undo_of_timed_out_p_not_given_back)
{
	int fd = kipc_open(NODE, O_RDWR);

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, sem_setval(self->b.fd, 0));
	EXPECT_EQ(-1, sem_p(fd, 1, KIPC_SEM_UNDO, 10 * MS));
	EXPECT_EQ(ETIMEDOUT, errno);
	close(fd);
	EXPECT_EQ(0, sem_value(self->b.fd));
}

/*
 * The record is the process's: a child forked with the file starts with
 * none (as SEM_UNDO's semadj), so its exit gives nothing back; the
 * parent's close does.
 */
TEST_F(sem, undo_not_inherited_by_fork)
{
	int fd = kipc_open(NODE, O_RDWR);
	pid_t pid;

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, sem_setval(self->b.fd, 3));
	ASSERT_EQ(0, sem_p(fd, 2, KIPC_SEM_UNDO, 0));
	pid = kipc_fork_kid();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(0);
	EXPECT_EQ(0, wait_exit(pid));
	EXPECT_EQ(1, sem_value(self->b.fd));
	close(fd);
	EXPECT_EQ(3, sem_value(self->b.fd));
}

/* A granted waiter's units are given back too. */
TEST_F(sem, undo_of_waited_p_given_back)
{
	pid_t pid;

	ASSERT_EQ(0, sem_setval(self->b.fd, 0));
	pid = kipc_fork_kid();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int fd = kipc_open(NODE, O_RDWR);

		_exit(fd < 0 || sem_p(fd, 2, KIPC_SEM_UNDO, 0) ? 1 : 0);
	}
	ASSERT_EQ(0, kipc_keep_kid(pid));
	ASSERT_EQ(0, wait_waiters(&self->b, 1));
	ASSERT_EQ(0, sem_v(self->b.fd, 2));
	EXPECT_EQ(0, wait_exit(pid));
	EXPECT_EQ(2, sem_value(self->b.fd));
}

/*
 * Closing one of two descriptors of the file does not end the process's
 * use of it: the units stay taken until the last one is closed.
 */
TEST_F(sem, undo_kept_while_a_dup_is_open)
{
	int fd = kipc_open(NODE, O_RDWR), dupfd;

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, sem_setval(self->b.fd, 3));
	ASSERT_EQ(0, sem_p(fd, 2, KIPC_SEM_UNDO, 0));
	dupfd = dup(fd);
	ASSERT_GE(dupfd, 0);
	close(fd);
	EXPECT_EQ(1, sem_value(self->b.fd));
	close(dupfd);
	EXPECT_EQ(3, sem_value(self->b.fd));
}

static void *p_undo_thread(void *arg)
{
	return (void *)(long)sem_p(*(int *)arg, 1, KIPC_SEM_UNDO, 0);
}

/*
 * Threads share the process's record (SEM_UNDO: CLONE_SYSVSEM): a thread
 * that took a unit and ended gives nothing back; the process's close does.
 */
TEST_F(sem, undo_of_a_thread_stays_with_the_process)
{
	int fd = kipc_open(NODE, O_RDWR);
	pthread_t t;
	void *ret;

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, sem_setval(self->b.fd, 1));
	ASSERT_EQ(0, pthread_create(&t, NULL, p_undo_thread, &fd));
	ASSERT_EQ(0, pthread_join(t, &ret));
	EXPECT_EQ(NULL, ret);
	EXPECT_EQ(0, sem_value(self->b.fd));
	/* The main thread's V settles the process's unit: nothing twice. */
	ASSERT_EQ(0, sem_v(fd, 1));
	close(fd);
	EXPECT_EQ(1, sem_value(self->b.fd));
}

TEST_F(sem, fdinfo_shows_undo)
{
	char path[64], line[128];
	int fd = kipc_open(NODE, O_RDWR);
	long long undo = -1;
	FILE *f;

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, sem_setval(self->b.fd, 5));
	ASSERT_EQ(0, sem_p(fd, 2, KIPC_SEM_UNDO, 0));
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "kipc-sem-undo: %lld", &undo) == 1)
			break;
	fclose(f);
	EXPECT_EQ(2, undo);
	close(fd);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/kipc/msgN: selection, limits, every errno and boundary, read()/write()
 * framing, KIPC_MSG_GETINFO and /proc/kipc/msg, poll and fasync, the
 * capability rule of KIPC_MSG_SET_LIMITS, and blocking: hand-off to waiting
 * receivers, senders waiting for space, timeouts, signals, flush.
 *
 * Where System V has the same rule the expected values are System V's
 * (msgsnd(2)/msgrcv(2)); msg_diff_test.c checks them against a real System V
 * queue. Tests that need a waiter in the kernel wait for the rwait/swait
 * columns of /proc/kipc/msg instead of sleeping, so they do not depend on
 * timing.
 */

#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/syscall.h>
#include <sys/time.h>

#include "kselftest_harness.h"
#include "kipc_test.h"

#define NODE "msg0"
#define DEF_MSGMAX 8192ULL
#define DEF_QBYTES 16384ULL
#define TEXT_MAX 64

/* Result of an operation run in a child, sent back on a pipe. */
struct op_result {
	long ret;
	int err;
	struct kipc_msg m;
	char text[TEXT_MAX];
};

static int set_limits(int fd, unsigned long long qbytes,
		      unsigned long long msgmax)
{
	struct kipc_msg_limits lim = { .qbytes = qbytes, .msgmax = msgmax };

	return ioctl(fd, KIPC_MSG_SET_LIMITS, &lim);
}

static struct kipc_msg_info qinfo(int fd)
{
	struct kipc_msg_info info;

	memset(&info, 0xff, sizeof(info));
	if (ioctl(fd, KIPC_MSG_GETINFO, &info))
		memset(&info, 0xee, sizeof(info));
	return info;
}

static long long proc_col(const char *col)
{
	return kipc_proc("msg", NODE, col);
}

/* Wait (bounded, as a hang guard) until column @col reads @want. */
static int wait_col(const char *col, long long want)
{
	return kipc_wait_until(proc_col(col) == want);
}

static void on_signal(int sig)
{
	(void)sig;
}

/* Write end of a pipe the note_signal() handler reports on. */
static int sig_note = -1;

static void note_signal(int sig)
{
	char c = sig;
	ssize_t n = write(sig_note, &c, 1);

	(void)n;
}

static void handle_with(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa = { .sa_handler = fn, .sa_flags = flags };

	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static void handle(int sig, int flags)
{
	handle_with(sig, on_signal, flags);
}

/*
 * Put the caller on CPU 0 at real-time priority and @pid on CPU 0 as a
 * normal task: once woken, @pid runs only when the caller sleeps. This
 * orders a woken waiter after what the caller does next, without timing.
 */
static int outrank(pid_t pid)
{
	struct sched_param sp = { .sched_priority = 1 };
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	if (sched_setaffinity(pid, sizeof(set), &set) ||
	    sched_setaffinity(0, sizeof(set), &set))
		return -1;
	return sched_setscheduler(0, SCHED_FIFO, &sp);
}

/* A fresh page with no access: any copy to or from it faults. */
static void *bad_page(void)
{
	void *p =
		mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

FIXTURE(msg)
{
	int fd;
	struct kipc_msg_info start;
};

FIXTURE_SETUP(msg)
{
	self->fd = -1;
	KIPC_REQUIRE_MODULE();
	self->fd = kipc_open(NODE, O_RDWR);
	ASSERT_GE(self->fd, 0);
	ASSERT_EQ(0, ioctl(self->fd, KIPC_MSG_FLUSH));
	ASSERT_EQ(0, set_limits(self->fd, DEF_QBYTES, DEF_MSGMAX));
	ASSERT_EQ(0, proc_col("rwait"));
	ASSERT_EQ(0, proc_col("swait"));
	/* sent and received count since load: tests look at what they add. */
	self->start = qinfo(self->fd);
}

FIXTURE_TEARDOWN(msg)
{
	int fd;

	kipc_reap_kids();
	if (self->fd >= 0)
		close(self->fd);
	if (!kipc_loaded())
		return;
	fd = kipc_open(NODE, O_RDWR);
	EXPECT_GE(fd, 0);
	EXPECT_EQ(0, ioctl(fd, KIPC_MSG_FLUSH));
	EXPECT_EQ(0, set_limits(fd, DEF_QBYTES, DEF_MSGMAX));
	close(fd);
	EXPECT_EQ(0, wait_col("rwait", 0));
	EXPECT_EQ(0, wait_col("swait", 0));
}

/* ------------------------------------------------------------ selection */

TEST_F(msg, send_recv_round_trip)
{
	char buf[TEXT_MAX] = "";
	struct kipc_msg m;

	ASSERT_EQ(0, kipc_msg_send(self->fd, 5, "hello", 5, 0));
	ASSERT_EQ(0, kipc_msg_recv(self->fd, 0, buf, sizeof(buf), 0, &m));
	EXPECT_EQ(5, m.mtype);
	EXPECT_EQ(5ULL, m.size);
	EXPECT_EQ(0, memcmp(buf, "hello", 5));
	EXPECT_EQ((__u32)getpid(), m.pid);
	EXPECT_EQ(0ULL, qinfo(self->fd).qnum);
}

TEST_F(msg, fifo_within_a_type)
{
	static const char *const seq[] = { "1a", "2a", "1b", "2b", "1c" };
	char buf[TEXT_MAX];
	unsigned int i;

	for (i = 0; i < 5; i++)
		ASSERT_EQ(0, kipc_msg_send(self->fd, seq[i][0] - '0', seq[i], 2,
					   0));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, kipc_msg_recv(self->fd, 1, buf, sizeof(buf), 0,
					   NULL));
		EXPECT_EQ('a' + (int)i, buf[1]);
	}
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, kipc_msg_recv(self->fd, 2, buf, sizeof(buf), 0,
					   NULL));
		EXPECT_EQ('a' + (int)i, buf[1]);
	}
}

TEST_F(msg, selector_zero_takes_arrival_order)
{
	long long types[] = { 7, 3, 9, 3, 1 };
	struct kipc_msg m;
	char buf[8];
	unsigned int i;

	for (i = 0; i < 5; i++)
		ASSERT_EQ(0, kipc_msg_send(self->fd, types[i], &i, 1, 0));
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(0,
			  kipc_msg_recv(self->fd, 0, buf, sizeof(buf), 0, &m));
		EXPECT_EQ(types[i], m.mtype);
		EXPECT_EQ((char)i, buf[0]);
	}
}

TEST_F(msg, selector_positive_takes_that_type)
{
	struct kipc_msg m;
	char buf[8];

	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "a", 1, 0));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 2, "b", 1, 0));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 3, "c", 1, 0));
	ASSERT_EQ(0, kipc_msg_recv(self->fd, 2, buf, sizeof(buf), 0, &m));
	EXPECT_EQ(2, m.mtype);
	EXPECT_EQ('b', buf[0]);
	EXPECT_EQ(-1, kipc_msg_recv(self->fd, 2, buf, sizeof(buf), KIPC_NOWAIT,
				    NULL));
	EXPECT_EQ(ENOMSG, errno);
	EXPECT_EQ(2ULL, qinfo(self->fd).qnum);
}

TEST_F(msg, selector_negative_takes_lowest_type_first_in_fifo)
{
	long long types[] = { 5, 3, 4, 3 };
	long long want[] = { 3, 3, 4 };
	struct kipc_msg m;
	char buf[8];
	unsigned int i;

	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, kipc_msg_send(self->fd, types[i], &i, 1, 0));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0,
			  kipc_msg_recv(self->fd, -4, buf, sizeof(buf), 0, &m));
		EXPECT_EQ(want[i], m.mtype);
	}
	/* The two type-3 messages came in arrival order. */
	EXPECT_EQ(-1, kipc_msg_recv(self->fd, -4, buf, sizeof(buf), KIPC_NOWAIT,
				    NULL));
	EXPECT_EQ(ENOMSG, errno);
	ASSERT_EQ(0, kipc_msg_recv(self->fd, -5, buf, sizeof(buf), 0, &m));
	EXPECT_EQ(5, m.mtype);
}

TEST_F(msg, selector_negative_fifo_of_lowest_type)
{
	char buf[8];
	int i;

	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, kipc_msg_send(self->fd, 2 + (i & 1), &i, 1, 0));
	ASSERT_EQ(0, kipc_msg_recv(self->fd, -3, buf, sizeof(buf), 0, NULL));
	EXPECT_EQ(0, buf[0]);
	ASSERT_EQ(0, kipc_msg_recv(self->fd, -3, buf, sizeof(buf), 0, NULL));
	EXPECT_EQ(2, buf[0]);
}

TEST_F(msg, selector_int64_min_takes_lowest_of_all)
{
	struct kipc_msg m;
	char buf[8];

	ASSERT_EQ(0, kipc_msg_send(self->fd, INT64_MAX, "x", 1, 0));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 42, "y", 1, 0));
	ASSERT_EQ(0,
		  kipc_msg_recv(self->fd, INT64_MIN, buf, sizeof(buf), 0, &m));
	EXPECT_EQ(42, m.mtype);
	ASSERT_EQ(0,
		  kipc_msg_recv(self->fd, INT64_MIN, buf, sizeof(buf), 0, &m));
	EXPECT_EQ(INT64_MAX, m.mtype);
}

TEST_F(msg, except_takes_first_of_another_type)
{
	long long types[] = { 1, 1, 2, 1, 3 };
	struct kipc_msg m;
	char buf[8];
	unsigned int i;

	for (i = 0; i < 5; i++)
		ASSERT_EQ(0, kipc_msg_send(self->fd, types[i], &i, 1, 0));
	ASSERT_EQ(0, kipc_msg_recv(self->fd, 1, buf, sizeof(buf),
				   KIPC_MSG_EXCEPT, &m));
	EXPECT_EQ(2, m.mtype);
	ASSERT_EQ(0, kipc_msg_recv(self->fd, 1, buf, sizeof(buf),
				   KIPC_MSG_EXCEPT, &m));
	EXPECT_EQ(3, m.mtype);
	EXPECT_EQ(-1, kipc_msg_recv(self->fd, 1, buf, sizeof(buf),
				    KIPC_MSG_EXCEPT | KIPC_NOWAIT, NULL));
	EXPECT_EQ(ENOMSG, errno);
	EXPECT_EQ(3ULL, qinfo(self->fd).qnum);
}

TEST_F(msg, except_with_selector_zero_takes_first)
{
	struct kipc_msg m;
	char buf[8];

	ASSERT_EQ(0, kipc_msg_send(self->fd, 4, "a", 1, 0));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 2, "b", 1, 0));
	ASSERT_EQ(0, kipc_msg_recv(self->fd, 0, buf, sizeof(buf),
				   KIPC_MSG_EXCEPT, &m));
	EXPECT_EQ(4, m.mtype);
}

TEST_F(msg, except_with_negative_selector_is_ignored)
{
	struct kipc_msg m;
	char buf[8];

	ASSERT_EQ(0, kipc_msg_send(self->fd, 4, "a", 1, 0));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 2, "b", 1, 0));
	ASSERT_EQ(0, kipc_msg_recv(self->fd, -2, buf, sizeof(buf),
				   KIPC_MSG_EXCEPT, &m));
	EXPECT_EQ(2, m.mtype);
}

TEST_F(msg, peek_copies_and_leaves_queued)
{
	struct kipc_msg_info before, after;
	struct kipc_msg m;
	char buf[8] = "";

	ASSERT_EQ(0, kipc_msg_send(self->fd, 3, "abc", 3, 0));
	before = qinfo(self->fd);
	ASSERT_EQ(0, kipc_msg_recv(self->fd, 3, buf, sizeof(buf), KIPC_MSG_PEEK,
				   &m));
	EXPECT_EQ(3, m.mtype);
	EXPECT_EQ(3ULL, m.size);
	EXPECT_EQ(0, memcmp(buf, "abc", 3));
	after = qinfo(self->fd);
	EXPECT_EQ(1ULL, after.qnum);
	/* PEEK is not a receive: no count, no lrpid, no rtime. */
	EXPECT_EQ(before.received, after.received);
	EXPECT_EQ(before.lrpid, after.lrpid);
	EXPECT_EQ(before.rtime_ns, after.rtime_ns);
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(0, kipc_msg_recv(self->fd, 0, buf, sizeof(buf), 0, &m));
	EXPECT_EQ(0, memcmp(buf, "abc", 3));
}

TEST_F(msg, peek_follows_selection_rules)
{
	struct kipc_msg m;
	char buf[8];

	ASSERT_EQ(0, kipc_msg_send(self->fd, 6, "a", 1, 0));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 2, "b", 1, 0));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 4, "c", 1, 0));
	ASSERT_EQ(0, kipc_msg_recv(self->fd, -5, buf, sizeof(buf),
				   KIPC_MSG_PEEK, &m));
	EXPECT_EQ(2, m.mtype);
	ASSERT_EQ(0, kipc_msg_recv(self->fd, 6, buf, sizeof(buf),
				   KIPC_MSG_PEEK | KIPC_MSG_EXCEPT, &m));
	EXPECT_EQ(2, m.mtype);
	ASSERT_EQ(0, kipc_msg_recv(self->fd, 0, buf, sizeof(buf), KIPC_MSG_PEEK,
				   &m));
	EXPECT_EQ(6, m.mtype);
	EXPECT_EQ(3ULL, qinfo(self->fd).qnum);
}

TEST_F(msg, peek_too_small_e2big)
{
	char buf[8];

	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "abcdef", 6, 0));
	EXPECT_EQ(-1, kipc_msg_recv(self->fd, 0, buf, 5, KIPC_MSG_PEEK, NULL));
	EXPECT_EQ(E2BIG, errno);
}

TEST_F(msg, noerror_truncates_and_removes)
{
	struct kipc_msg m;
	char buf[8] = "";

	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "abcdefghij", 10, 0));
	ASSERT_EQ(0, kipc_msg_recv(self->fd, 0, buf, 4, KIPC_MSG_NOERROR, &m));
	EXPECT_EQ(4ULL, m.size);
	EXPECT_EQ(0, memcmp(buf, "abcd", 4));
	EXPECT_EQ(0, buf[4]);
	EXPECT_EQ(0ULL, qinfo(self->fd).qnum);
}

TEST_F(msg, too_small_e2big_keeps_message)
{
	struct kipc_msg_info info;
	struct kipc_msg m;
	char buf[16] = "";

	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "abcdefghij", 10, 0));
	EXPECT_EQ(-1, kipc_msg_recv(self->fd, 0, buf, 9, 0, NULL));
	EXPECT_EQ(E2BIG, errno);
	info = qinfo(self->fd);
	EXPECT_EQ(1ULL, info.qnum);
	EXPECT_EQ(10ULL, info.cbytes);
	EXPECT_EQ(0ULL, info.received - self->start.received);
	ASSERT_EQ(0, kipc_msg_recv(self->fd, 0, buf, 10, 0, &m));
	EXPECT_EQ(10ULL, m.size);
	EXPECT_EQ(0, memcmp(buf, "abcdefghij", 10));
}

/* msgrcv(2) gives E2BIG for the first match; it does not look further. */
TEST_F(msg, e2big_does_not_skip_to_a_smaller_match)
{
	char buf[16];

	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "abcdefghij", 10, 0));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "a", 1, 0));
	EXPECT_EQ(-1, kipc_msg_recv(self->fd, 1, buf, 4, KIPC_NOWAIT, NULL));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_EQ(2ULL, qinfo(self->fd).qnum);
}

TEST_F(msg, zero_length_message)
{
	struct kipc_msg_info info;
	struct kipc_msg m;

	ASSERT_EQ(0, kipc_msg_send(self->fd, 9, NULL, 0, 0));
	info = qinfo(self->fd);
	EXPECT_EQ(1ULL, info.qnum);
	EXPECT_EQ(0ULL, info.cbytes);
	ASSERT_EQ(0, kipc_msg_recv(self->fd, 0, NULL, 0, 0, &m));
	EXPECT_EQ(9, m.mtype);
	EXPECT_EQ(0ULL, m.size);
}

TEST_F(msg, sender_pid_is_reported)
{
	struct kipc_msg_info info;
	struct op_result r;
	struct kipc_msg m;
	int note, fd = self->fd;
	char buf[8];

	KIPC_CHILD(note, r.ret = kipc_msg_send(fd, 1, "x", 1, 0);
		   r.err = errno);
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	ASSERT_EQ(0, r.ret);
	ASSERT_EQ(0, kipc_msg_recv(self->fd, 0, buf, sizeof(buf), 0, &m));
	EXPECT_EQ((__u32)kipc_kids[0], m.pid);
	info = qinfo(self->fd);
	EXPECT_EQ((__u32)kipc_kids[0], info.lspid);
	EXPECT_EQ((__u32)getpid(), info.lrpid);
}

/*
 * In a new pid namespace: receive the message of type 1 (from a sender the
 * namespace cannot see), send one of type 2, and report the pid seen
 * (r->m.pid), the global pid of the task that did it (r->ret), and whether
 * it was pid 1 in there (r->err).
 */
static void pidns_round_trip(int fd, struct op_result *r)
{
	struct kipc_msg m;
	long long seen[2] = { -1, -1 };
	int p[2], status;
	pid_t pid;

	r->ret = -1;
	if (unshare(CLONE_NEWPID) || pipe(p))
		return;
	pid = fork();
	if (pid < 0)
		return;
	if (pid == 0) {
		if (!kipc_msg_recv(fd, 1, NULL, 0, KIPC_MSG_NOERROR, &m))
			seen[0] = m.pid;
		seen[1] = getpid();
		if (kipc_msg_send(fd, 2, "g", 1, 0) ||
		    write(p[1], seen, sizeof(seen)) != sizeof(seen))
			_exit(1);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || status ||
	    read(p[0], seen, sizeof(seen)) != sizeof(seen))
		return;
	r->ret = pid;
	r->m.pid = seen[0];
	r->err = seen[1];
}

TEST_F(msg, pids_are_in_the_callers_namespace)
{
	struct op_result r;
	struct kipc_msg m;
	int note, fd = self->fd;

	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "p", 1, 0));
	KIPC_CHILD(note, pidns_round_trip(fd, &r));
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	ASSERT_LT(0, r.ret);
	/* It was pid 1 in its namespace, where our pid does not exist. */
	EXPECT_EQ(1, r.err);
	EXPECT_EQ(0U, r.m.pid);
	/* Here it has its global pid. */
	ASSERT_EQ(0, kipc_msg_recv(self->fd, 2, NULL, 0, KIPC_MSG_NOERROR, &m));
	EXPECT_EQ((__u32)r.ret, m.pid);
	EXPECT_EQ((__u32)r.ret, qinfo(self->fd).lspid);
}

/* --------------------------------------------------------------- limits */

TEST_F(msg, msgmax_fits)
{
	static char big[DEF_MSGMAX];

	EXPECT_EQ(0, kipc_msg_send(self->fd, 1, big, DEF_MSGMAX, KIPC_NOWAIT));
	EXPECT_EQ(DEF_MSGMAX, qinfo(self->fd).cbytes);
}

TEST_F(msg, over_msgmax_einval)
{
	static char big[DEF_MSGMAX + 1];

	EXPECT_EQ(-1,
		  kipc_msg_send(self->fd, 1, big, DEF_MSGMAX + 1, KIPC_NOWAIT));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0ULL, qinfo(self->fd).qnum);
	EXPECT_EQ(0ULL, qinfo(self->fd).sent - self->start.sent);
}

TEST_F(msg, huge_size_einval)
{
	EXPECT_EQ(-1, kipc_msg_send(self->fd, 1, "x", SIZE_MAX, KIPC_NOWAIT));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(msg, mtype_zero_einval)
{
	EXPECT_EQ(-1, kipc_msg_send(self->fd, 0, "x", 1, KIPC_NOWAIT));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0ULL, qinfo(self->fd).qnum);
}

TEST_F(msg, mtype_negative_einval)
{
	EXPECT_EQ(-1, kipc_msg_send(self->fd, -1, "x", 1, KIPC_NOWAIT));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, kipc_msg_send(self->fd, INT64_MIN, "x", 1, KIPC_NOWAIT));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0ULL, qinfo(self->fd).qnum);
}

TEST_F(msg, mtype_int64_max_accepted)
{
	struct kipc_msg m;

	ASSERT_EQ(0, kipc_msg_send(self->fd, INT64_MAX, NULL, 0, 0));
	ASSERT_EQ(0, kipc_msg_recv(self->fd, INT64_MAX, NULL, 0, 0, &m));
	EXPECT_EQ(INT64_MAX, m.mtype);
}

/* Full by bytes: cbytes + size > qbytes. */
TEST_F(msg, full_by_bytes_eagain)
{
	static char big[DEF_MSGMAX];

	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, big, DEF_MSGMAX, KIPC_NOWAIT));
	ASSERT_EQ(0,
		  kipc_msg_send(self->fd, 1, big, DEF_MSGMAX - 1, KIPC_NOWAIT));
	/* Exactly qbytes is not full. */
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, big, 1, KIPC_NOWAIT));
	EXPECT_EQ(DEF_QBYTES, qinfo(self->fd).cbytes);
	EXPECT_EQ(-1, kipc_msg_send(self->fd, 1, big, 1, KIPC_NOWAIT));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(3ULL, qinfo(self->fd).qnum);
}

/* A zero-length message still fits when the bytes are used up (System V). */
TEST_F(msg, zero_length_fits_when_bytes_full)
{
	static char big[DEF_MSGMAX];

	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, big, DEF_MSGMAX, KIPC_NOWAIT));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, big, DEF_MSGMAX, KIPC_NOWAIT));
	EXPECT_EQ(0, kipc_msg_send(self->fd, 1, NULL, 0, KIPC_NOWAIT));
	EXPECT_EQ(3ULL, qinfo(self->fd).qnum);
}

/* Full by count: qnum + 1 > qbytes, even with zero-length messages. */
TEST_F(msg, full_by_count_eagain)
{
	int i;

	ASSERT_EQ(0, set_limits(self->fd, 4, DEF_MSGMAX));
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, kipc_msg_send(self->fd, 1, NULL, 0, KIPC_NOWAIT));
	EXPECT_EQ(-1, kipc_msg_send(self->fd, 1, NULL, 0, KIPC_NOWAIT));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(4ULL, qinfo(self->fd).qnum);
}

TEST_F(msg, set_limits_lower_msgmax)
{
	struct kipc_msg_info info;

	ASSERT_EQ(0, set_limits(self->fd, 100, 10));
	info = qinfo(self->fd);
	EXPECT_EQ(100ULL, info.qbytes);
	EXPECT_EQ(10ULL, info.msgmax);
	EXPECT_EQ(0, kipc_msg_send(self->fd, 1, "0123456789", 10, KIPC_NOWAIT));
	EXPECT_EQ(-1,
		  kipc_msg_send(self->fd, 1, "0123456789a", 11, KIPC_NOWAIT));
	EXPECT_EQ(EINVAL, errno);
}

/* Lowering below what is queued drops nothing; sends wait until it fits. */
TEST_F(msg, set_limits_below_contents_keeps_them)
{
	int i;

	for (i = 0; i < 5; i++)
		ASSERT_EQ(0,
			  kipc_msg_send(self->fd, 1, "abcd", 4, KIPC_NOWAIT));
	ASSERT_EQ(0, set_limits(self->fd, 8, 8));
	EXPECT_EQ(5ULL, qinfo(self->fd).qnum);
	EXPECT_EQ(-1, kipc_msg_send(self->fd, 1, NULL, 0, KIPC_NOWAIT));
	EXPECT_EQ(EAGAIN, errno);
}

TEST_F(msg, set_limits_zero_einval)
{
	EXPECT_EQ(-1, set_limits(self->fd, 0, DEF_MSGMAX));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, set_limits(self->fd, DEF_QBYTES, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(DEF_QBYTES, qinfo(self->fd).qbytes);
}

TEST_F(msg, set_limits_out_of_range_einval)
{
	EXPECT_EQ(-1, set_limits(self->fd, DEF_QBYTES, 1ULL << 31));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, set_limits(self->fd, 1ULL << 63, DEF_MSGMAX));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, set_limits(self->fd, DEF_QBYTES, (1ULL << 31) - 1));
	EXPECT_EQ((1ULL << 31) - 1, qinfo(self->fd).msgmax);
}

TEST_F(msg, set_limits_raise_as_root)
{
	static char big[DEF_MSGMAX + 1];

	ASSERT_EQ(0, set_limits(self->fd, 1 << 20, DEF_MSGMAX + 1));
	EXPECT_EQ(0, kipc_msg_send(self->fd, 1, big, sizeof(big), KIPC_NOWAIT));
	EXPECT_EQ(1ULL << 20, qinfo(self->fd).qbytes);
}

/* Run @expr as user nobody (on an fd opened as root); its errno or 0. */
#define AS_NOBODY(expr)                                                  \
	({                                                               \
		struct op_result __r;                                    \
		int __note;                                              \
		KIPC_CHILD(__note,                                       \
			   r.ret = kipc_drop_privileges() ? -2 : (expr); \
			   r.err = errno);                               \
		ASSERT_EQ(1, kipc_op_done(__note, 10000, &__r));         \
		close(__note);                                           \
		ASSERT_NE(-2, __r.ret);                                  \
		__r.ret ? __r.err : 0;                                   \
	})

TEST_F(msg, unprivileged_raise_qbytes_eperm)
{
	int fd = self->fd;

	EXPECT_EQ(EPERM, AS_NOBODY(set_limits(fd, DEF_QBYTES + 1, DEF_MSGMAX)));
	EXPECT_EQ(DEF_QBYTES, qinfo(self->fd).qbytes);
}

TEST_F(msg, unprivileged_raise_msgmax_eperm)
{
	int fd = self->fd;

	EXPECT_EQ(EPERM, AS_NOBODY(set_limits(fd, DEF_QBYTES, DEF_MSGMAX + 1)));
	EXPECT_EQ(DEF_MSGMAX, qinfo(self->fd).msgmax);
}

TEST_F(msg, unprivileged_lower_and_default_allowed)
{
	int fd = self->fd;

	EXPECT_EQ(0, AS_NOBODY(set_limits(fd, 100, 50)));
	EXPECT_EQ(100ULL, qinfo(self->fd).qbytes);
	EXPECT_EQ(0, AS_NOBODY(set_limits(fd, DEF_QBYTES, DEF_MSGMAX)));
	EXPECT_EQ(DEF_QBYTES, qinfo(self->fd).qbytes);
}

/* As IPC_SET: the bound is the module default, not the current value. */
TEST_F(msg, unprivileged_keep_raised_value_eperm)
{
	int fd = self->fd;

	ASSERT_EQ(0, set_limits(self->fd, 2 * DEF_QBYTES, DEF_MSGMAX));
	EXPECT_EQ(EPERM, AS_NOBODY(set_limits(fd, 2 * DEF_QBYTES, DEF_MSGMAX)));
}

/* EINVAL is checked before the capability. */
TEST_F(msg, unprivileged_zero_limits_einval)
{
	int fd = self->fd;

	EXPECT_EQ(EINVAL, AS_NOBODY(set_limits(fd, 0, DEF_MSGMAX + 1)));
}

/* Unprivileged users send and receive normally on an fd they were given. */
TEST_F(msg, unprivileged_send_recv)
{
	char buf[8];
	int fd = self->fd;

	EXPECT_EQ(0, AS_NOBODY(kipc_msg_send(fd, 1, "x", 1, 0)));
	EXPECT_EQ(0,
		  AS_NOBODY(kipc_msg_recv(fd, 1, buf, sizeof(buf), 0, NULL)));
}

/* ----------------------------------------------------- argument errors */

TEST_F(msg, unknown_ioctl_enotty)
{
	__u32 v;

	EXPECT_EQ(-1, ioctl(self->fd, KIPC_PIPE_GET_SIZE, &v));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IO(KIPC_IOC_MAGIC, 0x1f)));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, FIONREAD, &v));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_F(msg, send_unknown_flags_einval)
{
	EXPECT_EQ(-1, kipc_msg_send(self->fd, 1, "x", 1, KIPC_MSG_EXCEPT));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, kipc_msg_send(self->fd, 1, "x", 1, KIPC_MSG_PEEK));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, kipc_msg_send(self->fd, 1, "x", 1, 1U << 31));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0ULL, qinfo(self->fd).qnum);
}

TEST_F(msg, send_nonzero_pid_einval)
{
	static const char x[] = "x";
	struct kipc_msg m = { .mtype = 1, .text = (uintptr_t)x, .size = 1 };

	m.pid = 1;
	EXPECT_EQ(-1, ioctl(self->fd, KIPC_MSG_SEND, &m));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0ULL, qinfo(self->fd).qnum);
}

TEST_F(msg, recv_unknown_flags_einval)
{
	char buf[8];

	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "x", 1, 0));
	EXPECT_EQ(-1,
		  kipc_msg_recv(self->fd, 0, buf, sizeof(buf), 1U << 4, NULL));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1,
		  kipc_msg_recv(self->fd, 0, buf, sizeof(buf), 1U << 31, NULL));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(1ULL, qinfo(self->fd).qnum);
}

/* msgrcv(2) takes a signed size: a negative capacity is EINVAL. */
TEST_F(msg, recv_negative_capacity_einval)
{
	char buf[8];

	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "x", 1, 0));
	EXPECT_EQ(-1, kipc_msg_recv(self->fd, 0, buf, 1ULL << 63, 0, NULL));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(1ULL, qinfo(self->fd).qnum);
}

TEST_F(msg, recv_pid_input_ignored)
{
	struct kipc_msg m = { .mtype = 0, .size = 0, .pid = 12345 };

	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, NULL, 0, 0));
	EXPECT_EQ(0, ioctl(self->fd, KIPC_MSG_RECV, &m));
	EXPECT_EQ((__u32)getpid(), m.pid);
}

TEST_F(msg, null_argument_efault)
{
	EXPECT_EQ(-1, ioctl(self->fd, KIPC_MSG_SEND, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, KIPC_MSG_RECV, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, KIPC_MSG_GETINFO, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, KIPC_MSG_SET_LIMITS, NULL));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(msg, bad_argument_efault)
{
	void *bad = bad_page();

	ASSERT_NE(NULL, bad);
	EXPECT_EQ(-1, ioctl(self->fd, KIPC_MSG_SEND, bad));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, KIPC_MSG_RECV, bad));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, KIPC_MSG_GETINFO, bad));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, KIPC_MSG_SET_LIMITS, bad));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, KIPC_MSG_SEND, (void *)1));
	EXPECT_EQ(EFAULT, errno);
	munmap(bad, 4096);
}

TEST_F(msg, send_null_text_efault)
{
	EXPECT_EQ(-1, kipc_msg_send(self->fd, 1, NULL, 5, 0));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0ULL, qinfo(self->fd).qnum);
	EXPECT_EQ(0ULL, qinfo(self->fd).sent - self->start.sent);
}

/* As msgsnd(2): the size and type are checked before the text is read. */
TEST_F(msg, send_einval_before_efault)
{
	EXPECT_EQ(-1, kipc_msg_send(self->fd, 1, NULL, DEF_MSGMAX + 1, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, kipc_msg_send(self->fd, 0, NULL, 5, 0));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(msg, recv_null_text_efault_keeps_message)
{
	struct kipc_msg m;
	char buf[8] = "";

	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "abc", 3, 0));
	EXPECT_EQ(-1, kipc_msg_recv(self->fd, 0, NULL, 8, 0, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(1ULL, qinfo(self->fd).qnum);
	EXPECT_EQ(0ULL, qinfo(self->fd).received - self->start.received);
	ASSERT_EQ(0, kipc_msg_recv(self->fd, 0, buf, sizeof(buf), 0, &m));
	EXPECT_EQ(0, memcmp(buf, "abc", 3));
}

TEST_F(msg, recv_bad_text_efault_keeps_message)
{
	void *bad = bad_page();

	ASSERT_NE(NULL, bad);
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "abc", 3, 0));
	EXPECT_EQ(-1, kipc_msg_recv(self->fd, 0, bad, 8, 0, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(1ULL, qinfo(self->fd).qnum);
	munmap(bad, 4096);
}

/* The argument is read fine but cannot be written back: nothing is lost. */
TEST_F(msg, recv_readonly_argument_efault_keeps_message)
{
	struct kipc_msg *m;
	char buf[8];

	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, m);
	m->text = (uintptr_t)buf;
	m->size = sizeof(buf);
	ASSERT_EQ(0, mprotect(m, 4096, PROT_READ));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "abc", 3, 0));
	EXPECT_EQ(-1, ioctl(self->fd, KIPC_MSG_RECV, m));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(1ULL, qinfo(self->fd).qnum);
	munmap(m, 4096);
}

/* Without a matching message the buffer is never touched. */
TEST_F(msg, recv_empty_nowait_enomsg_before_efault)
{
	EXPECT_EQ(-1, kipc_msg_recv(self->fd, 0, NULL, 8, KIPC_NOWAIT, NULL));
	EXPECT_EQ(ENOMSG, errno);
}

TEST_F(msg, recv_on_write_only_fd_ebadf)
{
	int fd = kipc_open(NODE, O_WRONLY);
	char buf[8];

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "x", 1, 0));
	EXPECT_EQ(-1,
		  kipc_msg_recv(fd, 0, buf, sizeof(buf), KIPC_NOWAIT, NULL));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(0, kipc_msg_send(fd, 1, "x", 1, 0));
	close(fd);
}

TEST_F(msg, send_on_read_only_fd_ebadf)
{
	int fd = kipc_open(NODE, O_RDONLY);

	ASSERT_GE(fd, 0);
	EXPECT_EQ(-1, kipc_msg_send(fd, 1, "x", 1, 0));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, ioctl(fd, KIPC_MSG_FLUSH));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, set_limits(fd, 100, 100));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(0ULL, qinfo(fd).qnum);
	close(fd);
}

TEST_F(msg, lseek_espipe)
{
	EXPECT_EQ(-1, lseek(self->fd, 0, SEEK_SET));
	EXPECT_EQ(ESPIPE, errno);
}

/* ------------------------------------------------------- read and write */

TEST_F(msg, write_read_framing)
{
	struct {
		long long mtype;
		char text[8];
	} in = { 7, "abcdef" }, out;

	EXPECT_EQ(14, write(self->fd, &in, 14));
	EXPECT_EQ(6ULL, qinfo(self->fd).cbytes);
	memset(&out, 0, sizeof(out));
	EXPECT_EQ(14, read(self->fd, &out, sizeof(out)));
	EXPECT_EQ(7, out.mtype);
	EXPECT_EQ(0, memcmp(out.text, "abcdef", 6));
}

TEST_F(msg, write_header_only_is_zero_length)
{
	long long mtype = 3;
	struct kipc_msg m;

	EXPECT_EQ(8, write(self->fd, &mtype, 8));
	ASSERT_EQ(0, kipc_msg_recv(self->fd, 0, NULL, 0, 0, &m));
	EXPECT_EQ(3, m.mtype);
	EXPECT_EQ(0ULL, m.size);
}

TEST_F(msg, read_takes_arrival_order)
{
	long long buf[2];

	ASSERT_EQ(0, kipc_msg_send(self->fd, 9, "a", 1, 0));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 2, "b", 1, 0));
	EXPECT_EQ(9, read(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(9, buf[0]);
	EXPECT_EQ(9, read(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(2, buf[0]);
}

TEST_F(msg, write_short_count_einval)
{
	long long mtype = 1;

	EXPECT_EQ(-1, write(self->fd, &mtype, 7));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0ULL, qinfo(self->fd).qnum);
}

TEST_F(msg, write_zero_count_einval)
{
	EXPECT_EQ(-1, write(self->fd, "", 0));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(msg, write_mtype_zero_einval)
{
	long long buf[2] = { 0, 0 };

	EXPECT_EQ(-1, write(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(msg, write_over_msgmax_einval)
{
	static long long buf[(DEF_MSGMAX + 16) / 8];

	buf[0] = 1;
	EXPECT_EQ((ssize_t)(8 + DEF_MSGMAX),
		  write(self->fd, buf, 8 + DEF_MSGMAX));
	EXPECT_EQ(-1, write(self->fd, buf, 8 + DEF_MSGMAX + 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(1ULL, qinfo(self->fd).qnum);
}

TEST_F(msg, write_null_efault)
{
	/* syscall(): glibc's write() is declared to take no NULL. */
	EXPECT_EQ(-1, syscall(SYS_write, self->fd, NULL, 16));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0ULL, qinfo(self->fd).qnum);
}

TEST_F(msg, read_short_count_einval)
{
	char buf[8];

	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, NULL, 0, 0));
	EXPECT_EQ(-1, read(self->fd, buf, 7));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(1ULL, qinfo(self->fd).qnum);
}

TEST_F(msg, read_too_small_e2big_keeps_message)
{
	char buf[16];

	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "abcd", 4, 0));
	EXPECT_EQ(-1, read(self->fd, buf, 11));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_EQ(1ULL, qinfo(self->fd).qnum);
	EXPECT_EQ(12, read(self->fd, buf, 12));
}

TEST_F(msg, read_null_efault_keeps_message)
{
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "abcd", 4, 0));
	EXPECT_EQ(-1, syscall(SYS_read, self->fd, NULL, 16));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(1ULL, qinfo(self->fd).qnum);
}

TEST_F(msg, read_nonblock_empty_eagain)
{
	int fd = kipc_open(NODE, O_RDWR | O_NONBLOCK);
	char buf[16];

	ASSERT_GE(fd, 0);
	EXPECT_EQ(-1, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(EAGAIN, errno);
	close(fd);
}

TEST_F(msg, write_nonblock_full_eagain)
{
	int fd = kipc_open(NODE, O_RDWR | O_NONBLOCK);
	long long mtype = 1;

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, set_limits(self->fd, 1, DEF_MSGMAX));
	ASSERT_EQ(8, write(fd, &mtype, 8));
	EXPECT_EQ(-1, write(fd, &mtype, 8));
	EXPECT_EQ(EAGAIN, errno);
	close(fd);
}

/* O_NONBLOCK also means KIPC_NOWAIT for the ioctls, with their errors. */
TEST_F(msg, nonblock_file_ioctls_do_not_wait)
{
	int fd = kipc_open(NODE, O_RDWR | O_NONBLOCK);

	ASSERT_GE(fd, 0);
	EXPECT_EQ(-1, kipc_msg_recv(fd, 0, NULL, 0, 0, NULL));
	EXPECT_EQ(ENOMSG, errno);
	ASSERT_EQ(0, set_limits(self->fd, 1, DEF_MSGMAX));
	ASSERT_EQ(0, kipc_msg_send(fd, 1, NULL, 0, 0));
	EXPECT_EQ(-1, kipc_msg_send(fd, 1, NULL, 0, 0));
	EXPECT_EQ(EAGAIN, errno);
	close(fd);
}

/* ------------------------------------------------ GETINFO, /proc, flush */

TEST_F(msg, getinfo_counts_and_times)
{
	struct kipc_msg_info a, b, c;
	struct timespec t0, t1, t2;
	char buf[8];

	a = qinfo(self->fd);
	clock_gettime(CLOCK_REALTIME_COARSE, &t0);
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "abc", 3, 0));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 2, "de", 2, 0));
	clock_gettime(CLOCK_REALTIME_COARSE, &t1);
	b = qinfo(self->fd);
	EXPECT_EQ(2ULL, b.qnum);
	EXPECT_EQ(5ULL, b.cbytes);
	EXPECT_EQ(DEF_QBYTES, b.qbytes);
	EXPECT_EQ(DEF_MSGMAX, b.msgmax);
	EXPECT_EQ(a.sent + 2, b.sent);
	EXPECT_EQ(a.received, b.received);
	EXPECT_EQ((__u32)getpid(), b.lspid);
	EXPECT_LE(t0.tv_sec * 1000000000ULL + t0.tv_nsec, b.stime_ns);
	EXPECT_GE(t1.tv_sec * 1000000000ULL + t1.tv_nsec, b.stime_ns);
	ASSERT_EQ(0, kipc_msg_recv(self->fd, 2, buf, sizeof(buf), 0, NULL));
	clock_gettime(CLOCK_REALTIME_COARSE, &t2);
	c = qinfo(self->fd);
	EXPECT_EQ(1ULL, c.qnum);
	EXPECT_EQ(3ULL, c.cbytes);
	EXPECT_EQ(a.received + 1, c.received);
	EXPECT_EQ((__u32)getpid(), c.lrpid);
	EXPECT_LE(t1.tv_sec * 1000000000ULL + t1.tv_nsec, c.rtime_ns);
	EXPECT_GE(t2.tv_sec * 1000000000ULL + t2.tv_nsec, c.rtime_ns);
}

TEST_F(msg, proc_row_matches_getinfo)
{
	struct kipc_msg_info info;

	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "abc", 3, 0));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "de", 2, 0));
	ASSERT_EQ(0,
		  kipc_msg_recv(self->fd, 0, NULL, 0, KIPC_MSG_NOERROR, NULL));
	info = qinfo(self->fd);
	EXPECT_EQ((long long)info.qnum, proc_col("qnum"));
	EXPECT_EQ((long long)info.cbytes, proc_col("cbytes"));
	EXPECT_EQ((long long)info.qbytes, proc_col("qbytes"));
	EXPECT_EQ((long long)info.msgmax, proc_col("msgmax"));
	EXPECT_EQ((long long)info.lspid, proc_col("lspid"));
	EXPECT_EQ((long long)info.lrpid, proc_col("lrpid"));
	EXPECT_EQ((long long)info.sent, proc_col("sent"));
	EXPECT_EQ((long long)info.received, proc_col("received"));
	EXPECT_EQ(0, proc_col("notifiers"));
}

TEST_F(msg, proc_header_has_required_columns)
{
	static const char want[] =
		"name qnum cbytes qbytes msgmax lspid lrpid sent received notifiers ";
	FILE *f = fopen(KIPC_PROC_DIR "/msg", "re");
	char line[256] = "";

	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(line, sizeof(line), f));
	fclose(f);
	EXPECT_EQ(0, strncmp(line, want, strlen(want)));
}

TEST_F(msg, flush_drops_everything)
{
	struct kipc_msg_info a, b;
	int i;

	for (i = 0; i < 10; i++)
		ASSERT_EQ(0, kipc_msg_send(self->fd, 1 + i % 3, "abc", 3, 0));
	a = qinfo(self->fd);
	ASSERT_EQ(0, ioctl(self->fd, KIPC_MSG_FLUSH));
	b = qinfo(self->fd);
	EXPECT_EQ(0ULL, b.qnum);
	EXPECT_EQ(0ULL, b.cbytes);
	EXPECT_EQ(a.sent, b.sent);
	EXPECT_EQ(a.received, b.received);
	EXPECT_EQ(-1, kipc_msg_recv(self->fd, 0, NULL, 0, KIPC_NOWAIT, NULL));
	EXPECT_EQ(ENOMSG, errno);
	/* The index is usable again. */
	ASSERT_EQ(0, kipc_msg_send(self->fd, 2, "x", 1, 0));
	EXPECT_EQ(0,
		  kipc_msg_recv(self->fd, 2, NULL, 0, KIPC_MSG_NOERROR, NULL));
}

TEST_F(msg, messages_outlive_every_open_file)
{
	char buf[8] = "";
	int fd;

	fd = kipc_open(NODE, O_WRONLY);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, kipc_msg_send(fd, 4, "keep", 4, 0));
	close(fd);
	close(self->fd);
	self->fd = -1;
	EXPECT_EQ(1, proc_col("qnum"));
	fd = kipc_open(NODE, O_RDONLY);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(0, kipc_msg_recv(fd, 4, buf, sizeof(buf), KIPC_NOWAIT, NULL));
	EXPECT_EQ(0, memcmp(buf, "keep", 4));
	close(fd);
}

/* --------------------------------------------------------- poll, fasync */

#define PIN (POLLIN | POLLRDNORM)
#define POUT (POLLOUT | POLLWRNORM)

static short poll_events(int fd)
{
	struct pollfd p = { .fd = fd, .events = PIN | POUT };

	return poll(&p, 1, 0) == 1 ? p.revents : 0;
}

TEST_F(msg, poll_states)
{
	EXPECT_EQ(POUT, poll_events(self->fd));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "x", 1, 0));
	EXPECT_EQ(PIN | POUT, poll_events(self->fd));
	ASSERT_EQ(0, set_limits(self->fd, 2, DEF_MSGMAX));
	/* cbytes 1 of 2: one more byte fits. */
	EXPECT_EQ(PIN | POUT, poll_events(self->fd));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, NULL, 0, 0));
	/* Two messages of qbytes 2: full by count. */
	EXPECT_EQ(PIN, poll_events(self->fd));
}

TEST_F(msg, poll_follows_open_mode)
{
	int rd = kipc_open(NODE, O_RDONLY), wr = kipc_open(NODE, O_WRONLY);

	ASSERT_GE(rd, 0);
	ASSERT_GE(wr, 0);
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "x", 1, 0));
	EXPECT_EQ(PIN, poll_events(rd));
	EXPECT_EQ(POUT, poll_events(wr));
	close(rd);
	close(wr);
}

TEST_F(msg, epoll_wakes_on_arrival)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET };
	struct op_result r;
	int ep, note, fd = self->fd;

	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_GE(ep, 0);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->fd, &ev));
	EXPECT_EQ(0, epoll_wait(ep, &ev, 1, 0));
	KIPC_CHILD(note, usleep(50000);
		   r.ret = kipc_msg_send(fd, 1, "x", 1, 0));
	EXPECT_EQ(1, epoll_wait(ep, &ev, 1, 10000));
	EXPECT_NE(0U, ev.events & EPOLLIN);
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	/* Edge-triggered: nothing new, no event. */
	EXPECT_EQ(0, epoll_wait(ep, &ev, 1, 0));
	close(ep);
}

TEST_F(msg, epoll_wakes_on_space)
{
	struct epoll_event ev = { .events = EPOLLOUT };
	struct op_result r;
	int ep, note, fd = self->fd;

	ASSERT_EQ(0, set_limits(self->fd, 1, DEF_MSGMAX));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, NULL, 0, 0));
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_GE(ep, 0);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->fd, &ev));
	EXPECT_EQ(0, epoll_wait(ep, &ev, 1, 0));
	KIPC_CHILD(note, usleep(50000);
		   r.ret = kipc_msg_recv(fd, 0, NULL, 0, 0, NULL));
	EXPECT_EQ(1, epoll_wait(ep, &ev, 1, 10000));
	EXPECT_NE(0U, ev.events & EPOLLOUT);
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	close(ep);
}

static void set_async(int fd, int sig)
{
	fcntl(fd, F_SETOWN, getpid());
	fcntl(fd, F_SETSIG, sig);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_ASYNC);
}

TEST_F(msg, fasync_poll_in_on_arrival)
{
	int rd = kipc_open(NODE, O_RDONLY);
	siginfo_t si;

	ASSERT_GE(rd, 0);
	kipc_block_signal(SIGRTMIN);
	set_async(rd, SIGRTMIN);
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "x", 1, 0));
	ASSERT_EQ(SIGRTMIN, kipc_take_signal(SIGRTMIN, &si, 5000));
	EXPECT_EQ(POLL_IN, si.si_code);
	EXPECT_EQ(rd, si.si_fd);
	close(rd);
}

TEST_F(msg, fasync_poll_out_on_space)
{
	int wr = kipc_open(NODE, O_WRONLY);
	siginfo_t si;

	ASSERT_GE(wr, 0);
	ASSERT_EQ(0, set_limits(self->fd, 1, DEF_MSGMAX));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, NULL, 0, 0));
	kipc_block_signal(SIGRTMIN);
	set_async(wr, SIGRTMIN);
	ASSERT_EQ(0, kipc_msg_recv(self->fd, 0, NULL, 0, 0, NULL));
	ASSERT_EQ(SIGRTMIN, kipc_take_signal(SIGRTMIN, &si, 5000));
	EXPECT_EQ(POLL_OUT, si.si_code);
	EXPECT_EQ(wr, si.si_fd);
	close(wr);
}

TEST_F(msg, fasync_off_no_signal)
{
	int rd = kipc_open(NODE, O_RDONLY);
	siginfo_t si;

	ASSERT_GE(rd, 0);
	kipc_block_signal(SIGRTMIN);
	set_async(rd, SIGRTMIN);
	fcntl(rd, F_SETFL, fcntl(rd, F_GETFL) & ~O_ASYNC);
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "x", 1, 0));
	EXPECT_EQ(-1, kipc_take_signal(SIGRTMIN, &si, 50));
	EXPECT_EQ(EAGAIN, errno);
	close(rd);
}

/* ------------------------------------------------- blocking receivers */

TEST_F(msg, recv_blocks_until_matching_send)
{
	struct op_result r;
	int note, fd = self->fd;

	KIPC_CHILD(note,
		   r.ret = kipc_msg_recv(fd, 5, r.text, TEXT_MAX, 0, &r.m);
		   r.err = errno);
	ASSERT_EQ(0, wait_col("rwait", 1));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 3, "three", 5, 0));
	/* Not a match: queued, and the receiver is still waiting. */
	EXPECT_EQ(1, proc_col("rwait"));
	EXPECT_EQ(1ULL, qinfo(self->fd).qnum);
	ASSERT_EQ(0, kipc_msg_send(self->fd, 5, "five", 4, 0));
	/* Handed over at once: never queued. */
	EXPECT_EQ(0, proc_col("rwait"));
	EXPECT_EQ(1ULL, qinfo(self->fd).qnum);
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	EXPECT_EQ(0, r.ret);
	EXPECT_EQ(5, r.m.mtype);
	EXPECT_EQ(4ULL, r.m.size);
	EXPECT_EQ(0, memcmp(r.text, "five", 4));
	EXPECT_EQ((__u32)getpid(), r.m.pid);
	EXPECT_EQ((__u32)kipc_kids[0], qinfo(self->fd).lrpid);
	EXPECT_EQ(1ULL, qinfo(self->fd).received - self->start.received);
}

TEST_F(msg, recv_blocked_selectors_match_as_msgrcv)
{
	struct op_result r;
	int note, fd = self->fd;

	/* Lowest type <= 4: a type-6 message does not wake it, type 4 does. */
	KIPC_CHILD(note,
		   r.ret = kipc_msg_recv(fd, -4, r.text, TEXT_MAX, 0, &r.m));
	ASSERT_EQ(0, wait_col("rwait", 1));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 6, "x", 1, 0));
	EXPECT_EQ(1, proc_col("rwait"));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 4, "y", 1, 0));
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	EXPECT_EQ(4, r.m.mtype);
	close(note);

	/* EXCEPT 6: the queued type 6 does not satisfy it, type 2 does. */
	KIPC_CHILD(note, r.ret = kipc_msg_recv(fd, 6, r.text, TEXT_MAX,
					       KIPC_MSG_EXCEPT, &r.m));
	ASSERT_EQ(0, wait_col("rwait", 1));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 6, "x", 1, 0));
	EXPECT_EQ(1, proc_col("rwait"));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 2, "z", 1, 0));
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	EXPECT_EQ(2, r.m.mtype);
	EXPECT_EQ(2ULL, qinfo(self->fd).qnum);
}

/* One message wakes one receiver: the one that came first. */
TEST_F(msg, one_message_wakes_one_receiver_in_order)
{
	struct op_result r1, r2;
	int n1, n2, fd = self->fd;

	KIPC_CHILD(n1, r.ret = kipc_msg_recv(fd, 7, r.text, TEXT_MAX, 0, &r.m));
	ASSERT_EQ(0, wait_col("rwait", 1));
	KIPC_CHILD(n2, r.ret = kipc_msg_recv(fd, 7, r.text, TEXT_MAX, 0, &r.m));
	ASSERT_EQ(0, wait_col("rwait", 2));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 7, "1", 1, 0));
	EXPECT_EQ(1, proc_col("rwait"));
	ASSERT_EQ(1, kipc_op_done(n1, 10000, &r1));
	EXPECT_EQ(0, r1.ret);
	EXPECT_EQ('1', r1.text[0]);
	EXPECT_EQ(0, kipc_op_done(n2, 0, &r2));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 7, "2", 1, 0));
	ASSERT_EQ(1, kipc_op_done(n2, 10000, &r2));
	EXPECT_EQ('2', r2.text[0]);
	EXPECT_EQ(0ULL, qinfo(self->fd).qnum);
}

TEST_F(msg, blocked_recv_too_small_e2big_message_queued)
{
	struct op_result r;
	int note, fd = self->fd;

	KIPC_CHILD(note, r.ret = kipc_msg_recv(fd, 0, r.text, 4, 0, &r.m);
		   r.err = errno);
	ASSERT_EQ(0, wait_col("rwait", 1));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "abcdefgh", 8, 0));
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	EXPECT_EQ(-1, r.ret);
	EXPECT_EQ(E2BIG, r.err);
	EXPECT_EQ(1ULL, qinfo(self->fd).qnum);
	EXPECT_EQ(0ULL, qinfo(self->fd).received - self->start.received);
}

/* E2BIG for one waiter, and the next waiter that fits gets the message. */
TEST_F(msg, blocked_e2big_passes_message_to_next_waiter)
{
	struct op_result r1, r2;
	int n1, n2, fd = self->fd;

	KIPC_CHILD(n1, r.ret = kipc_msg_recv(fd, 1, r.text, 4, 0, &r.m);
		   r.err = errno);
	ASSERT_EQ(0, wait_col("rwait", 1));
	KIPC_CHILD(n2, r.ret = kipc_msg_recv(fd, 1, r.text, TEXT_MAX, 0, &r.m));
	ASSERT_EQ(0, wait_col("rwait", 2));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "abcdefgh", 8, 0));
	ASSERT_EQ(1, kipc_op_done(n1, 10000, &r1));
	EXPECT_EQ(E2BIG, r1.err);
	ASSERT_EQ(1, kipc_op_done(n2, 10000, &r2));
	EXPECT_EQ(0, r2.ret);
	EXPECT_EQ(8ULL, r2.m.size);
	EXPECT_EQ(0ULL, qinfo(self->fd).qnum);
}

TEST_F(msg, blocked_recv_noerror_truncates)
{
	struct op_result r;
	int note, fd = self->fd;

	KIPC_CHILD(note, r.ret = kipc_msg_recv(fd, 0, r.text, 4,
					       KIPC_MSG_NOERROR, &r.m));
	ASSERT_EQ(0, wait_col("rwait", 1));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "abcdefgh", 8, 0));
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	EXPECT_EQ(0, r.ret);
	EXPECT_EQ(4ULL, r.m.size);
	EXPECT_EQ(0, memcmp(r.text, "abcd", 4));
	EXPECT_EQ(0ULL, qinfo(self->fd).qnum);
}

/* A handed-over message whose copy faults goes back to the queue. */
TEST_F(msg, blocked_recv_bad_buffer_efault_requeues)
{
	void *bad = bad_page();
	struct op_result r;
	char buf[8] = "";
	int note, fd = self->fd;

	ASSERT_NE(NULL, bad);
	KIPC_CHILD(note, r.ret = kipc_msg_recv(fd, 3, bad, 8, 0, &r.m);
		   r.err = errno);
	ASSERT_EQ(0, wait_col("rwait", 1));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 3, "back", 4, 0));
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	EXPECT_EQ(-1, r.ret);
	EXPECT_EQ(EFAULT, r.err);
	EXPECT_EQ(1ULL, qinfo(self->fd).qnum);
	EXPECT_EQ(0ULL, qinfo(self->fd).received - self->start.received);
	ASSERT_EQ(0, kipc_msg_recv(self->fd, 3, buf, sizeof(buf), KIPC_NOWAIT,
				   NULL));
	EXPECT_EQ(0, memcmp(buf, "back", 4));
	munmap(bad, 4096);
}

/*
 * Put back in arrival order: before the messages of its type sent later.
 * The receiver is handed "1st" but runs only after "2nd" and "oth" are
 * queued, then faults.
 */
TEST_F(msg, requeued_message_keeps_its_place)
{
	void *bad = bad_page();
	struct kipc_msg_info info;
	struct op_result r;
	char buf[8] = "";
	int note, fd = self->fd;

	ASSERT_NE(NULL, bad);
	KIPC_CHILD(note, r.ret = kipc_msg_recv(fd, 3, bad, 8, 0, &r.m);
		   r.err = errno);
	ASSERT_EQ(0, wait_col("rwait", 1));
	ASSERT_EQ(0, outrank(kipc_kids[0]));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 3, "1st", 3, 0));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 3, "2nd", 3, 0));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 2, "oth", 3, 0));
	info = qinfo(self->fd);
	/* "1st" went to the receiver, which has not run yet. */
	EXPECT_EQ(2ULL, info.qnum);
	EXPECT_EQ(1ULL, info.received - self->start.received);
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	EXPECT_EQ(EFAULT, r.err);
	EXPECT_EQ(0ULL, qinfo(self->fd).received - self->start.received);
	ASSERT_EQ(0, kipc_msg_recv(self->fd, 0, buf, sizeof(buf), KIPC_NOWAIT,
				   NULL));
	EXPECT_EQ(0, memcmp(buf, "1st", 3));
	ASSERT_EQ(0, kipc_msg_recv(self->fd, 0, buf, sizeof(buf), KIPC_NOWAIT,
				   NULL));
	EXPECT_EQ(0, memcmp(buf, "2nd", 3));
	ASSERT_EQ(0, kipc_msg_recv(self->fd, 0, buf, sizeof(buf), KIPC_NOWAIT,
				   NULL));
	EXPECT_EQ(0, memcmp(buf, "oth", 3));
	munmap(bad, 4096);
}

/* A receiver killed after the hand-off, before it ran, gives it back. */
TEST_F(msg, killed_receiver_gives_handed_message_back)
{
	char buf[8] = "";
	int note, fd = self->fd;

	KIPC_CHILD(note,
		   r.ret = kipc_msg_recv(fd, 3, r.text, TEXT_MAX, 0, &r.m));
	ASSERT_EQ(0, wait_col("rwait", 1));
	ASSERT_EQ(0, outrank(kipc_kids[0]));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 3, "kept", 4, 0));
	/* Handed over, not queued. */
	EXPECT_EQ(0ULL, qinfo(self->fd).qnum);
	ASSERT_EQ(0, kill(kipc_kids[0], SIGKILL));
	ASSERT_EQ(kipc_kids[0], waitpid(kipc_kids[0], NULL, 0));
	kipc_forget_kid(kipc_kids[0]);
	close(note);
	EXPECT_EQ(1ULL, qinfo(self->fd).qnum);
	EXPECT_EQ(0ULL, qinfo(self->fd).received - self->start.received);
	ASSERT_EQ(0, kipc_msg_recv(self->fd, 3, buf, sizeof(buf), KIPC_NOWAIT,
				   NULL));
	EXPECT_EQ(0, memcmp(buf, "kept", 4));
}

TEST_F(msg, blocked_peek_sees_message_and_leaves_it)
{
	struct op_result r;
	int note, fd = self->fd;

	KIPC_CHILD(note, r.ret = kipc_msg_recv(fd, 2, r.text, TEXT_MAX,
					       KIPC_MSG_PEEK, &r.m));
	ASSERT_EQ(0, wait_col("rwait", 1));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 2, "peek", 4, 0));
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	EXPECT_EQ(0, r.ret);
	EXPECT_EQ(0, memcmp(r.text, "peek", 4));
	EXPECT_EQ(1ULL, qinfo(self->fd).qnum);
	EXPECT_EQ(0ULL, qinfo(self->fd).received - self->start.received);
}

/* A peeker waiting before a consumer sees the message the consumer takes. */
TEST_F(msg, blocked_peek_then_consumer_both_served)
{
	struct op_result r1, r2;
	int n1, n2, fd = self->fd;

	KIPC_CHILD(n1, r.ret = kipc_msg_recv(fd, 0, r.text, TEXT_MAX,
					     KIPC_MSG_PEEK, &r.m));
	ASSERT_EQ(0, wait_col("rwait", 1));
	KIPC_CHILD(n2, r.ret = kipc_msg_recv(fd, 0, r.text, TEXT_MAX, 0, &r.m));
	ASSERT_EQ(0, wait_col("rwait", 2));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "both", 4, 0));
	ASSERT_EQ(1, kipc_op_done(n1, 10000, &r1));
	ASSERT_EQ(1, kipc_op_done(n2, 10000, &r2));
	EXPECT_EQ(0, memcmp(r1.text, "both", 4));
	EXPECT_EQ(0, memcmp(r2.text, "both", 4));
	EXPECT_EQ(0ULL, qinfo(self->fd).qnum);
	EXPECT_EQ(1ULL, qinfo(self->fd).received - self->start.received);
}

TEST_F(msg, recv_timeout_etimedout)
{
	unsigned long long t0 = kipc_now_ns();

	EXPECT_EQ(-1, kipc_msg_op(self->fd, KIPC_MSG_RECV, 1, NULL, 0, 0,
				  20000000, NULL));
	EXPECT_EQ(ETIMEDOUT, errno);
	EXPECT_LE(20000000ULL, kipc_now_ns() - t0);
	EXPECT_EQ(0, proc_col("rwait"));
}

TEST_F(msg, recv_timeout_not_reached_when_message_comes)
{
	struct op_result r;
	int note, fd = self->fd;

	KIPC_CHILD(note, r.ret = kipc_msg_op(fd, KIPC_MSG_RECV, 1, r.text,
					     TEXT_MAX, 0, UINT64_MAX, &r.m);
		   r.err = errno);
	ASSERT_EQ(0, wait_col("rwait", 1));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "x", 1, 0));
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	EXPECT_EQ(0, r.ret);
}

TEST_F(msg, recv_nowait_ignores_timeout)
{
	EXPECT_EQ(-1, kipc_msg_op(self->fd, KIPC_MSG_RECV, 0, NULL, 0,
				  KIPC_NOWAIT, 1000000000, NULL));
	EXPECT_EQ(ENOMSG, errno);
}

/* As msgrcv(2): EINTR even when the handler has SA_RESTART. */
TEST_F(msg, recv_signal_eintr)
{
	struct op_result r;
	int note, fd = self->fd;

	KIPC_CHILD(note, handle(SIGUSR1, SA_RESTART);
		   r.ret = kipc_msg_recv(fd, 1, r.text, TEXT_MAX, 0, &r.m);
		   r.err = errno);
	ASSERT_EQ(0, wait_col("rwait", 1));
	ASSERT_EQ(0, kill(kipc_kids[0], SIGUSR1));
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	EXPECT_EQ(-1, r.ret);
	EXPECT_EQ(EINTR, r.err);
	EXPECT_EQ(0, proc_col("rwait"));
}

TEST_F(msg, recv_timed_signal_eintr)
{
	struct op_result r;
	int note, fd = self->fd;

	KIPC_CHILD(note, handle(SIGUSR1, SA_RESTART);
		   r.ret = kipc_msg_op(fd, KIPC_MSG_RECV, 1, r.text, TEXT_MAX,
				       0, 60000000000ULL, &r.m);
		   r.err = errno);
	ASSERT_EQ(0, wait_col("rwait", 1));
	ASSERT_EQ(0, kill(kipc_kids[0], SIGUSR1));
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	EXPECT_EQ(EINTR, r.err);
}

/* A stop and continue is not an error: the receive goes on. */
TEST_F(msg, recv_survives_stop_and_continue)
{
	struct op_result r;
	int note, fd = self->fd;

	KIPC_CHILD(note,
		   r.ret = kipc_msg_recv(fd, 1, r.text, TEXT_MAX, 0, &r.m);
		   r.err = errno);
	ASSERT_EQ(0, wait_col("rwait", 1));
	ASSERT_EQ(0, kill(kipc_kids[0], SIGSTOP));
	ASSERT_EQ(0, wait_col("rwait", 0));
	ASSERT_EQ(0, kill(kipc_kids[0], SIGCONT));
	ASSERT_EQ(0, wait_col("rwait", 1));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "x", 1, 0));
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	EXPECT_EQ(0, r.ret);
}

/* read() is file I/O: with SA_RESTART it restarts, without it EINTR. */
TEST_F(msg, read_signal_eintr_without_restart)
{
	struct op_result r;
	int note, fd = self->fd;

	KIPC_CHILD(note, handle(SIGUSR1, 0); r.ret = read(fd, r.text, TEXT_MAX);
		   r.err = errno);
	ASSERT_EQ(0, wait_col("rwait", 1));
	ASSERT_EQ(0, kill(kipc_kids[0], SIGUSR1));
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	EXPECT_EQ(-1, r.ret);
	EXPECT_EQ(EINTR, r.err);
}

TEST_F(msg, read_signal_restarts_with_sa_restart)
{
	struct op_result r;
	int note, hp[2], fd = self->fd;
	char c;

	ASSERT_EQ(0, pipe(hp));
	sig_note = hp[1];
	KIPC_CHILD(note, handle_with(SIGUSR1, note_signal, SA_RESTART);
		   r.ret = read(fd, r.text, TEXT_MAX); r.err = errno);
	ASSERT_EQ(0, wait_col("rwait", 1));
	ASSERT_EQ(0, kill(kipc_kids[0], SIGUSR1));
	/* The handler ran, so the read was interrupted; it waits again. */
	ASSERT_EQ(1, read(hp[0], &c, 1));
	ASSERT_EQ(0, wait_col("rwait", 1));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "ab", 2, 0));
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	EXPECT_EQ(10, r.ret);
	close(hp[0]);
	close(hp[1]);
}

/* -------------------------------------------------- blocking senders */

static void fill_by_count(struct __test_metadata *_metadata, int fd,
			  unsigned long long n)
{
	unsigned long long i;

	ASSERT_EQ(0, set_limits(fd, n, DEF_MSGMAX));
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, kipc_msg_send(fd, 1, NULL, 0, KIPC_NOWAIT));
}

TEST_F(msg, send_blocks_until_space)
{
	struct op_result r;
	int note, fd = self->fd;

	fill_by_count(_metadata, self->fd, 1);
	KIPC_CHILD(note, r.ret = kipc_msg_send(fd, 2, "x", 0, 0);
		   r.err = errno);
	ASSERT_EQ(0, wait_col("swait", 1));
	ASSERT_EQ(0, kipc_msg_recv(self->fd, 1, NULL, 0, 0, NULL));
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	EXPECT_EQ(0, r.ret);
	EXPECT_EQ(0, kipc_msg_recv(self->fd, 2, NULL, 0, KIPC_NOWAIT, NULL));
}

TEST_F(msg, send_timeout_etimedout)
{
	unsigned long long t0;

	fill_by_count(_metadata, self->fd, 1);
	t0 = kipc_now_ns();
	EXPECT_EQ(-1, kipc_msg_op(self->fd, KIPC_MSG_SEND, 1, NULL, 0, 0,
				  20000000, NULL));
	EXPECT_EQ(ETIMEDOUT, errno);
	EXPECT_LE(20000000ULL, kipc_now_ns() - t0);
	EXPECT_EQ(1ULL, qinfo(self->fd).sent - self->start.sent);
	EXPECT_EQ(1ULL, qinfo(self->fd).qnum);
}

TEST_F(msg, send_signal_eintr)
{
	struct op_result r;
	int note, fd = self->fd;

	fill_by_count(_metadata, self->fd, 1);
	KIPC_CHILD(note, handle(SIGUSR1, SA_RESTART);
		   r.ret = kipc_msg_send(fd, 1, NULL, 0, 0); r.err = errno);
	ASSERT_EQ(0, wait_col("swait", 1));
	ASSERT_EQ(0, kill(kipc_kids[0], SIGUSR1));
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	EXPECT_EQ(-1, r.ret);
	EXPECT_EQ(EINTR, r.err);
	EXPECT_EQ(1ULL, qinfo(self->fd).qnum);
}

TEST_F(msg, write_blocks_until_space)
{
	struct op_result r;
	long long mtype = 1;
	int note, fd = self->fd;

	fill_by_count(_metadata, self->fd, 1);
	KIPC_CHILD(note, r.ret = write(fd, &mtype, 8); r.err = errno);
	ASSERT_EQ(0, wait_col("swait", 1));
	ASSERT_EQ(0, kipc_msg_recv(self->fd, 0, NULL, 0, 0, NULL));
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	EXPECT_EQ(8, r.ret);
}

/* Flush frees the space: senders go on; receivers keep waiting. */
TEST_F(msg, flush_wakes_senders_not_receivers)
{
	struct op_result rs, rr;
	int ns, nr, fd = self->fd;

	fill_by_count(_metadata, self->fd, 1);
	KIPC_CHILD(nr,
		   r.ret = kipc_msg_recv(fd, 99, r.text, TEXT_MAX, 0, &r.m));
	ASSERT_EQ(0, wait_col("rwait", 1));
	KIPC_CHILD(ns, r.ret = kipc_msg_send(fd, 2, "s", 1, 0); r.err = errno);
	ASSERT_EQ(0, wait_col("swait", 1));
	ASSERT_EQ(0, ioctl(self->fd, KIPC_MSG_FLUSH));
	ASSERT_EQ(1, kipc_op_done(ns, 10000, &rs));
	EXPECT_EQ(0, rs.ret);
	EXPECT_EQ(1, proc_col("rwait"));
	EXPECT_EQ(0, kipc_op_done(nr, 0, &rr));
	EXPECT_EQ(1ULL, qinfo(self->fd).qnum);
	ASSERT_EQ(0, ioctl(self->fd, KIPC_MSG_FLUSH));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 99, "r", 1, 0));
	ASSERT_EQ(1, kipc_op_done(nr, 10000, &rr));
	EXPECT_EQ(99, rr.m.mtype);
}

TEST_F(msg, raising_limits_wakes_senders)
{
	struct op_result r;
	int note, fd = self->fd;

	fill_by_count(_metadata, self->fd, 1);
	KIPC_CHILD(note, r.ret = kipc_msg_send(fd, 1, NULL, 0, 0);
		   r.err = errno);
	ASSERT_EQ(0, wait_col("swait", 1));
	ASSERT_EQ(0, set_limits(self->fd, 2, DEF_MSGMAX));
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	EXPECT_EQ(0, r.ret);
	EXPECT_EQ(2ULL, qinfo(self->fd).qnum);
}

/* Space for one sender wakes one sender. */
TEST_F(msg, freed_space_wakes_one_sender)
{
	struct op_result r1, r2;
	int n1, n2, fd = self->fd;

	fill_by_count(_metadata, self->fd, 1);
	KIPC_CHILD(n1, r.ret = kipc_msg_send(fd, 2, NULL, 0, 0));
	ASSERT_EQ(0, wait_col("swait", 1));
	KIPC_CHILD(n2, r.ret = kipc_msg_send(fd, 3, NULL, 0, 0));
	ASSERT_EQ(0, wait_col("swait", 2));
	ASSERT_EQ(0, kipc_msg_recv(self->fd, 1, NULL, 0, 0, NULL));
	ASSERT_EQ(1, kipc_op_done(n1, 10000, &r1));
	EXPECT_EQ(0, r1.ret);
	ASSERT_EQ(0, wait_col("swait", 1));
	EXPECT_EQ(0, kipc_op_done(n2, 0, &r2));
	ASSERT_EQ(0, kipc_msg_recv(self->fd, 2, NULL, 0, 0, NULL));
	ASSERT_EQ(1, kipc_op_done(n2, 10000, &r2));
	EXPECT_EQ(0, r2.ret);
}

/* A small message behind a big waiting one goes when it fits. */
TEST_F(msg, small_sender_passes_big_waiting_sender)
{
	static char big[DEF_MSGMAX];
	struct op_result rb, rs;
	int nb, ns, fd = self->fd;

	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, big, DEF_MSGMAX, 0));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, big, DEF_MSGMAX - 100, 0));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 2, big, 100, 0));
	KIPC_CHILD(nb, r.ret = kipc_msg_send(fd, 3, big, 1000, 0));
	ASSERT_EQ(0, wait_col("swait", 1));
	KIPC_CHILD(ns, r.ret = kipc_msg_send(fd, 4, big, 10, 0));
	ASSERT_EQ(0, wait_col("swait", 2));
	/* 100 bytes free: the second sender fits, the first does not. */
	ASSERT_EQ(0, kipc_msg_recv(self->fd, 2, big, sizeof(big), 0, NULL));
	ASSERT_EQ(1, kipc_op_done(ns, 10000, &rs));
	EXPECT_EQ(0, rs.ret);
	EXPECT_EQ(1, proc_col("swait"));
	EXPECT_EQ(0, kipc_op_done(nb, 0, &rb));
	ASSERT_EQ(0, kipc_msg_recv(self->fd, 1, big, sizeof(big), 0, NULL));
	ASSERT_EQ(1, kipc_op_done(nb, 10000, &rb));
	EXPECT_EQ(0, rb.ret);
}

/*
 * A woken sender that loses the space to another passes the wake-up on.
 * 100 bytes are freed, which wakes the first waiter (it needs 100); before
 * it runs, a sender that did not wait takes 50; the second waiter (needs
 * 10) must still get in.
 */
TEST_F(msg, sender_wakeup_passed_on_when_space_taken)
{
	static char big[DEF_MSGMAX];
	struct op_result rb, rs;
	int nb, ns, fd = self->fd;

	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, big, DEF_MSGMAX, 0));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, big, DEF_MSGMAX - 100, 0));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 2, big, 100, 0));
	KIPC_CHILD(nb, r.ret = kipc_msg_send(fd, 3, big, 100, 0));
	ASSERT_EQ(0, wait_col("swait", 1));
	KIPC_CHILD(ns, r.ret = kipc_msg_send(fd, 4, big, 10, 0));
	ASSERT_EQ(0, wait_col("swait", 2));
	ASSERT_EQ(0, outrank(kipc_kids[0]));
	ASSERT_EQ(0, kipc_msg_recv(self->fd, 2, big, sizeof(big), 0, NULL));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 5, big, 50, KIPC_NOWAIT));
	ASSERT_EQ(1, kipc_op_done(ns, 10000, &rs));
	EXPECT_EQ(0, rs.ret);
	EXPECT_EQ(0, kipc_op_done(nb, 0, &rb));
	EXPECT_EQ(0, wait_col("swait", 1));
}

/* ------------------------------------------------------------- vectors */

/* One entry of a vector, with the arguments of kipc_msg_op(). */
static struct kipc_msg vent(long long type, const void *text,
			    unsigned long long size, unsigned int flags)
{
	return (struct kipc_msg){
		.mtype = type,
		.text = (uintptr_t)text,
		.size = size,
		.flags = flags,
	};
}

/* KIPC_MSG_SENDV or KIPC_MSG_RECVV (@cmd) of the @count entries at @msgs. */
static int msg_vec(int fd, unsigned long cmd, struct kipc_msg *msgs,
		   unsigned int count)
{
	struct kipc_msg_vec v = { .msgs = (uintptr_t)msgs, .count = count };

	return ioctl(fd, cmd, &v);
}

/*
 * Hang guard for a call that must not wait: a SIGALRM in 10 s, with a
 * handler so that it breaks a wait instead of killing the test. After the
 * call, no_wait_done() says whether it came back before the alarm.
 */
static void no_wait_arm(void)
{
	handle(SIGALRM, 0);
	alarm(10);
}

static int no_wait_done(void)
{
	return alarm(0) != 0;
}

/*
 * Two pages; the @n entries of @v copied so that the first @before of them
 * end the first page (read-write) and the rest start the second, which
 * then gets @prot. Returns the first entry, or NULL. Free with
 * free_entries().
 */
static struct kipc_msg *entries_across_pages(const struct kipc_msg *v, int n,
					     int before, int prot)
{
	char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct kipc_msg *e;

	if (p == MAP_FAILED)
		return NULL;
	e = (struct kipc_msg *)(p + 4096) - before;
	memcpy(e, v, n * sizeof(*v));
	if (mprotect(p + 4096, 4096, prot)) {
		munmap(p, 8192);
		return NULL;
	}
	return e;
}

static void free_entries(struct kipc_msg *e)
{
	munmap((void *)((uintptr_t)e & ~4095UL), 8192);
}

TEST_F(msg, sendv_queues_all_in_order)
{
	static const char *const text[] = { "one", "two2", "three", "4",
					    "fiver" };
	static const long long types[] = { 3, 1, 3, 2, 7 };
	unsigned long long bytes = 0;
	struct kipc_msg_info info;
	struct kipc_msg v[5], m;
	char buf[TEXT_MAX];
	int i;

	for (i = 0; i < 5; i++) {
		v[i] = vent(types[i], text[i], strlen(text[i]), 0);
		bytes += strlen(text[i]);
	}
	EXPECT_EQ(5, msg_vec(self->fd, KIPC_MSG_SENDV, v, 5));
	info = qinfo(self->fd);
	EXPECT_EQ(5ULL, info.qnum);
	EXPECT_EQ(bytes, info.cbytes);
	EXPECT_EQ(5ULL, info.sent - self->start.sent);
	EXPECT_EQ((__u32)getpid(), info.lspid);
	for (i = 0; i < 5; i++) {
		memset(buf, 0, sizeof(buf));
		ASSERT_EQ(0, kipc_msg_recv(self->fd, 0, buf, sizeof(buf),
					   KIPC_NOWAIT, &m));
		EXPECT_EQ(types[i], m.mtype);
		EXPECT_EQ(strlen(text[i]), m.size);
		EXPECT_STREQ(text[i], buf);
		EXPECT_EQ((__u32)getpid(), m.pid);
	}
}

/*
 * Entries after the first do not wait, whatever they say: 3..7 have no
 * KIPC_NOWAIT, and some a long timeout. Those not reached are not written.
 */
TEST_F(msg, recvv_takes_what_is_queued)
{
	static const char *const text[] = { "first", "2nd", "third!" };
	struct kipc_msg v[8], want[8];
	struct kipc_msg_info info;
	char bufs[8][TEXT_MAX];
	int i;

	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, kipc_msg_send(self->fd, 10 + i, text[i],
					   strlen(text[i]), 0));
	memset(bufs, '#', sizeof(bufs));
	for (i = 0; i < 8; i++) {
		v[i] = vent(0, bufs[i], TEXT_MAX, 0);
		v[i].timeout_ns = i % 2 ? 60000000000ULL : 0;
		v[i].pid = 0xdeadbeef; /* ignored on input */
	}
	memcpy(want, v, sizeof(v));
	no_wait_arm();
	EXPECT_EQ(3, msg_vec(self->fd, KIPC_MSG_RECVV, v, 8));
	EXPECT_TRUE(no_wait_done());
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(10 + i, v[i].mtype);
		EXPECT_EQ(strlen(text[i]), v[i].size);
		EXPECT_EQ((__u32)getpid(), v[i].pid);
		EXPECT_EQ(0, memcmp(bufs[i], text[i], strlen(text[i])));
		EXPECT_EQ('#', bufs[i][strlen(text[i])]);
	}
	for (i = 3; i < 8; i++) {
		EXPECT_EQ(0, memcmp(&want[i], &v[i], sizeof(v[i])));
		EXPECT_EQ('#', bufs[i][0]);
	}
	info = qinfo(self->fd);
	EXPECT_EQ(0ULL, info.qnum);
	EXPECT_EQ(3ULL, info.received - self->start.received);
	EXPECT_EQ((__u32)getpid(), info.lrpid);
}

TEST_F(msg, recvv_first_entry_waits)
{
	char bufs[4][TEXT_MAX] = { "" };
	struct op_result r;
	struct kipc_msg v[4];
	int i, note, fd = self->fd;

	for (i = 0; i < 4; i++)
		v[i] = vent(0, bufs[i], TEXT_MAX, 0);
	KIPC_CHILD(note, r.ret = wait_col("rwait", 1) ?:
					 kipc_msg_send(fd, 4, "late", 4, 0);
		   r.err = errno);
	EXPECT_EQ(1, msg_vec(self->fd, KIPC_MSG_RECVV, v, 4));
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	EXPECT_EQ(0, r.ret);
	EXPECT_EQ(4, v[0].mtype);
	EXPECT_EQ(4ULL, v[0].size);
	EXPECT_EQ((__u32)kipc_kids[0], v[0].pid);
	EXPECT_EQ(0, memcmp(bufs[0], "late", 4));
	EXPECT_EQ(0, v[1].mtype);
	EXPECT_EQ(0ULL, qinfo(self->fd).qnum);
}

/*
 * In the child: once @pid waits in a receive, outrank it and send two
 * messages, so that it runs only when both are there: the first handed to
 * it, the second queued.
 */
static long send_two_ahead_of(int fd, pid_t pid)
{
	if (wait_col("rwait", 1) || outrank(pid))
		return -1;
	return kipc_msg_send(fd, 1, "A", 1, 0) ?:
						 kipc_msg_send(fd, 2, "B", 1, 0);
}

/* Once the first entry has waited, the others take what is there. */
TEST_F(msg, recvv_after_wait_takes_what_arrived)
{
	char bufs[4][TEXT_MAX] = { "" };
	struct op_result r;
	struct kipc_msg v[4];
	pid_t me = getpid();
	int i, note, fd = self->fd;

	for (i = 0; i < 4; i++)
		v[i] = vent(0, bufs[i], TEXT_MAX, 0);
	KIPC_CHILD(note, r.ret = send_two_ahead_of(fd, me); r.err = errno);
	EXPECT_EQ(2, msg_vec(self->fd, KIPC_MSG_RECVV, v, 4));
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	ASSERT_EQ(0, r.ret);
	EXPECT_EQ(1, v[0].mtype);
	EXPECT_EQ('A', bufs[0][0]);
	EXPECT_EQ(2, v[1].mtype);
	EXPECT_EQ('B', bufs[1][0]);
	EXPECT_EQ(0ULL, qinfo(self->fd).qnum);
}

TEST_F(msg, recvv_empty_nowait_enomsg)
{
	char bufs[2][TEXT_MAX];
	struct kipc_msg v[2], want[2];

	v[0] = vent(0, bufs[0], TEXT_MAX, KIPC_NOWAIT);
	v[1] = vent(0, bufs[1], TEXT_MAX, KIPC_NOWAIT);
	memcpy(want, v, sizeof(v));
	EXPECT_EQ(-1, msg_vec(self->fd, KIPC_MSG_RECVV, v, 2));
	EXPECT_EQ(ENOMSG, errno);
	EXPECT_EQ(0, memcmp(want, v, sizeof(v)));
}

TEST_F(msg, recvv_first_timeout_etimedout)
{
	struct kipc_msg v[2];
	char bufs[2][TEXT_MAX];

	v[0] = vent(0, bufs[0], TEXT_MAX, 0);
	v[0].timeout_ns = 20000000;
	v[1] = vent(0, bufs[1], TEXT_MAX, 0);
	EXPECT_EQ(-1, msg_vec(self->fd, KIPC_MSG_RECVV, v, 2));
	EXPECT_EQ(ETIMEDOUT, errno);
	EXPECT_EQ(0, proc_col("rwait"));
}

/* O_NONBLOCK is KIPC_NOWAIT for the first entry too. */
TEST_F(msg, recvv_nonblock_file_enomsg)
{
	int fd = kipc_open(NODE, O_RDWR | O_NONBLOCK);
	struct kipc_msg v[2];
	char bufs[2][TEXT_MAX];

	ASSERT_GE(fd, 0);
	v[0] = vent(0, bufs[0], TEXT_MAX, 0);
	v[1] = vent(0, bufs[1], TEXT_MAX, 0);
	no_wait_arm();
	EXPECT_EQ(-1, msg_vec(fd, KIPC_MSG_RECVV, v, 2));
	EXPECT_EQ(ENOMSG, errno);
	EXPECT_TRUE(no_wait_done());
	close(fd);
}

TEST_F(msg, recvv_entries_use_their_own_selectors)
{
	static const long long sel[] = { 2, 2, -3, 0 };
	static const long long want_type[] = { 2, 2, 1, 3 };
	static const char want_text[] = "bdac";
	char bufs[4][TEXT_MAX] = { "" };
	struct kipc_msg v[4];
	int i;

	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "a", 1, 0));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 2, "b", 1, 0));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 3, "c", 1, 0));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 2, "d", 1, 0));
	for (i = 0; i < 4; i++)
		v[i] = vent(sel[i], bufs[i], TEXT_MAX, 0);
	EXPECT_EQ(4, msg_vec(self->fd, KIPC_MSG_RECVV, v, 4));
	for (i = 0; i < 4; i++) {
		EXPECT_EQ(want_type[i], v[i].mtype);
		EXPECT_EQ(want_text[i], bufs[i][0]);
	}
	EXPECT_EQ(0ULL, qinfo(self->fd).qnum);
}

TEST_F(msg, recvv_except_entry_as_msgrcv)
{
	char bufs[2][TEXT_MAX] = { "" };
	struct kipc_msg v[2];

	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "a", 1, 0));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "b", 1, 0));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 5, "c", 1, 0));
	v[0] = vent(1, bufs[0], TEXT_MAX, KIPC_MSG_EXCEPT);
	v[1] = vent(0, bufs[1], TEXT_MAX, 0);
	EXPECT_EQ(2, msg_vec(self->fd, KIPC_MSG_RECVV, v, 2));
	EXPECT_EQ(5, v[0].mtype);
	EXPECT_EQ(1, v[1].mtype);
	EXPECT_EQ('a', bufs[1][0]);
	EXPECT_EQ(1ULL, qinfo(self->fd).qnum);
}

TEST_F(msg, recvv_peek_entry_leaves_it_for_the_next)
{
	char bufs[2][TEXT_MAX] = { "" };
	struct kipc_msg_info info;
	struct kipc_msg v[2];

	ASSERT_EQ(0, kipc_msg_send(self->fd, 6, "pk", 2, 0));
	v[0] = vent(0, bufs[0], TEXT_MAX, KIPC_MSG_PEEK);
	v[1] = vent(6, bufs[1], TEXT_MAX, 0);
	EXPECT_EQ(2, msg_vec(self->fd, KIPC_MSG_RECVV, v, 2));
	EXPECT_EQ(6, v[0].mtype);
	EXPECT_EQ(0, memcmp(bufs[0], "pk", 2));
	EXPECT_EQ(6, v[1].mtype);
	EXPECT_EQ(0, memcmp(bufs[1], "pk", 2));
	info = qinfo(self->fd);
	EXPECT_EQ(0ULL, info.qnum);
	EXPECT_EQ(1ULL, info.received - self->start.received);
}

TEST_F(msg, recvv_noerror_entry_truncates)
{
	char bufs[2][TEXT_MAX] = { "" };
	struct kipc_msg v[2];

	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "abcdefgh", 8, 0));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "ijklmnop", 8, 0));
	v[0] = vent(0, bufs[0], TEXT_MAX, 0);
	v[1] = vent(0, bufs[1], 3, KIPC_MSG_NOERROR);
	EXPECT_EQ(2, msg_vec(self->fd, KIPC_MSG_RECVV, v, 2));
	EXPECT_EQ(8ULL, v[0].size);
	EXPECT_EQ(3ULL, v[1].size);
	EXPECT_EQ(0, memcmp(bufs[1], "ijk", 3));
	EXPECT_EQ(0, bufs[1][3]);
	EXPECT_EQ(0ULL, qinfo(self->fd).qnum);
}

/* An entry that matches nothing ends the call: later ones are not tried. */
TEST_F(msg, recvv_stops_at_first_unmatched_entry)
{
	char bufs[3][TEXT_MAX] = { "" };
	struct kipc_msg v[3], want;

	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "a", 1, 0));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "b", 1, 0));
	v[0] = vent(1, bufs[0], TEXT_MAX, 0);
	v[1] = vent(2, bufs[1], TEXT_MAX, 0);
	v[2] = vent(1, bufs[2], TEXT_MAX, 0);
	want = v[2];
	EXPECT_EQ(1, msg_vec(self->fd, KIPC_MSG_RECVV, v, 3));
	EXPECT_EQ('a', bufs[0][0]);
	EXPECT_EQ(0, memcmp(&want, &v[2], sizeof(want)));
	EXPECT_EQ(1ULL, qinfo(self->fd).qnum);
}

TEST_F(msg, recvv_stops_at_invalid_entry)
{
	char bufs[3][TEXT_MAX] = { "" };
	struct kipc_msg v[3];

	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "a", 1, 0));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "b", 1, 0));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "c", 1, 0));
	v[0] = vent(0, bufs[0], TEXT_MAX, 0);
	v[1] = vent(0, bufs[1], TEXT_MAX, 1U << 31);
	v[2] = vent(0, bufs[2], TEXT_MAX, 0);
	EXPECT_EQ(1, msg_vec(self->fd, KIPC_MSG_RECVV, v, 3));
	EXPECT_EQ(2ULL, qinfo(self->fd).qnum);
	EXPECT_EQ(0, bufs[2][0]);
}

TEST_F(msg, recvv_stops_at_e2big_and_keeps_it)
{
	static const char big[] = "0123456789abcdefghij";
	char bufs[3][TEXT_MAX] = { "" }, buf[TEXT_MAX] = "";
	struct kipc_msg_info info;
	struct kipc_msg v[3], m;

	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "s1", 2, 0));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 2, big, 20, 0));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 3, "s3", 2, 0));
	v[0] = vent(0, bufs[0], TEXT_MAX, 0);
	v[1] = vent(0, bufs[1], 4, 0);
	v[2] = vent(0, bufs[2], TEXT_MAX, 0);
	EXPECT_EQ(1, msg_vec(self->fd, KIPC_MSG_RECVV, v, 3));
	EXPECT_EQ(1, v[0].mtype);
	/* Entry 1 is left as given: selector 0, capacity 4. */
	EXPECT_EQ(0, v[1].mtype);
	EXPECT_EQ(4ULL, v[1].size);
	EXPECT_EQ(0, bufs[2][0]);
	info = qinfo(self->fd);
	EXPECT_EQ(2ULL, info.qnum);
	EXPECT_EQ(22ULL, info.cbytes);
	EXPECT_EQ(1ULL, info.received - self->start.received);
	/* The big one is still first. */
	ASSERT_EQ(0, kipc_msg_recv(self->fd, 0, buf, sizeof(buf), KIPC_NOWAIT,
				   &m));
	EXPECT_EQ(2, m.mtype);
	EXPECT_EQ(20ULL, m.size);
	EXPECT_EQ(0, memcmp(buf, big, 20));
	ASSERT_EQ(0, kipc_msg_recv(self->fd, 0, buf, sizeof(buf), KIPC_NOWAIT,
				   &m));
	EXPECT_EQ(3, m.mtype);
}

/* The message that faulted goes back in its place: before "c". */
TEST_F(msg, recvv_bad_text_efault_keeps_message)
{
	char bufs[3][TEXT_MAX] = { "" }, buf[TEXT_MAX] = "";
	void *bad = bad_page();
	struct kipc_msg_info info;
	struct kipc_msg v[3], m;

	ASSERT_NE(NULL, bad);
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "a", 1, 0));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 2, "b", 1, 0));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 3, "c", 1, 0));
	v[0] = vent(0, bufs[0], TEXT_MAX, 0);
	v[1] = vent(0, bad, TEXT_MAX, 0);
	v[2] = vent(0, bufs[2], TEXT_MAX, 0);
	EXPECT_EQ(1, msg_vec(self->fd, KIPC_MSG_RECVV, v, 3));
	EXPECT_EQ('a', bufs[0][0]);
	EXPECT_EQ(0, bufs[2][0]);
	info = qinfo(self->fd);
	EXPECT_EQ(2ULL, info.qnum);
	EXPECT_EQ(1ULL, info.received - self->start.received);
	ASSERT_EQ(0, kipc_msg_recv(self->fd, 0, buf, sizeof(buf), KIPC_NOWAIT,
				   &m));
	EXPECT_EQ(2, m.mtype);
	EXPECT_EQ('b', buf[0]);
	ASSERT_EQ(0, kipc_msg_recv(self->fd, 0, buf, sizeof(buf), KIPC_NOWAIT,
				   &m));
	EXPECT_EQ(3, m.mtype);
	munmap(bad, 4096);
}

TEST_F(msg, recvv_first_bad_text_efault)
{
	char bufs[2][TEXT_MAX] = { "" }, buf[TEXT_MAX] = "";
	void *bad = bad_page();
	struct kipc_msg v[2];

	ASSERT_NE(NULL, bad);
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "a", 1, 0));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 2, "b", 1, 0));
	v[0] = vent(0, bad, TEXT_MAX, 0);
	v[1] = vent(0, bufs[1], TEXT_MAX, 0);
	EXPECT_EQ(-1, msg_vec(self->fd, KIPC_MSG_RECVV, v, 2));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0, bufs[1][0]);
	EXPECT_EQ(2ULL, qinfo(self->fd).qnum);
	EXPECT_EQ(0ULL, qinfo(self->fd).received - self->start.received);
	ASSERT_EQ(0, kipc_msg_recv(self->fd, 0, buf, sizeof(buf), KIPC_NOWAIT,
				   NULL));
	EXPECT_EQ('a', buf[0]);
	munmap(bad, 4096);
}

/* Entry 1 can be read but not written back: its message stays, in place. */
TEST_F(msg, recvv_readonly_entry_efault_keeps_message)
{
	char bufs[3][TEXT_MAX] = { "" }, buf[TEXT_MAX] = "";
	struct kipc_msg v[3], *e;
	struct kipc_msg_info info;
	int i;

	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "a", 1, 0));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 2, "b", 1, 0));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 3, "c", 1, 0));
	for (i = 0; i < 3; i++)
		v[i] = vent(0, bufs[i], TEXT_MAX, 0);
	e = entries_across_pages(v, 3, 1, PROT_READ);
	ASSERT_NE(NULL, e);
	EXPECT_EQ(1, msg_vec(self->fd, KIPC_MSG_RECVV, e, 3));
	EXPECT_EQ(1, e[0].mtype);
	EXPECT_EQ(0, e[1].mtype);
	info = qinfo(self->fd);
	EXPECT_EQ(2ULL, info.qnum);
	EXPECT_EQ(1ULL, info.received - self->start.received);
	ASSERT_EQ(0, kipc_msg_recv(self->fd, 0, buf, sizeof(buf), KIPC_NOWAIT,
				   NULL));
	EXPECT_EQ('b', buf[0]);
	free_entries(e);
}

TEST_F(msg, recvv_first_readonly_entry_efault)
{
	char buf[TEXT_MAX] = "";
	struct kipc_msg v, *e;

	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "a", 1, 0));
	v = vent(0, buf, TEXT_MAX, 0);
	e = entries_across_pages(&v, 1, 0, PROT_READ);
	ASSERT_NE(NULL, e);
	EXPECT_EQ(-1, msg_vec(self->fd, KIPC_MSG_RECVV, e, 1));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(1ULL, qinfo(self->fd).qnum);
	EXPECT_EQ(0ULL, qinfo(self->fd).received - self->start.received);
	free_entries(e);
}

/* The array runs into an unreadable page after entry 0. */
TEST_F(msg, recvv_entries_into_bad_page_stop_there)
{
	char bufs[2][TEXT_MAX] = { "" };
	struct kipc_msg v[2], *e;

	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "a", 1, 0));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 2, "b", 1, 0));
	v[0] = vent(0, bufs[0], TEXT_MAX, 0);
	v[1] = vent(0, bufs[1], TEXT_MAX, 0);
	e = entries_across_pages(v, 2, 1, PROT_NONE);
	ASSERT_NE(NULL, e);
	EXPECT_EQ(1, msg_vec(self->fd, KIPC_MSG_RECVV, e, 2));
	EXPECT_EQ(1, e[0].mtype);
	EXPECT_EQ(0, bufs[1][0]);
	EXPECT_EQ(1ULL, qinfo(self->fd).qnum);
	free_entries(e);
}

TEST_F(msg, sendv_entries_into_bad_page_stop_there)
{
	struct kipc_msg v[2], *e;

	v[0] = vent(1, "a", 1, 0);
	v[1] = vent(2, "b", 1, 0);
	e = entries_across_pages(v, 2, 1, PROT_NONE);
	ASSERT_NE(NULL, e);
	EXPECT_EQ(1, msg_vec(self->fd, KIPC_MSG_SENDV, e, 2));
	EXPECT_EQ(1ULL, qinfo(self->fd).qnum);
	EXPECT_EQ(1ULL, qinfo(self->fd).sent - self->start.sent);
	free_entries(e);
}

TEST_F(msg, sendv_stops_at_invalid_entry)
{
	static const long long types[] = { 1, 2, 0, 4, 5 };
	struct kipc_msg v[5];
	int i;

	for (i = 0; i < 5; i++)
		v[i] = vent(types[i], "x", 1, 0);
	EXPECT_EQ(2, msg_vec(self->fd, KIPC_MSG_SENDV, v, 5));
	EXPECT_EQ(2ULL, qinfo(self->fd).qnum);
	EXPECT_EQ(2ULL, qinfo(self->fd).sent - self->start.sent);
	EXPECT_EQ(-1, kipc_msg_recv(self->fd, 4, NULL, 0,
				    KIPC_NOWAIT | KIPC_MSG_NOERROR, NULL));
	EXPECT_EQ(ENOMSG, errno);
}

TEST_F(msg, sendv_stops_at_bad_text_efault)
{
	void *bad = bad_page();
	struct kipc_msg_info info;
	struct kipc_msg v[4];

	ASSERT_NE(NULL, bad);
	v[0] = vent(1, "ab", 2, 0);
	v[1] = vent(2, "cde", 3, 0);
	v[2] = vent(3, bad, 3, 0);
	v[3] = vent(4, "f", 1, 0);
	EXPECT_EQ(2, msg_vec(self->fd, KIPC_MSG_SENDV, v, 4));
	info = qinfo(self->fd);
	EXPECT_EQ(2ULL, info.qnum);
	EXPECT_EQ(5ULL, info.cbytes);
	EXPECT_EQ(2ULL, info.sent - self->start.sent);
	munmap(bad, 4096);
}

TEST_F(msg, sendv_first_entry_invalid_einval)
{
	struct kipc_msg v[2];

	v[0] = vent(0, "x", 1, 0);
	v[1] = vent(1, "y", 1, 0);
	EXPECT_EQ(-1, msg_vec(self->fd, KIPC_MSG_SENDV, v, 2));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0ULL, qinfo(self->fd).qnum);
	EXPECT_EQ(0ULL, qinfo(self->fd).sent - self->start.sent);
}

TEST_F(msg, sendv_first_bad_text_efault)
{
	struct kipc_msg v[2];
	void *bad = bad_page();

	ASSERT_NE(NULL, bad);
	v[0] = vent(1, bad, 4, 0);
	v[1] = vent(1, "y", 1, 0);
	EXPECT_EQ(-1, msg_vec(self->fd, KIPC_MSG_SENDV, v, 2));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0ULL, qinfo(self->fd).qnum);
	munmap(bad, 4096);
}

/* Room for two: the third entry finds the queue full and ends the call. */
TEST_F(msg, sendv_later_entries_do_not_wait_when_full)
{
	struct kipc_msg v[4];
	int i;

	ASSERT_EQ(0, set_limits(self->fd, 2, DEF_MSGMAX));
	for (i = 0; i < 4; i++) {
		v[i] = vent(1 + i, "x", 1, 0);
		v[i].timeout_ns = i % 2 ? 60000000000ULL : 0;
	}
	no_wait_arm();
	EXPECT_EQ(2, msg_vec(self->fd, KIPC_MSG_SENDV, v, 4));
	EXPECT_TRUE(no_wait_done());
	EXPECT_EQ(2ULL, qinfo(self->fd).qnum);
	EXPECT_EQ(0, kipc_msg_recv(self->fd, 2, NULL, 0,
				   KIPC_NOWAIT | KIPC_MSG_NOERROR, NULL));
	EXPECT_EQ(0, proc_col("swait"));
}

TEST_F(msg, sendv_full_nowait_eagain)
{
	struct kipc_msg v[2];

	fill_by_count(_metadata, self->fd, 1);
	v[0] = vent(2, NULL, 0, KIPC_NOWAIT);
	v[1] = vent(2, NULL, 0, KIPC_NOWAIT);
	EXPECT_EQ(-1, msg_vec(self->fd, KIPC_MSG_SENDV, v, 2));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(1ULL, qinfo(self->fd).qnum);
}

TEST_F(msg, sendv_first_timeout_etimedout)
{
	struct kipc_msg v[2];

	fill_by_count(_metadata, self->fd, 1);
	v[0] = vent(2, NULL, 0, 0);
	v[0].timeout_ns = 20000000;
	v[1] = vent(2, NULL, 0, 0);
	EXPECT_EQ(-1, msg_vec(self->fd, KIPC_MSG_SENDV, v, 2));
	EXPECT_EQ(ETIMEDOUT, errno);
	EXPECT_EQ(1ULL, qinfo(self->fd).qnum);
	EXPECT_EQ(0, proc_col("swait"));
}

TEST_F(msg, sendv_nonblock_file_full_eagain)
{
	int fd = kipc_open(NODE, O_RDWR | O_NONBLOCK);
	struct kipc_msg v[2];

	ASSERT_GE(fd, 0);
	fill_by_count(_metadata, self->fd, 1);
	v[0] = vent(2, NULL, 0, 0);
	v[1] = vent(2, NULL, 0, 0);
	no_wait_arm();
	EXPECT_EQ(-1, msg_vec(fd, KIPC_MSG_SENDV, v, 2));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_TRUE(no_wait_done());
	EXPECT_EQ(1ULL, qinfo(self->fd).qnum);
	close(fd);
}

/* The first entry waits for room; the second finds it full again. */
TEST_F(msg, sendv_first_entry_waits_for_space)
{
	struct op_result r;
	struct kipc_msg v[2];
	int note, fd = self->fd;

	fill_by_count(_metadata, self->fd, 1);
	v[0] = vent(2, NULL, 0, 0);
	v[1] = vent(3, NULL, 0, 0);
	KIPC_CHILD(note, r.ret = msg_vec(fd, KIPC_MSG_SENDV, v, 2);
		   r.err = errno);
	ASSERT_EQ(0, wait_col("swait", 1));
	ASSERT_EQ(0, kipc_msg_recv(self->fd, 1, NULL, 0, 0, NULL));
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	EXPECT_EQ(1, r.ret);
	EXPECT_EQ(1ULL, qinfo(self->fd).qnum);
	EXPECT_EQ(0, kipc_msg_recv(self->fd, 2, NULL, 0, KIPC_NOWAIT, NULL));
}

/* Each entry goes through the send path: a waiting receiver gets its own. */
TEST_F(msg, sendv_hands_off_to_waiting_receiver)
{
	struct op_result r;
	struct kipc_msg v[3];
	int note, fd = self->fd;

	KIPC_CHILD(note,
		   r.ret = kipc_msg_recv(fd, 2, r.text, TEXT_MAX, 0, &r.m));
	ASSERT_EQ(0, wait_col("rwait", 1));
	v[0] = vent(1, "one", 3, 0);
	v[1] = vent(2, "two", 3, 0);
	v[2] = vent(3, "three", 5, 0);
	EXPECT_EQ(3, msg_vec(self->fd, KIPC_MSG_SENDV, v, 3));
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	EXPECT_EQ(0, r.ret);
	EXPECT_EQ(2, r.m.mtype);
	EXPECT_EQ(0, memcmp(r.text, "two", 3));
	EXPECT_EQ(2ULL, qinfo(self->fd).qnum);
	EXPECT_EQ(3ULL, qinfo(self->fd).sent - self->start.sent);
}

TEST_F(msg, sendv_on_read_only_fd_ebadf)
{
	int fd = kipc_open(NODE, O_RDONLY);
	struct kipc_msg v = vent(1, "x", 1, 0);

	ASSERT_GE(fd, 0);
	EXPECT_EQ(-1, msg_vec(fd, KIPC_MSG_SENDV, &v, 1));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(0ULL, qinfo(self->fd).qnum);
	close(fd);
}

TEST_F(msg, recvv_on_write_only_fd_ebadf)
{
	int fd = kipc_open(NODE, O_WRONLY);
	char buf[TEXT_MAX];
	struct kipc_msg v = vent(0, buf, TEXT_MAX, KIPC_NOWAIT);

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "x", 1, 0));
	EXPECT_EQ(-1, msg_vec(fd, KIPC_MSG_RECVV, &v, 1));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(1ULL, qinfo(self->fd).qnum);
	close(fd);
}

/* As recv_signal_eintr: the first entry's wait ends in EINTR. */
TEST_F(msg, recvv_signal_eintr)
{
	char bufs[2][TEXT_MAX];
	struct op_result r;
	struct kipc_msg v[2];
	int note, fd = self->fd;

	v[0] = vent(1, bufs[0], TEXT_MAX, 0);
	v[1] = vent(1, bufs[1], TEXT_MAX, 0);
	KIPC_CHILD(note, handle(SIGUSR1, SA_RESTART);
		   r.ret = msg_vec(fd, KIPC_MSG_RECVV, v, 2); r.err = errno);
	ASSERT_EQ(0, wait_col("rwait", 1));
	ASSERT_EQ(0, kill(kipc_kids[0], SIGUSR1));
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	EXPECT_EQ(-1, r.ret);
	EXPECT_EQ(EINTR, r.err);
	EXPECT_EQ(0, proc_col("rwait"));
}

TEST_F(msg, sendv_signal_eintr)
{
	struct op_result r;
	struct kipc_msg v[2];
	int note, fd = self->fd;

	fill_by_count(_metadata, self->fd, 1);
	v[0] = vent(2, NULL, 0, 0);
	v[1] = vent(3, NULL, 0, 0);
	KIPC_CHILD(note, handle(SIGUSR1, SA_RESTART);
		   r.ret = msg_vec(fd, KIPC_MSG_SENDV, v, 2); r.err = errno);
	ASSERT_EQ(0, wait_col("swait", 1));
	ASSERT_EQ(0, kill(kipc_kids[0], SIGUSR1));
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	EXPECT_EQ(-1, r.ret);
	EXPECT_EQ(EINTR, r.err);
	EXPECT_EQ(1ULL, qinfo(self->fd).qnum);
}

/* KIPC_MSG_VEC_MAX entries in one call each way, in order. */
TEST_F(msg, sendv_max_count)
{
	static struct kipc_msg v[KIPC_MSG_VEC_MAX];
	static char text[KIPC_MSG_VEC_MAX][8];
	struct kipc_msg m;
	char buf[8];
	int i;

	for (i = 0; i < KIPC_MSG_VEC_MAX; i++) {
		snprintf(text[i], sizeof(text[i]), "%04d", i);
		v[i] = vent(1 + i % 7, text[i], 4, 0);
	}
	EXPECT_EQ(KIPC_MSG_VEC_MAX,
		  msg_vec(self->fd, KIPC_MSG_SENDV, v, KIPC_MSG_VEC_MAX));
	EXPECT_EQ((unsigned long long)KIPC_MSG_VEC_MAX, qinfo(self->fd).qnum);
	for (i = 0; i < KIPC_MSG_VEC_MAX; i++) {
		ASSERT_EQ(0, kipc_msg_recv(self->fd, 0, buf, sizeof(buf),
					   KIPC_NOWAIT, &m));
		ASSERT_EQ(1 + i % 7, m.mtype);
		ASSERT_EQ(0, memcmp(buf, text[i], 4));
	}
}

TEST_F(msg, recvv_max_count)
{
	static struct kipc_msg v[KIPC_MSG_VEC_MAX];
	static char bufs[KIPC_MSG_VEC_MAX][8];
	char text[8];
	int i;

	for (i = 0; i < KIPC_MSG_VEC_MAX; i++) {
		snprintf(text, sizeof(text), "%04d", i);
		ASSERT_EQ(0, kipc_msg_send(self->fd, 1 + i % 7, text, 4,
					   KIPC_NOWAIT));
		v[i] = vent(0, bufs[i], sizeof(bufs[i]), 0);
	}
	EXPECT_EQ(KIPC_MSG_VEC_MAX,
		  msg_vec(self->fd, KIPC_MSG_RECVV, v, KIPC_MSG_VEC_MAX));
	for (i = 0; i < KIPC_MSG_VEC_MAX; i++) {
		snprintf(text, sizeof(text), "%04d", i);
		ASSERT_EQ(1 + i % 7, v[i].mtype);
		ASSERT_EQ(4ULL, v[i].size);
		ASSERT_EQ(0, memcmp(bufs[i], text, 4));
	}
	EXPECT_EQ(0ULL, qinfo(self->fd).qnum);
	EXPECT_EQ((unsigned long long)KIPC_MSG_VEC_MAX,
		  qinfo(self->fd).received - self->start.received);
}

/* One receive of vec_matches_sysv: selector, KIPC_MSG_* flags, capacity. */
struct vec_rcv {
	long long sel;
	unsigned int flags;
	unsigned long long cap;
};

struct sysv_buf {
	long mtype;
	char mtext[TEXT_MAX];
};

static int sysv_rcv_flags(unsigned int flags)
{
	return IPC_NOWAIT | (flags & KIPC_MSG_EXCEPT ? MSG_EXCEPT : 0) |
	       (flags & KIPC_MSG_NOERROR ? MSG_NOERROR : 0);
}

/*
 * The same sends and receives as vectors on msg0 and one at a time with
 * msgsnd(2)/msgrcv(2) on a System V queue. Each vector starts where the
 * last one stopped; it must stop where System V first fails, and then
 * (started again at that entry) fail with System V's errno. Every message
 * received must be System V's.
 */
TEST_F(msg, vec_matches_sysv_msgsnd_msgrcv)
{
	static const long long types[] = { 3, 1, 2, 1, 0, 3, 2, 5,
					   1, 8, 2, 6, 4, 1, -4 };
	static const struct vec_rcv rcv[] = {
		{ -2, 0, TEXT_MAX },
		{ 3, 0, TEXT_MAX },
		{ 2, KIPC_MSG_EXCEPT, TEXT_MAX },
		{ 0, 0, 2 },
		{ 0, KIPC_MSG_NOERROR, 2 },
		{ 7, 0, TEXT_MAX },
		{ -10, 0, TEXT_MAX },
		{ 5, KIPC_MSG_EXCEPT, 3 },
		{ 6, 0, TEXT_MAX },
		{ 2, 0, 1 },
		{ 2, 0, TEXT_MAX },
		{ -1, 0, TEXT_MAX },
		{ 0, 0, TEXT_MAX },
		{ 4, KIPC_MSG_EXCEPT, TEXT_MAX },
	};
	enum { NS = ARRAY_SIZE(types), NR = ARRAY_SIZE(rcv) };
	static const char alpha[] = "abcdefghijklmnopqrstuvwxyz";
	char bufs[NR][TEXT_MAX];
	struct kipc_msg sv[NS], rv[NR];
	struct kipc_msg_info info;
	struct msqid_ds ds;
	struct sysv_buf sb;
	int i, pos, ret, err, stops = 0, id;
	bool must_fail;
	long n;

	id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	ASSERT_GE(id, 0);

	for (i = 0; i < NS; i++)
		sv[i] = vent(types[i], alpha + i, 1 + i % 5, 0);
	for (pos = 0, must_fail = false; pos < NS;) {
		ret = msg_vec(self->fd, KIPC_MSG_SENDV, &sv[pos], NS - pos);
		err = errno;
		if (must_fail)
			EXPECT_EQ(-1, ret);
		must_fail = false;
		if (ret < 0) {
			sb.mtype = types[pos];
			memcpy(sb.mtext, alpha + pos, sv[pos].size);
			EXPECT_EQ(-1,
				  msgsnd(id, &sb, sv[pos].size, IPC_NOWAIT));
			EXPECT_EQ(errno, err);
			pos++;
			continue;
		}
		for (i = pos; i < pos + ret; i++) {
			sb.mtype = types[i];
			memcpy(sb.mtext, alpha + i, sv[i].size);
			EXPECT_EQ(0, msgsnd(id, &sb, sv[i].size, IPC_NOWAIT));
		}
		pos += ret;
		if (pos < NS) {
			must_fail = true;
			stops++;
		}
	}
	ASSERT_EQ(0, msgctl(id, IPC_STAT, &ds));
	info = qinfo(self->fd);
	EXPECT_EQ(ds.msg_qnum, info.qnum);
	EXPECT_EQ(ds.__msg_cbytes, info.cbytes);

	memset(bufs, 0, sizeof(bufs));
	for (i = 0; i < NR; i++)
		rv[i] = vent(rcv[i].sel, bufs[i], rcv[i].cap,
			     rcv[i].flags | KIPC_NOWAIT);
	for (pos = 0, must_fail = false; pos < NR;) {
		ret = msg_vec(self->fd, KIPC_MSG_RECVV, &rv[pos], NR - pos);
		err = errno;
		if (must_fail)
			EXPECT_EQ(-1, ret);
		must_fail = false;
		if (ret < 0) {
			EXPECT_EQ(-1,
				  msgrcv(id, &sb, rcv[pos].cap, rcv[pos].sel,
					 sysv_rcv_flags(rcv[pos].flags)));
			EXPECT_EQ(errno, err);
			pos++;
			continue;
		}
		for (i = pos; i < pos + ret; i++) {
			n = msgrcv(id, &sb, rcv[i].cap, rcv[i].sel,
				   sysv_rcv_flags(rcv[i].flags));
			EXPECT_EQ((long)rv[i].size, n);
			EXPECT_EQ(sb.mtype, rv[i].mtype);
			if (n > 0)
				EXPECT_EQ(0, memcmp(sb.mtext, bufs[i], n));
		}
		pos += ret;
		if (pos < NR) {
			must_fail = true;
			stops++;
		}
	}
	/* What is left is the same, in the same order. */
	for (;;) {
		n = msgrcv(id, &sb, TEXT_MAX, 0, IPC_NOWAIT);
		rv[0] = vent(0, bufs[0], TEXT_MAX, KIPC_NOWAIT);
		ret = msg_vec(self->fd, KIPC_MSG_RECVV, rv, 1);
		if (n < 0) {
			EXPECT_EQ(-1, ret);
			break;
		}
		ASSERT_EQ(1, ret);
		EXPECT_EQ(sb.mtype, rv[0].mtype);
		EXPECT_EQ(n, (long)rv[0].size);
	}
	EXPECT_EQ(0, msgctl(id, IPC_RMID, NULL));
	/* The sequence stops vectors midway, else it proves little. */
	EXPECT_LE(4, stops);
}

/* ---------------------------------------- vector argument errors, both */

FIXTURE(vec)
{
	int fd;
	struct kipc_msg_info start;
	struct kipc_msg *msgs;
	char buf[TEXT_MAX];
};

FIXTURE_VARIANT(vec)
{
	unsigned long cmd;
};

/* clang-format off */
FIXTURE_VARIANT_ADD(vec, sendv) {
	.cmd = KIPC_MSG_SENDV,
};

FIXTURE_VARIANT_ADD(vec, recvv) {
	.cmd = KIPC_MSG_RECVV,
};

/* clang-format on */

/*
 * One message queued, and KIPC_MSG_VEC_MAX + 1 valid entries for the
 * command: a call that wrongly went ahead would send or receive.
 */
FIXTURE_SETUP(vec)
{
	int i;

	self->fd = -1;
	self->msgs = NULL;
	KIPC_REQUIRE_MODULE();
	self->fd = kipc_open(NODE, O_RDWR);
	ASSERT_GE(self->fd, 0);
	ASSERT_EQ(0, ioctl(self->fd, KIPC_MSG_FLUSH));
	ASSERT_EQ(0, set_limits(self->fd, DEF_QBYTES, DEF_MSGMAX));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "q", 1, 0));
	self->msgs = calloc(KIPC_MSG_VEC_MAX + 1, sizeof(*self->msgs));
	ASSERT_NE(NULL, self->msgs);
	for (i = 0; i <= KIPC_MSG_VEC_MAX; i++)
		self->msgs[i] =
			variant->cmd == KIPC_MSG_SENDV ?
				vent(2, "s", 1, KIPC_NOWAIT) :
				vent(0, self->buf, TEXT_MAX, KIPC_NOWAIT);
	self->start = qinfo(self->fd);
}

FIXTURE_TEARDOWN(vec)
{
	free(self->msgs);
	if (self->fd < 0)
		return;
	EXPECT_EQ(0, ioctl(self->fd, KIPC_MSG_FLUSH));
	EXPECT_EQ(0, set_limits(self->fd, DEF_QBYTES, DEF_MSGMAX));
	close(self->fd);
}

/* Nothing was sent or received: the message from the setup is all. */
static void vec_nothing_done(struct __test_metadata *_metadata,
			     FIXTURE_DATA(vec) * self)
{
	struct kipc_msg_info info = qinfo(self->fd);

	EXPECT_EQ(1ULL, info.qnum);
	EXPECT_EQ(self->start.sent, info.sent);
	EXPECT_EQ(self->start.received, info.received);
}

TEST_F(vec, count_one_works)
{
	EXPECT_EQ(1, msg_vec(self->fd, variant->cmd, self->msgs, 1));
	EXPECT_EQ(variant->cmd == KIPC_MSG_SENDV ? 2ULL : 0ULL,
		  qinfo(self->fd).qnum);
}

TEST_F(vec, count_zero_einval)
{
	EXPECT_EQ(-1, msg_vec(self->fd, variant->cmd, self->msgs, 0));
	EXPECT_EQ(EINVAL, errno);
	vec_nothing_done(_metadata, self);
}

TEST_F(vec, count_over_max_einval)
{
	EXPECT_EQ(-1, msg_vec(self->fd, variant->cmd, self->msgs,
			      KIPC_MSG_VEC_MAX + 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, msg_vec(self->fd, variant->cmd, self->msgs, UINT32_MAX));
	EXPECT_EQ(EINVAL, errno);
	vec_nothing_done(_metadata, self);
}

TEST_F(vec, flags_einval)
{
	struct kipc_msg_vec v = { .msgs = (uintptr_t)self->msgs, .count = 1 };

	v.flags = KIPC_NOWAIT;
	EXPECT_EQ(-1, ioctl(self->fd, variant->cmd, &v));
	EXPECT_EQ(EINVAL, errno);
	v.flags = 1U << 31;
	EXPECT_EQ(-1, ioctl(self->fd, variant->cmd, &v));
	EXPECT_EQ(EINVAL, errno);
	vec_nothing_done(_metadata, self);
}

TEST_F(vec, bad_pointer_efault)
{
	void *bad = bad_page();

	ASSERT_NE(NULL, bad);
	EXPECT_EQ(-1, ioctl(self->fd, variant->cmd, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, variant->cmd, bad));
	EXPECT_EQ(EFAULT, errno);
	vec_nothing_done(_metadata, self);
	munmap(bad, 4096);
}

TEST_F(vec, msgs_bad_pointer_efault)
{
	void *bad = bad_page();

	ASSERT_NE(NULL, bad);
	EXPECT_EQ(-1, msg_vec(self->fd, variant->cmd, NULL, 1));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, msg_vec(self->fd, variant->cmd, bad, 2));
	EXPECT_EQ(EFAULT, errno);
	vec_nothing_done(_metadata, self);
	munmap(bad, 4096);
}

/* -------------------------------------------------------- module pinning */

TEST_F(msg, module_cannot_go_while_a_receiver_waits)
{
	struct op_result r;
	int note, fd = self->fd;

	KIPC_CHILD(note,
		   r.ret = kipc_msg_recv(fd, 1, r.text, TEXT_MAX, 0, &r.m));
	ASSERT_EQ(0, wait_col("rwait", 1));
	close(self->fd);
	self->fd = -1;
	/* Only the waiter holds the node open now. */
	EXPECT_EQ(-1, syscall(SYS_delete_module, "kipc", O_NONBLOCK));
	EXPECT_EQ(EWOULDBLOCK, errno);
	ASSERT_TRUE(kipc_loaded());
	self->fd = kipc_open(NODE, O_RDWR);
	ASSERT_GE(self->fd, 0);
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "x", 1, 0));
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	EXPECT_EQ(0, r.ret);
}

TEST_HARNESS_MAIN

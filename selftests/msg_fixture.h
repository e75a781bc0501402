/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the msg_*_test.c programs share: the `msg` fixture (msg0 flushed,
 * at its default limits, nobody waiting on it), the result a helper
 * process sends back, and small helpers on msg0: its limits, its
 * KIPC_MSG_GETINFO and /proc/kipc/msg row, signals, scheduling, a page
 * that faults, and the vector calls.
 *
 * Where System V has the same rule the expected values are System V's
 * (msgsnd(2)/msgrcv(2)); msg_diff_test.c checks them against a real System V
 * queue. Tests that need a waiter in the kernel wait for the rwait/swait
 * columns of /proc/kipc/msg instead of sleeping, so they do not depend on
 * timing.
 */
#ifndef _KIPC_MSG_FIXTURE_H
#define _KIPC_MSG_FIXTURE_H

#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "kipc_test.h"

#define NODE "msg0"
#define DEF_MSGMAX 8192ULL
#define DEF_QBYTES 16384ULL
#define TEXT_MAX 64

KIPC_REQUIRE_MODULE();

/* Result of an operation run in a child, sent back on a pipe. */
struct op_result {
	long ret;
	int err;
	struct kipc_msg m;
	char text[TEXT_MAX];
};

static inline int set_limits(int fd, unsigned long long qbytes,
			     unsigned long long msgmax)
{
	struct kipc_msg_limits lim = { .qbytes = qbytes, .msgmax = msgmax };

	return ioctl(fd, KIPC_MSG_SET_LIMITS, &lim);
}

static inline struct kipc_msg_info qinfo(int fd)
{
	struct kipc_msg_info info;

	memset(&info, 0xff, sizeof(info));
	if (ioctl(fd, KIPC_MSG_GETINFO, &info))
		memset(&info, 0xee, sizeof(info));
	return info;
}

static inline long long proc_col(const char *col)
{
	return kipc_proc("msg", NODE, col);
}

/* Wait (bounded, as a hang guard) until column @col reads @want. */
static inline int wait_col(const char *col, long long want)
{
	return kipc_wait_until(proc_col(col) == want);
}

/*
 * Open msg0 into *@fd, empty at the default limits with nobody waiting:
 * the setup of every fixture here.
 */
static inline void queue_setup(struct __test_metadata *_metadata, int *fd)
{
	*fd = kipc_open(NODE, O_RDWR);
	ASSERT_GE(*fd, 0);
	ASSERT_EQ(0, ioctl(*fd, KIPC_MSG_FLUSH));
	ASSERT_EQ(0, set_limits(*fd, DEF_QBYTES, DEF_MSGMAX));
	ASSERT_EQ(0, proc_col("rwait"));
	ASSERT_EQ(0, proc_col("swait"));
}

/*
 * The teardown of every fixture here: kill the test's helpers, close @fd
 * (if still open) and leave msg0 as queue_setup() found it.
 */
static inline void queue_teardown(struct __test_metadata *_metadata, int fd)
{
	kipc_reap_kids();
	if (fd >= 0)
		close(fd);
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

FIXTURE(msg)
{
	int fd;
	struct kipc_msg_info start;
};

FIXTURE_SETUP(msg)
{
	queue_setup(_metadata, &self->fd);
	/* sent and received count since load: tests look at what they add. */
	self->start = qinfo(self->fd);
}

FIXTURE_TEARDOWN(msg)
{
	queue_teardown(_metadata, self->fd);
}

/* Fill the queue: limits of @n messages, and @n zero-length ones sent. */
static inline void fill_by_count(struct __test_metadata *_metadata, int fd,
				 unsigned long long n)
{
	unsigned long long i;

	ASSERT_EQ(0, set_limits(fd, n, DEF_MSGMAX));
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, kipc_msg_send(fd, 1, NULL, 0, KIPC_NOWAIT));
}

static inline void on_signal(int sig)
{
	(void)sig;
}

static inline void handle_with(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa = { .sa_handler = fn, .sa_flags = flags };

	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

/* Catch @sig with a handler that does nothing, so that it interrupts. */
static inline void handle(int sig, int flags)
{
	handle_with(sig, on_signal, flags);
}

/*
 * Put the caller on CPU 0 at real-time priority and @pid on CPU 0 as a
 * normal task: once woken, @pid runs only when the caller sleeps. This
 * orders a woken waiter after what the caller does next, without timing.
 */
static inline int outrank(pid_t pid)
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
static inline void *bad_page(void)
{
	void *p =
		mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* ------------------------------------------------- KIPC_MSG_SENDV, _RECVV */

/* One entry of a vector, with the arguments of kipc_msg_op(). */
static inline struct kipc_msg vent(long long type, const void *text,
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
static inline int msg_vec(int fd, unsigned long cmd, struct kipc_msg *msgs,
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
static inline void no_wait_arm(void)
{
	handle(SIGALRM, 0);
	alarm(10);
}

static inline int no_wait_done(void)
{
	return alarm(0) != 0;
}

/*
 * Two pages; the @n entries of @v copied so that the first @before of them
 * end the first page (read-write) and the rest start the second, which
 * then gets @prot. Returns the first entry, or NULL. Free with
 * free_entries().
 */
static inline struct kipc_msg *entries_across_pages(const struct kipc_msg *v,
						    int n, int before, int prot)
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

/*
 * @e lies in the first page, or (@before 0) starts the second: the pages
 * begin at the page boundary below the byte before it.
 */
static inline void free_entries(struct kipc_msg *e)
{
	munmap((void *)(((uintptr_t)e - 1) & ~4095UL), 8192);
}

#endif /* _KIPC_MSG_FIXTURE_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/kipc/msg0 under concurrency: several blocking senders and several
 * type-filtered blocking receivers (selector > 0, < 0, 0 and EXCEPT) on a
 * small queue, so that both sides block and wake all the time. Every message
 * must arrive exactly once, intact, and in FIFO order per sender and type.
 *
 * Variants add what makes waiters leave early: signals flying at every
 * process (EINTR, then the call is retried), and short timeouts on receives
 * and sends (ETIMEDOUT, retried). A message handed to a receiver as it
 * leaves must still be delivered, and a sender interrupted before its
 * message went in must not have sent it. A lost wake-up shows up as a stall, which the
 * parent reports after a generous bound (a hang guard, not a timing test).
 */

#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "kipc_test.h"

KIPC_REQUIRE_MODULE();

#define NODE "msg0"
#define DEF_MSGMAX 8192ULL
#define DEF_QBYTES 16384ULL
#define SENDERS 4
#define PER_SENDER 1500
#define TYPES 3
#define MAX_TEXT 64

/* What travels in each message; the rest of the text is a pattern. */
struct payload {
	unsigned int sender;
	unsigned int seq;
};

/* Shared between the test and its children. */
struct board {
	unsigned int got[SENDERS][PER_SENDER];
	unsigned int received;
	unsigned int bad_order;
	unsigned int bad_text;
	unsigned int bad_errno;
	unsigned int interrupted;
	unsigned int timed_out;
};

static void on_signal(int sig)
{
	(void)sig;
}

static unsigned int text_len(unsigned int sender, unsigned int seq)
{
	return sizeof(struct payload) + (sender * 7 + seq * 13) % 40;
}

static char pattern(unsigned int sender, unsigned int seq, unsigned int i)
{
	return (char)(sender * 31 + seq * 7 + i);
}

static long long type_of(unsigned int seq)
{
	return 1 + seq % TYPES;
}

static void sender(int fd, unsigned int id, unsigned long long timeout_ns,
		   struct board *b)
{
	char text[MAX_TEXT];
	unsigned int seq, i, len;

	for (seq = 0; seq < PER_SENDER; seq++) {
		struct payload p = { id, seq };
		struct kipc_msg m = { .mtype = type_of(seq),
				      .text = (uintptr_t)text,
				      .timeout_ns = timeout_ns };

		len = text_len(id, seq);
		memcpy(text, &p, sizeof(p));
		for (i = sizeof(p); i < len; i++)
			text[i] = pattern(id, seq, i);
		m.size = len;
		/* EINTR/ETIMEDOUT mean not sent: send it again. */
		while (ioctl(fd, KIPC_MSG_SEND, &m)) {
			if (errno == EINTR) {
				__atomic_fetch_add(&b->interrupted, 1,
						   __ATOMIC_RELAXED);
			} else if (errno == ETIMEDOUT && timeout_ns) {
				__atomic_fetch_add(&b->timed_out, 1,
						   __ATOMIC_RELAXED);
			} else {
				__atomic_fetch_add(&b->bad_errno, 1,
						   __ATOMIC_RELAXED);
				_exit(1);
			}
		}
	}
	_exit(0);
}

static void receiver(int fd, long long sel, unsigned int flags,
		     unsigned long long timeout_ns, struct board *b)
{
	unsigned int last[SENDERS][TYPES + 1];
	struct payload p;
	char text[MAX_TEXT];
	unsigned int i;

	memset(last, 0xff, sizeof(last));
	for (;;) {
		struct kipc_msg m = {
			.mtype = sel,
			.text = (uintptr_t)text,
			.size = sizeof(text),
			.flags = flags,
			.timeout_ns = timeout_ns,
		};

		if (ioctl(fd, KIPC_MSG_RECV, &m)) {
			if (errno == EINTR)
				__atomic_fetch_add(&b->interrupted, 1,
						   __ATOMIC_RELAXED);
			else if (errno == ETIMEDOUT && timeout_ns)
				__atomic_fetch_add(&b->timed_out, 1,
						   __ATOMIC_RELAXED);
			else
				__atomic_fetch_add(&b->bad_errno, 1,
						   __ATOMIC_RELAXED);
			continue;
		}
		memcpy(&p, text, sizeof(p));
		if (p.sender >= SENDERS || p.seq >= PER_SENDER ||
		    m.mtype != type_of(p.seq) ||
		    m.size != text_len(p.sender, p.seq)) {
			__atomic_fetch_add(&b->bad_text, 1, __ATOMIC_RELAXED);
			continue;
		}
		for (i = sizeof(p); i < m.size; i++)
			if (text[i] != pattern(p.sender, p.seq, i))
				break;
		if (i != m.size)
			__atomic_fetch_add(&b->bad_text, 1, __ATOMIC_RELAXED);
		/* FIFO within a type: each sender's messages in order. */
		if (last[p.sender][m.mtype] != ~0U &&
		    last[p.sender][m.mtype] >= p.seq)
			__atomic_fetch_add(&b->bad_order, 1, __ATOMIC_RELAXED);
		last[p.sender][m.mtype] = p.seq;
		__atomic_fetch_add(&b->got[p.sender][p.seq], 1,
				   __ATOMIC_RELAXED);
		__atomic_fetch_add(&b->received, 1, __ATOMIC_RELEASE);
	}
}

FIXTURE(stress)
{
	int fd;
	struct board *b;
	pid_t pids[16];
	int nr;
};

FIXTURE_VARIANT(stress)
{
	bool signals;
	unsigned long long timeout_ns;
};

/* clang-format off */
FIXTURE_VARIANT_ADD(stress, plain) {
	.signals = false,
};

FIXTURE_VARIANT_ADD(stress, signals) {
	.signals = true,
};

FIXTURE_VARIANT_ADD(stress, timeouts) {
	.timeout_ns = 200000,
};

/* clang-format on */

FIXTURE_SETUP(stress)
{
	struct kipc_msg_limits lim = { 512, DEF_MSGMAX };

	self->fd = -1;
	self->b = MAP_FAILED;
	self->fd = kipc_open(NODE, O_RDWR);
	ASSERT_GE(self->fd, 0);
	ASSERT_EQ(0, ioctl(self->fd, KIPC_MSG_FLUSH));
	/* A small queue: senders block often. */
	ASSERT_EQ(0, ioctl(self->fd, KIPC_MSG_SET_LIMITS, &lim));
	self->b = mmap(NULL, sizeof(*self->b), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->b);
	memset(self->b, 0, sizeof(*self->b));
}

FIXTURE_TEARDOWN(stress)
{
	struct kipc_msg_limits lim = { DEF_QBYTES, DEF_MSGMAX };

	while (self->nr) {
		kill(self->pids[--self->nr], SIGKILL);
		waitpid(self->pids[self->nr], NULL, 0);
	}
	if (self->fd >= 0) {
		EXPECT_EQ(0, ioctl(self->fd, KIPC_MSG_FLUSH));
		EXPECT_EQ(0, ioctl(self->fd, KIPC_MSG_SET_LIMITS, &lim));
		close(self->fd);
	}
	if (self->b != MAP_FAILED)
		munmap(self->b, sizeof(*self->b));
}

static pid_t spawn(struct __test_metadata *_metadata,
		   FIXTURE_DATA(stress) * self)
{
	pid_t pid = fork();

	ASSERT_GE(pid, 0);
	if (pid)
		self->pids[self->nr++] = pid;
	return pid;
}

TEST_F_TIMEOUT(stress, nothing_lost_or_duplicated, 250)
{
	static const struct {
		long long sel;
		unsigned int flags;
	} rx[] = {
		{ 1, 0 }, /* type 1 only */
		{ 2, 0 }, /* type 2 only */
		{ -3, 0 }, /* lowest of 1..3 */
		{ 3, KIPC_MSG_EXCEPT }, /* 1 or 2, first in arrival order */
		{ 0, 0 }, /* anything */
	};
	const unsigned int total = SENDERS * PER_SENDER;
	struct sigaction sa = { .sa_handler = on_signal,
				.sa_flags = SA_RESTART };
	struct kipc_msg_info before, after;
	unsigned int i, s, seq, last = 0, lost = 0, dup = 0;
	unsigned long long idle_since = kipc_now_ns();
	int senders_left = SENDERS, status;

	/* Inherited by the children before the first signal can come. */
	ASSERT_EQ(0, sigemptyset(&sa.sa_mask));
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(0, ioctl(self->fd, KIPC_MSG_GETINFO, &before));
	for (i = 0; i < ARRAY_SIZE(rx); i++)
		if (!spawn(_metadata, self))
			receiver(self->fd, rx[i].sel, rx[i].flags,
				 variant->timeout_ns, self->b);
	for (s = 0; s < SENDERS; s++)
		if (!spawn(_metadata, self))
			sender(self->fd, s, variant->timeout_ns, self->b);

	/* Until all is received; a stall of 60 s means a lost wake-up. */
	for (;;) {
		unsigned int got =
			__atomic_load_n(&self->b->received, __ATOMIC_ACQUIRE);

		if (got == total && !senders_left)
			break;
		if (got != last) {
			last = got;
			idle_since = kipc_now_ns();
		}
		ASSERT_GT(60000000000ULL, kipc_now_ns() - idle_since)
		{
			TH_LOG("stalled at %u of %u received, qnum %lld, rwait %lld, swait %lld",
			       got, total, kipc_proc("msg", NODE, "qnum"),
			       kipc_proc("msg", NODE, "rwait"),
			       kipc_proc("msg", NODE, "swait"));
		}
		if (variant->signals)
			for (i = 0; i < (unsigned int)self->nr; i++)
				kill(self->pids[i], SIGUSR1);
		while (senders_left) {
			pid_t pid = waitpid(-1, &status, WNOHANG);

			if (pid <= 0)
				break;
			EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
			for (i = 0; i < (unsigned int)self->nr; i++)
				if (self->pids[i] == pid)
					self->pids[i] = self->pids[--self->nr];
			senders_left--;
		}
		usleep(variant->signals ? 300 : 2000);
	}

	ASSERT_EQ(0, ioctl(self->fd, KIPC_MSG_GETINFO, &after));
	for (s = 0; s < SENDERS; s++) {
		for (seq = 0; seq < PER_SENDER; seq++) {
			lost += !self->b->got[s][seq];
			dup += self->b->got[s][seq] > 1;
		}
	}
	TH_LOG("%u messages; %u interrupted calls, %u timeouts", total,
	       self->b->interrupted, self->b->timed_out);
	EXPECT_EQ(0U, lost);
	EXPECT_EQ(0U, dup);
	EXPECT_EQ(0U, self->b->bad_order);
	EXPECT_EQ(0U, self->b->bad_text);
	EXPECT_EQ(0U, self->b->bad_errno);
	EXPECT_EQ(0ULL, after.qnum);
	EXPECT_EQ(0ULL, after.cbytes);
	EXPECT_EQ(before.sent + total, after.sent);
	EXPECT_EQ(before.received + total, after.received);
	if (variant->signals)
		EXPECT_LT(0U, self->b->interrupted);
	if (variant->timeout_ns)
		EXPECT_LT(0U, self->b->timed_out);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/kipc/msgN: which message a receive takes. The selectors (0, > 0,
 * < 0, KIPC_MSG_EXCEPT), FIFO order within a type, KIPC_MSG_PEEK,
 * KIPC_MSG_NOERROR and E2BIG, zero-length messages, and the sender's pid
 * as the receiver's pid namespace sees it. The fixture and helpers are in
 * msg_fixture.h.
 */

#include "msg_fixture.h"

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

TEST_HARNESS_MAIN

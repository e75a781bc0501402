// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/kipc/msgN, blocking: a send hands its message to a waiting
 * receiver, senders wait for space, a message or freed space wakes the
 * right waiter, a message goes back to the queue when its receiver faults
 * or dies, timeouts, signals (EINTR as msgrcv(2); read() restarts with
 * SA_RESTART), stop and continue, flush, and the module pinned while a
 * receiver waits. Waiters are seen in the rwait/swait columns of
 * /proc/kipc/msg. The fixture and helpers are in msg_fixture.h.
 */

#include <sys/syscall.h>

#include "msg_fixture.h"

/* Write end of a pipe the note_signal() handler reports on. */
static int sig_note = -1;

static void note_signal(int sig)
{
	char c = sig;
	ssize_t n = write(sig_note, &c, 1);

	(void)n;
}

/* ------------------------------------------------ blocking receivers */

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

/* ---------------------------------------------------- module pinning */

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

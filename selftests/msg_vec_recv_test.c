// SPDX-License-Identifier: GPL-2.0
/*
 * KIPC_MSG_RECVV: a vector of receives in one call. Only the first entry
 * may wait; the others take what is queued, each with its own selector and
 * flags, and the call stops at the first entry that matches nothing, is
 * invalid, is too small or faults, with that message kept in its place.
 * What KIPC_MSG_SENDV does alike is in msg_vec_test.c. The fixture and
 * helpers are in msg_fixture.h.
 */

#include "msg_fixture.h"

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

TEST_HARNESS_MAIN

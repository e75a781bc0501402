// SPDX-License-Identifier: GPL-2.0
/*
 * KIPC_MSG_SENDV: a vector of sends in one call, queued in order as
 * single sends would be (a waiting receiver gets its own). Only the first
 * entry may wait for space; the call stops at the first entry that does
 * not fit, is invalid or faults. What KIPC_MSG_RECVV does alike is in
 * msg_vec_test.c. The fixture and helpers are in msg_fixture.h.
 */

#include "msg_fixture.h"

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

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * KIPC_MSG_SENDV and KIPC_MSG_RECVV: what both do alike. The `vec` fixture
 * runs each of its tests once per call: the argument errors (count, flags,
 * pointers), the open mode, and the first entry, the only one that may
 * wait (KIPC_NOWAIT, O_NONBLOCK, timeout, signal, fault). Then the
 * behaviours both have but test with different bodies, and whole
 * sequences of both against msgsnd(2)/msgrcv(2) on a System V queue. What
 * only one of them does is in msg_vec_send_test.c and msg_vec_recv_test.c;
 * the fixture and helpers are in msg_fixture.h.
 */

#include <sys/msg.h>

#include "msg_fixture.h"

/* The text of one entry of the vec fixture. */
struct vec_text {
	char text[TEXT_MAX];
};

/*
 * msg0 holds two messages, "a" of type 1 and "b" of type 2; @msgs has
 * KIPC_MSG_VEC_MAX + 1 entries that would each send (type 1, one byte) or
 * receive (selector 0) a message without waiting: a call that wrongly
 * went ahead would change the queue. Entry i's text is @bufs[i], all '#'
 * at the start.
 */
FIXTURE(vec)
{
	int fd;
	struct kipc_msg_info start;
	struct kipc_msg *msgs;
	struct vec_text *bufs;
};

FIXTURE_VARIANT(vec)
{
	unsigned long cmd;
	bool sends; /* an entry adds a message, else takes one */
	const char *wait_col; /* where a waiting call is counted */
	int nowait_errno; /* nothing to do without waiting */
	int wrong_mode; /* an open mode without the access the call needs */
};

/* clang-format off */
FIXTURE_VARIANT_ADD(vec, sendv) {
	.cmd = KIPC_MSG_SENDV,
	.sends = true,
	.wait_col = "swait",
	.nowait_errno = EAGAIN,
	.wrong_mode = O_RDONLY,
};

FIXTURE_VARIANT_ADD(vec, recvv) {
	.cmd = KIPC_MSG_RECVV,
	.sends = false,
	.wait_col = "rwait",
	.nowait_errno = ENOMSG,
	.wrong_mode = O_WRONLY,
};

/* clang-format on */

FIXTURE_SETUP(vec)
{
	size_t bufs_size = (KIPC_MSG_VEC_MAX + 1) * sizeof(*self->bufs);
	int i;

	self->msgs = NULL;
	self->bufs = NULL;
	queue_setup(_metadata, &self->fd);
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "a", 1, 0));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 2, "b", 1, 0));
	self->msgs = calloc(KIPC_MSG_VEC_MAX + 1, sizeof(*self->msgs));
	ASSERT_NE(NULL, self->msgs);
	self->bufs = malloc(bufs_size);
	ASSERT_NE(NULL, self->bufs);
	memset(self->bufs, '#', bufs_size);
	for (i = 0; i <= KIPC_MSG_VEC_MAX; i++)
		self->msgs[i] = variant->sends ? vent(1, self->bufs[i].text, 1,
						      KIPC_NOWAIT) :
						 vent(0, self->bufs[i].text,
						      TEXT_MAX, KIPC_NOWAIT);
	self->start = qinfo(self->fd);
}

FIXTURE_TEARDOWN(vec)
{
	free(self->msgs);
	free(self->bufs);
	queue_teardown(_metadata, self->fd);
}

/* The call did @n entries: @n messages sent, or @n received, since start. */
static void vec_done(struct __test_metadata *_metadata,
		     FIXTURE_DATA(vec) * self,
		     const FIXTURE_VARIANT(vec) * variant, unsigned int n)
{
	struct kipc_msg_info info = qinfo(self->fd);

	EXPECT_EQ(variant->sends ? self->start.qnum + n : self->start.qnum - n,
		  info.qnum);
	EXPECT_EQ(self->start.sent + (variant->sends ? n : 0), info.sent);
	EXPECT_EQ(self->start.received + (variant->sends ? 0 : n),
		  info.received);
}

/*
 * Leave the first entry nothing to do without waiting: msg0 full (qbytes
 * at its qnum) for SENDV, empty for RECVV. Entries 0 and 1 get @flags;
 * self->start is taken again.
 */
static void vec_block(struct __test_metadata *_metadata,
		      FIXTURE_DATA(vec) * self,
		      const FIXTURE_VARIANT(vec) * variant, unsigned int flags)
{
	int ret;

	if (variant->sends)
		ret = set_limits(self->fd, self->start.qnum, DEF_MSGMAX);
	else
		ret = ioctl(self->fd, KIPC_MSG_FLUSH);
	ASSERT_EQ(0, ret);
	self->msgs[0].flags = flags;
	self->msgs[1].flags = flags;
	self->start = qinfo(self->fd);
}

TEST_F(vec, count_one_works)
{
	EXPECT_EQ(1, msg_vec(self->fd, variant->cmd, self->msgs, 1));
	vec_done(_metadata, self, variant, 1);
}

TEST_F(vec, count_zero_einval)
{
	EXPECT_EQ(-1, msg_vec(self->fd, variant->cmd, self->msgs, 0));
	EXPECT_EQ(EINVAL, errno);
	vec_done(_metadata, self, variant, 0);
}

TEST_F(vec, count_over_max_einval)
{
	EXPECT_EQ(-1, msg_vec(self->fd, variant->cmd, self->msgs,
			      KIPC_MSG_VEC_MAX + 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, msg_vec(self->fd, variant->cmd, self->msgs, UINT32_MAX));
	EXPECT_EQ(EINVAL, errno);
	vec_done(_metadata, self, variant, 0);
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
	vec_done(_metadata, self, variant, 0);
}

TEST_F(vec, bad_pointer_efault)
{
	void *bad = bad_page();

	ASSERT_NE(NULL, bad);
	EXPECT_EQ(-1, ioctl(self->fd, variant->cmd, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, variant->cmd, bad));
	EXPECT_EQ(EFAULT, errno);
	vec_done(_metadata, self, variant, 0);
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
	vec_done(_metadata, self, variant, 0);
	munmap(bad, 4096);
}

/* The array runs into an unreadable page after entry 0: one entry done. */
TEST_F(vec, entries_into_bad_page_stop_there)
{
	struct kipc_msg *e = entries_across_pages(self->msgs, 2, 1, PROT_NONE);

	ASSERT_NE(NULL, e);
	EXPECT_EQ(1, msg_vec(self->fd, variant->cmd, e, 2));
	/* Type 1 either way: the type sent, or that of "a", received. */
	EXPECT_EQ(1, e[0].mtype);
	EXPECT_EQ('#', self->bufs[1].text[0]);
	vec_done(_metadata, self, variant, 1);
	free_entries(e);
}

/* The first entry's text faults: EFAULT, and the queue is as it was. */
TEST_F(vec, first_bad_text_efault)
{
	char buf[TEXT_MAX] = "";
	void *bad = bad_page();

	ASSERT_NE(NULL, bad);
	self->msgs[0].text = (uintptr_t)bad;
	EXPECT_EQ(-1, msg_vec(self->fd, variant->cmd, self->msgs, 2));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ('#', self->bufs[1].text[0]);
	vec_done(_metadata, self, variant, 0);
	ASSERT_EQ(0, kipc_msg_recv(self->fd, 0, buf, sizeof(buf), KIPC_NOWAIT,
				   NULL));
	EXPECT_EQ('a', buf[0]);
	munmap(bad, 4096);
}

TEST_F(vec, on_fd_without_access_ebadf)
{
	int fd = kipc_open(NODE, variant->wrong_mode);

	ASSERT_GE(fd, 0);
	EXPECT_EQ(-1, msg_vec(fd, variant->cmd, self->msgs, 1));
	EXPECT_EQ(EBADF, errno);
	vec_done(_metadata, self, variant, 0);
	close(fd);
}

/* Full (SENDV) or empty (RECVV), with KIPC_NOWAIT: EAGAIN or ENOMSG. */
TEST_F(vec, first_entry_nowait_fails)
{
	struct kipc_msg want[2];

	vec_block(_metadata, self, variant, KIPC_NOWAIT);
	memcpy(want, self->msgs, sizeof(want));
	EXPECT_EQ(-1, msg_vec(self->fd, variant->cmd, self->msgs, 2));
	EXPECT_EQ(variant->nowait_errno, errno);
	EXPECT_EQ(0, memcmp(want, self->msgs, sizeof(want)));
	vec_done(_metadata, self, variant, 0);
}

/* O_NONBLOCK is KIPC_NOWAIT for the first entry too. */
TEST_F(vec, nonblock_file_does_not_wait)
{
	int fd = kipc_open(NODE, O_RDWR | O_NONBLOCK);

	ASSERT_GE(fd, 0);
	vec_block(_metadata, self, variant, 0);
	no_wait_arm();
	EXPECT_EQ(-1, msg_vec(fd, variant->cmd, self->msgs, 2));
	EXPECT_EQ(variant->nowait_errno, errno);
	EXPECT_TRUE(no_wait_done());
	vec_done(_metadata, self, variant, 0);
	close(fd);
}

TEST_F(vec, first_timeout_etimedout)
{
	vec_block(_metadata, self, variant, 0);
	self->msgs[0].timeout_ns = 20000000;
	EXPECT_EQ(-1, msg_vec(self->fd, variant->cmd, self->msgs, 2));
	EXPECT_EQ(ETIMEDOUT, errno);
	EXPECT_EQ(0, proc_col(variant->wait_col));
	vec_done(_metadata, self, variant, 0);
}

/* As recv_signal_eintr and send_signal_eintr: the first entry's wait ends. */
TEST_F(vec, signal_eintr)
{
	struct kipc_msg *msgs = self->msgs;
	unsigned long cmd = variant->cmd;
	struct op_result r;
	int note, fd = self->fd;

	vec_block(_metadata, self, variant, 0);
	KIPC_CHILD(note, handle(SIGUSR1, SA_RESTART);
		   r.ret = msg_vec(fd, cmd, msgs, 2); r.err = errno);
	ASSERT_EQ(0, wait_col(variant->wait_col, 1));
	ASSERT_EQ(0, kill(kipc_kids[0], SIGUSR1));
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	EXPECT_EQ(-1, r.ret);
	EXPECT_EQ(EINTR, r.err);
	EXPECT_EQ(0, proc_col(variant->wait_col));
	vec_done(_metadata, self, variant, 0);
}

/* ------------------------------------- alike, with bodies of their own */

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

/*
 * Entries after the first go in batches under one hold of the queue lock
 * (16 today); whatever the batch size, a vector is one entry after the
 * other. 20 entries, the 13th with a text that cannot be written: 12
 * received, and the 8 messages after them, taken in the 13th's batch or
 * not, stay queued in order.
 */
TEST_F(msg, recvv_fault_mid_batch_keeps_the_rest_in_order)
{
	struct kipc_msg v[20], m;
	char bufs[20][8], buf[8], want[8];
	void *bad = bad_page();
	int i;

	ASSERT_NE(NULL, bad);
	for (i = 0; i < 20; i++) {
		snprintf(buf, sizeof(buf), "%04d", i);
		ASSERT_EQ(0, kipc_msg_send(self->fd, 1 + i % 3, buf, 4,
					   KIPC_NOWAIT));
		v[i] = vent(0, i == 12 ? bad : bufs[i], sizeof(bufs[i]), 0);
	}
	EXPECT_EQ(12, msg_vec(self->fd, KIPC_MSG_RECVV, v, 20));
	for (i = 0; i < 12; i++) {
		snprintf(buf, sizeof(buf), "%04d", i);
		EXPECT_EQ(0, memcmp(bufs[i], buf, 4));
	}
	EXPECT_EQ(8ULL, qinfo(self->fd).qnum);
	EXPECT_EQ(12ULL, qinfo(self->fd).received - self->start.received);
	for (i = 12; i < 20; i++) {
		ASSERT_EQ(0, kipc_msg_recv(self->fd, 0, buf, sizeof(buf),
					   KIPC_NOWAIT, &m));
		EXPECT_EQ(1 + i % 3, m.mtype);
		snprintf(want, sizeof(want), "%04d", i);
		EXPECT_EQ(0, memcmp(buf, want, 4));
	}
	munmap(bad, 4096);
}

/* A PEEK entry in a batch sees what the consuming entry after it takes. */
TEST_F(msg, recvv_peek_then_take_in_one_batch)
{
	struct kipc_msg v[4];
	char bufs[4][8] = { "" };

	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "a", 1, 0));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 2, "b", 1, 0));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 3, "c", 1, 0));
	v[0] = vent(1, bufs[0], 8, 0);
	v[1] = vent(2, bufs[1], 8, KIPC_MSG_PEEK);
	v[2] = vent(2, bufs[2], 8, 0);
	v[3] = vent(2, bufs[3], 8, 0);
	/* The 4th finds nothing of type 2 left: ENOMSG ends the call at 3. */
	EXPECT_EQ(3, msg_vec(self->fd, KIPC_MSG_RECVV, v, 4));
	EXPECT_EQ('a', bufs[0][0]);
	EXPECT_EQ('b', bufs[1][0]);
	EXPECT_EQ('b', bufs[2][0]);
	EXPECT_EQ(0, bufs[3][0]);
	EXPECT_EQ(1ULL, qinfo(self->fd).qnum);
	EXPECT_EQ(2ULL, qinfo(self->fd).received - self->start.received);
}

/* 20 entries into room for 13: 13 sent in order, the rest not at all. */
TEST_F(msg, sendv_full_mid_batch_sends_what_fits)
{
	struct kipc_msg v[20], m;
	char text[20][8], buf[8];
	int i;

	ASSERT_EQ(0, set_limits(self->fd, 13, DEF_MSGMAX));
	for (i = 0; i < 20; i++) {
		snprintf(text[i], sizeof(text[i]), "%04d", i);
		/* One byte, the last digit: 13 fit in qbytes 13. */
		v[i] = vent(1 + i % 3, text[i] + 3, 1, 0);
	}
	EXPECT_EQ(13, msg_vec(self->fd, KIPC_MSG_SENDV, v, 20));
	EXPECT_EQ(13ULL, qinfo(self->fd).qnum);
	EXPECT_EQ(13ULL, qinfo(self->fd).sent - self->start.sent);
	for (i = 0; i < 13; i++) {
		ASSERT_EQ(0, kipc_msg_recv(self->fd, 0, buf, sizeof(buf),
					   KIPC_NOWAIT, &m));
		EXPECT_EQ(1 + i % 3, m.mtype);
		EXPECT_EQ(text[i][3], buf[0]);
	}
}

/* A bad text in the middle of a batch: the 10 entries before it sent. */
TEST_F(msg, sendv_fault_mid_batch_sends_those_before)
{
	struct kipc_msg v[20], m;
	char text[20][8], buf[8];
	void *bad = bad_page();
	int i;

	ASSERT_NE(NULL, bad);
	for (i = 0; i < 20; i++) {
		snprintf(text[i], sizeof(text[i]), "%04d", i);
		v[i] = vent(1, i == 10 ? bad : text[i], 4, 0);
	}
	EXPECT_EQ(10, msg_vec(self->fd, KIPC_MSG_SENDV, v, 20));
	EXPECT_EQ(10ULL, qinfo(self->fd).qnum);
	for (i = 0; i < 10; i++) {
		ASSERT_EQ(0, kipc_msg_recv(self->fd, 0, buf, sizeof(buf),
					   KIPC_NOWAIT, &m));
		EXPECT_EQ(0, memcmp(buf, text[i], 4));
	}
	munmap(bad, 4096);
}

/*
 * O_ASYNC with F_SETSIG queues a real-time signal per event: how many are
 * pending, the last one's si_code in *@code.
 */
static int vec_async_signals(int *code)
{
	siginfo_t si;
	int n = 0;

	while (kipc_take_signal(SIGRTMIN, &si, 0) == SIGRTMIN) {
		*code = si.si_code;
		n++;
	}
	return n;
}

static void vec_set_async(int fd)
{
	fcntl(fd, F_SETOWN, getpid());
	fcntl(fd, F_SETSIG, SIGRTMIN);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_ASYNC);
}

/*
 * A vector's arrivals signal an O_ASYNC reader once each, as 20 sends
 * would: batching the entries does not merge their SIGIOs.
 */
TEST_F(msg, sendv_signals_o_async_reader_per_message)
{
	int rd = kipc_open(NODE, O_RDONLY), code = 0;
	struct kipc_msg v[20];
	int i;

	ASSERT_GE(rd, 0);
	kipc_block_signal(SIGRTMIN);
	vec_set_async(rd);
	for (i = 0; i < 20; i++)
		v[i] = vent(1, "x", 1, 0);
	ASSERT_EQ(20, msg_vec(self->fd, KIPC_MSG_SENDV, v, 20));
	EXPECT_EQ(20, vec_async_signals(&code));
	EXPECT_EQ(POLL_IN, code);
	close(rd);
}

/* And a vector's receives signal an O_ASYNC writer once each. */
TEST_F(msg, recvv_signals_o_async_writer_per_message)
{
	int wr = kipc_open(NODE, O_WRONLY), code = 0;
	struct kipc_msg v[20];
	char bufs[20][8];
	int i;

	ASSERT_GE(wr, 0);
	for (i = 0; i < 20; i++) {
		ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "x", 1, 0));
		v[i] = vent(0, bufs[i], sizeof(bufs[i]), 0);
	}
	kipc_block_signal(SIGRTMIN);
	vec_set_async(wr);
	ASSERT_EQ(20, msg_vec(self->fd, KIPC_MSG_RECVV, v, 20));
	EXPECT_EQ(20, vec_async_signals(&code));
	EXPECT_EQ(POLL_OUT, code);
	close(wr);
}

/* ---------------------------------------------- against System V */

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

/* Send the @n entries @v by path @how: 0 vector, 1 ioctl, 2 write(). */
static int send_by(int fd, int how, struct kipc_msg *v, unsigned int n)
{
	char frame[8 + 320];
	unsigned int i;

	if (how == 0)
		return msg_vec(fd, KIPC_MSG_SENDV, v, n) == (int)n ? 0 : -1;
	for (i = 0; i < n; i++) {
		if (how == 1 &&
		    kipc_msg_send(fd, v[i].mtype, (void *)(uintptr_t)v[i].text,
				  v[i].size, KIPC_NOWAIT))
			return -1;
		if (how != 2)
			continue;
		memcpy(frame, &v[i].mtype, 8);
		memcpy(frame + 8, (void *)(uintptr_t)v[i].text, v[i].size);
		if (write(fd, frame, 8 + v[i].size) != 8 + (ssize_t)v[i].size)
			return -1;
	}
	return 0;
}

/* Receive @n messages into the entries @v by path @how, as send_by(). */
static int recv_by(int fd, int how, struct kipc_msg *v, unsigned int n)
{
	char frame[8 + 320];
	unsigned int i;
	ssize_t r;

	if (how == 0)
		return msg_vec(fd, KIPC_MSG_RECVV, v, n) == (int)n ? 0 : -1;
	for (i = 0; i < n; i++) {
		if (how == 1) {
			if (kipc_msg_recv(fd, 0, (void *)(uintptr_t)v[i].text,
					  v[i].size, KIPC_NOWAIT, &v[i]))
				return -1;
			continue;
		}
		/* Past what read() returns, the frame must stay as it was. */
		memset(frame, 0x55, sizeof(frame));
		r = read(fd, frame, 8 + v[i].size);
		if (r < 8)
			return -1;
		memcpy(&v[i].mtype, frame, 8);
		memcpy((void *)(uintptr_t)v[i].text, frame + 8, v[i].size);
		v[i].size = r - 8;
	}
	return 0;
}

/*
 * A short message, once received, is kept by its queue for a later send
 * of the same allocation size (spares, kmod/msg.c). Texts of sizes on
 * both sides of the slab size classes go through every pair of send and
 * receive paths many times: each comes back with its own type, size and
 * bytes, and nothing past its size reaches the receiver's buffer.
 */
TEST_F(msg, texts_of_every_size_come_back_exact)
{
	static const unsigned int sizes[] = { 0,   1,	7,   8,	  63,  64,
					      65,  96,	100, 104, 160, 200,
					      255, 256, 257, 300, 8,   1 };
	enum { NS = ARRAY_SIZE(sizes), CAP = 320 };
	static char text[NS][CAP], bufs[NS][CAP];
	struct kipc_msg sv[NS], rv[NS];
	unsigned int i, k;
	int round;

	for (round = 0; round < 36; round++) {
		for (i = 0; i < NS; i++) {
			memset(text[i], 'a' + (round + i) % 26, sizes[i]);
			sv[i] = vent(1 + i, text[i], sizes[i], KIPC_NOWAIT);
			memset(bufs[i], 0x55, CAP);
			rv[i] = vent(0, bufs[i], CAP, KIPC_NOWAIT);
		}
		ASSERT_EQ(0, send_by(self->fd, round % 3, sv, NS));
		ASSERT_EQ(0, recv_by(self->fd, round / 3 % 3, rv, NS));
		for (i = 0; i < NS; i++) {
			ASSERT_EQ(1 + i, rv[i].mtype);
			ASSERT_EQ(sizes[i], rv[i].size);
			ASSERT_EQ(0, memcmp(bufs[i], text[i], sizes[i]));
			for (k = sizes[i]; k < CAP; k++)
				ASSERT_EQ(0x55, (unsigned char)bufs[i][k]);
		}
	}
	EXPECT_EQ(0ULL, qinfo(self->fd).qnum);
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

TEST_HARNESS_MAIN

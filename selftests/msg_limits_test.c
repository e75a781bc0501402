// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/kipc/msgN: its limits and what it reports. msgmax and qbytes (full
 * by bytes, full by count), the mtype range, KIPC_MSG_SET_LIMITS and its
 * capability rule (as IPC_SET), KIPC_MSG_GETINFO, /proc/kipc/msg,
 * KIPC_MSG_FLUSH, and messages outliving every open file. The fixture and
 * helpers are in msg_fixture.h.
 */

#include <sys/msg.h>

#include "msg_fixture.h"

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

/* ----------------------------------------------- KIPC_MSG_SET_LIMITS */

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

/*
 * As AS_NOBODY(), with the node chowned to nobody for the time: nobody is
 * the queue's owner, which KIPC_MSG_SET_LIMITS asks for (as IPC_SET).
 */
#define AS_OWNER(expr)                                                 \
	({                                                             \
		char __path[64];                                       \
		int __err;                                             \
		kipc_node_path(__path, sizeof(__path), NODE);          \
		ASSERT_EQ(0, chown(__path, KIPC_NOBODY, KIPC_NOBODY)); \
		__err = AS_NOBODY(expr);                               \
		ASSERT_EQ(0, chown(__path, 0, 0));                     \
		__err;                                                 \
	})

/* Not the creator, not the owner: EPERM, as IPC_SET by another user. */
TEST_F(msg, non_owner_set_limits_eperm)
{
	struct msqid_ds ds;
	int fd = self->fd, id;

	/* The twin: a queue root made, open to all, set by nobody. */
	id = msgget(IPC_PRIVATE, IPC_CREAT | 0666);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, msgctl(id, IPC_STAT, &ds));
	ds.msg_qbytes = 100;
	EXPECT_EQ(EPERM, AS_NOBODY(msgctl(id, IPC_SET, &ds)));
	EXPECT_EQ(0, msgctl(id, IPC_RMID, NULL));

	EXPECT_EQ(EPERM, AS_NOBODY(set_limits(fd, 100, 50)));
	EXPECT_EQ(DEF_QBYTES, qinfo(self->fd).qbytes);
	EXPECT_EQ(DEF_MSGMAX, qinfo(self->fd).msgmax);
}

TEST_F(msg, owner_raise_qbytes_eperm)
{
	int fd = self->fd;

	EXPECT_EQ(EPERM, AS_OWNER(set_limits(fd, DEF_QBYTES + 1, DEF_MSGMAX)));
	EXPECT_EQ(DEF_QBYTES, qinfo(self->fd).qbytes);
}

TEST_F(msg, owner_raise_msgmax_eperm)
{
	int fd = self->fd;

	EXPECT_EQ(EPERM, AS_OWNER(set_limits(fd, DEF_QBYTES, DEF_MSGMAX + 1)));
	EXPECT_EQ(DEF_MSGMAX, qinfo(self->fd).msgmax);
}

TEST_F(msg, owner_lower_and_default_allowed)
{
	int fd = self->fd;

	EXPECT_EQ(0, AS_OWNER(set_limits(fd, 100, 50)));
	EXPECT_EQ(100ULL, qinfo(self->fd).qbytes);
	EXPECT_EQ(0, AS_OWNER(set_limits(fd, DEF_QBYTES, DEF_MSGMAX)));
	EXPECT_EQ(DEF_QBYTES, qinfo(self->fd).qbytes);
}

/* As IPC_SET: the bound is the module default, not the current value. */
TEST_F(msg, owner_keep_raised_value_eperm)
{
	int fd = self->fd;

	ASSERT_EQ(0, set_limits(self->fd, 2 * DEF_QBYTES, DEF_MSGMAX));
	EXPECT_EQ(EPERM, AS_OWNER(set_limits(fd, 2 * DEF_QBYTES, DEF_MSGMAX)));
}

/* EINVAL is checked before the owner and the capability. */
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

/* --------------------------------------------- GETINFO, /proc, flush */

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

TEST_HARNESS_MAIN

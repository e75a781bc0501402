// SPDX-License-Identifier: GPL-2.0
/*
 * The uapi's reserved fields. Every struct that may grow carries some:
 * in a struct passed in, a non-zero reserved word gives EINVAL and the
 * call does nothing (nothing sent, received, taken or registered); in a
 * struct the kernel fills, they read as zero. Each test sets one word of
 * one struct and checks both the errno and that nothing happened.
 */

#include <assert.h>
#include <stddef.h>

#include "kselftest_harness.h"
#include "kipc_test.h"

/* The sizes the ABI fixes; a change here is an ABI break. */
static_assert(sizeof(struct kipc_msg) == 56, "struct kipc_msg");
static_assert(sizeof(struct kipc_msg_info) == 104, "struct kipc_msg_info");
static_assert(sizeof(struct kipc_msg_limits) == 32, "struct kipc_msg_limits");
static_assert(sizeof(struct kipc_msg_vec) == 32, "struct kipc_msg_vec");
static_assert(sizeof(struct kipc_shm_info) == 48, "struct kipc_shm_info");
static_assert(sizeof(struct kipc_sem_op) == 32, "struct kipc_sem_op");
static_assert(sizeof(struct kipc_sem_info) == 64, "struct kipc_sem_info");
static_assert(sizeof(struct kipc_notify) == 32, "struct kipc_notify");

KIPC_REQUIRE_MODULE();

/* One byte of text for the messages sent here. */
static const char one[] = "x";

/* Which reserved word a variant sets: the first or the last. */
FIXTURE(abi)
{
	int msg, sem, shm, pipe_r, pipe_w;
};

FIXTURE_VARIANT(abi)
{
	int word;
};

/* clang-format off */
FIXTURE_VARIANT_ADD(abi, first) {
	.word = 0,
};

FIXTURE_VARIANT_ADD(abi, last) {
	.word = 1,
};

/* clang-format on */

FIXTURE_SETUP(abi)
{
	self->msg = kipc_open("msg2", O_RDWR);
	ASSERT_LE(0, self->msg);
	ASSERT_EQ(0, ioctl(self->msg, KIPC_MSG_FLUSH));
	self->sem = kipc_open("sem2", O_RDWR);
	ASSERT_LE(0, self->sem);
	self->shm = kipc_open("shm2", O_RDWR);
	ASSERT_LE(0, self->shm);
	self->pipe_r = kipc_open("pipe2", O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, self->pipe_r);
	self->pipe_w = kipc_open("pipe2", O_WRONLY);
	ASSERT_LE(0, self->pipe_w);
}

FIXTURE_TEARDOWN(abi)
{
	close(self->pipe_w);
	close(self->pipe_r);
	close(self->shm);
	close(self->sem);
	if (self->msg >= 0)
		EXPECT_EQ(0, ioctl(self->msg, KIPC_MSG_FLUSH));
	close(self->msg);
}

static long long qnum(int fd)
{
	struct kipc_msg_info info;

	if (ioctl(fd, KIPC_MSG_GETINFO, &info))
		return -1;
	return info.qnum;
}

static long long sem_value(int fd)
{
	struct kipc_sem_info info;

	if (ioctl(fd, KIPC_SEM_GETINFO, &info))
		return -1;
	return info.value;
}

TEST_F(abi, msg_send_reserved_einval)
{
	struct kipc_msg m = { .mtype = 1, .text = (uintptr_t)one, .size = 1 };

	m.reserved[variant->word] = 1;
	EXPECT_EQ(-1, ioctl(self->msg, KIPC_MSG_SEND, &m));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, qnum(self->msg));
}

TEST_F(abi, msg_recv_reserved_einval)
{
	char buf[8];
	struct kipc_msg m = { .text = (uintptr_t)buf,
			      .size = sizeof(buf),
			      .flags = KIPC_NOWAIT };

	ASSERT_EQ(0, kipc_msg_send(self->msg, 1, "x", 1, 0));
	m.reserved[variant->word] = 1;
	EXPECT_EQ(-1, ioctl(self->msg, KIPC_MSG_RECV, &m));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(1, qnum(self->msg));
}

TEST_F(abi, msg_vec_reserved_einval)
{
	struct kipc_msg m = { .mtype = 1, .text = (uintptr_t)one, .size = 1 };
	struct kipc_msg_vec v = { .msgs = (uintptr_t)&m, .count = 1 };

	v.reserved[variant->word] = 1;
	EXPECT_EQ(-1, ioctl(self->msg, KIPC_MSG_SENDV, &v));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, qnum(self->msg));
}

TEST_F(abi, msg_vec_entry_reserved_einval)
{
	struct kipc_msg m[2] = {
		{ .mtype = 1, .text = (uintptr_t)one, .size = 1 },
		{ .mtype = 2, .text = (uintptr_t)one, .size = 1 },
	};
	struct kipc_msg_vec v = { .msgs = (uintptr_t)m, .count = 2 };

	/* The second entry fails as its own ioctl would: one entry done. */
	m[1].reserved[variant->word] = 1;
	EXPECT_EQ(1, ioctl(self->msg, KIPC_MSG_SENDV, &v));
	EXPECT_EQ(1, qnum(self->msg));
}

TEST_F(abi, msg_limits_reserved_einval)
{
	struct kipc_msg_limits lim = { .qbytes = 100, .msgmax = 100 };
	struct kipc_msg_info info;

	lim.reserved[variant->word] = 1;
	EXPECT_EQ(-1, ioctl(self->msg, KIPC_MSG_SET_LIMITS, &lim));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, ioctl(self->msg, KIPC_MSG_GETINFO, &info));
	EXPECT_NE(100, info.qbytes);
	EXPECT_NE(100, info.msgmax);
}

TEST_F(abi, sem_p_reserved_einval)
{
	struct kipc_sem_op op = { .count = 1, .flags = KIPC_NOWAIT };
	long long before = sem_value(self->sem);

	ASSERT_LE(1, before);
	op.reserved[variant->word] = 1;
	EXPECT_EQ(-1, ioctl(self->sem, KIPC_SEM_P, &op));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(before, sem_value(self->sem));
}

TEST_F(abi, sem_v_reserved_einval)
{
	struct kipc_sem_op op = { .count = 1 };
	long long before = sem_value(self->sem);

	op.reserved[variant->word] = 1;
	EXPECT_EQ(-1, ioctl(self->sem, KIPC_SEM_V, &op));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(before, sem_value(self->sem));
}

TEST_F(abi, notify_reserved_einval)
{
	struct kipc_notify req = { .signo = SIGUSR1 };

	req.reserved[variant->word] = 1;
	EXPECT_EQ(-1, ioctl(self->msg, KIPC_NOTIFY, &req));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->pipe_r, KIPC_NOTIFY, &req));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, kipc_proc("msg", "msg2", "notifiers"));
}

/* Output structs: every reserved word reads as zero, whatever was there. */
TEST_F(abi, info_reserved_read_zero)
{
	struct kipc_msg_info mi;
	struct kipc_shm_info si;
	struct kipc_sem_info ei;
	int i;

	memset(&mi, 0xff, sizeof(mi));
	memset(&si, 0xff, sizeof(si));
	memset(&ei, 0xff, sizeof(ei));
	ASSERT_EQ(0, ioctl(self->msg, KIPC_MSG_GETINFO, &mi));
	ASSERT_EQ(0, ioctl(self->shm, KIPC_SHM_GETINFO, &si));
	ASSERT_EQ(0, ioctl(self->sem, KIPC_SEM_GETINFO, &ei));
	for (i = 0; i < 4; i++) {
		EXPECT_EQ(0, mi.reserved[i]);
		EXPECT_EQ(0, si.reserved[i]);
		EXPECT_EQ(0, ei.reserved[i]);
	}
}

/* A received message's reserved words come back as they went in: zero. */
TEST_F(abi, msg_recv_leaves_reserved_zero)
{
	char buf[8];
	struct kipc_msg m = { .text = (uintptr_t)buf,
			      .size = sizeof(buf),
			      .flags = KIPC_NOWAIT };

	ASSERT_EQ(0, kipc_msg_send(self->msg, 7, "x", 1, 0));
	ASSERT_EQ(0, ioctl(self->msg, KIPC_MSG_RECV, &m));
	EXPECT_EQ(7, m.mtype);
	EXPECT_EQ(0, m.reserved[variant->word]);
}

TEST_HARNESS_MAIN

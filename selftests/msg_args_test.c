// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/kipc/msgN: every bad argument and its errno. Unknown ioctls and
 * flags, a non-zero pid on send, a negative capacity, NULL and faulting
 * pointers (a message whose copy-out faults stays queued), an fd opened
 * without the access the call needs, lseek. The fixture and helpers are
 * in msg_fixture.h.
 */

#include "msg_fixture.h"

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

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/kipc/msgN as a file: read() and write() with struct kipc_msgbuf
 * framing, O_NONBLOCK (for the ioctls too), poll and epoll readiness, and
 * fasync signals. The fixture and helpers are in msg_fixture.h.
 */

#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/syscall.h>

#include "msg_fixture.h"

TEST_F(msg, write_read_framing)
{
	struct {
		long long mtype;
		char text[8];
	} in = { 7, "abcdef" }, out;

	EXPECT_EQ(14, write(self->fd, &in, 14));
	EXPECT_EQ(6ULL, qinfo(self->fd).cbytes);
	memset(&out, 0, sizeof(out));
	EXPECT_EQ(14, read(self->fd, &out, sizeof(out)));
	EXPECT_EQ(7, out.mtype);
	EXPECT_EQ(0, memcmp(out.text, "abcdef", 6));
}

TEST_F(msg, write_header_only_is_zero_length)
{
	long long mtype = 3;
	struct kipc_msg m;

	EXPECT_EQ(8, write(self->fd, &mtype, 8));
	ASSERT_EQ(0, kipc_msg_recv(self->fd, 0, NULL, 0, 0, &m));
	EXPECT_EQ(3, m.mtype);
	EXPECT_EQ(0ULL, m.size);
}

TEST_F(msg, read_takes_arrival_order)
{
	long long buf[2];

	ASSERT_EQ(0, kipc_msg_send(self->fd, 9, "a", 1, 0));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 2, "b", 1, 0));
	EXPECT_EQ(9, read(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(9, buf[0]);
	EXPECT_EQ(9, read(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(2, buf[0]);
}

TEST_F(msg, write_short_count_einval)
{
	long long mtype = 1;

	EXPECT_EQ(-1, write(self->fd, &mtype, 7));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0ULL, qinfo(self->fd).qnum);
}

TEST_F(msg, write_zero_count_einval)
{
	EXPECT_EQ(-1, write(self->fd, "", 0));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(msg, write_mtype_zero_einval)
{
	long long buf[2] = { 0, 0 };

	EXPECT_EQ(-1, write(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(msg, write_over_msgmax_einval)
{
	static long long buf[(DEF_MSGMAX + 16) / 8];

	buf[0] = 1;
	EXPECT_EQ((ssize_t)(8 + DEF_MSGMAX),
		  write(self->fd, buf, 8 + DEF_MSGMAX));
	EXPECT_EQ(-1, write(self->fd, buf, 8 + DEF_MSGMAX + 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(1ULL, qinfo(self->fd).qnum);
}

TEST_F(msg, write_null_efault)
{
	/* syscall(): glibc's write() is declared to take no NULL. */
	EXPECT_EQ(-1, syscall(SYS_write, self->fd, NULL, 16));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0ULL, qinfo(self->fd).qnum);
}

TEST_F(msg, read_short_count_einval)
{
	char buf[8];

	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, NULL, 0, 0));
	EXPECT_EQ(-1, read(self->fd, buf, 7));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(1ULL, qinfo(self->fd).qnum);
}

TEST_F(msg, read_too_small_e2big_keeps_message)
{
	char buf[16];

	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "abcd", 4, 0));
	EXPECT_EQ(-1, read(self->fd, buf, 11));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_EQ(1ULL, qinfo(self->fd).qnum);
	EXPECT_EQ(12, read(self->fd, buf, 12));
}

TEST_F(msg, read_null_efault_keeps_message)
{
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "abcd", 4, 0));
	EXPECT_EQ(-1, syscall(SYS_read, self->fd, NULL, 16));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(1ULL, qinfo(self->fd).qnum);
}

TEST_F(msg, read_nonblock_empty_eagain)
{
	int fd = kipc_open(NODE, O_RDWR | O_NONBLOCK);
	char buf[16];

	ASSERT_GE(fd, 0);
	EXPECT_EQ(-1, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(EAGAIN, errno);
	close(fd);
}

TEST_F(msg, write_nonblock_full_eagain)
{
	int fd = kipc_open(NODE, O_RDWR | O_NONBLOCK);
	long long mtype = 1;

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, set_limits(self->fd, 1, DEF_MSGMAX));
	ASSERT_EQ(8, write(fd, &mtype, 8));
	EXPECT_EQ(-1, write(fd, &mtype, 8));
	EXPECT_EQ(EAGAIN, errno);
	close(fd);
}

/* O_NONBLOCK also means KIPC_NOWAIT for the ioctls, with their errors. */
TEST_F(msg, nonblock_file_ioctls_do_not_wait)
{
	int fd = kipc_open(NODE, O_RDWR | O_NONBLOCK);

	ASSERT_GE(fd, 0);
	EXPECT_EQ(-1, kipc_msg_recv(fd, 0, NULL, 0, 0, NULL));
	EXPECT_EQ(ENOMSG, errno);
	ASSERT_EQ(0, set_limits(self->fd, 1, DEF_MSGMAX));
	ASSERT_EQ(0, kipc_msg_send(fd, 1, NULL, 0, 0));
	EXPECT_EQ(-1, kipc_msg_send(fd, 1, NULL, 0, 0));
	EXPECT_EQ(EAGAIN, errno);
	close(fd);
}

/* ------------------------------------------------------ poll, fasync */

#define PIN (POLLIN | POLLRDNORM)

#define POUT (POLLOUT | POLLWRNORM)

static short poll_events(int fd)
{
	struct pollfd p = { .fd = fd, .events = PIN | POUT };

	return poll(&p, 1, 0) == 1 ? p.revents : 0;
}

TEST_F(msg, poll_states)
{
	EXPECT_EQ(POUT, poll_events(self->fd));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "x", 1, 0));
	EXPECT_EQ(PIN | POUT, poll_events(self->fd));
	ASSERT_EQ(0, set_limits(self->fd, 2, DEF_MSGMAX));
	/* cbytes 1 of 2: one more byte fits. */
	EXPECT_EQ(PIN | POUT, poll_events(self->fd));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, NULL, 0, 0));
	/* Two messages of qbytes 2: full by count. */
	EXPECT_EQ(PIN, poll_events(self->fd));
}

TEST_F(msg, poll_follows_open_mode)
{
	int rd = kipc_open(NODE, O_RDONLY), wr = kipc_open(NODE, O_WRONLY);

	ASSERT_GE(rd, 0);
	ASSERT_GE(wr, 0);
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "x", 1, 0));
	EXPECT_EQ(PIN, poll_events(rd));
	EXPECT_EQ(POUT, poll_events(wr));
	close(rd);
	close(wr);
}

TEST_F(msg, epoll_wakes_on_arrival)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET };
	struct op_result r;
	int ep, note, fd = self->fd;

	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_GE(ep, 0);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->fd, &ev));
	EXPECT_EQ(0, epoll_wait(ep, &ev, 1, 0));
	KIPC_CHILD(note, usleep(50000);
		   r.ret = kipc_msg_send(fd, 1, "x", 1, 0));
	EXPECT_EQ(1, epoll_wait(ep, &ev, 1, 10000));
	EXPECT_NE(0U, ev.events & EPOLLIN);
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	/* Edge-triggered: nothing new, no event. */
	EXPECT_EQ(0, epoll_wait(ep, &ev, 1, 0));
	close(ep);
}

TEST_F(msg, epoll_wakes_on_space)
{
	struct epoll_event ev = { .events = EPOLLOUT };
	struct op_result r;
	int ep, note, fd = self->fd;

	ASSERT_EQ(0, set_limits(self->fd, 1, DEF_MSGMAX));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, NULL, 0, 0));
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_GE(ep, 0);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->fd, &ev));
	EXPECT_EQ(0, epoll_wait(ep, &ev, 1, 0));
	KIPC_CHILD(note, usleep(50000);
		   r.ret = kipc_msg_recv(fd, 0, NULL, 0, 0, NULL));
	EXPECT_EQ(1, epoll_wait(ep, &ev, 1, 10000));
	EXPECT_NE(0U, ev.events & EPOLLOUT);
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	close(ep);
}

static void set_async(int fd, int sig)
{
	fcntl(fd, F_SETOWN, getpid());
	fcntl(fd, F_SETSIG, sig);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_ASYNC);
}

TEST_F(msg, fasync_poll_in_on_arrival)
{
	int rd = kipc_open(NODE, O_RDONLY);
	siginfo_t si;

	ASSERT_GE(rd, 0);
	kipc_block_signal(SIGRTMIN);
	set_async(rd, SIGRTMIN);
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "x", 1, 0));
	ASSERT_EQ(SIGRTMIN, kipc_take_signal(SIGRTMIN, &si, 5000));
	EXPECT_EQ(POLL_IN, si.si_code);
	EXPECT_EQ(rd, si.si_fd);
	close(rd);
}

TEST_F(msg, fasync_poll_out_on_space)
{
	int wr = kipc_open(NODE, O_WRONLY);
	siginfo_t si;

	ASSERT_GE(wr, 0);
	ASSERT_EQ(0, set_limits(self->fd, 1, DEF_MSGMAX));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, NULL, 0, 0));
	kipc_block_signal(SIGRTMIN);
	set_async(wr, SIGRTMIN);
	ASSERT_EQ(0, kipc_msg_recv(self->fd, 0, NULL, 0, 0, NULL));
	ASSERT_EQ(SIGRTMIN, kipc_take_signal(SIGRTMIN, &si, 5000));
	EXPECT_EQ(POLL_OUT, si.si_code);
	EXPECT_EQ(wr, si.si_fd);
	close(wr);
}

TEST_F(msg, fasync_off_no_signal)
{
	int rd = kipc_open(NODE, O_RDONLY);
	siginfo_t si;

	ASSERT_GE(rd, 0);
	kipc_block_signal(SIGRTMIN);
	set_async(rd, SIGRTMIN);
	fcntl(rd, F_SETFL, fcntl(rd, F_GETFL) & ~O_ASYNC);
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "x", 1, 0));
	EXPECT_EQ(-1, kipc_take_signal(SIGRTMIN, &si, 50));
	EXPECT_EQ(EAGAIN, errno);
	close(rd);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * Signal on arrival: KIPC_NOTIFY on pipe nodes (and msg nodes once they
 * carry it). Every signal is caught with sigtimedwait() and its siginfo
 * checked field by field.
 */

#include <signal.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "kipc_test.h"

#define NODE "pipe1"

static int sig_a(void)
{
	return SIGRTMIN + 4;
}

static int sig_b(void)
{
	return SIGRTMIN + 5;
}

static void block(int sig)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

/* Wait up to @ms for @sig; returns the signal or -1 (EAGAIN on time-out). */
static int take(int sig, siginfo_t *si, int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, sig);
	return sigtimedwait(&set, si, &ts);
}

static int notify(int fd, int signo, __u32 flags, __s64 mtype)
{
	struct kipc_notify req = { .signo = signo,
				   .flags = flags,
				   .mtype = mtype };

	return ioctl(fd, KIPC_NOTIFY, &req);
}

FIXTURE(pipe_notify)
{
	int fd;
};

FIXTURE_SETUP(pipe_notify)
{
	KIPC_REQUIRE_MODULE();
	self->fd = kipc_open(NODE, O_RDWR | O_NONBLOCK);
	ASSERT_GE(self->fd, 0);
	block(sig_a());
	block(sig_b());
}

FIXTURE_TEARDOWN(pipe_notify)
{
	close(self->fd);
}

TEST_F(pipe_notify, siginfo_names_the_writer)
{
	int status, wfd;
	siginfo_t si;
	pid_t pid;

	ASSERT_EQ(0, notify(self->fd, sig_a(), 0, 0));
	wfd = kipc_open(NODE, O_WRONLY | O_NONBLOCK);
	ASSERT_GE(wfd, 0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		/* Write as another user, through the already open fd. */
		if (kipc_drop_privileges())
			_exit(2);
		_exit(write(wfd, "12345", 5) == 5 ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);
	ASSERT_EQ(sig_a(), take(sig_a(), &si, 10000));
	EXPECT_EQ(sig_a(), si.si_signo);
	EXPECT_EQ(SI_MESGQ, si.si_code);
	EXPECT_EQ(pid, si.si_pid);
	EXPECT_EQ(KIPC_NOBODY, si.si_uid);
	EXPECT_EQ(5, si.si_value.sival_int);
	EXPECT_EQ(0, si.si_errno);
	close(wfd);
}

TEST_F(pipe_notify, every_arrival_signals)
{
	siginfo_t si;

	ASSERT_EQ(0, notify(self->fd, sig_a(), 0, 0));
	ASSERT_EQ(1, write(self->fd, "a", 1));
	ASSERT_EQ(2, write(self->fd, "bb", 2));
	ASSERT_EQ(sig_a(), take(sig_a(), &si, 10000));
	EXPECT_EQ(1, si.si_value.sival_int);
	ASSERT_EQ(sig_a(), take(sig_a(), &si, 10000));
	EXPECT_EQ(2, si.si_value.sival_int);
}

TEST_F(pipe_notify, oneshot_fires_once)
{
	siginfo_t si;

	ASSERT_EQ(0, notify(self->fd, sig_a(), KIPC_NOTIFY_ONESHOT, 0));
	ASSERT_EQ(1, write(self->fd, "a", 1));
	ASSERT_EQ(1, write(self->fd, "b", 1));
	EXPECT_EQ(sig_a(), take(sig_a(), &si, 10000));
	EXPECT_EQ(-1, take(sig_a(), &si, 100));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(0, kipc_proc("pipe", NODE, "notifiers"));
}

TEST_F(pipe_notify, register_again_replaces)
{
	siginfo_t si;

	ASSERT_EQ(0, notify(self->fd, sig_a(), 0, 0));
	ASSERT_EQ(0, notify(self->fd, sig_b(), 0, 0));
	EXPECT_EQ(1, kipc_proc("pipe", NODE, "notifiers"));
	ASSERT_EQ(1, write(self->fd, "a", 1));
	EXPECT_EQ(sig_b(), take(sig_b(), &si, 10000));
	EXPECT_EQ(-1, take(sig_a(), &si, 100));
}

TEST_F(pipe_notify, signo_zero_unregisters)
{
	siginfo_t si;

	ASSERT_EQ(0, notify(self->fd, sig_a(), 0, 0));
	ASSERT_EQ(0, notify(self->fd, 0, 0, 0));
	EXPECT_EQ(0, kipc_proc("pipe", NODE, "notifiers"));
	ASSERT_EQ(1, write(self->fd, "a", 1));
	EXPECT_EQ(-1, take(sig_a(), &si, 100));
}

TEST_F(pipe_notify, close_removes_registration)
{
	int fd2 = kipc_open(NODE, O_RDWR);
	siginfo_t si;

	ASSERT_GE(fd2, 0);
	ASSERT_EQ(0, notify(fd2, sig_a(), 0, 0));
	EXPECT_EQ(1, kipc_proc("pipe", NODE, "notifiers"));
	close(fd2);
	EXPECT_EQ(0, kipc_proc("pipe", NODE, "notifiers"));
	ASSERT_EQ(1, write(self->fd, "a", 1));
	EXPECT_EQ(-1, take(sig_a(), &si, 100));
}

TEST_F(pipe_notify, two_registrants_both_signalled)
{
	int status, ready[2];
	siginfo_t si;
	pid_t pid;
	char c;

	ASSERT_EQ(0, pipe(ready));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int fd = kipc_open(NODE, O_RDONLY | O_NONBLOCK);

		if (fd < 0 || notify(fd, sig_b(), 0, 0) ||
		    write(ready[1], "r", 1) != 1)
			_exit(2);
		if (take(sig_b(), &si, 10000) != sig_b())
			_exit(1);
		_exit(si.si_pid == getppid() ? 0 : 1);
	}
	ASSERT_EQ(1, read(ready[0], &c, 1));
	ASSERT_EQ(0, notify(self->fd, sig_a(), 0, 0));
	EXPECT_EQ(2, kipc_proc("pipe", NODE, "notifiers"));
	ASSERT_EQ(1, write(self->fd, "a", 1));
	EXPECT_EQ(sig_a(), take(sig_a(), &si, 10000));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
}

TEST_F(pipe_notify, exited_registrant_is_dropped)
{
	int status;
	siginfo_t si;
	pid_t pid;

	/* The child registers on the shared open file, then exits. */
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(notify(self->fd, sig_a(), 0, 0) ? 1 : 0);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);
	EXPECT_EQ(1, kipc_proc("pipe", NODE, "notifiers"));
	ASSERT_EQ(1, write(self->fd, "a", 1));
	/* Nobody else gets it, and the dead registration is gone. */
	EXPECT_EQ(-1, take(sig_a(), &si, 100));
	EXPECT_EQ(0, kipc_proc("pipe", NODE, "notifiers"));
}

TEST_F(pipe_notify, signal_outlives_the_sender)
{
	int status;
	siginfo_t si;
	pid_t pid;

	ASSERT_EQ(0, notify(self->fd, sig_a(), 0, 0));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(write(self->fd, "abc", 3) == 3 ? 0 : 1);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);
	ASSERT_EQ(sig_a(), take(sig_a(), &si, 10000));
	EXPECT_EQ(pid, si.si_pid);
	EXPECT_EQ(3, si.si_value.sival_int);
}

TEST_F(pipe_notify, realtime_signals_are_not_lost)
{
	const int n = 1000;
	int i, got = 0, bytes = 0;
	char buf[64];
	siginfo_t si;

	ASSERT_EQ(0, notify(self->fd, sig_a(), 0, 0));
	for (i = 0; i < n; i++) {
		ASSERT_EQ(1, write(self->fd, "x", 1));
		/* Keep the ring from filling: drain as we go. */
		if (i % 32 == 31)
			ASSERT_LT(0, read(self->fd, buf, sizeof(buf)));
	}
	while (take(sig_a(), &si, 1000) == sig_a()) {
		got++;
		bytes += si.si_value.sival_int;
	}
	EXPECT_EQ(n, got);
	EXPECT_EQ(n, bytes);
}

TEST_F(pipe_notify, sigkill_einval)
{
	EXPECT_EQ(-1, notify(self->fd, SIGKILL, 0, 0));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(pipe_notify, sigstop_einval)
{
	EXPECT_EQ(-1, notify(self->fd, SIGSTOP, 0, 0));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(pipe_notify, negative_signal_einval)
{
	EXPECT_EQ(-1, notify(self->fd, -1, 0, 0));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(pipe_notify, signal_past_nsig_einval)
{
	EXPECT_EQ(-1, notify(self->fd, 65, 0, 0));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(pipe_notify, unknown_flag_einval)
{
	EXPECT_EQ(-1, notify(self->fd, sig_a(), 2, 0));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(pipe_notify, type_filter_on_pipe_einval)
{
	EXPECT_EQ(-1, notify(self->fd, sig_a(), 0, 5));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(pipe_notify, bad_pointer_efault)
{
	EXPECT_EQ(-1, ioctl(self->fd, KIPC_NOTIFY, kipc_bad_ptr()));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(pipe_notify, failed_register_leaves_old_one)
{
	siginfo_t si;

	ASSERT_EQ(0, notify(self->fd, sig_a(), 0, 0));
	ASSERT_EQ(-1, notify(self->fd, SIGKILL, 0, 0));
	ASSERT_EQ(1, write(self->fd, "a", 1));
	EXPECT_EQ(sig_a(), take(sig_a(), &si, 10000));
}

TEST_HARNESS_MAIN

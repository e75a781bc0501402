// SPDX-License-Identifier: GPL-2.0
/*
 * Signal on arrival: KIPC_NOTIFY on pipe and msg nodes, and fasync on both
 * compared with fasync on a kernel pipe. Every signal is caught with
 * sigtimedwait() and its siginfo checked field by field.
 *
 * What KIPC_NOTIFY does the same on both kinds of node is written once, in
 * the notify fixture, and runs on a pipe and on a queue; pipe_notify and
 * msg_notify hold what only one kind has (type filters, write framing,
 * hand-off to a blocked receiver, ...).
 */

#include <mqueue.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "kipc_test.h"

KIPC_REQUIRE_MODULE();

#define NODE "pipe1"
#define MSG_NODE "msg1"

/* What a KIPC_CHILD() helper reports. */
struct op_result {
	int ret;
	int err;
};

static int sig_a(void)
{
	return SIGRTMIN + 4;
}

static int sig_b(void)
{
	return SIGRTMIN + 5;
}

static int notify(int fd, int signo, __u32 flags, __s64 mtype)
{
	struct kipc_notify req = { .signo = signo,
				   .flags = flags,
				   .mtype = mtype };

	return ioctl(fd, KIPC_NOTIFY, &req);
}

static const char arrival_text[] = "abcdefghi";
#define ARRIVAL_MAX ((int)sizeof(arrival_text) - 2)

/*
 * One arrival whose KIPC_NOTIFY signal carries @n (1..ARRIVAL_MAX) in
 * si_value: @n bytes on a pipe, a message of type @n on a queue (@msg).
 * The message text is @n + 1 bytes long, so that a signal carrying the
 * length in place of the type is caught. Returns 0 or -1.
 */
static int arrive(int fd, bool msg, int n)
{
	if (n < 1 || n > ARRIVAL_MAX)
		return -1;
	if (msg)
		return kipc_msg_send(fd, n, arrival_text, n + 1, KIPC_NOWAIT);
	return write(fd, arrival_text, n) == n ? 0 : -1;
}

/*
 * Open @node for a fixture, with sig_a() and sig_b() blocked so that they
 * stay pending. A queue outlives its files: it starts empty (@msg).
 */
static int open_node(const char *node, int flags, bool msg)
{
	int fd = kipc_open(node, flags);

	if (fd >= 0 && msg && ioctl(fd, KIPC_MSG_FLUSH)) {
		close(fd);
		return -1;
	}
	kipc_block_signal(sig_a());
	kipc_block_signal(sig_b());
	return fd;
}

/* Leave the node as open_node() found it. */
static void close_node(int fd, bool msg)
{
	if (msg)
		ioctl(fd, KIPC_MSG_FLUSH);
	close(fd);
}

/* ------------------------------- KIPC_NOTIFY, on a pipe and a queue */

FIXTURE(notify)
{
	int fd;
};

FIXTURE_VARIANT(notify)
{
	const char *node;
	const char *table; /* its /proc/kipc table */
	int flags; /* open(2) flags */
	bool msg; /* a queue: arrivals are messages */
};

/* clang-format off */
FIXTURE_VARIANT_ADD(notify, pipe) {
	.node = NODE,
	.table = "pipe",
	.flags = O_RDWR | O_NONBLOCK,
};

FIXTURE_VARIANT_ADD(notify, msg) {
	.node = MSG_NODE,
	.table = "msg",
	.flags = O_RDWR,
	.msg = true,
};

/* clang-format on */

FIXTURE_SETUP(notify)
{
	self->fd = open_node(variant->node, variant->flags, variant->msg);
	ASSERT_GE(self->fd, 0);
}

FIXTURE_TEARDOWN(notify)
{
	close_node(self->fd, variant->msg);
}

/* The notifiers column of the variant's node. */
static long long notifiers(const FIXTURE_VARIANT(notify) * variant)
{
	return kipc_proc(variant->table, variant->node, "notifiers");
}

TEST_F(notify, siginfo_names_the_sender)
{
	int status, wfd;
	siginfo_t si;
	pid_t pid;

	ASSERT_EQ(0, notify(self->fd, sig_a(), 0, 0));
	wfd = kipc_open(variant->node, O_WRONLY | O_NONBLOCK);
	ASSERT_GE(wfd, 0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		/* Send as another user, through the already open fd. */
		if (kipc_drop_privileges())
			_exit(2);
		_exit(arrive(wfd, variant->msg, 5) ? 1 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);
	ASSERT_EQ(sig_a(), kipc_take_signal(sig_a(), &si, 10000));
	EXPECT_EQ(sig_a(), si.si_signo);
	EXPECT_EQ(SI_MESGQ, si.si_code);
	EXPECT_EQ(pid, si.si_pid);
	EXPECT_EQ(KIPC_NOBODY, si.si_uid);
	EXPECT_EQ(5, si.si_value.sival_int);
	EXPECT_EQ(0, si.si_errno);
	close(wfd);
}

TEST_F(notify, every_arrival_signals)
{
	siginfo_t si;

	ASSERT_EQ(0, notify(self->fd, sig_a(), 0, 0));
	ASSERT_EQ(0, arrive(self->fd, variant->msg, 1));
	ASSERT_EQ(0, arrive(self->fd, variant->msg, 2));
	ASSERT_EQ(sig_a(), kipc_take_signal(sig_a(), &si, 10000));
	EXPECT_EQ(1, si.si_value.sival_int);
	ASSERT_EQ(sig_a(), kipc_take_signal(sig_a(), &si, 10000));
	EXPECT_EQ(2, si.si_value.sival_int);
}

TEST_F(notify, oneshot_fires_once)
{
	siginfo_t si;

	ASSERT_EQ(0, notify(self->fd, sig_a(), KIPC_NOTIFY_ONESHOT, 0));
	ASSERT_EQ(0, arrive(self->fd, variant->msg, 1));
	ASSERT_EQ(0, arrive(self->fd, variant->msg, 1));
	EXPECT_EQ(sig_a(), kipc_take_signal(sig_a(), &si, 10000));
	EXPECT_EQ(-1, kipc_take_signal(sig_a(), &si, 100));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(0, notifiers(variant));
}

TEST_F(notify, register_again_replaces)
{
	siginfo_t si;

	ASSERT_EQ(0, notify(self->fd, sig_a(), 0, 0));
	ASSERT_EQ(0, notify(self->fd, sig_b(), 0, 0));
	EXPECT_EQ(1, notifiers(variant));
	ASSERT_EQ(0, arrive(self->fd, variant->msg, 1));
	EXPECT_EQ(sig_b(), kipc_take_signal(sig_b(), &si, 10000));
	EXPECT_EQ(-1, kipc_take_signal(sig_a(), &si, 100));
}

TEST_F(notify, signo_zero_unregisters)
{
	siginfo_t si;

	ASSERT_EQ(0, notify(self->fd, sig_a(), 0, 0));
	ASSERT_EQ(0, notify(self->fd, 0, 0, 0));
	EXPECT_EQ(0, notifiers(variant));
	ASSERT_EQ(0, arrive(self->fd, variant->msg, 1));
	EXPECT_EQ(-1, kipc_take_signal(sig_a(), &si, 100));
}

TEST_F(notify, failed_register_leaves_old_one)
{
	siginfo_t si;

	ASSERT_EQ(0, notify(self->fd, sig_a(), 0, 0));
	ASSERT_EQ(-1, notify(self->fd, SIGKILL, 0, 0));
	ASSERT_EQ(0, arrive(self->fd, variant->msg, 1));
	EXPECT_EQ(sig_a(), kipc_take_signal(sig_a(), &si, 10000));
}

TEST_F(notify, close_removes_registration)
{
	int fd2 = kipc_open(variant->node, O_RDONLY | O_NONBLOCK);
	siginfo_t si;

	ASSERT_GE(fd2, 0);
	ASSERT_EQ(0, notify(fd2, sig_a(), 0, 0));
	EXPECT_EQ(1, notifiers(variant));
	close(fd2);
	EXPECT_EQ(0, notifiers(variant));
	ASSERT_EQ(0, arrive(self->fd, variant->msg, 1));
	EXPECT_EQ(-1, kipc_take_signal(sig_a(), &si, 100));
}

TEST_F(notify, two_registrants_both_signalled)
{
	int status, ready[2];
	siginfo_t si;
	pid_t pid;
	char c;

	ASSERT_EQ(0, pipe(ready));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int fd = kipc_open(variant->node, O_RDONLY | O_NONBLOCK);

		if (fd < 0 || notify(fd, sig_b(), 0, 0) ||
		    write(ready[1], "r", 1) != 1)
			_exit(2);
		if (kipc_take_signal(sig_b(), &si, 10000) != sig_b())
			_exit(1);
		_exit(si.si_pid == getppid() ? 0 : 1);
	}
	ASSERT_EQ(1, read(ready[0], &c, 1));
	ASSERT_EQ(0, notify(self->fd, sig_a(), 0, 0));
	EXPECT_EQ(2, notifiers(variant));
	ASSERT_EQ(0, arrive(self->fd, variant->msg, 1));
	EXPECT_EQ(sig_a(), kipc_take_signal(sig_a(), &si, 10000));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
	close(ready[0]);
	close(ready[1]);
}

TEST_F(notify, exited_registrant_is_dropped)
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
	/*
	 * The child's exit closed its copy of the file, and with it its
	 * registration (->flush, as mq_notify).
	 */
	EXPECT_EQ(0, notifiers(variant));
	ASSERT_EQ(0, arrive(self->fd, variant->msg, 1));
	/* Nobody else gets it, and the dead registration is gone. */
	EXPECT_EQ(-1, kipc_take_signal(sig_a(), &si, 100));
	EXPECT_EQ(0, notifiers(variant));
}

TEST_F(notify, signal_outlives_the_sender)
{
	int status;
	siginfo_t si;
	pid_t pid;

	ASSERT_EQ(0, notify(self->fd, sig_a(), 0, 0));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(arrive(self->fd, variant->msg, 3) ? 1 : 0);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);
	ASSERT_EQ(sig_a(), kipc_take_signal(sig_a(), &si, 10000));
	EXPECT_EQ(pid, si.si_pid);
	EXPECT_EQ(3, si.si_value.sival_int);
}

/* The argument checks. */

TEST_F(notify, sigkill_einval)
{
	EXPECT_EQ(-1, notify(self->fd, SIGKILL, 0, 0));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(notify, sigstop_einval)
{
	EXPECT_EQ(-1, notify(self->fd, SIGSTOP, 0, 0));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(notify, negative_signal_einval)
{
	EXPECT_EQ(-1, notify(self->fd, -1, 0, 0));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(notify, signal_past_nsig_einval)
{
	EXPECT_EQ(-1, notify(self->fd, 65, 0, 0));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(notify, unknown_flag_einval)
{
	/* The lowest unknown bit and the highest one. */
	EXPECT_EQ(-1, notify(self->fd, sig_a(), 2, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, notify(self->fd, sig_a(), 0x80000000u, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, notifiers(variant));
}

TEST_F(notify, bad_pointer_efault)
{
	EXPECT_EQ(-1, ioctl(self->fd, KIPC_NOTIFY, kipc_bad_ptr()));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, KIPC_NOTIFY, NULL));
	EXPECT_EQ(EFAULT, errno);
}

/*
 * max_notifiers: how many registrations one node takes. The tests use the
 * parameter's value, or its documented default if it cannot be read (so
 * that a module without the limit fails them on the errno).
 */
#define MAX_NOTIFIERS_PARAM "/sys/module/kipc/parameters/max_notifiers"
#define MAX_NOTIFIERS_DEFAULT 64

static int max_notifiers(void)
{
	FILE *f = fopen(MAX_NOTIFIERS_PARAM, "re");
	int n = -1;

	if (f) {
		if (fscanf(f, "%d", &n) != 1)
			n = -1;
		fclose(f);
	}
	return n;
}

static int max_notifiers_or_default(void)
{
	int n = max_notifiers();

	return n > 0 ? n : MAX_NOTIFIERS_DEFAULT;
}

static void close_many(int *fds, int n)
{
	while (n--)
		close(fds[n]);
}

/*
 * Open @n files on the variant's node, each registered for sig_a() with
 * @flags: 0, or -1 with none left open.
 */
static int register_many(const FIXTURE_VARIANT(notify) * variant, int *fds,
			 int n, __u32 flags)
{
	int i;

	for (i = 0; i < n; i++) {
		fds[i] = kipc_open(variant->node, O_RDONLY | O_NONBLOCK);
		if (fds[i] < 0 || notify(fds[i], sig_a(), flags, 0)) {
			close_many(fds, fds[i] < 0 ? i : i + 1);
			return -1;
		}
	}
	return 0;
}

TEST_F(notify, past_max_notifiers_ebusy)
{
	int max = max_notifiers_or_default(), *fds = calloc(max, sizeof(int));

	ASSERT_NE(NULL, fds);
	ASSERT_EQ(0, notifiers(variant));
	ASSERT_EQ(0, register_many(variant, fds, max, 0));
	EXPECT_EQ(-1, notify(self->fd, sig_a(), 0, 0));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(max, notifiers(variant));
	close_many(fds, max);
	free(fds);
}

TEST_F(notify, at_max_notifiers_registering_again_replaces)
{
	int max = max_notifiers_or_default(), *fds = calloc(max, sizeof(int));

	ASSERT_NE(NULL, fds);
	ASSERT_EQ(0, register_many(variant, fds, max, 0));
	EXPECT_EQ(0, notify(fds[0], sig_b(), 0, 0));
	EXPECT_EQ(max, notifiers(variant));
	close_many(fds, max);
	free(fds);
}

TEST_F(notify, at_max_notifiers_unregistering_frees_a_slot)
{
	int max = max_notifiers_or_default(), *fds = calloc(max, sizeof(int));

	ASSERT_NE(NULL, fds);
	ASSERT_EQ(0, register_many(variant, fds, max, 0));
	ASSERT_EQ(0, notify(fds[max - 1], 0, 0, 0));
	EXPECT_EQ(0, notify(self->fd, sig_a(), 0, 0));
	EXPECT_EQ(max, notifiers(variant));
	close_many(fds, max);
	free(fds);
}

/* The sender lets the lock go every 16 signals and walks on from there. */
TEST_F(notify, every_registration_is_signalled)
{
	int max = max_notifiers_or_default(), *fds = calloc(max, sizeof(int));
	int got = 0;
	siginfo_t si;

	ASSERT_NE(NULL, fds);
	ASSERT_EQ(0, register_many(variant, fds, max, 0));
	ASSERT_EQ(0, arrive(self->fd, variant->msg, 3));
	while (kipc_take_signal(sig_a(), &si, 1000) == sig_a()) {
		EXPECT_EQ(3, si.si_value.sival_int);
		got++;
	}
	EXPECT_EQ(max, got);
	EXPECT_EQ(max, notifiers(variant));
	close_many(fds, max);
	free(fds);
}

TEST_F(notify, many_oneshots_fire_once_each)
{
	int max = max_notifiers_or_default(), *fds = calloc(max, sizeof(int));
	int got = 0;
	siginfo_t si;

	ASSERT_NE(NULL, fds);
	ASSERT_EQ(0, register_many(variant, fds, max, KIPC_NOTIFY_ONESHOT));
	ASSERT_EQ(0, arrive(self->fd, variant->msg, 1));
	ASSERT_EQ(0, arrive(self->fd, variant->msg, 2));
	while (kipc_take_signal(sig_a(), &si, 1000) == sig_a()) {
		EXPECT_EQ(1, si.si_value.sival_int);
		got++;
	}
	EXPECT_EQ(max, got);
	EXPECT_EQ(0, notifiers(variant));
	close_many(fds, max);
	free(fds);
}

TEST(max_notifiers_is_a_parameter)
{
	EXPECT_EQ(MAX_NOTIFIERS_DEFAULT, max_notifiers());
}

/* ------------------------------------------- KIPC_NOTIFY, pipe only */

FIXTURE(pipe_notify)
{
	int fd;
};

FIXTURE_SETUP(pipe_notify)
{
	self->fd = open_node(NODE, O_RDWR | O_NONBLOCK, false);
	ASSERT_GE(self->fd, 0);
}

FIXTURE_TEARDOWN(pipe_notify)
{
	close_node(self->fd, false);
}

TEST_F(pipe_notify, type_filter_on_pipe_einval)
{
	EXPECT_EQ(-1, notify(self->fd, sig_a(), 0, 5));
	EXPECT_EQ(EINVAL, errno);
}

/*
 * A registration is its file's: the registrant closing another file of
 * the node leaves it (a POSIX queue's owner closing any descriptor of the
 * queue would end it: mq_notify has one registration per queue).
 */
TEST_F(pipe_notify, closing_another_file_of_the_node_keeps_it)
{
	int other = kipc_open(NODE, O_RDONLY | O_NONBLOCK);
	siginfo_t si;

	ASSERT_LE(0, other);
	ASSERT_EQ(0, notify(self->fd, sig_a(), 0, 0));
	close(other);
	EXPECT_EQ(1, kipc_proc("pipe", NODE, "notifiers"));
	ASSERT_EQ(0, arrive(self->fd, false, 1));
	EXPECT_EQ(sig_a(), kipc_take_signal(sig_a(), &si, 10000));
}

/*
 * One process writes 1000 single bytes, draining as it goes, and counts
 * the signals afterwards. The queue's counterpart,
 * realtime_signals_count_1000_messages, is a different test: a child
 * sends while each message is received as its signal arrives.
 */
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
	while (kipc_take_signal(sig_a(), &si, 1000) == sig_a()) {
		got++;
		bytes += si.si_value.sival_int;
	}
	EXPECT_EQ(n, got);
	EXPECT_EQ(n, bytes);
}

/* -------------------------------------------- KIPC_NOTIFY, msg only */

/* Receive flags: no wait, the text cut off (no buffer): only the type. */
#define TYPE_ONLY (KIPC_NOWAIT | KIPC_MSG_NOERROR)

/* The types of the signals @sig queued for us, in order; count returned. */
static int types_signalled(int sig, long long *types, int max)
{
	siginfo_t si;
	int n = 0;

	while (n < max && kipc_take_signal(sig, &si, 100) == sig)
		types[n++] = si.si_value.sival_int;
	return n;
}

FIXTURE(msg_notify)
{
	int fd;
};

FIXTURE_SETUP(msg_notify)
{
	self->fd = open_node(MSG_NODE, O_RDWR, true);
	ASSERT_GE(self->fd, 0);
}

FIXTURE_TEARDOWN(msg_notify)
{
	close_node(self->fd, true);
}

TEST_F(msg_notify, message_is_there_when_signal_arrives)
{
	struct kipc_msg m;
	int status;
	siginfo_t si;
	pid_t pid;

	ASSERT_EQ(0, notify(self->fd, sig_a(), 0, 0));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(kipc_msg_send(self->fd, 9, "now", 3, KIPC_NOWAIT) != 0);
	ASSERT_EQ(sig_a(), kipc_take_signal(sig_a(), &si, 10000));
	/* No wait needed: the signal follows the message, never precedes it. */
	EXPECT_EQ(0, kipc_msg_recv(self->fd, 9, NULL, 0, TYPE_ONLY, &m));
	EXPECT_EQ(9, m.mtype);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
}

TEST_F(msg_notify, write_framing_signals_too)
{
	char buf[sizeof(struct kipc_msgbuf) + 2];
	struct kipc_msgbuf *mb = (struct kipc_msgbuf *)buf;
	siginfo_t si;

	ASSERT_EQ(0, notify(self->fd, sig_a(), 0, 0));
	mb->mtype = 12;
	memcpy(mb->mtext, "ab", 2);
	ASSERT_EQ(sizeof(buf), write(self->fd, buf, sizeof(buf)));
	ASSERT_EQ(sig_a(), kipc_take_signal(sig_a(), &si, 10000));
	EXPECT_EQ(12, si.si_value.sival_int);
}

TEST_F(msg_notify, filter_zero_takes_every_type)
{
	long long t[4];

	ASSERT_EQ(0, notify(self->fd, sig_a(), 0, 0));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 3, "a", 1, KIPC_NOWAIT));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "b", 1, KIPC_NOWAIT));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1000000, "c", 1, KIPC_NOWAIT));
	ASSERT_EQ(3, types_signalled(sig_a(), t, 4));
	EXPECT_EQ(3, t[0]);
	EXPECT_EQ(1, t[1]);
	EXPECT_EQ(1000000, t[2]);
}

TEST_F(msg_notify, filter_positive_takes_that_type_only)
{
	long long t[4];

	ASSERT_EQ(0, notify(self->fd, sig_a(), 0, 5));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 4, "a", 1, KIPC_NOWAIT));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 5, "b", 1, KIPC_NOWAIT));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 6, "c", 1, KIPC_NOWAIT));
	ASSERT_EQ(1, types_signalled(sig_a(), t, 4));
	EXPECT_EQ(5, t[0]);
}

TEST_F(msg_notify, filter_negative_takes_types_up_to_it)
{
	long long t[4];

	ASSERT_EQ(0, notify(self->fd, sig_a(), 0, -5));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 7, "a", 1, KIPC_NOWAIT));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 5, "b", 1, KIPC_NOWAIT));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 6, "c", 1, KIPC_NOWAIT));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "d", 1, KIPC_NOWAIT));
	ASSERT_EQ(2, types_signalled(sig_a(), t, 4));
	EXPECT_EQ(5, t[0]);
	EXPECT_EQ(1, t[1]);
}

TEST_F(msg_notify, filter_most_negative_takes_every_type)
{
	long long t[2];

	/* |INT64_MIN| does not exist; like msgrcv(2) it means every type. */
	ASSERT_EQ(0, notify(self->fd, sig_a(), 0, INT64_MIN));
	ASSERT_EQ(0, kipc_msg_send(self->fd, INT64_MAX, "a", 1, KIPC_NOWAIT));
	ASSERT_EQ(1, types_signalled(sig_a(), t, 2));
}

TEST_F(msg_notify, unmatched_type_sends_nothing)
{
	siginfo_t si;

	ASSERT_EQ(0, notify(self->fd, sig_a(), 0, 2));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 3, "a", 1, KIPC_NOWAIT));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "b", 1, KIPC_NOWAIT));
	EXPECT_EQ(-1, kipc_take_signal(sig_a(), &si, 100));
	EXPECT_EQ(EAGAIN, errno);
}

TEST_F(msg_notify, oneshot_fires_once_on_a_match)
{
	long long t[3];

	/* A message the filter passes over does not use the one shot up. */
	ASSERT_EQ(0, notify(self->fd, sig_a(), KIPC_NOTIFY_ONESHOT, 5));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 4, "a", 1, KIPC_NOWAIT));
	EXPECT_EQ(1, kipc_proc("msg", MSG_NODE, "notifiers"));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 5, "b", 1, KIPC_NOWAIT));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 5, "c", 1, KIPC_NOWAIT));
	ASSERT_EQ(1, types_signalled(sig_a(), t, 3));
	EXPECT_EQ(5, t[0]);
	EXPECT_EQ(0, kipc_proc("msg", MSG_NODE, "notifiers"));
}

TEST_F(msg_notify, register_again_replaces_signal_and_filter)
{
	siginfo_t si;

	ASSERT_EQ(0, notify(self->fd, sig_a(), 0, 1));
	ASSERT_EQ(0, notify(self->fd, sig_b(), 0, 2));
	EXPECT_EQ(1, kipc_proc("msg", MSG_NODE, "notifiers"));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "a", 1, KIPC_NOWAIT));
	EXPECT_EQ(-1, kipc_take_signal(sig_a(), &si, 100));
	EXPECT_EQ(-1, kipc_take_signal(sig_b(), &si, 100));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 2, "b", 1, KIPC_NOWAIT));
	ASSERT_EQ(sig_b(), kipc_take_signal(sig_b(), &si, 10000));
	EXPECT_EQ(2, si.si_value.sival_int);
}

TEST_F(msg_notify, notifiers_counts_live_registrations)
{
	int fd[3], i;

	for (i = 0; i < 3; i++) {
		fd[i] = kipc_open(MSG_NODE, O_RDONLY);
		ASSERT_GE(fd[i], 0);
		ASSERT_EQ(0, notify(fd[i], sig_a(), 0, i));
		EXPECT_EQ(i + 1, kipc_proc("msg", MSG_NODE, "notifiers"));
	}
	/* Replacing is not adding. */
	ASSERT_EQ(0, notify(fd[0], sig_b(), 0, 0));
	EXPECT_EQ(3, kipc_proc("msg", MSG_NODE, "notifiers"));
	close(fd[1]);
	EXPECT_EQ(2, kipc_proc("msg", MSG_NODE, "notifiers"));
	ASSERT_EQ(0, notify(fd[2], 0, 0, 0));
	EXPECT_EQ(1, kipc_proc("msg", MSG_NODE, "notifiers"));
	close(fd[0]);
	close(fd[2]);
	EXPECT_EQ(0, kipc_proc("msg", MSG_NODE, "notifiers"));
}

TEST_F(msg_notify, two_registrants_each_by_its_filter)
{
	int status, ready[2];
	long long t[3];
	siginfo_t si;
	pid_t pid;
	char c;

	ASSERT_EQ(0, pipe(ready));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int fd = kipc_open(MSG_NODE, O_RDONLY);

		/* The child wants type 8 only. */
		if (fd < 0 || notify(fd, sig_b(), 0, 8) ||
		    write(ready[1], "r", 1) != 1)
			_exit(2);
		if (kipc_take_signal(sig_b(), &si, 10000) != sig_b() ||
		    si.si_value.sival_int != 8 || si.si_pid != getppid())
			_exit(1);
		_exit(kipc_take_signal(sig_b(), &si, 100) == -1 ? 0 : 3);
	}
	ASSERT_EQ(1, read(ready[0], &c, 1));
	ASSERT_EQ(0, notify(self->fd, sig_a(), 0, 0));
	EXPECT_EQ(2, kipc_proc("msg", MSG_NODE, "notifiers"));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 7, "a", 1, KIPC_NOWAIT));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 8, "b", 1, KIPC_NOWAIT));
	ASSERT_EQ(2, types_signalled(sig_a(), t, 3));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
	close(ready[0]);
	close(ready[1]);
}

TEST_F(msg_notify, handed_off_message_still_signals)
{
	struct kipc_msg m;
	int status;
	siginfo_t si;
	pid_t pid;

	ASSERT_EQ(0, notify(self->fd, sig_a(), 0, 0));
	/* A blocked receiver is handed the message without queueing it. */
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		if (kipc_msg_recv(self->fd, 4, NULL, 0, 0, &m))
			_exit(1);
		_exit(m.mtype == 4 ? 0 : 1);
	}
	ASSERT_EQ(0, kipc_wait_until(kipc_proc("msg", MSG_NODE, "rwait") == 1));
	ASSERT_EQ(0, kipc_msg_send(self->fd, 4, NULL, 0, KIPC_NOWAIT));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
	ASSERT_EQ(sig_a(), kipc_take_signal(sig_a(), &si, 10000));
	EXPECT_EQ(4, si.si_value.sival_int);
}

TEST_F(msg_notify, realtime_signals_count_1000_messages)
{
	const int n = 1000;
	long long sum = 0, want = 0;
	int i, got = 0, status;
	struct kipc_msg m;
	siginfo_t si;
	pid_t pid;

	ASSERT_EQ(0, notify(self->fd, sig_a(), 0, 0));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		for (i = 1; i <= n; i++)
			if (kipc_msg_send(self->fd, i, NULL, 0, KIPC_NOWAIT))
				_exit(1);
		_exit(0);
	}
	/* Count while they arrive; each one is received as it is told. */
	while (got < n && kipc_take_signal(sig_a(), &si, 10000) == sig_a()) {
		EXPECT_EQ(0, kipc_msg_recv(self->fd, si.si_value.sival_int,
					   NULL, 0, TYPE_ONLY, &m));
		EXPECT_EQ(si.si_value.sival_int, m.mtype);
		sum += si.si_value.sival_int;
		got++;
	}
	for (i = 1; i <= n; i++)
		want += i;
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
	EXPECT_EQ(n, got);
	EXPECT_EQ(want, sum);
	EXPECT_EQ(-1, kipc_take_signal(sig_a(), &si, 100));
	EXPECT_EQ(0, kipc_proc("msg", MSG_NODE, "qnum"));
}

/* ------------------------- KIPC_NOTIFY against mq_notify(3), its twin */

/*
 * The same registration on a POSIX message queue (mq_notify() with
 * SIGEV_SIGNAL, the oracle), a kipc pipe and a kipc queue. Each variant
 * has a registrant file (fd) and a second file of the same object (snd)
 * for arrivals, kept open to the end: closing any descriptor of a POSIX
 * queue ends its owner's registration.
 */
enum twin { TWIN_MQ, TWIN_PIPE, TWIN_MSG };

struct twin_files {
	int fd, snd;
	char mq_name[64];
};

static int twin_open(enum twin kind, struct twin_files *t)
{
	struct mq_attr attr = { .mq_maxmsg = 8, .mq_msgsize = 16 };

	t->fd = -1;
	t->snd = -1;
	t->mq_name[0] = 0;
	switch (kind) {
	case TWIN_MQ:
		snprintf(t->mq_name, sizeof(t->mq_name), "/kipc-notify-%d",
			 getpid());
		mq_unlink(t->mq_name);
		t->fd = mq_open(t->mq_name, O_RDWR | O_CREAT | O_EXCL, 0600,
				&attr);
		t->snd = mq_open(t->mq_name, O_RDWR);
		break;
	case TWIN_PIPE:
		t->fd = kipc_open(NODE, O_RDWR | O_NONBLOCK);
		t->snd = kipc_open(NODE, O_RDWR | O_NONBLOCK);
		break;
	case TWIN_MSG:
		t->fd = open_node(MSG_NODE, O_RDWR, true);
		t->snd = kipc_open(MSG_NODE, O_RDWR);
		break;
	}
	kipc_block_signal(sig_a());
	return t->fd >= 0 && t->snd >= 0 ? 0 : -1;
}

static void twin_close(enum twin kind, struct twin_files *t)
{
	if (kind == TWIN_MSG && t->snd >= 0)
		ioctl(t->snd, KIPC_MSG_FLUSH);
	if (t->fd >= 0)
		close(t->fd);
	if (t->snd >= 0)
		close(t->snd);
	if (t->mq_name[0])
		mq_unlink(t->mq_name);
}

/* Register the calling process on @fd for sig_a(): 0 or -1. */
static int twin_register(enum twin kind, int fd)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL,
				.sigev_signo = sig_a() };

	if (kind == TWIN_MQ)
		return mq_notify(fd, &sev);
	return notify(fd, sig_a(), 0, 0);
}

/* The notifiers column of a kipc variant's node. */
static long long twin_notifiers(enum twin kind)
{
	return kind == TWIN_MSG ? kipc_proc("msg", MSG_NODE, "notifiers") :
				  kipc_proc("pipe", NODE, "notifiers");
}

/* One arrival through @snd: 0 or -1. */
static int twin_arrive(enum twin kind, int snd)
{
	switch (kind) {
	case TWIN_MQ:
		return mq_send(snd, "x", 1, 0);
	case TWIN_PIPE:
		return arrive(snd, false, 1);
	case TWIN_MSG:
		return arrive(snd, true, 1);
	}
	return -1;
}

/* ------------------------------------------------ a process, not a thread */

/*
 * The signal is process-directed, as mq_notify's: any thread that does not
 * block it may take it, and a thread waiting for it in sigtimedwait() does
 * not block it while it waits.
 */
FIXTURE(threads)
{
	struct twin_files t;
};

FIXTURE_VARIANT(threads)
{
	enum twin kind;
};

/* clang-format off */
FIXTURE_VARIANT_ADD(threads, mq_notify) {
	.kind = TWIN_MQ,
};

FIXTURE_VARIANT_ADD(threads, pipe) {
	.kind = TWIN_PIPE,
};

FIXTURE_VARIANT_ADD(threads, msg) {
	.kind = TWIN_MSG,
};

/* clang-format on */

FIXTURE_SETUP(threads)
{
	ASSERT_EQ(0, twin_open(variant->kind, &self->t));
}

FIXTURE_TEARDOWN(threads)
{
	kipc_reap_kids();
	twin_close(variant->kind, &self->t);
}

/*
 * Does thread @tid of @pid block @sig? 1 or 0 from its SigBlk line in
 * /proc, -1 if that cannot be read.
 */
static int thread_blocks(pid_t pid, pid_t tid, int sig)
{
	unsigned long long mask;
	char path[64], line[256];
	int ret = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", pid, tid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "SigBlk: %llx", &mask) == 1) {
			ret = !!(mask & (1ULL << (sig - 1)));
			break;
		}
	fclose(f);
	return ret;
}

/* The state letter of thread @tid of @pid (R, S, Z...), or 0. */
static char thread_state(pid_t pid, pid_t tid)
{
	char path[64], line[512], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	p = fgets(line, sizeof(line), f) ? strrchr(line, ')') : NULL;
	fclose(f);
	return p && p[1] == ' ' ? p[2] : 0;
}

struct waiter {
	int tid_pipe; /* the waiter's tid goes here */
};

/*
 * A helper thread: it tells its tid, then waits up to 10 s in
 * sigtimedwait() with sig_a() blocked, as every thread of the process has
 * it. The process exits 0 if the signal came with SI_MESGQ, else 1.
 */
static void *waiter_thread(void *arg)
{
	struct waiter *w = arg;
	pid_t tid = syscall(SYS_gettid);
	siginfo_t si;

	if (write(w->tid_pipe, &tid, sizeof(tid)) != sizeof(tid))
		_exit(2);
	if (kipc_take_signal(sig_a(), &si, 10000) != sig_a())
		_exit(1);
	_exit(si.si_code == SI_MESGQ ? 0 : 3);
}

/*
 * Fork a process that registers on @fd from its main thread, with sig_a()
 * blocked there, and starts waiter_thread(). With @main_exits its main
 * thread then calls pthread_exit(). Returns the pid; the waiter's tid is
 * in *@tid.
 */
static pid_t start_waiter(enum twin kind, int fd, bool main_exits, pid_t *tid)
{
	struct waiter w;
	pthread_t th;
	int p[2];
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = kipc_fork_kid();
	if (pid == 0) {
		close(p[0]);
		w.tid_pipe = p[1];
		kipc_block_signal(sig_a());
		if (twin_register(kind, fd) ||
		    pthread_create(&th, NULL, waiter_thread, &w))
			_exit(4);
		if (main_exits)
			pthread_exit(NULL);
		pthread_join(th, NULL);
		_exit(5);
	}
	close(p[1]);
	if (pid < 0 || kipc_keep_kid(pid) ||
	    !kipc_read_result(p[0], 10000, tid, sizeof(*tid)))
		pid = -1;
	close(p[0]);
	return pid;
}

TEST_F(threads, thread_in_sigtimedwait_takes_it)
{
	pid_t pid, tid;

	pid = start_waiter(variant->kind, self->t.fd, false, &tid);
	ASSERT_LT(0, pid);
	/* In sigtimedwait(), the waiter's mask lets sig_a() through. */
	ASSERT_EQ(0, kipc_wait_until(thread_blocks(pid, tid, sig_a()) == 0));
	ASSERT_EQ(1, thread_blocks(pid, pid, sig_a()));
	ASSERT_EQ(0, twin_arrive(variant->kind, self->t.snd));
	EXPECT_EQ(0, kipc_wait_exit(pid));
	kipc_forget_kid(pid);
}

TEST_F(threads, main_thread_gone_still_delivers)
{
	pid_t pid, tid;

	pid = start_waiter(variant->kind, self->t.fd, true, &tid);
	ASSERT_LT(0, pid);
	/* The main thread has exited: the thread group leader is a zombie. */
	ASSERT_EQ(0, kipc_wait_until(thread_state(pid, pid) == 'Z'));
	ASSERT_EQ(0, kipc_wait_until(thread_blocks(pid, tid, sig_a()) == 0));
	ASSERT_EQ(0, twin_arrive(variant->kind, self->t.snd));
	EXPECT_EQ(0, kipc_wait_exit(pid));
	kipc_forget_kid(pid);
}

/* ------------------------------------------- close by the registrant */

/*
 * A registration belongs to the process that made it, not to the open
 * file: it ends when that process closes a descriptor of the file (or
 * exits), even if another process still holds the file, as mq_notify's
 * (->flush, mqueue_flush_file()).
 */
FIXTURE(close_notify)
{
	struct twin_files t;
};

FIXTURE_VARIANT(close_notify)
{
	enum twin kind;
};

/* clang-format off */
FIXTURE_VARIANT_ADD(close_notify, mq_notify) {
	.kind = TWIN_MQ,
};

FIXTURE_VARIANT_ADD(close_notify, pipe) {
	.kind = TWIN_PIPE,
};

FIXTURE_VARIANT_ADD(close_notify, msg) {
	.kind = TWIN_MSG,
};

/* clang-format on */

FIXTURE_SETUP(close_notify)
{
	ASSERT_EQ(0, twin_open(variant->kind, &self->t));
	ASSERT_EQ(0, twin_register(variant->kind, self->t.fd));
}

FIXTURE_TEARDOWN(close_notify)
{
	kipc_reap_kids();
	twin_close(variant->kind, &self->t);
}

/* In a helper: wait until the test closes its end of @go (or dies). */
static void hold_until(int go)
{
	char c;

	while (read(go, &c, 1) < 0 && errno == EINTR)
		;
}

/*
 * Does an arrival through @snd signal us within @ms? 1, 0, or -1 if the
 * arrival failed.
 */
static int arrival_signals_us(enum twin kind, int snd, int ms)
{
	siginfo_t si;

	if (twin_arrive(kind, snd))
		return -1;
	return kipc_take_signal(sig_a(), &si, ms) == sig_a();
}

TEST_F(close_notify, registrant_close_ends_it_while_a_child_holds_the_file)
{
	int go[2], note;

	ASSERT_EQ(0, pipe(go));
	KIPC_CHILD(note, close(go[1]); hold_until(go[0]));
	close(go[0]);
	close(self->t.fd);
	self->t.fd = -1;
	EXPECT_EQ(0, arrival_signals_us(variant->kind, self->t.snd, 200));
	if (variant->kind != TWIN_MQ)
		EXPECT_EQ(0, twin_notifiers(variant->kind));
	close(go[1]);
	close(note);
}

/*
 * In a helper: take a file passed on @sock, say so with one byte, and
 * hold it until the test closes its end of @sock.
 */
static int receive_and_hold(int sock)
{
	if (kipc_recv_fd(sock) < 0 || write(sock, "r", 1) != 1)
		return -1;
	hold_until(sock);
	return 0;
}

TEST_F(close_notify, registrant_close_ends_it_after_scm_rights)
{
	int sv[2], note;
	char c;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	/* The helper has no copy of the file until it is passed to it. */
	KIPC_CHILD(note, close(sv[0]); close(self->t.fd);
		   r.ret = receive_and_hold(sv[1]));
	close(sv[1]);
	ASSERT_EQ(0, kipc_send_fd(sv[0], self->t.fd));
	ASSERT_EQ(1, read(sv[0], &c, 1));
	close(self->t.fd);
	self->t.fd = -1;
	EXPECT_EQ(0, arrival_signals_us(variant->kind, self->t.snd, 200));
	close(sv[0]);
	close(note);
}

TEST_F(close_notify, closing_a_dup_ends_it)
{
	int dup_fd = dup(self->t.fd);

	ASSERT_LE(0, dup_fd);
	close(dup_fd);
	EXPECT_EQ(0, arrival_signals_us(variant->kind, self->t.snd, 200));
}

TEST_F(close_notify, another_process_closing_its_copy_keeps_it)
{
	pid_t pid = kipc_fork_kid();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(self->t.fd);
		_exit(0);
	}
	ASSERT_EQ(0, kipc_wait_exit(pid));
	EXPECT_EQ(1, arrival_signals_us(variant->kind, self->t.snd, 10000));
}

/* ----------------------------------- fasync, against a kernel pipe(2) */

/*
 * The same arrival on three kinds of file: a kernel pipe (the oracle),
 * a kipc pipe and a kipc message queue. The siginfo of F_SETSIG fasync
 * must be the same on all three.
 */
FIXTURE(fasync)
{
	int rd, wr;
};

FIXTURE_VARIANT(fasync)
{
	const char *node; /* NULL: pipe(2) */
	bool msg;
};

/* clang-format off */
FIXTURE_VARIANT_ADD(fasync, kernel_pipe) {
	.node = NULL,
};

FIXTURE_VARIANT_ADD(fasync, kipc_pipe) {
	.node = NODE,
};

FIXTURE_VARIANT_ADD(fasync, kipc_msg) {
	.node = MSG_NODE,
	.msg = true,
};

/* clang-format on */

FIXTURE_SETUP(fasync)
{
	int p[2];

	if (!variant->node) {
		ASSERT_EQ(0, pipe2(p, O_NONBLOCK));
		self->rd = p[0];
		self->wr = p[1];
	} else {
		self->rd = kipc_open(variant->node, O_RDONLY | O_NONBLOCK);
		ASSERT_GE(self->rd, 0);
		self->wr = kipc_open(variant->node, O_WRONLY | O_NONBLOCK);
		ASSERT_GE(self->wr, 0);
		if (variant->msg)
			ASSERT_EQ(0, ioctl(self->wr, KIPC_MSG_FLUSH));
	}
	kipc_block_signal(sig_a());
	kipc_block_signal(SIGIO);
}

FIXTURE_TEARDOWN(fasync)
{
	if (variant->msg)
		ioctl(self->wr, KIPC_MSG_FLUSH);
	close(self->rd);
	close(self->wr);
}

static int set_async(int fd, int sig)
{
	if (fcntl(fd, F_SETOWN, getpid()) || (sig && fcntl(fd, F_SETSIG, sig)))
		return -1;
	return fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_ASYNC);
}

TEST_F(fasync, arrival_gives_poll_in_siginfo)
{
	siginfo_t si;

	ASSERT_EQ(0, set_async(self->rd, sig_a()));
	ASSERT_EQ(0, arrive(self->wr, variant->msg, 1));
	ASSERT_EQ(sig_a(), kipc_take_signal(sig_a(), &si, 10000));
	EXPECT_EQ(sig_a(), si.si_signo);
	EXPECT_EQ(POLL_IN, si.si_code);
	EXPECT_EQ(self->rd, si.si_fd);
	EXPECT_EQ(POLLIN | POLLRDNORM, si.si_band);
}

TEST_F(fasync, plain_sigio_without_setsig)
{
	siginfo_t si;

	ASSERT_EQ(0, set_async(self->rd, 0));
	ASSERT_EQ(0, arrive(self->wr, variant->msg, 1));
	EXPECT_EQ(SIGIO, kipc_take_signal(SIGIO, &si, 10000));
}

TEST_F(fasync, every_arrival_queues_a_signal)
{
	siginfo_t si;
	int i, got = 0;

	ASSERT_EQ(0, set_async(self->rd, sig_a()));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, arrive(self->wr, variant->msg, 1));
	while (kipc_take_signal(sig_a(), &si, 100) == sig_a())
		got++;
	EXPECT_EQ(3, got);
}

TEST_F(fasync, clearing_o_async_stops_signals)
{
	siginfo_t si;

	ASSERT_EQ(0, set_async(self->rd, sig_a()));
	ASSERT_EQ(0, fcntl(self->rd, F_SETFL,
			   fcntl(self->rd, F_GETFL) & ~O_ASYNC));
	ASSERT_EQ(0, arrive(self->wr, variant->msg, 1));
	EXPECT_EQ(-1, kipc_take_signal(sig_a(), &si, 100));
	EXPECT_EQ(EAGAIN, errno);
}

TEST_F(fasync, reader_is_not_told_of_space)
{
	char buf[64];
	siginfo_t si;

	/* POLL_OUT goes to writers; a reader's own read tells it nothing. */
	ASSERT_EQ(0, arrive(self->wr, variant->msg, 1));
	ASSERT_EQ(0, set_async(self->rd, sig_a()));
	ASSERT_LT(0, read(self->rd, buf, sizeof(buf)));
	EXPECT_EQ(-1, kipc_take_signal(sig_a(), &si, 100));
}

TEST_HARNESS_MAIN

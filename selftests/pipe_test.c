// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/kipc/pipeN against the kernel's own FIFO: every test of the `pipe`
 * fixture runs twice, on a mkfifo(3) FIFO (the oracle) and on
 * /dev/kipc/pipe0. The `kipc_pipe` fixture covers what a FIFO has no
 * counterpart for: the size ioctls' own errors, /proc/kipc/pipe, node mode.
 */

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>
#include <sys/time.h>

#include <linux/userfaultfd.h>

#include "kselftest_harness.h"
#include "kipc_test.h"

KIPC_REQUIRE_MODULE();

#define DEFAULT_SIZE 65536
#define NODE "pipe0"

struct op_result {
	ssize_t ret;
	int err;
};

static void on_signal(int sig)
{
	(void)sig;
}

/*
 * A SIGALRM that interrupts (no SA_RESTART) after @ms milliseconds, and
 * again every @ms until the test ends (0 stops it): on a loaded or debug
 * kernel the first one may come before the call it is meant for has
 * started to wait.
 */
static void alarm_ms(int ms)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct itimerval it = {
		.it_value = { .tv_sec = ms / 1000,
			      .tv_usec = (ms % 1000) * 1000 },
	};

	it.it_interval = it.it_value;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
}

static void set_blocking(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
}

static int get_size(bool kipc, int fd)
{
	__u32 size;

	if (!kipc)
		return fcntl(fd, F_GETPIPE_SZ);
	return ioctl(fd, KIPC_PIPE_GET_SIZE, &size) ? -1 : (int)size;
}

static int set_size(bool kipc, int fd, __u32 size)
{
	if (!kipc)
		return fcntl(fd, F_SETPIPE_SZ, size) < 0 ? -1 : 0;
	return ioctl(fd, KIPC_PIPE_SET_SIZE, &size);
}

static void pattern(char *buf, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (char)(seed + i * 7 + (i >> 8));
}

/* Fill the pipe with non-blocking writes; returns the bytes it took. */
static long fill(int wr)
{
	static char buf[4096];
	long total = 0;
	int flags = fcntl(wr, F_GETFL);
	ssize_t n;

	fcntl(wr, F_SETFL, flags | O_NONBLOCK);
	while ((n = write(wr, buf, sizeof(buf))) > 0)
		total += n;
	while ((n = write(wr, buf, 1)) > 0)
		total += n;
	fcntl(wr, F_SETFL, flags);
	return total;
}

FIXTURE(pipe)
{
	char path[PATH_MAX];
	int rd, wr;
};

/*
 * The kernel's pipe and kipc's, each named (a FIFO from mkfifo(3), the
 * node pipe0) and anonymous (pipe2(2), KIPC_CTL_PIPE): the same tests on
 * all four, but those that open the path, which an anonymous pipe has not.
 */
FIXTURE_VARIANT(pipe)
{
	bool kipc;
	bool anon;
};

/* clang-format off */
FIXTURE_VARIANT_ADD(pipe, fifo) {
	.kipc = false,
};

FIXTURE_VARIANT_ADD(pipe, kipc) {
	.kipc = true,
};

FIXTURE_VARIANT_ADD(pipe, pipe2) {
	.kipc = false,
	.anon = true,
};

FIXTURE_VARIANT_ADD(pipe, kipc_anon) {
	.kipc = true,
	.anon = true,
};

/* clang-format on */

FIXTURE_SETUP(pipe)
{
	self->rd = -1;
	self->wr = -1;
	if (variant->anon) {
		self->path[0] = 0;
	} else if (variant->kipc) {
		kipc_node_path(self->path, sizeof(self->path), NODE);
	} else {
		snprintf(self->path, sizeof(self->path), "/tmp/kipc-fifo-%d",
			 getpid());
		unlink(self->path);
		ASSERT_EQ(0, mkfifo(self->path, 0600));
	}
}

FIXTURE_TEARDOWN(pipe)
{
	int fd;

	alarm_ms(0);
	kipc_reap_kids();
	if (self->rd >= 0)
		close(self->rd);
	if (self->wr >= 0)
		close(self->wr);
	if (variant->anon) {
		/* Nothing outlives the pair. */
	} else if (variant->kipc) {
		fd = open(self->path, O_RDWR | O_NONBLOCK);
		EXPECT_EQ(0, set_size(true, fd, DEFAULT_SIZE));
		close(fd);
	} else {
		unlink(self->path);
	}
}

/*
 * Open a reader and a writer without blocking, both left in blocking mode;
 * of an anonymous variant, make a pair.
 */
static void open_pair(struct __test_metadata *_metadata,
		      FIXTURE_DATA(pipe) * self,
		      const FIXTURE_VARIANT(pipe) * variant)
{
	int fd[2];

	if (variant->anon) {
		ASSERT_EQ(0, kipc_make_pipe(variant->kipc, fd, O_CLOEXEC));
		self->rd = fd[0];
		self->wr = fd[1];
		return;
	}
	self->rd = open(self->path, O_RDONLY | O_NONBLOCK);
	ASSERT_GE(self->rd, 0);
	self->wr = open(self->path, O_WRONLY | O_NONBLOCK);
	ASSERT_GE(self->wr, 0);
	set_blocking(self->rd);
	set_blocking(self->wr);
}

/* Tests that open the path: an anonymous pipe has none. */
#define NEEDS_PATH()                                                           \
	do {                                                                   \
		if (variant->anon)                                             \
			SKIP(return, "an anonymous pipe has no path to open"); \
	} while (0)

/* ----------------------------------------------------------- open rules */

TEST_F(pipe, open_rdonly_nonblock_succeeds)
{
	NEEDS_PATH();
	self->rd = open(self->path, O_RDONLY | O_NONBLOCK);
	EXPECT_GE(self->rd, 0);
}

TEST_F(pipe, open_wronly_nonblock_without_reader_enxio)
{
	NEEDS_PATH();
	EXPECT_EQ(-1, open(self->path, O_WRONLY | O_NONBLOCK));
	EXPECT_EQ(ENXIO, errno);
}

TEST_F(pipe, open_rdwr_never_blocks)
{
	NEEDS_PATH();
	self->rd = open(self->path, O_RDWR);
	EXPECT_GE(self->rd, 0);
}

TEST_F(pipe, open_rdonly_blocks_until_writer)
{
	struct op_result r;
	int note, fd;
	pid_t pid;

	NEEDS_PATH();
	KIPC_CHILD_OP(pid, note, open(self->path, O_RDONLY));
	EXPECT_EQ(0, kipc_op_done(note, 200, &r));
	fd = open(self->path, O_WRONLY);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	EXPECT_GE(r.ret, 0);
	waitpid(pid, NULL, 0);
	close(fd);
}

TEST_F(pipe, open_wronly_blocks_until_reader)
{
	struct op_result r;
	int note, fd;
	pid_t pid;

	NEEDS_PATH();
	KIPC_CHILD_OP(pid, note, open(self->path, O_WRONLY));
	EXPECT_EQ(0, kipc_op_done(note, 200, &r));
	fd = open(self->path, O_RDONLY);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	EXPECT_GE(r.ret, 0);
	waitpid(pid, NULL, 0);
	close(fd);
}

TEST_F(pipe, open_interrupted_by_signal_eintr)
{
	NEEDS_PATH();
	alarm_ms(50);
	EXPECT_EQ(-1, open(self->path, O_RDONLY));
	EXPECT_EQ(EINTR, errno);
}

TEST_F(pipe, interrupted_open_leaves_no_reader)
{
	NEEDS_PATH();
	alarm_ms(50);
	ASSERT_EQ(-1, open(self->path, O_RDONLY));
	/* The aborted reader is gone: a non-blocking writer finds none. */
	EXPECT_EQ(-1, open(self->path, O_WRONLY | O_NONBLOCK));
	EXPECT_EQ(ENXIO, errno);
}

/* ----------------------------------------------------------------- read */

TEST_F(pipe, read_empty_nonblock_eagain)
{
	char c;

	open_pair(_metadata, self, variant);
	fcntl(self->rd, F_SETFL, O_NONBLOCK);
	EXPECT_EQ(-1, read(self->rd, &c, 1));
	EXPECT_EQ(EAGAIN, errno);
}

TEST_F(pipe, read_empty_without_writer_is_eof)
{
	char c;

	NEEDS_PATH();
	self->rd = open(self->path, O_RDONLY | O_NONBLOCK);
	ASSERT_GE(self->rd, 0);
	EXPECT_EQ(0, read(self->rd, &c, 1));
}

TEST_F(pipe, read_drains_then_eof_after_last_writer)
{
	char buf[8];

	open_pair(_metadata, self, variant);
	ASSERT_EQ(3, write(self->wr, "abc", 3));
	close(self->wr);
	self->wr = -1;
	EXPECT_EQ(3, read(self->rd, buf, sizeof(buf)));
	EXPECT_EQ(0, read(self->rd, buf, sizeof(buf)));
}

TEST_F(pipe, read_returns_what_is_there)
{
	char buf[100];

	open_pair(_metadata, self, variant);
	ASSERT_EQ(10, write(self->wr, "0123456789", 10));
	EXPECT_EQ(10, read(self->rd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "0123456789", 10));
}

TEST_F(pipe, read_blocks_until_data)
{
	struct op_result r;
	char c = 0;
	int note;
	pid_t pid;

	open_pair(_metadata, self, variant);
	KIPC_CHILD_OP(pid, note,
		      read(self->rd, &c, 1) == 1 && c == 'z' ? 1 : -1);
	EXPECT_EQ(0, kipc_op_done(note, 200, &r));
	ASSERT_EQ(1, write(self->wr, "z", 1));
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	EXPECT_EQ(1, r.ret);
	waitpid(pid, NULL, 0);
}

TEST_F(pipe, read_blocked_wakes_on_last_writer_close)
{
	struct op_result r;
	char c;
	int note;
	pid_t pid;

	open_pair(_metadata, self, variant);
	KIPC_CHILD_OP(pid, note, (close(self->wr), read(self->rd, &c, 1)));
	EXPECT_EQ(0, kipc_op_done(note, 200, &r));
	close(self->wr);
	self->wr = -1;
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	EXPECT_EQ(0, r.ret);
	waitpid(pid, NULL, 0);
}

TEST_F(pipe, read_interrupted_eintr)
{
	char c;

	open_pair(_metadata, self, variant);
	alarm_ms(50);
	EXPECT_EQ(-1, read(self->rd, &c, 1));
	EXPECT_EQ(EINTR, errno);
}

TEST_F(pipe, read_bad_pointer_efault_keeps_data)
{
	char buf[3];

	open_pair(_metadata, self, variant);
	ASSERT_EQ(3, write(self->wr, "abc", 3));
	EXPECT_EQ(-1, read(self->rd, kipc_bad_ptr(), 3));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(3, read(self->rd, buf, 3));
	EXPECT_EQ(0, memcmp(buf, "abc", 3));
}

/* ---------------------------------------------------------------- write */

TEST_F(pipe, write_without_reader_epipe)
{
	open_pair(_metadata, self, variant);
	kipc_block_signal(SIGPIPE);
	close(self->rd);
	self->rd = -1;
	EXPECT_EQ(-1, write(self->wr, "x", 1));
	EXPECT_EQ(EPIPE, errno);
}

TEST_F(pipe, write_without_reader_raises_sigpipe)
{
	siginfo_t si;

	open_pair(_metadata, self, variant);
	kipc_block_signal(SIGPIPE);
	close(self->rd);
	self->rd = -1;
	ASSERT_EQ(-1, write(self->wr, "x", 1));
	EXPECT_EQ(SIGPIPE, kipc_take_signal(SIGPIPE, &si, 0));
}

TEST_F(pipe, zero_length_write_without_reader_returns_zero)
{
	open_pair(_metadata, self, variant);
	close(self->rd);
	self->rd = -1;
	EXPECT_EQ(0, write(self->wr, "", 0));
}

TEST_F(pipe, capacity_is_default_size)
{
	open_pair(_metadata, self, variant);
	EXPECT_EQ(DEFAULT_SIZE, fill(self->wr));
}

TEST_F(pipe, write_full_nonblock_eagain)
{
	open_pair(_metadata, self, variant);
	fill(self->wr);
	fcntl(self->wr, F_SETFL, O_NONBLOCK);
	EXPECT_EQ(-1, write(self->wr, "x", 1));
	EXPECT_EQ(EAGAIN, errno);
}

TEST_F(pipe, atomic_write_nonblock_short_room_eagain)
{
	static char buf[4096];

	open_pair(_metadata, self, variant);
	fcntl(self->wr, F_SETFL, O_NONBLOCK);
	while (write(self->wr, buf, sizeof(buf)) > 0)
		;
	ASSERT_EQ(100, read(self->rd, buf, 100));
	/* PIPE_BUF bytes are never split: nothing is written. */
	EXPECT_EQ(-1, write(self->wr, buf, sizeof(buf)));
	EXPECT_EQ(EAGAIN, errno);
}

TEST_F(pipe, large_write_nonblock_is_partial)
{
	static char buf[100000];

	open_pair(_metadata, self, variant);
	fcntl(self->wr, F_SETFL, O_NONBLOCK);
	EXPECT_EQ(DEFAULT_SIZE, write(self->wr, buf, sizeof(buf)));
}

TEST_F(pipe, write_blocks_while_full)
{
	struct op_result r;
	char buf[4096];
	int note;
	pid_t pid;

	open_pair(_metadata, self, variant);
	fill(self->wr);
	KIPC_CHILD_OP(pid, note, write(self->wr, "y", 1));
	EXPECT_EQ(0, kipc_op_done(note, 200, &r));
	ASSERT_EQ(sizeof(buf), read(self->rd, buf, sizeof(buf)));
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	EXPECT_EQ(1, r.ret);
	waitpid(pid, NULL, 0);
}

TEST_F(pipe, blocked_writer_gets_epipe_when_reader_goes)
{
	struct op_result r;
	int note;
	pid_t pid;

	open_pair(_metadata, self, variant);
	fill(self->wr);
	KIPC_CHILD_OP(pid, note,
		      (close(self->rd), signal(SIGPIPE, SIG_IGN),
		       write(self->wr, "y", 1)));
	EXPECT_EQ(0, kipc_op_done(note, 200, &r));
	close(self->rd);
	self->rd = -1;
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	EXPECT_EQ(-1, r.ret);
	EXPECT_EQ(EPIPE, r.err);
	waitpid(pid, NULL, 0);
}

TEST_F(pipe, signal_after_progress_returns_partial_count)
{
	static char buf[200000];

	open_pair(_metadata, self, variant);
	alarm_ms(200);
	EXPECT_EQ(DEFAULT_SIZE, write(self->wr, buf, sizeof(buf)));
}

TEST_F(pipe, signal_before_progress_eintr)
{
	open_pair(_metadata, self, variant);
	fill(self->wr);
	alarm_ms(50);
	EXPECT_EQ(-1, write(self->wr, "x", 1));
	EXPECT_EQ(EINTR, errno);
}

TEST_F(pipe, write_bad_pointer_efault_buffers_nothing)
{
	int n = -1;

	open_pair(_metadata, self, variant);
	EXPECT_EQ(-1, write(self->wr, kipc_bad_ptr(), 10));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0, ioctl(self->rd, FIONREAD, &n));
	EXPECT_EQ(0, n);
}

TEST_F(pipe, data_discarded_on_last_close)
{
	int n = -1;

	NEEDS_PATH();
	open_pair(_metadata, self, variant);
	ASSERT_EQ(5, write(self->wr, "hello", 5));
	close(self->rd);
	close(self->wr);
	open_pair(_metadata, self, variant);
	EXPECT_EQ(0, ioctl(self->rd, FIONREAD, &n));
	EXPECT_EQ(0, n);
}

/* ----------------------------------------------------------- poll/epoll */

static short poll_one(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };

	return poll(&p, 1, 0) == 1 ? p.revents : 0;
}

TEST_F(pipe, poll_empty_reader_has_no_events)
{
	open_pair(_metadata, self, variant);
	EXPECT_EQ(0, poll_one(self->rd, POLLIN));
}

TEST_F(pipe, poll_data_is_pollin)
{
	open_pair(_metadata, self, variant);
	ASSERT_EQ(1, write(self->wr, "x", 1));
	EXPECT_EQ(POLLIN, poll_one(self->rd, POLLIN));
}

TEST_F(pipe, poll_empty_writer_is_pollout)
{
	open_pair(_metadata, self, variant);
	EXPECT_EQ(POLLOUT, poll_one(self->wr, POLLOUT));
}

TEST_F(pipe, poll_full_writer_has_no_pollout)
{
	open_pair(_metadata, self, variant);
	fill(self->wr);
	EXPECT_EQ(0, poll_one(self->wr, POLLOUT));
}

TEST_F(pipe, poll_pollhup_after_last_writer)
{
	open_pair(_metadata, self, variant);
	close(self->wr);
	self->wr = -1;
	EXPECT_EQ(POLLHUP, poll_one(self->rd, POLLIN));
}

TEST_F(pipe, poll_no_pollhup_before_any_writer)
{
	NEEDS_PATH();
	self->rd = open(self->path, O_RDONLY | O_NONBLOCK);
	ASSERT_GE(self->rd, 0);
	EXPECT_EQ(0, poll_one(self->rd, POLLIN));
}

TEST_F(pipe, poll_pollerr_after_last_reader)
{
	open_pair(_metadata, self, variant);
	close(self->rd);
	self->rd = -1;
	EXPECT_EQ(POLLOUT | POLLERR, poll_one(self->wr, POLLOUT));
}

TEST_F(pipe, poll_wakes_blocked_poller)
{
	struct op_result r;
	struct pollfd p;
	int note;
	pid_t pid;

	open_pair(_metadata, self, variant);
	p = (struct pollfd){ .fd = self->rd, .events = POLLIN };
	KIPC_CHILD_OP(pid, note, poll(&p, 1, 20000) == 1 ? p.revents : -1);
	EXPECT_EQ(0, kipc_op_done(note, 200, &r));
	ASSERT_EQ(1, write(self->wr, "x", 1));
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	EXPECT_EQ(POLLIN, r.ret);
	waitpid(pid, NULL, 0);
}

TEST_F(pipe, epollet_reports_each_arrival_once)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET }, out[4];
	int ep = epoll_create1(EPOLL_CLOEXEC);

	open_pair(_metadata, self, variant);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->rd, &ev));
	ASSERT_EQ(1, write(self->wr, "a", 1));
	EXPECT_EQ(1, epoll_wait(ep, out, 4, 10000));
	EXPECT_EQ(0, epoll_wait(ep, out, 4, 0));
	ASSERT_EQ(1, write(self->wr, "b", 1));
	EXPECT_EQ(1, epoll_wait(ep, out, 4, 10000));
	close(ep);
}

TEST_F(pipe, epollet_pollout_after_drain)
{
	struct epoll_event ev = { .events = EPOLLOUT | EPOLLET }, out[4];
	int ep = epoll_create1(EPOLL_CLOEXEC);
	static char buf[DEFAULT_SIZE];

	open_pair(_metadata, self, variant);
	fill(self->wr);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->wr, &ev));
	EXPECT_EQ(0, epoll_wait(ep, out, 4, 0));
	ASSERT_EQ(DEFAULT_SIZE, read(self->rd, buf, sizeof(buf)));
	ASSERT_EQ(1, epoll_wait(ep, out, 4, 10000));
	EXPECT_EQ(EPOLLOUT, out[0].events);
	close(ep);
}

/* ----------------------------------------------- ioctl, seek and fasync */

TEST_F(pipe, fionread_counts_buffered_bytes)
{
	static char buf[1234];
	int n = -1;

	open_pair(_metadata, self, variant);
	ASSERT_EQ(sizeof(buf), write(self->wr, buf, sizeof(buf)));
	EXPECT_EQ(0, ioctl(self->rd, FIONREAD, &n));
	EXPECT_EQ(sizeof(buf), n);
}

TEST_F(pipe, unknown_ioctl_enotty)
{
	open_pair(_metadata, self, variant);
	EXPECT_EQ(-1, ioctl(self->rd, _IO(KIPC_IOC_MAGIC, 0x7f)));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_F(pipe, lseek_espipe)
{
	open_pair(_metadata, self, variant);
	EXPECT_EQ(-1, lseek(self->rd, 0, SEEK_SET));
	EXPECT_EQ(ESPIPE, errno);
}

TEST_F(pipe, pread_espipe)
{
	char c;

	open_pair(_metadata, self, variant);
	ASSERT_EQ(1, write(self->wr, "x", 1));
	EXPECT_EQ(-1, pread(self->rd, &c, 1, 0));
	EXPECT_EQ(ESPIPE, errno);
}

TEST_F(pipe, pwrite_espipe)
{
	open_pair(_metadata, self, variant);
	EXPECT_EQ(-1, pwrite(self->wr, "x", 1, 0));
	EXPECT_EQ(ESPIPE, errno);
}

TEST_F(pipe, fasync_sigio_on_arrival)
{
	siginfo_t si;

	open_pair(_metadata, self, variant);
	kipc_block_signal(SIGIO);
	ASSERT_EQ(0, fcntl(self->rd, F_SETOWN, getpid()));
	ASSERT_EQ(0,
		  fcntl(self->rd, F_SETFL, fcntl(self->rd, F_GETFL) | O_ASYNC));
	ASSERT_EQ(1, write(self->wr, "x", 1));
	EXPECT_EQ(SIGIO, kipc_take_signal(SIGIO, &si, 10000));
}

TEST_F(pipe, fasync_setsig_poll_in_to_reader)
{
	int sig = SIGRTMIN + 1;
	siginfo_t si;

	open_pair(_metadata, self, variant);
	kipc_block_signal(sig);
	ASSERT_EQ(0, fcntl(self->rd, F_SETOWN, getpid()));
	ASSERT_EQ(0, fcntl(self->rd, F_SETSIG, sig));
	ASSERT_EQ(0,
		  fcntl(self->rd, F_SETFL, fcntl(self->rd, F_GETFL) | O_ASYNC));
	ASSERT_EQ(1, write(self->wr, "x", 1));
	ASSERT_EQ(sig, kipc_take_signal(sig, &si, 10000));
	EXPECT_EQ(POLL_IN, si.si_code);
	EXPECT_EQ(self->rd, si.si_fd);
	EXPECT_TRUE(si.si_band & POLLIN);
}

TEST_F(pipe, fasync_setsig_poll_out_to_writer)
{
	int sig = SIGRTMIN + 2;
	char buf[4096];
	siginfo_t si;

	open_pair(_metadata, self, variant);
	fill(self->wr);
	kipc_block_signal(sig);
	ASSERT_EQ(0, fcntl(self->wr, F_SETOWN, getpid()));
	ASSERT_EQ(0, fcntl(self->wr, F_SETSIG, sig));
	ASSERT_EQ(0,
		  fcntl(self->wr, F_SETFL, fcntl(self->wr, F_GETFL) | O_ASYNC));
	ASSERT_EQ(sizeof(buf), read(self->rd, buf, sizeof(buf)));
	ASSERT_EQ(sig, kipc_take_signal(sig, &si, 10000));
	EXPECT_EQ(POLL_OUT, si.si_code);
	EXPECT_EQ(self->wr, si.si_fd);
	EXPECT_TRUE(si.si_band & POLLOUT);
}

/* ------------------------------------------------- splice and sendfile */

/* A temporary file holding @len bytes of @text, its offset at 0; or -1. */
static int file_with(const char *text, size_t len)
{
	int fd = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (fd >= 0 &&
	    (write(fd, text, len) != (ssize_t)len || lseek(fd, 0, SEEK_SET))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Does one read of @fd give exactly @text? */
static bool reads_back(int fd, const char *text)
{
	size_t len = strlen(text);
	char buf[64];

	return read(fd, buf, sizeof(buf)) == (ssize_t)len &&
	       !memcmp(buf, text, len);
}

TEST_F(pipe, splice_from_a_pipe_into_it)
{
	int p[2];

	open_pair(_metadata, self, variant);
	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(5, write(p[1], "hello", 5));
	EXPECT_EQ(5, splice(p[0], NULL, self->wr, NULL, 5, 0));
	EXPECT_TRUE(reads_back(self->rd, "hello"));
	close(p[0]);
	close(p[1]);
}

TEST_F(pipe, splice_out_of_it_into_a_pipe)
{
	int p[2];

	open_pair(_metadata, self, variant);
	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(5, write(self->wr, "world", 5));
	EXPECT_EQ(5, splice(self->rd, NULL, p[1], NULL, 100, 0));
	EXPECT_TRUE(reads_back(p[0], "world"));
	close(p[0]);
	close(p[1]);
}

TEST_F(pipe, splice_without_reader_epipe)
{
	int p[2];

	open_pair(_metadata, self, variant);
	kipc_block_signal(SIGPIPE);
	close(self->rd);
	self->rd = -1;
	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(1, write(p[1], "x", 1));
	EXPECT_EQ(-1, splice(p[0], NULL, self->wr, NULL, 1, 0));
	EXPECT_EQ(EPIPE, errno);
	close(p[0]);
	close(p[1]);
}

TEST_F(pipe, splice_out_of_it_at_eof_returns_zero)
{
	int p[2];

	NEEDS_PATH();
	self->rd = open(self->path, O_RDONLY | O_NONBLOCK);
	ASSERT_GE(self->rd, 0);
	ASSERT_EQ(0, pipe(p));
	EXPECT_EQ(0, splice(self->rd, NULL, p[1], NULL, 100, 0));
	close(p[0]);
	close(p[1]);
}

TEST_F(pipe, sendfile_from_a_file_into_it)
{
	int f = file_with("0123456789", 10);

	ASSERT_LE(0, f);
	open_pair(_metadata, self, variant);
	EXPECT_EQ(10, sendfile(self->wr, f, NULL, 10));
	EXPECT_TRUE(reads_back(self->rd, "0123456789"));
	close(f);
}

/*
 * Send the @len bytes of file @f to @out, in as many calls as it takes
 * (into a FIFO, one call moves at most what fits): 0 or -1.
 */
static int sendfile_all(int out, int f, size_t len)
{
	ssize_t n;

	for (; len; len -= n) {
		n = sendfile(out, f, NULL, len);
		if (n <= 0)
			return -1;
	}
	return 0;
}

/* 256 KiB through a 64 KiB ring: sendfile waits for room, as write does. */
TEST_F(pipe, sendfile_larger_than_the_ring)
{
	static char in[256 << 10], out[256 << 10];
	size_t got = 0;
	ssize_t n;
	pid_t pid;
	int f;

	pattern(in, sizeof(in), 5);
	f = file_with(in, sizeof(in));
	ASSERT_LE(0, f);
	open_pair(_metadata, self, variant);
	pid = kipc_fork_kid();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(sendfile_all(self->wr, f, sizeof(in)) ? 1 : 0);
	ASSERT_EQ(0, kipc_keep_kid(pid));
	close(self->wr);
	self->wr = -1;
	while (got < sizeof(out) &&
	       (n = read(self->rd, out + got, sizeof(out) - got)) > 0)
		got += n;
	EXPECT_EQ(sizeof(out), got);
	EXPECT_EQ(0, memcmp(in, out, sizeof(in)));
	EXPECT_EQ(0, kipc_wait_exit(pid));
	kipc_forget_kid(pid);
	close(f);
}

/*
 * sendfile(2) into anything but a pipe needs a source it can seek (a
 * regular file or block device), which neither a FIFO nor a kipc pipe is.
 */
TEST_F(pipe, sendfile_out_of_it_into_a_file_einval)
{
	int f = file_with("", 0);

	ASSERT_LE(0, f);
	open_pair(_metadata, self, variant);
	ASSERT_EQ(5, write(self->wr, "abcde", 5));
	EXPECT_EQ(-1, sendfile(f, self->rd, NULL, 5));
	EXPECT_EQ(EINVAL, errno);
	close(f);
}

/* ------------------------------------------------------------ ring size */

TEST_F(pipe, size_default)
{
	open_pair(_metadata, self, variant);
	EXPECT_EQ(DEFAULT_SIZE, get_size(variant->kipc, self->rd));
}

TEST_F(pipe, set_size_rounds_up_to_power_of_two)
{
	open_pair(_metadata, self, variant);
	ASSERT_EQ(0, set_size(variant->kipc, self->rd, 5000));
	EXPECT_EQ(8192, get_size(variant->kipc, self->rd));
}

TEST_F(pipe, set_size_at_least_a_page)
{
	open_pair(_metadata, self, variant);
	ASSERT_EQ(0, set_size(variant->kipc, self->rd, 1));
	EXPECT_EQ(getpagesize(), get_size(variant->kipc, self->rd));
}

TEST_F(pipe, set_size_is_the_capacity)
{
	open_pair(_metadata, self, variant);
	ASSERT_EQ(0, set_size(variant->kipc, self->wr, 16384));
	EXPECT_EQ(16384, fill(self->wr));
}

TEST_F(pipe, set_size_below_buffered_ebusy)
{
	static char buf[10000];

	open_pair(_metadata, self, variant);
	ASSERT_EQ(sizeof(buf), write(self->wr, buf, sizeof(buf)));
	EXPECT_EQ(-1, set_size(variant->kipc, self->rd, 4096));
	EXPECT_EQ(EBUSY, errno);
}

TEST_F(pipe, set_size_over_2g_einval)
{
	open_pair(_metadata, self, variant);
	EXPECT_EQ(-1, set_size(variant->kipc, self->rd, (1U << 31) + 1));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(pipe, set_size_above_max_unprivileged_eperm)
{
	struct op_result r;
	int note;
	pid_t pid;

	open_pair(_metadata, self, variant);
	KIPC_CHILD_OP(pid, note,
		      kipc_drop_privileges() ?
			      -2 :
			      set_size(variant->kipc, self->rd, 2 << 20));
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	EXPECT_EQ(-1, r.ret);
	EXPECT_EQ(EPERM, r.err);
	waitpid(pid, NULL, 0);
}

TEST_F(pipe, set_size_above_max_with_cap_sys_resource)
{
	open_pair(_metadata, self, variant);
	ASSERT_EQ(0, set_size(variant->kipc, self->rd, 2 << 20));
	EXPECT_EQ(2 << 20, get_size(variant->kipc, self->rd));
}

/*
 * A ring that root made larger than pipe_max_size may be made smaller, or
 * set to its size again, by anyone (fs/pipe.c checks the limit only when
 * the ring grows); growing it further still needs CAP_SYS_RESOURCE.
 * Root sets the ring to @from, then an unprivileged helper asks for @to;
 * what it got back is in *@r.
 */
static void resize_after_root(struct __test_metadata *_metadata,
			      FIXTURE_DATA(pipe) * self,
			      const FIXTURE_VARIANT(pipe) * variant, __u32 from,
			      __u32 to, struct op_result *r)
{
	bool kipc = variant->kipc;
	int note;
	pid_t pid;

	open_pair(_metadata, self, variant);
	ASSERT_EQ(0, set_size(kipc, self->rd, from));
	KIPC_CHILD_OP(pid, note,
		      kipc_drop_privileges() ? -2 :
					       set_size(kipc, self->rd, to));
	ASSERT_EQ(1, kipc_op_done(note, 10000, r));
	waitpid(pid, NULL, 0);
	kipc_forget_kid(pid);
	close(note);
}

TEST_F(pipe, shrink_above_max_unprivileged_allowed)
{
	struct op_result r;

	resize_after_root(_metadata, self, variant, 4 << 20, 2 << 20, &r);
	EXPECT_EQ(0, r.ret);
	EXPECT_EQ(2 << 20, get_size(variant->kipc, self->rd));
}

TEST_F(pipe, same_size_above_max_unprivileged_allowed)
{
	struct op_result r;

	resize_after_root(_metadata, self, variant, 2 << 20, 2 << 20, &r);
	EXPECT_EQ(0, r.ret);
	EXPECT_EQ(2 << 20, get_size(variant->kipc, self->rd));
}

TEST_F(pipe, grow_from_above_max_unprivileged_eperm)
{
	struct op_result r;

	resize_after_root(_metadata, self, variant, 2 << 20, 4 << 20, &r);
	EXPECT_EQ(-1, r.ret);
	EXPECT_EQ(EPERM, r.err);
	EXPECT_EQ(2 << 20, get_size(variant->kipc, self->rd));
}

TEST_F(pipe, grow_keeps_data)
{
	static char in[10000], out[10000];

	open_pair(_metadata, self, variant);
	ASSERT_EQ(100, write(self->wr, in, 100));
	ASSERT_EQ(100, read(self->rd, out, 100));
	pattern(in, sizeof(in), 1);
	ASSERT_EQ(sizeof(in), write(self->wr, in, sizeof(in)));
	ASSERT_EQ(0, set_size(variant->kipc, self->rd, 1 << 20));
	ASSERT_EQ(sizeof(out), read(self->rd, out, sizeof(out)));
	EXPECT_EQ(0, memcmp(in, out, sizeof(in)));
}

/* A full ring whose data wraps inside one page: that page holds both ends. */
TEST_F(pipe, grow_full_wrapped_ring_keeps_data)
{
	static char in[DEFAULT_SIZE], out[DEFAULT_SIZE];

	open_pair(_metadata, self, variant);
	ASSERT_EQ(100, write(self->wr, in, 100));
	ASSERT_EQ(100, read(self->rd, out, 100));
	pattern(in, sizeof(in), 3);
	ASSERT_EQ(sizeof(in), write(self->wr, in, sizeof(in)));
	ASSERT_EQ(0, set_size(variant->kipc, self->rd, 1 << 20));
	ASSERT_EQ(sizeof(out), read(self->rd, out, sizeof(out)));
	EXPECT_EQ(0, memcmp(in, out, sizeof(in)));
}

TEST_F(pipe, shrink_keeps_data)
{
	static char in[8192], out[8192];

	open_pair(_metadata, self, variant);
	ASSERT_EQ(0, set_size(variant->kipc, self->rd, 16384));
	ASSERT_EQ(100, write(self->wr, in, 100));
	ASSERT_EQ(100, read(self->rd, out, 100));
	pattern(in, sizeof(in), 2);
	ASSERT_EQ(sizeof(in), write(self->wr, in, sizeof(in)));
	ASSERT_EQ(0, set_size(variant->kipc, self->rd, 8192));
	ASSERT_EQ(sizeof(out), read(self->rd, out, sizeof(out)));
	EXPECT_EQ(0, memcmp(in, out, sizeof(in)));
}

/* --------------------------------------------------------- concurrency */

#define WRITERS 4
#define READERS 2
#define RECORDS 2000

struct record {
	uint32_t writer;
	uint32_t seq;
	uint32_t sum;
	char payload[PIPE_BUF - 12];
};

static uint32_t record_sum(const struct record *rec)
{
	uint32_t sum = rec->writer * 31 + rec->seq;
	size_t i;

	for (i = 0; i < sizeof(rec->payload); i += 64)
		sum = sum * 33 + (unsigned char)rec->payload[i];
	return sum;
}

/*
 * WRITERS processes send sequence-numbered PIPE_BUF records, READERS
 * processes read them in PIPE_BUF reads: every record must arrive exactly
 * once, whole (atomic writes are never interleaved), and each writer's
 * records in order as seen by any one reader.
 */
TEST_F_TIMEOUT(pipe, pipe_buf_records_never_interleave, 240)
{
	uint8_t *seen = mmap(NULL, WRITERS * RECORDS, PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int *bad = mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t pids[WRITERS + READERS];
	int i, status, total = 0;

	ASSERT_NE(MAP_FAILED, seen);
	ASSERT_NE(MAP_FAILED, bad);
	memset(seen, 0, WRITERS * RECORDS);
	*bad = 0;
	open_pair(_metadata, self, variant);

	for (i = 0; i < WRITERS + READERS; i++) {
		pids[i] = fork();
		ASSERT_GE(pids[i], 0);
		if (pids[i])
			continue;
		if (i < WRITERS) {
			struct record rec;
			uint32_t seq;

			close(self->rd);
			for (seq = 0; seq < RECORDS; seq++) {
				rec.writer = i;
				rec.seq = seq;
				pattern(rec.payload, sizeof(rec.payload),
					i * RECORDS + seq);
				rec.sum = record_sum(&rec);
				if (write(self->wr, &rec, sizeof(rec)) !=
				    sizeof(rec))
					_exit(1);
			}
		} else {
			int64_t last[WRITERS];
			struct record rec;
			ssize_t n;

			close(self->wr);
			memset(last, -1, sizeof(last));
			while ((n = read(self->rd, &rec, sizeof(rec))) > 0) {
				if (n != sizeof(rec) || rec.writer >= WRITERS ||
				    rec.seq >= RECORDS ||
				    rec.sum != record_sum(&rec) ||
				    (int64_t)rec.seq <= last[rec.writer]) {
					__atomic_add_fetch(bad, 1,
							   __ATOMIC_SEQ_CST);
					continue;
				}
				last[rec.writer] = rec.seq;
				n = rec.writer * RECORDS + rec.seq;
				__atomic_add_fetch(&seen[n], 1,
						   __ATOMIC_SEQ_CST);
			}
		}
		_exit(0);
	}
	close(self->rd);
	close(self->wr);
	self->rd = -1;
	self->wr = -1;
	for (i = 0; i < WRITERS + READERS; i++) {
		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
		EXPECT_EQ(0, status);
	}
	EXPECT_EQ(0, *bad);
	for (i = 0; i < WRITERS * RECORDS; i++) {
		EXPECT_EQ(1, seen[i]);
		total += seen[i];
	}
	EXPECT_EQ(WRITERS * RECORDS, total);
}

static uint64_t fnv1a(uint64_t h, const unsigned char *p, size_t n)
{
	while (n--)
		h = (h ^ *p++) * 0x100000001b3ULL;
	return h;
}

/* 256 MiB from one process to another; both ends' checksums agree. */
TEST_F_TIMEOUT(pipe, transfer_256mib_checksum, 280)
{
	const size_t total = 256UL << 20, chunk = 65536;
	static unsigned char buf[65536];
	uint64_t h = 0xcbf29ce484222325ULL, hw;
	int sums[2];
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	ASSERT_EQ(0, pipe(sums));
	open_pair(_metadata, self, variant);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		uint64_t hc = 0xcbf29ce484222325ULL;
		size_t sent;

		close(self->rd);
		for (sent = 0; sent < total; sent += chunk) {
			pattern((char *)buf, chunk, sent / chunk);
			hc = fnv1a(hc, buf, chunk);
			if (write(self->wr, buf, chunk) != (ssize_t)chunk)
				_exit(1);
		}
		if (write(sums[1], &hc, sizeof(hc)) != sizeof(hc))
			_exit(1);
		_exit(0);
	}
	close(self->wr);
	self->wr = -1;
	while ((n = read(self->rd, buf, sizeof(buf))) > 0) {
		h = fnv1a(h, buf, n);
		got += n;
	}
	EXPECT_EQ(0, n);
	EXPECT_EQ(total, got);
	ASSERT_EQ(sizeof(hw), read(sums[0], &hw, sizeof(hw)));
	EXPECT_EQ(hw, h);
	waitpid(pid, NULL, 0);
}

/* ------------------------------------------------------ kipc only */

FIXTURE(kipc_pipe)
{
	int fd;
};

FIXTURE_SETUP(kipc_pipe)
{
	self->fd = kipc_open(NODE, O_RDWR);
	ASSERT_GE(self->fd, 0);
}

FIXTURE_TEARDOWN(kipc_pipe)
{
	__u32 size = DEFAULT_SIZE;

	kipc_reap_kids();
	EXPECT_EQ(0, ioctl(self->fd, KIPC_PIPE_SET_SIZE, &size));
	close(self->fd);
}

/* Unlike F_SETPIPE_SZ, which quietly makes 0 a page, SPEC says EINVAL. */
TEST_F(kipc_pipe, set_size_zero_einval)
{
	__u32 size = 0;

	EXPECT_EQ(-1, ioctl(self->fd, KIPC_PIPE_SET_SIZE, &size));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(kipc_pipe, set_size_exactly_2g_allowed_to_root)
{
	__u32 size = 1U << 31;

	EXPECT_EQ(0, ioctl(self->fd, KIPC_PIPE_SET_SIZE, &size));
	size = 0;
	EXPECT_EQ(0, ioctl(self->fd, KIPC_PIPE_GET_SIZE, &size));
	EXPECT_EQ(1U << 31, size);
}

TEST_F(kipc_pipe, get_size_bad_pointer_efault)
{
	EXPECT_EQ(-1, ioctl(self->fd, KIPC_PIPE_GET_SIZE, kipc_bad_ptr()));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(kipc_pipe, set_size_bad_pointer_efault)
{
	EXPECT_EQ(-1, ioctl(self->fd, KIPC_PIPE_SET_SIZE, NULL));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(kipc_pipe, size_persists_across_close)
{
	__u32 size = 16384;

	ASSERT_EQ(0, ioctl(self->fd, KIPC_PIPE_SET_SIZE, &size));
	close(self->fd);
	self->fd = kipc_open(NODE, O_RDWR);
	ASSERT_GE(self->fd, 0);
	size = 0;
	EXPECT_EQ(0, ioctl(self->fd, KIPC_PIPE_GET_SIZE, &size));
	EXPECT_EQ(16384, size);
}

/*
 * The ring counts bytes: a writer of one byte is not held up behind a
 * blocked PIPE_BUF writer when one byte of room appears. (A kernel FIFO
 * frees room a page at a time, so it has no counterpart.)
 */
TEST_F(kipc_pipe, small_writer_passes_blocked_atomic_writer)
{
	static char buf[4096];
	struct op_result big, small;
	int note_big, note_small;
	pid_t pid_big, pid_small;

	fill(self->fd);
	KIPC_CHILD_OP(pid_big, note_big, write(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(0, kipc_op_done(note_big, 200, &big));
	KIPC_CHILD_OP(pid_small, note_small, write(self->fd, "s", 1));
	EXPECT_EQ(0, kipc_op_done(note_small, 200, &small));
	ASSERT_EQ(100, read(self->fd, buf, 100));
	ASSERT_EQ(1, kipc_op_done(note_small, 10000, &small));
	EXPECT_EQ(1, small.ret);
	EXPECT_EQ(0, kipc_op_done(note_big, 200, &big));
	ASSERT_EQ(sizeof(buf), read(self->fd, buf, sizeof(buf)));
	ASSERT_EQ(1, kipc_op_done(note_big, 10000, &big));
	EXPECT_EQ(sizeof(buf), big.ret);
	waitpid(pid_big, NULL, 0);
	waitpid(pid_small, NULL, 0);
}

/* rwait and wwait count the tasks blocked in read() and in write(). */
TEST_F(kipc_pipe, proc_counts_blocked_reader)
{
	struct op_result r;
	char c;
	int note;
	pid_t pid;

	EXPECT_EQ(0, kipc_proc("pipe", NODE, "rwait"));
	KIPC_CHILD_OP(pid, note, read(self->fd, &c, 1));
	ASSERT_EQ(0, kipc_wait_until(kipc_proc("pipe", NODE, "rwait") == 1));
	EXPECT_EQ(0, kipc_proc("pipe", NODE, "wwait"));
	ASSERT_EQ(1, write(self->fd, "r", 1));
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	EXPECT_EQ(1, r.ret);
	EXPECT_EQ(0, kipc_proc("pipe", NODE, "rwait"));
	waitpid(pid, NULL, 0);
}

TEST_F(kipc_pipe, proc_counts_blocked_writer)
{
	struct op_result r;
	char buf[4096];
	int note;
	pid_t pid;

	fill(self->fd);
	EXPECT_EQ(0, kipc_proc("pipe", NODE, "wwait"));
	KIPC_CHILD_OP(pid, note, write(self->fd, "w", 1));
	ASSERT_EQ(0, kipc_wait_until(kipc_proc("pipe", NODE, "wwait") == 1));
	EXPECT_EQ(0, kipc_proc("pipe", NODE, "rwait"));
	ASSERT_EQ(sizeof(buf), read(self->fd, buf, sizeof(buf)));
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	EXPECT_EQ(1, r.ret);
	EXPECT_EQ(0, kipc_proc("pipe", NODE, "wwait"));
	waitpid(pid, NULL, 0);
}

TEST_F(kipc_pipe, proc_counts_open_files)
{
	int rd = kipc_open(NODE, O_RDONLY | O_NONBLOCK);

	ASSERT_GE(rd, 0);
	EXPECT_EQ(2, kipc_proc("pipe", NODE, "readers"));
	EXPECT_EQ(1, kipc_proc("pipe", NODE, "writers"));
	close(rd);
	EXPECT_EQ(1, kipc_proc("pipe", NODE, "readers"));
}

TEST_F(kipc_pipe, proc_counts_bytes)
{
	long long in = kipc_proc("pipe", NODE, "bytes_in");
	long long out = kipc_proc("pipe", NODE, "bytes_out");
	char buf[300];

	ASSERT_EQ(300, write(self->fd, buf, 300));
	EXPECT_EQ(300, kipc_proc("pipe", NODE, "used"));
	EXPECT_EQ(in + 300, kipc_proc("pipe", NODE, "bytes_in"));
	ASSERT_EQ(120, read(self->fd, buf, 120));
	EXPECT_EQ(180, kipc_proc("pipe", NODE, "used"));
	EXPECT_EQ(out + 120, kipc_proc("pipe", NODE, "bytes_out"));
	EXPECT_EQ(DEFAULT_SIZE, kipc_proc("pipe", NODE, "size"));
}

TEST_F(kipc_pipe, proc_high_water_is_the_peak)
{
	static char buf[DEFAULT_SIZE];

	ASSERT_EQ(DEFAULT_SIZE, write(self->fd, buf, DEFAULT_SIZE));
	ASSERT_EQ(DEFAULT_SIZE, read(self->fd, buf, DEFAULT_SIZE));
	EXPECT_EQ(DEFAULT_SIZE, kipc_proc("pipe", NODE, "high_water"));
	EXPECT_EQ(0, kipc_proc("pipe", NODE, "used"));
}

/*
 * sendfile(2) from a kipc pipe into a pipe works: it reads through
 * splice_read, which splice(2) into a pipe needs too. A FIFO has no
 * splice_read (splice from it is pipe to pipe): sendfile from a FIFO gives
 * EINVAL. (Into anything but a pipe, both give EINVAL: see
 * sendfile_out_of_it_into_a_file_einval.)
 */
TEST_F(kipc_pipe, sendfile_out_of_it_into_a_pipe)
{
	int p[2];

	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(5, write(self->fd, "abcde", 5));
	EXPECT_EQ(5, sendfile(p[1], self->fd, NULL, 5));
	EXPECT_TRUE(reads_back(p[0], "abcde"));
	close(p[0]);
	close(p[1]);
}

/*
 * tee(2) duplicates between two pipes, and a kipc pipe is not one: EINVAL,
 * where a FIFO (a pipe) would work.
 */
TEST_F(kipc_pipe, tee_einval)
{
	int p[2];

	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(1, write(p[1], "x", 1));
	EXPECT_EQ(-1, tee(p[0], self->fd, 1, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, tee(self->fd, p[1], 1, 0));
	EXPECT_EQ(EINVAL, errno);
	close(p[0]);
	close(p[1]);
}

/* ------------------------------- a reader or writer stalled in its copy */

struct stall {
	int uffd;
	int note;
};

/*
 * Wait for the fault on the userfaultfd, say so on @note, and never
 * resolve it: the copy stays stalled.
 */
static void *stall_watch(void *arg)
{
	struct stall *st = arg;
	struct pollfd p = { .fd = st->uffd, .events = POLLIN };
	struct uffd_msg msg;

	if (poll(&p, 1, -1) == 1 &&
	    read(st->uffd, &msg, sizeof(msg)) == sizeof(msg) &&
	    msg.event == UFFD_EVENT_PAGEFAULT && write(st->note, "s", 1) == 1)
		for (;;)
			pause();
	return NULL;
}

/*
 * A buffer of @present pages that are there, filled with 'p', followed by
 * one page that userfaultfd keeps missing, so that a copy reaching it
 * stalls (as one from a FUSE-backed mapping can), holding what the copy is
 * done under. A byte on @note says a copy has stalled. NULL on failure.
 */
static char *stall_buffer(int note, int present)
{
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct uffdio_api api = { .api = UFFD_API };
	long page = sysconf(_SC_PAGESIZE);
	static struct stall st;
	pthread_t th;
	char *buf;

	st.note = note;
	buf = mmap(NULL, page * (present + 1), PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	st.uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (buf == MAP_FAILED || st.uffd < 0 ||
	    ioctl(st.uffd, UFFDIO_API, &api))
		return NULL;
	/* No huge page: it would bring the stalling page in with the rest. */
	madvise(buf, page * (present + 1), MADV_NOHUGEPAGE);
	memset(buf, 'p', page * present);
	reg.range.start = (unsigned long)buf + page * present;
	reg.range.len = page;
	if (ioctl(st.uffd, UFFDIO_REGISTER, &reg) ||
	    pthread_create(&th, NULL, stall_watch, &st))
		return NULL;
	return buf;
}

/*
 * In a helper: write @len bytes to @fd from @off into a buffer of @present
 * pages and the stalling one (stall_buffer()). Returns when the helper is
 * killed.
 */
static ssize_t stalled_write(int fd, int note, int present, size_t off,
			     size_t len)
{
	char *buf = stall_buffer(note, present);

	return buf ? write(fd, buf + off, len) : -1;
}

/* In a helper: read up to @len bytes from @fd, the same way. */
static ssize_t stalled_read(int fd, int note, int present, size_t len)
{
	char *buf = stall_buffer(note, present);

	return buf ? read(fd, buf, len) : -1;
}

/*
 * Read up to @len bytes from @fd: the count if all of them are @c,
 * -EBADMSG if not, -errno if the read fails.
 */
static ssize_t read_all_of(int fd, size_t len, char c)
{
	char *buf = malloc(len);
	ssize_t n, i;

	if (!buf)
		return -ENOMEM;
	n = read(fd, buf, len);
	if (n < 0)
		n = -errno;
	for (i = 0; i < n; i++)
		if (buf[i] != c)
			n = -EBADMSG;
	free(buf);
	return n;
}

/*
 * Is userfaultfd(2) there for this test? The debug kernel (x86_64
 * defconfig and debug options) has none, and an unprivileged caller may
 * not use it.
 */
static bool have_userfaultfd(void)
{
	int uffd = syscall(SYS_userfaultfd, O_CLOEXEC);

	if (uffd < 0)
		return false;
	close(uffd);
	return true;
}

/* Read the file at @path to its end: the bytes read, or -1. */
static ssize_t read_whole(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n, total = 0;
	char buf[4096];

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	close(fd);
	return n < 0 ? -1 : total;
}

/*
 * Run @op in a helper and wait for it to stall: @op makes its buffer with
 * stall_buffer(stall[1], ...), whose byte on stall[1] says so. @other runs
 * in another helper, started after the stall, or before @op if @first (and
 * then asleep when @op starts), and must finish within 5 s with @want. The
 * stalled helper is killed at the end, so a failure does not hang.
 */
#define EXPECT_DONE_DESPITE_STALL(first, op, other, want)                 \
	do {                                                              \
		struct op_result r = { .ret = -1 };                       \
		int stall[2], go[2], snote, onote, done;                  \
		pid_t stalled, helper;                                    \
		bool early = (first);                                     \
		char c;                                                   \
		if (!have_userfaultfd())                                  \
			SKIP(return, "no userfaultfd(2)");                \
		ASSERT_EQ(0, pipe(stall));                                \
		ASSERT_EQ(0, pipe(go));                                   \
		/* Started late, the helper waits for a byte on go. */    \
		KIPC_CHILD_OP(helper, onote,                              \
			      early || kipc_read_result(go[0], 20000, &c, \
							1) == 1 ?         \
				      (other) :                           \
				      -ETIME);                            \
		if (early)                                                \
			ASSERT_EQ(0, kipc_wait_sleeping(helper));         \
		KIPC_CHILD_OP(stalled, snote, op);                        \
		close(stall[1]);                                          \
		ASSERT_EQ(1, kipc_read_result(stall[0], 10000, &c, 1));   \
		ASSERT_EQ(1, write(go[1], "g", 1));                       \
		done = kipc_op_done(onote, 5000, &r);                     \
		kill(stalled, SIGKILL);                                   \
		EXPECT_EQ(1, done);                                       \
		if (!done)                                                \
			kipc_op_done(onote, 10000, &r);                   \
		EXPECT_EQ(want, r.ret);                                   \
		waitpid(stalled, NULL, 0);                                \
		waitpid(helper, NULL, 0);                                 \
		kipc_forget_kid(stalled);                                 \
		kipc_forget_kid(helper);                                  \
		close(stall[0]);                                          \
		close(go[0]);                                             \
		close(go[1]);                                             \
		close(snote);                                             \
		close(onote);                                             \
	} while (0)

#define EXPECT_NOT_HELD_UP(op, other, want) \
	EXPECT_DONE_DESPITE_STALL(false, op, other, want)
#define EXPECT_WOKEN_BEFORE_STALL(waiter, op, want) \
	EXPECT_DONE_DESPITE_STALL(true, op, waiter, want)

/* Bytes ever written to pipe0, which was made at load: its head. */
static long long pipe0_head(void)
{
	return kipc_proc("pipe", NODE, "bytes_in");
}

/*
 * Write and read back bytes on the empty pipe0 through @fd until its head
 * (and tail) is @off into a ring page. 0, or -1.
 */
static int pipe0_align(int fd, long off)
{
	long page = sysconf(_SC_PAGESIZE);
	long long in = pipe0_head();
	size_t pad = ((off - in % page) + page) % page;
	char *filler = malloc(page);
	int ret = -1;

	if (in >= 0 && filler && write(fd, filler, pad) == (ssize_t)pad &&
	    read(fd, filler, pad) == (ssize_t)pad)
		ret = 0;
	free(filler);
	return ret;
}

/* poll() @fd for @events: 1 if they came within 10 s. */
static int poll_for(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };

	return poll(&p, 1, 10000) == 1 && (p.revents & events);
}

/*
 * Readers and writers have locks of their own (fs/pipe.c has one mutex for
 * both): a reader takes what is buffered while a writer is stalled in its
 * copy from user memory. On a FIFO the read would wait behind the write.
 */
TEST_F_TIMEOUT(kipc_pipe, a_stalled_writer_does_not_hold_up_a_reader, 120)
{
	ASSERT_EQ(3, write(self->fd, "ppp", 3));
	EXPECT_NOT_HELD_UP(stalled_write(self->fd, stall[1], 0, 0, 100),
			   read_all_of(self->fd, 100, 'p'), 3);
}

/* And the other way round: a writer writes while a reader is stalled. */
TEST_F_TIMEOUT(kipc_pipe, a_stalled_reader_does_not_hold_up_a_writer, 120)
{
	ASSERT_EQ(3, write(self->fd, "ppp", 3));
	EXPECT_NOT_HELD_UP(stalled_read(self->fd, stall[1], 0, 100),
			   write(self->fd, "ppp", 3), 3);
}

/*
 * In a helper: start a resize of @fd's pipe in a child, wait until it
 * waits (for a stalled writer), then read as read_all_of() does.
 */
static ssize_t read_beside_a_resize(int fd, size_t len, char c)
{
	pid_t pid = kipc_fork_kid();
	ssize_t n = -ECHILD;

	if (!pid)
		_exit(set_size(true, fd, 8192) ? 1 : 0);
	if (pid < 0)
		return -ECHILD;
	/* A mutex_lock_killable() sleep shows as D. */
	if (!kipc_wait_until(kipc_task_state(pid) == 'D'))
		n = read_all_of(fd, len, c);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return n;
}

/*
 * A resize waits for both sides, but never holds one while it waits for
 * the other: behind a stalled writer, readers still read (and the resize
 * can be killed).
 */
TEST_F_TIMEOUT(kipc_pipe, a_resize_behind_a_stalled_writer_lets_readers_by, 120)
{
	ASSERT_EQ(3, write(self->fd, "ppp", 3));
	EXPECT_NOT_HELD_UP(stalled_write(self->fd, stall[1], 0, 0, 100),
			   read_beside_a_resize(self->fd, 100, 'p'), 3);
}

/*
 * A write longer than PIPE_BUF is not atomic, and its bytes are published
 * a ring page at a time: a reader takes those up to the end of the ring
 * page where the write began while the writer is stalled further on.
 */
TEST_F_TIMEOUT(kipc_pipe, a_long_write_is_readable_before_it_ends, 120)
{
	long page = sysconf(_SC_PAGESIZE);
	__u32 size = 4 * page;
	long long in = pipe0_head();

	ASSERT_LE(0, in);
	ASSERT_EQ(0, ioctl(self->fd, KIPC_PIPE_SET_SIZE, &size));
	EXPECT_NOT_HELD_UP(stalled_write(self->fd, stall[1], 1, 0, 2 * page),
			   read_all_of(self->fd, 2 * page, 'p'),
			   page - in % page);
}

/* A reader asleep on the empty pipe is woken by that first page. */
TEST_F_TIMEOUT(kipc_pipe, a_sleeping_reader_wakes_for_a_long_writes_first_page,
	       120)
{
	long page = sysconf(_SC_PAGESIZE);
	__u32 size = 4 * page;
	long long in = pipe0_head();

	ASSERT_LE(0, in);
	ASSERT_EQ(0, ioctl(self->fd, KIPC_PIPE_SET_SIZE, &size));
	EXPECT_WOKEN_BEFORE_STALL(read_all_of(self->fd, 2 * page, 'p'),
				  stalled_write(self->fd, stall[1], 1, 0,
						2 * page),
				  page - in % page);
}

/* And so is a poller. */
TEST_F_TIMEOUT(kipc_pipe, a_poller_wakes_for_a_long_writes_first_page, 120)
{
	long page = sysconf(_SC_PAGESIZE);
	__u32 size = 4 * page;
	size_t n = 2 * page;

	ASSERT_EQ(0, ioctl(self->fd, KIPC_PIPE_SET_SIZE, &size));
	EXPECT_WOKEN_BEFORE_STALL(poll_for(self->fd, POLLIN),
				  stalled_write(self->fd, stall[1], 1, 0, n),
				  1);
}

/*
 * A writer asleep on the full pipe is woken by the first page a read
 * frees, while the reader is stalled further on; a poller for POLLOUT
 * too.
 */
TEST_F_TIMEOUT(kipc_pipe, a_sleeping_writer_wakes_for_a_reads_first_page, 120)
{
	long page = sysconf(_SC_PAGESIZE);
	__u32 size = 4 * page;

	/* Four pages, so that the read stalls on its second. */
	ASSERT_EQ(0, ioctl(self->fd, KIPC_PIPE_SET_SIZE, &size));
	ASSERT_LT(0, fill(self->fd));
	EXPECT_WOKEN_BEFORE_STALL(write(self->fd, "p", 1),
				  stalled_read(self->fd, stall[1], 1, 2 * page),
				  1);
}

TEST_F_TIMEOUT(kipc_pipe, a_poller_wakes_for_a_reads_first_page, 120)
{
	long page = sysconf(_SC_PAGESIZE);
	__u32 size = 4 * page;

	/* A whole page, so that PIPE_BUF fits and poll says POLLOUT. */
	ASSERT_EQ(0, ioctl(self->fd, KIPC_PIPE_SET_SIZE, &size));
	ASSERT_EQ(0, pipe0_align(self->fd, 0));
	ASSERT_LT(0, fill(self->fd));
	EXPECT_WOKEN_BEFORE_STALL(poll_for(self->fd, POLLOUT),
				  stalled_read(self->fd, stall[1], 1, 2 * page),
				  1);
}

/*
 * But a write of up to PIPE_BUF bytes is atomic, all or nothing: while it
 * is stalled in its second ring page, a reader sees none of the first.
 */
TEST_F_TIMEOUT(kipc_pipe, an_atomic_write_is_not_readable_part_way, 120)
{
	long page = sysconf(_SC_PAGESIZE);

	/* It begins PIPE_BUF / 2 before the end of a ring page... */
	ASSERT_EQ(0, pipe0_align(self->fd, page - PIPE_BUF / 2));
	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, O_RDWR | O_NONBLOCK));
	/* ...and its source 3/4 PIPE_BUF before the stalling page. */
	EXPECT_NOT_HELD_UP(stalled_write(self->fd, stall[1], 1,
					 page - 3 * PIPE_BUF / 4, PIPE_BUF),
			   read_all_of(self->fd, PIPE_BUF, 'p'), -EAGAIN);
}

/*
 * The world-readable table never waits for a pipe's lock: a reader of it
 * would otherwise hang, unkillable, behind any writer whose copy stalls.
 */
TEST_F_TIMEOUT(kipc_pipe, proc_table_does_not_wait_for_a_stalled_writer, 120)
{
	EXPECT_NOT_HELD_UP(stalled_write(self->fd, stall[1], 0, 0, 100),
			   read_whole(KIPC_PROC_DIR "/pipe") > 0, 1);
}

TEST(unprivileged_open_eacces)
{
	struct op_result r;
	int note;
	pid_t pid;

	KIPC_CHILD_OP(pid, note,
		      kipc_drop_privileges() ? -2 : kipc_open(NODE, O_RDWR));
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	EXPECT_EQ(-1, r.ret);
	EXPECT_EQ(EACCES, r.err);
	waitpid(pid, NULL, 0);
}

TEST_HARNESS_MAIN

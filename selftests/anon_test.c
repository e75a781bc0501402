// SPDX-License-Identifier: GPL-2.0
/*
 * Anonymous kipc objects (SPEC.md, wave 2), which live as long as their
 * files and mappings. The `pair` fixture runs each test on pipe2(2) (the
 * oracle) and on KIPC_CTL_PIPE: data, EOF, EPIPE and SIGPIPE, the flags,
 * the direction of each end, fork and SCM_RIGHTS, poll. The `kpair`
 * fixture covers what pipe2 has no counterpart for: the struct checks,
 * the anon:ID row in /proc/kipc/pipe, notify and fasync. The `anon`
 * fixture runs each KIPC_CTL_ANON test on a msg, a shm and a sem object,
 * and `actl` the argument checks and each kind's own operations. The
 * size field's rules are object_test.c's `size` fixture.
 */

#include <sys/sem.h>
#include <sys/socket.h>

#include "kselftest_harness.h"
#include "kipc_test.h"

KIPC_REQUIRE_MODULE();

#define PAGE 4096

struct op_result {
	long ret;
	int err;
};

/* The fd the next open would get: no fd leaked if it did not move. */
static int next_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
	return fd;
}

/*
 * The anon:ID rows of /proc/kipc/@table, at most @max, into @names;
 * their count, or -1.
 */
static int anon_rows(const char *table, char names[][KIPC_NAME_MAX], int max)
{
	char path[64], line[512];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), KIPC_PROC_DIR "/%s", table);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f) && n < max)
		if (!strncmp(line, "anon:", 5) &&
		    sscanf(line, "%31s", names[n]) == 1)
			n++;
	fclose(f);
	return n;
}

#define MAX_ROWS 64

/*
 * The one anon:ID row of /proc/kipc/@table that is not in @before (of
 * @nb rows), into @name: 0, or -1 if there is not exactly one.
 */
static int new_anon_row(const char *table, char before[][KIPC_NAME_MAX], int nb,
			char *name)
{
	char now[MAX_ROWS][KIPC_NAME_MAX];
	int n = anon_rows(table, now, MAX_ROWS), i, j, found = 0;

	for (i = 0; i < n; i++) {
		for (j = 0; j < nb && strcmp(now[i], before[j]); j++)
			;
		if (j == nb) {
			memcpy(name, now[i], KIPC_NAME_MAX);
			found++;
		}
	}
	return found == 1 ? 0 : -1;
}

/* ================================================= pipe2 vs KIPC_CTL_PIPE */

FIXTURE(pair)
{
	int fd[2];
	long long base;
};

FIXTURE_VARIANT(pair)
{
	bool kipc;
};

/* clang-format off */
FIXTURE_VARIANT_ADD(pair, pipe2) {
	.kipc = false,
};

FIXTURE_VARIANT_ADD(pair, kipc) {
	.kipc = true,
};

/* clang-format on */

FIXTURE_SETUP(pair)
{
	self->fd[0] = -1;
	self->fd[1] = -1;
	if (variant->kipc)
		KIPC_OBJECTS_SETUP(self->base);
	signal(SIGPIPE, SIG_IGN);
}

/* Close what is open of the pair. */
static void close_pair(int fd[2])
{
	if (fd[0] >= 0)
		close(fd[0]);
	if (fd[1] >= 0)
		close(fd[1]);
}

FIXTURE_TEARDOWN(pair)
{
	close_pair(self->fd);
	if (variant->kipc)
		KIPC_OBJECTS_TEARDOWN(NULL, self->base);
	kipc_reap_kids();
}

/* Close one end, marking it closed for the teardown. */
static void close_end(int *fd)
{
	close(*fd);
	*fd = -1;
}

#define PAIR(flags) ASSERT_EQ(0, kipc_make_pipe(variant->kipc, self->fd, flags))

TEST_F(pair, data_flows_from_write_end_to_read_end)
{
	char buf[16] = "";

	PAIR(0);
	ASSERT_EQ(5, write(self->fd[1], "hello", 5));
	EXPECT_EQ(5, read(self->fd[0], buf, sizeof(buf)));
	EXPECT_STREQ("hello", buf);
}

TEST_F(pair, eof_after_write_end_closes)
{
	char buf[16];

	PAIR(0);
	ASSERT_EQ(3, write(self->fd[1], "abc", 3));
	close_end(&self->fd[1]);
	EXPECT_EQ(3, read(self->fd[0], buf, sizeof(buf)));
	EXPECT_EQ(0, read(self->fd[0], buf, sizeof(buf)));
}

TEST_F(pair, write_after_read_end_closes_epipe)
{
	PAIR(0);
	close_end(&self->fd[0]);
	EXPECT_EQ(-1, write(self->fd[1], "x", 1));
	EXPECT_EQ(EPIPE, errno);
}

TEST_F(pair, write_after_read_end_closes_raises_sigpipe)
{
	int status;
	pid_t pid;

	PAIR(0);
	close_end(&self->fd[0]);
	pid = kipc_fork_kid();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		_exit(write(self->fd[1], "x", 1) == -1 ? 1 : 2);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGPIPE, WTERMSIG(status));
}

TEST_F(pair, read_end_rdonly_write_end_wronly)
{
	PAIR(0);
	EXPECT_EQ(O_RDONLY, fcntl(self->fd[0], F_GETFL) & O_ACCMODE);
	EXPECT_EQ(O_WRONLY, fcntl(self->fd[1], F_GETFL) & O_ACCMODE);
}

TEST_F(pair, write_on_read_end_ebadf)
{
	PAIR(0);
	EXPECT_EQ(-1, write(self->fd[0], "x", 1));
	EXPECT_EQ(EBADF, errno);
}

TEST_F(pair, read_on_write_end_ebadf)
{
	char c;

	PAIR(0);
	ASSERT_EQ(1, write(self->fd[1], "x", 1));
	EXPECT_EQ(-1, read(self->fd[1], &c, 1));
	EXPECT_EQ(EBADF, errno);
}

TEST_F(pair, cloexec_sets_fd_cloexec_on_both)
{
	PAIR(O_CLOEXEC);
	EXPECT_EQ(FD_CLOEXEC, fcntl(self->fd[0], F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(FD_CLOEXEC, fcntl(self->fd[1], F_GETFD) & FD_CLOEXEC);
}

TEST_F(pair, no_cloexec_without_flag)
{
	PAIR(0);
	EXPECT_EQ(0, fcntl(self->fd[0], F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(0, fcntl(self->fd[1], F_GETFD) & FD_CLOEXEC);
}

TEST_F(pair, nonblock_sets_o_nonblock_on_both)
{
	PAIR(O_NONBLOCK);
	EXPECT_EQ(O_NONBLOCK, fcntl(self->fd[0], F_GETFL) & O_NONBLOCK);
	EXPECT_EQ(O_NONBLOCK, fcntl(self->fd[1], F_GETFL) & O_NONBLOCK);
}

TEST_F(pair, blocking_without_flag)
{
	PAIR(0);
	EXPECT_EQ(0, fcntl(self->fd[0], F_GETFL) & O_NONBLOCK);
	EXPECT_EQ(0, fcntl(self->fd[1], F_GETFL) & O_NONBLOCK);
}

TEST_F(pair, nonblock_read_empty_eagain)
{
	char c;

	PAIR(O_NONBLOCK);
	EXPECT_EQ(-1, read(self->fd[0], &c, 1));
	EXPECT_EQ(EAGAIN, errno);
}

TEST_F(pair, nonblock_write_full_eagain)
{
	static char buf[4096];
	long total = 0;
	ssize_t n;

	PAIR(O_NONBLOCK);
	while ((n = write(self->fd[1], buf, sizeof(buf))) > 0)
		total += n;
	EXPECT_EQ(-1, n);
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(65536, total);
}

TEST_F(pair, read_blocks_until_data)
{
	char buf[8] = "";
	pid_t pid;

	PAIR(0);
	pid = kipc_fork_kid();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		usleep(100000);
		_exit(write(self->fd[1], "late", 4) == 4 ? 0 : 1);
	}
	ASSERT_EQ(0, kipc_keep_kid(pid));
	EXPECT_EQ(4, read(self->fd[0], buf, sizeof(buf)));
	EXPECT_STREQ("late", buf);
}

/* pipe2 takes O_CLOEXEC, O_NONBLOCK, O_DIRECT, O_NOTIFICATION_PIPE only. */
TEST_F(pair, other_flags_einval)
{
	static const int flags[] = { O_APPEND, O_RDWR, O_WRONLY,
				     O_CREAT,  O_SYNC, O_CLOEXEC | O_TRUNC };
	int before = next_fd();
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		EXPECT_EQ(-1, kipc_make_pipe(variant->kipc, self->fd, flags[i]))
		TH_LOG("flags %#x", flags[i]);
		EXPECT_EQ(EINVAL, errno);
	}
	EXPECT_EQ(before, next_fd());
}

TEST_F(pair, fork_shares_the_pipe)
{
	char buf[8] = "";
	pid_t pid;

	PAIR(0);
	pid = kipc_fork_kid();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(write(self->fd[1], "kid", 3) == 3 ? 0 : 1);
	ASSERT_EQ(0, kipc_keep_kid(pid));
	close_end(&self->fd[1]);
	EXPECT_EQ(3, read(self->fd[0], buf, sizeof(buf)));
	EXPECT_STREQ("kid", buf);
	/* EOF once the child's copy of the write end is gone too. */
	EXPECT_EQ(0, read(self->fd[0], buf, sizeof(buf)));
}

TEST_F(pair, scm_rights_passes_the_write_end)
{
	char buf[8] = "";
	int sv[2];
	pid_t pid;

	PAIR(0);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	pid = kipc_fork_kid();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int fd;

		close(self->fd[0]);
		close(self->fd[1]);
		fd = kipc_recv_fd(sv[1]);
		_exit(fd >= 0 && write(fd, "passed", 6) == 6 ? 0 : 1);
	}
	ASSERT_EQ(0, kipc_keep_kid(pid));
	close(sv[1]);
	ASSERT_EQ(0, kipc_send_fd(sv[0], self->fd[1]));
	close(sv[0]);
	close_end(&self->fd[1]);
	EXPECT_EQ(6, read(self->fd[0], buf, sizeof(buf)));
	EXPECT_STREQ("passed", buf);
	EXPECT_EQ(0, read(self->fd[0], buf, sizeof(buf)));
	EXPECT_EQ(0, kipc_wait_exit(pid));
	kipc_forget_kid(pid);
}

TEST_F(pair, poll_pollhup_after_write_end_closes)
{
	struct pollfd p;

	PAIR(0);
	close_end(&self->fd[1]);
	p = (struct pollfd){ .fd = self->fd[0], .events = POLLIN };
	ASSERT_EQ(1, poll(&p, 1, 0));
	EXPECT_EQ(POLLHUP, p.revents);
}

TEST_F(pair, poll_pollerr_after_read_end_closes)
{
	struct pollfd p;

	PAIR(0);
	close_end(&self->fd[0]);
	p = (struct pollfd){ .fd = self->fd[1], .events = POLLOUT };
	ASSERT_EQ(1, poll(&p, 1, 0));
	EXPECT_EQ(POLLERR, p.revents & POLLERR);
}

TEST_F(pair, poll_pollin_with_data)
{
	struct pollfd p;

	PAIR(0);
	ASSERT_EQ(1, write(self->fd[1], "x", 1));
	p = (struct pollfd){ .fd = self->fd[0], .events = POLLIN };
	ASSERT_EQ(1, poll(&p, 1, 0));
	EXPECT_EQ(POLLIN, p.revents);
}

TEST_F(pair, lseek_espipe)
{
	PAIR(0);
	EXPECT_EQ(-1, lseek(self->fd[0], 0, SEEK_SET));
	EXPECT_EQ(ESPIPE, errno);
}

TEST_F(pair, fionread_counts_buffered_bytes)
{
	int n = -1;

	PAIR(0);
	ASSERT_EQ(7, write(self->fd[1], "buffers", 7));
	ASSERT_EQ(0, ioctl(self->fd[0], FIONREAD, &n));
	EXPECT_EQ(7, n);
}

/*
 * The fds cannot be written back (a read-only argument): EFAULT, and no
 * fd is left behind, nor an object.
 */
TEST_F(pair, unwritable_argument_efault_leaks_nothing)
{
	struct kipc_pipe_pair *pp;
	int before, ret, ctl;
	void *page;

	page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	pp = page;
	memset(pp, 0, sizeof(*pp));
	ASSERT_EQ(0, mprotect(page, PAGE, PROT_READ));
	ctl = variant->kipc ? kipc_open("control", O_RDWR) : -1;
	before = next_fd();
	if (variant->kipc)
		ret = ioctl(ctl, KIPC_CTL_PIPE, pp);
	else
		ret = pipe2((int *)page, 0);
	EXPECT_EQ(-1, ret);
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(before, next_fd());
	if (ctl >= 0)
		close(ctl);
	munmap(page, PAGE);
}

/* ================================================= KIPC_CTL_PIPE's own */

FIXTURE(kpair)
{
	int fd[2];
	long long base;
};

FIXTURE_SETUP(kpair)
{
	KIPC_OBJECTS_SETUP(self->base);
	self->fd[0] = -1;
	self->fd[1] = -1;
}

FIXTURE_TEARDOWN(kpair)
{
	close_pair(self->fd);
	KIPC_OBJECTS_TEARDOWN(NULL, self->base);
}

/* KIPC_CTL_PIPE of @pp into self->fd: 0, or -1 and errno. */
static int kpair(FIXTURE_DATA(kpair) * self, struct kipc_pipe_pair *pp)
{
	int ret = kipc_ctl(KIPC_CTL_PIPE, pp);

	if (!ret) {
		self->fd[0] = pp->fd[0];
		self->fd[1] = pp->fd[1];
	}
	return ret;
}

/* The capacity is what the write end can hold. */
TEST_F(kpair, size_is_the_capacity)
{
	struct kipc_pipe_pair pp = { .size = PAGE, .flags = O_NONBLOCK };
	static char buf[2 * PAGE];

	ASSERT_EQ(0, kpair(self, &pp));
	EXPECT_EQ(PAGE, write(self->fd[1], buf, sizeof(buf)));
}

/* pipe2 takes O_DIRECT (packet mode); KIPC_CTL_PIPE does not. */
TEST_F(kpair, o_direct_einval)
{
	struct kipc_pipe_pair pp = { .flags = O_DIRECT };

	EXPECT_EQ(-1, kpair(self, &pp));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(kpair, reserved_einval)
{
	struct kipc_pipe_pair pp = { 0 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(pp.reserved); i++) {
		memset(&pp, 0, sizeof(pp));
		pp.reserved[i] = 1;
		EXPECT_EQ(-1, kpair(self, &pp));
		EXPECT_EQ(EINVAL, errno);
	}
}

/* Two ends, one object. */
TEST_F(kpair, pair_is_one_object)
{
	struct kipc_pipe_pair pp = { 0 };

	ASSERT_EQ(0, kpair(self, &pp));
	EXPECT_EQ(self->base + 1, kipc_objects_used());
}

TEST_F(kpair, proc_lists_anon_row_while_open)
{
	char before[MAX_ROWS][KIPC_NAME_MAX], name[KIPC_NAME_MAX];
	struct kipc_pipe_pair pp = { 0 };
	int nb = anon_rows("pipe", before, MAX_ROWS);

	ASSERT_GE(nb, 0);
	ASSERT_EQ(0, kpair(self, &pp));
	EXPECT_EQ(0, new_anon_row("pipe", before, nb, name));
}

TEST_F(kpair, proc_row_stays_while_one_end_is_open)
{
	char before[MAX_ROWS][KIPC_NAME_MAX], name[KIPC_NAME_MAX];
	struct kipc_pipe_pair pp = { 0 };
	int nb = anon_rows("pipe", before, MAX_ROWS);

	ASSERT_EQ(0, kpair(self, &pp));
	ASSERT_EQ(0, new_anon_row("pipe", before, nb, name));
	close(self->fd[0]);
	self->fd[0] = -1;
	EXPECT_NE(LLONG_MIN, kipc_proc("pipe", name, "size"));
}

TEST_F(kpair, proc_row_gone_when_both_ends_close)
{
	char before[MAX_ROWS][KIPC_NAME_MAX], name[KIPC_NAME_MAX];
	struct kipc_pipe_pair pp = { 0 };
	int nb = anon_rows("pipe", before, MAX_ROWS);

	ASSERT_EQ(0, kpair(self, &pp));
	ASSERT_EQ(0, new_anon_row("pipe", before, nb, name));
	close(self->fd[0]);
	close(self->fd[1]);
	self->fd[0] = -1;
	self->fd[1] = -1;
	EXPECT_EQ(LLONG_MIN, kipc_proc("pipe", name, "size"));
	EXPECT_EQ(self->base, kipc_objects_used());
}

/* Each pipe has its own ID, never reused while the module is loaded. */
TEST_F(kpair, anon_ids_unique)
{
	char before[MAX_ROWS][KIPC_NAME_MAX], first[KIPC_NAME_MAX];
	char second[KIPC_NAME_MAX];
	struct kipc_pipe_pair pp = { 0 };
	int nb = anon_rows("pipe", before, MAX_ROWS);

	ASSERT_EQ(0, kpair(self, &pp));
	ASSERT_EQ(0, new_anon_row("pipe", before, nb, first));
	close(self->fd[0]);
	close(self->fd[1]);
	ASSERT_EQ(0, kpair(self, &pp));
	ASSERT_EQ(0, new_anon_row("pipe", before, nb, second));
	EXPECT_STRNE(first, second);
}

TEST_F(kpair, proc_row_shows_owner_and_cpid)
{
	char before[MAX_ROWS][KIPC_NAME_MAX], name[KIPC_NAME_MAX];
	struct kipc_pipe_pair pp = { 0 };
	int nb = anon_rows("pipe", before, MAX_ROWS);

	ASSERT_EQ(0, kpair(self, &pp));
	ASSERT_EQ(0, new_anon_row("pipe", before, nb, name));
	EXPECT_EQ(getuid(), kipc_proc("pipe", name, "uid"));
	EXPECT_EQ(getgid(), kipc_proc("pipe", name, "gid"));
	EXPECT_EQ(getpid(), kipc_proc("pipe", name, "cpid"));
}

/* The node's readers and writers columns count the two ends. */
TEST_F(kpair, proc_row_counts_one_reader_one_writer)
{
	char before[MAX_ROWS][KIPC_NAME_MAX], name[KIPC_NAME_MAX];
	struct kipc_pipe_pair pp = { 0 };
	int nb = anon_rows("pipe", before, MAX_ROWS);

	ASSERT_EQ(0, kpair(self, &pp));
	ASSERT_EQ(0, new_anon_row("pipe", before, nb, name));
	EXPECT_EQ(1, kipc_proc("pipe", name, "readers"));
	EXPECT_EQ(1, kipc_proc("pipe", name, "writers"));
}

/* KIPC_NOTIFY on the read end: a signal per write, sival_int the bytes. */
TEST_F(kpair, notify_on_read_end)
{
	struct kipc_notify n = { .signo = SIGUSR1 };
	struct kipc_pipe_pair pp = { 0 };
	siginfo_t si;

	ASSERT_EQ(0, kpair(self, &pp));
	kipc_block_signal(SIGUSR1);
	ASSERT_EQ(0, ioctl(self->fd[0], KIPC_NOTIFY, &n));
	ASSERT_EQ(3, write(self->fd[1], "abc", 3));
	ASSERT_EQ(SIGUSR1, kipc_take_signal(SIGUSR1, &si, 10000));
	EXPECT_EQ(SI_MESGQ, si.si_code);
	EXPECT_EQ(3, si.si_value.sival_int);
}

/* fasync on the read end: SIGIO when data arrives. */
TEST_F(kpair, fasync_sigio_on_arrival)
{
	struct kipc_pipe_pair pp = { 0 };
	siginfo_t si;

	ASSERT_EQ(0, kpair(self, &pp));
	kipc_block_signal(SIGIO);
	ASSERT_EQ(0, fcntl(self->fd[0], F_SETOWN, getpid()));
	ASSERT_EQ(0, fcntl(self->fd[0], F_SETFL,
			   fcntl(self->fd[0], F_GETFL) | O_ASYNC));
	ASSERT_EQ(1, write(self->fd[1], "x", 1));
	EXPECT_EQ(SIGIO, kipc_take_signal(SIGIO, &si, 10000));
}

/* The write end resizes the ring as the read end sees it. */
TEST_F(kpair, set_size_through_write_end)
{
	struct kipc_pipe_pair pp = { 0 };
	__u32 size = 16384;

	ASSERT_EQ(0, kpair(self, &pp));
	ASSERT_EQ(0, ioctl(self->fd[1], KIPC_PIPE_SET_SIZE, &size));
	EXPECT_EQ(16384, kipc_fd_size(KIPC_KIND_PIPE, self->fd[0]));
}

/* ============================================ KIPC_CTL_ANON, every kind */

FIXTURE(anon)
{
	int fd;
	long long base;
	char before[MAX_ROWS][KIPC_NAME_MAX];
	int nb;
};

FIXTURE_VARIANT(anon)
{
	__u32 kind;
	const char *table;
};

/* clang-format off */
FIXTURE_VARIANT_ADD(anon, msg) {
	.kind = KIPC_KIND_MSG,
	.table = "msg",
};

FIXTURE_VARIANT_ADD(anon, shm) {
	.kind = KIPC_KIND_SHM,
	.table = "shm",
};

FIXTURE_VARIANT_ADD(anon, sem) {
	.kind = KIPC_KIND_SEM,
	.table = "sem",
};

/* clang-format on */

FIXTURE_SETUP(anon)
{
	KIPC_OBJECTS_SETUP(self->base);
	self->fd = -1;
	self->nb = anon_rows(variant->table, self->before, MAX_ROWS);
	ASSERT_GE(self->nb, 0);
}

FIXTURE_TEARDOWN(anon)
{
	if (self->fd >= 0)
		close(self->fd);
	KIPC_OBJECTS_TEARDOWN(NULL, self->base);
}

/*
 * Leave a mark through @fd that mark_seen() finds through another fd of
 * the same object: a message of type 7, the byte 'm' at offset 0 of the
 * segment (through a mapping), one more unit. 0 or -1.
 */
static int put_mark(__u32 kind, int fd)
{
	struct kipc_sem_op op = { .count = 1 };
	char *p;

	switch (kind) {
	case KIPC_KIND_MSG:
		return kipc_msg_send(fd, 7, "m", 1, KIPC_NOWAIT);
	case KIPC_KIND_SHM:
		p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			return -1;
		p[0] = 'm';
		return munmap(p, PAGE);
	case KIPC_KIND_SEM:
		return ioctl(fd, KIPC_SEM_V, &op);
	}
	return -1;
}

/* Is put_mark()'s mark there (@initial: the sem's value before)? */
static bool mark_seen(__u32 kind, int fd, long long initial)
{
	struct kipc_msg m;
	char c = 0;

	switch (kind) {
	case KIPC_KIND_MSG:
		return !kipc_msg_recv(fd, 7, &c, 1, KIPC_NOWAIT, &m) &&
		       c == 'm';
	case KIPC_KIND_SHM:
		return pread(fd, &c, 1, 0) == 1 && c == 'm';
	case KIPC_KIND_SEM:
		return kipc_fd_size(kind, fd) == initial + 1;
	}
	return false;
}

#define ANON(flags, size) \
	ASSERT_LE(0, self->fd = kipc_anon(variant->kind, flags, size))

TEST_F(anon, returns_one_rdwr_fd)
{
	ANON(0, 0);
	EXPECT_EQ(O_RDWR, fcntl(self->fd, F_GETFL) & O_ACCMODE);
}

TEST_F(anon, is_one_object)
{
	ANON(0, 0);
	EXPECT_EQ(self->base + 1, kipc_objects_used());
}

TEST_F(anon, cloexec_sets_fd_cloexec)
{
	ANON(O_CLOEXEC, 0);
	EXPECT_EQ(FD_CLOEXEC, fcntl(self->fd, F_GETFD) & FD_CLOEXEC);
}

TEST_F(anon, no_cloexec_without_flag)
{
	ANON(0, 0);
	EXPECT_EQ(0, fcntl(self->fd, F_GETFD) & FD_CLOEXEC);
}

TEST_F(anon, nonblock_sets_o_nonblock)
{
	ANON(O_NONBLOCK, 0);
	EXPECT_EQ(O_NONBLOCK, fcntl(self->fd, F_GETFL) & O_NONBLOCK);
}

/* The node rules: what one fd of the object does, another sees. */
TEST_F(anon, operations_work)
{
	long long initial;
	int dup_fd;

	ANON(0, 0);
	initial = kipc_fd_size(variant->kind, self->fd);
	dup_fd = dup(self->fd);
	ASSERT_GE(dup_fd, 0);
	ASSERT_EQ(0, put_mark(variant->kind, self->fd));
	EXPECT_TRUE(mark_seen(variant->kind, dup_fd, initial));
	close(dup_fd);
}

TEST_F(anon, proc_lists_anon_row_while_open)
{
	char name[KIPC_NAME_MAX];

	ANON(0, 0);
	EXPECT_EQ(0,
		  new_anon_row(variant->table, self->before, self->nb, name));
}

TEST_F(anon, proc_row_gone_after_last_close)
{
	char name[KIPC_NAME_MAX];

	ANON(0, 0);
	ASSERT_EQ(0,
		  new_anon_row(variant->table, self->before, self->nb, name));
	close(self->fd);
	self->fd = -1;
	EXPECT_EQ(LLONG_MIN, kipc_proc(variant->table, name, "uid"));
	EXPECT_EQ(self->base, kipc_objects_used());
}

TEST_F(anon, proc_row_shows_owner_and_cpid)
{
	char name[KIPC_NAME_MAX];

	ANON(0, 0);
	ASSERT_EQ(0,
		  new_anon_row(variant->table, self->before, self->nb, name));
	EXPECT_EQ(getuid(), kipc_proc(variant->table, name, "uid"));
	EXPECT_EQ(getgid(), kipc_proc(variant->table, name, "gid"));
	EXPECT_EQ(getpid(), kipc_proc(variant->table, name, "cpid"));
}

/*
 * In a child: once a byte comes on @go, leave a mark through @fd and
 * find it there (@initial: the sem's value before). r.ret: 0 if found.
 */
static void mark_later(struct op_result *r, int go[2], __u32 kind, int fd,
		       long long initial)
{
	char c;

	close(go[1]);
	if (read(go[0], &c, 1) != 1 || put_mark(kind, fd))
		r->ret = -1;
	else
		r->ret = !mark_seen(kind, fd, initial);
	r->err = errno;
}

/* A child's copy of the fd keeps the object after the parent's close. */
TEST_F(anon, fork_child_keeps_object)
{
	long long initial;
	int go[2], note;
	struct op_result r;

	ANON(0, 0);
	initial = kipc_fd_size(variant->kind, self->fd);
	ASSERT_EQ(0, pipe(go));
	KIPC_CHILD(note, mark_later(&r, go, variant->kind, self->fd, initial));
	close(go[0]);
	close(self->fd);
	self->fd = -1;
	EXPECT_EQ(self->base + 1, kipc_objects_used());
	ASSERT_EQ(1, write(go[1], "g", 1));
	close(go[1]);
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	EXPECT_EQ(0, r.ret);
}

TEST_F(anon, scm_rights_passes_object)
{
	long long initial;
	int sv[2], note;
	struct op_result r;

	ANON(0, 0);
	initial = kipc_fd_size(variant->kind, self->fd);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	KIPC_CHILD(note, int fd; close(self->fd); close(sv[0]);
		   fd = kipc_recv_fd(sv[1]);
		   r.ret = fd < 0 ? -2 : put_mark(variant->kind, fd);
		   r.err = errno);
	close(sv[1]);
	ASSERT_EQ(0, kipc_send_fd(sv[0], self->fd));
	close(sv[0]);
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	ASSERT_EQ(0, r.ret);
	EXPECT_TRUE(mark_seen(variant->kind, self->fd, initial));
}

/* ================================================ KIPC_CTL_ANON's own */

FIXTURE(actl)
{
	int fd;
	long long base;
};

FIXTURE_SETUP(actl)
{
	KIPC_OBJECTS_SETUP(self->base);
	self->fd = -1;
}

FIXTURE_TEARDOWN(actl)
{
	if (self->fd >= 0)
		close(self->fd);
	KIPC_OBJECTS_TEARDOWN(NULL, self->base);
}

/* KIPC_CTL_ANON of @a fails with @err and makes no object. */
#define EXPECT_ANON_FAILS(err, a)                             \
	do {                                                  \
		EXPECT_EQ(-1, kipc_ctl(KIPC_CTL_ANON, &(a))); \
		EXPECT_EQ(err, errno);                        \
		EXPECT_EQ(self->base, kipc_objects_used());   \
	} while (0)

TEST_F(actl, pipe_kind_einval)
{
	struct kipc_anon a = { .kind = KIPC_KIND_PIPE };

	EXPECT_ANON_FAILS(EINVAL, a);
}

TEST_F(actl, unknown_kind_einval)
{
	struct kipc_anon a = { .kind = 0 };

	EXPECT_ANON_FAILS(EINVAL, a);
	a.kind = 5;
	EXPECT_ANON_FAILS(EINVAL, a);
	a.kind = UINT32_MAX;
	EXPECT_ANON_FAILS(EINVAL, a);
}

TEST_F(actl, other_flags_einval)
{
	static const __u32 flags[] = { O_APPEND, O_WRONLY, O_RDWR,
				       O_DIRECT, O_TRUNC,  1U << 31 };
	struct kipc_anon a = { .kind = KIPC_KIND_SEM };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		a.flags = flags[i];
		EXPECT_ANON_FAILS(EINVAL, a);
	}
}

TEST_F(actl, reserved_einval)
{
	struct kipc_anon a = { .kind = KIPC_KIND_SEM };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(a.reserved); i++) {
		memset(a.reserved, 0, sizeof(a.reserved));
		a.reserved[i] = 1;
		EXPECT_ANON_FAILS(EINVAL, a);
	}
}

TEST_F(actl, msg_send_and_receive)
{
	struct kipc_msg m;
	char buf[16] = "";

	self->fd = kipc_anon(KIPC_KIND_MSG, O_CLOEXEC, 0);
	ASSERT_GE(self->fd, 0);
	ASSERT_EQ(0, kipc_msg_send(self->fd, 3, "three", 5, 0));
	ASSERT_EQ(0, kipc_msg_recv(self->fd, 0, buf, sizeof(buf), 0, &m));
	EXPECT_EQ(3, m.mtype);
	EXPECT_EQ(5, m.size);
	EXPECT_STREQ("three", buf);
}

TEST_F(actl, msg_nonblock_read_empty_eagain)
{
	char buf[64];

	self->fd = kipc_anon(KIPC_KIND_MSG, O_NONBLOCK, 0);
	ASSERT_GE(self->fd, 0);
	EXPECT_EQ(-1, read(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(EAGAIN, errno);
}

TEST_F(actl, msg_size_is_the_queue_capacity)
{
	char text[60] = "";

	self->fd = kipc_anon(KIPC_KIND_MSG, 0, 100);
	ASSERT_GE(self->fd, 0);
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, text, 60, KIPC_NOWAIT));
	EXPECT_EQ(-1, kipc_msg_send(self->fd, 1, text, 60, KIPC_NOWAIT));
	EXPECT_EQ(EAGAIN, errno);
}

/* A mapping made before fork is the same memory in both. */
TEST_F(actl, shm_mapping_shared_across_fork)
{
	char *p;
	pid_t pid;

	self->fd = kipc_anon(KIPC_KIND_SHM, O_CLOEXEC, PAGE);
	ASSERT_GE(self->fd, 0);
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	pid = kipc_fork_kid();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		p[100] = 'k';
		_exit(0);
	}
	ASSERT_EQ(0, kipc_wait_exit(pid));
	EXPECT_EQ('k', p[100]);
	munmap(p, PAGE);
}

/* The mapping keeps the object (and its row) after the fd is closed. */
TEST_F(actl, shm_mapping_keeps_object_after_close)
{
	char before[MAX_ROWS][KIPC_NAME_MAX], name[KIPC_NAME_MAX];
	int nb = anon_rows("shm", before, MAX_ROWS);
	char *p;

	self->fd = kipc_anon(KIPC_KIND_SHM, O_CLOEXEC, PAGE);
	ASSERT_GE(self->fd, 0);
	ASSERT_EQ(0, new_anon_row("shm", before, nb, name));
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	close(self->fd);
	self->fd = -1;
	strcpy(p, "kept");
	EXPECT_EQ(1, kipc_proc("shm", name, "nattch"));
	EXPECT_STREQ("kept", p);
	EXPECT_EQ(0, munmap(p, PAGE));
	EXPECT_EQ(LLONG_MIN, kipc_proc("shm", name, "nattch"));
}

TEST_F(actl, shm_map_private_einval)
{
	void *p;

	self->fd = kipc_anon(KIPC_KIND_SHM, O_CLOEXEC, PAGE);
	ASSERT_GE(self->fd, 0);
	p = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, self->fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
}

/* A semaphore at 0: KIPC_ANON_SIZE says size 0 is the value. */
static int sem_at_zero(void)
{
	return kipc_anon(KIPC_KIND_SEM, O_CLOEXEC | KIPC_ANON_SIZE, 0);
}

/* KIPC_ANON_SIZE takes size 0 as given, as semget(2) makes a sem at 0. */
TEST_F(actl, anon_size_flag_makes_sem_at_zero)
{
	struct kipc_sem_info info;
	int id;

	self->fd = kipc_anon(KIPC_KIND_SEM, KIPC_ANON_SIZE, 0);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, ioctl(self->fd, KIPC_SEM_GETINFO, &info));
	EXPECT_EQ(0, info.value);
	/* The kernel's twin: a new System V semaphore is at 0. */
	id = semget(IPC_PRIVATE, 1, 0600);
	ASSERT_LE(0, id);
	EXPECT_EQ(0, semctl(id, 0, GETVAL));
	semctl(id, 0, IPC_RMID);
}

/* Without it, size 0 is the module's default (sem_init), as for CREATE. */
TEST_F(actl, anon_sem_size_zero_is_default)
{
	struct kipc_sem_info info;
	long def;

	def = kipc_param("sem_init");
	ASSERT_LE(0, def);
	self->fd = kipc_anon(KIPC_KIND_SEM, 0, 0);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, ioctl(self->fd, KIPC_SEM_GETINFO, &info));
	EXPECT_EQ(def, info.value);
}

/* A given size of 0 for a queue or a segment is EINVAL, as for CREATE. */
TEST_F(actl, anon_size_flag_zero_einval_for_msg_and_shm)
{
	struct kipc_anon a = { .flags = KIPC_ANON_SIZE };

	a.kind = KIPC_KIND_MSG;
	EXPECT_ANON_FAILS(EINVAL, a);
	a.kind = KIPC_KIND_SHM;
	EXPECT_ANON_FAILS(EINVAL, a);
}

/* KIPC_CTL_PIPE takes pipe2(2)'s flags only. */
TEST_F(actl, pipe_takes_no_anon_size_flag)
{
	struct kipc_pipe_pair p = { .flags = KIPC_ANON_SIZE };

	EXPECT_EQ(-1, kipc_ctl(KIPC_CTL_PIPE, &p));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(self->base, kipc_objects_used());
}

TEST_F(actl, sem_p_and_v)
{
	struct kipc_sem_op op = { .count = 1, .flags = KIPC_NOWAIT };

	self->fd = sem_at_zero();
	ASSERT_GE(self->fd, 0);
	EXPECT_EQ(-1, ioctl(self->fd, KIPC_SEM_P, &op));
	EXPECT_EQ(EAGAIN, errno);
	op.flags = 0;
	ASSERT_EQ(0, ioctl(self->fd, KIPC_SEM_V, &op));
	op.flags = KIPC_NOWAIT;
	EXPECT_EQ(0, ioctl(self->fd, KIPC_SEM_P, &op));
}

/* A P waiting on an anonymous semaphore is woken by a V from a child. */
TEST_F(actl, sem_p_waits_for_v)
{
	struct kipc_sem_op op = { .count = 1 };
	pid_t pid;

	self->fd = sem_at_zero();
	ASSERT_GE(self->fd, 0);
	pid = kipc_fork_kid();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		/* V only once the parent waits in P. */
		if (kipc_wait_sleeping(getppid()))
			_exit(2);
		_exit(ioctl(self->fd, KIPC_SEM_V, &op) ? 1 : 0);
	}
	EXPECT_EQ(0, ioctl(self->fd, KIPC_SEM_P, &op));
	EXPECT_EQ(0, kipc_wait_exit(pid));
}

TEST_HARNESS_MAIN

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the kipc selftests: node paths, /proc/kipc columns,
 * dropping privileges, a module-loaded check, message send and receive,
 * child processes and signals.
 */
#ifndef _KIPC_TEST_H
#define _KIPC_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/kipc.h>

#define KIPC_DEV_DIR "/dev/kipc"
#define KIPC_PROC_DIR "/proc/kipc"

/* The uid/gid unprivileged tests switch to (nobody on Debian). */
#define KIPC_NOBODY 65534

static inline int kipc_loaded(void)
{
	return access(KIPC_PROC_DIR, F_OK) == 0;
}

/*
 * Skip the whole test program, before the harness runs any test, unless
 * @cond holds. For what every test of a program needs (the module loaded,
 * a debugfs file): a SKIP() in a fixture setup does not stop the test
 * there on every harness, as the 6.1 harness still runs the test body and
 * the teardown after it, and the harness has no other portable way out of
 * a setup. Exits with KSFT_SKIP and a "1..0 # SKIP @why" line.
 */
static inline void kipc_require(int cond, const char *why)
{
	if (!cond)
		ksft_exit_skip("%s\n", why);
}

/*
 * In a test program whose every test needs kipc loaded (at file scope):
 * checked once, at start-up, by kipc_require().
 */
#define KIPC_REQUIRE_MODULE()                                              \
	static void __attribute__((constructor)) kipc_require_module(void) \
	{                                                                  \
		kipc_require(kipc_loaded(), "kipc module not loaded");     \
	}                                                                  \
	static void kipc_require_module(void)

static inline void kipc_node_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, KIPC_DEV_DIR "/%s", name);
}

static inline int kipc_open(const char *name, int flags)
{
	char path[64];

	kipc_node_path(path, sizeof(path), name);
	return open(path, flags | O_CLOEXEC);
}

/*
 * KIPC_MSG_SEND or KIPC_MSG_RECV (@cmd) on msg node @fd, with the fields
 * of struct kipc_msg as arguments: @type is the type sent or the receive
 * selector, @text and @size the text sent or the receive buffer and its
 * capacity, @flags KIPC_NOWAIT and KIPC_MSG_*, @timeout_ns 0 for none.
 * Returns what the ioctl returns (errno set on -1). If @out is not NULL,
 * the struct as the kernel left it (received type and size) is copied
 * there, on failure too.
 */
static inline int kipc_msg_op(int fd, unsigned long cmd, long long type,
			      const void *text, unsigned long long size,
			      unsigned int flags, unsigned long long timeout_ns,
			      struct kipc_msg *out)
{
	struct kipc_msg m = {
		.mtype = type,
		.text = (uintptr_t)text,
		.size = size,
		.timeout_ns = timeout_ns,
		.flags = flags,
	};
	int ret = ioctl(fd, cmd, &m);

	if (out)
		*out = m;
	return ret;
}

/* Send @size bytes of @text (NULL if @size is 0) as type @type: 0 or -1. */
static inline int kipc_msg_send(int fd, long long type, const void *text,
				unsigned long long size, unsigned int flags)
{
	return kipc_msg_op(fd, KIPC_MSG_SEND, type, text, size, flags, 0, NULL);
}

/*
 * Receive a message by selector @sel into @text, of capacity @cap (NULL
 * and 0 with KIPC_MSG_NOERROR take it without its text): 0 or -1. Its
 * type and size are in *@out if @out is not NULL.
 */
static inline int kipc_msg_recv(int fd, long long sel, void *text,
				unsigned long long cap, unsigned int flags,
				struct kipc_msg *out)
{
	return kipc_msg_op(fd, KIPC_MSG_RECV, sel, text, cap, flags, 0, out);
}

/*
 * Column @col of row @node of /proc/kipc/@table as text, into @buf (of
 * @len bytes): 0, or -1 if the table has no such row or column. For what
 * is not a number ("-"); kipc_proc_get() reads numbers.
 */
static inline int kipc_proc_text(const char *table, const char *node,
				 const char *col, char *buf, size_t len)
{
	char path[64], head[512], line[512], *tok, *save;
	int idx = -1, i, ret = -1;
	FILE *f;

	snprintf(path, sizeof(path), KIPC_PROC_DIR "/%s", table);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fgets(head, sizeof(head), f))
		for (i = 0, tok = strtok_r(head, "\n ", &save); tok;
		     i++, tok = strtok_r(NULL, "\n ", &save))
			if (!strcmp(tok, col))
				idx = i;
	while (idx >= 0 && ret && fgets(line, sizeof(line), f)) {
		tok = strtok_r(line, "\n ", &save);
		if (!tok || strcmp(tok, node))
			continue;
		for (i = 0; i < idx && tok; i++)
			tok = strtok_r(NULL, "\n ", &save);
		if (!tok)
			break;
		snprintf(buf, len, "%s", tok);
		ret = 0;
	}
	fclose(f);
	return ret;
}

/*
 * Read column @col of the row for node @node in /proc/kipc/@table, a
 * number in C syntax (the mode's leading 0 is octal). Returns 0 and stores
 * the value in *@val, or -1 if not found.
 */
static inline int kipc_proc_get(const char *table, const char *node,
				const char *col, long long *val)
{
	char buf[64];

	if (kipc_proc_text(table, node, col, buf, sizeof(buf)))
		return -1;
	*val = strtoll(buf, NULL, 0);
	return 0;
}

/* Rows of /proc/kipc/@table whose name starts with @prefix. */
static inline int kipc_proc_rows(const char *table, const char *prefix)
{
	char path[64], line[512];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), KIPC_PROC_DIR "/%s", table);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += !strncmp(line, prefix, strlen(prefix));
	fclose(f);
	return n;
}

/* Like kipc_proc_get() but returns the value, or LLONG_MIN if missing. */
static inline long long kipc_proc(const char *table, const char *node,
				  const char *col)
{
	long long v;

	return kipc_proc_get(table, node, col, &v) ? LLONG_MIN : v;
}

/*
 * Poll @cond every millisecond for up to 20 s, a hang guard while another
 * process gets somewhere (a waiter counted in /proc, say). 0 once @cond
 * holds, -1 if it never did.
 */
#define kipc_wait_until(cond)                       \
	({                                          \
		int __i, __ret = -1;                \
		for (__i = 0; __i < 20000; __i++) { \
			if (cond) {                 \
				__ret = 0;          \
				break;              \
			}                           \
			usleep(1000);               \
		}                                   \
		__ret;                              \
	})

/* Write @text to the file at @path (sysfs, debugfs, cgroupfs): 0 or -1. */
static inline int kipc_write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* In a child: become an unprivileged user with no capabilities. */
static inline int kipc_drop_privileges(void)
{
	if (setgroups(0, NULL) && errno != EPERM)
		return -1;
	if (setgid(KIPC_NOBODY) || setuid(KIPC_NOBODY))
		return -1;
	return 0;
}

/* An address no process can read or write: for EFAULT tests. */
static inline void *kipc_bad_ptr(void)
{
	static void *page;

	if (!page)
		page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			    -1, 0);
	return page;
}

static inline unsigned long long kipc_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * fork() for a test's helper process: it dies with the test, so a test
 * killed by the harness leaves no process holding the node.
 */
static inline pid_t kipc_fork_kid(void)
{
	pid_t ppid = getpid(), pid = fork();

	if (pid == 0 && (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != ppid))
		_exit(99);
	return pid;
}

/* Exit status of @pid, or -1 if it did not exit normally. */
static inline int kipc_wait_exit(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/*
 * Wait up to @ms for @len bytes a child sends back on pipe @note; 1 if
 * they came into @buf, 0 if not (time-out, short read, error).
 */
static inline int kipc_read_result(int note, int ms, void *buf, size_t len)
{
	struct pollfd p = { .fd = note, .events = POLLIN };

	if (poll(&p, 1, ms) != 1)
		return 0;
	return read(note, buf, len) == (ssize_t)len;
}

/* Has the child's operation finished within @ms? Fills *@r if so. */
#define kipc_op_done(note, ms, r) kipc_read_result(note, ms, r, sizeof((r)[0]))

/*
 * Helper processes of the running test, which its fixture teardown kills
 * and reaps with kipc_reap_kids(). Each test binary has its own list; in
 * one that forks no helpers only these static inline functions refer to
 * it, so neither gcc nor clang warns about it.
 */
#define KIPC_MAX_KIDS 16
static pid_t kipc_kids[KIPC_MAX_KIDS];
static int kipc_nr_kids;

/* Put child @pid on the list: 0, or -1 if it is full (@pid is killed). */
static inline int kipc_keep_kid(pid_t pid)
{
	if (kipc_nr_kids == KIPC_MAX_KIDS) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	kipc_kids[kipc_nr_kids++] = pid;
	return 0;
}

/* Take @pid off the list, once the test has reaped it itself. */
static inline void kipc_forget_kid(pid_t pid)
{
	int i;

	for (i = 0; i < kipc_nr_kids; i++)
		if (kipc_kids[i] == pid)
			kipc_kids[i] = kipc_kids[--kipc_nr_kids];
}

/* For the teardown: kill and reap every child still on the list. */
static inline void kipc_reap_kids(void)
{
	while (kipc_nr_kids) {
		kill(kipc_kids[--kipc_nr_kids], SIGKILL);
		waitpid(kipc_kids[kipc_nr_kids], NULL, 0);
	}
}

/*
 * Run the statements after @note in a helper from kipc_fork_kid(), put at
 * the end of the list (a test's first helper is kipc_kids[0]). They fill
 * `r`, a zeroed `struct op_result`, which the child sends back on a pipe
 * whose read end is stored in @note (see kipc_op_done()). struct op_result
 * is the test's own, not one from here: what a child reports differs
 * (msg_fixture.h's carries the received message), and only KIPC_CHILD_OP()
 * below needs fields of it, .ret and .err.
 */
#define KIPC_CHILD(note, ...)                                 \
	do {                                                  \
		int __p[2];                                   \
		pid_t __pid;                                  \
		ASSERT_EQ(0, pipe(__p));                      \
		__pid = kipc_fork_kid();                      \
		ASSERT_GE(__pid, 0);                          \
		if (__pid == 0) {                             \
			struct op_result r;                   \
			memset(&r, 0, sizeof(r));             \
			close(__p[0]);                        \
			__VA_ARGS__;                          \
			if (write(__p[1], &r, sizeof(r)) < 0) \
				_exit(1);                     \
			_exit(0);                             \
		}                                             \
		close(__p[1]);                                \
		ASSERT_EQ(0, kipc_keep_kid(__pid));           \
		(note) = __p[0];                              \
	} while (0)

/*
 * Run @expr in a helper, which sends back its value and errno (.ret and
 * .err of the test's struct op_result) on @note; its pid in @pid. @expr
 * runs where the child's `r` hides any `r` of the test: it must not use one.
 */
#define KIPC_CHILD_OP(pid, note, expr)                           \
	do {                                                     \
		KIPC_CHILD(note, r.ret = (expr); r.err = errno); \
		(pid) = kipc_kids[kipc_nr_kids - 1];             \
	} while (0)

/* Block @sig, so that it stays pending for kipc_take_signal(). */
static inline void kipc_block_signal(int sig)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

/* Wait up to @ms for @sig; returns the signal or -1 (EAGAIN on time-out). */
static inline int kipc_take_signal(int sig, siginfo_t *si, int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
			       .tv_nsec = (ms % 1000) * 1000000L };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, sig);
	return sigtimedwait(&set, si, &ts);
}

/* ------------------------------------ objects made through the control node */

/* A module parameter from /sys/module/kipc/parameters, or -1. */
static inline long long kipc_param(const char *name)
{
	char path[128], buf[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/kipc/parameters/%s", name);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	return buf[0] ? strtoll(buf, NULL, 0) : -1;
}

/* The kipc objects there are (loaded, named and anonymous), or LLONG_MIN. */
static inline long long kipc_objects_used(void)
{
	return kipc_proc("limits", "max_objects", "used");
}

/* @cmd on a control file of its own, errno kept: what the ioctl returns. */
static inline int kipc_ctl(unsigned long cmd, void *arg)
{
	int ctl = kipc_open("control", O_RDWR), ret, err;

	if (ctl < 0)
		return -1;
	ret = ioctl(ctl, cmd, arg);
	err = errno;
	close(ctl);
	errno = err;
	return ret;
}

/* pipe2(2), or KIPC_CTL_PIPE with the same flags: 0, or -1 and errno. */
static inline int kipc_make_pipe(bool kipc, int fd[2], int flags)
{
	struct kipc_pipe_pair pp = { .flags = flags };
	int ret;

	if (!kipc)
		return pipe2(fd, flags);
	ret = kipc_ctl(KIPC_CTL_PIPE, &pp);
	if (!ret) {
		fd[0] = pp.fd[0];
		fd[1] = pp.fd[1];
	}
	return ret;
}

/* KIPC_CTL_CREATE of /dev/kipc/@name: 0, or -1 and errno. */
static inline int kipc_create(__u32 kind, const char *name, __u32 mode,
			      __u64 size, __u32 flags)
{
	struct kipc_create c = {
		.kind = kind,
		.flags = flags,
		.mode = mode,
		.size = size,
	};

	memcpy(c.name, name, strnlen(name, sizeof(c.name) - 1));
	return kipc_ctl(KIPC_CTL_CREATE, &c);
}

/* KIPC_CTL_REMOVE of /dev/kipc/@name: 0, or -1 and errno. */
static inline int kipc_remove(const char *name)
{
	struct kipc_remove r;

	memset(&r, 0, sizeof(r));
	memcpy(r.name, name, strnlen(name, sizeof(r.name) - 1));
	return kipc_ctl(KIPC_CTL_REMOVE, &r);
}

/* KIPC_CTL_ANON: the new object's file descriptor, or -1 and errno. */
static inline int kipc_anon(__u32 kind, __u32 flags, __u64 size)
{
	struct kipc_anon a = { .kind = kind, .flags = flags, .size = size };

	return kipc_ctl(KIPC_CTL_ANON, &a);
}

/* The /proc/kipc table of @kind (enum kipc_kind), or NULL. */
static inline const char *kipc_kind_table(__u32 kind)
{
	static const char *const tables[] = { NULL, "pipe", "msg", "shm",
					      "sem" };

	return kind >= KIPC_KIND_PIPE && kind <= KIPC_KIND_SEM ? tables[kind] :
								 NULL;
}

/*
 * The names of the objects a test makes, for its teardown to remove with
 * kipc_remove_names(): even when the test fails half-way.
 */
#define KIPC_NAMES_MAX 320
struct kipc_names {
	int n;
	char name[KIPC_NAMES_MAX][KIPC_NAME_MAX];
};

/* Record @name; returns the recorded copy (NULL if the list is full). */
static inline const char *kipc_names_add(struct kipc_names *names,
					 const char *name)
{
	char *copy;

	if (names->n == KIPC_NAMES_MAX)
		return NULL;
	copy = names->name[names->n++];
	snprintf(copy, KIPC_NAME_MAX, "%s", name);
	return copy;
}

/* Record and return a name no other process uses: "@tag-PID". */
static inline const char *kipc_names_new(struct kipc_names *names,
					 const char *tag)
{
	char name[KIPC_NAME_MAX];

	snprintf(name, sizeof(name), "%s-%d", tag, getpid());
	return kipc_names_add(names, name);
}

/*
 * Remove every recorded object still there (the caller needs the right
 * to: root has it). Returns how many removals failed other than with
 * ENOENT, that is, other than for names already gone (0 for NULL).
 */
static inline int kipc_remove_names(struct kipc_names *names)
{
	int bad = 0;

	while (names && names->n)
		if (kipc_remove(names->name[--names->n]) && errno != ENOENT)
			bad++;
	return bad;
}

/*
 * Run @expr as user nobody in a helper (on files opened before, if it
 * uses any) and reap it; its errno, or 0 if it returned 0. The test's
 * struct op_result needs .ret and .err, as for KIPC_CHILD_OP().
 */
#define KIPC_AS_NOBODY(expr)                                             \
	({                                                               \
		struct op_result __r;                                    \
		pid_t __pid;                                             \
		int __note;                                              \
		KIPC_CHILD(__note,                                       \
			   r.ret = kipc_drop_privileges() ? -2 : (expr); \
			   r.err = errno);                               \
		__pid = kipc_kids[kipc_nr_kids - 1];                     \
		ASSERT_EQ(1, kipc_op_done(__note, 20000, &__r));         \
		close(__note);                                           \
		waitpid(__pid, NULL, 0);                                 \
		kipc_forget_kid(__pid);                                  \
		ASSERT_NE(-2, __r.ret);                                  \
		__r.ret ? __r.err : 0;                                   \
	})

/* The state letter of task @pid (R, S, D...) from /proc/PID/stat, or 0. */
static inline char kipc_task_state(pid_t pid)
{
	char path[64], state = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (fscanf(f, "%*d (%*[^)]) %c", &state) != 1)
		state = 0;
	fclose(f);
	return state;
}

/*
 * Wait until @pid sleeps, at most ~20 s: a helper that went straight into
 * a blocking call is then waiting in it. 0, or -1 if it never slept.
 */
static inline int kipc_wait_sleeping(pid_t pid)
{
	return kipc_wait_until(kipc_task_state(pid) == 'S');
}

/* Does /dev/kipc/@name exist? */
static inline int kipc_node_exists(const char *name)
{
	char path[64];

	kipc_node_path(path, sizeof(path), name);
	return access(path, F_OK) == 0;
}

/* In a child: become user @uid, group @gid, with no capabilities. */
static inline int kipc_become(uid_t uid, gid_t gid)
{
	if (setgroups(0, NULL) && errno != EPERM)
		return -1;
	return setgid(gid) || setuid(uid) ? -1 : 0;
}

/*
 * An object's size as KIPC_CTL_CREATE's size field means it, read through
 * @fd: pipe capacity, msg qbytes, shm bytes, sem value. -1 on error.
 */
static inline long long kipc_fd_size(__u32 kind, int fd)
{
	struct kipc_msg_info mi;
	struct kipc_sem_info si;
	__u32 psize;
	__u64 size;

	switch (kind) {
	case KIPC_KIND_PIPE:
		return ioctl(fd, KIPC_PIPE_GET_SIZE, &psize) ? -1 : psize;
	case KIPC_KIND_MSG:
		return ioctl(fd, KIPC_MSG_GETINFO, &mi) ? -1 :
							  (long long)mi.qbytes;
	case KIPC_KIND_SHM:
		return ioctl(fd, KIPC_SHM_GET_SIZE, &size) ? -1 :
							     (long long)size;
	case KIPC_KIND_SEM:
		return ioctl(fd, KIPC_SEM_GETINFO, &si) ? -1 : si.value;
	}
	return -1;
}

/*
 * For the setup of a fixture that makes objects (in a program that has
 * KIPC_REQUIRE_MODULE()): note in @base how many objects there are.
 */
#define KIPC_OBJECTS_SETUP(base)              \
	do {                                  \
		long long __used;             \
		__used = kipc_objects_used(); \
		ASSERT_GT(__used, 0);         \
		(base) = __used;              \
	} while (0)

/*
 * For its teardown, once its files and mappings are closed: kill the
 * helpers, remove the names recorded in @names (if not NULL), and expect
 * the count of objects back at @base (nothing leaked).
 */
#define KIPC_OBJECTS_TEARDOWN(names, base)                                    \
	do {                                                                  \
		kipc_reap_kids();                                             \
		EXPECT_EQ(0, kipc_remove_names(names));                       \
		EXPECT_EQ(0, kipc_wait_until(kipc_objects_used() == (base))); \
	} while (0)

/*
 * Put a copy of @fd in flight on unix socket @sock (SCM_RIGHTS), with one
 * byte: 0 or -1.
 */
static inline int kipc_send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 }, byte = 'f';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &mh, 0) == 1 ? 0 : -1;
}

/* The fd that came with one byte on @sock (close-on-exec), or -1. */
static inline int kipc_recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 }, byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &mh, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

#endif /* _KIPC_TEST_H */

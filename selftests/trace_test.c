// SPDX-License-Identifier: GPL-2.0
/*
 * The kipc trace system (events/kipc/ in tracefs): each event fires where
 * its operation completes or fails, with the fields that operation saw,
 * errno included; wait and wake bracket a blocked call; an event that is
 * not enabled writes nothing.
 *
 * Each test traces into a tracefs instance of its own
 * (instances/kipc_trace_test_PID), so the top-level tracing state is
 * never touched, then reads that instance's `trace` and looks for whole
 * event lines: "EVENT: name=... pid=... FIELDS" ending a line, each field
 * as expected. Objects are made for the test and removed after it.
 */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "kipc_test.h"

KIPC_REQUIRE_MODULE();

static const char *const kipc_events[] = {
	"pipe_read",	 "pipe_write", "pipe_resize",	"msg_send",
	"msg_recv",	 "msg_flush",  "sem_p",		"sem_v",
	"shm_map",	 "shm_resize", "notify_signal", "object_create",
	"object_remove", "wait",       "wake",
};

/* The tracefs mount: /sys/kernel/tracing, mounted there if need be. */
static const char *tr_root(void)
{
	static const char *root;

	if (root)
		return root;
	if (access("/sys/kernel/tracing/events", F_OK) &&
	    access("/sys/kernel/debug/tracing/events", F_OK))
		mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL);
	if (!access("/sys/kernel/tracing/events", F_OK))
		root = "/sys/kernel/tracing";
	else if (!access("/sys/kernel/debug/tracing/events", F_OK))
		root = "/sys/kernel/debug/tracing";
	return root;
}

static void __attribute__((constructor)) tr_require(void)
{
	kipc_require(geteuid() == 0, "needs root (tracefs)");
	kipc_require(!!tr_root(), "no tracefs");
}

/* A trace buffer read back: up to 1 MiB of lines. */
#define TR_BUF (1024 * 1024)

FIXTURE(trace)
{
	char dir[256];
	char *buf;
	struct kipc_names names;
	long long base;
};

FIXTURE_SETUP(trace)
{
	KIPC_OBJECTS_SETUP(self->base);
	snprintf(self->dir, sizeof(self->dir),
		 "%s/instances/kipc_trace_test_%d", tr_root(), getpid());
	ASSERT_EQ(0, mkdir(self->dir, 0700));
	self->buf = malloc(TR_BUF);
	ASSERT_NE(NULL, self->buf);
	self->buf[0] = '\0';
	umask(022);
}

FIXTURE_TEARDOWN(trace)
{
	kipc_reap_kids();
	EXPECT_EQ(0, rmdir(self->dir));
	free(self->buf);
	KIPC_OBJECTS_TEARDOWN(&self->names, self->base);
}

/* Write @val to the instance's file @rel ("events/kipc/wait/enable"). */
static int tr_set(const char *dir, const char *rel, const char *val)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return kipc_write_file(path, val);
}

/* Enable kipc event @ev in the instance. */
static int tr_on(const char *dir, const char *ev)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "events/kipc/%s/enable", ev);
	return tr_set(dir, rel, "1");
}

/* Read the instance's trace into @buf, then empty it: bytes read, or -1. */
static ssize_t tr_take(const char *dir, char *buf)
{
	char path[512];
	ssize_t n, len = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/trace", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while (len < TR_BUF - 1 &&
	       (n = read(fd, buf + len, TR_BUF - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	/* Opening `trace` for writing with O_TRUNC clears the buffer. */
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -1;
	close(fd);
	return len;
}

/*
 * Where in @buf a line ends with @want (a whole "event: fields" text,
 * after the trace header), or NULL. The lines of a trace buffer come in
 * time order, so comparing two results orders two events.
 */
static const char *tr_line(const char *buf, const char *want)
{
	size_t n = strlen(want);
	const char *p, *end;

	for (p = buf; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, '\n');
		if ((size_t)(end - p) >= n && !memcmp(end - n, want, n) &&
		    (end - p == (ptrdiff_t)n || end[-n - 1] == ' '))
			return p;
	}
	return NULL;
}

/* Lines of @buf that hold @what. */
static int tr_count(const char *buf, const char *what)
{
	const char *p = buf;
	int n = 0;

	while ((p = strstr(p, what))) {
		n++;
		p += strlen(what);
	}
	return n;
}

/* "EV: name=NAME pid=PID FIELDS", FIELDS from @fmt, into @out (512 B). */
static const char *tr_fmt(char *out, const char *ev, const char *name, int pid,
			  const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(out, 512, "%s: name=%s pid=%d ", ev, name, pid);
	va_start(ap, fmt);
	vsnprintf(out + n, 512 - n, fmt, ap);
	va_end(ap);
	return out;
}

/*
 * Expect a line ending with event @ev of object @name by process @pid,
 * its other fields given as printf arguments; evaluates to where it is.
 * The trace read is logged when it is not there.
 */
#define EXPECT_EVENT(buf, ev, name, pid, ...)                                \
	({                                                                   \
		char __want[512];                                            \
		const char *__buf = (buf), *__at;                            \
		tr_fmt(__want, ev, name, pid, __VA_ARGS__);                  \
		__at = tr_line(__buf, __want);                               \
		EXPECT_NE(NULL, __at)                                        \
		{                                                            \
			TH_LOG("no line ending with \"%s\" in:\n%s", __want, \
			       __buf);                                       \
		}                                                            \
		__at;                                                        \
	})

/* A new object of @kind for the test, opened O_RDWR (blocking): the fd. */
static int tr_object(struct kipc_names *names, __u32 kind, const char *tag,
		     __u64 size, const char **name)
{
	*name = kipc_names_new(names, tag);
	if (!*name || kipc_create(kind, *name, 0600, size, 0))
		return -1;
	return kipc_open(*name, O_RDWR);
}

TEST(every_event_is_there)
{
	char path[512];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kipc_events); i++) {
		snprintf(path, sizeof(path), "%s/events/kipc/%s/format",
			 tr_root(), kipc_events[i]);
		EXPECT_EQ(0, access(path, R_OK))
		{
			TH_LOG("no event kipc:%s", kipc_events[i]);
		}
	}
}

TEST_F(trace, pipe_write_read_and_eagain)
{
	const char *name;
	char buf[100];
	__u32 size;
	int fd;

	fd = tr_object(&self->names, KIPC_KIND_PIPE, "trp", 0, &name);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioctl(fd, KIPC_PIPE_GET_SIZE, &size));
	ASSERT_EQ(0, tr_on(self->dir, "pipe_read"));
	ASSERT_EQ(0, tr_on(self->dir, "pipe_write"));

	ASSERT_EQ(5, write(fd, "hello", 5));
	ASSERT_EQ(5, read(fd, buf, sizeof(buf)));
	ASSERT_EQ(0, fcntl(fd, F_SETFL, O_NONBLOCK));
	ASSERT_EQ(-1, read(fd, buf, sizeof(buf)));
	ASSERT_EQ(EAGAIN, errno);
	close(fd);

	ASSERT_LT(0, tr_take(self->dir, self->buf));
	EXPECT_EVENT(self->buf, "pipe_write", name, getpid(),
		     "len=5 done=5 used=5 size=%u err=0", size);
	EXPECT_EVENT(self->buf, "pipe_read", name, getpid(),
		     "len=100 done=5 used=0 size=%u err=0", size);
	EXPECT_EVENT(self->buf, "pipe_read", name, getpid(),
		     "len=100 done=0 used=0 size=%u err=-11", size);
	EXPECT_EQ(3, tr_count(self->buf, "name="));
}

TEST_F(trace, pipe_resize_and_einval)
{
	const char *name;
	__u32 size;
	int fd;

	fd = tr_object(&self->names, KIPC_KIND_PIPE, "trp", 16384, &name);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, tr_on(self->dir, "pipe_resize"));

	size = 8192;
	ASSERT_EQ(0, ioctl(fd, KIPC_PIPE_SET_SIZE, &size));
	size = 0;
	ASSERT_EQ(-1, ioctl(fd, KIPC_PIPE_SET_SIZE, &size));
	ASSERT_EQ(EINVAL, errno);
	close(fd);

	ASSERT_LT(0, tr_take(self->dir, self->buf));
	EXPECT_EVENT(self->buf, "pipe_resize", name, getpid(),
		     "req=8192 old=16384 size=8192 err=0");
	EXPECT_EVENT(self->buf, "pipe_resize", name, getpid(),
		     "req=0 old=8192 size=8192 err=-22");
}

TEST_F(trace, msg_send_recv)
{
	struct kipc_msg out;
	const char *name;
	char buf[64];
	int fd;

	fd = tr_object(&self->names, KIPC_KIND_MSG, "trm", 0, &name);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, tr_on(self->dir, "msg_send"));
	ASSERT_EQ(0, tr_on(self->dir, "msg_recv"));

	ASSERT_EQ(0, kipc_msg_send(fd, 7, "hello", 5, 0));
	ASSERT_EQ(0, kipc_msg_recv(fd, -9, buf, sizeof(buf), 0, &out));
	ASSERT_EQ(7, out.mtype);
	ASSERT_EQ(0, kipc_msg_send(fd, 3, "abc", 3, KIPC_NOWAIT));
	ASSERT_EQ(0, kipc_msg_recv(fd, 4, buf, sizeof(buf),
				   KIPC_MSG_EXCEPT | KIPC_MSG_PEEK, NULL));
	close(fd);

	ASSERT_LT(0, tr_take(self->dir, self->buf));
	EXPECT_EVENT(self->buf, "msg_send", name, getpid(),
		     "mtype=7 size=5 flags=0x0 err=0");
	EXPECT_EVENT(self->buf, "msg_recv", name, getpid(),
		     "selector=-9 mtype=7 size=5 flags=0x0 err=0");
	EXPECT_EVENT(self->buf, "msg_send", name, getpid(),
		     "mtype=3 size=3 flags=0x1 err=0");
	EXPECT_EVENT(self->buf, "msg_recv", name, getpid(),
		     "selector=4 mtype=3 size=3 flags=0xa err=0");
}

TEST_F(trace, msg_errors_enomsg_e2big_einval)
{
	const char *name;
	char buf[64];
	int fd;

	fd = tr_object(&self->names, KIPC_KIND_MSG, "trm", 0, &name);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, tr_on(self->dir, "msg_send"));
	ASSERT_EQ(0, tr_on(self->dir, "msg_recv"));

	ASSERT_EQ(-1,
		  kipc_msg_recv(fd, 3, buf, sizeof(buf), KIPC_NOWAIT, NULL));
	ASSERT_EQ(ENOMSG, errno);
	ASSERT_EQ(0, kipc_msg_send(fd, 2, "0123456789", 10, 0));
	ASSERT_EQ(-1, kipc_msg_recv(fd, 0, buf, 4, 0, NULL));
	ASSERT_EQ(E2BIG, errno);
	ASSERT_EQ(-1, kipc_msg_send(fd, 0, "x", 1, 0));
	ASSERT_EQ(EINVAL, errno);
	close(fd);

	ASSERT_LT(0, tr_take(self->dir, self->buf));
	EXPECT_EVENT(self->buf, "msg_recv", name, getpid(),
		     "selector=3 mtype=0 size=0 flags=0x1 err=-42");
	EXPECT_EVENT(self->buf, "msg_recv", name, getpid(),
		     "selector=0 mtype=2 size=10 flags=0x0 err=-7");
	EXPECT_EVENT(self->buf, "msg_send", name, getpid(),
		     "mtype=0 size=1 flags=0x0 err=-22");
}

/*
 * The entries of a vector are traced in entry order, the one that ends
 * the call last, although the module takes the entries after the first
 * in batches and finds the failure before it sends or copies the others.
 */
/* One vector entry: @type, @len bytes at @text. */
static struct kipc_msg tr_ent(long long type, void *text, size_t len)
{
	return (struct kipc_msg){ .mtype = type,
				  .text = (uintptr_t)text,
				  .size = len };
}

/* KIPC_MSG_SENDV or KIPC_MSG_RECVV of @n entries: ioctl()'s result. */
static int tr_vec(int fd, unsigned long cmd, struct kipc_msg *v, int n)
{
	struct kipc_msg_vec vec = { .msgs = (uintptr_t)v, .count = n };

	return ioctl(fd, cmd, &vec);
}

TEST_F(trace, vector_events_in_entry_order)
{
	char bufs[3][8], text[] = "abc";
	struct kipc_msg v[3];
	const char *name, *a, *b, *c;
	int fd;

	fd = tr_object(&self->names, KIPC_KIND_MSG, "trm", 0, &name);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, tr_on(self->dir, "msg_send"));
	ASSERT_EQ(0, tr_on(self->dir, "msg_recv"));

	v[0] = tr_ent(1, text, 1);
	v[1] = tr_ent(2, text + 1, 1);
	v[2] = tr_ent(0, text + 2, 1);
	ASSERT_EQ(2, tr_vec(fd, KIPC_MSG_SENDV, v, 3));
	v[0] = tr_ent(1, bufs[0], 8);
	v[1] = tr_ent(2, bufs[1], 8);
	v[2] = tr_ent(9, bufs[2], 8);
	ASSERT_EQ(2, tr_vec(fd, KIPC_MSG_RECVV, v, 3));
	close(fd);

	ASSERT_LT(0, tr_take(self->dir, self->buf));
	a = EXPECT_EVENT(self->buf, "msg_send", name, getpid(),
			 "mtype=1 size=1 flags=0x0 err=0");
	b = EXPECT_EVENT(self->buf, "msg_send", name, getpid(),
			 "mtype=2 size=1 flags=0x1 err=0");
	c = EXPECT_EVENT(self->buf, "msg_send", name, getpid(),
			 "mtype=0 size=1 flags=0x1 err=-22");
	EXPECT_TRUE(a && b && c && a < b && b < c);
	a = EXPECT_EVENT(self->buf, "msg_recv", name, getpid(),
			 "selector=1 mtype=1 size=1 flags=0x0 err=0");
	b = EXPECT_EVENT(self->buf, "msg_recv", name, getpid(),
			 "selector=2 mtype=2 size=1 flags=0x1 err=0");
	c = EXPECT_EVENT(self->buf, "msg_recv", name, getpid(),
			 "selector=9 mtype=0 size=0 flags=0x1 err=-42");
	EXPECT_TRUE(a && b && c && a < b && b < c);
}

/*
 * read() and write() of a queue: err is what they return. A read with
 * nothing to read under O_NONBLOCK is EAGAIN, as for a pipe, not the
 * ENOMSG of KIPC_MSG_RECV with KIPC_NOWAIT.
 */
TEST_F(trace, msg_read_write_errors_as_returned)
{
	struct {
		__s64 mtype;
		char text[8];
	} mb = { .mtype = 6, .text = "abc" };
	const char *name;
	int fd;

	fd = tr_object(&self->names, KIPC_KIND_MSG, "trm", 0, &name);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fcntl(fd, F_SETFL, O_NONBLOCK));
	ASSERT_EQ(0, tr_on(self->dir, "msg_send"));
	ASSERT_EQ(0, tr_on(self->dir, "msg_recv"));

	ASSERT_EQ(-1, read(fd, &mb, sizeof(mb)));
	ASSERT_EQ(EAGAIN, errno);
	ASSERT_EQ(8 + 3, write(fd, &mb, 8 + 3));
	ASSERT_EQ(8 + 3, read(fd, &mb, sizeof(mb)));
	close(fd);

	ASSERT_LT(0, tr_take(self->dir, self->buf));
	EXPECT_EVENT(self->buf, "msg_recv", name, getpid(),
		     "selector=0 mtype=0 size=0 flags=0x1 err=-11");
	EXPECT_EVENT(self->buf, "msg_send", name, getpid(),
		     "mtype=6 size=3 flags=0x1 err=0");
	EXPECT_EVENT(self->buf, "msg_recv", name, getpid(),
		     "selector=0 mtype=6 size=3 flags=0x1 err=0");
	EXPECT_EQ(0, tr_count(self->buf, "err=-42"));
}

TEST_F(trace, msg_flush)
{
	const char *name;
	int fd;

	fd = tr_object(&self->names, KIPC_KIND_MSG, "trm", 0, &name);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, kipc_msg_send(fd, 1, "abc", 3, 0));
	ASSERT_EQ(0, kipc_msg_send(fd, 2, "defg", 4, 0));
	ASSERT_EQ(0, tr_on(self->dir, "msg_flush"));
	ASSERT_EQ(0, ioctl(fd, KIPC_MSG_FLUSH));
	close(fd);

	ASSERT_LT(0, tr_take(self->dir, self->buf));
	EXPECT_EVENT(self->buf, "msg_flush", name, getpid(),
		     "qnum=2 cbytes=7 err=0");
}

TEST_F(trace, sem_p_v_and_eagain)
{
	struct kipc_sem_op op = { .count = 2 };
	const char *name;
	int fd;

	fd = tr_object(&self->names, KIPC_KIND_SEM, "trs", 2, &name);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, tr_on(self->dir, "sem_p"));
	ASSERT_EQ(0, tr_on(self->dir, "sem_v"));

	ASSERT_EQ(0, ioctl(fd, KIPC_SEM_P, &op));
	op = (struct kipc_sem_op){ .count = 1, .flags = KIPC_NOWAIT };
	ASSERT_EQ(-1, ioctl(fd, KIPC_SEM_P, &op));
	ASSERT_EQ(EAGAIN, errno);
	op = (struct kipc_sem_op){ .count = 3 };
	ASSERT_EQ(0, ioctl(fd, KIPC_SEM_V, &op));
	close(fd);

	ASSERT_LT(0, tr_take(self->dir, self->buf));
	EXPECT_EVENT(self->buf, "sem_p", name, getpid(),
		     "count=2 flags=0x0 value=0 err=0");
	EXPECT_EVENT(self->buf, "sem_p", name, getpid(),
		     "count=1 flags=0x1 value=0 err=-11");
	EXPECT_EVENT(self->buf, "sem_v", name, getpid(),
		     "count=3 flags=0x0 value=3 err=0");
}

TEST_F(trace, shm_map_resize_and_ebusy)
{
	const char *name;
	__u64 size;
	void *p;
	int fd;

	fd = tr_object(&self->names, KIPC_KIND_SHM, "trh", 8192, &name);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, tr_on(self->dir, "shm_map"));
	ASSERT_EQ(0, tr_on(self->dir, "shm_resize"));

	size = 16384;
	ASSERT_EQ(0, ioctl(fd, KIPC_SHM_SET_SIZE, &size));
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 4096);
	ASSERT_NE(MAP_FAILED, p);
	size = 4096;
	ASSERT_EQ(-1, ioctl(fd, KIPC_SHM_SET_SIZE, &size));
	ASSERT_EQ(EBUSY, errno);
	ASSERT_EQ(MAP_FAILED, mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0));
	ASSERT_EQ(EINVAL, errno);
	munmap(p, 4096);
	close(fd);

	ASSERT_LT(0, tr_take(self->dir, self->buf));
	EXPECT_EVENT(self->buf, "shm_resize", name, getpid(),
		     "req=16384 old=8192 size=16384 err=0");
	EXPECT_EVENT(self->buf, "shm_map", name, getpid(),
		     "offset=4096 len=4096 size=16384 nattch=1 err=0");
	EXPECT_EVENT(self->buf, "shm_resize", name, getpid(),
		     "req=4096 old=16384 size=16384 err=-16");
	EXPECT_EVENT(self->buf, "shm_map", name, getpid(),
		     "offset=0 len=4096 size=16384 nattch=1 err=-22");
}

TEST_F(trace, notify_signal)
{
	struct kipc_notify n = { .signo = SIGUSR1 };
	const char *name;
	siginfo_t si;
	int fd;

	fd = tr_object(&self->names, KIPC_KIND_MSG, "trn", 0, &name);
	ASSERT_LE(0, fd);
	kipc_block_signal(SIGUSR1);
	ASSERT_EQ(0, ioctl(fd, KIPC_NOTIFY, &n));
	ASSERT_EQ(0, tr_on(self->dir, "notify_signal"));
	ASSERT_EQ(0, kipc_msg_send(fd, 5, "x", 1, 0));
	ASSERT_EQ(SIGUSR1, kipc_take_signal(SIGUSR1, &si, 10000));
	close(fd);

	ASSERT_LT(0, tr_take(self->dir, self->buf));
	EXPECT_EVENT(self->buf, "notify_signal", name, getpid(),
		     "target=%d signo=%d value=5", getpid(), SIGUSR1);
}

TEST_F(trace, object_create_remove_and_errors)
{
	const char *anon =
		"kind=sem size=3 flags=0x0 mode=0600 created=1 err=0";
	char name[KIPC_NAME_MAX];
	int fd;

	snprintf(name, sizeof(name), "tro-%d", getpid());
	ASSERT_NE(NULL, kipc_names_add(&self->names, name));
	ASSERT_EQ(0, tr_on(self->dir, "object_create"));
	ASSERT_EQ(0, tr_on(self->dir, "object_remove"));

	ASSERT_EQ(0, kipc_create(KIPC_KIND_MSG, name, 0664, 0, 0));
	ASSERT_EQ(-1,
		  kipc_create(KIPC_KIND_MSG, name, 0664, 0, KIPC_CREATE_EXCL));
	ASSERT_EQ(EEXIST, errno);
	ASSERT_EQ(0, kipc_remove(name));
	ASSERT_EQ(-1, kipc_remove(name));
	ASSERT_EQ(ENOENT, errno);
	fd = kipc_anon(KIPC_KIND_SEM, 0, 3);
	ASSERT_LE(0, fd);
	close(fd);

	ASSERT_LT(0, tr_take(self->dir, self->buf));
	/* umask 022 takes the group's write bit. */
	EXPECT_EVENT(self->buf, "object_create", name, getpid(),
		     "kind=msg size=0 flags=0x0 mode=0644 created=1 err=0");
	EXPECT_EVENT(self->buf, "object_create", name, getpid(),
		     "kind=msg size=0 flags=0x1 mode=0644 created=0 err=-17");
	EXPECT_EVENT(self->buf, "object_remove", name, getpid(),
		     "kind=msg err=0");
	EXPECT_EVENT(self->buf, "object_remove", name, getpid(),
		     "kind=0x0 err=-2");
	/* The anonymous semaphore, with a name made up: anon:ID. */
	EXPECT_EQ(1, tr_count(self->buf, anon));
	EXPECT_EQ(1, tr_count(self->buf, "object_create: name=anon:"));
}

/* A receiver blocks, a send wakes it: wait, send, wake, receive, in order. */
TEST_F(trace, wait_wake_around_blocked_recv)
{
	const char *name, *wait, *send, *wake, *recv;
	char buf[64];
	pid_t kid;
	int fd;

	fd = tr_object(&self->names, KIPC_KIND_MSG, "trw", 0, &name);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, tr_on(self->dir, "wait"));
	ASSERT_EQ(0, tr_on(self->dir, "wake"));
	ASSERT_EQ(0, tr_on(self->dir, "msg_send"));
	ASSERT_EQ(0, tr_on(self->dir, "msg_recv"));

	kid = kipc_fork_kid();
	ASSERT_LE(0, kid);
	if (!kid) {
		int rfd = kipc_open(name, O_RDWR);

		_exit(rfd < 0 ||
		      kipc_msg_recv(rfd, 0, buf, sizeof(buf), 0, NULL));
	}
	ASSERT_EQ(0, kipc_keep_kid(kid));
	ASSERT_EQ(0, kipc_wait_sleeping(kid));
	ASSERT_EQ(0, kipc_msg_send(fd, 4, "ping", 4, 0));
	ASSERT_EQ(0, kipc_wait_exit(kid));
	kipc_forget_kid(kid);
	close(fd);

	ASSERT_LT(0, tr_take(self->dir, self->buf));
	wait = EXPECT_EVENT(self->buf, "wait", name, kid, "op=recv need=64");
	send = EXPECT_EVENT(self->buf, "msg_send", name, getpid(),
			    "mtype=4 size=4 flags=0x0 err=0");
	wake = EXPECT_EVENT(self->buf, "wake", name, kid, "op=recv err=0");
	recv = EXPECT_EVENT(self->buf, "msg_recv", name, kid,
			    "selector=0 mtype=4 size=4 flags=0x0 err=0");
	EXPECT_TRUE(wait && send && wait < send);
	EXPECT_TRUE(send && recv && send < recv);
	EXPECT_TRUE(wake && recv && wake < recv);
}

/*
 * A receiver blocked with too small a buffer is woken with E2BIG by the
 * send: its msg_recv has the type and size of the message too long, as
 * for a message already queued.
 */
TEST_F(trace, blocked_recv_woken_with_e2big)
{
	const char *name;
	char buf[4];
	pid_t kid;
	int fd;

	fd = tr_object(&self->names, KIPC_KIND_MSG, "tre", 0, &name);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, tr_on(self->dir, "msg_recv"));

	kid = kipc_fork_kid();
	ASSERT_LE(0, kid);
	if (!kid)
		_exit(kipc_msg_recv(fd, 0, buf, sizeof(buf), 0, NULL) != -1 ||
		      errno != E2BIG);
	ASSERT_EQ(0, kipc_keep_kid(kid));
	ASSERT_EQ(0, kipc_wait_sleeping(kid));
	ASSERT_EQ(0, kipc_msg_send(fd, 9, "0123456789", 10, 0));
	ASSERT_EQ(0, kipc_wait_exit(kid));
	kipc_forget_kid(kid);
	close(fd);

	ASSERT_LT(0, tr_take(self->dir, self->buf));
	EXPECT_EVENT(self->buf, "msg_recv", name, kid,
		     "selector=0 mtype=9 size=10 flags=0x0 err=-7");
}

#define TR_RECEIVERS 4
#define TR_PREEMPT "/sys/kernel/debug/sched/preempt"

/* A blocked receive into a 1-byte buffer: E2BIG for a longer message. */
static void *tr_small_recv(void *arg)
{
	char c;

	kipc_msg_recv(*(int *)arg, 0, &c, 1, 0, NULL);
	return NULL;
}

/* Run the caller on the first CPU. */
static int tr_pin(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/*
 * The preemption mode of a PREEMPT_DYNAMIC kernel, as TR_PREEMPT shows it
 * ("none voluntary (full)"), into @mode; "" if there is no such file.
 */
static void tr_preempt_mode(char *mode, size_t len)
{
	char buf[128], *lp, *rp;
	ssize_t n;
	int fd;

	*mode = '\0';
	if (access(TR_PREEMPT, F_OK))
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	fd = open(TR_PREEMPT, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	lp = strchr(buf, '(');
	rp = lp ? strchr(lp, ')') : NULL;
	if (rp && (size_t)(rp - lp) < len) {
		*rp = '\0';
		strcpy(mode, lp + 1);
	}
}

/*
 * Whether this kernel may switch its preemption mode here: 6.1 under TCG
 * hangs in text_poke_bp() (a soft lockup in smp_call_function_many_cond())
 * when it does, 6.12 does not.
 */
static bool tr_may_switch_preempt(void)
{
	struct utsname u;
	int major, minor;

	return !uname(&u) && sscanf(u.release, "%d.%d", &major, &minor) == 2 &&
	       (major > 6 || (major == 6 && minor >= 12));
}

/*
 * The receivers a send wakes as it hands the message over (here with
 * E2BIG) may run before the send returns: its msg_send comes before every
 * event of theirs all the same. Made certain on one CPU with a sender of
 * SCHED_IDLE, which a woken receiver preempts as soon as it may (at once
 * with full preemption, set for the send where the kernel can).
 */
TEST_F(trace, msg_send_before_the_receivers_it_wakes)
{
	struct sched_param sp = {};
	const char *name, *send, *p;
	char want[160], mode[16];
	int fd, i, ret;
	pid_t kid;

	tr_preempt_mode(mode, sizeof(mode));
	if (*mode && strcmp(mode, "full") && !tr_may_switch_preempt())
		SKIP(return, "needs full preemption; 6.1 hangs switching");
	fd = tr_object(&self->names, KIPC_KIND_MSG, "trb", 0, &name);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, tr_pin());
	ASSERT_EQ(0, tr_on(self->dir, "msg_send"));
	ASSERT_EQ(0, tr_on(self->dir, "msg_recv"));
	ASSERT_EQ(0, tr_on(self->dir, "wake"));

	kid = kipc_fork_kid();
	ASSERT_LE(0, kid);
	if (!kid) {
		pthread_t t[TR_RECEIVERS];

		for (i = 0; i < TR_RECEIVERS; i++)
			if (pthread_create(&t[i], NULL, tr_small_recv, &fd))
				_exit(1);
		for (i = 0; i < TR_RECEIVERS; i++)
			pthread_join(t[i], NULL);
		_exit(0);
	}
	ASSERT_EQ(0, kipc_keep_kid(kid));
	ASSERT_EQ(0, kipc_wait_until(kipc_proc("msg", name, "rwait") ==
				     TR_RECEIVERS));
	ASSERT_EQ(0, sched_setscheduler(0, SCHED_IDLE, &sp));
	if (*mode && strcmp(mode, "full"))
		kipc_write_file(TR_PREEMPT, "full");
	ret = kipc_msg_send(fd, 1, "0123456789abcdef", 16, 0);
	if (*mode && strcmp(mode, "full"))
		EXPECT_EQ(0, kipc_write_file(TR_PREEMPT, mode));
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, kipc_wait_exit(kid));
	kipc_forget_kid(kid);
	close(fd);

	ASSERT_LT(0, tr_take(self->dir, self->buf));
	send = EXPECT_EVENT(self->buf, "msg_send", name, getpid(),
			    "mtype=1 size=16 flags=0x0 err=0");
	ASSERT_NE(NULL, send);
	snprintf(want, sizeof(want), "name=%s pid=%d ", name, kid);
	EXPECT_EQ(2 * TR_RECEIVERS, tr_count(self->buf, want));
	p = strstr(self->buf, want);
	EXPECT_TRUE(p && p > send)
	{
		TH_LOG("a receiver's event before the send:\n%s", self->buf);
	}
}

/* P(1) as a SCHED_FIFO thread, which preempts the V's caller at once. */
static void *tr_sem_p1(void *arg)
{
	struct sched_param sp = { .sched_priority = 1 };
	struct kipc_sem_op op = { .count = 1 };

	pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
	ioctl(*(int *)arg, KIPC_SEM_P, &op);
	return NULL;
}

/*
 * A V that grants two waiters comes before their sem_p events, with the
 * value it leaves after both grants. A granted waiter needs no lock to
 * return, so on a kernel whose spinlocks do not disable preemption
 * (PREEMPT_RT) a SCHED_FIFO waiter preempts the V's caller, pinned with
 * it to one CPU, inside the locked region, as soon as it is woken: the V
 * must be traced before it grants anything. (Elsewhere the test passes
 * either way.)
 */
TEST_F(trace, sem_v_before_the_waiters_it_grants)
{
	struct kipc_sem_op op = { .count = 2 };
	struct sched_param sp = {};
	const char *name, *v, *p;
	char want[160];
	pid_t kid;
	int fd;

	/* At 0: both waiters wait (size 0 alone would be the default, 1). */
	name = kipc_names_new(&self->names, "trg");
	ASSERT_NE(NULL, name);
	ASSERT_EQ(0,
		  kipc_create(KIPC_KIND_SEM, name, 0600, 0, KIPC_CREATE_SIZE));
	fd = kipc_open(name, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, tr_pin());
	ASSERT_EQ(0, tr_on(self->dir, "sem_p"));
	ASSERT_EQ(0, tr_on(self->dir, "sem_v"));

	kid = kipc_fork_kid();
	ASSERT_LE(0, kid);
	if (!kid) {
		pthread_t t[2];

		if (pthread_create(&t[0], NULL, tr_sem_p1, &fd) ||
		    pthread_create(&t[1], NULL, tr_sem_p1, &fd))
			_exit(1);
		pthread_join(t[0], NULL);
		pthread_join(t[1], NULL);
		_exit(0);
	}
	ASSERT_EQ(0, kipc_keep_kid(kid));
	ASSERT_EQ(0, kipc_wait_until(kipc_proc("sem", name, "waiters") == 2));
	ASSERT_EQ(0, sched_setscheduler(0, SCHED_IDLE, &sp));
	ASSERT_EQ(0, ioctl(fd, KIPC_SEM_V, &op));
	ASSERT_EQ(0, kipc_wait_exit(kid));
	kipc_forget_kid(kid);
	close(fd);

	ASSERT_LT(0, tr_take(self->dir, self->buf));
	v = EXPECT_EVENT(self->buf, "sem_v", name, getpid(),
			 "count=2 flags=0x0 value=0 err=0");
	ASSERT_NE(NULL, v);
	snprintf(want, sizeof(want), "sem_p: name=%s pid=%d ", name, kid);
	EXPECT_EQ(2, tr_count(self->buf, want));
	p = strstr(self->buf, want);
	EXPECT_TRUE(p && p > v)
	{
		TH_LOG("a waiter's sem_p before the V:\n%s", self->buf);
	}
}

/* A P that waits for a V, and a pipe read that waits for a write. */
TEST_F(trace, wait_wake_around_sem_p_and_pipe_read)
{
	struct kipc_sem_op op = { .count = 1 };
	const char *sem, *pipe;
	pid_t kid[2];
	char buf[16];
	int sfd, pfd, i;

	sfd = tr_object(&self->names, KIPC_KIND_SEM, "trs", 0, &sem);
	ASSERT_LE(0, sfd);
	op.flags = KIPC_NOWAIT;
	while (!ioctl(sfd, KIPC_SEM_P, &op))
		;
	op.flags = 0;
	pfd = tr_object(&self->names, KIPC_KIND_PIPE, "trp", 0, &pipe);
	ASSERT_LE(0, pfd);
	ASSERT_EQ(0, tr_on(self->dir, "wait"));
	ASSERT_EQ(0, tr_on(self->dir, "wake"));

	for (i = 0; i < 2; i++) {
		kid[i] = kipc_fork_kid();
		ASSERT_LE(0, kid[i]);
		if (!kid[i]) {
			int fd = kipc_open(i ? pipe : sem, O_RDWR);

			if (fd < 0)
				_exit(1);
			if (i)
				_exit(read(fd, buf, sizeof(buf)) != 2);
			_exit(!!ioctl(fd, KIPC_SEM_P, &op));
		}
		ASSERT_EQ(0, kipc_keep_kid(kid[i]));
		ASSERT_EQ(0, kipc_wait_sleeping(kid[i]));
	}
	ASSERT_EQ(0, ioctl(sfd, KIPC_SEM_V, &op));
	ASSERT_EQ(2, write(pfd, "hi", 2));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, kipc_wait_exit(kid[i]));
		kipc_forget_kid(kid[i]);
	}
	close(sfd);
	close(pfd);

	ASSERT_LT(0, tr_take(self->dir, self->buf));
	EXPECT_EVENT(self->buf, "wait", sem, kid[0], "op=P need=1");
	EXPECT_EVENT(self->buf, "wake", sem, kid[0], "op=P err=0");
	EXPECT_EVENT(self->buf, "wait", pipe, kid[1], "op=read need=1");
	EXPECT_EVENT(self->buf, "wake", pipe, kid[1], "op=read err=0");
}

/* A receive that times out: wake and msg_recv say ETIMEDOUT. */
TEST_F(trace, wait_wake_timeout)
{
	const char *name;
	char buf[8];
	int fd;

	fd = tr_object(&self->names, KIPC_KIND_MSG, "trw", 0, &name);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, tr_on(self->dir, "wake"));
	ASSERT_EQ(0, tr_on(self->dir, "msg_recv"));
	ASSERT_EQ(-1, kipc_msg_op(fd, KIPC_MSG_RECV, 0, buf, sizeof(buf), 0,
				  1000000, NULL));
	ASSERT_EQ(ETIMEDOUT, errno);
	close(fd);

	ASSERT_LT(0, tr_take(self->dir, self->buf));
	EXPECT_EVENT(self->buf, "wake", name, getpid(), "op=recv err=-110");
	EXPECT_EVENT(self->buf, "msg_recv", name, getpid(),
		     "selector=0 mtype=0 size=0 flags=0x0 err=-110");
}

/* Events not enabled write nothing; one enabled writes only its own. */
TEST_F(trace, disabled_events_write_nothing)
{
	struct kipc_sem_op op = { .count = 1 };
	const char *q, *s;
	char buf[16];
	int qfd, sfd;

	qfd = tr_object(&self->names, KIPC_KIND_MSG, "trd", 0, &q);
	ASSERT_LE(0, qfd);
	sfd = tr_object(&self->names, KIPC_KIND_SEM, "trds", 1, &s);
	ASSERT_LE(0, sfd);

	ASSERT_EQ(0, kipc_msg_send(qfd, 1, "a", 1, 0));
	ASSERT_EQ(0, kipc_msg_recv(qfd, 0, buf, sizeof(buf), 0, NULL));
	ASSERT_EQ(0, ioctl(sfd, KIPC_SEM_P, &op));
	ASSERT_EQ(0, ioctl(sfd, KIPC_SEM_V, &op));
	ASSERT_LE(0, tr_take(self->dir, self->buf));
	EXPECT_EQ(0, tr_count(self->buf, "name="))
	{
		TH_LOG("events while none is enabled:\n%s", self->buf);
	}

	ASSERT_EQ(0, tr_on(self->dir, "msg_send"));
	ASSERT_EQ(0, kipc_msg_send(qfd, 1, "a", 1, 0));
	ASSERT_EQ(0, kipc_msg_recv(qfd, 0, buf, sizeof(buf), 0, NULL));
	ASSERT_EQ(0, ioctl(sfd, KIPC_SEM_P, &op));
	ASSERT_EQ(0, ioctl(sfd, KIPC_SEM_V, &op));
	close(qfd);
	close(sfd);
	ASSERT_LT(0, tr_take(self->dir, self->buf));
	EXPECT_EQ(1, tr_count(self->buf, "name="));
	EXPECT_EVENT(self->buf, "msg_send", q, getpid(),
		     "mtype=1 size=1 flags=0x0 err=0");
}

TEST_HARNESS_MAIN

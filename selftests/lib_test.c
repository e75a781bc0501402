// SPDX-License-Identifier: GPL-2.0
/*
 * libkipc (lib/kipc.c, <kipc/kipc.h>) against the ioctls it wraps: each
 * call's result and errno are the raw call's, for success and for every
 * error the header documents that can be reached here, with bad
 * arguments (NULL, too long, unterminated) giving the kernel's errno and
 * no crash. Then its thread safety: two threads sending and receiving on
 * one queue, every message received once, intact.
 */

#include <pthread.h>
#include <stdatomic.h>

#include "kselftest_harness.h"

/*
 * kipc_test.h's raw helpers carry some of the library's names: the
 * function-like macros rename its functions (not the uapi's structs of
 * the same names) to raw_*, the ioctl each library call is compared with.
 */
#define kipc_open(...) raw_open(__VA_ARGS__)
#define kipc_msg_send(...) raw_msg_send(__VA_ARGS__)
#define kipc_msg_recv(...) raw_msg_recv(__VA_ARGS__)
#define kipc_create(...) raw_create(__VA_ARGS__)
#define kipc_remove(...) raw_remove(__VA_ARGS__)
#define kipc_anon(...) raw_anon(__VA_ARGS__)
#include "kipc_test.h"
#undef kipc_open
#undef kipc_msg_send
#undef kipc_msg_recv
#undef kipc_create
#undef kipc_remove
#undef kipc_anon

#include <kipc/kipc.h>

KIPC_REQUIRE_MODULE();

#define PAGE 4096
#define LONG_NAME "abcdefghijklmnopqrstuvwxyz012345" /* 32 bytes */

struct op_result {
	long ret;
	int err;
};

/* @expr fails with -1 and errno @err. */
#define EXPECT_ERR(err, expr)                                 \
	do {                                                  \
		errno = 0;                                    \
		EXPECT_EQ(-1, (long)(expr));                  \
		EXPECT_STREQ(strerror(err), strerror(errno)); \
	} while (0)

static bool cloexec(int fd)
{
	return fcntl(fd, F_GETFD) & FD_CLOEXEC;
}

FIXTURE(lib)
{
	struct kipc_names names;
	long long base;
	const char *name;
};

FIXTURE_SETUP(lib)
{
	KIPC_OBJECTS_SETUP(self->base);
	self->names.n = 0;
	self->name = kipc_names_new(&self->names, "lib");
}

FIXTURE_TEARDOWN(lib)
{
	KIPC_OBJECTS_TEARDOWN(&self->names, self->base);
}

/* A new named object of @kind, opened @flags; its fd. */
static int make(struct __test_metadata *_metadata, const char *name,
		enum kipc_kind kind, int flags)
{
	int fd;

	EXPECT_EQ(0, kipc_create(name, kind, 0666, 0, 0));
	fd = kipc_open(name, flags);
	EXPECT_LE(0, fd);
	return fd;
}

/* ------------------------------------------------------------ objects */

TEST_F(lib, create_makes_the_node_with_mode_less_umask)
{
	char path[64];
	struct stat st;
	mode_t old = umask(022);

	EXPECT_EQ(0, kipc_create(self->name, KIPC_KIND_MSG, 0666, 0, 0));
	umask(old);
	kipc_node_path(path, sizeof(path), self->name);
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0644, st.st_mode & 0777);
}

TEST_F(lib, create_existing_same_kind_is_success)
{
	EXPECT_EQ(0, kipc_create(self->name, KIPC_KIND_SEM, 0600, 0, 0));
	EXPECT_EQ(0, kipc_create(self->name, KIPC_KIND_SEM, 0600, 0, 0));
	EXPECT_EQ(0, raw_create(KIPC_KIND_SEM, self->name, 0600, 0, 0));
}

TEST_F(lib, create_excl_existing_is_eexist)
{
	EXPECT_EQ(0, kipc_create(self->name, KIPC_KIND_SEM, 0600, 0, 0));
	EXPECT_ERR(EEXIST, kipc_create(self->name, KIPC_KIND_SEM, 0600, 0,
				       KIPC_CREATE_EXCL));
	EXPECT_ERR(EEXIST, raw_create(KIPC_KIND_SEM, self->name, 0600, 0,
				      KIPC_CREATE_EXCL));
}

TEST_F(lib, create_other_kind_is_eexist)
{
	EXPECT_EQ(0, kipc_create(self->name, KIPC_KIND_SEM, 0600, 0, 0));
	EXPECT_ERR(EEXIST, kipc_create(self->name, KIPC_KIND_MSG, 0600, 0, 0));
	EXPECT_ERR(EEXIST, raw_create(KIPC_KIND_MSG, self->name, 0600, 0, 0));
}

TEST_F(lib, create_32_byte_name_is_einval)
{
	struct kipc_create c = { .kind = KIPC_KIND_MSG, .mode = 0600 };

	/* The ioctl's answer to a name with no NUL in its 32 bytes. */
	memcpy(c.name, LONG_NAME, sizeof(c.name));
	EXPECT_ERR(EINVAL, kipc_ctl(KIPC_CTL_CREATE, &c));
	EXPECT_ERR(EINVAL, kipc_create(LONG_NAME, KIPC_KIND_MSG, 0600, 0, 0));
	/* A longer one is not read past its 32nd byte either. */
	EXPECT_ERR(EINVAL, kipc_create(LONG_NAME LONG_NAME LONG_NAME,
				       KIPC_KIND_MSG, 0600, 0, 0));
}

TEST_F(lib, create_null_name_is_efault)
{
	EXPECT_ERR(EFAULT, kipc_ctl(KIPC_CTL_CREATE, kipc_bad_ptr()));
	EXPECT_ERR(EFAULT, kipc_create(NULL, KIPC_KIND_MSG, 0600, 0, 0));
}

TEST_F(lib, create_bad_name_is_einval)
{
	EXPECT_ERR(EINVAL, kipc_create("", KIPC_KIND_MSG, 0600, 0, 0));
	EXPECT_ERR(EINVAL, kipc_create(".x", KIPC_KIND_MSG, 0600, 0, 0));
	EXPECT_ERR(EINVAL, kipc_create("a/b", KIPC_KIND_MSG, 0600, 0, 0));
	EXPECT_ERR(EINVAL, kipc_create("control", KIPC_KIND_MSG, 0600, 0, 0));
	EXPECT_ERR(EINVAL, raw_create(KIPC_KIND_MSG, ".x", 0600, 0, 0));
}

TEST_F(lib, create_bad_kind_mode_flags_are_einval)
{
	EXPECT_ERR(EINVAL, kipc_create(self->name, 0, 0600, 0, 0));
	EXPECT_ERR(EINVAL, kipc_create(self->name, 5, 0600, 0, 0));
	EXPECT_ERR(EINVAL, kipc_create(self->name, KIPC_KIND_MSG, 01000, 0, 0));
	EXPECT_ERR(EINVAL, kipc_create(self->name, KIPC_KIND_MSG, 0600, 0, 4));
	EXPECT_ERR(EINVAL, raw_create(KIPC_KIND_MSG, self->name, 0600, 0, 4));
	EXPECT_FALSE(kipc_node_exists(self->name));
}

TEST_F(lib, create_sem_above_max_is_erange)
{
	EXPECT_ERR(ERANGE, kipc_create(self->name, KIPC_KIND_SEM, 0600,
				       KIPC_SEM_VALUE_MAX + 1ULL, 0));
	EXPECT_ERR(ERANGE, raw_create(KIPC_KIND_SEM, self->name, 0600,
				      KIPC_SEM_VALUE_MAX + 1ULL, 0));
}

TEST_F(lib, create_size_flag_makes_a_sem_at_zero)
{
	struct kipc_sem_info info = {};
	int fd;

	ASSERT_EQ(0, kipc_create(self->name, KIPC_KIND_SEM, 0600, 0,
				 KIPC_CREATE_SIZE));
	fd = kipc_open(self->name, O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, kipc_sem_info(fd, &info));
	EXPECT_EQ(0, info.value);
	close(fd);
}

TEST_F(lib, create_past_pipe_max_size_as_nobody_is_eperm)
{
	long long max = kipc_param("pipe_max_size");
	const char *name = self->name;

	ASSERT_GT(max, 0);
	EXPECT_EQ(EPERM, KIPC_AS_NOBODY(kipc_create(name, KIPC_KIND_PIPE, 0600,
						    max * 2, 0)));
	EXPECT_EQ(EPERM, KIPC_AS_NOBODY(raw_create(KIPC_KIND_PIPE, name, 0600,
						   max * 2, 0)));
}

TEST_F(lib, remove_removes_the_node)
{
	char path[64];

	ASSERT_EQ(0, kipc_create(self->name, KIPC_KIND_PIPE, 0600, 0, 0));
	EXPECT_EQ(0, kipc_remove(self->name));
	kipc_node_path(path, sizeof(path), self->name);
	EXPECT_EQ(-1, access(path, F_OK));
}

TEST_F(lib, remove_missing_is_enoent)
{
	EXPECT_ERR(ENOENT, kipc_remove(self->name));
	EXPECT_ERR(ENOENT, raw_remove(self->name));
}

TEST_F(lib, remove_32_byte_name_is_einval)
{
	struct kipc_remove r = {};

	memcpy(r.name, LONG_NAME, sizeof(r.name));
	EXPECT_ERR(EINVAL, kipc_ctl(KIPC_CTL_REMOVE, &r));
	EXPECT_ERR(EINVAL, kipc_remove(LONG_NAME));
}

TEST_F(lib, remove_null_is_efault)
{
	EXPECT_ERR(EFAULT, kipc_ctl(KIPC_CTL_REMOVE, kipc_bad_ptr()));
	EXPECT_ERR(EFAULT, kipc_remove(NULL));
}

TEST_F(lib, remove_someone_elses_is_eperm)
{
	const char *name = self->name;

	ASSERT_EQ(0, kipc_create(name, KIPC_KIND_MSG, 0666, 0, 0));
	EXPECT_EQ(EPERM, KIPC_AS_NOBODY(kipc_remove(name)));
	EXPECT_EQ(EPERM, KIPC_AS_NOBODY(raw_remove(name)));
}

TEST_F(lib, open_name_and_path_cloexec)
{
	char path[64];
	int fd;

	ASSERT_EQ(0, kipc_create(self->name, KIPC_KIND_MSG, 0600, 0, 0));
	fd = kipc_open(self->name, O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_TRUE(cloexec(fd));
	EXPECT_EQ(O_RDWR, fcntl(fd, F_GETFL) & O_ACCMODE);
	close(fd);
	kipc_node_path(path, sizeof(path), self->name);
	fd = kipc_open(path, O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, fd);
	EXPECT_TRUE(cloexec(fd));
	EXPECT_TRUE(fcntl(fd, F_GETFL) & O_NONBLOCK);
	close(fd);
}

TEST_F(lib, open_errors_are_opens)
{
	static const char dir[] = KIPC_DEV_DIR "/";
	static char big[sizeof(dir) + PATH_MAX + 16];
	char *name = big + sizeof(dir) - 1;

	EXPECT_ERR(ENOENT, kipc_open(self->name, O_RDONLY));
	EXPECT_ERR(ENOENT, raw_open(self->name, O_RDONLY));
	EXPECT_ERR(ENOENT, kipc_open("", O_RDONLY));
	EXPECT_ERR(ENOENT, open("", O_RDONLY));
	EXPECT_ERR(EFAULT, kipc_open(NULL, O_RDONLY));
	EXPECT_ERR(EFAULT, open(kipc_bad_ptr(), O_RDONLY));
	/* Too long for PATH_MAX, and a component too long for NAME_MAX. */
	memcpy(big, dir, sizeof(dir) - 1);
	memset(name, 'a', PATH_MAX + 16);
	EXPECT_ERR(ENAMETOOLONG, kipc_open(name, O_RDONLY));
	EXPECT_ERR(ENAMETOOLONG, open(big, O_RDONLY));
	name[300] = '\0';
	EXPECT_ERR(ENAMETOOLONG, kipc_open(name, O_RDONLY));
	EXPECT_ERR(ENAMETOOLONG, open(big, O_RDONLY));
}

TEST_F(lib, open_without_permission_is_eacces)
{
	const char *name = self->name;

	ASSERT_EQ(0, kipc_create(name, KIPC_KIND_MSG, 0600, 0, 0));
	EXPECT_EQ(EACCES, KIPC_AS_NOBODY(kipc_open(name, O_RDONLY)));
	EXPECT_EQ(EACCES, KIPC_AS_NOBODY(raw_open(name, O_RDONLY)));
}

/* --------------------------------------------------------- anonymous */

TEST_F(lib, pipe_pair_carries_bytes_to_eof)
{
	char buf[8];
	int fd[2];

	ASSERT_EQ(0, kipc_pipe(fd, 0, 0));
	EXPECT_FALSE(cloexec(fd[0]));
	EXPECT_EQ(O_RDONLY, fcntl(fd[0], F_GETFL) & O_ACCMODE);
	EXPECT_EQ(O_WRONLY, fcntl(fd[1], F_GETFL) & O_ACCMODE);
	EXPECT_EQ(kipc_param("pipe_size"), kipc_pipe_get_size(fd[0]));
	EXPECT_EQ(5, write(fd[1], "hello", 5));
	close(fd[1]);
	EXPECT_EQ(5, read(fd[0], buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "hello", 5));
	EXPECT_EQ(0, read(fd[0], buf, sizeof(buf)));
	close(fd[0]);
}

TEST_F(lib, pipe_flags_and_size)
{
	int fd[2];

	ASSERT_EQ(0, kipc_pipe(fd, O_CLOEXEC | O_NONBLOCK, 3 * PAGE));
	EXPECT_TRUE(cloexec(fd[0]));
	EXPECT_TRUE(cloexec(fd[1]));
	EXPECT_TRUE(fcntl(fd[1], F_GETFL) & O_NONBLOCK);
	EXPECT_EQ(4 * PAGE, kipc_pipe_get_size(fd[1]));
	close(fd[0]);
	close(fd[1]);
}

TEST_F(lib, pipe_bad_arguments)
{
	struct kipc_pipe_pair pp = { .flags = O_APPEND };
	int fd[2];

	EXPECT_ERR(EINVAL, kipc_ctl(KIPC_CTL_PIPE, &pp));
	EXPECT_ERR(EINVAL, kipc_pipe(fd, O_APPEND, 0));
	EXPECT_ERR(EINVAL, kipc_pipe(fd, 0, (1U << 31) + 1));
	EXPECT_ERR(EFAULT, kipc_ctl(KIPC_CTL_PIPE, kipc_bad_ptr()));
	EXPECT_ERR(EFAULT, kipc_pipe(NULL, 0, 0));
}

TEST_F(lib, anon_objects_of_each_kind)
{
	struct kipc_sem_info si = {};
	uint64_t size = 0;
	long long type = 0;
	char buf[4];
	int fd;

	fd = kipc_anon(KIPC_KIND_MSG, O_CLOEXEC, 0);
	ASSERT_LE(0, fd);
	EXPECT_TRUE(cloexec(fd));
	EXPECT_EQ(O_RDWR, fcntl(fd, F_GETFL) & O_ACCMODE);
	EXPECT_EQ(0, kipc_msg_send(fd, 3, "abc", 3, 0, 0));
	EXPECT_EQ(3, kipc_msg_recv(fd, &type, buf, sizeof(buf), 0, 0));
	close(fd);
	fd = kipc_anon(KIPC_KIND_SHM, 0, 2 * PAGE);
	ASSERT_LE(0, fd);
	EXPECT_FALSE(cloexec(fd));
	EXPECT_EQ(0, kipc_shm_get_size(fd, &size));
	EXPECT_EQ(2 * PAGE, size);
	close(fd);
	fd = kipc_anon(KIPC_KIND_SEM, 0, 7);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, kipc_sem_info(fd, &si));
	EXPECT_EQ(7, si.value);
	close(fd);
}

TEST_F(lib, anon_bad_kind_and_flags_are_einval)
{
	EXPECT_ERR(EINVAL, kipc_anon(KIPC_KIND_PIPE, 0, 0));
	EXPECT_ERR(EINVAL, raw_anon(KIPC_KIND_PIPE, 0, 0));
	EXPECT_ERR(EINVAL, kipc_anon(0, 0, 0));
	EXPECT_ERR(EINVAL, kipc_anon(KIPC_KIND_MSG, O_APPEND, 0));
	EXPECT_ERR(ERANGE,
		   kipc_anon(KIPC_KIND_SEM, 0, KIPC_SEM_VALUE_MAX + 1ULL));
}

/* -------------------------------------------------------------- pipe */

TEST_F(lib, pipe_set_size_returns_what_get_size_reads)
{
	int fd[2];
	__u32 raw;

	ASSERT_EQ(0, kipc_pipe(fd, O_CLOEXEC, 0));
	EXPECT_EQ(8 * PAGE, kipc_pipe_set_size(fd[0], 5 * PAGE + 1));
	EXPECT_EQ(8 * PAGE, kipc_pipe_get_size(fd[1]));
	ASSERT_EQ(0, ioctl(fd[0], KIPC_PIPE_GET_SIZE, &raw));
	EXPECT_EQ(8 * PAGE, raw);
	EXPECT_EQ(PAGE, kipc_pipe_set_size(fd[0], 1));
	EXPECT_EQ(PAGE, kipc_pipe_get_size(fd[0]));
	close(fd[0]);
	close(fd[1]);
}

TEST_F(lib, pipe_set_size_errors)
{
	__u32 zero = 0;
	char buf[2 * PAGE] = "";
	int fd[2];

	ASSERT_EQ(0, kipc_pipe(fd, O_CLOEXEC, 0));
	EXPECT_ERR(EINVAL, kipc_pipe_set_size(fd[0], 0));
	EXPECT_ERR(EINVAL, ioctl(fd[0], KIPC_PIPE_SET_SIZE, &zero));
	EXPECT_ERR(EINVAL, kipc_pipe_set_size(fd[0], (1U << 31) + 1));
	ASSERT_EQ(sizeof(buf), write(fd[1], buf, sizeof(buf)));
	EXPECT_ERR(EBUSY, kipc_pipe_set_size(fd[0], PAGE));
	EXPECT_ERR(EBADF, kipc_pipe_set_size(-1, PAGE));
	EXPECT_ERR(EBADF, kipc_pipe_get_size(-1));
	close(fd[0]);
	close(fd[1]);
}

TEST_F(lib, pipe_grow_past_max_as_nobody_is_eperm)
{
	long long max = kipc_param("pipe_max_size");
	int fd[2];

	ASSERT_GT(max, 0);
	ASSERT_EQ(0, kipc_pipe(fd, O_CLOEXEC, 0));
	EXPECT_EQ(EPERM, KIPC_AS_NOBODY(kipc_pipe_set_size(fd[0], max * 2)));
	close(fd[0]);
	close(fd[1]);
}

TEST_F(lib, pipe_size_of_a_msg_is_enotty)
{
	int fd = kipc_anon(KIPC_KIND_MSG, O_CLOEXEC, 0);

	ASSERT_LE(0, fd);
	EXPECT_ERR(ENOTTY, kipc_pipe_get_size(fd));
	close(fd);
}

/* --------------------------------------------------------- msg queue */

TEST_F(lib, msg_send_recv_by_selector)
{
	int fd = make(_metadata, self->name, KIPC_KIND_MSG, O_RDWR);
	struct kipc_msg raw;
	long long type;
	char buf[16];

	ASSERT_EQ(0, kipc_msg_send(fd, 5, "five", 4, 0, 0));
	ASSERT_EQ(0, kipc_msg_send(fd, 2, "two", 3, 0, 0));
	ASSERT_EQ(0, kipc_msg_send(fd, 9, "nine", 4, 0, 0));
	type = -4;
	EXPECT_EQ(3, kipc_msg_recv(fd, &type, buf, sizeof(buf), 0, 0));
	EXPECT_EQ(2, type);
	EXPECT_EQ(0, memcmp(buf, "two", 3));
	type = 5;
	EXPECT_EQ(4, kipc_msg_recv(fd, &type, buf, sizeof(buf), KIPC_MSG_EXCEPT,
				   0));
	EXPECT_EQ(9, type);
	EXPECT_EQ(0, memcmp(buf, "nine", 4));
	/* The same through the raw ioctl. */
	EXPECT_EQ(0, raw_msg_recv(fd, 0, buf, sizeof(buf), 0, &raw));
	EXPECT_EQ(5, raw.mtype);
	EXPECT_EQ(4, raw.size);
	close(fd);
}

TEST_F(lib, msg_recv_peek_and_noerror)
{
	int fd = make(_metadata, self->name, KIPC_KIND_MSG, O_RDWR);
	long long type = 0;
	char buf[16];

	ASSERT_EQ(0, kipc_msg_send(fd, 1, "abcdef", 6, 0, 0));
	EXPECT_EQ(6,
		  kipc_msg_recv(fd, &type, buf, sizeof(buf), KIPC_MSG_PEEK, 0));
	type = 0;
	EXPECT_EQ(2, kipc_msg_recv(fd, &type, buf, 2, KIPC_MSG_NOERROR, 0));
	EXPECT_EQ(0, memcmp(buf, "ab", 2));
	type = 0;
	EXPECT_ERR(ENOMSG,
		   kipc_msg_recv(fd, &type, buf, sizeof(buf), KIPC_NOWAIT, 0));
	close(fd);
}

TEST_F(lib, msg_recv_too_small_is_e2big_and_stays)
{
	int fd = make(_metadata, self->name, KIPC_KIND_MSG, O_RDWR);
	long long type = 0;
	char buf[16];

	ASSERT_EQ(0, kipc_msg_send(fd, 1, "abcdef", 6, 0, 0));
	EXPECT_ERR(E2BIG, kipc_msg_recv(fd, &type, buf, 5, 0, 0));
	EXPECT_ERR(E2BIG, raw_msg_recv(fd, 0, buf, 5, 0, NULL));
	EXPECT_EQ(6, kipc_msg_recv(fd, &type, buf, 6, 0, 0));
	close(fd);
}

TEST_F(lib, msg_recv_nothing_enomsg_etimedout)
{
	int fd = make(_metadata, self->name, KIPC_KIND_MSG, O_RDWR);
	unsigned long long t0;
	long long type = 0;
	char buf[4];

	EXPECT_ERR(ENOMSG, kipc_msg_recv(fd, &type, buf, 4, KIPC_NOWAIT, 0));
	EXPECT_ERR(ENOMSG, raw_msg_recv(fd, 0, buf, 4, KIPC_NOWAIT, NULL));
	t0 = kipc_now_ns();
	EXPECT_ERR(ETIMEDOUT, kipc_msg_recv(fd, &type, buf, 4, 0, 20000000));
	EXPECT_LE(20000000ULL, kipc_now_ns() - t0);
	close(fd);
}

TEST_F(lib, msg_send_full_eagain_etimedout)
{
	int fd = make(_metadata, self->name, KIPC_KIND_MSG, O_RDWR);
	char text[100] = "";

	ASSERT_EQ(0, kipc_msg_set_limits(fd, 100, 100));
	ASSERT_EQ(0, kipc_msg_send(fd, 1, text, 100, 0, 0));
	EXPECT_ERR(EAGAIN, kipc_msg_send(fd, 1, text, 1, KIPC_NOWAIT, 0));
	EXPECT_ERR(EAGAIN, raw_msg_send(fd, 1, text, 1, KIPC_NOWAIT));
	EXPECT_ERR(ETIMEDOUT, kipc_msg_send(fd, 1, text, 1, 0, 20000000));
	close(fd);
}

TEST_F(lib, msg_send_bad_arguments)
{
	int fd = make(_metadata, self->name, KIPC_KIND_MSG, O_RDWR);
	struct kipc_msg_info info = {};
	char *text;

	ASSERT_EQ(0, kipc_msg_info(fd, &info));
	text = calloc(1, info.msgmax + 1);
	ASSERT_NE(NULL, text);
	EXPECT_ERR(EINVAL, kipc_msg_send(fd, 0, "x", 1, 0, 0));
	EXPECT_ERR(EINVAL, raw_msg_send(fd, 0, "x", 1, 0));
	EXPECT_ERR(EINVAL, kipc_msg_send(fd, 1, text, info.msgmax + 1, 0, 0));
	EXPECT_ERR(EINVAL, kipc_msg_send(fd, 1, "x", 1, 1U << 7, 0));
	EXPECT_ERR(EFAULT, kipc_msg_send(fd, 1, kipc_bad_ptr(), 1, 0, 0));
	EXPECT_ERR(EFAULT, kipc_msg_send(fd, 1, NULL, 1, 0, 0));
	EXPECT_ERR(EBADF, kipc_msg_send(-1, 1, "x", 1, 0, 0));
	free(text);
	close(fd);
}

TEST_F(lib, msg_recv_bad_arguments)
{
	char buf[8];
	int fd = make(_metadata, self->name, KIPC_KIND_MSG, O_RDWR);
	long long type = 0;

	/* Two: the copy-out failing may cost the message, as in msgrcv. */
	ASSERT_EQ(0, kipc_msg_send(fd, 1, "abc", 3, 0, 0));
	ASSERT_EQ(0, kipc_msg_send(fd, 1, "abc", 3, 0, 0));
	EXPECT_ERR(EFAULT,
		   kipc_msg_recv(fd, &type, kipc_bad_ptr(), 8, KIPC_NOWAIT, 0));
	EXPECT_ERR(EFAULT,
		   raw_msg_recv(fd, 0, kipc_bad_ptr(), 8, KIPC_NOWAIT, NULL));
	EXPECT_ERR(EFAULT, kipc_msg_recv(fd, NULL, buf, 8, 0, 0));
	EXPECT_ERR(EINVAL, kipc_msg_recv(fd, &type, buf, 8, 1U << 7, 0));
	close(fd);
}

TEST_F(lib, msg_wrong_direction_is_ebadf)
{
	char buf[8];
	int rd, wr;
	long long type = 0;

	rd = make(_metadata, self->name, KIPC_KIND_MSG, O_RDONLY);
	wr = kipc_open(self->name, O_WRONLY);
	ASSERT_LE(0, wr);
	EXPECT_ERR(EBADF, kipc_msg_send(rd, 1, "x", 1, 0, 0));
	EXPECT_ERR(EBADF, raw_msg_send(rd, 1, "x", 1, 0));
	EXPECT_ERR(EBADF, kipc_msg_recv(wr, &type, buf, 8, 0, 0));
	EXPECT_ERR(EBADF, kipc_msg_flush(rd));
	EXPECT_ERR(EBADF, kipc_msg_set_limits(rd, 100, 100));
	close(rd);
	close(wr);
}

TEST_F(lib, msg_removed_is_eidrm)
{
	char buf[8];
	int fd = make(_metadata, self->name, KIPC_KIND_MSG, O_RDWR);
	struct kipc_msg_info info;
	long long type = 0;

	ASSERT_EQ(0, kipc_remove(self->name));
	EXPECT_ERR(EIDRM, kipc_msg_send(fd, 1, "x", 1, 0, 0));
	EXPECT_ERR(EIDRM, raw_msg_send(fd, 1, "x", 1, 0));
	EXPECT_ERR(EIDRM, kipc_msg_recv(fd, &type, buf, 8, 0, 0));
	EXPECT_ERR(EIDRM, kipc_msg_info(fd, &info));
	EXPECT_ERR(EIDRM, kipc_msg_flush(fd));
	EXPECT_ERR(EIDRM, kipc_msg_set_limits(fd, 100, 100));
	EXPECT_ERR(EIDRM, kipc_notify(fd, SIGRTMIN, 0, 0));
	close(fd);
}

TEST_F(lib, msg_vectors)
{
	int fd = make(_metadata, self->name, KIPC_KIND_MSG, O_RDWR);
	char out[3][8], in[4][8];
	struct kipc_msg m[4];
	int i;

	for (i = 0; i < 3; i++) {
		snprintf(out[i], sizeof(out[i]), "m%d", i);
		kipc_msg_set(&m[i], i + 1, out[i], 2, 0);
	}
	EXPECT_EQ(3, kipc_msg_sendv(fd, m, 3));
	for (i = 0; i < 4; i++)
		kipc_msg_set(&m[i], 0, in[i], sizeof(in[i]), KIPC_NOWAIT);
	/* Three queued: three received, the fourth's ENOMSG ends the call. */
	EXPECT_EQ(3, kipc_msg_recvv(fd, m, 4));
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(i + 1, m[i].mtype);
		EXPECT_EQ(2, m[i].size);
		EXPECT_EQ(0, memcmp(in[i], out[i], 2));
	}
	EXPECT_ERR(ENOMSG, kipc_msg_recvv(fd, m, 4));
	close(fd);
}

TEST_F(lib, msg_vector_bad_counts)
{
	int fd = make(_metadata, self->name, KIPC_KIND_MSG, O_RDWR);
	struct kipc_msg m[1];
	struct kipc_msg_vec v = { .msgs = (uintptr_t)m, .count = 0 };

	kipc_msg_set(&m[0], 1, "x", 1, 0);
	EXPECT_ERR(EINVAL, ioctl(fd, KIPC_MSG_SENDV, &v));
	EXPECT_ERR(EINVAL, kipc_msg_sendv(fd, m, 0));
	EXPECT_ERR(EINVAL, kipc_msg_sendv(fd, m, KIPC_MSG_VEC_MAX + 1));
	EXPECT_ERR(EINVAL, kipc_msg_recvv(fd, m, 0));
	EXPECT_ERR(EFAULT, kipc_msg_sendv(fd, kipc_bad_ptr(), 1));
	EXPECT_ERR(EFAULT, kipc_msg_recvv(fd, NULL, 1));
	close(fd);
}

TEST_F(lib, msg_info_limits_flush)
{
	int fd = make(_metadata, self->name, KIPC_KIND_MSG, O_RDWR);
	struct kipc_msg_info info = {}, raw = {};

	ASSERT_EQ(0, kipc_msg_send(fd, 1, "abc", 3, 0, 0));
	ASSERT_EQ(0, kipc_msg_send(fd, 2, "de", 2, 0, 0));
	EXPECT_EQ(0, kipc_msg_info(fd, &info));
	EXPECT_EQ(0, ioctl(fd, KIPC_MSG_GETINFO, &raw));
	EXPECT_EQ(2, info.qnum);
	EXPECT_EQ(5, info.cbytes);
	EXPECT_EQ(raw.qnum, info.qnum);
	EXPECT_EQ(raw.qbytes, info.qbytes);
	EXPECT_EQ(getpid(), (pid_t)info.lspid);
	EXPECT_EQ(0, kipc_msg_set_limits(fd, 1000, 500));
	EXPECT_EQ(0, kipc_msg_info(fd, &info));
	EXPECT_EQ(1000, info.qbytes);
	EXPECT_EQ(500, info.msgmax);
	EXPECT_EQ(0, kipc_msg_flush(fd));
	EXPECT_EQ(0, kipc_msg_info(fd, &info));
	EXPECT_EQ(0, info.qnum);
	EXPECT_ERR(EFAULT, kipc_msg_info(fd, NULL));
	EXPECT_ERR(EINVAL, kipc_msg_set_limits(fd, 0, 100));
	EXPECT_ERR(EINVAL, kipc_msg_set_limits(fd, 100, 0));
	close(fd);
}

TEST_F(lib, msg_limits_past_default_as_nobody_is_eperm)
{
	int fd = make(_metadata, self->name, KIPC_KIND_MSG, O_RDWR);
	long long mnb = kipc_param("msgmnb");

	ASSERT_GT(mnb, 0);
	EXPECT_EQ(EPERM, KIPC_AS_NOBODY(kipc_msg_set_limits(fd, mnb * 2, 1)));
	close(fd);
}

/* --------------------------------------------------------- semaphore */

TEST_F(lib, sem_p_v_setval_info)
{
	int fd = make(_metadata, self->name, KIPC_KIND_SEM, O_RDWR);
	struct kipc_sem_info info = {}, raw = {};

	EXPECT_EQ(0, kipc_sem_setval(fd, 5));
	EXPECT_EQ(0, kipc_sem_p(fd, 3, 0, 0));
	EXPECT_EQ(0, kipc_sem_v(fd, 10));
	EXPECT_EQ(0, kipc_sem_info(fd, &info));
	EXPECT_EQ(0, ioctl(fd, KIPC_SEM_GETINFO, &raw));
	EXPECT_EQ(12, info.value);
	EXPECT_EQ(raw.value, info.value);
	EXPECT_EQ(1, info.p_ops);
	EXPECT_EQ(1, info.v_ops);
	EXPECT_EQ(getpid(), (pid_t)info.lpid);
	close(fd);
}

TEST_F(lib, sem_p_nowait_eagain_timeout_etimedout)
{
	int fd = make(_metadata, self->name, KIPC_KIND_SEM, O_RDWR);
	struct kipc_sem_op op = { .count = 1, .flags = KIPC_NOWAIT };

	ASSERT_EQ(0, kipc_sem_setval(fd, 0));
	EXPECT_ERR(EAGAIN, kipc_sem_p(fd, 1, KIPC_NOWAIT, 0));
	EXPECT_ERR(EAGAIN, ioctl(fd, KIPC_SEM_P, &op));
	EXPECT_ERR(ETIMEDOUT, kipc_sem_p(fd, 1, 0, 20000000));
	close(fd);
}

TEST_F(lib, sem_bad_arguments)
{
	int fd = make(_metadata, self->name, KIPC_KIND_SEM, O_RDWR);
	struct kipc_sem_op op = { .count = 0 };

	EXPECT_ERR(EINVAL, ioctl(fd, KIPC_SEM_P, &op));
	EXPECT_ERR(EINVAL, kipc_sem_p(fd, 0, 0, 0));
	EXPECT_ERR(EINVAL, kipc_sem_p(fd, 1, 1U << 9, 0));
	EXPECT_ERR(EINVAL, kipc_sem_v(fd, 0));
	EXPECT_ERR(ERANGE, kipc_sem_setval(fd, -1));
	EXPECT_ERR(ERANGE, kipc_sem_setval(fd, KIPC_SEM_VALUE_MAX + 1LL));
	EXPECT_ERR(EFAULT, kipc_sem_info(fd, NULL));
	close(fd);
}

TEST_F(lib, sem_v_past_max_is_eoverflow)
{
	int fd = make(_metadata, self->name, KIPC_KIND_SEM, O_RDWR);
	struct kipc_sem_op op = { .count = 1 };
	struct kipc_sem_info info;

	ASSERT_EQ(0, kipc_sem_setval(fd, KIPC_SEM_VALUE_MAX));
	EXPECT_ERR(EOVERFLOW, kipc_sem_v(fd, 1));
	EXPECT_ERR(EOVERFLOW, ioctl(fd, KIPC_SEM_V, &op));
	EXPECT_EQ(0, kipc_sem_info(fd, &info));
	EXPECT_EQ(KIPC_SEM_VALUE_MAX, info.value);
	close(fd);
}

TEST_F(lib, sem_undo_gives_back_at_exit)
{
	int fd = make(_metadata, self->name, KIPC_KIND_SEM, O_RDWR);
	struct kipc_sem_info info;
	pid_t pid;

	ASSERT_EQ(0, kipc_sem_setval(fd, 3));
	pid = kipc_fork_kid();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(kipc_sem_p(fd, 2, KIPC_SEM_UNDO, 0) ? 1 : 0);
	EXPECT_EQ(0, kipc_wait_exit(pid));
	EXPECT_EQ(0, kipc_sem_info(fd, &info));
	EXPECT_EQ(3, info.value);
	close(fd);
}

TEST_F(lib, sem_wrong_direction_is_ebadf)
{
	int rd, wr;
	struct kipc_sem_info info;

	rd = make(_metadata, self->name, KIPC_KIND_SEM, O_RDONLY);
	wr = kipc_open(self->name, O_WRONLY);
	ASSERT_LE(0, wr);
	EXPECT_ERR(EBADF, kipc_sem_p(rd, 1, 0, 0));
	EXPECT_ERR(EBADF, kipc_sem_v(rd, 1));
	EXPECT_ERR(EBADF, kipc_sem_setval(rd, 1));
	EXPECT_ERR(EBADF, kipc_sem_info(wr, &info));
	close(rd);
	close(wr);
}

TEST_F(lib, sem_removed_is_eidrm)
{
	int fd = make(_metadata, self->name, KIPC_KIND_SEM, O_RDWR);
	struct kipc_sem_info info;

	ASSERT_EQ(0, kipc_remove(self->name));
	EXPECT_ERR(EIDRM, kipc_sem_p(fd, 1, 0, 0));
	EXPECT_ERR(EIDRM, kipc_sem_v(fd, 1));
	EXPECT_ERR(EIDRM, kipc_sem_setval(fd, 1));
	EXPECT_ERR(EIDRM, kipc_sem_info(fd, &info));
	close(fd);
}

/* ------------------------------------------------------ shared memory */

TEST_F(lib, shm_map_is_the_segment)
{
	int fd = make(_metadata, self->name, KIPC_KIND_SHM, O_RDWR);
	struct kipc_shm_info info = {};
	size_t size = 0;
	uint64_t got;
	char buf[6];
	char *p;

	ASSERT_EQ(0, kipc_shm_set_size(fd, 3 * PAGE - 1));
	EXPECT_EQ(0, kipc_shm_get_size(fd, &got));
	EXPECT_EQ(3 * PAGE, got);
	p = kipc_shm_map(fd, PROT_READ | PROT_WRITE, &size);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(3 * PAGE, size);
	memcpy(p + PAGE, "hello", 6);
	EXPECT_EQ(6, pread(fd, buf, 6, PAGE));
	EXPECT_STREQ("hello", buf);
	EXPECT_EQ(0, kipc_shm_info(fd, &info));
	EXPECT_EQ(3 * PAGE, info.size);
	EXPECT_EQ(1, info.nattch);
	EXPECT_ERR(EBUSY, kipc_shm_set_size(fd, PAGE));
	EXPECT_EQ(0, kipc_shm_unmap(p, size));
	EXPECT_EQ(0, kipc_shm_info(fd, &info));
	EXPECT_EQ(0, info.nattch);
	EXPECT_EQ(0, kipc_shm_set_size(fd, PAGE));
	p = kipc_shm_map(fd, PROT_READ, NULL);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, kipc_shm_unmap(p, PAGE));
	close(fd);
}

TEST_F(lib, shm_map_beyond_the_files_mode_is_eacces)
{
	int fd = make(_metadata, self->name, KIPC_KIND_SHM, O_RDONLY);
	size_t size = 1;

	errno = 0;
	EXPECT_EQ(MAP_FAILED, kipc_shm_map(fd, PROT_READ | PROT_WRITE, &size));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(1, size);
	EXPECT_EQ(MAP_FAILED,
		  mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
	EXPECT_EQ(EACCES, errno);
	EXPECT_ERR(EBADF, kipc_shm_set_size(fd, PAGE));
	close(fd);
}

TEST_F(lib, shm_bad_arguments)
{
	int fd = make(_metadata, self->name, KIPC_KIND_SHM, O_RDWR);
	long long max = kipc_param("shm_max");
	__u64 zero = 0;

	EXPECT_ERR(EINVAL, kipc_shm_set_size(fd, 0));
	EXPECT_ERR(EINVAL, ioctl(fd, KIPC_SHM_SET_SIZE, &zero));
	ASSERT_GT(max, 0);
	EXPECT_ERR(EINVAL, kipc_shm_set_size(fd, max + 1));
	EXPECT_ERR(EFAULT, kipc_shm_get_size(fd, NULL));
	EXPECT_ERR(EFAULT, kipc_shm_info(fd, NULL));
	errno = 0;
	EXPECT_EQ(MAP_FAILED, kipc_shm_map(-1, PROT_READ, NULL));
	EXPECT_EQ(EBADF, errno);
	EXPECT_ERR(EINVAL, kipc_shm_unmap((void *)1, PAGE));
	close(fd);
}

TEST_F(lib, shm_removed_is_eidrm)
{
	int fd = make(_metadata, self->name, KIPC_KIND_SHM, O_RDWR);
	struct kipc_shm_info info;

	ASSERT_EQ(0, kipc_remove(self->name));
	errno = 0;
	EXPECT_EQ(MAP_FAILED, kipc_shm_map(fd, PROT_READ, NULL));
	EXPECT_EQ(EIDRM, errno);
	EXPECT_ERR(EIDRM, kipc_shm_set_size(fd, PAGE));
	EXPECT_ERR(EIDRM, kipc_shm_info(fd, &info));
	close(fd);
}

/* -------------------------------------------------- signal on arrival */

TEST_F(lib, notify_signals_each_arrival)
{
	int fd = make(_metadata, self->name, KIPC_KIND_MSG, O_RDWR);
	siginfo_t si;

	kipc_block_signal(SIGRTMIN);
	ASSERT_EQ(0, kipc_notify(fd, SIGRTMIN, 0, 7));
	ASSERT_EQ(0, kipc_msg_send(fd, 3, "x", 1, 0, 0));
	EXPECT_ERR(EAGAIN, kipc_take_signal(SIGRTMIN, &si, 50));
	ASSERT_EQ(0, kipc_msg_send(fd, 7, "x", 1, 0, 0));
	EXPECT_EQ(SIGRTMIN, kipc_take_signal(SIGRTMIN, &si, 2000));
	EXPECT_EQ(SI_MESGQ, si.si_code);
	EXPECT_EQ(7, si.si_value.sival_int);
	EXPECT_EQ(0, kipc_notify(fd, 0, 0, 0));
	ASSERT_EQ(0, kipc_msg_send(fd, 7, "x", 1, 0, 0));
	EXPECT_ERR(EAGAIN, kipc_take_signal(SIGRTMIN, &si, 50));
	close(fd);
}

TEST_F(lib, notify_bad_arguments_are_einval)
{
	struct kipc_notify raw = { .signo = SIGKILL };
	int fd[2];

	ASSERT_EQ(0, kipc_pipe(fd, O_CLOEXEC, 0));
	EXPECT_ERR(EINVAL, ioctl(fd[0], KIPC_NOTIFY, &raw));
	EXPECT_ERR(EINVAL, kipc_notify(fd[0], SIGKILL, 0, 0));
	EXPECT_ERR(EINVAL, kipc_notify(fd[0], SIGSTOP, 0, 0));
	EXPECT_ERR(EINVAL, kipc_notify(fd[0], 1000, 0, 0));
	EXPECT_ERR(EINVAL, kipc_notify(fd[0], SIGRTMIN, 1U << 5, 0));
	EXPECT_ERR(EINVAL, kipc_notify(fd[0], SIGRTMIN, 0, 3));
	close(fd[0]);
	close(fd[1]);
}

/* ----------------------------------------------------- thread safety */

#define THREAD_MSGS 2000

/*
 * Each of two threads sends THREAD_MSGS messages, type its id + 1 and
 * text "ID:SEQ", and receives as many of whatever is queued: every
 * message must come out once, with its text, whichever thread takes it.
 */
struct thread_arg {
	int fd;
	int id;
	int errors;
	atomic_int *seen; /* [2][THREAD_MSGS] */
};

static void *send_recv(void *p)
{
	struct thread_arg *a = p;
	char text[32], buf[32];
	long long type;
	int i, id, seq;
	ssize_t n;

	for (i = 0; i < THREAD_MSGS; i++) {
		n = snprintf(text, sizeof(text), "%d:%d", a->id, i);
		if (kipc_msg_send(a->fd, a->id + 1, text, n, 0, 10000000000ULL))
			a->errors++;
		type = 0;
		n = kipc_msg_recv(a->fd, &type, buf, sizeof(buf) - 1, 0,
				  10000000000ULL);
		if (n < 0) {
			a->errors++;
			continue;
		}
		buf[n] = '\0';
		if (sscanf(buf, "%d:%d", &id, &seq) != 2 || id != type - 1 ||
		    id < 0 || id > 1 || seq < 0 || seq >= THREAD_MSGS) {
			a->errors++;
			continue;
		}
		atomic_fetch_add(&a->seen[id * THREAD_MSGS + seq], 1);
	}
	return NULL;
}

TEST_F(lib, two_threads_send_and_receive_every_message_once)
{
	int fd = make(_metadata, self->name, KIPC_KIND_MSG, O_RDWR);
	static atomic_int seen[2 * THREAD_MSGS];
	struct thread_arg a[2];
	pthread_t t[2];
	int i, once = 0;

	for (i = 0; i < 2; i++) {
		a[i] = (struct thread_arg){ .fd = fd, .id = i, .seen = seen };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, send_recv, &a[i]));
	}
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_join(t[i], NULL));
	EXPECT_EQ(0, a[0].errors);
	EXPECT_EQ(0, a[1].errors);
	for (i = 0; i < 2 * THREAD_MSGS; i++)
		once += atomic_load(&seen[i]) == 1;
	EXPECT_EQ(2 * THREAD_MSGS, once);
	EXPECT_ERR(ENOMSG, kipc_msg_recv(fd, &(long long){ 0 }, NULL, 0,
					 KIPC_NOWAIT, 0));
	close(fd);
}

/* errno is each thread's own: a failure in one leaves the other's. */
static void *fail_ebadf(void *p)
{
	*(int *)p = kipc_msg_flush(-1) ? errno : 0;
	return NULL;
}

TEST_F(lib, errno_is_per_thread)
{
	pthread_t t;
	int err = 0;

	errno = 0;
	ASSERT_EQ(0, pthread_create(&t, NULL, fail_ebadf, &err));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(EBADF, err);
	EXPECT_EQ(0, errno);
}

TEST_HARNESS_MAIN

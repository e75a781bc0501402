// SPDX-License-Identifier: GPL-2.0
/*
 * Loading and unloading kipc.ko: parameter validation, rmmod while in use,
 * repeated load/unload, and the node-shaping parameters. Runs last (it
 * unloads the module) and leaves kipc loaded with default parameters.
 * The module file is $KIPC_KO, else ../kmod/kipc.ko.
 */

#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "kipc_test.h"

static const char *ko_path(void)
{
	const char *p = getenv("KIPC_KO");

	return p && *p ? p : "../kmod/kipc.ko";
}

static int load(const char *params)
{
	int fd = open(ko_path(), O_RDONLY | O_CLOEXEC);
	int ret, err;

	if (fd < 0)
		return -1;
	ret = syscall(SYS_finit_module, fd, params, 0);
	err = errno;
	close(fd);
	errno = err;
	return ret;
}

static int unload(void)
{
	return syscall(SYS_delete_module, "kipc", O_NONBLOCK);
}

static int node_exists(const char *name)
{
	char path[64];

	kipc_node_path(path, sizeof(path), name);
	return access(path, F_OK) == 0;
}

/* Make sure kipc is loaded with @params (unloading it first). */
static int reload(const char *params)
{
	if (kipc_loaded() && unload())
		return -1;
	return load(params);
}

/* Open /dev/kmsg positioned at its end, to read what comes next. */
static int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

static int kmsg_has(int fd, const char *text)
{
	char rec[1024];
	ssize_t n;

	while ((n = read(fd, rec, sizeof(rec) - 1)) > 0 ||
	       (n < 0 && errno == EPIPE)) {
		if (n <= 0)
			continue;
		rec[n] = '\0';
		if (strstr(rec, text))
			return 1;
	}
	return 0;
}

FIXTURE(module)
{
	int unused;
};

/* Every test loads kipc.ko: checked once, at start-up (kipc_require()). */
static void __attribute__((constructor)) module_require(void)
{
	char why[PATH_MAX + 8];

	snprintf(why, sizeof(why), "no %s", ko_path());
	kipc_require(!access(ko_path(), R_OK), why);
}

FIXTURE_SETUP(module)
{
	if (!kipc_loaded())
		ASSERT_EQ(0, load(""));
}

FIXTURE_TEARDOWN(module)
{
	EXPECT_EQ(0, reload(""));
}

TEST_F(module, rmmod_while_open_is_refused)
{
	int fd = kipc_open("pipe0", O_RDWR);

	ASSERT_GE(fd, 0);
	/* delete_module(2) says "in use" with EWOULDBLOCK; rmmod reports it. */
	EXPECT_EQ(-1, unload());
	EXPECT_EQ(EWOULDBLOCK, errno);
	EXPECT_TRUE(kipc_loaded());
	close(fd);
}

TEST_F(module, rmmod_after_close_succeeds)
{
	int fd = kipc_open("pipe0", O_RDWR);

	ASSERT_GE(fd, 0);
	close(fd);
	EXPECT_EQ(0, unload());
	EXPECT_FALSE(kipc_loaded());
	EXPECT_FALSE(node_exists("pipe0"));
}

TEST_F(module, load_unload_ten_times)
{
	int i;

	ASSERT_EQ(0, unload());
	for (i = 0; i < 10; i++) {
		ASSERT_EQ(0, load(""));
		EXPECT_TRUE(node_exists("pipe3"));
		EXPECT_TRUE(node_exists("sem3"));
		EXPECT_EQ(65536, kipc_proc("pipe", "pipe0", "size"));
		ASSERT_EQ(0, unload());
		EXPECT_FALSE(node_exists("pipe0"));
		EXPECT_FALSE(kipc_loaded());
	}
}

static void expect_refused(struct __test_metadata *_metadata,
			   const char *params, const char *log)
{
	int kmsg = kmsg_open();

	ASSERT_GE(kmsg, 0);
	if (kipc_loaded())
		ASSERT_EQ(0, unload());
	EXPECT_EQ(-1, load(params));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_FALSE(kipc_loaded());
	if (log)
		EXPECT_TRUE(kmsg_has(kmsg, log));
	close(kmsg);
}

TEST_F(module, pipes_257_einval)
{
	expect_refused(_metadata, "pipes=257",
		       "kipc: pipes=257 is out of range 0..256");
}

TEST_F(module, msgqs_257_einval)
{
	expect_refused(_metadata, "msgqs=257",
		       "kipc: msgqs=257 is out of range 0..256");
}

/* 0 load-time nodes of a kind is a load with none: objects come later. */
TEST_F(module, zero_counts_make_no_nodes)
{
	ASSERT_EQ(0, reload("pipes=0 msgqs=0 shms=0 sems=0"));
	EXPECT_FALSE(node_exists("pipe0"));
	EXPECT_FALSE(node_exists("msg0"));
	EXPECT_FALSE(node_exists("shm0"));
	EXPECT_FALSE(node_exists("sem0"));
	EXPECT_TRUE(node_exists("control"));
	EXPECT_EQ(0, kipc_proc("limits", "max_objects", "used"));
}

TEST_F(module, sems_1000_einval)
{
	expect_refused(_metadata, "sems=1000",
		       "kipc: sems=1000 is out of range 0..256");
}

TEST_F(module, mode_outside_0777_einval)
{
	expect_refused(_metadata, "mode=01777",
		       "kipc: mode=01777 has bits outside 0777");
}

TEST_F(module, pipe_size_above_max_einval)
{
	expect_refused(_metadata, "pipe_size=2097152",
		       "kipc: pipe_size=2097152 is out of range");
}

TEST_F(module, non_numeric_count_einval)
{
	expect_refused(_metadata, "pipes=many", NULL);
}

TEST_F(module, counts_shape_the_nodes)
{
	ASSERT_EQ(0, reload("pipes=2 msgqs=1 shms=3 sems=256"));
	EXPECT_TRUE(node_exists("pipe1"));
	EXPECT_FALSE(node_exists("pipe2"));
	EXPECT_TRUE(node_exists("msg0"));
	EXPECT_FALSE(node_exists("msg1"));
	EXPECT_TRUE(node_exists("shm2"));
	EXPECT_FALSE(node_exists("shm3"));
	EXPECT_TRUE(node_exists("sem255"));
	EXPECT_EQ(LLONG_MIN, kipc_proc("pipe", "pipe2", "size"));
	EXPECT_EQ(65536, kipc_proc("pipe", "pipe1", "size"));
}

TEST_F(module, default_mode_is_0600_root)
{
	char path[64];
	struct stat st;

	kipc_node_path(path, sizeof(path), "pipe0");
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);
}

TEST_F(module, mode_0666_opens_to_everyone)
{
	int status;
	pid_t pid;

	ASSERT_EQ(0, reload("mode=0666"));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		if (kipc_drop_privileges())
			_exit(2);
		_exit(kipc_open("pipe0", O_RDWR) >= 0 ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
}

TEST_F(module, parameters_visible_in_sysfs)
{
	char buf[32] = "";
	FILE *f;

	ASSERT_EQ(0, reload("pipe_size=8192"));
	f = fopen("/sys/module/kipc/parameters/pipe_size", "re");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(buf, sizeof(buf), f));
	fclose(f);
	EXPECT_EQ(8192, atoi(buf));
	EXPECT_EQ(8192, kipc_proc("pipe", "pipe0", "size"));
}

TEST_HARNESS_MAIN

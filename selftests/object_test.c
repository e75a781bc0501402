// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/kipc/control and the named objects it makes (SPEC.md, wave 2).
 * The `obj` fixture runs each test on every kind: the node made at once,
 * its owner (the caller's euid/egid) and mode (less the umask), one name
 * space with the load-time nodes, removal and who may remove, access by
 * the node's file permissions, the /proc/kipc row of an object. The `ctl`
 * fixture covers the control node's own rules: argument checks, names,
 * EFAULT and ENOTTY, msgget(2)'s rules for an existing name. The `size`
 * fixture has a variant per boundary of the size field of each kind, for
 * named and for anonymous objects. Limits are in limits_test.c.
 */

#include <stddef.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "kipc_test.h"

KIPC_REQUIRE_MODULE();

/* A second unprivileged user, and a group that is not its uid. */
#define OTHER_UID 4321
#define OTHER_GID 4322
#define PAGE 4096ULL

struct op_result {
	long ret;
	int err;
	long long used;
	int again;
};

/* Open @name with @flags and close it: 0, or -1 and errno. */
static int try_open(const char *name, int flags)
{
	int fd = kipc_open(name, flags);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

/* stat(2) of /dev/kipc/@name: 0 or -1. */
static int node_stat(const char *name, struct stat *st)
{
	char path[64];

	kipc_node_path(path, sizeof(path), name);
	return stat(path, st);
}

static int node_chmod(const char *name, mode_t mode)
{
	char path[64];

	kipc_node_path(path, sizeof(path), name);
	return chmod(path, mode);
}

static int node_chown(const char *name, uid_t uid, gid_t gid)
{
	char path[64];

	kipc_node_path(path, sizeof(path), name);
	return chown(path, uid, gid);
}

/* The permission bits of /dev/kipc/@name, or -1. */
static int node_mode(const char *name)
{
	struct stat st;

	return node_stat(name, &st) ? -1 : (int)(st.st_mode & 07777);
}

/* kipc_fd_size() of /dev/kipc/@name, or -1. */
static long long size_of(__u32 kind, const char *name)
{
	int fd = kipc_open(name, O_RDWR | O_NONBLOCK);
	long long size;

	if (fd < 0)
		return -1;
	size = kipc_fd_size(kind, fd);
	close(fd);
	return size;
}

/* Is there a row for @node in /proc/kipc/@table? */
static bool proc_has_row(const char *table, const char *node)
{
	char buf[64];

	return kipc_proc_text(table, node, "name", buf, sizeof(buf)) == 0;
}

/* In a child: the used column of max_user_objects, as this user reads it. */
static long long user_used(void)
{
	return kipc_proc("limits", "max_user_objects", "used");
}

/* ================================================== every kind of object */

FIXTURE(obj)
{
	struct kipc_names names;
	long long base;
};

FIXTURE_VARIANT(obj)
{
	__u32 kind;
	__u32 other; /* another kind */
	const char *table;
	const char *load_name; /* a load-time node of this kind */
	const char *def_param; /* the parameter that gives size 0's size */
	__u64 size1, size2; /* sizes that read back as given, not defaults */
	int flags; /* to open the node without blocking */
};

/* clang-format off */
FIXTURE_VARIANT_ADD(obj, pipe) {
	.kind = KIPC_KIND_PIPE,
	.other = KIPC_KIND_MSG,
	.table = "pipe",
	.load_name = "pipe0",
	.def_param = "pipe_size",
	.size1 = 8192,
	.size2 = 16384,
	.flags = O_NONBLOCK,
};

FIXTURE_VARIANT_ADD(obj, msg) {
	.kind = KIPC_KIND_MSG,
	.other = KIPC_KIND_SHM,
	.table = "msg",
	.load_name = "msg0",
	.def_param = "msgmnb",
	.size1 = 100,
	.size2 = 200,
};

FIXTURE_VARIANT_ADD(obj, shm) {
	.kind = KIPC_KIND_SHM,
	.other = KIPC_KIND_SEM,
	.table = "shm",
	.load_name = "shm0",
	.def_param = "shm_size",
	.size1 = 8192,
	.size2 = 16384,
};

FIXTURE_VARIANT_ADD(obj, sem) {
	.kind = KIPC_KIND_SEM,
	.other = KIPC_KIND_PIPE,
	.table = "sem",
	.load_name = "sem0",
	.def_param = "sem_init",
	.size1 = 5,
	.size2 = 7,
};

/* clang-format on */

FIXTURE_SETUP(obj)
{
	KIPC_OBJECTS_SETUP(self->base);
	umask(0);
}

FIXTURE_TEARDOWN(obj)
{
	KIPC_OBJECTS_TEARDOWN(&self->names, self->base);
}

/* Make a new object of the variant's kind: its name (recorded). */
#define MAKE(mode, size)                                                 \
	({                                                               \
		const char *__n = kipc_names_new(&self->names, "obj");   \
		ASSERT_NE(NULL, __n);                                    \
		ASSERT_EQ(0, kipc_create(variant->kind, __n, mode, size, \
					 KIPC_CREATE_EXCL));             \
		__n;                                                     \
	})

TEST_F(obj, create_makes_char_device_at_once)
{
	const char *name = MAKE(0600, 0);
	struct stat st;

	ASSERT_EQ(0, node_stat(name, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
}

TEST_F(obj, created_node_opens)
{
	const char *name = MAKE(0600, 0);

	EXPECT_EQ(0, try_open(name, O_RDWR | variant->flags));
}

/* A caller whose real ids are root's: the node is the effective ids'. */
static int create_with_euid(__u32 kind, const char *name)
{
	if (setgroups(0, NULL) || setegid(OTHER_GID) || seteuid(OTHER_UID))
		return -2;
	return kipc_create(kind, name, 0600, 0, 0);
}

TEST_F(obj, owner_is_callers_euid_and_egid)
{
	const char *name = kipc_names_new(&self->names, "euid");
	struct op_result r;
	struct stat st;
	int note;
	pid_t pid;

	KIPC_CHILD_OP(pid, note, create_with_euid(variant->kind, name));
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	ASSERT_EQ(0, r.ret);
	ASSERT_EQ(0, node_stat(name, &st));
	EXPECT_EQ(OTHER_UID, st.st_uid);
	EXPECT_EQ(OTHER_GID, st.st_gid);
	(void)pid;
}

TEST_F(obj, mode_takes_off_umask)
{
	const char *name;

	umask(027);
	name = MAKE(0666, 0);
	EXPECT_EQ(0640, node_mode(name));
}

TEST_F(obj, mode_kept_with_zero_umask)
{
	const char *name = MAKE(0604, 0);

	EXPECT_EQ(0604, node_mode(name));
}

TEST_F(obj, size_is_used)
{
	const char *name = MAKE(0600, variant->size1);

	EXPECT_EQ(variant->size1, size_of(variant->kind, name));
}

/* As msgget(IPC_CREAT) on an existing key: success, nothing changes. */
TEST_F(obj, create_existing_same_kind_changes_nothing)
{
	const char *name = MAKE(0600, variant->size1);
	struct stat before, after;

	ASSERT_EQ(0, node_stat(name, &before));
	EXPECT_EQ(0, kipc_create(variant->kind, name, 0666, variant->size2, 0));
	ASSERT_EQ(0, node_stat(name, &after));
	EXPECT_EQ(0600, after.st_mode & 07777);
	EXPECT_EQ(before.st_rdev, after.st_rdev);
	EXPECT_EQ(variant->size1, size_of(variant->kind, name));
}

TEST_F(obj, create_existing_excl_eexist)
{
	const char *name = MAKE(0600, variant->size1);

	EXPECT_EQ(-1, kipc_create(variant->kind, name, 0600, variant->size2,
				  KIPC_CREATE_EXCL));
	EXPECT_EQ(EEXIST, errno);
	EXPECT_EQ(variant->size1, size_of(variant->kind, name));
}

TEST_F(obj, create_existing_other_kind_eexist)
{
	const char *name = MAKE(0600, variant->size1);

	EXPECT_EQ(-1, kipc_create(variant->other, name, 0600, 0, 0));
	EXPECT_EQ(EEXIST, errno);
	EXPECT_EQ(-1,
		  kipc_create(variant->other, name, 0600, 0, KIPC_CREATE_EXCL));
	EXPECT_EQ(EEXIST, errno);
	EXPECT_EQ(variant->size1, size_of(variant->kind, name));
}

/*
 * A taken name is answered before the size is looked at, as msgget(2)
 * with IPC_CREAT finds an existing queue: a size no kind takes gives
 * success on an object of the kind and EEXIST on another kind.
 */
TEST_F(obj, create_existing_ignores_a_size_it_would_refuse)
{
	const char *name = MAKE(0600, variant->size1);
	const char *fresh = kipc_names_new(&self->names, "badsize");

	ASSERT_NE(NULL, fresh);
	/* The size alone fails where the name is free. */
	EXPECT_EQ(-1, kipc_create(variant->kind, fresh, 0600, ~0ULL, 0));
	EXPECT_FALSE(kipc_node_exists(fresh));
	EXPECT_EQ(0, kipc_create(variant->kind, name, 0600, ~0ULL, 0));
	EXPECT_EQ(-1, kipc_create(variant->other, name, 0600, ~0ULL, 0));
	EXPECT_EQ(EEXIST, errno);
	EXPECT_EQ(variant->size1, size_of(variant->kind, name));
}

/* The load-time nodes share the name space: pipe0 is a pipe. */
TEST_F(obj, load_time_name_same_kind_is_success)
{
	if (!kipc_node_exists(variant->load_name))
		SKIP(return, "no %s node", variant->load_name);
	EXPECT_EQ(0,
		  kipc_create(variant->kind, variant->load_name, 0600, 0, 0));
	EXPECT_TRUE(kipc_node_exists(variant->load_name));
}

TEST_F(obj, load_time_name_excl_eexist)
{
	if (!kipc_node_exists(variant->load_name))
		SKIP(return, "no %s node", variant->load_name);
	EXPECT_EQ(-1, kipc_create(variant->kind, variant->load_name, 0600, 0,
				  KIPC_CREATE_EXCL));
	EXPECT_EQ(EEXIST, errno);
}

TEST_F(obj, load_time_name_other_kind_eexist)
{
	if (!kipc_node_exists(variant->load_name))
		SKIP(return, "no %s node", variant->load_name);
	EXPECT_EQ(-1,
		  kipc_create(variant->other, variant->load_name, 0600, 0, 0));
	EXPECT_EQ(EEXIST, errno);
}

/* ------------------------------------------------------------- removal */

TEST_F(obj, removed_name_is_gone_at_once)
{
	const char *name = MAKE(0600, 0);

	ASSERT_EQ(0, kipc_remove(name));
	EXPECT_EQ(-1, kipc_open(name, O_RDWR | variant->flags));
	EXPECT_EQ(ENOENT, errno);
}

/*
 * An unlinked devtmpfs node with a live object's device number, held by an
 * O_PATH descriptor, is what a removed object's node becomes once its
 * minor is handed out again: reopened through /proc/self/fd it must not
 * open the new object (without the check it did).
 */
TEST_F(obj, unlinked_node_of_its_minor_does_not_open_it)
{
	const char *name = MAKE(0666, 0);
	char stale[64], proc[64];
	struct stat st;
	int path_fd, fd;

	ASSERT_EQ(0, node_stat(name, &st));
	snprintf(stale, sizeof(stale), KIPC_DEV_DIR "/.stale-%d", getpid());
	ASSERT_EQ(0, mknod(stale, S_IFCHR | 0666, st.st_rdev));
	path_fd = open(stale, O_PATH | O_CLOEXEC);
	EXPECT_EQ(0, unlink(stale));
	ASSERT_GE(path_fd, 0);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", path_fd);
	EXPECT_EQ(-1, open(proc, O_RDWR | variant->flags));
	EXPECT_EQ(ENOENT, errno);
	close(path_fd);
	/* The object's own node still opens. */
	fd = kipc_open(name, O_RDWR | variant->flags);
	EXPECT_GE(fd, 0);
	close(fd);
}

TEST_F(obj, remove_twice_enoent)
{
	const char *name = MAKE(0600, 0);

	ASSERT_EQ(0, kipc_remove(name));
	EXPECT_EQ(-1, kipc_remove(name));
	EXPECT_EQ(ENOENT, errno);
}

/* The name may be made again at once: a new object, default size. */
TEST_F(obj, removed_name_made_again_at_once)
{
	const char *name = MAKE(0600, variant->size1);

	ASSERT_EQ(0, kipc_remove(name));
	ASSERT_EQ(0,
		  kipc_create(variant->kind, name, 0600, 0, KIPC_CREATE_EXCL));
	EXPECT_EQ(kipc_param(variant->def_param), size_of(variant->kind, name));
}

/* The name is free for another kind too. */
TEST_F(obj, removed_name_made_again_as_other_kind)
{
	const char *name = MAKE(0600, 0);

	ASSERT_EQ(0, kipc_remove(name));
	EXPECT_EQ(0,
		  kipc_create(variant->other, name, 0600, 0, KIPC_CREATE_EXCL));
	EXPECT_NE(-1, size_of(variant->other, name));
}

TEST_F(obj, remove_by_other_user_eperm)
{
	const char *name = MAKE(0666, 0);

	EXPECT_EQ(EPERM, KIPC_AS_NOBODY(kipc_remove(name)));
	EXPECT_TRUE(kipc_node_exists(name));
}

TEST_F(obj, remove_by_creator)
{
	const char *name = kipc_names_new(&self->names, "mine");
	__u32 kind = variant->kind;

	ASSERT_EQ(0, KIPC_AS_NOBODY(kipc_create(kind, name, 0600, 0, 0)));
	EXPECT_EQ(0, KIPC_AS_NOBODY(kipc_remove(name)));
	EXPECT_FALSE(kipc_node_exists(name));
}

/* As IPC_RMID: the owner chown(1) set may remove. */
TEST_F(obj, remove_by_owner_after_chown)
{
	const char *name = MAKE(0600, 0);

	ASSERT_EQ(0, node_chown(name, KIPC_NOBODY, KIPC_NOBODY));
	EXPECT_EQ(0, KIPC_AS_NOBODY(kipc_remove(name)));
	EXPECT_FALSE(kipc_node_exists(name));
}

/* The creator keeps the right when the node is given away. */
TEST_F(obj, remove_by_creator_after_chown_away)
{
	const char *name = kipc_names_new(&self->names, "given");
	__u32 kind = variant->kind;

	ASSERT_EQ(0, KIPC_AS_NOBODY(kipc_create(kind, name, 0600, 0, 0)));
	ASSERT_EQ(0, node_chown(name, OTHER_UID, OTHER_GID));
	EXPECT_EQ(0, KIPC_AS_NOBODY(kipc_remove(name)));
	EXPECT_FALSE(kipc_node_exists(name));
}

/* The node's group does not give the right (nor does IPC_RMID's). */
TEST_F(obj, remove_by_group_member_eperm)
{
	const char *name = MAKE(0660, 0);

	ASSERT_EQ(0, node_chown(name, 0, KIPC_NOBODY));
	EXPECT_EQ(EPERM, KIPC_AS_NOBODY(kipc_remove(name)));
	EXPECT_TRUE(kipc_node_exists(name));
}

/* CAP_SYS_ADMIN removes what another user made. */
TEST_F(obj, remove_by_root_not_creator)
{
	const char *name = kipc_names_new(&self->names, "theirs");
	__u32 kind = variant->kind;

	ASSERT_EQ(0, KIPC_AS_NOBODY(kipc_create(kind, name, 0600, 0, 0)));
	EXPECT_EQ(0, kipc_remove(name));
	EXPECT_FALSE(kipc_node_exists(name));
}

/* The next user's removal of another user's object: still EPERM. */
TEST_F(obj, remove_by_other_unprivileged_user_eperm)
{
	const char *name = kipc_names_new(&self->names, "nobodys");
	__u32 kind = variant->kind;
	struct op_result r;
	int note;
	pid_t pid;

	ASSERT_EQ(0, KIPC_AS_NOBODY(kipc_create(kind, name, 0666, 0, 0)));
	KIPC_CHILD_OP(pid, note,
		      kipc_become(OTHER_UID, OTHER_GID) ? -2 :
							  kipc_remove(name));
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	EXPECT_EQ(-1, r.ret);
	EXPECT_EQ(EPERM, r.err);
	EXPECT_TRUE(kipc_node_exists(name));
	(void)pid;
}

/* -------------------------------------------- access: the file's mode */

TEST_F(obj, open_0600_by_other_user_eacces)
{
	const char *name = MAKE(0600, 0);
	int flags = O_RDONLY | variant->flags;

	EXPECT_EQ(EACCES, KIPC_AS_NOBODY(try_open(name, flags)));
}

TEST_F(obj, chmod_0666_lets_other_user_open)
{
	const char *name = MAKE(0600, 0);
	int flags = O_RDWR | variant->flags;

	ASSERT_EQ(0, node_chmod(name, 0666));
	EXPECT_EQ(0, KIPC_AS_NOBODY(try_open(name, flags)));
}

TEST_F(obj, chown_lets_new_owner_open)
{
	const char *name = MAKE(0600, 0);
	int flags = O_RDWR | variant->flags;

	ASSERT_EQ(0, node_chown(name, KIPC_NOBODY, KIPC_NOBODY));
	EXPECT_EQ(0, KIPC_AS_NOBODY(try_open(name, flags)));
}

TEST_F(obj, mode_0644_other_user_reads)
{
	const char *name = MAKE(0644, 0);
	int flags = O_RDONLY | variant->flags;

	EXPECT_EQ(0, KIPC_AS_NOBODY(try_open(name, flags)));
}

TEST_F(obj, mode_0644_other_user_write_eacces)
{
	const char *name = MAKE(0644, 0);
	int flags = O_WRONLY | variant->flags;

	EXPECT_EQ(EACCES, KIPC_AS_NOBODY(try_open(name, flags)));
}

/* The creator's own mode bits bind it too (no owner override). */
TEST_F(obj, creator_bound_by_mode_0400)
{
	const char *name = kipc_names_new(&self->names, "ro");
	int flags = O_WRONLY | variant->flags;
	__u32 kind = variant->kind;

	EXPECT_EQ(EACCES, KIPC_AS_NOBODY(kipc_create(kind, name, 0400, 0, 0) ?:
						 try_open(name, flags)));
}

/* -------------------------------------------------------- /proc/kipc */

TEST_F(obj, proc_row_shows_creator_mode_and_cpid)
{
	const char *name = kipc_names_new(&self->names, "row");
	char mode[16] = "";
	struct op_result r;
	int note;
	pid_t pid;

	KIPC_CHILD_OP(pid, note,
		      kipc_drop_privileges() ?
			      -2 :
			      kipc_create(variant->kind, name, 0640, 0, 0));
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	ASSERT_EQ(0, r.ret);
	EXPECT_EQ(KIPC_NOBODY, kipc_proc(variant->table, name, "uid"));
	EXPECT_EQ(KIPC_NOBODY, kipc_proc(variant->table, name, "gid"));
	EXPECT_EQ(0, kipc_proc_text(variant->table, name, "mode", mode,
				    sizeof(mode)));
	EXPECT_STREQ("0640", mode);
	EXPECT_EQ(pid, kipc_proc(variant->table, name, "cpid"));
}

TEST_F(obj, proc_row_follows_chown_and_chmod)
{
	const char *name = MAKE(0600, 0);
	char mode[16] = "";

	ASSERT_EQ(0, node_chown(name, OTHER_UID, OTHER_GID));
	ASSERT_EQ(0, node_chmod(name, 0604));
	EXPECT_EQ(OTHER_UID, kipc_proc(variant->table, name, "uid"));
	EXPECT_EQ(OTHER_GID, kipc_proc(variant->table, name, "gid"));
	EXPECT_EQ(0, kipc_proc_text(variant->table, name, "mode", mode,
				    sizeof(mode)));
	EXPECT_STREQ("0604", mode);
	/* The creator's pid does not follow the owner. */
	EXPECT_EQ(getpid(), kipc_proc(variant->table, name, "cpid"));
}

TEST_F(obj, proc_row_gone_after_remove)
{
	const char *name = MAKE(0600, 0);

	ASSERT_TRUE(proc_has_row(variant->table, name));
	ASSERT_EQ(0, kipc_remove(name));
	EXPECT_FALSE(proc_has_row(variant->table, name));
}

/* Only the object's own table lists it. */
TEST_F(obj, proc_row_only_in_own_table)
{
	static const char *const tables[] = { "pipe", "msg", "shm", "sem" };
	const char *name = MAKE(0600, 0);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(tables); i++) {
		bool own = !strcmp(tables[i], variant->table);

		EXPECT_EQ(own, proc_has_row(tables[i], name))
		TH_LOG("table %s", tables[i]);
	}
}

TEST_F(obj, create_and_remove_counted_in_limits)
{
	const char *name = MAKE(0600, 0);

	EXPECT_EQ(self->base + 1, kipc_objects_used());
	ASSERT_EQ(0, kipc_remove(name));
	EXPECT_EQ(self->base, kipc_objects_used());
}

/*
 * In a child, as nobody: make @name of @kind. r.used: nobody's count
 * before, as nobody reads it; r.again: how much it grew.
 */
static void create_counted(struct op_result *r, __u32 kind, const char *name)
{
	if (kipc_drop_privileges()) {
		r->ret = -2;
		return;
	}
	r->used = user_used();
	r->ret = kipc_create(kind, name, 0600, 0, 0);
	r->err = errno;
	r->again = (int)(user_used() - r->used);
}

/* An object made by nobody counts for nobody, read as nobody. */
TEST_F(obj, create_counted_for_creators_uid)
{
	const char *name = kipc_names_new(&self->names, "count");
	struct op_result r;
	int note;

	KIPC_CHILD(note, create_counted(&r, variant->kind, name));
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	ASSERT_EQ(0, r.ret);
	EXPECT_GE(r.used, 0);
	EXPECT_EQ(1, r.again);
}

/* ===================================================== the control node */

FIXTURE(ctl)
{
	int ctl;
	long long base;
	struct kipc_names names;
};

FIXTURE_SETUP(ctl)
{
	KIPC_OBJECTS_SETUP(self->base);
	umask(0);
	self->ctl = kipc_open("control", O_RDWR);
	ASSERT_GE(self->ctl, 0);
}

FIXTURE_TEARDOWN(ctl)
{
	close(self->ctl);
	KIPC_OBJECTS_TEARDOWN(&self->names, self->base);
}

/* A create argument for a new, recorded name: valid as it stands. */
static struct kipc_create new_create(struct kipc_names *names, const char *tag,
				     __u32 kind)
{
	struct kipc_create c = { .kind = kind, .mode = 0600 };
	const char *name = kipc_names_new(names, tag);

	if (name)
		snprintf(c.name, sizeof(c.name), "%s", name);
	return c;
}

/* KIPC_CTL_CREATE of @c fails with @err and makes no node. */
static void create_fails(struct __test_metadata *_metadata, int ctl, int err,
			 const struct kipc_create *c)
{
	bool dots = !strcmp(c->name, ".") || !strcmp(c->name, "..");

	EXPECT_EQ(-1, ioctl(ctl, KIPC_CTL_CREATE, c));
	EXPECT_EQ(err, errno);
	/* No node by that name (but "." and ".." are the directory's). */
	if (c->name[0] && memchr(c->name, 0, sizeof(c->name)) && !dots)
		EXPECT_FALSE(kipc_node_exists(c->name));
}

#define EXPECT_CREATE_FAILS(err, c) \
	create_fails(_metadata, self->ctl, err, &(c))

TEST_F(ctl, control_is_char_device_with_control_mode)
{
	long long mode = kipc_param("control_mode");
	struct stat st;

	ASSERT_EQ(0, node_stat("control", &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0, st.st_uid);
	ASSERT_GE(mode, 0);
	EXPECT_EQ(mode, st.st_mode & 07777);
}

/* The default control_mode, 0666: any user may make objects. */
TEST_F(ctl, unprivileged_user_creates)
{
	const char *name = kipc_names_new(&self->names, "anyone");

	EXPECT_EQ(0, KIPC_AS_NOBODY(kipc_create(KIPC_KIND_MSG, name, 0600, 0,
						KIPC_CREATE_EXCL)));
	EXPECT_TRUE(kipc_node_exists(name));
}

TEST_F(ctl, unknown_ioctl_enotty)
{
	EXPECT_EQ(-1, ioctl(self->ctl, _IO(KIPC_IOC_MAGIC, 0x5f)));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->ctl, _IOW(KIPC_IOC_MAGIC, 0x54, __u64),
			    &self->base));
	EXPECT_EQ(ENOTTY, errno);
}

/*
 * Making and removing need control opened for writing: with control_mode
 * 0644 the others, who can open it only for reading, make nothing.
 */
TEST_F(ctl, read_only_control_makes_and_removes_nothing)
{
	struct kipc_create c =
		new_create(&self->names, "rdonly", KIPC_KIND_MSG);
	const char *name = kipc_names_new(&self->names, "rdonly-rm");
	struct kipc_pipe_pair pp = { 0 };
	struct kipc_anon an = { .kind = KIPC_KIND_MSG };
	struct kipc_remove rm = { 0 };
	int ro;

	ASSERT_EQ(0, kipc_create(KIPC_KIND_MSG, name, 0600, 0, 0));
	snprintf(rm.name, sizeof(rm.name), "%s", name);
	ro = kipc_open("control", O_RDONLY);
	ASSERT_GE(ro, 0);
	create_fails(_metadata, ro, EBADF, &c);
	EXPECT_EQ(-1, ioctl(ro, KIPC_CTL_REMOVE, &rm));
	EXPECT_EQ(EBADF, errno);
	EXPECT_TRUE(kipc_node_exists(name));
	EXPECT_EQ(-1, ioctl(ro, KIPC_CTL_PIPE, &pp));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, ioctl(ro, KIPC_CTL_ANON, &an));
	EXPECT_EQ(EBADF, errno);
	/* Not a terminal, as before: isatty() still gets ENOTTY. */
	EXPECT_FALSE(isatty(ro));
	EXPECT_EQ(ENOTTY, errno);
	close(ro);
}

/* sysfs uevent of @name says KIPC_LOAD=1: 1, 0, or -1 if unreadable. */
static int says_load(const char *name)
{
	char path[128], buf[4096];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/class/kipc/%s/uevent", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return !!strstr(buf, "\nKIPC_LOAD=1\n");
}

/* A udev rule can tell the load-time nodes from the objects users make. */
TEST_F(ctl, uevent_tells_load_time_nodes)
{
	const char *name = kipc_names_new(&self->names, "uevent");

	ASSERT_EQ(0, kipc_create(KIPC_KIND_MSG, name, 0600, 0, 0));
	EXPECT_EQ(0, says_load(name));
	EXPECT_EQ(0, says_load("control"));
	if (!kipc_node_exists("msg0"))
		SKIP(return, "no load-time msg0 (msgqs=0)");
	EXPECT_EQ(1, says_load("msg0"));
}

TEST_F(ctl, node_ioctl_on_control_enotty)
{
	struct kipc_msg_info info;

	EXPECT_EQ(-1, ioctl(self->ctl, KIPC_MSG_GETINFO, &info));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->ctl, KIPC_MSG_FLUSH));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_F(ctl, control_ioctl_on_object_enotty)
{
	struct kipc_create c = new_create(&self->names, "onobj", KIPC_KIND_MSG);
	const char *name = kipc_names_new(&self->names, "host");
	int fd;

	ASSERT_EQ(0, kipc_create(KIPC_KIND_MSG, name, 0600, 0, 0));
	fd = kipc_open(name, O_RDWR);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(-1, ioctl(fd, KIPC_CTL_CREATE, &c));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_FALSE(kipc_node_exists(c.name));
	close(fd);
}

static const unsigned long ctl_cmds[] = { KIPC_CTL_CREATE, KIPC_CTL_REMOVE,
					  KIPC_CTL_PIPE, KIPC_CTL_ANON };

TEST_F(ctl, every_ioctl_null_efault)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ctl_cmds); i++) {
		EXPECT_EQ(-1, ioctl(self->ctl, ctl_cmds[i], NULL))
		TH_LOG("ioctl %#lx", ctl_cmds[i]);
		EXPECT_EQ(EFAULT, errno);
	}
}

TEST_F(ctl, every_ioctl_bad_pointer_efault)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ctl_cmds); i++) {
		EXPECT_EQ(-1, ioctl(self->ctl, ctl_cmds[i], kipc_bad_ptr()))
		TH_LOG("ioctl %#lx", ctl_cmds[i]);
		EXPECT_EQ(EFAULT, errno);
	}
}

/* A struct that ends where readable memory does: EFAULT, nothing made. */
TEST_F(ctl, create_struct_across_unmapped_page_efault)
{
	char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct kipc_create c = new_create(&self->names, "half", KIPC_KIND_SEM);
	struct kipc_create *arg;

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, mprotect(p + PAGE, PAGE, PROT_NONE));
	/* The name and what comes before it readable, reserved2 not. */
	arg = (struct kipc_create *)(p + PAGE -
				     offsetof(struct kipc_create, reserved2));
	memcpy(arg, &c, offsetof(struct kipc_create, reserved2));
	EXPECT_EQ(-1, ioctl(self->ctl, KIPC_CTL_CREATE, arg));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_FALSE(kipc_node_exists(c.name));
	munmap(p, 2 * PAGE);
}

/* ----------------------------------------------------- argument checks */

TEST_F(ctl, create_kind_zero_einval)
{
	struct kipc_create c = new_create(&self->names, "k0", 0);

	EXPECT_CREATE_FAILS(EINVAL, c);
}

TEST_F(ctl, create_kind_past_sem_einval)
{
	struct kipc_create c = new_create(&self->names, "k5", 5);

	EXPECT_CREATE_FAILS(EINVAL, c);
	c.kind = UINT32_MAX;
	EXPECT_CREATE_FAILS(EINVAL, c);
}

TEST_F(ctl, create_unknown_flag_einval)
{
	struct kipc_create c = new_create(&self->names, "fl", KIPC_KIND_MSG);

	c.flags = 1U << 2;
	EXPECT_CREATE_FAILS(EINVAL, c);
	c.flags = KIPC_CREATE_EXCL | (1U << 31);
	EXPECT_CREATE_FAILS(EINVAL, c);
}

/* KIPC_CREATE_SIZE takes size 0 as given: a semaphore at 0. */
TEST_F(ctl, create_size_flag_makes_sem_at_zero)
{
	const char *name = kipc_names_new(&self->names, "zero");
	struct kipc_sem_info info;
	int fd;

	ASSERT_EQ(0,
		  kipc_create(KIPC_KIND_SEM, name, 0600, 0, KIPC_CREATE_SIZE));
	fd = kipc_open(name, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioctl(fd, KIPC_SEM_GETINFO, &info));
	EXPECT_EQ(0, info.value);
	close(fd);
}

/* For the other kinds a given size of 0 is what their ioctls say: EINVAL. */
TEST_F(ctl, create_size_flag_zero_einval_for_other_kinds)
{
	static const __u32 kinds[] = { KIPC_KIND_PIPE, KIPC_KIND_MSG,
				       KIPC_KIND_SHM };
	struct kipc_create c;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kinds); i++) {
		c = new_create(&self->names, "zs", kinds[i]);
		c.flags = KIPC_CREATE_SIZE;
		EXPECT_CREATE_FAILS(EINVAL, c);
	}
}

TEST_F(ctl, create_mode_above_0777_einval)
{
	struct kipc_create c = new_create(&self->names, "md", KIPC_KIND_MSG);
	static const __u32 modes[] = { 01000, 02600, 04600, 010600,
				       0x80000000 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		c.mode = modes[i];
		EXPECT_CREATE_FAILS(EINVAL, c);
	}
}

TEST_F(ctl, create_mode_0777_accepted)
{
	struct kipc_create c = new_create(&self->names, "all", KIPC_KIND_SEM);

	c.mode = 0777;
	ASSERT_EQ(0, ioctl(self->ctl, KIPC_CTL_CREATE, &c));
	EXPECT_EQ(0777, node_mode(c.name));
}

TEST_F(ctl, create_mode_zero_accepted)
{
	struct kipc_create c = new_create(&self->names, "none", KIPC_KIND_SEM);

	c.mode = 0;
	ASSERT_EQ(0, ioctl(self->ctl, KIPC_CTL_CREATE, &c));
	EXPECT_EQ(0, node_mode(c.name));
}

TEST_F(ctl, create_reserved_einval)
{
	struct kipc_create c = new_create(&self->names, "rs", KIPC_KIND_MSG);

	c.reserved = 1;
	EXPECT_CREATE_FAILS(EINVAL, c);
}

TEST_F(ctl, create_reserved2_einval)
{
	struct kipc_create c = new_create(&self->names, "rs2", KIPC_KIND_MSG);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(c.reserved2); i++) {
		memset(c.reserved2, 0, sizeof(c.reserved2));
		c.reserved2[i] = 1ULL << 63;
		EXPECT_CREATE_FAILS(EINVAL, c);
	}
}

/* ---------------------------------------------------------------- names */

TEST_F(ctl, name_empty_einval)
{
	struct kipc_create c = { .kind = KIPC_KIND_MSG, .mode = 0600 };

	EXPECT_CREATE_FAILS(EINVAL, c);
}

TEST_F(ctl, name_one_byte_accepted)
{
	struct kipc_create c = { .kind = KIPC_KIND_SEM, .mode = 0600 };

	c.name[0] = 'Z';
	kipc_names_add(&self->names, c.name);
	EXPECT_EQ(0, ioctl(self->ctl, KIPC_CTL_CREATE, &c));
	EXPECT_TRUE(kipc_node_exists(c.name));
}

/* A name of 31 bytes, unique to this process. */
static void long_name(char *name, size_t len)
{
	snprintf(name, KIPC_NAME_MAX, "L%d", getpid());
	memset(name + strlen(name), 'x', len - strlen(name));
	name[len] = '\0';
}

TEST_F(ctl, name_31_bytes_accepted)
{
	struct kipc_create c = { .kind = KIPC_KIND_SEM, .mode = 0600 };

	long_name(c.name, KIPC_NAME_MAX - 1);
	kipc_names_add(&self->names, c.name);
	EXPECT_EQ(0, ioctl(self->ctl, KIPC_CTL_CREATE, &c));
	EXPECT_TRUE(kipc_node_exists(c.name));
}

TEST_F(ctl, name_without_nul_einval)
{
	struct kipc_create c = { .kind = KIPC_KIND_SEM, .mode = 0600 };
	char name[KIPC_NAME_MAX + 1];

	long_name(name, KIPC_NAME_MAX);
	memcpy(c.name, name, KIPC_NAME_MAX);
	EXPECT_CREATE_FAILS(EINVAL, c);
	/* Nor under its first 31 bytes. */
	name[KIPC_NAME_MAX - 1] = '\0';
	EXPECT_FALSE(kipc_node_exists(name));
}

TEST_F(ctl, name_starting_with_dot_einval)
{
	static const char *const names[] = { ".", "..", ".hidden" };
	struct kipc_create c = { .kind = KIPC_KIND_MSG, .mode = 0600 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		memset(c.name, 0, sizeof(c.name));
		strcpy(c.name, names[i]);
		EXPECT_CREATE_FAILS(EINVAL, c);
	}
}

TEST_F(ctl, name_control_einval)
{
	struct kipc_create c = { .kind = KIPC_KIND_MSG, .mode = 0600 };

	strcpy(c.name, "control");
	EXPECT_EQ(-1, ioctl(self->ctl, KIPC_CTL_CREATE, &c));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, node_stat("control", &(struct stat){}));
}

/* A bad byte first, second or last. */
TEST_F(ctl, name_bad_byte_einval)
{
	static const char bad[] =
		"/ +*:@%~\\\n\t\"'$!?,;<>|=()[]{}#&^`\x7f\x80\xff";
	struct kipc_create orig =
		new_create(&self->names, "bad", KIPC_KIND_MSG);
	size_t at[3] = { 0, 1, strlen(orig.name) - 1 }, i, j;
	struct kipc_create c;

	for (i = 0; i < sizeof(bad) - 1; i++) {
		for (j = 0; j < ARRAY_SIZE(at); j++) {
			c = orig;
			c.name[at[j]] = bad[i];
			EXPECT_CREATE_FAILS(EINVAL, c);
		}
	}
	EXPECT_FALSE(kipc_node_exists(orig.name));
	EXPECT_EQ(self->base, kipc_objects_used());
}

TEST_F(ctl, name_every_allowed_byte_accepted)
{
	static const char *const tags[] = {
		"ABCDEFGHIJKLM", "NOPQRSTUVWXYZ", "abcdefghijklm",
		"nopqrstuvwxyz", "0123456789._-", "-dash",
		"_under",	 "9digit",	  "controls",
		"a..b",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(tags); i++) {
		const char *name = kipc_names_new(&self->names, tags[i]);

		EXPECT_EQ(0, kipc_create(KIPC_KIND_SEM, name, 0600, 0,
					 KIPC_CREATE_EXCL))
		TH_LOG("name %s", name);
		EXPECT_TRUE(kipc_node_exists(name));
	}
}

/* A failed create leaves no object behind (and no count). */
TEST_F(ctl, failed_create_counts_nothing)
{
	struct kipc_create c = new_create(&self->names, "cnt", KIPC_KIND_SHM);

	c.size = UINT64_MAX;
	EXPECT_CREATE_FAILS(EINVAL, c);
	c.size = 0;
	c.reserved = 1;
	EXPECT_CREATE_FAILS(EINVAL, c);
	EXPECT_EQ(self->base, kipc_objects_used());
}

TEST_F(ctl, remove_unknown_name_enoent)
{
	const char *name = kipc_names_new(&self->names, "never");

	EXPECT_EQ(-1, kipc_remove(name));
	EXPECT_EQ(ENOENT, errno);
}

TEST_F(ctl, remove_reserved_einval)
{
	const char *name = kipc_names_new(&self->names, "rsv");
	struct kipc_remove r;

	ASSERT_EQ(0, kipc_create(KIPC_KIND_MSG, name, 0600, 0, 0));
	memset(&r, 0, sizeof(r));
	strcpy(r.name, name);
	r.reserved[1] = 1;
	EXPECT_EQ(-1, ioctl(self->ctl, KIPC_CTL_REMOVE, &r));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_TRUE(kipc_node_exists(name));
}

/* Users cannot remove the load-time nodes either (root's). */
TEST_F(ctl, remove_load_time_node_by_user_eperm)
{
	if (!kipc_node_exists("msg3"))
		SKIP(return, "no msg3 node");
	EXPECT_EQ(EPERM, KIPC_AS_NOBODY(kipc_remove("msg3")));
	if (!kipc_node_exists("msg3"))
		kipc_create(KIPC_KIND_MSG, "msg3", kipc_param("mode"), 0, 0);
	EXPECT_TRUE(kipc_node_exists("msg3"));
}

/* The twin: msgget(IPC_CREAT [| IPC_EXCL]) on a key, step by step. */
TEST_F(ctl, exists_rules_as_msgget)
{
	const char *name = kipc_names_new(&self->names, "twin");
	key_t key = 0x6b690000 | (getpid() & 0xffff);
	int id, ret;

	/* A queue of this key left by an earlier run. */
	msgctl(msgget(key, 0), IPC_RMID, NULL);
	/* Absent: both make it. */
	id = msgget(key, IPC_CREAT | IPC_EXCL | 0600);
	ASSERT_GE(id, 0);
	EXPECT_EQ(0,
		  kipc_create(KIPC_KIND_MSG, name, 0600, 0, KIPC_CREATE_EXCL));
	/* There: EXCL gives EEXIST to both. */
	EXPECT_EQ(-1, msgget(key, IPC_CREAT | IPC_EXCL | 0600));
	EXPECT_EQ(EEXIST, errno);
	EXPECT_EQ(-1,
		  kipc_create(KIPC_KIND_MSG, name, 0600, 0, KIPC_CREATE_EXCL));
	EXPECT_EQ(EEXIST, errno);
	/* There, without EXCL: the same object for both. */
	EXPECT_EQ(id, msgget(key, IPC_CREAT | 0600));
	EXPECT_EQ(0, kipc_create(KIPC_KIND_MSG, name, 0600, 0, 0));
	/* Removed: both free the key at once. */
	ASSERT_EQ(0, msgctl(id, IPC_RMID, NULL));
	ASSERT_EQ(0, kipc_remove(name));
	ret = msgget(key, IPC_CREAT | IPC_EXCL | 0600);
	EXPECT_GE(ret, 0);
	EXPECT_EQ(0,
		  kipc_create(KIPC_KIND_MSG, name, 0600, 0, KIPC_CREATE_EXCL));
	if (ret >= 0)
		msgctl(ret, IPC_RMID, NULL);
}

/* ========================================== the size field, per kind */

FIXTURE(size)
{
	long long base;
	struct kipc_names names;
};

/*
 * The size asked is @size, or the parameter @param times @mul (1 if 0)
 * plus @add. The size got is the parameter @want_param, or @want, or
 * else what was asked.
 */
FIXTURE_VARIANT(size)
{
	__u32 kind;
	__u64 size;
	const char *param;
	int mul, add;
	bool nobody; /* asked by nobody, without CAP_SYS_RESOURCE */
	int err; /* the errno, or 0 */
	const char *want_param;
	__u64 want;
};

/* clang-format off */
FIXTURE_VARIANT_ADD(size, pipe_zero_is_pipe_size) {
	.kind = KIPC_KIND_PIPE, .size = 0, .want_param = "pipe_size",
};

FIXTURE_VARIANT_ADD(size, pipe_rounded_up_to_power_of_two) {
	.kind = KIPC_KIND_PIPE, .size = 5000, .want = 8192,
};

FIXTURE_VARIANT_ADD(size, pipe_at_least_a_page) {
	.kind = KIPC_KIND_PIPE, .size = 1, .want = PAGE,
};

FIXTURE_VARIANT_ADD(size, pipe_2g_allowed_to_root) {
	.kind = KIPC_KIND_PIPE, .size = 1ULL << 31,
};

FIXTURE_VARIANT_ADD(size, pipe_over_2g_einval) {
	.kind = KIPC_KIND_PIPE, .size = (1ULL << 31) + 1, .err = EINVAL,
};

/* Not cut to its low 32 bits, which would be a page. */
FIXTURE_VARIANT_ADD(size, pipe_high_bits_einval) {
	.kind = KIPC_KIND_PIPE, .size = (1ULL << 32) + PAGE, .err = EINVAL,
};

FIXTURE_VARIANT_ADD(size, pipe_above_max_unprivileged_eperm) {
	.kind = KIPC_KIND_PIPE, .param = "pipe_max_size", .add = 1,
	.nobody = true, .err = EPERM,
};

FIXTURE_VARIANT_ADD(size, pipe_max_unprivileged_accepted) {
	.kind = KIPC_KIND_PIPE, .param = "pipe_max_size", .nobody = true,
};

FIXTURE_VARIANT_ADD(size, pipe_above_max_with_cap_sys_resource) {
	.kind = KIPC_KIND_PIPE, .param = "pipe_max_size", .mul = 2,
};

FIXTURE_VARIANT_ADD(size, msg_zero_is_msgmnb) {
	.kind = KIPC_KIND_MSG, .size = 0, .want_param = "msgmnb",
};

FIXTURE_VARIANT_ADD(size, msg_size_is_qbytes) {
	.kind = KIPC_KIND_MSG, .size = 100,
};

FIXTURE_VARIANT_ADD(size, msg_above_msgmnb_unprivileged_eperm) {
	.kind = KIPC_KIND_MSG, .param = "msgmnb", .add = 1, .nobody = true,
	.err = EPERM,
};

FIXTURE_VARIANT_ADD(size, msg_msgmnb_unprivileged_accepted) {
	.kind = KIPC_KIND_MSG, .param = "msgmnb", .nobody = true,
};

FIXTURE_VARIANT_ADD(size, msg_above_msgmnb_with_cap_sys_resource) {
	.kind = KIPC_KIND_MSG, .param = "msgmnb", .add = 1,
};

FIXTURE_VARIANT_ADD(size, shm_zero_is_shm_size) {
	.kind = KIPC_KIND_SHM, .size = 0, .want_param = "shm_size",
};

FIXTURE_VARIANT_ADD(size, shm_rounded_up_to_a_page) {
	.kind = KIPC_KIND_SHM, .size = 5000, .want = 2 * PAGE,
};

FIXTURE_VARIANT_ADD(size, shm_one_byte_is_a_page) {
	.kind = KIPC_KIND_SHM, .size = 1, .want = PAGE,
};

/* shm_max binds everyone alike: nobody may ask for all of it. */
FIXTURE_VARIANT_ADD(size, shm_max_unprivileged_accepted) {
	.kind = KIPC_KIND_SHM, .param = "shm_max", .nobody = true,
};

FIXTURE_VARIANT_ADD(size, shm_above_max_einval) {
	.kind = KIPC_KIND_SHM, .param = "shm_max", .add = 1, .err = EINVAL,
};

FIXTURE_VARIANT_ADD(size, shm_huge_einval) {
	.kind = KIPC_KIND_SHM, .size = UINT64_MAX, .err = EINVAL,
};

FIXTURE_VARIANT_ADD(size, sem_zero_is_sem_init) {
	.kind = KIPC_KIND_SEM, .size = 0, .want_param = "sem_init",
};

FIXTURE_VARIANT_ADD(size, sem_size_is_initial_value) {
	.kind = KIPC_KIND_SEM, .size = 5,
};

FIXTURE_VARIANT_ADD(size, sem_value_max_accepted) {
	.kind = KIPC_KIND_SEM, .size = KIPC_SEM_VALUE_MAX,
};

FIXTURE_VARIANT_ADD(size, sem_above_value_max_erange) {
	.kind = KIPC_KIND_SEM, .size = KIPC_SEM_VALUE_MAX + 1ULL, .err = ERANGE,
};

/* Not cut to its low 32 bits, which would be 1. */
FIXTURE_VARIANT_ADD(size, sem_high_bits_erange) {
	.kind = KIPC_KIND_SEM, .size = (1ULL << 32) + 1, .err = ERANGE,
};

/* clang-format on */

FIXTURE_SETUP(size)
{
	KIPC_OBJECTS_SETUP(self->base);
	umask(0);
}

FIXTURE_TEARDOWN(size)
{
	KIPC_OBJECTS_TEARDOWN(&self->names, self->base);
}

/*
 * Make an object of @kind and @size, named @name or (if NULL) anonymous
 * (KIPC_CTL_PIPE for a pipe, else KIPC_CTL_ANON; closed again), and read
 * its size back: the size, or -1 and errno.
 */
static long long make_and_size(__u32 kind, const char *name, __u64 size)
{
	struct kipc_pipe_pair pp = { .flags = O_CLOEXEC, .size = size };
	long long got;
	int fd;

	if (name) {
		if (kipc_create(kind, name, 0600, size, KIPC_CREATE_EXCL))
			return -1;
		return size_of(kind, name);
	}
	if (kind == KIPC_KIND_PIPE) {
		if (kipc_ctl(KIPC_CTL_PIPE, &pp))
			return -1;
		close(pp.fd[1]);
		fd = pp.fd[0];
	} else {
		fd = kipc_anon(kind, O_CLOEXEC, size);
		if (fd < 0)
			return -1;
	}
	got = kipc_fd_size(kind, fd);
	close(fd);
	return got;
}

/* make_and_size() as the variant says, and what it must give. */
static void check_size(struct __test_metadata *_metadata,
		       const FIXTURE_VARIANT(size) * v, const char *name)
{
	__u64 asked = v->param ? kipc_param(v->param) * (v->mul ?: 1) + v->add :
				 v->size;
	struct op_result r = { 0 };
	int note;
	pid_t pid;

	if (v->param)
		ASSERT_GT(kipc_param(v->param), 0);
	if (v->nobody) {
		KIPC_CHILD_OP(pid, note,
			      kipc_drop_privileges() ?
				      -2 :
				      make_and_size(v->kind, name, asked));
		ASSERT_EQ(1, kipc_op_done(note, 20000, &r));
		ASSERT_NE(-2, r.ret);
	} else {
		r.ret = make_and_size(v->kind, name, asked);
		r.err = errno;
	}
	if (v->err) {
		EXPECT_EQ(-1, r.ret);
		EXPECT_EQ(v->err, r.err);
		EXPECT_FALSE(name && kipc_node_exists(name));
		return;
	}
	EXPECT_EQ(v->want_param ? kipc_param(v->want_param) :
		  v->want	?:
				  asked,
		  r.ret);
	(void)pid;
}

TEST_F(size, named)
{
	check_size(_metadata, variant, kipc_names_new(&self->names, "size"));
}

/* The same size rules for anonymous objects. */
TEST_F(size, anonymous)
{
	if (variant->kind == KIPC_KIND_PIPE && variant->size > UINT32_MAX)
		SKIP(return, "a pipe pair's size is a __u32");
	check_size(_metadata, variant, NULL);
}

TEST_HARNESS_MAIN

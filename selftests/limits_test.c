// SPDX-License-Identifier: GPL-2.0
/*
 * What the objects made through /dev/kipc/control are counted against,
 * and what /proc/kipc shows of their owners (SPEC.md, wave 2). The `lim`
 * fixture: max_user_objects per creator uid (ENOSPC past it, as nobody;
 * CAP_SYS_RESOURCE exempt), max_objects for all objects (anonymous ones
 * too), the rows of /proc/kipc/limits, the owner columns of the other
 * tables. The `setlim` fixture runs KIPC_MSG_SET_LIMITS against its System
 * V twin, msgctl(IPC_SET): only the creator, the owner and CAP_SYS_ADMIN
 * may.
 */

#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include "kselftest_harness.h"
#include "kipc_test.h"

KIPC_REQUIRE_MODULE();

/* A second unprivileged user, and a group that is not its uid. */
#define OTHER_UID 4321
#define OTHER_GID 4322

struct op_result {
	long ret;
	int err;
	long long used;
	int again;
};

/* The used column of max_user_objects, as the calling user reads it. */
static long long user_used(void)
{
	return kipc_proc("limits", "max_user_objects", "used");
}

/* The column names of /proc/kipc/@table, at most @max, into @cols. */
static int proc_columns(const char *table, char cols[][32], int max)
{
	char path[64], head[512], *tok, *save;
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), KIPC_PROC_DIR "/%s", table);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fgets(head, sizeof(head), f))
		for (tok = strtok_r(head, "\n ", &save); tok && n < max;
		     tok = strtok_r(NULL, "\n ", &save))
			snprintf(cols[n++], 32, "%s", tok);
	fclose(f);
	return n;
}

/* ============================================================ limits */

FIXTURE(lim)
{
	long long base;
	struct kipc_names names;
};

FIXTURE_SETUP(lim)
{
	KIPC_OBJECTS_SETUP(self->base);
}

FIXTURE_TEARDOWN(lim)
{
	KIPC_OBJECTS_TEARDOWN(&self->names, self->base);
}

/*
 * In a child, as @uid: make the recorded names one by one until one
 * fails. r.ret: how many were made; r.err: the failure's errno; r.used:
 * this uid's count before. With @again, then remove the first one and
 * make the one that failed: r.again is that create's errno, or 0.
 */
static void fill_as(struct op_result *r, uid_t uid, struct kipc_names *names,
		    bool again)
{
	int i;

	if (kipc_become(uid, uid)) {
		r->ret = -2;
		return;
	}
	r->used = user_used();
	for (i = 0; i < names->n; i++)
		if (kipc_create(KIPC_KIND_SEM, names->name[i], 0600, 0,
				KIPC_CREATE_EXCL))
			break;
	r->ret = i;
	r->err = errno;
	if (!again || i == names->n || i == 0)
		return;
	if (kipc_remove(names->name[0]))
		r->again = -1;
	else if (kipc_create(KIPC_KIND_SEM, names->name[i], 0600, 0,
			     KIPC_CREATE_EXCL))
		r->again = errno;
}

/* Record max_user_objects + 1 names "@tag<i>-PID"; returns the limit. */
static long long user_limit_names(struct kipc_names *names, const char *tag)
{
	long long max = kipc_param("max_user_objects");
	char t[16];
	int i;

	if (max <= 0 || max + 1 > KIPC_NAMES_MAX)
		return -1;
	for (i = 0; i <= max; i++) {
		snprintf(t, sizeof(t), "%s%d", tag, i);
		kipc_names_new(names, t);
	}
	return max;
}

TEST_F_TIMEOUT(lim, per_user_limit_enospc, 180)
{
	long long max = user_limit_names(&self->names, "u");
	struct op_result r;
	int note;

	ASSERT_GT(max, 0);
	KIPC_CHILD(note, fill_as(&r, KIPC_NOBODY, &self->names, false));
	ASSERT_EQ(1, kipc_op_done(note, 150000, &r));
	ASSERT_NE(-2, r.ret);
	EXPECT_EQ(0, r.used);
	EXPECT_EQ(max - r.used, r.ret);
	EXPECT_EQ(ENOSPC, r.err);
	EXPECT_FALSE(kipc_node_exists(self->names.name[r.ret]));
}

/* Removing one of them makes room for one more. */
TEST_F_TIMEOUT(lim, per_user_limit_room_after_remove, 180)
{
	long long max = user_limit_names(&self->names, "r");
	struct op_result r;
	int note;

	ASSERT_GT(max, 0);
	KIPC_CHILD(note, fill_as(&r, KIPC_NOBODY, &self->names, true));
	ASSERT_EQ(1, kipc_op_done(note, 150000, &r));
	ASSERT_EQ(max - r.used, r.ret);
	ASSERT_EQ(ENOSPC, r.err);
	EXPECT_EQ(0, r.again);
}

/* The count is the uid's, across its processes; other uids unaffected. */
TEST_F_TIMEOUT(lim, per_user_limit_is_per_uid, 180)
{
	long long max = user_limit_names(&self->names, "q");
	const char *other = kipc_names_new(&self->names, "other");
	const char *late = kipc_names_new(&self->names, "late");
	struct op_result r;
	int note;

	ASSERT_GT(max, 0);
	/* Fill nobody's count up to the limit, leaving out the last two. */
	self->names.n -= 2;
	KIPC_CHILD(note, fill_as(&r, KIPC_NOBODY, &self->names, false));
	self->names.n += 2;
	ASSERT_EQ(1, kipc_op_done(note, 150000, &r));
	ASSERT_EQ(max - r.used, r.ret);
	/* Another process of nobody's: still full. */
	EXPECT_EQ(ENOSPC,
		  KIPC_AS_NOBODY(kipc_create(KIPC_KIND_SEM, late, 0600, 0, 0)));
	/* Another user: room. */
	KIPC_CHILD(note, r.ret = kipc_become(OTHER_UID, OTHER_GID) ?
					 -2 :
					 kipc_create(KIPC_KIND_SEM, other, 0600,
						     0, 0);
		   r.err = errno);
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	EXPECT_EQ(0, r.ret);
}

TEST_F_TIMEOUT(lim, per_user_limit_not_for_cap_sys_resource, 180)
{
	long long max = user_limit_names(&self->names, "c");
	int i;

	ASSERT_GT(max, 0);
	for (i = 0; i < self->names.n; i++) {
		const char *name = self->names.name[i];

		ASSERT_EQ(0, kipc_create(KIPC_KIND_SEM, name, 0600, 0,
					 KIPC_CREATE_EXCL))
		TH_LOG("object %d", i);
	}
}

/*
 * Fill max_objects with anonymous semaphores, @fds large enough for all
 * (the caller raised RLIMIT_NOFILE): how many were made (errno is the
 * failure's).
 */
static int fill_objects(int *fds, int max)
{
	int n = 0;

	while (n < max &&
	       (fds[n] = kipc_anon(KIPC_KIND_SEM, O_CLOEXEC, 0)) >= 0)
		n++;
	return n;
}

static void close_all(int *fds, int n)
{
	while (n--)
		close(fds[n]);
	free(fds);
}

/* Room for max_objects file descriptors: the array, or NULL. */
static int *room_for_objects(long long max)
{
	struct rlimit rl = { .rlim_cur = max + 64, .rlim_max = max + 64 };

	if (max <= 0 || setrlimit(RLIMIT_NOFILE, &rl))
		return NULL;
	return calloc(max, sizeof(int));
}

/* max_objects binds all objects, root's too, anonymous ones too. */
TEST_F_TIMEOUT(lim, max_objects_enospc, 240)
{
	long long max = kipc_param("max_objects"), used = kipc_objects_used();
	const char *past = kipc_names_new(&self->names, "past");
	struct kipc_pipe_pair pp;
	int *fds = room_for_objects(max), n;

	ASSERT_NE(NULL, fds);
	ASSERT_GT(max, used);
	n = fill_objects(fds, max);
	EXPECT_EQ(ENOSPC, errno);
	EXPECT_EQ(max - used, n);
	EXPECT_EQ(max, kipc_objects_used());
	EXPECT_EQ(-1, kipc_create(KIPC_KIND_MSG, past, 0600, 0, 0));
	EXPECT_EQ(ENOSPC, errno);
	EXPECT_FALSE(kipc_node_exists(past));
	memset(&pp, 0, sizeof(pp));
	EXPECT_EQ(-1, kipc_ctl(KIPC_CTL_PIPE, &pp));
	EXPECT_EQ(ENOSPC, errno);
	close_all(fds, n);
	EXPECT_EQ(used, kipc_objects_used());
}

/* At the limit, making an existing name is success (as msgget's). */
TEST_F_TIMEOUT(lim, max_objects_existing_name_still_success, 240)
{
	long long max = kipc_param("max_objects");
	const char *name = kipc_names_new(&self->names, "full");
	int *fds = room_for_objects(max), n;

	ASSERT_NE(NULL, fds);
	ASSERT_EQ(0, kipc_create(KIPC_KIND_MSG, name, 0600, 0, 0));
	n = fill_objects(fds, max);
	EXPECT_EQ(max, kipc_objects_used());
	EXPECT_EQ(0, kipc_create(KIPC_KIND_MSG, name, 0600, 0, 0));
	EXPECT_EQ(max, kipc_objects_used());
	close_all(fds, n);
}

#define CG_ROOT "/tmp/kipc-cgroup2-limits"
#define CG_PIPES 128
#define CG_PIPE_SIZE 1048576

/* A cgroup file's first number, or -1. */
static long long cg_number(const char *dir, const char *file)
{
	char path[256];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/*
 * What an object is made of is charged to its creator's memory cgroup: a
 * child in a fresh cgroup makes CG_PIPES pipes of 1 MiB (their page
 * tables, 2 KiB each, and their structs), and the cgroup's memory.current
 * grows by at least that much, though the child has exited.
 */
TEST_F(lim, objects_charged_to_creator_memory_cgroup)
{
	char cg[128], procs[160], pid_text[32], tag[8];
	long long before, after;
	pid_t pid;
	int i;

	for (i = 0; i < CG_PIPES; i++) {
		snprintf(tag, sizeof(tag), "cg%d", i);
		ASSERT_NE(NULL, kipc_names_new(&self->names, tag));
	}
	mkdir(CG_ROOT, 0755);
	if (mount("none", CG_ROOT, "cgroup2", 0, NULL) && errno != EBUSY)
		SKIP(return, "cannot mount cgroup2: %s", strerror(errno));
	if (kipc_write_file(CG_ROOT "/cgroup.subtree_control", "+memory")) {
		umount2(CG_ROOT, MNT_DETACH);
		SKIP(return, "no memory controller");
	}
	snprintf(cg, sizeof(cg), CG_ROOT "/kipc-objects-%d", getpid());
	ASSERT_EQ(0, mkdir(cg, 0755));
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
	before = cg_number(cg, "memory.current");
	ASSERT_LE(0, before);

	pid = kipc_fork_kid();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		snprintf(pid_text, sizeof(pid_text), "%d", getpid());
		if (kipc_write_file(procs, pid_text))
			_exit(1);
		for (i = 0; i < CG_PIPES; i++)
			if (kipc_create(KIPC_KIND_PIPE, self->names.name[i],
					0600, CG_PIPE_SIZE, KIPC_CREATE_EXCL))
				_exit(2);
		_exit(0);
	}
	ASSERT_EQ(0, kipc_wait_exit(pid));
	after = cg_number(cg, "memory.current");
	EXPECT_GE(after - before,
		  (long long)CG_PIPES * (CG_PIPE_SIZE / 4096) * 8);

	EXPECT_EQ(0, kipc_remove_names(&self->names));
	/* The cgroup may stay as a zombie until its charges go: ignore. */
	rmdir(cg);
	umount2(CG_ROOT, MNT_DETACH);
}

TEST_F(lim, limits_header_is_name_value_used)
{
	char cols[8][32];

	ASSERT_EQ(3, proc_columns("limits", cols, 8));
	EXPECT_STREQ("name", cols[0]);
	EXPECT_STREQ("value", cols[1]);
	EXPECT_STREQ("used", cols[2]);
}

/* Each limit's value is its module parameter's. */
TEST_F(lim, limits_values_are_the_parameters)
{
	static const char *const rows[] = {
		"max_objects", "max_user_objects", "pipe_max_size",
		"msgmax",      "msgmnb",	   "shm_max",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		long long p = kipc_param(rows[i]);

		EXPECT_GT(p, 0)
		TH_LOG("parameter %s", rows[i]);
		EXPECT_EQ(p, kipc_proc("limits", rows[i], "value"))
		TH_LOG("row %s", rows[i]);
	}
	EXPECT_EQ(KIPC_SEM_VALUE_MAX,
		  kipc_proc("limits", "sem_value_max", "value"));
}

TEST_F(lim, limits_size_rows_have_no_used)
{
	static const char *const rows[] = {
		"pipe_max_size", "msgmax", "msgmnb", "shm_max", "sem_value_max",
	};
	char used[32];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		ASSERT_EQ(0, kipc_proc_text("limits", rows[i], "used", used,
					    sizeof(used)))
		TH_LOG("row %s", rows[i]);
		EXPECT_STREQ("-", used);
	}
}

/* Every object counts: load-time nodes, named and anonymous ones. */
TEST_F(lim, limits_used_counts_every_object)
{
	long long nodes = kipc_param("pipes") + kipc_param("msgqs") +
			  kipc_param("shms") + kipc_param("sems");
	int fd;

	EXPECT_GE(self->base, nodes);
	ASSERT_EQ(0, kipc_create(KIPC_KIND_SHM,
				 kipc_names_new(&self->names, "named"), 0600, 0,
				 KIPC_CREATE_EXCL));
	EXPECT_EQ(self->base + 1, kipc_objects_used());
	fd = kipc_anon(KIPC_KIND_MSG, O_CLOEXEC, 0);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(self->base + 2, kipc_objects_used());
	close(fd);
	EXPECT_EQ(self->base + 1, kipc_objects_used());
}

/* max_user_objects' used is the reader's: nobody's objects, read as nobody. */
TEST_F(lim, limits_user_used_is_the_readers)
{
	long long root_used = user_used();
	const char *a = kipc_names_new(&self->names, "ua");
	const char *b = kipc_names_new(&self->names, "ub");
	struct op_result r;
	int note;
	pid_t pid;

	ASSERT_GE(root_used, 0);
	ASSERT_EQ(0, KIPC_AS_NOBODY(kipc_create(KIPC_KIND_SEM, a, 0600, 0, 0)));
	ASSERT_EQ(0, KIPC_AS_NOBODY(kipc_create(KIPC_KIND_MSG, b, 0600, 0, 0)));
	KIPC_CHILD_OP(pid, note, kipc_drop_privileges() ? -2 : user_used());
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	EXPECT_EQ(2, r.ret);
	EXPECT_EQ(root_used, user_used());
	(void)pid;
}

/* --------------------------------------------------------- /proc/kipc */

/* The required columns, then uid gid mode cpid after all of them. */
TEST_F(lim, proc_tables_gain_owner_columns)
{
	static const char *const req[4][14] = {
		{ "pipe", "name", "size", "used", "readers", "writers",
		  "bytes_in", "bytes_out", "high_water", "notifiers", "rwait",
		  "wwait" },
		{ "msg", "name", "qnum", "cbytes", "qbytes", "msgmax", "lspid",
		  "lrpid", "sent", "received", "notifiers", "rwait", "swait" },
		{ "shm", "name", "size", "nattch" },
		{ "sem", "name", "value", "waiters", "lpid", "p_ops", "v_ops" },
	};
	static const char *const owner[] = { "uid", "gid", "mode", "cpid" };
	char cols[32][32] = { { 0 } };
	int t, i, n, at;

	for (t = 0; t < 4; t++) {
		n = proc_columns(req[t][0], cols, 32);
		for (i = 1; i < (int)ARRAY_SIZE(req[t]) && req[t][i]; i++)
			EXPECT_STREQ(req[t][i], cols[i - 1]);
		at = i - 1;
		for (i = 0; i < 4; i++) {
			while (at < n && strcmp(cols[at], owner[i]))
				at++;
			EXPECT_LT(at, n)
			TH_LOG("%s: no %s after the required columns",
			       req[t][0], owner[i]);
		}
	}
}

TEST_F(lim, proc_load_time_rows_are_roots_with_mode)
{
	static const char *const rows[][2] = {
		{ "pipe", "pipe0" },
		{ "msg", "msg0" },
		{ "shm", "shm0" },
		{ "sem", "sem0" },
	};
	char mode[16], want[16];
	unsigned int i;

	snprintf(want, sizeof(want), "0%llo", kipc_param("mode"));
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		if (!kipc_node_exists(rows[i][1]))
			continue;
		EXPECT_EQ(0, kipc_proc(rows[i][0], rows[i][1], "uid"));
		EXPECT_EQ(0, kipc_proc(rows[i][0], rows[i][1], "gid"));
		ASSERT_EQ(0, kipc_proc_text(rows[i][0], rows[i][1], "mode",
					    mode, sizeof(mode)));
		EXPECT_STREQ(want, mode);
	}
}

/* ============================================= SET_LIMITS against IPC_SET */

FIXTURE(setlim)
{
	struct kipc_names names;
	const char *name;
	int msqid;
};

FIXTURE_VARIANT(setlim)
{
	bool kipc;
};

/* clang-format off */
FIXTURE_VARIANT_ADD(setlim, sysv) {
	.kipc = false,
};

FIXTURE_VARIANT_ADD(setlim, kipc) {
	.kipc = true,
};

/* clang-format on */

FIXTURE_SETUP(setlim)
{
	self->msqid = -1;
	if (variant->kipc)
		self->name = kipc_names_new(&self->names, "lim");
	umask(0);
}

FIXTURE_TEARDOWN(setlim)
{
	kipc_reap_kids();
	if (variant->kipc)
		EXPECT_EQ(0, kipc_remove_names(&self->names));
	if (!variant->kipc && self->msqid >= 0)
		EXPECT_EQ(0, msgctl(self->msqid, IPC_RMID, NULL));
}

/* Make the queue, mode 0666: its msqid (sysv) or 0, or -1. */
static int q_make(bool kipc, const char *name)
{
	if (kipc)
		return kipc_create(KIPC_KIND_MSG, name, 0666, 0, 0);
	return msgget(IPC_PRIVATE, IPC_CREAT | 0666);
}

/* Lower the queue's capacity to 100 bytes: 0, or -1 and errno. */
static int q_lower(bool kipc, const char *name, int msqid)
{
	struct kipc_msg_limits lim = { .qbytes = 100, .msgmax = 100 };
	struct msqid_ds ds;
	int fd, ret, err;

	if (!kipc) {
		if (msgctl(msqid, IPC_STAT, &ds))
			return -1;
		ds.msg_qbytes = 100;
		return msgctl(msqid, IPC_SET, &ds);
	}
	fd = kipc_open(name, O_RDWR);
	if (fd < 0)
		return -1;
	ret = ioctl(fd, KIPC_MSG_SET_LIMITS, &lim);
	err = errno;
	close(fd);
	errno = err;
	return ret;
}

/* Give the queue to nobody: chown(1) on the node, IPC_SET of msg_perm.uid. */
static int q_give(bool kipc, const char *name, int msqid)
{
	struct msqid_ds ds;
	char path[64];

	kipc_node_path(path, sizeof(path), name);
	if (kipc)
		return chown(path, KIPC_NOBODY, KIPC_NOBODY);
	if (msgctl(msqid, IPC_STAT, &ds))
		return -1;
	ds.msg_perm.uid = KIPC_NOBODY;
	ds.msg_perm.gid = KIPC_NOBODY;
	return msgctl(msqid, IPC_SET, &ds);
}

/* Make the queue as nobody: the msqid is kept for the teardown. */
static void make_as_nobody(struct __test_metadata *_metadata,
			   FIXTURE_DATA(setlim) * self, bool kipc)
{
	struct op_result r;
	int note;

	KIPC_CHILD(note, r.ret = kipc_drop_privileges() ?
					 -2 :
					 q_make(kipc, self->name);
		   r.err = errno);
	ASSERT_EQ(1, kipc_op_done(note, 10000, &r));
	ASSERT_GE(r.ret, 0);
	if (!kipc)
		self->msqid = r.ret;
}

/* Make the queue as root. */
static void make_as_root(struct __test_metadata *_metadata,
			 FIXTURE_DATA(setlim) * self, bool kipc)
{
	int id = q_make(kipc, self->name);

	ASSERT_GE(id, 0);
	if (!kipc)
		self->msqid = id;
}

#define LOWER() q_lower(variant->kipc, self->name, self->msqid)

TEST_F(setlim, other_user_eperm)
{
	make_as_root(_metadata, self, variant->kipc);
	EXPECT_EQ(EPERM, KIPC_AS_NOBODY(LOWER()));
}

TEST_F(setlim, creator_may)
{
	make_as_nobody(_metadata, self, variant->kipc);
	EXPECT_EQ(0, KIPC_AS_NOBODY(LOWER()));
}

TEST_F(setlim, owner_may_after_chown)
{
	make_as_root(_metadata, self, variant->kipc);
	ASSERT_EQ(0, q_give(variant->kipc, self->name, self->msqid));
	EXPECT_EQ(0, KIPC_AS_NOBODY(LOWER()));
}

TEST_F(setlim, cap_sys_admin_may)
{
	make_as_nobody(_metadata, self, variant->kipc);
	EXPECT_EQ(0, LOWER());
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * KIPC_CTL_REMOVE under open files and mappings (SPEC.md, wave 2): each
 * kind shows what its kernel twin shows, and each fixture with a twin
 * runs its tests on both. A pipe is an unlinked FIFO (mkfifo + unlink):
 * the open ends keep working. A msg queue is msgctl(IPC_RMID): blocked
 * senders and receivers wake with EIDRM. A semaphore is semctl(IPC_RMID):
 * waiters wake with EIDRM. A shm segment is shmctl(IPC_RMID) while
 * attached: the mappings keep their pages. The gone_* fixtures check that
 * every later operation on a removed msg, sem or shm gives EIDRM (System
 * V has no open file to compare with: its id is simply gone), and the
 * race fixture removes and makes names while others use them.
 */

#include <sys/epoll.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>

#include "kselftest_harness.h"
#include "kipc_test.h"

KIPC_REQUIRE_MODULE();

#define PAGE 4096
#define MS 1000000ULL /* ns */

struct op_result {
	long ret;
	int err;
	int bad_op; /* race: the first operation that went wrong, or 0 */
	unsigned int present; /* race: a manager's names there at the end */
	long opened; /* race: a user's opens (.ret: of removed objects) */
};

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

/* The fixtures that make one named object: its name and the count before. */
#define OBJECT_MEMBERS           \
	struct kipc_names names; \
	const char *name;        \
	long long base

/* For their setup: make @kind named "@tag-PID" with @size, mode 0600. */
#define MAKE_OBJECT(tag, kind, size)                                   \
	do {                                                           \
		KIPC_OBJECTS_SETUP(self->base);                        \
		self->name = kipc_names_new(&self->names, tag);        \
		ASSERT_EQ(0, kipc_create(kind, self->name, 0600, size, \
					 KIPC_CREATE_EXCL));           \
	} while (0)

/* For their teardown, once every file and mapping of theirs is closed. */
#define DROP_OBJECT() KIPC_OBJECTS_TEARDOWN(&self->names, self->base)

/* Wait for a helper's result: 1 and *@r if it came within 10 s. */
#define DONE(note, r) kipc_op_done(note, 10000, r)

/* ================================================ pipe: an unlinked FIFO */

FIXTURE(rm_pipe)
{
	OBJECT_MEMBERS;
	char path[64];
	int rd, wr;
};

FIXTURE_VARIANT(rm_pipe)
{
	bool kipc;
};

/* clang-format off */
FIXTURE_VARIANT_ADD(rm_pipe, fifo) {
	.kipc = false,
};

FIXTURE_VARIANT_ADD(rm_pipe, kipc) {
	.kipc = true,
};

/* clang-format on */

FIXTURE_SETUP(rm_pipe)
{
	self->rd = -1;
	self->wr = -1;
	if (variant->kipc) {
		MAKE_OBJECT("rmpipe", KIPC_KIND_PIPE, 0);
		kipc_node_path(self->path, sizeof(self->path), self->name);
	} else {
		snprintf(self->path, sizeof(self->path), "/tmp/kipc-rm-%d",
			 getpid());
		unlink(self->path);
		ASSERT_EQ(0, mkfifo(self->path, 0600));
	}
	self->rd = open(self->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_GE(self->rd, 0);
	self->wr = open(self->path, O_WRONLY | O_CLOEXEC);
	ASSERT_GE(self->wr, 0);
	ASSERT_EQ(0, fcntl(self->rd, F_SETFL, 0));
	signal(SIGPIPE, SIG_IGN);
}

FIXTURE_TEARDOWN(rm_pipe)
{
	kipc_reap_kids();
	if (self->rd >= 0)
		close(self->rd);
	if (self->wr >= 0)
		close(self->wr);
	if (variant->kipc)
		DROP_OBJECT();
	else
		unlink(self->path);
}

/* KIPC_CTL_REMOVE, or unlink(2) of the FIFO. */
static int pipe_remove(bool kipc, const char *name, const char *path)
{
	return kipc ? kipc_remove(name) : unlink(path);
}

#define RM_PIPE() \
	ASSERT_EQ(0, pipe_remove(variant->kipc, self->name, self->path))

TEST_F(rm_pipe, open_ends_keep_working)
{
	char buf[8] = "";

	RM_PIPE();
	ASSERT_EQ(3, write(self->wr, "abc", 3));
	EXPECT_EQ(3, read(self->rd, buf, sizeof(buf)));
	EXPECT_STREQ("abc", buf);
}

TEST_F(rm_pipe, name_gone_open_enoent)
{
	RM_PIPE();
	EXPECT_EQ(-1, open(self->path, O_RDWR | O_NONBLOCK | O_CLOEXEC));
	EXPECT_EQ(ENOENT, errno);
}

TEST_F(rm_pipe, data_written_before_is_read_after)
{
	char buf[8] = "";

	ASSERT_EQ(3, write(self->wr, "pre", 3));
	RM_PIPE();
	EXPECT_EQ(3, read(self->rd, buf, sizeof(buf)));
	EXPECT_STREQ("pre", buf);
}

TEST_F(rm_pipe, eof_after_writer_closes)
{
	char buf[8];

	RM_PIPE();
	close(self->wr);
	self->wr = -1;
	EXPECT_EQ(0, read(self->rd, buf, sizeof(buf)));
}

TEST_F(rm_pipe, epipe_after_reader_closes)
{
	RM_PIPE();
	close(self->rd);
	self->rd = -1;
	EXPECT_EQ(-1, write(self->wr, "x", 1));
	EXPECT_EQ(EPIPE, errno);
}

/* Removal wakes nobody: a blocked reader still waits, then gets data. */
TEST_F(rm_pipe, blocked_reader_keeps_waiting)
{
	struct op_result r;
	char c = 0;
	int note;
	pid_t pid;

	KIPC_CHILD_OP(pid, note, read(self->rd, &c, 1) == 1 && c == 'y');
	ASSERT_EQ(0, kipc_wait_sleeping(pid));
	RM_PIPE();
	EXPECT_EQ(0, kipc_op_done(note, 200, &r));
	ASSERT_EQ(1, write(self->wr, "y", 1));
	ASSERT_EQ(1, DONE(note, &r));
	EXPECT_EQ(1, r.ret);
}

/*
 * A new pipe under the same name is another pipe: what the old writer
 * writes does not reach it (opened O_RDWR: a writer of its own, so an
 * empty read is EAGAIN, not EOF).
 */
TEST_F(rm_pipe, same_name_again_is_a_new_pipe)
{
	char buf[8] = "";
	int rd2;

	RM_PIPE();
	ASSERT_EQ(0, variant->kipc ? kipc_create(KIPC_KIND_PIPE, self->name,
						 0600, 0, KIPC_CREATE_EXCL) :
				     mkfifo(self->path, 0600));
	rd2 = open(self->path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	ASSERT_GE(rd2, 0);
	ASSERT_EQ(3, write(self->wr, "old", 3));
	EXPECT_EQ(-1, read(rd2, buf, sizeof(buf)));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(3, read(self->rd, buf, sizeof(buf)));
	close(rd2);
}

/* ====================================== msg queue: as msgctl(IPC_RMID) */

FIXTURE(rm_msg)
{
	OBJECT_MEMBERS;
	int fd; /* kipc */
	int msqid; /* sysv */
};

FIXTURE_VARIANT(rm_msg)
{
	bool kipc;
};

/* clang-format off */
FIXTURE_VARIANT_ADD(rm_msg, sysv) {
	.kipc = false,
};

FIXTURE_VARIANT_ADD(rm_msg, kipc) {
	.kipc = true,
};

/* clang-format on */

/* Both queues hold 64 bytes. */
#define QBYTES 64

FIXTURE_SETUP(rm_msg)
{
	struct msqid_ds ds;

	self->fd = -1;
	self->msqid = -1;
	if (variant->kipc) {
		MAKE_OBJECT("rmmsg", KIPC_KIND_MSG, QBYTES);
		self->fd = kipc_open(self->name, O_RDWR);
		ASSERT_GE(self->fd, 0);
	} else {
		self->msqid = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
		ASSERT_GE(self->msqid, 0);
		ASSERT_EQ(0, msgctl(self->msqid, IPC_STAT, &ds));
		ds.msg_qbytes = QBYTES;
		ASSERT_EQ(0, msgctl(self->msqid, IPC_SET, &ds));
	}
}

FIXTURE_TEARDOWN(rm_msg)
{
	kipc_reap_kids();
	if (variant->kipc) {
		close(self->fd);
		DROP_OBJECT();
	} else {
		/* Removed by the test, or else removed now. */
		msgctl(self->msqid, IPC_RMID, NULL);
	}
}

struct sysv_msg {
	long mtype;
	char mtext[QBYTES];
};

/* Send @len bytes of type 1 (blocking unless @nowait): 0 or -1. */
static int q_send(bool kipc, int fd, int msqid, size_t len, bool nowait)
{
	struct sysv_msg m = { .mtype = 1 };

	if (kipc)
		return kipc_msg_send(fd, 1, m.mtext, len,
				     nowait ? KIPC_NOWAIT : 0);
	return msgsnd(msqid, &m, len, nowait ? IPC_NOWAIT : 0);
}

/* Receive any message, waiting: 0 or -1. */
static int q_recv(bool kipc, int fd, int msqid)
{
	struct sysv_msg m;

	if (kipc)
		return kipc_msg_recv(fd, 0, m.mtext, sizeof(m.mtext), 0, NULL);
	return msgrcv(msqid, &m, sizeof(m.mtext), 0, 0) < 0 ? -1 : 0;
}

static int q_remove(bool kipc, const char *name, int msqid)
{
	return kipc ? kipc_remove(name) : msgctl(msqid, IPC_RMID, NULL);
}

#define RM_MSG() ASSERT_EQ(0, q_remove(variant->kipc, self->name, self->msqid))

TEST_F(rm_msg, blocked_receiver_wakes_eidrm)
{
	struct op_result r;
	int note;
	pid_t pid;

	KIPC_CHILD_OP(pid, note, q_recv(variant->kipc, self->fd, self->msqid));
	ASSERT_EQ(0, kipc_wait_sleeping(pid));
	RM_MSG();
	ASSERT_EQ(1, DONE(note, &r));
	EXPECT_EQ(-1, r.ret);
	EXPECT_EQ(EIDRM, r.err);
}

TEST_F(rm_msg, blocked_sender_wakes_eidrm)
{
	struct op_result r;
	int note;
	pid_t pid;

	ASSERT_EQ(0,
		  q_send(variant->kipc, self->fd, self->msqid, QBYTES, true));
	KIPC_CHILD_OP(pid, note,
		      q_send(variant->kipc, self->fd, self->msqid, 1, false));
	ASSERT_EQ(0, kipc_wait_sleeping(pid));
	RM_MSG();
	ASSERT_EQ(1, DONE(note, &r));
	EXPECT_EQ(-1, r.ret);
	EXPECT_EQ(EIDRM, r.err);
}

TEST_F(rm_msg, every_blocked_receiver_wakes_eidrm)
{
	struct op_result r;
	int note[3], i;
	pid_t pid[3];

	for (i = 0; i < 3; i++) {
		KIPC_CHILD_OP(pid[i], note[i],
			      q_recv(variant->kipc, self->fd, self->msqid));
		ASSERT_EQ(0, kipc_wait_sleeping(pid[i]));
	}
	RM_MSG();
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(1, DONE(note[i], &r));
		EXPECT_EQ(-1, r.ret);
		EXPECT_EQ(EIDRM, r.err);
	}
}

/* ======================================= semaphore: as semctl(IPC_RMID) */

FIXTURE(rm_sem)
{
	OBJECT_MEMBERS;
	int fd; /* kipc */
	int semid; /* sysv */
};

FIXTURE_VARIANT(rm_sem)
{
	bool kipc;
};

/* clang-format off */
FIXTURE_VARIANT_ADD(rm_sem, sysv) {
	.kipc = false,
};

FIXTURE_VARIANT_ADD(rm_sem, kipc) {
	.kipc = true,
};

/* clang-format on */

/* Both start at 0: every P waits. */
FIXTURE_SETUP(rm_sem)
{
	union semun arg = { .val = 0 };

	self->fd = -1;
	self->semid = -1;
	if (variant->kipc) {
		MAKE_OBJECT("rmsem", KIPC_KIND_SEM, 0);
		self->fd = kipc_open(self->name, O_RDWR);
		ASSERT_GE(self->fd, 0);
		ASSERT_EQ(0, ioctl(self->fd, KIPC_SEM_SETVAL, &(__s64){ 0 }));
	} else {
		self->semid = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
		ASSERT_GE(self->semid, 0);
		ASSERT_EQ(0, semctl(self->semid, 0, SETVAL, arg));
	}
}

FIXTURE_TEARDOWN(rm_sem)
{
	kipc_reap_kids();
	if (variant->kipc) {
		close(self->fd);
		DROP_OBJECT();
	} else {
		semctl(self->semid, 0, IPC_RMID);
	}
}

/* P(1), with a timeout in ns if @timeout: 0 or -1. */
static int s_p(bool kipc, int fd, int semid, __u64 timeout)
{
	struct kipc_sem_op op = { .count = 1, .timeout_ns = timeout };
	struct sembuf sb = { .sem_num = 0, .sem_op = -1 };
	struct timespec ts = { .tv_sec = timeout / 1000000000ULL };

	if (kipc)
		return ioctl(fd, KIPC_SEM_P, &op);
	return timeout ? semtimedop(semid, &sb, 1, &ts) : semop(semid, &sb, 1);
}

static int s_remove(bool kipc, const char *name, int semid)
{
	return kipc ? kipc_remove(name) : semctl(semid, 0, IPC_RMID);
}

#define RM_SEM() ASSERT_EQ(0, s_remove(variant->kipc, self->name, self->semid))

TEST_F(rm_sem, blocked_p_wakes_eidrm)
{
	struct op_result r;
	int note;
	pid_t pid;

	KIPC_CHILD_OP(pid, note, s_p(variant->kipc, self->fd, self->semid, 0));
	ASSERT_EQ(0, kipc_wait_sleeping(pid));
	RM_SEM();
	ASSERT_EQ(1, DONE(note, &r));
	EXPECT_EQ(-1, r.ret);
	EXPECT_EQ(EIDRM, r.err);
}

TEST_F(rm_sem, timed_p_wakes_eidrm)
{
	struct op_result r;
	int note;
	pid_t pid;

	KIPC_CHILD_OP(pid, note,
		      s_p(variant->kipc, self->fd, self->semid, 60000 * MS));
	ASSERT_EQ(0, kipc_wait_sleeping(pid));
	RM_SEM();
	ASSERT_EQ(1, DONE(note, &r));
	EXPECT_EQ(-1, r.ret);
	EXPECT_EQ(EIDRM, r.err);
}

TEST_F(rm_sem, every_waiter_wakes_eidrm)
{
	struct op_result r;
	int note[3], i;
	pid_t pid[3];

	for (i = 0; i < 3; i++) {
		KIPC_CHILD_OP(pid[i], note[i],
			      s_p(variant->kipc, self->fd, self->semid, 0));
		ASSERT_EQ(0, kipc_wait_sleeping(pid[i]));
	}
	RM_SEM();
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(1, DONE(note[i], &r));
		EXPECT_EQ(-1, r.ret);
		EXPECT_EQ(EIDRM, r.err);
	}
}

/* ================================== shm segment: as shmctl(IPC_RMID) */

#define SEG (2 * PAGE)

FIXTURE(rm_shm)
{
	OBJECT_MEMBERS;
	int fd; /* kipc */
	int shmid; /* sysv */
	unsigned char *map;
};

FIXTURE_VARIANT(rm_shm)
{
	bool kipc;
};

/* clang-format off */
FIXTURE_VARIANT_ADD(rm_shm, sysv) {
	.kipc = false,
};

FIXTURE_VARIANT_ADD(rm_shm, kipc) {
	.kipc = true,
};

/* clang-format on */

static void fill(unsigned char *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (unsigned char)(i * 31 + seed);
}

static int check(const unsigned char *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != (unsigned char)(i * 31 + seed))
			return -1;
	return 0;
}

/* Both segments are attached (shmat or mmap) and hold pattern 1. */
FIXTURE_SETUP(rm_shm)
{
	void *p;

	self->fd = -1;
	self->shmid = -1;
	if (variant->kipc) {
		MAKE_OBJECT("rmshm", KIPC_KIND_SHM, SEG);
		self->fd = kipc_open(self->name, O_RDWR);
		ASSERT_GE(self->fd, 0);
		p = mmap(NULL, SEG, PROT_READ | PROT_WRITE, MAP_SHARED,
			 self->fd, 0);
		ASSERT_NE(MAP_FAILED, p);
	} else {
		self->shmid = shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600);
		ASSERT_GE(self->shmid, 0);
		p = shmat(self->shmid, NULL, 0);
		ASSERT_NE((void *)-1, p);
	}
	self->map = p;
	fill(self->map, SEG, 1);
}

/* Detach (munmap or shmdt) what is left of the mapping. */
static int detach(bool kipc, void *p, size_t len)
{
	return kipc ? munmap(p, len) : shmdt(p);
}

FIXTURE_TEARDOWN(rm_shm)
{
	kipc_reap_kids();
	if (self->map)
		detach(variant->kipc, self->map, SEG);
	if (variant->kipc) {
		close(self->fd);
		DROP_OBJECT();
	} else {
		shmctl(self->shmid, IPC_RMID, NULL);
	}
}

static int seg_remove(bool kipc, const char *name, int shmid)
{
	return kipc ? kipc_remove(name) : shmctl(shmid, IPC_RMID, NULL);
}

#define RM_SHM() \
	ASSERT_EQ(0, seg_remove(variant->kipc, self->name, self->shmid))

TEST_F(rm_shm, mapping_keeps_contents)
{
	RM_SHM();
	EXPECT_EQ(0, check(self->map, SEG, 1));
}

TEST_F(rm_shm, mapping_stays_writable)
{
	RM_SHM();
	fill(self->map, SEG, 2);
	EXPECT_EQ(0, check(self->map, SEG, 2));
}

/* A child attached before the removal shares the pages after it. */
TEST_F(rm_shm, mapping_shared_with_child_after_removal)
{
	unsigned char *flag = self->map + SEG - 1;
	int go[2], note;
	struct op_result r;
	char c;

	ASSERT_EQ(0, pipe(go));
	*flag = 0;
	KIPC_CHILD(note, close(go[1]);
		   r.ret = read(go[0], &c, 1) == 1 && *flag == 0; *flag = 'k');
	close(go[0]);
	RM_SHM();
	ASSERT_EQ(1, write(go[1], "g", 1));
	close(go[1]);
	ASSERT_EQ(1, DONE(note, &r));
	EXPECT_EQ(1, r.ret);
	EXPECT_EQ('k', *flag);
}

/* fork() after the removal duplicates the mapping: still the same pages. */
TEST_F(rm_shm, fork_after_removal_shares_mapping)
{
	unsigned char *p = self->map;
	pid_t pid;

	RM_SHM();
	pid = kipc_fork_kid();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		p[10] = 'f';
		_exit(0);
	}
	ASSERT_EQ(0, kipc_wait_exit(pid));
	EXPECT_EQ('f', p[10]);
}

/* Unmapping part of it leaves the rest (a split vma) working. */
TEST_F(rm_shm, partial_unmap_keeps_the_rest)
{
	RM_SHM();
	ASSERT_EQ(0, munmap(self->map, PAGE));
	/* Offset PAGE: the pattern's seed shifts by PAGE * 31. */
	EXPECT_EQ(0, check(self->map + PAGE, PAGE, 1 + PAGE * 31));
	/* Not shmdt(): it finds a segment by its start, now unmapped. */
	EXPECT_EQ(0, munmap(self->map + PAGE, PAGE));
	self->map = NULL;
}

/* The segment goes at the last detach. */
TEST_F(rm_shm, segment_freed_at_last_detach)
{
	struct shmid_ds ds;

	RM_SHM();
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, detach(variant->kipc, self->map, SEG));
	self->map = NULL;
	if (variant->kipc) {
		EXPECT_EQ(self->base, kipc_objects_used());
	} else {
		EXPECT_EQ(-1, shmctl(self->shmid, IPC_STAT, &ds));
		EXPECT_EQ(EINVAL, errno);
	}
}

/* =========================================== a removed queue: all EIDRM */

FIXTURE(gone_msg)
{
	OBJECT_MEMBERS;
	int fd;
};

/* An open queue holding one message, then removed. */
FIXTURE_SETUP(gone_msg)
{
	MAKE_OBJECT("gonemsg", KIPC_KIND_MSG, 0);
	self->fd = kipc_open(self->name, O_RDWR);
	ASSERT_GE(self->fd, 0);
	ASSERT_EQ(0, kipc_msg_send(self->fd, 1, "held", 4, KIPC_NOWAIT));
	ASSERT_EQ(0, kipc_remove(self->name));
}

FIXTURE_TEARDOWN(gone_msg)
{
	close(self->fd);
	DROP_OBJECT();
}

#define EXPECT_EIDRM(call)               \
	do {                             \
		EXPECT_EQ(-1, (call));   \
		EXPECT_EQ(EIDRM, errno); \
	} while (0)

TEST_F(gone_msg, send_eidrm)
{
	EXPECT_EIDRM(kipc_msg_send(self->fd, 1, "x", 1, KIPC_NOWAIT));
}

/* The queued message went with the queue. */
TEST_F(gone_msg, recv_eidrm)
{
	char buf[8];

	EXPECT_EIDRM(kipc_msg_recv(self->fd, 0, buf, sizeof(buf), 0, NULL));
}

TEST_F(gone_msg, recv_nowait_eidrm)
{
	char buf[8];

	EXPECT_EIDRM(kipc_msg_recv(self->fd, 0, buf, sizeof(buf), KIPC_NOWAIT,
				   NULL));
}

TEST_F(gone_msg, peek_eidrm)
{
	char buf[8];

	EXPECT_EIDRM(kipc_msg_recv(self->fd, 0, buf, sizeof(buf),
				   KIPC_MSG_PEEK | KIPC_NOWAIT, NULL));
}

TEST_F(gone_msg, read_eidrm)
{
	char buf[64];

	EXPECT_EIDRM(read(self->fd, buf, sizeof(buf)));
}

TEST_F(gone_msg, write_eidrm)
{
	struct {
		__s64 mtype;
		char text[4];
	} m = { 1, "abc" };

	EXPECT_EIDRM(write(self->fd, &m, sizeof(m)));
}

TEST_F(gone_msg, getinfo_eidrm)
{
	struct kipc_msg_info info;

	EXPECT_EIDRM(ioctl(self->fd, KIPC_MSG_GETINFO, &info));
}

TEST_F(gone_msg, set_limits_eidrm)
{
	struct kipc_msg_limits lim = { .qbytes = 100, .msgmax = 100 };

	EXPECT_EIDRM(ioctl(self->fd, KIPC_MSG_SET_LIMITS, &lim));
}

TEST_F(gone_msg, flush_eidrm)
{
	EXPECT_EIDRM(ioctl(self->fd, KIPC_MSG_FLUSH));
}

TEST_F(gone_msg, notify_eidrm)
{
	struct kipc_notify n = { .signo = SIGUSR1 };

	EXPECT_EIDRM(ioctl(self->fd, KIPC_NOTIFY, &n));
}

TEST_F(gone_msg, sendv_eidrm)
{
	char text = 'x';
	struct kipc_msg m = { .mtype = 1, .text = (uintptr_t)&text, .size = 1 };
	struct kipc_msg_vec v = { .msgs = (uintptr_t)&m, .count = 1 };

	EXPECT_EIDRM(ioctl(self->fd, KIPC_MSG_SENDV, &v));
}

TEST_F(gone_msg, recvv_eidrm)
{
	char buf[8];
	struct kipc_msg m = { .text = (uintptr_t)buf, .size = sizeof(buf) };
	struct kipc_msg_vec v = { .msgs = (uintptr_t)&m, .count = 1 };

	EXPECT_EIDRM(ioctl(self->fd, KIPC_MSG_RECVV, &v));
}

static short poll_revents(int fd, short events, int ms)
{
	struct pollfd p = { .fd = fd, .events = events };

	return poll(&p, 1, ms) == 1 ? p.revents : 0;
}

#define ERR_HUP (POLLERR | POLLHUP)

TEST_F(gone_msg, poll_pollerr_pollhup)
{
	EXPECT_EQ(ERR_HUP,
		  poll_revents(self->fd, POLLIN | POLLOUT, 0) & ERR_HUP);
}

/* ========================= msg and sem: removal wakes pollers, timed ops */

FIXTURE(kwait)
{
	OBJECT_MEMBERS;
	int fd;
};

FIXTURE_VARIANT(kwait)
{
	__u32 kind;
};

/* clang-format off */
FIXTURE_VARIANT_ADD(kwait, msg) {
	.kind = KIPC_KIND_MSG,
};

FIXTURE_VARIANT_ADD(kwait, sem) {
	.kind = KIPC_KIND_SEM,
};

/* clang-format on */

/* An empty queue, or a semaphore at 0: POLLIN waits. */
FIXTURE_SETUP(kwait)
{
	MAKE_OBJECT("kwait", variant->kind, 0);
	self->fd = kipc_open(self->name, O_RDWR);
	ASSERT_GE(self->fd, 0);
	if (variant->kind == KIPC_KIND_SEM)
		ASSERT_EQ(0, ioctl(self->fd, KIPC_SEM_SETVAL, &(__s64){ 0 }));
}

FIXTURE_TEARDOWN(kwait)
{
	kipc_reap_kids();
	close(self->fd);
	DROP_OBJECT();
}

TEST_F(kwait, removal_wakes_poll_with_pollerr_pollhup)
{
	struct op_result r;
	int note;
	pid_t pid;

	KIPC_CHILD_OP(pid, note, poll_revents(self->fd, POLLIN, 60000));
	ASSERT_EQ(0, kipc_wait_sleeping(pid));
	ASSERT_EQ(0, kipc_remove(self->name));
	ASSERT_EQ(1, DONE(note, &r));
	EXPECT_EQ(ERR_HUP, r.ret & ERR_HUP);
}

TEST_F(kwait, removal_wakes_epoll)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct op_result r;
	int ep, note;
	pid_t pid;

	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_GE(ep, 0);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->fd, &ev));
	KIPC_CHILD_OP(pid, note,
		      epoll_wait(ep, &ev, 1, 60000) == 1 ? (long)ev.events :
							   -1);
	ASSERT_EQ(0, kipc_wait_sleeping(pid));
	ASSERT_EQ(0, kipc_remove(self->name));
	ASSERT_EQ(1, DONE(note, &r));
	EXPECT_EQ(EPOLLERR | EPOLLHUP, r.ret & (EPOLLERR | EPOLLHUP));
	close(ep);
}

/* The kipc-only timed waits wake with EIDRM, not ETIMEDOUT later. */
static int timed_wait(__u32 kind, int fd)
{
	struct kipc_sem_op op = { .count = 1, .timeout_ns = 60000 * MS };
	char buf[8];

	if (kind == KIPC_KIND_SEM)
		return ioctl(fd, KIPC_SEM_P, &op);
	return kipc_msg_op(fd, KIPC_MSG_RECV, 0, buf, sizeof(buf), 0,
			   60000 * MS, NULL);
}

TEST_F(kwait, timed_wait_wakes_eidrm)
{
	struct op_result r;
	int note;
	pid_t pid;

	KIPC_CHILD_OP(pid, note, timed_wait(variant->kind, self->fd));
	ASSERT_EQ(0, kipc_wait_sleeping(pid));
	ASSERT_EQ(0, kipc_remove(self->name));
	ASSERT_EQ(1, DONE(note, &r));
	EXPECT_EQ(-1, r.ret);
	EXPECT_EQ(EIDRM, r.err);
}

/* ====================================== a removed semaphore: all EIDRM */

FIXTURE(gone_sem)
{
	OBJECT_MEMBERS;
	int fd;
};

/* An open semaphore at 1, then removed. */
FIXTURE_SETUP(gone_sem)
{
	MAKE_OBJECT("gonesem", KIPC_KIND_SEM, 1);
	self->fd = kipc_open(self->name, O_RDWR);
	ASSERT_GE(self->fd, 0);
	ASSERT_EQ(0, kipc_remove(self->name));
}

FIXTURE_TEARDOWN(gone_sem)
{
	close(self->fd);
	DROP_OBJECT();
}

static int sem_op(int fd, unsigned long cmd, __u32 flags)
{
	struct kipc_sem_op op = { .count = 1, .flags = flags };

	return ioctl(fd, cmd, &op);
}

/* Its value was 1: a P would have taken it. */
TEST_F(gone_sem, p_eidrm)
{
	EXPECT_EIDRM(sem_op(self->fd, KIPC_SEM_P, 0));
}

TEST_F(gone_sem, p_nowait_eidrm)
{
	EXPECT_EIDRM(sem_op(self->fd, KIPC_SEM_P, KIPC_NOWAIT));
}

TEST_F(gone_sem, p_undo_eidrm)
{
	EXPECT_EIDRM(sem_op(self->fd, KIPC_SEM_P, KIPC_SEM_UNDO));
}

TEST_F(gone_sem, v_eidrm)
{
	EXPECT_EIDRM(sem_op(self->fd, KIPC_SEM_V, 0));
}

TEST_F(gone_sem, getinfo_eidrm)
{
	struct kipc_sem_info info;

	EXPECT_EIDRM(ioctl(self->fd, KIPC_SEM_GETINFO, &info));
}

TEST_F(gone_sem, setval_eidrm)
{
	__s64 v = 3;

	EXPECT_EIDRM(ioctl(self->fd, KIPC_SEM_SETVAL, &v));
}

TEST_F(gone_sem, poll_pollerr_pollhup)
{
	EXPECT_EQ(ERR_HUP, poll_revents(self->fd, POLLIN, 0) & ERR_HUP);
}

FIXTURE(undo_sem)
{
	OBJECT_MEMBERS;
	int fd;
};

FIXTURE_SETUP(undo_sem)
{
	MAKE_OBJECT("undo", KIPC_KIND_SEM, 2);
	self->fd = kipc_open(self->name, O_RDWR);
	ASSERT_GE(self->fd, 0);
}

FIXTURE_TEARDOWN(undo_sem)
{
	if (self->fd >= 0)
		close(self->fd);
	DROP_OBJECT();
}

/* Units taken with UNDO, the semaphore removed: the close frees it all. */
TEST_F(undo_sem, close_after_removal_frees_object)
{
	ASSERT_EQ(0, sem_op(self->fd, KIPC_SEM_P, KIPC_SEM_UNDO));
	ASSERT_EQ(0, kipc_remove(self->name));
	EXPECT_EQ(0, close(self->fd));
	self->fd = -1;
	EXPECT_EQ(self->base, kipc_objects_used());
}

/* ============================================ a removed segment: EIDRM */

FIXTURE(gone_shm)
{
	OBJECT_MEMBERS;
	int fd;
};

/* An open segment of two pages, then removed. */
FIXTURE_SETUP(gone_shm)
{
	MAKE_OBJECT("goneshm", KIPC_KIND_SHM, SEG);
	self->fd = kipc_open(self->name, O_RDWR);
	ASSERT_GE(self->fd, 0);
	ASSERT_EQ(0, kipc_remove(self->name));
}

FIXTURE_TEARDOWN(gone_shm)
{
	close(self->fd);
	DROP_OBJECT();
}

TEST_F(gone_shm, mmap_eidrm)
{
	void *p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, self->fd, 0);

	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EIDRM, errno);
	if (p != MAP_FAILED)
		munmap(p, PAGE);
}

TEST_F(gone_shm, read_eidrm)
{
	char buf[8];

	EXPECT_EIDRM(read(self->fd, buf, sizeof(buf)));
}

TEST_F(gone_shm, write_eidrm)
{
	EXPECT_EIDRM(write(self->fd, "x", 1));
}

TEST_F(gone_shm, pread_eidrm)
{
	char buf[8];

	EXPECT_EIDRM(pread(self->fd, buf, sizeof(buf), 0));
}

TEST_F(gone_shm, pwrite_eidrm)
{
	EXPECT_EIDRM(pwrite(self->fd, "x", 1, 0));
}

TEST_F(gone_shm, get_size_eidrm)
{
	__u64 size;

	EXPECT_EIDRM(ioctl(self->fd, KIPC_SHM_GET_SIZE, &size));
}

TEST_F(gone_shm, set_size_eidrm)
{
	__u64 size = PAGE;

	EXPECT_EIDRM(ioctl(self->fd, KIPC_SHM_SET_SIZE, &size));
}

TEST_F(gone_shm, getinfo_eidrm)
{
	struct kipc_shm_info info;

	EXPECT_EIDRM(ioctl(self->fd, KIPC_SHM_GETINFO, &info));
}

/* ====================================== names made and removed in a race */

#define RACE_OWNED 6 /* each made and removed by one manager */
#define RACE_SHARED 2 /* made and removed by both managers */
#define RACE_NAMES (RACE_OWNED + RACE_SHARED)
#define RACE_USERS 3
#define RACE_HELD 4 /* files a user keeps open across operations */

/* 5 seconds; KIPC_OBJ_RACE_SECONDS=N for longer (or shorter). */
static unsigned int race_seconds(void)
{
	const char *env = getenv("KIPC_OBJ_RACE_SECONDS");

	return env && atoi(env) > 0 ? atoi(env) : 5;
}

/* The kind of owned name @i; shared names are manager 0's msg, 1's sem. */
static __u32 race_kind(int i)
{
	return i % 4 + 1;
}

/* A small size of @kind: one page of pipe or shm, the defaults else. */
static __u64 race_size(__u32 kind)
{
	return kind == KIPC_KIND_PIPE || kind == KIPC_KIND_SHM ? PAGE : 0;
}

/*
 * Does opening @name give what its manager knows (@there: a file, else
 * ENOENT)? Its users only open it: they cannot make it or remove it.
 */
static bool opens_as_known(const char *name, bool there)
{
	int fd = kipc_open(name, O_RDWR | O_NONBLOCK);

	if (fd >= 0)
		close(fd);
	return there ? fd >= 0 : fd < 0 && errno == ENOENT;
}

/*
 * Manager @m: until @end, make and remove its own names (KIPC_CREATE_EXCL,
 * so each result is known from the last one) and the shared ones (either
 * result is right). After each of its own: the name opens, or gives
 * ENOENT, at once. r->present: its names there at the end.
 */
static void race_manager(struct op_result *r, int m, struct kipc_names *names,
			 unsigned long long end)
{
	unsigned int seed = getpid(), present = 0, bit;
	__u32 kind;
	int i, ret, expect_fail;

	while (!r->bad_op && kipc_now_ns() < end) {
		bool make = rand_r(&seed) & 1;

		if (rand_r(&seed) % 3 == 0) {
			i = RACE_OWNED + rand_r(&seed) % RACE_SHARED;
			kind = m ? KIPC_KIND_SEM : KIPC_KIND_MSG;
			ret = make ? kipc_create(kind, names->name[i], 0666, 0,
						 0) :
				     kipc_remove(names->name[i]);
			if (ret && errno != (make ? EEXIST : ENOENT))
				r->bad_op = 100 + i;
			r->err = errno;
			continue;
		}
		i = 2 * (rand_r(&seed) % (RACE_OWNED / 2)) + m;
		bit = 1U << i;
		kind = race_kind(i);
		ret = make ? kipc_create(kind, names->name[i], 0666,
					 race_size(kind), KIPC_CREATE_EXCL) :
			     kipc_remove(names->name[i]);
		/* EEXIST if there, ENOENT if not: else success. */
		expect_fail = !!(present & bit) == make;
		if (expect_fail ? !ret || errno != (make ? EEXIST : ENOENT) :
				  ret) {
			r->bad_op = 1 + i;
			r->err = ret ? errno : 0;
		}
		if (!ret)
			present ^= bit;
		if (!r->bad_op &&
		    !opens_as_known(names->name[i], present & bit)) {
			r->bad_op = 50 + i;
			r->err = errno;
		}
	}
	r->present = present;
}

/*
 * The kind of the object open at @fd, by which GET ioctl it takes. A
 * removed one (every ioctl EIDRM, perhaps) counts as a msg queue: all its
 * operations give EIDRM anyway, and a pipe is never removed that way.
 */
static __u32 fd_kind(int fd)
{
	static const unsigned long cmds[] = { 0, KIPC_PIPE_GET_SIZE,
					      KIPC_MSG_GETINFO,
					      KIPC_SHM_GET_SIZE,
					      KIPC_SEM_GETINFO };
	char buf[128];
	__u32 k;

	for (k = KIPC_KIND_PIPE; k <= KIPC_KIND_SEM; k++)
		if (!ioctl(fd, cmds[k], buf))
			return k;
	for (k = KIPC_KIND_MSG; k <= KIPC_KIND_SEM; k++)
		if (!ioctl(fd, cmds[k], buf) || errno == EIDRM)
			return k;
	return 0;
}

/* Is errno one an operation on a live or removed object may give? */
static bool race_errno_ok(__u32 kind)
{
	switch (errno) {
	case EAGAIN:
		return true;
	case EIDRM:
		return kind != KIPC_KIND_PIPE;
	case ETIMEDOUT:
	case ENOMSG:
		return kind == KIPC_KIND_MSG || kind == KIPC_KIND_SEM;
	}
	return false;
}

/*
 * A few operations of @kind on @fd; a mapping of a segment is left in
 * *@map. 0, or the number of the operation that failed unexpectedly.
 */
static int race_ops(__u32 kind, int fd, void **map)
{
	struct kipc_sem_op op = { .count = 1, .timeout_ns = MS };
	struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLOUT };
	char buf[64] = "race";
	void *p;

	switch (kind) {
	case KIPC_KIND_PIPE:
		if (write(fd, buf, 4) < 0 && !race_errno_ok(kind))
			return 1;
		if (read(fd, buf, sizeof(buf)) < 0 && !race_errno_ok(kind))
			return 2;
		break;
	case KIPC_KIND_MSG:
		if (kipc_msg_send(fd, 1, buf, 4, KIPC_NOWAIT) &&
		    !race_errno_ok(kind))
			return 3;
		if (kipc_msg_op(fd, KIPC_MSG_RECV, 0, buf, sizeof(buf), 0, MS,
				NULL) &&
		    !race_errno_ok(kind))
			return 4;
		if (read(fd, buf, sizeof(buf)) < 0 && !race_errno_ok(kind))
			return 5;
		break;
	case KIPC_KIND_SHM:
		p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED && !race_errno_ok(kind))
			return 6;
		if (p != MAP_FAILED) {
			((char *)p)[0]++;
			*map = p;
		}
		if (pwrite(fd, buf, 4, 8) < 0 && !race_errno_ok(kind))
			return 7;
		break;
	case KIPC_KIND_SEM:
		op.flags = KIPC_SEM_UNDO;
		if (ioctl(fd, KIPC_SEM_P, &op) && !race_errno_ok(kind))
			return 8;
		op.flags = 0;
		op.timeout_ns = 0;
		if (ioctl(fd, KIPC_SEM_V, &op) && errno != EOVERFLOW &&
		    !race_errno_ok(kind))
			return 9;
		break;
	default:
		return 10;
	}
	if (poll(&pfd, 1, 0) < 0)
		return 11;
	return 0;
}

/*
 * User: until @end, open a random name, do a few operations on it, and
 * keep up to RACE_HELD files (and mappings) open across removals.
 */
static void race_user(struct op_result *r, struct kipc_names *names,
		      unsigned long long end)
{
	int held[RACE_HELD], fd, slot, bad;
	void *maps[RACE_HELD] = { NULL }, *map;
	unsigned int seed = getpid();

	memset(held, -1, sizeof(held));
	while (!r->bad_op && kipc_now_ns() < end) {
		fd = kipc_open(names->name[rand_r(&seed) % RACE_NAMES],
			       O_RDWR | O_NONBLOCK);
		/*
		 * Racing with a removal, an open may find the object gone
		 * after its lookup (ENOENT, as if it came after) or its
		 * device gone while its node is still there (ENXIO, as any
		 * char device removed under an open).
		 */
		if (fd < 0 && errno == ENXIO) {
			r->ret++;
		} else if (fd < 0 && errno != ENOENT) {
			r->bad_op = 20;
			r->err = errno;
		}
		if (fd < 0)
			continue;
		r->opened++;
		map = NULL;
		bad = race_ops(fd_kind(fd), fd, &map);
		if (bad) {
			r->bad_op = 20 + bad;
			r->err = errno;
		}
		slot = rand_r(&seed) % (2 * RACE_HELD);
		if (slot >= RACE_HELD) {
			if (map)
				munmap(map, PAGE);
			close(fd);
			continue;
		}
		if (held[slot] >= 0)
			close(held[slot]);
		if (maps[slot])
			munmap(maps[slot], PAGE);
		held[slot] = fd;
		maps[slot] = map;
	}
	for (slot = 0; slot < RACE_HELD; slot++) {
		if (maps[slot])
			munmap(maps[slot], PAGE);
		if (held[slot] >= 0)
			close(held[slot]);
	}
}

/* Is there a row for @name in any /proc/kipc table? */
static bool in_proc(const char *name)
{
	__u32 k;

	for (k = KIPC_KIND_PIPE; k <= KIPC_KIND_SEM; k++)
		if (kipc_proc(kipc_kind_table(k), name, "uid") != LLONG_MIN)
			return true;
	return false;
}

FIXTURE(race)
{
	struct kipc_names names;
	long long base;
};

FIXTURE_SETUP(race)
{
	char tag[16];
	int i;

	KIPC_OBJECTS_SETUP(self->base);
	for (i = 0; i < RACE_NAMES; i++) {
		snprintf(tag, sizeof(tag), "race%d", i);
		ASSERT_NE(NULL, kipc_names_new(&self->names, tag));
	}
}

FIXTURE_TEARDOWN(race)
{
	KIPC_OBJECTS_TEARDOWN(&self->names, self->base);
}

/*
 * Two managers make and remove the names while three users open them and
 * read, write, map, wait and poll. Afterwards each owned name is there
 * exactly if its manager's last operation made it, node and /proc row
 * agree for every name, and with all removed and closed the count of
 * objects is back where it was.
 */
TEST_F_TIMEOUT(race, create_remove_against_use, 240)
{
	unsigned long long end = kipc_now_ns() + race_seconds() * 1000000000ULL;
	int mgr[2], user[RACE_USERS], i, m;
	struct op_result r, mr[2];
	unsigned int bit;
	bool there;

	for (m = 0; m < 2; m++)
		KIPC_CHILD(mgr[m], race_manager(&r, m, &self->names, end));
	for (i = 0; i < RACE_USERS; i++)
		KIPC_CHILD(user[i], race_user(&r, &self->names, end));

	for (m = 0; m < 2; m++) {
		ASSERT_EQ(1, kipc_op_done(mgr[m], 120000, &mr[m]));
		EXPECT_EQ(0, mr[m].bad_op)
		TH_LOG("manager %d: op %d errno %d", m, mr[m].bad_op,
		       mr[m].err);
	}
	for (i = 0; i < RACE_USERS; i++) {
		ASSERT_EQ(1, kipc_op_done(user[i], 120000, &r));
		EXPECT_EQ(0, r.bad_op)
		TH_LOG("user %d: op %d errno %d", i, r.bad_op, r.err);
		EXPECT_GT(r.opened, 0);
		TH_LOG("user %d: %ld opens, %ld of a removed object", i,
		       r.opened, r.ret);
	}
	kipc_reap_kids();

	for (i = 0; i < RACE_NAMES; i++) {
		const char *name = self->names.name[i];

		there = kipc_node_exists(name);
		EXPECT_EQ(there, in_proc(name))
		TH_LOG("%s: node and /proc disagree", name);
		if (i < RACE_OWNED) {
			bit = mr[i % 2].present & (1U << i);
			EXPECT_EQ(!!bit, there)
			TH_LOG("%s: not as its manager left it", name);
		}
		if (there) {
			EXPECT_EQ(0, kipc_remove(name));
		} else {
			EXPECT_EQ(-1, kipc_remove(name));
			EXPECT_EQ(ENOENT, errno);
		}
	}
	EXPECT_EQ(0, kipc_wait_until(kipc_objects_used() == self->base));
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * kipc-bench: the kernel objects it makes and the kipc node state it
 * changes, both undone at the end, also on SIGINT, SIGTERM and SIGHUP.
 *
 * Node state changed for a run (pipe size, queue limits and contents,
 * semaphore values, segment size and contents) is remembered the first
 * time and put back afterwards; every System V object, POSIX queue and
 * FIFO made is removed.
 */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <unistd.h>

#include "bench.h"

int node_open(const char *name, int flags)
{
	int fd = kipc_open(name, flags);

	return fd < 0 ? -errno : fd;
}

/**
 * struct bench_obj - a kernel object this program made and must remove
 * @kind: OBJ_*, OBJ_NONE for a free slot
 * @id: System V id
 * @name: POSIX queue name or FIFO path
 */
struct bench_obj {
	enum bench_obj_kind kind;
	int id;
	char name[48];
};

static struct bench_obj objs[BENCH_OBJS_MAX];

/* What changed on the kipc nodes, to be put back. */
static struct {
	bool pipe;
	__u32 pipe_size;
	bool msg;
	struct kipc_msg_limits msg_limits;
	bool sem[2];
	__s64 sem_value[2];
	bool shm;
	__u64 shm_size;
	char *shm_data;
} saved;

static pid_t bench_pid;
static bool in_signal;

/* Remembers an object for removal; -ENOSPC leaves it to the caller. */
int obj_add(enum bench_obj_kind kind, int id, const char *name)
{
	int i;

	for (i = 0; i < BENCH_OBJS_MAX; i++) {
		if (objs[i].kind != OBJ_NONE)
			continue;
		objs[i].id = id;
		snprintf(objs[i].name, sizeof(objs[i].name), "%s",
			 name ? name : "");
		objs[i].kind = kind;
		return i;
	}
	return -ENOSPC;
}

void obj_del(int slot)
{
	struct bench_obj *o;

	if (slot < 0 || slot >= BENCH_OBJS_MAX)
		return;
	o = &objs[slot];
	switch (o->kind) {
	case OBJ_MSG:
		msgctl(o->id, IPC_RMID, NULL);
		break;
	case OBJ_SEM:
		semctl(o->id, 0, IPC_RMID);
		break;
	case OBJ_SHM:
		shmctl(o->id, IPC_RMID, NULL);
		break;
	case OBJ_MQ:
		mq_unlink(o->name);
		break;
	case OBJ_FIFO:
		unlink(o->name);
		break;
	case OBJ_NONE:
		break;
	}
	o->kind = OBJ_NONE;
}

int sysv_msg_new(int *slot)
{
	int id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);

	if (id < 0)
		return -errno;
	*slot = obj_add(OBJ_MSG, id, NULL);
	if (*slot < 0) {
		msgctl(id, IPC_RMID, NULL);
		return *slot;
	}
	return id;
}

int posix_mq_new(long maxmsg, mqd_t *mq, int *slot)
{
	struct mq_attr attr = { .mq_maxmsg = maxmsg,
				.mq_msgsize = BENCH_MSG_SIZE };
	char name[48];
	int ret;

	snprintf(name, sizeof(name), "/kipc-bench-%d", (int)getpid());
	*mq = mq_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600, &attr);
	if (*mq == (mqd_t)-1)
		return -errno;
	*slot = obj_add(OBJ_MQ, 0, name);
	if (*slot < 0) {
		ret = *slot;
		mq_close(*mq);
		mq_unlink(name);
		return ret;
	}
	return 0;
}

/* Closes and removes a queue of posix_mq_new(); no queue if @slot < 0. */
void posix_mq_del(mqd_t mq, int slot)
{
	if (slot >= 0)
		mq_close(mq);
	obj_del(slot);
}

/* Sets pipe0's capacity, remembering the old one the first time. */
int kpipe_set_size(__u32 size)
{
	int fd = node_open("pipe0", O_RDONLY | O_NONBLOCK), ret = 0, old;

	if (fd < 0)
		return fd;
	if (!saved.pipe) {
		old = kipc_pipe_get_size(fd);
		if (old < 0) {
			ret = -errno;
			goto out;
		}
		saved.pipe_size = old;
		saved.pipe = true;
	}
	if (kipc_pipe_set_size(fd, size) < 0)
		ret = -errno;
out:
	close(fd);
	return ret;
}

void restore_pipe(void)
{
	int fd;

	if (!saved.pipe)
		return;
	fd = node_open("pipe0", O_RDONLY | O_NONBLOCK);
	if (fd >= 0) {
		kipc_pipe_set_size(fd, saved.pipe_size);
		close(fd);
	}
	saved.pipe = false;
}

/*
 * Opens msg0. The first time, it must be empty (someone else's messages
 * are left alone: EBUSY) and its limits are remembered.
 */
int kmsg_open(void)
{
	struct kipc_msg_info info;
	int fd = node_open("msg0", O_RDWR), ret;

	if (fd < 0 || saved.msg)
		return fd;
	if (kipc_msg_info(fd, &info)) {
		ret = -errno;
		close(fd);
		return ret;
	}
	if (info.qnum) {
		close(fd);
		return -EBUSY;
	}
	saved.msg_limits.qbytes = info.qbytes;
	saved.msg_limits.msgmax = info.msgmax;
	saved.msg = true;
	return fd;
}

int kmsg_set_qbytes(int fd, __u64 qbytes)
{
	return kipc_msg_set_limits(fd, qbytes, saved.msg_limits.msgmax) ?
		       -errno :
		       0;
}

/* Empties msg0 and gives it back its limits. */
void restore_msg(void)
{
	int fd;

	if (!saved.msg)
		return;
	fd = node_open("msg0", O_RDWR);
	if (fd >= 0) {
		kipc_msg_flush(fd);
		kipc_msg_set_limits(fd, saved.msg_limits.qbytes,
				    saved.msg_limits.msgmax);
		close(fd);
	}
	saved.msg = false;
}

/* Opens sem<i> and sets it to 0, remembering its value the first time. */
int ksem_open(int i)
{
	struct kipc_sem_info info;
	char name[8];
	int fd, ret;

	snprintf(name, sizeof(name), "sem%d", i);
	fd = node_open(name, O_RDWR);
	if (fd < 0)
		return fd;
	if (!saved.sem[i]) {
		if (kipc_sem_info(fd, &info))
			goto fail;
		saved.sem_value[i] = info.value;
		saved.sem[i] = true;
	}
	if (kipc_sem_setval(fd, 0))
		goto fail;
	return fd;
fail:
	ret = -errno;
	close(fd);
	return ret;
}

void restore_sem(void)
{
	char name[8];
	int i, fd;

	for (i = 0; i < 2; i++) {
		if (!saved.sem[i])
			continue;
		snprintf(name, sizeof(name), "sem%d", i);
		fd = node_open(name, O_RDWR);
		if (fd >= 0) {
			kipc_sem_setval(fd, saved.sem_value[i]);
			close(fd);
		}
		saved.sem[i] = false;
	}
}

/* Opens shm0, remembering its size and contents the first time. */
int kshm_open(void)
{
	int fd = node_open("shm0", O_RDWR), ret;
	uint64_t size, done = 0;
	ssize_t r;

	if (fd < 0 || saved.shm)
		return fd;
	if (kipc_shm_get_size(fd, &size)) {
		ret = -errno;
		goto fail;
	}
	saved.shm_data = malloc(size);
	if (!saved.shm_data) {
		ret = -ENOMEM;
		goto fail;
	}
	while (done < size) {
		r = pread(fd, saved.shm_data + done, size - done, done);
		if (r <= 0) {
			ret = r ? -errno : -EIO;
			free(saved.shm_data);
			saved.shm_data = NULL;
			goto fail;
		}
		done += r;
	}
	saved.shm_size = size;
	saved.shm = true;
	return fd;
fail:
	close(fd);
	return ret;
}

void restore_shm(void)
{
	__u64 done = 0;
	ssize_t r;
	int fd;

	if (!saved.shm)
		return;
	fd = node_open("shm0", O_RDWR);
	if (fd >= 0 && !kipc_shm_set_size(fd, saved.shm_size)) {
		while (done < saved.shm_size) {
			r = pwrite(fd, saved.shm_data + done,
				   saved.shm_size - done, done);
			if (r <= 0)
				break;
			done += r;
		}
	}
	if (fd >= 0)
		close(fd);
	/* free() is not async-signal-safe; the process is ending then. */
	if (!in_signal)
		free(saved.shm_data);
	saved.shm_data = NULL;
	saved.shm = false;
}

void bench_cleanup(void)
{
	int i;

	restore_pipe();
	restore_msg();
	restore_sem();
	restore_shm();
	for (i = 0; i < BENCH_OBJS_MAX; i++)
		obj_del(i);
}

static void bench_on_signal(int sig)
{
	if (getpid() != bench_pid)
		_exit(128 + sig);
	in_signal = true;
	kill_children();
	bench_cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* In the parent, before any state changes: undo it all on a signal. */
void state_init(void)
{
	struct sigaction sa = { .sa_handler = bench_on_signal };

	bench_pid = getpid();
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

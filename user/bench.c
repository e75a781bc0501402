// SPDX-License-Identifier: GPL-2.0
/*
 * kipc bench: kipc's devices against the kernel's own IPC, in one boot.
 *
 *   kipc bench [--quick] [--json] [--reps N] [--time SECONDS]
 *               [--only WORKLOAD]... [--svg FILE] [--verbose]
 *               [--cpus any|same|split]
 *
 * Method. A workload pits a kipc device (side 0) against one or more kernel
 * mechanisms. Each side first runs a warm-up that also calibrates its
 * iteration count so that one run lasts about --time seconds; warm-up runs
 * are discarded. Then the sides take turns for --reps runs, each timed
 * with CLOCK_MONOTONIC, and each turn starts one side further on (A B C,
 * B C A, C A B, ...). Work per run differs between sides but every figure
 * is a rate or a time per operation, so they compare. A row shows one
 * kipc/kernel pair: the median of the runs and the min-max spread of each,
 * and the ratio of the medians, oriented so that > 1 means kipc is faster:
 * kipc/kernel for rates, kernel/kipc for times.
 *
 * Processes: every two-sided workload forks two fresh children per run
 * (writer and reader, sender and receiver, the two ends of a ping-pong);
 * both finish their setup, the parent reads the clock and releases them,
 * and the child that finishes last reads the clock again. The parent only
 * waits, so the timed region holds nothing but the two children's work.
 *
 * A side that cannot run prints "n/a (ERRNO)" in its rows, and the exit
 * status is 1; every row is always printed.
 * Node state changed for a run (pipe size, queue limits and contents,
 * semaphore values, segment size and contents) is put back afterwards, also
 * on SIGINT/SIGTERM, and every System V object, POSIX queue and FIFO made
 * is removed. The exit status is 1 if a side failed for any other reason.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <mqueue.h>
#include <poll.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/kipc.h>

#include "cli.h"

#define BENCH_DEV "/dev/kipc/"
#define BENCH_REPS_MAX 99
#define BENCH_SIDES_MAX 4
#define BENCH_METRICS_MAX 3
#define BENCH_GROUPS_MAX 16
#define BENCH_OBJS_MAX 8
#define BENCH_MSG_SIZE 64 /* workloads 2 and 3, and the mq message size */
#define BENCH_MSG_VEC 32 /* messages per KIPC_MSG_SENDV/RECVV call */
#define BENCH_SETUP_TIMEOUT_MS 30000
#define BENCH_RUN_TIMEOUT_S 120
#define BENCH_MIB (1024.0 * 1024.0)

/* Workloads, for --only. */
enum {
	W_PIPE = 0x01,
	W_MSG = 0x02,
	W_TYPED = 0x04,
	W_SEM = 0x08,
	W_SHM = 0x10,
	W_NOTIFY = 0x20,
	W_ALL = 0x3f,
};

static const char *const bench_workload_names[] = {
	"pipe", "msg", "typed", "sem", "shm", "notify",
};

static const char *const bench_cpus_names[] = { "any", "same", "split" };

static const char bench_usage[] =
	"usage: kipc bench [--quick] [--json] [--reps N] [--time SECONDS]\n"
	"                  [--only WORKLOAD]... [--svg FILE] [--verbose]\n"
	"                  [--cpus any|same|split]\n";

static const char bench_help[] =
	"\n"
	"Times each kipc device against the kernel's own IPC in this boot and\n"
	"prints one row per pair: median [min-max] of each side over the runs\n"
	"and the ratio of the medians; > 1 means kipc is faster (kipc/kernel\n"
	"for rates, kernel/kipc for times).\n"
	"\n"
	"  --quick         one run of tiny sizes after the warm-up (a smoke test)\n"
	"  --json          print the results as JSON instead of the table\n"
	"  --reps N        timed runs per side, 1..99 (default 5)\n"
	"  --time SECONDS  length of one run, warm-up calibrated (default 0.5)\n"
	"  --only NAME     only this workload (repeatable): pipe, msg, typed,\n"
	"                  sem, shm, notify\n"
	"  --svg FILE      also draw the ratios as an SVG chart ('-': stdout)\n"
	"  --verbose       also print iterations and context switches per run\n"
	"  --cpus WHERE    the two processes of a run: any (the scheduler's\n"
	"                  choice), same (both on one CPU), split (one each)\n"
	"\n"
	"Needs the kipc module and root (queue limits, node state). Uses pipe0,\n"
	"msg0, sem0, sem1 and shm0 and restores their state afterwards.\n";

/* The mechanisms. */
enum bench_kind {
	K_KIPC_PIPE,
	K_PIPE,
	K_FIFO,
	K_KIPC_MSG,
	K_KIPC_MSGV,
	K_SYSV_MSG,
	K_POSIX_MQ,
	K_KIPC_SEM,
	K_SYSV_SEM,
	K_POSIX_SEM,
	K_EVENTFD,
	K_KIPC_SHM,
	K_SYSV_SHM,
	K_MEMFD,
};

/**
 * struct bench_metric - one figure a workload run produces
 * @label: appended to the group's label (NULL: the group has one figure)
 * @unit: unit of the figure
 * @time: the figure is a time, lower is better (ratio kernel/kipc)
 */
struct bench_metric {
	const char *label;
	const char *unit;
	bool time;
};

/**
 * struct bench_side - one mechanism of a workload and its results
 * @name: shown in the row ("pipe(2)"); side 0 is the kipc device
 * @kind: the mechanism
 * @target: per figure, the ratio this pair should reach (0: none)
 * @n: iterations per run, from the calibration
 * @err: errno that made this side n/a, or 0
 * @runs: timed runs done
 * @val: per figure, the value of each timed run
 * @csw: context switches per iteration in the last run, both processes
 */
struct bench_side {
	const char *name;
	enum bench_kind kind;
	double target[BENCH_METRICS_MAX];
	long n;
	int err;
	int runs;
	double val[BENCH_METRICS_MAX][BENCH_REPS_MAX];
	double csw;
};

struct bench_group;

/*
 * One run of @n iterations: fills one value per figure and the seconds the
 * calibration scales by. Returns 0 or -errno.
 */
typedef int (*bench_run_fn)(struct bench_group *g, struct bench_side *s, long n,
			    double *val, double *secs);

/**
 * struct bench_group - a workload at one setting, timed side by side
 * @workload: W_* bit
 * @label: first column of its rows
 * @metric: the figures each run produces
 * @nmetrics: how many
 * @setup: before the first run (may mark sides n/a), or NULL
 * @run: one run
 * @teardown: after the last run, or NULL
 * @param: the setting: write size, backlog, segment size
 * @last: last group of its workload (its teardown frees shared state)
 * @n_first: iterations of the first warm-up run (the only one in --quick)
 * @n_max: most iterations a run may do
 * @nsides: sides, side 0 being kipc
 * @side: the sides
 */
struct bench_group {
	unsigned int workload;
	char label[40];
	const struct bench_metric *metric;
	int nmetrics;
	void (*setup)(struct bench_group *g);
	bench_run_fn run;
	void (*teardown)(struct bench_group *g);
	long param;
	bool last;
	long n_first;
	long n_max;
	int nsides;
	struct bench_side side[BENCH_SIDES_MAX];
};

static struct {
	int reps;
	double time;
	bool quick;
	bool json;
	bool verbose;
	const char *svg;
	int cpus;
	unsigned int only;
} opt = {
	.reps = 5,
	.time = 0.5,
};

static struct bench_group groups[BENCH_GROUPS_MAX];
static int ngroups;
static long page_size;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static const char *err_name(int err)
{
	static char buf[16];
	const char *name = strerrorname_np(err);

	if (name)
		return name;
	snprintf(buf, sizeof(buf), "E%d", err);
	return buf;
}

static int node_open(const char *name, int flags)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), BENCH_DEV "%s", name);
	fd = open(path, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* ------------------------------------------- objects made, state saved */

enum bench_obj_kind { OBJ_NONE, OBJ_MSG, OBJ_SEM, OBJ_SHM, OBJ_MQ, OBJ_FIFO };

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
static pid_t children[2];
static bool in_signal;

/* Remembers an object for removal; -ENOSPC leaves it to the caller. */
static int obj_add(enum bench_obj_kind kind, int id, const char *name)
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

static void obj_del(int slot)
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

static int sysv_msg_new(int *slot)
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

static int posix_mq_new(long maxmsg, mqd_t *mq, int *slot)
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

/* Sets pipe0's capacity, remembering the old one the first time. */
static int kpipe_set_size(__u32 size)
{
	int fd = node_open("pipe0", O_RDONLY | O_NONBLOCK), ret = 0;
	__u32 old;

	if (fd < 0)
		return fd;
	if (!saved.pipe) {
		if (ioctl(fd, KIPC_PIPE_GET_SIZE, &old)) {
			ret = -errno;
			goto out;
		}
		saved.pipe_size = old;
		saved.pipe = true;
	}
	if (ioctl(fd, KIPC_PIPE_SET_SIZE, &size))
		ret = -errno;
out:
	close(fd);
	return ret;
}

static void restore_pipe(void)
{
	int fd;

	if (!saved.pipe)
		return;
	fd = node_open("pipe0", O_RDONLY | O_NONBLOCK);
	if (fd >= 0) {
		ioctl(fd, KIPC_PIPE_SET_SIZE, &saved.pipe_size);
		close(fd);
	}
	saved.pipe = false;
}

/*
 * Opens msg0. The first time, it must be empty (someone else's messages
 * are left alone: EBUSY) and its limits are remembered.
 */
static int kmsg_open(void)
{
	struct kipc_msg_info info;
	int fd = node_open("msg0", O_RDWR), ret;

	if (fd < 0 || saved.msg)
		return fd;
	if (ioctl(fd, KIPC_MSG_GETINFO, &info)) {
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

static int kmsg_set_qbytes(int fd, __u64 qbytes)
{
	struct kipc_msg_limits lim = { .qbytes = qbytes,
				       .msgmax = saved.msg_limits.msgmax };

	return ioctl(fd, KIPC_MSG_SET_LIMITS, &lim) ? -errno : 0;
}

/* Empties msg0 and gives it back its limits. */
static void restore_msg(void)
{
	int fd;

	if (!saved.msg)
		return;
	fd = node_open("msg0", O_RDWR);
	if (fd >= 0) {
		ioctl(fd, KIPC_MSG_FLUSH);
		ioctl(fd, KIPC_MSG_SET_LIMITS, &saved.msg_limits);
		close(fd);
	}
	saved.msg = false;
}

/* Opens sem<i> and sets it to 0, remembering its value the first time. */
static int ksem_open(int i)
{
	struct kipc_sem_info info;
	char name[8];
	__s64 zero = 0;
	int fd, ret;

	snprintf(name, sizeof(name), "sem%d", i);
	fd = node_open(name, O_RDWR);
	if (fd < 0)
		return fd;
	if (!saved.sem[i]) {
		if (ioctl(fd, KIPC_SEM_GETINFO, &info))
			goto fail;
		saved.sem_value[i] = info.value;
		saved.sem[i] = true;
	}
	if (ioctl(fd, KIPC_SEM_SETVAL, &zero))
		goto fail;
	return fd;
fail:
	ret = -errno;
	close(fd);
	return ret;
}

static void restore_sem(void)
{
	char name[8];
	int i, fd;

	for (i = 0; i < 2; i++) {
		if (!saved.sem[i])
			continue;
		snprintf(name, sizeof(name), "sem%d", i);
		fd = node_open(name, O_RDWR);
		if (fd >= 0) {
			ioctl(fd, KIPC_SEM_SETVAL, &saved.sem_value[i]);
			close(fd);
		}
		saved.sem[i] = false;
	}
}

/* Opens shm0, remembering its size and contents the first time. */
static int kshm_open(void)
{
	int fd = node_open("shm0", O_RDWR), ret;
	__u64 size, done = 0;
	ssize_t r;

	if (fd < 0 || saved.shm)
		return fd;
	if (ioctl(fd, KIPC_SHM_GET_SIZE, &size)) {
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

static void restore_shm(void)
{
	__u64 done = 0;
	ssize_t r;
	int fd;

	if (!saved.shm)
		return;
	fd = node_open("shm0", O_RDWR);
	if (fd >= 0 && !ioctl(fd, KIPC_SHM_SET_SIZE, &saved.shm_size)) {
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

static void bench_cleanup(void)
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
	int i;

	if (getpid() != bench_pid)
		_exit(128 + sig);
	in_signal = true;
	for (i = 0; i < 2; i++)
		if (children[i] > 0)
			kill(children[i], SIGKILL);
	bench_cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* -------------------------------------------------- two-process runs */

/**
 * struct bench_shared - what the children of a run tell the parent
 * @t_end: CLOCK_MONOTONIC when the last child finished its work
 * @value: a figure a child computed (the median notify latency)
 * @err: per child, the errno it failed with, or 0
 * @csw: per child, its context switches, voluntary or not
 */
struct bench_shared {
	uint64_t t_end;
	double value;
	int err[2];
	long csw[2];
};

static struct bench_shared *shared;
static long last_csw; /* of the last two-process run */
static sigset_t orig_mask;
static int duo_ready_fd = -1;
static int duo_go_fd = -1;

typedef int (*duo_fn)(void *arg, int role);

/* In a child: tell the parent setup is done, then wait for the start. */
static int duo_start(void)
{
	char c = 'R';
	ssize_t r;

	if (write(duo_ready_fd, &c, 1) != 1)
		return -EIO;
	close(duo_ready_fd);
	duo_ready_fd = -1;
	do
		r = read(duo_go_fd, &c, 1);
	while (r < 0 && errno == EINTR);
	close(duo_go_fd);
	duo_go_fd = -1;
	return 0;
}

/* --cpus: where the two children of a run may run. */
enum { CPUS_ANY, CPUS_SAME, CPUS_SPLIT };

static void duo_pin(int role)
{
	cpu_set_t allowed, one;
	int cpu, nth, want;

	if (opt.cpus == CPUS_ANY ||
	    sched_getaffinity(0, sizeof(allowed), &allowed))
		return;
	/* SAME: both on the first allowed CPU; SPLIT: role 1 on the second. */
	want = opt.cpus == CPUS_SPLIT && CPU_COUNT(&allowed) > 1 ? role : 0;
	for (cpu = 0, nth = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &allowed) || nth++ != want)
			continue;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		sched_setaffinity(0, sizeof(one), &one);
		return;
	}
}

static void duo_child(duo_fn fn, void *arg, int role)
{
	struct rusage ru;
	char c = 'E';
	int ret;

	sigprocmask(SIG_SETMASK, &orig_mask, NULL);
	duo_pin(role);
	ret = fn(arg, role);
	shared->err[role] = ret < 0 ? -ret : 0;
	/* Failed before duo_start(): the parent must not wait for us. */
	if (duo_ready_fd >= 0 && write(duo_ready_fd, &c, 1) != 1)
		ret = -EIO;
	if (!getrusage(RUSAGE_SELF, &ru))
		shared->csw[role] = ru.ru_nvcsw + ru.ru_nivcsw;
	_exit(ret ? 1 : 0);
}

static void kill_children(void)
{
	int i;

	for (i = 0; i < 2; i++)
		if (children[i] > 0)
			kill(children[i], SIGKILL);
}

/* Waits for both children; kills them after @timeout_s. */
static int reap_children(int timeout_s)
{
	uint64_t deadline = now_ns() + timeout_s * 1000000000ULL, t;
	int i, st, left, ret = 0;
	struct timespec ts;
	sigset_t chld;
	pid_t r;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	for (;;) {
		left = 0;
		for (i = 0; i < 2; i++) {
			if (children[i] <= 0)
				continue;
			r = waitpid(children[i], &st, WNOHANG);
			if (r == 0) {
				left++;
				continue;
			}
			children[i] = 0;
			/* Exit 1 is a failure the child reported itself. */
			if (r > 0 && !ret &&
			    !(WIFEXITED(st) && WEXITSTATUS(st) <= 1))
				ret = -EIO;
		}
		if (!left)
			return ret;
		t = now_ns();
		if (t >= deadline) {
			kill_children();
			for (i = 0; i < 2; i++)
				if (children[i] > 0)
					waitpid(children[i], &st, 0);
			children[0] = 0;
			children[1] = 0;
			return -ETIMEDOUT;
		}
		ts.tv_sec = (deadline - t) / 1000000000ULL;
		ts.tv_nsec = (deadline - t) % 1000000000ULL;
		sigtimedwait(&chld, NULL, &ts);
	}
}

/*
 * Runs fn(arg, 0) and fn(arg, 1) in two children. Each does its setup and
 * calls duo_start(); when both have, the parent reads the clock into *t0
 * and releases them. The parent closes @pfds (the children's ends it
 * holds) after forking, so that one child's death is seen by the other.
 */
static int duo_run(duo_fn fn, void *arg, int *pfds, int npfds, uint64_t *t0)
{
	int ready[2], go[2], role, i, got = 0, ret = 0, r;
	struct pollfd pfd;
	pid_t pid;
	char c;

	if (pipe2(ready, O_CLOEXEC))
		return -errno;
	if (pipe2(go, O_CLOEXEC)) {
		ret = -errno;
		close(ready[0]);
		close(ready[1]);
		return ret;
	}
	memset(shared, 0, sizeof(*shared));
	fflush(stdout);
	fflush(stderr);
	for (role = 0; role < 2; role++) {
		pid = fork();
		if (pid == 0) {
			close(ready[0]);
			close(go[1]);
			duo_ready_fd = ready[1];
			duo_go_fd = go[0];
			duo_child(fn, arg, role);
		}
		if (pid < 0) {
			ret = -errno;
			break;
		}
		children[role] = pid;
	}
	close(ready[1]);
	close(go[0]);
	for (i = 0; i < npfds; i++) {
		if (pfds[i] >= 0)
			close(pfds[i]);
		pfds[i] = -1;
	}
	pfd.fd = ready[0];
	pfd.events = POLLIN;
	while (!ret && got < 2) {
		r = poll(&pfd, 1, BENCH_SETUP_TIMEOUT_MS);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			ret = r ? -errno : -ETIMEDOUT;
			break;
		}
		/* 'E' or end of file: a child failed, it says why below. */
		if (read(ready[0], &c, 1) != 1 || c != 'R') {
			ret = -EIO;
			break;
		}
		got++;
	}
	/* After a failure, kill before releasing: only its error counts. */
	if (ret)
		kill_children();
	*t0 = now_ns();
	close(go[1]);
	r = reap_children(BENCH_RUN_TIMEOUT_S);
	last_csw = shared->csw[0] + shared->csw[1];
	close(ready[0]);
	for (role = 0; role < 2; role++)
		if (shared->err[role])
			return -shared->err[role];
	return ret ? ret : r;
}

static double secs_since(uint64_t t0)
{
	return (double)(shared->t_end - t0) / 1e9;
}

/* ------------------------------------------------ 1. pipe throughput */

/**
 * struct pipe_arg - a pipe throughput run
 * @path: the kipc node or the FIFO; NULL: @fds come from pipe(2)
 * @fds: pipe(2) ends, or -1
 * @wsize: bytes per write (and per read)
 * @n: writes
 */
struct pipe_arg {
	const char *path;
	int fds[2];
	size_t wsize;
	long n;
};

static char fifo_path[48];
static int fifo_slot = -1;

/* Role 0 writes, role 1 reads; the reader stops the clock. */
static int pipe_role(void *data, int role)
{
	struct pipe_arg *a = data;
	size_t left = a->wsize * a->n, len;
	char *buf = malloc(a->wsize);
	int fd, ret;
	ssize_t r;

	if (!buf)
		return -ENOMEM;
	memset(buf, 0x5a, a->wsize);
	if (a->path) {
		fd = open(a->path, (role ? O_RDONLY : O_WRONLY) | O_CLOEXEC);
		if (fd < 0)
			return -errno;
	} else {
		fd = a->fds[role ? 0 : 1];
		close(a->fds[role ? 1 : 0]);
	}
	ret = duo_start();
	while (!ret && left) {
		len = left < a->wsize ? left : a->wsize;
		r = role ? read(fd, buf, len) : write(fd, buf, len);
		if (r > 0)
			left -= r;
		else if (r == 0)
			ret = -EPIPE; /* end of file before all arrived */
		else
			ret = -errno;
	}
	if (!ret && role)
		shared->t_end = now_ns();
	close(fd);
	free(buf);
	return ret;
}

static void pipe_setup(struct bench_group *g)
{
	int fds[2], size = 65536, ret;

	/* Every side gets the capacity of a fresh pipe(2). */
	if (!pipe2(fds, O_CLOEXEC)) {
		size = fcntl(fds[0], F_GETPIPE_SZ);
		close(fds[0]);
		close(fds[1]);
	}
	ret = kpipe_set_size(size);
	if (ret)
		g->side[0].err = -ret;
	snprintf(fifo_path, sizeof(fifo_path), "/tmp/kipc-bench-%d.fifo",
		 (int)getpid());
	if (mkfifo(fifo_path, 0600)) {
		g->side[2].err = errno;
		return;
	}
	fifo_slot = obj_add(OBJ_FIFO, 0, fifo_path);
	if (fifo_slot < 0) {
		unlink(fifo_path);
		g->side[2].err = -fifo_slot;
	}
}

static void pipe_teardown(struct bench_group *g)
{
	(void)g;
	restore_pipe();
	obj_del(fifo_slot);
	fifo_slot = -1;
}

static int pipe_run(struct bench_group *g, struct bench_side *s, long n,
		    double *val, double *secs)
{
	struct pipe_arg a = { .fds = { -1, -1 }, .wsize = g->param, .n = n };
	uint64_t t0;
	int ret;

	if (s->kind == K_KIPC_PIPE)
		a.path = BENCH_DEV "pipe0";
	else if (s->kind == K_FIFO)
		a.path = fifo_path;
	else if (pipe2(a.fds, O_CLOEXEC))
		return -errno;
	ret = duo_run(pipe_role, &a, a.fds, 2, &t0);
	if (ret)
		return ret;
	*secs = secs_since(t0);
	val[0] = (double)n * a.wsize / BENCH_MIB / *secs;
	return 0;
}

/* --------------------------------------------------- 2. message rate */

/* msgsnd(2) framing; kipc's read/write framing is the same on 64-bit. */
struct bench_svmsg {
	long mtype;
	char mtext[BENCH_MSG_SIZE];
};

struct bench_kmsg {
	__s64 mtype;
	char mtext[BENCH_MSG_SIZE];
};

/**
 * struct msg_arg - a message rate run
 * @kind: K_KIPC_MSG, K_KIPC_MSGV, K_SYSV_MSG or K_POSIX_MQ
 * @id: System V queue
 * @mq: POSIX queue
 * @n: messages
 */
struct msg_arg {
	enum bench_kind kind;
	int id;
	mqd_t mq;
	long n;
};

static struct {
	int sv_id;
	int sv_slot;
	mqd_t mq;
	int mq_slot;
} msgw = { .sv_slot = -1, .mq_slot = -1 };

/*
 * K_KIPC_MSGV: up to BENCH_MSG_VEC messages a call, of the same 64 bytes.
 * The first entry of a call waits, as a one-message call would; the call
 * returns how many it moved.
 */
static int msg_vec_role(int fd, int role, long n)
{
	static char text[BENCH_MSG_SIZE];
	struct kipc_msg m[BENCH_MSG_VEC];
	struct kipc_msg_vec v = { .msgs = (uintptr_t)m };
	long i, k;
	int r;

	memset(text, 'm', sizeof(text));
	for (i = 0; i < n; i += r) {
		v.count = n - i < BENCH_MSG_VEC ? n - i : BENCH_MSG_VEC;
		for (k = 0; k < v.count; k++)
			m[k] = (struct kipc_msg){ .mtype = role ? 0 : 1,
						  .text = (uintptr_t)text,
						  .size = BENCH_MSG_SIZE };
		r = ioctl(fd, role ? KIPC_MSG_RECVV : KIPC_MSG_SENDV, &v);
		if (r < 0)
			return -errno;
	}
	return 0;
}

/* Role 0 sends, role 1 receives and stops the clock; all blocking. */
static int msg_role(void *data, int role)
{
	struct bench_svmsg sm = { .mtype = 1 };
	struct bench_kmsg km = { .mtype = 1 };
	struct msg_arg *a = data;
	int fd = -1, ret;
	ssize_t r = 0;
	long i;

	memset(sm.mtext, 'm', sizeof(sm.mtext));
	memset(km.mtext, 'm', sizeof(km.mtext));
	if (a->kind == K_KIPC_MSG || a->kind == K_KIPC_MSGV) {
		fd = node_open("msg0", O_RDWR);
		if (fd < 0)
			return fd;
	}
	ret = duo_start();
	if (!ret && a->kind == K_KIPC_MSGV)
		ret = msg_vec_role(fd, role, a->n);
	for (i = 0; !ret && a->kind != K_KIPC_MSGV && i < a->n; i++) {
		switch (a->kind) {
		case K_KIPC_MSG:
			r = role ? read(fd, &km, sizeof(km)) :
				   write(fd, &km, sizeof(km));
			break;
		case K_SYSV_MSG:
			r = role ? msgrcv(a->id, &sm, BENCH_MSG_SIZE, 0, 0) :
				   msgsnd(a->id, &sm, BENCH_MSG_SIZE, 0);
			break;
		default:
			r = role ? mq_receive(a->mq, sm.mtext, BENCH_MSG_SIZE,
					      NULL) :
				   mq_send(a->mq, sm.mtext, BENCH_MSG_SIZE, 0);
			break;
		}
		if (r < 0)
			ret = -errno;
	}
	if (!ret && role)
		shared->t_end = now_ns();
	if (fd >= 0)
		close(fd);
	return ret;
}

/**
 * msg_queues_new() - msg0 and a new System V queue, of one capacity
 * @qbytes: the capacity of both; 0 for the System V queue's default
 * @kfd: where msg0 stays open, or NULL to close it
 * @sv_id: the System V queue
 * @sv_slot: its slot in objs[]
 * @err: errnos, [0] for msg0 and [1] for the System V queue; 0 if it worked
 *
 * Set-up shared by the message-rate and typed-receive workloads.
 *
 * Return: the capacity given to msg0: @qbytes, else System V's default,
 * else 16384.
 */
static unsigned long msg_queues_new(unsigned long qbytes, int *kfd, int *sv_id,
				    int *sv_slot, int err[2])
{
	struct msqid_ds ds;
	int fd, ret;

	err[0] = 0;
	err[1] = 0;
	ret = sysv_msg_new(sv_slot);
	if (ret < 0) {
		err[1] = -ret;
	} else {
		*sv_id = ret;
		if (msgctl(*sv_id, IPC_STAT, &ds)) {
			if (qbytes)
				err[1] = errno;
		} else if (!qbytes) {
			qbytes = ds.msg_qbytes;
		} else {
			ds.msg_qbytes = qbytes;
			if (msgctl(*sv_id, IPC_SET, &ds))
				err[1] = errno;
		}
	}
	if (!qbytes)
		qbytes = 16384;
	fd = kmsg_open();
	ret = fd < 0 ? fd : kmsg_set_qbytes(fd, qbytes);
	if (ret)
		err[0] = -ret;
	if (kfd)
		*kfd = fd;
	else if (fd >= 0)
		close(fd);
	return qbytes;
}

static void msg_setup(struct bench_group *g)
{
	unsigned long qbytes;
	int err[2], ret;

	/* System V's default capacity is the one every side gets. */
	qbytes = msg_queues_new(0, NULL, &msgw.sv_id, &msgw.sv_slot, err);
	g->side[0].err = err[0];
	g->side[1].err = err[1];
	if (g->nsides < 3)
		return;
	ret = posix_mq_new(qbytes / BENCH_MSG_SIZE, &msgw.mq, &msgw.mq_slot);
	if (ret)
		g->side[2].err = -ret;
}

static void msg_teardown(struct bench_group *g)
{
	(void)g;
	if (msgw.mq_slot >= 0)
		mq_close(msgw.mq);
	obj_del(msgw.mq_slot);
	obj_del(msgw.sv_slot);
	msgw.mq_slot = -1;
	msgw.sv_slot = -1;
	restore_msg();
}

static int msg_run(struct bench_group *g, struct bench_side *s, long n,
		   double *val, double *secs)
{
	struct msg_arg a = {
		.kind = s->kind, .id = msgw.sv_id, .mq = msgw.mq, .n = n
	};
	uint64_t t0;
	int ret;

	(void)g;
	ret = duo_run(msg_role, &a, NULL, 0, &t0);
	if (ret)
		return ret;
	*secs = secs_since(t0);
	val[0] = n / *secs;
	return 0;
}

/* ------------------------------------------ 3. typed receive, backlog */

/*
 * Both queues keep their backlog from one group to the next: each group
 * tops it up with messages of type 2, then one message of type 1 goes at
 * the tail. A run receives that message by type and sends it back, so the
 * queue never changes and System V scans the whole backlog every time.
 */
static struct {
	bool init;
	long max;
	int kfd;
	int sv_id;
	int sv_slot;
	int err[2];
	long count[2];
} typed = { .kfd = -1, .sv_slot = -1 };

static int typed_send(enum bench_kind kind, long type)
{
	static struct bench_svmsg sm;
	struct kipc_msg m = {
		.mtype = type,
		.text = (uintptr_t)sm.mtext,
		.size = BENCH_MSG_SIZE,
		.flags = KIPC_NOWAIT,
	};

	if (kind == K_KIPC_MSG)
		return ioctl(typed.kfd, KIPC_MSG_SEND, &m) ? -errno : 0;
	sm.mtype = type;
	return msgsnd(typed.sv_id, &sm, BENCH_MSG_SIZE, IPC_NOWAIT) ? -errno :
								      0;
}

static int typed_recv(enum bench_kind kind, long type)
{
	static struct bench_svmsg sm;
	struct kipc_msg m = {
		.mtype = type,
		.text = (uintptr_t)sm.mtext,
		.size = BENCH_MSG_SIZE,
		.flags = KIPC_NOWAIT,
	};

	if (kind == K_KIPC_MSG)
		return ioctl(typed.kfd, KIPC_MSG_RECV, &m) ? -errno : 0;
	return msgrcv(typed.sv_id, &sm, BENCH_MSG_SIZE, type, IPC_NOWAIT) < 0 ?
		       -errno :
		       0;
}

static int typed_fill(enum bench_kind kind, long *count, long backlog)
{
	int ret = typed_recv(kind, 1);

	if (ret && ret != -ENOMSG)
		return ret;
	for (; *count < backlog; (*count)++) {
		ret = typed_send(kind, 2);
		if (ret)
			return ret;
	}
	return typed_send(kind, 1);
}

static void typed_init(void)
{
	typed.init = true;
	msg_queues_new((typed.max + 2) * BENCH_MSG_SIZE, &typed.kfd,
		       &typed.sv_id, &typed.sv_slot, typed.err);
}

static void typed_setup(struct bench_group *g)
{
	int i, ret;

	if (!typed.init)
		typed_init();
	for (i = 0; i < 2; i++) {
		if (!typed.err[i]) {
			ret = typed_fill(g->side[i].kind, &typed.count[i],
					 g->param);
			if (ret)
				typed.err[i] = -ret;
		}
		g->side[i].err = typed.err[i];
	}
}

static void typed_teardown(struct bench_group *g)
{
	int i;

	for (i = 0; i < 2; i++)
		if (g->side[i].err)
			typed.err[i] = g->side[i].err;
	if (!g->last)
		return;
	if (typed.kfd >= 0)
		close(typed.kfd);
	restore_msg();
	obj_del(typed.sv_slot);
	memset(&typed, 0, sizeof(typed));
	typed.kfd = -1;
	typed.sv_slot = -1;
}

static int typed_run(struct bench_group *g, struct bench_side *s, long n,
		     double *val, double *secs)
{
	uint64_t t0 = now_ns();
	int ret;
	long i;

	(void)g;
	for (i = 0; i < n; i++) {
		ret = typed_recv(s->kind, 1);
		if (!ret)
			ret = typed_send(s->kind, 1);
		if (ret)
			return ret;
	}
	*secs = (double)(now_ns() - t0) / 1e9;
	val[0] = n / *secs;
	return 0;
}

/* --------------------------------------------- 4. semaphore ping-pong */

/**
 * struct sem_arg - a ping-pong run on two semaphores, both starting at 0
 * @kind: the mechanism
 * @id: System V set of two
 * @psem: two POSIX semaphores in shared memory
 * @efd: two eventfd(EFD_SEMAPHORE)
 * @n: round trips
 */
struct sem_arg {
	enum bench_kind kind;
	int id;
	sem_t *psem;
	int efd[2];
	long n;
};

static struct {
	int sv_id;
	int sv_slot;
	sem_t *psem;
} semw = { .sv_slot = -1 };

static int sem_op(const struct sem_arg *a, const int *kfd, int i, bool up)
{
	struct kipc_sem_op op = { .count = 1 };
	struct sembuf sb = { .sem_num = i, .sem_op = up ? 1 : -1 };
	uint64_t one = 1;
	ssize_t r;

	switch (a->kind) {
	case K_KIPC_SEM:
		return ioctl(kfd[i], up ? KIPC_SEM_V : KIPC_SEM_P, &op) ?
			       -errno :
			       0;
	case K_SYSV_SEM:
		return semop(a->id, &sb, 1) ? -errno : 0;
	case K_POSIX_SEM:
		return (up ? sem_post(&a->psem[i]) : sem_wait(&a->psem[i])) ?
			       -errno :
			       0;
	default:
		r = up ? write(a->efd[i], &one, 8) : read(a->efd[i], &one, 8);
		return r == 8 ? 0 : r < 0 ? -errno : -EIO;
	}
}

/* Role 0: V(0) P(1), and stops the clock. Role 1: P(0) V(1). */
static int sem_role(void *data, int role)
{
	struct sem_arg *a = data;
	int kfd[2] = { -1, -1 }, ret = 0, i;
	long k;

	if (a->kind == K_KIPC_SEM) {
		for (i = 0; i < 2 && !ret; i++) {
			char name[8];

			snprintf(name, sizeof(name), "sem%d", i);
			kfd[i] = node_open(name, O_RDWR);
			if (kfd[i] < 0)
				ret = kfd[i];
		}
	}
	if (!ret)
		ret = duo_start();
	for (k = 0; !ret && k < a->n; k++) {
		ret = sem_op(a, kfd, 0, !role);
		if (!ret)
			ret = sem_op(a, kfd, 1, role);
	}
	if (!ret && !role)
		shared->t_end = now_ns();
	for (i = 0; i < 2; i++)
		if (kfd[i] >= 0)
			close(kfd[i]);
	return ret;
}

static void sem_setup(struct bench_group *g)
{
	int i, fd, ret;

	for (i = 0; i < 2; i++) {
		fd = ksem_open(i);
		if (fd < 0) {
			g->side[0].err = -fd;
			break;
		}
		close(fd);
	}
	ret = semget(IPC_PRIVATE, 2, IPC_CREAT | 0600);
	if (ret < 0) {
		g->side[1].err = errno;
	} else {
		semw.sv_id = ret;
		semw.sv_slot = obj_add(OBJ_SEM, ret, NULL);
		if (semw.sv_slot < 0) {
			semctl(ret, 0, IPC_RMID);
			g->side[1].err = -semw.sv_slot;
		}
	}
	semw.psem = mmap(NULL, 2 * sizeof(sem_t), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (semw.psem == MAP_FAILED) {
		semw.psem = NULL;
		g->side[2].err = errno;
	}
}

static void sem_teardown(struct bench_group *g)
{
	(void)g;
	restore_sem();
	obj_del(semw.sv_slot);
	semw.sv_slot = -1;
	if (semw.psem)
		munmap(semw.psem, 2 * sizeof(sem_t));
	semw.psem = NULL;
}

/* Both semaphores to 0, whatever a failed run left. */
static int sem_reset(struct sem_arg *a)
{
	unsigned short zero[2] = { 0, 0 };
	int i, fd;

	switch (a->kind) {
	case K_KIPC_SEM:
		for (i = 0; i < 2; i++) {
			fd = ksem_open(i);
			if (fd < 0)
				return fd;
			close(fd);
		}
		return 0;
	case K_SYSV_SEM:
		return semctl(a->id, 0, SETALL, zero) ? -errno : 0;
	case K_POSIX_SEM:
		for (i = 0; i < 2; i++)
			if (sem_init(&a->psem[i], 1, 0))
				return -errno;
		return 0;
	default:
		for (i = 0; i < 2; i++) {
			a->efd[i] = eventfd(0, EFD_SEMAPHORE | EFD_CLOEXEC);
			if (a->efd[i] < 0)
				return -errno;
		}
		return 0;
	}
}

static int sem_run(struct bench_group *g, struct bench_side *s, long n,
		   double *val, double *secs)
{
	struct sem_arg a = { .kind = s->kind,
			     .id = semw.sv_id,
			     .psem = semw.psem,
			     .efd = { -1, -1 },
			     .n = n };
	uint64_t t0;
	int ret, i;

	(void)g;
	ret = sem_reset(&a);
	if (!ret)
		ret = duo_run(sem_role, &a, a.efd, 2, &t0);
	for (i = 0; i < 2; i++)
		if (a.efd[i] >= 0)
			close(a.efd[i]);
	if (ret)
		return ret;
	*secs = secs_since(t0);
	val[0] = *secs / n * 1e6;
	return 0;
}

/* ---------------------------------------------------- 5. shared memory */

static uint64_t shm_sum(const uint64_t *p, size_t len)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < len / sizeof(*p); i++)
		sum += p[i];
	return sum;
}

/*
 * One fresh, unpopulated segment of @size: kipc's is shrunk to a page and
 * grown back (and shrunk again at the end), System V's and the memfd are
 * new. Timed, and added to @t in ns: map and write one byte per page
 * (first touch), then @n passes of memset, then @n passes of reading every
 * word; the sum checks what was read.
 */
static int shm_once(enum bench_kind kind, size_t size, long n, uint64_t t[3])
{
	uint64_t t0, t1, t2, t3, sum = 0, want;
	__u64 sz = page_size;
	int fd = -1, id = -1, slot = -1, ret = 0;
	char *p = MAP_FAILED;
	long pass;
	size_t i;

	switch (kind) {
	case K_KIPC_SHM:
		fd = kshm_open();
		if (fd < 0)
			return fd;
		if (ioctl(fd, KIPC_SHM_SET_SIZE, &sz))
			goto fail;
		sz = size;
		if (ioctl(fd, KIPC_SHM_SET_SIZE, &sz))
			goto fail;
		break;
	case K_SYSV_SHM:
		id = shmget(IPC_PRIVATE, size, IPC_CREAT | 0600);
		if (id < 0)
			return -errno;
		slot = obj_add(OBJ_SHM, id, NULL);
		if (slot < 0) {
			shmctl(id, IPC_RMID, NULL);
			return slot;
		}
		break;
	default:
		fd = memfd_create("kipc-bench", MFD_CLOEXEC);
		if (fd < 0 || ftruncate(fd, size))
			goto fail;
		break;
	}

	t0 = now_ns();
	if (kind == K_SYSV_SHM) {
		p = shmat(id, NULL, 0);
		if (p == (void *)-1)
			p = MAP_FAILED;
	} else {
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	}
	if (p == MAP_FAILED)
		goto fail;
	for (i = 0; i < size; i += page_size)
		p[i] = 1;
	t1 = now_ns();
	for (pass = 0; pass < n; pass++)
		memset(p, (int)(pass & 0x7f) + 1, size);
	t2 = now_ns();
	for (pass = 0; pass < n; pass++)
		sum += shm_sum((const uint64_t *)p, size);
	t3 = now_ns();

	want = (size / 8) * (0x0101010101010101ULL * (((n - 1) & 0x7f) + 1));
	if (sum != want * n)
		ret = -EIO;
	t[0] += t1 - t0;
	t[1] += t2 - t1;
	t[2] += t3 - t2;
	goto out;
fail:
	ret = -errno;
out:
	if (p != MAP_FAILED) {
		if (kind == K_SYSV_SHM)
			shmdt(p);
		else
			munmap(p, size);
	}
	/* Free the pages now, as the other sides do: see shm_run(). */
	sz = page_size;
	if (kind == K_KIPC_SHM && fd >= 0)
		ioctl(fd, KIPC_SHM_SET_SIZE, &sz);
	if (fd >= 0)
		close(fd);
	obj_del(slot);
	return ret;
}

/*
 * A run is two segments, one after the other, each freed before the next
 * is made. How fast a segment reads depends on the physical order of its
 * pages (under TCG 4,300-5,300 MiB/s ascending, 2,300-3,900 descending), and
 * the page allocator hands freed pages back in reverse, so that order
 * flips from one segment to the next whatever the mechanism. Two per run
 * see one of each, and every side, kipc's too, frees its segment at the
 * same point of its run.
 */
static int shm_run(struct bench_group *g, struct bench_side *s, long n,
		   double *val, double *secs)
{
	size_t size = g->param;
	uint64_t t[3] = { 0 };
	int k, ret;

	for (k = 0; k < 2; k++) {
		ret = shm_once(s->kind, size, n, t);
		if (ret)
			return ret;
	}
	val[0] = 2.0 * n * size / BENCH_MIB / ((double)t[1] / 1e9);
	val[1] = 2.0 * n * size / BENCH_MIB / ((double)t[2] / 1e9);
	val[2] = (double)t[0] / (2 * (size / page_size));
	*secs = (double)(t[1] + t[2]) / 1e9;
	return 0;
}

static void shm_teardown(struct bench_group *g)
{
	(void)g;
	restore_shm();
}

/* ------------------------------------------ 6. signal-on-arrival latency */

/**
 * struct notify_arg - a latency run: send, then sigwaitinfo() returns
 * @kind: K_KIPC_PIPE, K_PIPE (F_SETSIG), K_KIPC_MSG or K_POSIX_MQ
 * @fds: pipe(2) ends, or -1
 * @mq: POSIX queue
 * @tok: the receiver writes a byte here once armed for the next message
 * @n: messages
 */
struct notify_arg {
	enum bench_kind kind;
	int fds[2];
	mqd_t mq;
	int tok[2];
	long n;
};

static struct {
	mqd_t mq;
	int mq_slot;
} notifyw = { .mq_slot = -1 };

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Registers for the signal; mq_notify() is one-shot, so it is per message. */
static int notify_arm(struct notify_arg *a, int *fd)
{
	struct kipc_notify kn = { .signo = SIGRTMIN };

	switch (a->kind) {
	case K_KIPC_PIPE:
	case K_KIPC_MSG:
		*fd = node_open(a->kind == K_KIPC_PIPE ? "pipe0" : "msg0",
				a->kind == K_KIPC_PIPE ? O_RDONLY | O_NONBLOCK :
							 O_RDWR);
		if (*fd < 0)
			return *fd;
		return ioctl(*fd, KIPC_NOTIFY, &kn) ? -errno : 0;
	case K_PIPE:
		*fd = a->fds[0];
		close(a->fds[1]);
		if (fcntl(*fd, F_SETOWN, getpid()) ||
		    fcntl(*fd, F_SETSIG, SIGRTMIN) ||
		    fcntl(*fd, F_SETFL, O_ASYNC | O_NONBLOCK))
			return -errno;
		return 0;
	default:
		return 0;
	}
}

static int notify_receiver(struct notify_arg *a)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL,
				.sigev_signo = SIGRTMIN };
	struct bench_kmsg km;
	uint64_t ts, t1, *lat;
	int fd = -1, ret;
	sigset_t set;
	ssize_t r;
	char c = 't';
	long i;

	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN);
	sigprocmask(SIG_BLOCK, &set, NULL);
	close(a->tok[0]);
	lat = calloc(a->n, sizeof(*lat));
	if (!lat)
		return -ENOMEM;
	ret = notify_arm(a, &fd);
	if (!ret)
		ret = duo_start();
	for (i = 0; !ret && i < a->n; i++) {
		if (a->kind == K_POSIX_MQ && mq_notify(a->mq, &sev)) {
			ret = -errno;
			break;
		}
		if (write(a->tok[1], &c, 1) != 1 ||
		    sigwaitinfo(&set, NULL) < 0) {
			ret = -errno;
			break;
		}
		t1 = now_ns();
		if (a->kind == K_POSIX_MQ) {
			r = mq_receive(a->mq, km.mtext, BENCH_MSG_SIZE, NULL);
		} else if (a->kind == K_KIPC_MSG) {
			r = read(fd, &km, sizeof(km));
			r = r < 0 ? r : r - 8;
		} else {
			r = read(fd, km.mtext, sizeof(ts));
		}
		if (r != sizeof(ts)) {
			ret = r < 0 ? -errno : -EIO;
			break;
		}
		memcpy(&ts, km.mtext, sizeof(ts));
		lat[i] = t1 - ts;
	}
	if (!ret) {
		shared->t_end = now_ns();
		qsort(lat, a->n, sizeof(*lat), cmp_u64);
		shared->value = (double)lat[a->n / 2];
	}
	if (fd >= 0)
		close(fd);
	free(lat);
	return ret;
}

static int notify_sender(struct notify_arg *a)
{
	struct bench_kmsg km = { .mtype = 1 };
	int fd = -1, ret = 0;
	uint64_t ts;
	ssize_t r;
	char c;
	long i;

	close(a->tok[1]);
	if (a->kind == K_KIPC_PIPE) {
		/* Opens once the receiver has (FIFO rules). */
		fd = node_open("pipe0", O_WRONLY);
	} else if (a->kind == K_KIPC_MSG) {
		fd = node_open("msg0", O_RDWR);
	} else if (a->kind == K_PIPE) {
		fd = a->fds[1];
		close(a->fds[0]);
	}
	if (fd < 0 && a->kind != K_POSIX_MQ)
		return fd;
	ret = duo_start();
	for (i = 0; !ret && i < a->n; i++) {
		r = read(a->tok[0], &c, 1);
		if (r != 1) {
			ret = r < 0 ? -errno : -EPIPE;
			break;
		}
		ts = now_ns();
		memcpy(km.mtext, &ts, sizeof(ts));
		if (a->kind == K_POSIX_MQ)
			r = mq_send(a->mq, km.mtext, sizeof(ts), 0);
		else if (a->kind == K_KIPC_MSG)
			r = write(fd, &km, 8 + sizeof(ts));
		else
			r = write(fd, &ts, sizeof(ts));
		if (r < 0)
			ret = -errno;
	}
	if (fd >= 0)
		close(fd);
	return ret;
}

static int notify_role(void *data, int role)
{
	return role ? notify_receiver(data) : notify_sender(data);
}

static void notify_setup(struct bench_group *g)
{
	int fd, ret;

	if (g->side[0].kind != K_KIPC_MSG)
		return;
	fd = kmsg_open();
	if (fd < 0)
		g->side[0].err = -fd;
	else
		close(fd);
	ret = posix_mq_new(10, &notifyw.mq, &notifyw.mq_slot);
	if (ret)
		g->side[1].err = -ret;
}

static void notify_teardown(struct bench_group *g)
{
	(void)g;
	if (notifyw.mq_slot >= 0)
		mq_close(notifyw.mq);
	obj_del(notifyw.mq_slot);
	notifyw.mq_slot = -1;
	restore_msg();
}

static int notify_run(struct bench_group *g, struct bench_side *s, long n,
		      double *val, double *secs)
{
	struct notify_arg a = {
		.kind = s->kind, .fds = { -1, -1 }, .mq = notifyw.mq, .n = n
	};
	int pfds[4], ret;
	uint64_t t0;

	(void)g;
	if (pipe2(a.tok, O_CLOEXEC))
		return -errno;
	if (s->kind == K_PIPE && pipe2(a.fds, O_CLOEXEC)) {
		ret = -errno;
		close(a.tok[0]);
		close(a.tok[1]);
		return ret;
	}
	memcpy(pfds, a.tok, sizeof(a.tok));
	memcpy(pfds + 2, a.fds, sizeof(a.fds));
	ret = duo_run(notify_role, &a, pfds, 4, &t0);
	if (ret)
		return ret;
	*secs = secs_since(t0);
	val[0] = shared->value / 1e3;
	return 0;
}

/* ------------------------------------------------------------ groups */

static const struct bench_metric m_pipe[] = { { NULL, "MiB/s", false } };
static const struct bench_metric m_msg[] = { { NULL, "msg/s", false } };
static const struct bench_metric m_typed[] = { { NULL, "rx/s", false } };
static const struct bench_metric m_time[] = { { NULL, "us", true } };
static const struct bench_metric m_shm[] = {
	{ "write", "MiB/s", false },
	{ "read", "MiB/s", false },
	{ "1st touch", "ns/page", true },
};

static struct bench_group *group_add(unsigned int workload, bench_run_fn run,
				     const struct bench_metric *metric,
				     int nmetrics, long param, long n_first)
{
	struct bench_group *g = &groups[ngroups++];

	g->workload = workload;
	g->run = run;
	g->metric = metric;
	g->nmetrics = nmetrics;
	g->param = param;
	g->n_first = n_first;
	g->n_max = 1L << 30;
	return g;
}

static struct bench_side *side_add(struct bench_group *g, const char *name,
				   enum bench_kind kind, double target)
{
	struct bench_side *s = &g->side[g->nsides++];

	s->name = name;
	s->kind = kind;
	s->target[0] = target;
	return s;
}

static void groups_init(void)
{
	static const long backlogs[] = { 1000, 10000, 100000 };
	size_t shm_size = opt.quick ? 4UL << 20 : 64UL << 20;
	long q = opt.quick ? 100 : 1;
	struct bench_group *g;
	struct bench_side *s;
	size_t i;

	for (i = 0; i < 2; i++) {
		size_t wsize = i ? 65536 : 4096;
		double target = i ? 1.0 : 0;

		g = group_add(W_PIPE, pipe_run, m_pipe, 1, wsize,
			      opt.quick ? 16 : (4L << 20) / wsize);
		snprintf(g->label, sizeof(g->label), "pipe0 %zu KiB writes",
			 wsize >> 10);
		g->setup = pipe_setup;
		g->teardown = pipe_teardown;
		side_add(g, "kipc pipe0", K_KIPC_PIPE, 0);
		side_add(g, "pipe(2)", K_PIPE, target);
		side_add(g, "FIFO", K_FIFO, target);
	}

	g = group_add(W_MSG, msg_run, m_msg, 1, 0, opt.quick ? 100 : 1000);
	snprintf(g->label, sizeof(g->label), "msg0 %d B messages",
		 BENCH_MSG_SIZE);
	g->setup = msg_setup;
	g->teardown = msg_teardown;
	side_add(g, "kipc msg0", K_KIPC_MSG, 0);
	side_add(g, "SysV msgsnd", K_SYSV_MSG, 1.2);
	side_add(g, "POSIX mq_send", K_POSIX_MQ, 0);

	/* System V has no vector: the same one-per-call msgsnd/msgrcv. */
	g = group_add(W_MSG, msg_run, m_msg, 1, 0, opt.quick ? 100 : 1000);
	snprintf(g->label, sizeof(g->label), "msg0 %d B, %d per call",
		 BENCH_MSG_SIZE, BENCH_MSG_VEC);
	g->setup = msg_setup;
	g->teardown = msg_teardown;
	side_add(g, "kipc msg0 vector", K_KIPC_MSGV, 0);
	side_add(g, "SysV msgsnd", K_SYSV_MSG, 1.2);

	typed.max = backlogs[2] / q;
	for (i = 0; i < 3; i++) {
		g = group_add(W_TYPED, typed_run, m_typed, 1, backlogs[i] / q,
			      opt.quick ? 10 : 4);
		snprintf(g->label, sizeof(g->label), "msg0 typed, %ld queued",
			 g->param);
		g->setup = typed_setup;
		g->teardown = typed_teardown;
		g->last = i == 2;
		side_add(g, "kipc msg0", K_KIPC_MSG, 0);
		side_add(g, "SysV msgrcv", K_SYSV_MSG,
			 i == 2 && !opt.quick ? 50 : 0);
	}

	g = group_add(W_SEM, sem_run, m_time, 1, 0, opt.quick ? 50 : 200);
	snprintf(g->label, sizeof(g->label), "sem0/1 round trip");
	g->setup = sem_setup;
	g->teardown = sem_teardown;
	side_add(g, "kipc sem0/1", K_KIPC_SEM, 0);
	side_add(g, "SysV semop", K_SYSV_SEM, 1.0);
	side_add(g, "POSIX sem_t", K_POSIX_SEM, 0);
	side_add(g, "eventfd sem", K_EVENTFD, 0);

	g = group_add(W_SHM, shm_run, m_shm, 3, shm_size, 1);
	snprintf(g->label, sizeof(g->label), "shm0 %zu MiB", shm_size >> 20);
	g->n_max = 64;
	g->teardown = shm_teardown;
	side_add(g, "kipc shm0", K_KIPC_SHM, 0);
	s = side_add(g, "SysV shm", K_SYSV_SHM, 0.95);
	s->target[1] = 0.95;
	side_add(g, "memfd", K_MEMFD, 0);

	for (i = 0; i < 2; i++) {
		g = group_add(W_NOTIFY, notify_run, m_time, 1, 0,
			      opt.quick ? 10 : 50);
		snprintf(g->label, sizeof(g->label), "%s notify latency",
			 i ? "pipe0" : "msg0");
		g->setup = notify_setup;
		g->teardown = notify_teardown;
		g->n_max = 1L << 20;
		if (i) {
			side_add(g, "kipc pipe0", K_KIPC_PIPE, 0);
			side_add(g, "F_SETSIG pipe(2)", K_PIPE, 0);
		} else {
			side_add(g, "kipc msg0", K_KIPC_MSG, 0);
			side_add(g, "mq_notify", K_POSIX_MQ, 0);
		}
	}
}

/* ----------------------------------------------------------- running */

/*
 * Warm-up, discarded: grows the count until a run lasts a quarter of
 * --time, then scales it to --time. In --quick, one run of n_first.
 */
static int calibrate(struct bench_group *g, struct bench_side *s)
{
	double val[BENCH_METRICS_MAX], secs = 0, f;
	long n = g->n_first;
	int i, ret;

	for (i = 0; i < 10; i++) {
		ret = g->run(g, s, n, val, &secs);
		if (ret)
			return ret;
		if (opt.quick || secs >= opt.time / 4 || n >= g->n_max)
			break;
		f = secs > 0 ? opt.time / secs : 16;
		n = f > 16 ? n * 16 : (long)(n * f) + 1;
		if (n > g->n_max)
			n = g->n_max;
	}
	if (!opt.quick && secs > 0) {
		f = n * opt.time / secs;
		n = f < 1 ? 1 : f > g->n_max ? g->n_max : (long)f;
	}
	s->n = n;
	return 0;
}

static void group_run(struct bench_group *g)
{
	double val[BENCH_METRICS_MAX], secs;
	struct bench_side *s;
	int i, j, r, m, ret;

	if (g->setup)
		g->setup(g);
	for (i = 0; i < g->nsides; i++) {
		s = &g->side[i];
		if (!s->err) {
			ret = calibrate(g, s);
			if (ret)
				s->err = -ret;
		}
	}
	/*
	 * Run r starts with side r mod nsides (A B C, B C A, C A B, ...): a
	 * side's place in the turn is then no bias. It was one: a 64 MiB
	 * segment read up to 40% faster or slower by place alone, System V
	 * and memfd (both shmem) alike, by the order of the pages the side
	 * before had just freed (see shm_run()).
	 */
	for (r = 0; r < opt.reps; r++) {
		for (j = 0; j < g->nsides; j++) {
			i = (r + j) % g->nsides;
			s = &g->side[i];
			if (s->err)
				continue;
			last_csw = 0;
			ret = g->run(g, s, s->n, val, &secs);
			s->csw = (double)last_csw / s->n;
			if (ret) {
				s->err = -ret;
				continue;
			}
			for (m = 0; m < g->nmetrics; m++)
				s->val[m][s->runs] = val[m];
			s->runs++;
		}
	}
	if (g->teardown)
		g->teardown(g);
}

/* ----------------------------------------------------------- results */

/**
 * struct bench_stat - one side's figure over its runs
 * @med: median
 * @min: smallest
 * @max: largest
 */
struct bench_stat {
	double med;
	double min;
	double max;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static bool side_stat(const struct bench_side *s, int m, struct bench_stat *st)
{
	double v[BENCH_REPS_MAX];
	int n = s->runs;

	if (s->err || !n)
		return false;
	memcpy(v, s->val[m], n * sizeof(v[0]));
	qsort(v, n, sizeof(v[0]), cmp_double);
	st->min = v[0];
	st->max = v[n - 1];
	st->med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	return true;
}

/**
 * struct bench_row - one kipc/kernel pair at one figure
 * @g: the group
 * @m: the figure
 * @k: the kernel side
 * @ok: both sides have results
 * @kipc: kipc's figure
 * @kern: the kernel's figure
 * @ratio: of the medians, > 1 when kipc is faster
 * @rlo: worst ratio the extremes allow
 * @rhi: best ratio the extremes allow
 */
struct bench_row {
	const struct bench_group *g;
	int m;
	const struct bench_side *k;
	bool ok;
	struct bench_stat kipc;
	struct bench_stat kern;
	double ratio;
	double rlo;
	double rhi;
};

static void row_of(const struct bench_group *g, int k, int m,
		   struct bench_row *row)
{
	const struct bench_stat *a = &row->kipc, *b = &row->kern;
	bool ka = side_stat(&g->side[0], m, &row->kipc);
	bool kb = side_stat(&g->side[k], m, &row->kern);

	row->g = g;
	row->m = m;
	row->k = &g->side[k];
	row->ok = ka && kb && a->med > 0 && b->med > 0 && a->min > 0 &&
		  b->min > 0;
	if (!row->ok)
		return;
	if (g->metric[m].time) {
		row->ratio = b->med / a->med;
		row->rlo = b->min / a->max;
		row->rhi = b->max / a->min;
	} else {
		row->ratio = a->med / b->med;
		row->rlo = a->min / b->max;
		row->rhi = a->max / b->min;
	}
}

static void row_label(const struct bench_row *row, char *buf, size_t len)
{
	const char *ml = row->g->metric[row->m].label;

	snprintf(buf, len, "%s%s%s", row->g->label, ml ? " " : "",
		 ml ? ml : "");
}

static void fmt_num(char *buf, size_t len, double v)
{
	if (v >= 100)
		snprintf(buf, len, "%.0f", v);
	else if (v >= 10)
		snprintf(buf, len, "%.1f", v);
	else if (v >= 1)
		snprintf(buf, len, "%.2f", v);
	else
		snprintf(buf, len, "%.3f", v);
}

static void fmt_figure(char *buf, size_t len, const struct bench_side *s,
		       const struct bench_stat *st)
{
	char med[24], lo[24], hi[24];

	if (s->err) {
		snprintf(buf, len, "n/a (%s)", err_name(s->err));
		return;
	}
	if (!s->runs) {
		snprintf(buf, len, "n/a");
		return;
	}
	fmt_num(med, sizeof(med), st->med);
	fmt_num(lo, sizeof(lo), st->min);
	fmt_num(hi, sizeof(hi), st->max);
	snprintf(buf, len, "%s [%s-%s]", med, lo, hi);
}

static void print_header(void)
{
	struct utsname u;

	if (uname(&u))
		snprintf(u.release, sizeof(u.release), "?");
	printf("kipc bench: kernel %s, %ld CPUs%s\n", u.release,
	       sysconf(_SC_NPROCESSORS_ONLN), opt.quick ? ", --quick" : "");
	printf("each side: a warm-up, then %d timed run%s, sides alternated\n",
	       opt.reps, opt.reps == 1 ? "" : "s");
	printf("figures: median [min-max] of the runs, CLOCK_MONOTONIC\n");
	printf("ratio > 1: kipc is faster; kipc/kernel for rates,\n");
	printf("kernel/kipc for times (us, ns/page)\n\n");
	printf("%-24s %-16s %-7s %-22s %-22s %6s  %s\n", "workload",
	       "kernel side", "unit", "kipc", "kernel", "ratio", "target");
	fflush(stdout);
}

static void print_row(const struct bench_row *row)
{
	char label[64], a[80], b[80], ratio[24] = "n/a", target[32] = "";
	double t = row->k->target[row->m];

	row_label(row, label, sizeof(label));
	fmt_figure(a, sizeof(a), &row->g->side[0], &row->kipc);
	fmt_figure(b, sizeof(b), row->k, &row->kern);
	if (row->ok)
		fmt_num(ratio, sizeof(ratio), row->ratio);
	if (t > 0)
		snprintf(target, sizeof(target), ">= %.*f %s",
			 t == (int)t ? 1 : 2, t,
			 !row->ok	 ? "n/a" :
			 row->ratio >= t ? "met" :
					   "MISSED");
	printf("%-24s %-16s %-7s %-22s %-22s %6s  %s\n", label, row->k->name,
	       row->g->metric[row->m].unit, a, b, ratio, target);
}

static void print_group(const struct bench_group *g)
{
	struct bench_row row;
	int k, m;

	for (m = 0; m < g->nmetrics; m++) {
		for (k = 1; k < g->nsides; k++) {
			row_of(g, k, m, &row);
			print_row(&row);
		}
	}
	for (k = 0; opt.verbose && k < g->nsides; k++)
		printf("    %s: %ld iterations per run, %.2f context switches per iteration\n",
		       g->side[k].name, g->side[k].n, g->side[k].csw);
	fflush(stdout);
}

static void json_side(FILE *f, const struct bench_side *s, int m,
		      const struct bench_stat *st)
{
	int r;

	if (s->err || !s->runs) {
		fprintf(f, "{\"error\": \"%s\"}",
			s->err ? err_name(s->err) : "no runs");
		return;
	}
	fprintf(f,
		"{\"median\": %.6g, \"min\": %.6g, \"max\": %.6g, \"iterations\": %ld, \"switches_per_iteration\": %.3g, \"runs\": [",
		st->med, st->min, st->max, s->n, s->csw);
	for (r = 0; r < s->runs; r++)
		fprintf(f, "%s%.6g", r ? ", " : "", s->val[m][r]);
	fprintf(f, "]}");
}

#define BENCH_ROWS_MAX 64

/* Every row of the workloads run, in table order. */
static int rows_collect(struct bench_row *rows)
{
	const struct bench_group *g;
	int i, k, m, n = 0;

	for (i = 0; i < ngroups; i++) {
		g = &groups[i];
		if (!(g->workload & opt.only))
			continue;
		for (m = 0; m < g->nmetrics; m++)
			for (k = 1; k < g->nsides && n < BENCH_ROWS_MAX; k++)
				row_of(g, k, m, &rows[n++]);
	}
	return n;
}

static const char *row_target_met(const struct bench_row *row)
{
	double t = row->k->target[row->m];

	if (!row->ok)
		return "null";
	return row->ratio >= t ? "true" : "false";
}

static void print_json(FILE *f)
{
	struct bench_row rows[BENCH_ROWS_MAX], *row;
	const struct bench_metric *mt;
	struct utsname u;
	char label[64];
	int i, n;
	double t;

	if (uname(&u))
		snprintf(u.release, sizeof(u.release), "?");
	fprintf(f, "{\n  \"kernel\": \"%s\",\n  \"cpus\": %ld,\n", u.release,
		sysconf(_SC_NPROCESSORS_ONLN));
	fprintf(f, "  \"clock\": \"CLOCK_MONOTONIC\",\n  \"reps\": %d,\n",
		opt.reps);
	fprintf(f, "  \"run_seconds\": %g,\n  \"quick\": %s,\n  \"rows\": [",
		opt.time, opt.quick ? "true" : "false");
	n = rows_collect(rows);
	for (i = 0; i < n; i++) {
		row = &rows[i];
		mt = &row->g->metric[row->m];
		row_label(row, label, sizeof(label));
		fprintf(f, "%s\n    {\"workload\": \"%s\", ", i ? "," : "",
			label);
		fprintf(f, "\"kipc_side\": \"%s\", \"kernel_side\": \"%s\",\n",
			row->g->side[0].name, row->k->name);
		fprintf(f, "     \"unit\": \"%s\", \"lower_is_better\": %s,\n",
			mt->unit, mt->time ? "true" : "false");
		fprintf(f, "     \"kipc\": ");
		json_side(f, &row->g->side[0], row->m, &row->kipc);
		fprintf(f, ",\n     \"kernel\": ");
		json_side(f, row->k, row->m, &row->kern);
		if (row->ok)
			fprintf(f,
				",\n     \"ratio\": %.6g, \"ratio_min\": %.6g, \"ratio_max\": %.6g",
				row->ratio, row->rlo, row->rhi);
		else
			fprintf(f, ",\n     \"ratio\": null");
		t = row->k->target[row->m];
		if (t > 0)
			fprintf(f, ", \"target\": %g, \"met\": %s}", t,
				row_target_met(row));
		else
			fprintf(f, ", \"target\": null, \"met\": null}");
	}
	fprintf(f, "\n  ]\n}\n");
}

/* ------------------------------------------------------------- chart */

#define SVG_W 1000
#define SVG_LABEL_W 360
#define SVG_PLOT_X 370
#define SVG_PLOT_W 520
#define SVG_ROW_H 22
#define SVG_TOP 60

static double svg_lo, svg_hi;

static double svg_x(double ratio)
{
	double l = log10(ratio);

	if (l < svg_lo)
		l = svg_lo;
	if (l > svg_hi)
		l = svg_hi;
	return SVG_PLOT_X + (l - svg_lo) / (svg_hi - svg_lo) * SVG_PLOT_W;
}

static void svg_row(FILE *f, const struct bench_row *row, int y)
{
	double x1 = svg_x(1), x, t = row->k->target[row->m];
	const struct bench_side *bad;
	char label[64], num[24];

	row_label(row, label, sizeof(label));
	fprintf(f,
		"<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s vs %s</text>\n",
		SVG_LABEL_W, y + 15, label, row->k->name);
	if (!row->ok) {
		bad = row->g->side[0].err ? &row->g->side[0] : row->k;
		fprintf(f,
			"<text x=\"%.1f\" y=\"%d\" fill=\"#888\">n/a (%s)</text>\n",
			x1 + 6, y + 15, bad->err ? err_name(bad->err) : "-");
		return;
	}
	x = svg_x(row->ratio);
	fprintf(f,
		"<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"14\" fill=\"%s\"/>\n",
		fmin(x, x1), y + 4, fabs(x - x1),
		row->ratio >= 1 ? "#4c9a2a" : "#c0392b");
	fprintf(f,
		"<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#333\"/>\n",
		svg_x(row->rlo), y + 11, svg_x(row->rhi), y + 11);
	if (t > 0)
		fprintf(f,
			"<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#000\" stroke-width=\"2\"/>\n",
			svg_x(t), y + 1, svg_x(t), y + 21);
	fmt_num(num, sizeof(num), row->ratio);
	fprintf(f, "<text x=\"%d\" y=\"%d\">%s</text>\n",
		SVG_PLOT_X + SVG_PLOT_W + 10, y + 15, num);
}

/* Bars of log(ratio) from 1: right and green when kipc is faster. */
static void print_svg(FILE *f)
{
	struct bench_row rows[BENCH_ROWS_MAX];
	double lo = 0.5, hi = 2, x, d;
	int i, n, bottom;
	char num[24];

	n = rows_collect(rows);
	for (i = 0; i < n; i++) {
		if (!rows[i].ok)
			continue;
		lo = fmin(lo, rows[i].rlo);
		hi = fmax(hi, fmax(rows[i].rhi, rows[i].k->target[rows[i].m]));
	}
	svg_lo = floor(log10(lo));
	svg_hi = ceil(log10(hi));
	bottom = SVG_TOP + n * SVG_ROW_H;
	fprintf(f,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">\n",
		SVG_W, bottom + 40);
	fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
	fprintf(f,
		"<text x=\"10\" y=\"20\" font-size=\"15\">kipc vs the kernel's IPC: ratio of medians, &gt; 1 means kipc is faster (log scale)</text>\n");
	fprintf(f,
		"<text x=\"10\" y=\"38\" fill=\"#555\">whiskers: min-max of the ratio over %d run%s per side; black ticks: targets</text>\n",
		opt.reps, opt.reps == 1 ? "" : "s");
	for (d = svg_lo; d <= svg_hi; d++) {
		x = svg_x(pow(10, d));
		fprintf(f,
			"<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\"/>\n",
			x, SVG_TOP - 6, x, bottom, d == 0 ? "#000" : "#ccc");
		fmt_num(num, sizeof(num), pow(10, d));
		fprintf(f,
			"<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
			x, bottom + 16, num);
	}
	for (i = 0; i < n; i++)
		svg_row(f, &rows[i], SVG_TOP + i * SVG_ROW_H);
	fprintf(f, "</svg>\n");
}

/* -------------------------------------------------------------- main */

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "kipc: bench: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%s", bench_usage);
	return 2;
}

static int parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "reps", required_argument, NULL, 'r' },
		{ "time", required_argument, NULL, 't' },
		{ "only", required_argument, NULL, 'o' },
		{ "svg", required_argument, NULL, 's' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	char *end;
	size_t i;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (c) {
		case 'q':
			opt.quick = true;
			break;
		case 'v':
			opt.verbose = true;
			break;
		case 'j':
			opt.json = true;
			break;
		case 'r':
			errno = 0;
			opt.reps = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || opt.reps < 1 ||
			    opt.reps > BENCH_REPS_MAX)
				return usage_error("bad --reps '%s' (1..99)",
						   optarg);
			break;
		case 't':
			errno = 0;
			opt.time = strtod(optarg, &end);
			if (errno || *end || end == optarg || !(opt.time > 0) ||
			    opt.time > 60)
				return usage_error("bad --time '%s' (0..60 s)",
						   optarg);
			break;
		case 'o':
			for (i = 0; i < 6; i++)
				if (!strcmp(optarg, bench_workload_names[i]))
					break;
			if (i == 6)
				return usage_error("unknown workload '%s'",
						   optarg);
			opt.only |= 1U << i;
			break;
		case 's':
			opt.svg = optarg;
			break;
		case 'c':
			for (i = 0; i < 3; i++)
				if (!strcmp(optarg, bench_cpus_names[i]))
					break;
			if (i == 3)
				return usage_error("bad --cpus '%s'", optarg);
			opt.cpus = i;
			break;
		case 'h':
			printf("%s%s", bench_usage, bench_help);
			exit(0);
		default:
			return usage_error("bad option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (!opt.only)
		opt.only = W_ALL;
	if (opt.quick)
		opt.reps = 1;
	return 0;
}

static int bench_setup_process(void)
{
	struct sigaction sa = { .sa_handler = bench_on_signal };
	sigset_t chld;

	bench_pid = getpid();
	page_size = sysconf(_SC_PAGESIZE);
	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		return -errno;
	/* Children are reaped with sigtimedwait(SIGCHLD), never auto-reaped. */
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &orig_mask);
	/* A write to a pipe whose reader died gives EPIPE, not death. */
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	return 0;
}

int kipc_cmd_bench(int argc, char **argv)
{
	bool failed = false;
	FILE *f;
	int i, k, ret;

	ret = parse_args(argc, argv);
	if (ret)
		return ret;
	ret = bench_setup_process();
	if (ret) {
		fprintf(stderr, "kipc: bench: %s\n", strerror(-ret));
		return 1;
	}
	groups_init();
	if (!opt.json)
		print_header();
	for (i = 0; i < ngroups; i++) {
		if (!(groups[i].workload & opt.only))
			continue;
		group_run(&groups[i]);
		if (!opt.json)
			print_group(&groups[i]);
		for (k = 0; k < groups[i].nsides; k++) {
			ret = groups[i].side[k].err;
			if (ret) {
				fprintf(stderr, "kipc: bench: %s, %s: %s\n",
					groups[i].label, groups[i].side[k].name,
					strerror(ret));
				failed = true;
			}
		}
	}
	bench_cleanup();
	if (opt.json)
		print_json(stdout);
	if (opt.svg) {
		f = strcmp(opt.svg, "-") ? fopen(opt.svg, "we") : stdout;
		if (!f) {
			fprintf(stderr, "kipc: bench: %s: %s\n", opt.svg,
				strerror(errno));
			return 1;
		}
		print_svg(f);
		if (f != stdout && fclose(f)) {
			fprintf(stderr, "kipc: bench: %s: %s\n", opt.svg,
				strerror(errno));
			return 1;
		}
	}
	fflush(stdout);
	return failed ? 1 : 0;
}

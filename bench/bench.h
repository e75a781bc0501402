/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kipc-bench: what its files share. main.c holds the options and the run
 * order, runner.c the two-process runs, state.c the node state saved and
 * the objects made, one file per workload (pipe.c, msg.c, typed.c, sem.c,
 * shm.c, notify.c), memcpy.c the copying ceiling, stats.c the intervals
 * and report.c the table and the JSON. Every kipc call goes through
 * libkipc (<kipc/kipc.h>), as an application's would.
 */
#ifndef _KIPC_BENCH_H
#define _KIPC_BENCH_H

#include <mqueue.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <kipc/kipc.h>
#include <linux/kipc.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define BENCH_DEV "/dev/kipc/"
#define BENCH_ROUNDS_MAX 99
#define BENCH_SIDES_MAX 5
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
	W_PIPELINE = 0x40,
	W_ALL = 0x7f,
};

/* --cpus: where the two children of a run may run. */
enum { CPUS_ANY, CPUS_SAME, CPUS_SPLIT };

/* The mechanisms. */
enum bench_kind {
	K_KIPC_PIPE,
	K_PIPE,
	K_FIFO,
	K_KIPC_MSG,
	K_KIPC_MSGV,
	K_KIPC_MSGI,
	K_SYSV_MSG,
	K_SYSV_MSGT,
	K_POSIX_MQ,
	K_KIPC_SEM,
	K_SYSV_SEM,
	K_POSIX_SEM,
	K_EVENTFD,
	K_KIPC_SHM,
	K_SYSV_SHM,
	K_MEMFD,
	K_MEMCPY,
};

/**
 * struct bench_opts - the command line
 * @rounds: timed rounds, one run of every side each (--rounds; 1 with
 *	--quick)
 * @time: seconds one run should last (--time)
 * @quick: one round of tiny sizes after the warm-up (--quick)
 * @json: print JSON instead of the table (--json)
 * @verbose: also print iterations and context switches (--verbose)
 * @svg: where to draw the chart (--svg), "-" for stdout, or NULL
 * @cpus: CPUS_ANY, CPUS_SAME or CPUS_SPLIT (--cpus)
 * @only: the W_* bits of the workloads to run (--only; all by default)
 */
struct bench_opts {
	int rounds;
	double time;
	bool quick;
	bool json;
	bool verbose;
	const char *svg;
	int cpus;
	unsigned int only;
};

/**
 * struct bench_metric - one figure a workload run produces
 * @label: appended to the group's label (NULL: the group has one figure)
 * @unit: unit of the figure
 * @time: the figure is a time, lower is better (ratio kernel/kipc)
 * @ceil: a rate the group's memcpy side bounds (see &bench_group.ceil_div)
 */
struct bench_metric {
	const char *label;
	const char *unit;
	bool time;
	bool ceil;
};

/**
 * struct bench_side - one mechanism of a workload and its results
 * @name: shown in the row ("pipe(2)"); side 0 is the kipc device
 * @kind: the mechanism
 * @target: per figure, the ratio this pair should reach (0: none)
 * @n: iterations per run, from the calibration
 * @err: errno that made this side n/a, or 0
 * @ref: a reference, not a kernel side: the memcpy ceiling, no ratio row
 * @runs: timed rounds done (a side that fails stops)
 * @val: per figure, the value of its run in each round
 * @csw: context switches per iteration in the last run, both processes
 */
struct bench_side {
	const char *name;
	enum bench_kind kind;
	double target[BENCH_METRICS_MAX];
	long n;
	int err;
	bool ref;
	int runs;
	double val[BENCH_METRICS_MAX][BENCH_ROUNDS_MAX];
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
 * @ceil_div: the copying ceiling of the @ceil figures is the memcpy side's
 *	rate over this (2 for a pipe: each byte is copied twice), 0: none
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
	double ceil_div;
	struct bench_side side[BENCH_SIDES_MAX];
};

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

/* msgsnd(2) framing; kipc's read/write framing is the same on 64-bit. */
struct bench_svmsg {
	long mtype;
	char mtext[BENCH_MSG_SIZE];
};

struct bench_kmsg {
	__s64 mtype;
	char mtext[BENCH_MSG_SIZE];
};

/* main.c: the options, the groups in table order, the page size. */
extern struct bench_opts opt;
extern struct bench_group groups[BENCH_GROUPS_MAX];
extern int ngroups;
extern long page_size;

struct bench_group *group_add(unsigned int workload, bench_run_fn run,
			      const struct bench_metric *metric, int nmetrics,
			      long param, long n_first);
struct bench_side *side_add(struct bench_group *g, const char *name,
			    enum bench_kind kind, double target);

/* The workloads add their groups, in table order. */
void pipe_groups_add(void);
void msg_groups_add(void);
void typed_groups_add(void);
void sem_groups_add(void);
void shm_groups_add(void);
void notify_groups_add(void);

/* memcpy.c: the ceiling, one process copying in user space. */
struct bench_side *memcpy_side_add(struct bench_group *g, double ceil_div);
int memcpy_run(struct bench_group *g, struct bench_side *s, long n, double *val,
	       double *secs);

/* msg.c: msg0 and a System V queue of one capacity (msg and typed). */
unsigned long msg_queues_new(unsigned long qbytes, int *kfd, int *sv_id,
			     int *sv_slot, int err[2]);

/* runner.c: two children per run, released together by the parent. */
typedef int (*duo_fn)(void *arg, int role);

extern struct bench_shared *shared;
extern long last_csw; /* of the last two-process run */

uint64_t now_ns(void);
int duo_init(void);
int duo_start(void);
int duo_run(duo_fn fn, void *arg, int *pfds, int npfds, uint64_t *t0);
void kill_children(void);
double secs_since(uint64_t t0);

/* state.c: objects made, node state saved, both undone at the end. */
enum bench_obj_kind { OBJ_NONE, OBJ_MSG, OBJ_SEM, OBJ_SHM, OBJ_MQ, OBJ_FIFO };

int node_open(const char *name, int flags);
int obj_add(enum bench_obj_kind kind, int id, const char *name);
void obj_del(int slot);
int sysv_msg_new(int *slot);
int posix_mq_new(long maxmsg, mqd_t *mq, int *slot);
void posix_mq_del(mqd_t mq, int slot);
int kpipe_set_size(__u32 size);
void restore_pipe(void);
int kmsg_open(void);
int kmsg_set_qbytes(int fd, __u64 qbytes);
void restore_msg(void);
int ksem_open(int i);
void restore_sem(void);
int kshm_open(void);
void restore_shm(void);
void bench_cleanup(void);
void state_init(void);

/* stats.c: the median of paired ratios and its interval. */
double median_of(double *v, int n);
int median_interval(int n, double *conf);

/* report.c */
void print_header(void);
void print_group(const struct bench_group *g);
void print_json(FILE *f);
int print_svg(const char *path);

#endif /* _KIPC_BENCH_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * kipc-bench workload 3, typed: receive the one message of type 1 queued
 * behind a backlog of 1,000, 10,000 and 100,000 messages of type 2, then
 * send it back: kipc msg0 against msgrcv(2) with the same backlog (a
 * hundredth of it in --quick). Receives per second.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/msg.h>
#include <unistd.h>

#include "bench.h"

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

	if (kind == K_KIPC_MSG)
		return kipc_msg_send(typed.kfd, type, sm.mtext, BENCH_MSG_SIZE,
				     KIPC_NOWAIT, 0) ?
			       -errno :
			       0;
	sm.mtype = type;
	return msgsnd(typed.sv_id, &sm, BENCH_MSG_SIZE, IPC_NOWAIT) ? -errno :
								      0;
}

static int typed_recv(enum bench_kind kind, long type)
{
	static struct bench_svmsg sm;
	long long t = type;

	if (kind == K_KIPC_MSG)
		return kipc_msg_recv(typed.kfd, &t, sm.mtext, BENCH_MSG_SIZE,
				     KIPC_NOWAIT, 0) < 0 ?
			       -errno :
			       0;
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

static const struct bench_metric m_typed[] = { { NULL, "rx/s", false, false } };

void typed_groups_add(void)
{
	static const long backlogs[] = { 1000, 10000, 100000 };
	long q = opt.quick ? 100 : 1;
	struct bench_group *g;
	size_t i;

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
			 i == 2 && !opt.quick ? 100 : 0);
	}
}

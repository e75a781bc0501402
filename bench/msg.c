// SPDX-License-Identifier: GPL-2.0
/*
 * kipc-bench workload 2, msg: 64-byte messages, one sender and one
 * receiver process, both blocking, with System V's default capacity on
 * every side: kipc msg0 (read/write framing, then KIPC_MSG_SENDV/RECVV up
 * to 32 a call) against msgsnd/msgrcv and mq_send/mq_receive, and the
 * typed path, KIPC_MSG_SEND/KIPC_MSG_RECV one message per call receiving
 * by type, against msgsnd/msgrcv receiving by the same type. Messages per
 * second.
 */

#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <string.h>
#include <sys/msg.h>
#include <unistd.h>

#include "bench.h"

/**
 * struct msg_arg - a message rate run
 * @kind: K_KIPC_MSG, K_KIPC_MSGV, K_KIPC_MSGI, K_SYSV_MSG, K_SYSV_MSGT or
 *	K_POSIX_MQ
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
	unsigned int count, k;
	long i;
	int r;

	memset(text, 'm', sizeof(text));
	for (i = 0; i < n; i += r) {
		count = n - i < BENCH_MSG_VEC ? n - i : BENCH_MSG_VEC;
		for (k = 0; k < count; k++)
			kipc_msg_set(&m[k], role ? 0 : 1, text, BENCH_MSG_SIZE,
				     0);
		r = role ? kipc_msg_recvv(fd, m, count) :
			   kipc_msg_sendv(fd, m, count);
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
	long long t;
	int fd = -1, ret;
	ssize_t r = 0;
	long i;

	memset(sm.mtext, 'm', sizeof(sm.mtext));
	memset(km.mtext, 'm', sizeof(km.mtext));
	if (a->kind == K_KIPC_MSG || a->kind == K_KIPC_MSGV ||
	    a->kind == K_KIPC_MSGI) {
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
		case K_KIPC_MSGI:
			t = 1;
			r = role ? kipc_msg_recv(fd, &t, sm.mtext,
						 BENCH_MSG_SIZE, 0, 0) :
				   kipc_msg_send(fd, 1, sm.mtext,
						 BENCH_MSG_SIZE, 0, 0);
			break;
		case K_SYSV_MSG:
		case K_SYSV_MSGT:
			/* K_SYSV_MSGT receives by type, as K_KIPC_MSGI does. */
			r = role ? msgrcv(a->id, &sm, BENCH_MSG_SIZE,
					  a->kind == K_SYSV_MSGT, 0) :
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
unsigned long msg_queues_new(unsigned long qbytes, int *kfd, int *sv_id,
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
	posix_mq_del(msgw.mq, msgw.mq_slot);
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

static const struct bench_metric m_msg[] = { { NULL, "msg/s", false, false } };

void msg_groups_add(void)
{
	struct bench_group *g;

	g = group_add(W_MSG, msg_run, m_msg, 1, 0, opt.quick ? 100 : 1000);
	snprintf(g->label, sizeof(g->label), "msg0 %d B messages",
		 BENCH_MSG_SIZE);
	g->setup = msg_setup;
	g->teardown = msg_teardown;
	side_add(g, "kipc msg0", K_KIPC_MSG, 0);
	side_add(g, "SysV msgsnd", K_SYSV_MSG, 0);
	side_add(g, "POSIX mq_send", K_POSIX_MQ, 0);

	/* System V has no vector: the same one-per-call msgsnd/msgrcv. */
	g = group_add(W_MSG, msg_run, m_msg, 1, 0, opt.quick ? 100 : 1000);
	snprintf(g->label, sizeof(g->label), "msg0 %d B, %d per call",
		 BENCH_MSG_SIZE, BENCH_MSG_VEC);
	g->setup = msg_setup;
	g->teardown = msg_teardown;
	side_add(g, "kipc msg0 vector", K_KIPC_MSGV, 0);
	side_add(g, "SysV msgsnd", K_SYSV_MSG, 1.5);

	/* The typed path: one message per ioctl, received by type 1. */
	g = group_add(W_MSG, msg_run, m_msg, 1, 0, opt.quick ? 100 : 1000);
	snprintf(g->label, sizeof(g->label), "msg0 64 B, typed ioctl");
	g->setup = msg_setup;
	g->teardown = msg_teardown;
	side_add(g, "kipc msg0 ioctl", K_KIPC_MSGI, 0);
	side_add(g, "SysV msgrcv type", K_SYSV_MSGT, 1.0);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * kipc-bench workload 6, notify: from a send to the receiver's
 * sigwaitinfo() return, kipc KIPC_NOTIFY on msg0 against mq_notify(3),
 * and on pipe0 against F_SETSIG on a pipe(2). Microseconds, the median of
 * the messages of a run.
 */

#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

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
	switch (a->kind) {
	case K_KIPC_PIPE:
	case K_KIPC_MSG:
		*fd = node_open(a->kind == K_KIPC_PIPE ? "pipe0" : "msg0",
				a->kind == K_KIPC_PIPE ? O_RDONLY | O_NONBLOCK :
							 O_RDWR);
		if (*fd < 0)
			return *fd;
		return kipc_notify(*fd, SIGRTMIN, 0, 0) ? -errno : 0;
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
	posix_mq_del(notifyw.mq, notifyw.mq_slot);
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

static const struct bench_metric m_time[] = { { NULL, "us", true, false } };

void notify_groups_add(void)
{
	struct bench_group *g;
	size_t i;

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
			side_add(g, "mq_notify", K_POSIX_MQ, 1.0);
		}
	}
}

// SPDX-License-Identifier: GPL-2.0
/*
 * kipc-bench workload 1, pipe: one writer and one reader process moving
 * data in 4 KiB and 64 KiB writes, kipc pipe0 against pipe(2) and a FIFO
 * from mkfifo(3), every side with the capacity of a fresh pipe(2), and
 * memcpy of the same writes as the ceiling. MiB/s.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"

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

static const struct bench_metric m_pipe[] = { { NULL, "MiB/s", false, true } };

void pipe_groups_add(void)
{
	struct bench_group *g;
	size_t i;

	for (i = 0; i < 2; i++) {
		size_t wsize = i ? 65536 : 4096;

		g = group_add(W_PIPE, pipe_run, m_pipe, 1, wsize,
			      opt.quick ? 16 : (4L << 20) / wsize);
		snprintf(g->label, sizeof(g->label), "pipe0 %zu KiB writes",
			 wsize >> 10);
		g->setup = pipe_setup;
		g->teardown = pipe_teardown;
		side_add(g, "kipc pipe0", K_KIPC_PIPE, 0);
		side_add(g, "pipe(2)", K_PIPE, i ? 1.3 : 0);
		side_add(g, "FIFO", K_FIFO, 0);
		/* A pipe copies each byte in and out: half of memcpy. */
		memcpy_side_add(g, 2);
	}
}

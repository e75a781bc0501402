// SPDX-License-Identifier: GPL-2.0
/*
 * kipc-bench: the copying ceiling. One process copies the same amount of
 * data in user space as a run of the group moves, with its buffer size:
 * a pipe group's write size (a cache-hot buffer copied into another, as
 * a pipe's writer and reader copy through the pipe's pages), or a shm
 * group's whole segment. A copying pipe moves each byte twice (in, then
 * out), so its ceiling is about half the memcpy rate; a shm mapping is
 * written and read in place, so memcpy itself is its ceiling.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

struct bench_side *memcpy_side_add(struct bench_group *g, double ceil_div)
{
	struct bench_side *s = side_add(g, "memcpy", K_MEMCPY, 0);

	s->ref = true;
	g->ceil_div = ceil_div;
	return s;
}

/*
 * @n copies of the group's buffer size (a pipe group: its write size, in
 * g->param; a shm group: two segments of g->param, @n passes each, as
 * shm_run() does). Every figure marked @ceil gets the rate in MiB/s.
 */
int memcpy_run(struct bench_group *g, struct bench_side *s, long n, double *val,
	       double *secs)
{
	size_t size = g->param;
	long copies = g->workload == W_SHM ? 2 * n : n;
	char *src, *dst;
	uint64_t t0;
	double rate;
	long i;
	int m;

	(void)s;
	src = malloc(size);
	dst = malloc(size);
	if (!src || !dst) {
		free(src);
		free(dst);
		return -ENOMEM;
	}
	/* Populated before the clock starts: the copy alone is timed. */
	memset(src, 0x5a, size);
	memset(dst, 0, size);
	t0 = now_ns();
	for (i = 0; i < copies; i++) {
		memcpy(dst, src, size);
		/* The copy is used: the compiler may not drop it. */
		__asm__ __volatile__("" : : "r"(dst) : "memory");
	}
	*secs = (double)(now_ns() - t0) / 1e9;
	free(src);
	free(dst);
	rate = (double)copies * size / BENCH_MIB / *secs;
	for (m = 0; m < g->nmetrics; m++)
		val[m] = g->metric[m].ceil ? rate : 0;
	return 0;
}

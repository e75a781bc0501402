// SPDX-License-Identifier: GPL-2.0
/*
 * kipc-bench workload 5, shm: write then read a 64 MiB segment (4 MiB in
 * --quick) through the mapping, and the first-touch fault cost per page,
 * kipc shm0 against System V shm and a memfd, and memcpy of the segment
 * as the ceiling of the rates. MiB/s and ns/page.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>

#include "bench.h"

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
	int fd = -1, id = -1, slot = -1, ret = 0;
	char *p = MAP_FAILED;
	long pass;
	size_t i;

	switch (kind) {
	case K_KIPC_SHM:
		fd = kshm_open();
		if (fd < 0)
			return fd;
		if (kipc_shm_set_size(fd, page_size) ||
		    kipc_shm_set_size(fd, size))
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
	if (kind == K_KIPC_SHM && fd >= 0)
		kipc_shm_set_size(fd, page_size);
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

static const struct bench_metric m_shm[] = {
	{ "write", "MiB/s", false, true },
	{ "read", "MiB/s", false, true },
	{ "1st touch", "ns/page", true, false },
};

void shm_groups_add(void)
{
	size_t shm_size = opt.quick ? 4UL << 20 : 64UL << 20;
	struct bench_group *g;
	struct bench_side *s;

	g = group_add(W_SHM, shm_run, m_shm, 3, shm_size, 1);
	snprintf(g->label, sizeof(g->label), "shm0 %zu MiB", shm_size >> 20);
	g->n_max = 64;
	g->teardown = shm_teardown;
	side_add(g, "kipc shm0", K_KIPC_SHM, 0);
	s = side_add(g, "SysV shm", K_SYSV_SHM, 0.95);
	s->target[1] = 0.95;
	side_add(g, "memfd", K_MEMFD, 0);
	memcpy_side_add(g, 1);
}

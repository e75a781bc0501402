// SPDX-License-Identifier: GPL-2.0
/*
 * kipc-bench workload 4, sem: a ping-pong round trip between two
 * processes through two semaphores, kipc sem0 and sem1 against semop(2),
 * POSIX sem_t in shared memory and eventfd(EFD_SEMAPHORE). Microseconds
 * per round trip.
 */

#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <unistd.h>

#include "bench.h"

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
	struct sembuf sb = { .sem_num = i, .sem_op = up ? 1 : -1 };
	uint64_t one = 1;
	ssize_t r;

	switch (a->kind) {
	case K_KIPC_SEM:
		return (up ? kipc_sem_v(kfd[i], 1) :
			     kipc_sem_p(kfd[i], 1, 0, 0)) ?
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

static const struct bench_metric m_time[] = { { NULL, "us", true, false } };

void sem_groups_add(void)
{
	struct bench_group *g;

	g = group_add(W_SEM, sem_run, m_time, 1, 0, opt.quick ? 50 : 200);
	snprintf(g->label, sizeof(g->label), "sem0/1 round trip");
	g->setup = sem_setup;
	g->teardown = sem_teardown;
	side_add(g, "kipc sem0/1", K_KIPC_SEM, 0);
	side_add(g, "SysV semop", K_SYSV_SEM, 1.0);
	side_add(g, "POSIX sem_t", K_POSIX_SEM, 0);
	side_add(g, "eventfd sem", K_EVENTFD, 0);
}

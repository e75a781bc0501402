// SPDX-License-Identifier: MIT
/*
 * counter: several processes add to one counter in shared memory, each
 * increment under a mutex, a kipc semaphore at 1. An increment reads the
 * counter, lets the others run (sched_yield), then writes it back: without
 * the mutex another process would increment in between and one of the two
 * increments would be lost. With it none is, so the final count is exact:
 * NPROC * LOOPS.
 *
 *	counter [NPROC [LOOPS]]		(default 4 processes, 2000 each)
 *
 * KIPC_SEM_UNDO gives the unit back if a holder dies inside the critical
 * section, as SEM_UNDO does for System V.
 */
#include <err.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <kipc/kipc.h>

int main(int argc, char **argv)
{
	int nproc = argc > 1 ? atoi(argv[1]) : 4;
	long loops = argc > 2 ? atol(argv[2]) : 2000;
	int shm, sem, i, status, failed = 0;
	long *counter, j, v, total;
	size_t size;

	if (nproc < 1 || loops < 1)
		errx(2, "usage: counter [NPROC [LOOPS]]");
	/* Anonymous objects, shared with the children by fork(). */
	shm = kipc_anon(KIPC_KIND_SHM, O_CLOEXEC, 4096);
	sem = kipc_anon(KIPC_KIND_SEM, O_CLOEXEC, 1); /* 1: a mutex */
	if (shm < 0 || sem < 0)
		err(1, "kipc_anon");
	counter = kipc_shm_map(shm, PROT_READ | PROT_WRITE, &size);
	if (counter == MAP_FAILED)
		err(1, "kipc_shm_map");
	*counter = 0;

	for (i = 0; i < nproc; i++) {
		pid_t pid = fork();

		if (pid < 0)
			err(1, "fork");
		if (pid)
			continue;
		for (j = 0; j < loops; j++) {
			if (kipc_sem_p(sem, 1, KIPC_SEM_UNDO, 0))
				err(1, "P");
			v = *counter;
			sched_yield(); /* another process runs here */
			*counter = v + 1;
			if (kipc_sem_v(sem, 1))
				err(1, "V");
		}
		_exit(0);
	}
	while (wait(&status) > 0)
		failed |= status;

	total = *counter;
	kipc_shm_unmap(counter, size);
	printf("%d processes x %ld increments: counter = %ld\n", nproc, loops,
	       total);
	return failed || total != nproc * loops;
}

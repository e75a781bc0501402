// SPDX-License-Identifier: MIT
/*
 * prodcons: a producer and a consumer share a ring of SLOTS slots in
 * shared memory. Two semaphores count: "items" starts at 0, so the
 * consumer waits until something is there; "room" starts at SLOTS, so the
 * producer waits while the ring is full. One producer and one consumer
 * touch different slots at any time, so no mutex is needed.
 */
#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <kipc/kipc.h>

#define SLOTS 4
#define ITEMS 10

struct ring {
	int slot[SLOTS];
};

int main(void)
{
	int shm, items, room, i, status;
	struct ring *ring;
	long sum = 0;
	pid_t pid;

	shm = kipc_anon(KIPC_KIND_SHM, O_CLOEXEC, sizeof(*ring));
	/* KIPC_ANON_SIZE: 0 is the value, not the module's default. */
	items = kipc_anon(KIPC_KIND_SEM, O_CLOEXEC | KIPC_ANON_SIZE, 0);
	room = kipc_anon(KIPC_KIND_SEM, O_CLOEXEC, SLOTS);
	if (shm < 0 || items < 0 || room < 0)
		err(1, "kipc_anon");
	ring = kipc_shm_map(shm, PROT_READ | PROT_WRITE, NULL);
	if (ring == MAP_FAILED)
		err(1, "kipc_shm_map");

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		err(1, "fork");
	if (pid == 0) { /* the producer */
		for (i = 1; i <= ITEMS; i++) {
			if (kipc_sem_p(room, 1, 0, 0)) /* a free slot */
				err(1, "P(room)");
			ring->slot[i % SLOTS] = i * i;
			if (kipc_sem_v(items, 1)) /* one more item */
				err(1, "V(items)");
		}
		_exit(0);
	}

	/* The consumer: each P waits until the producer's V. */
	for (i = 1; i <= ITEMS; i++) {
		if (kipc_sem_p(items, 1, 0, 0))
			err(1, "P(items)");
		printf("item %d: %d\n", i, ring->slot[i % SLOTS]);
		sum += ring->slot[i % SLOTS];
		if (kipc_sem_v(room, 1))
			err(1, "V(room)");
	}
	if (waitpid(pid, &status, 0) < 0 || status)
		errx(1, "the producer failed");
	printf("consumed %d items, sum %ld\n", ITEMS, sum);
	return 0;
}

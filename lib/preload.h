/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * What `kipc run` (user/run.c) and its preload library (lib/preload.c)
 * agree on: the environment, the run directory's files and the counters
 * page they share.
 *
 * The run directory (mode 01777, so that a process that changed its uid can
 * still record) holds:
 *   counters       struct kipc_run_counters, mapped shared by every process
 *   p<pid>         one per process that made an object (anonymous objects
 *                  are listed in /proc/kipc by creator pid)
 *   k<kind><key>   symlink to the decimal id of the System V object of that
 *                  key (kind: q msg, m shm, s sem)
 *   i<id>          symlink to "key:cuid:cgid:cpid:size", what IPC_STAT
 *                  reports that the node cannot tell
 *   a<id>          symlink to "atime:dtime:lpid" of a segment (shmat/shmdt)
 *   l<id>          a segment under SHM_LOCK
 *   v<id>          symlink to "pid:ops" of a semaphore's last SETVAL
 *   o<id>          symlink to the time (seconds) of a semaphore's last
 *                  semop, its sem_otime
 *   x<pid>.<n>     a program that ran without the preload library: one line,
 *                  "static PATH" or "noenv PATH"
 */
#ifndef _KIPC_PRELOAD_H
#define _KIPC_PRELOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The run directory, the kinds redirected, and the library itself. */
#define KIPC_RUN_ENV "KIPC_RUN"
#define KIPC_RUN_ONLY_ENV "KIPC_RUN_ONLY"
#define KIPC_PRELOAD_NAME "libkipc-preload.so"

/* The kinds, as bits of KIPC_RUN_ONLY (a decimal number). */
enum {
	KIPC_RUN_PIPE = 1 << 0,
	KIPC_RUN_MSG = 1 << 1,
	KIPC_RUN_SHM = 1 << 2,
	KIPC_RUN_SEM = 1 << 3,
	KIPC_RUN_ALL = 0xf,
};

/*
 * System V ids made by the library: KIPC_RUN_ID_BASE + n. The kernel's ids
 * are (seq << 15) + index: it reaches this range only after 32768
 * creations in one IPC namespace. An id in the range that names no object
 * of the run goes to the kernel.
 */
#define KIPC_RUN_ID_BASE 0x40000000
#define KIPC_RUN_ID_MAX 0x7fffffff

/* Object names: "kr" TOKEN "." KINDCHAR ID, TOKEN the run dir's 6 chars. */
#define KIPC_RUN_TOKEN_LEN 6
#define KIPC_RUN_PREFIX "kr"

/* Index of the counters below. */
enum kipc_run_kind {
	KIPC_RUN_K_PIPE,
	KIPC_RUN_K_MSG,
	KIPC_RUN_K_SHM,
	KIPC_RUN_K_SEM,
	KIPC_RUN_K_NR,
};

#define KIPC_RUN_MAGIC 0x6b697063 /* "kipc" */

/**
 * struct kipc_run_counters - the run's counters, one page shared by all
 * @magic: KIPC_RUN_MAGIC once kipc run has set the page up
 * @next_id: the next System V id less KIPC_RUN_ID_BASE
 * @made: objects made on kipc, per kind
 * @kernel: calls left to the kernel (not mappable, or kipc refused), per kind
 * @unpreloaded: programs started without the library (static, no env)
 * @processes: processes the library was loaded into
 *
 * Updated with atomic adds only: safe from signal handlers.
 */
struct kipc_run_counters {
	uint32_t magic;
	uint32_t next_id;
	uint64_t made[KIPC_RUN_K_NR];
	uint64_t kernel[KIPC_RUN_K_NR];
	uint64_t unpreloaded;
	uint64_t processes;
};

/* How many bytes of a program kipc_run_elf_static() wants to see. */
#define KIPC_RUN_ELF_HEAD 4096

static inline uint64_t kipc_run_le(const unsigned char *p, int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

/*
 * The first @len bytes of a program, @head, are those of a statically
 * linked 64-bit ELF executable: no PT_INTERP program header, so no dynamic
 * loader to load a preload library. Reads the ELF header fields by offset
 * (x86-64, little-endian). A program whose headers are not in @head is not
 * judged static.
 */
static inline bool kipc_run_elf_static(const unsigned char *head, size_t len)
{
	uint64_t type, phoff, phentsize, phnum, off, i;

	if (len < 64 || memcmp(head, "\177ELF", 4) || head[4] != 2)
		return false;
	type = kipc_run_le(head + 16, 2);
	phoff = kipc_run_le(head + 32, 8);
	phentsize = kipc_run_le(head + 54, 2);
	phnum = kipc_run_le(head + 56, 2);
	if (type != 2 && type != 3) /* ET_EXEC, ET_DYN */
		return false;
	for (i = 0; i < phnum; i++) {
		off = phoff + i * phentsize;
		if (off + 4 > len)
			return false;
		if (kipc_run_le(head + off, 4) == 3) /* PT_INTERP */
			return false;
	}
	return true;
}

#endif /* _KIPC_PRELOAD_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * kipc bench: the front door of kipc-bench, the benchmark (bench/ in the
 * source tree). Runs kipc-bench from the directory of this program, else
 * from PATH, with the arguments given; it prints its own usage, help and
 * errors.
 */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define KIPC_BENCH_PROG "kipc-bench"

int kipc_cmd_bench(int argc, char **argv)
{
	char path[PATH_MAX], *slash;
	char **args;
	ssize_t n;
	int i;

	args = calloc(argc + 1, sizeof(*args));
	if (!args)
		kipc_fail_errno(NULL, ENOMEM);
	args[0] = KIPC_BENCH_PROG;
	for (i = 1; i < argc; i++)
		args[i] = argv[i];
	fflush(stdout);

	n = readlink("/proc/self/exe", path,
		     sizeof(path) - sizeof(KIPC_BENCH_PROG));
	if (n > 0) {
		path[n] = '\0';
		slash = strrchr(path, '/');
		if (slash) {
			strcpy(slash + 1, KIPC_BENCH_PROG);
			execv(path, args);
		}
	}
	execvp(KIPC_BENCH_PROG, args);
	kipc_fail("bench", "cannot run " KIPC_BENCH_PROG ": %s",
		  strerror(errno));
}

// SPDX-License-Identifier: GPL-2.0
/*
 * kipc-bench, a real pipeline: `sort | gzip -1 | sha256sum` over 64 MiB of
 * text lines (1 MiB with --quick), timed from fork to exit, run by sh(1)
 * as it is (the kernel's pipes) and under `kipc run` (kipc's anonymous
 * pipes). The pipeline workload (--only pipeline). One figure: seconds
 * per pipeline, lower is better; what it shows is how much of a real
 * pipeline's time is the pipes' at all.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define PIPELINE_CMD "sort | gzip -1 | sha256sum"

static int pipeline_fd = -1;
static char pipeline_kipc[PATH_MAX] = "kipc";

/*
 * The kipc tool: $KIPC, else next to kipc-bench in the build tree
 * (bench/../user/kipc) or installed (libexec/kipc/../../bin/kipc), else
 * kipc on PATH.
 */
static void pipeline_find_kipc(void)
{
	static const char *const rel[] = { "/../user/kipc", "/../../bin/kipc" };
	char exe[PATH_MAX], *slash;
	const char *env = getenv("KIPC");
	ssize_t n;
	size_t i;

	if (env && *env) {
		snprintf(pipeline_kipc, sizeof(pipeline_kipc), "%s", env);
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return;
	*slash = '\0';
	for (i = 0; i < ARRAY_SIZE(rel); i++) {
		if (strlen(exe) + strlen(rel[i]) >= sizeof(pipeline_kipc))
			continue;
		strcpy(pipeline_kipc, exe);
		strcat(pipeline_kipc, rel[i]);
		if (!access(pipeline_kipc, X_OK))
			return;
	}
	strcpy(pipeline_kipc, "kipc");
}

/* @size bytes of lines of pseudo-random words, the same every time. */
static int pipeline_fill(int fd, long size)
{
	static const char *const words[] = { "pipe",	  "queue",  "segment",
					     "semaphore", "kipc",   "kernel",
					     "reader",	  "writer", "message",
					     "signal",	  "page",   "ring" };
	unsigned int x = 12345;
	char buf[65536];
	size_t len = 0, i, n;
	long done = 0;

	while (done < size) {
		for (i = 0; i < 8; i++) {
			x = x * 1103515245 + 12345;
			n = snprintf(buf + len, sizeof(buf) - len, "%s%u%c",
				     words[(x >> 16) % ARRAY_SIZE(words)],
				     (x >> 8) & 0xffff, i == 7 ? '\n' : ' ');
			len += n;
		}
		if (len > sizeof(buf) - 256 || done + (long)len >= size) {
			if ((long)len > size - done)
				len = size - done;
			if (write(fd, buf, len) != (ssize_t)len)
				return -errno;
			done += len;
			len = 0;
		}
	}
	return 0;
}

/* The input, in a file already unlinked: nothing to clean up after. */
static void pipeline_setup(struct bench_group *g)
{
	char path[] = "/tmp/kipc-bench-pipeline.XXXXXX";
	int ret, i;

	pipeline_find_kipc();
	pipeline_fd = mkstemp(path);
	ret = pipeline_fd < 0 ? -errno : pipeline_fill(pipeline_fd, g->param);
	if (pipeline_fd >= 0)
		unlink(path);
	if (ret)
		for (i = 0; i < g->nsides; i++)
			g->side[i].err = -ret;
}

static void pipeline_teardown(struct bench_group *g)
{
	(void)g;
	if (pipeline_fd >= 0)
		close(pipeline_fd);
	pipeline_fd = -1;
}

/*
 * One pipeline, whatever @n (the input is the group's size): its wall
 * time.
 */
static int pipeline_run(struct bench_group *g, struct bench_side *s, long n,
			double *val, double *secs)
{
	char *const kernel[] = { "sh", "-c", PIPELINE_CMD, NULL };
	char *const kipc[] = { pipeline_kipc, "run",	    "--", "sh",
			       "-c",	      PIPELINE_CMD, NULL };
	uint64_t t0;
	int status, fd;
	pid_t pid;

	(void)g;
	(void)n;
	t0 = now_ns();
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		fd = open("/dev/null", O_WRONLY);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(pipeline_fd, 0) < 0 ||
		    lseek(0, 0, SEEK_SET))
			_exit(126);
		execvp(s->kind == K_PIPE ? kernel[0] : kipc[0],
		       s->kind == K_PIPE ? kernel : kipc);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return WIFEXITED(status) && WEXITSTATUS(status) == 127 ?
			       -ENOENT :
			       -EIO;
	/* Not secs_since(): that is the end a duo's child reports. */
	*secs = (double)(now_ns() - t0) / 1e9;
	val[0] = *secs;
	return 0;
}

static const struct bench_metric m_pipeline[] = { { NULL, "s", true, false } };

void pipeline_groups_add(void)
{
	struct bench_group *g;

	g = group_add(W_PIPELINE, pipeline_run, m_pipeline, 1,
		      opt.quick ? 1L << 20 : 64L << 20, 1);
	g->n_max = 1;
	snprintf(g->label, sizeof(g->label), "%s %d MiB", PIPELINE_CMD,
		 (int)(g->param >> 20) & 0xff);
	g->setup = pipeline_setup;
	g->teardown = pipeline_teardown;
	side_add(g, "kipc run", K_KIPC_PIPE, 0);
	side_add(g, "sh, pipe(2)", K_PIPE, 0);
}

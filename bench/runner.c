// SPDX-License-Identifier: GPL-2.0
/*
 * kipc-bench: the two-process runner. Every two-sided workload forks two
 * fresh children per run (writer and reader, sender and receiver, the two
 * ends of a ping-pong); both finish their setup, the parent reads the
 * clock and releases them, and the child that finishes last reads the
 * clock again. The parent only waits, so the timed region holds nothing
 * but the two children's work.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

struct bench_shared *shared;
long last_csw;
static pid_t children[2];
static sigset_t orig_mask;
static int duo_ready_fd = -1;
static int duo_go_fd = -1;

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* In a child: tell the parent setup is done, then wait for the start. */
int duo_start(void)
{
	char c = 'R';
	ssize_t r;

	if (write(duo_ready_fd, &c, 1) != 1)
		return -EIO;
	close(duo_ready_fd);
	duo_ready_fd = -1;
	do
		r = read(duo_go_fd, &c, 1);
	while (r < 0 && errno == EINTR);
	close(duo_go_fd);
	duo_go_fd = -1;
	return 0;
}

static void duo_pin(int role)
{
	cpu_set_t allowed, one;
	int cpu, nth, want;

	if (opt.cpus == CPUS_ANY ||
	    sched_getaffinity(0, sizeof(allowed), &allowed))
		return;
	/* SAME: both on the first allowed CPU; SPLIT: role 1 on the second. */
	want = opt.cpus == CPUS_SPLIT && CPU_COUNT(&allowed) > 1 ? role : 0;
	for (cpu = 0, nth = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &allowed) || nth++ != want)
			continue;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		sched_setaffinity(0, sizeof(one), &one);
		return;
	}
}

static void duo_child(duo_fn fn, void *arg, int role)
{
	struct rusage ru;
	char c = 'E';
	int ret;

	sigprocmask(SIG_SETMASK, &orig_mask, NULL);
	duo_pin(role);
	ret = fn(arg, role);
	shared->err[role] = ret < 0 ? -ret : 0;
	/* Failed before duo_start(): the parent must not wait for us. */
	if (duo_ready_fd >= 0 && write(duo_ready_fd, &c, 1) != 1)
		ret = -EIO;
	if (!getrusage(RUSAGE_SELF, &ru))
		shared->csw[role] = ru.ru_nvcsw + ru.ru_nivcsw;
	_exit(ret ? 1 : 0);
}

void kill_children(void)
{
	int i;

	for (i = 0; i < 2; i++)
		if (children[i] > 0)
			kill(children[i], SIGKILL);
}

/* Waits for both children; kills them after @timeout_s. */
static int reap_children(int timeout_s)
{
	uint64_t deadline = now_ns() + timeout_s * 1000000000ULL, t;
	int i, st, left, ret = 0;
	struct timespec ts;
	sigset_t chld;
	pid_t r;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	for (;;) {
		left = 0;
		for (i = 0; i < 2; i++) {
			if (children[i] <= 0)
				continue;
			r = waitpid(children[i], &st, WNOHANG);
			if (r == 0) {
				left++;
				continue;
			}
			children[i] = 0;
			/* Exit 1 is a failure the child reported itself. */
			if (r > 0 && !ret &&
			    !(WIFEXITED(st) && WEXITSTATUS(st) <= 1))
				ret = -EIO;
		}
		if (!left)
			return ret;
		t = now_ns();
		if (t >= deadline) {
			kill_children();
			for (i = 0; i < 2; i++)
				if (children[i] > 0)
					waitpid(children[i], &st, 0);
			children[0] = 0;
			children[1] = 0;
			return -ETIMEDOUT;
		}
		ts.tv_sec = (deadline - t) / 1000000000ULL;
		ts.tv_nsec = (deadline - t) % 1000000000ULL;
		sigtimedwait(&chld, NULL, &ts);
	}
}

/*
 * Runs fn(arg, 0) and fn(arg, 1) in two children. Each does its setup and
 * calls duo_start(); when both have, the parent reads the clock into *t0
 * and releases them. The parent closes @pfds (the children's ends it
 * holds) after forking, so that one child's death is seen by the other.
 */
int duo_run(duo_fn fn, void *arg, int *pfds, int npfds, uint64_t *t0)
{
	int ready[2], go[2], role, i, got = 0, ret = 0, r;
	struct pollfd pfd;
	pid_t pid;
	char c;

	if (pipe2(ready, O_CLOEXEC))
		return -errno;
	if (pipe2(go, O_CLOEXEC)) {
		ret = -errno;
		close(ready[0]);
		close(ready[1]);
		return ret;
	}
	memset(shared, 0, sizeof(*shared));
	fflush(stdout);
	fflush(stderr);
	for (role = 0; role < 2; role++) {
		pid = fork();
		if (pid == 0) {
			close(ready[0]);
			close(go[1]);
			duo_ready_fd = ready[1];
			duo_go_fd = go[0];
			duo_child(fn, arg, role);
		}
		if (pid < 0) {
			ret = -errno;
			break;
		}
		children[role] = pid;
	}
	close(ready[1]);
	close(go[0]);
	for (i = 0; i < npfds; i++) {
		if (pfds[i] >= 0)
			close(pfds[i]);
		pfds[i] = -1;
	}
	pfd.fd = ready[0];
	pfd.events = POLLIN;
	while (!ret && got < 2) {
		r = poll(&pfd, 1, BENCH_SETUP_TIMEOUT_MS);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			ret = r ? -errno : -ETIMEDOUT;
			break;
		}
		/* 'E' or end of file: a child failed, it says why below. */
		if (read(ready[0], &c, 1) != 1 || c != 'R') {
			ret = -EIO;
			break;
		}
		got++;
	}
	/* After a failure, kill before releasing: only its error counts. */
	if (ret)
		kill_children();
	*t0 = now_ns();
	close(go[1]);
	r = reap_children(BENCH_RUN_TIMEOUT_S);
	last_csw = shared->csw[0] + shared->csw[1];
	close(ready[0]);
	for (role = 0; role < 2; role++)
		if (shared->err[role])
			return -shared->err[role];
	return ret ? ret : r;
}

double secs_since(uint64_t t0)
{
	return (double)(shared->t_end - t0) / 1e9;
}

/*
 * In the parent, once: the page the children report in, and SIGCHLD
 * blocked, since children are reaped with sigtimedwait(SIGCHLD), never
 * auto-reaped. The children get the signal mask from before.
 */
int duo_init(void)
{
	sigset_t chld;

	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		return -errno;
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &orig_mask);
	return 0;
}

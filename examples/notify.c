// SPDX-License-Identifier: MIT
/*
 * notify: a signal on every arrival (KIPC_NOTIFY), as mq_notify(3) gives
 * one for a POSIX queue, taken synchronously with sigwaitinfo(2).
 *
 * The parent registers for SIGRTMIN on an anonymous queue and on an
 * anonymous pipe, then a child sends three messages and writes once. A
 * real-time signal is queued per arrival, none merged; si_value says the
 * message type (queue) or the bytes written (pipe), si_pid who sent it.
 */
#include <err.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <kipc/kipc.h>

int main(void)
{
	int q, p[2], i, status;
	siginfo_t si;
	sigset_t set;
	pid_t pid;

	/* Blocked, so it waits for sigwaitinfo() instead of killing us. */
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		err(1, "sigprocmask");

	q = kipc_anon(KIPC_KIND_MSG, O_CLOEXEC, 0);
	if (q < 0 || kipc_pipe(p, O_CLOEXEC, 0))
		err(1, "kipc_anon, kipc_pipe");
	/* Any type (0) on the queue; every write on the pipe. */
	if (kipc_notify(q, SIGRTMIN, 0, 0) || kipc_notify(p[0], SIGRTMIN, 0, 0))
		err(1, "kipc_notify");

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		err(1, "fork");
	if (pid == 0) { /* the sender; the registrations stay ours */
		for (i = 1; i <= 3; i++)
			if (kipc_msg_send(q, 10 * i, "hi", 2, 0, 0))
				err(1, "send");
		if (write(p[1], "hello", 5) != 5)
			err(1, "write");
		_exit(0);
	}

	for (i = 0; i < 4; i++) {
		if (sigwaitinfo(&set, &si) < 0)
			err(1, "sigwaitinfo");
		printf("SIGRTMIN %s, from %s: %s %d\n",
		       si.si_code == SI_MESGQ ? "SI_MESGQ" : "other",
		       si.si_pid == pid ? "the child" : "someone else",
		       i < 3 ? "type" : "bytes", si.si_value.sival_int);
	}
	if (waitpid(pid, &status, 0) < 0 || status)
		errx(1, "the child failed");
	return 0;
}

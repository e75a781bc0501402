// SPDX-License-Identifier: MIT
/*
 * pipeline: what a shell does for "CMD1 | CMD2", over a kipc pipe.
 *
 *	pipeline [CMD1 [ARG]... -- CMD2 [ARG]...]
 *
 * Without arguments it runs "ls /" | "grep bin". Each child puts its end
 * of the pipe on standard input or output with dup2(2), then execs; the
 * ends are O_CLOEXEC, so the commands inherit no stray copy that would
 * keep the reader from seeing end of file. The exit status is CMD2's, as
 * in a shell.
 */
#include <err.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <kipc/kipc.h>

/* Fork a child that runs argv with @fd as its descriptor @to. */
static pid_t spawn(char *const *argv, int fd, int to)
{
	pid_t pid = fork();

	if (pid < 0)
		err(1, "fork");
	if (pid == 0) {
		/* dup2() clears O_CLOEXEC on the copy: only it survives exec. */
		if (dup2(fd, to) < 0)
			err(127, "dup2");
		execvp(argv[0], argv);
		err(127, "%s", argv[0]);
	}
	return pid;
}

int main(int argc, char **argv)
{
	static char *const cmd1[] = { "ls", "/", NULL };
	static char *const cmd2[] = { "grep", "bin", NULL };
	char *const *left = cmd1, *const *right = cmd2;
	int fd[2], i, status;
	pid_t p1, p2;

	if (argc > 1) {
		for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
			;
		if (i == 1 || i >= argc - 1)
			errx(2,
			     "usage: pipeline [CMD1 [ARG]... -- CMD2 [ARG]...]");
		argv[i] = NULL;
		left = argv + 1;
		right = argv + i + 1;
	}

	if (kipc_pipe(fd, O_CLOEXEC, 0))
		err(1, "kipc_pipe");
	p1 = spawn(left, fd[1], STDOUT_FILENO);
	p2 = spawn(right, fd[0], STDIN_FILENO);
	/* The parent's copies go, or CMD2 would wait forever for more. */
	close(fd[0]);
	close(fd[1]);

	if (waitpid(p1, NULL, 0) < 0 || waitpid(p2, &status, 0) < 0)
		err(1, "waitpid");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

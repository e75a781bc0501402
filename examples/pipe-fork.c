// SPDX-License-Identifier: MIT
/*
 * pipe-fork: the textbook pipe(2) + fork(2) scene on a kipc pipe.
 *
 * The parent writes three lines and closes its write end; the child reads
 * until read() returns 0, which it does only once every write end is
 * closed: the child's own copy too, which is why it closes it first.
 */
#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <kipc/kipc.h>

static void reader(int rfd)
{
	char buf[64];
	size_t total = 0;
	ssize_t n;

	while ((n = read(rfd, buf, sizeof(buf))) > 0) {
		fwrite(buf, 1, n, stdout);
		total += n;
	}
	if (n < 0)
		err(1, "child: read");
	printf("child: end of file after %zu bytes\n", total);
	exit(0); /* flushes stdout, which _exit() would drop */
}

int main(void)
{
	int fd[2], i, status;
	char line[32];
	pid_t pid;

	/* fd[0] reads, fd[1] writes; 0 = the module's default capacity. */
	if (kipc_pipe(fd, O_CLOEXEC, 0))
		err(1, "kipc_pipe");
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		err(1, "fork");
	if (pid == 0) {
		close(fd[1]); /* else read() would never see end of file */
		reader(fd[0]);
	}
	close(fd[0]);
	for (i = 1; i <= 3; i++) {
		snprintf(line, sizeof(line), "line %d from the parent\n", i);
		if (write(fd[1], line, strlen(line)) < 0)
			err(1, "write");
	}
	close(fd[1]); /* the child's read() returns 0 */
	if (waitpid(pid, &status, 0) < 0)
		err(1, "waitpid");
	printf("parent: child exited with %d\n", WEXITSTATUS(status));
	return WEXITSTATUS(status);
}

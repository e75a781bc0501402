// SPDX-License-Identifier: GPL-2.0
/*
 * kipc sem: P, V, read and set a semaphore node.
 *
 * --undo takes P's units through KIPC_SEM_UNDO: the module gives them back
 * when the file is closed, that is when this program exits. On its own it
 * therefore only waits until the units are available. With "-- CMD", the
 * units are held while CMD runs (as flock(1) holds a lock) and given back
 * when it ends, even if kipc is killed.
 */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

static const struct kipc_cmd kipc_sem_cmd = {
	.name = "sem",
	.usage =
		"usage: kipc sem DEV p [N] [--nowait] [--timeout MS] [--undo] [-- CMD [ARG]...]\n"
		"       kipc sem DEV v [N]\n"
		"       kipc sem DEV get\n"
		"       kipc sem DEV set N\n",
	.help = "\n"
		"  p [N]   take N units (default 1), waiting until they are there;\n"
		"          waiters are served in arrival order\n"
		"  v [N]   give N units (default 1) and wake the waiters that can go\n"
		"  get     print the value\n"
		"  set N   set the value (0..2147483647)\n"
		"\n"
		"  --nowait      p: fail with EAGAIN instead of waiting\n"
		"  --timeout MS  p: wait at most MS milliseconds (ETIMEDOUT)\n"
		"  --undo        p: the units are given back when kipc exits, so\n"
		"                alone this only waits for them; with -- CMD they\n"
		"                are held while CMD runs, then given back\n"
		"  -- CMD        p: run CMD holding the units; kipc exits with\n"
		"                CMD's status\n"
		"\n"
		"Negative numbers need \"--\" before them: kipc sem sem0 set -- -1.\n",
};

/* Run @argv holding the open file; return its exit status as a shell does. */
static int kipc_sem_run(char **argv)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		kipc_fail_errno("fork", errno);
	if (!pid) {
		execvp(argv[0], argv);
		fprintf(stderr, "kipc: %s: %s\n", argv[0], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			kipc_fail_errno("wait", errno);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

int kipc_cmd_sem(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "nowait", no_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		{ "undo", no_argument, NULL, 'u' },
		{}
	};
	struct kipc_sem_op op = { .count = 1 };
	struct kipc_sem_info info;
	bool has_opts = false;
	const char *dev, *verb;
	struct kipc_args a;
	char **cmd = NULL;
	int fd, c, nargs;
	int64_t val;

	kipc_cur = &kipc_sem_cmd;
	kipc_args_init(&a, argc, argv);
	while ((c = kipc_getopt(&a, "+:h", longopts)) != -1) {
		has_opts = true;
		if (c == 'n')
			op.flags |= KIPC_NOWAIT;
		else if (c == 't')
			op.timeout_ns = kipc_parse_timeout(optarg);
		else if (c == 'u')
			op.flags |= KIPC_SEM_UNDO;
	}
	if (a.npos < 2)
		kipc_usage_error("missing %s",
				 a.npos ? "p, v, get or set" : "DEV");
	dev = a.pos[0];
	verb = a.pos[1];
	nargs = a.npos - 2;

	if (!strcmp(verb, "p") && a.ndd >= 0) {
		/* Words after "--" are the command, not N. */
		if (a.ndd < 2)
			kipc_usage_error("DEV and p go before --");
		if (a.npos == a.ndd)
			kipc_usage_error("missing CMD after --");
		cmd = a.pos + a.ndd;
		nargs = a.ndd - 2;
	} else if (has_opts && strcmp(verb, "p")) {
		kipc_usage_error("--nowait, --timeout, --undo: p only");
	}

	if (!strcmp(verb, "p") || !strcmp(verb, "v")) {
		if (nargs > 1)
			kipc_usage_error("unexpected argument '%s'", a.pos[3]);
		if (nargs == 1)
			op.count = kipc_parse_u64(a.pos[2], "N", UINT32_MAX,
						  false);
		fd = kipc_open_dev(dev, KIND_SEM, O_RDWR, NULL);
		if (verb[0] == 'p' ?
			    kipc_sem_p(fd, op.count, op.flags, op.timeout_ns) :
			    kipc_sem_v(fd, op.count))
			kipc_fail_errno(dev, errno);
		if (cmd)
			return kipc_sem_run(cmd);
	} else if (!strcmp(verb, "get")) {
		if (nargs)
			kipc_usage_error("unexpected argument '%s'", a.pos[2]);
		fd = kipc_open_dev(dev, KIND_SEM, O_RDONLY, NULL);
		memset(&info, 0, sizeof(info));
		if (kipc_sem_info(fd, &info))
			kipc_fail_errno(dev, errno);
		printf("%lld\n", (long long)info.value);
	} else if (!strcmp(verb, "set")) {
		if (!nargs)
			kipc_usage_error("missing N");
		if (nargs > 1)
			kipc_usage_error("unexpected argument '%s'", a.pos[3]);
		val = kipc_parse_s64(a.pos[2], "N");
		fd = kipc_open_dev(dev, KIND_SEM, O_RDWR, NULL);
		if (kipc_sem_setval(fd, val))
			kipc_fail_errno(dev, errno);
	} else {
		kipc_usage_error("unknown operation '%s' (p, v, get, set)",
				 verb);
	}
	close(fd);
	return EXIT_OK;
}

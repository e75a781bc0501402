// SPDX-License-Identifier: GPL-2.0
/*
 * kipc notify: register for a signal on every arrival (KIPC_NOTIFY) and
 * print one line per signal: who sent it and the message type (msg) or the
 * bytes written (pipe).
 *
 * The signal is blocked before registering and taken with sigwaitinfo(),
 * so none is lost between two lines, and none kills the program. Only
 * signals with si_code SI_MESGQ count: a kill(1) is not an arrival. On a
 * pipe the node stays open for reading (nothing is read) while this runs.
 */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"

static const struct kipc_cmd kipc_notify_cmd = {
	.name = "notify",
	.usage =
		"usage: kipc notify DEV [--signal SIG] [--type N] [--count N]\n",
	.help = "\n"
		"Wait for arrivals on pipe or msg node DEV and print one line per\n"
		"signal the module sends:\n"
		"  signal RTMIN from pid 123 uid 0: type 5     (msg)\n"
		"  signal RTMIN from pid 123 uid 0: 6 bytes    (pipe)\n"
		"\n"
		"  --signal SIG  the signal, a name (USR1, SIGUSR1, RTMIN+2) or a\n"
		"                number; default RTMIN (real-time signals queue, so\n"
		"                none is merged with the next)\n"
		"  --type N      msg: only type N (N > 0) or types <= |N| (N < 0)\n"
		"  --count N     exit after N signals (default: run until killed)\n",
};

/* "USR1", "SIGUSR1", "usr1", "RTMIN+2", "RTMAX-1" or a number. */
static int kipc_parse_signal(const char *s)
{
	const char *name = s;
	uint64_t n;
	int sig;

	if (*s >= '0' && *s <= '9') {
		n = kipc_parse_u64(s, "signal", SIGRTMAX, false);
		if (!n)
			kipc_usage_error("invalid signal '%s'", s);
		return n;
	}
	if (!strncasecmp(name, "SIG", 3))
		name += 3;
	if (!strncasecmp(name, "RTMIN", 5) || !strncasecmp(name, "RTMAX", 5)) {
		bool min = !strncasecmp(name, "RTMIN", 5);
		const char *off = name + 5;

		sig = min ? SIGRTMIN : SIGRTMAX;
		if (!*off)
			return sig;
		if (*off != (min ? '+' : '-') || off[1] < '0' || off[1] > '9')
			kipc_usage_error("invalid signal '%s'", s);
		n = kipc_parse_u64(off + 1, "signal", SIGRTMAX - SIGRTMIN,
				   false);
		return min ? sig + (int)n : sig - (int)n;
	}
	for (sig = 1; sig < SIGRTMIN; sig++) {
		const char *abbrev = sigabbrev_np(sig);

		if (abbrev && !strcasecmp(name, abbrev))
			return sig;
	}
	kipc_usage_error("invalid signal '%s'", s);
}

static void kipc_signal_name(int sig, char *buf, size_t len)
{
	const char *abbrev = sig < SIGRTMIN ? sigabbrev_np(sig) : NULL;

	if (abbrev)
		snprintf(buf, len, "%s", abbrev);
	else if (sig == SIGRTMIN)
		snprintf(buf, len, "RTMIN");
	else if (sig > SIGRTMIN && sig <= SIGRTMAX)
		snprintf(buf, len, "RTMIN+%d", sig - SIGRTMIN);
	else
		snprintf(buf, len, "%d", sig);
}

int kipc_cmd_notify(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "signal", required_argument, NULL, 's' },
		{ "type", required_argument, NULL, 'T' },
		{ "count", required_argument, NULL, 'c' },
		{}
	};
	struct kipc_notify req = { .signo = SIGRTMIN };
	uint64_t count = 0, seen = 0;
	bool has_count = false;
	enum kipc_kind_bit kind;
	struct kipc_args a;
	siginfo_t info;
	const char *dev;
	char name[16];
	sigset_t set;
	int fd, c;

	kipc_cur = &kipc_notify_cmd;
	kipc_args_init(&a, argc, argv);
	while ((c = kipc_getopt(&a, "+:h", longopts)) != -1) {
		if (c == 's')
			req.signo = kipc_parse_signal(optarg);
		else if (c == 'T')
			req.mtype = kipc_parse_s64(optarg, "type");
		else if (c == 'c')
			count = kipc_parse_u64(optarg, "count", UINT64_MAX,
					       false);
		has_count |= c == 'c';
	}
	if (!a.npos)
		kipc_usage_error("missing DEV");
	if (a.npos > 1)
		kipc_usage_error("unexpected argument '%s'", a.pos[1]);
	if (has_count && !count)
		kipc_usage_error("invalid count '0': must be at least 1");
	dev = a.pos[0];
	if (count == 1)
		req.flags |= KIPC_NOTIFY_ONESHOT;

	fd = kipc_open_dev(dev, KIND_PIPE | KIND_MSG, O_RDONLY | O_NONBLOCK,
			   &kind);
	sigemptyset(&set);
	sigaddset(&set, req.signo);
	/* Blocked first: an arrival right after the ioctl must not kill us. */
	if (req.signo != SIGKILL && req.signo != SIGSTOP &&
	    sigprocmask(SIG_BLOCK, &set, NULL))
		kipc_fail_errno(dev, errno);
	if (kipc_notify(fd, req.signo, req.flags, req.mtype))
		kipc_fail_errno(dev, errno);

	kipc_signal_name(req.signo, name, sizeof(name));
	while (!count || seen < count) {
		if (sigwaitinfo(&set, &info) < 0) {
			if (errno == EINTR)
				continue;
			kipc_fail_errno(dev, errno);
		}
		if (info.si_code != SI_MESGQ)
			continue;
		printf("signal %s from pid %d uid %u: ", name, (int)info.si_pid,
		       (unsigned int)info.si_uid);
		if (kind == KIND_MSG)
			printf("type %d\n", info.si_value.sival_int);
		else
			printf("%d bytes\n", info.si_value.sival_int);
		if (fflush(stdout))
			kipc_fail_errno("stdout", errno);
		seen++;
	}
	close(fd);
	return EXIT_OK;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * kipc send, kipc recv: typed messages, kipc_msg_send() and kipc_msg_recv().
 *
 * recv prints "type N: TEXT". A message's trailing newline is not doubled,
 * and control characters (other than tab and newline) are shown as \xNN,
 * so a binary message cannot upset the terminal. recv --raw prints the text
 * alone, byte for byte, for scripts.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* Read at most this much from stdin when the queue's msgmax is unknown. */
#define KIPC_STDIN_FALLBACK (64UL << 20)

/* recv capacity when the queue cannot tell us its limits. */
#define KIPC_RECV_FALLBACK 65536UL
/* First try's capacity, so that a huge msgmax costs nothing up front. */
#define KIPC_RECV_FIRST 65536UL

static const struct kipc_cmd kipc_send_cmd = {
	.name = "send",
	.usage =
		"usage: kipc send DEV TYPE [TEXT|-] [--nowait] [--timeout MS]\n",
	.help = "\n"
		"Queue a message of TYPE (>= 1) on msg node DEV. The text is TEXT,\n"
		"or standard input when TEXT is - or missing (sent as is, newline\n"
		"included). A full queue blocks until there is room.\n"
		"\n"
		"  --nowait      fail with EAGAIN instead of waiting for room\n"
		"  --timeout MS  wait at most MS milliseconds (ETIMEDOUT)\n",
};

static const struct kipc_cmd kipc_recv_cmd = {
	.name = "recv",
	.usage =
		"usage: kipc recv DEV [--type N] [--except] [--noerror] [--nowait]\n"
		"                     [--timeout MS] [--size BYTES] [--peek] [--raw]\n",
	.help = "\n"
		"Take one message off msg node DEV and print \"type N: TEXT\". Waits\n"
		"until a matching message arrives.\n"
		"\n"
		"  --type N      0 (default): the first message; N > 0: the first of\n"
		"                type N; N < 0: the first of the lowest type <= |N|\n"
		"  --except      with N > 0: the first message not of type N\n"
		"  --noerror     truncate a message longer than --size (no E2BIG)\n"
		"  --nowait      fail with ENOMSG instead of waiting\n"
		"  --timeout MS  wait at most MS milliseconds (ETIMEDOUT)\n"
		"  --size BYTES  receive capacity (default: enough for any message;\n"
		"                a longer one gives E2BIG and stays queued)\n"
		"  --peek        print the message but leave it queued\n"
		"  --raw         print only the text, byte for byte: no \"type N: \",\n"
		"                no newline added, no escapes\n",
};

/* Print the text of a message, escaped as the file comment says. */
static void kipc_print_text(const unsigned char *s, size_t len)
{
	size_t i;

	if (len && s[len - 1] == '\n')
		len--;
	for (i = 0; i < len; i++) {
		if ((s[i] < 0x20 && s[i] != '\t' && s[i] != '\n') ||
		    s[i] == 0x7f)
			printf("\\x%02x", s[i]);
		else
			putchar(s[i]);
	}
	putchar('\n');
}

/* GETINFO, @info zeroed first; -1 on a node that does not answer it. */
static int kipc_queue_info(int fd, struct kipc_msg_info *info)
{
	memset(info, 0, sizeof(*info));
	return kipc_msg_info(fd, info);
}

int kipc_cmd_send(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "nowait", no_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		{}
	};
	uint64_t timeout_ns = 0;
	unsigned int flags = 0;
	struct kipc_msg_info info;
	const char *dev, *text;
	long long mtype;
	bool from_stdin;
	struct kipc_args a;
	size_t len, max;
	char *buf = NULL;
	int fd, c, err;

	kipc_cur = &kipc_send_cmd;
	kipc_args_init(&a, argc, argv);
	while ((c = kipc_getopt(&a, "+:h", longopts)) != -1) {
		if (c == 'n')
			flags |= KIPC_NOWAIT;
		else if (c == 't')
			timeout_ns = kipc_parse_timeout(optarg);
	}
	if (a.npos < 2)
		kipc_usage_error("missing %s", a.npos ? "TYPE" : "DEV");
	if (a.npos > 3)
		kipc_usage_error("unexpected argument '%s'", a.pos[3]);
	dev = a.pos[0];
	mtype = kipc_parse_s64(a.pos[1], "TYPE");
	text = a.npos == 3 ? a.pos[2] : "-";
	from_stdin = !strcmp(text, "-");

	fd = kipc_open_dev(dev, KIND_MSG, O_WRONLY, NULL);
	if (from_stdin) {
		/* Read one byte past msgmax: the kernel then says EINVAL. */
		max = KIPC_STDIN_FALLBACK;
		if (!kipc_queue_info(fd, &info) && info.msgmax < max)
			max = info.msgmax;
		buf = kipc_read_all(STDIN_FILENO, "-", max, &len);
		text = buf;
	} else {
		len = strlen(text);
	}

	if (kipc_msg_send(fd, mtype, text, len, flags, timeout_ns)) {
		err = errno;
		if (err == EINVAL && mtype < 1)
			kipc_fail(dev, "%s (TYPE must be at least 1)",
				  strerror(err));
		if (err == EINVAL && !kipc_queue_info(fd, &info) &&
		    len > info.msgmax)
			kipc_fail(dev, "%s (%zu bytes is over msgmax %llu)",
				  strerror(err), len,
				  (unsigned long long)info.msgmax);
		if (err == EAGAIN && !kipc_queue_info(fd, &info))
			kipc_fail(dev, "%s (queue full: %llu of %llu bytes)",
				  strerror(err),
				  (unsigned long long)info.cbytes,
				  (unsigned long long)info.qbytes);
		kipc_fail_errno(dev, err);
	}
	free(buf);
	close(fd);
	return EXIT_OK;
}

int kipc_cmd_recv(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "type", required_argument, NULL, 'T' },
		{ "except", no_argument, NULL, 'e' },
		{ "noerror", no_argument, NULL, 'E' },
		{ "nowait", no_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		{ "size", required_argument, NULL, 's' },
		{ "peek", no_argument, NULL, 'p' },
		{ "raw", no_argument, NULL, 'r' },
		{}
	};
	uint64_t cap = 0, want, timeout_ns = 0;
	struct kipc_msg_info info;
	unsigned int flags = 0;
	long long mtype;
	ssize_t n;
	bool fixed = false, raw = false;
	struct kipc_args a;
	const char *dev;
	int64_t sel = 0;
	char *buf = NULL;
	int fd, c, tries;

	kipc_cur = &kipc_recv_cmd;
	kipc_args_init(&a, argc, argv);
	while ((c = kipc_getopt(&a, "+:h", longopts)) != -1) {
		switch (c) {
		case 'T':
			sel = kipc_parse_s64(optarg, "type");
			break;
		case 'e':
			flags |= KIPC_MSG_EXCEPT;
			break;
		case 'E':
			flags |= KIPC_MSG_NOERROR;
			break;
		case 'n':
			flags |= KIPC_NOWAIT;
			break;
		case 't':
			timeout_ns = kipc_parse_timeout(optarg);
			break;
		case 's':
			cap = kipc_parse_u64(optarg, "size", SIZE_MAX, true);
			fixed = true;
			break;
		case 'p':
			flags |= KIPC_MSG_PEEK;
			break;
		case 'r':
			raw = true;
			break;
		}
	}
	if (!a.npos)
		kipc_usage_error("missing DEV");
	if (a.npos > 1)
		kipc_usage_error("unexpected argument '%s'", a.pos[1]);
	dev = a.pos[0];

	fd = kipc_open_dev(dev, KIND_MSG, O_RDONLY, NULL);
	/*
	 * Without --size, start small and grow on E2BIG (the message then
	 * stays queued): to the largest message the queue can hold, msgmax,
	 * or more if the limit was lowered after a bigger message was queued
	 * (cbytes bounds every queued message).
	 */
	for (tries = 0;; tries++) {
		if (!fixed) {
			want = KIPC_RECV_FALLBACK;
			if (!kipc_queue_info(fd, &info))
				want = info.msgmax > info.cbytes ? info.msgmax :
								   info.cbytes;
			if (!tries && want > KIPC_RECV_FIRST)
				want = KIPC_RECV_FIRST;
			if (want < cap * 2)
				want = cap * 2;
			cap = want ? want : 1;
		}
		free(buf);
		buf = malloc(cap ? cap : 1);
		if (!buf)
			kipc_fail_errno(dev, ENOMEM);
		mtype = sel;
		n = kipc_msg_recv(fd, &mtype, buf, cap, flags, timeout_ns);
		if (n >= 0)
			break;
		if (errno != E2BIG || fixed || tries >= 8)
			kipc_fail_errno(dev, errno);
	}
	if ((uint64_t)n > cap)
		n = cap;
	if (raw) {
		fwrite(buf, 1, n, stdout);
	} else {
		printf("type %lld: ", mtype);
		kipc_print_text((unsigned char *)buf, n);
	}
	free(buf);
	close(fd);
	return EXIT_OK;
}

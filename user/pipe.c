// SPDX-License-Identifier: GPL-2.0
/*
 * kipc pipe: read or set a pipe's ring capacity.
 *
 * The node is opened read-only and non-blocking, which never waits for a
 * writer and, like any reader, lets a writer blocked in open() go on.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const struct kipc_cmd kipc_pipe_cmd = {
	.name = "pipe",
	.usage = "usage: kipc pipe DEV size [BYTES]\n",
	.help = "\n"
		"  size          print the pipe's capacity in bytes\n"
		"  size BYTES    resize it (rounded up to a power of two of at least\n"
		"                a page) and print the new capacity; less than what\n"
		"                is buffered gives EBUSY, over pipe_max_size without\n"
		"                CAP_SYS_RESOURCE gives EPERM\n"
		"\n"
		"BYTES takes a k, M or G suffix (powers of 1024).\n",
};

int kipc_cmd_pipe(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' }, {}
	};
	struct kipc_args a;
	const char *dev;
	uint32_t size = 0;
	int fd, ret;

	kipc_cur = &kipc_pipe_cmd;
	kipc_args_init(&a, argc, argv);
	while (kipc_getopt(&a, "+:h", longopts) != -1)
		;
	if (a.npos < 2)
		kipc_usage_error("missing %s", a.npos ? "size" : "DEV");
	if (strcmp(a.pos[1], "size"))
		kipc_usage_error("unknown operation '%s' (size)", a.pos[1]);
	if (a.npos > 3)
		kipc_usage_error("unexpected argument '%s'", a.pos[3]);
	dev = a.pos[0];

	if (a.npos == 3)
		size = kipc_parse_u64(a.pos[2], "BYTES", UINT32_MAX, true);
	fd = kipc_open_dev(dev, KIND_PIPE, O_RDONLY | O_NONBLOCK, NULL);
	if (a.npos == 3 && kipc_pipe_set_size(fd, size) == -1)
		kipc_fail_errno(dev, errno);
	ret = kipc_pipe_get_size(fd);
	if (ret == -1)
		kipc_fail_errno(dev, errno);
	/* 2^31, the largest capacity, comes back as INT_MIN. */
	printf("%u\n", (uint32_t)ret);
	close(fd);
	return EXIT_OK;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * kipc shm: the size of a shared-memory segment, and reading and writing
 * it with pread/pwrite.
 *
 * A segment starts zero-filled, so "read" without --length stops at the
 * end of the data: trailing zero bytes are not printed. "write" checks the
 * size first and writes nothing if the text would not fit.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define KIPC_CHUNK 65536

static const struct kipc_cmd kipc_shm_cmd = {
	.name = "shm",
	.usage = "usage: kipc shm DEV size [BYTES]\n"
		 "       kipc shm DEV read [--offset N] [--length N]\n"
		 "       kipc shm DEV write [--offset N] TEXT|-\n",
	.help = "\n"
		"  size [BYTES]  print the segment size; with BYTES, resize it\n"
		"                (rounded up to a page, contents kept up to the\n"
		"                smaller size) and print the new size\n"
		"  read          copy the segment to standard output, from\n"
		"                --offset (default 0) for --length bytes (default:\n"
		"                to the end, trailing zero bytes left out)\n"
		"  write TEXT|-  store TEXT, or standard input for -, at --offset;\n"
		"                nothing is written if it does not fit (ENOSPC)\n"
		"\n"
		"Sizes take a k, M or G suffix (powers of 1024).\n",
};

static uint64_t kipc_shm_size(int fd, const char *dev)
{
	uint64_t size;

	if (kipc_shm_get_size(fd, &size))
		kipc_fail_errno(dev, errno);
	return size;
}

/* Write @n zero bytes to stdout. */
static void kipc_put_zeros(uint64_t n)
{
	static const char zeros[4096];
	size_t k;

	for (; n; n -= k) {
		k = n < sizeof(zeros) ? n : sizeof(zeros);
		fwrite(zeros, 1, k, stdout);
	}
}

static void kipc_shm_read(int fd, const char *dev, uint64_t off, uint64_t len,
			  bool trim)
{
	uint64_t size = kipc_shm_size(fd, dev), held = 0;
	char *buf = malloc(KIPC_CHUNK);
	size_t want, last;
	ssize_t n;

	if (!buf)
		kipc_fail_errno(dev, ENOMEM);
	if (off > size)
		kipc_fail(dev, "offset %llu is past the end (size %llu)",
			  (unsigned long long)off, (unsigned long long)size);
	if (off > INT64_MAX)
		kipc_fail_errno(dev, EINVAL);
	while (len) {
		want = len < KIPC_CHUNK ? len : KIPC_CHUNK;
		n = pread(fd, buf, want, off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			kipc_fail_errno(dev, errno);
		}
		if (!n)
			break;
		off += n;
		len -= n;
		if (!trim) {
			fwrite(buf, 1, n, stdout);
			continue;
		}
		/* Hold zero runs back until something follows them. */
		for (last = n; last && !buf[last - 1]; last--)
			;
		if (!last) {
			held += n;
			continue;
		}
		kipc_put_zeros(held);
		fwrite(buf, 1, last, stdout);
		held = n - last;
	}
	free(buf);
}

static void kipc_shm_write(int fd, const char *dev, uint64_t off,
			   const char *text)
{
	uint64_t size = kipc_shm_size(fd, dev), room;
	char *buf = NULL;
	size_t len;
	ssize_t n;

	room = off < size ? size - off : 0;
	if (!strcmp(text, "-")) {
		buf = kipc_read_all(STDIN_FILENO, "-",
				    room < SIZE_MAX ? room : SIZE_MAX, &len);
		text = buf;
	} else {
		len = strlen(text);
	}
	if (len > room)
		kipc_fail(dev, "%s (%llu bytes fit at offset %llu of %llu)",
			  strerror(ENOSPC), (unsigned long long)room,
			  (unsigned long long)off, (unsigned long long)size);
	while (len) {
		n = pwrite(fd, text, len, off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			kipc_fail_errno(dev, errno);
		}
		text += n;
		off += n;
		len -= n;
	}
	free(buf);
}

int kipc_cmd_shm(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "offset", required_argument, NULL, 'o' },
		{ "length", required_argument, NULL, 'l' },
		{}
	};
	uint64_t off = 0, len = UINT64_MAX, size;
	bool has_off = false, has_len = false;
	const char *dev, *verb;
	struct kipc_args a;
	int fd, c;

	kipc_cur = &kipc_shm_cmd;
	kipc_args_init(&a, argc, argv);
	while ((c = kipc_getopt(&a, "+:h", longopts)) != -1) {
		if (c == 'o') {
			off = kipc_parse_u64(optarg, "offset", INT64_MAX, true);
			has_off = true;
		} else if (c == 'l') {
			len = kipc_parse_u64(optarg, "length", UINT64_MAX,
					     true);
			has_len = true;
		}
	}
	if (a.npos < 2)
		kipc_usage_error("missing %s",
				 a.npos ? "size, read or write" : "DEV");
	dev = a.pos[0];
	verb = a.pos[1];

	if (!strcmp(verb, "size")) {
		if (has_off || has_len)
			kipc_usage_error("--offset, --length: read/write only");
		if (a.npos > 3)
			kipc_usage_error("unexpected argument '%s'", a.pos[3]);
		if (a.npos == 3) {
			size = kipc_parse_u64(a.pos[2], "BYTES", UINT64_MAX,
					      true);
			fd = kipc_open_dev(dev, KIND_SHM, O_RDWR, NULL);
			if (kipc_shm_set_size(fd, size))
				kipc_fail_errno(dev, errno);
		} else {
			fd = kipc_open_dev(dev, KIND_SHM, O_RDONLY, NULL);
		}
		printf("%llu\n", (unsigned long long)kipc_shm_size(fd, dev));
	} else if (!strcmp(verb, "read")) {
		if (a.npos > 2)
			kipc_usage_error("unexpected argument '%s'", a.pos[2]);
		fd = kipc_open_dev(dev, KIND_SHM, O_RDONLY, NULL);
		kipc_shm_read(fd, dev, off, len, !has_len);
	} else if (!strcmp(verb, "write")) {
		if (has_len)
			kipc_usage_error("--length goes with read");
		if (a.npos < 3)
			kipc_usage_error("missing TEXT");
		if (a.npos > 3)
			kipc_usage_error("unexpected argument '%s'", a.pos[3]);
		fd = kipc_open_dev(dev, KIND_SHM, O_WRONLY, NULL);
		kipc_shm_write(fd, dev, off, a.pos[2]);
	} else {
		kipc_usage_error("unknown operation '%s' (size, read, write)",
				 verb);
	}
	close(fd);
	return EXIT_OK;
}

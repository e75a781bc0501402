// SPDX-License-Identifier: GPL-2.0
/*
 * kipc(1): list, drive and watch the kipc module's devices.
 *
 *   kipc mk pipe|msg|shm|sem NAME [--mode MODE] [--size BYTES] [--exclusive]
 *   kipc rm NAME...
 *   kipc ls [pipe|msg|shm|sem] [--json]
 *   kipc send DEV TYPE [TEXT|-]
 *   kipc recv DEV [--type N] [--except] [--noerror] [--nowait] [--timeout MS]
 *                 [--raw]
 *   kipc sem DEV p|v|get|set [N] [--nowait] [--timeout MS] [--undo]
 *   kipc shm DEV size [BYTES] | read [...] | write [--offset N] TEXT|-
 *   kipc pipe DEV size [BYTES]
 *   kipc notify DEV [--signal SIG] [--type N] [--count N]
 *   kipc bench [...], kipc run [...] -- CMD, kipc top [...], kipc trace [...]
 *
 * This file holds the dispatcher and what every command shares: strict
 * number parsing, option parsing, device lookup and error reporting.
 * Errors are one line "kipc: DEV: reason" and exit 1; usage errors print
 * the command's synopsis and exit 2.
 */

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cli.h"

const struct kipc_cmd *kipc_cur;

static const char kipc_main_usage[] =
	"usage: kipc COMMAND [ARGS]\n"
	"\n"
	"  kipc mk pipe|msg|shm|sem NAME [--mode MODE] [--size BYTES] [--exclusive]\n"
	"  kipc rm NAME...\n"
	"  kipc ls [pipe|msg|shm|sem] [--json]\n"
	"  kipc send DEV TYPE [TEXT|-] [--nowait] [--timeout MS]\n"
	"  kipc recv DEV [--type N] [--except] [--noerror] [--nowait]\n"
	"                [--timeout MS] [--size BYTES] [--peek] [--raw]\n"
	"  kipc sem DEV p|v|get|set [N] [--nowait] [--timeout MS] [--undo]\n"
	"  kipc shm DEV size [BYTES] | read [--offset N] [--length N]\n"
	"                            | write [--offset N] TEXT|-\n"
	"  kipc pipe DEV size [BYTES]\n"
	"  kipc notify DEV [--signal SIG] [--type N] [--count N]\n"
	"  kipc bench [--quick] [--json] [--only WORKLOAD]... [--svg FILE]\n"
	"  kipc run [--only KINDS] [--stats] -- CMD [ARG...]\n"
	"  kipc top [--interval SECONDS] [--iterations N]\n"
	"  kipc trace [NAME...] [--count N]\n"
	"  kipc --version\n";

static const char kipc_main_help[] =
	"\n"
	"NAME is an object's name, 1 to 31 of A-Z a-z 0-9 . _ - (its node is\n"
	"/dev/kipc/NAME). DEV is a node path (/dev/kipc/msg0) or a short name\n"
	"(msg0 or NAME); its kind comes from the device, not from the name.\n"
	"'kipc COMMAND --help' describes a command. Exit status: 0 on success,\n"
	"1 on an error (one line \"kipc: DEV: reason\" on stderr), 2 on a usage\n"
	"error.\n";

static const struct kipc_cmd kipc_main_cmd = {
	.name = NULL,
	.usage = kipc_main_usage,
	.help = kipc_main_help,
};

static void kipc_vmsg(const char *what, const char *fmt, va_list ap)
{
	fflush(stdout);
	fputs("kipc: ", stderr);
	if (what)
		fprintf(stderr, "%s: ", what);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void kipc_warn(const char *what, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kipc_vmsg(what, fmt, ap);
	va_end(ap);
}

void kipc_fail(const char *what, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kipc_vmsg(what, fmt, ap);
	va_end(ap);
	exit(EXIT_ERR);
}

void kipc_fail_errno(const char *what, int err)
{
	kipc_fail(what, "%s", strerror(err));
}

void kipc_usage_error(const char *fmt, ...)
{
	const struct kipc_cmd *c = kipc_cur ? kipc_cur : &kipc_main_cmd;
	va_list ap;

	va_start(ap, fmt);
	kipc_vmsg(c->name, fmt, ap);
	va_end(ap);
	fputs(c->usage, stderr);
	fprintf(stderr, "Try 'kipc %s%s--help' for more information.\n",
		c->name ? c->name : "", c->name ? " " : "");
	exit(EXIT_USAGE);
}

void kipc_help(void)
{
	const struct kipc_cmd *c = kipc_cur ? kipc_cur : &kipc_main_cmd;

	fputs(c->usage, stdout);
	fputs(c->help, stdout);
	exit(EXIT_OK);
}

/* At exit: a failed write to stdout (full disk, closed pipe) is an error. */
static void kipc_close_stdout(void)
{
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "kipc: write error: %s\n",
			errno ? strerror(errno) : "unknown error");
		_exit(EXIT_ERR);
	}
}

void kipc_args_init(struct kipc_args *a, int argc, char **argv)
{
	a->argc = argc;
	a->argv = argv;
	a->pos = calloc(argc + 1, sizeof(*a->pos));
	if (!a->pos)
		kipc_fail_errno(NULL, ENOMEM);
	a->npos = 0;
	a->ndd = -1;
	/* Every subcommand starts from argv[1] of its own vector. */
	optind = 0;
	opterr = 0;
}

int kipc_getopt(struct kipc_args *a, const char *shortopts,
		const struct option *longopts)
{
	int before, c;

	for (;;) {
		if (a->ndd >= 0) {
			/* After "--" everything is positional. */
			while (optind < a->argc)
				a->pos[a->npos++] = a->argv[optind++];
			return -1;
		}
		before = optind ? optind : 1;
		/* "+": stop at each positional so they keep their order. */
		c = getopt_long(a->argc, a->argv, shortopts, longopts, NULL);
		if (c == 'h')
			kipc_help();
		if (c == '?' || c == ':') {
			const char *arg = a->argv[before];
			const char *why = c == ':' ?
						  "option needs an argument" :
						  "invalid option";

			if (arg[1] != '-' && optopt)
				kipc_usage_error("%s -- '%c'", why, optopt);
			kipc_usage_error("%s '%s'", why, arg);
		}
		if (c != -1)
			return c;
		if (optind == before + 1 && !strcmp(a->argv[before], "--")) {
			a->ndd = a->npos;
			continue;
		}
		if (optind >= a->argc)
			return -1;
		a->pos[a->npos++] = a->argv[optind++];
	}
}

static bool kipc_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

uint64_t kipc_parse_u64(const char *s, const char *what, uint64_t max,
			bool suffix)
{
	unsigned int shift = 0;
	unsigned long long v;
	char *end;

	if (!kipc_is_digit(s[0]))
		kipc_usage_error("invalid %s '%s': not a number", what, s);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		goto range;
	if (suffix && *end) {
		switch (*end) {
		case 'k':
		case 'K':
			shift = 10;
			break;
		case 'm':
		case 'M':
			shift = 20;
			break;
		case 'g':
		case 'G':
			shift = 30;
			break;
		default:
			break;
		}
		if (shift)
			end++;
	}
	if (*end)
		kipc_usage_error("invalid %s '%s': not a number", what, s);
	if (shift && v > (UINT64_MAX >> shift))
		goto range;
	v <<= shift;
	if (v > max)
		goto range;
	return v;
range:
	kipc_usage_error("invalid %s '%s': out of range (0..%llu)", what, s,
			 (unsigned long long)max);
}

int64_t kipc_parse_s64(const char *s, const char *what)
{
	long long v;
	char *end;

	if (!kipc_is_digit(s[s[0] == '-']))
		kipc_usage_error("invalid %s '%s': not a number", what, s);
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno == ERANGE)
		kipc_usage_error("invalid %s '%s': out of range (%lld..%lld)",
				 what, s, (long long)INT64_MIN,
				 (long long)INT64_MAX);
	if (*end)
		kipc_usage_error("invalid %s '%s': not a number", what, s);
	return v;
}

/* --timeout MS: 1 ms up to what fits in the __u64 nanoseconds. */
uint64_t kipc_parse_timeout(const char *s)
{
	uint64_t ms = kipc_parse_u64(s, "timeout", UINT64_MAX / 1000000, false);

	if (!ms)
		kipc_usage_error("invalid timeout '%s': must be at least 1 ms",
				 s);
	return ms * 1000000;
}

static const struct {
	const char *name;
	enum kipc_kind_bit kind;
	enum kipc_kind uapi;
} kipc_kinds[] = {
	{ "pipe", KIND_PIPE, KIPC_KIND_PIPE },
	{ "msg", KIND_MSG, KIPC_KIND_MSG },
	{ "shm", KIND_SHM, KIPC_KIND_SHM },
	{ "sem", KIND_SEM, KIPC_KIND_SEM },
};

enum kipc_kind kipc_kind_uapi(enum kipc_kind_bit kind)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kipc_kinds); i++)
		if (kipc_kinds[i].kind == kind)
			return kipc_kinds[i].uapi;
	return 0;
}

const char *kipc_kind_name(enum kipc_kind_bit kind)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kipc_kinds); i++)
		if (kipc_kinds[i].kind == kind)
			return kipc_kinds[i].name;
	return "?";
}

/* "msg" -> KIND_MSG, as sysfs spells the kinds; anything else -> 0. */
unsigned int kipc_kind_parse(const char *s)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kipc_kinds); i++)
		if (!strcmp(s, kipc_kinds[i].name))
			return kipc_kinds[i].kind;
	return 0;
}

/* "msg12" -> KIND_MSG; anything else -> 0. The load-time names. */
static unsigned int kipc_kind_of_name(const char *name)
{
	size_t i, n;
	const char *p;

	for (i = 0; i < ARRAY_SIZE(kipc_kinds); i++) {
		n = strlen(kipc_kinds[i].name);
		if (strncmp(name, kipc_kinds[i].name, n))
			continue;
		for (p = name + n; kipc_is_digit(*p); p++)
			;
		if (p > name + n && !*p)
			return kipc_kinds[i].kind;
	}
	return 0;
}

/*
 * The small file @path (sysfs, tracefs: one read), NUL-terminated in @buf:
 * 0, or -1 with errno set.
 */
int kipc_read_small(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* The first line of the small file @path, newline cut; -1 if unreadable. */
static int kipc_read_line(const char *path, char *buf, size_t len)
{
	if (kipc_read_small(path, buf, len))
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/*
 * Which kipc kind is the character device @rdev? The kernel knows: the
 * device's sysfs entry sits in the "kipc" class directory, and an object's
 * has a "kind" attribute (a name does not tell the kind: a msg queue may
 * be called "pipe9"). A module without the attribute has only its
 * load-time nodes, whose names do tell. Without sysfs, trust the file name
 * @path. Returns the kind, KIND_OTHER for a kipc device that is no object
 * of a kind known here (the control node), or 0 for no kipc device.
 */
static unsigned int kipc_kind_of_dev(dev_t rdev, const char *path)
{
	char link[80], target[PATH_MAX], kind[16], *dir, *name;
	unsigned int k;
	ssize_t n;

	snprintf(link, sizeof(link), "/sys/dev/char/%u:%u", major(rdev),
		 minor(rdev));
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0) {
		if (access("/sys/dev/char", F_OK) == 0)
			return 0;
		strncpy(target, path, sizeof(target) - 1);
		target[sizeof(target) - 1] = '\0';
		return kipc_kind_of_name(basename(target));
	}
	target[n] = '\0';
	name = strrchr(target, '/');
	if (!name)
		return 0;
	*name++ = '\0';
	dir = strrchr(target, '/');
	dir = dir ? dir + 1 : target;
	if (strcmp(dir, "kipc"))
		return 0;
	strcat(link, "/kind");
	if (!kipc_read_line(link, kind, sizeof(kind)))
		k = kipc_kind_parse(kind);
	else
		k = kipc_kind_of_name(name);
	return k ? k : KIND_OTHER;
}

unsigned int kipc_kind_of_path(const char *path)
{
	struct stat st;

	if (stat(path, &st) || !S_ISCHR(st.st_mode))
		return 0;
	return kipc_kind_of_dev(st.st_rdev, path);
}

int kipc_open_dev(const char *dev, unsigned int kinds, int flags,
		  enum kipc_kind_bit *kindp)
{
	char path[PATH_MAX];
	unsigned int kind;
	struct stat st;
	int fd;

	if (!*dev)
		kipc_usage_error("empty DEV");
	if (strchr(dev, '/'))
		snprintf(path, sizeof(path), "%s", dev);
	else if (snprintf(path, sizeof(path), KIPC_DEV_DIR "/%s", dev) >=
		 (int)sizeof(path))
		kipc_fail_errno(dev, ENAMETOOLONG);

	if (stat(path, &st)) {
		if (errno == ENOENT && access(KIPC_PROC_DIR, F_OK))
			kipc_fail(dev, "kipc module not loaded");
		kipc_fail_errno(dev, errno);
	}
	kind = S_ISCHR(st.st_mode) ? kipc_kind_of_dev(st.st_rdev, path) : 0;
	if (!kind)
		kipc_fail(dev, "not a kipc device");
	if (!(kind & kinds)) {
		char want[32] = "";
		unsigned int k;

		for (k = 1; k <= KIND_SEM; k <<= 1) {
			if (!(kinds & k))
				continue;
			if (*want)
				strcat(want, " or ");
			strcat(want, kipc_kind_name(k));
		}
		kipc_fail(dev, "not a kipc %s device", want);
	}

	fd = kipc_open(path, flags);
	if (fd < 0)
		kipc_fail_errno(dev, errno);
	if (kindp)
		*kindp = kind;
	return fd;
}

char *kipc_read_all(int fd, const char *what, size_t max, size_t *lenp)
{
	size_t len = 0, cap = 0, limit;
	char *buf = NULL, *nbuf;
	ssize_t n;

	/* One byte more than @max, so that the caller can see "too long". */
	limit = max < SIZE_MAX ? max + 1 : max;
	for (;;) {
		if (len == cap) {
			if (cap == limit)
				break;
			cap = cap ? cap * 2 : 4096;
			if (cap > limit || cap < len)
				cap = limit;
			nbuf = realloc(buf, cap ? cap : 1);
			if (!nbuf)
				kipc_fail_errno(what, ENOMEM);
			buf = nbuf;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			kipc_fail_errno(what, errno);
		}
		if (!n)
			break;
		len += n;
	}
	if (!buf) {
		buf = malloc(1);
		if (!buf)
			kipc_fail_errno(what, ENOMEM);
	}
	*lenp = len;
	return buf;
}

void kipc_write_all(int fd, const char *what, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			kipc_fail_errno(what, errno);
		}
		p += n;
		len -= n;
	}
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} kipc_cmds[] = {
	{ "mk", kipc_cmd_mk },	       { "rm", kipc_cmd_rm },
	{ "ls", kipc_cmd_ls },	       { "send", kipc_cmd_send },
	{ "recv", kipc_cmd_recv },     { "sem", kipc_cmd_sem },
	{ "shm", kipc_cmd_shm },       { "pipe", kipc_cmd_pipe },
	{ "notify", kipc_cmd_notify }, { "bench", kipc_cmd_bench },
	{ "run", kipc_cmd_run },       { "top", kipc_cmd_top },
	{ "trace", kipc_cmd_trace },
};

/* The tool's version, and the loaded module's (MODULE_VERSION) if any. */
static int kipc_version(void)
{
	char buf[64] = "";
	FILE *f;

	printf("kipc %s\n", KIPC_VERSION);
	f = fopen("/sys/module/kipc/version", "re");
	if (f && fgets(buf, sizeof(buf), f))
		printf("module %s", buf);
	else
		printf("module not loaded\n");
	if (f)
		fclose(f);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	size_t i;

	atexit(kipc_close_stdout);
	if (argc < 2)
		kipc_usage_error("missing COMMAND");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help"))
		kipc_help();
	if (!strcmp(argv[1], "--version"))
		return kipc_version();
	for (i = 0; i < ARRAY_SIZE(kipc_cmds); i++)
		if (!strcmp(argv[1], kipc_cmds[i].name))
			return kipc_cmds[i].fn(argc - 1, argv + 1);
	if (argv[1][0] == '-')
		kipc_usage_error("invalid option '%s'", argv[1]);
	kipc_usage_error("unknown command '%s'", argv[1]);
}

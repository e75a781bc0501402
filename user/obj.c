// SPDX-License-Identifier: GPL-2.0
/*
 * kipc mk, kipc rm: make and remove named objects through /dev/kipc/control
 * (kipc_create(), kipc_remove()), as ipcmk(1) and ipcrm(1) do for System V
 * objects.
 *
 * mk prints the new node's path. Its mode is the one given (default 0666)
 * less the umask, which the kernel takes off, as mkfifo(1) has it. rm goes
 * on after a name it cannot remove, says why for each, and exits 1 if any
 * failed. Both take NAME or /dev/kipc/NAME.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define KIPC_CONTROL KIPC_DEV_DIR "/control"

static const struct kipc_cmd kipc_mk_cmd = {
	.name = "mk",
	.usage =
		"usage: kipc mk pipe|msg|shm|sem NAME [--mode MODE] [--size BYTES]\n"
		"               [--exclusive]\n",
	.help = "\n"
		"Make the object /dev/kipc/NAME of the kind given, owned by you, and\n"
		"print its path. If NAME exists with that kind, nothing changes and\n"
		"the path is printed too (msgget(2) with IPC_CREAT); with another\n"
		"kind it is an error (EEXIST).\n"
		"\n"
		"  --mode MODE    permission bits in octal, at most 0777 (default\n"
		"                 0666); the umask is taken off, as mkfifo(1) does\n"
		"  --size BYTES   pipe: capacity; shm: segment size; msg: queue\n"
		"                 capacity (qbytes); sem: initial value, 0 too\n"
		"                 (default: the module's). k, M, G suffixes.\n"
		"  --exclusive    fail with EEXIST if NAME exists (IPC_EXCL)\n"
		"\n"
		"NAME: 1 to 31 of A-Z a-z 0-9 . _ -, not starting with '.', not\n"
		"\"control\". Limits on the number of objects and their sizes are in\n"
		"/proc/kipc/limits.\n",
};

static const struct kipc_cmd kipc_rm_cmd = {
	.name = "rm",
	.usage = "usage: kipc rm NAME...\n",
	.help = "\n"
		"Remove each object NAME (or /dev/kipc/NAME), as ipcrm(1) does: its\n"
		"node goes at once. Files still open on it see what the kernel's\n"
		"own objects show: a pipe works on until closed (an unlinked\n"
		"FIFO); msg, shm and sem give EIDRM (IPC_RMID). Allowed to its\n"
		"creator, its owner, or root (CAP_SYS_ADMIN), else EPERM.\n"
		"\n"
		"Every NAME is tried; one line per failure, then exit status 1.\n",
};

/* NAME as given, or its /dev/kipc/ path: the name. */
static const char *kipc_obj_name(const char *arg)
{
	static const char dir[] = KIPC_DEV_DIR "/";

	if (!strncmp(arg, dir, sizeof(dir) - 1))
		return arg + sizeof(dir) - 1;
	return arg;
}

static bool kipc_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

/* Why @name is no object name (as the control node checks), or NULL. */
static const char *kipc_name_problem(const char *name)
{
	size_t len = strlen(name), i;

	if (!len)
		return "empty";
	if (len >= KIPC_NAME_MAX)
		return "longer than 31 bytes";
	for (i = 0; i < len; i++)
		if (!kipc_name_char(name[i]))
			return "only A-Z a-z 0-9 . _ - may be used";
	if (name[0] == '.')
		return "starts with '.'";
	if (!strcmp(name, "control"))
		return "the control node's name";
	return NULL;
}

/*
 * Fail unless the control node opens as libkipc's calls open it: their
 * errors then are the request's, not the node's.
 */
static void kipc_check_control(void)
{
	int fd = kipc_open(KIPC_CONTROL, O_RDWR);

	if (fd < 0) {
		if (errno == ENOENT && access(KIPC_PROC_DIR, F_OK))
			kipc_fail(NULL, "kipc module not loaded");
		kipc_fail_errno(KIPC_CONTROL, errno);
	}
	close(fd);
}

/* Octal permission bits, at most 0777. */
static unsigned int kipc_parse_mode(const char *s)
{
	unsigned long v;
	char *end;

	if (s[0] < '0' || s[0] > '7')
		kipc_usage_error("invalid MODE '%s': not an octal number", s);
	errno = 0;
	v = strtoul(s, &end, 8);
	if (*end)
		kipc_usage_error("invalid MODE '%s': not an octal number", s);
	if (errno == ERANGE || v > 0777)
		kipc_usage_error("invalid MODE '%s': out of range (0..0777)",
				 s);
	return v;
}

/*
 * --size, sent with KIPC_CREATE_SIZE: 0 is a semaphore at 0, for the
 * other kinds at least 1; sem: an int.
 */
static uint64_t kipc_mk_size(const char *s, enum kipc_kind kind)
{
	uint64_t max = kind == KIPC_KIND_SEM ? KIPC_SEM_VALUE_MAX : UINT64_MAX;
	uint64_t v = kipc_parse_u64(s, "size", max, true);

	if (!v && kind != KIPC_KIND_SEM)
		kipc_usage_error("invalid size '%s': must be at least 1", s);
	return v;
}

/* KIPC_CTL_CREATE of @name failed with @err: say why, exit 1. */
static __noreturn void kipc_mk_fail(const char *name, const char *kind,
				    const char *size_arg, int err)
{
	char path[KIPC_NAME_MAX + sizeof(KIPC_DEV_DIR)];
	unsigned int have;

	switch (err) {
	case EEXIST:
		snprintf(path, sizeof(path), KIPC_DEV_DIR "/%s", name);
		have = kipc_kind_of_path(path);
		if (have & (KIND_PIPE | KIND_MSG | KIND_SHM | KIND_SEM) &&
		    have != kipc_kind_parse(kind))
			kipc_fail(name, "%s (it is a %s)", strerror(err),
				  kipc_kind_name(have));
		break;
	case ENOSPC:
		kipc_fail(name,
			  "%s (too many objects: see " KIPC_PROC_DIR "/limits)",
			  strerror(err));
	case EINVAL:
	case EPERM:
		if (size_arg)
			kipc_fail(name,
				  "%s (size %s: see " KIPC_PROC_DIR "/limits)",
				  strerror(err), size_arg);
		break;
	}
	kipc_fail_errno(name, err);
}

int kipc_cmd_mk(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "mode", required_argument, NULL, 'm' },
		{ "size", required_argument, NULL, 's' },
		{ "exclusive", no_argument, NULL, 'x' },
		{}
	};
	const char *name, *why, *size_arg = NULL;
	unsigned int mode = 0666, flags = 0;
	enum kipc_kind kind;
	uint64_t size = 0;
	struct kipc_args a;
	int c;

	kipc_cur = &kipc_mk_cmd;
	kipc_args_init(&a, argc, argv);
	while ((c = kipc_getopt(&a, "+:h", longopts)) != -1) {
		if (c == 'm')
			mode = kipc_parse_mode(optarg);
		else if (c == 's')
			size_arg = optarg;
		else if (c == 'x')
			flags |= KIPC_CREATE_EXCL;
	}
	if (a.npos < 2)
		kipc_usage_error("missing %s",
				 a.npos ? "NAME" : "pipe, msg, shm or sem");
	if (a.npos > 2)
		kipc_usage_error("unexpected argument '%s'", a.pos[2]);
	kind = kipc_kind_uapi(kipc_kind_parse(a.pos[0]));
	if (!kind)
		kipc_usage_error("unknown kind '%s' (pipe, msg, shm, sem)",
				 a.pos[0]);
	name = kipc_obj_name(a.pos[1]);
	why = kipc_name_problem(name);
	if (why)
		kipc_usage_error("invalid NAME '%s': %s", a.pos[1], why);
	if (size_arg) {
		size = kipc_mk_size(size_arg, kind);
		flags |= KIPC_CREATE_SIZE;
	}

	kipc_check_control();
	if (kipc_create(name, kind, mode, size, flags))
		kipc_mk_fail(name, a.pos[0], size_arg, errno);
	free(a.pos);
	printf("%s/%s\n", KIPC_DEV_DIR, name);
	return EXIT_OK;
}

int kipc_cmd_rm(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' }, {}
	};
	int i, status = EXIT_OK;
	struct kipc_args a;
	const char *name;

	kipc_cur = &kipc_rm_cmd;
	kipc_args_init(&a, argc, argv);
	while (kipc_getopt(&a, "+:h", longopts) != -1)
		;
	if (!a.npos)
		kipc_usage_error("missing NAME");

	kipc_check_control();
	for (i = 0; i < a.npos; i++) {
		name = kipc_obj_name(a.pos[i]);
		if (!*name || strlen(name) >= KIPC_NAME_MAX) {
			kipc_warn(a.pos[i], "%s",
				  strerror(*name ? ENAMETOOLONG : ENOENT));
			status = EXIT_ERR;
			continue;
		}
		if (kipc_remove(name)) {
			kipc_warn(a.pos[i], "%s", strerror(errno));
			status = EXIT_ERR;
		}
	}
	free(a.pos);
	return status;
}

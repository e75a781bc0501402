/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kipc(1): the command-line tool for the kipc module. Shared helpers:
 * argument parsing, device lookup, and error reporting.
 */
#ifndef _KIPC_CLI_H
#define _KIPC_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kipc/kipc.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* The kernel's attribute names, as tools/include/linux/compiler.h has them. */
#define __kipc_attr(x) __attribute__(x)
#define __noreturn __kipc_attr((__noreturn__))
#define __printf(a, b) __kipc_attr((__format__(printf, a, b)))

/* Overridable at build time, to test the tool against fake trees. */
#ifndef KIPC_DEV_DIR
#define KIPC_DEV_DIR "/dev/kipc"
#endif
#ifndef KIPC_PROC_DIR
#define KIPC_PROC_DIR "/proc/kipc"
#endif

/* Exit codes: success, operational error, usage error. */
#define EXIT_OK 0
#define EXIT_ERR 1
#define EXIT_USAGE 2

/*
 * The kinds of node, as bits so a command can accept several (not the
 * uapi's enum kipc_kind, which numbers them for the control node).
 */
enum kipc_kind_bit {
	KIND_PIPE = 1 << 0,
	KIND_MSG = 1 << 1,
	KIND_SHM = 1 << 2,
	KIND_SEM = 1 << 3,
	KIND_OTHER = 1 << 4, /* a kipc device of no kind above: control */
};

/**
 * struct kipc_cmd - the subcommand being run, for messages
 * @name: subcommand name ("send", ...)
 * @usage: its synopsis, one or more lines, each starting "kipc "
 * @help: the rest of its --help text
 */
struct kipc_cmd {
	const char *name;
	const char *usage;
	const char *help;
};

/**
 * struct kipc_args - positional arguments and the state of option parsing
 * @argc: argument count (argv[0] is the subcommand name)
 * @argv: the arguments
 * @pos: positional arguments collected so far, in order
 * @npos: number of entries in @pos
 * @ndd: entries of @pos before "--", or -1 without "--"
 */
struct kipc_args {
	int argc;
	char **argv;
	char **pos;
	int npos;
	int ndd;
};

extern const struct kipc_cmd *kipc_cur;

/* An error that does not end the command: "kipc: WHAT: reason". */
__printf(2, 3) void kipc_warn(const char *what, const char *fmt, ...);

/* Errors: "kipc: WHAT: reason", exit 1. */
__noreturn __printf(2, 3) void kipc_fail(const char *what, const char *fmt,
					 ...);
__noreturn void kipc_fail_errno(const char *what, int err);

/* Usage errors: "kipc: CMD: reason", the usage, exit 2. */
__noreturn __printf(1, 2) void kipc_usage_error(const char *fmt, ...);
__noreturn void kipc_help(void);

/*
 * Option parsing shared by every subcommand: options may come before,
 * between or after the positional arguments; "--" ends them. Returns the
 * next option character, or -1 when every argument has been seen. Handles
 * --help and the errors itself.
 */
int kipc_getopt(struct kipc_args *a, const char *shortopts,
		const struct option *longopts);
void kipc_args_init(struct kipc_args *a, int argc, char **argv);

/* Strict number parsing; a bad number is a usage error naming @what. */
uint64_t kipc_parse_u64(const char *s, const char *what, uint64_t max,
			bool suffix);
int64_t kipc_parse_s64(const char *s, const char *what);
uint64_t kipc_parse_timeout(const char *s);

/* Open node @dev (path or short name) of a kind in @kinds, or fail. */
int kipc_open_dev(const char *dev, unsigned int kinds, int flags,
		  enum kipc_kind_bit *kind);

/* Read all of @fd (at most @max bytes; one more means too long). */
char *kipc_read_all(int fd, const char *what, size_t max, size_t *len);

/* The small file @path (sysfs, tracefs) in @buf: 0, or -1 and errno. */
int kipc_read_small(const char *path, char *buf, size_t len);

/* Write all of @buf to @fd or fail naming @what. */
void kipc_write_all(int fd, const char *what, const void *buf, size_t len);

const char *kipc_kind_name(enum kipc_kind_bit kind);
/* KIND_MSG -> KIPC_KIND_MSG, as the control node numbers the kinds. */
enum kipc_kind kipc_kind_uapi(enum kipc_kind_bit kind);
/* "msg" -> KIND_MSG; 0 for no kind. */
unsigned int kipc_kind_parse(const char *s);
/* The kind of the node at @path, KIND_OTHER, or 0 for no kipc node. */
unsigned int kipc_kind_of_path(const char *path);

int kipc_cmd_mk(int argc, char **argv);
int kipc_cmd_rm(int argc, char **argv);
int kipc_cmd_ls(int argc, char **argv);
int kipc_cmd_send(int argc, char **argv);
int kipc_cmd_recv(int argc, char **argv);
int kipc_cmd_sem(int argc, char **argv);
int kipc_cmd_shm(int argc, char **argv);
int kipc_cmd_pipe(int argc, char **argv);
int kipc_cmd_notify(int argc, char **argv);
int kipc_cmd_bench(int argc, char **argv);
int kipc_cmd_run(int argc, char **argv);
int kipc_cmd_top(int argc, char **argv);
int kipc_cmd_trace(int argc, char **argv);

#endif /* _KIPC_CLI_H */

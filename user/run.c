// SPDX-License-Identifier: GPL-2.0
/*
 * kipc run: run a command, and everything it starts, with libkipc's preload
 * library, so that its pipes and System V objects are kipc objects.
 *
 * The run gets a directory (KIPC_RUN in the environment) that the library
 * and this command share: a page of counters, the pids that made objects,
 * the System V keys, and the programs that ran without the library (see
 * lib/preload.h). With --stats, /proc/kipc is read every tenth of a second
 * while CMD runs and once after, keeping the last row of each object of the
 * run: anonymous objects by their creator's pid, named ones by their
 * "kr" TOKEN prefix. When CMD is done the run's named objects are removed
 * (their ids meant nothing outside the run) and the directory with them.
 *
 * Exit status, as env(1) and timeout(1): CMD's; if a signal killed CMD,
 * kipc run kills itself with it (core dumps off), so that a shell sees the
 * same; 125 when kipc run itself fails, 126 when CMD cannot be run, 127 when
 * it is not found; 2 for a usage error (as every kipc command).
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <kipc/kipc.h>

#include "cli.h"
#include "../lib/preload.h"

#define RUN_EXIT_FAIL 125
#define RUN_EXIT_CANNOT 126
#define RUN_EXIT_NOTFOUND 127

static const struct kipc_cmd kipc_run_cmd = {
	.name = "run",
	.usage = "usage: kipc run [--only KINDS] [--stats] -- CMD [ARG...]\n",
	.help = "\n"
		"Run CMD, and every program it starts, with libkipc's preload\n"
		"library: its pipe(2) and pipe2(2) make kipc anonymous pipes, its\n"
		"System V message queues, shared memory and single semaphores are\n"
		"kipc objects. CMD's output and exit status are its own.\n"
		"\n"
		"  --only KINDS   redirect only these: a comma list of pipe, msg,\n"
		"                 shm, sem (default all)\n"
		"  --stats        when CMD is done, print to stderr the kipc\n"
		"                 objects it used: bytes, messages, high water,\n"
		"                 waiters, and how many objects it made\n"
		"\n"
		"A program that cannot load the library (statically linked) or\n"
		"that is started without its environment is reported on stderr:\n"
		"its IPC is the kernel's. Exit status: CMD's (a signal that kills\n"
		"CMD kills kipc run too); 125 if kipc run fails, 126 if CMD\n"
		"cannot run, 127 if it is not found.\n",
};

/**
 * struct run_obj - one kipc object of the run, as /proc/kipc last showed it
 * @name: its name ("anon:12", "krAbC123.q1073741824")
 * @kind: "pipe", "msg", "shm" or "sem"
 * @bytes: pipe: bytes written; msg: bytes queued; shm: size
 * @msgs: msg: messages sent; sem: P and V operations; else -1
 * @high: pipe: high water in bytes; msg: most messages queued seen;
 *	shm: most mappings seen; sem: highest value seen
 * @waits: msg, sem: most tasks seen waiting; else -1
 */
struct run_obj {
	char name[KIPC_NAME_MAX];
	const char *kind;
	long long bytes, msgs, high, waits;
};

/**
 * struct run_state - the run
 * @dir: the run directory
 * @tok: the token in the run's object names
 * @ctr: the counters page
 * @objs: objects seen in /proc/kipc
 * @nobjs: entries of @objs
 */
static struct run_state {
	char dir[64];
	const char *tok;
	struct kipc_run_counters *ctr;
	struct run_obj *objs;
	size_t nobjs;
} run;

static unsigned int run_parse_only(const char *s)
{
	static const struct {
		const char *name;
		unsigned int bit;
	} kinds[] = { { "pipe", KIPC_RUN_PIPE },
		      { "msg", KIPC_RUN_MSG },
		      { "shm", KIPC_RUN_SHM },
		      { "sem", KIPC_RUN_SEM } };
	char *copy = strdup(s), *tok, *save = NULL;
	unsigned int on = 0;
	size_t i;

	if (!copy)
		kipc_fail_errno("--only", ENOMEM);
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < ARRAY_SIZE(kinds); i++)
			if (!strcmp(tok, kinds[i].name))
				break;
		if (i == ARRAY_SIZE(kinds))
			kipc_usage_error("unknown kind '%s' (%s)", tok,
					 "pipe, msg, shm, sem");
		on |= kinds[i].bit;
	}
	free(copy);
	if (!on)
		kipc_usage_error("--only needs one of pipe, msg, shm, sem");
	return on;
}

/* Fail as kipc run does: a message, exit 125 (env(1)'s own failure). */
__noreturn __printf(1, 2) static void run_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "kipc: run: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(RUN_EXIT_FAIL);
}

/* The preload library: $KIPC_PRELOAD, else next to this program. */
static char *run_find_preload(void)
{
	/* The build tree (user/, lib/) and an install (bin/, lib/). */
	static const char *const rel[] = { "/../lib/" KIPC_PRELOAD_NAME,
					   "/../lib64/" KIPC_PRELOAD_NAME };
	char exe[PATH_MAX], path[PATH_MAX + 64], *slash, *real;
	const char *env = getenv("KIPC_PRELOAD");
	ssize_t n;
	size_t i;

	if (env && *env) {
		real = realpath(env, NULL);
		if (!real)
			run_fail("KIPC_PRELOAD=%s: %s", env, strerror(errno));
		return real;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		run_fail("/proc/self/exe: %s", strerror(errno));
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	for (i = 0; i < ARRAY_SIZE(rel); i++) {
		snprintf(path, sizeof(path), "%s%s", exe, rel[i]);
		real = realpath(path, NULL);
		if (real)
			return real;
	}
	run_fail("cannot find %s next to %s (set KIPC_PRELOAD)",
		 KIPC_PRELOAD_NAME, exe);
}

/* The run directory and its counters page. */
static void run_setup(void)
{
	char path[128];
	int fd;

	snprintf(run.dir, sizeof(run.dir), "/tmp/kipc-run.XXXXXX");
	if (!mkdtemp(run.dir))
		run_fail("%s: %s", run.dir, strerror(errno));
	/* Processes that change uid record here too. */
	chmod(run.dir, 01777);
	run.tok = run.dir + strlen(run.dir) - KIPC_RUN_TOKEN_LEN;
	snprintf(path, sizeof(path), "%s/counters", run.dir);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0 || fchmod(fd, 0666) || ftruncate(fd, sizeof(*run.ctr)))
		run_fail("%s: %s", path, strerror(errno));
	run.ctr = mmap(NULL, sizeof(*run.ctr), PROT_READ | PROT_WRITE,
		       MAP_SHARED, fd, 0);
	close(fd);
	if (run.ctr == MAP_FAILED)
		run_fail("%s: %s", path, strerror(errno));
	run.ctr->magic = KIPC_RUN_MAGIC;
}

/* LD_PRELOAD, KIPC_RUN and KIPC_RUN_ONLY for CMD. */
static void run_env(const char *preload, unsigned int on)
{
	const char *old = getenv("LD_PRELOAD");
	char only[16], *val;

	if (old && *old) {
		if (asprintf(&val, "%s:%s", old, preload) < 0)
			run_fail("%s", strerror(ENOMEM));
	} else {
		val = strdup(preload);
	}
	if (!val || setenv("LD_PRELOAD", val, 1) ||
	    setenv(KIPC_RUN_ENV, run.dir, 1))
		run_fail("%s", strerror(errno));
	snprintf(only, sizeof(only), "%u", on);
	if (setenv(KIPC_RUN_ONLY_ENV, only, 1))
		run_fail("%s", strerror(errno));
	free(val);
}

/* CMD as execvp() finds it, or NULL. */
static char *run_which(const char *file)
{
	const char *p = getenv("PATH"), *end;
	char *path;

	if (strchr(file, '/'))
		return strdup(file);
	for (p = p ? p : "/bin:/usr/bin"; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, ':');
		if (asprintf(&path, "%.*s/%s", (int)(end - p), p, file) < 0)
			return NULL;
		if (!access(path, X_OK))
			return path;
		free(path);
	}
	return NULL;
}

/* @path is a statically linked ELF program. */
static bool run_is_static(const char *path)
{
	unsigned char head[KIPC_RUN_ELF_HEAD];
	size_t n;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return false;
	n = fread(head, 1, sizeof(head), f);
	fclose(f);
	return kipc_run_elf_static(head, n);
}

/* ----------------------------------------------------------- the stats */

/* The pid recorded a p<pid> file: it made an anonymous object. */
static bool run_has_pid(const char *cpid)
{
	char path[128];
	struct stat st;

	/* A symlink to nowhere: its name is the record. */
	snprintf(path, sizeof(path), "%s/p%s", run.dir, cpid);
	return !lstat(path, &st);
}

static bool run_owns(const char *name, const char *cpid)
{
	size_t plen = strlen(KIPC_RUN_PREFIX);

	if (!strncmp(name, KIPC_RUN_PREFIX, plen) &&
	    !strncmp(name + plen, run.tok, KIPC_RUN_TOKEN_LEN) &&
	    name[plen + KIPC_RUN_TOKEN_LEN] == '.')
		return true;
	return !strncmp(name, "anon:", 5) && run_has_pid(cpid);
}

static struct run_obj *run_obj(const char *name, const char *kind)
{
	struct run_obj *o;
	size_t i;

	for (i = 0; i < run.nobjs; i++)
		if (!strcmp(run.objs[i].name, name) &&
		    !strcmp(run.objs[i].kind, kind))
			return &run.objs[i];
	o = reallocarray(run.objs, run.nobjs + 1, sizeof(*o));
	if (!o)
		return NULL;
	run.objs = o;
	o = &run.objs[run.nobjs++];
	memset(o, 0, sizeof(*o));
	snprintf(o->name, sizeof(o->name), "%s", name);
	o->kind = kind;
	o->msgs = -1;
	o->waits = -1;
	return o;
}

static long long run_max(long long a, long long b)
{
	return a > b ? a : b;
}

/* Column @col of the header @hdr, or -1. */
static int run_col(char **hdr, int n, const char *col)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(hdr[i], col))
			return i;
	return -1;
}

static int run_split(char *line, char **f, int max)
{
	int n = 0;
	char *save = NULL, *t;

	for (t = strtok_r(line, " \t\n", &save); t && n < max;
	     t = strtok_r(NULL, " \t\n", &save))
		f[n++] = t;
	return n;
}

/* Column @col of a row as a number, 0 if the table has no such column. */
static long long run_val(char **hdr, char **f, int n, const char *col)
{
	int c = run_col(hdr, n, col);

	return c >= 0 ? atoll(f[c]) : 0;
}

/* One /proc/kipc table: update the objects of the run it lists. */
static void run_sample_table(const char *kind)
{
	char path[64], hline[512], line[512], *hdr[32], *f[32];
	long long v;
	int nh, nf, cpid;
	struct run_obj *o;
	FILE *fp;

	snprintf(path, sizeof(path), KIPC_PROC_DIR "/%s", kind);
	fp = fopen(path, "re");
	if (!fp)
		return;
	if (!fgets(hline, sizeof(hline), fp)) {
		fclose(fp);
		return;
	}
	nh = run_split(hline, hdr, 32);
	cpid = run_col(hdr, nh, "cpid");
	while (fgets(line, sizeof(line), fp)) {
		nf = run_split(line, f, 32);
		if (nf != nh || cpid < 0 || !run_owns(f[0], f[cpid]))
			continue;
		o = run_obj(f[0], kind);
		if (!o)
			break;
		if (!strcmp(kind, "pipe")) {
			o->bytes = run_val(hdr, f, nh, "bytes_in");
			o->high = run_val(hdr, f, nh, "high_water");
		} else if (!strcmp(kind, "msg")) {
			o->bytes = run_max(o->bytes,
					   run_val(hdr, f, nh, "cbytes"));
			o->msgs = run_val(hdr, f, nh, "sent");
			o->high = run_max(o->high, run_val(hdr, f, nh, "qnum"));
			v = run_val(hdr, f, nh, "rwait") +
			    run_val(hdr, f, nh, "swait");
			o->waits = run_max(o->waits, v);
		} else if (!strcmp(kind, "shm")) {
			o->bytes = run_val(hdr, f, nh, "size");
			o->high =
				run_max(o->high, run_val(hdr, f, nh, "nattch"));
		} else {
			o->msgs = run_val(hdr, f, nh, "p_ops") +
				  run_val(hdr, f, nh, "v_ops");
			o->high =
				run_max(o->high, run_val(hdr, f, nh, "value"));
			o->waits = run_max(o->waits,
					   run_val(hdr, f, nh, "waiters"));
		}
	}
	fclose(fp);
}

static void run_sample(void)
{
	run_sample_table("pipe");
	run_sample_table("msg");
	run_sample_table("shm");
	run_sample_table("sem");
}

static void run_num(long long v)
{
	if (v < 0)
		fprintf(stderr, " %10s", "-");
	else
		fprintf(stderr, " %10lld", v);
}

static void run_print_stats(void)
{
	const struct kipc_run_counters *c = run.ctr;
	unsigned long long made = 0, kernel = 0;
	size_t i;
	int k;

	for (k = 0; k < KIPC_RUN_K_NR; k++) {
		made += c->made[k];
		kernel += c->kernel[k];
	}
	fprintf(stderr,
		"kipc run: %llu kipc objects made (pipe %llu, msg %llu, shm %llu, sem %llu), %zu seen in /proc/kipc\n",
		made, (unsigned long long)c->made[KIPC_RUN_K_PIPE],
		(unsigned long long)c->made[KIPC_RUN_K_MSG],
		(unsigned long long)c->made[KIPC_RUN_K_SHM],
		(unsigned long long)c->made[KIPC_RUN_K_SEM], run.nobjs);
	fprintf(stderr,
		"kipc run: %llu calls left to the kernel, %llu programs without the library, %llu processes with it\n",
		kernel, (unsigned long long)c->unpreloaded,
		(unsigned long long)c->processes);
	if (!run.nobjs)
		return;
	fprintf(stderr, "%-31s %-4s %10s %10s %10s %10s\n", "NAME", "KIND",
		"BYTES", "MSGS", "HIGH", "WAITS");
	for (i = 0; i < run.nobjs; i++) {
		fprintf(stderr, "%-31s %-4s", run.objs[i].name,
			run.objs[i].kind);
		run_num(run.objs[i].bytes);
		run_num(run.objs[i].msgs);
		run_num(run.objs[i].high);
		run_num(run.objs[i].waits);
		fputc('\n', stderr);
	}
}

/* ------------------------------------------------------------ the end */

/* The programs that ran without the library, one line each. */
static void run_report_unpreloaded(void)
{
	char path[PATH_MAX], line[PATH_MAX + 16], *sp;
	struct dirent *de;
	FILE *f;
	DIR *d;

	d = opendir(run.dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] != 'x')
			continue;
		snprintf(path, sizeof(path), "%s/%s", run.dir, de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n")] = '\0';
			sp = strchr(line, ' ');
			if (sp)
				fprintf(stderr,
					"kipc run: %s %s: its IPC was the kernel's, not kipc's\n",
					sp + 1,
					!strncmp(line, "static", 6) ?
						"is statically linked" :
						"was started without kipc run's environment");
		}
		fclose(f);
	}
	closedir(d);
}

/* Remove the run's named objects, then its directory. */
static void run_cleanup(void)
{
	char path[PATH_MAX], prefix[16];
	struct dirent *de;
	DIR *d;

	snprintf(prefix, sizeof(prefix), "%s%s.", KIPC_RUN_PREFIX, run.tok);
	d = opendir(KIPC_DEV_DIR);
	while (d && (de = readdir(d)))
		if (!strncmp(de->d_name, prefix, strlen(prefix)))
			kipc_remove(de->d_name);
	if (d)
		closedir(d);
	d = opendir(run.dir);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", run.dir, de->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(run.dir);
}

static pid_t run_child;

/* Signals meant for kipc run go to CMD; the terminal's reach both. */
static void run_forward(int sig)
{
	if (run_child > 0)
		kill(run_child, sig);
}

/* Wait for CMD; with --stats, sample /proc/kipc while it runs. */
static int run_wait(pid_t pid, bool stats)
{
	struct pollfd pfd = { .events = POLLIN };
	int status;
	pid_t r;

	pfd.fd = stats ? syscall(SYS_pidfd_open, pid, 0) : -1;
	for (;;) {
		if (stats) {
			run_sample();
			if (pfd.fd >= 0)
				poll(&pfd, 1, 100);
			else
				usleep(100000);
			r = waitpid(pid, &status, WNOHANG);
		} else {
			r = waitpid(pid, &status, 0);
		}
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			run_fail("waitpid: %s", strerror(errno));
	}
	if (pfd.fd >= 0)
		close(pfd.fd);
	return status;
}

/* Leave as CMD did: its exit status, or killed by its signal. */
__noreturn static void run_exit(int status)
{
	struct rlimit no_core = { 0, 0 };
	sigset_t set;
	int sig;

	if (WIFEXITED(status))
		exit(WEXITSTATUS(status));
	sig = WTERMSIG(status);
	fflush(NULL);
	setrlimit(RLIMIT_CORE, &no_core);
	signal(sig, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
	exit(128 + sig);
}

int kipc_cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "only", required_argument, NULL, 'o' },
		{ "stats", no_argument, NULL, 's' },
		{}
	};
	static const int sigs[] = { SIGINT,  SIGQUIT, SIGTERM, SIGHUP,
				    SIGUSR1, SIGUSR2, SIGALRM };
	struct sigaction fwd = { .sa_handler = run_forward };
	struct sigaction ign = { .sa_handler = SIG_IGN };
	struct sigaction old[ARRAY_SIZE(sigs)];
	unsigned int on = KIPC_RUN_ALL;
	sigset_t block, mask;
	bool stats = false;
	char *preload, *path;
	struct kipc_args a;
	int c, status, err;
	size_t i;

	kipc_cur = &kipc_run_cmd;
	kipc_args_init(&a, argc, argv);
	while ((c = kipc_getopt(&a, "+:h", longopts)) != -1) {
		if (c == 'o')
			on = run_parse_only(optarg);
		else if (c == 's')
			stats = true;
	}
	if (!a.npos)
		kipc_usage_error("missing CMD");
	a.pos[a.npos] = NULL;

	if (access(KIPC_DEV_DIR "/control", F_OK))
		run_fail("%s/control: %s (is kipc loaded?)", KIPC_DEV_DIR,
			 strerror(errno));
	/*
	 * From the run directory's making until CMD runs, a signal must
	 * neither kill kipc run (leaving the directory and objects behind)
	 * nor be lost: hold them, and let them in once run_child is set.
	 */
	sigemptyset(&block);
	for (i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaddset(&block, sigs[i]);
	sigprocmask(SIG_BLOCK, &block, &mask);
	preload = run_find_preload();
	run_setup();
	path = run_which(a.pos[0]);
	if (path && run_is_static(path)) {
		fprintf(stderr,
			"kipc run: %s is statically linked: the preload library cannot load into it; its IPC is the kernel's, not kipc's\n",
			path);
		run.ctr->unpreloaded++;
	}
	free(path);
	run_env(preload, on);
	free(preload);

	/*
	 * As system(3): the terminal's SIGINT and SIGQUIT (sigs[0], sigs[1])
	 * are CMD's, ignored here; the others sent to kipc run are passed
	 * on to CMD.
	 */
	for (i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], i < 2 ? &ign : &fwd, &old[i]);
	fflush(NULL);
	run_child = fork();
	if (run_child < 0)
		run_fail("fork: %s", strerror(errno));
	if (!run_child) {
		/* CMD starts with the signal state kipc run was given. */
		for (i = 0; i < ARRAY_SIZE(sigs); i++)
			sigaction(sigs[i], &old[i], NULL);
		sigprocmask(SIG_SETMASK, &mask, NULL);
		execvp(a.pos[0], a.pos);
		err = errno;
		fprintf(stderr, "kipc: run: %s: %s\n", a.pos[0], strerror(err));
		_exit(err == ENOENT ? RUN_EXIT_NOTFOUND : RUN_EXIT_CANNOT);
	}
	sigprocmask(SIG_SETMASK, &mask, NULL);

	status = run_wait(run_child, stats);
	if (stats) {
		run_sample();
		run_print_stats();
	}
	run_report_unpreloaded();
	run_cleanup();
	free(a.pos);
	free(run.objs);
	run_exit(status);
}

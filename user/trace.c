// SPDX-License-Identifier: GPL-2.0
/*
 * kipc trace: the kipc trace events (tracefs events/kipc/) as they happen,
 * one readable line each.
 *
 * It enables the events itself, with a tracefs filter on the names given,
 * reads trace_pipe, and on the way out, by --count, an error, Ctrl-C or
 * any other signal that would end it (but the faults of its own code),
 * puts back what it changed: each kipc event's enable flag and filter,
 * and tracing_on. Filters are saved whole (tracefs shows each as one
 * line); one it cannot read whole makes it fail before it changes
 * anything. Where tracefs is not mounted it mounts it in a mount
 * namespace of its own, so the mount goes with it, however it ends, and
 * nobody else's tracefs is unmounted under them.
 * Events already in the buffer when it starts are
 * skipped (it writes a marker to trace_marker and prints what follows).
 * Kernels with the trace_pipe reader mask (6.5, and its stable backports)
 * let trace_pipe have one reader at a time: a second open (another kipc
 * trace, a cat trace_pipe) gets EBUSY, and kipc trace then says so before
 * it changes anything.
 */

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <regex.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "cli.h"

static const struct kipc_cmd kipc_trace_cmd = {
	.name = "trace",
	.usage = "usage: kipc trace [NAME...] [--count N]\n",
	.help = "\n"
		"Print kipc's trace events as they happen, one line each:\n"
		"  TIME PID COMM EVENT OBJECT FIELDS\n"
		"  1234.567890 812 kipc msg_recv jobs selector=0 mtype=1 size=5 flags=0x0 err=0\n"
		"TIME is the trace clock (seconds since boot), PID the process,\n"
		"COMM its command, OBJECT the object's name; an err other than 0 is\n"
		"shown by name (err=ENOMSG).\n"
		"\n"
		"  NAME...    only these objects (pipe0, jobs, anon:7, /dev/kipc/NAME;\n"
		"             * and ? match as in the shell); default all\n"
		"  --count N  exit after N events (default: until Ctrl-C)\n"
		"\n"
		"Needs root and tracefs (mounted, for kipc trace alone, if it is not\n"
		"there). The events are enabled while this\n"
		"runs; their enable flags, filters and tracing_on are put back as\n"
		"they were when it exits, also on a signal.\n",
};

/* The events of the kipc trace system, as kmod/trace.h defines them. */
static const char *const kipc_trace_events[] = {
	"pipe_read",	 "pipe_write", "pipe_resize",	"msg_send",
	"msg_recv",	 "msg_flush",  "sem_p",		"sem_v",
	"shm_map",	 "shm_resize", "notify_signal", "object_create",
	"object_remove", "wait",       "wake",
};

#define KIPC_NR_EVENTS ARRAY_SIZE(kipc_trace_events)

/**
 * struct kipc_trace_saved - what kipc trace changes, as it found it
 * @enable: each event's enable file ("0\n", "1\n")
 * @filter: each event's filter file ("none" for no filter), newline cut;
 *	a page and a byte each, as tracefs takes less than a page
 * @tracing_on: tracing_on ("0\n" or "1\n")
 * @saved: the above were read: restore them at exit
 */
struct kipc_trace_saved {
	char enable[KIPC_NR_EVENTS][8];
	char *filter[KIPC_NR_EVENTS];
	char tracing_on[8];
	bool saved;
};

static struct kipc_trace_saved kipc_saved;
static const char *kipc_tracefs;
static atomic_bool kipc_trace_stop;

/* Path of @rel under the tracefs mount, in a static buffer per slot. */
static const char *kipc_tpath(const char *rel, int slot)
{
	static char buf[2][512];

	snprintf(buf[slot], sizeof(buf[slot]), "%s/%s", kipc_tracefs, rel);
	return buf[slot];
}

/* Read tracefs file @rel into @buf: 0, or -1 with errno set. */
static int kipc_tread(const char *rel, char *buf, size_t len)
{
	return kipc_read_small(kipc_tpath(rel, 0), buf, len);
}

/* Write @val to tracefs file @rel (O_TRUNC): 0, or -1 with errno set. */
static int kipc_twrite(const char *rel, const char *val)
{
	size_t len = strlen(val);
	ssize_t n;
	int fd;

	fd = open(kipc_tpath(rel, 0), O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = write(fd, val, len);
	if (close(fd) && n >= 0)
		return -1;
	if (n < 0)
		return -1;
	return (size_t)n == len ? 0 : (errno = EIO, -1);
}

static const char *kipc_event_file(size_t i, const char *file)
{
	static char rel[128];

	snprintf(rel, sizeof(rel), "events/kipc/%s/%s", kipc_trace_events[i],
		 file);
	return rel;
}

/* Put back each event's filter and enable flag, and tracing_on. */
static void kipc_trace_restore(void)
{
	const char *filter;
	size_t i;

	if (!kipc_saved.saved)
		return;
	kipc_saved.saved = false;
	for (i = 0; i < KIPC_NR_EVENTS; i++) {
		kipc_twrite(kipc_event_file(i, "enable"),
			    kipc_saved.enable[i][0] == '1' ? "1" : "0");
		filter = kipc_saved.filter[i];
		/* "0" clears a filter; "none" is how tracefs shows none. */
		if (!strcmp(filter, "none"))
			filter = "0";
		kipc_twrite(kipc_event_file(i, "filter"), filter);
	}
	kipc_twrite("tracing_on", kipc_saved.tracing_on[0] == '1' ? "1" : "0");
}

static void kipc_trace_save(void)
{
	size_t i, size = sysconf(_SC_PAGESIZE) + 1;
	char *nl;

	for (i = 0; i < KIPC_NR_EVENTS; i++) {
		kipc_saved.filter[i] = malloc(size);
		if (!kipc_saved.filter[i])
			kipc_fail_errno(NULL, ENOMEM);
		if (kipc_tread(kipc_event_file(i, "enable"),
			       kipc_saved.enable[i],
			       sizeof(kipc_saved.enable[i])) ||
		    kipc_tread(kipc_event_file(i, "filter"),
			       kipc_saved.filter[i], size))
			kipc_fail_errno(kipc_tpath(kipc_event_file(i, ""), 1),
					errno);
		/*
		 * tracefs ends the line with a newline, or shows nothing
		 * when the filter and its newline do not fit its page.
		 */
		nl = strchr(kipc_saved.filter[i], '\n');
		if (!nl)
			kipc_fail(kipc_tpath(kipc_event_file(i, "filter"), 1),
				  "cannot read the filter whole");
		*nl = '\0';
	}
	if (kipc_tread("tracing_on", kipc_saved.tracing_on,
		       sizeof(kipc_saved.tracing_on)))
		kipc_fail_errno(kipc_tpath("tracing_on", 1), errno);
	kipc_saved.saved = true;
}

/*
 * Find tracefs: /sys/kernel/tracing, else the old debugfs place; mount it
 * on /sys/kernel/tracing if neither has it. That mount is made in a mount
 * namespace of kipc trace's own, if it can make one: it ends with the
 * process, and another program that found it meanwhile cannot have it
 * taken away. Fails with a clear message.
 */
static void kipc_trace_find(void)
{
	static const char *const where[] = { "/sys/kernel/tracing",
					     "/sys/kernel/debug/tracing" };
	char path[128];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(where); i++) {
		snprintf(path, sizeof(path), "%s/trace_pipe", where[i]);
		if (!access(path, F_OK)) {
			kipc_tracefs = where[i];
			break;
		}
	}
	if (!kipc_tracefs) {
		/* Private, so that the mount is not passed back out. */
		if (!unshare(CLONE_NEWNS))
			mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
		if (mount("nodev", where[0], "tracefs", 0, NULL))
			kipc_fail(where[0], "cannot mount tracefs: %s%s",
				  strerror(errno),
				  errno == EPERM ? " (tracing needs root)" :
						   "");
		kipc_tracefs = where[0];
	}
	snprintf(path, sizeof(path), "%s/trace_pipe", kipc_tracefs);
	if (access(path, R_OK))
		kipc_fail(kipc_tracefs, "%s%s", strerror(errno),
			  errno == EACCES ? " (tracing needs root)" : "");
	snprintf(path, sizeof(path), "%s/events/kipc", kipc_tracefs);
	if (access(path, F_OK))
		kipc_fail(path, "none (kipc module not loaded?)");
}

/* A NAME argument: /dev/kipc/ dropped; only what a filter can quote. */
static const char *kipc_trace_name(const char *arg)
{
	const char *s, *name = arg;

	if (!strncmp(name, KIPC_DEV_DIR "/", strlen(KIPC_DEV_DIR) + 1))
		name += strlen(KIPC_DEV_DIR) + 1;
	if (!*name || strlen(name) >= KIPC_NAME_MAX)
		kipc_usage_error("invalid name '%s'", arg);
	for (s = name; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._-:*?", *s))
			kipc_usage_error("invalid name '%s'", arg);
	return name;
}

/* The filter for @names: name == "a" || name ~ "b*". */
static char *kipc_trace_filter(const char *const *names, int n)
{
	size_t len = 1;
	char *f;
	int i;

	for (i = 0; i < n; i++)
		len += strlen(names[i]) + 16;
	f = calloc(1, len);
	if (!f)
		kipc_fail_errno(NULL, ENOMEM);
	for (i = 0; i < n; i++)
		sprintf(f + strlen(f), "%sname %s \"%s\"", i ? " || " : "",
			strpbrk(names[i], "*?") ? "~" : "==", names[i]);
	return f;
}

/* TIME PID COMM EVENT OBJECT, then the fields. */
#define KIPC_TRACE_FMT "%-15s %7s %-15s %-13s %-10s"

static void kipc_trace_signal(int sig)
{
	(void)sig;
	kipc_trace_stop = true;
}

/*
 * Ctrl-C, kill, hang-up, and every other catchable signal that would end
 * kipc trace, but the faults of its own code: leave the loop and restore
 * (no SA_RESTART), also those it was started ignoring (a shell's
 * background job ignores SIGINT and SIGQUIT): a tracer is stopped by
 * signals. SIGALRM is the tick below; SIGPIPE is ignored (a closed
 * output fails the write).
 */
static void kipc_trace_catch(const struct sigaction *sa)
{
	static const int sigs[] = {
		SIGHUP,	   SIGINT,  SIGQUIT, SIGUSR1, SIGUSR2, SIGTERM,
		SIGVTALRM, SIGPROF, SIGXCPU, SIGXFSZ, SIGIO,   SIGPWR,
#ifdef SIGSTKFLT
		SIGSTKFLT,
#endif
#ifdef SIGEMT
		SIGEMT,
#endif
	};
	size_t i;
	int sig;

	for (i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], sa, NULL);
	for (sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
		sigaction(sig, sa, NULL);
}

/* SIGALRM: only interrupts read(), for the loop to look at the flag. */
static void kipc_trace_tick(int sig)
{
	(void)sig;
}

/* err=-42 -> err=ENOMSG; the restart codes are the kernel's own. */
static void kipc_print_err(const char *v)
{
	static const struct {
		int nr;
		const char *name;
	} restart[] = {
		{ 512, "ERESTARTSYS" },
		{ 513, "ERESTARTNOINTR" },
		{ 514, "ERESTARTNOHAND" },
		{ 516, "ERESTART_RESTARTBLOCK" },
	};
	const char *name = NULL;
	long e = strtol(v, NULL, 10);
	size_t i;

	if (e < 0) {
		for (i = 0; i < ARRAY_SIZE(restart); i++)
			if (restart[i].nr == -e)
				name = restart[i].name;
		if (!name)
			name = strerrorname_np(-e);
	}
	printf("err=%s", name ? name : v);
}

/*
 * The trace shows "<...>" for a task whose command it did not keep: the
 * task's own, if it is still there.
 */
static const char *kipc_trace_comm(const char *comm, long tid)
{
	static char buf[32];
	char path[64];
	FILE *f;

	if (strcmp(comm, "<...>"))
		return comm;
	snprintf(path, sizeof(path), "/proc/%ld/comm", tid);
	f = fopen(path, "re");
	if (!f)
		return comm;
	if (!fgets(buf, sizeof(buf), f) || !*buf)
		snprintf(buf, sizeof(buf), "%s", comm);
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

/*
 * One line of trace_pipe, "COMM-TID [CPU] FLAGS TIME: EVENT: name=N
 * pid=P FIELDS" (the columns before TIME depend on trace options), as
 * "TIME PID COMM EVENT N FIELDS". Returns true if it was a kipc event
 * line of an object wanted, and printed.
 */
static bool kipc_trace_line(char *line, const regex_t *head,
			    const char *const *names, int nnames)
{
	char *ev, *name, *pid, *rest, *colon, *p, *tok, *save;
	const char *time = "?", *comm = "?";
	regmatch_t m[4];
	bool want = !nnames;
	int i;

	name = strstr(line, ": name=");
	if (!name)
		return false;
	*name = '\0';
	name += strlen(": name=");
	/* The event is the word before ": name=", TIME: before it. */
	ev = strrchr(line, ' ');
	if (!ev)
		return false;
	*ev++ = '\0';
	for (i = 0; i < (int)KIPC_NR_EVENTS; i++)
		if (!strcmp(ev, kipc_trace_events[i]))
			break;
	if (i == (int)KIPC_NR_EVENTS)
		return false;
	colon = strrchr(line, ':');
	if (colon && colon[1] == '\0') {
		*colon = '\0';
		p = strrchr(line, ' ');
		time = p ? p + 1 : line;
		if (p)
			*p = '\0';
	}
	if (!regexec(head, line, 4, m, 0)) {
		line[m[1].rm_eo] = '\0';
		comm = kipc_trace_comm(line + m[1].rm_so,
				       strtol(line + m[2].rm_so, NULL, 10));
	}

	rest = strchr(name, ' ');
	if (rest)
		*rest++ = '\0';
	for (i = 0; i < nnames && !want; i++)
		want = !fnmatch(names[i], name, 0);
	if (!want)
		return false;
	pid = rest && !strncmp(rest, "pid=", 4) ? rest + 4 : NULL;
	if (pid) {
		rest = strchr(pid, ' ');
		if (rest)
			*rest++ = '\0';
	}
	printf(KIPC_TRACE_FMT, time, pid ? pid : "?", comm, ev, name);
	for (tok = rest ? strtok_r(rest, " ", &save) : NULL; tok;
	     tok = strtok_r(NULL, " ", &save)) {
		putchar(' ');
		if (!strncmp(tok, "err=", 4) && strcmp(tok, "err=0"))
			kipc_print_err(tok + 4);
		else
			fputs(tok, stdout);
	}
	putchar('\n');
	return true;
}

int kipc_cmd_trace(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "count", required_argument, NULL, 'c' },
		{}
	};
	uint64_t count = 0, seen = 0;
	char marker[64], *filter, *line = NULL, *nl;
	bool has_count = false, started;
	struct sigaction sa = { .sa_handler = kipc_trace_signal },
			 tick_sa = { .sa_handler = kipc_trace_tick };
	const char **names;
	struct itimerval tick = { { 1, 0 }, { 1, 0 } };
	size_t cap = 0, len = 0, i;
	struct kipc_args a;
	char buf[4096];
	regex_t head;
	ssize_t n;
	int fd, c, nn;

	kipc_cur = &kipc_trace_cmd;
	kipc_args_init(&a, argc, argv);
	while ((c = kipc_getopt(&a, "+:h", longopts)) != -1) {
		if (c == 'c')
			count = kipc_parse_u64(optarg, "count", UINT64_MAX,
					       false);
		has_count |= c == 'c';
	}
	if (has_count && !count)
		kipc_usage_error("invalid count '0': must be at least 1");
	names = calloc(a.npos + 1, sizeof(*names));
	if (!names)
		kipc_fail_errno(NULL, ENOMEM);
	for (nn = 0; nn < a.npos; nn++)
		names[nn] = kipc_trace_name(a.pos[nn]);
	/* "comm-TID" before the CPU or TGID column. */
	if (regcomp(&head, "^ *(.*)-([0-9]+) +(\\( *[0-9-]+\\) +)?\\[",
		    REG_EXTENDED))
		kipc_fail(NULL, "regcomp failed");

	/* A signal from here on ends the loop; any exit restores the state. */
	atexit(kipc_trace_restore);
	kipc_trace_catch(&sa);
	sigaction(SIGALRM, &tick_sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	kipc_trace_find();
	fd = open(kipc_tpath("trace_pipe", 0), O_RDONLY | O_CLOEXEC);
	/* Another reader (kipc trace, cat) has it: one at a time. */
	if (fd < 0 && errno == EBUSY)
		kipc_fail(kipc_tpath("trace_pipe", 1),
			  "one reader at a time, and another program has it");
	if (fd < 0)
		kipc_fail_errno(kipc_tpath("trace_pipe", 1), errno);

	kipc_trace_save();

	filter = nn ? kipc_trace_filter(names, nn) : "0";
	for (i = 0; i < KIPC_NR_EVENTS; i++)
		if (kipc_twrite(kipc_event_file(i, "filter"), filter))
			kipc_fail_errno(kipc_tpath(kipc_event_file(i, "filter"),
						   1),
					errno);
	for (i = 0; i < KIPC_NR_EVENTS; i++)
		if (kipc_twrite(kipc_event_file(i, "enable"), "1"))
			kipc_fail_errno(kipc_tpath(kipc_event_file(i, "enable"),
						   1),
					errno);
	if (kipc_twrite("tracing_on", "1"))
		kipc_fail_errno(kipc_tpath("tracing_on", 1), errno);
	snprintf(marker, sizeof(marker), "kipc-trace-start-%d", (int)getpid());
	/* Without a marker (no trace_marker) everything read is new enough. */
	started = kipc_twrite("trace_marker", marker) != 0;

	printf(KIPC_TRACE_FMT " FIELDS\n", "TIME", "PID", "COMM", "EVENT",
	       "OBJECT");
	fflush(stdout);
	/*
	 * A tick once a second: a signal that comes just before read()
	 * blocks would otherwise wait for the next event to be seen.
	 */
	setitimer(ITIMER_REAL, &tick, NULL);
	while (!kipc_trace_stop && (!count || seen < count)) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			kipc_fail_errno(kipc_tpath("trace_pipe", 1), errno);
		}
		if (n == 0)
			continue;
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			line = realloc(line, cap);
			if (!line)
				kipc_fail_errno(NULL, ENOMEM);
		}
		memcpy(line + len, buf, n);
		len += n;
		line[len] = '\0';
		while ((nl = memchr(line, '\n', len)) &&
		       (!count || seen < count)) {
			*nl = '\0';
			if (!started)
				started = !!strstr(line, marker);
			else if (kipc_trace_line(line, &head, names, nn))
				seen++;
			len -= nl + 1 - line;
			memmove(line, nl + 1, len);
		}
		if (fflush(stdout) || ferror(stdout))
			break;
	}
	tick = (struct itimerval){};
	setitimer(ITIMER_REAL, &tick, NULL);
	close(fd);
	kipc_trace_restore();
	for (i = 0; i < KIPC_NR_EVENTS; i++)
		free(kipc_saved.filter[i]);
	regfree(&head);
	free(line);
	if (nn)
		free(filter);
	free(names);
	return EXIT_OK;
}

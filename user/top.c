// SPDX-License-Identifier: GPL-2.0
/*
 * kipc top: a live table of the kipc objects, one row per object, with
 * rates computed from two readings of /proc/kipc (read as kipc ls reads
 * it, table.h), the most active first.
 *
 * Per object: BYTES/S the bytes written to a pipe, MSGS/S the messages
 * sent to a queue, P/S and V/S a semaphore's completed operations, each
 * over the last interval, with the counts they come from (BYTES, MSGS, P,
 * V). The first table, having no interval before it, shows the counts
 * since the module was loaded and no rates. FILL is how full a pipe or a
 * queue is (buffered bytes over capacity), a semaphore's value, a
 * segment's live mappings; WAITERS the tasks blocked in P or in a
 * queue's send or receive (/proc has no such count for pipes).
 *
 * On a terminal, and without --iterations, the table is redrawn in place
 * (ANSI clear), cut to the window's height, until q or Ctrl-C, as top(1)
 * does. Otherwise the tables follow each other, a blank line between.
 */

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "table.h"

static const struct kipc_cmd kipc_top_cmd = {
	.name = "top",
	.usage = "usage: kipc top [--interval SECONDS] [--iterations N]\n",
	.help = "\n"
		"Show every kipc object with its rates, the most active first,\n"
		"refreshed every interval:\n"
		"  BYTES/S  bytes written to a pipe per second\n"
		"  MSGS/S   messages sent to a queue per second\n"
		"  P/S V/S  P and V operations done on a semaphore per second\n"
		"  FILL     pipe, msg: bytes buffered over capacity (percent);\n"
		"           sem: its value; shm: its live mappings\n"
		"  WAITERS  sem: tasks waiting in P; msg: in send or receive;\n"
		"           pipe: in read or write\n"
		"  BYTES MSGS P V  the counts over the interval the rates are of\n"
		"The first table has the counts since the module was loaded and\n"
		"no rates.\n"
		"\n"
		"  --interval SECONDS  between tables (default 2; 0.5 is fine)\n"
		"  --iterations N      print N tables, one after the other, and\n"
		"                      exit (default: until q or Ctrl-C)\n"
		"\n"
		"On a terminal the table is redrawn in place (q quits); piped, or\n"
		"with --iterations, the tables follow each other.\n",
};

static const char *const kipc_top_kinds[] = { "pipe", "msg", "shm", "sem" };

/**
 * struct kipc_top_obj - one object in one reading
 * @kind: index in kipc_top_kinds
 * @name: its name
 * @count: bytes written, messages sent, P done, V done (since load)
 * @fill: the FILL cell
 * @waiters: the WAITERS cell
 */
struct kipc_top_obj {
	int kind;
	char name[KIPC_NAME_MAX];
	uint64_t count[4];
	char fill[24];
	char waiters[24];
};

/**
 * struct kipc_top_row - one row of a table
 * @obj: the object as read now
 * @delta: its counts over the interval (since load in the first table)
 * @activity: what the rows are sorted by, the sum of @delta
 */
struct kipc_top_row {
	const struct kipc_top_obj *obj;
	uint64_t delta[4];
	uint64_t activity;
};

/**
 * struct kipc_top_sample - a reading of every /proc/kipc table
 * @objs: the objects
 * @n: how many
 * @when: CLOCK_MONOTONIC seconds when it was read
 */
struct kipc_top_sample {
	struct kipc_top_obj *objs;
	size_t n;
	double when;
};

enum { KIPC_BYTES, KIPC_MSGS, KIPC_P, KIPC_V };

static atomic_bool kipc_top_stop;
static struct termios kipc_top_tio;
static bool kipc_top_raw;

static void kipc_top_signal(int sig)
{
	(void)sig;
	kipc_top_stop = true;
}

static void kipc_top_restore_tty(void)
{
	if (kipc_top_raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &kipc_top_tio);
	kipc_top_raw = false;
}

static double kipc_top_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Column @name of row @r of @t as a number, or 0 if there is none. */
static uint64_t kipc_top_num(const struct kipc_table *t,
			     const struct kipc_row *r, const char *name)
{
	size_t c;

	for (c = 0; c < t->head.n; c++)
		if (!strcmp(t->head.f[c], name))
			return c < r->n ? strtoull(r->f[c], NULL, 10) : 0;
	return 0;
}

static const char *kipc_top_cell(const struct kipc_table *t,
				 const struct kipc_row *r, const char *name)
{
	size_t c;

	for (c = 0; c < t->head.n; c++)
		if (!strcmp(t->head.f[c], name))
			return c < r->n ? r->f[c] : "-";
	return "-";
}

/* "42%" of @used in @cap, or "-" if there is no capacity. */
static void kipc_top_percent(char *out, size_t len, uint64_t used, uint64_t cap)
{
	if (!cap)
		snprintf(out, len, "-");
	else
		snprintf(out, len, "%llu%%",
			 (unsigned long long)((used * 100 + cap / 2) / cap));
}

/* Readers and writers (receivers and senders) blocked, if @t has them. */
static void kipc_top_waiters(struct kipc_top_obj *o, const struct kipc_table *t,
			     const struct kipc_row *r, const char *in,
			     const char *out)
{
	uint64_t waiters;

	if (!strcmp(kipc_top_cell(t, r, in), "-"))
		return;
	waiters = kipc_top_num(t, r, in) + kipc_top_num(t, r, out);
	snprintf(o->waiters, sizeof(o->waiters), "%llu",
		 (unsigned long long)waiters);
}

/* One object of kind @k from row @r of table @t. */
static void kipc_top_obj(struct kipc_top_obj *o, int k,
			 const struct kipc_table *t, const struct kipc_row *r)
{
	memset(o, 0, sizeof(*o));
	o->kind = k;
	snprintf(o->name, sizeof(o->name), "%s", r->n ? r->f[0] : "?");
	snprintf(o->waiters, sizeof(o->waiters), "-");
	switch (k) {
	case 0:
		o->count[KIPC_BYTES] = kipc_top_num(t, r, "bytes_in");
		kipc_top_percent(o->fill, sizeof(o->fill),
				 kipc_top_num(t, r, "used"),
				 kipc_top_num(t, r, "size"));
		kipc_top_waiters(o, t, r, "rwait", "wwait");
		break;
	case 1:
		o->count[KIPC_MSGS] = kipc_top_num(t, r, "sent");
		kipc_top_percent(o->fill, sizeof(o->fill),
				 kipc_top_num(t, r, "cbytes"),
				 kipc_top_num(t, r, "qbytes"));
		kipc_top_waiters(o, t, r, "rwait", "swait");
		break;
	case 2:
		snprintf(o->fill, sizeof(o->fill), "%s",
			 kipc_top_cell(t, r, "nattch"));
		break;
	default:
		o->count[KIPC_P] = kipc_top_num(t, r, "p_ops");
		o->count[KIPC_V] = kipc_top_num(t, r, "v_ops");
		snprintf(o->fill, sizeof(o->fill), "%s",
			 kipc_top_cell(t, r, "value"));
		snprintf(o->waiters, sizeof(o->waiters), "%s",
			 kipc_top_cell(t, r, "waiters"));
		break;
	}
}

/* Read every table into @s. A kind the module lacks is left out. */
static void kipc_top_read(struct kipc_top_sample *s)
{
	struct kipc_table t;
	size_t k, i, cap = 0;
	char path[64];

	s->n = 0;
	s->objs = NULL;
	s->when = kipc_top_now();
	for (k = 0; k < ARRAY_SIZE(kipc_top_kinds); k++) {
		if (kipc_table_read(&t, kipc_top_kinds[k])) {
			if (errno == ENOENT && !access(KIPC_PROC_DIR, F_OK))
				continue;
			if (errno == ENOENT)
				kipc_fail(NULL, "kipc module not loaded");
			snprintf(path, sizeof(path), KIPC_PROC_DIR "/%s",
				 kipc_top_kinds[k]);
			kipc_fail_errno(path, errno);
		}
		for (i = 0; i < t.nrows; i++) {
			if (s->n == cap) {
				cap = cap ? cap * 2 : 32;
				s->objs = realloc(s->objs,
						  cap * sizeof(*s->objs));
				if (!s->objs)
					kipc_fail_errno(NULL, ENOMEM);
			}
			kipc_top_obj(&s->objs[s->n++], k, &t, &t.rows[i]);
		}
		kipc_table_free(&t);
	}
}

static int kipc_top_cmp(const void *a, const void *b)
{
	const struct kipc_top_row *x = a, *y = b;

	if (x->activity != y->activity)
		return x->activity < y->activity ? 1 : -1;
	if (x->obj->kind != y->obj->kind)
		return x->obj->kind - y->obj->kind;
	return strcmp(x->obj->name, y->obj->name);
}

/* The row of each object of @cur, against @prev (NULL: since load). */
static struct kipc_top_row *kipc_top_rows(const struct kipc_top_sample *cur,
					  const struct kipc_top_sample *prev)
{
	const struct kipc_top_obj *o, *p;
	struct kipc_top_row *rows;
	size_t i, j, c;

	rows = calloc(cur->n + 1, sizeof(*rows));
	if (!rows)
		kipc_fail_errno(NULL, ENOMEM);
	for (i = 0; i < cur->n; i++) {
		o = &cur->objs[i];
		p = NULL;
		for (j = 0; prev && j < prev->n && !p; j++)
			if (prev->objs[j].kind == o->kind &&
			    !strcmp(prev->objs[j].name, o->name))
				p = &prev->objs[j];
		rows[i].obj = o;
		for (c = 0; c < 4; c++) {
			/* Gone and made again since: counted from zero. */
			if (p && p->count[c] <= o->count[c])
				rows[i].delta[c] = o->count[c] - p->count[c];
			else
				rows[i].delta[c] = o->count[c];
			rows[i].activity += rows[i].delta[c];
		}
	}
	qsort(rows, cur->n, sizeof(*rows), kipc_top_cmp);
	return rows;
}

/* A rate cell: @delta over @dt seconds, or "-" without an interval. */
static const char *kipc_top_rate(char *out, size_t len, uint64_t delta,
				 double dt)
{
	if (dt <= 0)
		snprintf(out, len, "-");
	else
		snprintf(out, len, "%.0f", delta / dt);
	return out;
}

/*
 * Print the table of @cur (against @prev, NULL for the first), at most
 * @max_lines lines (0: all).
 */
static void kipc_top_print(const struct kipc_top_sample *cur,
			   const struct kipc_top_sample *prev, double interval,
			   size_t max_lines)
{
	double dt = prev ? cur->when - prev->when : 0;
	struct kipc_top_row *rows = kipc_top_rows(cur, prev);
	char r[4][32], stamp[16];
	int w = strlen("NAME");
	size_t i, lines = 2;
	time_t now = time(NULL);
	struct tm tm;

	for (i = 0; i < cur->n; i++)
		if ((int)strlen(cur->objs[i].name) > w)
			w = strlen(cur->objs[i].name);
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
	if (prev)
		printf("kipc top - %s, %zu objects, rates over %.1f s\n", stamp,
		       cur->n, dt);
	else
		printf("kipc top - %s, %zu objects, counts since load, every %.1f s\n",
		       stamp, cur->n, interval);
	printf("%-4s %-*s %9s %7s %6s %6s %5s %7s %10s %7s %7s %7s\n", "TYPE",
	       w, "NAME", "BYTES/S", "MSGS/S", "P/S", "V/S", "FILL", "WAITERS",
	       "BYTES", "MSGS", "P", "V");
	for (i = 0; i < cur->n && (!max_lines || lines < max_lines);
	     i++, lines++) {
		const struct kipc_top_obj *o = rows[i].obj;
		const uint64_t *d = rows[i].delta;

		printf("%-4s %-*s %9s %7s %6s %6s %5s %7s %10llu %7llu %7llu %7llu\n",
		       kipc_top_kinds[o->kind], w, o->name,
		       kipc_top_rate(r[0], sizeof(r[0]), d[KIPC_BYTES], dt),
		       kipc_top_rate(r[1], sizeof(r[1]), d[KIPC_MSGS], dt),
		       kipc_top_rate(r[2], sizeof(r[2]), d[KIPC_P], dt),
		       kipc_top_rate(r[3], sizeof(r[3]), d[KIPC_V], dt),
		       o->fill, o->waiters, (unsigned long long)d[KIPC_BYTES],
		       (unsigned long long)d[KIPC_MSGS],
		       (unsigned long long)d[KIPC_P],
		       (unsigned long long)d[KIPC_V]);
	}
	free(rows);
}

/* "2", "0.5": seconds, more than 0 and at most a day. */
static double kipc_top_interval(const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v <= 0 || v > 86400)
		kipc_usage_error("invalid interval '%s': not in (0, 86400]", s);
	return v;
}

/*
 * Wait @secs, or until q (on a terminal) or a signal: true if it is time
 * to stop.
 */
static bool kipc_top_wait(double secs, bool keys)
{
	double end = kipc_top_now() + secs, left;
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	char c;

	while (!kipc_top_stop && (left = end - kipc_top_now()) > 0) {
		if (poll(&pfd, keys ? 1 : 0, (int)(left * 1000) + 1) > 0 &&
		    read(STDIN_FILENO, &c, 1) == 1 && (c == 'q' || c == 'Q'))
			return true;
	}
	return kipc_top_stop;
}

static void kipc_top_free(struct kipc_top_sample *s)
{
	free(s->objs);
	s->objs = NULL;
	s->n = 0;
}

int kipc_cmd_top(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "interval", required_argument, NULL, 'i' },
		{ "iterations", required_argument, NULL, 'n' },
		{}
	};
	struct kipc_top_sample cur = {}, prev = {};
	struct sigaction sa = { .sa_handler = kipc_top_signal };
	uint64_t iterations = 0, done = 0;
	bool live, keys = false, has_iterations = false;
	double interval = 2;
	struct winsize ws;
	struct termios raw;
	size_t max_lines;
	struct kipc_args a;
	int c;

	kipc_cur = &kipc_top_cmd;
	kipc_args_init(&a, argc, argv);
	while ((c = kipc_getopt(&a, "+:h", longopts)) != -1) {
		if (c == 'i')
			interval = kipc_top_interval(optarg);
		else if (c == 'n')
			iterations = kipc_parse_u64(optarg, "iterations",
						    UINT64_MAX, false);
		has_iterations |= c == 'n';
	}
	if (has_iterations && !iterations)
		kipc_usage_error("invalid iterations '0': must be at least 1");
	if (a.npos)
		kipc_usage_error("unexpected argument '%s'", a.pos[0]);
	if (access(KIPC_PROC_DIR, F_OK))
		kipc_fail(NULL, "kipc module not loaded");

	live = !iterations && isatty(STDOUT_FILENO);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (live && isatty(STDIN_FILENO) &&
	    !tcgetattr(STDIN_FILENO, &kipc_top_tio)) {
		/* Keys one at a time, unechoed, for q. */
		raw = kipc_top_tio;
		raw.c_lflag &= ~(ICANON | ECHO);
		raw.c_cc[VMIN] = 1;
		raw.c_cc[VTIME] = 0;
		kipc_top_raw = !tcsetattr(STDIN_FILENO, TCSANOW, &raw);
		keys = kipc_top_raw;
		atexit(kipc_top_restore_tty);
	}

	for (;;) {
		kipc_top_read(&cur);
		max_lines = 0;
		if (live) {
			if (!ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_row)
				max_lines = ws.ws_row - 1;
			/* Home, clear: redraw in place. */
			fputs("\033[H\033[2J", stdout);
		} else if (done) {
			putchar('\n');
		}
		kipc_top_print(&cur, done ? &prev : NULL, interval, max_lines);
		if (fflush(stdout))
			break;
		kipc_top_free(&prev);
		prev = cur;
		cur = (struct kipc_top_sample){};
		/* @done counts the tables printed: it is never reset. */
		if (++done == iterations)
			break;
		if (kipc_top_wait(interval, keys))
			break;
	}
	kipc_top_free(&prev);
	kipc_top_restore_tty();
	return EXIT_OK;
}

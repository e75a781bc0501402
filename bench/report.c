// SPDX-License-Identifier: GPL-2.0
/*
 * kipc-bench: the report. A row is one kipc/kernel pair at one figure:
 * the median of each side's runs, and the ratio taken per round (the two
 * runs of one round) summarised as the median of those ratios with its
 * 95% interval (stats.c), oriented so that > 1 means kipc is faster. A
 * target is met when the interval's lower end reaches it. Groups with a
 * memcpy side also show each rate as a fraction of the copying ceiling.
 * Printed as the table (a group's rows as soon as it has run) or as JSON
 * at the end; the chart (--svg) is drawn from that JSON by svg.py.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

static const char *err_name(int err)
{
	static char buf[16];
	const char *name = strerrorname_np(err);

	if (name)
		return name;
	snprintf(buf, sizeof(buf), "E%d", err);
	return buf;
}

/* The median of side @s's runs of figure @m, or false if it has none. */
static bool side_median(const struct bench_side *s, int m, double *med)
{
	double v[BENCH_ROUNDS_MAX];

	if (s->err || !s->runs)
		return false;
	memcpy(v, s->val[m], s->runs * sizeof(v[0]));
	*med = median_of(v, s->runs);
	return true;
}

/**
 * struct bench_row - one kipc/kernel pair at one figure
 * @g: the group
 * @m: the figure
 * @k: the kernel side
 * @ok: both sides have results
 * @kipc: median of kipc's runs
 * @kern: median of the kernel side's runs
 * @n: rounds both sides ran, the ratios below
 * @r: the per-round ratios, sorted, > 1 when kipc is faster
 * @ratio: their median
 * @lo: lower end of its interval
 * @hi: upper end
 * @conf: the interval's coverage (0.95 or more from 6 rounds on)
 * @ceil: the copying ceiling of this figure, or 0 (no memcpy side)
 */
struct bench_row {
	const struct bench_group *g;
	int m;
	const struct bench_side *k;
	bool ok;
	double kipc;
	double kern;
	int n;
	double r[BENCH_ROUNDS_MAX];
	double ratio;
	double lo;
	double hi;
	double conf;
	double ceil;
};

/* The group's memcpy side, or NULL. */
static const struct bench_side *ref_side(const struct bench_group *g)
{
	int i;

	for (i = 0; i < g->nsides; i++)
		if (g->side[i].ref)
			return &g->side[i];
	return NULL;
}

static void row_of(const struct bench_group *g, int k, int m,
		   struct bench_row *row)
{
	const struct bench_side *a = &g->side[0], *b = &g->side[k];
	const struct bench_side *ref = ref_side(g);
	double x, y, c;
	int i, lo;

	memset(row, 0, sizeof(*row));
	row->g = g;
	row->m = m;
	row->k = b;
	if (ref && g->metric[m].ceil && side_median(ref, m, &c) && c > 0)
		row->ceil = c / g->ceil_div;
	row->ok = side_median(a, m, &row->kipc) &&
		  side_median(b, m, &row->kern);
	if (!row->ok)
		return;
	for (i = 0; i < a->runs && i < b->runs; i++) {
		x = a->val[m][i];
		y = b->val[m][i];
		if (!(x > 0) || !(y > 0))
			continue;
		row->r[row->n++] = g->metric[m].time ? y / x : x / y;
	}
	row->ok = row->n > 0;
	if (!row->ok)
		return;
	row->ratio = median_of(row->r, row->n);
	lo = median_interval(row->n, &row->conf);
	row->lo = row->r[lo];
	row->hi = row->r[row->n - 1 - lo];
}

static void row_label(const struct bench_row *row, char *buf, size_t len)
{
	const char *ml = row->g->metric[row->m].label;

	snprintf(buf, len, "%s%s%s", row->g->label, ml ? " " : "",
		 ml ? ml : "");
}

static void fmt_num(char *buf, size_t len, double v)
{
	if (v >= 100)
		snprintf(buf, len, "%.0f", v);
	else if (v >= 10)
		snprintf(buf, len, "%.1f", v);
	else if (v >= 1)
		snprintf(buf, len, "%.2f", v);
	else
		snprintf(buf, len, "%.3f", v);
}

static void fmt_figure(char *buf, size_t len, const struct bench_side *s,
		       double med)
{
	if (s->err)
		snprintf(buf, len, "n/a (%s)", err_name(s->err));
	else if (!s->runs)
		snprintf(buf, len, "n/a");
	else
		fmt_num(buf, len, med);
}

void print_header(void)
{
	struct utsname u;

	if (uname(&u))
		snprintf(u.release, sizeof(u.release), "?");
	printf("kipc bench: kernel %s, %ld CPUs%s\n", u.release,
	       sysconf(_SC_NPROCESSORS_ONLN), opt.quick ? ", --quick" : "");
	printf("method: a warm-up, then %d round%s of one %g s run per side, sides alternated\n",
	       opt.rounds, opt.rounds == 1 ? "" : "s", opt.time);
	printf("figures: median of the runs, CLOCK_MONOTONIC\n");
	printf("ratio: median of the per-round ratios [95%% interval]; > 1: kipc is\n");
	printf("faster (kipc/kernel for rates, kernel/kipc for times: us, ns/page);\n");
	printf("a target is met when the interval's lower end reaches it\n");
	printf("ceiling: kipc/kernel rate as a fraction of memcpy/2 (pipe) or memcpy (shm)\n\n");
	printf("%-24s %-16s %-7s %10s %10s  %-22s %-11s %s\n", "workload",
	       "kernel side", "unit", "kipc", "kernel", "ratio [95% interval]",
	       "ceiling", "target");
	fflush(stdout);
}

/* "1.02 [0.97-1.08]" */
static void fmt_ratio(char *buf, size_t len, const struct bench_row *row)
{
	char r[20], lo[20], hi[20];

	if (!row->ok) {
		snprintf(buf, len, "n/a");
		return;
	}
	fmt_num(r, sizeof(r), row->ratio);
	fmt_num(lo, sizeof(lo), row->lo);
	fmt_num(hi, sizeof(hi), row->hi);
	snprintf(buf, len, "%s [%s-%s]", r, lo, hi);
}

static const char *row_met(const struct bench_row *row)
{
	double t = row->k->target[row->m];

	if (!(t > 0))
		return NULL;
	if (!row->ok)
		return "n/a";
	return row->lo >= t ? "met" : "not met";
}

static void print_row(const struct bench_row *row)
{
	char label[64], a[40], b[40], ratio[64], ceil[40] = "", target[32] = "";
	double t = row->k->target[row->m];
	const char *met = row_met(row);

	row_label(row, label, sizeof(label));
	fmt_figure(a, sizeof(a), &row->g->side[0], row->kipc);
	fmt_figure(b, sizeof(b), row->k, row->kern);
	fmt_ratio(ratio, sizeof(ratio), row);
	if (row->ok && row->ceil > 0)
		snprintf(ceil, sizeof(ceil), "%.2f/%.2f", row->kipc / row->ceil,
			 row->kern / row->ceil);
	if (met)
		snprintf(target, sizeof(target), ">= %g %s", t, met);
	printf("%-24s %-16s %-7s %10s %10s  %-22s %-11s %s\n", label,
	       row->k->name, row->g->metric[row->m].unit, a, b, ratio, ceil,
	       target);
}

/* The memcpy side's own row: its rate and the ceiling drawn from it. */
static void print_ref_row(const struct bench_group *g, int m)
{
	const struct bench_side *ref = ref_side(g);
	char label[64], b[40], ceil[40];
	double med;

	if (!ref || !g->metric[m].ceil)
		return;
	snprintf(label, sizeof(label), "%s%s%s", g->label,
		 g->metric[m].label ? " " : "",
		 g->metric[m].label ? g->metric[m].label : "");
	if (side_median(ref, m, &med)) {
		fmt_figure(b, sizeof(b), ref, med);
		snprintf(ceil, sizeof(ceil), "ceiling %.0f", med / g->ceil_div);
	} else {
		fmt_figure(b, sizeof(b), ref, 0);
		snprintf(ceil, sizeof(ceil), "-");
	}
	printf("%-24s %-16s %-7s %10s %10s  %s\n", label, "memcpy, 1 proc",
	       g->metric[m].unit, "-", b, ceil);
}

void print_group(const struct bench_group *g)
{
	struct bench_row row;
	int k, m;

	for (m = 0; m < g->nmetrics; m++) {
		for (k = 1; k < g->nsides; k++) {
			if (g->side[k].ref)
				continue;
			row_of(g, k, m, &row);
			print_row(&row);
		}
		print_ref_row(g, m);
	}
	for (k = 0; opt.verbose && k < g->nsides; k++)
		printf("    %s: %ld iterations per run, %.2f context switches per iteration\n",
		       g->side[k].name, g->side[k].n, g->side[k].csw);
	fflush(stdout);
}

static void json_side(FILE *f, const struct bench_side *s, int m)
{
	double v[BENCH_ROUNDS_MAX], med;
	int r;

	if (s->err || !s->runs) {
		fprintf(f, "{\"error\": \"%s\"}",
			s->err ? err_name(s->err) : "no runs");
		return;
	}
	memcpy(v, s->val[m], s->runs * sizeof(v[0]));
	med = median_of(v, s->runs);
	fprintf(f,
		"{\"median\": %.6g, \"min\": %.6g, \"max\": %.6g, \"iterations\": %ld, \"switches_per_iteration\": %.3g, \"runs\": [",
		med, v[0], v[s->runs - 1], s->n, s->csw);
	for (r = 0; r < s->runs; r++)
		fprintf(f, "%s%.6g", r ? ", " : "", s->val[m][r]);
	fprintf(f, "]}");
}

#define BENCH_ROWS_MAX 64

/* Every row of the workloads run, in table order. */
static int rows_collect(struct bench_row *rows)
{
	const struct bench_group *g;
	int i, k, m, n = 0;

	for (i = 0; i < ngroups; i++) {
		g = &groups[i];
		if (!(g->workload & opt.only))
			continue;
		for (m = 0; m < g->nmetrics; m++)
			for (k = 1; k < g->nsides && n < BENCH_ROWS_MAX; k++)
				if (!g->side[k].ref)
					row_of(g, k, m, &rows[n++]);
	}
	return n;
}

static void json_ratio(FILE *f, const struct bench_row *row)
{
	int i;

	if (!row->ok) {
		fprintf(f, ",\n     \"ratio\": null, \"pairs\": 0");
		return;
	}
	fprintf(f,
		",\n     \"ratio\": %.6g, \"ratio_low\": %.6g, \"ratio_high\": %.6g, \"confidence\": %.4g,",
		row->ratio, row->lo, row->hi, row->conf);
	fprintf(f,
		"\n     \"ratio_min\": %.6g, \"ratio_max\": %.6g, \"pairs\": %d, \"ratios\": [",
		row->r[0], row->r[row->n - 1], row->n);
	for (i = 0; i < row->n; i++)
		fprintf(f, "%s%.6g", i ? ", " : "", row->r[i]);
	fprintf(f, "]");
}

static void json_ceiling(FILE *f, const struct bench_row *row)
{
	const struct bench_group *g = row->g;

	if (!(row->ceil > 0)) {
		fprintf(f, ",\n     \"ceiling\": null");
		return;
	}
	fprintf(f,
		",\n     \"ceiling\": {\"of\": \"%s\", \"value\": %.6g, \"kipc_fraction\": %.4g, \"kernel_fraction\": %s",
		g->ceil_div == 2 ? "memcpy/2" : "memcpy", row->ceil,
		row->ok ? row->kipc / row->ceil : 0, row->ok ? "" : "null");
	if (row->ok)
		fprintf(f, "%.4g", row->kern / row->ceil);
	fprintf(f, "}");
}

/* The memcpy sides, each figure it bounds. */
static void json_refs(FILE *f)
{
	const struct bench_side *ref;
	const struct bench_group *g;
	bool first = true;
	int i, m;

	fprintf(f, "  \"references\": [");
	for (i = 0; i < ngroups; i++) {
		g = &groups[i];
		ref = ref_side(g);
		if (!(g->workload & opt.only) || !ref)
			continue;
		for (m = 0; m < g->nmetrics; m++) {
			if (!g->metric[m].ceil)
				continue;
			fprintf(f, "%s\n    {\"workload\": \"%s%s%s\", ",
				first ? "" : ",", g->label,
				g->metric[m].label ? " " : "",
				g->metric[m].label ? g->metric[m].label : "");
			fprintf(f,
				"\"side\": \"memcpy\", \"unit\": \"%s\", \"ceiling_divisor\": %g,\n     \"memcpy\": ",
				g->metric[m].unit, g->ceil_div);
			json_side(f, ref, m);
			fprintf(f, "}");
			first = false;
		}
	}
	fprintf(f, "\n  ],\n");
}

void print_json(FILE *f)
{
	struct bench_row rows[BENCH_ROWS_MAX], *row;
	const struct bench_metric *mt;
	const char *met;
	struct utsname u;
	char label[64];
	int i, n;
	double t;

	if (uname(&u))
		snprintf(u.release, sizeof(u.release), "?");
	fprintf(f, "{\n  \"kernel\": \"%s\",\n  \"cpus\": %ld,\n", u.release,
		sysconf(_SC_NPROCESSORS_ONLN));
	fprintf(f, "  \"clock\": \"CLOCK_MONOTONIC\",\n  \"rounds\": %d,\n",
		opt.rounds);
	fprintf(f,
		"  \"method\": \"alternating rounds; ratio: median of per-round ratios, order-statistics interval\",\n");
	fprintf(f, "  \"run_seconds\": %g,\n  \"quick\": %s,\n", opt.time,
		opt.quick ? "true" : "false");
	json_refs(f);
	fprintf(f, "  \"rows\": [");
	n = rows_collect(rows);
	for (i = 0; i < n; i++) {
		row = &rows[i];
		mt = &row->g->metric[row->m];
		row_label(row, label, sizeof(label));
		fprintf(f, "%s\n    {\"workload\": \"%s\", ", i ? "," : "",
			label);
		fprintf(f, "\"kipc_side\": \"%s\", \"kernel_side\": \"%s\",\n",
			row->g->side[0].name, row->k->name);
		fprintf(f, "     \"unit\": \"%s\", \"lower_is_better\": %s,\n",
			mt->unit, mt->time ? "true" : "false");
		fprintf(f, "     \"kipc\": ");
		json_side(f, &row->g->side[0], row->m);
		fprintf(f, ",\n     \"kernel\": ");
		json_side(f, row->k, row->m);
		json_ratio(f, row);
		json_ceiling(f, row);
		t = row->k->target[row->m];
		met = row_met(row);
		if (met)
			fprintf(f, ", \"target\": %g, \"met\": %s}", t,
				!row->ok	    ? "null" :
				!strcmp(met, "met") ? "true" :
						      "false");
		else
			fprintf(f, ", \"target\": null, \"met\": null}");
	}
	fprintf(f, "\n  ]\n}\n");
}

/* svg.py next to this program (/proc/self/exe), or NULL and errno set. */
static const char *svg_script(void)
{
	static char path[PATH_MAX];
	char *slash;
	ssize_t n;

	n = readlink("/proc/self/exe", path, sizeof(path) - sizeof("svg.py"));
	if (n < 0)
		return NULL;
	path[n] = '\0';
	slash = strrchr(path, '/');
	strcpy(slash ? slash + 1 : path, "svg.py");
	return access(path, X_OK) ? NULL : path;
}

/*
 * --svg: the ratios as a chart, in @path ("-": stdout). svg.py draws it
 * from the JSON of print_json() on its standard input. Returns 0, or 1
 * after saying what failed.
 */
int print_svg(const char *path)
{
	const char *script = svg_script();
	int fds[2], out = STDOUT_FILENO, st;
	sigset_t none;
	pid_t pid;
	FILE *f;

	if (!script) {
		fprintf(stderr, "kipc: bench: svg.py: %s\n", strerror(errno));
		return 1;
	}
	if (strcmp(path, "-"))
		out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			   0666);
	if (out < 0 || pipe2(fds, O_CLOEXEC)) {
		fprintf(stderr, "kipc: bench: %s: %s\n", path, strerror(errno));
		if (out > STDOUT_FILENO)
			close(out);
		return 1;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (dup2(fds[0], STDIN_FILENO) >= 0 &&
		    dup2(out, STDOUT_FILENO) >= 0)
			execl(script, script, (char *)NULL);
		fprintf(stderr, "kipc: bench: %s: %s\n", script,
			strerror(errno));
		_exit(127);
	}
	close(fds[0]);
	if (out > STDOUT_FILENO)
		close(out);
	f = pid > 0 ? fdopen(fds[1], "w") : NULL;
	if (!f) {
		fprintf(stderr, "kipc: bench: %s: %s\n", script,
			strerror(errno));
		close(fds[1]);
		if (pid > 0)
			waitpid(pid, &st, 0);
		return 1;
	}
	print_json(f);
	fclose(f);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "kipc: bench: %s: the chart failed\n", path);
		return 1;
	}
	return 0;
}

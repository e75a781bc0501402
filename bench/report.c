// SPDX-License-Identifier: GPL-2.0
/*
 * kipc-bench: the report. A row is one kipc/kernel pair at one figure: the
 * median [min-max] of each side's runs and the ratio of the medians,
 * oriented so that > 1 means kipc is faster. Printed as the table (a
 * group's rows as soon as it has run) or as JSON at the end; the chart
 * (--svg) is drawn from that JSON by svg.py.
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

/**
 * struct bench_stat - one side's figure over its runs
 * @med: median
 * @min: smallest
 * @max: largest
 */
struct bench_stat {
	double med;
	double min;
	double max;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static bool side_stat(const struct bench_side *s, int m, struct bench_stat *st)
{
	double v[BENCH_REPS_MAX];
	int n = s->runs;

	if (s->err || !n)
		return false;
	memcpy(v, s->val[m], n * sizeof(v[0]));
	qsort(v, n, sizeof(v[0]), cmp_double);
	st->min = v[0];
	st->max = v[n - 1];
	st->med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	return true;
}

/**
 * struct bench_row - one kipc/kernel pair at one figure
 * @g: the group
 * @m: the figure
 * @k: the kernel side
 * @ok: both sides have results
 * @kipc: kipc's figure
 * @kern: the kernel's figure
 * @ratio: of the medians, > 1 when kipc is faster
 * @rlo: worst ratio the extremes allow
 * @rhi: best ratio the extremes allow
 */
struct bench_row {
	const struct bench_group *g;
	int m;
	const struct bench_side *k;
	bool ok;
	struct bench_stat kipc;
	struct bench_stat kern;
	double ratio;
	double rlo;
	double rhi;
};

static void row_of(const struct bench_group *g, int k, int m,
		   struct bench_row *row)
{
	const struct bench_stat *a = &row->kipc, *b = &row->kern;
	bool ka = side_stat(&g->side[0], m, &row->kipc);
	bool kb = side_stat(&g->side[k], m, &row->kern);

	row->g = g;
	row->m = m;
	row->k = &g->side[k];
	row->ok = ka && kb && a->med > 0 && b->med > 0 && a->min > 0 &&
		  b->min > 0;
	if (!row->ok)
		return;
	if (g->metric[m].time) {
		row->ratio = b->med / a->med;
		row->rlo = b->min / a->max;
		row->rhi = b->max / a->min;
	} else {
		row->ratio = a->med / b->med;
		row->rlo = a->min / b->max;
		row->rhi = a->max / b->min;
	}
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
		       const struct bench_stat *st)
{
	char med[24], lo[24], hi[24];

	if (s->err) {
		snprintf(buf, len, "n/a (%s)", err_name(s->err));
		return;
	}
	if (!s->runs) {
		snprintf(buf, len, "n/a");
		return;
	}
	fmt_num(med, sizeof(med), st->med);
	fmt_num(lo, sizeof(lo), st->min);
	fmt_num(hi, sizeof(hi), st->max);
	snprintf(buf, len, "%s [%s-%s]", med, lo, hi);
}

void print_header(void)
{
	struct utsname u;

	if (uname(&u))
		snprintf(u.release, sizeof(u.release), "?");
	printf("kipc bench: kernel %s, %ld CPUs%s\n", u.release,
	       sysconf(_SC_NPROCESSORS_ONLN), opt.quick ? ", --quick" : "");
	printf("each side: a warm-up, then %d timed run%s, sides alternated\n",
	       opt.reps, opt.reps == 1 ? "" : "s");
	printf("figures: median [min-max] of the runs, CLOCK_MONOTONIC\n");
	printf("ratio > 1: kipc is faster; kipc/kernel for rates,\n");
	printf("kernel/kipc for times (us, ns/page)\n\n");
	printf("%-24s %-16s %-7s %-22s %-22s %6s  %s\n", "workload",
	       "kernel side", "unit", "kipc", "kernel", "ratio", "target");
	fflush(stdout);
}

static void print_row(const struct bench_row *row)
{
	char label[64], a[80], b[80], ratio[24] = "n/a", target[32] = "";
	double t = row->k->target[row->m];

	row_label(row, label, sizeof(label));
	fmt_figure(a, sizeof(a), &row->g->side[0], &row->kipc);
	fmt_figure(b, sizeof(b), row->k, &row->kern);
	if (row->ok)
		fmt_num(ratio, sizeof(ratio), row->ratio);
	if (t > 0)
		snprintf(target, sizeof(target), ">= %.*f %s",
			 t == (int)t ? 1 : 2, t,
			 !row->ok	 ? "n/a" :
			 row->ratio >= t ? "met" :
					   "MISSED");
	printf("%-24s %-16s %-7s %-22s %-22s %6s  %s\n", label, row->k->name,
	       row->g->metric[row->m].unit, a, b, ratio, target);
}

void print_group(const struct bench_group *g)
{
	struct bench_row row;
	int k, m;

	for (m = 0; m < g->nmetrics; m++) {
		for (k = 1; k < g->nsides; k++) {
			row_of(g, k, m, &row);
			print_row(&row);
		}
	}
	for (k = 0; opt.verbose && k < g->nsides; k++)
		printf("    %s: %ld iterations per run, %.2f context switches per iteration\n",
		       g->side[k].name, g->side[k].n, g->side[k].csw);
	fflush(stdout);
}

static void json_side(FILE *f, const struct bench_side *s, int m,
		      const struct bench_stat *st)
{
	int r;

	if (s->err || !s->runs) {
		fprintf(f, "{\"error\": \"%s\"}",
			s->err ? err_name(s->err) : "no runs");
		return;
	}
	fprintf(f,
		"{\"median\": %.6g, \"min\": %.6g, \"max\": %.6g, \"iterations\": %ld, \"switches_per_iteration\": %.3g, \"runs\": [",
		st->med, st->min, st->max, s->n, s->csw);
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
				row_of(g, k, m, &rows[n++]);
	}
	return n;
}

static const char *row_target_met(const struct bench_row *row)
{
	double t = row->k->target[row->m];

	if (!row->ok)
		return "null";
	return row->ratio >= t ? "true" : "false";
}

void print_json(FILE *f)
{
	struct bench_row rows[BENCH_ROWS_MAX], *row;
	const struct bench_metric *mt;
	struct utsname u;
	char label[64];
	int i, n;
	double t;

	if (uname(&u))
		snprintf(u.release, sizeof(u.release), "?");
	fprintf(f, "{\n  \"kernel\": \"%s\",\n  \"cpus\": %ld,\n", u.release,
		sysconf(_SC_NPROCESSORS_ONLN));
	fprintf(f, "  \"clock\": \"CLOCK_MONOTONIC\",\n  \"reps\": %d,\n",
		opt.reps);
	fprintf(f, "  \"run_seconds\": %g,\n  \"quick\": %s,\n  \"rows\": [",
		opt.time, opt.quick ? "true" : "false");
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
		json_side(f, &row->g->side[0], row->m, &row->kipc);
		fprintf(f, ",\n     \"kernel\": ");
		json_side(f, row->k, row->m, &row->kern);
		if (row->ok)
			fprintf(f,
				",\n     \"ratio\": %.6g, \"ratio_min\": %.6g, \"ratio_max\": %.6g",
				row->ratio, row->rlo, row->rhi);
		else
			fprintf(f, ",\n     \"ratio\": null");
		t = row->k->target[row->m];
		if (t > 0)
			fprintf(f, ", \"target\": %g, \"met\": %s}", t,
				row_target_met(row));
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

// SPDX-License-Identifier: GPL-2.0
/*
 * kipc-bench: kipc's devices against the kernel's own IPC, in one boot.
 * `kipc bench` runs it.
 *
 *   kipc-bench [--quick] [--json] [--rounds N] [--time SECONDS]
 *              [--only WORKLOAD]... [--svg FILE] [--verbose]
 *              [--cpus any|same|split]
 *
 * Method. A workload pits a kipc device (side 0) against one or more kernel
 * mechanisms. Each side first runs a warm-up that also calibrates its
 * iteration count so that one run lasts about --time seconds (short: 0.1
 * s by default); warm-up runs are discarded. Then come --rounds rounds,
 * each one run of every side, timed with CLOCK_MONOTONIC; each round
 * starts one side further on (A B C, B C A, C A B, ...), so with two
 * sides the runs alternate kipc, kernel, kernel, kipc, ... Work per run
 * differs between sides but every figure is a rate or a time per
 * operation, so they compare. A row is one kipc/kernel pair: its ratio is
 * taken per round, from the two runs of that round, oriented so that > 1
 * means kipc is faster (kipc/kernel for rates, kernel/kipc for times),
 * and summarised as the median of those ratios with a 95% interval from
 * order statistics (stats.c). A slow phase of the host then hits both
 * runs of a pair, not one side's whole series. A target is met only when
 * the interval's lower end reaches it.
 *
 * The pipe and shm groups also time memcpy (memcpy.c): one process
 * copying the same amount in user space, the ceiling their rates are
 * shown against.
 *
 * Processes: see runner.c. Node state: see state.c.
 *
 * A side that cannot run prints "n/a (ERRNO)" in its rows, and the exit
 * status is 1; every row is always printed. Node state changed for a run
 * is put back afterwards, also on SIGINT/SIGTERM, and every object made is
 * removed. The exit status is 1 if a side failed for any other reason.
 *
 * This file: the options, the groups in table order, and the run order.
 */

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

static const char *const bench_workload_names[] = {
	"pipe", "msg", "typed", "sem", "shm", "notify", "pipeline",
};

static const char *const bench_cpus_names[] = { "any", "same", "split" };

static const char bench_usage[] =
	"usage: kipc bench [--quick] [--json] [--rounds N] [--time SECONDS]\n"
	"                  [--only WORKLOAD]... [--svg FILE] [--verbose]\n"
	"                  [--cpus any|same|split]\n";

static const char bench_help[] =
	"\n"
	"Times each kipc device against the kernel's own IPC in this boot, in\n"
	"short rounds that alternate the sides, and prints one row per pair:\n"
	"the median of each side's runs and the median of the per-round\n"
	"ratios with its 95% interval; > 1 means kipc is faster (kipc/kernel\n"
	"for rates, kernel/kipc for times). A target is met when the interval's\n"
	"lower end reaches it.\n"
	"\n"
	"  --quick         one round of tiny sizes after the warm-up (a smoke test)\n"
	"  --json          print the results as JSON instead of the table\n"
	"  --rounds N      timed rounds, one run of every side each, 1..99\n"
	"                  (default 21; --reps is the same)\n"
	"  --time SECONDS  length of one run, warm-up calibrated (default 0.1)\n"
	"  --only NAME     only this workload (repeatable): pipe, msg, typed,\n"
	"                  sem, shm, notify, pipeline\n"
	"  --svg FILE      also draw the ratios as an SVG chart ('-': stdout)\n"
	"  --verbose       also print iterations and context switches per run\n"
	"  --cpus WHERE    the two processes of a run: any (the scheduler's\n"
	"                  choice), same (both on one CPU), split (one each)\n"
	"\n"
	"Needs the kipc module and root (queue limits, node state). Uses pipe0,\n"
	"msg0, sem0, sem1 and shm0 and restores their state afterwards.\n";

struct bench_opts opt = {
	.rounds = 21,
	.time = 0.1,
};

struct bench_group groups[BENCH_GROUPS_MAX];
int ngroups;
long page_size;

struct bench_group *group_add(unsigned int workload, bench_run_fn run,
			      const struct bench_metric *metric, int nmetrics,
			      long param, long n_first)
{
	struct bench_group *g = &groups[ngroups++];

	g->workload = workload;
	g->run = run;
	g->metric = metric;
	g->nmetrics = nmetrics;
	g->param = param;
	g->n_first = n_first;
	g->n_max = 1L << 30;
	return g;
}

struct bench_side *side_add(struct bench_group *g, const char *name,
			    enum bench_kind kind, double target)
{
	struct bench_side *s = &g->side[g->nsides++];

	s->name = name;
	s->kind = kind;
	s->target[0] = target;
	return s;
}

void pipeline_groups_add(void); /* pipeline.c: kipc run, a real pipeline */

/* The rows of the table, in its order. */
static void groups_init(void)
{
	pipe_groups_add();
	pipeline_groups_add();
	msg_groups_add();
	typed_groups_add();
	sem_groups_add();
	shm_groups_add();
	notify_groups_add();
}

/* One run of side @s: the group's workload, or the memcpy ceiling. */
static int side_run(struct bench_group *g, struct bench_side *s, long n,
		    double *val, double *secs)
{
	if (s->kind == K_MEMCPY)
		return memcpy_run(g, s, n, val, secs);
	return g->run(g, s, n, val, secs);
}

/*
 * Warm-up, discarded: grows the count until a run lasts a quarter of
 * --time, then scales it to --time. In --quick, one run of n_first.
 */
static int calibrate(struct bench_group *g, struct bench_side *s)
{
	double val[BENCH_METRICS_MAX], secs = 0, f;
	long n = g->n_first;
	int i, ret;

	for (i = 0; i < 10; i++) {
		ret = side_run(g, s, n, val, &secs);
		if (ret)
			return ret;
		if (opt.quick || secs >= opt.time / 4 || n >= g->n_max)
			break;
		f = secs > 0 ? opt.time / secs : 16;
		n = f > 16 ? n * 16 : (long)(n * f) + 1;
		if (n > g->n_max)
			n = g->n_max;
	}
	if (!opt.quick && secs > 0) {
		f = n * opt.time / secs;
		n = f < 1 ? 1 : f > g->n_max ? g->n_max : (long)f;
	}
	s->n = n;
	return 0;
}

static void group_run(struct bench_group *g)
{
	double val[BENCH_METRICS_MAX], secs;
	struct bench_side *s;
	int i, j, r, m, ret;

	if (g->setup)
		g->setup(g);
	for (i = 0; i < g->nsides; i++) {
		s = &g->side[i];
		if (!s->err) {
			ret = calibrate(g, s);
			if (ret)
				s->err = -ret;
		}
	}
	/*
	 * Round r starts with side r mod nsides (A B C, B C A, C A B, ...): a
	 * side's place in the turn is then no bias. It was one: a 64 MiB
	 * segment read up to 40% faster or slower by place alone, System V
	 * and memfd (both shmem) alike, by the order of the pages the side
	 * before had just freed (see shm_run()). A side that fails stops, so
	 * s->val[][r] is round r's run for every side still running.
	 */
	for (r = 0; r < opt.rounds; r++) {
		for (j = 0; j < g->nsides; j++) {
			i = (r + j) % g->nsides;
			s = &g->side[i];
			if (s->err)
				continue;
			last_csw = 0;
			ret = side_run(g, s, s->n, val, &secs);
			s->csw = (double)last_csw / s->n;
			if (ret) {
				s->err = -ret;
				continue;
			}
			for (m = 0; m < g->nmetrics; m++)
				s->val[m][s->runs] = val[m];
			s->runs++;
		}
	}
	if (g->teardown)
		g->teardown(g);
}

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "kipc: bench: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%s", bench_usage);
	return 2;
}

static int parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "reps", required_argument, NULL, 'r' },
		{ "time", required_argument, NULL, 't' },
		{ "only", required_argument, NULL, 'o' },
		{ "svg", required_argument, NULL, 's' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	char *end;
	size_t i;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (c) {
		case 'q':
			opt.quick = true;
			break;
		case 'v':
			opt.verbose = true;
			break;
		case 'j':
			opt.json = true;
			break;
		case 'r':
			errno = 0;
			opt.rounds = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || opt.rounds < 1 ||
			    opt.rounds > BENCH_ROUNDS_MAX)
				return usage_error("bad --rounds '%s' (1..99)",
						   optarg);
			break;
		case 't':
			errno = 0;
			opt.time = strtod(optarg, &end);
			if (errno || *end || end == optarg || !(opt.time > 0) ||
			    opt.time > 60)
				return usage_error("bad --time '%s' (0..60 s)",
						   optarg);
			break;
		case 'o':
			for (i = 0; i < ARRAY_SIZE(bench_workload_names); i++)
				if (!strcmp(optarg, bench_workload_names[i]))
					break;
			if (i == ARRAY_SIZE(bench_workload_names))
				return usage_error("unknown workload '%s'",
						   optarg);
			opt.only |= 1U << i;
			break;
		case 's':
			opt.svg = optarg;
			break;
		case 'c':
			for (i = 0; i < 3; i++)
				if (!strcmp(optarg, bench_cpus_names[i]))
					break;
			if (i == 3)
				return usage_error("bad --cpus '%s'", optarg);
			opt.cpus = i;
			break;
		case 'h':
			printf("%s%s", bench_usage, bench_help);
			exit(0);
		default:
			return usage_error("bad option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (!opt.only)
		opt.only = W_ALL;
	if (opt.quick)
		opt.rounds = 1;
	return 0;
}

int main(int argc, char **argv)
{
	bool failed = false;
	int i, k, ret;

	ret = parse_args(argc, argv);
	if (ret)
		return ret;
	page_size = sysconf(_SC_PAGESIZE);
	ret = duo_init();
	if (ret) {
		fprintf(stderr, "kipc: bench: %s\n", strerror(-ret));
		return 1;
	}
	/* A write to a pipe whose reader died gives EPIPE, not death. */
	signal(SIGPIPE, SIG_IGN);
	state_init();
	groups_init();
	if (!opt.json)
		print_header();
	for (i = 0; i < ngroups; i++) {
		if (!(groups[i].workload & opt.only))
			continue;
		group_run(&groups[i]);
		if (!opt.json)
			print_group(&groups[i]);
		for (k = 0; k < groups[i].nsides; k++) {
			ret = groups[i].side[k].err;
			if (ret) {
				fprintf(stderr, "kipc: bench: %s, %s: %s\n",
					groups[i].label, groups[i].side[k].name,
					strerror(ret));
				failed = true;
			}
		}
	}
	bench_cleanup();
	if (opt.json)
		print_json(stdout);
	if (opt.svg && print_svg(opt.svg))
		return 1;
	fflush(stdout);
	return failed ? 1 : 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * kipc ls: the /proc/kipc tables as aligned columns (like lsipc(1)) or JSON.
 *
 * Each /proc/kipc/<kind> file is a header line of column names and one row
 * per node, fields separated by spaces. This reads them generically, so a
 * column the module adds later shows up without a change here. A row
 * shorter than the header leaves the missing cells empty ("-" in the table,
 * absent in JSON); fields beyond the header have no name and are ignored.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const struct kipc_cmd kipc_ls_cmd = {
	.name = "ls",
	.usage = "usage: kipc ls [pipe|msg|shm|sem]... [--json]\n",
	.help = "\n"
		"List every kipc node with its statistics from /proc/kipc, one\n"
		"table per kind, or only the kinds named.\n"
		"\n"
		"  --json  print {\"pipe\": [{\"name\": \"pipe0\", \"size\": 65536, ...}],\n"
		"          ...}: one array per kind, numbers as JSON numbers\n",
};

static const char *const kipc_ls_kinds[] = { "pipe", "msg", "shm", "sem" };
#define KIPC_NR_KINDS ARRAY_SIZE(kipc_ls_kinds)

/**
 * struct kipc_row - the fields of one line
 * @f: the fields, split in place in @line
 * @n: number of fields
 * @line: the line's storage
 */
struct kipc_row {
	char **f;
	size_t n;
	char *line;
};

/**
 * struct kipc_table - one /proc/kipc file
 * @kind: its name ("pipe", ...)
 * @head: the column names
 * @rows: one per node
 * @nrows: number of @rows
 */
struct kipc_table {
	const char *kind;
	struct kipc_row head;
	struct kipc_row *rows;
	size_t nrows;
};

/* Split @line into fields at blanks; non-printable bytes become '?'. */
static void kipc_split(struct kipc_row *r, char *line)
{
	size_t cap = 8;
	char *p, *save;

	for (p = line; *p; p++)
		if (*p != ' ' && *p != '\t' && *p != '\n' &&
		    (*p < 0x21 || *p > 0x7e))
			*p = '?';
	r->line = line;
	r->n = 0;
	r->f = malloc(cap * sizeof(*r->f));
	if (!r->f)
		kipc_fail_errno(NULL, ENOMEM);
	for (p = strtok_r(line, " \t\n", &save); p;
	     p = strtok_r(NULL, " \t\n", &save)) {
		if (r->n == cap) {
			cap *= 2;
			r->f = realloc(r->f, cap * sizeof(*r->f));
			if (!r->f)
				kipc_fail_errno(NULL, ENOMEM);
		}
		r->f[r->n++] = p;
	}
}

/* Read /proc/kipc/@kind; returns -1 with errno set if it cannot. */
static int kipc_table_read(struct kipc_table *t, const char *kind)
{
	char path[64], *line = NULL;
	size_t cap = 0, alloc = 0;
	struct kipc_row r;
	FILE *f;

	memset(t, 0, sizeof(*t));
	t->kind = kind;
	snprintf(path, sizeof(path), KIPC_PROC_DIR "/%s", kind);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (getline(&line, &cap, f) > 0) {
		kipc_split(&r, line);
		line = NULL;
		cap = 0;
		if (!r.n) {
			free(r.f);
			free(r.line);
			continue;
		}
		if (!t->head.n) {
			t->head = r;
			continue;
		}
		if (t->nrows == alloc) {
			alloc = alloc ? alloc * 2 : 8;
			t->rows = realloc(t->rows, alloc * sizeof(*t->rows));
			if (!t->rows)
				kipc_fail_errno(NULL, ENOMEM);
		}
		t->rows[t->nrows++] = r;
	}
	free(line);
	if (ferror(f)) {
		int err = errno;

		fclose(f);
		errno = err;
		return -1;
	}
	fclose(f);
	return 0;
}

static void kipc_table_free(struct kipc_table *t)
{
	size_t i;

	for (i = 0; i < t->nrows; i++) {
		free(t->rows[i].f);
		free(t->rows[i].line);
	}
	free(t->rows);
	free(t->head.f);
	free(t->head.line);
}

static const char *kipc_cell(const struct kipc_row *r, size_t i)
{
	return i < r->n ? r->f[i] : NULL;
}

/* A decimal integer, as JSON spells numbers (no leading zeros, no '+'). */
static bool kipc_is_json_int(const char *s)
{
	if (*s == '-')
		s++;
	if (*s < '0' || *s > '9')
		return false;
	if (*s == '0' && s[1])
		return false;
	while (*s >= '0' && *s <= '9')
		s++;
	return !*s;
}

static void kipc_print_upper(const char *s, int width)
{
	int n = 0;

	for (; *s; s++, n++)
		putchar(*s >= 'a' && *s <= 'z' ? *s - 'a' + 'A' : *s);
	for (; n < width; n++)
		putchar(' ');
}

/*
 * Column 0 is TYPE (the kind), then one per header name. Numeric columns
 * are right-aligned, header included, as lsipc(1) does.
 */
static void kipc_table_print(const struct kipc_table *t)
{
	size_t ncols = t->head.n + 1, c, i;
	const char *v;
	int *width;
	bool *num;

	width = calloc(ncols, sizeof(*width));
	num = calloc(ncols, sizeof(*num));
	if (!width || !num)
		kipc_fail_errno(NULL, ENOMEM);

	width[0] = strlen("TYPE");
	if ((int)strlen(t->kind) > width[0])
		width[0] = strlen(t->kind);
	for (c = 1; c < ncols; c++) {
		width[c] = strlen(t->head.f[c - 1]);
		num[c] = c > 1;
		for (i = 0; i < t->nrows; i++) {
			v = kipc_cell(&t->rows[i], c - 1);
			if (!v)
				v = "-";
			else if (!kipc_is_json_int(v))
				num[c] = false;
			if ((int)strlen(v) > width[c])
				width[c] = strlen(v);
		}
	}

	kipc_print_upper("TYPE", width[0]);
	for (c = 1; c < ncols; c++) {
		bool last = c == ncols - 1;
		int pad = width[c] - (int)strlen(t->head.f[c - 1]);

		putchar(' ');
		if (num[c])
			printf("%*s", pad, "");
		kipc_print_upper(t->head.f[c - 1],
				 num[c] || last ? 0 : width[c]);
	}
	putchar('\n');

	for (i = 0; i < t->nrows; i++) {
		printf("%-*s", ncols > 1 ? width[0] : 0, t->kind);
		for (c = 1; c < ncols; c++) {
			bool last = c == ncols - 1;

			v = kipc_cell(&t->rows[i], c - 1);
			if (!v)
				v = "-";
			if (num[c])
				printf(" %*s", width[c], v);
			else
				printf(" %-*s", last ? 0 : width[c], v);
		}
		putchar('\n');
	}
	free(width);
	free(num);
}

static void kipc_json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20 || *s == 0x7f)
			printf("\\u%04x", (unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void kipc_table_json(const struct kipc_table *t, bool first)
{
	size_t i, c;
	const char *v;

	printf("%s\n  ", first ? "" : ",");
	kipc_json_string(t->kind);
	printf(": [");
	for (i = 0; i < t->nrows; i++) {
		printf("%s\n    {", i ? "," : "");
		for (c = 0; c < t->head.n; c++) {
			v = kipc_cell(&t->rows[i], c);
			if (!v)
				continue;
			if (c)
				printf(", ");
			kipc_json_string(t->head.f[c]);
			printf(": ");
			if (!strcmp(t->head.f[c], "mode"))
				/* Octal in /proc (0640); JSON has no octal. */
				printf("%ld", strtol(v, NULL, 8));
			else if (c && kipc_is_json_int(v))
				fputs(v, stdout);
			else
				kipc_json_string(v);
		}
		putchar('}');
	}
	printf("%s]", t->nrows ? "\n  " : "");
}

int kipc_cmd_ls(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{}
	};
	bool want[KIPC_NR_KINDS] = {}, all = true, json = false, first = true;
	struct kipc_table t;
	struct kipc_args a;
	char path[64];
	size_t k;
	int i, c;

	kipc_cur = &kipc_ls_cmd;
	kipc_args_init(&a, argc, argv);
	while ((c = kipc_getopt(&a, "+:hj", longopts)) != -1)
		if (c == 'j')
			json = true;

	for (i = 0; i < a.npos; i++) {
		for (k = 0; k < KIPC_NR_KINDS; k++)
			if (!strcmp(a.pos[i], kipc_ls_kinds[k]))
				break;
		if (k == KIPC_NR_KINDS)
			kipc_usage_error("unknown kind '%s'", a.pos[i]);
		want[k] = true;
		all = false;
	}

	if (access(KIPC_PROC_DIR, F_OK))
		kipc_fail(NULL, "kipc module not loaded");

	if (json)
		putchar('{');
	for (k = 0; k < KIPC_NR_KINDS; k++) {
		if (!all && !want[k])
			continue;
		if (kipc_table_read(&t, kipc_ls_kinds[k])) {
			/* Listing everything: show what this module has. */
			if (all && errno == ENOENT)
				continue;
			snprintf(path, sizeof(path), KIPC_PROC_DIR "/%s",
				 kipc_ls_kinds[k]);
			kipc_fail_errno(path, errno);
		}
		if (!t.head.n) {
			kipc_table_free(&t);
			continue;
		}
		if (json) {
			kipc_table_json(&t, first);
		} else {
			printf("%s", first ? "" : "\n");
			kipc_table_print(&t);
		}
		kipc_table_free(&t);
		first = false;
	}
	free(a.pos);
	if (json)
		printf("%s}\n", first ? "" : "\n");
	return EXIT_OK;
}

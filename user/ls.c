// SPDX-License-Identifier: GPL-2.0
/*
 * kipc ls: the /proc/kipc tables as aligned columns (like lsipc(1)) or JSON.
 *
 * Each /proc/kipc/<kind> file is a header line of column names and one row
 * per node, fields separated by spaces. This reads them generically, so a
 * column the module adds later shows up without a change here. A row
 * shorter than the header leaves the missing cells empty ("-" in the table,
 * absent in JSON); fields beyond the header have no name and are ignored.
 *
 * Owner and mode (the columns uid, gid, mode) are shown as lsipc(1) shows
 * them: the text table has PERMS (rw-r--r--) and OWNER (the user name)
 * after NAME, instead of mode, uid and gid; JSON keeps the three as
 * numbers, mode included (/proc prints it in octal, 0644; JSON has 420).
 */

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "table.h"

static const struct kipc_cmd kipc_ls_cmd = {
	.name = "ls",
	.usage = "usage: kipc ls [pipe|msg|shm|sem]... [--json]\n",
	.help = "\n"
		"List every kipc node with its statistics from /proc/kipc, one\n"
		"table per kind, or only the kinds named.\n"
		"\n"
		"Anonymous objects are listed as anon:ID. Each object's PERMS and\n"
		"OWNER (user name, else uid) follow its NAME.\n"
		"\n"
		"  --json  print {\"pipe\": [{\"name\": \"pipe0\", \"size\": 65536, ...}],\n"
		"          ...}: one array per kind, keyed by the /proc/kipc column\n"
		"          names (uid, gid, mode, cpid, ...), numbers as JSON numbers\n"
		"          (mode too: 420 for 0644)\n",
};

static const char *const kipc_ls_kinds[] = { "pipe", "msg", "shm", "sem" };
#define KIPC_NR_KINDS ARRAY_SIZE(kipc_ls_kinds)

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

int kipc_table_read(struct kipc_table *t, const char *kind)
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

void kipc_table_free(struct kipc_table *t)
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

/* "0644" (octal, as /proc prints modes) -> 0644; false if not a mode. */
static bool kipc_mode_of(const char *s, unsigned long *mode)
{
	char *end;

	if (*s < '0' || *s > '7')
		return false;
	*mode = strtoul(s, &end, 8);
	return !*end && *mode <= 07777;
}

/* @mode's permission bits as ls(1) and lsipc(1) show them: rw-r--r--. */
static void kipc_perms(unsigned long mode, char out[10])
{
	static const char rwx[] = "rwxrwxrwx";
	int i;

	for (i = 0; i < 9; i++)
		out[i] = mode & (0400 >> i) ? rwx[i] : '-';
	out[9] = '\0';
}

/**
 * struct kipc_user - a user name looked up, for the next row of that uid
 * @uid: the uid as /proc prints it
 * @name: its user name, or NULL if it has none
 * @next: the next one
 */
struct kipc_user {
	char *uid;
	char *name;
	struct kipc_user *next;
};

static struct kipc_user *kipc_users;

/* The user name of @uid ("0" -> "root"), or @uid itself if it has none. */
static const char *kipc_user_name(const char *uid)
{
	struct kipc_user *u;
	struct passwd *pw;

	if (!kipc_is_json_int(uid) || *uid == '-')
		return uid;
	for (u = kipc_users; u; u = u->next)
		if (!strcmp(u->uid, uid))
			return u->name ? u->name : uid;
	u = calloc(1, sizeof(*u));
	if (!u)
		kipc_fail_errno(NULL, ENOMEM);
	pw = getpwuid(strtoul(uid, NULL, 10));
	u->uid = strdup(uid);
	u->name = pw ? strdup(pw->pw_name) : NULL;
	if (!u->uid || (pw && !u->name))
		kipc_fail_errno(NULL, ENOMEM);
	u->next = kipc_users;
	kipc_users = u;
	return u->name ? u->name : uid;
}

static void kipc_users_free(void)
{
	struct kipc_user *u;

	while (kipc_users) {
		u = kipc_users;
		kipc_users = u->next;
		free(u->uid);
		free(u->name);
		free(u);
	}
}

/* How a column of the text table shows its /proc column. */
enum kipc_show {
	KIPC_AS_IS,
	KIPC_AS_PERMS, /* mode, as rw-r--r-- */
	KIPC_AS_OWNER, /* uid, as a user name */
};

/**
 * struct kipc_col - a column of the text table
 * @head: its header (printed in upper case)
 * @src: the /proc column it shows
 * @show: how
 */
struct kipc_col {
	const char *head;
	size_t src;
	enum kipc_show show;
};

static size_t kipc_head_find(const struct kipc_table *t, const char *name)
{
	size_t c;

	for (c = 0; c < t->head.n; c++)
		if (!strcmp(t->head.f[c], name))
			return c;
	return SIZE_MAX;
}

/*
 * The text table's columns after TYPE: NAME, PERMS and OWNER if /proc has
 * mode and uid, then every other /proc column but uid, gid and mode, in
 * order. Returns how many.
 */
static size_t kipc_text_cols(const struct kipc_table *t, struct kipc_col *cols)
{
	size_t mode = kipc_head_find(t, "mode"), uid = kipc_head_find(t, "uid");
	size_t gid = kipc_head_find(t, "gid"), n = 0, c;

	cols[n++] = (struct kipc_col){ t->head.f[0], 0, KIPC_AS_IS };
	if (mode != SIZE_MAX)
		cols[n++] = (struct kipc_col){ "perms", mode, KIPC_AS_PERMS };
	if (uid != SIZE_MAX)
		cols[n++] = (struct kipc_col){ "owner", uid, KIPC_AS_OWNER };
	for (c = 1; c < t->head.n; c++)
		if (c != mode && c != uid && c != gid)
			cols[n++] = (struct kipc_col){ t->head.f[c], c,
						       KIPC_AS_IS };
	return n;
}

/* Row @r's cell for @col, as the text table shows it ("-" if missing). */
static const char *kipc_text_cell(const struct kipc_row *r,
				  const struct kipc_col *col, char perms[10])
{
	const char *v = kipc_cell(r, col->src);
	unsigned long mode;

	if (!v)
		return "-";
	if (col->show == KIPC_AS_PERMS && kipc_mode_of(v, &mode)) {
		kipc_perms(mode, perms);
		return perms;
	}
	if (col->show == KIPC_AS_OWNER)
		return kipc_user_name(v);
	return v;
}

/*
 * Column 0 is TYPE (the kind), then kipc_text_cols(). Numeric columns
 * are right-aligned, header included, as lsipc(1) does.
 */
static void kipc_table_print(const struct kipc_table *t)
{
	size_t ncols, c, i;
	struct kipc_col *cols;
	const char **cells;
	char *perms;
	int *width;
	bool *num;

	cols = calloc(t->head.n + 3, sizeof(*cols));
	perms = calloc(t->nrows + 1, 10);
	if (!cols || !perms)
		kipc_fail_errno(NULL, ENOMEM);
	ncols = kipc_text_cols(t, cols + 1) + 1;
	cells = calloc(ncols * t->nrows + 1, sizeof(*cells));
	width = calloc(ncols, sizeof(*width));
	num = calloc(ncols, sizeof(*num));
	if (!cells || !width || !num)
		kipc_fail_errno(NULL, ENOMEM);

	width[0] = strlen("TYPE");
	if ((int)strlen(t->kind) > width[0])
		width[0] = strlen(t->kind);
	for (c = 1; c < ncols; c++) {
		width[c] = strlen(cols[c].head);
		num[c] = c > 1 && cols[c].show == KIPC_AS_IS;
		for (i = 0; i < t->nrows; i++) {
			const char *v = kipc_text_cell(&t->rows[i], &cols[c],
						       perms + 10 * i);

			cells[i * ncols + c] = v;
			if (!kipc_is_json_int(v) && strcmp(v, "-"))
				num[c] = false;
			if ((int)strlen(v) > width[c])
				width[c] = strlen(v);
		}
	}

	kipc_print_upper("TYPE", width[0]);
	for (c = 1; c < ncols; c++) {
		bool last = c == ncols - 1;
		int pad = width[c] - (int)strlen(cols[c].head);

		putchar(' ');
		if (num[c])
			printf("%*s", pad, "");
		kipc_print_upper(cols[c].head, num[c] || last ? 0 : width[c]);
	}
	putchar('\n');

	for (i = 0; i < t->nrows; i++) {
		printf("%-*s", ncols > 1 ? width[0] : 0, t->kind);
		for (c = 1; c < ncols; c++) {
			bool last = c == ncols - 1;
			const char *v = cells[i * ncols + c];

			if (num[c])
				printf(" %*s", width[c], v);
			else
				printf(" %-*s", last ? 0 : width[c], v);
		}
		putchar('\n');
	}
	free(cells);
	free(perms);
	free(cols);
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
	unsigned long mode;
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
			if (c && kipc_is_json_int(v))
				fputs(v, stdout);
			else if (!strcmp(t->head.f[c], "mode") &&
				 kipc_mode_of(v, &mode))
				/* Octal in /proc (0640); JSON has no octal. */
				printf("%lu", mode);
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
	kipc_users_free();
	if (json)
		printf("%s}\n", first ? "" : "\n");
	return EXIT_OK;
}

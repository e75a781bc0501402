/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The /proc/kipc tables, read generically (ls.c): a header line of column
 * names, then one row per object, fields separated by blanks. kipc ls
 * prints them, kipc top turns two readings into rates.
 */
#ifndef _KIPC_TABLE_H
#define _KIPC_TABLE_H

#include <stddef.h>

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

/* Read /proc/kipc/@kind; returns -1 with errno set if it cannot. */
int kipc_table_read(struct kipc_table *t, const char *kind);
void kipc_table_free(struct kipc_table *t);

#endif /* _KIPC_TABLE_H */

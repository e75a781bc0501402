// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/kipc/{pipe,msg,shm,sem}: a header line of column names, then one row
 * per node, printed by the mechanism's ->proc_show.
 *
 * Locking: the tables are readable by every user, so a ->proc_show must
 * never wait for anything a user can hold up. A pipe's row is read without
 * the pipe's lock (a mutex held across copies from user memory, which a
 * userfaultfd or FUSE-backed buffer can stall for good), from lockless
 * snapshots. msg, shm and sem take their node's spinlock, which is never
 * held across a user copy or a sleep, to print a consistent row. The
 * directory is created after every node exists and removed before any node
 * is freed; proc_remove() waits for readers still inside ->show.
 */

#include <linux/proc_fs.h>

#include "internal.h"

static struct proc_dir_entry *kipc_proc_dir;

static int kipc_proc_show(struct seq_file *m, void *v)
{
	const struct kipc_node_set *set = m->private;
	unsigned int i;

	seq_printf(m, "%s\n", set->kind->proc_header);
	for (i = 0; i < set->count; i++)
		set->kind->proc_show(m, set->nodes[i]);
	return 0;
}

int kipc_proc_init(struct kipc_node_set *sets, unsigned int nr_sets)
{
	unsigned int i;

	kipc_proc_dir = proc_mkdir("kipc", NULL);
	if (!kipc_proc_dir)
		return -ENOMEM;

	for (i = 0; i < nr_sets; i++) {
		if (!proc_create_single_data(sets[i].kind->name, 0444,
					     kipc_proc_dir, kipc_proc_show,
					     &sets[i])) {
			proc_remove(kipc_proc_dir);
			return -ENOMEM;
		}
	}
	return 0;
}

void kipc_proc_exit(void)
{
	proc_remove(kipc_proc_dir);
}

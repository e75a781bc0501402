// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/kipc/{pipe,msg,shm,sem}: a header line of column names, then one row
 * per object of that kind, named or anonymous, in order of creation: the
 * mechanism's ->proc_show, then the columns every kind shares,
 * "uid gid mode cpid" (owner and mode as the node shows them, the creator's
 * pid, both as the reader's namespaces see them).
 *
 * /proc/kipc/limits: "name value used" rows for the object limits (used:
 * all objects, and the reader's own uid's) and the size limits (used: -).
 *
 * Locking: the tables walk the object list under kipc_objects_lock, taken
 * killably: it is held only while an object is made or removed, never
 * across anything a user controls. The tables are readable by every user,
 * so no ->proc_show may wait for anything a user can hold up: a pipe's row
 * comes from lockless snapshots, never the pipe's lock (a mutex held across
 * copies from user memory, which a userfaultfd or FUSE-backed buffer can
 * stall for good); msg, shm and sem take their object's spinlock, which is
 * never held across a user copy or a sleep, for a consistent row. The
 * directory is created after the load-time objects exist and removed before
 * any is freed; proc_remove() waits for readers still inside ->show.
 */

#include <linux/cred.h>
#include <linux/proc_fs.h>

#include "internal.h"

static struct proc_dir_entry *kipc_proc_dir;

static int kipc_proc_show(struct seq_file *m, void *v)
{
	const struct kipc_kind_ops *kind = m->private;
	struct user_namespace *ns = seq_user_ns(m);
	struct kipc_node *node;
	umode_t mode;
	kuid_t uid;
	kgid_t gid;
	int ret;

	seq_printf(m, "%s uid gid mode cpid\n", kind->proc_header);
	ret = mutex_lock_killable(&kipc_objects_lock);
	if (ret)
		return ret;
	list_for_each_entry(node, &kipc_objects, link) {
		if (node->kind != kind)
			continue;
		kind->proc_show(m, node);
		kipc_object_owner(node, &uid, &gid, &mode);
		seq_printf(m, " %u %u %04o %d\n", from_kuid_munged(ns, uid),
			   from_kgid_munged(ns, gid), mode,
			   pid_vnr(node->cpid));
	}
	mutex_unlock(&kipc_objects_lock);
	return 0;
}

static int kipc_proc_limits_show(struct seq_file *m, void *v)
{
	unsigned int all, mine;
	int ret;

	ret = mutex_lock_killable(&kipc_objects_lock);
	if (ret)
		return ret;
	all = kipc_objects_count();
	mine = kipc_objects_of(current_euid());
	mutex_unlock(&kipc_objects_lock);

	seq_puts(m, "name value used\n");
	seq_printf(m, "max_objects %u %u\n", kipc_param_max_objects, all);
	seq_printf(m, "max_user_objects %u %u\n", kipc_param_max_user_objects,
		   mine);
	seq_printf(m, "pipe_max_size %u -\n", kipc_param_pipe_max_size);
	seq_printf(m, "msgmax %u -\n", kipc_param_msgmax);
	seq_printf(m, "msgmnb %u -\n", kipc_param_msgmnb);
	seq_printf(m, "shm_max %lu -\n", kipc_param_shm_max);
	seq_printf(m, "sem_value_max %d -\n", KIPC_SEM_VALUE_MAX);
	return 0;
}

int kipc_proc_init(void)
{
	static const struct kipc_kind_ops *const kinds[] = {
		&kipc_pipe_kind,
		&kipc_msg_kind,
		&kipc_shm_kind,
		&kipc_sem_kind,
	};
	unsigned int i;

	kipc_proc_dir = proc_mkdir("kipc", NULL);
	if (!kipc_proc_dir)
		return -ENOMEM;

	for (i = 0; i < ARRAY_SIZE(kinds); i++) {
		/* The data is const; proc only hands it back to ->show. */
		if (!proc_create_single_data(kinds[i]->name, 0444,
					     kipc_proc_dir, kipc_proc_show,
					     (void *)kinds[i]))
			goto err_remove;
	}
	if (!proc_create_single("limits", 0444, kipc_proc_dir,
				kipc_proc_limits_show))
		goto err_remove;
	return 0;

err_remove:
	proc_remove(kipc_proc_dir);
	return -ENOMEM;
}

void kipc_proc_exit(void)
{
	proc_remove(kipc_proc_dir);
}

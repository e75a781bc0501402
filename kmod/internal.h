/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kipc internal interface: how the mechanism files (pipe.c, msg.c, shm.c,
 * sem.c) plug into the core (main.c) and /proc (procfs.c).
 */
#ifndef _KIPC_INTERNAL_H
#define _KIPC_INTERNAL_H

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/spinlock.h>
#include <linux/kipc.h>

#include "compat.h"

/* The largest node count per kind; the minor number space is split by kind. */
#define KIPC_MAX_NODES 256

/* Module parameters (main.c), read-only after load. */
extern unsigned int kipc_param_pipe_size;
extern unsigned int kipc_param_pipe_max_size;
extern unsigned int kipc_param_msgmax;
extern unsigned int kipc_param_msgmnb;
extern unsigned long kipc_param_shm_size;
extern unsigned long kipc_param_shm_max;
extern unsigned int kipc_param_sem_init;

struct kipc_kind_ops;

/**
 * struct kipc_node - the part every device node embeds
 * @cdev: character device; its ->owner pins the module while a file is open
 * @dev: device in the kipc class; its release calls @kind->free
 * @kind: the mechanism this node belongs to
 * @index: N in /dev/kipc/<kind>N
 *
 * All fields are set before the node is published and never change, so
 * they need no lock. The embedding struct is freed only by the device
 * release, which runs at module exit: open files and mappings hold a
 * module reference, so no fd or vma can outlive a node.
 */
struct kipc_node {
	struct cdev cdev;
	struct device dev;
	const struct kipc_kind_ops *kind;
	unsigned int index;
};

/**
 * struct kipc_kind_ops - what a mechanism file provides to the core
 * @name: node name prefix and /proc/kipc file name ("pipe", "msg", ...)
 * @proc_header: column names of the /proc/kipc table
 * @fops: file operations of every node of this kind
 * @check_params: validate this kind's module parameters at load; on error
 *	log one clear line and return -EINVAL
 * @alloc: allocate and initialise node @index (not yet visible)
 * @free: free a node allocated by @alloc, and everything it owns
 * @proc_show: print one /proc/kipc row for @node
 */
struct kipc_kind_ops {
	const char *name;
	const char *proc_header;
	const struct file_operations *fops;
	int (*check_params)(void);
	struct kipc_node *(*alloc)(unsigned int index);
	void (*free)(struct kipc_node *node);
	void (*proc_show)(struct seq_file *m, struct kipc_node *node);
};

/**
 * struct kipc_node_set - the nodes of one kind
 * @kind: the mechanism
 * @nodes: array of @count nodes
 * @count: number of nodes (a module parameter)
 *
 * Written only at module init and exit, read-only in between.
 */
struct kipc_node_set {
	const struct kipc_kind_ops *kind;
	struct kipc_node **nodes;
	unsigned int count;
};

extern const struct kipc_kind_ops kipc_pipe_kind;
extern const struct kipc_kind_ops kipc_msg_kind;
extern const struct kipc_kind_ops kipc_shm_kind;
extern const struct kipc_kind_ops kipc_sem_kind;

/**
 * struct kipc_notify_list - the KIPC_NOTIFY registrations on one node
 * @lock: guards @list, @count and every registration on @list
 * @list: registrations, struct kipc_notifier.link
 * @count: registrations on @list (@lock; read locklessly for /proc)
 */
struct kipc_notify_list {
	spinlock_t lock; /* see above */
	struct list_head list;
	unsigned int count;
};

/**
 * struct kipc_notifier - one open file's KIPC_NOTIFY registration
 * @link: entry on kipc_notify_list.list, empty when not registered
 * @owner: the registering thread group
 * @user_ns: the registrant's user namespace, for si_uid
 * @self_exec_id: the registrant's exec generation; after an exec the
 *	registration is dropped, as mq_notify does
 * @signo: signal to send
 * @flags: KIPC_NOTIFY_ONESHOT
 * @mtype: type filter on msg nodes (0 any, > 0 that type, < 0 <= |mtype|)
 *
 * Embedded in the per-file state; every field is guarded by the @lock of
 * the list it is on. Initialise @link with INIT_LIST_HEAD() at open and
 * call kipc_notify_clear() at release.
 */
struct kipc_notifier {
	struct list_head link;
	struct pid *owner;
	struct user_namespace *user_ns;
	u64 self_exec_id;
	int signo;
	u32 flags;
	s64 mtype;
};

/* notify.c */
void kipc_notify_list_init(struct kipc_notify_list *nl);
int kipc_notify_set(struct kipc_notify_list *nl, struct kipc_notifier *n,
		    const void __user *uarg, bool typed);
void kipc_notify_clear(struct kipc_notify_list *nl, struct kipc_notifier *n);
void kipc_notify_arrival(struct kipc_notify_list *nl, s64 mtype, int value);
unsigned int kipc_notify_count(struct kipc_notify_list *nl);

/* procfs.c */
int kipc_proc_init(struct kipc_node_set *sets, unsigned int nr_sets);
void kipc_proc_exit(void);

/*
 * Wake @task, a waiter granted its units or handed its message, and drop
 * the reference its waker took: the waiter may have returned already (it
 * does not need the lock to see its grant), so only the reference keeps
 * @task valid. Waking it then is a harmless spurious wake-up.
 */
static inline void kipc_wake_put(struct task_struct *task)
{
	wake_up_process(task);
	put_task_struct(task);
}

/* Fetch a node's embedding struct from an open file. */
#define kipc_file_node(file, type, member) \
	container_of((file)->f_inode->i_cdev, type, member.cdev)

#endif /* _KIPC_INTERNAL_H */

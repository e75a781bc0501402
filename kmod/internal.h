/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kipc internal interface: how the mechanism files (pipe.c, msg.c, shm.c,
 * sem.c) plug into the objects (object.c), the control node (control.c),
 * the core (main.c) and /proc (procfs.c).
 */
#ifndef _KIPC_INTERNAL_H
#define _KIPC_INTERNAL_H

#include <linux/cdev.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/device.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/spinlock.h>
#include <linux/kipc.h>

#include "compat.h"

/* The largest load-time node count per kind (pipes=, msgqs=, ...). */
#define KIPC_MAX_NODES 256

/* Module parameters (main.c), read-only after load. */
extern unsigned int kipc_param_pipe_size;
extern unsigned int kipc_param_pipe_max_size;
extern unsigned int kipc_param_msgmax;
extern unsigned int kipc_param_msgmnb;
extern unsigned long kipc_param_shm_size;
extern unsigned long kipc_param_shm_max;
extern unsigned int kipc_param_sem_init;
extern unsigned int kipc_param_max_objects;
extern unsigned int kipc_param_max_user_objects;
extern ushort kipc_param_control_mode;

struct kipc_kind_ops;

/**
 * struct kipc_node - what every object embeds, named or anonymous
 * @ref: one reference for the device of a named object (dropped by its
 *	release, after the last open of the node is gone) and one per open
 *	file (dropped at ->release); the last put calls @kind->free
 * @kind: the mechanism
 * @name: "pipe0", a name made at run time, or "anon:ID"
 * @id: unique since load
 * @link: entry on the object list while the object can be found: from
 *	creation until it is removed (named) or its last file is closed
 *	(anonymous) (kipc_objects_lock)
 * @cuid: creator's euid
 * @cgid: creator's egid
 * @uid: owner given at creation (the creator's, or root's at load)
 * @gid: group given at creation
 * @mode: permission bits given at creation
 * @cpid: creator's thread group (a reference)
 * @inode: the node's devtmpfs inode once seen (a reference), whose owner
 *	and mode chown(1) and chmod(1) change; NULL until then and for
 *	anonymous objects. Set once with cmpxchg, then never changes.
 * @removed: KIPC_CTL_REMOVE has run: the name is gone, and msg, sem and
 *	shm operations give EIDRM (set under kipc_objects_lock before the
 *	kind's ->remove; read with READ_ONCE)
 * @named: has a device node; @cdev and @dev are used only then
 * @load: a load-time node (pipe0.. etc.), not one a user made; its uevent
 *	says KIPC_LOAD=1, for udev rules
 * @cdev: character device; its ->owner pins the module while a file is
 *	open, and it holds @dev (its parent) while any open file does
 * @dev: device in the kipc class; its release drops the device's @ref
 *
 * Everything but @ref, @link, @inode and @removed is set before the object
 * is published and never changes.
 */
struct kipc_node {
	struct kref ref;
	const struct kipc_kind_ops *kind;
	char name[KIPC_NAME_MAX];
	u64 id;
	struct list_head link;
	kuid_t cuid;
	kgid_t cgid;
	kuid_t uid;
	kgid_t gid;
	umode_t mode;
	struct pid *cpid;
	struct inode *inode;
	bool removed;
	bool named;
	bool load;
	struct cdev cdev;
	struct device dev;
};

/**
 * struct kipc_kind_ops - what a mechanism file provides to the core
 * @name: /proc/kipc file name and load-time node prefix ("pipe", "msg", ...)
 * @type: enum kipc_kind value
 * @proc_header: column names of the /proc/kipc table, before the common
 *	"uid gid mode cpid" that the core adds
 * @fops: file operations of every file of this kind; ->open is the
 *	node's open(2), which finds the node with kipc_inode_node()
 * @check_params: validate this kind's module parameters at load; on error
 *	log one clear line and return -EINVAL
 * @alloc: allocate and initialise an object named @name (for the kind
 *	to use in what it shows elsewhere, as shm in /proc/PID/maps), of
 *	@size, or of the kind's default if @dflt;
 *	pipe capacity, msg qbytes, shm bytes, sem value), not yet visible.
 *	Checks @size as the kind's own resize ioctl does (ERR_PTR -EINVAL,
 *	-EPERM, -ERANGE) and charges the caller's memory cgroup
 * @free: free an object allocated by @alloc, and everything it owns
 * @open: set up @file, an anonymous file of @node opened with
 *	anon_inode_getfile(), as the node's ->open would without waiting
 *	(the other end of an anonymous pipe is made at the same time)
 * @remove: optional; KIPC_CTL_REMOVE's effect on open files (wake the
 *	waiters, drop the contents), after @removed is set
 * @proc_show: print one /proc/kipc row for @node, without the newline,
 *	never waiting on a lock a user can hold for long
 */
struct kipc_kind_ops {
	const char *name;
	enum kipc_kind type;
	const char *proc_header;
	const struct file_operations *fops;
	int (*check_params)(void);
	struct kipc_node *(*alloc)(const char *name, u64 size, bool dflt);
	void (*free)(struct kipc_node *node);
	int (*open)(struct kipc_node *node, struct file *file);
	void (*remove)(struct kipc_node *node);
	void (*proc_show)(struct seq_file *m, struct kipc_node *node);
};

extern const struct kipc_kind_ops kipc_pipe_kind;
extern const struct kipc_kind_ops kipc_msg_kind;
extern const struct kipc_kind_ops kipc_shm_kind;
extern const struct kipc_kind_ops kipc_sem_kind;

/* object.c */
extern struct mutex kipc_objects_lock;
extern struct list_head kipc_objects;
int kipc_objects_init(void);
void kipc_objects_exit(void);
struct class *kipc_objects_class(void);
dev_t kipc_objects_devt(void);

/* kipc_object_create() flag, beside KIPC_CREATE_EXCL: a load-time node. */
#define KIPC_OBJECT_LOAD BIT(31)

int kipc_object_create(const struct kipc_kind_ops *kind, const char *name,
		       u64 size, u32 flags, umode_t mode, struct file *control);
int kipc_object_remove(const char *name);
struct kipc_node *kipc_object_anon(const struct kipc_kind_ops *kind, u64 size,
				   u32 flags);
const struct kipc_kind_ops *kipc_kind_of(u32 type);
int kipc_object_open(struct kipc_node *node, struct file *file);
void kipc_object_release(struct kipc_node *node);
void kipc_object_owner(struct kipc_node *node, kuid_t *uid, kgid_t *gid,
		       umode_t *mode);
bool kipc_object_may_admin(struct kipc_node *node);
unsigned int kipc_objects_of(kuid_t uid);
unsigned int kipc_objects_count(void);

/* The object of a node's inode, in the kind's ->open. */
static inline struct kipc_node *kipc_inode_node(struct inode *inode)
{
	return container_of(inode->i_cdev, struct kipc_node, cdev);
}

static inline void kipc_node_get(struct kipc_node *node)
{
	kref_get(&node->ref);
}

void kipc_node_put(struct kipc_node *node);

/* Has @node been removed (msg, sem and shm operations give EIDRM)? */
static inline bool kipc_node_removed(const struct kipc_node *node)
{
	return READ_ONCE(node->removed);
}

/* control.c */
int kipc_control_init(void);
void kipc_control_exit(void);

/**
 * struct kipc_notify_list - the KIPC_NOTIFY registrations on one node
 * @name: the node's name, for the notify_signal trace event
 * @lock: guards @list, @count, @next_seq and every registration on @list
 * @list: registrations, struct kipc_notifier.link, in @seq order
 * @count: registrations on @list, at most the max_notifiers parameter
 *	(@lock; read locklessly for /proc)
 * @next_seq: the @seq of the next registration (@lock)
 */
struct kipc_notify_list {
	const char *name;
	spinlock_t lock; /* see above */
	struct list_head list;
	unsigned int count;
	u64 next_seq;
};

/**
 * struct kipc_notifier - one open file's KIPC_NOTIFY registration
 * @link: entry on kipc_notify_list.list, empty when not registered
 * @owner: the registering thread group
 * @user_ns: the registrant's user namespace, for si_uid
 * @self_exec_id: the registrant's exec generation; after an exec the
 *	registration is dropped, as mq_notify does
 * @seq: when it was made, in registrations on its node: a sender that
 *	lets the lock go between batches resumes after the last @seq it
 *	looked at
 * @signo: signal to send
 * @flags: KIPC_NOTIFY_ONESHOT
 * @mtype: type filter on msg nodes (0 any, > 0 that type, < 0 <= |mtype|)
 *
 * Embedded in the per-file state; every field is guarded by the @lock of
 * the list it is on. Initialise @link with INIT_LIST_HEAD() at open, call
 * kipc_notify_flush() from ->flush and kipc_notify_clear() at release.
 */
struct kipc_notifier {
	struct list_head link;
	struct pid *owner;
	struct user_namespace *user_ns;
	u64 self_exec_id;
	u64 seq;
	int signo;
	u32 flags;
	s64 mtype;
};

/* notify.c */
void kipc_notify_list_init(struct kipc_notify_list *nl, const char *name);
int kipc_notify_set(struct kipc_notify_list *nl, struct kipc_notifier *n,
		    const void __user *uarg, bool typed);
void kipc_notify_flush(struct kipc_notify_list *nl, struct kipc_notifier *n);
void kipc_notify_clear(struct kipc_notify_list *nl, struct kipc_notifier *n);
void kipc_notify_arrival(struct kipc_notify_list *nl, s64 mtype, int value);
unsigned int kipc_notify_count(struct kipc_notify_list *nl);

/* procfs.c */
int kipc_proc_init(void);
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

#endif /* _KIPC_INTERNAL_H */

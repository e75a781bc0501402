// SPDX-License-Identifier: GPL-2.0
/*
 * kipc objects: naming, ownership, limits and lifetime, for every kind.
 *
 * An object is named (a device node /dev/kipc/NAME: the load-time nodes and
 * those made through /dev/kipc/control) or anonymous (files only, as pipe(2)
 * and memfd_create(2) make). Every object is on one list, kipc_objects, in
 * one namespace of names, while it can be found: a named one until it is
 * removed, an anonymous one until its last file is closed.
 *
 * Lifetime: a reference count in struct kipc_node. A named object's device
 * holds one reference, dropped by the device release; the cdev holds the
 * device while any file opened through the node is open (fs/char_dev.c), so
 * that release comes after the last such close. Every open file holds one
 * more, from ->open (or from the control node, for anonymous files) to
 * ->release; a mapping holds its file. The last put frees the object
 * through its kind. Removal only unpublishes: the device node goes at once
 * (devtmpfs removes it before device_del() returns), the kind wakes its
 * waiters, and open files keep a valid object that answers EIDRM (msg, sem,
 * shm) or keeps working (pipe, as an unlinked FIFO).
 *
 * Minor numbers are handed out cyclically from a space of 2^20: after
 * removal, cdev_del() forgets the inodes that cached the old cdev, so a
 * recycled minor would let a stale path (/proc/PID/fd/N of a removed node,
 * even an O_PATH one) open a newer object. An open through an unlinked
 * devtmpfs inode that is not the object's own is refused
 * (kipc_object_open()); cycling keeps the numbers apart besides.
 *
 * Locking: kipc_objects_lock (a mutex) guards the list, the minor IDR and
 * the counts derived from them; it is held across device creation and
 * removal so that a name is never half made or half gone. Under it the
 * kind's own locks may be taken (->remove, ->proc_show), never the
 * reverse. It may sleep: nothing here runs in atomic context.
 */

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/namei.h>
#include <linux/slab.h>

#include "internal.h"
#include "trace.h"

/* Minor numbers of named objects: all that a dev_t has room for. */
#define KIPC_MINORS (MINORMASK + 1)

/* Guards kipc_objects, kipc_minors and every node's @link (see above). */
DEFINE_MUTEX(kipc_objects_lock);
LIST_HEAD(kipc_objects);

static DEFINE_IDR(kipc_minors);
static atomic64_t kipc_next_id;
static dev_t kipc_devt;
static struct class *kipc_class;

static const struct kipc_kind_ops *const kipc_kinds[] = {
	&kipc_pipe_kind,
	&kipc_msg_kind,
	&kipc_shm_kind,
	&kipc_sem_kind,
};

/* The kind of a KIPC_KIND_* value, or NULL. */
const struct kipc_kind_ops *kipc_kind_of(u32 type)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kipc_kinds); i++)
		if (kipc_kinds[i]->type == type)
			return kipc_kinds[i];
	return NULL;
}

static void kipc_node_free(struct kref *ref)
{
	struct kipc_node *node = container_of(ref, struct kipc_node, ref);

	/*
	 * An anonymous object leaves the list with its last file; a named
	 * one left it when it was removed (or was never on it).
	 */
	if (!node->named) {
		mutex_lock(&kipc_objects_lock);
		list_del_init(&node->link);
		mutex_unlock(&kipc_objects_lock);
	}
	if (node->inode)
		iput(node->inode);
	put_pid(node->cpid);
	node->kind->free(node);
}

void kipc_node_put(struct kipc_node *node)
{
	kref_put(&node->ref, kipc_node_free);
}

static void kipc_node_dev_release(struct device *dev)
{
	kipc_node_put(container_of(dev, struct kipc_node, dev));
}

/*
 * The node's path under /dev. The driver core cannot report a failure
 * here: with NULL, devtmpfs makes the node at /dev/NAME instead (its
 * fallback, the device's name), and on removal deletes nothing, leaving a
 * stale /dev/kipc/NAME. So this allocation (at most 37 bytes, which only
 * fault injection fails) may not fail.
 */
static char *kipc_node_devnode(KIPC_DEVNODE_CONST struct device *dev,
			       umode_t *mode, kuid_t *uid, kgid_t *gid)
{
	const struct kipc_node *node = container_of(dev, struct kipc_node, dev);

	/*
	 * With S_IFCHR: devtmpfs turns a bare 0 into 0600, and a node made
	 * with mode 0 (or one the umask took to 0) must stay 0.
	 */
	if (mode)
		*mode = S_IFCHR | node->mode;
	if (uid)
		*uid = node->uid;
	if (gid)
		*gid = node->gid;
	return kasprintf(GFP_KERNEL | __GFP_NOFAIL, "kipc/%s", node->name);
}

/* /sys/class/kipc/NAME/kind: what the node is, for kipc(1). */
static ssize_t kind_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	const struct kipc_node *node = container_of(dev, struct kipc_node, dev);

	return sysfs_emit(buf, "%s\n", node->kind->name);
}
static DEVICE_ATTR_RO(kind);

static struct attribute *kipc_node_attrs[] = {
	&dev_attr_kind.attr,
	NULL,
};
ATTRIBUTE_GROUPS(kipc_node);

/*
 * KIPC_LOAD=1 in a load-time node's uevents: a udev rule that gives the
 * load-time nodes a group and mode must not give them to the objects
 * users make, which are in the same subsystem.
 */
static int kipc_node_uevent(KIPC_UEVENT_CONST struct device *dev,
			    struct kobj_uevent_env *env)
{
	const struct kipc_node *node = container_of(dev, struct kipc_node, dev);

	return node->load ? add_uevent_var(env, "KIPC_LOAD=1") : 0;
}

static const struct device_type kipc_node_type = {
	.name = "kipc-object",
	.groups = kipc_node_groups,
	.devnode = kipc_node_devnode,
	.uevent = kipc_node_uevent,
};

/*
 * Names: 1..31 bytes of [A-Za-z0-9._-], NUL-terminated, not starting with
 * '.' (no "." or "..", nothing hidden from ls), not "control".
 */
static bool kipc_name_valid(const char *name)
{
	size_t i, len = strnlen(name, KIPC_NAME_MAX);

	if (!len || len == KIPC_NAME_MAX || name[0] == '.' ||
	    !strcmp(name, "control"))
		return false;
	/* ASCII only: the kernel's isalnum() takes Latin-1 letters too. */
	for (i = 0; i < len; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		      (name[i] >= 'A' && name[i] <= 'Z') ||
		      (name[i] >= '0' && name[i] <= '9') ||
		      strchr("._-", name[i])))
			return false;
	return true;
}

static struct kipc_node *kipc_object_find(const char *name)
{
	struct kipc_node *node;

	lockdep_assert_held(&kipc_objects_lock);
	list_for_each_entry(node, &kipc_objects, link)
		if (node->named && !strcmp(node->name, name))
			return node;
	return NULL;
}

/*
 * What CREATE of @name as @kind gives when the name is taken: 0 (the same
 * kind, without KIPC_CREATE_EXCL: nothing changes), -EEXIST, or -ENOENT
 * when it is free.
 */
static int kipc_object_taken(const struct kipc_kind_ops *kind, const char *name,
			     u32 flags)
{
	struct kipc_node *old = kipc_object_find(name);

	lockdep_assert_held(&kipc_objects_lock);
	if (!old)
		return -ENOENT;
	return (flags & KIPC_CREATE_EXCL) || old->kind != kind ? -EEXIST : 0;
}

/* Objects made by @uid (creator's euid), named and anonymous. */
unsigned int kipc_objects_of(kuid_t uid)
{
	struct kipc_node *node;
	unsigned int n = 0;

	lockdep_assert_held(&kipc_objects_lock);
	list_for_each_entry(node, &kipc_objects, link)
		n += uid_eq(node->cuid, uid);
	return n;
}

unsigned int kipc_objects_count(void)
{
	struct kipc_node *node;
	unsigned int n = 0;

	lockdep_assert_held(&kipc_objects_lock);
	list_for_each_entry(node, &kipc_objects, link)
		n++;
	return n;
}

/*
 * max_objects for everyone, max_user_objects per creator uid unless the
 * caller has CAP_SYS_RESOURCE: ENOSPC, as msgget(2) past msgmni.
 */
static int kipc_object_limits(void)
{
	lockdep_assert_held(&kipc_objects_lock);
	if (kipc_objects_count() >= kipc_param_max_objects)
		return -ENOSPC;
	if (!capable(CAP_SYS_RESOURCE) &&
	    kipc_objects_of(current_euid()) >= kipc_param_max_user_objects)
		return -ENOSPC;
	return 0;
}

/*
 * A new object of @kind and @size named @name (NULL: anonymous,
 * "anon:ID"), owned by the caller, not yet listed.
 */
static struct kipc_node *kipc_object_alloc(const struct kipc_kind_ops *kind,
					   const char *name, u64 size,
					   u32 flags, umode_t mode)
{
	u64 id = atomic64_inc_return(&kipc_next_id);
	char anon[KIPC_NAME_MAX];
	struct kipc_node *node;

	if (!name) {
		snprintf(anon, sizeof(anon), "anon:%llu", id);
		name = anon;
	}
	/* Size 0 is the default, unless KIPC_CREATE_SIZE says it is given. */
	node = kind->alloc(name, size, !size && !(flags & KIPC_CREATE_SIZE));
	if (IS_ERR(node))
		return node;
	kref_init(&node->ref);
	node->kind = kind;
	node->id = id;
	strscpy(node->name, name, sizeof(node->name));
	node->cuid = current_euid();
	node->cgid = current_egid();
	node->uid = node->cuid;
	node->gid = node->cgid;
	node->mode = mode;
	node->cpid = get_pid(task_tgid(current));
	INIT_LIST_HEAD(&node->link);
	return node;
}

/* Is @inode a devtmpfs inode of @node's device number? */
static bool kipc_object_devtmpfs_inode(const struct kipc_node *node,
				       const struct inode *inode)
{
	return S_ISCHR(inode->i_mode) && inode->i_rdev == node->dev.devt &&
	       !strcmp(inode->i_sb->s_type->name, "devtmpfs");
}

/*
 * An unlinked devtmpfs inode of @node's device number that is not @node's
 * own: the node of an older object whose minor @node now has, kept by an
 * O_PATH or /proc/PID/fd reference past its removal (or a mknod(2) copy
 * made there and unlinked). Opening it must not reach @node.
 */
static bool kipc_object_stale_inode(const struct kipc_node *node,
				    const struct inode *inode)
{
	return !inode->i_nlink && inode != READ_ONCE(node->inode) &&
	       kipc_object_devtmpfs_inode(node, inode);
}

/*
 * Remember @inode as @node's own, if it is the devtmpfs node of @node: its
 * owner and mode are what chown(1) and chmod(1) change. Other inodes of the
 * same device number (a mknod(2) copy, an unlinked one) do not count.
 */
static void kipc_object_see_inode(struct kipc_node *node, struct inode *inode)
{
	if (READ_ONCE(node->inode) || !inode->i_nlink ||
	    !kipc_object_devtmpfs_inode(node, inode))
		return;
	ihold(inode);
	if (cmpxchg(&node->inode, NULL, inode))
		iput(inode);
}

/*
 * The node just made, looked up beside the control node the caller opened
 * (both are in the same devtmpfs directory when the caller uses /dev/kipc).
 */
static void kipc_object_find_inode(struct kipc_node *node, struct file *control)
{
	struct dentry *dir, *dentry;

	dir = dget_parent(control->f_path.dentry);
	dentry = lookup_positive_unlocked(node->name, dir, strlen(node->name));
	dput(dir);
	if (IS_ERR(dentry))
		return;
	kipc_object_see_inode(node, d_inode(dentry));
	dput(dentry);
}

/*
 * Publish @node as /dev/kipc/<name>: a minor, a device, a cdev. Called with
 * kipc_objects_lock held. The node's reference passes to its device, and
 * on failure the device's release frees it.
 */
static int kipc_object_publish(struct kipc_node *node)
{
	struct device *dev = &node->dev;
	int minor, ret;

	lockdep_assert_held(&kipc_objects_lock);
	node->named = true;
	device_initialize(dev);
	dev->class = kipc_class;
	dev->type = &kipc_node_type;
	dev->release = kipc_node_dev_release;
	/* Minor 0 is the control node's. */
	minor = idr_alloc_cyclic(&kipc_minors, node, 1, KIPC_MINORS,
				 GFP_KERNEL);
	if (minor < 0) {
		ret = minor;
		goto err_put;
	}
	dev->devt = MKDEV(MAJOR(kipc_devt), minor);
	ret = dev_set_name(dev, "%s", node->name);
	if (ret)
		goto err_remove_minor;
	cdev_init(&node->cdev, node->kind->fops);
	node->cdev.owner = node->kind->fops->owner;
	ret = cdev_device_add(&node->cdev, dev);
	if (ret)
		goto err_remove_minor;
	list_add_tail(&node->link, &kipc_objects);
	return 0;

err_remove_minor:
	idr_remove(&kipc_minors, minor);
err_put:
	put_device(dev);
	return ret;
}

/* The object_create event of a named object; returns @err. */
static int kipc_object_created(const struct kipc_kind_ops *kind,
			       const char *name, u64 size, u32 flags,
			       umode_t mode, bool created, int err)
{
	trace_object_create(name, kind->type, size, flags, mode, created, err);
	return err;
}

/**
 * kipc_object_create() - make a named object, /dev/kipc/@name
 * @kind: the mechanism
 * @name: the name (validated here)
 * @size: the kind's size, 0 for the default
 * @flags: KIPC_CREATE_EXCL, KIPC_CREATE_SIZE; KIPC_OBJECT_LOAD for the load-time nodes,
 *	which are owned by root and counted but not limited
 * @mode: permission bits of the node, umask already taken off
 * @control: the control file the request came through, or NULL
 *
 * Return: 0 with the new object published, 0 if an object of that name and
 * kind exists and @flags has no KIPC_CREATE_EXCL, or -EINVAL (name, size),
 * -EEXIST, -ENOSPC (limits), -EPERM (size), -ENOMEM.
 */
int kipc_object_create(const struct kipc_kind_ops *kind, const char *name,
		       u64 size, u32 flags, umode_t mode, struct file *control)
{
	struct kipc_node *node;
	int ret;

	if (!kipc_name_valid(name))
		return kipc_object_created(kind, name, size, flags, mode, false,
					   -EINVAL);
	/*
	 * A name taken already is answered before anything is allocated or
	 * its size checked: open-or-create of an existing segment must not
	 * commit a new one, nor fail on a size it does not use.
	 */
	mutex_lock(&kipc_objects_lock);
	ret = kipc_object_taken(kind, name, flags);
	mutex_unlock(&kipc_objects_lock);
	if (ret != -ENOENT)
		return kipc_object_created(kind, name, size, flags, mode, false,
					   ret);
	node = kipc_object_alloc(kind, name, size, flags, mode);
	if (IS_ERR(node))
		return kipc_object_created(kind, name, size, flags, mode, false,
					   PTR_ERR(node));
	if (flags & KIPC_OBJECT_LOAD) {
		node->load = true;
		node->uid = GLOBAL_ROOT_UID;
		node->gid = GLOBAL_ROOT_GID;
		node->cuid = GLOBAL_ROOT_UID;
		node->cgid = GLOBAL_ROOT_GID;
	}

	mutex_lock(&kipc_objects_lock);
	/* Made by someone else while this one was allocated? */
	ret = kipc_object_taken(kind, name, flags);
	if (ret != -ENOENT)
		goto err_put;
	ret = (flags & KIPC_OBJECT_LOAD) ? 0 : kipc_object_limits();
	if (ret)
		goto err_put;
	ret = kipc_object_publish(node);
	if (ret) {
		mutex_unlock(&kipc_objects_lock);
		return kipc_object_created(kind, name, size, flags, mode, false,
					   ret);
	}
	/*
	 * Once the lock is dropped anyone may remove the name and with it
	 * the device's reference: hold one of our own for the lookup.
	 */
	kipc_node_get(node);
	mutex_unlock(&kipc_objects_lock);

	if (control)
		kipc_object_find_inode(node, control);
	kipc_node_put(node);
	return kipc_object_created(kind, name, size, flags, mode, true, 0);

err_put:
	mutex_unlock(&kipc_objects_lock);
	kipc_node_put(node);
	return kipc_object_created(kind, name, size, flags, mode, false, ret);
}

/**
 * kipc_object_may_admin() - may the caller remove @node or change its limits?
 * @node: the object
 *
 * As IPC_RMID and IPC_SET (ipc/util.c ipcctl_obtain_check()): its creator,
 * its owner (as the node shows it), or CAP_SYS_ADMIN.
 *
 * Return: true if so.
 */
bool kipc_object_may_admin(struct kipc_node *node)
{
	kuid_t euid = current_euid(), owner;
	kgid_t gid;
	umode_t mode;

	kipc_object_owner(node, &owner, &gid, &mode);
	return uid_eq(euid, node->cuid) || uid_eq(euid, owner) ||
	       capable(CAP_SYS_ADMIN);
}

/* Unpublish @node: the name goes now, the object with its last reference. */
static void kipc_object_unpublish(struct kipc_node *node)
{
	lockdep_assert_held(&kipc_objects_lock);
	WRITE_ONCE(node->removed, true);
	list_del_init(&node->link);
	cdev_device_del(&node->cdev, &node->dev);
	idr_remove(&kipc_minors, MINOR(node->dev.devt));
	if (node->kind->remove)
		node->kind->remove(node);
	put_device(&node->dev);
}

/**
 * kipc_object_remove() - KIPC_CTL_REMOVE: remove the object named @name
 * @name: its name, as given (not validated beyond being found)
 *
 * Return: 0, -ENOENT (no such name), -EPERM (not the creator, the owner,
 * nor CAP_SYS_ADMIN).
 */
int kipc_object_remove(const char *name)
{
	struct kipc_node *node;
	int ret = 0;

	mutex_lock(&kipc_objects_lock);
	node = kipc_object_find(name);
	if (!node)
		ret = -ENOENT;
	else if (!kipc_object_may_admin(node))
		ret = -EPERM;
	/* Before the unpublish, which may drop the last reference. */
	trace_object_remove(name, node ? node->kind->type : 0, ret);
	if (!ret)
		kipc_object_unpublish(node);
	mutex_unlock(&kipc_objects_lock);
	return ret;
}

/**
 * kipc_object_anon() - make an anonymous object, listed as "anon:ID"
 * @kind: the mechanism
 * @size: the kind's size, 0 for the default
 * @flags: KIPC_CREATE_SIZE: @size is given even when it is 0
 *
 * The caller owns the one reference, which its first file takes over.
 *
 * Return: the object, or ERR_PTR -EINVAL, -EPERM, -ENOSPC, -ENOMEM.
 */
struct kipc_node *kipc_object_anon(const struct kipc_kind_ops *kind, u64 size,
				   u32 flags)
{
	struct kipc_node *node;
	int ret;

	node = kipc_object_alloc(kind, NULL, size, flags, 0600);
	if (IS_ERR(node)) {
		trace_object_create("anon", kind->type, size, 0, 0600, false,
				    PTR_ERR(node));
		return node;
	}

	mutex_lock(&kipc_objects_lock);
	ret = kipc_object_limits();
	if (!ret)
		list_add_tail(&node->link, &kipc_objects);
	mutex_unlock(&kipc_objects_lock);
	trace_object_create(node->name, kind->type, size, 0, 0600, !ret, ret);
	if (ret) {
		kipc_node_put(node);
		return ERR_PTR(ret);
	}
	return node;
}

/**
 * kipc_object_open() - a file is opened on @node through its device node
 * @node: the object, from kipc_inode_node()
 * @file: the new file
 *
 * Takes the file's reference, dropped by kipc_object_release().
 *
 * Return: 0, or -ENOENT if the object was removed (its name is gone: an
 * open that raced with the removal, or a reopen through /proc/PID/fd) and
 * is not a pipe, which as an unlinked FIFO may still be opened so; or if
 * the open came through the stale node of an older object whose minor
 * @node has now (kipc_object_stale_inode()).
 */
int kipc_object_open(struct kipc_node *node, struct file *file)
{
	if (kipc_node_removed(node) && node->kind != &kipc_pipe_kind)
		return -ENOENT;
	if (kipc_object_stale_inode(node, file_inode(file)))
		return -ENOENT;
	kipc_object_see_inode(node, file_inode(file));
	kipc_node_get(node);
	return 0;
}

/* A file of @node is closed: drop its reference. */
void kipc_object_release(struct kipc_node *node)
{
	kipc_node_put(node);
}

/**
 * kipc_object_owner() - @node's owner and mode as the node shows them
 * @node: the object
 * @uid: out: owner
 * @gid: out: group
 * @mode: out: permission bits
 *
 * From the devtmpfs inode once seen (after chown(1) and chmod(1)), else as
 * given at creation.
 */
void kipc_object_owner(struct kipc_node *node, kuid_t *uid, kgid_t *gid,
		       umode_t *mode)
{
	struct inode *inode = READ_ONCE(node->inode);

	if (inode) {
		*uid = READ_ONCE(inode->i_uid);
		*gid = READ_ONCE(inode->i_gid);
		*mode = READ_ONCE(inode->i_mode) & 0777;
	} else {
		*uid = node->uid;
		*gid = node->gid;
		*mode = node->mode;
	}
}

/* The class and the minor region that named objects (and control) use. */
int kipc_objects_init(void)
{
	int ret;

	ret = alloc_chrdev_region(&kipc_devt, 0, KIPC_MINORS, "kipc");
	if (ret)
		return ret;
	kipc_class = kipc_class_create("kipc");
	if (IS_ERR(kipc_class)) {
		unregister_chrdev_region(kipc_devt, KIPC_MINORS);
		return PTR_ERR(kipc_class);
	}
	return 0;
}

/* Unload: every file is closed (each pins the module), so just unpublish. */
void kipc_objects_exit(void)
{
	struct kipc_node *node, *tmp;

	mutex_lock(&kipc_objects_lock);
	list_for_each_entry_safe_reverse(node, tmp, &kipc_objects, link)
		kipc_object_unpublish(node);
	mutex_unlock(&kipc_objects_lock);
	idr_destroy(&kipc_minors);
	class_destroy(kipc_class);
	unregister_chrdev_region(kipc_devt, KIPC_MINORS);
}

/* For control.c: the class and device number of /dev/kipc/control. */
struct class *kipc_objects_class(void)
{
	return kipc_class;
}

dev_t kipc_objects_devt(void)
{
	return kipc_devt;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/kipc/control: making and removing objects at run time.
 *
 *   KIPC_CTL_CREATE  a named object, /dev/kipc/NAME (mkfifo(3), msgget(2))
 *   KIPC_CTL_REMOVE  remove one (unlink(2) of a FIFO, IPC_RMID)
 *   KIPC_CTL_PIPE    an anonymous pipe, two fds (pipe2(2))
 *   KIPC_CTL_ANON    an anonymous msg, shm or sem object, one fd
 *                    (memfd_create(2))
 *
 * The control node carries no state: any process that may open it (param
 * control_mode, default 0666) may make objects within the limits that
 * object.c enforces, and remove what it made or owns.
 *
 * Anonymous files are made with anon_inode_getfile() and set up by the
 * kind's ->open, exactly as an open(2) of a node would leave them, so the
 * ends behave as a node's files do: one code path. New fds follow
 * do_pipe2(): reserve the numbers, make the files, copy the numbers out,
 * and only then install them, so that a failure at any step leaves no fd
 * behind and no file half made.
 *
 * Locking: none here; object.c and the kinds have their own.
 */

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "internal.h"

/**
 * struct kipc_control - the control node
 * @cdev: its character device, minor 0 of the kipc region
 * @dev: its device, /dev/kipc/control
 *
 * Made at load, freed at unload; nothing in it changes in between.
 */
struct kipc_control {
	struct cdev cdev;
	struct device dev;
};

static struct kipc_control *kipc_control;

/* Flags an anonymous object's fds take, as pipe2(2) and memfd_create(2). */
#define KIPC_ANON_FLAGS (O_CLOEXEC | O_NONBLOCK)

static bool kipc_zero(const void *p, size_t len)
{
	return !memchr_inv(p, 0, len);
}

static long kipc_ctl_create(struct file *file, void __user *uarg)
{
	const struct kipc_kind_ops *kind;
	struct kipc_create req;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.flags & ~(KIPC_CREATE_EXCL | KIPC_CREATE_SIZE) ||
	    req.mode & ~0777 || req.reserved ||
	    !kipc_zero(req.reserved2, sizeof(req.reserved2)))
		return -EINVAL;
	kind = kipc_kind_of(req.kind);
	if (!kind || !memchr(req.name, 0, sizeof(req.name)))
		return -EINVAL;
	return kipc_object_create(kind, req.name, req.size, req.flags,
				  req.mode & ~current_umask(), file);
}

static long kipc_ctl_remove(void __user *uarg)
{
	struct kipc_remove req;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (!kipc_zero(req.reserved, sizeof(req.reserved)) ||
	    !memchr(req.name, 0, sizeof(req.name)))
		return -EINVAL;
	return kipc_object_remove(req.name);
}

/*
 * A file of anonymous object @node, open as @flags (O_RDONLY, O_WRONLY or
 * O_RDWR, and O_NONBLOCK) and set up by the kind's ->open. It holds a
 * reference of its own to @node.
 */
static struct file *kipc_anon_file(struct kipc_node *node, int flags)
{
	struct file *file;
	char name[24];
	int ret;

	snprintf(name, sizeof(name), "[kipc-%s]", node->kind->name);
	file = anon_inode_getfile(name, node->kind->fops, NULL, flags);
	if (IS_ERR(file))
		return file;
	kipc_node_get(node);
	ret = node->kind->open(node, file);
	if (ret) {
		/* Not set up: ->release does nothing, the reference is ours. */
		kipc_node_put(node);
		fput(file);
		return ERR_PTR(ret);
	}
	return file;
}

static long kipc_ctl_pipe(void __user *uarg)
{
	struct kipc_pipe_pair req;
	struct file *files[2];
	struct kipc_node *node;
	int fds[2], ret;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.flags & ~KIPC_ANON_FLAGS ||
	    !kipc_zero(req.reserved, sizeof(req.reserved)))
		return -EINVAL;

	node = kipc_object_anon(&kipc_pipe_kind, req.size, 0);
	if (IS_ERR(node))
		return PTR_ERR(node);

	fds[0] = get_unused_fd_flags(req.flags & O_CLOEXEC);
	if (fds[0] < 0) {
		ret = fds[0];
		goto err_put_node;
	}
	fds[1] = get_unused_fd_flags(req.flags & O_CLOEXEC);
	if (fds[1] < 0) {
		ret = fds[1];
		goto err_put_fd0;
	}
	files[0] = kipc_anon_file(node, O_RDONLY | (req.flags & O_NONBLOCK));
	if (IS_ERR(files[0])) {
		ret = PTR_ERR(files[0]);
		goto err_put_fd1;
	}
	files[1] = kipc_anon_file(node, O_WRONLY | (req.flags & O_NONBLOCK));
	if (IS_ERR(files[1])) {
		ret = PTR_ERR(files[1]);
		goto err_fput0;
	}
	req.fd[0] = fds[0];
	req.fd[1] = fds[1];
	if (copy_to_user(uarg, &req, sizeof(req))) {
		ret = -EFAULT;
		goto err_fput1;
	}
	fd_install(fds[0], files[0]);
	fd_install(fds[1], files[1]);
	/* The files hold the object now. */
	kipc_node_put(node);
	return 0;

err_fput1:
	fput(files[1]);
err_fput0:
	fput(files[0]);
err_put_fd1:
	put_unused_fd(fds[1]);
err_put_fd0:
	put_unused_fd(fds[0]);
err_put_node:
	kipc_node_put(node);
	return ret;
}

static long kipc_ctl_anon(void __user *uarg)
{
	const struct kipc_kind_ops *kind;
	struct kipc_node *node;
	struct kipc_anon req;
	struct file *file;
	u32 flags;
	int fd;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.flags & ~(KIPC_ANON_FLAGS | KIPC_ANON_SIZE) ||
	    !kipc_zero(req.reserved, sizeof(req.reserved)))
		return -EINVAL;
	kind = kipc_kind_of(req.kind);
	if (!kind || kind == &kipc_pipe_kind)
		return -EINVAL;

	/* KIPC_ANON_SIZE is KIPC_CREATE_SIZE out of the way of the O_ flags. */
	flags = (req.flags & KIPC_ANON_SIZE) ? KIPC_CREATE_SIZE : 0;
	node = kipc_object_anon(kind, req.size, flags);
	if (IS_ERR(node))
		return PTR_ERR(node);
	fd = get_unused_fd_flags(req.flags & O_CLOEXEC);
	if (fd < 0)
		goto out_put_node;
	file = kipc_anon_file(node, O_RDWR | (req.flags & O_NONBLOCK));
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		fd = PTR_ERR(file);
		goto out_put_node;
	}
	fd_install(fd, file);
out_put_node:
	kipc_node_put(node);
	return fd;
}

static long kipc_control_ioctl(struct file *file, unsigned int cmd,
			       unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	/*
	 * Each call makes or removes objects: only through a file opened for
	 * writing, so that control_mode's w bits say who may.
	 */
	if (!(file->f_mode & FMODE_WRITE) && _IOC_TYPE(cmd) == KIPC_IOC_MAGIC)
		return -EBADF;
	switch (cmd) {
	case KIPC_CTL_CREATE:
		return kipc_ctl_create(file, uarg);
	case KIPC_CTL_REMOVE:
		return kipc_ctl_remove(uarg);
	case KIPC_CTL_PIPE:
		return kipc_ctl_pipe(uarg);
	case KIPC_CTL_ANON:
		return kipc_ctl_anon(uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations kipc_control_fops = {
	.owner = THIS_MODULE,
	.open = nonseekable_open,
	.unlocked_ioctl = kipc_control_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static char *kipc_control_devnode(KIPC_DEVNODE_CONST struct device *dev,
				  umode_t *mode, kuid_t *uid, kgid_t *gid)
{
	if (mode)
		*mode = kipc_param_control_mode;
	/* As kipc_node_devnode(): NULL would make /dev/control. */
	return kasprintf(GFP_KERNEL | __GFP_NOFAIL, "kipc/control");
}

static const struct device_type kipc_control_type = {
	.name = "kipc-control",
	.devnode = kipc_control_devnode,
};

static void kipc_control_release(struct device *dev)
{
	kfree(container_of(dev, struct kipc_control, dev));
}

int kipc_control_init(void)
{
	struct kipc_control *ctl;
	int ret;

	ctl = kzalloc(sizeof(*ctl), GFP_KERNEL);
	if (!ctl)
		return -ENOMEM;
	device_initialize(&ctl->dev);
	ctl->dev.class = kipc_objects_class();
	ctl->dev.type = &kipc_control_type;
	ctl->dev.devt = MKDEV(MAJOR(kipc_objects_devt()), 0);
	ctl->dev.release = kipc_control_release;
	ret = dev_set_name(&ctl->dev, "control");
	if (ret)
		goto err_put;
	cdev_init(&ctl->cdev, &kipc_control_fops);
	ctl->cdev.owner = THIS_MODULE;
	ret = cdev_device_add(&ctl->cdev, &ctl->dev);
	if (ret)
		goto err_put;
	kipc_control = ctl;
	return 0;

err_put:
	put_device(&ctl->dev);
	return ret;
}

void kipc_control_exit(void)
{
	cdev_device_del(&kipc_control->cdev, &kipc_control->dev);
	put_device(&kipc_control->dev);
}

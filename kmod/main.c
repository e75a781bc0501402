// SPDX-License-Identifier: GPL-2.0
/*
 * kipc core: module parameters, the device class, node registration and
 * ordered init/exit. The mechanisms live in pipe.c, msg.c, shm.c and sem.c
 * and plug in through struct kipc_kind_ops.
 *
 * Locking: nothing here changes after module init except through the driver
 * core. The node tables are written in kipc_init()/kipc_exit() only; open
 * files and mappings pin the module (fops->owner), so no node is freed while
 * anyone can reach it.
 */

#include <linux/fs.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "internal.h"

static unsigned int pipes = 4;
module_param(pipes, uint, 0444);
MODULE_PARM_DESC(pipes, "Number of /dev/kipc/pipeN nodes, 1..256 (default 4)");

/* The parameter keeps its wave-1 name; SPEC.md fixes it. */
static unsigned int msgs = 4;
module_param_named(msgqs, msgs, uint, 0444);
MODULE_PARM_DESC(msgqs, "Number of /dev/kipc/msgN nodes, 1..256 (default 4)");

static unsigned int shms = 4;
module_param(shms, uint, 0444);
MODULE_PARM_DESC(shms, "Number of /dev/kipc/shmN nodes, 1..256 (default 4)");

static unsigned int sems = 4;
module_param(sems, uint, 0444);
MODULE_PARM_DESC(sems, "Number of /dev/kipc/semN nodes, 1..256 (default 4)");

static ushort mode = 0600;
module_param(mode, ushort, 0444);
MODULE_PARM_DESC(mode, "Permission bits of every node (default 0600)");

unsigned int kipc_param_pipe_size = 65536;
module_param_named(pipe_size, kipc_param_pipe_size, uint, 0444);
MODULE_PARM_DESC(pipe_size,
		 "Initial pipe ring capacity in bytes (default 65536)");

unsigned int kipc_param_pipe_max_size = 1048576;
module_param_named(pipe_max_size, kipc_param_pipe_max_size, uint, 0444);
MODULE_PARM_DESC(pipe_max_size,
		 "Largest pipe size without CAP_SYS_RESOURCE (default 1048576)");

unsigned int kipc_param_msgmax = 8192;
module_param_named(msgmax, kipc_param_msgmax, uint, 0444);
MODULE_PARM_DESC(msgmax,
		 "Default largest message text in bytes (default 8192)");

unsigned int kipc_param_msgmnb = 16384;
module_param_named(msgmnb, kipc_param_msgmnb, uint, 0444);
MODULE_PARM_DESC(msgmnb, "Default queue capacity in bytes (default 16384)");

unsigned long kipc_param_shm_size = 1UL << 20;
module_param_named(shm_size, kipc_param_shm_size, ulong, 0444);
MODULE_PARM_DESC(shm_size,
		 "Initial shared-memory segment size in bytes (default 1 MiB)");

unsigned long kipc_param_shm_max = 256UL << 20;
module_param_named(shm_max, kipc_param_shm_max, ulong, 0444);
MODULE_PARM_DESC(shm_max,
		 "Largest shared-memory segment in bytes (default 256 MiB)");

unsigned int kipc_param_sem_init = 1;
module_param_named(sem_init, kipc_param_sem_init, uint, 0444);
MODULE_PARM_DESC(sem_init, "Initial semaphore value, 0..INT_MAX (default 1)");

/* Minor numbers: KIPC_MAX_NODES per kind, kind by kind. */
#define KIPC_NR_MINORS (ARRAY_SIZE(kipc_sets) * KIPC_MAX_NODES)

static dev_t kipc_devt;
static struct class *kipc_class;

static struct kipc_node_set kipc_sets[] = {
	{ .kind = &kipc_pipe_kind },
	{ .kind = &kipc_msg_kind },
	{ .kind = &kipc_shm_kind },
	{ .kind = &kipc_sem_kind },
};

static char *kipc_devnode(KIPC_DEVNODE_CONST struct device *dev, umode_t *modep)
{
	if (modep)
		*modep = mode;
	return kasprintf(GFP_KERNEL, "kipc/%s", dev_name(dev));
}

static void kipc_node_release(struct device *dev)
{
	struct kipc_node *node = container_of(dev, struct kipc_node, dev);

	node->kind->free(node);
}

/*
 * Publish @node as /dev/kipc/<kind><index>. On failure the node has been
 * freed through its device release.
 */
static int kipc_node_add(struct kipc_node *node, unsigned int minor)
{
	struct device *dev = &node->dev;
	int ret;

	device_initialize(dev);
	dev->class = kipc_class;
	dev->devt = MKDEV(MAJOR(kipc_devt), minor);
	dev->release = kipc_node_release;
	ret = dev_set_name(dev, "%s%u", node->kind->name, node->index);
	if (ret)
		goto out_put;

	cdev_init(&node->cdev, node->kind->fops);
	node->cdev.owner = node->kind->fops->owner;
	ret = cdev_device_add(&node->cdev, dev);
	if (ret)
		goto out_put;
	return 0;

out_put:
	put_device(dev);
	return ret;
}

static void kipc_node_del(struct kipc_node *node)
{
	cdev_device_del(&node->cdev, &node->dev);
	put_device(&node->dev);
}

static void kipc_set_destroy(struct kipc_node_set *set)
{
	while (set->count)
		kipc_node_del(set->nodes[--set->count]);
	kfree(set->nodes);
	set->nodes = NULL;
}

static int kipc_set_create(struct kipc_node_set *set, unsigned int first_minor,
			   unsigned int count)
{
	struct kipc_node *node;
	int ret;

	set->nodes = kcalloc(count, sizeof(*set->nodes), GFP_KERNEL);
	if (!set->nodes)
		return -ENOMEM;

	for (set->count = 0; set->count < count; set->count++) {
		node = set->kind->alloc(set->count);
		if (!node) {
			ret = -ENOMEM;
			goto out_destroy;
		}
		node->kind = set->kind;
		node->index = set->count;
		ret = kipc_node_add(node, first_minor + set->count);
		if (ret)
			goto out_destroy;
		set->nodes[set->count] = node;
	}
	return 0;

out_destroy:
	kipc_set_destroy(set);
	return ret;
}

static int kipc_check_count(const char *name, unsigned int count)
{
	if (count >= 1 && count <= KIPC_MAX_NODES)
		return 0;
	pr_err("%s=%u is out of range 1..%u\n", name, count, KIPC_MAX_NODES);
	return -EINVAL;
}

static int kipc_check_params(void)
{
	unsigned int i;
	int ret;

	ret = kipc_check_count("pipes", pipes)	      ?:
		      kipc_check_count("msgqs", msgs) ?:
		      kipc_check_count("shms", shms)  ?:
		      kipc_check_count("sems", sems);
	if (ret)
		return ret;

	if (mode & ~0777) {
		pr_err("mode=%#o has bits outside 0777\n", mode);
		return -EINVAL;
	}

	for (i = 0; i < ARRAY_SIZE(kipc_sets); i++) {
		ret = kipc_sets[i].kind->check_params();
		if (ret)
			return ret;
	}
	return 0;
}

static int __init kipc_init(void)
{
	const unsigned int counts[] = { pipes, msgs, shms, sems };
	unsigned int i;
	int ret;

	BUILD_BUG_ON(ARRAY_SIZE(counts) != ARRAY_SIZE(kipc_sets));

	ret = kipc_check_params();
	if (ret)
		return ret;

	ret = alloc_chrdev_region(&kipc_devt, 0, KIPC_NR_MINORS, "kipc");
	if (ret)
		return ret;

	kipc_class = kipc_class_create("kipc");
	if (IS_ERR(kipc_class)) {
		ret = PTR_ERR(kipc_class);
		goto err_unregister_region;
	}
	kipc_class->devnode = kipc_devnode;

	for (i = 0; i < ARRAY_SIZE(kipc_sets); i++) {
		ret = kipc_set_create(&kipc_sets[i], i * KIPC_MAX_NODES,
				      counts[i]);
		if (ret)
			goto err_destroy_sets;
	}

	ret = kipc_proc_init(kipc_sets, ARRAY_SIZE(kipc_sets));
	if (ret)
		goto err_destroy_sets;

	pr_info("loaded: %u pipes, %u msg queues, %u shm segments, %u semaphores\n",
		pipes, msgs, shms, sems);
	return 0;

err_destroy_sets:
	while (i--)
		kipc_set_destroy(&kipc_sets[i]);
	class_destroy(kipc_class);
err_unregister_region:
	unregister_chrdev_region(kipc_devt, KIPC_NR_MINORS);
	return ret;
}

static void __exit kipc_exit(void)
{
	unsigned int i = ARRAY_SIZE(kipc_sets);

	kipc_proc_exit();
	while (i--)
		kipc_set_destroy(&kipc_sets[i]);
	class_destroy(kipc_class);
	unregister_chrdev_region(kipc_devt, KIPC_NR_MINORS);
}

module_init(kipc_init);
module_exit(kipc_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("kipc developers");
MODULE_DESCRIPTION("Classic IPC mechanisms as character devices");
#ifdef KIPC_VERSION
MODULE_VERSION(KIPC_VERSION);
#endif

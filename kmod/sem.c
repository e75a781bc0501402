// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/kipc/semN: not implemented yet; open gives ENODEV.
 */

#include <linux/fs.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "kipc.h"

/**
 * struct kipc_sem - one sem node
 * @node: device node
 */
struct kipc_sem {
	struct kipc_node node;
};

static int kipc_sem_open(struct inode *inode, struct file *file)
{
	return -ENODEV;
}

static const struct file_operations kipc_sem_fops = {
	.owner = THIS_MODULE,
	.open = kipc_sem_open,
	.llseek = noop_llseek,
};

static int kipc_sem_check_params(void)
{
	if (kipc_param_sem_init > KIPC_SEM_VALUE_MAX) {
		pr_err("sem_init=%u is out of range 0..%d\n",
		       kipc_param_sem_init, KIPC_SEM_VALUE_MAX);
		return -EINVAL;
	}
	return 0;
}

static struct kipc_node *kipc_sem_alloc(unsigned int index)
{
	struct kipc_sem *p = kzalloc(sizeof(*p), GFP_KERNEL);

	return p ? &p->node : NULL;
}

static void kipc_sem_free(struct kipc_node *node)
{
	kfree(container_of(node, struct kipc_sem, node));
}

static void kipc_sem_proc_show(struct seq_file *m, struct kipc_node *node)
{
	seq_printf(m, "%s\n", dev_name(&node->dev));
}

const struct kipc_kind kipc_sem_kind = {
	.name = "sem",
	.proc_header = "name value waiters lpid p_ops v_ops",
	.fops = &kipc_sem_fops,
	.check_params = kipc_sem_check_params,
	.alloc = kipc_sem_alloc,
	.free = kipc_sem_free,
	.proc_show = kipc_sem_proc_show,
};

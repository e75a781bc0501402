// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/kipc/msgN: not implemented yet; open gives ENODEV.
 */

#include <linux/fs.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "kipc.h"

/**
 * struct kipc_msgq - one message queue node
 * @node: device node
 */
struct kipc_msgq {
	struct kipc_node node;
};

static int kipc_msgq_open(struct inode *inode, struct file *file)
{
	return -ENODEV;
}

static const struct file_operations kipc_msgq_fops = {
	.owner = THIS_MODULE,
	.open = kipc_msgq_open,
	.llseek = noop_llseek,
};

static int kipc_msgq_check_params(void)
{
	if (kipc_param_msgmax < 1 || kipc_param_msgmax > INT_MAX) {
		pr_err("msgmax=%u is out of range 1..%d\n", kipc_param_msgmax,
		       INT_MAX);
		return -EINVAL;
	}
	if (kipc_param_msgmnb < 1 || kipc_param_msgmnb > INT_MAX) {
		pr_err("msgmnb=%u is out of range 1..%d\n", kipc_param_msgmnb,
		       INT_MAX);
		return -EINVAL;
	}
	return 0;
}

static struct kipc_node *kipc_msgq_alloc(unsigned int index)
{
	struct kipc_msgq *p = kzalloc(sizeof(*p), GFP_KERNEL);

	return p ? &p->node : NULL;
}

static void kipc_msgq_free(struct kipc_node *node)
{
	kfree(container_of(node, struct kipc_msgq, node));
}

static void kipc_msgq_proc_show(struct seq_file *m, struct kipc_node *node)
{
	seq_printf(m, "%s\n", dev_name(&node->dev));
}

const struct kipc_kind kipc_msg_kind = {
	.name = "msg",
	.proc_header =
		"name qnum cbytes qbytes msgmax lspid lrpid sent received notifiers",
	.fops = &kipc_msgq_fops,
	.check_params = kipc_msgq_check_params,
	.alloc = kipc_msgq_alloc,
	.free = kipc_msgq_free,
	.proc_show = kipc_msgq_proc_show,
};

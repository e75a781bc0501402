// SPDX-License-Identifier: GPL-2.0
/* placeholder, replaced by the ring-buffer pipe */
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/slab.h>
#include "kipc.h"
struct kipc_pipe {
	struct kipc_node node;
};
static int kipc_pipe_open(struct inode *inode, struct file *file)
{
	return -ENODEV;
}
static const struct file_operations kipc_pipe_fops = {
	.owner = THIS_MODULE,
	.open = kipc_pipe_open,
};
static int kipc_pipe_check_params(void)
{
	return 0;
}
static struct kipc_node *kipc_pipe_alloc(unsigned int index)
{
	struct kipc_pipe *p = kzalloc(sizeof(*p), GFP_KERNEL);
	return p ? &p->node : NULL;
}
static void kipc_pipe_free(struct kipc_node *node)
{
	kfree(container_of(node, struct kipc_pipe, node));
}
static void kipc_pipe_proc_show(struct seq_file *m, struct kipc_node *node)
{
	seq_printf(m, "%s\n", dev_name(&node->dev));
}
const struct kipc_kind kipc_pipe_kind = {
	.name = "pipe",
	.proc_header = "name size used readers writers bytes_in bytes_out high_water",
	.fops = &kipc_pipe_fops,
	.check_params = kipc_pipe_check_params,
	.alloc = kipc_pipe_alloc,
	.free = kipc_pipe_free,
	.proc_show = kipc_pipe_proc_show,
};

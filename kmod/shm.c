// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/kipc/shmN: not implemented yet; open gives ENODEV.
 */

#include <linux/fs.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "kipc.h"

/* Segments larger than this are refused even to root: 64 GiB. */
#define KIPC_SHM_LIMIT (64ULL << 30)

/**
 * struct kipc_shm - one shm node
 * @node: device node
 */
struct kipc_shm {
	struct kipc_node node;
};

static int kipc_shm_open(struct inode *inode, struct file *file)
{
	return -ENODEV;
}

static const struct file_operations kipc_shm_fops = {
	.owner = THIS_MODULE,
	.open = kipc_shm_open,
	.llseek = noop_llseek,
};

static int kipc_shm_check_params(void)
{
	if (kipc_param_shm_max < PAGE_SIZE ||
	    kipc_param_shm_max > KIPC_SHM_LIMIT) {
		pr_err("shm_max=%lu is out of range %lu..%llu\n",
		       kipc_param_shm_max, PAGE_SIZE, KIPC_SHM_LIMIT);
		return -EINVAL;
	}
	if (kipc_param_shm_size < 1 ||
	    kipc_param_shm_size > kipc_param_shm_max) {
		pr_err("shm_size=%lu is out of range 1..shm_max (%lu)\n",
		       kipc_param_shm_size, kipc_param_shm_max);
		return -EINVAL;
	}
	return 0;
}

static struct kipc_node *kipc_shm_alloc(unsigned int index)
{
	struct kipc_shm *p = kzalloc(sizeof(*p), GFP_KERNEL);

	return p ? &p->node : NULL;
}

static void kipc_shm_free(struct kipc_node *node)
{
	kfree(container_of(node, struct kipc_shm, node));
}

static void kipc_shm_proc_show(struct seq_file *m, struct kipc_node *node)
{
	seq_printf(m, "%s\n", dev_name(&node->dev));
}

const struct kipc_kind kipc_shm_kind = {
	.name = "shm",
	.proc_header = "name size nattch",
	.fops = &kipc_shm_fops,
	.check_params = kipc_shm_check_params,
	.alloc = kipc_shm_alloc,
	.free = kipc_shm_free,
	.proc_show = kipc_shm_proc_show,
};

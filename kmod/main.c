// SPDX-License-Identifier: GPL-2.0
/*
 * kipc core: module parameters and ordered init/exit. The mechanisms live
 * in pipe.c, msg.c, shm.c and sem.c and plug in through struct kipc_kind_ops;
 * objects (named, anonymous, and the load-time nodes, which are named
 * objects made by root) in object.c; the control node in control.c.
 *
 * Locking: nothing here changes after module init. Open files and mappings
 * pin the module (fops->owner), so no object outlives it.
 */

#include <linux/fs.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "internal.h"

/* The kipc tracepoints are defined here, and only here. */
#define CREATE_TRACE_POINTS
#include "trace.h"

static unsigned int pipes = 4;
module_param(pipes, uint, 0444);
MODULE_PARM_DESC(pipes, "Load-time /dev/kipc/pipeN nodes, 0..256 (default 4)");

/* The parameter keeps its wave-1 name; SPEC.md fixes it. */
static unsigned int msgs = 4;
module_param_named(msgqs, msgs, uint, 0444);
MODULE_PARM_DESC(msgqs, "Load-time /dev/kipc/msgN nodes, 0..256 (default 4)");

static unsigned int shms = 4;
module_param(shms, uint, 0444);
MODULE_PARM_DESC(shms, "Load-time /dev/kipc/shmN nodes, 0..256 (default 4)");

static unsigned int sems = 4;
module_param(sems, uint, 0444);
MODULE_PARM_DESC(sems, "Load-time /dev/kipc/semN nodes, 0..256 (default 4)");

/* Permission bits of the load-time nodes. */
static ushort mode = 0600;
module_param(mode, ushort, 0444);
MODULE_PARM_DESC(mode, "Permission bits of the load-time nodes (default 0600)");

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

unsigned int kipc_param_max_objects = 4096;
module_param_named(max_objects, kipc_param_max_objects, uint, 0444);
MODULE_PARM_DESC(max_objects, "Most objects at once, all kinds (default 4096)");

unsigned int kipc_param_max_user_objects = 256;
module_param_named(max_user_objects, kipc_param_max_user_objects, uint, 0444);
MODULE_PARM_DESC(max_user_objects,
		 "Most objects made by one uid (default 256)");

ushort kipc_param_control_mode = 0666;
module_param_named(control_mode, kipc_param_control_mode, ushort, 0444);
MODULE_PARM_DESC(control_mode,
		 "Permission bits of /dev/kipc/control (default 0666)");

/* The load-time nodes, kind by kind, with their counts. */
static const struct {
	const struct kipc_kind_ops *kind;
	const char *param;
	unsigned int *count;
} kipc_load_nodes[] = {
	{ &kipc_pipe_kind, "pipes", &pipes },
	{ &kipc_msg_kind, "msgqs", &msgs },
	{ &kipc_shm_kind, "shms", &shms },
	{ &kipc_sem_kind, "sems", &sems },
};

static int kipc_check_mode(const char *name, unsigned int bits)
{
	if (!(bits & ~0777))
		return 0;
	pr_err("%s=%#o has bits outside 0777\n", name, bits);
	return -EINVAL;
}

static int kipc_check_params(void)
{
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(kipc_load_nodes); i++) {
		if (*kipc_load_nodes[i].count > KIPC_MAX_NODES) {
			pr_err("%s=%u is out of range 0..%u\n",
			       kipc_load_nodes[i].param,
			       *kipc_load_nodes[i].count, KIPC_MAX_NODES);
			return -EINVAL;
		}
	}
	ret = kipc_check_mode("mode", mode) ?:
		      kipc_check_mode("control_mode", kipc_param_control_mode);
	if (ret)
		return ret;

	for (i = 0; i < ARRAY_SIZE(kipc_load_nodes); i++) {
		ret = kipc_load_nodes[i].kind->check_params();
		if (ret)
			return ret;
	}
	return 0;
}

/* pipe0.., msg0.., shm0.., sem0..: ordinary named objects, made by root. */
static int kipc_make_load_nodes(void)
{
	char name[KIPC_NAME_MAX];
	unsigned int i, n;
	int ret;

	for (i = 0; i < ARRAY_SIZE(kipc_load_nodes); i++) {
		for (n = 0; n < *kipc_load_nodes[i].count; n++) {
			snprintf(name, sizeof(name), "%s%u",
				 kipc_load_nodes[i].kind->name, n);
			ret = kipc_object_create(kipc_load_nodes[i].kind, name,
						 0, KIPC_OBJECT_LOAD, mode,
						 NULL);
			if (ret)
				return ret;
		}
	}
	return 0;
}

static int __init kipc_init(void)
{
	int ret;

	ret = kipc_check_params();
	if (ret)
		return ret;

	ret = kipc_objects_init();
	if (ret)
		return ret;
	ret = kipc_control_init();
	if (ret)
		goto err_objects;
	ret = kipc_make_load_nodes();
	if (ret)
		goto err_control;
	ret = kipc_proc_init();
	if (ret)
		goto err_control;

	pr_info("loaded: %u pipes, %u msg queues, %u shm segments, %u semaphores\n",
		pipes, msgs, shms, sems);
	return 0;

err_control:
	kipc_control_exit();
err_objects:
	/* Unpublishes the load-time nodes made so far, too. */
	kipc_objects_exit();
	return ret;
}

static void __exit kipc_exit(void)
{
	kipc_proc_exit();
	kipc_control_exit();
	kipc_objects_exit();
}

module_init(kipc_init);
module_exit(kipc_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("kipc developers");
MODULE_DESCRIPTION("Classic IPC mechanisms as character devices");
#ifdef KIPC_VERSION
MODULE_VERSION(KIPC_VERSION);
#endif

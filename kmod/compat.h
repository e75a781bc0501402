/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small, named shims for the kernel versions kipc builds against (Debian's
 * 6.1 and 6.12). Mechanism files use these names and never test versions.
 */
#ifndef _KIPC_COMPAT_H
#define _KIPC_COMPAT_H

#include <linux/version.h>
#include <linux/device.h>

/* 6.4 dropped the owner argument of class_create(). */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 4, 0)
#define kipc_class_create(name) class_create(THIS_MODULE, name)
#else
#define kipc_class_create(name) class_create(name)
#endif

/* 6.2 made the device argument of class->devnode const. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
#define KIPC_DEVNODE_CONST
#else
#define KIPC_DEVNODE_CONST const
#endif

/* 6.3 made the device argument of device_type->uevent const. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
#define KIPC_UEVENT_CONST
#else
#define KIPC_UEVENT_CONST const
#endif

/*
 * 6.5 replaced generic_file_splice_read() (an ITER_PIPE iterator over the
 * pipe) with copy_splice_read() (pages of its own) for files without a
 * page cache. Both fill the pipe through ->read_iter.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 5, 0)
#define kipc_copy_splice_read generic_file_splice_read
#else
#define kipc_copy_splice_read copy_splice_read
#endif

#endif /* _KIPC_COMPAT_H */

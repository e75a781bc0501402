// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/kipc/shmN: a shared-memory segment, mapped with mmap(MAP_SHARED) and
 * read or written with read/write/pread/pwrite at fixed-size-device
 * semantics.
 *
 * Backing: one tmpfs (shmem) file per segment, made with the segment and
 * kept until its last reference goes, exactly what System V shm uses
 * (ipc/shm.c). We chose it over vmalloc_user() + remap_vmalloc_range()
 * because:
 *  - its pages are charged to the memory cgroup of the task that first
 *    touches them and can be swapped, like SysV shm and tmpfs; vmalloc
 *    memory is neither charged (vmalloc_user() takes no GFP_ACCOUNT) nor
 *    reclaimable, and a 256 MiB segment would pin 256 MiB of RAM;
 *  - pages are allocated on first touch, so an unused segment costs nothing;
 *  - resizing is a truncate that keeps the contents up to the smaller size,
 *    with no copy;
 *  - rmap, reclaim, migration and truncation see the mappings, because
 *    each vma's file is the shmem inode (see "Mapping file" below), so the
 *    vma sits in the shmem file's i_mmap tree and faults are served by
 *    shmem itself.
 * The size is committed (shmem_file_setup() without VM_NORESERVE), as
 * shmget() without SHM_NORESERVE does: under strict overcommit a resize the
 * system cannot back fails with ENOMEM instead of a later SIGBUS or OOM.
 *
 * Mapping file: ->mmap gives each mapping a file of its own, as ipc/shm.c's
 * do_shmat() does: a second file on the shmem inode (alloc_file_pseudo())
 * whose file operations are ours, and the vma's vm_file becomes that file
 * (vma_set_file(), as dma-buf does). Its f_mapping is shmem's, so the rest
 * of mm sees a shmem mapping, but whatever maps vm_file again comes back
 * to us: remap_file_pages() calls do_mmap(vma->vm_file), and the new vma
 * goes through kipc_shm_map_vma() like any other, checked and counted.
 * A vma whose vm_file were the shmem file itself would escape every rule
 * here (ipc/shm.c has the same reason for shm_file_operations).
 *
 * Lifetime: the memory is pinned by each mapping, never by the fd. A vma
 * holds a reference to its mapping file (vm_file; fork, split and mremap
 * take more), and the mapping file holds the shmem inode, a reference to
 * the segment (struct kipc_node's, dropped by its ->release) and one to
 * the module (taken when it is made, dropped by its final fput() through
 * its ->owner): that keeps our vm_ops, and the segment they point at,
 * until the last vma is gone. Closing the fd while mapped frees nothing,
 * nor does removing a named segment or closing an anonymous one's last fd:
 * the memory goes with the last mapping, as a SysV segment's after
 * IPC_RMID. New mmap()s of a removed segment give EIDRM, and so does a
 * remap_file_pages() of its last vma (see kipc_shm_map_vma()).
 *
 * Mapping policy: only MAP_SHARED (VM_MAYSHARE), only inside [0, size);
 * MAP_PRIVATE or a range past the end gives EINVAL, for mmap() and
 * remap_file_pages() alike. The vma gets no VM_DONTEXPAND (nor any other
 * VM_SPECIAL flag): mlock(), MAP_LOCKED and mlockall() lock the pages, as
 * on a SysV segment. So mremap() may grow a mapping, here as for SysV;
 * past the end of the segment there are no pages to map (shmem's fault
 * refuses an index at or past i_size), and touching them gives SIGBUS.
 * mprotect() is limited by the fd's mode through VM_MAYWRITE, which
 * do_mmap() derived from our file (and the mapping file has the same
 * mode). nattch counts live vmas, as SysV shm_nattch does: mmap, fork and
 * a split (mprotect or munmap of a middle part) add one, munmap and exit
 * remove one. madvise(MADV_REMOVE) punches a hole, as on SysV.
 *
 * read/write: reads at or past the end return 0; a write starting at or
 * past the end (or any write on an O_APPEND fd, whose position is the end)
 * gives ENOSPC; a write straddling the end is short, as on a block device.
 * Writes go through shmem's page cache under its inode lock, so they are
 * coherent with the mappings.
 *
 * Resize: a truncate of the shmem file; a growth runs on a kworker so that
 * the caller's RLIMIT_FSIZE does not apply (see kipc_shm_truncate()).
 *
 * Locking:
 *  - @lock (spinlock) guards @size, @nattch and @shmem_vm_ops. It is a leaf
 *    taken under mmap_lock (->mmap, vm_ops ->open/->close).
 *  - @resize_lock (mutex) serialises KIPC_SHM_SET_SIZE. It is taken before
 *    the shmem inode lock (vfs_truncate(), for a growth on the kworker the
 *    caller waits for) and never under mmap_lock.
 *  - The shmem inode lock is taken by our write path and by the truncate;
 *    user memory is copied under it (so mmap_lock nests inside it), as in
 *    any filesystem's write.
 * Nothing takes @resize_lock or the inode lock under mmap_lock, so ->mmap
 * never waits for a resize: a resize first lowers @size to the smaller of
 * the old and new sizes, so a mapping made meanwhile fits both.
 */

#include <linux/cred.h>
#include <linux/falloc.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uio.h>
#include <linux/workqueue.h>

#include "internal.h"
#include "trace.h"

/* shmem's read_iter and write_begin/write_end exist only with tmpfs. */
#if !IS_ENABLED(CONFIG_SHMEM) || !IS_ENABLED(CONFIG_TMPFS)
#error "kipc shm segments need CONFIG_SHMEM and CONFIG_TMPFS"
#endif

/* Segments larger than this are refused even to root: 64 GiB. */
#define KIPC_SHM_LIMIT (64ULL << 30)

/**
 * struct kipc_shm - one shm node
 * @node: device node
 * @lock: guards @size, @nattch and @shmem_vm_ops
 * @resize_lock: serialises KIPC_SHM_SET_SIZE
 * @file: the shmem file holding the contents; set at alloc, never changes;
 *	its i_size (under its inode lock) bounds read/write
 * @size: bytes mmap() and remap_file_pages() may map, a multiple of
 *	PAGE_SIZE (@lock; mremap() may grow a mapping past it). Equal
 *	to the shmem i_size except during a resize, when it is the smaller
 *	of the old and new sizes
 * @nattch: live vmas of this segment (@lock)
 * @shmem_vm_ops: shmem's vm_ops, which ours wrap; set by the first mmap
 *	(@lock), read locklessly by faults of vmas made after it was set
 */
struct kipc_shm {
	struct kipc_node node;
	spinlock_t lock; /* see above */
	struct mutex resize_lock;
	struct file *file;
	u64 size;
	unsigned long nattch;
	const struct vm_operations_struct *shmem_vm_ops;
};

/* The segment of a file: the node's open or an anonymous file set it. */
static inline struct kipc_shm *kipc_shm_of(struct file *file)
{
	return file->private_data;
}

/* The segment of a vma: vm_file is its mapping file, see kipc_shm_mmap(). */
static inline struct kipc_shm *kipc_shm_vma(struct vm_area_struct *vma)
{
	return vma->vm_file->private_data;
}

static void kipc_shm_detach(struct kipc_shm *shm)
{
	spin_lock(&shm->lock);
	shm->nattch--;
	spin_unlock(&shm->lock);
}

/*
 * A new vma of an existing mapping: fork, split, mremap move. The core took
 * a reference to vm_file for it, which pins the module.
 */
static void kipc_shm_vm_open(struct vm_area_struct *vma)
{
	struct kipc_shm *shm = kipc_shm_vma(vma);

	spin_lock(&shm->lock);
	shm->nattch++;
	spin_unlock(&shm->lock);
}

/* The core drops the vma's vm_file reference after this returns. */
static void kipc_shm_vm_close(struct vm_area_struct *vma)
{
	kipc_shm_detach(kipc_shm_vma(vma));
}

static vm_fault_t kipc_shm_vm_fault(struct vm_fault *vmf)
{
	struct kipc_shm *shm = kipc_shm_vma(vmf->vma);

	return READ_ONCE(shm->shmem_vm_ops)->fault(vmf);
}

static vm_fault_t kipc_shm_vm_map_pages(struct vm_fault *vmf, pgoff_t start,
					pgoff_t end)
{
	const struct vm_operations_struct *ops =
		READ_ONCE(kipc_shm_vma(vmf->vma)->shmem_vm_ops);

	return ops->map_pages ? ops->map_pages(vmf, start, end) : 0;
}

/*
 * Wraps shmem's vm_ops as ipc/shm.c's shm_vm_ops does, to count nattch.
 * shmem has no ->open or ->close to pass on. The NUMA policy hooks are
 * left out (their signatures differ between 6.1 and 6.12); allocations
 * then follow the segment's shared policy, which is the task's default.
 */
static const struct vm_operations_struct kipc_shm_vm_ops = {
	.open = kipc_shm_vm_open,
	.close = kipc_shm_vm_close,
	.fault = kipc_shm_vm_fault,
	.map_pages = kipc_shm_vm_map_pages,
};

/*
 * Check @vma against the mapping policy, count it, and let shmem set it up
 * under our vm_ops. Every vma of a segment starts here: mmap() of the node
 * and, with @remap, do_mmap() of a mapping file (remap_file_pages()). The
 * caller sees to vm_file.
 *
 * A removed segment takes no new mapping (EIDRM, as shmat() of a removed
 * id fails), and a remap only while another vma still holds it: a SysV
 * segment after IPC_RMID is destroyed when a remap_file_pages() of its
 * last attachment unmaps it (before the new ->mmap), and the remap fails.
 */
static int kipc_shm_map_vma(struct kipc_shm *shm, struct vm_area_struct *vma,
			    bool remap)
{
	unsigned long pages = vma_pages(vma);
	u64 limit;
	int ret;

	/* MAP_SHARED of a read-only fd has VM_MAYSHARE but not VM_SHARED. */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;

	spin_lock(&shm->lock);
	if (kipc_node_removed(&shm->node) && (!remap || !shm->nattch)) {
		spin_unlock(&shm->lock);
		return -EIDRM;
	}
	limit = shm->size >> PAGE_SHIFT;
	if (vma->vm_pgoff >= limit || pages > limit - vma->vm_pgoff) {
		spin_unlock(&shm->lock);
		return -EINVAL;
	}
	/* Counted now, so a resize that starts after this sees it. */
	shm->nattch++;
	spin_unlock(&shm->lock);

	/* shmem's ->mmap installs its vm_ops, which ours wrap (ipc/shm.c). */
	ret = call_mmap(shm->file, vma);
	if (ret) {
		kipc_shm_detach(shm);
		return ret;
	}
	if (WARN_ON_ONCE(!vma->vm_ops || !vma->vm_ops->fault)) {
		kipc_shm_detach(shm);
		return -ENODEV;
	}

	spin_lock(&shm->lock);
	if (!shm->shmem_vm_ops)
		WRITE_ONCE(shm->shmem_vm_ops, vma->vm_ops);
	spin_unlock(&shm->lock);
	vma->vm_ops = &kipc_shm_vm_ops;
	return 0;
}

/* ->mmap of a mapping file: remap_file_pages() maps it again. */
static int kipc_shm_map_file_mmap(struct file *file, struct vm_area_struct *vma)
{
	return kipc_shm_map_vma(file->private_data, vma, true);
}

/*
 * ->fallocate of a mapping file, for madvise(MADV_REMOVE), which punches a
 * hole through vm_file, as on a SysV segment (shm_fallocate()). Nothing
 * else reaches it: a mapping file is in no fd table. Only a hole that
 * keeps the size is passed on; the size is KIPC_SHM_SET_SIZE's alone.
 */
static long kipc_shm_map_file_fallocate(struct file *file, int mode,
					loff_t offset, loff_t len)
{
	struct file *backing = ((struct kipc_shm *)file->private_data)->file;

	if (mode != (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE))
		return -EOPNOTSUPP;
	return backing->f_op->fallocate(backing, mode, offset, len);
}

/* The last vma of the mapping is gone: drop its hold on the segment. */
static int kipc_shm_map_file_release(struct inode *inode, struct file *file)
{
	struct kipc_shm *shm = file->private_data;

	kipc_node_put(&shm->node);
	return 0;
}

static const struct file_operations kipc_shm_map_file_fops = {
	.owner = THIS_MODULE,
	.mmap = kipc_shm_map_file_mmap,
	.fallocate = kipc_shm_map_file_fallocate,
	.release = kipc_shm_map_file_release,
};

/*
 * A mapping file for a mapping made through @file, an open node: the shmem
 * inode with kipc_shm_map_file_fops, readable and writable as @file is (so
 * do_mmap() derives the same VM_MAYWRITE from it), named as the shmem file
 * is in /proc/PID/maps. It holds a reference to the segment, dropped by
 * its ->release, and one to the module, dropped after that by its final
 * fput() through fops->owner; @file holds both meanwhile.
 */
static struct file *kipc_shm_map_file(struct kipc_shm *shm, struct file *file)
{
	const char *name = (const char *)file_dentry(shm->file)->d_name.name;
	int flags = file->f_mode & FMODE_WRITE ? O_RDWR : O_RDONLY;
	struct inode *inode = file_inode(shm->file);
	struct file *map_file;

	/* alloc_file_pseudo() consumes an inode reference on success. */
	ihold(inode);
	__module_get(THIS_MODULE);
	map_file = alloc_file_pseudo(inode, shm->file->f_path.mnt, name, flags,
				     &kipc_shm_map_file_fops);
	if (IS_ERR(map_file)) {
		module_put(THIS_MODULE);
		iput(inode);
		return map_file;
	}
	kipc_node_get(&shm->node);
	map_file->private_data = shm;
	return map_file;
}

/* The shm_map event of an mmap() of the node that returns @err. */
static int kipc_shm_mapped(struct kipc_shm *shm, struct vm_area_struct *vma,
			   int err)
{
	unsigned long nattch;
	u64 size;

	if (!trace_shm_map_enabled())
		return err;
	spin_lock(&shm->lock);
	size = shm->size;
	nattch = shm->nattch;
	spin_unlock(&shm->lock);
	trace_shm_map(&shm->node, (u64)vma->vm_pgoff << PAGE_SHIFT,
		      vma->vm_end - vma->vm_start, size, nattch, err);
	return err;
}

static int kipc_shm_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct kipc_shm *shm = kipc_shm_of(file);
	struct file *map_file;
	int ret;

	/* Checked again under the lock; this saves making a file for it. */
	if (kipc_node_removed(&shm->node))
		return kipc_shm_mapped(shm, vma, -EIDRM);
	map_file = kipc_shm_map_file(shm, file);
	if (IS_ERR(map_file))
		return kipc_shm_mapped(shm, vma, PTR_ERR(map_file));
	ret = kipc_shm_map_vma(shm, vma, false);
	/* vm_file takes its own reference and drops the one to @file. */
	if (!ret)
		vma_set_file(vma, map_file);
	fput(map_file);
	return kipc_shm_mapped(shm, vma, ret);
}

static ssize_t kipc_shm_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct kipc_shm *shm = kipc_shm_of(iocb->ki_filp);
	struct file *backing = shm->file;
	struct kiocb kiocb;
	ssize_t ret;

	if (kipc_node_removed(&shm->node))
		return -EIDRM;

	/* shmem reads up to its i_size: 0 at or past the end. */
	init_sync_kiocb(&kiocb, backing);
	kiocb.ki_pos = iocb->ki_pos;
	ret = backing->f_op->read_iter(&kiocb, to);
	iocb->ki_pos = kiocb.ki_pos;
	return ret;
}

static ssize_t kipc_shm_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct kipc_shm *shm = kipc_shm_of(iocb->ki_filp);
	struct file *backing = shm->file;
	struct inode *inode = file_inode(backing);
	struct kiocb kiocb;
	size_t shorted = 0;
	loff_t size;
	ssize_t ret;

	if (kipc_node_removed(&shm->node))
		return -EIDRM;

	if (!iov_iter_count(from))
		return 0;

	init_sync_kiocb(&kiocb, backing);
	kiocb.ki_pos = iocb->ki_pos;

	/*
	 * Not generic_file_write_iter(): a segment never grows by writing, and
	 * RLIMIT_FSIZE and the non-LFS limit are for files, not devices. The
	 * inode lock holds i_size still against a concurrent resize.
	 */
	inode_lock(inode);
	size = i_size_read(inode);
	if (iocb->ki_flags & IOCB_APPEND)
		kiocb.ki_pos = size;
	if (kiocb.ki_pos >= size) {
		ret = -ENOSPC;
		goto out_unlock;
	}
	if (iov_iter_count(from) > size - kiocb.ki_pos) {
		shorted = iov_iter_count(from) - (size - kiocb.ki_pos);
		iov_iter_truncate(from, size - kiocb.ki_pos);
	}
	/* Advances kiocb.ki_pos by what it wrote. */
	ret = __generic_file_write_iter(&kiocb, from);
out_unlock:
	inode_unlock(inode);
	iov_iter_reexpand(from, iov_iter_count(from) + shorted);
	if (ret > 0)
		iocb->ki_pos = kiocb.ki_pos;
	return ret;
}

/* Positions past the end are allowed, as for a file: reads there give 0. */
static loff_t kipc_shm_llseek(struct file *file, loff_t offset, int whence)
{
	struct inode *inode = file_inode(kipc_shm_of(file)->file);

	return generic_file_llseek_size(file, offset, whence, MAX_LFS_FILESIZE,
					i_size_read(inode));
}

static long kipc_shm_get_size(struct kipc_shm *shm, u64 __user *arg)
{
	u64 size;

	if (kipc_node_removed(&shm->node))
		return -EIDRM;
	spin_lock(&shm->lock);
	size = shm->size;
	spin_unlock(&shm->lock);
	return put_user(size, arg);
}

/**
 * struct kipc_shm_resize - a truncate run on a kworker for its caller
 * @work: on system_unbound_wq; the caller waits for it
 * @file: the shmem file
 * @cred: the caller's credentials
 * @size: the new size
 * @ret: vfs_truncate()'s result
 *
 * On the caller's stack; written by the kworker, read by the caller after
 * flush_work().
 */
struct kipc_shm_resize {
	struct work_struct work;
	struct file *file;
	const struct cred *cred;
	u64 size;
	int ret;
};

static void kipc_shm_resize_work(struct work_struct *work)
{
	struct kipc_shm_resize *r =
		container_of(work, struct kipc_shm_resize, work);
	const struct cred *old = override_creds(r->cred);

	r->ret = vfs_truncate(&r->file->f_path, r->size);
	revert_creds(old);
}

/*
 * Set the shmem file's size. vfs_truncate() applies the caller's
 * RLIMIT_FSIZE to a growth (inode_newsize_ok(): EFBIG, and SIGXFSZ that
 * kills by default), but a segment is not a file the caller writes, and
 * shmget() ignores the limit. shmem_setattr() must still run, for it
 * commits the new size (shmem_reacct_size()), and no exported call skips
 * the check; so the truncate runs on a kworker, whose limit is
 * RLIM_INFINITY, under the caller's credentials: the commit check sees the
 * caller's CAP_SYS_ADMIN, not the kworker's. (With no mm it leaves out the
 * per-process user reserve of strict overcommit.) A shrink (nothing to
 * commit, no limit to apply) runs in the caller.
 */
static int kipc_shm_truncate(struct kipc_shm *shm, u64 size)
{
	struct kipc_shm_resize r = {
		.file = shm->file,
		.cred = current_cred(),
		.size = size,
	};

	/*
	 * A shrink has no limit to escape: it runs here, so the pages are
	 * freed on this CPU, as shmctl(IPC_RMID) frees a segment's, not on
	 * whichever CPU the kworker had.
	 */
	if (size <= i_size_read(file_inode(shm->file)))
		return vfs_truncate(&shm->file->f_path, size);
	INIT_WORK_ONSTACK(&r.work, kipc_shm_resize_work);
	queue_work(system_unbound_wq, &r.work);
	flush_work(&r.work);
	destroy_work_on_stack(&r.work);
	return r.ret;
}

/* A failed resize (the size stays as it was): the shm_resize event. */
static int kipc_shm_resized(struct kipc_shm *shm, u64 req, int err)
{
	u64 size;

	if (!trace_shm_resize_enabled())
		return err;
	spin_lock(&shm->lock);
	size = shm->size;
	spin_unlock(&shm->lock);
	trace_shm_resize(&shm->node, req, size, size, err);
	return err;
}

/*
 * Resize: like shmget() the request is checked against the limit before it
 * is rounded up to a page. Truncating keeps the contents up to the smaller
 * size; growth reads as zeros. A resize needs a writable fd (it destroys
 * data), as ftruncate() does: EBADF otherwise.
 */
static long kipc_shm_set_size(struct kipc_shm *shm, struct file *file,
			      u64 __user *arg)
{
	u64 req = 0, size, old;
	long ret;

	if (!(file->f_mode & FMODE_WRITE))
		return kipc_shm_resized(shm, req, -EBADF);
	if (kipc_node_removed(&shm->node))
		return kipc_shm_resized(shm, req, -EIDRM);
	if (get_user(req, arg))
		return kipc_shm_resized(shm, req, -EFAULT);
	if (!req || req > kipc_param_shm_max)
		return kipc_shm_resized(shm, req, -EINVAL);
	size = round_up(req, PAGE_SIZE);

	mutex_lock(&shm->resize_lock);
	spin_lock(&shm->lock);
	if (shm->nattch) {
		spin_unlock(&shm->lock);
		ret = -EBUSY;
		goto out_unlock;
	}
	old = shm->size;
	/* A mapping made during the truncate must fit old and new size. */
	shm->size = min(old, size);
	spin_unlock(&shm->lock);

	ret = kipc_shm_truncate(shm, size);

	spin_lock(&shm->lock);
	shm->size = ret ? old : size;
	spin_unlock(&shm->lock);
	if (!ret)
		trace_shm_resize(&shm->node, req, old, size, 0);
out_unlock:
	mutex_unlock(&shm->resize_lock);
	return ret ? kipc_shm_resized(shm, req, ret) : 0;
}

static long kipc_shm_getinfo(struct kipc_shm *shm,
			     struct kipc_shm_info __user *arg)
{
	struct kipc_shm_info info = {};

	if (kipc_node_removed(&shm->node))
		return -EIDRM;
	spin_lock(&shm->lock);
	info.size = shm->size;
	info.nattch = shm->nattch;
	spin_unlock(&shm->lock);
	return copy_to_user(arg, &info, sizeof(info)) ? -EFAULT : 0;
}

static long kipc_shm_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	struct kipc_shm *shm = kipc_shm_of(file);
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case KIPC_SHM_GET_SIZE:
		return kipc_shm_get_size(shm, uarg);
	case KIPC_SHM_SET_SIZE:
		return kipc_shm_set_size(shm, file, uarg);
	case KIPC_SHM_GETINFO:
		return kipc_shm_getinfo(shm, uarg);
	default:
		return -ENOTTY;
	}
}

/* Set up @file on @node: the node's open(2), or an anonymous file. */
static int kipc_shm_attach(struct kipc_node *node, struct file *file)
{
	file->private_data = container_of(node, struct kipc_shm, node);
	/*
	 * anon_inode_getfile() gives no FMODE_LSEEK, PREAD or PWRITE, which
	 * do_dentry_open() gives an open(2): an anonymous segment is read,
	 * written and seeked as a node is.
	 */
	file->f_mode |= FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE;
	return 0;
}

static int kipc_shm_open(struct inode *inode, struct file *file)
{
	struct kipc_node *node = kipc_inode_node(inode);
	int ret;

	ret = kipc_object_open(node, file);
	if (ret)
		return ret;
	return kipc_shm_attach(node, file);
}

static int kipc_shm_release(struct inode *inode, struct file *file)
{
	struct kipc_shm *shm = file->private_data;

	if (shm)
		kipc_object_release(&shm->node);
	return 0;
}

static const struct file_operations kipc_shm_fops = {
	.owner = THIS_MODULE,
	.open = kipc_shm_open,
	.release = kipc_shm_release,
	.llseek = kipc_shm_llseek,
	.read_iter = kipc_shm_read_iter,
	.write_iter = kipc_shm_write_iter,
	.mmap = kipc_shm_mmap,
	.unlocked_ioctl = kipc_shm_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static int kipc_shm_check_params(void)
{
	BUILD_BUG_ON(sizeof(struct kipc_shm_info) != 48);

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

/*
 * A segment of @req bytes (@dflt: shm_size), under KIPC_SHM_SET_SIZE's rules:
 * at most shm_max, rounded up to a page.
 */
static struct kipc_node *kipc_shm_alloc(const char *name, u64 req, bool dflt)
{
	char file_name[KIPC_NAME_MAX + 8];
	struct kipc_shm *shm;
	struct file *file;

	if (dflt)
		req = kipc_param_shm_size;
	if (!req || req > kipc_param_shm_max)
		return ERR_PTR(-EINVAL);
	shm = kzalloc(sizeof(*shm), GFP_KERNEL_ACCOUNT);
	if (!shm)
		return ERR_PTR(-ENOMEM);
	spin_lock_init(&shm->lock);
	mutex_init(&shm->resize_lock);
	shm->size = round_up(req, PAGE_SIZE);

	/* The name shows in /proc/PID/maps: "/kipc-shm0 (deleted)". */
	snprintf(file_name, sizeof(file_name), "kipc-%s", name);
	file = shmem_file_setup(file_name, shm->size, 0);
	if (IS_ERR(file)) {
		kfree(shm);
		/*
		 * The internal shmem mount has no inode limit: its ENOSPC
		 * means that the inode could not be allocated, while ours
		 * means a limit on objects.
		 */
		if (PTR_ERR(file) == -ENOSPC)
			return ERR_PTR(-ENOMEM);
		return ERR_CAST(file);
	}
	shm->file = file;
	/*
	 * Like SysV shm's kernel-internal files: the file is reached only
	 * through our node, whose own inode carries the permission checks,
	 * so the LSMs need not label or check the shmem inode again.
	 */
	inode_set_flags(file_inode(shm->file), S_PRIVATE, S_PRIVATE);
	return &shm->node;
}

/*
 * The last reference is gone: no fd, no mapping file (so no vma), and the
 * name removed or unloaded.
 */
static void kipc_shm_free(struct kipc_node *node)
{
	struct kipc_shm *shm = container_of(node, struct kipc_shm, node);

	fput(shm->file);
	mutex_destroy(&shm->resize_lock);
	kfree(shm);
}

static void kipc_shm_proc_show(struct seq_file *m, struct kipc_node *node)
{
	struct kipc_shm *shm = container_of(node, struct kipc_shm, node);
	unsigned long nattch;
	u64 size;

	spin_lock(&shm->lock);
	size = shm->size;
	nattch = shm->nattch;
	spin_unlock(&shm->lock);
	seq_printf(m, "%s %llu %lu", node->name, size, nattch);
}

const struct kipc_kind_ops kipc_shm_kind = {
	.name = "shm",
	.type = KIPC_KIND_SHM,
	.proc_header = "name size nattch",
	.fops = &kipc_shm_fops,
	.check_params = kipc_shm_check_params,
	.alloc = kipc_shm_alloc,
	.free = kipc_shm_free,
	.open = kipc_shm_attach,
	.proc_show = kipc_shm_proc_show,
};

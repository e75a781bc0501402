// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/kipc/semN: a counting semaphore with strict arrival-order service.
 *
 * P (KIPC_SEM_P) takes @count units at once or queues at the tail of a FIFO
 * of waiters. A P that arrives while others wait queues behind them even if
 * the value would cover it (no barging): a waiter for 3 units is never
 * starved by a stream of 1-unit requests. Whenever units appear (V, SETVAL,
 * an undo at close, a waiter leaving the head) the queue is served from the
 * head while the head's count fits, stopping at the first that does not.
 * This is stricter than System V semop(), which lets a newcomer that fits
 * overtake the queue.
 *
 * Units are granted under @lock by the task that made them available: it
 * subtracts them, unlinks the waiter, marks it granted and wakes it. A
 * granted waiter always returns success, even if its timeout expired or a
 * signal arrived in the meantime (the signal stays pending and is delivered
 * on return), so no grant is ever lost or taken twice. A waiter that gives
 * up before being granted unlinks itself and serves the queue again, since
 * it may have been the head that blocked the ones behind it.
 *
 * Errors: count 0, unknown flag bits, a V with flags or a timeout, or a P
 * for more than KIPC_SEM_VALUE_MAX units (which could never be served and
 * would block the queue for good) give EINVAL. KIPC_NOWAIT gives EAGAIN.
 * A V that would lift the value above KIPC_SEM_VALUE_MAX gives EOVERFLOW
 * and changes nothing. A signal gives EINTR, timed or not, and the call is
 * not restarted: semop() and semtimedop() behave so (ipc/sem.c), whatever
 * SA_RESTART says. A timeout gives ETIMEDOUT. P, V and SETVAL need an fd
 * open for writing and GETINFO one open for reading (EBADF otherwise),
 * matching the alter/read permissions System V asks for.
 *
 * KIPC_SEM_UNDO: units a P takes with it are recorded in the open file and
 * given back when the file is released, which also happens when the holder
 * is killed. A V through the same file settles recorded units first (the
 * uapi has no V flags, and a P(UNDO)/V pair must not give back twice; SysV
 * users pass SEM_UNDO on both for the same effect). Outstanding units per
 * file are bounded by KIPC_SEM_VALUE_MAX (ERANGE, as semop() bounds
 * semadj). The give-back clamps the value at KIPC_SEM_VALUE_MAX, as SysV
 * exit_sem() does, because a V by someone else may already have refilled
 * it. SETVAL forgets every file's outstanding units, as SysV SETVAL clears
 * semadj. The record is per open file: after fork() parent and child share
 * it, and it is given back when the last of them closes the file.
 *
 * Statistics: p_ops and v_ops count completed P and V calls; lpid is the
 * process of the last one, recorded at grant time for a P that waited, as
 * SysV records sempid. SETVAL and undo are neither.
 *
 * Locking: @lock (spinlock) guards the value, the queue, the statistics and
 * the undo records of every open file on the node. Sleeping is done without
 * it, with the task state set before it is dropped, so a grant between the
 * unlock and schedule() is not missed. As in ipc/sem.c, the granter wakes
 * the (first) granted waiter after dropping @lock, and the waiter learns of
 * its grant without taking @lock. The node outlives every waiter: an open
 * fd pins the module and nodes are freed only at unload.
 */

#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

#include "internal.h"

/**
 * struct kipc_sem - one sem node
 * @node: device node
 * @lock: guards every field below except @poll_wait, and the undo fields
 *	of every struct kipc_sem_file on @files
 * @value: units available, 0..KIPC_SEM_VALUE_MAX
 * @queue: waiting P calls in arrival order, struct kipc_sem_waiter.link
 * @nr_waiters: entries on @queue
 * @files: open files, struct kipc_sem_file.link
 * @lpid: thread group of the last completed P or V, NULL if none
 * @p_ops: completed P calls since load
 * @v_ops: completed V calls since load
 * @poll_wait: poll/epoll waiters, woken when a one-unit P may not block
 */
struct kipc_sem {
	struct kipc_node node;
	spinlock_t lock; /* see above */
	unsigned int value;
	struct list_head queue;
	unsigned int nr_waiters;
	struct list_head files;
	struct pid *lpid;
	u64 p_ops;
	u64 v_ops;
	wait_queue_head_t poll_wait;
};

/**
 * struct kipc_sem_file - per open file state
 * @sem: the semaphore this file was opened on
 * @link: entry on @sem->files (@sem->lock)
 * @undo: units taken with KIPC_SEM_UNDO and not yet given back (@sem->lock)
 * @undo_pending: units asked for with KIPC_SEM_UNDO by P calls still
 *	waiting, reserved so that @undo stays bounded (@sem->lock)
 */
struct kipc_sem_file {
	struct kipc_sem *sem;
	struct list_head link;
	u64 undo;
	u64 undo_pending;
};

/**
 * struct kipc_sem_waiter - a P call waiting for units, on its own stack
 * @link: entry on &kipc_sem.queue while waiting (&kipc_sem.lock)
 * @task: the sleeping task
 * @pid: its thread group, for lpid
 * @sf: the open file it came through, for KIPC_SEM_UNDO
 * @count: units it needs
 * @undo: it asked for KIPC_SEM_UNDO
 * @granted: the units were handed over and @link unlinked. Set once under
 *	&kipc_sem.lock with release semantics, after the granter's last use
 *	of this record; the waiter reads it without the lock (acquire)
 */
struct kipc_sem_waiter {
	struct list_head link;
	struct task_struct *task;
	struct pid *pid;
	struct kipc_sem_file *sf;
	u32 count;
	bool undo;
	bool granted;
};

static void kipc_sem_set_lpid(struct kipc_sem *sem, struct pid *pid)
{
	lockdep_assert_held(&sem->lock);
	if (sem->lpid != pid) {
		put_pid(sem->lpid);
		sem->lpid = get_pid(pid);
	}
}

/* A one-unit P would not block: that is what poll reports as EPOLLIN. */
static bool kipc_sem_ready(struct kipc_sem *sem)
{
	lockdep_assert_held(&sem->lock);
	return sem->value && list_empty(&sem->queue);
}

/* Take @count units for a P through @sf that is now complete. */
static void kipc_sem_take(struct kipc_sem *sem, struct kipc_sem_file *sf,
			  u32 count, bool undo, struct pid *pid)
{
	lockdep_assert_held(&sem->lock);
	sem->value -= count;
	if (undo)
		sf->undo += count;
	sem->p_ops++;
	kipc_sem_set_lpid(sem, pid);
}

/**
 * struct kipc_sem_wake - wake-ups decided under &kipc_sem.lock, done after
 * @first: the first waiter granted, a task reference, or NULL
 * @ready: a one-unit P would now pass: wake the pollers
 */
struct kipc_sem_wake {
	struct task_struct *first;
	bool ready;
};

/*
 * Hand units to waiters from the head while the head's count fits. The
 * first one granted (in a round trip, the only one) is woken after the
 * lock is dropped, as ipc/sem.c does with its wake_q, so that it does not
 * find the lock still held; it needs no lock to see it was granted.
 */
static void kipc_sem_serve(struct kipc_sem *sem, struct kipc_sem_wake *wk)
{
	struct kipc_sem_waiter *w, *next;
	struct task_struct *task;

	lockdep_assert_held(&sem->lock);
	list_for_each_entry_safe(w, next, &sem->queue, link) {
		if (w->count > sem->value)
			break;
		list_del_init(&w->link);
		sem->nr_waiters--;
		if (w->undo)
			w->sf->undo_pending -= w->count;
		kipc_sem_take(sem, w->sf, w->count, w->undo, w->pid);
		task = get_task_struct(w->task);
		/* From here on @w may be gone: pairs with kipc_sem_wait(). */
		smp_store_release(&w->granted, true);
		if (!wk->first)
			wk->first = task;
		else
			kipc_wake_put(task);
	}
	wk->ready = kipc_sem_ready(sem);
}

/* After @sem->lock is dropped. */
static void kipc_sem_wake(struct kipc_sem *sem, struct kipc_sem_wake *wk)
{
	if (wk->first)
		kipc_wake_put(wk->first);
	if (wk->ready)
		wake_up_interruptible_poll(&sem->poll_wait,
					   EPOLLIN | EPOLLRDNORM);
}

/*
 * Sleep until granted, timed out or signalled. Called with @sem->lock
 * held, returns without it. A grant is seen without the lock; only a
 * waiter giving up takes it again.
 */
static int kipc_sem_wait(struct kipc_sem *sem, struct kipc_sem_waiter *w,
			 ktime_t *expires) __releases(&sem->lock)
{
	struct kipc_sem_wake wk = {};
	bool timed_out = false;

	lockdep_assert_held(&sem->lock);
	set_current_state(TASK_INTERRUPTIBLE);
	spin_unlock(&sem->lock);
	for (;;) {
		/* With no timeout (NULL) this is a plain schedule(). */
		if (!schedule_hrtimeout_range(expires, current->timer_slack_ns,
					      HRTIMER_MODE_ABS))
			timed_out = true;
		/* Pairs with smp_store_release() in kipc_sem_serve(). */
		if (smp_load_acquire(&w->granted))
			return 0;
		if (timed_out || signal_pending(current))
			break;
		set_current_state(TASK_INTERRUPTIBLE);
		/* Granted since the wake-up: as above, pairs with the release. */
		if (smp_load_acquire(&w->granted)) {
			__set_current_state(TASK_RUNNING);
			return 0;
		}
	}

	spin_lock(&sem->lock);
	/* A grant wins over a timeout or a signal that came with it. */
	if (w->granted) {
		spin_unlock(&sem->lock);
		return 0;
	}
	list_del(&w->link);
	sem->nr_waiters--;
	if (w->undo)
		w->sf->undo_pending -= w->count;
	/* It may have been the head holding back waiters that fit. */
	kipc_sem_serve(sem, &wk);
	spin_unlock(&sem->lock);
	kipc_sem_wake(sem, &wk);
	/* semtimedop() gives EINTR, never a restart, timed or not. */
	return timed_out ? -ETIMEDOUT : -EINTR;
}

static long kipc_sem_p(struct kipc_sem_file *sf, const struct kipc_sem_op *op)
{
	struct kipc_sem *sem = sf->sem;
	bool undo = op->flags & KIPC_SEM_UNDO;
	struct kipc_sem_waiter w;
	ktime_t expires, *exp = NULL;
	u64 timeout;
	long ret;

	if (!op->count || op->count > KIPC_SEM_VALUE_MAX)
		return -EINVAL;
	if (op->flags & ~(KIPC_NOWAIT | KIPC_SEM_UNDO))
		return -EINVAL;
	if (op->timeout_ns && !(op->flags & KIPC_NOWAIT)) {
		/* Relative; a huge one saturates at KTIME_MAX (forever). */
		timeout = min_t(u64, op->timeout_ns, KTIME_MAX);
		expires = ktime_add_safe(ktime_get(), ns_to_ktime(timeout));
		exp = &expires;
	}

	spin_lock(&sem->lock);
	if (undo &&
	    sf->undo + sf->undo_pending + op->count > KIPC_SEM_VALUE_MAX) {
		ret = -ERANGE;
		goto out_unlock;
	}
	if (list_empty(&sem->queue) && sem->value >= op->count) {
		kipc_sem_take(sem, sf, op->count, undo, task_tgid(current));
		ret = 0;
		goto out_unlock;
	}
	if (op->flags & KIPC_NOWAIT) {
		ret = -EAGAIN;
		goto out_unlock;
	}

	w = (struct kipc_sem_waiter){
		.task = current,
		.pid = task_tgid(current),
		.sf = sf,
		.count = op->count,
		.undo = undo,
	};
	list_add_tail(&w.link, &sem->queue);
	sem->nr_waiters++;
	if (undo)
		sf->undo_pending += op->count;
	return kipc_sem_wait(sem, &w, exp);
out_unlock:
	spin_unlock(&sem->lock);
	return ret;
}

static long kipc_sem_v(struct kipc_sem_file *sf, const struct kipc_sem_op *op)
{
	struct kipc_sem *sem = sf->sem;
	struct kipc_sem_wake wk = {};

	if (!op->count || op->flags || op->timeout_ns)
		return -EINVAL;

	spin_lock(&sem->lock);
	if ((u64)sem->value + op->count > KIPC_SEM_VALUE_MAX) {
		spin_unlock(&sem->lock);
		return -EOVERFLOW;
	}
	sem->value += op->count;
	sf->undo -= min_t(u64, sf->undo, op->count);
	sem->v_ops++;
	kipc_sem_set_lpid(sem, task_tgid(current));
	kipc_sem_serve(sem, &wk);
	spin_unlock(&sem->lock);
	kipc_sem_wake(sem, &wk);
	return 0;
}

static long kipc_sem_op(struct kipc_sem_file *sf, struct file *file,
			unsigned int cmd, struct kipc_sem_op __user *arg)
{
	struct kipc_sem_op op;

	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	if (copy_from_user(&op, arg, sizeof(op)))
		return -EFAULT;
	if (memchr_inv(op.reserved, 0, sizeof(op.reserved)))
		return -EINVAL;
	return cmd == KIPC_SEM_P ? kipc_sem_p(sf, &op) : kipc_sem_v(sf, &op);
}

static long kipc_sem_getinfo(struct kipc_sem *sem, struct file *file,
			     struct kipc_sem_info __user *arg)
{
	struct kipc_sem_info info = {};

	if (!(file->f_mode & FMODE_READ))
		return -EBADF;
	spin_lock(&sem->lock);
	info.value = sem->value;
	info.waiters = sem->nr_waiters;
	/* pid_vnr() only reads: fine under a spinlock, in our pid ns. */
	info.lpid = pid_vnr(sem->lpid);
	info.p_ops = sem->p_ops;
	info.v_ops = sem->v_ops;
	spin_unlock(&sem->lock);
	return copy_to_user(arg, &info, sizeof(info)) ? -EFAULT : 0;
}

static long kipc_sem_setval(struct kipc_sem *sem, struct file *file,
			    s64 __user *arg)
{
	struct kipc_sem_wake wk = {};
	struct kipc_sem_file *sf;
	s64 val;

	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	if (get_user(val, arg))
		return -EFAULT;
	if (val < 0 || val > KIPC_SEM_VALUE_MAX)
		return -ERANGE;

	spin_lock(&sem->lock);
	sem->value = val;
	/* As SysV SETVAL clears semadj: nobody gives back into a set value. */
	list_for_each_entry(sf, &sem->files, link)
		sf->undo = 0;
	kipc_sem_serve(sem, &wk);
	spin_unlock(&sem->lock);
	kipc_sem_wake(sem, &wk);
	return 0;
}

static long kipc_sem_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	struct kipc_sem_file *sf = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case KIPC_SEM_P:
	case KIPC_SEM_V:
		return kipc_sem_op(sf, file, cmd, uarg);
	case KIPC_SEM_GETINFO:
		return kipc_sem_getinfo(sf->sem, file, uarg);
	case KIPC_SEM_SETVAL:
		return kipc_sem_setval(sf->sem, file, uarg);
	default:
		return -ENOTTY;
	}
}

static __poll_t kipc_sem_poll(struct file *file, poll_table *pt)
{
	struct kipc_sem *sem =
		((struct kipc_sem_file *)file->private_data)->sem;
	__poll_t mask = 0;

	poll_wait(file, &sem->poll_wait, pt);
	spin_lock(&sem->lock);
	if (kipc_sem_ready(sem))
		mask = EPOLLIN | EPOLLRDNORM;
	spin_unlock(&sem->lock);
	return mask;
}

static int kipc_sem_open(struct inode *inode, struct file *file)
{
	struct kipc_sem *sem = kipc_file_node(file, struct kipc_sem, node);
	struct kipc_sem_file *sf;

	sf = kzalloc(sizeof(*sf), GFP_KERNEL_ACCOUNT);
	if (!sf)
		return -ENOMEM;
	sf->sem = sem;
	spin_lock(&sem->lock);
	list_add_tail(&sf->link, &sem->files);
	spin_unlock(&sem->lock);
	file->private_data = sf;
	return 0;
}

/*
 * The last reference to the open file is gone, so no P through it is still
 * waiting (each holds a file reference) and @undo_pending is 0. Give back
 * what is outstanding, clamped like SysV exit_sem(), and serve the queue.
 */
static int kipc_sem_release(struct inode *inode, struct file *file)
{
	struct kipc_sem_file *sf = file->private_data;
	struct kipc_sem *sem = sf->sem;
	struct kipc_sem_wake wk = {};

	spin_lock(&sem->lock);
	list_del(&sf->link);
	WARN_ON_ONCE(sf->undo_pending);
	if (sf->undo) {
		sem->value = min_t(u64, (u64)sem->value + sf->undo,
				   KIPC_SEM_VALUE_MAX);
		kipc_sem_serve(sem, &wk);
	}
	spin_unlock(&sem->lock);
	kipc_sem_wake(sem, &wk);
	kfree(sf);
	return 0;
}

static void kipc_sem_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct kipc_sem_file *sf = file->private_data;
	u64 undo;

	spin_lock(&sf->sem->lock);
	undo = sf->undo;
	spin_unlock(&sf->sem->lock);
	seq_printf(m, "kipc-sem-undo:\t%llu\n", undo);
}

static const struct file_operations kipc_sem_fops = {
	.owner = THIS_MODULE,
	.open = kipc_sem_open,
	.release = kipc_sem_release,
	.poll = kipc_sem_poll,
	.unlocked_ioctl = kipc_sem_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.show_fdinfo = kipc_sem_show_fdinfo,
	.llseek = noop_llseek,
};

static int kipc_sem_check_params(void)
{
	BUILD_BUG_ON(sizeof(struct kipc_sem_op) != 32);
	BUILD_BUG_ON(sizeof(struct kipc_sem_info) != 64);

	if (kipc_param_sem_init > KIPC_SEM_VALUE_MAX) {
		pr_err("sem_init=%u is out of range 0..%d\n",
		       kipc_param_sem_init, KIPC_SEM_VALUE_MAX);
		return -EINVAL;
	}
	return 0;
}

static struct kipc_node *kipc_sem_alloc(unsigned int index)
{
	struct kipc_sem *sem = kzalloc(sizeof(*sem), GFP_KERNEL);

	if (!sem)
		return NULL;
	spin_lock_init(&sem->lock);
	sem->value = kipc_param_sem_init;
	INIT_LIST_HEAD(&sem->queue);
	INIT_LIST_HEAD(&sem->files);
	init_waitqueue_head(&sem->poll_wait);
	return &sem->node;
}

/* Called at unload: no open file, hence no waiter, is left. */
static void kipc_sem_free(struct kipc_node *node)
{
	struct kipc_sem *sem = container_of(node, struct kipc_sem, node);

	WARN_ON_ONCE(!list_empty(&sem->queue) || !list_empty(&sem->files));
	put_pid(sem->lpid);
	kfree(sem);
}

static void kipc_sem_proc_show(struct seq_file *m, struct kipc_node *node)
{
	struct kipc_sem *sem = container_of(node, struct kipc_sem, node);
	unsigned int value, waiters;
	u64 p_ops, v_ops;
	pid_t lpid;

	spin_lock(&sem->lock);
	value = sem->value;
	waiters = sem->nr_waiters;
	lpid = pid_vnr(sem->lpid);
	p_ops = sem->p_ops;
	v_ops = sem->v_ops;
	spin_unlock(&sem->lock);
	seq_printf(m, "%s %u %u %d %llu %llu\n", dev_name(&node->dev), value,
		   waiters, lpid, p_ops, v_ops);
}

const struct kipc_kind_ops kipc_sem_kind = {
	.name = "sem",
	.proc_header = "name value waiters lpid p_ops v_ops",
	.fops = &kipc_sem_fops,
	.check_params = kipc_sem_check_params,
	.alloc = kipc_sem_alloc,
	.free = kipc_sem_free,
	.proc_show = kipc_sem_proc_show,
};

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
 * KIPC_SEM_UNDO is per process, as SEM_UNDO is: units a P takes with it
 * are recorded for the process (thread group) that took them, on the open
 * file they came through, and given back when that process closes its
 * last descriptor of the file or exits (->flush, called for both, as
 * ipc/mqueue.c uses it for mq_notify). So a worker forked with the fd and
 * killed while holding P(UNDO) gives its units back although its parent
 * still holds the file, exactly as with System V; fork() does not
 * inherit the parent's record (SysV: a child starts with no semadj). What
 * is left when the file is released (a process that was handed the fd and
 * never closed it itself) is given back then. A V through the same file by
 * the same process settles its recorded units first (the uapi has no V
 * flags, and a P(UNDO)/V pair must not give back twice; SysV users pass
 * SEM_UNDO on both for the same effect). Outstanding units per record are
 * bounded by KIPC_SEM_VALUE_MAX (ERANGE, as semop() bounds semadj). The
 * give-back clamps the value at KIPC_SEM_VALUE_MAX, as SysV exit_sem()
 * does, because a V by someone else may already have refilled it. SETVAL
 * forgets every outstanding unit, as SysV SETVAL clears semadj.
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
 * its grant without taking @lock. The object outlives every waiter: each
 * open file holds a reference to it.
 *
 * Removal (KIPC_CTL_REMOVE, as IPC_RMID): every waiter wakes with EIDRM,
 * and every later P, V, GETINFO and SETVAL gives EIDRM.
 */

#include <linux/fdtable.h>
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
#include "trace.h"

/**
 * struct kipc_sem - one sem node
 * @node: device node
 * @lock: guards every field below except @poll_wait, and the undo
 *	records of every struct kipc_sem_file on @files
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
 * @undos: the undo records of the processes that used KIPC_SEM_UNDO
 *	through this file, struct kipc_sem_undo.link (@sem->lock)
 */
struct kipc_sem_file {
	struct kipc_sem *sem;
	struct list_head link;
	struct list_head undos;
};

/**
 * struct kipc_sem_undo - one process's KIPC_SEM_UNDO units on one open file
 * @link: entry on &kipc_sem_file.undos (&kipc_sem.lock)
 * @tgid: the process (a reference)
 * @units: units taken with KIPC_SEM_UNDO and not yet given back
 *	(&kipc_sem.lock)
 * @pending: units asked for with KIPC_SEM_UNDO by P calls still waiting,
 *	reserved so that @units stays bounded (&kipc_sem.lock)
 */
struct kipc_sem_undo {
	struct list_head link;
	struct pid *tgid;
	u64 units;
	u64 pending;
};

/**
 * struct kipc_sem_waiter - a P call waiting for units, on its own stack
 * @link: entry on &kipc_sem.queue while waiting (&kipc_sem.lock)
 * @task: the sleeping task
 * @pid: its thread group, for lpid
 * @count: units it needs
 * @un: its process's undo record if it asked for KIPC_SEM_UNDO, else NULL
 * @result: 0 while waiting; 1 once the units were handed over, -EIDRM
 *	once the semaphore was removed, and @link unlinked either way. Set
 *	once under &kipc_sem.lock with release semantics, after the
 *	granter's last use of this record; the waiter reads it without the
 *	lock (acquire)
 */
struct kipc_sem_waiter {
	struct list_head link;
	struct task_struct *task;
	struct pid *pid;
	u32 count;
	struct kipc_sem_undo *un;
	int result;
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

/* The undo record of process @tgid on @sf, or NULL. */
static struct kipc_sem_undo *kipc_sem_undo_find(struct kipc_sem_file *sf,
						struct pid *tgid)
{
	struct kipc_sem_undo *un;

	lockdep_assert_held(&sf->sem->lock);
	list_for_each_entry(un, &sf->undos, link)
		if (un->tgid == tgid)
			return un;
	return NULL;
}

/* Give back @un's units, clamped as SysV exit_sem() does; true if any. */
static bool kipc_sem_undo_give_back(struct kipc_sem *sem,
				    struct kipc_sem_undo *un)
{
	lockdep_assert_held(&sem->lock);
	if (!un->units)
		return false;
	sem->value =
		min_t(u64, (u64)sem->value + un->units, KIPC_SEM_VALUE_MAX);
	un->units = 0;
	return true;
}

static void kipc_sem_undo_free(struct kipc_sem_undo *un)
{
	list_del(&un->link);
	put_pid(un->tgid);
	kfree(un);
}

/*
 * Take @sf->sem->lock and find the caller's undo record on @sf, made if it
 * has none (ERR_PTR(-ENOMEM) if that fails; the lock is held either way).
 * Allocates only the first time a process uses KIPC_SEM_UNDO through the
 * file.
 */
static struct kipc_sem_undo *kipc_sem_undo_get(struct kipc_sem_file *sf)
	__acquires(&sf->sem->lock)
{
	struct kipc_sem *sem = sf->sem;
	struct kipc_sem_undo *un, *new;
	struct pid *tgid = task_tgid(current);

	spin_lock(&sem->lock);
	un = kipc_sem_undo_find(sf, tgid);
	if (un)
		return un;
	spin_unlock(&sem->lock);

	new = kzalloc(sizeof(*new), GFP_KERNEL_ACCOUNT);
	spin_lock(&sem->lock);
	if (!new)
		return ERR_PTR(-ENOMEM);
	new->tgid = get_pid(tgid);
	/* Another thread of the process may have made it meanwhile. */
	un = kipc_sem_undo_find(sf, tgid);
	if (un) {
		put_pid(new->tgid);
		kfree(new);
		return un;
	}
	list_add(&new->link, &sf->undos);
	return new;
}

/* Take @count units for a P that is now complete. */
static void kipc_sem_take(struct kipc_sem *sem, struct kipc_sem_undo *un,
			  u32 count, struct pid *pid)
{
	lockdep_assert_held(&sem->lock);
	sem->value -= count;
	if (un)
		un->units += count;
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
		if (w->un)
			w->un->pending -= w->count;
		kipc_sem_take(sem, w->un, w->count, w->pid);
		task = get_task_struct(w->task);
		/* From here on @w may be gone: pairs with kipc_sem_wait(). */
		smp_store_release(&w->result, 1);
		if (!wk->first)
			wk->first = task;
		else
			kipc_wake_put(task);
	}
	wk->ready = kipc_sem_ready(sem);
}

/* The value kipc_sem_serve() will leave, its grants worked out first. */
static unsigned int kipc_sem_value_served(const struct kipc_sem *sem)
{
	const struct kipc_sem_waiter *w;
	unsigned int value = sem->value;

	lockdep_assert_held(&sem->lock);
	list_for_each_entry(w, &sem->queue, link) {
		if (w->count > value)
			break;
		value -= w->count;
	}
	return value;
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
	int result;

	lockdep_assert_held(&sem->lock);
	set_current_state(TASK_INTERRUPTIBLE);
	spin_unlock(&sem->lock);
	for (;;) {
		/* With no timeout (NULL) this is a plain schedule(). */
		if (!schedule_hrtimeout_range(expires, current->timer_slack_ns,
					      HRTIMER_MODE_ABS))
			timed_out = true;
		/* Pairs with smp_store_release() in kipc_sem_serve(). */
		result = smp_load_acquire(&w->result);
		if (result)
			return result > 0 ? 0 : result;
		if (timed_out || signal_pending(current))
			break;
		set_current_state(TASK_INTERRUPTIBLE);
		/* Granted since the wake-up: as above, pairs with the release. */
		result = smp_load_acquire(&w->result);
		if (result) {
			__set_current_state(TASK_RUNNING);
			return result > 0 ? 0 : result;
		}
	}

	spin_lock(&sem->lock);
	/* A grant (or removal) wins over a timeout or signal with it. */
	if (w->result) {
		spin_unlock(&sem->lock);
		return w->result > 0 ? 0 : w->result;
	}
	list_del(&w->link);
	sem->nr_waiters--;
	if (w->un)
		w->un->pending -= w->count;
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
	struct kipc_sem_undo *un = NULL;
	struct kipc_sem_waiter w;
	ktime_t expires, *exp = NULL;
	u64 timeout;
	long ret;

	if (!op->count || op->count > KIPC_SEM_VALUE_MAX ||
	    (op->flags & ~(KIPC_NOWAIT | KIPC_SEM_UNDO))) {
		trace_sem_p(&sem->node, op->count, op->flags, -1, -EINVAL);
		return -EINVAL;
	}
	if (op->timeout_ns && !(op->flags & KIPC_NOWAIT)) {
		/* Relative; a huge one saturates at KTIME_MAX (forever). */
		timeout = min_t(u64, op->timeout_ns, KTIME_MAX);
		expires = ktime_add_safe(ktime_get(), ns_to_ktime(timeout));
		exp = &expires;
	}

	if (op->flags & KIPC_SEM_UNDO) {
		un = kipc_sem_undo_get(sf);
		if (IS_ERR(un)) {
			ret = PTR_ERR(un);
			goto out_unlock;
		}
	} else {
		spin_lock(&sem->lock);
	}
	if (kipc_node_removed(&sem->node)) {
		ret = -EIDRM;
		goto out_unlock;
	}
	if (un && un->units + un->pending + op->count > KIPC_SEM_VALUE_MAX) {
		ret = -ERANGE;
		goto out_unlock;
	}
	if (list_empty(&sem->queue) && sem->value >= op->count) {
		kipc_sem_take(sem, un, op->count, task_tgid(current));
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
		.count = op->count,
		.un = un,
	};
	list_add_tail(&w.link, &sem->queue);
	sem->nr_waiters++;
	if (un)
		un->pending += op->count;
	trace_wait(&sem->node, KIPC_WAIT_SEM_P, op->count);
	ret = kipc_sem_wait(sem, &w, exp);
	trace_wake(&sem->node, KIPC_WAIT_SEM_P, ret);
	if (trace_sem_p_enabled()) {
		/* The value after the grant, as a lockless snapshot. */
		s64 value = data_race(READ_ONCE(sem->value));

		trace_sem_p(&sem->node, op->count, op->flags, value, ret);
	}
	return ret;
out_unlock:
	trace_sem_p(&sem->node, op->count, op->flags, sem->value, ret);
	spin_unlock(&sem->lock);
	return ret;
}

static long kipc_sem_v(struct kipc_sem_file *sf, const struct kipc_sem_op *op)
{
	struct kipc_sem *sem = sf->sem;
	struct kipc_sem_wake wk = {};
	struct kipc_sem_undo *un;

	if (!op->count || op->flags || op->timeout_ns) {
		trace_sem_v(&sem->node, op->count, op->flags, -1, -EINVAL);
		return -EINVAL;
	}

	spin_lock(&sem->lock);
	if (kipc_node_removed(&sem->node)) {
		trace_sem_v(&sem->node, op->count, op->flags, sem->value,
			    -EIDRM);
		spin_unlock(&sem->lock);
		return -EIDRM;
	}
	if ((u64)sem->value + op->count > KIPC_SEM_VALUE_MAX) {
		trace_sem_v(&sem->node, op->count, op->flags, sem->value,
			    -EOVERFLOW);
		spin_unlock(&sem->lock);
		return -EOVERFLOW;
	}
	sem->value += op->count;
	/* Settle this process's own P(UNDO) units first. */
	un = kipc_sem_undo_find(sf, task_tgid(current));
	if (un)
		un->units -= min_t(u64, un->units, op->count);
	sem->v_ops++;
	kipc_sem_set_lpid(sem, task_tgid(current));
	/*
	 * The value after V and the grants it makes, traced before them: a
	 * granted waiter sees its grant without the lock and may trace its
	 * P at once, and the V that let it through comes first.
	 */
	if (trace_sem_v_enabled())
		trace_sem_v(&sem->node, op->count, op->flags,
			    kipc_sem_value_served(sem), 0);
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
	if (kipc_node_removed(&sem->node))
		return -EIDRM;
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
	struct kipc_sem_undo *un;
	struct kipc_sem_file *sf;
	s64 val;

	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	if (get_user(val, arg))
		return -EFAULT;
	if (val < 0 || val > KIPC_SEM_VALUE_MAX)
		return -ERANGE;

	spin_lock(&sem->lock);
	if (kipc_node_removed(&sem->node)) {
		spin_unlock(&sem->lock);
		return -EIDRM;
	}
	sem->value = val;
	/* As SysV SETVAL clears semadj: nobody gives back into a set value. */
	list_for_each_entry(sf, &sem->files, link)
		list_for_each_entry(un, &sf->undos, link)
			un->units = 0;
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
	if (kipc_node_removed(&sem->node))
		return EPOLLERR | EPOLLHUP;
	spin_lock(&sem->lock);
	if (kipc_sem_ready(sem))
		mask = EPOLLIN | EPOLLRDNORM;
	spin_unlock(&sem->lock);
	return mask;
}

/* Set up @file on @node: the node's open(2), or an anonymous file. */
static int kipc_sem_attach(struct kipc_node *node, struct file *file)
{
	struct kipc_sem *sem = container_of(node, struct kipc_sem, node);
	struct kipc_sem_file *sf;

	sf = kzalloc(sizeof(*sf), GFP_KERNEL_ACCOUNT);
	if (!sf)
		return -ENOMEM;
	sf->sem = sem;
	INIT_LIST_HEAD(&sf->undos);
	spin_lock(&sem->lock);
	list_add_tail(&sf->link, &sem->files);
	spin_unlock(&sem->lock);
	file->private_data = sf;
	return 0;
}

static int kipc_sem_open(struct inode *inode, struct file *file)
{
	struct kipc_node *node = kipc_inode_node(inode);
	int ret;

	ret = kipc_object_open(node, file);
	if (ret)
		return ret;
	ret = kipc_sem_attach(node, file);
	if (ret)
		kipc_object_release(node);
	return ret;
}

/* iterate_fd() callback: is this descriptor's file @data? */
static int kipc_sem_same_file(const void *data, struct file *file,
			      unsigned int fd)
{
	return file == data;
}

/*
 * A process closes a descriptor of @file, or exits. If it holds no other
 * descriptor of the file (an exiting one has no descriptor table left), it
 * is done with the file: give back its KIPC_SEM_UNDO units, as SysV
 * exit_sem() does, and serve the queue.
 */
static int kipc_sem_flush(struct file *file, fl_owner_t id)
{
	struct kipc_sem_file *sf = file->private_data;
	struct files_struct *files = current->files;
	struct kipc_sem_wake wk = {};
	struct kipc_sem_undo *un;
	struct kipc_sem *sem;

	if (!sf || (files && iterate_fd(files, 0, kipc_sem_same_file, file)))
		return 0;
	sem = sf->sem;
	spin_lock(&sem->lock);
	un = kipc_sem_undo_find(sf, task_tgid(current));
	if (un) {
		if (kipc_sem_undo_give_back(sem, un))
			kipc_sem_serve(sem, &wk);
		/* A P(UNDO) of another thread may still wait through it. */
		if (!un->pending)
			kipc_sem_undo_free(un);
	}
	spin_unlock(&sem->lock);
	kipc_sem_wake(sem, &wk);
	return 0;
}

/*
 * The last reference to the open file is gone, so no P through it is still
 * waiting (each holds a file reference) and no record has units pending.
 * Give back what is still outstanding (a process that was handed the file
 * and never closed a descriptor of it itself) and serve the queue.
 */
static int kipc_sem_release(struct inode *inode, struct file *file)
{
	struct kipc_sem_file *sf = file->private_data;
	struct kipc_sem_undo *un, *tmp;
	struct kipc_sem_wake wk = {};
	bool more = false;
	struct kipc_sem *sem;

	/* An anonymous file whose attach failed has nothing to release. */
	if (!sf)
		return 0;
	sem = sf->sem;
	spin_lock(&sem->lock);
	list_del(&sf->link);
	list_for_each_entry_safe(un, tmp, &sf->undos, link) {
		WARN_ON_ONCE(un->pending);
		more |= kipc_sem_undo_give_back(sem, un);
		kipc_sem_undo_free(un);
	}
	if (more)
		kipc_sem_serve(sem, &wk);
	spin_unlock(&sem->lock);
	kipc_sem_wake(sem, &wk);
	kfree(sf);
	kipc_object_release(&sem->node);
	return 0;
}

/* The reader's own KIPC_SEM_UNDO units on this file. */
static void kipc_sem_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct kipc_sem_file *sf = file->private_data;
	struct kipc_sem_undo *un;
	u64 units = 0;

	spin_lock(&sf->sem->lock);
	un = kipc_sem_undo_find(sf, task_tgid(current));
	if (un)
		units = un->units;
	spin_unlock(&sf->sem->lock);
	seq_printf(m, "kipc-sem-undo:\t%llu\n", units);
}

static const struct file_operations kipc_sem_fops = {
	.owner = THIS_MODULE,
	.open = kipc_sem_open,
	.flush = kipc_sem_flush,
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

/* A semaphore at @value (@dflt: sem_init), under KIPC_SEM_SETVAL's rule. */
static struct kipc_node *kipc_sem_alloc(const char *name, u64 value, bool dflt)
{
	struct kipc_sem *sem;

	if (dflt)
		value = kipc_param_sem_init;
	if (value > KIPC_SEM_VALUE_MAX)
		return ERR_PTR(-ERANGE);
	sem = kzalloc(sizeof(*sem), GFP_KERNEL_ACCOUNT);
	if (!sem)
		return ERR_PTR(-ENOMEM);
	spin_lock_init(&sem->lock);
	sem->value = value;
	INIT_LIST_HEAD(&sem->queue);
	INIT_LIST_HEAD(&sem->files);
	init_waitqueue_head(&sem->poll_wait);
	return &sem->node;
}

/*
 * KIPC_CTL_REMOVE, as IPC_RMID (ipc/sem.c freeary()): every waiter wakes
 * with EIDRM, and so does every later operation (@removed is set first).
 * Outstanding undo units have nothing left to go back to.
 */
static void kipc_sem_remove(struct kipc_node *node)
{
	struct kipc_sem *sem = container_of(node, struct kipc_sem, node);
	struct kipc_sem_waiter *w, *next;
	struct task_struct *task;

	spin_lock(&sem->lock);
	list_for_each_entry_safe(w, next, &sem->queue, link) {
		list_del_init(&w->link);
		sem->nr_waiters--;
		if (w->un)
			w->un->pending -= w->count;
		task = get_task_struct(w->task);
		/* From here on @w may be gone: pairs with kipc_sem_wait(). */
		smp_store_release(&w->result, -EIDRM);
		kipc_wake_put(task);
	}
	spin_unlock(&sem->lock);
	wake_up_interruptible_poll(&sem->poll_wait, EPOLLERR | EPOLLHUP);
}

/* The last file is closed: no waiter is left. */
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
	seq_printf(m, "%s %u %u %d %llu %llu", node->name, value, waiters, lpid,
		   p_ops, v_ops);
}

const struct kipc_kind_ops kipc_sem_kind = {
	.name = "sem",
	.type = KIPC_KIND_SEM,
	.proc_header = "name value waiters lpid p_ops v_ops",
	.fops = &kipc_sem_fops,
	.check_params = kipc_sem_check_params,
	.alloc = kipc_sem_alloc,
	.free = kipc_sem_free,
	.open = kipc_sem_attach,
	.remove = kipc_sem_remove,
	.proc_show = kipc_sem_proc_show,
};

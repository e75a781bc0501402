// SPDX-License-Identifier: GPL-2.0
/*
 * Signal on arrival (KIPC_NOTIFY), shared by pipe and msg nodes.
 *
 * Each open file may hold one registration: the process that made it, the
 * signal, and for msg nodes a type filter. On every matching arrival the
 * sender calls kipc_notify_arrival(), which queues the signal with si_code
 * SI_MESGQ, the sender's pid and uid as the registrant sees them, and
 * si_value = the message type or the bytes written, as __do_notify() in
 * ipc/mqueue.c does for mq_notify(3). Unlike mq_notify, several processes
 * may register on one node (up to the max_notifiers parameter, EBUSY past
 * it, as mq_notify gives when its one slot is taken), and a registration
 * fires on every arrival unless it is one-shot.
 *
 * A registration names a thread group (struct pid of the tgid), never a
 * task pointer: if the registrant has exited, or exec'd another program,
 * the signal is dropped quietly and the registration removed. It belongs
 * to the process, not to the file: as mq_notify's, it ends when the
 * registrant closes a descriptor of the file (->flush, kipc_notify_flush())
 * even if another process still holds the file, and when the file goes.
 *
 * Process-directed. mq_notify queues its signal for the whole thread group
 * (do_send_sig_info(..., PIDTYPE_TGID)), so any thread that does not block
 * it takes it. Neither do_send_sig_info(), group_send_sig_info() nor
 * kill_pid_info() is exported to modules on 6.1 or 6.12; the exported ways
 * to queue a signal for a group (kill_pid(), kill_pgrp(), kill_fasync(),
 * kill_pid_usb_asyncio()) cannot carry an SI_MESGQ siginfo. So the signal
 * goes with send_sig_info() to the thread the kernel's complete_signal()
 * would have woken: the first live thread, leader first, that does not
 * block it. A thread waiting in sigwaitinfo()/sigtimedwait() does not
 * block what it waits for, so it is found. Only if every live thread
 * blocks the signal does it stay pending for one thread (the leader, or
 * the first live thread once the leader has exited) rather than for the
 * process; that is the one difference from mq_notify.
 *
 * Sending. A sender queues the signals under @lock, as __do_notify()
 * does under the queue's lock and kill_fasync() under the fasync list's,
 * so a registration it signals holds the references the signal needs and
 * none are taken per arrival. To bound the time others spin for @lock,
 * it lets the lock go after every KIPC_NOTIFY_BATCH signals and walks on
 * from where it was: registrations are kept in the order they were made,
 * each with a sequence number (@seq), so it resumes after the last @seq
 * it looked at, and leaves out registrations made after its arrival. A
 * one-shot registration is unlinked once signalled, so it fires once
 * however many senders race; one whose process has gone is unlinked
 * unsignalled. A registration ended before a sender reaches it gets no
 * signal.
 *
 * Locking: @lock of struct kipc_notify_list guards the list, each
 * registration's fields, @count and @next_seq. It is a spinlock taken in
 * process context with interrupts enabled, never while copying from user
 * space; the signal's sighand->siglock nests inside it. msg.c and pipe.c
 * call kipc_notify_arrival() after dropping their own locks.
 */

#include <linux/cred.h>
#include <linux/moduleparam.h>
#include <linux/pid.h>
#include <linux/rculist.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>

#include "internal.h"
#include "trace.h"

/* max_notifiers may not go above this: a send walks every registration. */
#define KIPC_NOTIFY_MAX_LIMIT 1024

/* Signals a sender queues before it lets @lock go for a moment. */
#define KIPC_NOTIFY_BATCH 16

static unsigned int kipc_notify_max = 64;

static int kipc_notify_max_set(const char *val, const struct kernel_param *kp)
{
	unsigned int n;
	int ret;

	ret = kstrtouint(val, 0, &n);
	if (ret)
		return ret;
	if (n < 1 || n > KIPC_NOTIFY_MAX_LIMIT) {
		pr_err("max_notifiers=%u is out of range 1..%u\n", n,
		       KIPC_NOTIFY_MAX_LIMIT);
		return -EINVAL;
	}
	*(unsigned int *)kp->arg = n;
	return 0;
}

static const struct kernel_param_ops kipc_notify_max_ops = {
	.set = kipc_notify_max_set,
	.get = param_get_uint,
};

module_param_cb(max_notifiers, &kipc_notify_max_ops, &kipc_notify_max, 0444);
MODULE_PARM_DESC(max_notifiers,
		 "KIPC_NOTIFY registrations per node, 1..1024 (default 64)");

void kipc_notify_list_init(struct kipc_notify_list *nl, const char *name)
{
	nl->name = name;
	spin_lock_init(&nl->lock);
	INIT_LIST_HEAD(&nl->list);
	nl->count = 0;
	nl->next_seq = 1;
}

/* Unlink @n, if registered, and put its references. */
static void kipc_notifier_drop(struct kipc_notify_list *nl,
			       struct kipc_notifier *n)
{
	lockdep_assert_held(&nl->lock);
	if (list_empty(&n->link))
		return;
	list_del_init(&n->link);
	WRITE_ONCE(nl->count, nl->count - 1);
	put_pid(n->owner);
	put_user_ns(n->user_ns);
	n->owner = NULL;
	n->user_ns = NULL;
}

/**
 * kipc_notify_clear() - remove a file's registration, if any (on release)
 * @nl: the node's registrations
 * @n: the file's registration slot
 */
void kipc_notify_clear(struct kipc_notify_list *nl, struct kipc_notifier *n)
{
	spin_lock(&nl->lock);
	kipc_notifier_drop(nl, n);
	spin_unlock(&nl->lock);
}

/**
 * kipc_notify_flush() - the registrant closed a descriptor of the file
 * @nl: the node's registrations
 * @n: the file's registration slot
 *
 * For ->flush, which runs at every close(2) of a descriptor, in the
 * closing process: the file's registration ends if that process made it,
 * whoever else still holds the file, as mqueue_flush_file() does for
 * mq_notify.
 */
void kipc_notify_flush(struct kipc_notify_list *nl, struct kipc_notifier *n)
{
	/* Most closes are of files that never registered. */
	if (list_empty_careful(&n->link))
		return;
	spin_lock(&nl->lock);
	if (n->owner == task_tgid(current))
		kipc_notifier_drop(nl, n);
	spin_unlock(&nl->lock);
}

/**
 * kipc_notify_set() - handle KIPC_NOTIFY for one open file
 * @nl: the node's registrations
 * @n: the file's registration slot (initialised with INIT_LIST_HEAD)
 * @uarg: user pointer to struct kipc_notify
 * @typed: true on msg nodes, where a type filter is allowed
 *
 * Registers, replaces or (signo 0) removes the file's registration.
 * Replacing never fails for want of room: it does not add one.
 *
 * Return: 0, -EFAULT, -EBUSY when the node already holds max_notifiers
 * registrations, or -EINVAL for an invalid or uncatchable signal, unknown
 * flags, or a type filter on a pipe.
 */
int kipc_notify_set(struct kipc_notify_list *nl, struct kipc_notifier *n,
		    const void __user *uarg, bool typed)
{
	struct kipc_notify req;
	int ret = 0;

	BUILD_BUG_ON(sizeof(struct kipc_notify) != 32);
	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if ((req.flags & ~KIPC_NOTIFY_ONESHOT) ||
	    memchr_inv(req.reserved, 0, sizeof(req.reserved)))
		return -EINVAL;
	if (req.mtype && !typed)
		return -EINVAL;
	if (req.signo < 0 || !valid_signal(req.signo) || req.signo == SIGKILL ||
	    req.signo == SIGSTOP)
		return -EINVAL;

	spin_lock(&nl->lock);
	if (req.signo && list_empty(&n->link) && nl->count >= kipc_notify_max) {
		ret = -EBUSY;
		goto out_unlock;
	}
	kipc_notifier_drop(nl, n);
	if (req.signo) {
		n->owner = get_pid(task_tgid(current));
		n->user_ns = get_user_ns(current_user_ns());
		n->self_exec_id = current->self_exec_id;
		n->signo = req.signo;
		n->flags = req.flags;
		n->mtype = req.mtype;
		/* At the tail: the list stays in @seq order. */
		n->seq = nl->next_seq++;
		list_add_tail(&n->link, &nl->list);
		WRITE_ONCE(nl->count, nl->count + 1);
	}
out_unlock:
	spin_unlock(&nl->lock);
	return ret;
}

/* Does a message of @mtype pass the filter @want (0, > 0, < 0)? */
static bool kipc_notify_match(s64 want, s64 mtype)
{
	if (!want)
		return true;
	if (want > 0)
		return mtype == want;
	/* -S64_MIN does not exist; it means every type, as in ipc/msg.c. */
	return want == S64_MIN || mtype <= -want;
}

/*
 * The thread of @leader's group that a process-directed @sig would go to
 * (see the top of this file), or NULL if every thread is exiting. Under
 * rcu_read_lock(). The signal masks are read without the targets' locks:
 * a thread that blocks @sig just after this looks has it pending until it
 * unblocks it, as if it had blocked it just after the signal came.
 */
static struct task_struct *kipc_notify_thread(struct task_struct *leader,
					      int sig)
{
	struct task_struct *t, *fallback = NULL;

	/*
	 * for_each_thread(), spelled out: 6.12's asks lockdep about
	 * tasklist_lock, which modules cannot see.
	 */
	list_for_each_entry_rcu(t, &leader->signal->thread_head, thread_node) {
		if (READ_ONCE(t->flags) & PF_EXITING)
			continue;
		/* Unlocked read of another task's mask: see above. */
		if (!data_race(sigismember(&t->blocked, sig)))
			return t;
		if (!fallback)
			fallback = t;
	}
	return fallback;
}

/*
 * Queue @n's signal for its process, under @nl->lock: the registration's
 * own references are used, none are taken. Returns false if the
 * registrant has gone or exec'd another program (nothing is sent then).
 */
static bool kipc_notify_send(struct kipc_notify_list *nl,
			     struct kipc_notifier *n, int value)
{
	struct task_struct *leader, *task;
	struct kernel_siginfo info;
	bool alive;

	lockdep_assert_held(&nl->lock);
	clear_siginfo(&info);
	info.si_signo = n->signo;
	info.si_code = SI_MESGQ;
	info.si_value.sival_int = value;
	info.si_pid = task_tgid_nr_ns(current, ns_of_pid(n->owner));
	info.si_uid = from_kuid_munged(n->user_ns, current_uid());

	rcu_read_lock();
	leader = pid_task(n->owner, PIDTYPE_TGID);
	alive = leader && leader->self_exec_id == n->self_exec_id;
	task = alive ? kipc_notify_thread(leader, n->signo) : NULL;
	if (task) {
		send_sig_info(n->signo, &info, task);
		trace_notify_signal(nl->name, task->tgid, n->signo, value);
	}
	rcu_read_unlock();
	return alive;
}

/*
 * kipc_notify_arrival() with someone registered, out of line so that an
 * arrival nobody listens for costs a test. The lock is let go after every
 * KIPC_NOTIFY_BATCH signals, and the walk resumes after the last @seq it
 * looked at; registrations made from the arrival on are left out.
 */
static noinline void kipc_notify_arrival_slow(struct kipc_notify_list *nl,
					      s64 mtype, int value)
{
	struct kipc_notifier *n, *next;
	unsigned int sent = 0;
	u64 cursor = 0, end;

	spin_lock(&nl->lock);
	end = nl->next_seq;
again:
	list_for_each_entry_safe(n, next, &nl->list, link) {
		if (n->seq <= cursor)
			continue;
		if (n->seq >= end)
			break;
		if (sent == KIPC_NOTIFY_BATCH) {
			spin_unlock(&nl->lock);
			sent = 0;
			spin_lock(&nl->lock);
			goto again;
		}
		cursor = n->seq;
		if (!kipc_notify_match(n->mtype, mtype))
			continue;
		/* A one-shot is dropped once sent, so it fires only once. */
		if (!kipc_notify_send(nl, n, value) ||
		    (n->flags & KIPC_NOTIFY_ONESHOT))
			kipc_notifier_drop(nl, n);
		sent++;
	}
	spin_unlock(&nl->lock);
}

/**
 * kipc_notify_arrival() - signal every registration that wants an arrival
 * @nl: the node's registrations
 * @mtype: the message type, or 0 for a pipe
 * @value: si_value.sival_int: the type, or the bytes written
 *
 * Called by the sender after the data is visible to readers, without
 * locks of its own held.
 */
void kipc_notify_arrival(struct kipc_notify_list *nl, s64 mtype, int value)
{
	/*
	 * Cheap when nobody listens; a registration racing with this
	 * arrival may or may not see it, as if it came just after.
	 */
	if (!list_empty_careful(&nl->list))
		kipc_notify_arrival_slow(nl, mtype, value);
}

/**
 * kipc_notify_count() - live registrations, for /proc
 * @nl: the node's registrations
 *
 * Return: the count at the time of the call.
 */
unsigned int kipc_notify_count(struct kipc_notify_list *nl)
{
	return READ_ONCE(nl->count);
}

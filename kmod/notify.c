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
 * may register on one node, and a registration fires on every arrival
 * unless it is one-shot.
 *
 * A registration names a thread group (struct pid of the tgid), never a
 * task pointer: if the registrant has exited, or exec'd another program,
 * the signal is dropped quietly and the registration removed.
 *
 * Locking: @lock of struct kipc_notify_list guards the list, each
 * registration's fields and @count. It is a spinlock taken with interrupts
 * enabled (process context only); signals are queued under it, which is
 * allowed since send_sig_info() takes the target's siglock with irqsave.
 */

#include <linux/cred.h>
#include <linux/pid.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>

#include "internal.h"

void kipc_notify_list_init(struct kipc_notify_list *nl)
{
	spin_lock_init(&nl->lock);
	INIT_LIST_HEAD(&nl->list);
	nl->count = 0;
}

static void kipc_notifier_drop(struct kipc_notify_list *nl,
			       struct kipc_notifier *n)
{
	lockdep_assert_held(&nl->lock);
	if (list_empty(&n->link))
		return;
	list_del_init(&n->link);
	WRITE_ONCE(nl->count, nl->count - 1);
	put_pid(n->owner);
	n->owner = NULL;
	put_user_ns(n->user_ns);
	n->user_ns = NULL;
}

/**
 * kipc_notify_clear() - remove a file's registration, if any (on close)
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
 * kipc_notify_set() - handle KIPC_NOTIFY for one open file
 * @nl: the node's registrations
 * @n: the file's registration slot (initialised with INIT_LIST_HEAD)
 * @uarg: user pointer to struct kipc_notify
 * @typed: true on msg nodes, where a type filter is allowed
 *
 * Registers, replaces or (signo 0) removes the file's registration.
 *
 * Return: 0, -EFAULT, or -EINVAL for an invalid or uncatchable signal,
 * unknown flags, or a type filter on a pipe.
 */
int kipc_notify_set(struct kipc_notify_list *nl, struct kipc_notifier *n,
		    const void __user *uarg, bool typed)
{
	struct kipc_notify req;

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
	kipc_notifier_drop(nl, n);
	if (req.signo) {
		n->owner = get_pid(task_tgid(current));
		n->user_ns = get_user_ns(current_user_ns());
		n->self_exec_id = current->self_exec_id;
		n->signo = req.signo;
		n->flags = req.flags;
		n->mtype = req.mtype;
		list_add_tail(&n->link, &nl->list);
		WRITE_ONCE(nl->count, nl->count + 1);
	}
	spin_unlock(&nl->lock);
	return 0;
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

/**
 * kipc_notify_arrival() - signal every registration that wants an arrival
 * @nl: the node's registrations
 * @mtype: the message type, or 0 for a pipe
 * @value: si_value.sival_int: the type, or the bytes written
 *
 * Called by the sender after the data is visible to readers.
 */
void kipc_notify_arrival(struct kipc_notify_list *nl, s64 mtype, int value)
{
	struct kipc_notifier *n, *next;
	struct kernel_siginfo info;
	struct task_struct *task;

	/* Cheap when nobody listens; a registration racing with this
	 * arrival may or may not see it, as if it came just after.
	 */
	if (list_empty_careful(&nl->list))
		return;

	spin_lock(&nl->lock);
	list_for_each_entry_safe(n, next, &nl->list, link) {
		if (!kipc_notify_match(n->mtype, mtype))
			continue;

		clear_siginfo(&info);
		info.si_signo = n->signo;
		info.si_code = SI_MESGQ;
		info.si_value.sival_int = value;
		info.si_pid = task_tgid_nr_ns(current, ns_of_pid(n->owner));
		info.si_uid = from_kuid_munged(n->user_ns, current_uid());

		rcu_read_lock();
		task = pid_task(n->owner, PIDTYPE_TGID);
		if (task && task->self_exec_id == n->self_exec_id)
			send_sig_info(n->signo, &info, task);
		else
			task = NULL;
		rcu_read_unlock();

		/* Gone or exec'd: drop it. One-shot: it has fired. */
		if (!task || (n->flags & KIPC_NOTIFY_ONESHOT))
			kipc_notifier_drop(nl, n);
	}
	spin_unlock(&nl->lock);
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

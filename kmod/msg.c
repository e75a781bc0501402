// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/kipc/msgN: a kernel-lifetime queue of typed messages with the
 * selection rules of System V msgrcv(2).
 *
 * Index. ipc/msg.c keeps one list in arrival order and scans it for every
 * typed receive. Here every message is on a FIFO list of its own type, a
 * circular list without a separate head whose oldest message (the "head"
 * of the type) stands for the type in two red-black trees:
 *  - @types, keyed by mtype: selector > 0 is a lookup, O(log T) for T
 *    distinct types queued; selector < 0 takes the leftmost type, O(1);
 *  - @heads, keyed by a per-queue arrival number (@seq): selector 0 takes
 *    the leftmost head, O(1). With KIPC_MSG_EXCEPT the answer is the
 *    leftmost head or, if that one has the excluded type, the next one
 *    (each type has one head), so EXCEPT never walks a run of the excluded
 *    type as msgrcv does.
 * Every removal takes the head of a type (the first message of a type in
 * arrival order is its oldest), so unlinking is O(1) on the type list plus
 * O(log T) in the trees, and nothing depends on how many messages of other
 * types are queued. A message costs one allocation: its header (96 bytes)
 * and text together, charged to the sender's memory cgroup; a short one,
 * once received, is kept for the queue's next send of that size (see
 * kipc_msg_spare()).
 *
 * Selection is exactly ipc/msg.c's convert_mode() and find_msg(): selector
 * 0 (with or without EXCEPT) is the first message; < 0 (EXCEPT ignored) is
 * the oldest of the lowest type <= |selector|; > 0 the oldest of that type,
 * or with EXCEPT the first message of any other type. KIPC_MSG_PEEK copies
 * without removing and, like MSG_COPY, changes no statistic (received,
 * lrpid, rtime).
 *
 * Blocking. A receiver that finds nothing registers a struct
 * kipc_msg_receiver on @receivers, in arrival order, under @lock. A sender
 * hands its message straight to the first waiting receiver that matches
 * (pipelined send, as ipc/msg.c): the message never enters the queue, and
 * the woken receiver does not look at the queue again. This keeps the
 * invariant "no queued message matches a waiting receiver", so no wake-up
 * can be missed or stolen: every message either went to exactly one
 * receiver or sits in the queue where only new receivers can find it.
 * Receivers waiting with KIPC_MSG_PEEK are not consumers: each matching one
 * before the consumer gets a reference to the message (one behind it keeps
 * waiting: the message was never queued). A waiter whose buffer is too
 * small gets E2BIG and the search goes on, as in ipc/msg.c. The cost of a
 * send is O(waiting receivers), as in ipc/msg.c.
 * Senders blocked on a full queue wait exclusively on @wr_wait with their
 * size recorded; a wake-up carries a snapshot of the space and skips the
 * senders it cannot satisfy. Every woken sender passes the wake-up on when
 * it leaves or goes back to sleep, so the space freed by one receive reaches
 * as many senders as fit, in arrival order, and a sender that lost the
 * space to another cannot strand a smaller one behind it. As in ipc/msg.c,
 * a full queue makes a sender wait even if a receiver is waiting.
 *
 * Copies. Senders copy the text in before taking @lock. A receiver
 * unlinks the message under @lock and copies it out without it, as
 * ipc/msg.c does (a handed-off message is its receiver's already), so a
 * sender never waits for a copy. If the copy faults (EFAULT), or the
 * receiver is being killed, the message goes back to its arrival position
 * (or to the next matching waiter); ipc/msg.c would lose it. That may
 * briefly take the queue over @qbytes: the send was accepted, and space is
 * only checked when a message is sent. A receiver that took a later
 * message of the same type in that window got it first; nothing is lost or
 * duplicated. PEEK takes a reference and copies without @lock too.
 *
 * Signals. The ioctls return EINTR as msgsnd(2)/msgrcv(2) do: without a
 * timeout -ERESTARTNOHAND (a stop and continue restarts them, a handler
 * gives EINTR even with SA_RESTART); with a timeout -EINTR, as semtimedop
 * does, since a restart would start the relative timeout again. read() and
 * write() are ordinary file I/O and give -ERESTARTSYS. A receiver that was
 * handed a message keeps it even if a signal or its timeout comes too.
 *
 * Non-blocking. O_NONBLOCK on the file makes read()/write() give EAGAIN,
 * and also acts as KIPC_NOWAIT for KIPC_MSG_SEND/KIPC_MSG_RECV (which keep
 * their own errors, EAGAIN and ENOMSG): a file opened non-blocking for an
 * event loop never blocks, whichever call it uses.
 *
 * Vectors. KIPC_MSG_SENDV and KIPC_MSG_RECVV take an array of struct
 * kipc_msg and do each entry as its own ioctl would, the ones after the
 * first without waiting, so that one system call moves many messages; the
 * entries after the first go in batches under one hold of the lock (see
 * kipc_msg_ioctl_vec()).
 *
 * Access. Receiving needs a file open for reading, sending, flushing and
 * KIPC_MSG_SET_LIMITS one open for writing (EBADF otherwise, as read(2)
 * and write(2) say); KIPC_MSG_GETINFO any. /proc/kipc/msg adds two columns
 * after the required ones: rwait and swait, the receivers and senders
 * waiting. fasync: POLL_IN to O_ASYNC readers when a message is queued,
 * POLL_OUT to writers when space frees.
 *
 * Locking: @lock, a spinlock as in ipc/msg.c, guards the index, the
 * counters, the limits, the statistics and @receivers. Nothing sleeps
 * under it: senders allocate and copy in before, receivers copy out after,
 * and the consumer a send hands its message to is woken after it.
 * Messages taken or handed off are owned by their receiver. @qnum,
 * @cbytes and @qbytes are also read locklessly (READ_ONCE) by poll and by
 * blocked senders, so they are written with WRITE_ONCE; every change that
 * frees space is followed by a wake-up of @wr_wait after @lock is dropped.
 * The wait queues and fasync lists have their own locks.
 */

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/pid.h>
#include <linux/poll.h>
#include <linux/rbtree.h>
#include <linux/refcount.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "internal.h"
#include "trace.h"

/* A message is one allocation: kvmalloc() refuses more than INT_MAX. */
#define KIPC_MSG_MSGMAX_LIMIT INT_MAX
/* qbytes is only compared with byte counts; keep sums in u64 far from wrap. */
#define KIPC_MSG_QBYTES_LIMIT ((u64)S64_MAX)

/*
 * Texts up to this size move a word at a time in one user-access window
 * (checked by hardened usercopy as copy_from_user() would be): for a text
 * this short a string move's start costs more than its bytes, and under
 * TCG a string move is emulated a byte at a time. Messages up to this size
 * are also kept as spares (kipc_msg_spare()).
 */
#define KIPC_MSG_SHORT 256
/* Entries of a vector done under one hold of the queue lock. */
#define KIPC_MSG_BATCH 16
/* Received short messages a queue keeps for later sends. */
#define KIPC_MSG_SPARES 32

/* The required columns, then receivers and senders waiting. */
#define KIPC_MSG_PROC_HEADER \
	"name qnum cbytes qbytes msgmax lspid lrpid sent received notifiers rwait swait"

#define KIPC_MSG_RECV_FLAGS \
	(KIPC_NOWAIT | KIPC_MSG_EXCEPT | KIPC_MSG_NOERROR | KIPC_MSG_PEEK)

/* Selection modes, as SEARCH_* in ipc/msg.c. */
enum kipc_msg_mode {
	KIPC_MSG_SEL_ANY,
	KIPC_MSG_SEL_EQUAL,
	KIPC_MSG_SEL_NOTEQUAL,
	KIPC_MSG_SEL_LESSEQUAL,
};

/**
 * struct kipc_msg_msg - one message
 * @type_node: in &kipc_msg_queue.types while this is the head of its type
 * @seq_node: in &kipc_msg_queue.heads while this is the head of its type
 * @type_link: circular FIFO of the queued messages of this type, oldest
 *	first, no separate list head
 * @seq: arrival number, unique in the queue
 * @pid: sender's thread group (a reference)
 * @size: length of @text
 * @ref: the owner (queue or consumer) plus PEEK receivers still copying
 * @mtype: message type, >= 1; right before @text, so that the two are one
 *	struct kipc_msgbuf for read() and write()
 * @text: the message text
 *
 * The links are guarded by &kipc_msg_queue.lock while queued; everything else
 * is written before the message is published and then never changes, so
 * holders of a reference read it without the lock.
 */
struct kipc_msg_msg {
	struct rb_node type_node;
	struct rb_node seq_node;
	struct list_head type_link;
	u64 seq;
	struct pid *pid;
	u32 size;
	refcount_t ref;
	s64 mtype;
	char text[];
};

/**
 * struct kipc_msg_queue - one message queue node
 * @node: device node
 * @lock: guards every field below except the wait queues and fasync lists
 * @types: heads of the types queued, keyed by mtype (@lock)
 * @heads: the same heads keyed by arrival number (@lock)
 * @next_seq: arrival number of the next message (@lock)
 * @qnum: messages queued (@lock; lockless readers use READ_ONCE)
 * @cbytes: text bytes queued (@lock; lockless readers as @qnum)
 * @qbytes: capacity in bytes and in messages (@lock; lockless as @qnum)
 * @msgmax: largest text accepted (@lock; read once per send)
 * @lspid: last sender, or NULL (@lock)
 * @lrpid: last receiver, or NULL (@lock)
 * @stime_ns: CLOCK_REALTIME of the last send, 0 = never (@lock)
 * @rtime_ns: CLOCK_REALTIME of the last receive, 0 = never (@lock)
 * @sent: messages sent since load (@lock)
 * @received: messages received since load, PEEK excluded (@lock)
 * @receivers: receivers waiting for a message, in arrival order (@lock)
 * @nr_receivers: entries on @receivers (@lock)
 * @nr_senders: senders waiting for space (@lock)
 * @wr_wait: senders waiting for space, exclusive, woken through
 *	kipc_msg_sender_wake() with a &struct kipc_msg_space key
 * @poll_wait: poll/epoll waiters, woken with the events that happened
 * @fasync_readers: O_ASYNC files open for reading, told POLL_IN on arrival
 * @fasync_writers: O_ASYNC files open for writing, told POLL_OUT on space
 * @notify: KIPC_NOTIFY registrations, signalled on every matching arrival
 * @spare_lock: guards @spares and @nr_spares; never held with @lock
 * @nr_spares: entries of @spares in use (@spare_lock; read once unlocked)
 * @spares: received short messages kept for later sends (see
 *	kipc_msg_spare())
 */
struct kipc_msg_queue {
	struct kipc_node node;
	/* Guards everything below but the wait queues and fasync lists. */
	spinlock_t lock;
	struct rb_root_cached types;
	struct rb_root_cached heads;
	u64 next_seq;
	u64 qnum;
	u64 cbytes;
	u64 qbytes;
	u64 msgmax;
	struct pid *lspid;
	struct pid *lrpid;
	u64 stime_ns;
	u64 rtime_ns;
	u64 sent;
	u64 received;
	struct list_head receivers;
	unsigned int nr_receivers;
	unsigned int nr_senders;
	wait_queue_head_t wr_wait;
	wait_queue_head_t poll_wait;
	struct fasync_struct *fasync_readers;
	struct fasync_struct *fasync_writers;
	struct kipc_notify_list notify;
	/* Guards the spares only; taken without @lock, never inside it. */
	spinlock_t spare_lock;
	unsigned int nr_spares;
	struct kipc_msg_msg *spares[KIPC_MSG_SPARES];
};

/**
 * struct kipc_msg_file - per open file state
 * @q: the queue this file was opened on
 * @notifier: this file's KIPC_NOTIFY registration (@q->notify.lock)
 */
struct kipc_msg_file {
	struct kipc_msg_queue *q;
	struct kipc_notifier notifier;
};

static inline struct kipc_msg_queue *kipc_msg_of(struct file *file)
{
	return ((struct kipc_msg_file *)file->private_data)->q;
}

/**
 * struct kipc_msg_receiver - a receiver waiting for a message
 * @link: entry on &kipc_msg_queue.receivers (&kipc_msg_queue.lock)
 * @task: the waiting task
 * @mode: selection mode
 * @type: selection type (|selector| for KIPC_MSG_SEL_LESSEQUAL)
 * @maxsize: largest text it takes without E2BIG
 * @peek: KIPC_MSG_PEEK: takes a reference, leaves the message queued
 * @big_mtype: with ERR_PTR(-E2BIG) in @msg: the type of the message too
 *	long, for the msg_recv event (written before @msg)
 * @big_size: its size, likewise
 * @msg: NULL while waiting; then the message handed over (a reference)
 *	or ERR_PTR(-E2BIG). Set once under &kipc_msg_queue.lock with release
 *	semantics, after @link is removed; from then on the sender does not
 *	touch this record, so the receiver may read it without the lock.
 */
struct kipc_msg_receiver {
	struct list_head link;
	struct task_struct *task;
	enum kipc_msg_mode mode;
	s64 type;
	u64 maxsize;
	bool peek;
	s64 big_mtype;
	u64 big_size;
	struct kipc_msg_msg *msg;
};

/**
 * struct kipc_msg_sender - a sender waiting for space
 * @wq: entry on &kipc_msg_queue.wr_wait
 * @size: text length of its message
 */
struct kipc_msg_sender {
	struct wait_queue_entry wq;
	u64 size;
};

/**
 * struct kipc_msg_space - how full a queue is, the key of sender wake-ups
 * @qnum: messages queued
 * @cbytes: text bytes queued
 * @qbytes: capacity
 */
struct kipc_msg_space {
	u64 qnum;
	u64 cbytes;
	u64 qbytes;
};

/**
 * struct kipc_msg_snd - one send request (ioctl or write())
 * @mtype: message type (not for @framed)
 * @text: the caller's text; for @framed its struct kipc_msgbuf
 * @size: length of the text
 * @framed: write(): mtype and text are read together from @text
 * @nowait: EAGAIN instead of waiting for space
 * @expires: CLOCK_MONOTONIC deadline, or NULL to wait without one
 * @intr_err: what a signal gives
 */
struct kipc_msg_snd {
	s64 mtype;
	const void __user *text;
	u64 size;
	bool framed;
	bool nowait;
	ktime_t *expires;
	int intr_err;
};

/**
 * struct kipc_msg_rcv - one receive request (ioctl or read())
 * @mode: selection mode
 * @type: selection type
 * @cap: capacity of the caller's text buffer
 * @noerror: truncate a longer message instead of E2BIG
 * @peek: copy without removing
 * @nowait: @nomsg_err instead of waiting
 * @expires: CLOCK_MONOTONIC deadline, or NULL to wait without one
 * @intr_err: what a signal gives
 * @nomsg_err: what @nowait gives when nothing matches: -ENOMSG, as msgrcv(2),
 *	or -EAGAIN for read(), as a pipe's
 * @uarg: KIPC_MSG_RECV: the argument to update; NULL for read()
 * @buf: where the text goes: KIPC_MSG_RECV's text, or read()'s buffer
 *	(struct kipc_msgbuf framing)
 */
struct kipc_msg_rcv {
	enum kipc_msg_mode mode;
	s64 type;
	u64 cap;
	bool noerror;
	bool peek;
	bool nowait;
	ktime_t *expires;
	int intr_err;
	int nomsg_err;
	struct kipc_msg __user *uarg;
	char __user *buf;
};

static bool kipc_msg_fits(const struct kipc_msg_space *sp, u64 size)
{
	/* The System V rule: qbytes bounds both the bytes and the count. */
	return sp->cbytes + size <= sp->qbytes && sp->qnum + 1 <= sp->qbytes;
}

static void kipc_msg_space(const struct kipc_msg_queue *q,
			   struct kipc_msg_space *sp)
{
	sp->qnum = READ_ONCE(q->qnum);
	sp->cbytes = READ_ONCE(q->cbytes);
	sp->qbytes = READ_ONCE(q->qbytes);
}

static bool kipc_msg_has_room(const struct kipc_msg_queue *q, u64 size)
{
	struct kipc_msg_space sp;

	kipc_msg_space(q, &sp);
	return kipc_msg_fits(&sp, size);
}

static void kipc_msg_put(struct kipc_msg_msg *m)
{
	if (refcount_dec_and_test(&m->ref)) {
		put_pid(m->pid);
		kvfree(m);
	}
}

/*
 * Spares. A short message, once received, goes back to its queue for a
 * later send of the same allocation size, as a pipe keeps a freed page for
 * its next write (pipe->tmp_page): a steady stream then costs no slab
 * allocation, and the sender does not wait for slabs emptied on the
 * receiver's CPU. As a pipe's page, a spare stays charged to the memory
 * cgroup that allocated it. At most KIPC_MSG_SPARES per queue, freed when
 * the queue is removed (and any put back after that when it is freed); a
 * spare of another size is freed when a send finds it on top, so the pool
 * follows the sizes being sent. As with any such pool, KASAN's quarantine
 * does not see a spare: a use after free of a message would read another.
 */

/*
 * What a message of @size bytes allocates: a short one its whole slab
 * size class, so that a spare may hold any text of that class (a write
 * past what was asked for, even within the slab object, is a bug to KASAN
 * and KFENCE).
 */
static size_t kipc_msg_alloc_size(u64 size)
{
	struct kipc_msg_msg *m;

	if (size > KIPC_MSG_SHORT)
		return struct_size(m, text, size);
	return kmalloc_size_roundup(struct_size(m, text, size));
}

static bool kipc_msg_same_alloc(const struct kipc_msg_msg *m, u32 size)
{
	return kipc_msg_alloc_size(m->size) == kipc_msg_alloc_size(size);
}

/* A spare for a message of @size bytes, or NULL. */
static struct kipc_msg_msg *kipc_msg_spare(struct kipc_msg_queue *q, u32 size)
{
	struct kipc_msg_msg *m = NULL;

	if (size > KIPC_MSG_SHORT || !READ_ONCE(q->nr_spares))
		return NULL;
	spin_lock(&q->spare_lock);
	if (q->nr_spares) {
		m = q->spares[q->nr_spares - 1];
		WRITE_ONCE(q->nr_spares, q->nr_spares - 1);
	}
	spin_unlock(&q->spare_lock);
	if (m && !kipc_msg_same_alloc(m, size)) {
		kvfree(m);
		m = NULL;
	}
	return m;
}

/* Free @q's spares. */
static void kipc_msg_free_spares(struct kipc_msg_queue *q)
{
	struct kipc_msg_msg *spares[KIPC_MSG_SPARES];
	unsigned int i, nr;

	spin_lock(&q->spare_lock);
	nr = q->nr_spares;
	memcpy(spares, q->spares, nr * sizeof(*spares));
	WRITE_ONCE(q->nr_spares, 0);
	spin_unlock(&q->spare_lock);
	for (i = 0; i < nr; i++)
		kvfree(spares[i]);
}

/*
 * Drop the references of @n (at most KIPC_MSG_BATCH) messages received
 * from @q, keeping as spares those freed that are short.
 */
static void kipc_msg_put_received(struct kipc_msg_queue *q,
				  struct kipc_msg_msg **m, unsigned int n)
{
	struct kipc_msg_msg *spare[KIPC_MSG_BATCH];
	unsigned int i, nr = 0, room;

	for (i = 0; i < n; i++) {
		if (!refcount_dec_and_test(&m[i]->ref))
			continue;
		put_pid(m[i]->pid);
		if (m[i]->size <= KIPC_MSG_SHORT)
			spare[nr++] = m[i];
		else
			kvfree(m[i]);
	}
	if (!nr)
		return;
	spin_lock(&q->spare_lock);
	room = min(nr, KIPC_MSG_SPARES - q->nr_spares);
	memcpy(&q->spares[q->nr_spares], spare, room * sizeof(*spare));
	WRITE_ONCE(q->nr_spares, q->nr_spares + room);
	spin_unlock(&q->spare_lock);
	while (room < nr)
		kvfree(spare[room++]);
}

static void kipc_msg_set_pid(struct pid **slot, struct pid *pid)
{
	if (*slot != pid) {
		put_pid(*slot);
		*slot = get_pid(pid);
	}
}

static bool kipc_msg_match(enum kipc_msg_mode mode, s64 type, s64 mtype)
{
	switch (mode) {
	case KIPC_MSG_SEL_ANY:
		return true;
	case KIPC_MSG_SEL_EQUAL:
		return mtype == type;
	case KIPC_MSG_SEL_NOTEQUAL:
		return mtype != type;
	case KIPC_MSG_SEL_LESSEQUAL:
		return mtype <= type;
	}
	return false;
}

/* ipc/msg.c convert_mode(), without MSG_COPY. */
static enum kipc_msg_mode kipc_msg_mode(s64 *type, bool except)
{
	if (*type == 0)
		return KIPC_MSG_SEL_ANY;
	if (*type < 0) {
		/* -S64_MIN does not exist; every type is <= S64_MAX anyway. */
		*type = *type == S64_MIN ? S64_MAX : -*type;
		return KIPC_MSG_SEL_LESSEQUAL;
	}
	return except ? KIPC_MSG_SEL_NOTEQUAL : KIPC_MSG_SEL_EQUAL;
}

static inline struct kipc_msg_msg *kipc_msg_type_entry(struct rb_node *n)
{
	return n ? rb_entry(n, struct kipc_msg_msg, type_node) : NULL;
}

static inline struct kipc_msg_msg *kipc_msg_seq_entry(struct rb_node *n)
{
	return n ? rb_entry(n, struct kipc_msg_msg, seq_node) : NULL;
}

static int kipc_msg_type_cmp(const void *key, const struct rb_node *n)
{
	s64 type = *(const s64 *)key;
	s64 mtype = rb_entry(n, struct kipc_msg_msg, type_node)->mtype;

	return type < mtype ? -1 : type > mtype;
}

static bool kipc_msg_type_less(struct rb_node *a, const struct rb_node *b)
{
	return rb_entry(a, struct kipc_msg_msg, type_node)->mtype <
	       rb_entry(b, struct kipc_msg_msg, type_node)->mtype;
}

static bool kipc_msg_seq_less(struct rb_node *a, const struct rb_node *b)
{
	return rb_entry(a, struct kipc_msg_msg, seq_node)->seq <
	       rb_entry(b, struct kipc_msg_msg, seq_node)->seq;
}

/* The oldest message of type @type, or NULL: O(log T). */
static struct kipc_msg_msg *kipc_msg_lookup(struct kipc_msg_queue *q, s64 type)
{
	struct rb_node *n;

	n = rb_find(&type, &q->types.rb_root, kipc_msg_type_cmp);
	return kipc_msg_type_entry(n);
}

/*
 * The message a receive with @mode/@type takes, or NULL. Always the head
 * of its type. Cost: O(log T) for KIPC_MSG_SEL_EQUAL, O(1) amortised for the
 * others (rb_next() in KIPC_MSG_SEL_NOTEQUAL), T being the types queued.
 */
static struct kipc_msg_msg *kipc_msg_find(struct kipc_msg_queue *q,
					  enum kipc_msg_mode mode, s64 type)
{
	struct kipc_msg_msg *m;

	lockdep_assert_held(&q->lock);
	switch (mode) {
	case KIPC_MSG_SEL_ANY:
		return kipc_msg_seq_entry(rb_first_cached(&q->heads));
	case KIPC_MSG_SEL_EQUAL:
		return kipc_msg_lookup(q, type);
	case KIPC_MSG_SEL_NOTEQUAL:
		/* One head per type: the first or second head qualifies. */
		m = kipc_msg_seq_entry(rb_first_cached(&q->heads));
		if (m && m->mtype == type)
			m = kipc_msg_seq_entry(rb_next(&m->seq_node));
		return m;
	case KIPC_MSG_SEL_LESSEQUAL:
		m = kipc_msg_type_entry(rb_first_cached(&q->types));
		return m && m->mtype <= type ? m : NULL;
	}
	return NULL;
}

/*
 * Queue @m at its arrival position. A new message is the newest and goes
 * to the tail of its type at once; a message put back after a failed copy
 * walks back only past the messages of its type that came after it.
 */
static void kipc_msg_insert(struct kipc_msg_queue *q, struct kipc_msg_msg *m)
{
	struct kipc_msg_msg *head, *pos;

	lockdep_assert_held(&q->lock);
	head = kipc_msg_lookup(q, m->mtype);
	if (!head) {
		INIT_LIST_HEAD(&m->type_link);
		rb_add_cached(&m->type_node, &q->types, kipc_msg_type_less);
		rb_add_cached(&m->seq_node, &q->heads, kipc_msg_seq_less);
	} else {
		pos = list_last_entry(&head->type_link, struct kipc_msg_msg,
				      type_link);
		while (pos != head && pos->seq > m->seq)
			pos = list_prev_entry(pos, type_link);
		if (pos == head && head->seq > m->seq) {
			/* @m is now the oldest: it takes over from @head. */
			list_add_tail(&m->type_link, &head->type_link);
			rb_replace_node_cached(&head->type_node, &m->type_node,
					       &q->types);
			rb_erase_cached(&head->seq_node, &q->heads);
			rb_add_cached(&m->seq_node, &q->heads,
				      kipc_msg_seq_less);
		} else {
			list_add(&m->type_link, &pos->type_link);
		}
	}
	WRITE_ONCE(q->qnum, q->qnum + 1);
	WRITE_ONCE(q->cbytes, q->cbytes + m->size);
}

/* Unlink @m, the head of its type; the next of its type becomes head. */
static void kipc_msg_unlink(struct kipc_msg_queue *q, struct kipc_msg_msg *m)
{
	struct kipc_msg_msg *next;

	lockdep_assert_held(&q->lock);
	rb_erase_cached(&m->seq_node, &q->heads);
	if (list_empty(&m->type_link)) {
		rb_erase_cached(&m->type_node, &q->types);
	} else {
		next = list_next_entry(m, type_link);
		list_del(&m->type_link);
		rb_replace_node_cached(&m->type_node, &next->type_node,
				       &q->types);
		rb_add_cached(&next->seq_node, &q->heads, kipc_msg_seq_less);
	}
	WRITE_ONCE(q->qnum, q->qnum - 1);
	WRITE_ONCE(q->cbytes, q->cbytes - m->size);
}

/* Drop the reference of every message in @types, a detached type tree. */
static void kipc_msg_free_all(struct rb_root *types)
{
	struct kipc_msg_msg *head, *tmp, *m;

	rbtree_postorder_for_each_entry_safe(head, tmp, types, type_node) {
		while (!list_empty(&head->type_link)) {
			m = list_first_entry(&head->type_link,
					     struct kipc_msg_msg, type_link);
			list_del(&m->type_link);
			kipc_msg_put(m);
		}
		kipc_msg_put(head);
	}
}

/* Record a receive by @tgid (PEEK is not one). */
static void kipc_msg_count_recv(struct kipc_msg_queue *q, struct pid *tgid)
{
	lockdep_assert_held(&q->lock);
	q->received++;
	q->rtime_ns = ktime_get_coarse_real_ns();
	kipc_msg_set_pid(&q->lrpid, tgid);
}

/*
 * Hand @m (a reference, or an ERR_PTR) to waiting receiver @r and wake it.
 * Once @r->msg is set the receiver may return without @q->lock and its
 * record (on its stack) is gone, so @r is not touched after the store.
 */
static void kipc_msg_wake_receiver(struct kipc_msg_queue *q,
				   struct kipc_msg_receiver *r,
				   struct kipc_msg_msg *m,
				   struct task_struct **later)
{
	struct task_struct *task = get_task_struct(r->task);

	lockdep_assert_held(&q->lock);
	list_del(&r->link);
	q->nr_receivers--;
	/* Pairs with smp_load_acquire() in kipc_msg_wait_msg(). */
	smp_store_release(&r->msg, m);
	if (later)
		*later = task;
	else
		kipc_wake_put(task);
}

/*
 * Pipelined send: give @m to the waiting receivers it matches, in the
 * order they came. Each matching PEEK waiter gets a reference; the first
 * matching consumer takes @m itself. A waiter whose buffer is too small
 * gets E2BIG and the search goes on, as in ipc/msg.c pipelined_send().
 * Returns true if a consumer took @m (the caller's reference goes with it);
 * the consumer is then in *@later (a reference), for the caller to wake
 * with kipc_wake_put() once @q->lock is dropped, as ipc/msg.c does
 * with its wake_q: the woken task does not find the lock held.
 */
static bool kipc_msg_hand_off(struct kipc_msg_queue *q, struct kipc_msg_msg *m,
			      struct task_struct **later)
{
	struct kipc_msg_receiver *r, *tmp;

	lockdep_assert_held(&q->lock);
	list_for_each_entry_safe(r, tmp, &q->receivers, link) {
		if (!kipc_msg_match(r->mode, r->type, m->mtype))
			continue;
		if (m->size > r->maxsize) {
			r->big_mtype = m->mtype;
			r->big_size = m->size;
			kipc_msg_wake_receiver(q, r, ERR_PTR(-E2BIG), NULL);
			continue;
		}
		if (r->peek) {
			refcount_inc(&m->ref);
			kipc_msg_wake_receiver(q, r, m, NULL);
			continue;
		}
		kipc_msg_count_recv(q, task_tgid(r->task));
		kipc_msg_wake_receiver(q, r, m, later);
		return true;
	}
	return false;
}

/* Who kipc_msg_waiters() found waiting. */
#define KIPC_MSG_POLLERS 1
#define KIPC_MSG_SENDERS 2

/*
 * Under @q->lock, after a change: who may need a wake-up once the lock is
 * dropped. Pollers read the state under @q->lock after queueing themselves
 * (kipc_msg_poll()) and senders count themselves in @nr_senders under it,
 * so the lock orders each check against the change it follows and the
 * common case, nobody waiting, costs no memory barrier.
 */
static unsigned int kipc_msg_waiters(struct kipc_msg_queue *q)
{
	lockdep_assert_held(&q->lock);
	/* No barrier needed: @lock orders this against kipc_msg_poll(). */
	return (waitqueue_active(&q->poll_wait) ? KIPC_MSG_POLLERS : 0) |
	       (q->nr_senders ? KIPC_MSG_SENDERS : 0);
}

/* A message became available in the queue: tell poll and O_ASYNC readers. */
static void kipc_msg_wake_readers(struct kipc_msg_queue *q,
				  unsigned int waiters)
{
	if (waiters & KIPC_MSG_POLLERS)
		wake_up_interruptible_poll(&q->poll_wait,
					   EPOLLIN | EPOLLRDNORM);
	kill_fasync(&q->fasync_readers, SIGIO, POLL_IN);
}

/*
 * Wake function of blocked senders: a wake-up carrying the space left
 * passes over senders whose message does not fit, without counting them
 * against the one exclusive wake-up.
 */
static int kipc_msg_sender_wake(struct wait_queue_entry *wq, unsigned int mode,
				int sync, void *key)
{
	struct kipc_msg_sender *s =
		container_of(wq, struct kipc_msg_sender, wq);

	if (key && !kipc_msg_fits(key, s->size))
		return 0;
	return autoremove_wake_function(wq, mode, sync, key);
}

/* Wake the first blocked sender whose message fits now. Without @q->lock. */
static void kipc_msg_wake_senders(struct kipc_msg_queue *q)
{
	struct kipc_msg_space sp;

	kipc_msg_space(q, &sp);
	/* A zero-length message is the smallest: if it does not fit, none does. */
	if (kipc_msg_fits(&sp, 0) && wq_has_sleeper(&q->wr_wait))
		__wake_up(&q->wr_wait, TASK_INTERRUPTIBLE, 1, &sp);
}

/* Space was freed: blocked senders, poll and O_ASYNC writers. */
static void kipc_msg_space_freed(struct kipc_msg_queue *q, unsigned int waiters)
{
	if (waiters & KIPC_MSG_SENDERS)
		kipc_msg_wake_senders(q);
	if (kipc_msg_has_room(q, 1)) {
		if (waiters & KIPC_MSG_POLLERS)
			wake_up_interruptible_poll(&q->poll_wait,
						   EPOLLOUT | EPOLLWRNORM);
		kill_fasync(&q->fasync_writers, SIGIO, POLL_OUT);
	}
}

/*
 * The wait and wake events of a queue's sleepers, out of line likewise;
 * macros, so that the arguments are worked out only when the event is on.
 */
static noinline void kipc_msg_trace_wait_on(struct kipc_msg_queue *q, int op,
					    u64 arg)
{
	trace_wait(&q->node, op, arg);
}

static noinline void kipc_msg_trace_wake_on(struct kipc_msg_queue *q, int op,
					    int err)
{
	trace_wake(&q->node, op, err);
}

#define kipc_msg_trace_wait(q, op, arg)                     \
	do {                                                \
		if (trace_wait_enabled())                   \
			kipc_msg_trace_wait_on(q, op, arg); \
	} while (0)

#define kipc_msg_trace_wake(q, op, err)                     \
	do {                                                \
		if (trace_wake_enabled())                   \
			kipc_msg_trace_wake_on(q, op, err); \
	} while (0)

/* The msg_send event, out of line as kipc_msg_trace_recv()'s. */
static noinline void kipc_msg_trace_send_on(struct kipc_msg_queue *q,
					    const struct kipc_msg_snd *snd,
					    s64 mtype, int err)
{
	trace_msg_send(&q->node, mtype, snd->size, snd->nowait, err);
}

static __always_inline void kipc_msg_trace_send(struct kipc_msg_queue *q,
						const struct kipc_msg_snd *snd,
						s64 mtype, int err)
{
	if (trace_msg_send_enabled())
		kipc_msg_trace_send_on(q, snd, mtype, err);
}

/*
 * Under @q->lock: give @m to a waiting receiver it matches (left in
 * *@later to wake once the lock is dropped), else queue it. Returns true
 * if queued. @m may be freed by its receiver as soon as it is handed off.
 */
static bool kipc_msg_deliver(struct kipc_msg_queue *q, struct kipc_msg_msg *m,
			     struct task_struct **later)
{
	lockdep_assert_held(&q->lock);
	if (kipc_msg_hand_off(q, m, later))
		return false;
	kipc_msg_insert(q, m);
	return true;
}

/*
 * Under @q->lock, a send that fits: number and count @m. The msg_send
 * event comes before the hand-off: the receivers it wakes at once (PEEK,
 * E2BIG) may run before the lock is dropped, and a trace shows the send
 * first. Always inline: with its event's call gcc kept it out of line,
 * and that call per message cost 3-6% of the typed ioctl and vector rows
 * with the events off (kipc-bench.rst).
 */
static __always_inline void kipc_msg_sent(struct kipc_msg_queue *q,
					  struct kipc_msg_msg *m,
					  const struct kipc_msg_snd *snd)
{
	lockdep_assert_held(&q->lock);
	m->seq = q->next_seq++;
	q->sent++;
	q->stime_ns = ktime_get_coarse_real_ns();
	kipc_msg_set_pid(&q->lspid, m->pid);
	kipc_msg_trace_send(q, snd, m->mtype, 0);
}

/*
 * kipc_msg_deliver(), then drop the lock and wake whoever needs it: the
 * receiver it went to, KIPC_NOTIFY registrants if @snd sent it (a message
 * put back after a failed copy, @snd NULL, is no arrival), and pollers
 * and O_ASYNC readers if queued.
 */
static void kipc_msg_deliver_unlock(struct kipc_msg_queue *q,
				    struct kipc_msg_msg *m,
				    const struct kipc_msg_snd *snd)
	__releases(&q->lock)
{
	struct task_struct *later = NULL;
	s64 mtype = m->mtype;
	unsigned int waiters;
	bool queued;

	queued = kipc_msg_deliver(q, m, &later);
	waiters = kipc_msg_waiters(q);
	spin_unlock(&q->lock);
	if (later)
		kipc_wake_put(later);
	/*
	 * Signal on arrival, handed off or queued, once the message can be
	 * had: a registrant woken by the signal finds it. Not under @q->lock,
	 * which senders and receivers would spin on behind max_notifiers
	 * signals.
	 */
	if (snd)
		kipc_notify_arrival(&q->notify, mtype, (int)mtype);
	if (queued)
		kipc_msg_wake_readers(q, waiters);
}

/*
 * Sleep, in a state the caller has set, until woken or @expires passes.
 * Returns -ETIMEDOUT once the deadline has passed, else 0.
 */
static int kipc_msg_schedule(ktime_t *expires)
{
	if (!expires) {
		schedule();
		return 0;
	}
	if (!schedule_hrtimeout_range(expires, current->timer_slack_ns,
				      HRTIMER_MODE_ABS))
		return -ETIMEDOUT;
	return 0;
}

/* Deadline of a relative timeout; 0 means none. */
static ktime_t *kipc_msg_deadline(ktime_t *expires, u64 timeout_ns)
{
	ktime_t rel = ns_to_ktime(min_t(u64, timeout_ns, KTIME_MAX));

	if (!timeout_ns)
		return NULL;
	*expires = ktime_add_safe(ktime_get(), rel);
	return expires;
}

/*
 * Wait, with @q->lock held (dropped while asleep), until a message of
 * @snd->size fits. Returns 0 when it does; a signal or the timeout is an
 * error only while it still does not. Sets *@waited if it slept.
 */
static int kipc_msg_wait_space(struct kipc_msg_queue *q,
			       const struct kipc_msg_snd *snd, bool *waited)
	__must_hold(&q->lock)
{
	struct kipc_msg_sender s = { .size = snd->size };
	struct kipc_msg_space sp;
	int ret = 0;

	lockdep_assert_held(&q->lock);
	init_wait(&s.wq);
	s.wq.func = kipc_msg_sender_wake;
	for (;;) {
		if (kipc_node_removed(&q->node))
			return -EIDRM;
		kipc_msg_space(q, &sp);
		if (kipc_msg_fits(&sp, snd->size))
			return 0;
		if (ret)
			return ret;
		if (snd->nowait)
			return -EAGAIN;
		q->nr_senders++;
		spin_unlock(&q->lock);
		/*
		 * Woken, but another sender took the space first: what is
		 * left may still fit a smaller message queued behind us.
		 */
		if (*waited)
			kipc_msg_wake_senders(q);
		*waited = true;
		kipc_msg_trace_wait(q, KIPC_WAIT_SEND, snd->size);
		prepare_to_wait_exclusive(&q->wr_wait, &s.wq,
					  TASK_INTERRUPTIBLE);
		if (signal_pending(current))
			ret = snd->intr_err;
		else if (!kipc_msg_has_room(q, snd->size) &&
			 !kipc_node_removed(&q->node))
			ret = kipc_msg_schedule(snd->expires);
		finish_wait(&q->wr_wait, &s.wq);
		kipc_msg_trace_wake(q, KIPC_WAIT_SEND,
				    kipc_node_removed(&q->node) ? -EIDRM : ret);
		spin_lock(&q->lock);
		q->nr_senders--;
	}
}

/* copy_from_user() of @n bytes, a word at a time if short: 0 or -EFAULT. */
static int kipc_msg_copy_from_user(void *to, const void __user *from, u64 n)
{
	const char __user *src = from;
	char *dst = to;

	if (n > KIPC_MSG_SHORT)
		return copy_from_user(to, from, n) ? -EFAULT : 0;
	check_object_size(to, n, false);
	if (!user_read_access_begin(from, n))
		return -EFAULT;
	for (; n >= sizeof(u64);
	     n -= sizeof(u64), dst += sizeof(u64), src += sizeof(u64))
		unsafe_get_user(*(u64 *)dst, (const u64 __user *)src, efault);
	for (; n; n--, dst++, src++)
		unsafe_get_user(*dst, src, efault);
	user_read_access_end();
	return 0;
efault:
	user_read_access_end();
	return -EFAULT;
}

/* copy_to_user() of @n bytes, a word at a time if short: 0 or -EFAULT. */
static int kipc_msg_copy_to_user(void __user *to, const void *from, u64 n)
{
	if (n > KIPC_MSG_SHORT)
		return copy_to_user(to, from, n) ? -EFAULT : 0;
	check_object_size(from, n, true);
	if (!user_write_access_begin(to, n))
		return -EFAULT;
	unsafe_copy_to_user(to, from, n, efault);
	user_write_access_end();
	return 0;
efault:
	user_write_access_end();
	return -EFAULT;
}

/*
 * Copy the type and text of @snd into @m. A framed write reads both in one
 * copy; what failed is worked out only when it did, to give msgsnd(2)'s
 * answer: a bad type (EINVAL) is reported before a bad text (EFAULT).
 */
static int kipc_msg_copy_in(struct kipc_msg_msg *m,
			    const struct kipc_msg_snd *snd)
{
	const struct kipc_msgbuf __user *mb = snd->text;

	if (!snd->framed) {
		m->mtype = snd->mtype;
		return kipc_msg_copy_from_user(m->text, snd->text, snd->size);
	}
	if (kipc_msg_copy_from_user(&m->mtype, mb, sizeof(*mb) + snd->size)) {
		if (get_user(m->mtype, &mb->mtype))
			return -EFAULT;
		return m->mtype < 1 ? -EINVAL : -EFAULT;
	}
	return m->mtype < 1 ? -EINVAL : 0;
}

/*
 * The message @snd asks to send, checked, allocated and copied in, or an
 * ERR_PTR: the errors of ipc/msg.c do_msgsnd() before its wait, in its
 * order: EINVAL (size, then type), ENOMEM, EFAULT. *@mtype is the type
 * the msg_send event of a failure reports.
 */
static struct kipc_msg_msg *kipc_msg_new(struct kipc_msg_queue *q,
					 const struct kipc_msg_snd *snd,
					 s64 *mtype)
{
	struct kipc_msg_msg *m;
	int ret;

	*mtype = snd->mtype;
	if (snd->size > READ_ONCE(q->msgmax))
		return ERR_PTR(-EINVAL);
	if (!snd->framed && snd->mtype < 1)
		return ERR_PTR(-EINVAL);

	/* Large texts may need vmalloc; a failure is the caller's ENOMEM. */
	m = kipc_msg_spare(q, snd->size);
	if (!m)
		m = kvmalloc(kipc_msg_alloc_size(snd->size),
			     GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!m)
		return ERR_PTR(-ENOMEM);
	ret = kipc_msg_copy_in(m, snd);
	if (ret) {
		*mtype = m->mtype;
		kvfree(m);
		return ERR_PTR(ret);
	}
	m->size = snd->size;
	m->pid = get_pid(task_tgid(current));
	refcount_set(&m->ref, 1);
	return m;
}

/*
 * Send as @snd says: kipc_msg_new()'s errors, then the wait for space, as
 * ipc/msg.c do_msgsnd().
 */
static int kipc_msg_send(struct kipc_msg_queue *q,
			 const struct kipc_msg_snd *snd)
{
	struct kipc_msg_msg *m;
	bool waited = false;
	s64 mtype;
	int ret;

	m = kipc_msg_new(q, snd, &mtype);
	if (IS_ERR(m)) {
		kipc_msg_trace_send(q, snd, mtype, PTR_ERR(m));
		return PTR_ERR(m);
	}

	spin_lock(&q->lock);
	ret = kipc_msg_wait_space(q, snd, &waited);
	if (ret) {
		spin_unlock(&q->lock);
		kipc_msg_trace_send(q, snd, m->mtype, ret);
	} else {
		kipc_msg_sent(q, m, snd);
		/* Once handed off, @m is the receiver's: it may be freed. */
		kipc_msg_deliver_unlock(q, m, snd);
	}
	/* Pass the wake-up on: another sender may fit in what is left. */
	if (waited)
		kipc_msg_wake_senders(q);
	if (ret)
		kipc_msg_put(m);
	return ret;
}

/*
 * Copy @n bytes of @m out to the receiver and tell it what it got: for
 * KIPC_MSG_RECV the text, then mtype, size and pid in its argument; for
 * read() mtype and text in struct kipc_msgbuf framing. A short text is
 * copied a word at a time (see KIPC_MSG_SHORT).
 */
static int kipc_msg_copy_out(struct kipc_msg_rcv *rcv,
			     const struct kipc_msg_msg *m, u64 n)
{
	pid_t pid;

	/* read(): mtype and text are a struct kipc_msgbuf already. */
	if (!rcv->uarg)
		return kipc_msg_copy_to_user(rcv->buf, &m->mtype,
					     sizeof(m->mtype) + n);
	if (kipc_msg_copy_to_user(rcv->buf, m->text, n))
		return -EFAULT;
	/*
	 * Only mtype, size and pid change: three stores rather than a copy
	 * of the whole 56-byte argument.
	 */
	pid = pid_vnr(m->pid);
	if (!user_write_access_begin(rcv->uarg, sizeof(*rcv->uarg)))
		return -EFAULT;
	unsafe_put_user(m->mtype, &rcv->uarg->mtype, efault);
	unsafe_put_user(n, &rcv->uarg->size, efault);
	unsafe_put_user(pid, &rcv->uarg->pid, efault);
	user_write_access_end();
	return 0;
efault:
	user_write_access_end();
	return -EFAULT;
}

static u64 kipc_msg_copy_len(const struct kipc_msg_rcv *rcv,
			     const struct kipc_msg_msg *m)
{
	return min_t(u64, m->size, rcv->cap);
}

/*
 * Wait for a message to be handed to @r (registered on @q->receivers by
 * the caller, which then dropped @q->lock). Returns the message (a
 * reference) or an ERR_PTR: E2BIG, a timeout or a signal.
 */
static struct kipc_msg_msg *kipc_msg_wait_msg(struct kipc_msg_queue *q,
					      struct kipc_msg_receiver *r,
					      struct kipc_msg_rcv *rcv)
{
	struct kipc_msg_msg *m;
	int ret = 0;

	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (READ_ONCE(r->msg))
			break;
		if (signal_pending(current)) {
			ret = rcv->intr_err;
			break;
		}
		ret = kipc_msg_schedule(rcv->expires);
		if (ret)
			break;
	}
	__set_current_state(TASK_RUNNING);

	/* Pairs with smp_store_release() in kipc_msg_wake_receiver(). */
	m = smp_load_acquire(&r->msg);
	if (m)
		return m;

	/* Leaving: a sender may be handing us a message right now. */
	spin_lock(&q->lock);
	m = r->msg;
	if (!m) {
		list_del(&r->link);
		q->nr_receivers--;
	}
	spin_unlock(&q->lock);
	return m ?: ERR_PTR(ret);
}

/*
 * The msg_recv event: the selector and flags as the caller gave them,
 * the type and size of what it received (or found too long). Out of
 * line, and called only when the event is on: inlined at each of its six
 * call sites, this made the receive 70% larger and the typed and vector
 * receives 6-8% slower with the event off (kipc-bench.rst).
 */
static noinline void kipc_msg_trace_recv_on(struct kipc_msg_queue *q,
					    const struct kipc_msg_rcv *rcv,
					    s64 mtype, u64 size, int err)
{
	s64 selector = rcv->type;
	u32 flags = 0;

	if (rcv->mode == KIPC_MSG_SEL_ANY)
		selector = 0;
	else if (rcv->mode == KIPC_MSG_SEL_LESSEQUAL)
		selector = -rcv->type;
	else if (rcv->mode == KIPC_MSG_SEL_NOTEQUAL)
		flags |= KIPC_MSG_EXCEPT;
	if (rcv->nowait)
		flags |= KIPC_NOWAIT;
	if (rcv->noerror)
		flags |= KIPC_MSG_NOERROR;
	if (rcv->peek)
		flags |= KIPC_MSG_PEEK;
	trace_msg_recv(&q->node, selector, mtype, size, flags, err);
}

static __always_inline void kipc_msg_trace_recv(struct kipc_msg_queue *q,
						const struct kipc_msg_rcv *rcv,
						s64 mtype, u64 size, int err)
{
	if (trace_msg_recv_enabled())
		kipc_msg_trace_recv_on(q, rcv, mtype, size, err);
}

/*
 * @m, taken from the queue or handed to us, was not received after all:
 * it goes back where it was, or to the next waiter that wants it. A PEEK's
 * reference is just dropped.
 */
static void kipc_msg_put_back(struct kipc_msg_queue *q,
			      const struct kipc_msg_rcv *rcv,
			      struct kipc_msg_msg *m)
{
	if (rcv->peek) {
		kipc_msg_put(m);
		return;
	}
	spin_lock(&q->lock);
	/* lrpid and rtime keep the attempt, as msgrcv's. */
	q->received--;
	kipc_msg_deliver_unlock(q, m, NULL);
}

/*
 * A message was taken from the queue or handed to us (or, for PEEK, a
 * reference): copy it out. Returns the text length, or -EFAULT, or -EINTR
 * if we are being killed and would take the message with us; then the
 * caller puts a consumed message back where it was (or gives it to the
 * next waiter that wants it): nothing is lost.
 */
static long kipc_msg_copy_taken(struct kipc_msg_queue *q,
				struct kipc_msg_rcv *rcv,
				const struct kipc_msg_msg *m)
{
	u64 n = kipc_msg_copy_len(rcv, m);
	long ret;

	if (!rcv->peek && fatal_signal_pending(current))
		ret = -EINTR;
	else if (kipc_msg_copy_out(rcv, m, n))
		ret = -EFAULT;
	else
		ret = n;
	kipc_msg_trace_recv(q, rcv, m->mtype, n, ret < 0 ? ret : 0);
	return ret;
}

/* kipc_msg_copy_taken(), then drop @m, or put it back if that failed. */
static long kipc_msg_recv_taken(struct kipc_msg_queue *q,
				struct kipc_msg_rcv *rcv,
				struct kipc_msg_msg *m)
{
	long ret = kipc_msg_copy_taken(q, rcv, m);

	if (ret >= 0)
		kipc_msg_put_received(q, &m, 1);
	else
		kipc_msg_put_back(q, rcv, m);
	return ret;
}

/*
 * Entries @rcv[0..@n) of a batch took @m[0..@n) and were not received
 * (the first failed, the others came after it): drop the PEEK references
 * and put the messages back oldest first, so that a receiver that began
 * to wait meanwhile is handed the oldest one it wants, as if they had
 * never left the queue. A failure path: @n is at most KIPC_MSG_BATCH.
 */
static void kipc_msg_put_back_oldest_first(struct kipc_msg_queue *q,
					   const struct kipc_msg_rcv *rcv,
					   struct kipc_msg_msg **m,
					   unsigned int n)
{
	struct kipc_msg_msg **oldest;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (rcv[i].peek) {
			kipc_msg_put(m[i]);
			m[i] = NULL;
		}
	}
	for (;;) {
		oldest = NULL;
		for (i = 0; i < n; i++)
			if (m[i] && (!oldest || m[i]->seq < (*oldest)->seq))
				oldest = &m[i];
		if (!oldest)
			return;
		kipc_msg_put_back(q, &rcv[oldest - m], *oldest);
		*oldest = NULL;
	}
}

/*
 * Under @q->lock: take the first queued message @rcv selects into *@mp (a
 * reference for PEEK), or NULL if none does. Errors in the order of
 * ipc/msg.c do_msgrcv(): EIDRM, E2BIG for the first matching message if
 * too long, EINTR if we are dying (we would take the message with us);
 * then *@mp is the message concerned, still queued, or NULL for EIDRM.
 */
static int kipc_msg_take(struct kipc_msg_queue *q, struct kipc_msg_rcv *rcv,
			 struct kipc_msg_msg **mp)
{
	struct kipc_msg_msg *m;

	lockdep_assert_held(&q->lock);
	*mp = NULL;
	if (kipc_node_removed(&q->node))
		return -EIDRM;
	m = kipc_msg_find(q, rcv->mode, rcv->type);
	*mp = m;
	if (!m)
		return 0;
	if (m->size > rcv->cap && !rcv->noerror)
		return -E2BIG;
	if (!rcv->peek && fatal_signal_pending(current))
		return -EINTR;
	if (rcv->peek) {
		refcount_inc(&m->ref);
		return 0;
	}
	/*
	 * Taken now and copied without @q->lock, as a handed-off message is:
	 * the copy is the longest part of a receive, and senders need not
	 * wait for it.
	 */
	kipc_msg_unlink(q, m);
	kipc_msg_count_recv(q, task_tgid(current));
	return 0;
}

/* The msg_recv event of a kipc_msg_take() error, under @q->lock. */
static void kipc_msg_trace_take(struct kipc_msg_queue *q,
				const struct kipc_msg_rcv *rcv,
				const struct kipc_msg_msg *m, int err)
{
	kipc_msg_trace_recv(q, rcv, m ? m->mtype : 0, m ? m->size : 0, err);
}

/*
 * Receive as @rcv says: kipc_msg_take()'s errors, then @rcv->nomsg_err
 * (ENOMSG, or EAGAIN for read()) if none and not waiting, then the wait.
 * Returns the text length copied. The msg_recv event has the errno
 * returned to the caller.
 */
static long kipc_msg_recv(struct kipc_msg_queue *q, struct kipc_msg_rcv *rcv)
{
	struct kipc_msg_receiver r = {
		.task = current,
		.mode = rcv->mode,
		.type = rcv->type,
		.maxsize = rcv->noerror ? U64_MAX : rcv->cap,
		.peek = rcv->peek,
	};
	unsigned int waiters;
	struct kipc_msg_msg *m;
	long ret;

	spin_lock(&q->lock);
	ret = kipc_msg_take(q, rcv, &m);
	if (ret)
		kipc_msg_trace_take(q, rcv, m, ret);
	if (ret || m) {
		waiters = kipc_msg_waiters(q);
		spin_unlock(&q->lock);
		if (ret)
			return ret;
		if (!rcv->peek)
			kipc_msg_space_freed(q, waiters);
		return kipc_msg_recv_taken(q, rcv, m);
	}
	if (rcv->nowait) {
		spin_unlock(&q->lock);
		kipc_msg_trace_recv(q, rcv, 0, 0, rcv->nomsg_err);
		return rcv->nomsg_err;
	}
	list_add_tail(&r.link, &q->receivers);
	q->nr_receivers++;
	spin_unlock(&q->lock);

	kipc_msg_trace_wait(q, KIPC_WAIT_RECV, rcv->cap);
	m = kipc_msg_wait_msg(q, &r, rcv);
	kipc_msg_trace_wake(q, KIPC_WAIT_RECV, PTR_ERR_OR_ZERO(m));
	if (PTR_ERR(m) == -E2BIG) {
		/* As for a queued message: the one too long. */
		kipc_msg_trace_recv(q, rcv, r.big_mtype, r.big_size, -E2BIG);
		return -E2BIG;
	}
	if (IS_ERR(m)) {
		kipc_msg_trace_recv(q, rcv, 0, 0, PTR_ERR(m));
		return PTR_ERR(m);
	}
	return kipc_msg_recv_taken(q, rcv, m);
}

static bool kipc_msg_nonblock(struct file *file)
{
	return file->f_flags & O_NONBLOCK;
}

/*
 * Read a struct kipc_msg argument, a word at a time in one user-access
 * window. Every message of a vector reads one, and copy_from_user() costs
 * a call, its checks and a string move each time; the move is the most of
 * it where moves are emulated byte by byte (TCG): the 56 bytes of the
 * argument cost more than the 64-byte text itself.
 */
static int kipc_msg_get_arg(struct kipc_msg *k, const struct kipc_msg __user *u)
{
	if (!user_read_access_begin(u, sizeof(*u)))
		return -EFAULT;
	unsafe_get_user(k->mtype, &u->mtype, efault);
	unsafe_get_user(k->text, &u->text, efault);
	unsafe_get_user(k->size, &u->size, efault);
	unsafe_get_user(k->timeout_ns, &u->timeout_ns, efault);
	unsafe_get_user(k->flags, &u->flags, efault);
	unsafe_get_user(k->pid, &u->pid, efault);
	unsafe_get_user(k->reserved[0], &u->reserved[0], efault);
	unsafe_get_user(k->reserved[1], &u->reserved[1], efault);
	user_read_access_end();
	return 0;
efault:
	user_read_access_end();
	return -EFAULT;
}

/*
 * The argument of KIPC_MSG_SEND, or of an entry of KIPC_MSG_SENDV
 * (@nowait after the first), checked, as @snd; *@expires holds a deadline.
 */
static int kipc_msg_snd_arg(struct file *file, struct kipc_msg __user *uarg,
			    bool nowait, struct kipc_msg_snd *snd,
			    ktime_t *expires)
{
	struct kipc_msg k;

	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	if (kipc_msg_get_arg(&k, uarg))
		return -EFAULT;
	/* Not memchr_inv(): two words, on every message. */
	if ((k.flags & ~KIPC_NOWAIT) || k.pid ||
	    (k.reserved[0] | k.reserved[1]))
		return -EINVAL;
	*snd = (struct kipc_msg_snd){
		.mtype = k.mtype,
		.text = u64_to_user_ptr(k.text),
		.size = k.size,
		.nowait = nowait || (k.flags & KIPC_NOWAIT) ||
			  kipc_msg_nonblock(file),
	};
	if (!snd->nowait)
		snd->expires = kipc_msg_deadline(expires, k.timeout_ns);
	snd->intr_err = snd->expires ? -EINTR : -ERESTARTNOHAND;
	return 0;
}

/* KIPC_MSG_SEND, and the first entry of KIPC_MSG_SENDV. */
static long kipc_msg_ioctl_send(struct kipc_msg_queue *q, struct file *file,
				struct kipc_msg __user *uarg)
{
	struct kipc_msg_snd snd;
	ktime_t expires;
	int ret;

	ret = kipc_msg_snd_arg(file, uarg, false, &snd, &expires);
	return ret ?: kipc_msg_send(q, &snd);
}

/*
 * The argument of KIPC_MSG_RECV, or of an entry of KIPC_MSG_RECVV
 * (@nowait after the first), checked, as @rcv; *@expires holds a deadline.
 */
static int kipc_msg_rcv_arg(struct file *file, struct kipc_msg __user *uarg,
			    bool nowait, struct kipc_msg_rcv *rcv,
			    ktime_t *expires)
{
	struct kipc_msg k;

	if (!(file->f_mode & FMODE_READ))
		return -EBADF;
	if (kipc_msg_get_arg(&k, uarg))
		return -EFAULT;
	/* msgrcv(2) takes a signed size: a negative one is EINVAL there. */
	if ((k.flags & ~KIPC_MSG_RECV_FLAGS) || k.size > S64_MAX ||
	    (k.reserved[0] | k.reserved[1]))
		return -EINVAL;
	rcv->uarg = uarg;
	rcv->buf = u64_to_user_ptr(k.text);
	rcv->nomsg_err = -ENOMSG;
	rcv->type = k.mtype;
	rcv->mode = kipc_msg_mode(&rcv->type, k.flags & KIPC_MSG_EXCEPT);
	rcv->cap = k.size;
	rcv->noerror = k.flags & KIPC_MSG_NOERROR;
	rcv->peek = k.flags & KIPC_MSG_PEEK;
	rcv->nowait = nowait || (k.flags & KIPC_NOWAIT) ||
		      kipc_msg_nonblock(file);
	rcv->expires = NULL;
	if (!rcv->nowait)
		rcv->expires = kipc_msg_deadline(expires, k.timeout_ns);
	rcv->intr_err = rcv->expires ? -EINTR : -ERESTARTNOHAND;
	return 0;
}

/* KIPC_MSG_RECV, and the first entry of KIPC_MSG_RECVV. */
static long kipc_msg_ioctl_recv(struct kipc_msg_queue *q, struct file *file,
				struct kipc_msg __user *uarg)
{
	struct kipc_msg_rcv rcv;
	ktime_t expires;
	long ret;

	ret = kipc_msg_rcv_arg(file, uarg, false, &rcv, &expires);
	if (!ret)
		ret = kipc_msg_recv(q, &rcv);
	return ret < 0 ? ret : 0;
}

/*
 * Up to KIPC_MSG_BATCH entries of a KIPC_MSG_SENDV after its first, which
 * do not wait. Each is checked, allocated and copied in as kipc_msg_send()
 * does; then those that fit are sent in order under one hold of @q->lock,
 * and the receivers they went to are woken. Returns the entries sent;
 * *@stop says an entry failed: it was not sent, and its event comes after
 * those of the entries sent before it, as one ioctl after another would
 * have them.
 */
static unsigned int kipc_msg_send_batch(struct kipc_msg_queue *q,
					struct file *file,
					struct kipc_msg __user *msgs,
					unsigned int n, bool *stop)
{
	struct task_struct *later[KIPC_MSG_BATCH] = { NULL };
	struct kipc_msg_msg *m[KIPC_MSG_BATCH];
	struct kipc_msg_snd snd[KIPC_MSG_BATCH];
	unsigned int i, nr, sent, queued = 0, waiters;
	int ret = 0, new_err = 0, arg_err = 0;
	ktime_t unused_expires;
	bool waited = false;
	s64 new_mtype = 0;
	u64 bytes = 0;

	for (nr = 0; nr < n; nr++) {
		arg_err = kipc_msg_snd_arg(file, &msgs[nr], true, &snd[nr],
					   &unused_expires);
		if (arg_err)
			break;
		/*
		 * No more text at once than the queue can hold: what is past
		 * that would not fit now, and waits for the next batch rather
		 * than being allocated for nothing.
		 */
		if (nr && bytes + snd[nr].size > READ_ONCE(q->qbytes))
			break;
		bytes += snd[nr].size;
		m[nr] = kipc_msg_new(q, &snd[nr], &new_mtype);
		if (IS_ERR(m[nr])) {
			new_err = PTR_ERR(m[nr]);
			break;
		}
	}

	spin_lock(&q->lock);
	for (sent = 0; sent < nr; sent++) {
		/* Entries after the first do not wait: the lock stays held. */
		ret = kipc_msg_wait_space(q, &snd[sent], &waited);
		if (ret)
			break;
		kipc_msg_sent(q, m[sent], &snd[sent]);
		queued += kipc_msg_deliver(q, m[sent], &later[sent]);
	}
	waiters = kipc_msg_waiters(q);
	spin_unlock(&q->lock);

	for (i = 0; i < sent; i++) {
		if (later[i])
			kipc_wake_put(later[i]);
		/* @m[i] may be freed by now; its type is @snd[i]'s. */
		kipc_notify_arrival(&q->notify, snd[i].mtype,
				    (int)snd[i].mtype);
	}
	/* As many O_ASYNC signals as arrivals queued, as one by one. */
	for (i = 0; i < queued; i++)
		kipc_msg_wake_readers(q, waiters);

	/* A bad argument has no event, as for KIPC_MSG_SEND. */
	if (ret)
		kipc_msg_trace_send(q, &snd[sent], snd[sent].mtype, ret);
	else if (new_err)
		kipc_msg_trace_send(q, &snd[nr], new_mtype, new_err);
	for (i = sent; i < nr; i++)
		kipc_msg_put(m[i]);
	*stop = ret || new_err || arg_err;
	return sent;
}

/*
 * Up to KIPC_MSG_BATCH entries of a KIPC_MSG_RECVV after its first, which
 * do not wait: the messages are taken in order under one hold of @q->lock,
 * as one kipc_msg_take() after another would take them, then copied out
 * without it. If a copy fails, that message and those taken after it go
 * back, received by no one (until then they were out of the queue, as any
 * message being copied out is). Returns the entries done; *@stop says an
 * entry failed, its event after those of the entries before it.
 */
static unsigned int kipc_msg_recv_batch(struct kipc_msg_queue *q,
					struct file *file,
					struct kipc_msg __user *msgs,
					unsigned int n, bool *stop)
{
	struct kipc_msg_rcv rcv[KIPC_MSG_BATCH];
	struct kipc_msg_msg *m[KIPC_MSG_BATCH];
	unsigned int i, nr, taken, consumed = 0, waiters;
	int ret = 0, arg_err = 0;
	ktime_t unused_expires;
	s64 err_mtype = 0;
	u64 err_size = 0;

	for (nr = 0; nr < n; nr++) {
		arg_err = kipc_msg_rcv_arg(file, &msgs[nr], true, &rcv[nr],
					   &unused_expires);
		if (arg_err)
			break;
	}

	spin_lock(&q->lock);
	for (taken = 0; taken < nr; taken++) {
		ret = kipc_msg_take(q, &rcv[taken], &m[taken]);
		if (!ret && !m[taken])
			ret = rcv[taken].nomsg_err;
		if (ret) {
			/* Noted for the event; not ours, gone once unlocked. */
			err_mtype = m[taken] ? m[taken]->mtype : 0;
			err_size = m[taken] ? m[taken]->size : 0;
			break;
		}
		consumed += !rcv[taken].peek;
	}
	waiters = kipc_msg_waiters(q);
	spin_unlock(&q->lock);
	/* Blocked senders, pollers and O_ASYNC writers, as one by one. */
	for (i = 0; i < consumed; i++)
		kipc_msg_space_freed(q, waiters);

	for (i = 0; i < taken; i++) {
		if (kipc_msg_copy_taken(q, &rcv[i], m[i]) < 0) {
			kipc_msg_put_back_oldest_first(q, rcv + i, m + i,
						       taken - i);
			break;
		}
	}
	kipc_msg_put_received(q, m, i);
	if (i < taken) {
		*stop = true;
		return i;
	}
	if (ret)
		kipc_msg_trace_recv(q, &rcv[taken], err_mtype, err_size, ret);
	*stop = ret || arg_err;
	return taken;
}

/*
 * KIPC_MSG_SENDV and KIPC_MSG_RECVV: the first entry as its own ioctl,
 * the only one that may wait, as recvmmsg(2) with MSG_WAITFORONE; the
 * rest in batches under one hold of the queue lock each, with the checks,
 * errors, order and put-back on a failed copy of one ioctl after another.
 * What a vector saves is the system call, the VFS and LSM ioctl path and
 * most lock round trips per message (see
 * Documentation/userspace-api/kipc-bench.rst). An entry that fails after
 * the first ends the call with the count done: its message was not sent
 * or is still queued, so the next call reports it.
 */
static long kipc_msg_ioctl_vec(struct kipc_msg_queue *q, struct file *file,
			       const struct kipc_msg_vec __user *uvec,
			       bool send)
{
	struct kipc_msg __user *msgs;
	struct kipc_msg_vec vec;
	bool stop = false;
	unsigned int n;
	long ret;
	u32 i;

	if (copy_from_user(&vec, uvec, sizeof(vec)))
		return -EFAULT;
	if (!vec.count || vec.count > KIPC_MSG_VEC_MAX || vec.flags ||
	    memchr_inv(vec.reserved, 0, sizeof(vec.reserved)))
		return -EINVAL;
	msgs = u64_to_user_ptr(vec.msgs);
	ret = send ? kipc_msg_ioctl_send(q, file, msgs) :
		     kipc_msg_ioctl_recv(q, file, msgs);
	if (ret)
		return ret;
	for (i = 1; i < vec.count && !stop; i += n) {
		cond_resched();
		n = min_t(u32, vec.count - i, KIPC_MSG_BATCH);
		n = send ? kipc_msg_send_batch(q, file, msgs + i, n, &stop) :
			   kipc_msg_recv_batch(q, file, msgs + i, n, &stop);
	}
	return i;
}

static long kipc_msg_getinfo(struct kipc_msg_queue *q,
			     struct kipc_msg_info __user *uarg)
{
	struct kipc_msg_info info;

	if (kipc_node_removed(&q->node))
		return -EIDRM;
	spin_lock(&q->lock);
	info = (struct kipc_msg_info){
		.qnum = q->qnum,
		.cbytes = q->cbytes,
		.qbytes = q->qbytes,
		.msgmax = q->msgmax,
		.lspid = pid_vnr(q->lspid),
		.lrpid = pid_vnr(q->lrpid),
		.stime_ns = q->stime_ns,
		.rtime_ns = q->rtime_ns,
		.sent = q->sent,
		.received = q->received,
	};
	spin_unlock(&q->lock);
	return copy_to_user(uarg, &info, sizeof(info)) ? -EFAULT : 0;
}

/*
 * New limits. As IPC_SET on msg_qbytes: only the queue's creator or owner,
 * or CAP_SYS_ADMIN, may set them (else a writer could stall every sender
 * with qbytes 1), and going above the module default (not above the
 * current value) needs CAP_SYS_RESOURCE. Lowering them below what is
 * queued drops nothing; senders wait until it fits.
 */
static long kipc_msg_set_limits(struct kipc_msg_queue *q, struct file *file,
				struct kipc_msg_limits __user *uarg)
{
	struct kipc_msg_limits lim;
	unsigned int waiters;

	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	if (copy_from_user(&lim, uarg, sizeof(lim)))
		return -EFAULT;
	if (!lim.qbytes || lim.qbytes > KIPC_MSG_QBYTES_LIMIT || !lim.msgmax ||
	    lim.msgmax > KIPC_MSG_MSGMAX_LIMIT ||
	    memchr_inv(lim.reserved, 0, sizeof(lim.reserved)))
		return -EINVAL;
	if (kipc_node_removed(&q->node))
		return -EIDRM;
	if (!kipc_object_may_admin(&q->node))
		return -EPERM;
	if ((lim.qbytes > kipc_param_msgmnb ||
	     lim.msgmax > kipc_param_msgmax) &&
	    !capable(CAP_SYS_RESOURCE))
		return -EPERM;

	spin_lock(&q->lock);
	WRITE_ONCE(q->qbytes, lim.qbytes);
	WRITE_ONCE(q->msgmax, lim.msgmax);
	waiters = kipc_msg_waiters(q);
	spin_unlock(&q->lock);
	kipc_msg_space_freed(q, waiters);
	return 0;
}

/* Drop every queued message. Waiting receivers keep waiting. */
static long kipc_msg_flush(struct kipc_msg_queue *q, struct file *file)
{
	struct rb_root_cached types;
	unsigned int waiters;

	if (!(file->f_mode & FMODE_WRITE)) {
		trace_msg_flush(&q->node, 0, 0, -EBADF);
		return -EBADF;
	}
	if (kipc_node_removed(&q->node)) {
		trace_msg_flush(&q->node, 0, 0, -EIDRM);
		return -EIDRM;
	}

	spin_lock(&q->lock);
	trace_msg_flush(&q->node, q->qnum, q->cbytes, 0);
	types = q->types;
	q->types = RB_ROOT_CACHED;
	q->heads = RB_ROOT_CACHED;
	WRITE_ONCE(q->qnum, 0);
	WRITE_ONCE(q->cbytes, 0);
	waiters = kipc_msg_waiters(q);
	spin_unlock(&q->lock);

	/* Free outside the lock: there may be many. */
	kipc_msg_free_all(&types.rb_root);
	kipc_msg_space_freed(q, waiters);
	return 0;
}

static long kipc_msg_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	struct kipc_msg_file *mf = file->private_data;
	struct kipc_msg_queue *q = mf->q;
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case KIPC_MSG_SEND:
		return kipc_msg_ioctl_send(q, file, argp);
	case KIPC_MSG_RECV:
		return kipc_msg_ioctl_recv(q, file, argp);
	case KIPC_MSG_SENDV:
		return kipc_msg_ioctl_vec(q, file, argp, true);
	case KIPC_MSG_RECVV:
		return kipc_msg_ioctl_vec(q, file, argp, false);
	case KIPC_MSG_GETINFO:
		return kipc_msg_getinfo(q, argp);
	case KIPC_MSG_SET_LIMITS:
		return kipc_msg_set_limits(q, file, argp);
	case KIPC_MSG_FLUSH:
		return kipc_msg_flush(q, file);
	case KIPC_NOTIFY:
		if (kipc_node_removed(&q->node))
			return -EIDRM;
		return kipc_notify_set(&q->notify, &mf->notifier, argp, true);
	default:
		return -ENOTTY;
	}
}

/* write(fd, struct kipc_msgbuf, 8 + len): send len bytes; returns count. */
static ssize_t kipc_msg_write(struct file *file, const char __user *buf,
			      size_t count, loff_t *ppos)
{
	struct kipc_msg_queue *q = kipc_msg_of(file);
	struct kipc_msgbuf __user *mb = (struct kipc_msgbuf __user *)buf;
	struct kipc_msg_snd snd = {
		.text = mb,
		.framed = true,
		.nowait = kipc_msg_nonblock(file),
		.intr_err = -ERESTARTSYS,
	};
	s64 mtype;
	int ret;

	if (count < sizeof(*mb))
		return -EINVAL;
	snd.size = count - sizeof(*mb);
	/* msgsnd(2) reads mtype first: a bad buffer is EFAULT before EINVAL. */
	if (snd.size > READ_ONCE(q->msgmax) &&
	    copy_from_user(&mtype, &mb->mtype, sizeof(mtype)))
		return -EFAULT;
	ret = kipc_msg_send(q, &snd);
	return ret ?: count;
}

/* read(fd, buf, cap): the first message, as struct kipc_msgbuf; 8 + len. */
static ssize_t kipc_msg_read(struct file *file, char __user *buf, size_t count,
			     loff_t *ppos)
{
	struct kipc_msg_queue *q = kipc_msg_of(file);
	struct kipc_msg_rcv rcv = {
		.mode = KIPC_MSG_SEL_ANY,
		.nowait = kipc_msg_nonblock(file),
		.intr_err = -ERESTARTSYS,
		.nomsg_err = -EAGAIN,
		.buf = buf,
	};
	long ret;

	if (count < sizeof(struct kipc_msgbuf))
		return -EINVAL;
	rcv.cap = count - sizeof(struct kipc_msgbuf);
	ret = kipc_msg_recv(q, &rcv);
	return ret < 0 ? ret : ret + sizeof(struct kipc_msgbuf);
}

static __poll_t kipc_msg_poll(struct file *file, poll_table *wait)
{
	struct kipc_msg_queue *q = kipc_msg_of(file);
	__poll_t mask = 0;

	poll_wait(file, &q->poll_wait, wait);
	/* Removed: every operation fails with EIDRM, poll says so. */
	if (kipc_node_removed(&q->node))
		return EPOLLERR | EPOLLHUP;
	/* Read under @lock, after queueing: see kipc_msg_waiters(). */
	spin_lock(&q->lock);
	if ((file->f_mode & FMODE_READ) && q->qnum)
		mask |= EPOLLIN | EPOLLRDNORM;
	if ((file->f_mode & FMODE_WRITE) && kipc_msg_has_room(q, 1))
		mask |= EPOLLOUT | EPOLLWRNORM;
	spin_unlock(&q->lock);
	return mask;
}

static int kipc_msg_fasync(int fd, struct file *file, int on)
{
	struct kipc_msg_queue *q = kipc_msg_of(file);
	int ret = 0;

	/* fasync_helper() locks for itself, and allocates: not under @lock. */
	if (file->f_mode & FMODE_READ)
		ret = fasync_helper(fd, file, on, &q->fasync_readers);
	if ((file->f_mode & FMODE_WRITE) && ret >= 0) {
		ret = fasync_helper(fd, file, on, &q->fasync_writers);
		if (ret < 0 && (file->f_mode & FMODE_READ))
			fasync_helper(-1, file, 0, &q->fasync_readers);
	}
	return ret < 0 ? ret : 0;
}

/* Set up @file on @node: the node's open(2), or an anonymous file. */
static int kipc_msg_attach(struct kipc_node *node, struct file *file)
{
	struct kipc_msg_file *mf = kzalloc(sizeof(*mf), GFP_KERNEL_ACCOUNT);

	if (!mf)
		return -ENOMEM;
	mf->q = container_of(node, struct kipc_msg_queue, node);
	INIT_LIST_HEAD(&mf->notifier.link);
	file->private_data = mf;
	return stream_open(file_inode(file), file);
}

static int kipc_msg_open(struct inode *inode, struct file *file)
{
	struct kipc_node *node = kipc_inode_node(inode);
	int ret;

	ret = kipc_object_open(node, file);
	if (ret)
		return ret;
	ret = kipc_msg_attach(node, file);
	if (ret)
		kipc_object_release(node);
	return ret;
}

/* close(2) of a descriptor: the closer's KIPC_NOTIFY registration ends. */
static int kipc_msg_file_flush(struct file *file, fl_owner_t id)
{
	struct kipc_msg_file *mf = file->private_data;

	/* As in release: an anonymous file whose attach failed has none. */
	if (mf)
		kipc_notify_flush(&mf->q->notify, &mf->notifier);
	return 0;
}

/*
 * fasync entries went in __fput() before this; only the notifier is left.
 * A file never set up (an anonymous one whose attach failed) has nothing.
 */
static int kipc_msg_release(struct inode *inode, struct file *file)
{
	struct kipc_msg_file *mf = file->private_data;

	if (!mf)
		return 0;
	kipc_notify_clear(&mf->q->notify, &mf->notifier);
	kipc_object_release(&mf->q->node);
	kfree(mf);
	return 0;
}

static const struct file_operations kipc_msg_fops = {
	.owner = THIS_MODULE,
	.open = kipc_msg_open,
	.flush = kipc_msg_file_flush,
	.release = kipc_msg_release,
	.read = kipc_msg_read,
	.write = kipc_msg_write,
	.poll = kipc_msg_poll,
	.fasync = kipc_msg_fasync,
	.unlocked_ioctl = kipc_msg_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static int kipc_msg_check_params(void)
{
	/* The uapi structs have no holes and a fixed layout. */
	BUILD_BUG_ON(sizeof(struct kipc_msgbuf) != 8);
	BUILD_BUG_ON(sizeof(struct kipc_msg) != 56);
	BUILD_BUG_ON(sizeof(struct kipc_msg_info) != 104);
	BUILD_BUG_ON(sizeof(struct kipc_msg_limits) != 32);
	BUILD_BUG_ON(sizeof(struct kipc_msg_vec) != 32);

	if (kipc_param_msgmax < 1 ||
	    kipc_param_msgmax > KIPC_MSG_MSGMAX_LIMIT) {
		pr_err("msgmax=%u is out of range 1..%d\n", kipc_param_msgmax,
		       KIPC_MSG_MSGMAX_LIMIT);
		return -EINVAL;
	}
	if (kipc_param_msgmnb < 1 || kipc_param_msgmnb > INT_MAX) {
		pr_err("msgmnb=%u is out of range 1..%d\n", kipc_param_msgmnb,
		       INT_MAX);
		return -EINVAL;
	}
	return 0;
}

/*
 * A queue of capacity @qbytes (@dflt: msgmnb), under KIPC_MSG_SET_LIMITS's
 * rules: past the module default needs CAP_SYS_RESOURCE.
 */
static struct kipc_node *kipc_msg_alloc(const char *name, u64 qbytes, bool dflt)
{
	struct kipc_msg_queue *q;

	if (dflt)
		qbytes = kipc_param_msgmnb;
	if (!qbytes || qbytes > KIPC_MSG_QBYTES_LIMIT)
		return ERR_PTR(-EINVAL);
	if (qbytes > kipc_param_msgmnb && !capable(CAP_SYS_RESOURCE))
		return ERR_PTR(-EPERM);
	q = kzalloc(sizeof(*q), GFP_KERNEL_ACCOUNT);
	if (!q)
		return ERR_PTR(-ENOMEM);
	spin_lock_init(&q->lock);
	spin_lock_init(&q->spare_lock);
	q->types = RB_ROOT_CACHED;
	q->heads = RB_ROOT_CACHED;
	q->qbytes = qbytes;
	q->msgmax = kipc_param_msgmax;
	INIT_LIST_HEAD(&q->receivers);
	init_waitqueue_head(&q->wr_wait);
	init_waitqueue_head(&q->poll_wait);
	kipc_notify_list_init(&q->notify, q->node.name);
	return &q->node;
}

/*
 * KIPC_CTL_REMOVE, as IPC_RMID (ipc/msg.c freeque()): the messages go, and
 * blocked receivers and senders wake with EIDRM, as does every later
 * operation on an open file (they check @removed, set before this runs).
 */
static void kipc_msg_remove(struct kipc_node *node)
{
	struct kipc_msg_queue *q =
		container_of(node, struct kipc_msg_queue, node);
	struct kipc_msg_receiver *r, *tmp;
	struct rb_root_cached types;

	spin_lock(&q->lock);
	list_for_each_entry_safe(r, tmp, &q->receivers, link)
		kipc_msg_wake_receiver(q, r, ERR_PTR(-EIDRM), NULL);
	types = q->types;
	q->types = RB_ROOT_CACHED;
	q->heads = RB_ROOT_CACHED;
	WRITE_ONCE(q->qnum, 0);
	WRITE_ONCE(q->cbytes, 0);
	spin_unlock(&q->lock);

	kipc_msg_free_all(&types.rb_root);
	kipc_msg_free_spares(q);
	/* Every sender: each sees @removed and leaves. */
	wake_up_all(&q->wr_wait);
	wake_up_interruptible_poll(&q->poll_wait, EPOLLERR | EPOLLHUP);
}

/* The last file is closed: nobody waits and nothing is handed off. */
static void kipc_msg_free(struct kipc_node *node)
{
	struct kipc_msg_queue *q =
		container_of(node, struct kipc_msg_queue, node);

	kipc_msg_free_all(&q->types.rb_root);
	kipc_msg_free_spares(q);
	put_pid(q->lspid);
	put_pid(q->lrpid);
	kfree(q);
}

static void kipc_msg_proc_show(struct seq_file *m, struct kipc_node *node)
{
	struct kipc_msg_queue *q =
		container_of(node, struct kipc_msg_queue, node);

	spin_lock(&q->lock);
	seq_printf(m, "%s %llu %llu %llu %llu %d %d %llu %llu %u %u %u",
		   node->name, q->qnum, q->cbytes, q->qbytes, q->msgmax,
		   pid_vnr(q->lspid), pid_vnr(q->lrpid), q->sent, q->received,
		   kipc_notify_count(&q->notify), q->nr_receivers,
		   q->nr_senders);
	spin_unlock(&q->lock);
}

const struct kipc_kind_ops kipc_msg_kind = {
	.name = "msg",
	.type = KIPC_KIND_MSG,
	.proc_header = KIPC_MSG_PROC_HEADER,
	.fops = &kipc_msg_fops,
	.check_params = kipc_msg_check_params,
	.alloc = kipc_msg_alloc,
	.free = kipc_msg_free,
	.open = kipc_msg_attach,
	.remove = kipc_msg_remove,
	.proc_show = kipc_msg_proc_show,
};

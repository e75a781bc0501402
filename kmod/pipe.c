// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/kipc/pipeN: a named pipe that behaves like a FIFO made by mkfifo(1).
 *
 * The buffer is a byte ring of @size bytes (a power of two, at least a page)
 * over an array of pages. @head and @tail count bytes ever written and read;
 * they run freely and wrap, so used = head - tail, and a position is masked
 * only when it is dereferenced. Pages are allocated the first time a write
 * reaches them and kept until the last file closes or the ring shrinks:
 * streaming through a pipe allocates nothing after the first lap, and an
 * unused large pipe costs only its page-pointer array.
 *
 * Unlike fs/pipe.c, which accounts space in whole pages (slots), the ring
 * accounts bytes, so a write of up to PIPE_BUF bytes needs exactly that much
 * room. Blocked writers therefore have different needs; they wait on
 * @wr_wait with their need recorded, and a wake-up carries the room
 * available so that only a writer that can proceed is chosen.
 *
 * Splice and sendfile go through read_iter and write_iter: a kipc pipe is a
 * file to them, not a pipe (splice_read copies into the other pipe's
 * pages, splice_write is iter_file_splice_write()). So SPLICE_F_NONBLOCK
 * governs only the other pipe, the kipc end waits unless it is O_NONBLOCK,
 * tee(2), which needs a pipe at both ends, gives EINVAL, and sendfile from
 * a kipc pipe works only into a pipe (elsewhere the kernel wants a source
 * it can seek), as for a FIFO.
 *
 * Locking: three mutexes. @rd_lock serialises readers and @wr_lock
 * writers; each side copies to or from user space under its own lock
 * only, so a reader drains the ring while a writer fills it, on two CPUs
 * at once (fs/pipe.c copies both ways under one mutex). @lock guards the
 * open counts and the fasync lists. A change to the ring itself takes
 * both side locks, @rd_lock first: a resize never waits for one while it
 * holds the other, and the discard at the last close (under @lock, when
 * no I/O can run) does not wait at all. The sides meet only at @head and @tail: the writer fills
 * bytes past @head and then publishes them with a release store of
 * @head, and the reader loads @head with acquire before it copies them;
 * the reader releases @tail once its copy has read the bytes, and the
 * writer loads @tail with acquire before it overwrites them. A write of
 * up to PIPE_BUF bytes is copied whole under @wr_lock and published at
 * once, which keeps it atomic; a longer one is published page by page,
 * so its reader can start on the first page before the last is copied.
 * Either lock may be held for as long as a copy takes, which a user can
 * make forever (a userfaultfd or FUSE-backed buffer); that stalls the
 * other readers, or the other writers, of the file, never the other side
 * or anything else. Waiters, poll, FIONREAD and /proc/kipc/pipe read
 * lockless snapshots (READ_ONCE) of the fields they need, which are
 * written with WRITE_ONCE or a release store. Waiters sleep without
 * their lock; every change to head, tail, size, readers or writers is
 * followed by a wake-up of the queue that cares. Wake-ups are passed on:
 * a reader that leaves data behind wakes the next reader, a writer that
 * leaves room wakes the next writer.
 */

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/termios.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <linux/wait.h>

#include "internal.h"
#include "trace.h"

/* Largest ring even with CAP_SYS_RESOURCE, as for F_SETPIPE_SZ. */
#define KIPC_PIPE_SIZE_LIMIT BIT(31)

/**
 * struct kipc_pipe - one pipe node
 * @node: device node
 * @lock: the open counts and fasync lists
 * @rd_lock: serialises readers: @tail, @bytes_out, and reading the ring
 * @wr_lock: serialises writers: @head, @bytes_in, @high_water, and
 *	filling the ring (allocating its pages on first use)
 * @pages: @size >> PAGE_SHIFT ring pages, NULL until first written
 *	(slots past @head: @wr_lock; the array and all slots: both side
 *	locks)
 * @size: ring capacity in bytes, a power of two >= PAGE_SIZE (both side
 *	locks; read locklessly by waiters, poll, FIONREAD and /proc)
 * @head: bytes ever written, free-running; never goes back, even when the
 *	data is discarded (@wr_lock, stored with release: the bytes before
 *	it are in the ring; read with acquire by the reader, READ_ONCE by
 *	lockless readers)
 * @tail: bytes ever read, free-running, never past @head (@rd_lock, stored
 *	with release once the bytes before it are read; read with acquire
 *	by the writer, READ_ONCE by lockless readers)
 * @readers: open files that can read (@lock; lockless in the I/O paths)
 * @writers: open files that can write (@lock, stored with release, so a
 *	reader that sees the last writer gone sees its last bytes too)
 * @r_counter: reader opens ever, lets a blocked writer open see a reader
 *	come and go (@lock; lockless in the open wait)
 * @w_counter: writer opens ever (@lock; lockless in poll and the open wait)
 * @bytes_in: bytes written since load (@wr_lock; lockless in /proc)
 * @bytes_out: bytes read since load (@rd_lock; lockless in /proc)
 * @high_water: most bytes ever buffered at once (@wr_lock; lockless in
 *	/proc)
 * @rd_waiting: tasks blocked in read() now (atomic; /proc's rwait)
 * @wr_waiting: tasks blocked in write() now (atomic; /proc's wwait)
 * @rd_wait: readers blocked in read(), exclusive
 * @wr_wait: writers blocked in write(), exclusive, woken through
 *	kipc_pipe_writer_wake() with the room available as key
 * @open_wait: opens waiting for the other side (FIFO open rules)
 * @poll_wait: poll/epoll waiters, woken with the events that happened
 * @fasync_readers: F_SETOWN/O_ASYNC readers, told POLL_IN on arrival
 * @fasync_writers: F_SETOWN/O_ASYNC writers, told POLL_OUT on space
 * @notify: KIPC_NOTIFY registrations, signalled on every arrival
 */
struct kipc_pipe {
	struct kipc_node node;
	/* Lock order: @lock, @rd_lock, @wr_lock; the I/O paths take one. */
	struct mutex lock;
	/* Readers' lock: @tail and @bytes_out. */
	struct mutex rd_lock;
	/* Writers' lock: @head, @bytes_in, @high_water, new pages. */
	struct mutex wr_lock;
	/* Written with WRITE_ONCE or a release store when read locklessly. */
	char **pages;
	unsigned int size;
	unsigned int head;
	unsigned int tail;
	unsigned int readers;
	unsigned int writers;
	unsigned int r_counter;
	unsigned int w_counter;
	u64 bytes_in;
	u64 bytes_out;
	unsigned int high_water;
	atomic_t rd_waiting;
	atomic_t wr_waiting;
	wait_queue_head_t rd_wait;
	wait_queue_head_t wr_wait;
	wait_queue_head_t open_wait;
	wait_queue_head_t poll_wait;
	struct fasync_struct *fasync_readers;
	struct fasync_struct *fasync_writers;
	struct kipc_notify_list notify;
};

/**
 * struct kipc_pipe_file - per open file state
 * @pipe: the pipe this file was opened on
 * @w_counter_seen: @pipe->w_counter at a non-blocking read-only open that
 *	found no writer; EPOLLHUP stays off until a writer has come (fs/pipe.c
 *	does the same with f_version). Written once at open.
 * @notifier: this file's KIPC_NOTIFY registration (@pipe->notify.lock)
 */
struct kipc_pipe_file {
	struct kipc_pipe *pipe;
	unsigned int w_counter_seen;
	struct kipc_notifier notifier;
};

/**
 * struct kipc_pipe_writer - a writer blocked for room
 * @wq: entry on &kipc_pipe.wr_wait
 * @need: bytes of room it needs: all of an atomic write, else one
 */
struct kipc_pipe_writer {
	struct wait_queue_entry wq;
	unsigned int need;
};

/*
 * Bytes a reader may take, under @rd_lock: @head is loaded with acquire,
 * pairing with the writer's release, so the bytes before it are there.
 */
static inline unsigned int kipc_pipe_used(const struct kipc_pipe *p)
{
	/* Pairs with smp_store_release() in kipc_pipe_publish(). */
	return smp_load_acquire(&p->head) - p->tail;
}

/*
 * Room a writer may fill, under @wr_lock: @tail is loaded with acquire,
 * pairing with the reader's release, so the bytes before it are read.
 */
static inline unsigned int kipc_pipe_room(const struct kipc_pipe *p)
{
	/* Pairs with smp_store_release() in kipc_pipe_copy_out(). */
	return p->size - (p->head - smp_load_acquire(&p->tail));
}

/* Lockless snapshots for waiters and poll. */
static inline bool kipc_pipe_readable(const struct kipc_pipe *p)
{
	return READ_ONCE(p->head) != READ_ONCE(p->tail) ||
	       !READ_ONCE(p->writers);
}

/*
 * Bytes buffered, without a lock (FIONREAD, /proc). @tail is read first:
 * @head never goes back and is never behind @tail, so the difference is
 * not negative; reads between the two loads can make it exceed the ring,
 * so it is capped at @size.
 */
static inline unsigned int kipc_pipe_used_snapshot(const struct kipc_pipe *p)
{
	unsigned int tail = READ_ONCE(p->tail);

	smp_rmb(); /* @tail before @head: see above */
	return min(READ_ONCE(p->head) - tail, READ_ONCE(p->size));
}

/* Room, without a lock: never more than there is, as for the above. */
static inline unsigned int kipc_pipe_room_snapshot(const struct kipc_pipe *p)
{
	unsigned int size = READ_ONCE(p->size), tail = READ_ONCE(p->tail);

	smp_rmb(); /* @tail before @head: see kipc_pipe_used_snapshot() */
	return size - min(READ_ONCE(p->head) - tail, size);
}

/* Where ring position @pos lives, and how many bytes follow it in its page. */
static inline char *kipc_pipe_addr(const struct kipc_pipe *p, unsigned int pos,
				   unsigned int *chunk)
{
	unsigned int off = pos & (p->size - 1);

	*chunk = PAGE_SIZE - offset_in_page(off);
	return p->pages[off >> PAGE_SHIFT] + offset_in_page(off);
}

/*
 * Wake function of blocked writers: a wake-up whose key is the room
 * available passes over writers that need more, without counting them
 * against the one exclusive wake-up. A NULL key (reader gone, resize)
 * wakes every writer.
 */
static int kipc_pipe_writer_wake(struct wait_queue_entry *wq, unsigned int mode,
				 int sync, void *key)
{
	struct kipc_pipe_writer *w =
		container_of(wq, struct kipc_pipe_writer, wq);

	if (key && (unsigned long)key < w->need)
		return 0;
	return autoremove_wake_function(wq, mode, sync, key);
}

static void kipc_pipe_wake_writers(struct kipc_pipe *p, unsigned int room)
{
	if (room && wq_has_sleeper(&p->wr_wait))
		__wake_up(&p->wr_wait, TASK_INTERRUPTIBLE, 1,
			  (void *)(unsigned long)room);
}

/*
 * A page of a long write, @copied bytes, was published and @used bytes
 * are buffered: a reader asleep on the empty ring may start on it while
 * the write goes on, and if the ring was empty, pollers and O_ASYNC
 * readers are told, as at the end of a write. (KIPC_NOTIFY is told once
 * per copy, with the bytes it wrote.) The barrier in kipc_pipe_publish()
 * orders @head before the checks of the queues.
 */
static void kipc_pipe_wake_reader(struct kipc_pipe *p, unsigned int used,
				  size_t copied)
{
	/* After kipc_pipe_publish()'s smp_mb(): see above. */
	if (waitqueue_active(&p->rd_wait))
		wake_up_interruptible_poll(&p->rd_wait, EPOLLIN | EPOLLRDNORM);
	if (used > copied)
		return;
	/* Likewise; kipc_pipe_poll() has its own smp_mb(). */
	if (waitqueue_active(&p->poll_wait))
		wake_up_interruptible_poll(&p->poll_wait,
					   EPOLLIN | EPOLLRDNORM);
	kill_fasync(&p->fasync_readers, SIGIO, POLL_IN);
}

/*
 * A page of a read, @copied bytes, went back: a writer asleep for room
 * may start on it while the read goes on, and once a PIPE_BUF write fits
 * where it did not (poll's rule), pollers and O_ASYNC writers are told.
 */
static void kipc_pipe_wake_writer(struct kipc_pipe *p, size_t copied)
{
	unsigned int room;

	/* @tail before the queues: pairs with prepare_to_wait() and poll. */
	smp_mb();
	room = kipc_pipe_room_snapshot(p);
	/* After the smp_mb() above. */
	if (room && waitqueue_active(&p->wr_wait))
		__wake_up(&p->wr_wait, TASK_INTERRUPTIBLE, 1,
			  (void *)(unsigned long)room);
	if (room < PIPE_BUF || room >= copied + PIPE_BUF)
		return;
	/* Likewise; kipc_pipe_poll() has its own smp_mb(). */
	if (waitqueue_active(&p->poll_wait))
		wake_up_interruptible_poll(&p->poll_wait,
					   EPOLLOUT | EPOLLWRNORM);
	kill_fasync(&p->fasync_writers, SIGIO, POLL_OUT);
}

/* Free a ring's pages (NULL slots are skipped by free_page()) and its array. */
static void kipc_pipe_free_pages(char **pages, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		free_page((unsigned long)pages[i]);
	kvfree(pages);
}

/*
 * Copy up to @len buffered bytes out, under @rd_lock; returns the bytes
 * consumed. Each page's worth goes back to the writers as soon as it is
 * read, and a writer asleep for room is woken then, not after the last.
 */
static size_t kipc_pipe_copy_out(struct kipc_pipe *p, struct iov_iter *to,
				 size_t len)
{
	size_t done = 0, n, copied;
	unsigned int chunk;
	char *addr;

	lockdep_assert_held(&p->rd_lock);
	while (done < len) {
		addr = kipc_pipe_addr(p, p->tail, &chunk);
		n = min_t(size_t, chunk, len - done);
		copied = copy_to_iter(addr, n, to);
		/* The copy has read them: the bytes may be overwritten. */
		smp_store_release(&p->tail, p->tail + copied);
		done += copied;
		if (copied < n)
			break;
		if (done < len)
			kipc_pipe_wake_writer(p, copied);
	}
	return done;
}

/*
 * Make the bytes before @head readable, under @wr_lock, and count them;
 * returns the bytes buffered then. @tail is read once @head is visible,
 * so @high_water never counts more than was buffered; with a reader
 * draining at the same time it can miss a peak by what the reader took
 * meanwhile.
 */
static unsigned int kipc_pipe_publish(struct kipc_pipe *p, unsigned int head)
{
	unsigned int used;

	lockdep_assert_held(&p->wr_lock);
	WRITE_ONCE(p->bytes_in, p->bytes_in + (head - p->head));
	/* The copy has written them: the bytes may be read. */
	smp_store_release(&p->head, head);
	/* @head before @tail and the queues: pairs with prepare_to_wait(). */
	smp_mb();
	used = head - READ_ONCE(p->tail);
	WRITE_ONCE(p->high_water, max(p->high_water, used));
	return used;
}

/*
 * Copy up to @len bytes in at @p->head, under @wr_lock; returns the bytes
 * copied. With @publish, each page's worth is published as it is copied
 * and a reader asleep on the empty ring is woken; without, nothing is,
 * and the caller publishes the whole copy or undoes it. Ring pages are
 * allocated here on first use. A copy that stops short says why in *@err
 * (-ENOMEM or -EFAULT), and returns it if nothing was copied.
 */
static ssize_t kipc_pipe_copy_in(struct kipc_pipe *p, struct iov_iter *from,
				 size_t len, bool publish, int *err)
{
	unsigned int pos = p->head, off, chunk, used;
	size_t done = 0, n, copied;
	char **slot;

	lockdep_assert_held(&p->wr_lock);
	*err = 0;
	while (done < len) {
		off = pos & (p->size - 1);
		slot = &p->pages[off >> PAGE_SHIFT];
		if (!*slot) {
			*slot = (char *)__get_free_page(GFP_KERNEL_ACCOUNT);
			if (!*slot) {
				*err = -ENOMEM;
				break;
			}
		}
		chunk = PAGE_SIZE - offset_in_page(off);
		n = min_t(size_t, chunk, len - done);
		copied = copy_from_iter(*slot + offset_in_page(off), n, from);
		pos += copied;
		done += copied;
		if (publish && copied) {
			used = kipc_pipe_publish(p, pos);
			if (done < len)
				kipc_pipe_wake_reader(p, used, copied);
		}
		if (copied < n) {
			*err = -EFAULT;
			break;
		}
	}
	return done ? (ssize_t)done : *err;
}

static bool kipc_pipe_nonblock(struct kiocb *iocb)
{
	return (iocb->ki_filp->f_flags & O_NONBLOCK) ||
	       (iocb->ki_flags & IOCB_NOWAIT);
}

static ssize_t kipc_pipe_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct kipc_pipe_file *pf = iocb->ki_filp->private_data;
	struct kipc_pipe *p = pf->pipe;
	size_t want = iov_iter_count(to);
	unsigned int room = 0;
	bool more = false;
	ssize_t ret = 0;

	if (!want)
		return 0;

	mutex_lock(&p->rd_lock);
	for (;;) {
		unsigned int used = kipc_pipe_used(p);

		if (used) {
			ret = kipc_pipe_copy_out(p, to,
						 min_t(size_t, used, want));
			if (!ret)
				ret = -EFAULT;
			break;
		}
		/*
		 * The last writer's bytes come before its going (the release
		 * of @writers): look again once it has gone.
		 */
		if (!smp_load_acquire(&p->writers)) {
			if (kipc_pipe_used(p))
				continue;
			break;
		}
		if (kipc_pipe_nonblock(iocb)) {
			ret = -EAGAIN;
			break;
		}
		mutex_unlock(&p->rd_lock);
		trace_wait(&p->node, KIPC_WAIT_READ, 1);
		atomic_inc(&p->rd_waiting);
		ret = wait_event_interruptible_exclusive(p->rd_wait,
							 kipc_pipe_readable(p));
		atomic_dec(&p->rd_waiting);
		trace_wake(&p->node, KIPC_WAIT_READ, ret);
		if (ret) {
			if (trace_pipe_read_enabled())
				trace_pipe_read(&p->node, want, ret,
						kipc_pipe_used_snapshot(p),
						READ_ONCE(p->size));
			return ret;
		}
		mutex_lock(&p->rd_lock);
	}
	if (ret > 0) {
		WRITE_ONCE(p->bytes_out, p->bytes_out + ret);
		room = kipc_pipe_room_snapshot(p);
		more = kipc_pipe_used(p) != 0;
	}
	if (trace_pipe_read_enabled())
		trace_pipe_read(&p->node, want, ret, kipc_pipe_used_snapshot(p),
				p->size);
	mutex_unlock(&p->rd_lock);

	if (ret > 0) {
		kipc_pipe_wake_writers(p, room);
		wake_up_interruptible_poll(&p->poll_wait,
					   EPOLLOUT | EPOLLWRNORM);
		kill_fasync(&p->fasync_writers, SIGIO, POLL_OUT);
		file_accessed(iocb->ki_filp);
	}
	/* Pass the wake-up on: this reader may have taken only part. */
	if (more)
		wake_up_interruptible_sync_poll(&p->rd_wait,
						EPOLLIN | EPOLLRDNORM);
	return ret;
}

/* Wait for @need bytes of room, or for the last reader to go. */
static int kipc_pipe_wait_room(struct kipc_pipe *p, unsigned int need)
{
	struct kipc_pipe_writer w = { .need = need };
	int ret = 0;

	init_wait(&w.wq);
	w.wq.func = kipc_pipe_writer_wake;
	trace_wait(&p->node, KIPC_WAIT_WRITE, need);
	atomic_inc(&p->wr_waiting);
	for (;;) {
		prepare_to_wait_exclusive(&p->wr_wait, &w.wq,
					  TASK_INTERRUPTIBLE);
		if (!READ_ONCE(p->readers) ||
		    kipc_pipe_room_snapshot(p) >= need)
			break;
		if (signal_pending(current)) {
			ret = -ERESTARTSYS;
			break;
		}
		schedule();
	}
	finish_wait(&p->wr_wait, &w.wq);
	atomic_dec(&p->wr_waiting);
	trace_wake(&p->node, KIPC_WAIT_WRITE, ret);
	return ret;
}

static ssize_t kipc_pipe_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct kipc_pipe_file *pf = iocb->ki_filp->private_data;
	struct kipc_pipe *p = pf->pipe;
	size_t left = iov_iter_count(from);
	bool atomic = left <= PIPE_BUF;
	unsigned int room, need;
	ssize_t ret = 0, n;
	int err;

	/* Null write succeeds, even with no reader, as for a FIFO. */
	if (!left)
		return 0;

	mutex_lock(&p->wr_lock);
	for (;;) {
		if (!READ_ONCE(p->readers)) {
			send_sig(SIGPIPE, current, 0);
			if (!ret)
				ret = -EPIPE;
			break;
		}
		room = kipc_pipe_room(p);
		need = atomic ? left : 1;
		if (room >= need) {
			n = kipc_pipe_copy_in(p, from,
					      min_t(size_t, room, left),
					      !atomic, &err);
			/*
			 * An atomic write is all or nothing: a short copy (the
			 * room was there) is undone and fails for its reason,
			 * ENOMEM or EFAULT. Whole, it is published at once.
			 */
			if (n > 0 && atomic && n < left) {
				iov_iter_revert(from, n);
				n = err;
			}
			if (n < 0) {
				if (!ret)
					ret = n;
				break;
			}
			if (atomic)
				kipc_pipe_publish(p, p->head + n);
			ret += n;
			left -= n;
			mutex_unlock(&p->wr_lock);
			wake_up_interruptible_sync_poll(&p->rd_wait,
							EPOLLIN | EPOLLRDNORM);
			wake_up_interruptible_poll(&p->poll_wait,
						   EPOLLIN | EPOLLRDNORM);
			kill_fasync(&p->fasync_readers, SIGIO, POLL_IN);
			kipc_notify_arrival(&p->notify, 0,
					    min_t(ssize_t, n, INT_MAX));
			if (!left || !iov_iter_count(from))
				goto out;
			mutex_lock(&p->wr_lock);
			continue;
		}
		if (kipc_pipe_nonblock(iocb)) {
			if (!ret)
				ret = -EAGAIN;
			break;
		}
		if (signal_pending(current)) {
			if (!ret)
				ret = -ERESTARTSYS;
			break;
		}
		mutex_unlock(&p->wr_lock);
		n = kipc_pipe_wait_room(p, need);
		mutex_lock(&p->wr_lock);
		if (n < 0 && !ret) {
			ret = n;
			break;
		}
	}
	mutex_unlock(&p->wr_lock);
out:
	if (trace_pipe_write_enabled())
		trace_pipe_write(&p->node, max_t(ssize_t, ret, 0) + left, ret,
				 kipc_pipe_used_snapshot(p),
				 READ_ONCE(p->size));
	/* Pass the wake-up on: another writer may fit in what is left. */
	kipc_pipe_wake_writers(p, kipc_pipe_room_snapshot(p));
	if (ret > 0)
		file_update_time(iocb->ki_filp);
	return ret;
}

static __poll_t kipc_pipe_poll(struct file *file, poll_table *wait)
{
	struct kipc_pipe_file *pf = file->private_data;
	struct kipc_pipe *p = pf->pipe;
	__poll_t mask = 0;

	poll_wait(file, &p->poll_wait, wait);
	/*
	 * Queued before the state is read: pairs with the barrier before
	 * the waitqueue_active() checks of a copy's page-by-page wake-ups.
	 */
	smp_mb();

	/* Lockless snapshot, re-evaluated after every wake-up, as pipe_poll. */
	if (file->f_mode & FMODE_READ) {
		if (READ_ONCE(p->head) != READ_ONCE(p->tail))
			mask |= EPOLLIN | EPOLLRDNORM;
		if (!READ_ONCE(p->writers) &&
		    pf->w_counter_seen != READ_ONCE(p->w_counter))
			mask |= EPOLLHUP;
	}
	if (file->f_mode & FMODE_WRITE) {
		/*
		 * Writable means a PIPE_BUF write would not block, so a writer
		 * of PIPE_BUF-sized records never spins on EPOLLOUT + EAGAIN.
		 */
		if (kipc_pipe_room_snapshot(p) >= PIPE_BUF)
			mask |= EPOLLOUT | EPOLLWRNORM;
		if (!READ_ONCE(p->readers))
			mask |= EPOLLERR;
	}
	return mask;
}

/* Wait until *@counter moves past @seen: the other side has opened. */
static int kipc_pipe_wait_partner(struct kipc_pipe *p, unsigned int *counter,
				  unsigned int seen)
{
	int ret;

	lockdep_assert_held(&p->lock);
	mutex_unlock(&p->lock);
	trace_wait(&p->node, KIPC_WAIT_OPEN, 0);
	ret = wait_event_interruptible(p->open_wait,
				       READ_ONCE(*counter) != seen);
	trace_wake(&p->node, KIPC_WAIT_OPEN, ret);
	mutex_lock(&p->lock);
	return ret ? -ERESTARTSYS : 0;
}

/*
 * Drop the data and give its pages back; the ring size stays. The data is
 * read away, not rewound: lockless readers rely on @head never going back.
 */
static void kipc_pipe_discard(struct kipc_pipe *p)
{
	unsigned int i;

	lockdep_assert_held(&p->lock);
	/* With no file open no I/O runs, but the ring is theirs: lock it. */
	mutex_lock(&p->rd_lock);
	mutex_lock(&p->wr_lock);
	for (i = 0; i < p->size >> PAGE_SHIFT; i++) {
		free_page((unsigned long)p->pages[i]);
		p->pages[i] = NULL;
	}
	WRITE_ONCE(p->tail, p->head);
	mutex_unlock(&p->wr_lock);
	mutex_unlock(&p->rd_lock);
}

/*
 * Open counts change under @lock and are read locklessly. A release
 * store: a reader that sees the last writer gone sees its bytes too.
 */
static inline void kipc_pipe_count(unsigned int *counter, int delta)
{
	/* Pairs with smp_load_acquire() of @writers in the reader. */
	smp_store_release(counter, *counter + delta);
}

/*
 * The FIFO open rules of fs/pipe.c fifo_open() when @wait (open(2) of the
 * node); without it (the ends of an anonymous pipe, made together) a side
 * never waits for the other, as pipe(2)'s ends do not.
 */
static int kipc_pipe_attach_file(struct kipc_pipe *p, struct file *file,
				 bool wait)
{
	bool nonblock = (file->f_flags & O_NONBLOCK) || !wait;
	struct kipc_pipe_file *pf;
	int ret = 0;

	if (!(file->f_mode & (FMODE_READ | FMODE_WRITE)))
		return -EINVAL;

	pf = kzalloc(sizeof(*pf), GFP_KERNEL_ACCOUNT);
	if (!pf)
		return -ENOMEM;
	pf->pipe = p;
	INIT_LIST_HEAD(&pf->notifier.link);
	file->private_data = pf;
	stream_open(file_inode(file), file);

	mutex_lock(&p->lock);
	switch (file->f_mode & (FMODE_READ | FMODE_WRITE)) {
	case FMODE_READ:
		kipc_pipe_count(&p->r_counter, 1);
		kipc_pipe_count(&p->readers, 1);
		wake_up_interruptible_all(&p->open_wait);
		pf->w_counter_seen = p->w_counter - 1;
		if (!p->writers) {
			if (nonblock)
				pf->w_counter_seen = p->w_counter;
			else if (kipc_pipe_wait_partner(p, &p->w_counter,
							p->w_counter))
				goto err_reader;
		}
		break;
	case FMODE_WRITE:
		if (nonblock && !p->readers) {
			ret = -ENXIO;
			goto err;
		}
		kipc_pipe_count(&p->w_counter, 1);
		kipc_pipe_count(&p->writers, 1);
		wake_up_interruptible_all(&p->open_wait);
		if (!p->readers && wait &&
		    kipc_pipe_wait_partner(p, &p->r_counter, p->r_counter))
			goto err_writer;
		break;
	default:
		/* O_RDWR never blocks: it is its own partner. */
		kipc_pipe_count(&p->r_counter, 1);
		kipc_pipe_count(&p->w_counter, 1);
		kipc_pipe_count(&p->readers, 1);
		kipc_pipe_count(&p->writers, 1);
		wake_up_interruptible_all(&p->open_wait);
		break;
	}
	mutex_unlock(&p->lock);
	return 0;

err_reader:
	kipc_pipe_count(&p->readers, -1);
	if (!p->readers) {
		if (!p->writers)
			kipc_pipe_discard(p);
		wake_up_interruptible_all(&p->wr_wait);
	}
	ret = -ERESTARTSYS;
	goto err;
err_writer:
	kipc_pipe_count(&p->writers, -1);
	if (!p->writers) {
		if (!p->readers)
			kipc_pipe_discard(p);
		wake_up_interruptible_all(&p->rd_wait);
	}
	ret = -ERESTARTSYS;
err:
	mutex_unlock(&p->lock);
	file->private_data = NULL;
	kfree(pf);
	return ret;
}

static int kipc_pipe_open(struct inode *inode, struct file *file)
{
	struct kipc_node *node = kipc_inode_node(inode);
	int ret;

	ret = kipc_object_open(node, file);
	if (ret)
		return ret;
	ret = kipc_pipe_attach_file(container_of(node, struct kipc_pipe, node),
				    file, true);
	if (ret)
		kipc_object_release(node);
	return ret;
}

/* An end of an anonymous pipe (KIPC_CTL_PIPE), O_RDONLY or O_WRONLY. */
static int kipc_pipe_attach(struct kipc_node *node, struct file *file)
{
	return kipc_pipe_attach_file(container_of(node, struct kipc_pipe, node),
				     file, false);
}

static int kipc_pipe_release(struct inode *inode, struct file *file)
{
	struct kipc_pipe_file *pf = file->private_data;
	struct kipc_pipe *p;
	bool hangup;

	/* An anonymous end whose attach failed has nothing to release. */
	if (!pf)
		return 0;
	p = pf->pipe;
	kipc_notify_clear(&p->notify, &pf->notifier);
	mutex_lock(&p->lock);
	if (file->f_mode & FMODE_READ)
		kipc_pipe_count(&p->readers, -1);
	if (file->f_mode & FMODE_WRITE)
		kipc_pipe_count(&p->writers, -1);
	/* The last of one side went, the other side is still there. */
	hangup = !p->readers != !p->writers;
	/* Data dies with the last file, as with a FIFO; the ring size stays. */
	if (!p->readers && !p->writers)
		kipc_pipe_discard(p);
	mutex_unlock(&p->lock);

	if (hangup) {
		wake_up_interruptible_all(&p->rd_wait);
		wake_up_interruptible_all(&p->wr_wait);
		wake_up_interruptible_poll(&p->poll_wait, EPOLLHUP | EPOLLERR);
		kill_fasync(&p->fasync_readers, SIGIO, POLL_IN);
		kill_fasync(&p->fasync_writers, SIGIO, POLL_OUT);
	}
	kfree(pf);
	kipc_object_release(&p->node);
	return 0;
}

/* close(2) of a descriptor: the closer's KIPC_NOTIFY registration ends. */
static int kipc_pipe_flush(struct file *file, fl_owner_t id)
{
	struct kipc_pipe_file *pf = file->private_data;

	/* As in release: an anonymous end whose attach failed has none. */
	if (pf)
		kipc_notify_flush(&pf->pipe->notify, &pf->notifier);
	return 0;
}

static int kipc_pipe_fasync(int fd, struct file *file, int on)
{
	struct kipc_pipe_file *pf = file->private_data;
	struct kipc_pipe *p = pf->pipe;
	int ret = 0;

	mutex_lock(&p->lock);
	if (file->f_mode & FMODE_READ)
		ret = fasync_helper(fd, file, on, &p->fasync_readers);
	if ((file->f_mode & FMODE_WRITE) && ret >= 0) {
		ret = fasync_helper(fd, file, on, &p->fasync_writers);
		if (ret < 0 && (file->f_mode & FMODE_READ))
			fasync_helper(-1, file, 0, &p->fasync_readers);
	}
	mutex_unlock(&p->lock);
	return ret < 0 ? ret : 0;
}

/*
 * Copy the buffered bytes into the ring @pages of @size bytes, at the same
 * positions, allocating its pages.
 */
static int kipc_pipe_copy_ring(struct kipc_pipe *p, char **pages,
			       unsigned int size)
{
	unsigned int pos, off, chunk, n;
	char **slot, *src;

	lockdep_assert_held(&p->rd_lock);
	lockdep_assert_held(&p->wr_lock);
	for (pos = p->tail; pos != p->head; pos += n) {
		off = pos & (size - 1);
		slot = &pages[off >> PAGE_SHIFT];
		if (!*slot)
			*slot = (char *)__get_free_page(GFP_KERNEL_ACCOUNT);
		if (!*slot)
			return -ENOMEM;
		src = kipc_pipe_addr(p, pos, &chunk);
		n = min(chunk, p->head - pos);
		memcpy(*slot + offset_in_page(off), src, n);
	}
	return 0;
}

/*
 * May the caller make a ring of @cur bytes @size bytes? As fs/pipe.c
 * pipe_set_size(): only growing past pipe_max_size needs CAP_SYS_RESOURCE;
 * making a ring smaller, or keeping its size, is always allowed, even
 * above the limit. capable() is asked only when it matters.
 */
static bool kipc_pipe_may_resize(unsigned int cur, unsigned int size)
{
	return size <= cur || size <= kipc_param_pipe_max_size ||
	       capable(CAP_SYS_RESOURCE);
}

/*
 * Take both sides' locks for a resize. Never wait for one while holding
 * the other: a side stalled in a copy from user memory would then hold up
 * the other side too, and without end. Killable, as the wait may be long.
 */
static int kipc_pipe_lock_sides(struct kipc_pipe *p)
{
	if (mutex_lock_killable(&p->rd_lock))
		return -EINTR;
	/* Keep the lock slept for, so a busy side cannot starve the resize. */
	for (;;) {
		if (mutex_trylock(&p->wr_lock))
			return 0;
		mutex_unlock(&p->rd_lock);
		if (mutex_lock_killable(&p->wr_lock))
			return -EINTR;
		if (mutex_trylock(&p->rd_lock))
			return 0;
		mutex_unlock(&p->wr_lock);
		if (mutex_lock_killable(&p->rd_lock))
			return -EINTR;
	}
}

/* A failed resize: the ring stays @old bytes. */
static int kipc_pipe_resized(struct kipc_pipe *p, u32 req, unsigned int old,
			     int err)
{
	trace_pipe_resize(&p->node, req, old, old, err);
	return err;
}

/*
 * Resize the ring. A position has the same in-page offset in any ring of
 * at least a page, so when the buffered bytes span no more pages than
 * either ring has, the pages move to their new slots without copying a
 * byte. When they span one more (a nearly full ring whose data wraps
 * inside one page, which then holds both its first and its last bytes),
 * the bytes are copied instead.
 */
static int kipc_pipe_set_size(struct kipc_pipe *p, u32 __user *argp)
{
	unsigned int nr, old_nr, span, pos, i, size, seen;
	char **pages;
	u32 req;
	int ret = 0;

	if (get_user(req, argp))
		return -EFAULT;
	seen = READ_ONCE(p->size);
	if (!req || req > KIPC_PIPE_SIZE_LIMIT)
		return kipc_pipe_resized(p, req, seen, -EINVAL);
	size = max_t(unsigned int, PAGE_SIZE, roundup_pow_of_two(req));
	/* Refused before allocating; checked again below if the ring shrank. */
	if (!kipc_pipe_may_resize(seen, size))
		return kipc_pipe_resized(p, req, seen, -EPERM);

	/*
	 * The size is the caller's: failing is its ENOMEM, not a reason for
	 * a stack dump (fs/pipe.c pipe_resize_ring() asks for no warning too).
	 */
	nr = size >> PAGE_SHIFT;
	pages = kvcalloc(nr, sizeof(*pages), GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!pages)
		return kipc_pipe_resized(p, req, seen, -ENOMEM);

	ret = kipc_pipe_lock_sides(p);
	if (ret) {
		kipc_pipe_free_pages(pages, nr);
		return kipc_pipe_resized(p, req, seen, ret);
	}
	old_nr = p->size >> PAGE_SHIFT;
	span = (round_up(p->head, PAGE_SIZE) -
		round_down(p->tail, PAGE_SIZE)) >>
	       PAGE_SHIFT;
	if (p->size < seen && !kipc_pipe_may_resize(p->size, size)) {
		ret = -EPERM;
	} else if (kipc_pipe_used(p) > size) {
		ret = -EBUSY;
	} else if (span > nr || span > old_nr) {
		ret = kipc_pipe_copy_ring(p, pages, size);
	} else {
		for (pos = round_down(p->tail, PAGE_SIZE); span--;
		     pos += PAGE_SIZE) {
			i = (pos & (p->size - 1)) >> PAGE_SHIFT;
			pages[(pos & (size - 1)) >> PAGE_SHIFT] = p->pages[i];
			p->pages[i] = NULL;
		}
	}
	if (ret) {
		mutex_unlock(&p->wr_lock);
		mutex_unlock(&p->rd_lock);
		kipc_pipe_free_pages(pages, nr);
		return kipc_pipe_resized(p, req, old_nr << PAGE_SHIFT, ret);
	}
	swap(p->pages, pages);
	WRITE_ONCE(p->size, size);
	mutex_unlock(&p->wr_lock);
	mutex_unlock(&p->rd_lock);
	trace_pipe_resize(&p->node, req, old_nr << PAGE_SHIFT, size, 0);

	kipc_pipe_free_pages(pages, old_nr);
	/* More room may let blocked writers and pollers in. */
	__wake_up(&p->wr_wait, TASK_INTERRUPTIBLE, 0, NULL);
	wake_up_interruptible_poll(&p->poll_wait, EPOLLOUT | EPOLLWRNORM);
	return 0;
}

static long kipc_pipe_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	struct kipc_pipe_file *pf = file->private_data;
	struct kipc_pipe *p = pf->pipe;
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case FIONREAD:
		return put_user(kipc_pipe_used_snapshot(p), (int __user *)argp);
	case KIPC_PIPE_GET_SIZE:
		return put_user(READ_ONCE(p->size), (u32 __user *)argp);
	case KIPC_PIPE_SET_SIZE:
		return kipc_pipe_set_size(p, argp);
	case KIPC_NOTIFY:
		return kipc_notify_set(&p->notify, &pf->notifier, argp, false);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations kipc_pipe_fops = {
	.owner = THIS_MODULE,
	.open = kipc_pipe_open,
	.flush = kipc_pipe_flush,
	.release = kipc_pipe_release,
	.read_iter = kipc_pipe_read_iter,
	.write_iter = kipc_pipe_write_iter,
	.splice_read = kipc_copy_splice_read,
	.splice_write = iter_file_splice_write,
	.poll = kipc_pipe_poll,
	.fasync = kipc_pipe_fasync,
	.unlocked_ioctl = kipc_pipe_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static int kipc_pipe_check_params(void)
{
	unsigned int max = kipc_param_pipe_max_size,
		     size = kipc_param_pipe_size;

	if (max < PAGE_SIZE || max > KIPC_PIPE_SIZE_LIMIT) {
		pr_err("pipe_max_size=%u is out of range %lu..%lu\n", max,
		       PAGE_SIZE, KIPC_PIPE_SIZE_LIMIT);
		return -EINVAL;
	}
	if (size < 1 || size > max) {
		pr_err("pipe_size=%u is out of range 1..pipe_max_size (%u)\n",
		       size, max);
		return -EINVAL;
	}
	return 0;
}

/*
 * A pipe of capacity @req (@dflt: pipe_size), under KIPC_PIPE_SET_SIZE's
 * rules: at most 2^31, rounded up to a power of two of at least a page,
 * past pipe_max_size only with CAP_SYS_RESOURCE.
 */
static struct kipc_node *kipc_pipe_alloc(const char *name, u64 req, bool dflt)
{
	unsigned int size;
	struct kipc_pipe *p;

	if (dflt)
		req = kipc_param_pipe_size;
	if (!req || req > KIPC_PIPE_SIZE_LIMIT)
		return ERR_PTR(-EINVAL);
	size = max_t(unsigned int, PAGE_SIZE, roundup_pow_of_two(req));
	if (size > kipc_param_pipe_max_size && !capable(CAP_SYS_RESOURCE))
		return ERR_PTR(-EPERM);
	p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!p)
		return ERR_PTR(-ENOMEM);
	p->size = size;
	p->pages = kvcalloc(p->size >> PAGE_SHIFT, sizeof(*p->pages),
			    GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!p->pages) {
		kfree(p);
		return ERR_PTR(-ENOMEM);
	}
	mutex_init(&p->lock);
	mutex_init(&p->rd_lock);
	mutex_init(&p->wr_lock);
	init_waitqueue_head(&p->rd_wait);
	init_waitqueue_head(&p->wr_wait);
	init_waitqueue_head(&p->open_wait);
	init_waitqueue_head(&p->poll_wait);
	kipc_notify_list_init(&p->notify, p->node.name);
	return &p->node;
}

static void kipc_pipe_free(struct kipc_node *node)
{
	struct kipc_pipe *p = container_of(node, struct kipc_pipe, node);

	kipc_pipe_free_pages(p->pages, p->size >> PAGE_SHIFT);
	mutex_destroy(&p->lock);
	mutex_destroy(&p->rd_lock);
	mutex_destroy(&p->wr_lock);
	kfree(p);
}

/*
 * One row of the world-readable table, from lockless snapshots: it must
 * never wait for the pipe's locks, which a reader or writer stalled in
 * its copy to or from user memory can hold for good. The columns are each exact once the calls
 * that changed them have returned, not a snapshot of one instant.
 */
static void kipc_pipe_proc_show(struct seq_file *m, struct kipc_node *node)
{
	struct kipc_pipe *p = container_of(node, struct kipc_pipe, node);

	seq_printf(m, "%s %u %u %u %u %llu %llu %u %u %d %d", node->name,
		   READ_ONCE(p->size), kipc_pipe_used_snapshot(p),
		   READ_ONCE(p->readers), READ_ONCE(p->writers),
		   READ_ONCE(p->bytes_in), READ_ONCE(p->bytes_out),
		   READ_ONCE(p->high_water), kipc_notify_count(&p->notify),
		   atomic_read(&p->rd_waiting), atomic_read(&p->wr_waiting));
}

const struct kipc_kind_ops kipc_pipe_kind = {
	.name = "pipe",
	.type = KIPC_KIND_PIPE,
	.proc_header =
		"name size used readers writers bytes_in bytes_out high_water notifiers rwait wwait",
	.fops = &kipc_pipe_fops,
	.check_params = kipc_pipe_check_params,
	.alloc = kipc_pipe_alloc,
	.free = kipc_pipe_free,
	.open = kipc_pipe_attach,
	.proc_show = kipc_pipe_proc_show,
};

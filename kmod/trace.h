/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kipc trace system: /sys/kernel/tracing/events/kipc/.
 *
 * Every event names its object (name=, as /proc/kipc does: "pipe0", a
 * name made at run time, or "anon:ID") and the process (pid=, its thread
 * group id; the trace header's pid is the thread's). An event fires where
 * its operation completes or fails, with what the operation saw: sizes,
 * types, values and err (0, or the negative errno it returned, -512 for
 * a system call restarted after a signal). wait and wake bracket every
 * sleep in kipc: what the task waits for, and why it woke.
 *
 * Only main.c defines CREATE_TRACE_POINTS; the mechanism files include
 * this header for the trace_*() calls (samples/trace_events/ is the model).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM kipc

#if !defined(_KIPC_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _KIPC_TRACE_H

#include <linux/sched.h>
#include <linux/string.h>
#include <linux/tracepoint.h>

#include "internal.h"

/* What a task sleeps for: the op of the wait and wake events. */
#define KIPC_WAIT_READ 1 /* pipe read: data, or no writer */
#define KIPC_WAIT_WRITE 2 /* pipe write: room, or no reader */
#define KIPC_WAIT_OPEN 3 /* pipe open: the other side */
#define KIPC_WAIT_SEND 4 /* msg send: room in the queue */
#define KIPC_WAIT_RECV 5 /* msg receive: a matching message */
#define KIPC_WAIT_SEM_P 6 /* sem P: the units */

#define kipc_trace_wait_op(op)                           \
	__print_symbolic(op, { KIPC_WAIT_READ, "read" }, \
			 { KIPC_WAIT_WRITE, "write" },   \
			 { KIPC_WAIT_OPEN, "open" },     \
			 { KIPC_WAIT_SEND, "send" },     \
			 { KIPC_WAIT_RECV, "recv" }, { KIPC_WAIT_SEM_P, "P" })

TRACE_DEFINE_ENUM(KIPC_KIND_PIPE);
TRACE_DEFINE_ENUM(KIPC_KIND_MSG);
TRACE_DEFINE_ENUM(KIPC_KIND_SHM);
TRACE_DEFINE_ENUM(KIPC_KIND_SEM);

#define kipc_trace_kind(kind)                                                \
	__print_symbolic(kind, { KIPC_KIND_PIPE, "pipe" },                   \
			 { KIPC_KIND_MSG, "msg" }, { KIPC_KIND_SHM, "shm" }, \
			 { KIPC_KIND_SEM, "sem" })

/*
 * The name is a fixed array, not __string(): __assign_str() changed its
 * arguments in 6.10, and a name is at most KIPC_NAME_MAX bytes anyway.
 */
#define kipc_trace_name(dst, src) strscpy(dst, src, KIPC_NAME_MAX)

/*
 * The events keep the layout of the kernel's own trace headers, which
 * clang-format would flatten.
 */
/* clang-format off */

/* pipe_read, pipe_write: one read(2) or write(2) of a pipe. */
DECLARE_EVENT_CLASS(kipc_pipe_io,
	TP_PROTO(const struct kipc_node *node, size_t len, ssize_t ret,
		 unsigned int used, unsigned int size),
	TP_ARGS(node, len, ret, used, size),
	TP_STRUCT__entry(
		__array(char, name, KIPC_NAME_MAX)
		__field(pid_t, pid)
		__field(size_t, len)
		__field(size_t, done)
		__field(unsigned int, used)
		__field(unsigned int, size)
		__field(int, err)
	),
	TP_fast_assign(
		kipc_trace_name(__entry->name, node->name);
		__entry->pid = current->tgid;
		__entry->len = len;
		__entry->done = ret > 0 ? ret : 0;
		__entry->used = used;
		__entry->size = size;
		__entry->err = ret < 0 ? ret : 0;
	),
	TP_printk("name=%s pid=%d len=%zu done=%zu used=%u size=%u err=%d",
		  __entry->name, __entry->pid, __entry->len, __entry->done,
		  __entry->used, __entry->size, __entry->err)
);

DEFINE_EVENT(kipc_pipe_io, pipe_read,
	TP_PROTO(const struct kipc_node *node, size_t len, ssize_t ret,
		 unsigned int used, unsigned int size),
	TP_ARGS(node, len, ret, used, size)
);

DEFINE_EVENT(kipc_pipe_io, pipe_write,
	TP_PROTO(const struct kipc_node *node, size_t len, ssize_t ret,
		 unsigned int used, unsigned int size),
	TP_ARGS(node, len, ret, used, size)
);

/* pipe_resize, shm_resize: a capacity asked for, the one before, after. */
DECLARE_EVENT_CLASS(kipc_resize,
	TP_PROTO(const struct kipc_node *node, u64 req, u64 old, u64 size,
		 int err),
	TP_ARGS(node, req, old, size, err),
	TP_STRUCT__entry(
		__array(char, name, KIPC_NAME_MAX)
		__field(pid_t, pid)
		__field(u64, req)
		__field(u64, old)
		__field(u64, size)
		__field(int, err)
	),
	TP_fast_assign(
		kipc_trace_name(__entry->name, node->name);
		__entry->pid = current->tgid;
		__entry->req = req;
		__entry->old = old;
		__entry->size = size;
		__entry->err = err;
	),
	TP_printk("name=%s pid=%d req=%llu old=%llu size=%llu err=%d",
		  __entry->name, __entry->pid, __entry->req, __entry->old,
		  __entry->size, __entry->err)
);

DEFINE_EVENT(kipc_resize, pipe_resize,
	TP_PROTO(const struct kipc_node *node, u64 req, u64 old, u64 size,
		 int err),
	TP_ARGS(node, req, old, size, err)
);

DEFINE_EVENT(kipc_resize, shm_resize,
	TP_PROTO(const struct kipc_node *node, u64 req, u64 old, u64 size,
		 int err),
	TP_ARGS(node, req, old, size, err)
);

/* msg_send: a message of @mtype and @size, or why not. */
TRACE_EVENT(msg_send,
	TP_PROTO(const struct kipc_node *node, s64 mtype, u64 size, bool nowait,
		 int err),
	TP_ARGS(node, mtype, size, nowait, err),
	TP_STRUCT__entry(
		__array(char, name, KIPC_NAME_MAX)
		__field(pid_t, pid)
		__field(s64, mtype)
		__field(u64, size)
		__field(u32, flags)
		__field(int, err)
	),
	TP_fast_assign(
		kipc_trace_name(__entry->name, node->name);
		__entry->pid = current->tgid;
		__entry->mtype = mtype;
		__entry->size = size;
		__entry->flags = nowait ? KIPC_NOWAIT : 0;
		__entry->err = err;
	),
	TP_printk("name=%s pid=%d mtype=%lld size=%llu flags=0x%x err=%d",
		  __entry->name, __entry->pid, __entry->mtype, __entry->size,
		  __entry->flags, __entry->err)
);

/*
 * msg_recv: @selector as given (0 any, > 0 that type, < 0 the lowest type
 * up to |selector|), the @mtype and @size received, the KIPC_MSG_* @flags.
 */
TRACE_EVENT(msg_recv,
	TP_PROTO(const struct kipc_node *node, s64 selector, s64 mtype,
		 u64 size, u32 flags, int err),
	TP_ARGS(node, selector, mtype, size, flags, err),
	TP_STRUCT__entry(
		__array(char, name, KIPC_NAME_MAX)
		__field(pid_t, pid)
		__field(s64, selector)
		__field(s64, mtype)
		__field(u64, size)
		__field(u32, flags)
		__field(int, err)
	),
	TP_fast_assign(
		kipc_trace_name(__entry->name, node->name);
		__entry->pid = current->tgid;
		__entry->selector = selector;
		__entry->mtype = mtype;
		__entry->size = size;
		__entry->flags = flags;
		__entry->err = err;
	),
	TP_printk("name=%s pid=%d selector=%lld mtype=%lld size=%llu flags=0x%x err=%d",
		  __entry->name, __entry->pid, __entry->selector,
		  __entry->mtype, __entry->size, __entry->flags, __entry->err)
);

/* msg_flush: the messages and bytes dropped. */
TRACE_EVENT(msg_flush,
	TP_PROTO(const struct kipc_node *node, u64 qnum, u64 cbytes, int err),
	TP_ARGS(node, qnum, cbytes, err),
	TP_STRUCT__entry(
		__array(char, name, KIPC_NAME_MAX)
		__field(pid_t, pid)
		__field(u64, qnum)
		__field(u64, cbytes)
		__field(int, err)
	),
	TP_fast_assign(
		kipc_trace_name(__entry->name, node->name);
		__entry->pid = current->tgid;
		__entry->qnum = qnum;
		__entry->cbytes = cbytes;
		__entry->err = err;
	),
	TP_printk("name=%s pid=%d qnum=%llu cbytes=%llu err=%d",
		  __entry->name, __entry->pid, __entry->qnum, __entry->cbytes,
		  __entry->err)
);

/* sem_p, sem_v: @count units, the KIPC_* @flags, the value after. */
DECLARE_EVENT_CLASS(kipc_sem_op,
	TP_PROTO(const struct kipc_node *node, u32 count, u32 flags, s64 value,
		 int err),
	TP_ARGS(node, count, flags, value, err),
	TP_STRUCT__entry(
		__array(char, name, KIPC_NAME_MAX)
		__field(pid_t, pid)
		__field(u32, count)
		__field(u32, flags)
		__field(s64, value)
		__field(int, err)
	),
	TP_fast_assign(
		kipc_trace_name(__entry->name, node->name);
		__entry->pid = current->tgid;
		__entry->count = count;
		__entry->flags = flags;
		__entry->value = value;
		__entry->err = err;
	),
	TP_printk("name=%s pid=%d count=%u flags=0x%x value=%lld err=%d",
		  __entry->name, __entry->pid, __entry->count, __entry->flags,
		  __entry->value, __entry->err)
);

DEFINE_EVENT(kipc_sem_op, sem_p,
	TP_PROTO(const struct kipc_node *node, u32 count, u32 flags, s64 value,
		 int err),
	TP_ARGS(node, count, flags, value, err)
);

DEFINE_EVENT(kipc_sem_op, sem_v,
	TP_PROTO(const struct kipc_node *node, u32 count, u32 flags, s64 value,
		 int err),
	TP_ARGS(node, count, flags, value, err)
);

/* shm_map: an mmap() of [@offset, @offset + @len), the mappings after. */
TRACE_EVENT(shm_map,
	TP_PROTO(const struct kipc_node *node, u64 offset, u64 len, u64 size,
		 unsigned int nattch, int err),
	TP_ARGS(node, offset, len, size, nattch, err),
	TP_STRUCT__entry(
		__array(char, name, KIPC_NAME_MAX)
		__field(pid_t, pid)
		__field(u64, offset)
		__field(u64, len)
		__field(u64, size)
		__field(unsigned int, nattch)
		__field(int, err)
	),
	TP_fast_assign(
		kipc_trace_name(__entry->name, node->name);
		__entry->pid = current->tgid;
		__entry->offset = offset;
		__entry->len = len;
		__entry->size = size;
		__entry->nattch = nattch;
		__entry->err = err;
	),
	TP_printk("name=%s pid=%d offset=%llu len=%llu size=%llu nattch=%u err=%d",
		  __entry->name, __entry->pid, __entry->offset, __entry->len,
		  __entry->size, __entry->nattch, __entry->err)
);

/*
 * notify_signal: signal @signo with si_value @value, sent by pid= (the
 * arrival's sender) to process @target, registered on the object.
 */
TRACE_EVENT(notify_signal,
	TP_PROTO(const char *name, pid_t target, int signo, int value),
	TP_ARGS(name, target, signo, value),
	TP_STRUCT__entry(
		__array(char, name, KIPC_NAME_MAX)
		__field(pid_t, pid)
		__field(pid_t, target)
		__field(int, signo)
		__field(int, value)
	),
	TP_fast_assign(
		kipc_trace_name(__entry->name, name);
		__entry->pid = current->tgid;
		__entry->target = target;
		__entry->signo = signo;
		__entry->value = value;
	),
	TP_printk("name=%s pid=%d target=%d signo=%d value=%d",
		  __entry->name, __entry->pid, __entry->target, __entry->signo,
		  __entry->value)
);

/*
 * object_create: a named object (control node, or the load-time set) or
 * an anonymous one; @size 0 is the kind's default; @err -EEXIST and 0 for
 * an existing name are told apart by @created.
 */
TRACE_EVENT(object_create,
	TP_PROTO(const char *name, enum kipc_kind kind, u64 size, u32 flags,
		 umode_t mode, bool created, int err),
	TP_ARGS(name, kind, size, flags, mode, created, err),
	TP_STRUCT__entry(
		__array(char, name, KIPC_NAME_MAX)
		__field(pid_t, pid)
		__field(unsigned int, kind)
		__field(u64, size)
		__field(u32, flags)
		__field(unsigned int, mode)
		__field(bool, created)
		__field(int, err)
	),
	TP_fast_assign(
		kipc_trace_name(__entry->name, name);
		__entry->pid = current->tgid;
		__entry->kind = kind;
		__entry->size = size;
		__entry->flags = flags;
		__entry->mode = mode;
		__entry->created = created;
		__entry->err = err;
	),
	TP_printk("name=%s pid=%d kind=%s size=%llu flags=0x%x mode=0%o created=%d err=%d",
		  __entry->name, __entry->pid, kipc_trace_kind(__entry->kind),
		  __entry->size, __entry->flags, __entry->mode,
		  __entry->created, __entry->err)
);

/* object_remove: KIPC_CTL_REMOVE of @name (kind 0 when not found). */
TRACE_EVENT(object_remove,
	TP_PROTO(const char *name, unsigned int kind, int err),
	TP_ARGS(name, kind, err),
	TP_STRUCT__entry(
		__array(char, name, KIPC_NAME_MAX)
		__field(pid_t, pid)
		__field(unsigned int, kind)
		__field(int, err)
	),
	TP_fast_assign(
		kipc_trace_name(__entry->name, name);
		__entry->pid = current->tgid;
		__entry->kind = kind;
		__entry->err = err;
	),
	TP_printk("name=%s pid=%d kind=%s err=%d", __entry->name,
		  __entry->pid, kipc_trace_kind(__entry->kind), __entry->err)
);

/* wait: the task goes to sleep for @op, needing @need (bytes, units). */
TRACE_EVENT(wait,
	TP_PROTO(const struct kipc_node *node, unsigned int op, u64 need),
	TP_ARGS(node, op, need),
	TP_STRUCT__entry(
		__array(char, name, KIPC_NAME_MAX)
		__field(pid_t, pid)
		__field(unsigned int, op)
		__field(u64, need)
	),
	TP_fast_assign(
		kipc_trace_name(__entry->name, node->name);
		__entry->pid = current->tgid;
		__entry->op = op;
		__entry->need = need;
	),
	TP_printk("name=%s pid=%d op=%s need=%llu", __entry->name,
		  __entry->pid, kipc_trace_wait_op(__entry->op), __entry->need)
);

/*
 * wake: the task stopped waiting for @op: @err 0 when what it waited for
 * came (or the wait ended for another reason the operation handles, as
 * no writer left), else the signal (-512, -4), timeout (-110) or removal
 * (-43) that ended it.
 */
TRACE_EVENT(wake,
	TP_PROTO(const struct kipc_node *node, unsigned int op, int err),
	TP_ARGS(node, op, err),
	TP_STRUCT__entry(
		__array(char, name, KIPC_NAME_MAX)
		__field(pid_t, pid)
		__field(unsigned int, op)
		__field(int, err)
	),
	TP_fast_assign(
		kipc_trace_name(__entry->name, node->name);
		__entry->pid = current->tgid;
		__entry->op = op;
		__entry->err = err;
	),
	TP_printk("name=%s pid=%d op=%s err=%d", __entry->name, __entry->pid,
		  kipc_trace_wait_op(__entry->op), __entry->err)
);

/* clang-format on */

#endif /* _KIPC_TRACE_H */

/* This part must be outside the guard: define_trace.h reads it again. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>

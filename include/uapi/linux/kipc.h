/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * kipc - classic IPC mechanisms as character devices.
 *
 * Nodes: /dev/kipc/pipeN, /dev/kipc/msgN, /dev/kipc/shmN, /dev/kipc/semN
 * made at load, /dev/kipc/NAME made at run time through /dev/kipc/control,
 * and anonymous objects that live as long as their files.
 * Every struct here uses fixed-width types only, user pointers travel as
 * __u64, unknown flag bits and non-zero reserved fields give EINVAL, and a
 * bad user pointer gives EFAULT. Unknown ioctls give ENOTTY.
 *
 * Structs that may grow carry reserved fields: in a struct the caller
 * passes in they must be zero (else EINVAL), so that a later version can
 * give them a meaning; in a struct the kernel fills they read as zero.
 */
#ifndef _UAPI_LINUX_KIPC_H
#define _UAPI_LINUX_KIPC_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* 0xB8 is unassigned in Documentation/userspace-api/ioctl/ioctl-number.rst. */
#define KIPC_IOC_MAGIC 0xB8

/* Flags shared by the blocking calls (msg send/recv, sem P). */
#define KIPC_NOWAIT (1U << 0) /* EAGAIN/ENOMSG instead of waiting */

/* ---------------------------------------------------------------- pipe */

/*
 * Ring capacity in bytes. SET rounds up to a power of two of at least one
 * page (read the result back with GET); 0 or over 2^31 gives EINVAL, over
 * the pipe_max_size parameter without CAP_SYS_RESOURCE EPERM, less than
 * what is buffered EBUSY.
 */
#define KIPC_PIPE_GET_SIZE _IOR(KIPC_IOC_MAGIC, 0x00, __u32)
#define KIPC_PIPE_SET_SIZE _IOW(KIPC_IOC_MAGIC, 0x01, __u32)

/* ----------------------------------------------------------- msg queue */

/**
 * struct kipc_msgbuf - framing of read() and write() on a msg node
 * @mtype: message type, > 0
 * @mtext: the text; its length is the read/write count minus 8
 */
struct kipc_msgbuf {
	__s64 mtype;
	char mtext[];
};

#define KIPC_MSG_EXCEPT (1U << 1) /* recv: first not of mtype */
#define KIPC_MSG_NOERROR (1U << 2) /* recv: truncate, no E2BIG */
#define KIPC_MSG_PEEK (1U << 3) /* recv: copy, leave queued */

/**
 * struct kipc_msg - argument of KIPC_MSG_SEND and KIPC_MSG_RECV
 * @mtype: send: the type, > 0. recv in: the selector (0 first message,
 *	> 0 first of that type, < 0 first of the lowest type <= -mtype);
 *	recv out: the type received
 * @text: user pointer to the text
 * @size: send: text length; recv in: capacity of @text, out: bytes copied
 * @timeout_ns: 0 waits forever; else a relative timeout giving ETIMEDOUT
 * @flags: KIPC_NOWAIT; recv also KIPC_MSG_EXCEPT, _NOERROR, _PEEK
 * @pid: recv out: the sender's pid (in the caller's pid namespace);
 *	must be 0 on send, ignored on recv input
 * @reserved: must be 0
 */
struct kipc_msg {
	__s64 mtype;
	__u64 text;
	__u64 size;
	__u64 timeout_ns;
	__u32 flags;
	__u32 pid;
	__u64 reserved[2];
};

/**
 * struct kipc_msg_info - KIPC_MSG_GETINFO result
 * @qnum: messages queued
 * @cbytes: text bytes queued
 * @qbytes: queue capacity in bytes (also the message-count limit)
 * @msgmax: largest message text accepted
 * @lspid: pid of the last sender, 0 if none
 * @lrpid: pid of the last receiver, 0 if none
 * @stime_ns: CLOCK_REALTIME of the last send in ns, at tick resolution
 *	(CLOCK_REALTIME_COARSE), 0 = never
 * @rtime_ns: CLOCK_REALTIME of the last receive in ns, as @stime_ns
 * @sent: messages sent since load
 * @received: messages received since load (PEEK does not count)
 * @reserved: reads as 0
 */
struct kipc_msg_info {
	__u64 qnum;
	__u64 cbytes;
	__u64 qbytes;
	__u64 msgmax;
	__u32 lspid;
	__u32 lrpid;
	__u64 stime_ns;
	__u64 rtime_ns;
	__u64 sent;
	__u64 received;
	__u64 reserved[4];
};

/**
 * struct kipc_msg_limits - KIPC_MSG_SET_LIMITS argument
 * @qbytes: new queue capacity in bytes, >= 1
 * @msgmax: new largest message text, >= 1
 * @reserved: must be 0
 */
struct kipc_msg_limits {
	__u64 qbytes;
	__u64 msgmax;
	__u64 reserved[2];
};

/* Most entries one KIPC_MSG_SENDV or KIPC_MSG_RECVV takes (as UIO_MAXIOV). */
#define KIPC_MSG_VEC_MAX 1024

/**
 * struct kipc_msg_vec - KIPC_MSG_SENDV and KIPC_MSG_RECVV argument
 * @msgs: user pointer to an array of @count struct kipc_msg, each an
 *	argument as KIPC_MSG_SEND or KIPC_MSG_RECV takes it (and, for
 *	receive, updates it)
 * @count: entries in @msgs, 1..KIPC_MSG_VEC_MAX
 * @flags: must be 0
 * @reserved: must be 0
 *
 * The entries are sent or received in order, each as its own ioctl would,
 * except that only the first may wait: the others act as if KIPC_NOWAIT
 * were set. The call stops at the first entry that fails, which is left
 * as that one ioctl leaves it (nothing sent; its message still queued).
 * Returns the number of entries done, or -1 and the first entry's error.
 */
struct kipc_msg_vec {
	__u64 msgs;
	__u32 count;
	__u32 flags;
	__u64 reserved[2];
};

#define KIPC_MSG_SEND _IOW(KIPC_IOC_MAGIC, 0x10, struct kipc_msg)
#define KIPC_MSG_RECV _IOWR(KIPC_IOC_MAGIC, 0x11, struct kipc_msg)
#define KIPC_MSG_GETINFO _IOR(KIPC_IOC_MAGIC, 0x12, struct kipc_msg_info)
#define KIPC_MSG_SET_LIMITS _IOW(KIPC_IOC_MAGIC, 0x13, struct kipc_msg_limits)
#define KIPC_MSG_FLUSH _IO(KIPC_IOC_MAGIC, 0x14)
#define KIPC_MSG_SENDV _IOW(KIPC_IOC_MAGIC, 0x15, struct kipc_msg_vec)
#define KIPC_MSG_RECVV _IOW(KIPC_IOC_MAGIC, 0x16, struct kipc_msg_vec)

/* ------------------------------------------------------- shared memory */

/**
 * struct kipc_shm_info - KIPC_SHM_GETINFO result
 * @size: segment size in bytes (a multiple of the page size)
 * @nattch: live mappings of the segment
 * @reserved: reads as 0
 */
struct kipc_shm_info {
	__u64 size;
	__u64 nattch;
	__u64 reserved[4];
};

#define KIPC_SHM_GET_SIZE _IOR(KIPC_IOC_MAGIC, 0x20, __u64)
#define KIPC_SHM_SET_SIZE _IOW(KIPC_IOC_MAGIC, 0x21, __u64)
#define KIPC_SHM_GETINFO _IOR(KIPC_IOC_MAGIC, 0x22, struct kipc_shm_info)

/* ----------------------------------------------------------- semaphore */

#define KIPC_SEM_VALUE_MAX 0x7fffffff /* INT_MAX */
#define KIPC_SEM_UNDO (1U << 4) /* P: give back on close */

/**
 * struct kipc_sem_op - argument of KIPC_SEM_P and KIPC_SEM_V
 * @count: units to take or give, >= 1
 * @flags: P: KIPC_NOWAIT, KIPC_SEM_UNDO; V: must be 0
 * @timeout_ns: P: 0 waits forever, else relative (ETIMEDOUT); V: must be 0
 * @reserved: must be 0
 */
struct kipc_sem_op {
	__u32 count;
	__u32 flags;
	__u64 timeout_ns;
	__u64 reserved[2];
};

/**
 * struct kipc_sem_info - KIPC_SEM_GETINFO result
 * @value: units available
 * @waiters: tasks waiting in P
 * @lpid: pid of the last task that completed a P or V, 0 if none
 * @p_ops: completed P operations since load
 * @v_ops: completed V operations since load
 * @reserved: reads as 0
 */
struct kipc_sem_info {
	__s64 value;
	__u32 waiters;
	__u32 lpid;
	__u64 p_ops;
	__u64 v_ops;
	__u64 reserved[4];
};

#define KIPC_SEM_P _IOW(KIPC_IOC_MAGIC, 0x30, struct kipc_sem_op)
#define KIPC_SEM_V _IOW(KIPC_IOC_MAGIC, 0x31, struct kipc_sem_op)
#define KIPC_SEM_GETINFO _IOR(KIPC_IOC_MAGIC, 0x32, struct kipc_sem_info)
#define KIPC_SEM_SETVAL _IOW(KIPC_IOC_MAGIC, 0x33, __s64)

/* -------------------------------------------------- signal on arrival */

#define KIPC_NOTIFY_ONESHOT (1U << 0) /* unregister after one signal */

/**
 * struct kipc_notify - KIPC_NOTIFY argument (pipe and msg nodes)
 * @signo: signal to send; 0 unregisters; SIGKILL, SIGSTOP, invalid: EINVAL
 * @flags: KIPC_NOTIFY_ONESHOT
 * @mtype: msg nodes: 0 any type, > 0 that type, < 0 types <= -mtype;
 *	must be 0 on pipe nodes
 * @reserved: must be 0
 */
struct kipc_notify {
	__s32 signo;
	__u32 flags;
	__s64 mtype;
	__u64 reserved[2];
};

#define KIPC_NOTIFY _IOW(KIPC_IOC_MAGIC, 0x40, struct kipc_notify)

/* ------------------------------------------------ /dev/kipc/control */

/**
 * enum kipc_kind - the kinds of kipc object
 * @KIPC_KIND_PIPE: byte-stream pipe
 * @KIPC_KIND_MSG: typed message queue
 * @KIPC_KIND_SHM: shared-memory segment
 * @KIPC_KIND_SEM: counting semaphore
 */
enum kipc_kind {
	KIPC_KIND_PIPE = 1,
	KIPC_KIND_MSG = 2,
	KIPC_KIND_SHM = 3,
	KIPC_KIND_SEM = 4,
};

/* Longest object name, with its NUL: 1..31 bytes of [A-Za-z0-9._-]. */
#define KIPC_NAME_MAX 32

#define KIPC_CREATE_EXCL (1U << 0) /* EEXIST if the name exists */
#define KIPC_CREATE_SIZE (1U << 1) /* @size is given, even 0 (a sem at 0) */
/* KIPC_CTL_ANON's KIPC_CREATE_SIZE, in a bit no O_ flag uses (O_RDWR is 2). */
#define KIPC_ANON_SIZE (1U << 30)

/**
 * struct kipc_create - KIPC_CTL_CREATE argument: make /dev/kipc/@name
 * @kind: enum kipc_kind
 * @flags: KIPC_CREATE_EXCL; KIPC_CREATE_SIZE: @size is the size even
 *	when it is 0 (a semaphore at 0; 0 is EINVAL for the other kinds)
 * @mode: permission bits, <= 0777; the caller's umask is taken off
 * @reserved: must be 0
 * @size: pipe: capacity in bytes; shm: segment size in bytes; msg: queue
 *	capacity (qbytes); sem: initial value. 0 takes the module default,
 *	unless @flags has KIPC_CREATE_SIZE
 * @name: the object's name, NUL-terminated: 1..31 bytes of
 *	[A-Za-z0-9._-], not starting with '.', not "control"
 * @reserved2: must be 0
 *
 * Without KIPC_CREATE_EXCL an existing object of the same kind is
 * success and changes nothing (msgget(2) with IPC_CREAT).
 */
struct kipc_create {
	__u32 kind;
	__u32 flags;
	__u32 mode;
	__u32 reserved;
	__u64 size;
	char name[KIPC_NAME_MAX];
	__u64 reserved2[4];
};

/**
 * struct kipc_remove - KIPC_CTL_REMOVE argument: remove /dev/kipc/@name
 * @name: the object's name, NUL-terminated
 * @reserved: must be 0
 */
struct kipc_remove {
	char name[KIPC_NAME_MAX];
	__u64 reserved[2];
};

/**
 * struct kipc_pipe_pair - KIPC_CTL_PIPE argument: an anonymous pipe
 * @fd: out: the read end and the write end
 * @flags: O_CLOEXEC, O_NONBLOCK, as pipe2(2)
 * @size: capacity in bytes, 0 = the pipe_size parameter
 * @reserved: must be 0
 */
struct kipc_pipe_pair {
	__s32 fd[2];
	__u32 flags;
	__u32 size;
	__u64 reserved[2];
};

/**
 * struct kipc_anon - KIPC_CTL_ANON argument: an anonymous msg, shm or sem
 * @kind: KIPC_KIND_MSG, KIPC_KIND_SHM or KIPC_KIND_SEM
 * @flags: O_CLOEXEC, O_NONBLOCK; KIPC_ANON_SIZE: @size is given even
 *	when it is 0 (an anonymous semaphore at 0)
 * @size: as in struct kipc_create
 * @reserved: must be 0
 *
 * The ioctl returns the new O_RDWR file descriptor.
 */
struct kipc_anon {
	__u32 kind;
	__u32 flags;
	__u64 size;
	__u64 reserved[2];
};

#define KIPC_CTL_CREATE _IOW(KIPC_IOC_MAGIC, 0x50, struct kipc_create)
#define KIPC_CTL_REMOVE _IOW(KIPC_IOC_MAGIC, 0x51, struct kipc_remove)
#define KIPC_CTL_PIPE _IOWR(KIPC_IOC_MAGIC, 0x52, struct kipc_pipe_pair)
#define KIPC_CTL_ANON _IOW(KIPC_IOC_MAGIC, 0x53, struct kipc_anon)

#endif /* _UAPI_LINUX_KIPC_H */

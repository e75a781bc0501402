/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * libkipc: the user-space side of the kipc module.
 *
 * One call per operation. Each wraps one system call (open(2), ioctl(2),
 * mmap(2)) and reports errors as that call does: -1 (MAP_FAILED for
 * kipc_shm_map()) with errno set to exactly the kernel's errno. No call
 * allocates memory or keeps state between calls, so every call is safe
 * from any thread and from a forked child.
 *
 * Names: an object's NAME is what /dev/kipc/NAME shows ("jobs", "pipe0");
 * kipc_open() also takes a path (anything with a '/').
 *
 * Bad arguments get the errno the kernel gives them, also when they never
 * reach it: a NULL pointer the ioctl's argument would hold is EFAULT, a
 * name of 32 bytes or more EINVAL (it does not fit the ioctl's name).
 * The control node's calls (kipc_create(), kipc_remove(), kipc_pipe(),
 * kipc_anon()) open /dev/kipc/control for each call, so they can also
 * fail with open(2)'s errno: ENOENT when the module is not loaded,
 * EACCES when its mode (the control_mode parameter) does not let the
 * caller in, EMFILE.
 */
#ifndef _KIPC_KIPC_H
#define _KIPC_KIPC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/kipc.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Where the nodes live. */
#define KIPC_DEV_PATH "/dev/kipc"
#define KIPC_CONTROL_PATH "/dev/kipc/control"

/* ------------------------------------------------------------- objects */

/**
 * kipc_create() - make the named object /dev/kipc/@name
 * @name: 1..31 bytes of [A-Za-z0-9._-], not starting with '.'
 * @kind: KIPC_KIND_PIPE, _MSG, _SHM or _SEM
 * @mode: permission bits (<= 0777); the umask is taken off
 * @size: pipe: capacity; shm: bytes; msg: qbytes; sem: initial value;
 *	0 = the module default, unless @flags has KIPC_CREATE_SIZE
 * @flags: KIPC_CREATE_EXCL, KIPC_CREATE_SIZE
 *
 * Without KIPC_CREATE_EXCL an existing object of the same kind is success.
 * Return: 0, or -1 with errno: EEXIST (the name exists, with
 * KIPC_CREATE_EXCL or of another kind), EINVAL (name, kind, flags, mode,
 * size), ERANGE (a semaphore's value above KIPC_SEM_VALUE_MAX), ENOSPC
 * (max_objects, max_user_objects), EPERM (a size past the module's
 * maximum without CAP_SYS_RESOURCE), ENOMEM, EFAULT (@name NULL).
 */
int kipc_create(const char *name, enum kipc_kind kind, mode_t mode,
		uint64_t size, unsigned int flags);

/**
 * kipc_remove() - remove the named object /dev/kipc/@name
 * @name: the object's name
 *
 * Open files keep what the kernel's twin keeps (see kipc(7)).
 * Return: 0, or -1 with errno: ENOENT (no such object), EPERM (neither its
 * creator, its owner nor CAP_SYS_ADMIN), EINVAL (@name 32 bytes or more),
 * EFAULT (@name NULL).
 */
int kipc_remove(const char *name);

/**
 * kipc_open() - open an object by name or path
 * @name: NAME for /dev/kipc/NAME, or a path (contains '/')
 * @flags: open(2) flags (O_RDONLY, O_WRONLY, O_RDWR, O_NONBLOCK, ...);
 *	O_CLOEXEC is always added
 *
 * Return: the file descriptor, or -1 with open(2)'s errno (an empty
 * @name is ENOENT, as open("") is; a NULL one EFAULT).
 */
int kipc_open(const char *name, int flags);

/**
 * kipc_pipe() - an anonymous kipc pipe, as pipe2(2)
 * @fd: out: @fd[0] the read end, @fd[1] the write end
 * @flags: O_CLOEXEC, O_NONBLOCK
 * @size: capacity in bytes, 0 = the module's pipe_size
 *
 * Return: 0, or -1 with errno: EINVAL (flags, a size above 2^31), EPERM
 * (a size past pipe_max_size), ENOSPC (max_objects), EMFILE, ENFILE,
 * ENOMEM, EFAULT (@fd NULL).
 */
int kipc_pipe(int fd[2], int flags, uint32_t size);

/**
 * kipc_anon() - an anonymous message queue, segment or semaphore
 * @kind: KIPC_KIND_MSG, _SHM or _SEM
 * @flags: O_CLOEXEC, O_NONBLOCK; KIPC_ANON_SIZE: @size is given even
 *	when it is 0 (a semaphore at 0)
 * @size: as kipc_create()'s (a semaphore's initial value; 0 = default)
 *
 * Return: the O_RDWR file descriptor, or -1 with errno as kipc_create()'s
 * (EINVAL also for KIPC_KIND_PIPE: use kipc_pipe()), EMFILE, ENFILE.
 */
int kipc_anon(enum kipc_kind kind, int flags, uint64_t size);

/* ---------------------------------------------------------------- pipe */

/**
 * kipc_pipe_get_size() - a pipe's capacity
 * @fd: a pipe end
 *
 * As fcntl(F_GETPIPE_SZ), the capacity is an int: the largest, 2^31 (only
 * with CAP_SYS_RESOURCE), reads as INT_MIN; (uint32_t) of it is right.
 * Return: the capacity in bytes, or -1 with errno (EBADF, ENOTTY).
 */
int kipc_pipe_get_size(int fd);

/**
 * kipc_pipe_set_size() - change a pipe's capacity
 * @fd: a pipe end
 * @size: bytes, rounded up to a power of two of at least a page
 *
 * Return: the new capacity (@size rounded, as kipc_pipe_get_size()
 * returns it), or -1 with errno: EINVAL (0 or above 2^31), EPERM (growing
 * past pipe_max_size without CAP_SYS_RESOURCE), EBUSY (less than is
 * buffered), ENOMEM.
 */
int kipc_pipe_set_size(int fd, uint32_t size);

/* ----------------------------------------------------------- msg queue */

/**
 * kipc_msg_send() - send one typed message (msgsnd(2))
 * @fd: a msg object opened for writing
 * @mtype: the message type, > 0
 * @text: the text
 * @size: its length, <= the queue's msgmax
 * @flags: KIPC_NOWAIT (EAGAIN instead of waiting for room; so does a
 *	file opened O_NONBLOCK)
 * @timeout_ns: 0 waits forever, else ETIMEDOUT after that many ns
 *
 * Return: 0, or -1 with errno: EAGAIN, ETIMEDOUT, EINTR, EIDRM, EINVAL
 * (@mtype < 1, @size > msgmax, flags), EBADF (not open for writing),
 * EFAULT (@text).
 */
int kipc_msg_send(int fd, long long mtype, const void *text, size_t size,
		  unsigned int flags, uint64_t timeout_ns);

/**
 * kipc_msg_recv() - receive one typed message (msgrcv(2))
 * @fd: a msg object opened for reading
 * @mtype: in: the selector (0 the first message, > 0 the first of that
 *	type, < 0 the first of the lowest type <= -@mtype); out: the type
 *	received
 * @text: where the text goes
 * @size: room at @text
 * @flags: KIPC_NOWAIT, KIPC_MSG_EXCEPT, KIPC_MSG_NOERROR, KIPC_MSG_PEEK
 * @timeout_ns: 0 waits forever, else ETIMEDOUT after that many ns
 *
 * Return: the bytes copied to @text (with KIPC_MSG_NOERROR at most
 * @size), or -1 with errno: ENOMSG (none under KIPC_NOWAIT or
 * O_NONBLOCK), E2BIG (longer than @size; it stays queued), ETIMEDOUT,
 * EINTR, EIDRM, EINVAL (flags), EBADF (not open for reading), EFAULT
 * (@text, or @mtype NULL).
 */
ssize_t kipc_msg_recv(int fd, long long *mtype, void *text, size_t size,
		      unsigned int flags, uint64_t timeout_ns);

/**
 * kipc_msg_sendv() - send several messages in one call
 * @fd: a msg object opened for writing
 * @msgs: @count entries as KIPC_MSG_SEND takes them
 * @count: 1..KIPC_MSG_VEC_MAX
 *
 * Only the first entry may wait. Return: the number sent, or -1 with the
 * first entry's errno (EINVAL also for @count 0 or above the maximum).
 */
int kipc_msg_sendv(int fd, struct kipc_msg *msgs, unsigned int count);

/**
 * kipc_msg_recvv() - receive several messages in one call
 * @fd: a msg object opened for reading
 * @msgs: @count entries as KIPC_MSG_RECV takes them; each is updated
 * @count: 1..KIPC_MSG_VEC_MAX
 *
 * Only the first entry may wait. Return: the number received, or -1 with
 * the first entry's errno (EINVAL also for @count 0 or above the maximum).
 */
int kipc_msg_recvv(int fd, struct kipc_msg *msgs, unsigned int count);

/**
 * kipc_msg_set() - fill one vector entry
 * @m: the entry
 * @mtype: the type (send) or selector (receive)
 * @text: the text or the room for it
 * @size: its length or room
 * @flags: as kipc_msg_send() or kipc_msg_recv() take them
 */
static inline void kipc_msg_set(struct kipc_msg *m, long long mtype,
				const void *text, size_t size,
				unsigned int flags)
{
	*m = (struct kipc_msg){ .mtype = mtype,
				.text = (__u64)(uintptr_t)text,
				.size = size,
				.flags = flags };
}

/**
 * kipc_msg_info() - a queue's state (KIPC_MSG_GETINFO)
 * @fd: a msg object
 * @info: out
 * Return: 0, or -1 with errno (EIDRM, EFAULT).
 */
int kipc_msg_info(int fd, struct kipc_msg_info *info);

/**
 * kipc_msg_set_limits() - a queue's capacity and largest message
 * @fd: a msg object opened for writing
 * @qbytes: capacity in bytes, >= 1
 * @msgmax: largest text, >= 1
 *
 * Raising either past the module's default needs CAP_SYS_RESOURCE.
 * Return: 0, or -1 with errno (EINVAL, EPERM, EBADF, EIDRM).
 */
int kipc_msg_set_limits(int fd, uint64_t qbytes, uint64_t msgmax);

/**
 * kipc_msg_flush() - drop every queued message
 * @fd: a msg object opened for writing
 * Return: 0, or -1 with errno (EBADF, EIDRM).
 */
int kipc_msg_flush(int fd);

/* ----------------------------------------------------------- semaphore */

/**
 * kipc_sem_p() - take @count units, waiting while there are too few
 * @fd: a sem object opened for writing
 * @count: 1..KIPC_SEM_VALUE_MAX
 * @flags: KIPC_NOWAIT, KIPC_SEM_UNDO (given back when the process closes
 *	its last descriptor of the file or exits, as SEM_UNDO)
 * @timeout_ns: 0 waits forever, else ETIMEDOUT after that many ns
 *
 * Return: 0, or -1 with errno: EAGAIN, ETIMEDOUT, EINTR, EIDRM, EINVAL
 * (@count, flags), ERANGE (the process's undo units would pass
 * KIPC_SEM_VALUE_MAX), EBADF (not open for writing).
 */
int kipc_sem_p(int fd, unsigned int count, unsigned int flags,
	       uint64_t timeout_ns);

/**
 * kipc_sem_v() - give @count units
 * @fd: a sem object opened for writing
 * @count: 1..KIPC_SEM_VALUE_MAX
 * Return: 0, or -1 with errno: EOVERFLOW (the value would pass
 * KIPC_SEM_VALUE_MAX; nothing changes), EINVAL (@count), EIDRM, EBADF.
 */
int kipc_sem_v(int fd, unsigned int count);

/**
 * kipc_sem_setval() - set the value (semctl SETVAL)
 * @fd: a sem object opened for writing
 * @value: 0..KIPC_SEM_VALUE_MAX
 * Return: 0, or -1 with errno (ERANGE, EIDRM, EBADF).
 */
int kipc_sem_setval(int fd, int64_t value);

/**
 * kipc_sem_info() - a semaphore's state (KIPC_SEM_GETINFO)
 * @fd: a sem object opened for reading
 * @info: out
 * Return: 0, or -1 with errno (EBADF, EIDRM, EFAULT).
 */
int kipc_sem_info(int fd, struct kipc_sem_info *info);

/* ------------------------------------------------------- shared memory */

/**
 * kipc_shm_map() - map a whole segment, shared
 * @fd: a shm object
 * @prot: PROT_READ, PROT_WRITE (as the file was opened)
 * @size: out: the segment's size (may be NULL)
 *
 * Two system calls: KIPC_SHM_GET_SIZE, then mmap(2) of that many bytes
 * (if the segment shrinks in between, mmap fails with EINVAL).
 * Return: the address, or MAP_FAILED with errno: EACCES (@prot beyond the
 * file's mode), EIDRM, EINVAL, ENOMEM.
 */
void *kipc_shm_map(int fd, int prot, size_t *size);

/**
 * kipc_shm_unmap() - unmap what kipc_shm_map() mapped
 * @addr: its address
 * @size: its size
 * Return: 0, or -1 with munmap(2)'s errno.
 */
int kipc_shm_unmap(void *addr, size_t size);

/**
 * kipc_shm_get_size() - a segment's size in bytes
 * @fd: a shm object
 * @size: out
 * Return: 0, or -1 with errno (EIDRM, EFAULT).
 */
int kipc_shm_get_size(int fd, uint64_t *size);

/**
 * kipc_shm_set_size() - resize a segment (rounded up to pages)
 * @fd: a shm object opened for writing
 * @size: bytes, 1..the shm_max parameter
 * Return: 0, or -1 with errno: EINVAL (0 or past shm_max), EBUSY (the
 * segment is mapped), EBADF (not open for writing), ENOMEM, EIDRM.
 */
int kipc_shm_set_size(int fd, uint64_t size);

/**
 * kipc_shm_info() - a segment's size and mappings (KIPC_SHM_GETINFO)
 * @fd: a shm object
 * @info: out
 * Return: 0, or -1 with errno (EIDRM, EFAULT).
 */
int kipc_shm_info(int fd, struct kipc_shm_info *info);

/* -------------------------------------------------- signal on arrival */

/**
 * kipc_notify() - a signal to this process on every arrival (KIPC_NOTIFY)
 * @fd: a pipe or msg object
 * @signo: the signal; 0 unregisters
 * @flags: KIPC_NOTIFY_ONESHOT
 * @mtype: msg: 0 any type, > 0 that type, < 0 types <= -@mtype; pipe: 0
 * Return: 0, or -1 with errno: EINVAL (SIGKILL, SIGSTOP, not a signal;
 * flags; @mtype on a pipe), EBUSY (max_notifiers registered), EIDRM (a
 * removed queue).
 */
int kipc_notify(int fd, int signo, unsigned int flags, long long mtype);

#ifdef __cplusplus
}
#endif

#endif /* _KIPC_KIPC_H */

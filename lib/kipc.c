// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * libkipc: one call per kipc operation, see <kipc/kipc.h>.
 *
 * Each call fills the ioctl's argument on the stack and makes one system
 * call (the control node's calls: open, ioctl, close; kipc_shm_map():
 * KIPC_SHM_GET_SIZE, then mmap). Errors are the kernel's errno, untouched:
 * the only ones made here are for what cannot reach the kernel, and they
 * are the ones the kernel would give (EFAULT for a NULL pointer the
 * argument struct would hold, EINVAL for a name too long for it). No
 * allocation, no state: safe from any thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <kipc/kipc.h>

/* -1 with @err in errno, as a failed system call leaves it. */
static int kipc_err(int err)
{
	errno = err;
	return -1;
}

/*
 * Copy @name into a control struct's name field, as the kernel would find
 * it there: NULL is a bad pointer (EFAULT), 32 bytes without a NUL are
 * EINVAL. Reads at most KIPC_NAME_MAX bytes of @name.
 */
static int kipc_copy_name(char dst[KIPC_NAME_MAX], const char *name)
{
	size_t len;

	if (!name)
		return kipc_err(EFAULT);
	len = strnlen(name, KIPC_NAME_MAX);
	if (len >= KIPC_NAME_MAX)
		return kipc_err(EINVAL);
	memcpy(dst, name, len + 1);
	return 0;
}

/* One ioctl on a fresh fd of the control node; its result, errno kept. */
static int kipc_control(unsigned long cmd, void *arg)
{
	int fd, ret, err;

	fd = open(KIPC_CONTROL_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = ioctl(fd, cmd, arg);
	err = errno;
	close(fd);
	errno = err;
	return ret;
}

int kipc_create(const char *name, enum kipc_kind kind, mode_t mode,
		uint64_t size, unsigned int flags)
{
	struct kipc_create req = {
		.kind = kind, .flags = flags, .mode = mode, .size = size
	};

	if (kipc_copy_name(req.name, name))
		return -1;
	return kipc_control(KIPC_CTL_CREATE, &req);
}

int kipc_remove(const char *name)
{
	struct kipc_remove req = {};

	if (kipc_copy_name(req.name, name))
		return -1;
	return kipc_control(KIPC_CTL_REMOVE, &req);
}

int kipc_open(const char *name, int flags)
{
	static const char dir[] = KIPC_DEV_PATH "/";
	char path[PATH_MAX];
	size_t len;

	if (!name)
		return kipc_err(EFAULT);
	if (strchr(name, '/'))
		return open(name, flags | O_CLOEXEC);
	/* "" would be the directory: open("") says ENOENT. */
	if (!*name)
		return kipc_err(ENOENT);
	len = strnlen(name, sizeof(path) - sizeof(dir) + 1);
	if (len > sizeof(path) - sizeof(dir))
		return kipc_err(ENAMETOOLONG);
	memcpy(path, dir, sizeof(dir) - 1);
	memcpy(path + sizeof(dir) - 1, name, len + 1);
	return open(path, flags | O_CLOEXEC);
}

int kipc_pipe(int fd[2], int flags, uint32_t size)
{
	struct kipc_pipe_pair req = { .flags = flags, .size = size };

	if (!fd)
		return kipc_err(EFAULT);
	if (kipc_control(KIPC_CTL_PIPE, &req))
		return -1;
	fd[0] = req.fd[0];
	fd[1] = req.fd[1];
	return 0;
}

int kipc_anon(enum kipc_kind kind, int flags, uint64_t size)
{
	struct kipc_anon req = { .kind = kind, .flags = flags, .size = size };

	return kipc_control(KIPC_CTL_ANON, &req);
}

int kipc_pipe_get_size(int fd)
{
	__u32 size;

	if (ioctl(fd, KIPC_PIPE_GET_SIZE, &size))
		return -1;
	return (int)size;
}

int kipc_pipe_set_size(int fd, uint32_t size)
{
	__u32 req = size, page = getpagesize();

	if (ioctl(fd, KIPC_PIPE_SET_SIZE, &req))
		return -1;
	/* What the kernel made of it: a power of two, at least a page. */
	if (req <= page)
		return (int)page;
	req--;
	req |= req >> 1;
	req |= req >> 2;
	req |= req >> 4;
	req |= req >> 8;
	req |= req >> 16;
	return (int)(req + 1);
}

int kipc_msg_send(int fd, long long mtype, const void *text, size_t size,
		  unsigned int flags, uint64_t timeout_ns)
{
	struct kipc_msg m = {
		.mtype = mtype,
		.text = (uintptr_t)text,
		.size = size,
		.timeout_ns = timeout_ns,
		.flags = flags,
	};

	return ioctl(fd, KIPC_MSG_SEND, &m);
}

ssize_t kipc_msg_recv(int fd, long long *mtype, void *text, size_t size,
		      unsigned int flags, uint64_t timeout_ns)
{
	struct kipc_msg m = {
		.text = (uintptr_t)text,
		.size = size,
		.timeout_ns = timeout_ns,
		.flags = flags,
	};

	if (!mtype)
		return kipc_err(EFAULT);
	m.mtype = *mtype;
	if (ioctl(fd, KIPC_MSG_RECV, &m))
		return -1;
	*mtype = m.mtype;
	return m.size;
}

/* SENDV or RECVV of @count entries at @msgs. */
static int kipc_msg_vec(int fd, unsigned long cmd, struct kipc_msg *msgs,
			unsigned int count)
{
	struct kipc_msg_vec v = { .msgs = (uintptr_t)msgs, .count = count };

	return ioctl(fd, cmd, &v);
}

int kipc_msg_sendv(int fd, struct kipc_msg *msgs, unsigned int count)
{
	return kipc_msg_vec(fd, KIPC_MSG_SENDV, msgs, count);
}

int kipc_msg_recvv(int fd, struct kipc_msg *msgs, unsigned int count)
{
	return kipc_msg_vec(fd, KIPC_MSG_RECVV, msgs, count);
}

int kipc_msg_info(int fd, struct kipc_msg_info *info)
{
	return ioctl(fd, KIPC_MSG_GETINFO, info);
}

int kipc_msg_set_limits(int fd, uint64_t qbytes, uint64_t msgmax)
{
	struct kipc_msg_limits l = { .qbytes = qbytes, .msgmax = msgmax };

	return ioctl(fd, KIPC_MSG_SET_LIMITS, &l);
}

int kipc_msg_flush(int fd)
{
	return ioctl(fd, KIPC_MSG_FLUSH);
}

int kipc_sem_p(int fd, unsigned int count, unsigned int flags,
	       uint64_t timeout_ns)
{
	struct kipc_sem_op op = { .count = count,
				  .flags = flags,
				  .timeout_ns = timeout_ns };

	return ioctl(fd, KIPC_SEM_P, &op);
}

int kipc_sem_v(int fd, unsigned int count)
{
	struct kipc_sem_op op = { .count = count };

	return ioctl(fd, KIPC_SEM_V, &op);
}

int kipc_sem_setval(int fd, int64_t value)
{
	__s64 v = value;

	return ioctl(fd, KIPC_SEM_SETVAL, &v);
}

int kipc_sem_info(int fd, struct kipc_sem_info *info)
{
	return ioctl(fd, KIPC_SEM_GETINFO, info);
}

void *kipc_shm_map(int fd, int prot, size_t *size)
{
	__u64 len;
	void *p;

	if (ioctl(fd, KIPC_SHM_GET_SIZE, &len))
		return MAP_FAILED;
	if (len > SIZE_MAX) {
		errno = ENOMEM;
		return MAP_FAILED;
	}
	p = mmap(NULL, len, prot, MAP_SHARED, fd, 0);
	if (p != MAP_FAILED && size)
		*size = len;
	return p;
}

int kipc_shm_unmap(void *addr, size_t size)
{
	return munmap(addr, size);
}

int kipc_shm_get_size(int fd, uint64_t *size)
{
	return ioctl(fd, KIPC_SHM_GET_SIZE, size);
}

int kipc_shm_set_size(int fd, uint64_t size)
{
	__u64 v = size;

	return ioctl(fd, KIPC_SHM_SET_SIZE, &v);
}

int kipc_shm_info(int fd, struct kipc_shm_info *info)
{
	return ioctl(fd, KIPC_SHM_GETINFO, info);
}

int kipc_notify(int fd, int signo, unsigned int flags, long long mtype)
{
	struct kipc_notify n = { .signo = signo,
				 .flags = flags,
				 .mtype = mtype };

	return ioctl(fd, KIPC_NOTIFY, &n);
}

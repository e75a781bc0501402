// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * libkipc-preload.so: unmodified programs on kipc, for `kipc run`.
 *
 * LD_PRELOAD puts these definitions of pipe(2), pipe2(2), fcntl(2), the
 * System V msg, shm and sem calls and syscall(2) before libc's. Each maps
 * the call onto a kipc object through libkipc, or hands it to the next
 * definition (libc, that is the kernel) when it is not for kipc: a kind
 * left out by --only, an id the library did not make, a call kipc cannot
 * express (see Documentation/userspace-api/kipc.rst, "kipc run").
 *
 * System V ids must work in every process of the run, related or not, so
 * each id names a kipc object, "kr" TOKEN "." KIND ID, and the run directory
 * maps keys to ids (symlinks: one atomic system call each). Nothing is
 * cached per process but the shm attachments: each call opens the node,
 * makes its ioctl and closes it, so ids stay valid across fork, exec and
 * processes that close every fd.
 *
 * Signals and threads: no call here allocates or takes a lock; the shared
 * state is the counters page (atomic adds) and the attachment table
 * (compare-and-swap), so each call is as async-signal-safe as the one it
 * replaces.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/resource.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include <linux/capability.h>

#include <kipc/kipc.h>

#include "preload.h"

#define KP_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The kernel's SEMVMX and SHMLBA, which kipc does not enforce. */
#define KP_SEMVMX 32767
#define KP_SHMLBA 4096UL

/* The kind letters of object names and key links, by kipc kind. */
static const char kp_kind_char[] = { [KIPC_KIND_MSG] = 'q',
				     [KIPC_KIND_SHM] = 'm',
				     [KIPC_KIND_SEM] = 's' };

/**
 * struct kp_real - the definitions this library stands in front of
 * @pipe: libc's pipe(2), and so on
 *
 * Looked up once by the constructor (dlsym may allocate), or by the first
 * call made before it ran (another library's constructor); posix_spawnp,
 * looked up last, says they all are.
 */
static struct kp_real {
	int (*pipe)(int fd[2]);
	int (*pipe2)(int fd[2], int flags);
	int (*fcntl)(int fd, int cmd, ...);
	int (*fcntl64)(int fd, int cmd, ...);
	long (*syscall)(long nr, ...);
	int (*msgget)(key_t key, int flg);
	int (*msgsnd)(int id, const void *msgp, size_t sz, int flg);
	ssize_t (*msgrcv)(int id, void *msgp, size_t sz, long typ, int flg);
	int (*msgctl)(int id, int cmd, struct msqid_ds *buf);
	int (*shmget)(key_t key, size_t size, int flg);
	void *(*shmat)(int id, const void *addr, int flg);
	int (*shmdt)(const void *addr);
	int (*shmctl)(int id, int cmd, struct shmid_ds *buf);
	int (*semget)(key_t key, int nsems, int flg);
	int (*semop)(int id, struct sembuf *sops, size_t nsops);
	int (*semtimedop)(int id, struct sembuf *sops, size_t nsops,
			  const struct timespec *timeout);
	int (*semctl)(int id, int num, int cmd, ...);
	int (*execve)(const char *path, char *const argv[], char *const envp[]);
	int (*execvpe)(const char *file, char *const argv[],
		       char *const envp[]);
	int (*posix_spawn)(pid_t *pid, const char *path,
			   const posix_spawn_file_actions_t *fa,
			   const posix_spawnattr_t *attr, char *const argv[],
			   char *const envp[]);
	int (*posix_spawnp)(pid_t *pid, const char *file,
			    const posix_spawn_file_actions_t *fa,
			    const posix_spawnattr_t *attr, char *const argv[],
			    char *const envp[]);
} kp_real;

/**
 * struct kp_run - this process's view of the run, set by the constructor
 * @on: KIPC_RUN_* kinds redirected (0 outside a run: everything passes)
 * @dir: the run directory
 * @tok: its last KIPC_RUN_TOKEN_LEN characters, in object names
 * @ctr: the shared counters page, or NULL
 * @pid: the pid last recorded in @dir (a forked child records its own)
 */
static struct kp_run {
	unsigned int on;
	char dir[PATH_MAX - 32];
	char tok[KIPC_RUN_TOKEN_LEN + 1];
	struct kipc_run_counters *ctr;
	pid_t pid;
} kp;

/**
 * struct kp_attach - one shmat() attachment of a kipc segment
 * @addr: where it is mapped, NULL for a free slot (claimed by CAS)
 * @len: the mapping's length
 * @id: the segment's id
 */
struct kp_attach {
	void *addr;
	size_t len;
	int id;
};

static struct kp_attach kp_attached[1024];

/**
 * struct kp_undo - a semaphore's file kept open for its SEM_UNDO
 * @pid: the process that opened it; 0 free, -1 being filled (CAS)
 * @id: the semaphore's id
 * @fd: the file, whose close gives the units back
 */
struct kp_undo {
	pid_t pid;
	int id;
	int fd;
};

static struct kp_undo kp_undos[64];

static void kp_resolve_all(void)
{
	kp_real.pipe = dlsym(RTLD_NEXT, "pipe");
	kp_real.pipe2 = dlsym(RTLD_NEXT, "pipe2");
	kp_real.fcntl = dlsym(RTLD_NEXT, "fcntl");
	kp_real.fcntl64 = dlsym(RTLD_NEXT, "fcntl64");
	kp_real.syscall = dlsym(RTLD_NEXT, "syscall");
	kp_real.msgget = dlsym(RTLD_NEXT, "msgget");
	kp_real.msgsnd = dlsym(RTLD_NEXT, "msgsnd");
	kp_real.msgrcv = dlsym(RTLD_NEXT, "msgrcv");
	kp_real.msgctl = dlsym(RTLD_NEXT, "msgctl");
	kp_real.shmget = dlsym(RTLD_NEXT, "shmget");
	kp_real.shmat = dlsym(RTLD_NEXT, "shmat");
	kp_real.shmdt = dlsym(RTLD_NEXT, "shmdt");
	kp_real.shmctl = dlsym(RTLD_NEXT, "shmctl");
	kp_real.semget = dlsym(RTLD_NEXT, "semget");
	kp_real.semop = dlsym(RTLD_NEXT, "semop");
	kp_real.semtimedop = dlsym(RTLD_NEXT, "semtimedop");
	kp_real.semctl = dlsym(RTLD_NEXT, "semctl");
	kp_real.execve = dlsym(RTLD_NEXT, "execve");
	kp_real.execvpe = dlsym(RTLD_NEXT, "execvpe");
	kp_real.posix_spawn = dlsym(RTLD_NEXT, "posix_spawn");
	__atomic_store_n(&kp_real.posix_spawnp,
			 dlsym(RTLD_NEXT, "posix_spawnp"), __ATOMIC_RELEASE);
}

static void kp_need(void)
{
	if (!__atomic_load_n(&kp_real.posix_spawnp, __ATOMIC_ACQUIRE))
		kp_resolve_all();
}

/* The real @name, looked up first if a call came before the constructor. */
#define KP_REAL(name) (kp_need(), kp_real.name)

static int kp_err(int err)
{
	errno = err;
	return -1;
}

/* Append decimal @v at @p; returns the end. @p must have room for 20. */
static char *kp_utoa(char *p, unsigned long long v)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = '0' + v % 10;
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	*p = '\0';
	return p;
}

static char *kp_stpcpy(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	*p = '\0';
	return p;
}

/* Parse a decimal at *@s, moving past it; false if there is none. */
static bool kp_atoull(const char **s, unsigned long long *v)
{
	const char *p = *s;

	*v = 0;
	if (*p < '0' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9')
		*v = *v * 10 + (*p++ - '0');
	*s = p;
	return true;
}

/* @path in the run directory: DIR/@prefix@num[.@num2]. */
static void kp_run_path(char *buf, const char *prefix, unsigned long long num,
			long long num2)
{
	char *p = kp_stpcpy(buf, kp.dir);

	p = kp_stpcpy(p, "/");
	p = kp_stpcpy(p, prefix);
	p = kp_utoa(p, num);
	if (num2 >= 0) {
		p = kp_stpcpy(p, ".");
		kp_utoa(p, num2);
	}
}

static void kp_count(uint64_t *ctr)
{
	if (kp.ctr)
		__atomic_add_fetch(ctr, 1, __ATOMIC_RELAXED);
}

/*
 * This process made an anonymous object: record its pid, once, so that
 * `kipc run --stats` finds the object's row (cpid) in /proc/kipc.
 */
static void kp_made(enum kipc_run_kind k)
{
	char path[PATH_MAX];
	pid_t pid = getpid();

	if (!kp.ctr)
		return;
	__atomic_add_fetch(&kp.ctr->made[k], 1, __ATOMIC_RELAXED);
	if (__atomic_load_n(&kp.pid, __ATOMIC_RELAXED) == pid)
		return;
	kp_run_path(path, "p", pid, -1);
	symlink("p", path);
	__atomic_store_n(&kp.pid, pid, __ATOMIC_RELAXED);
}

/* Copies that fail with EFAULT, as the kernel's copy_{to,from}_user. */
static int kp_copy(void *dst, const void *src, size_t len, bool to_user)
{
	struct iovec local, remote;
	ssize_t n;

	local.iov_base = to_user ? (void *)src : dst;
	remote.iov_base = to_user ? dst : (void *)src;
	local.iov_len = len;
	remote.iov_len = len;
	if (!len)
		return 0;
	n = to_user ? process_vm_writev(getpid(), &local, 1, &remote, 1, 0) :
		      process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
	if (n == (ssize_t)len)
		return 0;
	if (n < 0 && errno != EFAULT) {
		/* No process_vm_*v (seccomp): copy plainly. */
		memcpy(dst, src, len);
		return 0;
	}
	return kp_err(EFAULT);
}

/* The caller has capability @cap in its effective set (capget(2)). */
static bool kp_capable(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	if (KP_REAL(syscall)(SYS_capget, &hdr, data))
		return geteuid() == 0;
	return data[CAP_TO_INDEX(cap)].effective & CAP_TO_MASK(cap);
}

/* The number in the file @path (a sysctl, a module parameter), or @def. */
static unsigned long long kp_read_num(const char *path, unsigned long long def)
{
	unsigned long long v;
	const char *s;
	char buf[32];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return def;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return def;
	buf[n] = '\0';
	s = buf;
	return kp_atoull(&s, &v) ? v : def;
}

/* ---------------------------------------------------------------- init */

__attribute__((constructor)) static void kp_init(void)
{
	const char *dir = getenv(KIPC_RUN_ENV), *only, *s;
	unsigned long long on = KIPC_RUN_ALL;
	char path[PATH_MAX];
	size_t len;
	void *p;
	int fd;

	kp_need();

	if (!dir || !*dir)
		return;
	len = strlen(dir);
	if (len >= sizeof(kp.dir) || len < KIPC_RUN_TOKEN_LEN)
		return;
	memcpy(kp.dir, dir, len + 1);
	memcpy(kp.tok, dir + len - KIPC_RUN_TOKEN_LEN, KIPC_RUN_TOKEN_LEN);
	only = getenv(KIPC_RUN_ONLY_ENV);
	s = only;
	if (only && !kp_atoull(&s, &on))
		on = KIPC_RUN_ALL;
	kp_stpcpy(kp_stpcpy(path, kp.dir), "/counters");
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return;
	p = mmap(NULL, sizeof(*kp.ctr), PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 0);
	close(fd);
	if (p == MAP_FAILED)
		return;
	kp.ctr = p;
	if (kp.ctr->magic != KIPC_RUN_MAGIC) {
		munmap(p, sizeof(*kp.ctr));
		kp.ctr = NULL;
		return;
	}
	kp_count(&kp.ctr->processes);
	kp.on = on & KIPC_RUN_ALL;
}

/* ---------------------------------------------------------------- pipe */

/*
 * fs/pipe.c alloc_pipe_info(): a new pipe has 16 pages, or pipe-max-size
 * when that is less and the caller lacks CAP_SYS_RESOURCE. 0 asks kipc
 * for its pipe_size (16 pages by default).
 */
static unsigned int kp_pipe_size(void)
{
	unsigned long long max, def, page = sysconf(_SC_PAGESIZE);

	max = kp_read_num("/proc/sys/fs/pipe-max-size", ~0ULL);
	def = kp_read_num("/sys/module/kipc/parameters/pipe_size", 16 * page);
	if (max >= def || kp_capable(CAP_SYS_RESOURCE))
		return 0;
	max &= ~(page - 1);
	return max < page ? page : max;
}

static int kp_pipe2(int fd[2], int flags)
{
	int p[2], err;

	/*
	 * O_DIRECT (packet mode), O_NOTIFICATION_PIPE and unknown flags are
	 * the kernel's to do or to refuse (EINVAL).
	 */
	if (!(kp.on & KIPC_RUN_PIPE) || (flags & ~(O_CLOEXEC | O_NONBLOCK)))
		goto kernel;
	if (kipc_pipe(p, flags, kp_pipe_size())) {
		/*
		 * No control node, or kipc's limits (pipe(2) knows no
		 * ENOSPC): the kernel's pipe. EMFILE, ENFILE, ENOMEM stand.
		 */
		if (errno != ENOENT && errno != ENODEV && errno != ENXIO &&
		    errno != EACCES && errno != ENOSPC && errno != EPERM)
			return -1;
		goto kernel;
	}
	if (kp_copy(fd, p, sizeof(p), true)) {
		err = errno;
		close(p[0]);
		close(p[1]);
		return kp_err(err);
	}
	kp_made(KIPC_RUN_K_PIPE);
	return 0;
kernel:
	if (kp.on & KIPC_RUN_PIPE)
		kp_count(&kp.ctr->kernel[KIPC_RUN_K_PIPE]);
	return KP_REAL(pipe2)(fd, flags);
}

int pipe(int fd[2])
{
	return kp_pipe2(fd, 0);
}

int pipe2(int fd[2], int flags)
{
	return kp_pipe2(fd, flags);
}

/*
 * F_GETPIPE_SZ and F_SETPIPE_SZ: the kernel's answer for its own pipes;
 * its EBADF (not a pipe) may be a kipc pipe, which the size ioctls know.
 */
static int kp_fcntl(int (*real)(int, int, ...), int fd, int cmd, void *arg)
{
	unsigned int arg_size, page;
	int ret, size;

	ret = real(fd, cmd, arg);
	if (ret != -1 || errno != EBADF ||
	    (cmd != F_GETPIPE_SZ && cmd != F_SETPIPE_SZ))
		return ret;
	size = kipc_pipe_get_size(fd);
	if (size < 0)
		return kp_err(EBADF);
	if (cmd == F_GETPIPE_SZ)
		return size;
	/* fs/pipe.c rounds up to a page, 0 included; kipc refuses 0. */
	arg_size = (unsigned int)(unsigned long)arg;
	page = sysconf(_SC_PAGESIZE);
	if (arg_size < page)
		arg_size = page;
	/*
	 * pipe_set_size(): growing past the pipe-max-size sysctl needs
	 * CAP_SYS_RESOURCE (kipc checks its own pipe_max_size too).
	 */
	if (arg_size > (unsigned int)size && arg_size <= 1U << 31 &&
	    arg_size > kp_read_num("/proc/sys/fs/pipe-max-size", ~0ULL) &&
	    !kp_capable(CAP_SYS_RESOURCE))
		return kp_err(EPERM);
	return kipc_pipe_set_size(fd, arg_size);
}

/* glibc reads the argument as a pointer too, whatever the command. */
int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return kp_fcntl(KP_REAL(fcntl), fd, cmd, arg);
}

int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return kp_fcntl(KP_REAL(fcntl64), fd, cmd, arg);
}

/* syscall(SYS_fcntl, ...): the system call itself, not libc's fcntl(). */
static int kp_sys_fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return KP_REAL(syscall)(SYS_fcntl, fd, cmd, arg);
}

/* ------------------------------------------------ System V: ids, names */

/**
 * struct kp_obj - what the run directory says about one System V id
 * @name: the kipc object's name
 * @path: its node
 * @key: the key it was made with (IPC_PRIVATE for none)
 * @cuid: creator's euid
 * @cgid: creator's egid
 * @cpid: creator's pid
 * @size: shm: the size asked for (the node's is rounded to pages)
 * @dev: the node's device and inode number, which tell a file of it from
 * @ino: any other
 */
struct kp_obj {
	char name[KIPC_NAME_MAX];
	char path[sizeof(KIPC_DEV_PATH) + KIPC_NAME_MAX];
	key_t key;
	uid_t cuid;
	gid_t cgid;
	pid_t cpid;
	unsigned long long size;
	dev_t dev;
	ino_t ino;
};

static unsigned int kp_kind_bit(enum kipc_kind kind)
{
	return kind == KIPC_KIND_MSG ? KIPC_RUN_MSG :
	       kind == KIPC_KIND_SHM ? KIPC_RUN_SHM :
				       KIPC_RUN_SEM;
}

static enum kipc_run_kind kp_kind_idx(enum kipc_kind kind)
{
	return kind == KIPC_KIND_MSG ? KIPC_RUN_K_MSG :
	       kind == KIPC_KIND_SHM ? KIPC_RUN_K_SHM :
				       KIPC_RUN_K_SEM;
}

static void kp_obj_name(struct kp_obj *o, enum kipc_kind kind, int id)
{
	char *p = kp_stpcpy(o->name, KIPC_RUN_PREFIX);

	p = kp_stpcpy(p, kp.tok);
	*p++ = '.';
	*p++ = kp_kind_char[kind];
	kp_utoa(p, id);
	kp_stpcpy(kp_stpcpy(o->path, KIPC_DEV_PATH "/"), o->name);
}

/*
 * @id is one this run made, of @kind: fill @o (true), else false and the
 * call goes to the kernel. A removed object is the kernel's too: the
 * kernel then says EINVAL, as for any id it does not know.
 */
static bool kp_lookup(struct kp_obj *o, enum kipc_kind kind, int id)
{
	unsigned long long v[5];
	char path[PATH_MAX], link[96];
	const char *s = link;
	struct stat st;
	ssize_t n;
	int i;

	if (!(kp.on & kp_kind_bit(kind)) || id < KIPC_RUN_ID_BASE)
		return false;
	kp_obj_name(o, kind, id);
	if (stat(o->path, &st))
		return false;
	o->dev = st.st_dev;
	o->ino = st.st_ino;
	kp_run_path(path, "i", id, -1);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return false;
	link[n] = '\0';
	for (i = 0; i < 5; i++) {
		if (!kp_atoull(&s, &v[i]) || (i < 4 && *s++ != ':'))
			return false;
	}
	o->key = (key_t)v[0];
	o->cuid = v[1];
	o->cgid = v[2];
	o->cpid = v[3];
	o->size = v[4];
	return true;
}

/* The id of @key's object of @kind in this run, or -1. */
static int kp_key_id(enum kipc_kind kind, key_t key)
{
	char path[PATH_MAX], link[16], pre[3] = { 'k', kp_kind_char[kind] };
	const char *s = link;
	unsigned long long id;
	ssize_t n;

	kp_run_path(path, pre, (unsigned int)key, -1);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -1;
	link[n] = '\0';
	if (!kp_atoull(&s, &id))
		return -1;
	return id;
}

/* Forget @key's link if it still names @id (after IPC_RMID). */
static void kp_key_forget(enum kipc_kind kind, key_t key, int id)
{
	char path[PATH_MAX], pre[3] = { 'k', kp_kind_char[kind] };

	if (key == IPC_PRIVATE || kp_key_id(kind, key) != id)
		return;
	kp_run_path(path, pre, (unsigned int)key, -1);
	unlink(path);
}

/* ipcperms(): the access @flg's low bits ask for, against the node. */
static int kp_perms(const char *path, int flg)
{
	int req = (flg >> 6 | flg >> 3 | flg) & 7, mode = 0;

	if (req & 4)
		mode |= R_OK;
	if (req & 2)
		mode |= W_OK;
	if (mode && faccessat(AT_FDCWD, path, mode, AT_EACCESS))
		return kp_err(errno == EACCES || errno == EPERM ? EACCES :
								  errno);
	return 0;
}

/*
 * Make a new object of @kind for @key: a fresh id, the node (mode exactly
 * @flg & 0777: System V takes no umask), its i<id> record, then the key's
 * link, which settles a race between two creators of one key.
 */
static int kp_sysv_create(enum kipc_kind kind, key_t key, int flg,
			  unsigned long long size, unsigned long long asked)
{
	char path[PATH_MAX], link[96], *p, pre[3] = { 'k', kp_kind_char[kind] };
	struct kp_obj o;
	unsigned int n;
	int id, err, ret;

	/* newseg(): SHMMIN is 1 (existing ones take 0), SHMMAX the sysctl. */
	if (kind == KIPC_KIND_SHM &&
	    (!asked || asked > kp_read_num("/proc/sys/kernel/shmmax", ~0ULL)))
		return kp_err(EINVAL);
	do {
		n = __atomic_fetch_add(&kp.ctr->next_id, 1, __ATOMIC_RELAXED);
		if (n > KIPC_RUN_ID_MAX - KIPC_RUN_ID_BASE)
			return kp_err(ENOSPC);
		id = KIPC_RUN_ID_BASE + n;
		kp_obj_name(&o, kind, id);
		/* A semaphore starts at 0; 0 is the default for the others. */
		ret = kipc_create(o.name, kind, flg & 0777, size,
				  KIPC_CREATE_EXCL | (kind == KIPC_KIND_SEM ?
							      KIPC_CREATE_SIZE :
							      0));
	} while (ret && errno == EEXIST);
	if (ret)
		return -1;
	chmod(o.path, flg & 0777);
	p = kp_utoa(link, (unsigned int)key);
	*p++ = ':';
	p = kp_utoa(p, geteuid());
	*p++ = ':';
	p = kp_utoa(p, getegid());
	*p++ = ':';
	p = kp_utoa(p, getpid());
	*p++ = ':';
	kp_utoa(p, asked);
	kp_run_path(path, "i", id, -1);
	symlink(link, path);
	if (key != IPC_PRIVATE) {
		kp_run_path(path, pre, (unsigned int)key, -1);
		kp_utoa(link, id);
		if (symlink(link, path)) {
			err = errno;
			kipc_remove(o.name);
			kp_run_path(path, "i", id, -1);
			unlink(path);
			return kp_err(err);
		}
	}
	kp_made(kp_kind_idx(kind));
	return id;
}

/*
 * msgget(), shmget(), semget() for an object of @kind: -2 when the call
 * belongs to the kernel. @size is the kipc size to make it with, @asked
 * what the caller asked (shm: EINVAL when an existing segment is smaller).
 */
static int kp_sysv_get(enum kipc_kind kind, key_t key, int flg,
		       unsigned long long size, unsigned long long asked)
{
	struct kp_obj o;
	int id, tries;

	if (!(kp.on & kp_kind_bit(kind)) || !kp.ctr)
		return -2;
	if (key == IPC_PRIVATE)
		return kp_sysv_create(kind, key, flg, size, asked);
	for (tries = 0; tries < 100; tries++) {
		id = kp_key_id(kind, key);
		if (id >= 0 && kp_lookup(&o, kind, id)) {
			if ((flg & IPC_CREAT) && (flg & IPC_EXCL))
				return kp_err(EEXIST);
			if (kind == KIPC_KIND_SHM && asked > o.size)
				return kp_err(EINVAL);
			if (kp_perms(o.path, flg))
				return -1;
			return id;
		}
		if (id >= 0) {
			/* A stale link: its object was removed. */
			kp_key_forget(kind, key, id);
			continue;
		}
		if (!(flg & IPC_CREAT))
			return kp_err(ENOENT);
		id = kp_sysv_create(kind, key, flg, size, asked);
		if (id >= 0 || errno != EEXIST)
			return id;
		/* Another process made the key first: take theirs. */
	}
	return kp_err(EAGAIN);
}

/* Open @o's node as @flags, errno as open(2) (EACCES, ENOENT). */
static int kp_open(const struct kp_obj *o, int flags)
{
	int fd = kipc_open(o->path, flags);

	/* Removed since the lookup: an id the kernel does not know. */
	if (fd < 0 && errno == ENOENT)
		errno = EINVAL;
	return fd;
}

static int kp_close_keep_errno(int fd, int ret)
{
	int err = errno;

	close(fd);
	errno = err;
	return ret;
}

/* Fill @perm from @o and its node: owner and mode from stat(2). */
static int kp_perm(const struct kp_obj *o, struct ipc_perm *perm,
		   struct stat *st)
{
	if (stat(o->path, st))
		return kp_err(errno == ENOENT ? EINVAL : errno);
	memset(perm, 0, sizeof(*perm));
	perm->__key = o->key;
	perm->uid = st->st_uid;
	perm->gid = st->st_gid;
	perm->cuid = o->cuid;
	perm->cgid = o->cgid;
	perm->mode = st->st_mode & 0777;
	return 0;
}

/*
 * IPC_SET's rule: the owner, the creator or CAP_SYS_ADMIN (which root
 * has). Fills @st from the node.
 */
static int kp_may_set(const struct kp_obj *o, struct stat *st)
{
	uid_t euid = geteuid();

	if (stat(o->path, st))
		return kp_err(errno == ENOENT ? EINVAL : errno);
	if (euid && euid != st->st_uid && euid != o->cuid)
		return kp_err(EPERM);
	return 0;
}

/* IPC_SET's new owner and mode on the node, which @st describes. */
static int kp_apply_perm(const struct kp_obj *o, const struct ipc_perm *perm,
			 const struct stat *st)
{
	if ((perm->uid != st->st_uid || perm->gid != st->st_gid) &&
	    chown(o->path, perm->uid, perm->gid))
		return -1;
	if (chmod(o->path, perm->mode & 0777))
		return -1;
	return 0;
}

static int kp_set_perm(const struct kp_obj *o, const struct ipc_perm *perm)
{
	struct stat st;

	if (kp_may_set(o, &st))
		return -1;
	return kp_apply_perm(o, perm, &st);
}

/* IPC_RMID: kipc's rule is IPC_RMID's (creator, owner, CAP_SYS_ADMIN). */
static int kp_rmid(const struct kp_obj *o, enum kipc_kind kind, int id)
{
	char path[PATH_MAX], pre[2] = "";
	const char *rec;

	if (kipc_remove(o->name))
		return kp_err(errno == ENOENT ? EINVAL : errno);
	kp_key_forget(kind, o->key, id);
	/* Its records: i (what it is), a (shm times), l (SHM_LOCK), v, o. */
	for (rec = "ialvo"; *rec; rec++) {
		pre[0] = *rec;
		kp_run_path(path, pre, id, -1);
		unlink(path);
	}
	return 0;
}

/* ----------------------------------------------------------- msg queue */

int msgget(key_t key, int flg)
{
	int id = kp_sysv_get(KIPC_KIND_MSG, key, flg, 0, 0);

	if (id == -2) {
		if (kp.on & KIPC_RUN_MSG)
			kp_count(&kp.ctr->kernel[KIPC_RUN_K_MSG]);
		return KP_REAL(msgget)(key, flg);
	}
	return id;
}

int msgsnd(int id, const void *msgp, size_t sz, int flg)
{
	struct kp_obj o;
	long mtype;
	int fd, ret;

	if (!kp_lookup(&o, KIPC_KIND_MSG, id))
		return KP_REAL(msgsnd)(id, msgp, sz, flg);
	if ((ssize_t)sz < 0)
		return kp_err(EINVAL);
	if (kp_copy(&mtype, msgp, sizeof(mtype), false))
		return -1;
	if (mtype < 1)
		return kp_err(EINVAL);
	fd = kp_open(&o, O_WRONLY);
	if (fd < 0)
		return -1;
	ret = kipc_msg_send(fd, mtype, (const char *)msgp + sizeof(long), sz,
			    flg & IPC_NOWAIT ? KIPC_NOWAIT : 0, 0);
	return kp_close_keep_errno(fd, ret);
}

/*
 * MSG_COPY: a copy of the message at index @typ, left queued. do_msgrcv()'s
 * checks come first (EINVAL without IPC_NOWAIT or with MSG_EXCEPT), an
 * index past the queue is ENOMSG. kipc can peek at the first message
 * (KIPC_MSG_PEEK, type 0) but at no other index: EINVAL for those.
 */
static ssize_t kp_msg_copy(const struct kp_obj *o, void *msgp, size_t sz,
			   long typ, int flg)
{
	struct kipc_msg_info info;
	long long mtype = 0;
	ssize_t ret;
	long out;
	int fd;

	if (!(flg & IPC_NOWAIT) || (flg & MSG_EXCEPT) || (ssize_t)sz < 0)
		return kp_err(EINVAL);
	fd = kp_open(o, O_RDONLY);
	if (fd < 0)
		return -1;
	if (kipc_msg_info(fd, &info))
		return kp_close_keep_errno(fd, -1);
	if (typ < 0 || (unsigned long long)typ >= info.qnum)
		return kp_close_keep_errno(fd, kp_err(ENOMSG));
	if (typ > 0)
		return kp_close_keep_errno(fd, kp_err(EINVAL));
	ret = kipc_msg_recv(fd, &mtype, (char *)msgp + sizeof(long), sz,
			    KIPC_NOWAIT | KIPC_MSG_PEEK |
				    (flg & MSG_NOERROR ? KIPC_MSG_NOERROR : 0),
			    0);
	kp_close_keep_errno(fd, 0);
	if (ret < 0)
		return ret;
	out = mtype;
	if (kp_copy(msgp, &out, sizeof(out), true))
		return -1;
	return ret;
}

ssize_t msgrcv(int id, void *msgp, size_t sz, long typ, int flg)
{
	unsigned int kflags = 0;
	long long mtype = typ;
	struct kp_obj o;
	long out;
	ssize_t ret;
	int fd;

	if (!kp_lookup(&o, KIPC_KIND_MSG, id))
		return KP_REAL(msgrcv)(id, msgp, sz, typ, flg);
	if (flg & MSG_COPY)
		return kp_msg_copy(&o, msgp, sz, typ, flg);
	if ((ssize_t)sz < 0)
		return kp_err(EINVAL);
	if (flg & IPC_NOWAIT)
		kflags |= KIPC_NOWAIT;
	if (flg & MSG_EXCEPT)
		kflags |= KIPC_MSG_EXCEPT;
	if (flg & MSG_NOERROR)
		kflags |= KIPC_MSG_NOERROR;
	fd = kp_open(&o, O_RDONLY);
	if (fd < 0)
		return -1;
	ret = kipc_msg_recv(fd, &mtype, (char *)msgp + sizeof(long), sz, kflags,
			    0);
	kp_close_keep_errno(fd, 0);
	if (ret < 0)
		return ret;
	out = mtype;
	if (kp_copy(msgp, &out, sizeof(out), true))
		return -1;
	return ret;
}

static int kp_msg_stat(const struct kp_obj *o, struct msqid_ds *buf)
{
	struct kipc_msg_info info;
	struct msqid_ds ds;
	struct stat st;
	int fd;

	fd = kp_open(o, O_RDONLY);
	if (fd < 0)
		return -1;
	if (kipc_msg_info(fd, &info))
		return kp_close_keep_errno(fd, -1);
	close(fd);
	memset(&ds, 0, sizeof(ds));
	if (kp_perm(o, &ds.msg_perm, &st))
		return -1;
	ds.msg_stime = info.stime_ns / 1000000000ULL;
	ds.msg_rtime = info.rtime_ns / 1000000000ULL;
	ds.msg_ctime = st.st_ctime;
	ds.__msg_cbytes = info.cbytes;
	ds.msg_qnum = info.qnum;
	ds.msg_qbytes = info.qbytes;
	ds.msg_lspid = info.lspid;
	ds.msg_lrpid = info.lrpid;
	return kp_copy(buf, &ds, sizeof(ds), true);
}

/*
 * @o's node open for writing, for IPC_SET, which needs ownership but no
 * access: an owner without write permission (mode 0400) has it for the
 * open only.
 */
static int kp_open_owner(const struct kp_obj *o, const struct stat *st)
{
	int fd = kp_open(o, O_WRONLY), err;

	if (fd >= 0 || errno != EACCES || geteuid() != st->st_uid)
		return fd;
	if (chmod(o->path, (st->st_mode & 0777) | 0200))
		return kp_err(EACCES);
	fd = kp_open(o, O_WRONLY);
	err = errno;
	chmod(o->path, st->st_mode & 0777);
	errno = err;
	return fd;
}

/*
 * As msgctl_down(): msg_qbytes first, which may fail (EPERM past msgmnb
 * without CAP_SYS_RESOURCE), then owner and mode, so that a call that
 * fails changes nothing.
 */
static int kp_msg_set(const struct kp_obj *o, const struct msqid_ds *buf)
{
	struct kipc_msg_info info;
	struct msqid_ds ds;
	struct stat st;
	int fd, ret;

	if (kp_copy(&ds, buf, sizeof(ds), false))
		return -1;
	if (kp_may_set(o, &st))
		return -1;
	fd = kp_open_owner(o, &st);
	if (fd < 0)
		return -1;
	ret = kipc_msg_info(fd, &info);
	if (!ret && ds.msg_qbytes != info.qbytes)
		ret = kipc_msg_set_limits(fd, ds.msg_qbytes, info.msgmax);
	if (kp_close_keep_errno(fd, ret))
		return -1;
	return kp_apply_perm(o, &ds.msg_perm, &st);
}

int msgctl(int id, int cmd, struct msqid_ds *buf)
{
	struct kp_obj o;

	if (!kp_lookup(&o, KIPC_KIND_MSG, id))
		return KP_REAL(msgctl)(id, cmd, buf);
	switch (cmd) {
	case IPC_STAT:
		return kp_msg_stat(&o, buf);
	case IPC_SET:
		return kp_msg_set(&o, buf);
	case IPC_RMID:
		return kp_rmid(&o, KIPC_KIND_MSG, id);
	default:
		/* IPC_INFO, MSG_INFO, MSG_STAT take no id: the kernel's. */
		return KP_REAL(msgctl)(id, cmd, buf);
	}
}

/* ------------------------------------------------------- shared memory */

int shmget(key_t key, size_t size, int flg)
{
	int id = -2;

	/* kipc has no huge pages: SHM_HUGETLB segments are the kernel's. */
	if (!(flg & SHM_HUGETLB))
		id = kp_sysv_get(KIPC_KIND_SHM, key, flg, size, size);
	if (id == -2) {
		if (kp.on & KIPC_RUN_SHM)
			kp_count(&kp.ctr->kernel[KIPC_RUN_K_SHM]);
		return KP_REAL(shmget)(key, size, flg);
	}
	return id;
}

/*
 * shm_atime, shm_dtime and shm_lpid, which the node does not keep: the
 * run directory's a<id> symlink, "atime:dtime:lpid", replaced by rename.
 */
static void kp_shm_times(int id, unsigned long long t[3])
{
	char path[PATH_MAX], link[80];
	const char *s = link;
	ssize_t n;
	int i;

	t[0] = 0;
	t[1] = 0;
	t[2] = 0;
	kp_run_path(path, "a", id, -1);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return;
	link[n] = '\0';
	for (i = 0; i < 3; i++)
		if (!kp_atoull(&s, &t[i]) || (i < 2 && *s++ != ':'))
			return;
}

/* Record an attach (@detach false) or a detach of @id by this process. */
static void kp_shm_touch(int id, bool detach)
{
	char path[PATH_MAX], tmp[PATH_MAX], link[80], *p;
	unsigned long long t[3];

	kp_shm_times(id, t);
	t[detach] = time(NULL);
	t[2] = getpid();
	p = kp_utoa(link, t[0]);
	*p++ = ':';
	p = kp_utoa(p, t[1]);
	*p++ = ':';
	kp_utoa(p, t[2]);
	kp_run_path(path, "a", id, -1);
	kp_run_path(tmp, "a", id, t[2]);
	unlink(tmp);
	if (!symlink(link, tmp) && rename(tmp, path))
		unlink(tmp);
}

static bool kp_attach_add(void *addr, size_t len, int id)
{
	size_t i;

	for (i = 0; i < KP_ARRAY_SIZE(kp_attached); i++) {
		void *expected = NULL;

		if (__atomic_compare_exchange_n(&kp_attached[i].addr, &expected,
						addr, false, __ATOMIC_ACQ_REL,
						__ATOMIC_RELAXED)) {
			kp_attached[i].id = id;
			__atomic_store_n(&kp_attached[i].len, len,
					 __ATOMIC_RELEASE);
			return true;
		}
	}
	return false;
}

void *shmat(int id, const void *addr, int flg)
{
	int prot = PROT_READ, mflags = MAP_SHARED, fd, err;
	uintptr_t a = (uintptr_t)addr;
	struct kp_obj o;
	uint64_t size;
	void *p;

	if (!kp_lookup(&o, KIPC_KIND_SHM, id))
		return KP_REAL(shmat)(id, addr, flg);
	if (a) {
		if (flg & SHM_RND)
			a &= ~(KP_SHMLBA - 1);
		else if (a & (KP_SHMLBA - 1))
			return kp_err(EINVAL), (void *)-1;
		/*
		 * Rounded down to the null page: EINVAL with SHM_REMAP, as
		 * the kernel (CVE-2017-5669); without, kipc run refuses too
		 * rather than map page 0.
		 */
		if (!a)
			return kp_err(EINVAL), (void *)-1;
		mflags |= flg & SHM_REMAP ? MAP_FIXED : MAP_FIXED_NOREPLACE;
	} else if (flg & SHM_REMAP) {
		return kp_err(EINVAL), (void *)-1;
	}
	if (!(flg & SHM_RDONLY))
		prot |= PROT_WRITE;
	if (flg & SHM_EXEC)
		prot |= PROT_EXEC;
	fd = kp_open(&o, flg & SHM_RDONLY ? O_RDONLY : O_RDWR);
	if (fd < 0)
		return (void *)-1;
	if (kipc_shm_get_size(fd, &size)) {
		kp_close_keep_errno(fd, -1);
		return (void *)-1;
	}
	p = mmap((void *)a, size, prot, mflags, fd, 0);
	err = errno;
	close(fd);
	if (p == MAP_FAILED)
		return kp_err(err == EEXIST ? EINVAL : err), (void *)-1;
	if (!kp_attach_add(p, size, id)) {
		munmap(p, size);
		return kp_err(EMFILE), (void *)-1;
	}
	kp_shm_touch(id, false);
	return p;
}

int shmdt(const void *addr)
{
	size_t i, len;
	int id;

	for (i = 0; i < KP_ARRAY_SIZE(kp_attached); i++) {
		if (__atomic_load_n(&kp_attached[i].addr, __ATOMIC_ACQUIRE) !=
		    addr)
			continue;
		len = __atomic_load_n(&kp_attached[i].len, __ATOMIC_ACQUIRE);
		id = kp_attached[i].id;
		if (munmap((void *)addr, len))
			return -1;
		__atomic_store_n(&kp_attached[i].addr, NULL, __ATOMIC_RELEASE);
		kp_shm_touch(id, true);
		return 0;
	}
	return KP_REAL(shmdt)(addr);
}

/*
 * SHM_LOCK, SHM_UNLOCK: kipc's pages are not swapped, so only the kernel's
 * checks (shmctl_do_lock()) and the SHM_LOCKED bit IPC_STAT shows, kept
 * for the run as the run directory's l<id>.
 */
static int kp_shm_lock(const struct kp_obj *o, int id, bool lock)
{
	char path[PATH_MAX];
	struct rlimit rl;
	struct stat st;
	uid_t euid;

	if (stat(o->path, &st))
		return kp_err(errno == ENOENT ? EINVAL : errno);
	if (!kp_capable(CAP_IPC_LOCK)) {
		euid = geteuid();
		if (euid != st.st_uid && euid != o->cuid)
			return kp_err(EPERM);
		if (lock && !getrlimit(RLIMIT_MEMLOCK, &rl) && !rl.rlim_cur)
			return kp_err(EPERM);
	}
	kp_run_path(path, "l", id, -1);
	if (lock)
		symlink("l", path);
	else
		unlink(path);
	return 0;
}

static bool kp_shm_locked(int id)
{
	char path[PATH_MAX];
	struct stat st;

	kp_run_path(path, "l", id, -1);
	return !lstat(path, &st);
}

static int kp_shm_stat(const struct kp_obj *o, int id, struct shmid_ds *buf)
{
	unsigned long long t[3];
	struct kipc_shm_info info;
	struct shmid_ds ds;
	struct stat st;
	int fd;

	fd = kp_open(o, O_RDONLY);
	if (fd < 0)
		return -1;
	if (kipc_shm_info(fd, &info))
		return kp_close_keep_errno(fd, -1);
	close(fd);
	memset(&ds, 0, sizeof(ds));
	if (kp_perm(o, &ds.shm_perm, &st))
		return -1;
	ds.shm_segsz = o->size;
	if (kp_shm_locked(id))
		ds.shm_perm.mode |= SHM_LOCKED;
	ds.shm_ctime = st.st_ctime;
	ds.shm_cpid = o->cpid;
	kp_shm_times(id, t);
	ds.shm_atime = t[0];
	ds.shm_dtime = t[1];
	ds.shm_lpid = t[2];
	ds.shm_nattch = info.nattch;
	return kp_copy(buf, &ds, sizeof(ds), true);
}

int shmctl(int id, int cmd, struct shmid_ds *buf)
{
	struct shmid_ds ds;
	struct kp_obj o;

	if (!kp_lookup(&o, KIPC_KIND_SHM, id))
		return KP_REAL(shmctl)(id, cmd, buf);
	switch (cmd) {
	case IPC_STAT:
		return kp_shm_stat(&o, id, buf);
	case IPC_SET:
		if (kp_copy(&ds, buf, sizeof(ds), false))
			return -1;
		return kp_set_perm(&o, &ds.shm_perm);
	case IPC_RMID:
		return kp_rmid(&o, KIPC_KIND_SHM, id);
	case SHM_LOCK:
	case SHM_UNLOCK:
		return kp_shm_lock(&o, id, cmd == SHM_LOCK);
	default:
		return KP_REAL(shmctl)(id, cmd, buf);
	}
}

/* ----------------------------------------------------------- semaphore */

int semget(key_t key, int nsems, int flg)
{
	int id = -2, existing;

	/*
	 * One semaphore is kipc's; a set of more is the kernel's. nsems 0
	 * opens an existing set, which is ours if the run made the key.
	 */
	if (nsems == 1) {
		id = kp_sysv_get(KIPC_KIND_SEM, key, flg, 0, 1);
	} else if (nsems == 0 && key != IPC_PRIVATE && kp.ctr &&
		   (kp.on & KIPC_RUN_SEM)) {
		existing = kp_key_id(KIPC_KIND_SEM, key);
		if (existing >= 0)
			id = kp_sysv_get(KIPC_KIND_SEM, key, flg, 0, 1);
	} else if (nsems > 1 && key != IPC_PRIVATE && kp.ctr &&
		   (kp.on & KIPC_RUN_SEM) &&
		   kp_key_id(KIPC_KIND_SEM, key) >= 0) {
		/* More than the set (of one) the key names: the kernel's. */
		return (flg & IPC_CREAT) && (flg & IPC_EXCL) ? kp_err(EEXIST) :
							       kp_err(EINVAL);
	}
	if (id == -2) {
		if (kp.on & KIPC_RUN_SEM)
			kp_count(&kp.ctr->kernel[KIPC_RUN_K_SEM]);
		return KP_REAL(semget)(key, nsems, flg);
	}
	return id;
}

/* Wait until the value is 0 (sem_op 0): kipc has no such wait; poll. */
static int kp_sem_wait_zero(int fd, int flg, uint64_t timeout_ns)
{
	struct timespec t = { 0, 1000000 };
	struct kipc_sem_info info;
	uint64_t waited = 0;

	for (;;) {
		if (kipc_sem_info(fd, &info))
			return -1;
		if (!info.value)
			return 0;
		if (flg & IPC_NOWAIT)
			return kp_err(EAGAIN);
		if (timeout_ns && waited >= timeout_ns)
			return kp_err(EAGAIN);
		if (nanosleep(&t, NULL))
			return -1;
		waited += t.tv_nsec;
	}
}

/* @fd is (still) a file of @o's node. */
static bool kp_is_node(int fd, const struct kp_obj *o)
{
	struct stat st;

	return !fstat(fd, &st) && st.st_dev == o->dev && st.st_ino == o->ino;
}

/*
 * The program closed the undo file of slot @u (a daemon closing every
 * descriptor, close_range()): kipc gave its units back then. Its number
 * may now be any other file, even another semaphore's: open a new one
 * rather than operate on that.
 */
static int kp_undo_reopen(struct kp_undo *u, const struct kp_obj *o)
{
	int old = __atomic_load_n(&u->fd, __ATOMIC_ACQUIRE), fd;

	fd = kp_open(o, O_RDWR);
	if (fd < 0)
		return -1;
	/* Another thread of the process may have reopened it first. */
	if (!__atomic_compare_exchange_n(&u->fd, &old, fd, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		close(fd);
		fd = old;
	}
	return fd;
}

/*
 * The file SEM_UNDO operations of this process on @id go through: kipc
 * gives P's units back when that file closes, so it stays open until the
 * process exits (or execs: kipc_open() sets O_CLOEXEC).
 */
static int kp_undo_fd(const struct kp_obj *o, int id)
{
	pid_t pid = getpid(), free_pid;
	size_t i;
	int fd;

	for (i = 0; i < KP_ARRAY_SIZE(kp_undos); i++) {
		if (__atomic_load_n(&kp_undos[i].pid, __ATOMIC_ACQUIRE) !=
			    pid ||
		    kp_undos[i].id != id)
			continue;
		fd = __atomic_load_n(&kp_undos[i].fd, __ATOMIC_ACQUIRE);
		if (kp_is_node(fd, o))
			return fd;
		return kp_undo_reopen(&kp_undos[i], o);
	}
	fd = kp_open(o, O_RDWR);
	if (fd < 0)
		return -1;
	for (i = 0; i < KP_ARRAY_SIZE(kp_undos); i++) {
		free_pid = __atomic_load_n(&kp_undos[i].pid, __ATOMIC_ACQUIRE);
		/* A parent's slot is free in its forked child. */
		if (free_pid == pid || free_pid == -1)
			continue;
		if (!__atomic_compare_exchange_n(&kp_undos[i].pid, &free_pid,
						 -1, false, __ATOMIC_ACQ_REL,
						 __ATOMIC_RELAXED))
			continue;
		kp_undos[i].id = id;
		kp_undos[i].fd = fd;
		__atomic_store_n(&kp_undos[i].pid, pid, __ATOMIC_RELEASE);
		return fd;
	}
	return kp_close_keep_errno(fd, kp_err(ENOSPC));
}

/*
 * sem_otime, the time of the last semop (0 before the first), which kipc
 * does not keep: the run directory's o<id> symlink to the seconds.
 */
static unsigned long long kp_sem_otime(int id)
{
	char path[PATH_MAX], link[24];
	unsigned long long t;
	const char *s = link;
	ssize_t n;

	kp_run_path(path, "o", id, -1);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return 0;
	link[n] = '\0';
	return kp_atoull(&s, &t) ? t : 0;
}

/* A semop on @id succeeded: o<id> is replaced (rename) when it is stale. */
static void kp_sem_touch(int id)
{
	char path[PATH_MAX], tmp[PATH_MAX], link[24];
	unsigned long long now = time(NULL);

	if (kp_sem_otime(id) == now)
		return;
	kp_utoa(link, now);
	kp_run_path(path, "o", id, -1);
	kp_run_path(tmp, "o", id, getpid());
	unlink(tmp);
	if (!symlink(link, tmp) && rename(tmp, path))
		unlink(tmp);
}

static int kp_semop(const struct kp_obj *o, int id, struct sembuf *sops,
		    size_t nsops, uint64_t timeout_ns)
{
	struct kipc_sem_info info;
	bool undo = false;
	struct sembuf op;
	unsigned int kf;
	int fd, ret = 0;
	size_t i;

	if (nsops < 1)
		return kp_err(EINVAL);
	if (nsops > 500)
		return kp_err(E2BIG);
	for (i = 0; i < nsops; i++) {
		if (kp_copy(&op, &sops[i], sizeof(op), false))
			return -1;
		if (op.sem_num != 0)
			return kp_err(EFBIG);
		undo |= !!(op.sem_flg & SEM_UNDO);
	}
	fd = undo ? kp_undo_fd(o, id) : kp_open(o, O_RDWR);
	if (fd < 0)
		return -1;
	/* Several operations run in order; kipc cannot make them atomic. */
	for (i = 0; i < nsops && !ret; i++) {
		kp_copy(&op, &sops[i], sizeof(op), false);
		kf = op.sem_flg & IPC_NOWAIT ? KIPC_NOWAIT : 0;
		if (op.sem_flg & SEM_UNDO)
			kf |= KIPC_SEM_UNDO;
		if (op.sem_op > 0) {
			ret = kipc_sem_info(fd, &info);
			if (!ret && info.value + op.sem_op > KP_SEMVMX)
				ret = kp_err(ERANGE);
			if (!ret)
				ret = kipc_sem_v(fd, op.sem_op);
		} else if (op.sem_op < 0) {
			ret = kipc_sem_p(fd, -op.sem_op, kf, timeout_ns);
			if (ret && errno == ETIMEDOUT)
				errno = EAGAIN;
		} else {
			ret = kp_sem_wait_zero(fd, op.sem_flg, timeout_ns);
		}
	}
	if (!ret)
		kp_sem_touch(id);
	if (undo)
		return ret;
	return kp_close_keep_errno(fd, ret);
}

int semop(int id, struct sembuf *sops, size_t nsops)
{
	struct kp_obj o;

	if (!kp_lookup(&o, KIPC_KIND_SEM, id))
		return KP_REAL(semop)(id, sops, nsops);
	return kp_semop(&o, id, sops, nsops, 0);
}

int semtimedop(int id, struct sembuf *sops, size_t nsops,
	       const struct timespec *timeout)
{
	struct timespec ts;
	struct kp_obj o;
	uint64_t ns = 0;

	if (!kp_lookup(&o, KIPC_KIND_SEM, id))
		return KP_REAL(semtimedop)(id, sops, nsops, timeout);
	if (timeout) {
		if (kp_copy(&ts, timeout, sizeof(ts), false))
			return -1;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
			return kp_err(EINVAL);
		ns = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
		/* 0 would wait forever in kipc: the shortest wait instead. */
		if (!ns)
			ns = 1;
	}
	return kp_semop(&o, id, sops, nsops, ns);
}

/* The fourth argument of semctl(2), which the caller defines. */
union kp_semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
	struct seminfo *__buf;
};

static int kp_sem_info(const struct kp_obj *o, struct kipc_sem_info *info)
{
	int fd = kp_open(o, O_RDONLY);

	if (fd < 0)
		return -1;
	return kp_close_keep_errno(fd, kipc_sem_info(fd, info));
}

/*
 * semctl_setval() makes the caller the semaphore's sempid (GETPID), as a
 * semop does; kipc's lpid counts P and V only. So SETVAL leaves the run
 * directory's v<id>, "pid:ops" (ops: P and V done then), which GETPID
 * believes while no P or V came after.
 */
static void kp_sem_note_setval(const struct kp_obj *o, int id)
{
	char path[PATH_MAX], tmp[PATH_MAX], link[48], *p;
	struct kipc_sem_info info;
	pid_t pid = getpid();

	if (kp_sem_info(o, &info))
		return;
	p = kp_utoa(link, pid);
	*p++ = ':';
	kp_utoa(p, info.p_ops + info.v_ops);
	kp_run_path(path, "v", id, -1);
	kp_run_path(tmp, "v", id, pid);
	unlink(tmp);
	if (!symlink(link, tmp) && rename(tmp, path))
		unlink(tmp);
}

static int kp_sem_getpid(int id, const struct kipc_sem_info *info)
{
	unsigned long long pid, ops;
	char path[PATH_MAX], link[48];
	const char *s = link;
	ssize_t n;

	kp_run_path(path, "v", id, -1);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return info->lpid;
	link[n] = '\0';
	if (!kp_atoull(&s, &pid) || *s++ != ':' || !kp_atoull(&s, &ops) ||
	    ops != info->p_ops + info->v_ops)
		return info->lpid;
	return pid;
}

static int kp_sem_setval(const struct kp_obj *o, int id, int val)
{
	int fd;

	if (val < 0 || val > KP_SEMVMX)
		return kp_err(ERANGE);
	fd = kp_open(o, O_WRONLY);
	if (fd < 0)
		return -1;
	if (kipc_sem_setval(fd, val))
		return kp_close_keep_errno(fd, -1);
	close(fd);
	kp_sem_note_setval(o, id);
	return 0;
}

static int kp_sem_stat(const struct kp_obj *o, int id, struct semid_ds *buf)
{
	struct kipc_sem_info info;
	struct semid_ds ds;
	struct stat st;

	/* semctl_stat() needs read permission: EACCES, as the open. */
	if (kp_sem_info(o, &info))
		return -1;
	memset(&ds, 0, sizeof(ds));
	if (kp_perm(o, &ds.sem_perm, &st))
		return -1;
	ds.sem_ctime = st.st_ctime;
	ds.sem_otime = kp_sem_otime(id);
	ds.sem_nsems = 1;
	return kp_copy(buf, &ds, sizeof(ds), true);
}

static int kp_semctl(const struct kp_obj *o, int id, int num, int cmd,
		     union kp_semun arg)
{
	struct kipc_sem_info info;
	struct semid_ds ds;
	unsigned short v;

	switch (cmd) {
	case IPC_STAT:
		return kp_sem_stat(o, id, arg.buf);
	case IPC_SET:
		if (kp_copy(&ds, arg.buf, sizeof(ds), false))
			return -1;
		return kp_set_perm(o, &ds.sem_perm);
	case IPC_RMID:
		return kp_rmid(o, KIPC_KIND_SEM, id);
	case GETALL:
		if (kp_sem_info(o, &info))
			return -1;
		v = info.value;
		return kp_copy(arg.array, &v, sizeof(v), true);
	case SETALL:
		if (kp_copy(&v, arg.array, sizeof(v), false))
			return -1;
		return kp_sem_setval(o, id, v);
	case GETVAL:
	case GETPID:
	case GETNCNT:
	case GETZCNT:
	case SETVAL:
		if (num != 0)
			return kp_err(EINVAL);
		if (cmd == SETVAL)
			return kp_sem_setval(o, id, arg.val);
		if (kp_sem_info(o, &info))
			return -1;
		return cmd == GETVAL  ? (int)info.value :
		       cmd == GETPID  ? kp_sem_getpid(id, &info) :
		       cmd == GETNCNT ? (int)info.waiters :
					0;
	default:
		return kp_err(EINVAL);
	}
}

int semctl(int id, int num, int cmd, ...)
{
	union kp_semun arg = { 0 };
	struct kp_obj o;
	va_list ap;

	/* As glibc: the fourth argument is there for the commands using it. */
	switch (cmd) {
	case SETVAL:
	case GETALL:
	case SETALL:
	case IPC_STAT:
	case IPC_SET:
	case IPC_INFO:
	case SEM_INFO:
	case SEM_STAT:
	case SEM_STAT_ANY:
		va_start(ap, cmd);
		arg = va_arg(ap, union kp_semun);
		va_end(ap);
		break;
	}
	if (!kp_lookup(&o, KIPC_KIND_SEM, id))
		return KP_REAL(semctl)(id, num, cmd, arg);
	return kp_semctl(&o, id, num, cmd, arg);
}

/* ----------------------------------------------------------- syscall() */

/*
 * syscall(2) with an IPC number goes where the libc call would; every
 * other number to the real syscall() with its six argument registers
 * (read as glibc's own syscall() does: whatever the caller passed).
 */
long syscall(long nr, ...)
{
	long a[6];
	va_list ap;
	int i;

	va_start(ap, nr);
	for (i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	switch (nr) {
	case SYS_pipe:
		return kp_pipe2((int *)a[0], 0);
	case SYS_pipe2:
		return kp_pipe2((int *)a[0], (int)a[1]);
	case SYS_fcntl:
		return kp_fcntl(kp_sys_fcntl, (int)a[0], (int)a[1],
				(void *)a[2]);
	case SYS_msgget:
		return msgget((key_t)a[0], (int)a[1]);
	case SYS_msgsnd:
		return msgsnd((int)a[0], (const void *)a[1], a[2], (int)a[3]);
	case SYS_msgrcv:
		return msgrcv((int)a[0], (void *)a[1], a[2], a[3], (int)a[4]);
	case SYS_msgctl:
		return msgctl((int)a[0], (int)a[1], (struct msqid_ds *)a[2]);
	case SYS_shmget:
		return shmget((key_t)a[0], a[1], (int)a[2]);
	case SYS_shmat:
		return (long)shmat((int)a[0], (const void *)a[1], (int)a[2]);
	case SYS_shmdt:
		return shmdt((const void *)a[0]);
	case SYS_shmctl:
		return shmctl((int)a[0], (int)a[1], (struct shmid_ds *)a[2]);
	case SYS_semget:
		return semget((key_t)a[0], (int)a[1], (int)a[2]);
	case SYS_semop:
		return semop((int)a[0], (struct sembuf *)a[1], a[2]);
	case SYS_semtimedop:
		return semtimedop((int)a[0], (struct sembuf *)a[1], a[2],
				  (const struct timespec *)a[3]);
	case SYS_semctl:
		return semctl((int)a[0], (int)a[1], (int)a[2], a[3]);
	default:
		return KP_REAL(syscall)(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	}
}

/* -------------------------------------------- programs the run misses */

/* @path is a statically linked ELF program. */
static bool kp_is_static(const char *path)
{
	unsigned char head[KIPC_RUN_ELF_HEAD];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, head, sizeof(head));
	close(fd);
	return n > 0 && kipc_run_elf_static(head, n);
}

/* @envp keeps the run: KIPC_RUN and LD_PRELOAD naming this library. */
static bool kp_env_keeps_run(char *const envp[])
{
	bool run = false, pre = false;
	size_t n = strlen(KIPC_RUN_ENV);

	for (; envp && *envp; envp++) {
		if (!strncmp(*envp, KIPC_RUN_ENV, n) && (*envp)[n] == '=')
			run = true;
		if (!strncmp(*envp, "LD_PRELOAD=", 11) &&
		    strstr(*envp, KIPC_PRELOAD_NAME))
			pre = true;
	}
	return run && pre;
}

/* Record "WHY PATH" in the run directory for kipc run to report. */
static void kp_report(const char *why, const char *path)
{
	static unsigned int seq;
	char file[PATH_MAX];
	unsigned int n;
	int fd;

	n = __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED);
	kp_count(&kp.ctr->unpreloaded);
	kp_run_path(file, "x", getpid(), n);
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0)
		return;
	if (write(fd, why, strlen(why)) < 0 || write(fd, " ", 1) < 0 ||
	    write(fd, path, strlen(path)) < 0 || write(fd, "\n", 1) < 0)
		unlink(file);
	close(fd);
}

/* Before exec of @path with @envp: will the program still be on kipc? */
static void kp_check_exec(const char *path, char *const envp[])
{
	if (!kp.ctr || !path)
		return;
	if (kp_is_static(path))
		kp_report("static", path);
	else if (!kp_env_keeps_run(envp))
		kp_report("noenv", path);
}

/* execvp's search of PATH, into @buf; @file itself if it has a '/'. */
static const char *kp_search(const char *file, char *buf, size_t size)
{
	const char *p = getenv("PATH"), *end;
	size_t dlen, flen = strlen(file);

	if (strchr(file, '/'))
		return file;
	if (!p)
		p = "/bin:/usr/bin";
	for (; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, ':');
		dlen = end - p;
		if (dlen + flen + 2 > size)
			continue;
		memcpy(buf, p, dlen);
		buf[dlen] = '/';
		memcpy(buf + dlen + 1, file, flen + 1);
		if (!access(buf, X_OK))
			return buf;
	}
	return NULL;
}

int execve(const char *path, char *const argv[], char *const envp[])
{
	kp_check_exec(path, envp);
	return KP_REAL(execve)(path, argv, envp);
}

int execvpe(const char *file, char *const argv[], char *const envp[])
{
	char buf[PATH_MAX];

	if (kp.ctr)
		kp_check_exec(kp_search(file, buf, sizeof(buf)), envp);
	return KP_REAL(execvpe)(file, argv, envp);
}

int execvp(const char *file, char *const argv[])
{
	return execvpe(file, argv, environ);
}

int execv(const char *path, char *const argv[])
{
	return execve(path, argv, environ);
}

int posix_spawn(pid_t *pid, const char *path,
		const posix_spawn_file_actions_t *fa,
		const posix_spawnattr_t *attr, char *const argv[],
		char *const envp[])
{
	kp_check_exec(path, envp);
	return KP_REAL(posix_spawn)(pid, path, fa, attr, argv, envp);
}

int posix_spawnp(pid_t *pid, const char *file,
		 const posix_spawn_file_actions_t *fa,
		 const posix_spawnattr_t *attr, char *const argv[],
		 char *const envp[])
{
	char buf[PATH_MAX];

	if (kp.ctr)
		kp_check_exec(kp_search(file, buf, sizeof(buf)), envp);
	return KP_REAL(posix_spawnp)(pid, file, fa, attr, argv, envp);
}

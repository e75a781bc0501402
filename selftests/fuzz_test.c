// SPDX-License-Identifier: GPL-2.0
/*
 * An ioctl fuzzer for every kipc node: several processes throw random and
 * boundary-valued structs, flags and pointers (NULL, unmapped, kernel,
 * unaligned, short buffers) at every ioctl, mixed with read, write, poll,
 * mmap and close/reopen, for $KIPC_FUZZ_SECONDS (default 10) seconds.
 * A periodic SIGALRM (without SA_RESTART) breaks any wait it starts.
 *
 * /dev/kipc/control gets random KIPC_CTL_CREATE, _REMOVE, _PIPE and _ANON
 * requests (random kinds, flags, modes, sizes, reserved fields, pointers,
 * and names: valid ones, over-long and unterminated ones, ones with bytes
 * outside [A-Za-z0-9._-], "control", ".x", ...), and random ioctls; the
 * objects it makes, named (all named fz*) and anonymous, are opened, get
 * the same random operations as the load-time nodes, and are closed and
 * removed at random, by root workers and by one that runs as nobody (for
 * whom removing what it does not own gives EPERM, and the load-time
 * nodes are tried too).
 *
 * What it checks here is small: every call returns, with a result or an
 * errno the kernel may give, afterwards every node still answers sanely,
 * and once the fz* names left are removed, the object count (the `used`
 * column of max_objects in /proc/kipc/limits) is where it started, with
 * no fz* or anonymous object left. What it is for is what the VM harness
 * checks after it: no oops, no warning, no KASAN/lockdep/kmemleak report
 * on the debug kernel.
 * It runs in `make check` for a few seconds and in `make fuzz` for long.
 */

#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/time.h>

#include "kselftest_harness.h"
#include "kipc_test.h"

KIPC_REQUIRE_MODULE();

#define WORKERS 4
#define BUF_SIZE 65536

/* Files of made and anonymous objects a worker keeps open at once. */
#define MADE_MAX 8

static const char *const kinds[] = { "pipe", "msg", "shm", "sem" };

static const unsigned long cmds[] = {
	KIPC_PIPE_GET_SIZE,
	KIPC_PIPE_SET_SIZE,
	KIPC_MSG_SEND,
	KIPC_MSG_RECV,
	KIPC_MSG_GETINFO,
	KIPC_MSG_SET_LIMITS,
	KIPC_MSG_FLUSH,
	KIPC_MSG_SENDV,
	KIPC_MSG_RECVV,
	KIPC_SHM_GET_SIZE,
	KIPC_SHM_SET_SIZE,
	KIPC_SHM_GETINFO,
	KIPC_SEM_P,
	KIPC_SEM_V,
	KIPC_SEM_GETINFO,
	KIPC_SEM_SETVAL,
	KIPC_NOTIFY,
	FIONREAD,
	FIONBIO,
	FIOASYNC,
	KIPC_CTL_CREATE,
	KIPC_CTL_REMOVE,
	KIPC_CTL_PIPE,
	KIPC_CTL_ANON,
};

static const uint64_t edges[] = {
	0,
	1,
	2,
	7,
	8,
	9,
	63,
	64,
	4095,
	4096,
	4097,
	8191,
	8192,
	8193,
	16383,
	16384,
	16385,
	65535,
	65536,
	65537,
	1 << 20,
	(1 << 20) + 1,
	1U << 31,
	(1U << 31) + 1,
	0x7fffffff,
	0x80000000,
	0xffffffff,
	0x100000000ULL,
	256ULL << 20,
	(256ULL << 20) + 1,
	1ULL << 40,
	INT64_MAX,
	(uint64_t)INT64_MIN,
	(uint64_t)-1,
	(uint64_t)-2,
	(uint64_t)-4096,
};

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64*: reproducible from the seed printed at start. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static uint64_t rnd_value(void)
{
	switch (rnd() % 4) {
	case 0:
		return edges[rnd() % ARRAY_SIZE(edges)];
	case 1:
		return rnd() % 100;
	case 2:
		return rnd();
	default:
		return rnd() % (BUF_SIZE + 16);
	}
}

static char *buf;

/* A pointer argument: often good, sometimes every kind of bad. */
static void *rnd_ptr(void)
{
	switch (rnd() % 8) {
	case 0:
		return NULL;
	case 1:
		return kipc_bad_ptr();
	case 2:
		return (void *)0xffff888000000000ULL; /* kernel memory */
	case 3:
		return buf + BUF_SIZE - 1 - rnd() % 8; /* runs off the end */
	case 4:
		return buf + 1 + rnd() % 7; /* unaligned */
	default:
		return buf;
	}
}

static uint32_t rnd_flags(void)
{
	switch (rnd() % 4) {
	case 0:
		return 0;
	case 1:
		return (uint32_t)rnd();
	default:
		/* Mostly valid bits, and a non-blocking one most of the time. */
		return (rnd() & 0x1f) | (rnd() % 4 ? KIPC_NOWAIT : 0);
	}
}

/* A plausible argument of KIPC_MSG_SEND or KIPC_MSG_RECV. */
static void fill_msg(struct kipc_msg *m)
{
	m->mtype = rnd() % 3 ? (int64_t)(rnd() % 8) - 3 : (int64_t)rnd_value();
	m->text = (uintptr_t)rnd_ptr();
	m->size = rnd() % 3 ? rnd() % 256 : rnd_value();
	m->timeout_ns = rnd() % 2 ? 0 : rnd() % 20000000;
	m->flags = rnd_flags();
	m->pid = rnd() % 4 ? 0 : (uint32_t)rnd();
}

/*
 * Entries of a KIPC_MSG_SENDV or KIPC_MSG_RECVV: up to VEC_FILLED plausible
 * ones in the upper half of buf (fill_arg() puts its structs in the lower
 * half), then whatever is there. A count past them reads that, and a
 * large one runs into the guard page.
 */
#define VEC_FILLED 8

static void fill_vec(struct kipc_msg_vec *v)
{
	char *m = buf + BUF_SIZE / 2 + 8 * (rnd() % 512);
	struct kipc_msg e;
	uint32_t i;

	if (rnd() % 16 == 0)
		m += 1 + rnd() % 7; /* unaligned */
	switch (rnd() % 8) {
	case 0:
		v->count = (uint32_t)rnd_value();
		break;
	case 1:
		v->count = KIPC_MSG_VEC_MAX + rnd() % 3 - 1;
		break;
	default:
		v->count = 1 + rnd() % VEC_FILLED;
		break;
	}
	for (i = 0; i < v->count && i < VEC_FILLED; i++) {
		fill_msg(&e);
		memcpy(m + i * sizeof(e), &e, sizeof(e));
	}
	v->msgs = rnd() % 8 ? (uintptr_t)m : (uintptr_t)rnd_ptr();
	v->flags = rnd() % 8 ? 0 : rnd_flags();
}

/* Fill @p with a plausible struct for @cmd, then maybe spoil it. */
static void fill_arg(unsigned long cmd, void *p)
{
	size_t i;

	for (i = 0; i < 64; i += 8) {
		uint64_t v = rnd_value();

		memcpy((char *)p + i, &v, 8);
	}
	switch (cmd) {
	case KIPC_MSG_SEND:
	case KIPC_MSG_RECV:
		fill_msg(p);
		break;
	case KIPC_MSG_SENDV:
	case KIPC_MSG_RECVV:
		fill_vec(p);
		break;
	case KIPC_SEM_P:
	case KIPC_SEM_V: {
		struct kipc_sem_op *op = p;

		op->count = rnd() % 3 ? rnd() % 4 : (uint32_t)rnd_value();
		op->flags = rnd_flags();
		op->timeout_ns = rnd() % 2 ? 0 : rnd() % 20000000;
		break;
	}
	case KIPC_NOTIFY: {
		struct kipc_notify *n = p;

		/* The workers ignore every signal they can. */
		n->signo = rnd() % 3 ? 0 : (int32_t)(rnd() % 70) - 2;
		n->flags = rnd() % 4 ? rnd() % 2 : (uint32_t)rnd();
		n->mtype = rnd() % 2 ? 0 : (int64_t)(rnd() % 8) - 3;
		break;
	}
	default:
		break;
	}
}

static void on_alarm(int sig)
{
	(void)sig;
}

/*
 * Ignore @sig with the raw system call: glibc refuses to touch the two
 * real-time signals it keeps for itself, but KIPC_NOTIFY may send them.
 */
static void ignore_signal(int sig)
{
	struct {
		void *handler;
		unsigned long flags;
		void *restorer;
		uint64_t mask;
	} ksa = { .handler = SIG_IGN };

	syscall(SYS_rt_sigaction, sig, &ksa, NULL, sizeof(ksa.mask));
}

static int reopen(int *fd, const char *kind, int index)
{
	static const int modes[] = { O_RDONLY, O_WRONLY, O_RDWR };
	char name[32];

	if (*fd >= 0)
		close(*fd);
	snprintf(name, sizeof(name), "%s%d", kind, index);
	*fd = kipc_open(name, modes[rnd() % 3] | O_NONBLOCK);
	return *fd;
}

static void one_op(int fd)
{
	unsigned long cmd;
	struct pollfd pfd;
	void *map, *arg;
	size_t len;

	switch (rnd() % 10) {
	case 0:
		if (read(fd, rnd() % 8 ? buf : rnd_ptr(), rnd() % BUF_SIZE) < 0)
			break;
		break;
	case 1:
		if (write(fd, rnd() % 8 ? buf : rnd_ptr(), rnd() % 9000) < 0)
			break;
		break;
	case 2:
		pfd = (struct pollfd){ .fd = fd, .events = POLLIN | POLLOUT };
		poll(&pfd, 1, 0);
		break;
	case 3:
		len = rnd() % 3 ? 4096 * (1 + rnd() % 4) : rnd_value();
		map = mmap(NULL, len, PROT_READ | PROT_WRITE,
			   rnd() % 4 ? MAP_SHARED : MAP_PRIVATE, fd,
			   rnd() % 4 ? 0 : rnd_value() & ~4095ULL);
		if (map != MAP_FAILED) {
			memset(map, 0x5a, 64);
			munmap(map, len);
		}
		break;
	default:
		cmd = rnd() % 16 ? cmds[rnd() % ARRAY_SIZE(cmds)] :
				   _IOC(rnd() % 4, KIPC_IOC_MAGIC, rnd() % 256,
					rnd() % 64);
		if (rnd() % 6 == 0) {
			arg = rnd_ptr();
		} else {
			/* The lower half of buf: fill_vec() uses the upper. */
			arg = buf + 512 * (rnd() % 64);
			fill_arg(cmd, arg);
		}
		ioctl(fd, cmd, arg);
		break;
	}
}

/* ----------------------------------------------------- control node */

/* An object name, or a mangled one, into @name (KIPC_NAME_MAX bytes). */
static void rnd_name(char *name, bool removing)
{
	static const char valid[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";
	static const char *const odd[] = {
		"",	"",	".",	 "..",	 ".fz",	   "control",
		"fz/x", "fz x", "fz\n1", "fz:1", "anon:1", "fz\xc3\xa9",
	};
	size_t i, len;

	memset(name, 0, KIPC_NAME_MAX);
	switch (rnd() % 10) {
	case 0:
	case 1:
	case 2:
	case 3:
		/* The pool every worker makes and removes: races. */
		snprintf(name, KIPC_NAME_MAX, "fz-%d", (int)(rnd() % 8));
		break;
	case 4:
		/* A few more, made of any valid byte. */
		name[0] = 'f';
		name[1] = 'z';
		name[2] = valid[rnd() % (sizeof(valid) - 1)];
		break;
	case 5:
		/* The longest: 31 bytes and the NUL. */
		len = snprintf(name, KIPC_NAME_MAX, "fz-%d-", (int)(rnd() % 4));
		memset(name + len, 'x', KIPC_NAME_MAX - 1 - len);
		break;
	case 6:
		/* Unterminated: 32 bytes, no NUL. */
		memcpy(name, "fz", 2);
		for (i = 2; i < KIPC_NAME_MAX; i++)
			name[i] = valid[rnd() % (sizeof(valid) - 1)];
		break;
	case 7:
		/* Any bytes after the prefix; usually invalid. */
		len = 3 + rnd() % (KIPC_NAME_MAX - 3);
		memcpy(name, "fz", 2);
		for (i = 2; i < len; i++)
			name[i] = (char)(1 + rnd() % 255);
		/* Garbage after the NUL as well, now and then. */
		if (len < KIPC_NAME_MAX - 1 && rnd() % 2)
			name[len + 1] = (char)rnd();
		break;
	case 8:
		/*
		 * The load-time nodes; not for root to remove (nobody's
		 * removals of them must fail).
		 */
		if (!removing || getuid())
			snprintf(name, KIPC_NAME_MAX, "%s%d", kinds[rnd() % 4],
				 (int)(rnd() % 4));
		break;
	default:
		snprintf(name, KIPC_NAME_MAX, "%s",
			 odd[rnd() % ARRAY_SIZE(odd)]);
		break;
	}
}

/* Is @name one of the load-time nodes (KINDn)? */
static bool load_time(const char *name)
{
	int k;

	for (k = 0; k < 4; k++)
		if (!strncmp(name, kinds[k], strlen(kinds[k])) &&
		    name[strlen(kinds[k])] >= '0' &&
		    name[strlen(kinds[k])] <= '9')
			return true;
	return false;
}

static uint32_t rnd_kind(void)
{
	return rnd() % 8 ? 1 + rnd() % 4 : (uint32_t)rnd_value();
}

/* O_CLOEXEC and O_NONBLOCK mostly, anything sometimes. */
static uint32_t rnd_open_flags(void)
{
	switch (rnd() % 6) {
	case 0:
		return (uint32_t)rnd();
	case 1:
		return 0;
	default:
		return (rnd() % 2 ? O_CLOEXEC : 0) |
		       (rnd() % 4 ? O_NONBLOCK : 0);
	}
}

static uint64_t rnd_size(void)
{
	switch (rnd() % 4) {
	case 0:
		return 0;
	case 1:
		return rnd_value();
	default:
		return rnd() % 70000;
	}
}

static uint64_t rnd_reserved(void)
{
	return rnd() % 8 ? 0 : rnd_value() | 1;
}

/* The argument: mostly @p, sometimes a bad or short pointer. */
static void *ctl_arg(void *p, size_t len)
{
	switch (rnd() % 12) {
	case 0:
		return rnd_ptr();
	case 1:
		/* The struct runs into the guard page after buf. */
		return memcpy(buf + BUF_SIZE - len / 2, p, len / 2);
	default:
		return p;
	}
}

/* What the control requests came to, over all workers (shared). */
enum { R_CREATE, R_REMOVE, R_PIPE, R_ANON, R_OPEN, NR_REQS };

static const char *const req_names[NR_REQS] = {
	"KIPC_CTL_CREATE", "KIPC_CTL_REMOVE", "KIPC_CTL_PIPE",
	"KIPC_CTL_ANON",   "open of a name",
};

struct req_tally {
	uint64_t calls, ok, einval, efault, other;
};

static struct req_tally *tally;

static void tally_add(int req, long ret)
{
	struct req_tally *t = &tally[req];
	uint64_t *what = ret >= 0	 ? &t->ok :
			 errno == EINVAL ? &t->einval :
			 errno == EFAULT ? &t->efault :
					   &t->other;

	__atomic_add_fetch(&t->calls, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(what, 1, __ATOMIC_RELAXED);
}

/* The files of made and anonymous objects a worker has open. */
static int made[MADE_MAX];

static void made_add(int fd)
{
	int i = rnd() % MADE_MAX;

	if (fd < 0)
		return;
	if (made[i] >= 0)
		close(made[i]);
	made[i] = fd;
}

/* A KIPC_CTL_PIPE result: both ends, if the call said it made them. */
static void made_pair(int ret, struct kipc_pipe_pair *pair)
{
	if (ret)
		return;
	made_add(pair->fd[0]);
	made_add(pair->fd[1]);
}

static void ctl_op(int ctl)
{
	struct kipc_create *c = (struct kipc_create *)(buf + 1024);
	struct kipc_remove *r = (struct kipc_remove *)(buf + 1024);
	struct kipc_pipe_pair *pp = (struct kipc_pipe_pair *)(buf + 1024);
	struct kipc_anon *a = (struct kipc_anon *)(buf + 1024);
	static const int modes[] = { O_RDONLY, O_WRONLY, O_RDWR };
	char name[KIPC_NAME_MAX + 1], path[64];
	unsigned long cmd;
	void *arg;
	int ret;

	switch (rnd() % 10) {
	case 0:
	case 1:
		memset(c, 0, sizeof(*c));
		c->kind = rnd_kind();
		c->flags = rnd() % 4 ? (rnd() % 2 ? KIPC_CREATE_EXCL : 0) :
				       rnd_flags();
		c->mode = rnd() % 6 ? rnd() % 01000 : (uint32_t)rnd();
		c->reserved = (uint32_t)rnd_reserved();
		c->size = rnd_size();
		rnd_name(c->name, false);
		c->reserved2[rnd() % 4] = rnd_reserved();
		ret = ioctl(ctl, KIPC_CTL_CREATE, ctl_arg(c, sizeof(*c)));
		tally_add(R_CREATE, ret);
		break;
	case 2:
	case 3:
		memset(r, 0, sizeof(*r));
		rnd_name(r->name, true);
		r->reserved[rnd() % 2] = rnd_reserved();
		arg = ctl_arg(r, sizeof(*r));
		ret = ioctl(ctl, KIPC_CTL_REMOVE, arg);
		tally_add(R_REMOVE, ret);
		/* Nobody removed root's node: exit status 4 tells. */
		if (!ret && arg == r && load_time(r->name))
			_exit(4);
		break;
	case 4:
		memset(pp, 0, sizeof(*pp));
		pp->fd[0] = rnd() % 2 ? -1 : (int32_t)rnd();
		pp->fd[1] = pp->fd[0];
		pp->flags = rnd_open_flags();
		pp->size = rnd() % 4 ? rnd() % 70000 : (uint32_t)rnd_value();
		pp->reserved[rnd() % 2] = rnd_reserved();
		arg = ctl_arg(pp, sizeof(*pp));
		ret = ioctl(ctl, KIPC_CTL_PIPE, arg);
		tally_add(R_PIPE, ret);
		if (arg == pp)
			made_pair(ret, pp);
		break;
	case 5:
		memset(a, 0, sizeof(*a));
		a->kind = rnd_kind();
		a->flags = rnd_open_flags();
		a->size = rnd_size();
		a->reserved[rnd() % 2] = rnd_reserved();
		ret = ioctl(ctl, KIPC_CTL_ANON, ctl_arg(a, sizeof(*a)));
		tally_add(R_ANON, ret);
		made_add(ret);
		break;
	case 6:
	case 7:
		/* Open a made object (or try to) by its node. */
		rnd_name(name, false);
		name[KIPC_NAME_MAX] = '\0';
		if (strchr(name, '/'))
			break;
		snprintf(path, sizeof(path), KIPC_DEV_DIR "/%s", name);
		ret = open(path, modes[rnd() % 3] | O_CLOEXEC |
					 (rnd() % 4 ? O_NONBLOCK : 0));
		tally_add(R_OPEN, ret);
		made_add(ret);
		break;
	case 8:
		ret = rnd() % MADE_MAX;
		if (made[ret] >= 0) {
			close(made[ret]);
			made[ret] = -1;
		}
		break;
	default:
		/* Anything else at the control node. */
		cmd = rnd() % 2 ? cmds[rnd() % ARRAY_SIZE(cmds)] :
				  _IOC(rnd() % 4, KIPC_IOC_MAGIC, rnd() % 256,
				       rnd() % 128);
		arg = rnd() % 4 ? buf + 2048 : rnd_ptr();
		if (arg == buf + 2048)
			fill_arg(cmd, arg);
		ret = ioctl(ctl, cmd, arg);
		/* A stray KIPC_CTL_PIPE or _ANON may have made fds. */
		if (cmd == KIPC_CTL_ANON)
			made_add(ret);
		else if (cmd == KIPC_CTL_PIPE && arg == buf + 2048)
			made_pair(ret, arg);
		break;
	}
}

/* Put every node back to its load-time defaults. */
static void restore_defaults(void)
{
	struct kipc_msg_limits lim = { .qbytes = 16384, .msgmax = 8192 };
	__u64 shm = 1 << 20;
	__u32 pipe = 65536;
	__s64 one = 1;
	char name[32];
	int i, fd;

	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "pipe%d", i);
		fd = kipc_open(name, O_RDWR | O_NONBLOCK);
		if (fd >= 0) {
			while (read(fd, buf, BUF_SIZE) > 0)
				;
			ioctl(fd, KIPC_PIPE_SET_SIZE, &pipe);
			close(fd);
		}
		snprintf(name, sizeof(name), "msg%d", i);
		fd = kipc_open(name, O_RDWR);
		if (fd >= 0) {
			ioctl(fd, KIPC_MSG_FLUSH);
			ioctl(fd, KIPC_MSG_SET_LIMITS, &lim);
			close(fd);
		}
		snprintf(name, sizeof(name), "shm%d", i);
		fd = kipc_open(name, O_RDWR);
		if (fd >= 0) {
			ioctl(fd, KIPC_SHM_SET_SIZE, &shm);
			close(fd);
		}
		snprintf(name, sizeof(name), "sem%d", i);
		fd = kipc_open(name, O_RDWR);
		if (fd >= 0) {
			ioctl(fd, KIPC_SEM_SETVAL, &one);
			close(fd);
		}
	}
}

/*
 * @nobody: run unprivileged (the load-time nodes are closed to it: it
 * works on the control node and what it makes).
 */
static void worker(unsigned long long seed, int seconds, bool nobody)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval it = { { 0, 20000 }, { 0, 20000 } };
	unsigned long long end = kipc_now_ns() + seconds * 1000000000ULL;
	int fds[4][4], k, i, ctl;

	rng_state = seed;
	if (nobody && kipc_drop_privileges())
		_exit(2);
	ctl = kipc_open("control", O_RDWR);
	if (ctl < 0)
		_exit(3);
	for (i = 0; i < MADE_MAX; i++)
		made[i] = -1;
	/*
	 * KIPC_NOTIFY and FIOASYNC may register any signal, and will send it:
	 * ignore them all. A real fault is still fatal (the kernel forces it).
	 */
	for (i = 1; i < NSIG; i++)
		if (i != SIGKILL && i != SIGSTOP)
			ignore_signal(i);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);

	setitimer(ITIMER_REAL, &it, NULL);
	for (k = 0; k < 4; k++)
		for (i = 0; i < 4; i++)
			fds[k][i] = -1;

	while (kipc_now_ns() < end) {
		switch (rnd() % 8) {
		case 0:
		case 1:
			ctl_op(ctl);
			continue;
		case 2:
		case 3:
			i = rnd() % MADE_MAX;
			if (made[i] >= 0)
				one_op(made[i]);
			continue;
		default:
			if (nobody)
				continue;
			break;
		}
		k = rnd() % 4;
		i = rnd() % 4;
		if ((fds[k][i] < 0 || rnd() % 64 == 0) &&
		    reopen(&fds[k][i], kinds[k], i) < 0)
			continue;
		one_op(fds[k][i]);
	}
	_exit(0);
}

/*
 * The fz* objects' names as the kipc class has them (its devices); one
 * too long for a name counts, as "" (which no removal finds).
 */
static int made_names(char names[][KIPC_NAME_MAX], int max)
{
	DIR *d = opendir("/sys/class/kipc");
	struct dirent *e;
	size_t len;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)) && n < max) {
		if (strncmp(e->d_name, "fz", 2))
			continue;
		len = strlen(e->d_name);
		if (len >= KIPC_NAME_MAX)
			len = 0;
		memcpy(names[n], e->d_name, len);
		names[n++][len] = '\0';
	}
	closedir(d);
	return n;
}

/* Rows of /proc/kipc/KIND, of every kind, whose name starts with @prefix. */
static int rows(const char *prefix)
{
	char path[64], line[512];
	int k, n = 0;
	FILE *f;

	for (k = 0; k < 4; k++) {
		snprintf(path, sizeof(path), KIPC_PROC_DIR "/%s", kinds[k]);
		f = fopen(path, "re");
		if (!f)
			return -1;
		while (fgets(line, sizeof(line), f))
			n += !strncmp(line, prefix, strlen(prefix));
		fclose(f);
	}
	return n;
}

/* No state: a fixture only because TEST_F_TIMEOUT needs one. */
FIXTURE(fuzz)
{
	int unused;
};

FIXTURE_SETUP(fuzz)
{
}

FIXTURE_TEARDOWN(fuzz)
{
}

/*
 * `make fuzz` runs for minutes: the harness's own limit would cut it
 * short. The runner's per-program time-out and the VM's still apply.
 */
TEST_F_TIMEOUT(fuzz, every_ioctl_of_every_node, 86400)
{
	const char *env = getenv("KIPC_FUZZ_SECONDS");
	int seconds = env ? atoi(env) : 10;
	unsigned long long seed = kipc_now_ns();
	long long used = kipc_objects_used();
	char names[256][KIPC_NAME_MAX];
	int i, n, status, ctl, anon = rows("anon:");
	pid_t pids[WORKERS + 1];
	struct kipc_remove rm;

	/* Guard pages on both sides: overruns must fault, not corrupt us. */
	buf = mmap(NULL, BUF_SIZE + 8192, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	buf += 4096;
	ASSERT_EQ(0, mprotect(buf, BUF_SIZE, PROT_READ | PROT_WRITE));
	ASSERT_NE(NULL, kipc_bad_ptr());
	tally = mmap(NULL, sizeof(*tally) * NR_REQS, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, tally);
	ASSERT_LE(0, used);
	ASSERT_EQ(0, made_names(names, 1));
	TH_LOG("seed %llu, %d workers and one as nobody, %d s", seed, WORKERS,
	       seconds);

	for (i = 0; i <= WORKERS; i++) {
		pids[i] = fork();
		ASSERT_GE(pids[i], 0);
		if (pids[i] == 0)
			worker(seed + i, seconds, i == WORKERS);
	}
	for (i = 0; i <= WORKERS; i++) {
		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
		if (WIFSIGNALED(status))
			TH_LOG("worker %d killed by signal %d", i,
			       WTERMSIG(status));
		EXPECT_TRUE(WIFEXITED(status));
		EXPECT_EQ(0, WEXITSTATUS(status));
	}
	for (i = 0; i < NR_REQS; i++)
		TH_LOG("%s: %llu calls, %llu worked, %llu EINVAL, %llu EFAULT, %llu other errors",
		       req_names[i], (unsigned long long)tally[i].calls,
		       (unsigned long long)tally[i].ok,
		       (unsigned long long)tally[i].einval,
		       (unsigned long long)tally[i].efault,
		       (unsigned long long)tally[i].other);
	restore_defaults();
	/* Every node still answers, with its defaults back. */
	EXPECT_EQ(65536, kipc_proc("pipe", "pipe0", "size"));
	EXPECT_EQ(0, kipc_proc("pipe", "pipe3", "readers"));

	/*
	 * What the workers made and left: the anonymous objects went with
	 * their files; the names go now, each with one removal.
	 */
	ctl = kipc_open("control", O_RDWR);
	ASSERT_LE(0, ctl);
	n = made_names(names, ARRAY_SIZE(names));
	TH_LOG("%d fz* objects left to remove", n);
	for (i = 0; i < n; i++) {
		memset(&rm, 0, sizeof(rm));
		memcpy(rm.name, names[i], sizeof(rm.name));
		EXPECT_EQ(0, ioctl(ctl, KIPC_CTL_REMOVE, &rm))
		TH_LOG("removing %s: %s", names[i], strerror(errno));
	}
	close(ctl);
	EXPECT_EQ(0, made_names(names, 1));
	EXPECT_EQ(0, rows("fz"));
	EXPECT_EQ(anon, rows("anon:"));
	EXPECT_EQ(used, kipc_objects_used());
}

TEST_HARNESS_MAIN

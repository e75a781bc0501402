// SPDX-License-Identifier: GPL-2.0
/*
 * An ioctl fuzzer for every kipc node: several processes throw random and
 * boundary-valued structs, flags and pointers (NULL, unmapped, kernel,
 * unaligned, short buffers) at every ioctl, mixed with read, write, poll,
 * mmap and close/reopen, for $KIPC_FUZZ_SECONDS (default 10) seconds.
 * A periodic SIGALRM (without SA_RESTART) breaks any wait it starts.
 *
 * What it checks here is small: every call returns, with a result or an
 * errno the kernel may give, and afterwards every node still answers
 * sanely. What it is for is what the VM harness checks after it: no oops,
 * no warning, no KASAN/lockdep/kmemleak report on the debug kernel.
 * It runs in `make check` for a few seconds and in `make fuzz` for long.
 */

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

static void worker(unsigned long long seed, int seconds)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval it = { { 0, 20000 }, { 0, 20000 } };
	unsigned long long end = kipc_now_ns() + seconds * 1000000000ULL;
	int fds[4][4], k, i;

	rng_state = seed;
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
		k = rnd() % 4;
		i = rnd() % 4;
		if ((fds[k][i] < 0 || rnd() % 64 == 0) &&
		    reopen(&fds[k][i], kinds[k], i) < 0)
			continue;
		one_op(fds[k][i]);
	}
	_exit(0);
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
	pid_t pids[WORKERS];
	int i, status;

	/* Guard pages on both sides: overruns must fault, not corrupt us. */
	buf = mmap(NULL, BUF_SIZE + 8192, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	buf += 4096;
	ASSERT_EQ(0, mprotect(buf, BUF_SIZE, PROT_READ | PROT_WRITE));
	ASSERT_NE(NULL, kipc_bad_ptr());
	TH_LOG("seed %llu, %d workers, %d s", seed, WORKERS, seconds);

	for (i = 0; i < WORKERS; i++) {
		pids[i] = fork();
		ASSERT_GE(pids[i], 0);
		if (pids[i] == 0)
			worker(seed + i, seconds);
	}
	for (i = 0; i < WORKERS; i++) {
		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
		if (WIFSIGNALED(status))
			TH_LOG("worker %d killed by signal %d", i,
			       WTERMSIG(status));
		EXPECT_TRUE(WIFEXITED(status));
		EXPECT_EQ(0, WEXITSTATUS(status));
	}
	restore_defaults();
	/* Every node still answers, with its defaults back. */
	EXPECT_EQ(65536, kipc_proc("pipe", "pipe0", "size"));
	EXPECT_EQ(0, kipc_proc("pipe", "pipe3", "readers"));
}

TEST_HARNESS_MAIN

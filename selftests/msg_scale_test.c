// SPDX-License-Identifier: GPL-2.0
/*
 * Receiving a given type, the lowest type <= |t|, or the first message not
 * of a type costs the same whether the queue holds 10 or 100,000 messages
 * of other types: kipc indexes messages by type (SPEC, "no linear scan").
 *
 * Two nodes are filled with a backlog of 10 and of 100,000 messages of
 * types the receives never take. Rounds alternate between them: send 64
 * target messages (not timed), then time 64 receives of them in thread CPU
 * time. The median cost per receive at 100,000 must stay within 4x of the
 * one at 10; a linear scan, as System V's msgrcv does, is thousands of times
 * slower there. System V's own ratio is measured the same way and logged,
 * not asserted. No wall-clock thresholds: only a ratio of two medians taken
 * side by side.
 */

#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/msg.h>

#include "kselftest_harness.h"
#include "kipc_test.h"

KIPC_REQUIRE_MODULE();

#define DEF_MSGMAX 8192ULL
#define DEF_QBYTES 16384ULL
#define SMALL 10
#define BIG 100000
#define BATCH 64
#define ROUNDS 15
#define SYSV_BATCH 8
#define SYSV_ROUNDS 5
#define MAX_RATIO 4.0

/* How the backlog is typed, and what the timed receives ask for. */
struct scenario {
	const char *name;
	long long (*backlog_type)(int i);
	long long target;
	long long sel;
	unsigned int flags;
};

struct sysv_msg {
	long mtype;
	char mtext[8];
};

/* Backlog over 1000 types, all above the targets. */
static long long many_types(int i)
{
	return 1000 + i % 1000;
}

/* Backlog of one type: a run at the head of the arrival order. */
static long long one_type(int i)
{
	(void)i;
	return 7;
}

static unsigned long long cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int cmp_ull(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a;
	unsigned long long y = *(const unsigned long long *)b;

	return x < y ? -1 : x > y;
}

static unsigned long long median(unsigned long long *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_ull);
	return v[n / 2];
}

/* Fill @fd with @n backlog messages. */
static int kfill(int fd, const struct scenario *sc, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (kipc_msg_send(fd, sc->backlog_type(i), "x", 1, KIPC_NOWAIT))
			return -1;
	return 0;
}

/*
 * Send @batch targets, then time receiving them. Returns the CPU time per
 * receive in ns, or 0 if a receive failed or took a backlog message.
 */
static unsigned long long kbatch(int fd, const struct scenario *sc, int batch)
{
	unsigned long long t0, t1;
	char buf[8];
	int i, bad = 0;

	for (i = 0; i < batch; i++)
		if (kipc_msg_send(fd, sc->target, "x", 1, KIPC_NOWAIT))
			return 0;
	t0 = cpu_ns();
	for (i = 0; i < batch; i++) {
		struct kipc_msg m = { .mtype = sc->sel,
				      .text = (uintptr_t)buf,
				      .size = sizeof(buf),
				      .flags = sc->flags | KIPC_NOWAIT };

		bad |= ioctl(fd, KIPC_MSG_RECV, &m) || m.mtype != sc->target;
	}
	t1 = cpu_ns();
	return bad ? 0 : (t1 - t0) / batch + 1;
}

static int sysv_make(int n, const struct scenario *sc)
{
	struct sysv_msg m = { .mtext = "x" };
	struct msqid_ds ds;
	int id = msgget(IPC_PRIVATE, IPC_CREAT | 0600), i;

	if (id < 0)
		return -1;
	if (msgctl(id, IPC_STAT, &ds))
		goto fail;
	ds.msg_qbytes = 2 * BIG + 1000;
	if (msgctl(id, IPC_SET, &ds))
		goto fail;
	for (i = 0; i < n; i++) {
		m.mtype = sc->backlog_type(i);
		if (msgsnd(id, &m, 1, IPC_NOWAIT))
			goto fail;
	}
	return id;
fail:
	msgctl(id, IPC_RMID, NULL);
	return -1;
}

static unsigned long long sysv_batch(int id, const struct scenario *sc)
{
	struct sysv_msg m = { .mtype = sc->target, .mtext = "x" };
	int flags = IPC_NOWAIT | (sc->flags & KIPC_MSG_EXCEPT ? MSG_EXCEPT : 0);
	unsigned long long t0, t1;
	int i, bad = 0;

	for (i = 0; i < SYSV_BATCH; i++)
		if (msgsnd(id, &m, 1, IPC_NOWAIT))
			return 0;
	t0 = cpu_ns();
	for (i = 0; i < SYSV_BATCH; i++)
		bad |= msgrcv(id, &m, sizeof(m.mtext), sc->sel, flags) != 1 ||
		       m.mtype != sc->target;
	t1 = cpu_ns();
	return bad ? 0 : (t1 - t0) / SYSV_BATCH + 1;
}

FIXTURE(scale)
{
	int small;
	int big;
	int sysv[2];
};

FIXTURE_SETUP(scale)
{
	struct kipc_msg_limits lim = { 2 * BIG + 1000, DEF_MSGMAX };

	self->small = -1;
	self->big = -1;
	self->sysv[0] = -1;
	self->sysv[1] = -1;
	self->small = kipc_open("msg1", O_RDWR);
	ASSERT_GE(self->small, 0);
	self->big = kipc_open("msg2", O_RDWR);
	ASSERT_GE(self->big, 0);
	ASSERT_EQ(0, ioctl(self->small, KIPC_MSG_FLUSH));
	ASSERT_EQ(0, ioctl(self->big, KIPC_MSG_FLUSH));
	/* Room for 100,000 messages needs CAP_SYS_RESOURCE: we are root. */
	ASSERT_EQ(0, ioctl(self->small, KIPC_MSG_SET_LIMITS, &lim));
	ASSERT_EQ(0, ioctl(self->big, KIPC_MSG_SET_LIMITS, &lim));
}

FIXTURE_TEARDOWN(scale)
{
	struct kipc_msg_limits lim = { DEF_QBYTES, DEF_MSGMAX };
	int fds[2] = { self->small, self->big }, i;

	for (i = 0; i < 2; i++) {
		if (self->sysv[i] >= 0)
			EXPECT_EQ(0, msgctl(self->sysv[i], IPC_RMID, NULL));
		if (fds[i] < 0)
			continue;
		EXPECT_EQ(0, ioctl(fds[i], KIPC_MSG_FLUSH));
		EXPECT_EQ(0, ioctl(fds[i], KIPC_MSG_SET_LIMITS, &lim));
		close(fds[i]);
	}
}

static void run(struct __test_metadata *_metadata, FIXTURE_DATA(scale) * self,
		const struct scenario *sc)
{
	unsigned long long small[ROUNDS], big[ROUNDS], ssmall[SYSV_ROUNDS],
		sbig[SYSV_ROUNDS], ms, mb;
	struct kipc_msg_info info;
	double ratio;
	int r;

	ASSERT_EQ(0, kfill(self->small, sc, SMALL));
	ASSERT_EQ(0, kfill(self->big, sc, BIG));
	ASSERT_EQ(0, ioctl(self->big, KIPC_MSG_GETINFO, &info));
	ASSERT_EQ((unsigned long long)BIG, info.qnum);

	/* Side by side, so that any drift hits both alike. */
	for (r = 0; r < ROUNDS; r++) {
		small[r] = kbatch(self->small, sc, BATCH);
		big[r] = kbatch(self->big, sc, BATCH);
		ASSERT_NE(0ULL, small[r]);
		ASSERT_NE(0ULL, big[r]);
	}
	ms = median(small, ROUNDS);
	mb = median(big, ROUNDS);
	ratio = (double)mb / ms;
	TH_LOG("kipc %s: %llu ns at %d, %llu ns at %d messages: ratio %.2f",
	       sc->name, ms, SMALL, mb, BIG, ratio);
	/* The backlog was not touched. */
	ASSERT_EQ(0, ioctl(self->big, KIPC_MSG_GETINFO, &info));
	EXPECT_EQ((unsigned long long)BIG, info.qnum);
	EXPECT_GT(MAX_RATIO, ratio);

	/* System V for comparison: logged only. */
	self->sysv[0] = sysv_make(SMALL, sc);
	self->sysv[1] = sysv_make(BIG, sc);
	if (self->sysv[0] < 0 || self->sysv[1] < 0) {
		TH_LOG("System V comparison skipped: %s", strerror(errno));
		return;
	}
	for (r = 0; r < SYSV_ROUNDS; r++) {
		ssmall[r] = sysv_batch(self->sysv[0], sc);
		sbig[r] = sysv_batch(self->sysv[1], sc);
	}
	ms = median(ssmall, SYSV_ROUNDS);
	mb = median(sbig, SYSV_ROUNDS);
	if (ms && mb)
		TH_LOG("sysv %s: %llu ns at %d, %llu ns at %d messages: ratio %.2f",
		       sc->name, ms, SMALL, mb, BIG, (double)mb / ms);
}

TEST_F_TIMEOUT(scale, typed_receive, 140)
{
	const struct scenario sc = {
		.name = "selector 1 among 1000 other types",
		.backlog_type = many_types,
		.target = 1,
		.sel = 1,
	};

	run(_metadata, self, &sc);
}

TEST_F_TIMEOUT(scale, lowest_type_receive, 140)
{
	const struct scenario sc = {
		.name = "selector -999 among types 1000..1999",
		.backlog_type = many_types,
		.target = 2,
		.sel = -999,
	};

	run(_metadata, self, &sc);
}

TEST_F_TIMEOUT(scale, except_receive, 140)
{
	const struct scenario sc = {
		.name = "EXCEPT 7 behind a run of type 7",
		.backlog_type = one_type,
		.target = 8,
		.sel = 7,
		.flags = KIPC_MSG_EXCEPT,
	};

	run(_metadata, self, &sc);
}

TEST_HARNESS_MAIN

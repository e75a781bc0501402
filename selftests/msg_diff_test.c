// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/kipc/msg0 against a System V queue (msgget/msgsnd/msgrcv): one long
 * pseudo-random sequence of sends, receives (every selector kind, EXCEPT,
 * NOERROR, too-small buffers, invalid types and sizes) and limit changes is
 * applied to both, and every result, errno, message and the qnum/cbytes
 * counters must be identical after every step.
 *
 * KIPC_MSG_PEEK has no System V counterpart (MSG_COPY selects by position),
 * so a peek is checked against the receive that follows it: same result,
 * same message. Blocking is left out (every call is non-blocking), and so
 * are bad buffers, where System V loses the message and kipc keeps it
 * (msg_args_test.c and msg_wait_test.c cover both).
 *
 * KIPC_DIFF_SEED=N picks another sequence; the seed is logged.
 */

#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/msg.h>

#include "kselftest_harness.h"
#include "kipc_test.h"

KIPC_REQUIRE_MODULE();

#define NODE "msg0"
#define DEF_MSGMAX 8192ULL
#define DEF_QBYTES 16384ULL
#define BUF_MAX (DEF_MSGMAX + 64)
#define STEPS 30000

struct sysv_buf {
	long mtype;
	char mtext[BUF_MAX];
};

/* What one receive gave: return value, errno, and the message. */
struct outcome {
	long ret;
	int err;
	long long mtype;
	unsigned long long size;
	char text[BUF_MAX];
};

static unsigned long long rng_state;

static unsigned long long rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static unsigned int pct(void)
{
	return rnd() % 100;
}

static long long pick_send_type(void)
{
	static const long long odd[] = { INT64_MAX, 1LL << 40, 0, -1,
					 INT64_MIN };
	unsigned int p = pct();

	if (p < 90)
		return 1 + rnd() % 6;
	return odd[rnd() % 5];
}

static unsigned long long pick_size(unsigned long long msgmax)
{
	unsigned int p = pct();

	if (p < 85)
		return rnd() % 25;
	if (p < 95)
		return rnd() % 301;
	if (p < 97)
		return msgmax;
	if (p < 99)
		return msgmax + 1;
	return SIZE_MAX;
}

static long long pick_selector(void)
{
	static const long long odd[] = { INT64_MIN, INT64_MAX, -INT64_MAX,
					 1LL << 40 };
	unsigned int p = pct();

	if (p < 20)
		return 0;
	if (p < 60)
		return 1 + rnd() % 7;
	if (p < 90)
		return -(long long)(1 + rnd() % 7);
	return odd[rnd() % 4];
}

static unsigned long long pick_capacity(void)
{
	unsigned int p = pct();

	if (p < 80)
		return rnd() % 31;
	if (p < 95)
		return rnd() % 400;
	if (p < 99)
		return DEF_MSGMAX;
	return 1ULL << 63;
}

static unsigned long long pick_qbytes(void)
{
	static const unsigned long long q[] = { 4, 16, 64, 300, 16384, 100000 };

	return q[rnd() % 6];
}

FIXTURE(diff)
{
	int fd;
	int id;
	struct sysv_buf sb;
	struct outcome a, b, c;
	char text[BUF_MAX];
};

FIXTURE_SETUP(diff)
{
	struct kipc_msg_limits lim = { DEF_QBYTES, DEF_MSGMAX };
	struct msqid_ds ds;
	const char *seed = getenv("KIPC_DIFF_SEED");

	self->id = -1;
	self->fd = kipc_open(NODE, O_RDWR);
	ASSERT_GE(self->fd, 0);
	ASSERT_EQ(0, ioctl(self->fd, KIPC_MSG_FLUSH));
	ASSERT_EQ(0, ioctl(self->fd, KIPC_MSG_SET_LIMITS, &lim));
	self->id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	ASSERT_GE(self->id, 0);
	/* Both start from the same limits: the Linux defaults. */
	ASSERT_EQ(0, msgctl(self->id, IPC_STAT, &ds));
	ds.msg_qbytes = DEF_QBYTES;
	ASSERT_EQ(0, msgctl(self->id, IPC_SET, &ds));
	rng_state = seed ? strtoull(seed, NULL, 0) : 0x6b697063;
	if (!rng_state)
		rng_state = 1;
	TH_LOG("seed %#llx", rng_state);
}

FIXTURE_TEARDOWN(diff)
{
	struct kipc_msg_limits lim = { DEF_QBYTES, DEF_MSGMAX };

	if (self->id >= 0)
		EXPECT_EQ(0, msgctl(self->id, IPC_RMID, NULL));
	if (self->fd >= 0) {
		EXPECT_EQ(0, ioctl(self->fd, KIPC_MSG_FLUSH));
		EXPECT_EQ(0, ioctl(self->fd, KIPC_MSG_SET_LIMITS, &lim));
		close(self->fd);
	}
}

static void sysv_recv(int id, struct sysv_buf *sb, long long sel,
		      unsigned long long cap, int flags, struct outcome *o)
{
	memset(o, 0, sizeof(*o));
	o->ret = msgrcv(id, sb, cap, sel, flags | IPC_NOWAIT);
	o->err = o->ret < 0 ? errno : 0;
	if (o->ret >= 0) {
		o->mtype = sb->mtype;
		o->size = o->ret;
		memcpy(o->text, sb->mtext, o->ret);
	}
}

static void kipc_recv(int fd, long long sel, unsigned long long cap,
		      unsigned int flags, struct outcome *o)
{
	static char buf[BUF_MAX];
	struct kipc_msg m;

	memset(o, 0, sizeof(*o));
	o->ret = kipc_msg_recv(fd, sel, buf, cap, flags | KIPC_NOWAIT, &m);
	o->err = o->ret < 0 ? errno : 0;
	if (!o->ret) {
		o->ret = m.size;
		o->mtype = m.mtype;
		o->size = m.size;
		memcpy(o->text, buf, m.size);
	}
}

static int same(const struct outcome *x, const struct outcome *y)
{
	return x->ret == y->ret && x->err == y->err && x->mtype == y->mtype &&
	       x->size == y->size && !memcmp(x->text, y->text, x->size);
}

static void log_outcome(struct __test_metadata *_metadata, const char *name,
			const struct outcome *o)
{
	TH_LOG("  %s: ret %ld errno %d type %lld size %llu", name, o->ret,
	       o->err, o->mtype, o->size);
}

/* Compare the queues' counters after a step. */
static int same_counters(int fd, int id, unsigned long long *qnum,
			 unsigned long long *cbytes)
{
	struct kipc_msg_info info;
	struct msqid_ds ds;

	if (ioctl(fd, KIPC_MSG_GETINFO, &info) || msgctl(id, IPC_STAT, &ds))
		return 0;
	qnum[0] = info.qnum;
	qnum[1] = ds.msg_qnum;
	cbytes[0] = info.cbytes;
	cbytes[1] = ds.__msg_cbytes;
	return qnum[0] == qnum[1] && cbytes[0] == cbytes[1] &&
	       info.qbytes == ds.msg_qbytes;
}

TEST_F_TIMEOUT(diff, random_sequence_matches_sysv, 200)
{
	unsigned long long qnum[2], cbytes[2], sends = 0, recvs = 0, peeks = 0;
	unsigned long long enomsg = 0, e2big = 0, eagain = 0, einval = 0;
	int step, i;

	for (step = 0; step < STEPS; step++) {
		/* Phases that fill and phases that drain the queues. */
		unsigned int p_send = (step / 1500) % 2 ? 35 : 65;
		unsigned int p = pct();

		if (p < 2) {
			struct kipc_msg_limits lim = { pick_qbytes(),
						       DEF_MSGMAX };
			struct msqid_ds ds;

			ASSERT_EQ(0, msgctl(self->id, IPC_STAT, &ds));
			ds.msg_qbytes = lim.qbytes;
			ASSERT_EQ(0, msgctl(self->id, IPC_SET, &ds));
			ASSERT_EQ(0,
				  ioctl(self->fd, KIPC_MSG_SET_LIMITS, &lim));
		} else if (p < 2 + p_send) {
			long long type = pick_send_type();
			unsigned long long size = pick_size(DEF_MSGMAX);
			unsigned long long n = size < BUF_MAX ? size : 0;
			int rs, rk, es, ek;

			for (i = 0; i < (int)n; i++)
				self->text[i] = rnd();
			self->sb.mtype = type;
			memcpy(self->sb.mtext, self->text, n);
			rs = msgsnd(self->id, &self->sb, size, IPC_NOWAIT);
			es = rs ? errno : 0;
			rk = kipc_msg_send(self->fd, type, self->text, size,
					   KIPC_NOWAIT);
			ek = rk ? errno : 0;
			if (rs != rk || es != ek)
				TH_LOG("step %d: send type %lld size %llu: sysv %d/%d kipc %d/%d",
				       step, type, size, rs, es, rk, ek);
			ASSERT_EQ(rs, rk);
			ASSERT_EQ(es, ek);
			sends += !rs;
			eagain += es == EAGAIN;
			einval += es == EINVAL;
		} else {
			long long sel = pick_selector();
			unsigned long long cap = pick_capacity();
			unsigned int kf = 0;
			int sf = 0;
			bool peek = pct() < 20;

			if (pct() < 30) {
				kf |= KIPC_MSG_EXCEPT;
				sf |= MSG_EXCEPT;
			}
			if (pct() < 30) {
				kf |= KIPC_MSG_NOERROR;
				sf |= MSG_NOERROR;
			}
			if (peek)
				kipc_recv(self->fd, sel, cap,
					  kf | KIPC_MSG_PEEK, &self->c);
			kipc_recv(self->fd, sel, cap, kf, &self->b);
			sysv_recv(self->id, &self->sb, sel, cap, sf, &self->a);
			if (!same(&self->a, &self->b) ||
			    (peek && !same(&self->c, &self->b))) {
				TH_LOG("step %d: recv sel %lld cap %llu flags %#x peek %d",
				       step, sel, cap, kf, peek);
				log_outcome(_metadata, "sysv", &self->a);
				log_outcome(_metadata, "kipc", &self->b);
				if (peek)
					log_outcome(_metadata, "peek",
						    &self->c);
			}
			ASSERT_TRUE(same(&self->a, &self->b));
			if (peek)
				ASSERT_TRUE(same(&self->c, &self->b));
			recvs += self->a.ret >= 0;
			peeks += peek;
			enomsg += self->a.err == ENOMSG;
			e2big += self->a.err == E2BIG;
			einval += self->a.err == EINVAL;
		}
		if (!same_counters(self->fd, self->id, qnum, cbytes))
			TH_LOG("step %d: qnum %llu/%llu cbytes %llu/%llu", step,
			       qnum[0], qnum[1], cbytes[0], cbytes[1]);
		ASSERT_TRUE(same_counters(self->fd, self->id, qnum, cbytes));
	}

	/* What is left comes out in the same order. */
	for (;;) {
		kipc_recv(self->fd, 0, BUF_MAX, 0, &self->b);
		sysv_recv(self->id, &self->sb, 0, BUF_MAX, 0, &self->a);
		ASSERT_TRUE(same(&self->a, &self->b));
		if (self->a.ret < 0)
			break;
	}
	EXPECT_EQ(ENOMSG, self->a.err);
	TH_LOG("%d steps: %llu sends, %llu receives, %llu peeks", STEPS, sends,
	       recvs, peeks);
	TH_LOG("errors: ENOMSG %llu, E2BIG %llu, EAGAIN %llu, EINVAL %llu",
	       enomsg, e2big, eagain, einval);
	/* The sequence did reach every outcome it is meant to compare. */
	EXPECT_LT(1000ULL, sends);
	EXPECT_LT(1000ULL, recvs);
	EXPECT_LT(0ULL, enomsg);
	EXPECT_LT(0ULL, e2big);
	EXPECT_LT(0ULL, eagain);
	EXPECT_LT(0ULL, einval);
}

/*
 * A deep queue of many types: 3000 messages of 200 types in random order,
 * then every kind of selector until both are empty.
 */
TEST_F_TIMEOUT(diff, deep_queue_drains_identically, 200)
{
	struct kipc_msg_limits lim = { 1 << 20, DEF_MSGMAX };
	struct msqid_ds ds;
	int i, left = 3000;

	ASSERT_EQ(0, ioctl(self->fd, KIPC_MSG_SET_LIMITS, &lim));
	ASSERT_EQ(0, msgctl(self->id, IPC_STAT, &ds));
	ds.msg_qbytes = lim.qbytes;
	ASSERT_EQ(0, msgctl(self->id, IPC_SET, &ds));
	for (i = 0; i < 3000; i++) {
		long long type = 1 + rnd() % 200;

		self->sb.mtype = type;
		memcpy(self->sb.mtext, &i, sizeof(i));
		ASSERT_EQ(0, msgsnd(self->id, &self->sb, sizeof(i), 0));
		ASSERT_EQ(0, kipc_msg_send(self->fd, type, &i, sizeof(i),
					   KIPC_NOWAIT));
	}
	while (left) {
		long long sel;
		unsigned int kf = 0;
		int sf = 0;

		switch (rnd() % 4) {
		case 0:
			sel = 0;
			break;
		case 1:
			sel = 1 + rnd() % 200;
			break;
		case 2:
			sel = -(long long)(1 + rnd() % 200);
			break;
		default:
			sel = 1 + rnd() % 200;
			kf = KIPC_MSG_EXCEPT;
			sf = MSG_EXCEPT;
			break;
		}
		kipc_recv(self->fd, sel, BUF_MAX, kf, &self->b);
		sysv_recv(self->id, &self->sb, sel, BUF_MAX, sf, &self->a);
		if (!same(&self->a, &self->b)) {
			TH_LOG("%d left: recv sel %lld flags %#x", left, sel,
			       kf);
			log_outcome(_metadata, "sysv", &self->a);
			log_outcome(_metadata, "kipc", &self->b);
		}
		ASSERT_TRUE(same(&self->a, &self->b));
		left -= self->a.ret >= 0;
	}
}

TEST_HARNESS_MAIN

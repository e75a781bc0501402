// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/kipc/shmN. The `seg` fixture runs every test twice, on a System V
 * segment (shmget/shmat, the oracle) and on /dev/kipc/shm0: visibility
 * across processes both ways, nattch through fork, exit, munmap and vma
 * splits, persistence. The `shm` fixture covers what SysV has no
 * counterpart for: the mmap policy, the size ioctls, read/write/lseek,
 * closing the fd before munmap, /proc/kipc/shm.
 */

#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <linux/userfaultfd.h>

#include "kselftest_harness.h"
#include "kipc_test.h"

KIPC_REQUIRE_MODULE();

#define NODE "shm0"
#define SEG_SIZE (64 * 1024)

static long page_size(void)
{
	return sysconf(_SC_PAGESIZE);
}

/* The first line of the file at @path into @buf, newline cut; 0 or -1. */
static int read_line(const char *path, char *buf, int len)
{
	FILE *f = fopen(path, "re");
	int ret = -1;

	if (f) {
		if (fgets(buf, len, f)) {
			buf[strcspn(buf, "\n")] = '\0';
			ret = 0;
		}
		fclose(f);
	}
	return ret;
}

/* The number in the file at @path (sysfs, procfs), or -1. */
static long long read_number(const char *path)
{
	char buf[64];

	return read_line(path, buf, sizeof(buf)) ? -1 : strtoll(buf, NULL, 0);
}

static long long param_shm_max(void)
{
	return read_number("/sys/module/kipc/parameters/shm_max");
}

static int get_size(int fd, __u64 *size)
{
	return ioctl(fd, KIPC_SHM_GET_SIZE, size);
}

static int set_size(int fd, __u64 size)
{
	return ioctl(fd, KIPC_SHM_SET_SIZE, &size);
}

/* The segment size, or -1. */
static long long size_of(int fd)
{
	__u64 size;

	return get_size(fd, &size) ? -1 : (long long)size;
}

static long long nattch_of(int fd)
{
	struct kipc_shm_info info;

	if (ioctl(fd, KIPC_SHM_GETINFO, &info))
		return -1;
	return info.nattch;
}

/* Spin until *@p == @want, for at most ~10 s; 0 on success. */
static int spin_until(uint32_t *p, uint32_t want)
{
	unsigned long long end = kipc_now_ns() + 10000000000ULL;

	while (__atomic_load_n(p, __ATOMIC_ACQUIRE) != want)
		if (kipc_now_ns() > end)
			return -1;
	return 0;
}

/* Fill @len bytes with a pattern derived from @seed and the offset. */
static void fill(unsigned char *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (unsigned char)(i * 31 + seed);
}

static int check(const unsigned char *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != (unsigned char)(i * 31 + seed))
			return -1;
	return 0;
}

static int all_zero(const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i])
			return -1;
	return 0;
}

/*
 * Resize to @size with all-zero contents: shrinking to one page drops every
 * other page, and the one left is zeroed by hand. Like a new SysV segment.
 */
static int reset_segment(int fd, __u64 size)
{
	static char zero[65536];
	long pg = page_size();

	if (set_size(fd, pg) || pwrite(fd, zero, pg, 0) != pg)
		return -1;
	return set_size(fd, size);
}

/* remap_file_pages(2): map page @pgoff of the mapping's file at @p. */
static int remap(void *p, size_t len, size_t pgoff)
{
	return syscall(SYS_remap_file_pages, p, len, 0, pgoff, 0);
}

/*
 * The sum of the "Locked:" lines of /proc/self/smaps, in kB, over the vmas
 * inside [@p, @p + @len); -1 if smaps cannot be read.
 */
static long long locked_kb(const void *p, size_t len)
{
	unsigned long start, end, lo = (unsigned long)p, hi = lo + len;
	long long sum = 0, kb;
	char line[512];
	int inside = 0;
	FILE *f = fopen("/proc/self/smaps", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2)
			inside = start >= lo && end <= hi;
		else if (inside && sscanf(line, "Locked: %lld kB", &kb) == 1)
			sum += kb;
	}
	fclose(f);
	return sum;
}

/* /sys/module/kipc/refcnt: the references that keep kipc loaded, or -1. */
static long long module_refcnt(void)
{
	return read_number("/sys/module/kipc/refcnt");
}

/* ============================================ SysV shm vs /dev/kipc/shm0 */

FIXTURE(seg)
{
	int fd; /* kipc: the node, O_RDWR */
	int shmid; /* sysv: the segment */
	__u64 saved_size;
	pid_t kid;
};

FIXTURE_VARIANT(seg)
{
	bool kipc;
};

/* clang-format off */
FIXTURE_VARIANT_ADD(seg, sysv) {
	.kipc = false,
};

FIXTURE_VARIANT_ADD(seg, kipc) {
	.kipc = true,
};

/* clang-format on */

FIXTURE_SETUP(seg)
{
	self->fd = -1;
	self->shmid = -1;
	if (variant->kipc) {
		self->fd = kipc_open(NODE, O_RDWR);
		ASSERT_GE(self->fd, 0);
		ASSERT_EQ(0, get_size(self->fd, &self->saved_size));
		ASSERT_EQ(0, nattch_of(self->fd));
		ASSERT_EQ(0, reset_segment(self->fd, SEG_SIZE));
	} else {
		self->shmid = shmget(IPC_PRIVATE, SEG_SIZE, IPC_CREAT | 0600);
		ASSERT_GE(self->shmid, 0);
	}
}

FIXTURE_TEARDOWN(seg)
{
	if (self->kid > 0) {
		kill(self->kid, SIGKILL);
		waitpid(self->kid, NULL, 0);
	}
	if (variant->kipc) {
		/* The next user finds the size it had, and zeros. */
		EXPECT_EQ(0, reset_segment(self->fd, self->saved_size));
		close(self->fd);
	} else {
		EXPECT_EQ(0, shmctl(self->shmid, IPC_RMID, NULL));
	}
}

/* Attach the whole segment: shmat() or mmap(MAP_SHARED). */
static void *seg_attach(FIXTURE_DATA(seg) * self, bool kipc, bool rdonly)
{
	void *p;

	if (!kipc)
		return shmat(self->shmid, NULL, rdonly ? SHM_RDONLY : 0);
	p = mmap(NULL, SEG_SIZE, rdonly ? PROT_READ : PROT_READ | PROT_WRITE,
		 MAP_SHARED, self->fd, 0);
	return p == MAP_FAILED ? (void *)-1 : p;
}

static int seg_detach(void *p, bool kipc)
{
	return kipc ? munmap(p, SEG_SIZE) : shmdt(p);
}

/* In a child: attach on its own (no inherited mapping). */
static void *seg_attach_fresh(FIXTURE_DATA(seg) * self, bool kipc)
{
	int fd;
	void *p;

	if (!kipc)
		return shmat(self->shmid, NULL, 0);
	fd = kipc_open(NODE, O_RDWR);
	if (fd < 0)
		return (void *)-1;
	p = mmap(NULL, SEG_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	return p == MAP_FAILED ? (void *)-1 : p;
}

static long long seg_nattch(FIXTURE_DATA(seg) * self, bool kipc)
{
	struct shmid_ds ds;

	if (kipc)
		return nattch_of(self->fd);
	if (shmctl(self->shmid, IPC_STAT, &ds))
		return -1;
	return ds.shm_nattch;
}

/*
 * nattch while a forked child, which holds copies of our mappings, is
 * alive; the child is then let go and reaped. -1 if any step fails.
 */
static long long nattch_with_kid(FIXTURE_DATA(seg) * self, bool kipc)
{
	long long n = -1;
	int go[2];
	pid_t pid;
	char c;

	if (pipe(go))
		return -1;
	pid = kipc_fork_kid();
	if (pid == 0) {
		close(go[1]);
		_exit(read(go[0], &c, 1) == 1 ? 0 : 1);
	}
	close(go[0]);
	if (pid > 0) {
		n = seg_nattch(self, kipc);
		if (write(go[1], "x", 1) != 1 || kipc_wait_exit(pid))
			n = -1;
	}
	close(go[1]);
	return n;
}

TEST_F(seg, child_writes_parent_sees)
{
	unsigned char *p;
	pid_t pid;

	p = seg_attach(self, variant->kipc, false);
	ASSERT_NE((void *)-1, p);
	pid = kipc_fork_kid();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		unsigned char *q = seg_attach_fresh(self, variant->kipc);

		if (q == (void *)-1)
			_exit(1);
		fill(q, SEG_SIZE, 7);
		_exit(0);
	}
	ASSERT_EQ(0, kipc_wait_exit(pid));
	EXPECT_EQ(0, check(p, SEG_SIZE, 7));
	EXPECT_EQ(0, seg_detach(p, variant->kipc));
}

TEST_F(seg, parent_writes_child_sees_at_once)
{
	uint32_t *flag;
	unsigned char *p;

	p = seg_attach(self, variant->kipc, false);
	ASSERT_NE((void *)-1, p);
	flag = (uint32_t *)(p + SEG_SIZE - sizeof(uint32_t));
	*flag = 0;
	self->kid = kipc_fork_kid();
	ASSERT_GE(self->kid, 0);
	if (self->kid == 0) {
		unsigned char *q = seg_attach_fresh(self, variant->kipc);
		uint32_t *f;

		if (q == (void *)-1)
			_exit(1);
		f = (uint32_t *)(q + SEG_SIZE - sizeof(uint32_t));
		__atomic_store_n(f, 1, __ATOMIC_RELEASE); /* attached */
		/* No syscall in between: the store must show up by itself. */
		if (spin_until(f, 2))
			_exit(2);
		_exit(check(q, 4096, 3) ? 3 : 0);
	}
	ASSERT_EQ(0, spin_until(flag, 1));
	fill(p, 4096, 3);
	__atomic_store_n(flag, 2, __ATOMIC_RELEASE);
	EXPECT_EQ(0, kipc_wait_exit(self->kid));
	self->kid = 0;
	EXPECT_EQ(0, seg_detach(p, variant->kipc));
}

TEST_F(seg, mapping_inherited_by_fork_is_shared)
{
	unsigned char *p;
	pid_t pid;

	p = seg_attach(self, variant->kipc, false);
	ASSERT_NE((void *)-1, p);
	memset(p, 0, SEG_SIZE);
	pid = kipc_fork_kid();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		fill(p, SEG_SIZE, 11);
		_exit(0);
	}
	ASSERT_EQ(0, kipc_wait_exit(pid));
	EXPECT_EQ(0, check(p, SEG_SIZE, 11));
	EXPECT_EQ(0, seg_detach(p, variant->kipc));
}

TEST_F(seg, nattch_through_fork_exit_and_detach)
{
	void *p;

	EXPECT_EQ(0, seg_nattch(self, variant->kipc));
	p = seg_attach(self, variant->kipc, false);
	ASSERT_NE((void *)-1, p);
	EXPECT_EQ(1, seg_nattch(self, variant->kipc));
	EXPECT_EQ(2, nattch_with_kid(self, variant->kipc));
	EXPECT_EQ(1, seg_nattch(self, variant->kipc));
	EXPECT_EQ(0, seg_detach(p, variant->kipc));
	EXPECT_EQ(0, seg_nattch(self, variant->kipc));
}

/* A vma split counts as one more attachment, in SysV as here. */
TEST_F(seg, nattch_counts_vmas_after_mprotect_split)
{
	unsigned char *p;
	long pg = page_size();

	p = seg_attach(self, variant->kipc, false);
	ASSERT_NE((void *)-1, p);
	ASSERT_EQ(0, mprotect(p + pg, pg, PROT_READ));
	EXPECT_EQ(3, seg_nattch(self, variant->kipc));
	/* munmap() takes every piece, shmdt() too. */
	EXPECT_EQ(0, seg_detach(p, variant->kipc));
	EXPECT_EQ(0, seg_nattch(self, variant->kipc));
}

TEST_F(seg, nattch_after_munmap_of_middle)
{
	unsigned char *p;
	long pg = page_size();

	p = seg_attach(self, variant->kipc, false);
	ASSERT_NE((void *)-1, p);
	ASSERT_EQ(0, munmap(p + pg, pg));
	EXPECT_EQ(2, seg_nattch(self, variant->kipc));
	ASSERT_EQ(0, munmap(p, pg));
	EXPECT_EQ(1, seg_nattch(self, variant->kipc));
	ASSERT_EQ(0, munmap(p + 2 * pg, SEG_SIZE - 2 * pg));
	EXPECT_EQ(0, seg_nattch(self, variant->kipc));
}

TEST_F(seg, contents_persist_after_last_detach)
{
	unsigned char *p;

	p = seg_attach(self, variant->kipc, false);
	ASSERT_NE((void *)-1, p);
	fill(p, SEG_SIZE, 5);
	ASSERT_EQ(0, seg_detach(p, variant->kipc));
	EXPECT_EQ(0, seg_nattch(self, variant->kipc));
	p = seg_attach(self, variant->kipc, false);
	ASSERT_NE((void *)-1, p);
	EXPECT_EQ(0, check(p, SEG_SIZE, 5));
	EXPECT_EQ(0, seg_detach(p, variant->kipc));
}

TEST_F(seg, new_segment_reads_zero)
{
	unsigned char *p;

	p = seg_attach(self, variant->kipc, true);
	ASSERT_NE((void *)-1, p);
	EXPECT_EQ(0, all_zero(p, SEG_SIZE));
	EXPECT_EQ(0, seg_detach(p, variant->kipc));
}

TEST_F(seg, readonly_attach_store_faults)
{
	unsigned char *p;
	int status;
	pid_t pid;

	p = seg_attach(self, variant->kipc, true);
	ASSERT_NE((void *)-1, p);
	pid = kipc_fork_kid();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		p[0] = 1;
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGSEGV, WTERMSIG(status));
	EXPECT_EQ(0, seg_detach(p, variant->kipc));
}

/* The "shmem" line of @cg's memory.stat, in bytes, or -1. */
static long long cg_shmem(const char *cg)
{
	char path[256], line[128];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/memory.stat", cg);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "shmem %lld", &v) == 1)
			break;
	fclose(f);
	return v;
}

#define CG_ROOT "/tmp/kipc-cgroup2"

/*
 * The pages are charged to the memory cgroup of the task that first
 * touches them, as for SysV shm: a child in a fresh cgroup touches the
 * whole segment, and that cgroup's shmem count covers it.
 */
TEST_F(seg, pages_charged_to_toucher_memory_cgroup)
{
	char cg[128], pid_text[32];
	long long charged;
	int i;
	unsigned char *p;
	pid_t pid;

	mkdir(CG_ROOT, 0755);
	if (mount("none", CG_ROOT, "cgroup2", 0, NULL) && errno != EBUSY)
		SKIP(return, "cannot mount cgroup2: %s", strerror(errno));
	if (kipc_write_file(CG_ROOT "/cgroup.subtree_control", "+memory")) {
		umount(CG_ROOT);
		SKIP(return, "no memory controller");
	}
	snprintf(cg, sizeof(cg), CG_ROOT "/kipc-shm-%d", getpid());
	ASSERT_EQ(0, mkdir(cg, 0755));
	p = seg_attach(self, variant->kipc, false);
	ASSERT_NE((void *)-1, p);
	pid = kipc_fork_kid();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		snprintf(pid_text, sizeof(pid_text), "%d", getpid());
		snprintf(cg + strlen(cg), sizeof(cg) - strlen(cg),
			 "/cgroup.procs");
		if (kipc_write_file(cg, pid_text))
			_exit(1);
		fill(p, SEG_SIZE, 1);
		_exit(0);
	}
	EXPECT_EQ(0, kipc_wait_exit(pid));
	/*
	 * kipc's first page may predate the test (see reset_segment()).
	 * Since 6.8 memory.stat shows small changes only once the periodic
	 * flush (every 2 s) has run: wait for up to 5 s.
	 */
	for (i = 0; i < 50; i++) {
		charged = cg_shmem(cg);
		if (charged >= SEG_SIZE - page_size())
			break;
		usleep(100000);
	}
	EXPECT_GE(charged, SEG_SIZE - page_size());
	EXPECT_EQ(0, check(p, SEG_SIZE, 1));
	EXPECT_EQ(0, seg_detach(p, variant->kipc));
	EXPECT_EQ(0, rmdir(cg));
	umount2(CG_ROOT, MNT_DETACH);
}

/* ----------------------------------------------- remap_file_pages(2) */

/*
 * remap_file_pages() maps the vma's file again over the range: the new vma
 * must be an attachment like the one it replaces (ipc/shm.c gives its
 * mappings a file of its own for this).
 */
TEST_F(seg, remap_file_pages_keeps_nattch)
{
	void *p;

	p = seg_attach(self, variant->kipc, false);
	ASSERT_NE((void *)-1, p);
	ASSERT_EQ(0, remap(p, SEG_SIZE, 0));
	EXPECT_EQ(1, seg_nattch(self, variant->kipc));
	EXPECT_EQ(0, munmap(p, SEG_SIZE));
}

/* One page remapped in the middle: three vmas, three attachments. */
TEST_F(seg, remap_file_pages_of_one_page_counts_three)
{
	long pg = page_size();
	unsigned char *p;

	p = seg_attach(self, variant->kipc, false);
	ASSERT_NE((void *)-1, p);
	ASSERT_EQ(0, remap(p + pg, pg, 3));
	EXPECT_EQ(3, seg_nattch(self, variant->kipc));
	EXPECT_EQ(0, munmap(p, SEG_SIZE));
}

TEST_F(seg, remap_file_pages_mapping_counted_in_fork)
{
	void *p;

	p = seg_attach(self, variant->kipc, false);
	ASSERT_NE((void *)-1, p);
	ASSERT_EQ(0, remap(p, SEG_SIZE, 0));
	EXPECT_EQ(2, nattch_with_kid(self, variant->kipc));
	EXPECT_EQ(0, munmap(p, SEG_SIZE));
}

/* What the remapped page shows: the segment's page @pgoff. */
TEST_F(seg, remap_file_pages_shows_the_asked_page)
{
	long pg = page_size();
	unsigned char *p;
	int i;

	p = seg_attach(self, variant->kipc, false);
	ASSERT_NE((void *)-1, p);
	for (i = 0; i < SEG_SIZE / pg; i++)
		fill(p + i * pg, pg, i);
	ASSERT_EQ(0, remap(p + pg, pg, 5));
	EXPECT_EQ(0, check(p + pg, pg, 5));
	/* Both addresses are the same memory. */
	p[pg] ^= 0xff;
	EXPECT_EQ(p[pg], p[5 * pg]);
	EXPECT_EQ(0, munmap(p, SEG_SIZE));
}

/* ------------------------------------------------------------ mlock */

/* mlock() faults in and locks every page, as for SysV: Locked: is all. */
TEST_F(seg, mlock_locks_every_page)
{
	void *p;

	p = seg_attach(self, variant->kipc, false);
	ASSERT_NE((void *)-1, p);
	ASSERT_EQ(0, mlock(p, SEG_SIZE));
	EXPECT_EQ(SEG_SIZE / 1024, locked_kb(p, SEG_SIZE));
	EXPECT_EQ(0, munlock(p, SEG_SIZE));
	EXPECT_EQ(0, seg_detach(p, variant->kipc));
}

TEST_F(seg, mlockall_locks_every_page)
{
	void *p;

	p = seg_attach(self, variant->kipc, false);
	ASSERT_NE((void *)-1, p);
	ASSERT_EQ(0, mlockall(MCL_CURRENT));
	EXPECT_EQ(SEG_SIZE / 1024, locked_kb(p, SEG_SIZE));
	EXPECT_EQ(0, munlockall());
	EXPECT_EQ(0, seg_detach(p, variant->kipc));
}

/* munlock() of one page splits the vma; the rest stays locked. */
TEST_F(seg, munlock_of_one_page_keeps_the_rest_locked)
{
	long pg = page_size();
	unsigned char *p;

	p = seg_attach(self, variant->kipc, false);
	ASSERT_NE((void *)-1, p);
	ASSERT_EQ(0, mlock(p, SEG_SIZE));
	ASSERT_EQ(0, munlock(p, pg));
	EXPECT_EQ((SEG_SIZE - pg) / 1024, locked_kb(p, SEG_SIZE));
	EXPECT_EQ(0, munlock(p, SEG_SIZE));
	EXPECT_EQ(0, seg_detach(p, variant->kipc));
}

/* remap_file_pages() of a locked range locks the new vma too. */
TEST_F(seg, remap_file_pages_keeps_the_lock)
{
	void *p;

	p = seg_attach(self, variant->kipc, false);
	ASSERT_NE((void *)-1, p);
	ASSERT_EQ(0, mlock(p, SEG_SIZE));
	ASSERT_EQ(0, remap(p, SEG_SIZE, 0));
	EXPECT_EQ(SEG_SIZE / 1024, locked_kb(p, SEG_SIZE));
	EXPECT_EQ(0, munmap(p, SEG_SIZE));
}

/* ----------------------------------------------------- RLIMIT_FSIZE */

/*
 * In a child limited to RLIMIT_FSIZE = SEG_SIZE, make the segment four
 * times that: shmget() ignores the limit (it sizes no file anyone wrote),
 * and so must KIPC_SHM_SET_SIZE. Returns the child's pid; it exits with
 * 0 or the errno of the failure.
 */
static pid_t grow_under_fsize_limit(FIXTURE_DATA(seg) * self, bool kipc,
				    bool ignore_sigxfsz)
{
	struct rlimit lim = { SEG_SIZE, SEG_SIZE };
	pid_t pid = kipc_fork_kid();
	int id;

	if (pid)
		return pid;
	if (ignore_sigxfsz)
		signal(SIGXFSZ, SIG_IGN);
	if (setrlimit(RLIMIT_FSIZE, &lim))
		_exit(100);
	if (kipc)
		_exit(set_size(self->fd, 4 * SEG_SIZE) ? errno : 0);
	id = shmget(IPC_PRIVATE, 4 * SEG_SIZE, IPC_CREAT | 0600);
	if (id < 0)
		_exit(errno);
	shmctl(id, IPC_RMID, NULL);
	_exit(0);
}

TEST_F(seg, grow_ignores_rlimit_fsize)
{
	pid_t pid = grow_under_fsize_limit(self, variant->kipc, true);

	ASSERT_GE(pid, 0);
	EXPECT_EQ(0, kipc_wait_exit(pid));
}

/* With SIGXFSZ at its default action, the caller is not killed either. */
TEST_F(seg, grow_past_rlimit_fsize_sends_no_sigxfsz)
{
	pid_t pid = grow_under_fsize_limit(self, variant->kipc, false);
	int status;

	ASSERT_GE(pid, 0);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_FALSE(WIFSIGNALED(status));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/*
 * A shrink runs in the caller (a growth on a kworker): the limit, which
 * only a growth could break, still does not apply, down to a limit of 0.
 */
TEST_F(seg, shrink_under_rlimit_fsize_zero)
{
	struct rlimit lim = { 0, 0 };
	__u64 size = 0;
	pid_t pid;

	if (!variant->kipc)
		SKIP(return, "System V segments are not resized");
	ASSERT_EQ(0, set_size(self->fd, 4 * SEG_SIZE));
	pid = kipc_fork_kid();
	ASSERT_GE(pid, 0);
	if (!pid) {
		if (setrlimit(RLIMIT_FSIZE, &lim))
			_exit(100);
		_exit(set_size(self->fd, SEG_SIZE) ? errno : 0);
	}
	EXPECT_EQ(0, kipc_wait_exit(pid));
	ASSERT_EQ(0, get_size(self->fd, &size));
	EXPECT_EQ(SEG_SIZE, size);
}

#define OVERCOMMIT "/proc/sys/vm/overcommit_memory"
#define OVERCOMMIT_RATIO "/proc/sys/vm/overcommit_ratio"

/* SwapTotal from /proc/meminfo in kB, or -1. */
static long long swap_total_kb(void)
{
	char line[128];
	long long kb = -1;
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "SwapTotal: %lld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/*
 * The size is committed memory, as shmget()'s is (a resize goes through
 * shmem's accounting even though RLIMIT_FSIZE is left out): under strict
 * overcommit with no room (overcommit_ratio 0 and no swap: a commit limit
 * of 0), growing fails with ENOMEM. Nothing between the sysctl writes
 * allocates: every process is refused private memory meanwhile.
 */
TEST_F(seg, grow_past_commit_limit_enomem)
{
	char mode[16], ratio[16];
	int ret, err;

	if (swap_total_kb() != 0)
		SKIP(return, "swap is on: the commit limit is not 0");
	ASSERT_EQ(0, read_line(OVERCOMMIT, mode, sizeof(mode)));
	ASSERT_EQ(0, read_line(OVERCOMMIT_RATIO, ratio, sizeof(ratio)));
	ASSERT_EQ(0, kipc_write_file(OVERCOMMIT_RATIO, "0"));
	ASSERT_EQ(0, kipc_write_file(OVERCOMMIT, "2"));
	if (variant->kipc) {
		ret = set_size(self->fd, 4 * SEG_SIZE);
	} else {
		ret = shmget(IPC_PRIVATE, 4 * SEG_SIZE, IPC_CREAT | 0600);
		if (ret >= 0)
			shmctl(ret, IPC_RMID, NULL);
	}
	err = errno;
	ASSERT_EQ(0, kipc_write_file(OVERCOMMIT, mode));
	ASSERT_EQ(0, kipc_write_file(OVERCOMMIT_RATIO, ratio));
	EXPECT_EQ(-1, ret);
	EXPECT_EQ(ENOMEM, err);
}

/* -------------------------------------- mremap, madvise, exec, uffd */

/*
 * mremap() may grow a mapping past the end of the segment, as for SysV
 * (neither sets VM_DONTEXPAND, which would keep mlock() out); the pages
 * past the end give SIGBUS.
 */
TEST_F(seg, mremap_grow_past_end_sigbus)
{
	long pg = page_size();
	unsigned char *p, *q;
	int status;
	pid_t pid;

	p = seg_attach(self, variant->kipc, false);
	ASSERT_NE((void *)-1, p);
	q = mremap(p, SEG_SIZE, SEG_SIZE + pg, MREMAP_MAYMOVE);
	ASSERT_NE(MAP_FAILED, q);
	EXPECT_EQ(1, seg_nattch(self, variant->kipc));
	pid = kipc_fork_kid();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		q[SEG_SIZE] = 1;
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGBUS, WTERMSIG(status));
	EXPECT_EQ(0, munmap(q, SEG_SIZE + pg));
}

/* MADV_DONTNEED drops the page table entries, never shared contents. */
TEST_F(seg, madv_dontneed_keeps_contents)
{
	unsigned char *p;

	p = seg_attach(self, variant->kipc, false);
	ASSERT_NE((void *)-1, p);
	fill(p, SEG_SIZE, 47);
	ASSERT_EQ(0, madvise(p, SEG_SIZE, MADV_DONTNEED));
	EXPECT_EQ(0, check(p, SEG_SIZE, 47));
	EXPECT_EQ(0, seg_detach(p, variant->kipc));
}

/* MADV_REMOVE punches a hole in the segment: that page reads as zeros. */
TEST_F(seg, madv_remove_zeroes_the_range)
{
	long pg = page_size();
	unsigned char *p;

	p = seg_attach(self, variant->kipc, false);
	ASSERT_NE((void *)-1, p);
	fill(p, SEG_SIZE, 53);
	ASSERT_EQ(0, madvise(p + pg, pg, MADV_REMOVE));
	EXPECT_EQ(0, all_zero(p + pg, pg));
	EXPECT_EQ(0, check(p, pg, 53));
	EXPECT_EQ(0, seg_detach(p, variant->kipc));
}

/* exec() drops the inherited attachment: nattch goes back to one. */
TEST_F(seg, exec_drops_the_attachment)
{
	void *p;

	p = seg_attach(self, variant->kipc, false);
	ASSERT_NE((void *)-1, p);
	self->kid = kipc_fork_kid();
	ASSERT_GE(self->kid, 0);
	if (self->kid == 0) {
		execl("/bin/sleep", "sleep", "60", (char *)NULL);
		_exit(127);
	}
	EXPECT_EQ(0, kipc_wait_until(seg_nattch(self, variant->kipc) == 1));
	/* The child lives on in sleep(1): exec, not exit, detached it. */
	EXPECT_EQ(0, waitpid(self->kid, NULL, WNOHANG));
	EXPECT_EQ(0, seg_detach(p, variant->kipc));
}

/*
 * userfaultfd takes anonymous, hugetlbfs and shmem vmas; a SysV segment's
 * vma is none of them (its vm_ops are ipc/shm.c's), and neither is ours.
 */
TEST_F(seg, userfaultfd_register_einval)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	void *p;
	int uffd;

	uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0)
		SKIP(return, "userfaultfd: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_API, &api));
	p = seg_attach(self, variant->kipc, false);
	ASSERT_NE((void *)-1, p);
	reg.range.start = (unsigned long)p;
	reg.range.len = SEG_SIZE;
	EXPECT_EQ(-1, ioctl(uffd, UFFDIO_REGISTER, &reg));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, seg_detach(p, variant->kipc));
	close(uffd);
}

/* ====================== remap_file_pages() of a removed segment's vmas */

FIXTURE(rmseg)
{
	char name[KIPC_NAME_MAX];
	unsigned char *p, *q;
};

FIXTURE_VARIANT(rmseg)
{
	bool kipc;
};

/* clang-format off */
FIXTURE_VARIANT_ADD(rmseg, sysv) {
	.kipc = false,
};

FIXTURE_VARIANT_ADD(rmseg, kipc) {
	.kipc = true,
};

/* clang-format on */

/* A new kipc segment of SEG_SIZE: named @name, or anonymous if NULL. */
static int new_segment(const char *name)
{
	if (!name)
		return kipc_anon(KIPC_KIND_SHM, O_CLOEXEC, SEG_SIZE);
	if (kipc_create(KIPC_KIND_SHM, name, 0600, SEG_SIZE, KIPC_CREATE_EXCL))
		return -1;
	return kipc_open(name, O_RDWR);
}

/* Map all of @fd, read and write, or (void *)-1. */
static void *map_all(int fd)
{
	int prot = PROT_READ | PROT_WRITE;
	void *p = mmap(NULL, SEG_SIZE, prot, MAP_SHARED, fd, 0);

	return p == MAP_FAILED ? (void *)-1 : p;
}

/*
 * A segment holding pattern 61, attached twice (@p and @q), then removed:
 * SysV with IPC_RMID, a named kipc segment, its fd closed, with
 * KIPC_CTL_REMOVE. Only the two mappings hold it now.
 */
FIXTURE_SETUP(rmseg)
{
	int fd, shmid;

	self->name[0] = '\0';
	if (!variant->kipc) {
		shmid = shmget(IPC_PRIVATE, SEG_SIZE, IPC_CREAT | 0600);
		ASSERT_GE(shmid, 0);
		self->p = shmat(shmid, NULL, 0);
		self->q = shmat(shmid, NULL, 0);
		ASSERT_EQ(0, shmctl(shmid, IPC_RMID, NULL));
	} else {
		snprintf(self->name, sizeof(self->name), "shm_test-rm-%d",
			 getpid());
		fd = new_segment(self->name);
		ASSERT_GE(fd, 0);
		self->p = map_all(fd);
		self->q = map_all(fd);
		close(fd);
		ASSERT_EQ(0, kipc_remove(self->name));
		self->name[0] = '\0';
	}
	ASSERT_NE((void *)-1, self->p);
	ASSERT_NE((void *)-1, self->q);
	fill(self->p, SEG_SIZE, 61);
}

FIXTURE_TEARDOWN(rmseg)
{
	/* munmap() detaches SysV segments too, and a hole is no error. */
	EXPECT_EQ(0, munmap(self->p, SEG_SIZE));
	EXPECT_EQ(0, munmap(self->q, SEG_SIZE));
	if (self->name[0])
		kipc_remove(self->name);
}

/* While another vma holds the segment, a remap works as before removal. */
TEST_F(rmseg, remap_file_pages_keeps_contents)
{
	ASSERT_EQ(0, remap(self->p, SEG_SIZE, 0));
	EXPECT_EQ(0, check(self->p, SEG_SIZE, 61));
}

/*
 * The last vma: remap_file_pages() unmaps it before it maps again, and on
 * SysV that destroys the segment (shm_mmap() then finds no id: EINVAL).
 * kipc says the segment was removed.
 */
TEST_F(rmseg, remap_file_pages_of_last_vma_fails)
{
	ASSERT_EQ(0, munmap(self->q, SEG_SIZE));
	EXPECT_EQ(-1, remap(self->p, SEG_SIZE, 0));
	EXPECT_EQ(variant->kipc ? EIDRM : EINVAL, errno);
}

/* A remapped vma's copy in a child keeps the segment after the parent's go. */
TEST_F(rmseg, remapped_vma_outlives_the_parents_in_child)
{
	pid_t pid;

	ASSERT_EQ(0, remap(self->p, SEG_SIZE, 0));
	pid = kipc_fork_kid();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		usleep(20000);
		_exit(check(self->p, SEG_SIZE, 61) ? 1 : 0);
	}
	EXPECT_EQ(0, munmap(self->p, SEG_SIZE));
	EXPECT_EQ(0, munmap(self->q, SEG_SIZE));
	EXPECT_EQ(0, kipc_wait_exit(pid));
}

/*
 * An anonymous segment lives while a file or a mapping does, as a memfd:
 * with its last fd closed, remapping its only vma keeps it (the mapping
 * file holds it across the unmap and map again).
 */
TEST(anon_remap_of_only_vma_keeps_contents)
{
	unsigned char *p;
	int fd = new_segment(NULL);

	ASSERT_GE(fd, 0);
	p = map_all(fd);
	close(fd);
	ASSERT_NE((void *)-1, p);
	fill(p, SEG_SIZE, 67);
	ASSERT_EQ(0, remap(p, SEG_SIZE, 0));
	EXPECT_EQ(0, check(p, SEG_SIZE, 67));
	EXPECT_EQ(0, munmap(p, SEG_SIZE));
}

/* ==================================================== /dev/kipc/shm only */

FIXTURE(shm)
{
	int fd;
	__u64 saved_size;
	long long size;
};

FIXTURE_SETUP(shm)
{
	self->fd = kipc_open(NODE, O_RDWR);
	ASSERT_GE(self->fd, 0);
	ASSERT_EQ(0, get_size(self->fd, &self->saved_size));
	ASSERT_EQ(0, nattch_of(self->fd));
	self->size = SEG_SIZE;
	ASSERT_EQ(0, reset_segment(self->fd, self->size));
}

FIXTURE_TEARDOWN(shm)
{
	EXPECT_EQ(0, nattch_of(self->fd));
	EXPECT_EQ(0, reset_segment(self->fd, self->saved_size));
	close(self->fd);
}

static void *map(int fd, size_t len, int prot, int flags, off_t off)
{
	return mmap(NULL, len, prot, flags, fd, off);
}

/* ------------------------------------------------------- mmap policy */

TEST_F(shm, map_private_einval)
{
	EXPECT_EQ(MAP_FAILED,
		  map(self->fd, self->size, PROT_READ, MAP_PRIVATE, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, nattch_of(self->fd));
}

TEST_F(shm, map_longer_than_segment_einval)
{
	EXPECT_EQ(MAP_FAILED, map(self->fd, self->size + page_size(), PROT_READ,
				  MAP_SHARED, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, nattch_of(self->fd));
}

TEST_F(shm, map_offset_at_end_einval)
{
	EXPECT_EQ(MAP_FAILED, map(self->fd, page_size(), PROT_READ, MAP_SHARED,
				  self->size));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(shm, map_offset_plus_length_past_end_einval)
{
	EXPECT_EQ(MAP_FAILED, map(self->fd, self->size, PROT_READ, MAP_SHARED,
				  page_size()));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(shm, map_last_page_at_offset)
{
	long pg = page_size();
	unsigned char buf[64], *p;

	fill(buf, sizeof(buf), 9);
	ASSERT_EQ((ssize_t)sizeof(buf),
		  pwrite(self->fd, buf, sizeof(buf), self->size - pg));
	p = map(self->fd, pg, PROT_READ, MAP_SHARED, self->size - pg);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, memcmp(p, buf, sizeof(buf)));
	EXPECT_EQ(0, munmap(p, pg));
}

TEST_F(shm, map_write_on_readonly_fd_eacces)
{
	int fd = kipc_open(NODE, O_RDONLY);

	ASSERT_GE(fd, 0);
	EXPECT_EQ(MAP_FAILED,
		  map(fd, self->size, PROT_READ | PROT_WRITE, MAP_SHARED, 0));
	EXPECT_EQ(EACCES, errno);
	close(fd);
}

TEST_F(shm, map_readonly_fd_shared_read_sees_data)
{
	unsigned char buf[128], *p;
	int fd = kipc_open(NODE, O_RDONLY);

	ASSERT_GE(fd, 0);
	fill(buf, sizeof(buf), 21);
	ASSERT_EQ((ssize_t)sizeof(buf), pwrite(self->fd, buf, sizeof(buf), 0));
	p = map(fd, self->size, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(1, nattch_of(self->fd));
	EXPECT_EQ(0, memcmp(p, buf, sizeof(buf)));
	EXPECT_EQ(0, munmap(p, self->size));
	close(fd);
}

TEST_F(shm, mprotect_write_on_readonly_fd_eacces)
{
	int fd = kipc_open(NODE, O_RDONLY);
	void *p;

	ASSERT_GE(fd, 0);
	p = map(fd, self->size, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, mprotect(p, self->size, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(0, munmap(p, self->size));
	close(fd);
}

TEST_F(shm, mprotect_readonly_then_write_again)
{
	unsigned char *p;

	p = map(self->fd, self->size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, mprotect(p, self->size, PROT_READ));
	ASSERT_EQ(0, mprotect(p, self->size, PROT_READ | PROT_WRITE));
	p[1] = 0x5a;
	EXPECT_EQ(1, nattch_of(self->fd));
	EXPECT_EQ(0, munmap(p, self->size));
}

/* Growing a mapping inside the segment maps the next pages of it. */
TEST_F(shm, mremap_grow_in_place_maps_next_page)
{
	long pg = page_size();
	unsigned char buf[64], *p;

	fill(buf, sizeof(buf), 19);
	ASSERT_EQ((ssize_t)sizeof(buf), pwrite(self->fd, buf, sizeof(buf), pg));
	/* Two pages reserved, so that the first can grow into the second. */
	p = map(self->fd, 2 * pg, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(p, mremap(p, 2 * pg, pg, 0));
	ASSERT_EQ(p, mremap(p, pg, 2 * pg, 0));
	EXPECT_EQ(0, memcmp(p + pg, buf, sizeof(buf)));
	EXPECT_EQ(1, nattch_of(self->fd));
	EXPECT_EQ(0, munmap(p, 2 * pg));
}

TEST_F(shm, mremap_grow_moving_keeps_nattch)
{
	long pg = page_size();
	void *p, *q;

	p = map(self->fd, pg, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	q = mremap(p, pg, self->size, MREMAP_MAYMOVE);
	ASSERT_NE(MAP_FAILED, q);
	EXPECT_EQ(1, nattch_of(self->fd));
	EXPECT_EQ(0, munmap(q, self->size));
	EXPECT_EQ(0, nattch_of(self->fd));
}

/* A mapping grown past the end still holds the segment at its size. */
TEST_F(shm, set_size_after_mremap_grow_ebusy)
{
	long pg = page_size();
	void *p, *q;

	p = map(self->fd, self->size, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	q = mremap(p, self->size, self->size + pg, MREMAP_MAYMOVE);
	ASSERT_NE(MAP_FAILED, q);
	EXPECT_EQ(-1, set_size(self->fd, self->size + pg));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(0, munmap(q, self->size + pg));
}

TEST_F(shm, mremap_move_keeps_contents_and_nattch)
{
	long pg = page_size();
	unsigned char *p, *q, *dst;

	/* Reserve a destination, then move the mapping onto it. */
	dst = mmap(NULL, self->size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		   0);
	ASSERT_NE(MAP_FAILED, dst);
	p = map(self->fd, self->size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	fill(p, pg, 4);
	q = mremap(p, self->size, self->size, MREMAP_MAYMOVE | MREMAP_FIXED,
		   dst);
	ASSERT_EQ(dst, q);
	EXPECT_EQ(1, nattch_of(self->fd));
	EXPECT_EQ(0, check(q, pg, 4));
	EXPECT_EQ(0, munmap(q, self->size));
	EXPECT_EQ(0, nattch_of(self->fd));
}

TEST_F(shm, mremap_shrink_keeps_nattch)
{
	long pg = page_size();
	void *p;

	p = map(self->fd, self->size, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(p, mremap(p, self->size, pg, 0));
	EXPECT_EQ(1, nattch_of(self->fd));
	EXPECT_EQ(0, munmap(p, pg));
}

/* The segment stays mapped through remap_file_pages(): no resize. */
TEST_F(shm, set_size_after_remap_file_pages_ebusy)
{
	void *p;

	p = map(self->fd, self->size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, remap(p, self->size, 0));
	EXPECT_EQ(-1, set_size(self->fd, page_size()));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(0, munmap(p, self->size));
}

/* remap_file_pages() obeys the mmap policy: no page past the end. */
TEST_F(shm, remap_file_pages_past_end_einval)
{
	long pg = page_size();
	void *p;

	p = map(self->fd, self->size, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, remap(p, pg, self->size / pg));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, munmap(p, self->size));
}

/* MAP_LOCKED locks every page at mmap(), as mlock() would. */
TEST_F(shm, map_locked_locks_every_page)
{
	void *p;

	p = map(self->fd, self->size, PROT_READ | PROT_WRITE,
		MAP_SHARED | MAP_LOCKED, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(self->size / 1024, locked_kb(p, self->size));
	EXPECT_EQ(0, munmap(p, self->size));
}

TEST_F(shm, nattch_counts_mappings_not_fds)
{
	int fd2 = kipc_open(NODE, O_RDWR);
	void *a, *b;

	ASSERT_GE(fd2, 0);
	EXPECT_EQ(0, nattch_of(self->fd));
	a = map(self->fd, self->size, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, a);
	b = map(self->fd, self->size, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, b);
	EXPECT_EQ(2, nattch_of(fd2));
	EXPECT_EQ(0, munmap(a, self->size));
	EXPECT_EQ(1, nattch_of(fd2));
	EXPECT_EQ(0, munmap(b, self->size));
	EXPECT_EQ(0, nattch_of(fd2));
	close(fd2);
}

TEST_F(shm, nattch_drops_when_child_exits_with_mapping)
{
	void *p;
	pid_t pid;

	p = map(self->fd, self->size, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	pid = kipc_fork_kid();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		/* Its own second mapping, gone with it on exit. */
		if (map(self->fd, self->size, PROT_READ, MAP_SHARED, 0) ==
		    MAP_FAILED)
			_exit(1);
		_exit(nattch_of(self->fd) == 3 ? 0 : 2);
	}
	EXPECT_EQ(0, kipc_wait_exit(pid));
	EXPECT_EQ(1, nattch_of(self->fd));
	EXPECT_EQ(0, munmap(p, self->size));
}

/* ------------------------------------------- memory pinned by the vma */

TEST_F(shm, close_fd_before_munmap_keeps_memory)
{
	unsigned char *p, buf[256];
	int fd = kipc_open(NODE, O_RDWR);

	ASSERT_GE(fd, 0);
	p = map(fd, self->size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, close(fd));
	EXPECT_EQ(1, nattch_of(self->fd));
	/* The mapping still reaches the segment, both ways. */
	fill(p, self->size, 13);
	ASSERT_EQ((ssize_t)sizeof(buf), pread(self->fd, buf, sizeof(buf), 0));
	EXPECT_EQ(0, check(buf, sizeof(buf), 13));
	fill(buf, sizeof(buf), 14);
	ASSERT_EQ((ssize_t)sizeof(buf), pwrite(self->fd, buf, sizeof(buf), 0));
	EXPECT_EQ(0, check(p, sizeof(buf), 14));
	EXPECT_EQ(0, munmap(p, self->size));
	EXPECT_EQ(0, nattch_of(self->fd));
}

TEST_F(shm, resize_refused_while_mapped_by_closed_fd)
{
	unsigned char *p;
	int fd = kipc_open(NODE, O_RDWR);

	ASSERT_GE(fd, 0);
	p = map(fd, self->size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	close(fd);
	EXPECT_EQ(-1, set_size(self->fd, page_size()));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(self->size, size_of(self->fd));
	/* Every page is still there: touching all of them is fine. */
	fill(p, self->size, 2);
	EXPECT_EQ(0, check(p, self->size, 2));
	EXPECT_EQ(0, munmap(p, self->size));
	EXPECT_EQ(0, set_size(self->fd, page_size()));
}

TEST_F(shm, mapping_outlives_fd_in_forked_child)
{
	int fd = kipc_open(NODE, O_RDWR);
	unsigned char *p;
	pid_t pid;

	ASSERT_GE(fd, 0);
	p = map(fd, self->size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	close(fd);
	pid = kipc_fork_kid();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		/* The parent unmaps; the child's copy must still work. */
		usleep(20000);
		fill(p, self->size, 17);
		_exit(0);
	}
	EXPECT_EQ(0, munmap(p, self->size));
	EXPECT_EQ(0, kipc_wait_exit(pid));
	EXPECT_EQ(0, nattch_of(self->fd));
	p = map(self->fd, self->size, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, check(p, self->size, 17));
	EXPECT_EQ(0, munmap(p, self->size));
}

/* A mapping (with its fd closed) pins the module: unload is refused. */
TEST_F(shm, unload_refused_while_only_mapped)
{
	int fd = kipc_open(NODE, O_RDWR);
	void *p;

	ASSERT_GE(fd, 0);
	p = map(fd, self->size, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	close(fd);
	close(self->fd);
	self->fd = -1;
	EXPECT_EQ(-1, syscall(SYS_delete_module, "kipc", O_NONBLOCK));
	EXPECT_TRUE(errno == EBUSY || errno == EWOULDBLOCK);
	EXPECT_EQ(0, munmap(p, self->size));
	self->fd = kipc_open(NODE, O_RDWR);
	ASSERT_GE(self->fd, 0);
}

/*
 * Nor does a mapping remap_file_pages() made in place of the first one:
 * the refcount must show the pin before we try, or kipc would really go.
 */
TEST_F(shm, unload_refused_while_only_remapped)
{
	int fd = kipc_open(NODE, O_RDWR);
	long long refs;
	void *p;

	ASSERT_GE(fd, 0);
	p = map(fd, self->size, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	close(fd);
	ASSERT_EQ(0, remap(p, self->size, 0));
	close(self->fd);
	self->fd = -1;
	refs = module_refcnt();
	EXPECT_GT(refs, 0);
	if (refs > 0) {
		EXPECT_EQ(-1, syscall(SYS_delete_module, "kipc", O_NONBLOCK));
		EXPECT_TRUE(errno == EBUSY || errno == EWOULDBLOCK);
	}
	EXPECT_EQ(0, munmap(p, self->size));
	self->fd = kipc_open(NODE, O_RDWR);
	ASSERT_GE(self->fd, 0);
}

/*
 * A child that resizes shm0 between SEG_SIZE and twice that until @end
 * (CLOCK_MONOTONIC ns), through an fd of its own; EBUSY (mapped) is
 * fine. It exits 0, or non-zero on any other failure.
 */
static pid_t resize_until(unsigned long long end)
{
	pid_t pid = kipc_fork_kid();
	int fd, i;

	if (pid)
		return pid;
	fd = kipc_open(NODE, O_RDWR);
	for (i = 0; fd >= 0 && kipc_now_ns() < end; i++)
		if (set_size(fd, i & 1 ? 2 * SEG_SIZE : SEG_SIZE) &&
		    errno != EBUSY)
			_exit(1);
	_exit(fd < 0 ? 2 : 0);
}

/*
 * mmap() racing with resizes: a mapping of the upper half either fails
 * (EINVAL, the segment is small) or lives on a segment that stays large
 * until it is gone. Touching it must never SIGBUS.
 */
TEST_F(shm, mmap_racing_resize_never_maps_past_end)
{
	unsigned long long end = kipc_now_ns() + 3000000000ULL;
	int mapped = 0, refused = 0;
	unsigned char *p;
	pid_t pid;

	pid = resize_until(end);
	ASSERT_GE(pid, 0);
	while (kipc_now_ns() < end) {
		p = map(self->fd, page_size(), PROT_READ | PROT_WRITE,
			MAP_SHARED, SEG_SIZE);
		if (p == MAP_FAILED) {
			ASSERT_EQ(EINVAL, errno);
			refused++;
			continue;
		}
		p[0]++;
		mapped++;
		ASSERT_EQ(2 * SEG_SIZE, size_of(self->fd));
		ASSERT_EQ(0, munmap(p, page_size()));
	}
	EXPECT_EQ(0, kipc_wait_exit(pid));
	EXPECT_GT(mapped + refused, 0);
	TH_LOG("%d mapped, %d refused", mapped, refused);
}

/*
 * remap_file_pages() racing with resizes: a remap of the first page onto
 * the upper half succeeds only while the segment is large, and then it
 * stays large (the remapped page holds it) and the page is there.
 */
TEST_F(shm, remap_racing_resize_never_maps_past_end)
{
	unsigned long long end = kipc_now_ns() + 3000000000ULL;
	int remapped = 0, refused = 0;
	long pg = page_size();
	unsigned char *p;
	pid_t pid;

	pid = resize_until(end);
	ASSERT_GE(pid, 0);
	while (kipc_now_ns() < end) {
		p = map(self->fd, pg, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
		ASSERT_NE(MAP_FAILED, p);
		if (remap(p, pg, SEG_SIZE / pg)) {
			/* The failed remap left a hole where the page was. */
			ASSERT_EQ(EINVAL, errno);
			refused++;
		} else {
			p[0]++;
			remapped++;
			ASSERT_EQ(2 * SEG_SIZE, size_of(self->fd));
		}
		ASSERT_EQ(0, munmap(p, pg));
	}
	EXPECT_EQ(0, kipc_wait_exit(pid));
	EXPECT_GT(remapped + refused, 0);
	TH_LOG("%d remapped, %d refused", remapped, refused);
}

/* ------------------------------------------------------------ sizes */

TEST_F(shm, get_size_equals_getinfo_size)
{
	struct kipc_shm_info info;
	__u64 size;

	ASSERT_EQ(0, get_size(self->fd, &size));
	ASSERT_EQ(0, ioctl(self->fd, KIPC_SHM_GETINFO, &info));
	EXPECT_EQ(size, info.size);
	EXPECT_EQ(self->size, (long long)size);
}

TEST_F(shm, set_size_rounds_up_to_page)
{
	ASSERT_EQ(0, set_size(self->fd, 1));
	EXPECT_EQ(page_size(), size_of(self->fd));
	ASSERT_EQ(0, set_size(self->fd, page_size() + 1));
	EXPECT_EQ(2 * page_size(), size_of(self->fd));
}

TEST_F(shm, set_size_zero_einval)
{
	EXPECT_EQ(-1, set_size(self->fd, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(self->size, size_of(self->fd));
}

TEST_F(shm, set_size_above_shm_max_einval)
{
	long long max = param_shm_max();

	ASSERT_GT(max, 0);
	EXPECT_EQ(-1, set_size(self->fd, max + 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, set_size(self->fd, UINT64_MAX));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(shm, set_size_to_shm_max_is_sparse)
{
	long long max = param_shm_max(), size;
	unsigned char *p;

	ASSERT_GT(max, 0);
	ASSERT_EQ(0, set_size(self->fd, max));
	size = size_of(self->fd);
	EXPECT_EQ((max + page_size() - 1) / page_size() * page_size(), size);
	/* Only the last page is touched. */
	p = map(self->fd, page_size(), PROT_READ | PROT_WRITE, MAP_SHARED,
		size - page_size());
	ASSERT_NE(MAP_FAILED, p);
	p[0] = 1;
	EXPECT_EQ(0, munmap(p, page_size()));
}

TEST_F(shm, set_size_while_mapped_ebusy)
{
	void *p;

	p = map(self->fd, page_size(), PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, set_size(self->fd, 2 * self->size));
	EXPECT_EQ(EBUSY, errno);
	/* Even to the same size. */
	EXPECT_EQ(-1, set_size(self->fd, self->size));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(self->size, size_of(self->fd));
	EXPECT_EQ(0, munmap(p, page_size()));
	EXPECT_EQ(0, set_size(self->fd, 2 * self->size));
}

TEST_F(shm, set_size_keeps_contents_up_to_smaller)
{
	long pg = page_size();
	unsigned char *buf = malloc(self->size);

	ASSERT_NE(NULL, buf);
	fill(buf, self->size, 23);
	ASSERT_EQ(self->size, pwrite(self->fd, buf, self->size, 0));
	ASSERT_EQ(0, set_size(self->fd, pg));
	ASSERT_EQ(0, set_size(self->fd, self->size));
	memset(buf, 0xff, self->size);
	ASSERT_EQ(self->size, pread(self->fd, buf, self->size, 0));
	EXPECT_EQ(0, check(buf, pg, 23));
	/* What the shrink cut off comes back as zeros. */
	EXPECT_EQ(0, all_zero(buf + pg, self->size - pg));
	free(buf);
}

TEST_F(shm, grow_keeps_contents_and_adds_zeros)
{
	unsigned char *buf = malloc(2 * self->size);

	ASSERT_NE(NULL, buf);
	fill(buf, self->size, 29);
	ASSERT_EQ(self->size, pwrite(self->fd, buf, self->size, 0));
	ASSERT_EQ(0, set_size(self->fd, 2 * self->size));
	memset(buf, 0xff, 2 * self->size);
	ASSERT_EQ(2 * self->size, pread(self->fd, buf, 2 * self->size, 0));
	EXPECT_EQ(0, check(buf, self->size, 29));
	EXPECT_EQ(0, all_zero(buf + self->size, self->size));
	free(buf);
}

TEST_F(shm, set_size_on_readonly_fd_ebadf)
{
	int fd = kipc_open(NODE, O_RDONLY);
	__u64 size;

	ASSERT_GE(fd, 0);
	EXPECT_EQ(-1, set_size(fd, page_size()));
	EXPECT_EQ(EBADF, errno);
	/* Reading the size needs no write access. */
	EXPECT_EQ(0, get_size(fd, &size));
	close(fd);
}

TEST_F(shm, get_size_bad_pointer_efault)
{
	EXPECT_EQ(-1, ioctl(self->fd, KIPC_SHM_GET_SIZE, kipc_bad_ptr()));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(shm, set_size_bad_pointer_efault)
{
	EXPECT_EQ(-1, ioctl(self->fd, KIPC_SHM_SET_SIZE, kipc_bad_ptr()));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(shm, getinfo_bad_pointer_efault)
{
	EXPECT_EQ(-1, ioctl(self->fd, KIPC_SHM_GETINFO, NULL));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(shm, unknown_ioctl_enotty)
{
	struct kipc_sem_info info;

	EXPECT_EQ(-1, ioctl(self->fd, KIPC_SEM_GETINFO, &info));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IO(KIPC_IOC_MAGIC, 0x2f)));
	EXPECT_EQ(ENOTTY, errno);
}

/* ------------------------------------------------ read/write/lseek */

TEST_F(shm, pwrite_pread_roundtrip)
{
	unsigned char in[5000], out[5000];

	fill(in, sizeof(in), 31);
	/* Straddles a page boundary. */
	ASSERT_EQ((ssize_t)sizeof(in), pwrite(self->fd, in, sizeof(in), 3000));
	ASSERT_EQ((ssize_t)sizeof(out),
		  pread(self->fd, out, sizeof(out), 3000));
	EXPECT_EQ(0, memcmp(in, out, sizeof(in)));
}

TEST_F(shm, write_advances_position_read_follows)
{
	char out[6] = "";

	ASSERT_EQ(3, write(self->fd, "abc", 3));
	ASSERT_EQ(3, write(self->fd, "def", 3));
	EXPECT_EQ(6, lseek(self->fd, 0, SEEK_CUR));
	ASSERT_EQ(0, lseek(self->fd, 0, SEEK_SET));
	ASSERT_EQ(6, read(self->fd, out, 6));
	EXPECT_EQ(0, memcmp(out, "abcdef", 6));
}

TEST_F(shm, read_at_end_returns_zero)
{
	char c;

	EXPECT_EQ(0, pread(self->fd, &c, 1, self->size));
}

TEST_F(shm, read_past_end_returns_zero)
{
	char c;

	EXPECT_EQ(0, pread(self->fd, &c, 1, self->size + 12345));
}

TEST_F(shm, read_straddling_end_is_short)
{
	char buf[100];

	EXPECT_EQ(10, pread(self->fd, buf, sizeof(buf), self->size - 10));
}

TEST_F(shm, write_at_end_enospc)
{
	EXPECT_EQ(-1, pwrite(self->fd, "x", 1, self->size));
	EXPECT_EQ(ENOSPC, errno);
}

TEST_F(shm, write_past_end_enospc)
{
	EXPECT_EQ(-1, pwrite(self->fd, "x", 1, self->size + 4096 * 10));
	EXPECT_EQ(ENOSPC, errno);
	/* It never grows the segment. */
	EXPECT_EQ(self->size, size_of(self->fd));
}

TEST_F(shm, write_straddling_end_is_short)
{
	char buf[100], out[10];

	memset(buf, 'q', sizeof(buf));
	EXPECT_EQ(10, pwrite(self->fd, buf, sizeof(buf), self->size - 10));
	ASSERT_EQ(10, pread(self->fd, out, sizeof(out), self->size - 10));
	EXPECT_EQ(0, memcmp(out, buf, sizeof(out)));
}

TEST_F(shm, zero_length_write_past_end_returns_zero)
{
	EXPECT_EQ(0, pwrite(self->fd, "", 0, self->size + 1));
}

TEST_F(shm, writev_straddling_end_is_short)
{
	char a[8] = "aaaaaaa", b[8] = "bbbbbbb";
	struct iovec iov[2] = { { a, 8 }, { b, 8 } };

	ASSERT_EQ(self->size - 12, lseek(self->fd, self->size - 12, SEEK_SET));
	EXPECT_EQ(12, writev(self->fd, iov, 2));
	EXPECT_EQ(self->size, lseek(self->fd, 0, SEEK_CUR));
}

TEST_F(shm, append_fd_write_enospc)
{
	int fd = kipc_open(NODE, O_WRONLY | O_APPEND);

	ASSERT_GE(fd, 0);
	EXPECT_EQ(-1, write(fd, "x", 1));
	EXPECT_EQ(ENOSPC, errno);
	close(fd);
}

TEST_F(shm, lseek_end_is_size)
{
	EXPECT_EQ(self->size, lseek(self->fd, 0, SEEK_END));
	EXPECT_EQ(self->size - 1, lseek(self->fd, -1, SEEK_END));
}

TEST_F(shm, lseek_past_end_then_read_zero_write_enospc)
{
	char c;

	ASSERT_EQ(self->size + 100, lseek(self->fd, 100, SEEK_END));
	EXPECT_EQ(0, read(self->fd, &c, 1));
	EXPECT_EQ(-1, write(self->fd, &c, 1));
	EXPECT_EQ(ENOSPC, errno);
}

TEST_F(shm, lseek_negative_einval)
{
	EXPECT_EQ(-1, lseek(self->fd, -1, SEEK_SET));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, lseek(self->fd, -(off_t)self->size - 1, SEEK_END));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(shm, lseek_bad_whence_einval)
{
	EXPECT_EQ(-1, lseek(self->fd, 0, 42));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(shm, read_bad_buffer_efault)
{
	EXPECT_EQ(-1, pread(self->fd, kipc_bad_ptr(), 16, 0));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(shm, write_bad_buffer_efault)
{
	EXPECT_EQ(-1, pwrite(self->fd, kipc_bad_ptr(), 16, 0));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(shm, pwrite_seen_through_mapping)
{
	unsigned char buf[300], *p;

	p = map(self->fd, self->size, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	fill(buf, sizeof(buf), 37);
	ASSERT_EQ((ssize_t)sizeof(buf),
		  pwrite(self->fd, buf, sizeof(buf), 4000));
	EXPECT_EQ(0, memcmp(p + 4000, buf, sizeof(buf)));
	EXPECT_EQ(0, munmap(p, self->size));
}

TEST_F(shm, mapping_store_seen_by_pread)
{
	unsigned char buf[300], *p;

	p = map(self->fd, self->size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	fill(p + 8000, sizeof(buf), 41);
	ASSERT_EQ((ssize_t)sizeof(buf),
		  pread(self->fd, buf, sizeof(buf), 8000));
	EXPECT_EQ(0, check(buf, sizeof(buf), 41));
	EXPECT_EQ(0, munmap(p, self->size));
}

/* pwrite() from the segment's own mapping into itself must not deadlock. */
TEST_F(shm, pwrite_from_own_mapping)
{
	long pg = page_size();
	unsigned char *p;

	p = map(self->fd, self->size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	fill(p, pg, 43);
	ASSERT_EQ(pg, pwrite(self->fd, p, pg, 3 * pg));
	EXPECT_EQ(0, check(p + 3 * pg, pg, 43));
	/* And a read into a not yet touched page of it. */
	ASSERT_EQ(pg, pread(self->fd, p + 5 * pg, pg, 0));
	EXPECT_EQ(0, check(p + 5 * pg, pg, 43));
	EXPECT_EQ(0, munmap(p, self->size));
}

TEST_F(shm, write_on_readonly_fd_ebadf)
{
	int fd = kipc_open(NODE, O_RDONLY);

	ASSERT_GE(fd, 0);
	EXPECT_EQ(-1, write(fd, "x", 1));
	EXPECT_EQ(EBADF, errno);
	close(fd);
}

TEST_F(shm, contents_persist_across_close_and_reopen)
{
	char buf[32] = "", msg[] = "still here after close";
	int fd = kipc_open(NODE, O_RDWR);

	ASSERT_GE(fd, 0);
	ASSERT_EQ((ssize_t)sizeof(msg), pwrite(fd, msg, sizeof(msg), 100));
	close(fd);
	fd = kipc_open(NODE, O_RDONLY);
	ASSERT_GE(fd, 0);
	ASSERT_EQ((ssize_t)sizeof(msg), pread(fd, buf, sizeof(msg), 100));
	EXPECT_STREQ(msg, buf);
	close(fd);
}

/* ------------------------------------------------------------ /proc */

TEST_F(shm, proc_row_matches_getinfo)
{
	struct kipc_shm_info info;
	void *p;

	p = map(self->fd, self->size, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, ioctl(self->fd, KIPC_SHM_GETINFO, &info));
	EXPECT_EQ(self->size, (long long)info.size);
	EXPECT_EQ(1, (long long)info.nattch);
	EXPECT_EQ((long long)info.size, kipc_proc("shm", NODE, "size"));
	EXPECT_EQ((long long)info.nattch, kipc_proc("shm", NODE, "nattch"));
	EXPECT_EQ(0, munmap(p, self->size));
	EXPECT_EQ(0, kipc_proc("shm", NODE, "nattch"));
}

TEST_F(shm, maps_names_the_segment)
{
	char line[512];
	int found = 0;
	FILE *f;
	void *p;

	p = map(self->fd, self->size, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	f = fopen("/proc/self/maps", "re");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f))
		if (strtoul(line, NULL, 16) == (unsigned long)p &&
		    strstr(line, "kipc-shm0"))
			found = 1;
	fclose(f);
	EXPECT_TRUE(found);
	EXPECT_EQ(0, munmap(p, self->size));
}

TEST_HARNESS_MAIN

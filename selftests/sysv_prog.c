// SPDX-License-Identifier: GPL-2.0
/*
 * sysv_prog: a small program on System V IPC that knows nothing of kipc,
 * for run_test.sh to run with and without `kipc run` and compare: a
 * message queue, a shared-memory segment and one semaphore, used across
 * fork(2) and across two unrelated processes that share a key.
 *
 *   sysv_prog fork           parent and child talk through private objects
 *   sysv_prog server KEY     make KEY's objects, serve one client, remove
 *   sysv_prog client KEY     find KEY's objects (waiting for them), talk
 *   sysv_prog undo-closed    SEM_UNDO after the program closed every fd
 *   sysv_prog ipc-set        msgctl IPC_SET by an owner without access
 *   sysv_prog otime          sem_otime: 0 until the first semop
 *   sysv_prog syscall        the pipe size fcntls through syscall(2)
 *
 * What it prints depends only on what the calls did (no ids, no pids),
 * so the output on the kernel and on kipc must be the same. Exit 0 when
 * every call did what System V says, else 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define SHM_SIZE 8192

struct text_msg {
	long mtype;
	char mtext[64];
};

static int failed;

/* Report one call: what it returned, or its errno's name. */
static void show(const char *what, long ret, int err)
{
	if (ret == -1)
		printf("%s: -1 %s\n", what,
		       err == EEXIST ? "EEXIST" :
		       err == ENOENT ? "ENOENT" :
		       err == ENOMSG ? "ENOMSG" :
		       err == EAGAIN ? "EAGAIN" :
		       err == E2BIG  ? "E2BIG" :
		       err == EINVAL ? "EINVAL" :
		       err == EIDRM  ? "EIDRM" :
				       strerror(err));
	else
		printf("%s: %ld\n", what, ret);
}

static void expect_ret(const char *what, long ret, long want, int err)
{
	show(what, ret, err);
	if (ret != want) {
		printf("  (expected %ld)\n", want);
		failed = 1;
	}
}

/* The call's errno, read after it returned. */
#define expect(what, call, want, unused)             \
	do {                                         \
		long ret_ = (call);                  \
		expect_ret(what, ret_, want, errno); \
	} while (0)

static int sem_op(int id, int op, int flg)
{
	struct sembuf sb = { .sem_num = 0, .sem_op = op, .sem_flg = flg };

	return semop(id, &sb, 1);
}

static void send_text(int q, long type, const char *text)
{
	struct text_msg m = { .mtype = type };

	snprintf(m.mtext, sizeof(m.mtext), "%s", text);
	if (msgsnd(q, &m, strlen(text) + 1, 0))
		perror("msgsnd"), exit(1);
}

/* @out has room for 64 bytes; at most @room are asked for. */
static long recv_text(int q, long type, int flg, char *out, size_t room)
{
	struct text_msg m;
	ssize_t n;

	n = msgrcv(q, &m, room, type, flg);
	if (n >= 0) {
		memcpy(out, m.mtext, n);
		out[n] = '\0';
		return m.mtype;
	}
	return -1;
}

/* The checks every mode makes on a fresh queue, segment and semaphore. */
static void basics(int q, int shm, int sem)
{
	struct msqid_ds mds;
	struct shmid_ds sds;
	char buf[64];
	long r;

	r = recv_text(q, 0, IPC_NOWAIT, buf, sizeof(buf));
	expect("msgrcv empty IPC_NOWAIT", r, -1, errno);
	send_text(q, 3, "three");
	send_text(q, 1, "one");
	send_text(q, 2, "two, a longer text");
	expect("msgctl IPC_STAT", msgctl(q, IPC_STAT, &mds), 0, errno);
	printf("msg_qnum %lu, msg_cbytes %lu\n", (unsigned long)mds.msg_qnum,
	       (unsigned long)mds.__msg_cbytes);
	r = recv_text(q, 2, IPC_NOWAIT, buf, 4);
	expect("msgrcv type 2 into 4 bytes", r, -1, errno);
	r = recv_text(q, 2, IPC_NOWAIT | MSG_NOERROR, buf, 4);
	printf("msgrcv MSG_NOERROR: type %ld '%s'\n", r, buf);
	r = recv_text(q, 3, IPC_NOWAIT | MSG_EXCEPT, buf, sizeof(buf));
	printf("msgrcv MSG_EXCEPT 3: type %ld '%s'\n", r, buf);
	r = recv_text(q, -5, IPC_NOWAIT, buf, sizeof(buf));
	printf("msgrcv -5: type %ld '%s'\n", r, buf);

	expect("shmctl IPC_STAT", shmctl(shm, IPC_STAT, &sds), 0, errno);
	printf("shm_segsz %zu, shm_nattch %lu\n", sds.shm_segsz,
	       (unsigned long)sds.shm_nattch);

	expect("semctl GETVAL", semctl(sem, 0, GETVAL), 0, errno);
	expect("semop -1 IPC_NOWAIT at 0", sem_op(sem, -1, IPC_NOWAIT), -1,
	       errno);
	expect("semctl SETVAL 2", semctl(sem, 0, SETVAL, 2), 0, errno);
	/* Since Linux 4.5 SETVAL makes the caller sempid, as semop. */
	printf("semctl GETPID after SETVAL is mine: %d\n",
	       semctl(sem, 0, GETPID) == getpid());
	expect("semop -1", sem_op(sem, -1, 0), 0, errno);
	expect("semctl GETVAL", semctl(sem, 0, GETVAL), 1, errno);
	expect("semop -1", sem_op(sem, -1, 0), 0, errno);
}

static void remove_all(int q, int shm, int sem)
{
	struct text_msg m = { .mtype = 1 };

	expect("msgctl IPC_RMID", msgctl(q, IPC_RMID, NULL), 0, errno);
	expect("msgsnd after IPC_RMID", msgsnd(q, &m, 1, IPC_NOWAIT), -1,
	       errno);
	expect("shmctl IPC_RMID", shmctl(shm, IPC_RMID, NULL), 0, errno);
	expect("semctl IPC_RMID", semctl(sem, 0, IPC_RMID), 0, errno);
	expect("semctl GETVAL after IPC_RMID", semctl(sem, 0, GETVAL), -1,
	       errno);
}

static int do_fork(void)
{
	struct shmid_ds sds;
	int q, shm, sem, status;
	char *mem, buf[64];
	pid_t pid;
	long r;

	q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	shm = shmget(IPC_PRIVATE, SHM_SIZE, IPC_CREAT | 0600);
	sem = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
	if (q < 0 || shm < 0 || sem < 0)
		return perror("get"), 1;
	basics(q, shm, sem);

	mem = shmat(shm, NULL, 0);
	if (mem == (void *)-1)
		return perror("shmat"), 1;
	expect("shmctl IPC_STAT", shmctl(shm, IPC_STAT, &sds), 0, errno);
	printf("attached: nattch %lu, lpid mine %d, cpid mine %d, atime set %d, dtime set %d\n",
	       (unsigned long)sds.shm_nattch, sds.shm_lpid == getpid(),
	       sds.shm_cpid == getpid(), sds.shm_atime != 0,
	       sds.shm_dtime != 0);
	pid = fork();
	if (pid < 0)
		return perror("fork"), 1;
	if (!pid) {
		/* Wait for the parent's word, answer through the queue. */
		if (sem_op(sem, -1, 0))
			_exit(2);
		snprintf(buf, sizeof(buf), "child read '%s'", mem);
		strcpy(mem + 4096, "written by the child");
		send_text(q, 7, buf);
		shmdt(mem);
		_exit(0);
	}
	strcpy(mem, "hello from the parent");
	expect("semop +1", sem_op(sem, 1, 0), 0, errno);
	r = recv_text(q, 7, 0, buf, sizeof(buf));
	printf("parent got type %ld: %s\n", r, buf);
	waitpid(pid, &status, 0);
	printf("child exit %d\n", WEXITSTATUS(status));
	printf("shm second page: '%s'\n", mem + 4096);
	expect("shmdt", shmdt(mem), 0, errno);
	expect("shmctl IPC_STAT", shmctl(shm, IPC_STAT, &sds), 0, errno);
	printf("detached: nattch %lu, dtime set %d\n",
	       (unsigned long)sds.shm_nattch, sds.shm_dtime != 0);
	remove_all(q, shm, sem);
	return failed;
}

static int do_server(key_t key)
{
	int q, shm, sem;
	char *mem, buf[64];
	long r;

	q = msgget(key, IPC_CREAT | IPC_EXCL | 0600);
	shm = shmget(key, SHM_SIZE, IPC_CREAT | IPC_EXCL | 0600);
	sem = semget(key, 1, IPC_CREAT | IPC_EXCL | 0600);
	if (q < 0 || shm < 0 || sem < 0)
		return perror("server get"), 1;
	expect("msgget again IPC_EXCL", msgget(key, IPC_CREAT | IPC_EXCL), -1,
	       errno);
	mem = shmat(shm, NULL, 0);
	if (mem == (void *)-1)
		return perror("shmat"), 1;
	/* The client asks through the queue; the answer is in shm. */
	r = recv_text(q, 1, 0, buf, sizeof(buf));
	printf("server got type %ld: %s\n", r, buf);
	snprintf(mem, SHM_SIZE, "answer to '%s'", buf);
	expect("server semop +1", sem_op(sem, 1, 0), 0, errno);
	/* Wait until the client read it (type 2), then remove all. */
	r = recv_text(q, 2, 0, buf, sizeof(buf));
	printf("server got type %ld: %s\n", r, buf);
	shmdt(mem);
	remove_all(q, shm, sem);
	return failed;
}

static int do_client(key_t key)
{
	int q = -1, shm, sem, i;
	char *mem, buf[80];

	/* The server may not have made the key yet. */
	for (i = 0; i < 2000 && q < 0; i++) {
		q = msgget(key, 0);
		if (q < 0)
			usleep(10000);
	}
	shm = shmget(key, 0, 0);
	for (i = 0; i < 2000 && (shm < 0); i++) {
		usleep(10000);
		shm = shmget(key, 0, 0);
	}
	sem = semget(key, 0, 0);
	for (i = 0; i < 2000 && (sem < 0); i++) {
		usleep(10000);
		sem = semget(key, 0, 0);
	}
	if (q < 0 || shm < 0 || sem < 0)
		return perror("client get"), 1;
	mem = shmat(shm, NULL, SHM_RDONLY);
	if (mem == (void *)-1)
		return perror("shmat"), 1;
	send_text(q, 1, "what is the answer?");
	expect("client semop -1", sem_op(sem, -1, 0), 0, errno);
	snprintf(buf, sizeof(buf), "%s", mem);
	printf("client read: %s\n", buf);
	shmdt(mem);
	send_text(q, 2, "thanks");
	return failed;
}

/*
 * A process locks and unlocks a semaphore with SEM_UNDO, closes every
 * descriptor above stderr (as a daemon does), locks another with
 * SEM_UNDO, then the first again: each operation must be on its own
 * semaphore, and both are left as the kernel's semadj leaves them.
 */
static int do_undo_closed(void)
{
	int sem, other, fd, status;
	pid_t pid;

	sem = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
	other = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
	if (sem < 0 || other < 0)
		return perror("semget"), 1;
	expect("semctl SETVAL 1", semctl(sem, 0, SETVAL, 1), 0, errno);
	expect("semctl SETVAL other 1", semctl(other, 0, SETVAL, 1), 0, errno);
	pid = fork();
	if (pid < 0)
		return perror("fork"), 1;
	if (!pid) {
		expect("semop -1 SEM_UNDO", sem_op(sem, -1, SEM_UNDO), 0,
		       errno);
		expect("semop +1 SEM_UNDO", sem_op(sem, 1, SEM_UNDO), 0, errno);
		for (fd = 3; fd < 1024; fd++)
			close(fd);
		expect("semop other -1 SEM_UNDO", sem_op(other, -1, SEM_UNDO),
		       0, errno);
		expect("semop -1 SEM_UNDO|IPC_NOWAIT after closing fds",
		       sem_op(sem, -1, SEM_UNDO | IPC_NOWAIT), 0, errno);
		expect("semctl GETVAL", semctl(sem, 0, GETVAL), 0, errno);
		expect("semctl GETVAL other", semctl(other, 0, GETVAL), 0,
		       errno);
		_exit(failed);
	}
	waitpid(pid, &status, 0);
	printf("child exit %d\n", WEXITSTATUS(status));
	failed |= WEXITSTATUS(status);
	/* Both P(SEM_UNDO) still held at the child's exit are undone. */
	expect("semctl GETVAL", semctl(sem, 0, GETVAL), 1, errno);
	expect("semctl GETVAL other", semctl(other, 0, GETVAL), 1, errno);
	semctl(sem, 0, IPC_RMID);
	semctl(other, 0, IPC_RMID);
	return failed;
}

/* Become nobody, in a child; false (and say so) if that is not allowed. */
/*
 * fork(); the child goes on as nobody, or exits 0 if it cannot become
 * nobody (after saying so). As fork(): the pid, 0 in the child, or -1.
 */
static pid_t fork_as_nobody(void)
{
	pid_t pid = fork();

	if (pid || (!setgid(65534) && !setuid(65534)))
		return pid;
	printf("cannot become nobody: %s\n", strerror(errno));
	_exit(0);
}

/*
 * IPC_SET needs ownership, not access: an owner may make a queue
 * read-only and shrink it in one call. A call that fails (msg_qbytes past
 * msgmnb without CAP_SYS_RESOURCE) changes nothing.
 */
static int do_ipc_set(void)
{
	struct msqid_ds ds;
	unsigned long qbytes;
	int q, status;
	pid_t pid;

	pid = fork_as_nobody();
	if (pid < 0)
		return perror("fork"), 1;
	if (!pid) {
		q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
		if (q < 0)
			perror("msgget"), _exit(1);
		expect("msgctl IPC_STAT", msgctl(q, IPC_STAT, &ds), 0, errno);
		qbytes = ds.msg_qbytes;
		ds.msg_perm.mode = 0400;
		ds.msg_qbytes = qbytes / 2;
		expect("msgctl IPC_SET mode 0400, half the bytes",
		       msgctl(q, IPC_SET, &ds), 0, errno);
		expect("msgctl IPC_STAT", msgctl(q, IPC_STAT, &ds), 0, errno);
		printf("mode %o, half the bytes %d\n", ds.msg_perm.mode & 0777,
		       ds.msg_qbytes == qbytes / 2);
		ds.msg_perm.mode = 0600;
		ds.msg_qbytes = 1 << 30;
		expect("msgctl IPC_SET mode 0600, 1 GiB",
		       msgctl(q, IPC_SET, &ds), -1, errno);
		expect("msgctl IPC_STAT", msgctl(q, IPC_STAT, &ds), 0, errno);
		printf("mode %o, half the bytes %d\n", ds.msg_perm.mode & 0777,
		       ds.msg_qbytes == qbytes / 2);
		expect("msgctl IPC_RMID", msgctl(q, IPC_RMID, NULL), 0, errno);
		_exit(failed);
	}
	waitpid(pid, &status, 0);
	printf("child exit %d\n", WEXITSTATUS(status));
	return WEXITSTATUS(status);
}

/*
 * sem_otime is 0 until the first semop (SETVAL does not set it): a process
 * that finds a key's semaphore waits for it to be set up (UNP vol. 2). And
 * IPC_STAT needs read permission.
 */
static int do_otime(void)
{
	struct semid_ds ds;
	int sem, status;
	pid_t pid;

	sem = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
	if (sem < 0)
		return perror("semget"), 1;
	expect("semctl IPC_STAT", semctl(sem, 0, IPC_STAT, &ds), 0, errno);
	printf("sem_otime before any semop: %ld\n", (long)ds.sem_otime);
	expect("semctl SETVAL 1", semctl(sem, 0, SETVAL, 1), 0, errno);
	expect("semctl IPC_STAT", semctl(sem, 0, IPC_STAT, &ds), 0, errno);
	printf("sem_otime after SETVAL: %ld\n", (long)ds.sem_otime);
	pid = fork();
	if (pid < 0)
		return perror("fork"), 1;
	if (!pid)
		_exit(sem_op(sem, -1, 0) || sem_op(sem, 0, 0) ? 1 : 0);
	waitpid(pid, &status, 0);
	printf("child exit %d\n", WEXITSTATUS(status));
	expect("semctl IPC_STAT", semctl(sem, 0, IPC_STAT, &ds), 0, errno);
	printf("sem_otime after a semop is now: %d\n",
	       labs(ds.sem_otime - time(NULL)) <= 2);
	expect("semctl IPC_RMID", semctl(sem, 0, IPC_RMID), 0, errno);
	pid = fork_as_nobody();
	if (pid < 0)
		return perror("fork"), 1;
	if (!pid) {
		sem = semget(IPC_PRIVATE, 1, IPC_CREAT | 0200);
		expect("semctl IPC_STAT without read permission",
		       semctl(sem, 0, IPC_STAT, &ds), -1, errno);
		semctl(sem, 0, IPC_RMID);
		_exit(failed);
	}
	waitpid(pid, &status, 0);
	printf("child exit %d\n", WEXITSTATUS(status));
	return failed | WEXITSTATUS(status);
}

/* syscall(2) with the fcntl number, as fcntl(3): the pipe size. */
static int do_syscall(void)
{
	int p[2], null = open("/dev/null", O_RDONLY);

	if (pipe(p) || null < 0)
		return perror("pipe"), 1;
	printf("syscall F_GETPIPE_SZ: %ld\n",
	       syscall(SYS_fcntl, p[1], F_GETPIPE_SZ));
	printf("syscall F_SETPIPE_SZ 100000: %ld\n",
	       syscall(SYS_fcntl, p[1], F_SETPIPE_SZ, 100000));
	printf("fcntl F_GETPIPE_SZ: %d\n", fcntl(p[0], F_GETPIPE_SZ));
	expect("syscall F_GETPIPE_SZ of /dev/null",
	       syscall(SYS_fcntl, null, F_GETPIPE_SZ), -1, errno);
	return failed;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && !strcmp(argv[1], "fork"))
		return do_fork();
	if (argc == 3 && !strcmp(argv[1], "server"))
		return do_server(strtol(argv[2], NULL, 0));
	if (argc == 3 && !strcmp(argv[1], "client"))
		return do_client(strtol(argv[2], NULL, 0));
	if (argc == 2 && !strcmp(argv[1], "undo-closed"))
		return do_undo_closed();
	if (argc == 2 && !strcmp(argv[1], "ipc-set"))
		return do_ipc_set();
	if (argc == 2 && !strcmp(argv[1], "otime"))
		return do_otime();
	if (argc == 2 && !strcmp(argv[1], "syscall"))
		return do_syscall();
	fprintf(stderr,
		"usage: sysv_prog fork | server KEY | client KEY | undo-closed | ipc-set | otime | syscall\n");
	return 2;
}

// SPDX-License-Identifier: MIT
/*
 * mailbox: typed messages on a small anonymous queue.
 *
 * Messages of type 1 (urgent), 2 (news) and 3 (bills) fill a queue whose
 * qbytes is 20. A sender then finds it full: at once with KIPC_NOWAIT,
 * after a timeout without, and a child that waits with no timeout sends
 * once the parent has taken a message out. The parent receives by type,
 * as msgrcv(2) selects: a type, then the lowest type first.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <kipc/kipc.h>

#define MS 1000000ULL /* nanoseconds */

static void post(int q, long long type, const char *text, unsigned int flags,
		 uint64_t timeout_ns)
{
	const char *what = "queued";

	if (kipc_msg_send(q, type, text, strlen(text), flags, timeout_ns)) {
		if (errno == EAGAIN)
			what = "EAGAIN, the queue is full";
		else if (errno == ETIMEDOUT)
			what = "ETIMEDOUT, still full";
		else
			err(1, "send");
	}
	printf("send type %lld \"%s\": %s\n", type, text, what);
}

static void take(int q, long long selector)
{
	long long type = selector;
	char text[64];
	ssize_t n;

	n = kipc_msg_recv(q, &type, text, sizeof(text), KIPC_NOWAIT, 0);
	if (n < 0)
		err(1, "recv %lld", selector);
	printf("recv %lld: type %lld \"%.*s\"\n", selector, type, (int)n, text);
}

int main(void)
{
	struct kipc_msg_info info;
	int q, status;
	pid_t pid;

	/* An anonymous queue of 20 bytes: it lives as long as its fds. */
	q = kipc_anon(KIPC_KIND_MSG, O_CLOEXEC, 20);
	if (q < 0)
		err(1, "kipc_anon");
	post(q, 3, "bill", 0, 0);
	post(q, 1, "hello", 0, 0);
	post(q, 2, "news", 0, 0);
	post(q, 1, "again", 0, 0);
	if (kipc_msg_info(q, &info))
		err(1, "kipc_msg_info");
	printf("queue: %llu messages, %llu of %llu bytes\n",
	       (unsigned long long)info.qnum, (unsigned long long)info.cbytes,
	       (unsigned long long)info.qbytes);

	/* 18 + 4 > 20: the queue is full for this one. */
	post(q, 2, "more", KIPC_NOWAIT, 0);
	post(q, 2, "more", 0, 100 * MS);

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		err(1, "fork");
	if (pid == 0) /* waits in send until the parent makes room */
		_exit(kipc_msg_send(q, 2, "late", 4, 0, 0) ? 1 : 0);

	take(q, 1); /* the first message of type 1: room for "late" */
	if (waitpid(pid, &status, 0) < 0 || status)
		errx(1, "the child could not send");
	printf("the child's \"late\" went in once there was room\n");
	while (kipc_msg_info(q, &info) == 0 && info.qnum)
		take(q, -3); /* the lowest type <= 3 first */
	return 0;
}

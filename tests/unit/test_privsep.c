/*
 * Unit tests for enroll/privsep.c, the real monitor: this program (root)
 * makes itself look like a set-uid run by user "nobody" (real uid 65534,
 * effective 0) and calls tfa_privsep_start().  The worker it returns in
 * checks that every privilege is gone, talks to the monitor, and sends the
 * requests the monitor must not take; after any of those the monitor must
 * answer nothing more, close the socket and exit with a failure.
 *
 * privsep.c and ops.c are compiled into this program, with a configuration
 * path that does not exist (the monitor's defaults, whatever the machine's
 * /etc holds).
 */
#undef TFA_CONFIG_FILE
#define TFA_CONFIG_FILE "/nonexistent/tfa-test/pam_tfa.conf"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "../../enroll/privsep.c"
#include "../../enroll/ops.c"
#include "../../enroll/ops_mail.c"	/* the table in ops.c names its ops */

#include "check.h"

#define NOBODY	65534

void
tfa_enroll_error(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

enum send_what {
	SEND_NOTHING,		/* just close */
	SEND_SHORT,		/* one byte less than a request */
	SEND_LONG,		/* one byte more */
	SEND_UNKNOWN_OP,
	SEND_ADMIN_OP,		/* DISABLE: never the monitor's */
	SEND_UNTERMINATED,	/* a proof without its NUL */
	SEND_JUNK_FIELD,	/* VIEW with a secret length */
	SEND_JUNK_AFTER,	/* VIEW with a list's page start */
};

static const char *const what_name[] = { "nothing", "a short request",
	"a long request", "an unknown operation", "an admin operation",
	"a proof without NUL", "a field VIEW does not use",
	"a page start VIEW does not use" };

static bool
all_ids(uid_t u, gid_t g)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;

	return getresuid(&r, &e, &s) == 0 && r == u && e == u && s == u &&
	    getresgid(&rg, &eg, &sg) == 0 && rg == g && eg == g && sg == g;
}

/* One request and its answer; false when the monitor answered nothing. */
static bool
exchange(int fd, const void *req, size_t len, struct tfa_op_res *res)
{
	ssize_t n = send(fd, req, len, MSG_NOSIGNAL);

	if (n != (ssize_t)len)
		return false;
	n = recv(fd, res, sizeof(*res), MSG_TRUNC);
	return n == (ssize_t)sizeof(*res);
}

static void
worker_checks_privileges(void)
{
	CHECK(all_ids(NOBODY, NOBODY));
	CHECK_EQ(getgroups(0, NULL), 0);
	CHECK(setuid(0) != 0 && errno == EPERM);
	CHECK(seteuid(0) != 0);
	CHECK(setgid(0) != 0);
}

/* What the worker does in one session; its exit status. */
static int
worker(struct tfa_enroll *e, enum send_what what)
{
	char buf[sizeof(struct tfa_op_req) + 1];
	struct tfa_op_req *req = (struct tfa_op_req *)(void *)buf;
	struct tfa_op_res res;
	size_t len = sizeof(*req);

	worker_checks_privileges();
	CHECK(e->monitor >= 0);
	/* a good request first: the monitor serves "nobody", and only */
	memset(buf, 0, sizeof(buf));
	req->op = TFA_OP_HELLO;
	CHECK(exchange(e->monitor, req, sizeof(*req), &res));
	CHECK_EQ(res.op, TFA_OP_HELLO);
	CHECK_EQ(res.err, TFA_OK);
	CHECK_STR(res.u.hello.user, "nobody");
	if (what == SEND_NOTHING)
		return tfa_check_done();
	memset(buf, 0, sizeof(buf));
	req->op = TFA_OP_VIEW;
	switch (what) {
	case SEND_SHORT:	len--; break;
	case SEND_LONG:		len++; break;
	case SEND_UNKNOWN_OP:	req->op = TFA_OP_END; break;
	case SEND_ADMIN_OP:	req->op = TFA_OP_DISABLE; break;
	case SEND_UNTERMINATED:
		req->op = TFA_OP_TOTP_REMOVE;
		memset(req->proof, '1', sizeof(req->proof));
		break;
	case SEND_JUNK_FIELD:	req->secret_len = 20; break;
	case SEND_JUNK_AFTER:	req->after = 1; break;
	default:		break;
	}
	printf("# sending %s\n", what_name[what]);
	CHECK(!exchange(e->monitor, req, len, &res));
	/* and after that, not even a good one */
	memset(buf, 0, sizeof(buf));
	req->op = TFA_OP_HELLO;
	CHECK(!exchange(e->monitor, req, sizeof(*req), &res));
	return tfa_check_done();
}

/* Become a set-uid run by nobody, start the monitor, run the worker. */
static void
session(enum send_what what)
{
	struct tfa_enroll e;
	int rc;

	memset(&e, 0, sizeof(e));
	if (setgroups(0, NULL) != 0 || setresgid(NOBODY, 0, 0) != 0 ||
	    setresuid(NOBODY, 0, 0) != 0) {
		perror("setresuid");
		exit(2);
	}
	if ((rc = tfa_privsep_start(&e)) >= 0)
		exit(100 + rc);		/* never: the monitor exits itself */
	exit(worker(&e, what));
}

static int
run_session(enum send_what what)
{
	pid_t pid;
	int status;

	fflush(stdout);
	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0)
		session(what);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

int
main(void)
{
	enum send_what w;

	if (geteuid() != 0 || getpwuid(NOBODY) == NULL) {
		tfa_skip("the monitor: needs root and a user 'nobody' (65534)");
		CHECK(1);
		return tfa_check_done();
	}
	/* the monitor exits with the worker's status after a clean session */
	CHECK_EQ(run_session(SEND_NOTHING), 0);
	for (w = SEND_SHORT; w <= SEND_JUNK_AFTER; w++) {
		printf("# session: %s\n", what_name[w]);
		/* ... and with a failure after a malformed request */
		CHECK_EQ(run_session(w), TFA_EXIT_FAIL);
	}
	return tfa_check_done();
}

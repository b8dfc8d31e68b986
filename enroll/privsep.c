/*
 * Privilege separation for a set-uid root tfa-enroll, in the manner of
 * OpenSSH's monitor: a root parent that does nothing but serve a fixed set
 * of fixed-size requests (ops.h) for the one user who ran it, and a child
 * with every privilege dropped that runs the whole program.  Also the
 * transport the commands use, socket or direct call.
 *
 * Invariants (MUST):
 *  - The user is fixed from getuid() before the fork, never from argv or
 *    the environment; the monitor serves that user's record and no other.
 *  - The child drops all privileges at once and checks that they are gone
 *    before it parses a single argument; it exits if anything is off.
 *  - The monitor reads only TFA_CONFIG_FILE, runs only requests that
 *    tfa_ops_valid() accepts, exactly sizeof(struct tfa_op_req) bytes, and
 *    stops at the first one that is not; it never asks for or prints
 *    anything itself.
 *  - Requests and answers are wiped on both sides after use.
 *  - The monitor is root in every uid, so the user cannot signal it, and
 *    it never stops while it serves a request: it holds the user's lock
 *    then, and PAM logins and root's cleanup wait for that lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "enroll.h"

/* ---- dropping privileges ---- */

static bool
dropped(uid_t uid, gid_t gid)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0)
		return false;
	if (ru != uid || eu != uid || su != uid || rg != gid || eg != gid ||
	    sg != gid)
		return false;
	/* and there is no way back */
	if (uid != 0 && (setuid(0) != -1 || seteuid(0) != -1))
		return false;
	if (gid != 0 && (setgid(0) != -1 || setegid(0) != -1))
		return false;
	return true;
}

/*
 * Become the real user for good: no supplementary groups (the set-uid
 * process got the caller's, but as root they would be ours to change),
 * real, effective and saved ids all the caller's.
 */
static void
drop_privileges(void)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	bool root = geteuid() == 0;

	if ((root && setgroups(0, NULL) != 0) ||
	    setresgid(gid, gid, gid) != 0 || setresuid(uid, uid, uid) != 0 ||
	    !dropped(uid, gid) || (root && getgroups(0, NULL) != 0)) {
		tfa_enroll_error("cannot drop privileges; stopping");
		_exit(TFA_EXIT_FAIL);
	}
	/* a core dump would hold the TOTP secret */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

/* ---- the monitor (root) ---- */

static void
syslog_sink(void *arg, int prio, const char *msg)
{
	(void)arg;
	syslog(prio, "%s", msg);
}

/*
 * Limits the caller set survive execve of a set-uid program.  A low file
 * size limit (with SIGXFSZ ignored) would fail every write the monitor
 * makes, a wrong code's failure count included, so codes could be guessed
 * without ever being counted; low memory, CPU or descriptor limits would
 * fail it at points of the caller's choosing.  The monitor is root: lift
 * them, and allow no core dump.  False when the file size limit stays:
 * a hard limit that root without CAP_SYS_RESOURCE cannot raise.
 */
static bool
reset_limits(void)
{
	static const int unlimited[] = { RLIMIT_FSIZE, RLIMIT_CPU,
	    RLIMIT_DATA, RLIMIT_AS, RLIMIT_STACK };
	const struct rlimit inf = { RLIM_INFINITY, RLIM_INFINITY };
	const struct rlimit none = { 0, 0 };
	struct rlimit rl;
	size_t i;

	for (i = 0; i < sizeof(unlimited) / sizeof(unlimited[0]); i++)
		if (setrlimit(unlimited[i], &inf) != 0 &&
		    getrlimit(unlimited[i], &rl) == 0) {
			rl.rlim_cur = rl.rlim_max;	/* as far as it goes */
			(void)setrlimit(unlimited[i], &rl);
		}
	(void)setrlimit(RLIMIT_CORE, &none);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 1024) {
		rl.rlim_cur = 1024;
		if (rl.rlim_max < 1024)
			rl.rlim_max = 1024;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0 &&
		    getrlimit(RLIMIT_NOFILE, &rl) == 0) {
			rl.rlim_cur = rl.rlim_max;
			(void)setrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	return getrlimit(RLIMIT_FSIZE, &rl) == 0 &&
	    rl.rlim_cur == RLIM_INFINITY;
}

/*
 * A nice value, an idle scheduling class or an idle I/O class survive
 * execve as well, and would let the user slow the monitor down to a crawl
 * on a busy machine while it holds their lock.  Back to the defaults.
 */
static void
reset_scheduling(void)
{
	const struct sched_param normal = { 0 };

	(void)sched_setscheduler(0, SCHED_OTHER, &normal);
	(void)setpriority(PRIO_PROCESS, 0, 0);
	/* IOPRIO_WHO_PROCESS, this process, IOPRIO_CLASS_NONE: by nice */
	(void)syscall(SYS_ioprio_set, 1, 0, 0);
}

static void
on_sigchld(int sig)
{
	(void)sig;		/* only to end ppoll() in wait_request() */
}

/*
 * Signal dispositions set to ignore, the signal mask and interval timers
 * survive execve too: every signal back to its default, no timer (an
 * ITIMER_REAL, VIRTUAL or PROF would kill the monitor at the user's
 * moment).  The terminal's job control signals reach the whole foreground
 * process group without asking whose processes are in it, so they are
 * ignored.  SIGCHLD is blocked but while waiting for a request, so that
 * it ends that wait only.
 */
static void
reset_signals(void)
{
	static const int itimers[] = { ITIMER_REAL, ITIMER_VIRTUAL,
	    ITIMER_PROF };
	const struct itimerval off = { { 0, 0 }, { 0, 0 } };
	struct sigaction sa;
	sigset_t set;
	size_t i;
	int sig;

	for (i = 0; i < sizeof(itimers) / sizeof(itimers[0]); i++)
		(void)setitimer(itimers[i], &off, NULL);
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)signal(sig, SIG_DFL);
	signal(SIGTSTP, SIG_IGN);
	signal(SIGTTIN, SIG_IGN);
	signal(SIGTTOU, SIG_IGN);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigchld;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	(void)sigprocmask(SIG_SETMASK, &set, NULL);
}

/*
 * The user owns our environment, descriptors, umask, limits, signal
 * dispositions, timers, scheduling, groups and terminal; keep none of
 * them but the socket.  Ctrl-C and a hang-up end the child, and the
 * monitor ends when the child's socket closes, after any write it is
 * doing.  The real uid becomes root too: with it the user could stop the
 * monitor (SIGSTOP) while it holds their lock.  Files it creates are
 * root's, group root.
 */
static bool
detach_monitor(int sock)
{
	bool limits;
	int fd;

	/* syslog's socket goes too: reopened by the next line logged */
	closelog();
	if (sock > STDERR_FILENO + 1)
		close_range(STDERR_FILENO + 1, (unsigned)sock - 1, 0);
	close_range((unsigned)sock + 1, ~0U, 0);
	openlog("tfa-enroll", LOG_PID, LOG_AUTHPRIV);
	clearenv();
	umask(077);
	limits = reset_limits();
	reset_scheduling();
	if (setgroups(0, NULL) != 0 || setresgid(0, 0, 0) != 0 ||
	    setresuid(0, 0, 0) != 0 || getuid() != 0)
		_exit(TFA_EXIT_FAIL);	/* the child says it stopped */
	reset_signals();
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	if ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	return limits;
}

static tfa_err
load_system_config(struct tfa_config *cfg, const struct tfa_log *log)
{
	char err[TFA_CONFIG_LINE_MAX + 256];

	tfa_config_init(cfg);
	if (tfa_config_load(cfg, TFA_CONFIG_FILE, false, err, sizeof(err)) ==
	    TFA_OK)
		return TFA_OK;
	tfa_log(log, LOG_ERR, "%s; refusing set-uid tfa-enroll requests", err);
	return TFA_ERR_CONFIG;
}

/*
 * Wait for the next request.  Between requests the monitor holds no lock,
 * and this is the one place it stops: when the child has stopped (Ctrl-Z),
 * so that the shell gets the terminal back; the shell's SIGCONT to the
 * job, which a process of the session may send, wakes both.
 */
static void
wait_request(int fd, pid_t child)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	sigset_t waiting;
	siginfo_t si;

	sigemptyset(&waiting);
	while (ppoll(&pfd, 1, NULL, &waiting) < 0 && errno == EINTR) {
		memset(&si, 0, sizeof(si));
		if (waitid(P_PID, (id_t)child, &si, WSTOPPED | WNOHANG) == 0 &&
		    si.si_pid == child)
			(void)raise(SIGSTOP);
	}
}

/* 1: a valid request; 0: the child closed the socket; -1: anything else. */
static int
recv_request(int fd, pid_t child, struct tfa_op_req *req)
{
	ssize_t n;

	wait_request(fd, child);
	do {
		n = recv(fd, req, sizeof(*req), MSG_TRUNC);
	} while (n < 0 && errno == EINTR);
	if (n == 0)
		return 0;
	if (n != (ssize_t)sizeof(*req) || !tfa_ops_valid(req))
		return -1;
	return 1;
}

static int
wait_child(pid_t child)
{
	int status;

	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			return TFA_EXIT_FAIL;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : TFA_EXIT_FAIL;
}

/*
 * Serve the child until it closes its end.  The configuration is read at
 * the first request, so a child that runs against its own --store never
 * makes the monitor read anything.
 */
static int
monitor(int fd, const char *user, pid_t child)
{
	const unsigned caller = (unsigned)getuid();	/* for the log */
	struct tfa_config cfg;
	struct tfa_log log = { syslog_sink, NULL };
	struct tfa_ops_session session;
	struct tfa_ops_ctx ctx = { &cfg, &log, user, NULL, &session };
	struct tfa_op_req req;
	struct tfa_op_res res;
	tfa_err cfg_err = TFA_OK;
	bool loaded = false, sent;
	int got, rc;

	if (!detach_monitor(fd)) {
		/* it could save nothing, a wrong code's count included */
		tfa_log(&log, LOG_ERR, "set-uid tfa-enroll: uid %u started it "
		    "with a file size limit that cannot be lifted; refusing "
		    "its requests", caller);
		close(fd);
		(void)wait_child(child);
		return TFA_EXIT_FAIL;
	}
	memset(&session, 0, sizeof(session));
	while ((got = recv_request(fd, child, &req)) > 0) {
		if (!loaded) {
			cfg_err = load_system_config(&cfg, &log);
			loaded = true;
		}
		if (cfg_err == TFA_OK) {
			tfa_ops_run(&ctx, &req, &res);
		} else {
			memset(&res, 0, sizeof(res));
			res.op = req.op;
			res.err = (int32_t)cfg_err;
		}
		sent = send(fd, &res, sizeof(res), MSG_NOSIGNAL) ==
		    (ssize_t)sizeof(res);
		explicit_bzero(&req, sizeof(req));
		explicit_bzero(&res, sizeof(res));
		if (!sent)
			break;
	}
	explicit_bzero(&req, sizeof(req));
	if (got < 0)
		tfa_log(&log, LOG_ERR, "set-uid tfa-enroll: a malformed request "
		    "from the unprivileged process (uid %u); monitor stopped",
		    caller);
	close(fd);
	explicit_bzero(&cfg, sizeof(cfg));
	explicit_bzero(&session, sizeof(session));
	rc = wait_child(child);
	return got < 0 && rc == TFA_EXIT_OK ? TFA_EXIT_FAIL : rc;
}

/* The caller's name, by real uid only. */
static int
caller_name(char *user, size_t len)
{
	struct passwd *pw = getpwuid(getuid());

	if (pw == NULL) {
		tfa_enroll_error("cannot find the user name of uid %u",
		    (unsigned)getuid());
		return TFA_EXIT_FAIL;
	}
	if (tfa_user_check(pw->pw_name) != TFA_OK ||
	    tfa_strlcpy(user, pw->pw_name, len) != TFA_OK) {
		tfa_enroll_error("the user name of uid %u cannot have a second "
		    "factor: %s", (unsigned)getuid(),
		    tfa_strerror(TFA_ERR_USER));
		return TFA_EXIT_FAIL;
	}
	return -1;
}

int
tfa_privsep_start(struct tfa_enroll *e)
{
	char user[TFA_USER_MAX + 1];
	int sv[2], rc;
	pid_t pid;

	e->monitor = -1;
	if (getuid() == 0 || geteuid() != 0) {
		/* not set-uid root run by a user: any other set-id is dropped */
		if (getuid() != geteuid() || getgid() != getegid())
			drop_privileges();
		return -1;
	}
	if ((rc = caller_name(user, sizeof(user))) >= 0)
		return rc;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
		tfa_enroll_error("cannot start: socketpair: %s",
		    strerror(errno));
		return TFA_EXIT_FAIL;
	}
	fflush(NULL);
	if ((pid = fork()) < 0) {
		tfa_enroll_error("cannot start: fork: %s", strerror(errno));
		return TFA_EXIT_FAIL;
	}
	if (pid == 0) {
		close(sv[0]);
		drop_privileges();
		e->monitor = sv[1];
		return -1;
	}
	close(sv[1]);
	rc = monitor(sv[0], user, pid);
	explicit_bzero(user, sizeof(user));
	exit(rc);
}

/* ---- the child's side ---- */

static tfa_err
call_monitor(int fd, const struct tfa_op_req *req, struct tfa_op_res *res)
{
	struct rlimit fsize;
	ssize_t n;

	do {
		n = send(fd, req, sizeof(*req), MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(*req)) {
		do {
			n = recv(fd, res, sizeof(*res), MSG_TRUNC);
		} while (n < 0 && errno == EINTR);
		if (n == (ssize_t)sizeof(*res) && res->op == req->op)
			return (tfa_err)res->err;
	}
	explicit_bzero(res, sizeof(*res));
	res->op = req->op;
	res->err = (int32_t)TFA_ERR_IO;
	tfa_enroll_error("the privileged part of tfa-enroll has stopped");
	/* the monitor refuses only a hard limit it cannot lift */
	if (getrlimit(RLIMIT_FSIZE, &fsize) == 0 &&
	    fsize.rlim_max != RLIM_INFINITY)
		tfa_enroll_error("it cannot work under a file size limit "
		    "(ulimit -f); run it without one");
	return TFA_ERR_IO;
}

tfa_err
tfa_enroll_op(const struct tfa_enroll *e, struct tfa_op_req *req,
    struct tfa_op_res *res)
{
	struct tfa_ops_ctx ctx = { &e->cfg, &e->log, e->user,
	    e->admin[0] != '\0' ? e->admin : NULL, e->session };
	tfa_err r;

	if (e->monitor >= 0)
		r = call_monitor(e->monitor, req, res);
	else
		r = tfa_ops_run(&ctx, req, res);
	explicit_bzero(req, sizeof(*req));
	return r;
}

tfa_err
tfa_privsep_hello(struct tfa_enroll *e)
{
	struct tfa_op_req req;
	struct tfa_op_res res;
	tfa_err r;

	memset(&req, 0, sizeof(req));
	req.op = TFA_OP_HELLO;
	if ((r = tfa_enroll_op(e, &req, &res)) == TFA_OK) {
		e->cfg = res.u.hello.cfg;
		r = tfa_strlcpy(e->user, res.u.hello.user, sizeof(e->user));
	}
	explicit_bzero(&res, sizeof(res));
	return r;
}

void
tfa_privsep_detach(struct tfa_enroll *e)
{
	if (e->monitor >= 0)
		close(e->monitor);
	e->monitor = -1;
}

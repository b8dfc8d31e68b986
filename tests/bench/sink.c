/*
 * Every module logs through syslog(3), as on a real host.  A host without a
 * syslog daemon makes each syslog() call a failed connect (and GA, which
 * opens the log with LOG_CONS, a write to /dev/console), which is not what
 * a login costs anywhere.  So when /dev/log is missing and we are root, a
 * child process stands in for the daemon for the length of the run: it
 * reads and counts the lines, and /dev/log is removed again at the end.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "bench.h"

#define LOG_PATH "/dev/log"

static pid_t sink_pid = -1, owner_pid = -1;
static unsigned long *sink_lines;	/* [MOD_COUNT]: all, then by stack */
static ino_t sink_ino;

static int
log_socket_alive(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, r;

	strcpy(sa.sun_path, LOG_PATH);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 ? 1 :
	    errno == ECONNREFUSED ? 0 : -1;
	close(fd);
	return r;		/* 1 alive, 0 stale socket, -1 none */
}

/*
 * Which stack logged a line: its PAM service name, as pam_syslog writes it
 * ("pam_tfa(bench-tfa:auth): ...") and GA's openlog ident does
 * ("bench-ga(pam_google_authenticator)"); lines of no stack count as the
 * floor's (libpam's own).
 */
static int
line_owner(const char *line)
{
	const char *p, *svc;
	size_t len;
	int m;

	for (m = MOD_COUNT - 1; m > 0; m--) {
		svc = bench_service(m);
		len = strlen(svc);
		for (p = line; (p = strstr(p, svc)) != NULL; p += len)
			if (p[len] == '(' || p[len] == ':')
				return m;
	}
	return MOD_FLOOR;
}

/* BENCH_LOG=FILE keeps the lines, to see why a login failed. */
static void
sink_loop(int fd)
{
	const char *keep = getenv("BENCH_LOG");
	FILE *f = keep != NULL ? fopen(keep, "w") : NULL;
	char buf[8192];
	ssize_t n;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (;;) {
		if ((n = recv(fd, buf, sizeof(buf) - 1, 0)) < 0)
			continue;
		buf[n] = '\0';
		__atomic_add_fetch(&sink_lines[MOD_COUNT], 1,
		    __ATOMIC_RELAXED);
		__atomic_add_fetch(&sink_lines[line_owner(buf)], 1,
		    __ATOMIC_RELAXED);
		if (f != NULL) {
			fprintf(f, "%s\n", buf);
			fflush(f);
		}
	}
}

int
bench_sink_start(char *what, size_t len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, alive, size = 4 << 20;
	const char *env = getenv("BENCH_SYSLOG");

	alive = log_socket_alive();
	if (alive == 1) {
		snprintf(what, len, "the host's syslog at " LOG_PATH);
		return 0;
	}
	if ((env != NULL && strcmp(env, "off") == 0) || geteuid() != 0) {
		snprintf(what, len, "none (" LOG_PATH " %s): every syslog() "
		    "call is a failed connect, and a write to the console "
		    "once GA has asked for LOG_CONS", alive == 0 ? "refuses" :
		    "is missing");
		return 0;
	}
	if (alive == 0)
		unlink(LOG_PATH);	/* left by a killed run */
	sink_lines = mmap(NULL, (MOD_COUNT + 1) * sizeof(*sink_lines),
	    PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sink_lines == MAP_FAILED)
		return -1;
	strcpy(sa.sun_path, LOG_PATH);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    chmod(LOG_PATH, 0666) != 0 || stat(LOG_PATH, &st) != 0) {
		close(fd);
		return -1;
	}
	sink_ino = st.st_ino;
	owner_pid = getpid();
	if ((sink_pid = fork()) == 0)
		sink_loop(fd);
	close(fd);
	if (sink_pid < 0) {
		unlink(LOG_PATH);
		return -1;
	}
	snprintf(what, len, "a line-counting stand-in at " LOG_PATH
	    " (none on this host; removed after the run)");
	return 0;
}

/* Wait until the stand-in has read every line sent so far. */
void
bench_sink_settle(void)
{
	unsigned long a, b;
	int i;

	if (sink_pid <= 0)
		return;
	b = __atomic_load_n(&sink_lines[MOD_COUNT], __ATOMIC_RELAXED);
	for (i = 0; i < 100; i++) {	/* at most 0.5 s */
		usleep(5000);
		a = b;
		b = __atomic_load_n(&sink_lines[MOD_COUNT], __ATOMIC_RELAXED);
		if (a == b)
			break;
	}
}

/* Lines read so far that the stack m logged. */
unsigned long
bench_sink_lines(enum bench_mod m)
{
	return sink_pid > 0 ? __atomic_load_n(&sink_lines[m],
	    __ATOMIC_RELAXED) : 0;
}

bool
bench_sink_active(void)
{
	return sink_pid > 0;
}

void
bench_sink_stop(void)
{
	struct stat st;

	if (sink_pid <= 0 || getpid() != owner_pid)
		return;
	kill(sink_pid, SIGKILL);
	waitpid(sink_pid, NULL, 0);
	sink_pid = -1;
	/* remove only the socket we made */
	if (stat(LOG_PATH, &st) == 0 && st.st_ino == sink_ino &&
	    S_ISSOCK(st.st_mode))
		unlink(LOG_PATH);
}

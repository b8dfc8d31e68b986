/*
 * The module's clock and log, interposed: a PAM-level test program
 * includes this in exactly one file and is linked with -rdynamic, so the
 * time() and pam_syslog() that pam_tfa.so (loaded by libpam) calls are
 * these.  A header, not a .c in tests/lib: every object there is linked
 * into every test program, and most of them need the real time().
 */
#ifndef TFA_PAMTEST_HOOKS_H
#define TFA_PAMTEST_HOOKS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <security/pam_ext.h>

static time_t fake_now = 1700000000;	/* what time() says */
static char logbuf[1 << 17];		/* every line the module logged */
static bool log_prio;			/* lines as "<prio> message" */
/* when set, called with each line as it is logged (without its newline) */
static void (*log_hook)(const char *line);

time_t
time(time_t *t)
{
	if (t != NULL)
		*t = fake_now;
	return fake_now;
}

void
pam_vsyslog(const pam_handle_t *pamh, int prio, const char *fmt, va_list ap)
{
	size_t n = strlen(logbuf);

	(void)pamh;
	if (n + (log_prio ? 300 : 2) >= sizeof(logbuf))
		return;
	if (log_prio)
		n += (size_t)snprintf(logbuf + n, sizeof(logbuf) - n, "<%d> ",
		    prio);
	vsnprintf(logbuf + n, sizeof(logbuf) - n - 1, fmt, ap);
	if (log_hook != NULL)
		log_hook(logbuf + n);
	strcat(logbuf, "\n");
}

void
pam_syslog(const pam_handle_t *pamh, int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pam_vsyslog(pamh, prio, fmt, ap);
	va_end(ap);
}

/* Whether the module logged what since logbuf was last cleared. */
static inline bool
logged(const char *what)
{
	return strstr(logbuf, what) != NULL;
}

#endif

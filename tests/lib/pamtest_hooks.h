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
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <security/pam_ext.h>

static time_t fake_now = 1700000000;	/* what time() says */
static char logbuf[1 << 16];		/* every line the module logged */

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
	(void)prio;
	if (n + 2 < sizeof(logbuf)) {
		vsnprintf(logbuf + n, sizeof(logbuf) - n - 1, fmt, ap);
		strcat(logbuf, "\n");
	}
}

void
pam_syslog(const pam_handle_t *pamh, int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pam_vsyslog(pamh, prio, fmt, ap);
	va_end(ap);
}

#endif

/*
 * A fixture for tests that drive the built pam_tfa.so through the real
 * libpam (pam_start_confdir) from many processes: every test_*.c in
 * tests/race, tests/crash, tests/fs and tests/fuzz links it.
 *
 * The program linking this exports time(), pam_syslog() and pam_vsyslog()
 * (it is linked with -rdynamic), so the module's clock is pamfx_now and its
 * log lines land in one append-only file shared by every forked child.
 * Every answer typed and every secret enrolled is remembered, and
 * pamfx_done() checks that none of them ever reached a log line.  The
 * directories, service files, conversation and codes are tests/lib's
 * pamtest; this adds what many processes share.
 */
#ifndef TFA_PAMFX_H
#define TFA_PAMFX_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "config.h"
#include "pamtest.h"
#include "record.h"

extern time_t pamfx_now;		/* what time() says, here and in children */

struct pamfx {
	char *dir;		/* private temporary directory */
	char *store;		/* StoreDir */
	char *confdir;		/* PAM service directory */
	char *conffile;		/* pam_tfa.conf */
	char *module;		/* the built pam_tfa.so */
	char *logfile;		/* every captured log line, from every process */
	struct tfa_config cfg;	/* for direct store access */
};

extern struct pamfx fx;

/*
 * Make the fixture under $TMPDIR with pamtest_init(): store (0700), config
 * (StoreDir, and extra lines: pamtest_conf_bare()), service "tfa-fx" with
 * the module and no arguments, and the log file.
 */
void pamfx_init(const char *tag, const char *conf_extra);

/*
 * Authenticate user through service; every prompt answered with answer
 * (registered as a secret when at least 6 bytes).  PAM_RHOST is set.
 * Returns the PAM result, or -1 when pam_start_confdir fails.
 */
int pamfx_login(const char *service, const char *user, const char *answer,
    struct pamtest_conv *c);

/* Store user's record with a fresh secret (or the given one) enabled. */
void pamfx_enroll(const char *user, struct tfa_totp *t,
    const uint8_t *secret, size_t secret_len);

/* The record, read without lock; false when it cannot be read. */
bool pamfx_read(const char *user, struct tfa_record *rec);

/* Under the lock: set the failure state (and lockout) of user. */
void pamfx_set_failures(const char *user, unsigned failures,
    int64_t locked_until);

/* A random code wrong for every step within ±5 of when; a static buffer. */
const char *pamfx_wrong(const struct tfa_totp *t, time_t when);

/* Remember s: pamfx_done() fails if it appears in any log line. */
void pamfx_secret(const char *s);

/* The size of the log file now: a mark to read from. */
off_t pamfx_log_mark(void);

/* Lines logged since mark, NUL-terminated; caller frees. */
char *pamfx_log_since(off_t mark);

/* How many times needle occurs in text. */
int pamfx_count(const char *text, const char *needle);

/* Whole file into a malloc'd buffer; its length in *len, NULL if none. */
char *pamfx_slurp(const char *path, size_t *len);

/* dir/name in a static buffer (two, used in turn). */
const char *pamfx_path(const char *dir, const char *name);

/* A child's status: its exit code, or 128 + the signal that killed it. */
int pamfx_wait(pid_t pid);

/* On SIGALRM: print msg (a "not ok" line) and exit 1. */
void pamfx_on_alarm(const char *msg);

/* An environment number, or def when unset or not a number >= min. */
long pamfx_env(const char *name, long def, long min);

/*
 * Check the secrets against every log line and that every logged byte is
 * printable ASCII, remove the directory (unless TFA_TEST_KEEP is set), and
 * return the exit status for main().
 */
int pamfx_done(void);

#endif

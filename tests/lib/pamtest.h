/*
 * The fixture of a PAM-level test: a private directory with a store, a
 * pam_tfa.conf and a PAM service directory; a scripted conversation; and
 * logins through the built pam_tfa.so with the real libpam
 * (pam_start_confdir).  The module's clock and log lines belong to the
 * test program, through pamtest_hooks.h.
 */
#ifndef TFA_PAMTEST_H
#define TFA_PAMTEST_H

#include <stdbool.h>
#include <time.h>

#include <security/pam_appl.h>

#include "config.h"
#include "record.h"

#define PAMTEST_SERVICE	"tfa-test"
#define PAMTEST_RHOST	"192.0.2.7"
#define PAMTEST_ANSWERS	4

struct pamtest {
	char *dir;		/* private temporary directory */
	char *store;		/* StoreDir, 0700 */
	char *confdir;		/* PAM service directory */
	char *conffile;		/* pam_tfa.conf */
	char *module;		/* $BUILD/pam_tfa.so */
	char *settok;		/* $BUILD/tests/pam_settok.so */
	struct tfa_config cfg;	/* for direct store access */
};

extern struct pamtest pamtest;

/* What one login saw, and how its prompts are answered. */
struct pamtest_conv {
	const char *answer;	/* given to every prompt; NULL fails the conv */
	/* in_order: prompt i gets answers[i]; NULL or past the end fails */
	bool in_order;
	const char *answers[PAMTEST_ANSWERS];
	int prompts;		/* prompts seen */
	char asked[512];	/* the prompts seen, each followed by "|" */
	char said[2048];	/* info and error messages, one per line */
	/* called once, at the first prompt, before it is answered */
	void (*at_prompt)(void *arg);
	void *arg;
};

/*
 * Make the fixture under $TMPDIR: the store, a configuration (StoreDir,
 * MaxFailures = 5, LockoutMinutes = 10, then conf_extra), the service
 * PAMTEST_SERVICE with no module arguments, and "other" denying all.
 */
void pamtest_init(const char *tag, const char *conf_extra);

/* Rewrite pam_tfa.conf: the lines above, then extra. */
void pamtest_conf(const char *extra);

/* Rewrite pam_tfa.conf with StoreDir and then extra only (NULL: none). */
void pamtest_conf_bare(const char *extra);

/* Rewrite the service: "auth required MODULE config=CONF args". */
void pamtest_service(const char *args);

/*
 * Rewrite service name: the line first (none when ""), then
 * "auth required MODULE config=CONF args" (args NULL: none).
 */
void pamtest_stack(const char *name, const char *first, const char *args);

/* Write text as service name. */
void pamtest_service_text(const char *name, const char *text);

/* Authenticate user, every prompt answered with answer; PAM_RHOST set. */
int pamtest_login(const char *user, const char *answer,
    struct pamtest_conv *c);

/*
 * Authenticate user through service with c's answers (prompts, asked and
 * said are reset first); rhost and tty are set unless NULL.  Returns the
 * PAM result, or -1 when pam_start_confdir fails.
 */
int pamtest_run(const char *service, const char *user, const char *rhost,
    const char *tty, int flags, struct pamtest_conv *c);

/* The same with a conversation of the caller's own. */
int pamtest_run_conv(const char *service, const char *user,
    const char *rhost, const char *tty, int flags, const struct pam_conv *pc);

/* $BUILD/name as an absolute path; caller frees. */
char *pamtest_build_path(const char *name);

/* The code of the step holding when; a static buffer. */
const char *pamtest_code(const struct tfa_totp *t, time_t when);

/* A code wrong for every step within 3 of when; a static buffer. */
const char *pamtest_wrong(const struct tfa_totp *t, time_t when);

/* Replace user's record with rec, under the lock; aborts on failure. */
void pamtest_save(const char *user, const struct tfa_record *rec);

/* Read user's record without the lock; false when there is none. */
bool pamtest_read(const char *user, struct tfa_record *rec);

/* The user's failure count; 9999 when there is no record. */
unsigned pamtest_failures(const char *user);

/* Remove the directory (kept when TFA_TEST_KEEP is set). */
void pamtest_done(void);

#endif

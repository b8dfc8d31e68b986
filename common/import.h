/*
 * Importing second factors from pam_google_authenticator, pam_oath and
 * pam_u2f.  Each parser is a pure function from the text of one file to a
 * list of per-user results: what would be imported, or why that user
 * cannot be.  Nothing here touches the store; tfa_import_apply changes a
 * record the caller loaded under the user's lock, all or nothing.
 */
#ifndef TFA_IMPORT_H
#define TFA_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"
#include "totp.h"
#include "user.h"

#define TFA_IMPORT_TEXT_MAX	(4 * 1024 * 1024)	/* bytes of one file */
#define TFA_IMPORT_GA_MAX	(64 * 1024)	/* a ~/.google_authenticator */
#define TFA_IMPORT_LINE_MAX	(64 * 1024)	/* one line of a users file */
#define TFA_IMPORT_WHY_MAX	256
#define TFA_IMPORT_NOTES_MAX	1024
#define TFA_IMPORT_KEYS_MAX	20	/* credentials of one user: the
					   largest MaxKeys (config.c) */

enum tfa_import_format {
	TFA_IMPORT_GA = 0,	/* pam_google_authenticator */
	TFA_IMPORT_OATH,	/* pam_oath usersfile */
	TFA_IMPORT_U2F,		/* pam_u2f authfile */
};

struct tfa_import_user {
	char user[TFA_USER_MAX + 1];	/* "": a google-authenticator file */
	unsigned line;			/* the user's first line */
	bool refused;
	char why[TFA_IMPORT_WHY_MAX];	/* set when refused: the first reason */
	char notes[TFA_IMPORT_NOTES_MAX];	/* what changes, one per line */
	struct tfa_totp totp;		/* enabled when an app is imported */
	int64_t last_step;		/* newest step used before; 0: none */
	unsigned window;		/* google-authenticator WINDOW_SIZE */
	char last_otp[TFA_TOTP_CODE_MAX + 1];	/* pam_oath: last code used */
	int64_t last_time;		/* pam_oath: when; 0: never */
	unsigned n_scratch;		/* google-authenticator scratch codes */
	char scratch[TFA_BACKUP_COUNT][TFA_BACKUP_DIGITS + 1];
	struct tfa_key *keys;		/* pam_u2f credentials */
	size_t n_keys;
	bool key_presence_added;	/* a key did not ask for a touch */
};

/* A line that names no user: it could belong to anyone. */
struct tfa_import_problem {
	unsigned line;			/* 0: the file as a whole */
	char why[TFA_IMPORT_WHY_MAX];
};

struct tfa_import {
	/*
	 * Set by the caller before parsing: MaxKeys, the keys a user may
	 * have; a pam-u2f user with more is refused.  0 (as after
	 * tfa_import_init): TFA_IMPORT_KEYS_MAX.
	 */
	unsigned max_keys;
	struct tfa_import_user *users;
	size_t n_users;
	struct tfa_import_problem *problems;
	size_t n_problems;
};

void tfa_import_init(struct tfa_import *imp);

/* Wipe every secret and free; imp is then as after tfa_import_init. */
void tfa_import_free(struct tfa_import *imp);

/*
 * The parsers.  TFA_OK when the text was read: per-user refusals are in
 * users[], lines that name no user in problems[].  TFA_ERR_INVAL when the
 * text as a whole is not one of these files (problems[0] says why), and
 * TFA_ERR_NOMEM.  buf need not be NUL-terminated and is not changed.
 *
 * google-authenticator: one entry, with user "" (the file names no one).
 * pam-u2f: new-format credentials get rp = origin, old-format (U2F)
 * ones rp = appid, as pam_u2f verified them.
 */
tfa_err tfa_import_parse_ga(const char *buf, size_t len,
    struct tfa_import *imp);
tfa_err tfa_import_parse_oath(const char *buf, size_t len,
    struct tfa_import *imp);
tfa_err tfa_import_parse_u2f(const char *buf, size_t len, const char *origin,
    const char *appid, struct tfa_import *imp);

/* The format named on the command line: "google-authenticator", ... */
tfa_err tfa_import_format_parse(const char *name,
    enum tfa_import_format *out);
const char *tfa_import_format_name(enum tfa_import_format f);

/*
 * pam_oath keeps the last code it accepted and when.  Find the step that
 * code belongs to, near that time and near now, so that it cannot be
 * replayed to pam_tfa; u->last_step becomes at least that step.
 */
tfa_err tfa_import_resolve_step(struct tfa_import_user *u, int64_t now);

/*
 * Apply one importable user to rec, loaded under the user's lock (or a
 * fresh record).  TFA_ERR_EXISTS when rec already has an app, backup codes
 * or keys that the import would replace and !replace; TFA_ERR_INVAL when
 * the import does not fit (*why says why).  On any error rec may be
 * half-changed: the caller must not save it.  *replaced tells what was
 * overwritten (TFA_IMPORT_REPLACED_*).
 */
#define TFA_IMPORT_REPLACED_TOTP	0x1
#define TFA_IMPORT_REPLACED_BACKUP	0x2
#define TFA_IMPORT_REPLACED_KEYS	0x4
tfa_err tfa_import_apply(const struct tfa_import_user *u,
    struct tfa_record *rec, bool replace, int64_t now, unsigned *replaced,
    const char **why);

#endif

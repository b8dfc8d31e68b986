/*
 * Checking a second factor: the read-check-update that both the PAM module
 * and tfa-enroll run, always under the user's lock.
 */
#ifndef TFA_AUTH_H
#define TFA_AUTH_H

#include "config.h"
#include "log.h"
#include "record.h"

struct tfa_verdict {
	enum tfa_method method;		/* what matched, on success */
	unsigned failures;		/* failures in a row after this try */
	int64_t locked_until;		/* non-zero while locked out */
	unsigned backup_left;		/* backup codes left after this try */
};

/*
 * Check what the user typed against rec, which the caller loaded under the
 * user's lock, and update rec: the accepted TOTP step, the used backup
 * code, the failure count and lockout, the last login.  The caller saves
 * rec (on TFA_OK, TFA_ERR_BADCODE and TFA_ERR_REPLAY) before it trusts the
 * answer.  TFA_ERR_LOCKED, TFA_ERR_NOMETHOD and TFA_ERR_INVAL (a blank
 * answer, which counts as nothing) leave rec as it was.
 */
tfa_err tfa_auth_check(const struct tfa_config *cfg, struct tfa_record *rec,
    const char *input, int64_t now, struct tfa_verdict *v);

struct tfa_store;

struct tfa_auth_opts {
	/*
	 * The user's store, opened and peeked by the caller (store.h);
	 * tfa_auth_code takes it over, closes it (unlocking) and sets it to
	 * NULL, so the caller may lock the store again afterwards.
	 */
	struct tfa_store **held;
	/*
	 * What else a good factor changes in the record, in the same save:
	 * called under the lock after a right answer, before the save.
	 */
	void (*then)(void *arg, struct tfa_record *rec, int64_t now);
	void *arg;
};

/*
 * Lock, load, tfa_auth_check, then (when right) opts->then, save, unlock.
 * TFA_OK only when the factor was right and the new state is on disk.
 * opts may be NULL.
 */
tfa_err tfa_auth_code(const struct tfa_config *cfg, const struct tfa_log *log,
    const char *user, const char *input, int64_t now, struct tfa_verdict *v,
    const struct tfa_auth_opts *opts);

/*
 * One more bad second factor in a row; locks rec out for LockoutMinutes once
 * MaxFailures is reached.  For checks that do not go through
 * tfa_auth_check (a security key).
 */
void tfa_auth_count_failure(const struct tfa_config *cfg,
    struct tfa_record *rec, int64_t now);

/* True while rec is locked out at now. */
bool tfa_auth_locked(const struct tfa_record *rec, int64_t now);

/* True when rec has a second factor that cfg lets the user log in with. */
bool tfa_auth_enrolled(const struct tfa_config *cfg,
    const struct tfa_record *rec);

#endif

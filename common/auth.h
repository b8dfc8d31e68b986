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
};

/*
 * Check what the user typed.  Under the user's lock: re-read the record,
 * refuse while locked out, verify, refuse a replayed TOTP step, then record
 * the outcome (last step, failure count, lockout) durably before returning.
 * TFA_OK only when the factor was right and the new state is on disk.
 * TFA_ERR_INVAL for a blank answer, which counts as nothing.
 */
tfa_err tfa_auth_code(const struct tfa_config *cfg, const struct tfa_log *log,
    const char *user, const char *input, int64_t now, struct tfa_verdict *v);

/* True while rec is locked out at now. */
bool tfa_auth_locked(const struct tfa_record *rec, int64_t now);

#endif

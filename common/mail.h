/*
 * Mail mode: one secret per connection.  It is an app password, or the
 * password followed by a second factor (a TOTP code, which a remembered
 * mail client keeps sending, or a backup code).  Split takes the factor
 * off; verify checks it once the password module has accepted the rest.
 */
#ifndef TFA_MAIL_H
#define TFA_MAIL_H

#include "auth.h"
#include "config.h"
#include "log.h"
#include "record.h"

#define TFA_FACTOR_MAX	16	/* a TOTP code or a backup code, and a NUL */

/*
 * Mail clients trusted at once per user and service class.  Each is a
 * 6-digit code accepted from anywhere, so someone who knows the password
 * and guesses codes has as many chances per guess as there are; a client
 * logging in afresh twice a day would otherwise keep some 60 of them.
 */
#define TFA_MAIL_TRUSTED_MAX	10

enum tfa_factor_kind {
	TFA_FACTOR_NONE = 0,	/* no factor at the end: a plain password */
	TFA_FACTOR_TOTP,	/* digits: a fresh code or a remembered one */
	TFA_FACTOR_BACKUP,	/* "xxxxx-xxxxx" or its 10 characters */
};

/* Who logs in where, for one call. */
struct tfa_mail_login {
	const char *user;
	const char *service;	/* the service class: imap, smtp ... */
	/*
	 * "-" when unknown.  Rewritten to printable ASCII and cut for the log:
	 * it is only shown (last_rhost, a mail client's rhost) and decides
	 * when those are rewritten, never whether a login is accepted.
	 */
	const char *rhost;
	int64_t now;
};

/*
 * Find the factor at the end of secret: first a dashed backup code, then
 * `digits` digits (0: the user has no app), then an undashed backup code
 * (only when backup is true).  On a find, *pwlen is the length of the
 * password in front of it and factor holds it, normalised (lower case,
 * no dash).  So "pass1234-word" + "123456" splits at the code, and a
 * backup code whose last characters are digits must be typed with its dash.
 */
enum tfa_factor_kind tfa_mail_split(const char *secret, unsigned digits,
    bool backup, size_t *pwlen, char factor[TFA_FACTOR_MAX]);

/*
 * Is secret one of the user's app passwords allowed on l->service?  Checked
 * on snap, a lockless read; its last use is written under the lock only
 * when it is older than TFA_APPPW_TOUCH_SECS or the host changed.
 * TFA_OK with *id; TFA_ERR_BADCODE, TFA_ERR_EXPIRED, TFA_ERR_PERM (allowed
 * elsewhere only) or a store error otherwise.  Nothing is counted.
 */
tfa_err tfa_mail_apppw(const struct tfa_config *cfg,
    const struct tfa_log *log, const struct tfa_mail_login *l,
    const struct tfa_record *snap, const char *secret, uint32_t *id);

/*
 * After the password module accepted the password: a remembered mail
 * client's code (TFA_OK, method device), else a fresh TOTP or backup code
 * checked and counted by tfa_auth_check under the lock.  When
 * AllowUsedDevices and TrustDevicesForDays > 0, a good fresh code is
 * remembered for this service class: an app's code trusted for
 * TrustDevicesForDays, ending the trust of the least recently seen of
 * TFA_MAIL_TRUSTED_MAX trusted already; a backup code with its trust
 * ended at once, so that it logs its client in once.  A code whose
 * remembered client's trust has ended is TFA_ERR_EXPIRED (with v->method
 * TFA_METHOD_BACKUP for a spent backup code) and is not counted: that is
 * a stale client, not a guess; its last use is still noted (not its
 * trust), so it is not pruned while the client keeps trying.  A code
 * string remembered for another service class of the user is
 * TFA_ERR_ELSEWHERE, not counted either.
 * snap is a lockless read used for the common case (a remembered client
 * whose last use was written recently) without taking the lock.
 */
tfa_err tfa_mail_verify(const struct tfa_config *cfg,
    const struct tfa_log *log, const struct tfa_mail_login *l,
    const struct tfa_record *snap, enum tfa_factor_kind kind,
    const char *factor, struct tfa_verdict *v);

#endif

/*
 * The second-factor check.  Locking before reading is what makes a code
 * single-use under racing logins: the second of two identical codes reads
 * the step (or the used backup code) the first one wrote.
 */
#include "auth.h"
#include "code.h"
#include "store.h"
#include "totp.h"

bool
tfa_auth_locked(const struct tfa_record *rec, int64_t now)
{
	return rec->locked_until != 0 && now < rec->locked_until;
}

bool
tfa_auth_enrolled(const struct tfa_config *cfg, const struct tfa_record *rec)
{
	return tfa_record_has_factor(rec, cfg->allow_app, cfg->allow_keys);
}

static tfa_err
check_totp(const struct tfa_config *cfg, struct tfa_record *rec,
    const char *code, int64_t now)
{
	int64_t step;
	tfa_err r;

	if (!cfg->allow_app || !rec->totp.enabled)
		return TFA_ERR_BADCODE;
	/* RFC 6238 section 5.2: a step is good once, and so is no older one */
	r = tfa_totp_match(&rec->totp, now, cfg->clock_tolerance, code,
	    rec->last_step, &step);
	if (r != TFA_OK)
		return r;
	rec->last_step = step;
	return TFA_OK;
}

static tfa_err
check_backup(const struct tfa_config *cfg, struct tfa_record *rec,
    const char *code)
{
	if (!cfg->allow_backup)
		return TFA_ERR_BADCODE;
	return tfa_backup_consume(&rec->backup, code);
}

/*
 * Imported pam_google_authenticator scratch codes are TFA_BACKUP_DIGITS
 * digits, so they parse as TOTP codes.  An all-digit answer goes to the
 * backup set only when that set is numeric and the answer has its length,
 * and then only when it cannot be, or is not, the app's code: a wrong
 * 6-digit guess never costs a PBKDF2 derivation.  Which checks run depends
 * on the answer's length and the record's settings, never on a secret; the
 * app's window is compared in full whatever matches, and so is every
 * backup hash.
 */
static tfa_err
check_digits(const struct tfa_config *cfg, struct tfa_record *rec,
    const char *code, int64_t now, enum tfa_method *method)
{
	bool numeric = cfg->allow_backup && rec->backup.enabled &&
	    rec->backup.numeric && strlen(code) == TFA_BACKUP_DIGITS;
	tfa_err r = TFA_ERR_BADCODE;

	*method = TFA_METHOD_TOTP;
	if (!numeric || strlen(code) == rec->totp.digits)
		r = check_totp(cfg, rec, code, now);
	if (!numeric || r != TFA_ERR_BADCODE)
		return r;
	*method = TFA_METHOD_BACKUP;
	return check_backup(cfg, rec, code);
}

static bool
input_is_blank(const char *s)
{
	for (; s != NULL && *s != '\0'; s++)	/* NULL: nothing typed */
		if (*s != ' ' && *s != '\t' && *s != '-')
			return false;
	return true;
}

void
tfa_auth_count_failure(const struct tfa_config *cfg, struct tfa_record *rec,
    int64_t now)
{
	if (rec->failures < 1000000)
		rec->failures++;
	if (rec->failures >= cfg->max_failures && cfg->lockout_minutes > 0)
		rec->locked_until = now + 60 * (int64_t)cfg->lockout_minutes;
}

tfa_err
tfa_auth_check(const struct tfa_config *cfg, struct tfa_record *rec,
    const char *input, int64_t now, struct tfa_verdict *v)
{
	char code[TFA_CODE_MAX + 1];
	enum tfa_code_kind kind;
	tfa_err r;

	memset(v, 0, sizeof(*v));
	if (rec->disabled || !tfa_auth_enrolled(cfg, rec))
		return TFA_ERR_NOMETHOD;
	v->failures = rec->failures;
	v->locked_until = rec->locked_until;
	v->backup_left = tfa_backup_left(&rec->backup);
	if (tfa_auth_locked(rec, now))
		return TFA_ERR_LOCKED;
	kind = tfa_code_parse(input, code, sizeof(code));
	if (kind == TFA_CODE_INVALID && input_is_blank(input))
		return TFA_ERR_INVAL;	/* nothing typed: not a guess */
	if (rec->locked_until != 0) {	/* lockout over: start afresh */
		rec->locked_until = 0;
		rec->failures = 0;
	}
	if (kind == TFA_CODE_TOTP) {
		r = check_digits(cfg, rec, code, now, &v->method);
	} else if (kind == TFA_CODE_BACKUP) {
		r = check_backup(cfg, rec, code);
		v->method = TFA_METHOD_BACKUP;
	} else {
		r = TFA_ERR_BADCODE;
	}
	tfa_wipe_array(code);
	if (r == TFA_OK) {
		rec->failures = 0;
		rec->last_login = now;
		rec->last_method = v->method;
	} else if (r == TFA_ERR_BADCODE || r == TFA_ERR_REPLAY) {
		tfa_auth_count_failure(cfg, rec, now);
		v->method = TFA_METHOD_NONE;
	} else {
		v->method = TFA_METHOD_NONE;
		return r;
	}
	v->failures = rec->failures;
	v->locked_until = rec->locked_until;
	v->backup_left = tfa_backup_left(&rec->backup);
	return r;
}

tfa_err
tfa_auth_code(const struct tfa_config *cfg, const struct tfa_log *log,
    const char *user, const char *input, int64_t now, struct tfa_verdict *v,
    const struct tfa_auth_opts *opts)
{
	struct tfa_store *st = NULL;
	struct tfa_record rec;
	tfa_err r, saved;

	memset(v, 0, sizeof(*v));
	tfa_record_init(&rec);
	if (opts != NULL && opts->held != NULL) {
		st = *opts->held;
		*opts->held = NULL;
	}
	if (input_is_blank(input)) {
		r = TFA_ERR_INVAL;
		goto out;
	}
	if (st != NULL)
		r = tfa_store_take_lock(st);
	else
		r = tfa_store_lock(cfg, log, user, &st);
	if (r != TFA_OK || (r = tfa_store_load(st, &rec)) != TFA_OK)
		goto out;
	r = tfa_auth_check(cfg, &rec, input, now, v);
	if (r == TFA_OK && opts != NULL && opts->then != NULL)
		opts->then(opts->arg, &rec, now);
	/* the outcome counts only once it is on disk */
	if ((r == TFA_OK || r == TFA_ERR_BADCODE || r == TFA_ERR_REPLAY) &&
	    (saved = tfa_store_save(st, &rec)) != TFA_OK) {
		v->method = TFA_METHOD_NONE;
		r = saved;
	}
out:
	tfa_store_close(&st);
	tfa_record_wipe(&rec);
	return r;
}

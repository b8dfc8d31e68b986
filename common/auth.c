/*
 * The second-factor check.  Locking before reading is what makes a code
 * single-use under racing logins: the second of two identical codes reads
 * the step the first one wrote.
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

static tfa_err
check_totp(const struct tfa_config *cfg, struct tfa_record *rec,
    const char *code, int64_t now)
{
	int64_t step;
	tfa_err r;

	if (!cfg->allow_app || !rec->totp.enabled)
		return TFA_ERR_BADCODE;
	r = tfa_totp_match(&rec->totp, now, cfg->clock_tolerance, code, &step);
	if (r != TFA_OK)
		return r;
	/* RFC 6238 section 5.2: a step is good once, and so is no older one */
	if (step <= rec->last_step)
		return TFA_ERR_REPLAY;
	rec->last_step = step;
	return TFA_OK;
}

static bool
input_is_blank(const char *s)
{
	for (; s != NULL && *s != '\0'; s++)	/* NULL: nothing typed */
		if (*s != ' ' && *s != '\t' && *s != '-')
			return false;
	return true;
}

static void
count_failure(const struct tfa_config *cfg, struct tfa_record *rec,
    int64_t now)
{
	if (rec->failures < 1000000)
		rec->failures++;
	if (rec->failures >= cfg->max_failures && cfg->lockout_minutes > 0)
		rec->locked_until = now + 60 * (int64_t)cfg->lockout_minutes;
}

tfa_err
tfa_auth_code(const struct tfa_config *cfg, const struct tfa_log *log,
    const char *user, const char *input, int64_t now, struct tfa_verdict *v)
{
	struct tfa_store *st = NULL;
	struct tfa_record rec;
	char code[TFA_CODE_MAX + 1];
	enum tfa_code_kind kind;
	tfa_err r, saved;

	memset(v, 0, sizeof(*v));
	tfa_record_init(&rec);
	kind = tfa_code_parse(input, code, sizeof(code));
	if (kind == TFA_CODE_INVALID && input_is_blank(input))
		return TFA_ERR_INVAL;	/* nothing typed: not a guess */
	if ((r = tfa_store_lock(cfg, log, user, &st)) != TFA_OK)
		goto out;
	if ((r = tfa_store_load(st, &rec)) != TFA_OK)
		goto out;
	if (rec.disabled || !tfa_record_has_factor(&rec, cfg->allow_app)) {
		r = TFA_ERR_NOMETHOD;
		goto out;
	}
	if (tfa_auth_locked(&rec, now)) {
		r = TFA_ERR_LOCKED;
		goto report;
	}
	if (rec.locked_until != 0) {	/* lockout over: start afresh */
		rec.locked_until = 0;
		rec.failures = 0;
	}
	r = kind == TFA_CODE_TOTP ? check_totp(cfg, &rec, code, now) :
	    TFA_ERR_BADCODE;
	if (r == TFA_OK) {
		rec.failures = 0;
		rec.last_login = now;
		rec.last_method = v->method = TFA_METHOD_TOTP;
	} else if (r == TFA_ERR_BADCODE || r == TFA_ERR_REPLAY) {
		count_failure(cfg, &rec, now);
	} else {
		goto out;
	}
	/* the outcome counts only once it is on disk */
	if ((saved = tfa_store_save(st, &rec)) != TFA_OK)
		r = saved;
report:
	v->failures = rec.failures;
	v->locked_until = rec.locked_until;
out:
	tfa_store_close(&st);
	tfa_record_wipe(&rec);
	tfa_wipe_array(code);
	return r;
}

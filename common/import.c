/*
 * Import results: their lifetime, the last step a pam_oath entry used,
 * and applying one user's import to a record under that user's lock.
 */
#include <stdlib.h>

#include "import_int.h"

/* The largest ClockTolerance; a used step beyond it lies in the future. */
#define TOLERANCE_MAX	10
/* How far from its last login time pam_oath may have accepted a step. */
#define OATH_SEARCH_SECONDS	7200

void
tfa_import_init(struct tfa_import *imp)
{
	memset(imp, 0, sizeof(*imp));
}

void
tfa_import_free(struct tfa_import *imp)
{
	size_t i;

	for (i = 0; i < imp->n_users; i++) {
		struct tfa_import_user *u = &imp->users[i];

		if (u->keys != NULL) {
			explicit_bzero(u->keys, u->n_keys * sizeof(*u->keys));
			free(u->keys);
		}
	}
	if (imp->users != NULL) {
		explicit_bzero(imp->users, imp->n_users * sizeof(*imp->users));
		free(imp->users);
	}
	free(imp->problems);
	memset(imp, 0, sizeof(*imp));
}

static const char *const format_names[] = { "google-authenticator",
	"oath-users", "pam-u2f" };

tfa_err
tfa_import_format_parse(const char *name, enum tfa_import_format *out)
{
	size_t i;

	for (i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++)
		if (strcmp(name, format_names[i]) == 0) {
			*out = (enum tfa_import_format)i;
			return TFA_OK;
		}
	return TFA_ERR_INVAL;
}

const char *
tfa_import_format_name(enum tfa_import_format f)
{
	return (unsigned)f < 3 ? format_names[f] : "unknown";
}

/* Raise u->last_step to every step in [from, to] whose code is last_otp. */
static tfa_err
match_steps(struct tfa_import_user *u, int64_t from, int64_t to)
{
	char code[TFA_TOTP_CODE_MAX + 1];
	tfa_err r = TFA_OK;
	int64_t s;

	for (s = from < 0 ? 0 : from; s <= to; s++) {
		if ((r = tfa_totp_code(&u->totp, s, code, sizeof(code))) !=
		    TFA_OK)
			break;
		if (tfa_ct_equal(code, u->last_otp, u->totp.digits) &&
		    s > u->last_step)
			u->last_step = s;
	}
	tfa_wipe_array(code);
	return r;
}

/*
 * The last code pam_oath accepted must not work again.  It belongs to a
 * step near the last login time (within pam_oath's window, searched up to
 * two hours ahead) and, if it could still be accepted, near now.  A code
 * that matches by chance only raises the step: never a hole, at worst a
 * short wait.
 */
tfa_err
tfa_import_resolve_step(struct tfa_import_user *u, int64_t now)
{
	int64_t at = 0, reach;
	tfa_err r;

	if (u->refused || !u->totp.enabled)
		return TFA_OK;
	reach = OATH_SEARCH_SECONDS / (int64_t)u->totp.period;
	if (u->last_time > 0) {
		at = tfa_totp_step(&u->totp, u->last_time);
		if (at > u->last_step)
			u->last_step = at;
	}
	if (u->last_otp[0] == '\0')
		return TFA_OK;
	if (u->last_time > 0 && (r = match_steps(u, at, at + reach)) != TFA_OK)
		return r;
	at = tfa_totp_step(&u->totp, now);
	return match_steps(u, at - TOLERANCE_MAX, at + TOLERANCE_MAX);
}

/* What rec already has that the import would overwrite. */
static unsigned
conflicts(const struct tfa_import_user *u, const struct tfa_record *rec)
{
	unsigned c = 0;

	if (u->totp.enabled && rec->totp.enabled)
		c |= TFA_IMPORT_REPLACED_TOTP;
	if (u->n_scratch > 0 && tfa_backup_left(&rec->backup) > 0)
		c |= TFA_IMPORT_REPLACED_BACKUP;
	if (u->n_keys > 0 && rec->n_keys > 0)
		c |= TFA_IMPORT_REPLACED_KEYS;
	return c;
}

/*
 * rec->last_step counts steps of the app it was accepted with (the
 * enrolled default when that app is gone); say it in the new app's steps,
 * rounding up, so that no second already used is open again.
 */
static int64_t
last_step_in(const struct tfa_record *rec, unsigned period)
{
	unsigned old = rec->totp.enabled ? rec->totp.period : 30;

	if (rec->last_step <= 0 || old == period || old == 0)
		return rec->last_step;
	return ((rec->last_step + 1) * (int64_t)old - 1) / (int64_t)period;
}

static tfa_err
apply_totp(const struct tfa_import_user *u, struct tfa_record *rec,
    int64_t now)
{
	int64_t last = last_step_in(rec, u->totp.period);

	rec->totp = u->totp;
	rec->totp.created = now;
	rec->last_step = u->last_step > last ? u->last_step : last;
	return TFA_OK;
}

static tfa_err
apply_keys(const struct tfa_import_user *u, struct tfa_record *rec,
    int64_t now)
{
	struct tfa_key *k;
	size_t i;

	while (rec->n_keys > 0)
		if (tfa_record_remove_key(rec, rec->n_keys - 1) != TFA_OK)
			return TFA_ERR_NOMEM;
	for (i = 0; i < u->n_keys; i++) {
		uint32_t id;

		if ((k = tfa_record_add_key(rec)) == NULL)
			return TFA_ERR_NOMEM;
		id = k->id;
		*k = u->keys[i];
		k->id = id;
		k->created = now;
		k->last_used = 0;
	}
	return TFA_OK;
}

tfa_err
tfa_import_apply(const struct tfa_import_user *u, struct tfa_record *rec,
    bool replace, int64_t now, unsigned *replaced, const char **why)
{
	unsigned c = conflicts(u, rec);
	tfa_err r = TFA_OK;

	*replaced = 0;
	*why = NULL;
	if (u->refused) {
		*why = u->why;
		return TFA_ERR_INVAL;
	}
	if (c != 0 && !replace) {
		*why = (c & TFA_IMPORT_REPLACED_TOTP) ? "an authenticator app "
		    "is already set up" : (c & TFA_IMPORT_REPLACED_KEYS) ?
		    "security keys are already registered" :
		    "unused backup codes exist";
		return TFA_ERR_EXISTS;
	}
	if (u->totp.enabled && u->last_step > tfa_totp_step(&u->totp, now) +
	    TOLERANCE_MAX) {
		*why = "a used time step lies in the future: the clock of the "
		    "old system or of this one is wrong";
		return TFA_ERR_INVAL;
	}
	if (u->totp.enabled)
		r = apply_totp(u, rec, now);
	if (r == TFA_OK && u->n_scratch > 0)
		r = tfa_backup_set_numeric(&rec->backup, u->scratch,
		    u->n_scratch, now);
	if (r == TFA_OK && u->n_keys > 0)
		r = apply_keys(u, rec, now);
	if (r != TFA_OK)
		*why = tfa_strerror(r);
	else
		*replaced = c;
	return r;
}

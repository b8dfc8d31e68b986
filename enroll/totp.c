/*
 * tfa-enroll totp: set up an authenticator app, and remove it.  A new
 * secret is stored only after the user proves, with one code, that the app
 * holds it; removing one takes a current code, checked like a login.
 */
#include "auth.h"
#include "code.h"
#include "enroll.h"
#include "store.h"
#include "totp.h"

#define CONFIRM_TRIES	3
#define URI_MAX		2048	/* issuer and account, percent-encoded */
#define B32_MAX		(TFA_SECRET_MAX * 8 / 5 + 2)

/* -1 when a new app may be set up, else the exit status. */
static int
check_can_add(const struct tfa_enroll *e)
{
	struct tfa_record rec;
	tfa_err r;

	if (!e->cfg.allow_app) {
		tfa_enroll_error("the administrator does not allow "
		    "authenticator apps (AllowAuthenticatorApp=false)");
		return TFA_EXIT_FAIL;
	}
	r = tfa_store_read(&e->cfg, &e->log, e->user, &rec);
	if (r == TFA_ERR_NOENT)
		return -1;
	if (r != TFA_OK) {
		tfa_enroll_store_error(e, "cannot read your record", r);
		return TFA_EXIT_FAIL;
	}
	r = rec.totp.enabled ? TFA_ERR_EXISTS : TFA_OK;
	tfa_record_wipe(&rec);
	if (r == TFA_OK)
		return -1;
	tfa_enroll_error("an authenticator app is already set up for %s; "
	    "run 'tfa-enroll totp remove' first", e->user);
	return TFA_EXIT_FAIL;
}

/* "ABCDEFGH..." as "ABCD EFGH ...", for typing into an app by hand. */
static void
group_by_four(const char *in, char *out, size_t outlen)
{
	size_t i, o = 0;

	for (i = 0; in[i] != '\0' && o + 2 < outlen; i++) {
		if (i > 0 && i % 4 == 0)
			out[o++] = ' ';
		out[o++] = in[i];
	}
	out[o] = '\0';
}

static tfa_err
show_secret(const struct tfa_enroll *e, const struct tfa_totp *t)
{
	char issuer[256], uri[URI_MAX], b32[B32_MAX], grouped[B32_MAX * 2];
	tfa_err r;

	if ((r = tfa_config_issuer(&e->cfg, issuer, sizeof(issuer))) ||
	    (r = tfa_totp_uri(t, issuer, e->user, uri, sizeof(uri))) ||
	    (r = tfa_base32_encode(t->secret, t->secret_len, b32,
	    sizeof(b32)))) {
		tfa_enroll_error("cannot make the otpauth link (is the Issuer "
		    "or user name too long?): %s", tfa_strerror(r));
		goto out;
	}
	group_by_four(b32, grouped, sizeof(grouped));
	printf("Setting up an authenticator app for %s (issuer %s).\n\n"
	    "Link for apps that open otpauth:// links:\n%s\n\n"
	    "Scan this QR code with the app:\n\n", e->user, issuer, uri);
	if ((r = tfa_enroll_qr_print(stdout, uri)) != TFA_OK) {
		tfa_enroll_error("cannot draw the QR code: %s; use the key "
		    "below", tfa_strerror(r));
		r = TFA_OK;
	}
	printf("\nOr type this key into the app:\n    %s\n"
	    "Settings, if the app asks: time-based, %s, %u digits, "
	    "%u seconds.\n\n", grouped, tfa_enroll_hash_name(t->algo), t->digits,
	    t->period);
out:
	tfa_wipe_array(uri);
	tfa_wipe_array(b32);
	tfa_wipe_array(grouped);
	return r;
}

/* -1 with *step set when a right code was typed, else the exit status. */
static int
confirm(const struct tfa_enroll *e, const struct tfa_totp *t, int64_t *step)
{
	char line[TFA_CODE_INPUT_MAX + 1], code[TFA_CODE_MAX + 1], prompt[80];
	int tries, rc = TFA_EXIT_FAIL;
	tfa_err r;

	snprintf(prompt, sizeof(prompt), "Enter the %u-digit code from your "
	    "app to confirm: ", t->digits);
	for (tries = 1; tries <= CONFIRM_TRIES; tries++) {
		switch (tfa_enroll_read_line(prompt, line, sizeof(line))) {
		case TFA_LINE_EOF:
			tfa_enroll_error("no code given; nothing was stored");
			goto out;
		case TFA_LINE_ERROR:
			tfa_enroll_error("cannot read the code; nothing was "
			    "stored");
			goto out;
		default:	/* an over-long line is just a wrong code */
			break;
		}
		r = TFA_ERR_BADCODE;
		if (tfa_code_parse(line, code, sizeof(code)) == TFA_CODE_TOTP)
			r = tfa_totp_match(t, tfa_now(), e->cfg.clock_tolerance,
			    code, step);
		tfa_wipe_array(line);
		tfa_wipe_array(code);
		if (r == TFA_OK) {
			rc = -1;
			goto out;
		}
		if (r != TFA_ERR_BADCODE) {
			tfa_enroll_error("cannot check the code: %s; nothing "
			    "was stored", tfa_strerror(r));
			goto out;
		}
		if (tries < CONFIRM_TRIES)
			printf("That code is not right (%d %s left).  Type the "
			    "newest code, and check\nthat the phone's clock is "
			    "right.\n", CONFIRM_TRIES - tries,
			    CONFIRM_TRIES - tries == 1 ? "try" : "tries");
	}
	tfa_enroll_error("wrong code %d times; nothing was stored.  Run "
	    "'tfa-enroll totp' to start again.", CONFIRM_TRIES);
out:
	tfa_wipe_array(line);
	tfa_wipe_array(code);
	return rc;
}

/* Under the lock: store t unless another app got there first. */
static tfa_err
store_totp(const struct tfa_enroll *e, const struct tfa_totp *t,
    int64_t step)
{
	struct tfa_store *st = NULL;
	struct tfa_record rec;
	tfa_err r;

	tfa_record_init(&rec);
	if ((r = tfa_store_lock(&e->cfg, &e->log, e->user, &st)) != TFA_OK)
		goto out;
	r = tfa_store_load(st, &rec);
	if (r == TFA_ERR_NOENT)
		tfa_record_init(&rec);
	else if (r != TFA_OK)
		goto out;
	if (rec.totp.enabled) {
		r = TFA_ERR_EXISTS;
		goto out;
	}
	rec.totp = *t;
	/* the code just typed must not log anyone in again (RFC 6238 5.2) */
	if (rec.last_step < step)
		rec.last_step = step;
	r = tfa_store_save(st, &rec);
out:
	tfa_store_close(&st);
	tfa_record_wipe(&rec);
	return r;
}

int
tfa_enroll_totp_add(struct tfa_enroll *e)
{
	struct tfa_totp t;
	int64_t step = 0;
	tfa_err r;
	int rc;

	memset(&t, 0, sizeof(t));
	if ((rc = check_can_add(e)) >= 0)
		goto out;
	rc = TFA_EXIT_FAIL;
	if ((r = tfa_totp_generate(&t, tfa_now())) != TFA_OK) {
		tfa_enroll_error("cannot make a secret: %s", tfa_strerror(r));
		goto out;
	}
	if (show_secret(e, &t) != TFA_OK || (rc = confirm(e, &t, &step)) >= 0)
		goto out;
	rc = TFA_EXIT_FAIL;
	if ((r = store_totp(e, &t, step)) == TFA_ERR_EXISTS) {
		tfa_enroll_error("an authenticator app was set up for %s "
		    "meanwhile; nothing was stored", e->user);
		goto out;
	} else if (r != TFA_OK) {
		tfa_enroll_store_error(e, "cannot store the authenticator app",
		    r);
		goto out;
	}
	tfa_log(&e->log, LOG_NOTICE, "enrolled totp for user %s",
	    e->user_log);
	printf("The authenticator app is set up for %s.\nFrom now on, "
	    "logins through pam_tfa ask for \"Verification code: \";\ntype "
	    "the code the app shows at that moment.\n", e->user);
	rc = TFA_EXIT_OK;
out:
	tfa_wipe_struct(&t);
	return rc;
}

/* -1 and *snap when there is an app whose code can be checked now. */
static int
check_can_remove(const struct tfa_enroll *e, struct tfa_record *snap)
{
	char date[64];
	tfa_err r;

	r = tfa_store_read(&e->cfg, &e->log, e->user, snap);
	if (r != TFA_OK && r != TFA_ERR_NOENT) {
		tfa_enroll_store_error(e, "cannot read your record", r);
		return TFA_EXIT_FAIL;
	}
	if (r == TFA_ERR_NOENT || !snap->totp.enabled)
		tfa_enroll_error("no authenticator app is set up for %s; "
		    "nothing to remove", e->user);
	else if (!e->cfg.allow_app || snap->disabled)
		tfa_enroll_error("the second factor of %s is turned off by "
		    "the administrator, so no code can be checked; ask an "
		    "administrator to remove the app", e->user);
	else if (tfa_auth_locked(snap, tfa_now()))
		tfa_enroll_error("too many wrong codes; locked until %s",
		    tfa_enroll_date(snap->locked_until, date, sizeof(date)));
	else
		return -1;
	return TFA_EXIT_FAIL;
}

static void
explain_refusal(const struct tfa_enroll *e, tfa_err r,
    const struct tfa_verdict *v)
{
	char date[64];

	switch (r) {
	case TFA_ERR_BADCODE:
		tfa_enroll_error("wrong code; nothing was changed");
		break;
	case TFA_ERR_REPLAY:
		tfa_enroll_error("that code was already used; wait for the "
		    "next code from the app and try again");
		break;
	case TFA_ERR_LOCKED:
		break;		/* said below */
	case TFA_ERR_NOMETHOD:
	case TFA_ERR_NOENT:
		tfa_enroll_error("no authenticator app can be checked for %s "
		    "now; nothing was changed", e->user);
		break;
	default:
		tfa_enroll_store_error(e, "cannot check the code", r);
		return;
	}
	if (v->locked_until != 0)
		tfa_enroll_error("too many wrong codes; locked until %s",
		    tfa_enroll_date(v->locked_until, date, sizeof(date)));
}

/*
 * Under the lock: remove the app the code was checked against.  If another
 * tfa-enroll replaced it since, that one was not proven; leave it alone.
 */
static tfa_err
drop_totp(const struct tfa_enroll *e, const struct tfa_totp *checked)
{
	struct tfa_store *st = NULL;
	struct tfa_record rec;
	tfa_err r;

	tfa_record_init(&rec);
	if ((r = tfa_store_lock(&e->cfg, &e->log, e->user, &st)) != TFA_OK ||
	    (r = tfa_store_load(st, &rec)) != TFA_OK)
		goto out;
	if (!rec.totp.enabled) {
		r = TFA_ERR_NOENT;
		goto out;
	}
	if (rec.totp.secret_len != checked->secret_len ||
	    rec.totp.created != checked->created ||
	    !tfa_ct_equal(rec.totp.secret, checked->secret,
	    checked->secret_len)) {
		r = TFA_ERR_EXISTS;
		goto out;
	}
	/* last_step and the failure state stay: they guard the next app */
	tfa_wipe_struct(&rec.totp);
	r = tfa_store_save(st, &rec);
out:
	tfa_store_close(&st);
	tfa_record_wipe(&rec);
	return r;
}

/* -1 when a code was read into line, else the exit status. */
static int
read_current_code(char *line, size_t len)
{
	switch (tfa_enroll_read_line("Current verification code: ", line,
	    len)) {
	case TFA_LINE_OK:
		if (line[0] != '\0')
			return -1;
		/* FALLTHROUGH */
	case TFA_LINE_EOF:
		tfa_enroll_error("no code given; nothing was changed");
		break;
	case TFA_LINE_LONG:
		tfa_enroll_error("that is not a code; nothing was changed");
		break;
	case TFA_LINE_ERROR:
		tfa_enroll_error("cannot read the code; nothing was changed");
		break;
	}
	return TFA_EXIT_FAIL;
}

int
tfa_enroll_totp_remove(struct tfa_enroll *e)
{
	char line[TFA_CODE_INPUT_MAX + 1];
	struct tfa_record snap;
	struct tfa_verdict v;
	tfa_err r;
	int rc;

	tfa_record_init(&snap);
	if ((rc = check_can_remove(e, &snap)) >= 0 ||
	    (rc = read_current_code(line, sizeof(line))) >= 0)
		goto out;
	rc = TFA_EXIT_FAIL;
	/* checked like a login: counts failures, honours lockout and replay */
	r = tfa_auth_code(&e->cfg, &e->log, e->user, line, tfa_now(), &v);
	tfa_wipe_array(line);
	if (r != TFA_OK) {
		tfa_log(&e->log, LOG_NOTICE, "totp removal for user %s "
		    "refused: %s", e->user_log, tfa_strerror(r));
		explain_refusal(e, r, &v);
		goto out;
	}
	if ((r = drop_totp(e, &snap.totp)) == TFA_ERR_NOENT) {
		printf("The authenticator app was already removed.\n");
		rc = TFA_EXIT_OK;
		goto out;
	} else if (r == TFA_ERR_EXISTS) {
		tfa_enroll_error("the authenticator app was replaced while "
		    "this ran; nothing was removed");
		goto out;
	} else if (r != TFA_OK) {
		tfa_enroll_store_error(e, "cannot remove the app", r);
		goto out;
	}
	tfa_log(&e->log, LOG_NOTICE, "removed totp for user %s",
	    e->user_log);
	printf("The authenticator app is removed for %s.\nLogins no longer "
	    "ask for its codes.  To set one up again: tfa-enroll totp\n",
	    e->user);
	rc = TFA_EXIT_OK;
out:
	tfa_wipe_array(line);
	tfa_record_wipe(&snap);
	return rc;
}

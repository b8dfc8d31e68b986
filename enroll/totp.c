/*
 * tfa-enroll totp: set up an authenticator app, and remove it.  A new
 * secret is stored only after the user proves, with one code, that the app
 * holds it; removing one takes a current second factor, checked like a
 * login.  The
 * store is reached through the TOTP_ADD and TOTP_REMOVE operations (ops.c),
 * which check both codes themselves.
 */
#include "auth.h"
#include "code.h"
#include "enroll.h"
#include "store.h"
#include "totp.h"

#define CONFIRM_TRIES	3
#define URI_MAX		2048	/* issuer and account, percent-encoded */
#define B32_MAX		(TFA_SECRET_MAX * 8 / 5 + 2)

static void
say_app_not_allowed(void)
{
	tfa_enroll_error("the administrator does not allow authenticator apps "
	    "(AllowAuthenticatorApp=false)");
}

/* -1 when a new app may be set up (*v: the record now), else the status. */
static int
check_can_add(const struct tfa_enroll *e, struct tfa_op_view *v)
{
	int rc;

	if (!e->cfg.allow_app) {
		say_app_not_allowed();
		return TFA_EXIT_FAIL;
	}
	if ((rc = tfa_enroll_view(e, v)) >= 0)
		return rc;
	if (!v->totp)
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

/*
 * Offer the app, one typed code and proof's current second factor for
 * storing; ops.c checks both.
 */
static tfa_err
offer(const struct tfa_enroll *e, const struct tfa_totp *t, const char *code,
    const struct tfa_op_req *proof, struct tfa_op_res *res)
{
	struct tfa_op_req req;

	memset(&req, 0, sizeof(req));
	req.op = TFA_OP_TOTP_ADD;
	req.secret_len = (uint32_t)t->secret_len;
	memcpy(req.secret, t->secret, t->secret_len);
	req.algo = (uint32_t)t->algo;
	req.digits = t->digits;
	req.period = t->period;
	memcpy(req.proof, proof->proof, sizeof(req.proof));
	req.touch = proof->touch;
	if (tfa_strlcpy(req.code, code, sizeof(req.code)) != TFA_OK) {
		explicit_bzero(&req, sizeof(req));
		memset(res, 0, sizeof(*res));
		res->err = TFA_ERR_INVAL;
		return TFA_ERR_INVAL;
	}
	return tfa_enroll_op(e, &req, res);	/* wipes req */
}

static void
explain_add_refusal(const struct tfa_enroll *e, const struct tfa_op_res *res,
    bool touch)
{
	switch ((tfa_err)res->err) {
	case TFA_ERR_EXISTS:
		tfa_enroll_error("an authenticator app was set up for %s "
		    "meanwhile; nothing was stored", e->user);
		break;
	case TFA_ERR_PERM:
		say_app_not_allowed();
		break;
	default:
		tfa_enroll_explain_proof(e, res, touch);
		break;
	}
}

/*
 * Up to three codes from the app; the first right one stores it.  A touch
 * proves one request only (its challenge is spent), so each try after a
 * wrong code takes a new one.  -1 when stored, else the exit status.
 */
static int
confirm(const struct tfa_enroll *e, const struct tfa_op_view *v,
    const struct tfa_totp *t, struct tfa_op_req *proof)
{
	char line[TFA_CODE_INPUT_MAX + 1], prompt[80];
	struct tfa_op_res res;
	int tries, rc = TFA_EXIT_FAIL;
	tfa_err r;

	memset(&res, 0, sizeof(res));
	snprintf(prompt, sizeof(prompt), "Enter the %u-digit code from your "
	    "app to confirm: ", t->digits);
	for (tries = 1; tries <= CONFIRM_TRIES; tries++) {
		if (tries > 1 && proof->touch.authdata_len != 0 &&
		    tfa_enroll_get_proof(e, v, NULL, proof) >= 0)
			goto out;
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
		r = offer(e, t, line, proof, &res);
		tfa_wipe_array(line);
		if (r == TFA_OK) {
			rc = -1;
			goto out;
		}
		if (r != TFA_ERR_BADCODE || res.check != TFA_CHECK_CONFIRM) {
			explain_add_refusal(e, &res,
			    proof->touch.authdata_len != 0);
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
	explicit_bzero(&res, sizeof(res));
	return rc;
}

/*
 * A user who already has a second factor (a key) proves it is them before
 * adding an app, like any change; -1 with proof filled (or empty when none
 * is needed), else the exit status.
 */
static int
read_add_proof(const struct tfa_enroll *e, const struct tfa_op_view *v,
    struct tfa_op_req *proof)
{
	if (!v->has_factor || e->admin[0] != '\0')
		return -1;
	printf("%s already has a second factor; confirm it is you first.\n",
	    e->user);
	return tfa_enroll_get_proof(e, v, NULL, proof);
}

int
tfa_enroll_totp_add(struct tfa_enroll *e)
{
	struct tfa_op_req proof;
	struct tfa_op_view v;
	struct tfa_totp t;
	tfa_err r;
	int rc;

	memset(&t, 0, sizeof(t));
	memset(&proof, 0, sizeof(proof));
	if ((rc = check_can_add(e, &v)) >= 0 ||
	    (rc = read_add_proof(e, &v, &proof)) >= 0)
		goto out;
	rc = TFA_EXIT_FAIL;
	if ((r = tfa_totp_generate(&t, tfa_now())) != TFA_OK) {
		tfa_enroll_error("cannot make a secret: %s", tfa_strerror(r));
		goto out;
	}
	if (show_secret(e, &t) != TFA_OK ||
	    (rc = confirm(e, &v, &t, &proof)) >= 0)
		goto out;
	printf("The authenticator app is set up for %s.\nFrom now on, "
	    "logins through pam_tfa ask for \"Verification code: \";\ntype "
	    "the code the app shows at that moment.\n", e->user);
	rc = TFA_EXIT_OK;
out:
	tfa_wipe_struct(&proof);
	tfa_wipe_struct(&t);
	return rc;
}

/*
 * -1 when there is an app that can be removed now (*v: the record now),
 * else the status.
 */
static int
check_can_remove(const struct tfa_enroll *e, struct tfa_op_view *v)
{
	char date[64];
	int rc;

	if ((rc = tfa_enroll_view(e, v)) >= 0)
		return rc;
	if (!v->totp)
		tfa_enroll_error("no authenticator app is set up for %s; "
		    "nothing to remove", e->user);
	else if (e->admin[0] != '\0')
		return -1;		/* root on --user proves nothing */
	else if (!v->has_factor || v->disabled)
		tfa_enroll_error("the second factor of %s is turned off by "
		    "the administrator, so no code can be checked; ask an "
		    "administrator to remove the app", e->user);
	else if (v->locked_until != 0 && tfa_now() < v->locked_until)
		tfa_enroll_error("too many wrong codes; locked until %s",
		    tfa_enroll_date(v->locked_until, date, sizeof(date)));
	else
		return -1;
	return TFA_EXIT_FAIL;
}

/*
 * The proof is whatever second factor the user can give now: a code from
 * the app or a backup code, or, when the administrator turned the app off
 * (AllowAuthenticatorApp=false) and no backup code is left, a touch of a
 * registered key; a code then could never pass.
 */
int
tfa_enroll_totp_remove(struct tfa_enroll *e)
{
	struct tfa_op_req req;
	struct tfa_op_res res;
	struct tfa_op_view v;
	bool touch;
	tfa_err r;
	int rc;

	memset(&req, 0, sizeof(req));
	memset(&res, 0, sizeof(res));
	/* checked like a login, under the lock of the removal */
	if ((rc = check_can_remove(e, &v)) >= 0 ||
	    (rc = tfa_enroll_get_proof(e, &v, NULL, &req)) >= 0)
		goto out;
	req.op = TFA_OP_TOTP_REMOVE;
	touch = req.touch.authdata_len != 0;
	rc = TFA_EXIT_FAIL;
	if ((r = tfa_enroll_op(e, &req, &res)) == TFA_ERR_NOENT) {
		printf("The authenticator app was already removed.\n");
		rc = TFA_EXIT_OK;
		goto out;
	} else if (r != TFA_OK) {
		tfa_enroll_explain_proof(e, &res, touch);
		goto out;
	}
	printf("The authenticator app is removed for %s.\nLogins no longer "
	    "ask for its codes.  To set one up again: tfa-enroll totp\n",
	    e->user);
	rc = TFA_EXIT_OK;
out:
	explicit_bzero(&req, sizeof(req));
	explicit_bzero(&res, sizeof(res));
	return rc;
}

/*
 * What the commands that change a record share: the summary of the record
 * before anything is asked, the current second factor (a typed code or a
 * key's touch), and the words for a refusal.
 */
#include "enroll.h"

int
tfa_enroll_view(const struct tfa_enroll *e, struct tfa_op_view *v)
{
	struct tfa_op_req req;
	struct tfa_op_res res;
	tfa_err r;

	memset(&req, 0, sizeof(req));
	req.op = TFA_OP_VIEW;
	if ((r = tfa_enroll_op(e, &req, &res)) == TFA_OK) {
		*v = res.u.view;
		return -1;
	}
	if (r == TFA_ERR_CONFIG || r == TFA_ERR_USER)
		tfa_enroll_explain(e, &res);
	else
		tfa_enroll_store_error(e, "cannot read the record", r);
	return TFA_EXIT_FAIL;
}

int
tfa_enroll_read_proof(char *line, size_t len)
{
	switch (tfa_enroll_read_line("Current verification code or backup "
	    "code: ", line, len)) {
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

/*
 * A code only when the user can have one: an app or backup codes the
 * policy allows.  Anything else would be a try they cannot win, counted
 * towards the lockout of their keys as well.
 */
int
tfa_enroll_get_proof(const struct tfa_enroll *e, const struct tfa_op_view *v,
    const uint8_t *cdh, struct tfa_op_req *req)
{
	bool codes = (e->cfg.allow_app && v->totp) ||
	    (e->cfg.allow_backup && v->backup_left > 0);
	uint8_t own[TFA_FIDO_CDH_LEN];
	int rc;

	explicit_bzero(req->proof, sizeof(req->proof));
	explicit_bzero(&req->touch, sizeof(req->touch));
	if (e->admin[0] != '\0' || !v->has_factor)
		return -1;
	if (codes)
		return tfa_enroll_read_proof(req->proof, sizeof(req->proof));
	if (cdh == NULL) {
		if ((rc = tfa_enroll_key_challenge(e, own)) >= 0)
			return rc;
		cdh = own;
	}
	rc = tfa_enroll_key_touch(e, v, cdh, &req->touch);
	tfa_wipe_array(own);
	return rc;
}

/*
 * A refused proof in the words of what was sent: the monitor answers a
 * wrong code and a refused touch alike (TFA_CHECK_PROOF), and only the
 * request, which the client made, says which it was.
 */
static void
explain_proof(const struct tfa_op_res *res, bool touch)
{
	char date[64];

	switch ((tfa_err)res->err) {
	case TFA_ERR_BADCODE:
		tfa_enroll_error("%s; nothing was changed", touch ?
		    "the security key's touch was refused" : "wrong code");
		break;
	case TFA_ERR_REPLAY:
		tfa_enroll_error("that code was already used; wait for the "
		    "next code from the app and try again");
		break;
	case TFA_ERR_INVAL:
		tfa_enroll_error("%s", touch ? "the security key's touch could "
		    "not be checked; nothing was changed; try again" :
		    "no code given; nothing was changed");
		break;
	default:
		break;
	}
	if (res->locked_until != 0)
		tfa_enroll_error("too many %s; locked until %s", touch ?
		    "failed tries" : "wrong codes",
		    tfa_enroll_date(res->locked_until, date, sizeof(date)));
}

void
tfa_enroll_explain_proof(const struct tfa_enroll *e,
    const struct tfa_op_res *res, bool touch)
{
	tfa_err r = (tfa_err)res->err;

	if (res->check == TFA_CHECK_PROOF && r != TFA_ERR_LOCKED &&
	    r != TFA_ERR_NOMETHOD) {
		explain_proof(res, touch);
		return;
	}
	switch (r) {
	case TFA_ERR_LOCKED:
		explain_proof(res, touch);
		break;
	case TFA_ERR_NOMETHOD:
		tfa_enroll_error("no second factor of %s can be checked now "
		    "(turned off by the administrator?); nothing was changed; "
		    "ask an administrator", e->user);
		break;
	case TFA_ERR_PERM:
		tfa_enroll_error("not allowed by the administrator's settings; "
		    "nothing was changed");
		break;
	case TFA_ERR_CONFIG:
		tfa_enroll_error("the system configuration %s has an error; "
		    "ask an administrator (the system log has the details)",
		    TFA_CONFIG_FILE);
		break;
	case TFA_ERR_USER:
		tfa_enroll_error("the user name cannot have a second factor: "
		    "%s", tfa_strerror(r));
		break;
	default:
		tfa_enroll_store_error(e, "cannot change the record", r);
		break;
	}
}

void
tfa_enroll_explain(const struct tfa_enroll *e, const struct tfa_op_res *res)
{
	tfa_enroll_explain_proof(e, res, false);
}

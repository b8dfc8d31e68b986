/*
 * tfa-enroll backup-codes: a new set of ten single-use codes, shown once.
 * The codes are made and hashed by the BACKUP_NEW operation (ops.c), which
 * also checks the user's proof; here they are only shown, then wiped.
 */
#include "enroll.h"

#define COLUMNS_GAP	"      "

/* -1 when new codes can be made now, else the exit status. */
static int
check_can_make(const struct tfa_enroll *e, struct tfa_op_view *v)
{
	char date[64];
	int rc;

	if (!e->cfg.allow_backup) {
		tfa_enroll_error("the administrator does not allow backup codes "
		    "(AllowBackupCodes=false)");
		return TFA_EXIT_FAIL;
	}
	if ((rc = tfa_enroll_view(e, v)) >= 0)
		return rc;
	if (!v->has_factor && v->totp && !e->cfg.allow_app) {
		tfa_enroll_error("backup codes stand in for an authenticator "
		    "app, and the administrator does not allow those "
		    "(AllowAuthenticatorApp=false)");
		return TFA_EXIT_FAIL;
	}
	if (!v->has_factor) {
		tfa_enroll_error("backup codes stand in for an authenticator "
		    "app; set up an authenticator app first: tfa-enroll totp");
		return TFA_EXIT_FAIL;
	}
	if (e->admin[0] == '\0' && v->locked_until != 0 &&
	    tfa_now() < v->locked_until) {
		tfa_enroll_error("too many wrong codes; locked until %s",
		    tfa_enroll_date(v->locked_until, date, sizeof(date)));
		return TFA_EXIT_FAIL;
	}
	return -1;
}

static void
explain_refusal(const struct tfa_enroll *e, const struct tfa_op_res *res,
    bool touch)
{
	switch ((tfa_err)res->err) {
	case TFA_ERR_PERM:
		tfa_enroll_error("the administrator does not allow backup codes "
		    "(AllowBackupCodes=false)");
		break;
	case TFA_ERR_NOMETHOD:
		if (res->check != TFA_CHECK_PROOF) {
			tfa_enroll_error("set up an authenticator app first: "
			    "tfa-enroll totp");
			break;
		}
		/* FALLTHROUGH */
	default:
		tfa_enroll_explain_proof(e, res, touch);
		break;
	}
}

/* Numbered, in two columns: 1-5 on the left, 6-10 on the right. */
static void
show_codes(const struct tfa_enroll *e,
    const char codes[TFA_BACKUP_COUNT][TFA_BACKUP_SHOWN], bool replaced)
{
	const int half = (TFA_BACKUP_COUNT + 1) / 2;
	int i;

	printf("New backup codes for %s:\n\n", e->user);
	for (i = 0; i < half; i++) {
		printf("  %2d. %s", i + 1, codes[i]);
		if (i + half < TFA_BACKUP_COUNT)
			printf(COLUMNS_GAP "%2d. %s", i + half + 1,
			    codes[i + half]);
		putchar('\n');
	}
	printf("\nStore these codes somewhere safe now (print them, or keep "
	    "them in a\npassword manager): they are not shown again.  Each "
	    "works once, at the\n\"Verification code: \" prompt, in place of "
	    "a code from the app.\n");
	if (replaced)
		printf("The backup codes made before no longer work.\n");
}

int
tfa_enroll_backup_codes(struct tfa_enroll *e)
{
	struct tfa_op_req req;
	struct tfa_op_res res;
	struct tfa_op_view v;
	bool touch;
	int rc;

	memset(&req, 0, sizeof(req));
	memset(&res, 0, sizeof(res));
	req.op = TFA_OP_BACKUP_NEW;
	if ((rc = check_can_make(e, &v)) >= 0)
		goto out;
	if (e->admin[0] == '\0' && v.backup)
		printf("New codes replace the %u backup code%s left.\n",
		    v.backup_left, v.backup_left == 1 ? "" : "s");
	if ((rc = tfa_enroll_get_proof(e, &v, NULL, &req)) >= 0)
		goto out;
	touch = req.touch.authdata_len != 0;
	rc = TFA_EXIT_FAIL;
	if (tfa_enroll_op(e, &req, &res) != TFA_OK) {
		explain_refusal(e, &res, touch);
		goto out;
	}
	show_codes(e, res.u.codes, v.backup);
	rc = TFA_EXIT_OK;
out:
	explicit_bzero(&req, sizeof(req));
	explicit_bzero(&res, sizeof(res));
	return rc;
}

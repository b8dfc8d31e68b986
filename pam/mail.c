/*
 * Mail mode: the glue for clients that send one secret per connection
 * (Dovecot, Postfix through Dovecot SASL or saslauthd).  The stack is
 *
 *   auth [success=done ignore=ignore default=die] pam_tfa.so mode=split
 *   auth [success=ok default=die] pam_unix.so use_first_pass
 *   auth required pam_tfa.so mode=verify
 *
 * split accepts an app password outright, or takes the second factor off
 * the end of the secret, hands the password on as PAM_AUTHTOK and keeps
 * the factor in pam_set_data; it counts nothing.  verify runs only when
 * the password module accepted the password, and only there is the factor
 * checked and counted, so a stranger who knows a user name cannot lock
 * that user out.
 */
#include <stdlib.h>
#include <strings.h>
#include <syslog.h>

#include <security/pam_ext.h>

#include "auth.h"
#include "mail.h"
#include "pam_tfa.h"

#define SPLIT_DATA "pam_tfa_split"

/* What split leaves for verify; wiped by libpam's cleanup. */
struct split {
	char user[TFA_USER_MAX + 1];
	bool skipped;			/* no second factor to take off */
	enum tfa_factor_kind kind;
	char factor[TFA_FACTOR_MAX];
};

static void
split_cleanup(pam_handle_t *pamh, void *data, int status)
{
	(void)pamh;
	(void)status;
	if (data != NULL) {
		explicit_bzero(data, sizeof(struct split));
		free(data);
	}
}

int
tfa_pam_glue_arg(struct ctx *c, const char *arg)
{
	if (strncmp(arg, "mode=", 5) == 0) {
		arg += 5;
		if (strcmp(arg, "split") == 0)
			c->mode = TFA_PAM_SPLIT;
		else if (strcmp(arg, "verify") == 0)
			c->mode = TFA_PAM_VERIFY;
		else if (strcmp(arg, "interactive") == 0)
			c->mode = TFA_PAM_INTERACTIVE;
		else
			goto bad;
		return 1;
	}
	if (strncmp(arg, "service=", 8) == 0) {
		arg += 8;
		if (*arg == '\0' || tfa_apppw_services_check(arg) != TFA_OK ||
		    strchr(arg, ',') != NULL ||
		    tfa_strlcpy(c->class, arg, sizeof(c->class)) != TFA_OK)
			goto bad;
		return 1;
	}
	return 0;
bad:
	pam_syslog(c->pamh, LOG_ERR, "module argument \"%.64s\": bad value; "
	    "refusing all logins", arg);
	return -1;
}

bool
tfa_pam_is_dovecot(pam_handle_t *pamh)
{
	const void *tty = NULL;

	return pam_get_item(pamh, PAM_TTY, &tty) == PAM_SUCCESS &&
	    tty != NULL && strcmp(tty, "dovecot") == 0;
}

static struct tfa_mail_login
login_of(struct ctx *c)
{
	struct tfa_mail_login l = { c->user, tfa_pam_class(c), c->rhost,
	    tfa_now() };

	return l;
}

static int
apppw_outcome(struct ctx *c, tfa_err r)
{
	switch (r) {
	case TFA_OK:
		tfa_pam_report(c, LOG_INFO, TFA_METHOD_APPPW, "success");
		return PAM_SUCCESS;
	case TFA_ERR_EXPIRED:
		tfa_pam_report(c, LOG_NOTICE, TFA_METHOD_APPPW, "expired");
		return PAM_AUTH_ERR;
	case TFA_ERR_PERM:
		tfa_pam_report(c, LOG_NOTICE, TFA_METHOD_APPPW,
		    "not-allowed-for-service");
		return PAM_AUTH_ERR;
	default:
		tfa_pam_report(c, LOG_ERR, TFA_METHOD_APPPW, "error");
		return PAM_AUTH_ERR;
	}
}

/* Hand the password part on; everything read from tok is copied first. */
static int
pass_on(struct ctx *c, const char *tok, size_t pwlen, struct split *d)
{
	char *pw;
	int pr;

	if ((pw = malloc(pwlen + 1)) == NULL)
		return PAM_BUF_ERR;
	memcpy(pw, tok, pwlen);
	pw[pwlen] = '\0';
	/* tok is libpam's copy: it is wiped and freed by this call */
	pr = pam_set_item(c->pamh, PAM_AUTHTOK, pw);
	explicit_bzero(pw, pwlen);
	free(pw);
	if (pr != PAM_SUCCESS)
		return pr;
	return pam_set_data(c->pamh, SPLIT_DATA, d, split_cleanup);
}

static int
split_secret(struct ctx *c, const struct tfa_record *rec, const char *tok)
{
	struct split *d;
	size_t pwlen = 0;
	unsigned digits;
	int pr;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return PAM_BUF_ERR;
	memcpy(d->user, c->user, strlen(c->user) + 1);	/* checked length */
	digits = c->cfg.allow_app && rec->totp.enabled ? rec->totp.digits : 0;
	d->kind = tfa_mail_split(tok, digits, c->cfg.allow_backup &&
	    rec->backup.enabled, &pwlen, d->factor);
	if (d->kind == TFA_FACTOR_NONE) {
		/* the password module sees it whole; verify refuses */
		if ((pr = pam_set_data(c->pamh, SPLIT_DATA, d,
		    split_cleanup)) != PAM_SUCCESS)
			split_cleanup(c->pamh, d, 0);
		return pr == PAM_SUCCESS ? PAM_IGNORE : pr;
	}
	if ((pr = pass_on(c, tok, pwlen, d)) != PAM_SUCCESS) {
		split_cleanup(c->pamh, d, 0);
		return pr;
	}
	return PAM_IGNORE;
}

/*
 * The user had no second factor when split ran: say so to verify, which
 * otherwise could not tell an admin's change since from a stack without
 * split.  Without the note verify only blames the stack, so a failure to
 * leave it does not fail this login.
 */
static void
split_skip(struct ctx *c)
{
	struct split *d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return;
	memcpy(d->user, c->user, strlen(c->user) + 1);	/* checked length */
	d->skipped = true;
	if (pam_set_data(c->pamh, SPLIT_DATA, d, split_cleanup) !=
	    PAM_SUCCESS)
		split_cleanup(c->pamh, d, 0);
}

static int
split(struct ctx *c)
{
	struct tfa_record rec;
	struct tfa_mail_login l;
	const char *tok = NULL;
	uint32_t id;
	tfa_err r;
	int ret = PAM_IGNORE, pr;

	/* a leftover from an earlier pam_authenticate on this handle */
	(void)pam_set_data(c->pamh, SPLIT_DATA, NULL, NULL);
	/* asked for everyone: "use_first_pass" after us finds it set */
	pr = pam_get_authtok(c->pamh, PAM_AUTHTOK, &tok, NULL);
	if (pr != PAM_SUCCESS || tok == NULL) {
		tfa_pam_report(c, LOG_NOTICE, TFA_METHOD_NONE, "no-answer");
		return pr == PAM_SUCCESS ? PAM_AUTH_ERR : pr;
	}
	if ((r = tfa_pam_read(c, &rec, NULL)) == TFA_ERR_NOENT) {
		split_skip(c);
		return PAM_IGNORE;	/* verify decides (Enforce) */
	}
	if (r != TFA_OK)
		return PAM_AUTH_ERR;
	if (rec.disabled || !tfa_auth_enrolled(&c->cfg, &rec)) {
		split_skip(c);
		goto out;
	}
	l = login_of(c);
	r = tfa_mail_apppw(&c->cfg, &c->log, &l, &rec, tok, &id);
	if (r != TFA_ERR_BADCODE)
		ret = apppw_outcome(c, r);
	else
		ret = split_secret(c, &rec, tok);
out:
	tfa_record_wipe(&rec);
	return ret;
}

static int
not_enrolled(struct ctx *c, const char *why)
{
	if (c->cfg.enforce && strcmp(why, "not-enrolled") == 0) {
		tfa_pam_report(c, LOG_NOTICE, TFA_METHOD_NONE,
		    "denied-not-enrolled");
		return PAM_AUTH_ERR;
	}
	tfa_pam_report(c, LOG_INFO, TFA_METHOD_NONE, why);
	return PAM_IGNORE;
}

static int
verify_outcome(struct ctx *c, tfa_err r, const struct tfa_verdict *v)
{
	switch (r) {
	case TFA_OK:
		tfa_pam_report(c, LOG_INFO, v->method, "success");
		return PAM_SUCCESS;
	case TFA_ERR_BADCODE:
	case TFA_ERR_REPLAY:
		tfa_pam_report(c, LOG_NOTICE, TFA_METHOD_NONE,
		    r == TFA_ERR_REPLAY ? "replayed-code" : "wrong-code");
		return PAM_AUTH_ERR;
	case TFA_ERR_EXPIRED:
		/* a backup code logs a client in once; this is its resend */
		if (v->method == TFA_METHOD_BACKUP)
			tfa_pam_report(c, LOG_NOTICE, TFA_METHOD_BACKUP,
			    "spent-backup-code");
		else
			tfa_pam_report(c, LOG_NOTICE, TFA_METHOD_DEVICE,
			    "expired");
		return PAM_AUTH_ERR;
	case TFA_ERR_ELSEWHERE:
		tfa_pam_report(c, LOG_NOTICE, TFA_METHOD_DEVICE,
		    "remembered-for-another-service");
		return PAM_AUTH_ERR;
	case TFA_ERR_LOCKED:
		tfa_pam_report(c, LOG_NOTICE, TFA_METHOD_NONE, "locked-out");
		return PAM_MAXTRIES;
	case TFA_ERR_NOENT:
	case TFA_ERR_NOMETHOD:
		tfa_pam_report(c, LOG_NOTICE, TFA_METHOD_NONE,
		    "changed-during-login");
		return PAM_AUTH_ERR;
	default:
		tfa_pam_report(c, LOG_ERR, TFA_METHOD_NONE, "error");
		return PAM_AUTH_ERR;
	}
}

/* The factor split kept for this user, or NULL (and why, logged). */
static const struct split *
split_data(struct ctx *c)
{
	const void *d = NULL;

	if (pam_get_data(c->pamh, SPLIT_DATA, &d) != PAM_SUCCESS ||
	    d == NULL) {
		pam_syslog(c->pamh, LOG_ERR, "mode=verify found no mode=split "
		    "before it in the stack; see pam_tfa(8)");
		tfa_pam_report(c, LOG_NOTICE, TFA_METHOD_NONE, "error");
		return NULL;
	}
	if (strcmp(((const struct split *)d)->user, c->user) != 0) {
		tfa_pam_report(c, LOG_NOTICE, TFA_METHOD_NONE, "user-changed");
		return NULL;
	}
	if (((const struct split *)d)->skipped) {
		/* enrolled or enabled by an admin since split: try again */
		tfa_pam_report(c, LOG_NOTICE, TFA_METHOD_NONE,
		    "changed-during-login");
		return NULL;
	}
	if (((const struct split *)d)->kind == TFA_FACTOR_NONE) {
		tfa_pam_report(c, LOG_NOTICE, TFA_METHOD_NONE, "no-code");
		return NULL;
	}
	return d;
}

static int
verify(struct ctx *c)
{
	const struct split *d;
	struct tfa_record rec;
	struct tfa_mail_login l;
	struct tfa_verdict v;
	tfa_err r;
	int ret;

	if ((r = tfa_pam_read(c, &rec, NULL)) == TFA_ERR_NOENT)
		return not_enrolled(c, "not-enrolled");
	if (r != TFA_OK)
		return PAM_AUTH_ERR;
	if (rec.disabled)
		ret = not_enrolled(c, "disabled-by-admin");
	else if (!tfa_auth_enrolled(&c->cfg, &rec))
		ret = not_enrolled(c, "not-enrolled");
	else if ((d = split_data(c)) == NULL)
		ret = PAM_AUTH_ERR;
	else {
		l = login_of(c);
		r = tfa_mail_verify(&c->cfg, &c->log, &l, &rec, d->kind,
		    d->factor, &v);
		ret = verify_outcome(c, r, &v);
	}
	(void)pam_set_data(c->pamh, SPLIT_DATA, NULL, NULL);	/* wipes it */
	tfa_record_wipe(&rec);
	return ret;
}

int
tfa_pam_mail(struct ctx *c)
{
	return c->mode == TFA_PAM_SPLIT ? split(c) : verify(c);
}

/*
 * pam_tfa.so: the PAM glue.  Reads the settings, asks for the code through
 * the application's conversation, lets common/ decide, and logs the outcome.
 * No state outlives a call; nothing here opens syslog itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>
#include <time.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "auth.h"
#include "config.h"
#include "pam_key.h"
#include "pam_tfa.h"
#include "store.h"
#include "user.h"

static void
log_sink(void *arg, int prio, const char *msg)
{
	pam_syslog(arg, prio, "%s", msg);
}

static bool
log_plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '@' ||
	    c == '+' || c == '-' || c == ':';
}

/*
 * PAM items come from clients ("x?rhost=203.0.113.9"): in the log they are
 * escaped as user names are (tfa_user_escape), bytes outside
 * [A-Za-z0-9._@+:-] as %XX, ':' kept for IPv6, so no value holds a space,
 * '=' or a bare '%' and none can pass for another field.  A long value is
 * cut before an escape that does not fit; a value of just "-" is %2D, as
 * "-" means unset.
 */
static void
log_value(char *dst, size_t len, const void *item, const char *none)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *s = item != NULL && *(const char *)item ? item : none;
	bool lone_dash = s != none && strcmp(s, "-") == 0;
	size_t o = 0;

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (log_plain(c) && !lone_dash) {
			if (o + 1 >= len)
				break;
			dst[o++] = (char)c;
		} else {
			if (o + 3 >= len)
				break;
			dst[o++] = '%';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 0xf];
		}
	}
	dst[o] = '\0';
}

/*
 * Defaults, then the file (config=PATH or the default), then arguments,
 * each given once.
 */
static int
load_config(struct ctx *c, int argc, const char **argv)
{
	const char *path = TFA_CONFIG_FILE;
	bool explicit = false;
	char err[512];
	int i, glue;

	if (tfa_config_args_once(argc, argv, err, sizeof(err))) {
		pam_syslog(c->pamh, LOG_ERR, "%s; refusing all logins", err);
		return -1;
	}
	for (i = 0; i < argc; i++)
		if (strncmp(argv[i], "config=", 7) == 0) {
			path = argv[i] + 7;
			explicit = true;
		}
	if (tfa_config_read(&c->cfg, path, explicit, err, sizeof(err))) {
		pam_syslog(c->pamh, LOG_ERR, "%s; refusing all logins", err);
		return -1;
	}
	for (i = 0; i < argc; i++) {
		if (strncmp(argv[i], "config=", 7) == 0)
			continue;
		if ((glue = tfa_pam_glue_arg(c, argv[i])) != 0) {
			if (glue < 0)
				return -1;
			continue;
		}
		if (tfa_config_arg(&c->cfg, argv[i], err, sizeof(err))) {
			pam_syslog(c->pamh, LOG_ERR, "%s; refusing all logins",
			    err);
			return -1;
		}
	}
	return 0;
}

static void
report(const struct ctx *c, int prio, enum tfa_method m, const char *result)
{
	pam_syslog(c->pamh, prio, "user=%s service=%s rhost=%s method=%s "
	    "result=%s", c->user_log, c->service, c->rhost, tfa_method_name(m),
	    result);
}

void
tfa_pam_report(const struct ctx *c, int prio, enum tfa_method m,
    const char *result)
{
	report(c, prio, m, result);
}

tfa_err
tfa_pam_read(const struct ctx *c, struct tfa_record *rec,
    struct tfa_store **keep)
{
	tfa_err r;

	if (keep == NULL)
		r = tfa_store_read(&c->cfg, &c->log, c->user, rec);
	else if ((r = tfa_store_open(&c->cfg, &c->log, c->user, keep)) ==
	    TFA_OK && (r = tfa_store_peek(*keep, rec)) != TFA_OK)
		tfa_store_close(keep);
	if (r != TFA_OK && r != TFA_ERR_NOENT)
		report(c, LOG_ERR, TFA_METHOD_NONE, "store-error");
	return r;
}

static int
no_second_factor(struct ctx *c)
{
	if (c->cfg.enforce) {
		report(c, LOG_NOTICE, TFA_METHOD_NONE, "denied-not-enrolled");
		if (!(c->flags & PAM_SILENT))
			pam_error(c->pamh, "A second factor is required for "
			    "this account. Ask your administrator.");
		return PAM_AUTH_ERR;
	}
	report(c, LOG_INFO, TFA_METHOD_NONE, "not-enrolled");
	if (c->cfg.show_recommendation && !(c->flags & PAM_SILENT))
		pam_info(c->pamh, "Two-factor authentication is recommended "
		    "for your account. Set it up with: tfa-enroll totp");
	return PAM_IGNORE;
}

/*
 * A client that cannot answer a second prompt (Dovecot answers every prompt
 * with the password) is not typing wrong codes; never count it.
 */
static bool
answer_is_password(pam_handle_t *pamh, const char *answer)
{
	const void *tok = NULL;
	size_t n;

	if (pam_get_item(pamh, PAM_AUTHTOK, &tok) != PAM_SUCCESS ||
	    tok == NULL)
		return false;
	n = strlen(tok);
	return n == strlen(answer) && tfa_ct_equal(tok, answer, n);
}

static void
tell_locked(struct ctx *c, int64_t until)
{
	int64_t now = tfa_now();
	long minutes = until > now ? (long)((until - now + 59) / 60) : 1;

	if (!(c->flags & PAM_SILENT))
		pam_error(c->pamh, "Too many wrong codes. Try again in %ld "
		    "minute%s.", minutes, minutes == 1 ? "" : "s");
}

/* Few backup codes left: the user should make new ones while they can. */
static void
tell_backup_left(struct ctx *c, unsigned left)
{
	if (left > 3 || (c->flags & PAM_SILENT))
		return;
	pam_info(c->pamh, "You have %u backup code%s left. Make new ones "
	    "with: tfa-enroll backup-codes", left, left == 1 ? "" : "s");
}

static int
verify(struct ctx *c, struct tfa_store **st)
{
	struct tfa_auth_opts opts = { st, tfa_pam_device_list, c };
	struct tfa_verdict v;
	char *answer = NULL;
	tfa_err r;
	int pr;

	if (tfa_pam_is_dovecot(c->pamh)) {	/* it would answer the password */
		report(c, LOG_NOTICE, TFA_METHOD_NONE,
		    "client-cannot-answer-prompt");
		return PAM_AUTH_ERR;
	}
	pr = pam_prompt(c->pamh, PAM_PROMPT_ECHO_OFF, &answer,
	    "Verification code: ");
	if (pr != PAM_SUCCESS || answer == NULL) {
		report(c, LOG_NOTICE, TFA_METHOD_NONE, "no-answer");
		return pr == PAM_SUCCESS ? PAM_AUTH_ERR : pr;
	}
	if (answer_is_password(c->pamh, answer)) {
		explicit_bzero(answer, strlen(answer));
		free(answer);
		report(c, LOG_NOTICE, TFA_METHOD_NONE,
		    "client-cannot-answer-prompt");
		return PAM_AUTH_ERR;
	}
	r = tfa_auth_code(&c->cfg, &c->log, c->user, answer, tfa_now(), &v,
	    &opts);
	explicit_bzero(answer, strlen(answer));
	free(answer);
	switch (r) {
	case TFA_OK:
		report(c, LOG_INFO, v.method, "success");
		if (v.method == TFA_METHOD_BACKUP)
			tell_backup_left(c, v.backup_left);
		tfa_pam_device_seen(c);
		return PAM_SUCCESS;
	case TFA_ERR_BADCODE:
	case TFA_ERR_REPLAY:
		report(c, LOG_NOTICE, TFA_METHOD_NONE,
		    r == TFA_ERR_REPLAY ? "replayed-code" : "wrong-code");
		if (v.locked_until != 0)
			tell_locked(c, v.locked_until);
		else if (!(c->flags & PAM_SILENT))
			pam_error(c->pamh, r == TFA_ERR_REPLAY ?
			    "That code was already used. Wait for the next "
			    "one." : "Wrong verification code.");
		return PAM_AUTH_ERR;
	case TFA_ERR_INVAL:
		report(c, LOG_NOTICE, TFA_METHOD_NONE, "empty-answer");
		return PAM_AUTH_ERR;
	case TFA_ERR_LOCKED:
		report(c, LOG_NOTICE, TFA_METHOD_NONE, "locked-out");
		tell_locked(c, v.locked_until);
		return PAM_MAXTRIES;
	case TFA_ERR_NOENT:
	case TFA_ERR_NOMETHOD:
		/* changed by an admin while we were prompting: try again */
		report(c, LOG_NOTICE, TFA_METHOD_NONE, "changed-during-login");
		return PAM_AUTH_ERR;
	default:
		report(c, LOG_ERR, TFA_METHOD_NONE, "error");
		return PAM_AUTH_ERR;
	}
}

static int
authenticate(struct ctx *c)
{
	struct tfa_store *st = NULL;
	struct tfa_record rec;
	const void *item = NULL;
	tfa_err r;
	int ret;

	if (pam_get_user(c->pamh, &c->user, NULL) != PAM_SUCCESS ||
	    c->user == NULL)
		return PAM_USER_UNKNOWN;
	(void)pam_get_item(c->pamh, PAM_SERVICE, &item);
	log_value(c->service, sizeof(c->service), item, "-");
	item = NULL;
	(void)pam_get_item(c->pamh, PAM_RHOST, &item);
	log_value(c->rhost, sizeof(c->rhost), item, "-");
	if (tfa_user_escape(c->user, c->user_log, sizeof(c->user_log))) {
		pam_syslog(c->pamh, LOG_NOTICE, "refusing a user name that "
		    "cannot be stored (service=%s rhost=%s)", c->service,
		    c->rhost);
		return PAM_AUTH_ERR;
	}
	if (c->mode != TFA_PAM_INTERACTIVE)
		return tfa_pam_mail(c);
	/* read before the prompt; the code's check reuses it (store.h) */
	if ((r = tfa_pam_read(c, &rec, &st)) == TFA_ERR_NOENT)
		return no_second_factor(c);
	if (r != TFA_OK)
		return PAM_AUTH_ERR;
	if (rec.disabled) {
		report(c, LOG_NOTICE, TFA_METHOD_NONE, "disabled-by-admin");
		ret = PAM_IGNORE;
	} else if (!tfa_auth_enrolled(&c->cfg, &rec)) {
		ret = no_second_factor(c);
	} else if (tfa_auth_locked(&rec, tfa_now())) {
		report(c, LOG_NOTICE, TFA_METHOD_NONE, "locked-out");
		tell_locked(c, rec.locked_until);
		ret = PAM_MAXTRIES;
	} else if (tfa_pam_device_trusted(c, &rec)) {
		ret = PAM_SUCCESS;
	} else if ((ret = tfa_pam_key(c, &rec)) == PAM_IGNORE) {
		ret = verify(c, &st);	/* no key touched: the code prompt */
	}
	tfa_store_close(&st);
	tfa_record_wipe(&rec);
	return ret;
}

PAM_EXTERN int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	const char *tok = NULL;
	struct ctx c;
	int ret;

	memset(&c, 0, sizeof(c));
	c.pamh = pamh;
	c.flags = flags;
	c.log.fn = log_sink;
	c.log.arg = pamh;
	if (load_config(&c, argc, argv) != 0)
		return PAM_AUTH_ERR;	/* fail closed */
	if (c.cfg.disabled) {
		/*
		 * Off, but mode=split is where the stack gets the password:
		 * the password module after it (use_first_pass) must still
		 * find the secret, else every mail login fails.
		 */
		if (c.mode == TFA_PAM_SPLIT)
			(void)pam_get_authtok(pamh, PAM_AUTHTOK, &tok, NULL);
		explicit_bzero(&c.cfg, sizeof(c.cfg));
		return PAM_IGNORE;
	}
	ret = authenticate(&c);
	explicit_bzero(&c.cfg, sizeof(c.cfg));
	return ret;
}

PAM_EXTERN int
pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}

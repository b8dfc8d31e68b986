/*
 * pam_tfa.so: logging in with a security key.  Only where a key can be
 * touched: a local login (no PAM_RHOST, or a loopback one) that can show a
 * message.  A remote login never looks at USB.  Anything short of a
 * verified touch leaves the decision to the code prompt that follows.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <syslog.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "pam_key.h"
#include "tfa_fido.h"

#define KEYS_MAX	TFA_LIST_MAX
#define PROBE_MS	5000	/* a silent check needs no touch */

struct key_login {
	struct ctx *c;
	pam_handle_t *pamh;
	const struct tfa_record *rec;
	char rp[TFA_RP_MAX + 1];
	size_t idx[KEYS_MAX];		/* the user's keys for rp */
	size_t n;
};

static void
report(const struct key_login *k, int prio, const char *result)
{
	tfa_pam_report(k->c, prio, TFA_METHOD_KEY, result);
}

/* 127.0.0.0/8, ::1, ::ffff:127.0.0.0/104, "localhost", or no host. */
static bool
login_is_local(pam_handle_t *pamh)
{
	const void *item = NULL;
	unsigned char a[16];
	const char *h;

	if (pam_get_item(pamh, PAM_RHOST, &item) != PAM_SUCCESS ||
	    item == NULL || *(h = item) == '\0')
		return true;
	if (strcasecmp(h, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, h, a) == 1)
		return a[0] == 127;
	if (inet_pton(AF_INET6, h, a) == 1) {
		static const unsigned char lo[16] = { [15] = 1 };
		static const unsigned char v4[12] = { [10] = 0xff, 0xff };

		return memcmp(a, lo, 16) == 0 ||
		    (memcmp(a, v4, 12) == 0 && a[12] == 127);
	}
	return false;
}

/* The first plugged key that holds one of the user's credentials. */
static enum tfa_fido_status
find_key(struct key_login *k, fido_dev_t **devp, size_t *match)
{
	struct tfa_fido_devs devs;
	enum tfa_fido_status st;
	size_t i;

	*devp = NULL;
	if ((st = tfa_fido_find_devices(&devs)) != TFA_FIDO_OK)
		return st;
	st = TFA_FIDO_NO_MATCH;
	for (i = 0; i < devs.n && *devp == NULL; i++) {
		if (tfa_fido_open(&devs, i, PROBE_MS, devp) != TFA_FIDO_OK)
			continue;
		st = tfa_fido_probe(*devp, k->rp, k->rec->keys, k->idx, k->n,
		    match);
		if (st != TFA_FIDO_OK)
			tfa_fido_close(devp);
	}
	tfa_fido_devs_free(&devs);
	return *devp != NULL ? TFA_FIDO_OK : st;
}

/* Verification wanted by the key that answered, or by any if unknown. */
static bool
needs_uv(const struct key_login *k, size_t match)
{
	size_t i;

	if (match < k->n)
		return k->rec->keys[k->idx[match]].uv;
	for (i = 0; i < k->n; i++)
		if (k->rec->keys[k->idx[i]].uv)
			return true;
	return false;
}

/*
 * Ask for the key's PIN through the conversation.  NULL when none was
 * given, or when the answer is the password (a client that answers every
 * prompt with it would burn the key's PIN tries).
 */
static char *
ask_pin(struct key_login *k)
{
	const void *tok = NULL;
	char *pin = NULL;

	if (pam_prompt(k->pamh, PAM_PROMPT_ECHO_OFF, &pin,
	    "PIN for your security key: ") != PAM_SUCCESS || pin == NULL)
		return NULL;
	if (*pin == '\0' || strlen(pin) > TFA_FIDO_PIN_MAX ||
	    (pam_get_item(k->pamh, PAM_AUTHTOK, &tok) == PAM_SUCCESS &&
	    tok != NULL && strlen(tok) == strlen(pin) &&
	    tfa_ct_equal(tok, pin, strlen(pin)))) {
		explicit_bzero(pin, strlen(pin));
		free(pin);
		return NULL;
	}
	return pin;
}

static void
free_pin(char *pin)
{
	if (pin == NULL)
		return;
	explicit_bzero(pin, strlen(pin));
	free(pin);
}

/* Why a touch did not come; PAM_IGNORE: on to the code prompt. */
static int
no_assertion(struct key_login *k, enum tfa_fido_status st)
{
	switch (st) {
	case TFA_FIDO_TIMEOUT:
		report(k, LOG_NOTICE, "key-timeout");
		pam_info(k->pamh, "The security key was not touched in time.");
		break;
	case TFA_FIDO_PIN_INVALID:
		report(k, LOG_NOTICE, "key-wrong-pin");
		pam_error(k->pamh, "Wrong PIN for the security key.");
		break;
	case TFA_FIDO_PIN_BLOCKED:
		report(k, LOG_NOTICE, "key-pin-blocked");
		pam_error(k->pamh, "The security key's PIN is blocked.");
		break;
	default:
		report(k, LOG_ERR, "key-error");
		break;
	}
	return PAM_IGNORE;
}

static int
judge(struct key_login *k, const struct tfa_fido_assertion *a)
{
	struct tfa_fido_result res;
	struct tfa_verdict v;
	tfa_err r;

	r = tfa_fido_auth(&k->c->cfg, &k->c->log, k->c->user, a, tfa_now(),
	    &v, &res);
	if (r == TFA_OK) {
		report(k, LOG_INFO, "success");
		tfa_pam_device_seen(k->c);
		return PAM_SUCCESS;
	}
	if (r == TFA_ERR_BADCODE && res.status == TFA_FIDO_CLONED) {
		pam_syslog(k->pamh, LOG_ALERT, "user=%s service=%s rhost=%s "
		    "method=key result=cloned-key key=%u counter=%u stored=%u",
		    k->c->user_log, k->c->service, k->c->rhost,
		    (unsigned)res.key_id, (unsigned)res.count,
		    (unsigned)res.stored_count);
	} else if (r == TFA_ERR_BADCODE) {
		report(k, LOG_WARNING, "bad-key-response");
	} else if (r == TFA_ERR_LOCKED) {
		report(k, LOG_NOTICE, "locked-out");
		return PAM_MAXTRIES;
	} else {
		report(k, LOG_ERR, r == TFA_ERR_NOMETHOD ?
		    "changed-during-login" : "store-error");
		return PAM_IGNORE;
	}
	pam_error(k->pamh, "The security key was refused.");
	if (v.locked_until != 0) {
		pam_error(k->pamh, "Too many failed tries. Try again later.");
		return PAM_MAXTRIES;
	}
	return PAM_IGNORE;
}

/* With a matching key open: cue, touch (and PIN), judge. */
static int
touch(struct key_login *k, fido_dev_t *dev, size_t match)
{
	struct tfa_fido_assertion a;
	enum tfa_fido_status st;
	char *pin = NULL;
	bool uv = needs_uv(k, match);
	int ret;

	if (uv && !fido_dev_has_uv(dev)) {
		if (!fido_dev_has_pin(dev)) {
			report(k, LOG_NOTICE, "key-cannot-verify-user");
			return PAM_IGNORE;
		}
		if ((pin = ask_pin(k)) == NULL) {
			report(k, LOG_NOTICE, "key-no-pin");
			return PAM_IGNORE;
		}
	}
	pam_info(k->pamh, "Touch your security key.");
	if (fido_dev_set_timeout(dev, (int)k->c->cfg.key_timeout * 1000) !=
	    FIDO_OK)
		st = TFA_FIDO_ERROR;
	else
		st = tfa_fido_assert(dev, k->rp, k->rec->keys, k->idx, k->n,
		    uv, pin, &a);
	free_pin(pin);
	ret = st == TFA_FIDO_OK ? judge(k, &a) : no_assertion(k, st);
	explicit_bzero(&a, sizeof(a));
	return ret;
}

int
tfa_pam_key(struct ctx *c, const struct tfa_record *rec)
{
	struct key_login *k;
	fido_dev_t *dev = NULL;
	size_t match;
	int ret = PAM_IGNORE;

	/* no cue can be shown under PAM_SILENT, and Dovecot drops messages:
	   neither caller has a person at a key */
	if (!c->cfg.allow_keys || rec->n_keys == 0 ||
	    (c->flags & PAM_SILENT) || tfa_pam_is_dovecot(c->pamh) ||
	    !login_is_local(c->pamh))
		return PAM_IGNORE;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return PAM_BUF_ERR;
	k->c = c;
	k->pamh = c->pamh;
	k->rec = rec;
	if (tfa_config_origin(&c->cfg, k->rp, sizeof(k->rp)) != TFA_OK ||
	    (k->n = tfa_fido_keys_for(rec, k->rp, k->idx, KEYS_MAX)) == 0)
		goto out;
	if (find_key(k, &dev, &match) != TFA_FIDO_OK) {
		report(k, LOG_INFO, "key-not-present");
		goto out;
	}
	ret = touch(k, dev, match);
out:
	tfa_fido_close(&dev);
	free(k);
	return ret;
}

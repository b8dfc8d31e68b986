/*
 * pam_tfa.so: logging in with a security key.  Only where a key can be
 * touched: a local login (no PAM_RHOST, or a loopback one) that can show a
 * message.  A remote login never looks at USB.  Anything short of a
 * verified touch leaves the decision to the code prompt that follows.
 *
 * A key answers only for the relying party it was made for, and a user's
 * keys need not share one: keys registered before Origin changed, and keys
 * imported from pam_u2f (its origin or appid), keep theirs.  So every
 * relying party among the user's keys is asked for, Origin's first, each
 * with its own allow list: one silent check each per plugged key, then one
 * assertion each on the key that may hold them, after a single cue and
 * within a single KeyTimeoutSeconds.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "pam_key.h"
#include "tfa_fido.h"

#define PROBE_MS	5000	/* every silent check together: no touch */

/* The user's keys for one relying party, and what the chosen key holds. */
struct rp_keys {
	const char *rp;		/* a key's own rp string in rec */
	size_t *idx;		/* into rec->keys; a slice of key_login.order */
	size_t n;
	bool held;		/* the chosen key may hold one of them */
	size_t match;		/* which (into idx), SIZE_MAX: cannot tell */
};

struct key_login {
	struct ctx *c;
	pam_handle_t *pamh;
	const struct tfa_record *rec;
	char origin[TFA_RP_MAX + 1];
	size_t *order;		/* rec->keys, grouped by relying party */
	struct rp_keys *rps;	/* Origin's first, then in record order */
	size_t n_rps;
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

/* ---- the relying parties to ask for ---- */

static void
add_rp(struct key_login *k, const char *rp, size_t *used)
{
	struct rp_keys *g = &k->rps[k->n_rps];

	g->rp = rp;
	g->idx = k->order + *used;
	g->n = tfa_fido_keys_for(k->rec, rp, g->idx, k->rec->n_keys - *used);
	if (g->n == 0)
		return;
	*used += g->n;
	k->n_rps++;
}

/*
 * Origin's keys first: the ones a registration here makes, so the usual
 * login needs one silent check.  Then each other rp once, in record order.
 */
static tfa_err
group_by_rp(struct key_login *k)
{
	size_t i, j, used = 0;

	k->order = calloc(k->rec->n_keys, sizeof(*k->order));
	k->rps = calloc(k->rec->n_keys, sizeof(*k->rps));
	if (k->order == NULL || k->rps == NULL)
		return TFA_ERR_NOMEM;
	if (k->origin[0] != '\0')
		add_rp(k, k->origin, &used);
	for (i = 0; i < k->rec->n_keys; i++) {
		for (j = 0; j < k->n_rps &&
		    strcmp(k->rps[j].rp, k->rec->keys[i].rp) != 0; j++)
			;
		if (j == k->n_rps)
			add_rp(k, k->rec->keys[i].rp, &used);
	}
	return TFA_OK;
}

/* ---- time: one budget for the silent checks, one for the touch ---- */

static int64_t
mono_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return INT64_MAX / 2;	/* every budget looks spent */
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* What is left until end, for fido_dev_set_timeout; 0 when nothing. */
static int
left_ms(int64_t end)
{
	int64_t left = end - mono_ms();

	/* never -1: that is libfido2's "wait for ever" */
	return left > 0 ? (int)left : 0;
}

/* ---- finding the key ---- */

/*
 * Without a touch: which of the user's relying parties dev may hold a
 * credential for.  Stops at the first it surely holds; a key that cannot
 * tell without a touch may hold any of them.
 */
static size_t
probe(struct key_login *k, fido_dev_t *dev, int64_t end)
{
	struct rp_keys *g;
	size_t i, held = 0;
	int ms;

	for (i = 0; i < k->n_rps; i++)
		k->rps[i].held = false;
	for (i = 0; i < k->n_rps; i++) {
		g = &k->rps[i];
		if ((ms = left_ms(end)) == 0 ||
		    fido_dev_set_timeout(dev, ms) != FIDO_OK)
			break;
		if (tfa_fido_probe(dev, g->rp, k->rec->keys, g->idx, g->n,
		    &g->match) != TFA_FIDO_OK)
			continue;
		g->held = true;
		held++;
		if (g->match != SIZE_MAX)
			break;
	}
	return held;
}

/* The first plugged key that may hold one of the user's credentials. */
static enum tfa_fido_status
find_key(struct key_login *k, fido_dev_t **devp)
{
	struct tfa_fido_devs devs;
	enum tfa_fido_status st;
	int64_t end = mono_ms() + PROBE_MS;
	size_t i;
	int ms;

	*devp = NULL;
	if ((st = tfa_fido_find_devices(&devs)) != TFA_FIDO_OK)
		return st;
	st = TFA_FIDO_NO_MATCH;
	for (i = 0; i < devs.n && *devp == NULL; i++) {
		if ((ms = left_ms(end)) == 0)
			break;
		if (tfa_fido_open(&devs, i, ms, devp) != TFA_FIDO_OK)
			continue;
		if (probe(k, *devp, end) == 0)
			tfa_fido_close(devp);
	}
	tfa_fido_devs_free(&devs);
	return *devp != NULL ? TFA_FIDO_OK : st;
}

/* Verification wanted by the credential that answers g's request. */
static bool
needs_uv(const struct key_login *k, const struct rp_keys *g)
{
	size_t i;

	if (g->match < g->n)
		return k->rec->keys[g->idx[g->match]].uv;
	for (i = 0; i < g->n; i++)	/* not known: if any may want it */
		if (k->rec->keys[g->idx[i]].uv)
			return true;
	return false;
}

static bool
any_needs_uv(const struct key_login *k)
{
	size_t i;

	for (i = 0; i < k->n_rps; i++)
		if (k->rps[i].held && needs_uv(k, &k->rps[i]))
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
	case TFA_FIDO_NO_MATCH:	/* a key that could not tell: none */
		report(k, LOG_INFO, "key-not-present");
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
		/* no code prompt now; like the wrong code that starts a
		   lockout (pam_tfa.c), this try is PAM_AUTH_ERR, the tries
		   it refuses PAM_MAXTRIES */
		pam_error(k->pamh, "Too many failed tries. Try again later.");
		return PAM_AUTH_ERR;
	}
	return PAM_IGNORE;
}

/*
 * One assertion per relying party dev may hold, in order, until one is
 * not "no credentials": all within the one touch budget.
 */
static enum tfa_fido_status
assert_each(struct key_login *k, fido_dev_t *dev, const char *pin,
    struct tfa_fido_assertion *a)
{
	enum tfa_fido_status st = TFA_FIDO_NO_MATCH;
	int64_t end = mono_ms() + (int64_t)k->c->cfg.key_timeout * 1000;
	struct rp_keys *g;
	size_t i;
	bool uv;
	int ms;

	for (i = 0; i < k->n_rps && st == TFA_FIDO_NO_MATCH; i++) {
		g = &k->rps[i];
		if (!g->held)
			continue;
		if ((ms = left_ms(end)) == 0)
			return TFA_FIDO_TIMEOUT;
		uv = needs_uv(k, g);
		if (fido_dev_set_timeout(dev, ms) != FIDO_OK)
			return TFA_FIDO_ERROR;
		st = tfa_fido_assert(dev, g->rp, k->rec->keys, g->idx, g->n,
		    uv, uv ? pin : NULL, a);
	}
	return st;
}

/* With a key that may hold a credential open: cue, touch (and PIN), judge. */
static int
touch(struct key_login *k, fido_dev_t *dev)
{
	struct tfa_fido_assertion a;
	enum tfa_fido_status st;
	char *pin = NULL;
	int ret;

	if (any_needs_uv(k) && !fido_dev_has_uv(dev)) {
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
	st = assert_each(k, dev, pin, &a);
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
	/* no Origin (a host name too long): the stored keys still name
	   their own relying parties */
	if (tfa_config_origin(&c->cfg, k->origin, sizeof(k->origin)) != TFA_OK)
		k->origin[0] = '\0';
	if (group_by_rp(k) != TFA_OK) {
		ret = PAM_BUF_ERR;
		goto out;
	}
	if (find_key(k, &dev) != TFA_FIDO_OK) {
		report(k, LOG_INFO, "key-not-present");
		goto out;
	}
	ret = touch(k, dev);
out:
	tfa_fido_close(&dev);
	free(k->order);
	free(k->rps);
	free(k);
	return ret;
}

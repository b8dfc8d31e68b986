/*
 * tfa-enroll key add | list | remove: security keys (FIDO2/U2F).  All the
 * device work happens here, in the unprivileged process of a set-uid run;
 * the record is read and changed only through the operations KEY_CHALLENGE,
 * KEY_ADD and KEY_REMOVE and the VIEW (ops.c), which verify again what the
 * device answered.
 */
#include <getopt.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include "auth.h"
#include "code.h"
#include "enroll.h"
#include "store.h"
#include "tfa_fido.h"

/* A view's keys as records, for allow and exclude lists. */
struct view_keys {
	struct tfa_key keys[TFA_OP_KEYS_MAX];
	size_t n;
};

static void
view_keys(const struct tfa_op_view *v, struct view_keys *vk)
{
	size_t i;

	memset(vk, 0, sizeof(*vk));
	for (i = 0; i < v->keys_shown && i < TFA_OP_KEYS_MAX; i++) {
		struct tfa_key *k = &vk->keys[i];
		const struct tfa_op_key_info *o = &v->keys[i];

		k->id = o->id;
		memcpy(k->rp, o->rp, sizeof(k->rp));
		k->cose_type = o->cose_type;
		k->uv = o->uv;
		memcpy(k->cred_id, o->cred_id, o->cred_id_len);
		k->cred_id_len = o->cred_id_len;
	}
	vk->n = i;
}

/* The keys made for rp, as indexes into vk->keys. */
static size_t
keys_for(const struct view_keys *vk, const char *rp, size_t *idx)
{
	size_t i, n = 0;

	for (i = 0; i < vk->n; i++)
		if (strcmp(vk->keys[i].rp, rp) == 0)
			idx[n++] = i;
	return n;
}

int
tfa_enroll_key_challenge(const struct tfa_enroll *e, uint8_t *cdh)
{
	struct tfa_op_req req;
	struct tfa_op_res res;
	int rc = -1;

	memset(&req, 0, sizeof(req));
	req.op = TFA_OP_KEY_CHALLENGE;
	if (tfa_enroll_op(e, &req, &res) == TFA_OK)
		memcpy(cdh, res.u.challenge, TFA_FIDO_CDH_LEN);
	else {
		tfa_enroll_explain(e, &res);
		rc = TFA_EXIT_FAIL;
	}
	explicit_bzero(&res, sizeof(res));
	return rc;
}

/* ---- the terminal side ---- */

/* A PIN, not echoed; wiped by the caller.  -1 when one was typed. */
static int
read_pin(const char *prompt, char *pin, size_t len)
{
	struct termios old, quiet;
	bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
	enum tfa_line got;

	if (tty) {
		quiet = old;
		quiet.c_lflag &= (tcflag_t)~ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	got = tfa_enroll_read_line(prompt, pin, len);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		putchar('\n');
	}
	if (got == TFA_LINE_OK && pin[0] != '\0')
		return -1;
	explicit_bzero(pin, len);
	tfa_enroll_error("no PIN given; nothing was changed");
	return TFA_EXIT_FAIL;
}

static void
explain(enum tfa_fido_status st)
{
	switch (st) {
	case TFA_FIDO_NO_DEVICE:
		tfa_enroll_error("no security key found; plug one in (and "
		    "check that you may use it: see tfa-enroll(1)) and try "
		    "again");
		break;
	case TFA_FIDO_TIMEOUT:
		tfa_enroll_error("the key was not touched in time; nothing "
		    "was changed");
		break;
	case TFA_FIDO_PIN_INVALID:
		tfa_enroll_error("wrong PIN; nothing was changed (the key "
		    "blocks itself after a few wrong PINs)");
		break;
	case TFA_FIDO_EXCLUDED:
		tfa_enroll_error("this key is already registered for you; "
		    "plug in the new key");
		break;
	case TFA_FIDO_NO_UV:
		tfa_enroll_error("--uv needs a key with a PIN or a built-in "
		    "check (fingerprint); set a PIN on the key first");
		break;
	default:
		tfa_enroll_error("%s; nothing was changed",
		    tfa_fido_status_str(st));
		break;
	}
}

/* Open the first plugged key that holds none of the user's keys for rp. */
static enum tfa_fido_status
open_new_key(const struct tfa_enroll *e, const struct view_keys *vk,
    const char *rp, fido_dev_t **devp)
{
	struct tfa_fido_devs devs;
	enum tfa_fido_status st;
	size_t idx[TFA_OP_KEYS_MAX], n, i, match;
	bool known = false;

	*devp = NULL;
	if ((st = tfa_fido_find_devices(&devs)) != TFA_FIDO_OK)
		return st;
	n = keys_for(vk, rp, idx);
	for (i = 0; i < devs.n && *devp == NULL; i++) {
		if (tfa_fido_open(&devs, i, (int)e->cfg.key_timeout * 1000,
		    devp) != TFA_FIDO_OK)
			continue;
		if (n > 0 && tfa_fido_probe(*devp, rp, vk->keys, idx, n,
		    &match) == TFA_FIDO_OK && match != SIZE_MAX) {
			known = true;
			tfa_fido_close(devp);
		}
	}
	tfa_fido_devs_free(&devs);
	if (*devp != NULL)
		return TFA_FIDO_OK;
	return known ? TFA_FIDO_EXCLUDED : TFA_FIDO_ERROR;
}

/* The assertion a touch proof carries to the operation layer. */
static void
touch_to_req(const struct tfa_fido_assertion *a, struct tfa_op_touch *t)
{
	memcpy(t->rp, a->rp, sizeof(t->rp));
	t->cred_id_len = (uint32_t)a->cred_id_len;
	memcpy(t->cred_id, a->cred_id, a->cred_id_len);
	t->authdata_len = (uint32_t)a->authdata_len;
	memcpy(t->authdata, a->authdata, a->authdata_len);
	t->sig_len = (uint32_t)a->sig_len;
	memcpy(t->sig, a->sig, a->sig_len);
}

/*
 * The relying parties among vk's keys, each once: Origin's first, then in
 * the order the keys were stored, the order a login asks for them in.
 */
static size_t
rps_of(const struct view_keys *vk, const char *origin, const char **rps)
{
	size_t i, j, n = 0;

	for (i = 0; i < vk->n && n == 0; i++)
		if (strcmp(vk->keys[i].rp, origin) == 0)
			rps[n++] = vk->keys[i].rp;
	for (i = 0; i < vk->n; i++) {
		for (j = 0; j < n && strcmp(rps[j], vk->keys[i].rp) != 0; j++)
			;
		if (j == n)
			rps[n++] = vk->keys[i].rp;
	}
	return n;
}

/*
 * Without a touch: for which of rps dev may hold one of the user's
 * credentials (held), and which one (match, an index into keys_for's
 * list; SIZE_MAX when it cannot tell), stopping at the first it surely
 * holds; how many.
 */
static size_t
probe_rps(fido_dev_t *dev, const struct view_keys *vk, const char **rps,
    size_t n_rps, bool *held, size_t *match)
{
	size_t idx[TFA_OP_KEYS_MAX], i, n, count = 0;

	for (i = 0; i < n_rps; i++) {
		held[i] = false;
		match[i] = SIZE_MAX;
	}
	for (i = 0; i < n_rps; i++) {
		n = keys_for(vk, rps[i], idx);
		if (tfa_fido_probe(dev, rps[i], vk->keys, idx, n, &match[i]) !=
		    TFA_FIDO_OK)
			continue;
		held[i] = true;
		count++;
		if (match[i] != SIZE_MAX)
			break;
	}
	return count;
}

/*
 * Whether the credential that answers for rp wants user verification
 * (registered with --uv, or imported with +verification or +pin): the
 * monitor refuses its touch without the UV flag, as a login does.
 */
static bool
needs_uv(const struct view_keys *vk, const char *rp, size_t match)
{
	size_t idx[TFA_OP_KEYS_MAX], i, n;

	n = keys_for(vk, rp, idx);
	if (match < n)
		return vk->keys[idx[match]].uv;
	for (i = 0; i < n; i++)	/* not known: if any may want it */
		if (vk->keys[idx[i]].uv)
			return true;
	return false;
}

static bool
any_needs_uv(const struct view_keys *vk, const char **rps, size_t n_rps,
    const bool *held, const size_t *match)
{
	size_t i;

	for (i = 0; i < n_rps; i++)
		if (held[i] && needs_uv(vk, rps[i], match[i]))
			return true;
	return false;
}

/*
 * One assertion over cdh per relying party dev may hold, in order, until
 * one is not "no credentials" (a key that could not tell without a touch);
 * with user verification where the credential wants it, through pin when
 * there is one (the key has no built-in check).  The PIN goes only to the
 * key, and only for the relying parties that need it.
 */
static enum tfa_fido_status
assert_rps(fido_dev_t *dev, const struct view_keys *vk, const char **rps,
    size_t n_rps, const bool *held, const size_t *match, const char *pin,
    const uint8_t *cdh, struct tfa_fido_assertion *a)
{
	enum tfa_fido_status st = TFA_FIDO_NO_MATCH;
	size_t idx[TFA_OP_KEYS_MAX], i, n;
	bool uv;

	for (i = 0; i < n_rps && st == TFA_FIDO_NO_MATCH; i++) {
		if (!held[i])
			continue;
		n = keys_for(vk, rps[i], idx);
		uv = needs_uv(vk, rps[i], match[i]);
		st = tfa_fido_assert_for(dev, rps[i], vk->keys, idx, n, uv,
		    uv ? pin : NULL, cdh, a);
	}
	return st;
}

/*
 * Touch one of the user's registered keys, over the challenge cdh: the
 * proof for a user whose only second factor is keys.  Any of their keys
 * will do, whatever relying party it was made for, as at login; and like
 * a login, a key registered to verify the user is asked to: with its
 * built-in check, else with its PIN, read here and handed to the key
 * alone.  The monitor sees only the signed answer and its UV flag.
 *
 * A wrong PIN is the key's refusal before anything is signed: no answer
 * reaches the monitor, so it is no failed try (the monitor could not tell
 * it from a child that says so); the key counts wrong PINs itself and
 * blocks them, as it does at login.
 */
static int
touch_proof(const struct tfa_enroll *e, const struct view_keys *vk,
    const uint8_t *cdh, struct tfa_op_touch *t)
{
	char origin[TFA_RP_MAX + 1], pin[TFA_FIDO_PIN_MAX + 2];
	struct tfa_fido_assertion a;
	struct tfa_fido_devs devs;
	enum tfa_fido_status st;
	fido_dev_t *dev = NULL;
	const char *rps[TFA_OP_KEYS_MAX];
	bool held[TFA_OP_KEYS_MAX];
	size_t match[TFA_OP_KEYS_MAX], n_rps, i;
	int rc = TFA_EXIT_FAIL;

	memset(pin, 0, sizeof(pin));
	memset(&a, 0, sizeof(a));
	/* no Origin (a host name too long): the keys still name their own */
	if (tfa_config_origin(&e->cfg, origin, sizeof(origin)) != TFA_OK)
		origin[0] = '\0';
	if ((n_rps = rps_of(vk, origin, rps)) == 0) {
		tfa_enroll_error("you have no security key to confirm it is "
		    "you with; ask an administrator");
		goto out;
	}
	if ((st = tfa_fido_find_devices(&devs)) != TFA_FIDO_OK) {
		explain(st);
		goto out;
	}
	for (i = 0; i < devs.n && dev == NULL; i++)
		if (tfa_fido_open(&devs, i, (int)e->cfg.key_timeout * 1000,
		    &dev) == TFA_FIDO_OK &&
		    probe_rps(dev, vk, rps, n_rps, held, match) == 0)
			tfa_fido_close(&dev);
	tfa_fido_devs_free(&devs);
	if (dev == NULL) {
		tfa_enroll_error("plug in one of your registered security "
		    "keys to confirm it is you");
		goto out;
	}
	/* a key with a fingerprint reader checks it during the touch */
	if (any_needs_uv(vk, rps, n_rps, held, match) &&
	    !fido_dev_has_uv(dev)) {
		if (!fido_dev_has_pin(dev)) {
			tfa_enroll_error("your security key must check its PIN "
			    "or fingerprint to confirm it is you, and this one "
			    "has neither set up; nothing was changed");
			goto out;
		}
		if ((rc = read_pin("PIN of your security key, to confirm it "
		    "is you: ", pin, sizeof(pin))) >= 0)
			goto out;
	}
	printf("Touch your registered security key to confirm it is you.\n");
	fflush(stdout);
	st = assert_rps(dev, vk, rps, n_rps, held, match,
	    pin[0] != '\0' ? pin : NULL, cdh, &a);
	tfa_wipe_array(pin);
	if (st != TFA_FIDO_OK) {
		explain(st);
		rc = TFA_EXIT_FAIL;
		goto out;
	}
	touch_to_req(&a, t);
	rc = -1;
out:
	tfa_wipe_array(pin);
	tfa_wipe_struct(&a);
	tfa_fido_close(&dev);
	return rc;
}

int
tfa_enroll_key_touch(const struct tfa_enroll *e, const struct tfa_op_view *v,
    const uint8_t *cdh, struct tfa_op_touch *t)
{
	struct view_keys vk;
	int rc;

	view_keys(v, &vk);
	rc = touch_proof(e, &vk, cdh, t);
	tfa_wipe_struct(&vk);
	return rc;
}

/* Say why a key operation was refused. */
static void
refused(const struct tfa_enroll *e, const char *what,
    const struct tfa_op_res *res, bool touch)
{
	tfa_err r = (tfa_err)res->err;

	tfa_log(&e->log, LOG_NOTICE, "key %s for user %s refused: %s", what,
	    e->user_log, tfa_strerror(r));
	if (res->check == TFA_CHECK_KEY && r == TFA_ERR_EXISTS)
		tfa_enroll_error("this key is already registered for you; "
		    "nothing was changed");
	else if (res->check == TFA_CHECK_KEY)
		tfa_enroll_error("the key's registration does not verify; "
		    "nothing was changed");
	else if (r == TFA_ERR_EXISTS)
		tfa_enroll_error("you have MaxKeys (%u) keys already; remove "
		    "one first", e->cfg.max_keys);
	else if (r == TFA_ERR_NOENT)
		tfa_enroll_error("no such key; see 'tfa-enroll key list'");
	else if (r == TFA_ERR_PERM && res->check == TFA_CHECK_NONE &&
	    !e->cfg.allow_keys)
		tfa_enroll_error("the administrator does not allow security "
		    "keys (AllowSecurityKeys=false)");
	else if (r == TFA_ERR_PERM)
		tfa_enroll_error("your second factor is turned off by the "
		    "administrator; ask them");
	else
		tfa_enroll_explain_proof(e, res, touch);
}

/* ---- key add ---- */

struct add_args {
	char name[TFA_NAME_MAX + 1];
	int cose;
	bool uv;
};

static const struct option add_opts[] = {
	{ "eddsa", no_argument, NULL, 'e' },
	{ "uv", no_argument, NULL, 'u' },
	{ NULL, 0, NULL, 0 }
};

static int
parse_add(const struct tfa_enroll *e, struct add_args *a)
{
	const char *name = NULL;
	int ch;

	a->cose = COSE_ES256;
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(e->argc, e->argv, "", add_opts, NULL)) != -1)
		if (ch == 'e')
			a->cose = COSE_EDDSA;
		else if (ch == 'u')
			a->uv = true;
		else
			return tfa_enroll_usage("unknown option '%s'",
			    e->argv[optind - 1]);
	if (optind + 1 < e->argc)
		return tfa_enroll_usage("give at most one NAME");
	if (optind < e->argc)
		name = e->argv[optind];
	/* the monitor checks it again: it is what stores it */
	if (name != NULL && (!tfa_name_ok(name) ||
	    tfa_strlcpy(a->name, name, sizeof(a->name)) != TFA_OK))
		return tfa_enroll_usage(TFA_ENROLL_NAME_RULE, TFA_NAME_MAX);
	return -1;
}

static int
check_can_add(const struct tfa_enroll *e, const struct tfa_op_view *v)
{
	if (!e->cfg.allow_keys) {
		tfa_enroll_error("the administrator does not allow security "
		    "keys (AllowSecurityKeys=false)");
		return TFA_EXIT_FAIL;
	}
	if (v->disabled && e->admin[0] == '\0') {
		tfa_enroll_error("your second factor is turned off by the "
		    "administrator; ask them");
		return TFA_EXIT_FAIL;
	}
	if (v->n_keys >= e->cfg.max_keys) {
		tfa_enroll_error("you have MaxKeys (%u) keys already; remove "
		    "one first", e->cfg.max_keys);
		return TFA_EXIT_FAIL;
	}
	return -1;
}

/* What KEY_ADD carries: the registration as the key signed it. */
static void
key_to_req(const struct add_args *a, const struct tfa_key *key,
    const struct tfa_fido_attestation *att, struct tfa_op_key *k)
{
	k->cose_type = key->cose_type;
	k->uv = key->uv;
	k->pin = key->pin;
	memcpy(k->name, a->name, sizeof(k->name));
	memcpy(k->rp, key->rp, sizeof(k->rp));
	k->cred_id_len = (uint32_t)key->cred_id_len;
	memcpy(k->cred_id, key->cred_id, key->cred_id_len);
	k->pubkey_len = (uint32_t)key->pubkey_len;
	memcpy(k->pubkey, key->pubkey, key->pubkey_len);
	memcpy(k->fmt, att->fmt, sizeof(k->fmt));
	k->authdata_len = (uint32_t)att->authdata_len;
	memcpy(k->authdata, att->authdata, att->authdata_len);
	k->attstmt_len = (uint32_t)att->attstmt_len;
	memcpy(k->attstmt, att->attstmt, att->attstmt_len);
}

/*
 * Open the new key, PIN if it has one, touch: the registration over cdh
 * into req->key.
 */
static int
make_key(const struct tfa_enroll *e, const struct tfa_op_view *v,
    const struct add_args *a, const uint8_t *cdh, struct tfa_op_req *req)
{
	char rp[TFA_RP_MAX + 1], pin[TFA_FIDO_PIN_MAX + 2];
	struct tfa_fido_attestation att;
	struct tfa_fido_reg reg;
	struct view_keys vk;
	struct tfa_key key;
	enum tfa_fido_status st;
	fido_dev_t *dev = NULL;
	int rc = TFA_EXIT_FAIL;

	memset(pin, 0, sizeof(pin));
	memset(&key, 0, sizeof(key));
	memset(&att, 0, sizeof(att));
	view_keys(v, &vk);
	if (tfa_config_origin(&e->cfg, rp, sizeof(rp)) != TFA_OK) {
		tfa_enroll_error("cannot make the relying party id (Origin)");
		goto out;
	}
	if ((st = open_new_key(e, &vk, rp, &dev)) != TFA_FIDO_OK) {
		explain(st);
		goto out;
	}
	if (a->uv && !fido_dev_has_uv(dev) && !fido_dev_has_pin(dev)) {
		explain(TFA_FIDO_NO_UV);
		goto out;
	}
	if (fido_dev_has_pin(dev) && (rc = read_pin("PIN of the security "
	    "key: ", pin, sizeof(pin))) >= 0)
		goto out;
	reg = (struct tfa_fido_reg){ rp, e->user, a->cose, a->uv,
	    pin[0] != '\0' ? pin : NULL, vk.keys, vk.n };
	printf("Touch the security key to register it for %s.\n", rp);
	fflush(stdout);
	if ((st = tfa_fido_register_for(dev, &reg, cdh, &key, &att)) !=
	    TFA_FIDO_OK) {
		explain(st);
		rc = TFA_EXIT_FAIL;
		goto out;
	}
	key_to_req(a, &key, &att, &req->key);
	rc = -1;
out:
	tfa_wipe_array(pin);
	tfa_wipe_struct(&att);
	tfa_wipe_struct(&key);
	tfa_wipe_struct(&vk);
	tfa_fido_close(&dev);
	return rc;
}

int
tfa_enroll_key_add(struct tfa_enroll *e)
{
	uint8_t cdh[TFA_FIDO_CDH_LEN];
	struct tfa_op_view v;
	struct tfa_op_req req;
	struct tfa_op_res res;
	struct add_args a;
	bool touch;
	int rc;

	memset(&a, 0, sizeof(a));
	memset(&req, 0, sizeof(req));
	memset(&res, 0, sizeof(res));
	memset(cdh, 0, sizeof(cdh));
	if ((rc = parse_add(e, &a)) >= 0 || (rc = tfa_enroll_view(e, &v)) >= 0)
		goto out;
	if (a.name[0] == '\0')
		snprintf(a.name, sizeof(a.name), "key%u", v.n_keys + 1);
	/* the challenge is good for the one request after it: KEY_ADD */
	if ((rc = check_can_add(e, &v)) >= 0 ||
	    (rc = tfa_enroll_key_challenge(e, cdh)) >= 0 ||
	    (rc = tfa_enroll_get_proof(e, &v, cdh, &req)) >= 0 ||
	    (rc = make_key(e, &v, &a, cdh, &req)) >= 0)
		goto out;
	req.op = TFA_OP_KEY_ADD;
	touch = req.touch.authdata_len != 0;
	if (tfa_enroll_op(e, &req, &res) != TFA_OK) {
		refused(e, "add", &res, touch);
		rc = TFA_EXIT_FAIL;
		goto out;
	}
	tfa_log(&e->log, LOG_NOTICE, "added security key %u (%s) for user %s",
	    (unsigned)res.u.key_id, tfa_fido_cose_name(a.cose), e->user_log);
	printf("Security key %u (\"%s\", %s%s) is registered for %s.\nLocal "
	    "logins now ask you to touch it; remote logins still ask for a "
	    "code.\n", (unsigned)res.u.key_id, a.name,
	    tfa_fido_cose_name(a.cose),
	    a.uv ? ", PIN or fingerprint at every login" : "", e->user);
	rc = TFA_EXIT_OK;
out:
	explicit_bzero(&req, sizeof(req));
	explicit_bzero(&res, sizeof(res));
	explicit_bzero(cdh, sizeof(cdh));
	return rc;
}

/* ---- key list ---- */

static void
list_json(const struct tfa_op_view *v)
{
	uint32_t i;

	putchar('[');
	for (i = 0; i < v->keys_shown; i++) {
		const struct tfa_op_key_info *k = &v->keys[i];

		printf("%s{\"id\":%u,\"name\":", i ? "," : "", (unsigned)k->id);
		tfa_enroll_json_str(k->name);
		printf(",\"type\":\"%s\",\"rp\":", tfa_fido_cose_name(
		    k->cose_type));
		tfa_enroll_json_str(k->rp);
		printf(",\"uv\":%s,\"pin\":%s,\"sign_count\":%u,\"created\":%lld,"
		    "\"last_used\":%lld}", k->uv ? "true" : "false",
		    k->pin ? "true" : "false", (unsigned)k->sign_count,
		    (long long)k->created, (long long)k->last_used);
	}
	puts("]");
}

static void
list_text(const struct tfa_enroll *e, const struct tfa_op_view *v)
{
	char origin[TFA_RP_MAX + 1], d1[64], d2[64], t1[TFA_ENROLL_TEXT_MAX],
	    t2[TFA_ENROLL_TEXT_MAX];
	uint32_t i;

	if (tfa_config_origin(&e->cfg, origin, sizeof(origin)) != TFA_OK)
		origin[0] = '\0';
	if (v->n_keys == 0) {
		printf("No security keys.  Register one with: tfa-enroll key "
		    "add [NAME]\n");
		return;
	}
	printf("%-4s %-20s %-6s %-3s %-24s %s\n", "ID", "NAME", "TYPE", "UV",
	    "ADDED", "LAST USED");
	for (i = 0; i < v->keys_shown; i++) {
		const struct tfa_op_key_info *k = &v->keys[i];

		printf("%-4u %-20s %-6s %-3s %-24s %s", (unsigned)k->id,
		    tfa_enroll_text(k->name, t1, sizeof(t1)),
		    tfa_fido_cose_name(k->cose_type),
		    k->uv ? "yes" : "no",
		    tfa_enroll_date(k->created, d1, sizeof(d1)),
		    tfa_enroll_date(k->last_used, d2, sizeof(d2)));
		/* made before Origin changed, or imported: a login asks
		   for its relying party too */
		if (strcmp(k->rp, origin) != 0)
			printf("  (relying party %s)",
			    tfa_enroll_text(k->rp, t2, sizeof(t2)));
		putchar('\n');
	}
	if (v->n_keys > v->keys_shown)
		printf("(and %u more)\n", v->n_keys - v->keys_shown);
	if (!e->cfg.allow_keys)
		printf("The administrator does not allow security keys "
		    "(AllowSecurityKeys=false).\n");
}

int
tfa_enroll_key_list(struct tfa_enroll *e)
{
	struct tfa_op_view v;
	bool json;
	int rc;

	if ((rc = tfa_enroll_json_arg(e, &json)) >= 0 ||
	    (rc = tfa_enroll_view(e, &v)) >= 0)
		return rc;
	if (json)
		list_json(&v);
	else
		list_text(e, &v);
	return TFA_EXIT_OK;
}

/* ---- key remove ---- */

int
tfa_enroll_key_remove(struct tfa_enroll *e)
{
	uint8_t cdh[TFA_FIDO_CDH_LEN];
	struct tfa_op_view v;
	struct tfa_op_req req;
	struct tfa_op_res res;
	bool touch;
	long id;
	int rc;

	memset(&req, 0, sizeof(req));
	memset(&res, 0, sizeof(res));
	memset(cdh, 0, sizeof(cdh));
	if (e->argc != 2 || (id = tfa_enroll_number(e->argv[1],
	    (long)UINT32_MAX - 1)) <= 0)
		return tfa_enroll_usage("give the ID of one key (see "
		    "'tfa-enroll key list')");
	if ((rc = tfa_enroll_view(e, &v)) >= 0 ||
	    (rc = tfa_enroll_key_challenge(e, cdh)) >= 0 ||
	    (rc = tfa_enroll_get_proof(e, &v, cdh, &req)) >= 0)
		goto out;
	req.op = TFA_OP_KEY_REMOVE;
	req.key.id = (uint32_t)id;
	touch = req.touch.authdata_len != 0;
	if (tfa_enroll_op(e, &req, &res) != TFA_OK) {
		refused(e, "removal", &res, touch);
		rc = TFA_EXIT_FAIL;
		goto out;
	}
	tfa_log(&e->log, LOG_NOTICE, "removed security key %ld for user %s",
	    id, e->user_log);
	printf("Security key %ld is removed for %s.\n", id, e->user);
	rc = TFA_EXIT_OK;
out:
	explicit_bzero(&req, sizeof(req));
	explicit_bzero(&res, sizeof(res));
	explicit_bzero(cdh, sizeof(cdh));
	return rc;
}

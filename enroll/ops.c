/*
 * The operations on a user's record (ops.h).  In a set-uid run this code
 * runs in the privileged monitor, on requests from a process the user
 * controls: it trusts nothing in a request beyond what tfa_ops_valid()
 * checked, and decides every permission itself from its own context.
 */
#include <stdio.h>

#include "auth.h"
#include "ops.h"
#include "store.h"
#include "text.h"
#include "totp.h"

/* RFC 4226 section 4, R6: a shared secret is at least 128 bits. */
#define SECRET_MIN	16

typedef tfa_err (*op_fn)(const struct tfa_ops_ctx *,
    const struct tfa_op_req *, struct tfa_op_res *);

/* ---- the pieces every change shares ---- */

/*
 * Lock, load, change, save, unlock.  With create, a user without a record
 * starts from an empty one; without, that is TFA_ERR_NOENT.
 */
static tfa_err
change(const struct tfa_ops_ctx *c, const struct tfa_op_req *req,
    struct tfa_op_res *res, bool create, tfa_ops_change_fn fn, void *arg)
{
	struct tfa_store *st = NULL;
	struct tfa_record rec;
	tfa_err r;

	tfa_record_init(&rec);
	if ((r = tfa_store_lock(c->cfg, c->log, c->user, &st)) != TFA_OK)
		goto out;
	r = tfa_store_load(st, &rec);
	if (r == TFA_ERR_NOENT && create) {
		tfa_record_init(&rec);
		r = TFA_OK;
	}
	if (r != TFA_OK || (r = fn(c, req, res, st, &rec, arg)) != TFA_OK)
		goto out;
	r = tfa_store_save(st, &rec);
out:
	tfa_store_close(&st);
	tfa_record_wipe(&rec);
	return r;
}

/*
 * fn on a snapshot of the record, for the read-only operations: records
 * are replaced whole, so no lock is needed.  A user without a record
 * leaves res as it is.
 */
tfa_err
tfa_ops_look(const struct tfa_ops_ctx *c, const struct tfa_op_req *req,
    struct tfa_op_res *res, tfa_ops_look_fn fn)
{
	struct tfa_record rec;
	tfa_err r;

	r = tfa_store_read(c->cfg, c->log, c->user, &rec);
	if (r == TFA_ERR_NOENT)
		return TFA_OK;
	if (r != TFA_OK)
		return r;
	fn(c, req, &rec, res);
	tfa_record_wipe(&rec);
	return TFA_OK;
}

/*
 * A wrong proof whose failure could not be saved: answered exactly as a
 * right one whose change could not be saved (the store's error, no proof
 * verdict, no counts), so a store that cannot be written tells nothing of
 * which guesses were right while none of them is counted.
 */
static tfa_err
unsaved(struct tfa_op_res *res, tfa_err saved)
{
	res->check = TFA_CHECK_NONE;
	res->failures = 0;
	res->locked_until = 0;
	return saved;
}

/*
 * A touch of one of the user's keys over the session's challenge, checked
 * as a key login on rec.  Like a login it may come from any relying party
 * among the user's keys (keys made before Origin changed, keys imported
 * from pam_u2f): the caller names it, and tfa_fido_check accepts only a
 * stored key made for it whose signed data carries its hash.
 */
static tfa_err
prove_touch(const struct tfa_ops_ctx *c, const struct tfa_op_req *req,
    struct tfa_op_res *res, struct tfa_store *st, struct tfa_record *rec)
{
	const struct tfa_op_touch *t = &req->touch;
	struct tfa_fido_assertion a;
	struct tfa_fido_result fr;
	tfa_err r, saved;

	memset(&a, 0, sizeof(a));
	if (t->rp[0] != '\0')
		r = tfa_strlcpy(a.rp, t->rp, sizeof(a.rp));
	else
		r = tfa_config_origin(c->cfg, a.rp, sizeof(a.rp));
	/* no challenge handed out: nothing to check against */
	if (c->session == NULL || !c->session->challenge_set)
		r = TFA_ERR_INVAL;
	if (r == TFA_OK) {
		memcpy(a.cdh, c->session->challenge, sizeof(a.cdh));
		memcpy(a.cred_id, t->cred_id, t->cred_id_len);
		a.cred_id_len = t->cred_id_len;
		memcpy(a.authdata, t->authdata, t->authdata_len);
		a.authdata_len = t->authdata_len;
		memcpy(a.sig, t->sig, t->sig_len);
		a.sig_len = t->sig_len;
		r = tfa_fido_check(c->cfg, rec, &a, tfa_now(), &fr);
	}
	tfa_wipe_struct(&a);
	res->failures = rec->failures;
	res->locked_until = rec->locked_until;
	if (r == TFA_OK)
		return TFA_OK;
	res->check = TFA_CHECK_PROOF;
	if (r == TFA_ERR_BADCODE && (saved = tfa_store_save(st, rec)) != TFA_OK)
		return unsaved(res, saved);
	return r;
}

/*
 * A user changing their own record proves it is them with a current second
 * factor, checked exactly like a login on the record loaded under the same
 * lock as the change: replay and lockout apply, and a wrong proof is saved
 * as a failure before the refusal is returned.  A right one is saved with
 * the change (the step it used, or the backup code it spent), so the check
 * and the change are one update.  An admin acting on --user proves nothing.
 */
static tfa_err
prove(const struct tfa_ops_ctx *c, const struct tfa_op_req *req,
    struct tfa_op_res *res, struct tfa_store *st, struct tfa_record *rec)
{
	struct tfa_verdict v;
	tfa_err r, saved;

	if (c->admin != NULL)
		return TFA_OK;
	if (req->touch.authdata_len != 0)
		return prove_touch(c, req, res, st, rec);
	r = tfa_auth_check(c->cfg, rec, req->proof, tfa_now(), &v);
	res->failures = v.failures;
	res->locked_until = v.locked_until;
	if (r == TFA_OK)
		return TFA_OK;
	res->check = TFA_CHECK_PROOF;
	if ((r == TFA_ERR_BADCODE || r == TFA_ERR_REPLAY) &&
	    (saved = tfa_store_save(st, rec)) != TFA_OK)
		return unsaved(res, saved);
	return r;
}

void
tfa_ops_view(const struct tfa_config *cfg, const struct tfa_record *rec,
    struct tfa_op_view *v)
{
	size_t i;

	memset(v, 0, sizeof(*v));
	v->exists = true;
	v->disabled = rec->disabled;
	v->has_factor = tfa_auth_enrolled(cfg, rec);
	v->totp = rec->totp.enabled;
	if (v->totp) {
		v->totp_algo = (uint32_t)rec->totp.algo;
		v->totp_digits = rec->totp.digits;
		v->totp_period = rec->totp.period;
		v->totp_created = rec->totp.created;
	}
	v->backup = rec->backup.enabled;
	v->backup_left = tfa_backup_left(&rec->backup);
	v->backup_created = rec->backup.created;
	v->failures = rec->failures;
	v->locked_until = rec->locked_until;
	v->last_login = rec->last_login;
	v->last_method = (uint32_t)rec->last_method;
	v->n_keys = (uint32_t)rec->n_keys;	/* at most TFA_LIST_MAX */
	v->n_apppw = (uint32_t)rec->n_apppw;
	v->n_dev = (uint32_t)rec->n_dev;
	/* the store hands lists back sorted by id */
	for (i = 0; i < rec->n_keys && i < TFA_OP_KEYS_MAX; i++) {
		const struct tfa_key *k = &rec->keys[i];
		struct tfa_op_key_info *o = &v->keys[i];

		o->id = k->id;
		memcpy(o->name, k->name, sizeof(o->name));
		memcpy(o->rp, k->rp, sizeof(o->rp));
		o->cose_type = k->cose_type;
		o->uv = k->uv;
		o->pin = k->pin;
		o->sign_count = k->sign_count;
		o->created = k->created;
		o->last_used = k->last_used;
		o->cred_id_len = (uint32_t)k->cred_id_len;
		memcpy(o->cred_id, k->cred_id, k->cred_id_len);
	}
	v->keys_shown = (uint32_t)i;
}

/* ---- the operations ---- */

static tfa_err
op_hello(const struct tfa_ops_ctx *c, const struct tfa_op_req *req,
    struct tfa_op_res *res)
{
	(void)req;
	res->u.hello.cfg = *c->cfg;
	return tfa_strlcpy(res->u.hello.user, c->user,
	    sizeof(res->u.hello.user));
}

static void
fill_view(const struct tfa_ops_ctx *c, const struct tfa_op_req *req,
    const struct tfa_record *rec, struct tfa_op_res *res)
{
	(void)req;
	tfa_ops_view(c->cfg, rec, &res->u.view);
}

static tfa_err
op_view(const struct tfa_ops_ctx *c, const struct tfa_op_req *req,
    struct tfa_op_res *res)
{
	memset(&res->u.view, 0, sizeof(res->u.view));	/* no record */
	return tfa_ops_look(c, req, res, fill_view);
}

/* A new app and the time step of the code that confirmed it. */
struct new_app {
	struct tfa_totp t;
	int64_t step;
};

/*
 * The app the request describes, if the code typed from it is right at our
 * time: proof that the app holds the secret.  Checked before the lock is
 * taken, so a wrong code touches no file.
 */
static tfa_err
confirm_app(const struct tfa_ops_ctx *c, const struct tfa_op_req *req,
    struct new_app *app)
{
	char code[TFA_CODE_MAX + 1];
	tfa_err r = TFA_ERR_BADCODE;

	memset(app, 0, sizeof(*app));
	app->t.enabled = true;
	memcpy(app->t.secret, req->secret, req->secret_len);
	app->t.secret_len = req->secret_len;
	app->t.algo = (enum tfa_hash)req->algo;
	app->t.digits = req->digits;
	app->t.period = req->period;
	app->t.created = tfa_now();
	if (tfa_code_parse(req->code, code, sizeof(code)) == TFA_CODE_TOTP)
		r = tfa_totp_match(&app->t, tfa_now(), c->cfg->clock_tolerance,
		    code, -1, &app->step);
	tfa_wipe_array(code);
	return r;
}

static tfa_err
totp_add(const struct tfa_ops_ctx *c, const struct tfa_op_req *req,
    struct tfa_op_res *res, struct tfa_store *st, struct tfa_record *rec,
    void *arg)
{
	struct new_app *app = arg;
	tfa_err r;

	if (rec->totp.enabled)
		return TFA_ERR_EXISTS;
	/* a user who has a key already proves it is them before adding */
	if (tfa_auth_enrolled(c->cfg, rec) &&
	    (r = prove(c, req, res, st, rec)) != TFA_OK)
		return r;
	rec->totp = app->t;
	/* the code just typed must not log anyone in (RFC 6238 5.2) */
	if (rec->last_step < app->step)
		rec->last_step = app->step;
	return TFA_OK;
}

static tfa_err
op_totp_add(const struct tfa_ops_ctx *c, const struct tfa_op_req *req,
    struct tfa_op_res *res)
{
	struct new_app app;
	tfa_err r;

	if (!c->cfg->allow_app)
		return TFA_ERR_PERM;
	if ((r = confirm_app(c, req, &app)) != TFA_OK)
		res->check = TFA_CHECK_CONFIRM;
	else
		r = change(c, req, res, true, totp_add, &app);
	tfa_wipe_struct(&app);
	return r;
}

static tfa_err
totp_remove(const struct tfa_ops_ctx *c, const struct tfa_op_req *req,
    struct tfa_op_res *res, struct tfa_store *st, struct tfa_record *rec,
    void *arg)
{
	tfa_err r;

	(void)arg;
	if (!rec->totp.enabled)
		return TFA_ERR_NOENT;
	if ((r = prove(c, req, res, st, rec)) != TFA_OK)
		return r;
	/* last_step and the failure state stay: they guard the next app */
	tfa_wipe_struct(&rec->totp);
	return TFA_OK;
}

static tfa_err
op_totp_remove(const struct tfa_ops_ctx *c, const struct tfa_op_req *req,
    struct tfa_op_res *res)
{
	return change(c, req, res, false, totp_remove, NULL);
}

/*
 * Backup codes are a second factor of their own, so a user makes them only
 * with a proof (a code from the app, an old backup code, or a touch of a
 * registered key), the first set as well as a new one: otherwise whoever
 * had the user's password and a shell could mint codes for the next login.
 */
static tfa_err
backup_new(const struct tfa_ops_ctx *c, const struct tfa_op_req *req,
    struct tfa_op_res *res, struct tfa_store *st, struct tfa_record *rec,
    void *arg)
{
	tfa_err r;

	(void)arg;
	/* backup codes stand in for an app or key; alone they are nothing */
	if (!tfa_auth_enrolled(c->cfg, rec))
		return TFA_ERR_NOMETHOD;
	if ((r = prove(c, req, res, st, rec)) != TFA_OK)
		return r;
	return tfa_backup_generate(&rec->backup, res->u.codes, tfa_now());
}

static tfa_err
op_backup_new(const struct tfa_ops_ctx *c, const struct tfa_op_req *req,
    struct tfa_op_res *res)
{
	tfa_err r;

	if (!c->cfg->allow_backup)
		return TFA_ERR_PERM;
	r = change(c, req, res, false, backup_new, NULL);
	return r == TFA_ERR_NOENT ? TFA_ERR_NOMETHOD : r;
}

static tfa_err
set_disabled(struct tfa_record *rec, bool disabled)
{
	rec->disabled = disabled;
	return TFA_OK;
}

static tfa_err
disable(const struct tfa_ops_ctx *c, const struct tfa_op_req *req,
    struct tfa_op_res *res, struct tfa_store *st, struct tfa_record *rec,
    void *arg)
{
	(void)c, (void)req, (void)res, (void)st, (void)arg;
	return set_disabled(rec, true);
}

static tfa_err
enable(const struct tfa_ops_ctx *c, const struct tfa_op_req *req,
    struct tfa_op_res *res, struct tfa_store *st, struct tfa_record *rec,
    void *arg)
{
	(void)c, (void)req, (void)res, (void)st, (void)arg;
	return set_disabled(rec, false);
}

/* A user without a record gets one, so that Enforce lets them through. */
static tfa_err
op_disable(const struct tfa_ops_ctx *c, const struct tfa_op_req *req,
    struct tfa_op_res *res)
{
	return change(c, req, res, true, disable, NULL);
}

static tfa_err
op_enable(const struct tfa_ops_ctx *c, const struct tfa_op_req *req,
    struct tfa_op_res *res)
{
	return change(c, req, res, false, enable, NULL);
}

static tfa_err
op_reset(const struct tfa_ops_ctx *c, const struct tfa_op_req *req,
    struct tfa_op_res *res)
{
	struct tfa_store *st = NULL;
	tfa_err r;

	(void)req, (void)res;
	if ((r = tfa_store_lock(c->cfg, c->log, c->user, &st)) == TFA_OK)
		r = tfa_store_delete(st);
	tfa_store_close(&st);
	return r;
}

static tfa_err
op_key_challenge(const struct tfa_ops_ctx *c, const struct tfa_op_req *req,
    struct tfa_op_res *res)
{
	tfa_err r;

	(void)req;
	if (c->session == NULL)
		return TFA_ERR_INVAL;
	if ((r = tfa_random(c->session->challenge,
	    sizeof(c->session->challenge))) != TFA_OK)
		return r;
	c->session->challenge_set = true;
	memcpy(res->u.challenge, c->session->challenge,
	    sizeof(res->u.challenge));
	return TFA_OK;
}

/*
 * The key the request registers, verified here and not taken on the word
 * of the process that talked to the device: made for our Origin, over the
 * challenge we handed out (so it was made for this request, not replayed),
 * with a valid attestation or self attestation, user presence and the uv
 * it claims; and the credential id and public key it sends are the ones
 * the signed authenticator data holds.  Checked before the lock is taken.
 */
static tfa_err
verify_key(const struct tfa_ops_ctx *c, const struct tfa_op_key *k,
    struct tfa_key *key)
{
	struct tfa_fido_attestation att;
	char rp[TFA_RP_MAX + 1];
	tfa_err r = TFA_ERR_BADCODE;

	memset(key, 0, sizeof(*key));
	if (c->session == NULL || !c->session->challenge_set ||
	    tfa_config_origin(c->cfg, rp, sizeof(rp)) != TFA_OK ||
	    strcmp(k->rp, rp) != 0)
		return TFA_ERR_INVAL;
	memset(&att, 0, sizeof(att));
	memcpy(att.fmt, k->fmt, sizeof(att.fmt));
	memcpy(att.authdata, k->authdata, k->authdata_len);
	att.authdata_len = k->authdata_len;
	memcpy(att.attstmt, k->attstmt, k->attstmt_len);
	att.attstmt_len = k->attstmt_len;
	if (tfa_fido_reg_verify(&att, rp, c->session->challenge, k->cose_type,
	    k->uv != 0, k->pin != 0, key) == TFA_FIDO_OK &&
	    key->cred_id_len == k->cred_id_len &&
	    tfa_ct_equal(key->cred_id, k->cred_id, k->cred_id_len) &&
	    key->pubkey_len == k->pubkey_len &&
	    tfa_ct_equal(key->pubkey, k->pubkey, k->pubkey_len)) {
		memcpy(key->name, k->name, sizeof(key->name));
		key->created = tfa_now();
		r = TFA_OK;
	}
	tfa_wipe_struct(&att);
	if (r != TFA_OK)
		tfa_wipe_struct(key);
	return r;
}

static bool
known_cred(const struct tfa_record *rec, const struct tfa_key *key)
{
	size_t i;

	for (i = 0; i < rec->n_keys; i++)
		if (rec->keys[i].cred_id_len == key->cred_id_len &&
		    tfa_ct_equal(rec->keys[i].cred_id, key->cred_id,
		    key->cred_id_len))
			return true;
	return false;
}

static tfa_err
key_add(const struct tfa_ops_ctx *c, const struct tfa_op_req *req,
    struct tfa_op_res *res, struct tfa_store *st, struct tfa_record *rec,
    void *arg)
{
	const struct tfa_key *key = arg;
	struct tfa_key *k;
	uint32_t id;
	tfa_err r;

	if (rec->disabled && c->admin == NULL)
		return TFA_ERR_PERM;
	if (rec->n_keys >= c->cfg->max_keys)
		return TFA_ERR_EXISTS;
	if (known_cred(rec, key)) {
		res->check = TFA_CHECK_KEY;
		return TFA_ERR_EXISTS;
	}
	/* a user who has a second factor already proves it is them */
	if (tfa_auth_enrolled(c->cfg, rec) &&
	    (r = prove(c, req, res, st, rec)) != TFA_OK)
		return r;
	if ((k = tfa_record_add_key(rec)) == NULL)
		return TFA_ERR_NOMEM;
	id = k->id;
	*k = *key;
	k->id = id;
	res->u.key_id = id;
	return TFA_OK;
}

static tfa_err
op_key_add(const struct tfa_ops_ctx *c, const struct tfa_op_req *req,
    struct tfa_op_res *res)
{
	struct tfa_key key;
	tfa_err r;

	if (!c->cfg->allow_keys)
		return TFA_ERR_PERM;
	if ((r = verify_key(c, &req->key, &key)) != TFA_OK)
		res->check = TFA_CHECK_KEY;
	else
		r = change(c, req, res, true, key_add, &key);
	tfa_wipe_struct(&key);
	return r;
}

static tfa_err
key_remove(const struct tfa_ops_ctx *c, const struct tfa_op_req *req,
    struct tfa_op_res *res, struct tfa_store *st, struct tfa_record *rec,
    void *arg)
{
	size_t i;
	tfa_err r;

	(void)arg;
	for (i = 0; i < rec->n_keys && rec->keys[i].id != req->key.id; i++)
		;
	if (i == rec->n_keys)
		return TFA_ERR_NOENT;
	if (tfa_auth_enrolled(c->cfg, rec) &&
	    (r = prove(c, req, res, st, rec)) != TFA_OK)
		return r;
	return tfa_record_remove_key(rec, i);
}

static tfa_err
op_key_remove(const struct tfa_ops_ctx *c, const struct tfa_op_req *req,
    struct tfa_op_res *res)
{
	return change(c, req, res, false, key_remove, NULL);
}

/* ---- the table, the checks and the dispatch ---- */

struct op_entry {
	const char *name;	/* in log lines */
	op_fn fn;
	bool monitor;		/* an unprivileged user may ask for it */
	bool admin_only;	/* only with an admin in the context */
	bool quiet;		/* read-only: logged only for an admin */
	bool totp;		/* the request carries a new app */
	bool proof;		/* the request may carry a proof */
};

static const struct op_entry ops[TFA_OP_END] = {
	[TFA_OP_HELLO] = { "hello", op_hello, true, false, true, false, false },
	[TFA_OP_VIEW] = { "status", op_view, true, false, true, false, false },
	[TFA_OP_TOTP_ADD] = { "totp-add", op_totp_add, true, false, false,
	    true, true },
	[TFA_OP_TOTP_REMOVE] = { "totp-remove", op_totp_remove, true, false,
	    false, false, true },
	[TFA_OP_BACKUP_NEW] = { "backup-codes", op_backup_new, true, false,
	    false, false, true },
	[TFA_OP_DISABLE] = { "disable", op_disable, false, true, false, false,
	    false },
	[TFA_OP_ENABLE] = { "enable", op_enable, false, true, false, false,
	    false },
	[TFA_OP_RESET] = { "reset", op_reset, false, true, false, false,
	    false },
	[TFA_OP_KEY_CHALLENGE] = { "key-challenge", op_key_challenge, true,
	    false, true, false, false },
	[TFA_OP_KEY_ADD] = { "key-add", op_key_add, true, false, false, false,
	    true },
	[TFA_OP_KEY_REMOVE] = { "key-remove", op_key_remove, true, false,
	    false, false, true },
	[TFA_OP_APPPW_ADD] = { "apppw-add", tfa_ops_apppw_add, true, false,
	    false, false, true },
	[TFA_OP_APPPW_LIST] = { "apppw-list", tfa_ops_apppw_list, true, false,
	    true, false, false },
	[TFA_OP_APPPW_REMOVE] = { "apppw-remove", tfa_ops_apppw_remove, true,
	    false, false, false, false },
	[TFA_OP_DEVICE_LIST] = { "devices", tfa_ops_device_list, true, false,
	    true, false, false },
	[TFA_OP_DEVICE_REMOVE] = { "device-remove", tfa_ops_device_remove,
	    true, false, false, false, false },
};

static const struct op_entry *
find_op(uint32_t op)
{
	if (op >= TFA_OP_END || ops[op].fn == NULL)
		return NULL;
	return &ops[op];
}

const char *
tfa_ops_name(uint32_t op)
{
	const struct op_entry *o = find_op(op);

	return o != NULL ? o->name : "unknown";
}

static bool
all_zero(const void *p, size_t len)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i] != 0)
			return false;
	return true;
}

static bool
terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

static bool
valid_totp(const struct tfa_op_req *req)
{
	return req->secret_len >= SECRET_MIN &&
	    req->secret_len <= sizeof(req->secret) &&
	    all_zero(req->secret + req->secret_len,
	    sizeof(req->secret) - req->secret_len) &&
	    tfa_hash_name((enum tfa_hash)req->algo) != NULL &&
	    req->digits >= 6 && req->digits <= 8 &&
	    req->period >= 15 && req->period <= 120 &&
	    terminated(req->code, sizeof(req->code));
}

static bool
no_totp(const struct tfa_op_req *req)
{
	return req->secret_len == 0 && req->algo == 0 && req->digits == 0 &&
	    req->period == 0 && all_zero(req->secret, sizeof(req->secret)) &&
	    all_zero(req->code, sizeof(req->code));
}

/* len bytes of p's size are used, at least min, and the rest is zero. */
static bool
sized(const uint8_t *p, size_t size, uint32_t len, uint32_t min)
{
	return len >= min && len <= size && all_zero(p + len, size - len);
}

/* A name for people: 1 to TFA_NAME_MAX bytes of text (text.h). */
static bool
valid_name(const char *s, size_t size)
{
	size_t n;

	return tfa_text_ok(s, size, &n) && n > 0;
}

static bool
valid_key_add(const struct tfa_op_key *k)
{
	return k->id == 0 &&
	    (k->cose_type == COSE_ES256 || k->cose_type == COSE_EDDSA) &&
	    k->uv <= 1 && k->pin <= 1 &&
	    valid_name(k->name, sizeof(k->name)) &&
	    terminated(k->rp, sizeof(k->rp)) &&
	    terminated(k->fmt, sizeof(k->fmt)) &&
	    sized(k->cred_id, sizeof(k->cred_id), k->cred_id_len, 1) &&
	    sized(k->pubkey, sizeof(k->pubkey), k->pubkey_len, 1) &&
	    sized(k->authdata, sizeof(k->authdata), k->authdata_len, 1) &&
	    sized(k->attstmt, sizeof(k->attstmt), k->attstmt_len, 1);
}

/* Which of the request's key fields an operation uses. */
static bool
valid_key(const struct tfa_op_req *req)
{
	struct tfa_op_key zero;

	switch (req->op) {
	case TFA_OP_KEY_ADD:
		return valid_key_add(&req->key);
	case TFA_OP_KEY_REMOVE:
		memset(&zero, 0, sizeof(zero));
		zero.id = req->key.id;
		return req->key.id != 0 &&
		    memcmp(&zero, &req->key, sizeof(zero)) == 0;
	default:
		return all_zero(&req->key, sizeof(req->key));
	}
}

/* A touch instead of a code: only where a proof goes, never both. */
static bool
valid_touch(const struct tfa_op_req *req, bool proof)
{
	const struct tfa_op_touch *t = &req->touch;

	if (!proof || all_zero(t, sizeof(*t)))
		return all_zero(t, sizeof(*t));
	return req->proof[0] == '\0' && terminated(t->rp, sizeof(t->rp)) &&
	    sized(t->cred_id, sizeof(t->cred_id), t->cred_id_len, 0) &&
	    sized(t->authdata, sizeof(t->authdata), t->authdata_len, 1) &&
	    sized(t->sig, sizeof(t->sig), t->sig_len, 1);
}

bool
tfa_ops_valid(const struct tfa_op_req *req)
{
	const struct op_entry *o = find_op(req->op);

	if (o == NULL || !o->monitor || o->admin_only)
		return false;
	if (o->totp ? !valid_totp(req) : !no_totp(req))
		return false;
	if (!valid_key(req) || !tfa_ops_valid_mail(req))
		return false;
	if (o->proof)
		return terminated(req->proof, sizeof(req->proof)) &&
		    valid_touch(req, true);
	return all_zero(req->proof, sizeof(req->proof)) &&
	    valid_touch(req, false);
}

/* One word for the log's result= field. */
static const char *
result_word(tfa_err r, uint32_t check)
{
	switch (r) {
	case TFA_OK:		return "ok";
	case TFA_ERR_BADCODE:	return check == TFA_CHECK_CONFIRM ?
				    "wrong-new-code" : check == TFA_CHECK_KEY ?
				    "key-does-not-verify" : "wrong-code";
	case TFA_ERR_REPLAY:	return "replayed-code";
	case TFA_ERR_INVAL:	return "no-code";
	case TFA_ERR_LOCKED:	return "locked-out";
	case TFA_ERR_NOENT:	return "nothing-to-change";
	case TFA_ERR_NOMETHOD:	return "no-second-factor";
	case TFA_ERR_EXISTS:	return "already-configured";
	case TFA_ERR_PERM:	return "not-allowed";
	case TFA_ERR_USER:	return "bad-user-name";
	default:		return "error";
	}
}

static void
log_result(const struct tfa_ops_ctx *c, const struct op_entry *o, tfa_err r,
    uint32_t check)
{
	char user[TFA_USER_FILE_MAX + 1], admin[TFA_USER_FILE_MAX + 1];
	/* notice, not warning: tfa-enroll's sink shows warnings on stderr,
	   and the command itself tells the user what happened */
	const int prio = LOG_NOTICE;

	/* escaped as the module logs names: no spaces, no '=' to forge with */
	if (tfa_user_escape(c->user, user, sizeof(user)) != TFA_OK)
		tfa_strlcpy(user, "?", sizeof(user));
	if (c->admin == NULL) {
		tfa_log(c->log, prio, "action=%s user=%s result=%s", o->name,
		    user, result_word(r, check));
		return;
	}
	if (tfa_user_escape(c->admin, admin, sizeof(admin)) != TFA_OK)
		tfa_strlcpy(admin, "?", sizeof(admin));
	tfa_log(c->log, prio, "admin=%s action=%s user=%s result=%s", admin,
	    o->name, user, result_word(r, check));
}

tfa_err
tfa_ops_run(const struct tfa_ops_ctx *c, const struct tfa_op_req *req,
    struct tfa_op_res *res)
{
	const struct op_entry *o = find_op(req->op);
	tfa_err r;

	memset(res, 0, sizeof(*res));
	res->op = req->op;
	if (o == NULL)
		r = TFA_ERR_INVAL;
	else if (tfa_user_check(c->user) != TFA_OK)
		r = TFA_ERR_USER;
	else if (o->admin_only && c->admin == NULL)
		r = TFA_ERR_PERM;
	else
		r = o->fn(c, req, res);
	/* a challenge is good for the one request after it */
	if (c->session != NULL && req->op != TFA_OP_KEY_CHALLENGE)
		tfa_wipe_struct(c->session);
	if (r != TFA_OK)
		explicit_bzero(&res->u, sizeof(res->u));	/* no stray codes */
	if (o != NULL && (!o->quiet || c->admin != NULL))
		log_result(c, o, r, res->check);
	res->err = (int32_t)r;
	return r;
}

tfa_err
tfa_ops_change(const struct tfa_ops_ctx *c, const struct tfa_op_req *req,
    struct tfa_op_res *res, bool create, tfa_ops_change_fn fn, void *arg)
{
	return change(c, req, res, create, fn, arg);
}

tfa_err
tfa_ops_prove(const struct tfa_ops_ctx *c, const struct tfa_op_req *req,
    struct tfa_op_res *res, struct tfa_store *st, struct tfa_record *rec)
{
	return prove(c, req, res, st, rec);
}

bool
tfa_ops_all_zero(const void *p, size_t len)
{
	return all_zero(p, len);
}

bool
tfa_ops_text(const char *s, size_t size, bool empty_ok)
{
	size_t n;

	return tfa_text_ok(s, size, &n) && (n > 0 || empty_ok) &&
	    all_zero(s + n, size - n);
}

/*
 * Security keys, the deciding side: an assertion is checked against the
 * public key stored at registration, never against anything the device
 * says about itself, and the signature counter is compared with the one
 * loaded under the user's lock, so two racing logins cannot both pass with
 * the same counter.
 */
#include <string.h>

#include <fido.h>
#include <fido/eddsa.h>
#include <fido/es256.h>

#include "store.h"
#include "tfa_fido.h"

bool
tfa_fido_counter_ok(uint32_t stored, uint32_t next)
{
	/* some authenticators keep no counter and always send 0 */
	return next > stored || (next == 0 && stored == 0);
}

static int
verify_es256(const fido_assert_t *a, const struct tfa_key *key)
{
	es256_pk_t *pk;
	int r = FIDO_ERR_INVALID_ARGUMENT;

	if ((pk = es256_pk_new()) == NULL)
		return FIDO_ERR_INTERNAL;
	if (es256_pk_from_ptr(pk, key->pubkey, key->pubkey_len) == FIDO_OK)
		r = fido_assert_verify(a, 0, COSE_ES256, pk);
	es256_pk_free(&pk);
	return r;
}

static int
verify_eddsa(const fido_assert_t *a, const struct tfa_key *key)
{
	eddsa_pk_t *pk;
	int r = FIDO_ERR_INVALID_ARGUMENT;

	if ((pk = eddsa_pk_new()) == NULL)
		return FIDO_ERR_INTERNAL;
	if (eddsa_pk_from_ptr(pk, key->pubkey, key->pubkey_len) == FIDO_OK)
		r = fido_assert_verify(a, 0, COSE_EDDSA, pk);
	eddsa_pk_free(&pk);
	return r;
}

/* libfido2 checks rp id hash, UP, UV (when set) and the signature. */
static int
verify_sig(const fido_assert_t *a, const struct tfa_key *key)
{
	switch (key->cose_type) {
	case COSE_ES256:
		return verify_es256(a, key);
	case COSE_EDDSA:
		return verify_eddsa(a, key);
	default:
		return FIDO_ERR_UNSUPPORTED_ALGORITHM;
	}
}

enum tfa_fido_status
tfa_fido_verify(const struct tfa_key *key, const char *rp,
    const uint8_t *cdh, size_t cdh_len, const uint8_t *authdata,
    size_t authdata_len, const uint8_t *sig, size_t sig_len,
    uint32_t *count)
{
	enum tfa_fido_status st = TFA_FIDO_BAD_RESPONSE;
	fido_assert_t *a;

	*count = 0;
	/* a key answers only for the relying party it was made for */
	if (strcmp(key->rp, rp) != 0 || cdh_len != TFA_FIDO_CDH_LEN)
		return TFA_FIDO_BAD_RESPONSE;
	if ((a = fido_assert_new()) == NULL)
		return TFA_FIDO_ERROR;
	if (fido_assert_set_count(a, 1) != FIDO_OK ||
	    fido_assert_set_rp(a, rp) != FIDO_OK ||
	    fido_assert_set_clientdata_hash(a, cdh, cdh_len) != FIDO_OK ||
	    fido_assert_set_up(a, FIDO_OPT_TRUE) != FIDO_OK ||
	    fido_assert_set_uv(a, key->uv ? FIDO_OPT_TRUE : FIDO_OPT_OMIT) !=
	    FIDO_OK) {
		st = TFA_FIDO_ERROR;
		goto out;
	}
	/* a malformed authdata or signature is refused here or below */
	if (fido_assert_set_authdata(a, 0, authdata, authdata_len) !=
	    FIDO_OK || fido_assert_set_sig(a, 0, sig, sig_len) != FIDO_OK)
		goto out;
	if (verify_sig(a, key) != FIDO_OK)
		goto out;
	*count = fido_assert_sigcount(a, 0);
	st = TFA_FIDO_OK;
out:
	fido_assert_free(&a);
	return st;
}

/* The key that answered a: by credential id, within a's relying party. */
static const struct tfa_key *
find_key(const struct tfa_record *rec, const struct tfa_fido_assertion *a,
    size_t *idx)
{
	size_t i, n = 0, only = 0;

	for (i = 0; i < rec->n_keys; i++) {
		const struct tfa_key *k = &rec->keys[i];

		if (strcmp(k->rp, a->rp) != 0)
			continue;
		n++;
		only = i;
		if (a->cred_id_len != 0 && k->cred_id_len == a->cred_id_len &&
		    tfa_ct_equal(k->cred_id, a->cred_id, a->cred_id_len)) {
			*idx = i;
			return k;
		}
	}
	/* CTAP2 lets a key leave the id out when the allow list had one */
	if (a->cred_id_len != 0 || n != 1)
		return NULL;
	*idx = only;
	return &rec->keys[only];
}

tfa_err
tfa_fido_check(const struct tfa_config *cfg, struct tfa_record *rec,
    const struct tfa_fido_assertion *a, int64_t now,
    struct tfa_fido_result *res)
{
	const struct tfa_key *key;
	struct tfa_key changed;
	uint32_t count;
	size_t idx;
	tfa_err r;

	if (rec->disabled || !cfg->allow_keys || rec->n_keys == 0)
		return TFA_ERR_NOMETHOD;
	if (tfa_auth_locked(rec, now))
		return TFA_ERR_LOCKED;
	if ((key = find_key(rec, a, &idx)) == NULL) {
		res->status = TFA_FIDO_NO_MATCH;	/* removed meanwhile */
		return TFA_ERR_NOMETHOD;
	}
	if (rec->locked_until != 0) {	/* lockout over: start afresh */
		rec->locked_until = 0;
		rec->failures = 0;
	}
	res->key_id = key->id;
	res->stored_count = key->sign_count;
	res->status = tfa_fido_verify(key, a->rp, a->cdh, sizeof(a->cdh),
	    a->authdata, a->authdata_len, a->sig, a->sig_len, &count);
	res->count = count;
	if (res->status == TFA_FIDO_OK &&
	    !tfa_fido_counter_ok(key->sign_count, count))
		res->status = TFA_FIDO_CLONED;
	if (res->status == TFA_FIDO_ERROR)
		return TFA_ERR_CRYPTO;
	if (res->status != TFA_FIDO_OK) {
		tfa_auth_count_failure(cfg, rec, now);
		return TFA_ERR_BADCODE;
	}
	changed = *key;
	changed.sign_count = count;
	changed.last_used = now;
	r = tfa_record_set_key(rec, idx, &changed);
	tfa_wipe_struct(&changed);
	if (r != TFA_OK)
		return r;
	rec->failures = 0;
	rec->last_login = now;
	rec->last_method = TFA_METHOD_KEY;
	return TFA_OK;
}

tfa_err
tfa_fido_auth(const struct tfa_config *cfg, const struct tfa_log *log,
    const char *user, const struct tfa_fido_assertion *a, int64_t now,
    struct tfa_verdict *v, struct tfa_fido_result *res)
{
	struct tfa_store *st = NULL;
	struct tfa_record rec;
	tfa_err r, saved;

	memset(v, 0, sizeof(*v));
	memset(res, 0, sizeof(*res));
	res->status = TFA_FIDO_ERROR;
	tfa_record_init(&rec);
	if ((r = tfa_store_lock(cfg, log, user, &st)) != TFA_OK ||
	    (r = tfa_store_load(st, &rec)) != TFA_OK)
		goto out;
	r = tfa_fido_check(cfg, &rec, a, now, res);
	/* the outcome counts only once it is on disk */
	if ((r == TFA_OK || r == TFA_ERR_BADCODE) &&
	    (saved = tfa_store_save(st, &rec)) != TFA_OK)
		r = saved;
	v->method = r == TFA_OK ? TFA_METHOD_KEY : TFA_METHOD_NONE;
	v->failures = rec.failures;
	v->locked_until = rec.locked_until;
	v->backup_left = tfa_backup_left(&rec.backup);
out:
	tfa_store_close(&st);
	tfa_record_wipe(&rec);
	return r;
}

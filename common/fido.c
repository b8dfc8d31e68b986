/*
 * Security keys, the device side: finding authenticators, registering a
 * credential, asking for assertions.  Nothing here decides whether a login
 * succeeds; fido_auth.c does, from the stored public key.
 */
#include <stdlib.h>
#include <string.h>

#include <fido.h>
#include <fido/eddsa.h>
#include <fido/es256.h>

#include "tfa_fido.h"

/* authenticator data flags (CTAP2 6.1) */
#define FLAG_UP	0x01
#define FLAG_UV	0x04

/*
 * With a PIN, libfido2 sends a PIN token that makes the key verify the
 * user; asking for "uv" as well would make keys without built-in
 * verification refuse.  So uv goes as an option only without a PIN, and
 * the UV flag is checked on the signed answer either way.
 */
static fido_opt_t
uv_option(bool uv, const char *pin)
{
	return uv && pin == NULL ? FIDO_OPT_TRUE : FIDO_OPT_OMIT;
}

const char *
tfa_fido_status_str(enum tfa_fido_status s)
{
	switch (s) {
	case TFA_FIDO_OK:		return "success";
	case TFA_FIDO_NO_DEVICE:	return "no security key plugged in";
	case TFA_FIDO_NO_MATCH:		return "not a registered security key";
	case TFA_FIDO_TIMEOUT:		return "not touched in time";
	case TFA_FIDO_PIN_REQUIRED:	return "the key needs its PIN";
	case TFA_FIDO_PIN_INVALID:	return "wrong PIN";
	case TFA_FIDO_PIN_BLOCKED:	return "PIN blocked after too many "
					    "wrong tries";
	case TFA_FIDO_EXCLUDED:		return "key already registered";
	case TFA_FIDO_UNSUPPORTED:	return "not supported by the key";
	case TFA_FIDO_NO_UV:		return "the key cannot verify the user "
					    "(no PIN or built-in check)";
	case TFA_FIDO_BAD_RESPONSE:	return "the key's answer does not "
					    "verify";
	case TFA_FIDO_CLONED:		return "signature counter went "
					    "backwards (cloned key?)";
	case TFA_FIDO_ERROR:		return "security key error";
	}
	return "unknown";
}

const char *
tfa_fido_cose_name(int cose_type)
{
	switch (cose_type) {
	case COSE_ES256:	return "es256";
	case COSE_EDDSA:	return "eddsa";
	}
	return "unknown";
}

static enum tfa_fido_status
status_of(int r)
{
	switch (r) {
	case FIDO_OK:
		return TFA_FIDO_OK;
	case FIDO_ERR_NO_CREDENTIALS:
		return TFA_FIDO_NO_MATCH;
	case FIDO_ERR_RX:		/* HID read timed out, or unplugged */
	case FIDO_ERR_TIMEOUT:
	case FIDO_ERR_ACTION_TIMEOUT:
	case FIDO_ERR_USER_ACTION_TIMEOUT:
	case FIDO_ERR_KEEPALIVE_CANCEL:
		return TFA_FIDO_TIMEOUT;
	case FIDO_ERR_PIN_REQUIRED:
		return TFA_FIDO_PIN_REQUIRED;
	case FIDO_ERR_PIN_INVALID:
	case FIDO_ERR_PIN_POLICY_VIOLATION:	/* libfido2: length 4..255 */
		return TFA_FIDO_PIN_INVALID;
	case FIDO_ERR_PIN_BLOCKED:
	case FIDO_ERR_PIN_AUTH_BLOCKED:
	case FIDO_ERR_UV_BLOCKED:
		return TFA_FIDO_PIN_BLOCKED;
	case FIDO_ERR_CREDENTIAL_EXCLUDED:
		return TFA_FIDO_EXCLUDED;
	case FIDO_ERR_UNSUPPORTED_ALGORITHM:
	case FIDO_ERR_UNSUPPORTED_OPTION:
	case FIDO_ERR_INVALID_OPTION:
		return TFA_FIDO_UNSUPPORTED;
	default:
		return TFA_FIDO_ERROR;
	}
}

/* ---- finding and opening authenticators ---- */

enum tfa_fido_status
tfa_fido_find_devices(struct tfa_fido_devs *devs)
{
	size_t n = 0;

	memset(devs, 0, sizeof(*devs));
	if ((devs->info = fido_dev_info_new(TFA_FIDO_DEV_MAX)) == NULL)
		return TFA_FIDO_ERROR;
	if (fido_dev_info_manifest(devs->info, TFA_FIDO_DEV_MAX, &n) !=
	    FIDO_OK || n > TFA_FIDO_DEV_MAX) {
		tfa_fido_devs_free(devs);
		return TFA_FIDO_ERROR;
	}
	if ((devs->n = n) == 0) {
		tfa_fido_devs_free(devs);	/* callers free only a list */
		return TFA_FIDO_NO_DEVICE;
	}
	return TFA_FIDO_OK;
}

void
tfa_fido_devs_free(struct tfa_fido_devs *devs)
{
	if (devs->info != NULL)
		fido_dev_info_free(&devs->info, TFA_FIDO_DEV_MAX);
	devs->info = NULL;
	devs->n = 0;
}

const char *
tfa_fido_dev_label(const struct tfa_fido_devs *devs, size_t i)
{
	const fido_dev_info_t *di;
	const char *p;

	if (i >= devs->n || (di = fido_dev_info_ptr(devs->info, i)) == NULL)
		return "security key";
	p = fido_dev_info_product_string(di);
	return p != NULL && *p != '\0' ? p : "security key";
}

enum tfa_fido_status
tfa_fido_open(const struct tfa_fido_devs *devs, size_t i, int timeout_ms,
    fido_dev_t **out)
{
	const fido_dev_info_t *di;
	fido_dev_t *dev = NULL;

	*out = NULL;
	if (i >= devs->n || (di = fido_dev_info_ptr(devs->info, i)) == NULL ||
	    (dev = fido_dev_new_with_info(di)) == NULL)
		return TFA_FIDO_ERROR;
	/* set before opening, so no step can wait for ever */
	if (fido_dev_set_timeout(dev, timeout_ms) != FIDO_OK ||
	    fido_dev_open_with_info(dev) != FIDO_OK) {
		fido_dev_free(&dev);
		return TFA_FIDO_ERROR;
	}
	*out = dev;
	return TFA_FIDO_OK;
}

void
tfa_fido_close(fido_dev_t **devp)
{
	if (*devp == NULL)
		return;
	fido_dev_close(*devp);
	fido_dev_free(devp);
}

/* ---- registration ---- */

/* A public key libfido2 can load back: what login will verify against. */
static bool
pubkey_loads(int cose_type, const unsigned char *p, size_t len)
{
	es256_pk_t *es = NULL;
	eddsa_pk_t *ed = NULL;
	bool ok = false;

	if (cose_type == COSE_ES256 && (es = es256_pk_new()) != NULL)
		ok = es256_pk_from_ptr(es, p, len) == FIDO_OK;
	else if (cose_type == COSE_EDDSA && (ed = eddsa_pk_new()) != NULL)
		ok = eddsa_pk_from_ptr(ed, p, len) == FIDO_OK;
	es256_pk_free(&es);
	eddsa_pk_free(&ed);
	return ok;
}

static enum tfa_fido_status
reg_setup(fido_cred_t *cred, const struct tfa_fido_reg *req,
    const uint8_t *cdh)
{
	unsigned char uid[32];
	enum tfa_fido_status st = TFA_FIDO_ERROR;
	size_t i;

	/* a fresh random user handle; rk is off, so it never leaves the key */
	if (tfa_random(uid, sizeof(uid)) != TFA_OK)
		goto out;
	if (fido_cred_set_type(cred, req->cose_type) != FIDO_OK ||
	    fido_cred_set_clientdata_hash(cred, cdh, TFA_FIDO_CDH_LEN) !=
	    FIDO_OK ||
	    fido_cred_set_rp(cred, req->rp, req->rp) != FIDO_OK ||
	    fido_cred_set_user(cred, uid, sizeof(uid), req->user, req->user,
	    NULL) != FIDO_OK ||
	    fido_cred_set_rk(cred, FIDO_OPT_OMIT) != FIDO_OK ||
	    fido_cred_set_uv(cred, uv_option(req->uv, req->pin)) != FIDO_OK)
		goto out;
	for (i = 0; i < req->n_exclude; i++)
		if (strcmp(req->exclude[i].rp, req->rp) == 0 &&
		    fido_cred_exclude(cred, req->exclude[i].cred_id,
		    req->exclude[i].cred_id_len) != FIDO_OK)
			goto out;
	st = TFA_FIDO_OK;
out:
	explicit_bzero(uid, sizeof(uid));
	return st;
}

/*
 * Full attestation (a certificate in x5c) or self attestation (signed by
 * the new credential key); either way the signature must verify.  The
 * certificate is not checked against any maker's root: a user's own
 * software authenticator registers too (tfa-enroll(1)).
 */
static enum tfa_fido_status
reg_check(const fido_cred_t *cred, int cose_type, bool uv)
{
	int r;

	if (fido_cred_x5c_ptr(cred) != NULL)
		r = fido_cred_verify(cred);
	else
		r = fido_cred_verify_self(cred);
	if (r != FIDO_OK || fido_cred_type(cred) != cose_type)
		return TFA_FIDO_BAD_RESPONSE;
	/*
	 * the flags as the key claims them: a packed attestation signs them,
	 * a fido-u2f one does not
	 */
	if ((fido_cred_flags(cred) & FLAG_UP) == 0 ||
	    (uv && (fido_cred_flags(cred) & FLAG_UV) == 0))
		return TFA_FIDO_BAD_RESPONSE;
	if (fido_cred_id_len(cred) == 0 ||
	    fido_cred_id_len(cred) > TFA_CRED_ID_MAX ||
	    fido_cred_pubkey_len(cred) > TFA_PUBKEY_MAX ||
	    !pubkey_loads(cose_type, fido_cred_pubkey_ptr(cred),
	    fido_cred_pubkey_len(cred)))
		return TFA_FIDO_BAD_RESPONSE;
	return TFA_FIDO_OK;
}

static enum tfa_fido_status
reg_store(const fido_cred_t *cred, const char *rp, int cose_type, bool uv,
    bool pin, struct tfa_key *key)
{
	if (tfa_strlcpy(key->rp, rp, sizeof(key->rp)) != TFA_OK)
		return TFA_FIDO_ERROR;
	key->cose_type = cose_type;
	key->cred_id_len = fido_cred_id_len(cred);
	memcpy(key->cred_id, fido_cred_id_ptr(cred), key->cred_id_len);
	key->pubkey_len = fido_cred_pubkey_len(cred);
	memcpy(key->pubkey, fido_cred_pubkey_ptr(cred), key->pubkey_len);
	key->uv = uv;
	key->pin = pin;
	key->sign_count = fido_cred_sigcount(cred);
	return TFA_FIDO_OK;
}

/* What a made credential proves, as tfa_fido_reg_verify takes it back. */
static enum tfa_fido_status
reg_export(const fido_cred_t *cred, struct tfa_fido_attestation *att)
{
	const char *fmt = fido_cred_fmt(cred);
	size_t ad_len = fido_cred_authdata_len(cred);
	size_t st_len = fido_cred_attstmt_len(cred);

	memset(att, 0, sizeof(*att));
	if (fmt == NULL || ad_len == 0 || ad_len > sizeof(att->authdata) ||
	    st_len == 0 || st_len > sizeof(att->attstmt) ||
	    tfa_strlcpy(att->fmt, fmt, sizeof(att->fmt)) != TFA_OK)
		return TFA_FIDO_BAD_RESPONSE;
	memcpy(att->authdata, fido_cred_authdata_ptr(cred), ad_len);
	att->authdata_len = ad_len;
	memcpy(att->attstmt, fido_cred_attstmt_ptr(cred), st_len);
	att->attstmt_len = st_len;
	return TFA_FIDO_OK;
}

static enum tfa_fido_status
make_cred(fido_dev_t *dev, const struct tfa_fido_reg *req, const uint8_t *cdh,
    struct tfa_key *key, struct tfa_fido_attestation *att)
{
	fido_cred_t *cred = NULL;
	enum tfa_fido_status st;
	int r;

	if (req->rp == NULL || *req->rp == '\0' || req->user == NULL)
		return TFA_FIDO_ERROR;
	if (req->cose_type != COSE_ES256 && req->cose_type != COSE_EDDSA)
		return TFA_FIDO_UNSUPPORTED;
	if (req->uv && !fido_dev_has_uv(dev) && !fido_dev_has_pin(dev))
		return TFA_FIDO_NO_UV;
	if ((cred = fido_cred_new()) == NULL)
		return TFA_FIDO_ERROR;
	if ((st = reg_setup(cred, req, cdh)) != TFA_FIDO_OK)
		goto out;
	r = fido_dev_make_cred(dev, cred, req->pin);
	if ((st = status_of(r)) == TFA_FIDO_TIMEOUT)
		(void)fido_dev_cancel(dev);	/* stop the key blinking */
	if (st != TFA_FIDO_OK ||
	    (st = reg_check(cred, req->cose_type, req->uv)) != TFA_FIDO_OK)
		goto out;
	st = reg_store(cred, req->rp, req->cose_type, req->uv,
	    req->pin != NULL, key);
	if (st == TFA_FIDO_OK && att != NULL)
		st = reg_export(cred, att);
out:
	fido_cred_free(&cred);
	return st;
}

enum tfa_fido_status
tfa_fido_register(fido_dev_t *dev, const struct tfa_fido_reg *req,
    struct tfa_key *key)
{
	unsigned char cdh[TFA_FIDO_CDH_LEN];
	enum tfa_fido_status st = TFA_FIDO_ERROR;

	/* a fresh random challenge */
	if (tfa_random(cdh, sizeof(cdh)) == TFA_OK)
		st = make_cred(dev, req, cdh, key, NULL);
	explicit_bzero(cdh, sizeof(cdh));
	return st;
}

enum tfa_fido_status
tfa_fido_register_for(fido_dev_t *dev, const struct tfa_fido_reg *req,
    const uint8_t cdh[TFA_FIDO_CDH_LEN], struct tfa_key *key,
    struct tfa_fido_attestation *att)
{
	return make_cred(dev, req, cdh, key, att);
}

enum tfa_fido_status
tfa_fido_reg_verify(const struct tfa_fido_attestation *att, const char *rp,
    const uint8_t cdh[TFA_FIDO_CDH_LEN], int cose_type, bool uv, bool pin,
    struct tfa_key *key)
{
	fido_cred_t *cred = NULL;
	enum tfa_fido_status st = TFA_FIDO_BAD_RESPONSE;

	memset(key, 0, sizeof(*key));
	if (cose_type != COSE_ES256 && cose_type != COSE_EDDSA)
		return TFA_FIDO_UNSUPPORTED;
	if ((cred = fido_cred_new()) == NULL)
		return TFA_FIDO_ERROR;
	/* everything the signature covers comes from here, not from the key:
	   the relying party, the challenge, the type; uv is checked on the
	   signed flags by reg_check */
	if (fido_cred_set_type(cred, cose_type) != FIDO_OK ||
	    fido_cred_set_clientdata_hash(cred, cdh, TFA_FIDO_CDH_LEN) !=
	    FIDO_OK || fido_cred_set_rp(cred, rp, rp) != FIDO_OK ||
	    fido_cred_set_rk(cred, FIDO_OPT_OMIT) != FIDO_OK ||
	    fido_cred_set_uv(cred, FIDO_OPT_OMIT) != FIDO_OK ||
	    fido_cred_set_fmt(cred, att->fmt) != FIDO_OK ||
	    fido_cred_set_authdata(cred, att->authdata, att->authdata_len) !=
	    FIDO_OK ||
	    fido_cred_set_attstmt(cred, att->attstmt, att->attstmt_len) !=
	    FIDO_OK)
		goto out;
	if ((st = reg_check(cred, cose_type, uv)) == TFA_FIDO_OK)
		st = reg_store(cred, rp, cose_type, uv, pin, key);
out:
	fido_cred_free(&cred);
	if (st != TFA_FIDO_OK)
		memset(key, 0, sizeof(*key));
	return st;
}

/* ---- assertions ---- */

size_t
tfa_fido_keys_for(const struct tfa_record *rec, const char *rp, size_t *idx,
    size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < rec->n_keys && n < max; i++)
		if (strcmp(rec->keys[i].rp, rp) == 0)
			idx[n++] = i;
	return n;
}

/* An assertion request for rp over an allow list, with challenge cdh. */
static fido_assert_t *
assert_new(const char *rp, const struct tfa_key *keys, const size_t *idx,
    size_t n, const unsigned char *cdh)
{
	fido_assert_t *a;
	size_t i;

	if ((a = fido_assert_new()) == NULL)
		return NULL;
	if (fido_assert_set_rp(a, rp) != FIDO_OK ||
	    fido_assert_set_clientdata_hash(a, cdh, TFA_FIDO_CDH_LEN) !=
	    FIDO_OK)
		goto fail;
	for (i = 0; i < n; i++)
		if (fido_assert_allow_cred(a, keys[idx[i]].cred_id,
		    keys[idx[i]].cred_id_len) != FIDO_OK)
			goto fail;
	return a;
fail:
	fido_assert_free(&a);
	return NULL;
}

/* Which of the allowed credentials answered, as an index into idx. */
static size_t
answered(const fido_assert_t *a, const struct tfa_key *keys,
    const size_t *idx, size_t n)
{
	const unsigned char *id = fido_assert_id_ptr(a, 0);
	size_t len = fido_assert_id_len(a, 0), i;

	if (len == 0 || id == NULL)	/* may be left out for a list of one */
		return n == 1 ? 0 : SIZE_MAX;
	for (i = 0; i < n; i++)
		if (keys[idx[i]].cred_id_len == len &&
		    tfa_ct_equal(keys[idx[i]].cred_id, id, len))
			return i;
	return SIZE_MAX;
}

enum tfa_fido_status
tfa_fido_probe(fido_dev_t *dev, const char *rp, const struct tfa_key *keys,
    const size_t *idx, size_t n, size_t *match)
{
	unsigned char cdh[TFA_FIDO_CDH_LEN];
	enum tfa_fido_status st = TFA_FIDO_ERROR;
	fido_assert_t *a;
	int r;

	*match = SIZE_MAX;
	if (n == 0)
		return TFA_FIDO_NO_MATCH;
	if (tfa_random(cdh, sizeof(cdh)) != TFA_OK ||
	    (a = assert_new(rp, keys, idx, n, cdh)) == NULL)
		goto out;
	/* up=false: the key answers at once, without a touch (CTAP2 5.2) */
	if (fido_assert_set_up(a, FIDO_OPT_FALSE) != FIDO_OK)
		goto out;
	r = fido_dev_get_assert(dev, a, NULL);
	/*
	 * A U2F-only key gets a U2F check-only authenticate per credential
	 * instead, and holding one is U2F's "touch needed" (0x6985), which
	 * libfido2 returns as FIDO_ERR_USER_PRESENCE_REQUIRED after noting
	 * the ids it found, in allow-list order (u2f.c; pam_u2f takes it as
	 * found too).  "Not held" is FIDO_ERR_NO_CREDENTIALS, as for CTAP2.
	 */
	if (r == FIDO_ERR_USER_PRESENCE_REQUIRED && !fido_dev_is_fido2(dev)) {
		if (fido_assert_count(a) > 0 &&
		    (*match = answered(a, keys, idx, n)) != SIZE_MAX)
			st = TFA_FIDO_OK;
		else
			st = TFA_FIDO_NO_MATCH;
		goto out;
	}
	if ((st = status_of(r)) == TFA_FIDO_UNSUPPORTED) {
		st = TFA_FIDO_OK;	/* cannot tell without a touch */
		goto out;
	}
	if (st != TFA_FIDO_OK)
		goto out;
	if (fido_assert_count(a) != 1 ||
	    (*match = answered(a, keys, idx, n)) == SIZE_MAX)
		st = TFA_FIDO_NO_MATCH;
out:
	fido_assert_free(&a);
	explicit_bzero(cdh, sizeof(cdh));
	return st;
}

static enum tfa_fido_status
assert_copy(const fido_assert_t *a, const char *rp, const unsigned char *cdh,
    struct tfa_fido_assertion *out)
{
	size_t id_len = fido_assert_id_len(a, 0);
	size_t ad_len = fido_assert_authdata_len(a, 0);
	size_t sig_len = fido_assert_sig_len(a, 0);

	if (fido_assert_count(a) != 1 || id_len > sizeof(out->cred_id) ||
	    ad_len == 0 || ad_len > sizeof(out->authdata) || sig_len == 0 ||
	    sig_len > sizeof(out->sig) ||
	    tfa_strlcpy(out->rp, rp, sizeof(out->rp)) != TFA_OK)
		return TFA_FIDO_BAD_RESPONSE;
	memcpy(out->cdh, cdh, TFA_FIDO_CDH_LEN);
	if ((out->cred_id_len = id_len) > 0)
		memcpy(out->cred_id, fido_assert_id_ptr(a, 0), id_len);
	memcpy(out->authdata, fido_assert_authdata_ptr(a, 0), ad_len);
	out->authdata_len = ad_len;
	memcpy(out->sig, fido_assert_sig_ptr(a, 0), sig_len);
	out->sig_len = sig_len;
	return TFA_FIDO_OK;
}

static enum tfa_fido_status
get_assert(fido_dev_t *dev, const char *rp, const struct tfa_key *keys,
    const size_t *idx, size_t n, bool uv, const char *pin,
    const unsigned char *cdh, struct tfa_fido_assertion *out)
{
	enum tfa_fido_status st = TFA_FIDO_ERROR;
	fido_assert_t *a;

	memset(out, 0, sizeof(*out));
	if (n == 0)
		return TFA_FIDO_NO_MATCH;
	if ((a = assert_new(rp, keys, idx, n, cdh)) == NULL)
		goto out;
	if (fido_assert_set_up(a, FIDO_OPT_TRUE) != FIDO_OK ||
	    fido_assert_set_uv(a, uv_option(uv, pin)) != FIDO_OK)
		goto out;
	st = status_of(fido_dev_get_assert(dev, a, pin));
	if (st == TFA_FIDO_TIMEOUT)
		(void)fido_dev_cancel(dev);	/* stop the key blinking */
	if (st == TFA_FIDO_OK)
		st = assert_copy(a, rp, cdh, out);
out:
	fido_assert_free(&a);
	return st;
}

enum tfa_fido_status
tfa_fido_assert(fido_dev_t *dev, const char *rp, const struct tfa_key *keys,
    const size_t *idx, size_t n, bool uv, const char *pin,
    struct tfa_fido_assertion *out)
{
	unsigned char cdh[TFA_FIDO_CDH_LEN];
	enum tfa_fido_status st = TFA_FIDO_ERROR;

	memset(out, 0, sizeof(*out));
	/* a fresh challenge */
	if (tfa_random(cdh, sizeof(cdh)) == TFA_OK)
		st = get_assert(dev, rp, keys, idx, n, uv, pin, cdh, out);
	explicit_bzero(cdh, sizeof(cdh));
	return st;
}

enum tfa_fido_status
tfa_fido_assert_for(fido_dev_t *dev, const char *rp,
    const struct tfa_key *keys, const size_t *idx, size_t n, bool uv,
    const char *pin, const uint8_t cdh[TFA_FIDO_CDH_LEN],
    struct tfa_fido_assertion *out)
{
	return get_assert(dev, rp, keys, idx, n, uv, pin, cdh, out);
}

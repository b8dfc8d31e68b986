/*
 * common/fido.c and fido_auth.c: registration against the scripted fake
 * authenticator (plugged in by defining fido_dev_info_manifest here), the
 * read-check-update of a key login against a real store, and fixed vectors
 * made with the openssl command line, independent of the fake.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "fake.h"
#include "store.h"
#include "tfa_fido.h"
#include "vectors.h"

#define TIMEOUT_MS 15000

int
fido_dev_info_manifest(fido_dev_info_t *devlist, size_t ilen, size_t *olen)
{
	return fake_manifest(devlist, ilen, olen);
}

static struct tfa_config cfg;
static const char *rp = "pam://test.example";

/* ---- fixed vectors ---- */

static const uint8_t vec_cdh[32] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
	0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
	0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
};

/* authdata as libfido2 hands it out: a CBOR byte string */
static size_t
wrap(const uint8_t *ad, size_t len, uint8_t *out)
{
	out[0] = 0x58;
	out[1] = (uint8_t)len;
	memcpy(out + 2, ad, len);
	return len + 2;
}

static struct tfa_key
vec_key(int cose, bool uv)
{
	struct tfa_key k;

	memset(&k, 0, sizeof(k));
	snprintf(k.rp, sizeof(k.rp), "pam://vectors.example");
	k.cose_type = cose;
	k.uv = uv;
	if (cose == COSE_ES256) {
		memcpy(k.pubkey, es256_pub, sizeof(es256_pub));
		k.pubkey_len = sizeof(es256_pub);
	} else {
		memcpy(k.pubkey, eddsa_pub, sizeof(eddsa_pub));
		k.pubkey_len = sizeof(eddsa_pub);
	}
	return k;
}

static enum tfa_fido_status
vec_verify(const struct tfa_key *k, const char *vrp, const uint8_t *cdh,
    const uint8_t *ad, size_t adlen, const uint8_t *sig, size_t siglen,
    uint32_t *count)
{
	uint8_t w[64];
	size_t n = wrap(ad, adlen, w);

	return tfa_fido_verify(k, vrp, cdh, 32, w, n, sig, siglen, count);
}

#define V(k, ad, sig) vec_verify(&(k), "pam://vectors.example", vec_cdh, \
	ad, sizeof(ad), sig, sizeof(sig), &count)

static void
test_vectors(void)
{
	struct tfa_key es = vec_key(COSE_ES256, false);
	struct tfa_key ed = vec_key(COSE_EDDSA, false);
	struct tfa_key esuv = vec_key(COSE_ES256, true);
	struct tfa_key eduv = vec_key(COSE_EDDSA, true);
	uint8_t sig[80], cdh[32];
	uint32_t count;

	CHECK_EQ(V(es, authdata_up, es256_sig_up), TFA_FIDO_OK);
	CHECK_EQ(count, 7);
	CHECK_EQ(V(ed, authdata_up, eddsa_sig_up), TFA_FIDO_OK);
	CHECK_EQ(count, 7);
	CHECK_EQ(V(esuv, authdata_upuv, es256_sig_upuv), TFA_FIDO_OK);
	CHECK_EQ(count, 8);
	CHECK_EQ(V(eduv, authdata_upuv, eddsa_sig_upuv), TFA_FIDO_OK);
	/* UV required, the key only touched: refused */
	CHECK_EQ(V(esuv, authdata_up, es256_sig_up), TFA_FIDO_BAD_RESPONSE);
	CHECK_EQ(V(eduv, authdata_up, eddsa_sig_up), TFA_FIDO_BAD_RESPONSE);
	/* no user presence: refused even with a good signature */
	CHECK_EQ(V(es, authdata_noup, es256_sig_noup), TFA_FIDO_BAD_RESPONSE);
	CHECK_EQ(V(ed, authdata_noup, eddsa_sig_noup), TFA_FIDO_BAD_RESPONSE);
	/* a signature from another message, or for the other key type */
	CHECK_EQ(V(es, authdata_up, es256_sig_upuv), TFA_FIDO_BAD_RESPONSE);
	CHECK_EQ(V(ed, authdata_up, eddsa_sig_upuv), TFA_FIDO_BAD_RESPONSE);
	CHECK_EQ(V(es, authdata_up, eddsa_sig_up), TFA_FIDO_BAD_RESPONSE);
	/* one bit of the signature */
	memcpy(sig, eddsa_sig_up, sizeof(eddsa_sig_up));
	sig[10] ^= 0x20;
	CHECK_EQ(vec_verify(&ed, "pam://vectors.example", vec_cdh, authdata_up,
	    sizeof(authdata_up), sig, sizeof(eddsa_sig_up), &count),
	    TFA_FIDO_BAD_RESPONSE);
	/* another challenge */
	memcpy(cdh, vec_cdh, sizeof(cdh));
	cdh[31] ^= 1;
	CHECK_EQ(vec_verify(&es, "pam://vectors.example", cdh, authdata_up,
	    sizeof(authdata_up), es256_sig_up, sizeof(es256_sig_up), &count),
	    TFA_FIDO_BAD_RESPONSE);
	/* another relying party: the stored key, then the rp id hash */
	CHECK_EQ(vec_verify(&es, "pam://other.example", vec_cdh, authdata_up,
	    sizeof(authdata_up), es256_sig_up, sizeof(es256_sig_up), &count),
	    TFA_FIDO_BAD_RESPONSE);
	snprintf(es.rp, sizeof(es.rp), "pam://other.example");
	CHECK_EQ(vec_verify(&es, "pam://other.example", vec_cdh, authdata_up,
	    sizeof(authdata_up), es256_sig_up, sizeof(es256_sig_up), &count),
	    TFA_FIDO_BAD_RESPONSE);
	/* a public key from the other curve does not load */
	es = vec_key(COSE_ES256, false);
	es.pubkey[5] ^= 0xff;
	CHECK_EQ(V(es, authdata_up, es256_sig_up), TFA_FIDO_BAD_RESPONSE);
}

static void
test_counter_rule(void)
{
	CHECK(tfa_fido_counter_ok(0, 0));
	CHECK(tfa_fido_counter_ok(0, 1));
	CHECK(tfa_fido_counter_ok(5, 6));
	CHECK(tfa_fido_counter_ok(5, 5000));
	CHECK(!tfa_fido_counter_ok(5, 5));
	CHECK(!tfa_fido_counter_ok(5, 4));
	CHECK(!tfa_fido_counter_ok(1, 0));
	CHECK(!tfa_fido_counter_ok(UINT32_MAX, 0));
}

/* ---- registration through the fake ---- */

static enum tfa_fido_status
reg(struct tfa_key *k, int cose, bool uv, const char *pin,
    const struct tfa_key *excl, size_t nexcl)
{
	struct tfa_fido_reg req = { rp, "alice", cose, uv, pin, excl, nexcl };
	struct tfa_fido_devs devs;
	enum tfa_fido_status st;
	fido_dev_t *dev = NULL;

	memset(k, 0, sizeof(*k));
	if ((st = tfa_fido_find_devices(&devs)) != TFA_FIDO_OK)
		return st;
	if ((st = tfa_fido_open(&devs, 0, TIMEOUT_MS, &dev)) == TFA_FIDO_OK)
		st = tfa_fido_register(dev, &req, k);
	tfa_fido_close(&dev);
	tfa_fido_devs_free(&devs);
	return st;
}

static void
test_register(void)
{
	struct fake_dev d;
	struct tfa_key k, k2;
	int calls = fake_manifest_calls;

	/* nothing plugged */
	CHECK_EQ(reg(&k, COSE_ES256, false, NULL, NULL, 0),
	    TFA_FIDO_NO_DEVICE);
	CHECK_EQ(fake_manifest_calls, calls + 1);

	fake_init(&d, "/dev/fake0");
	fake_plug(&d);
	/* ES256, full attestation with a certificate */
	CHECK_EQ(reg(&k, COSE_ES256, false, NULL, NULL, 0), TFA_FIDO_OK);
	CHECK_EQ(d.opens, 1);
	CHECK_EQ(d.n_creds, 1);
	CHECK_EQ(k.cose_type, COSE_ES256);
	CHECK_EQ(k.pubkey_len, 64);
	CHECK_EQ(k.cred_id_len, FAKE_ID_LEN);
	CHECK(fake_cred_by_id(&d, k.cred_id, k.cred_id_len) != NULL);
	CHECK_STR(k.rp, rp);
	CHECK(!k.uv && !k.pin);
	CHECK(!d.last_rk);		/* resident key off */
	CHECK(!d.last_uv_opt);

	/* the same key again: the exclude list says so */
	CHECK_EQ(reg(&k2, COSE_ES256, false, NULL, &k, 1), TFA_FIDO_EXCLUDED);
	CHECK_EQ(d.n_creds, 1);
	/* a key under another relying party is no reason to exclude */
	snprintf(k.rp, sizeof(k.rp), "pam://elsewhere");
	CHECK_EQ(reg(&k2, COSE_ES256, false, NULL, &k, 1), TFA_FIDO_OK);

	/* EdDSA with self attestation */
	d.full_attestation = false;
	CHECK_EQ(reg(&k, COSE_EDDSA, false, NULL, NULL, 0), TFA_FIDO_OK);
	CHECK_EQ(k.cose_type, COSE_EDDSA);
	CHECK_EQ(k.pubkey_len, 32);
	d.no_eddsa = true;
	CHECK_EQ(reg(&k, COSE_EDDSA, false, NULL, NULL, 0),
	    TFA_FIDO_UNSUPPORTED);
	d.no_eddsa = false;

	/* an attestation that does not verify, either kind */
	d.bad_sig = true;
	CHECK_EQ(reg(&k, COSE_EDDSA, false, NULL, NULL, 0),
	    TFA_FIDO_BAD_RESPONSE);
	d.full_attestation = true;
	CHECK_EQ(reg(&k, COSE_ES256, false, NULL, NULL, 0),
	    TFA_FIDO_BAD_RESPONSE);
	d.bad_sig = false;
	d.wrong_rp = true;
	CHECK_EQ(reg(&k, COSE_ES256, false, NULL, NULL, 0),
	    TFA_FIDO_BAD_RESPONSE);
	d.wrong_rp = false;

	/* no touch: a bounded wait, then the request is cancelled */
	d.no_touch = true;
	CHECK_EQ(reg(&k, COSE_ES256, false, NULL, NULL, 0), TFA_FIDO_TIMEOUT);
	CHECK(d.last_ms > 0 && d.last_ms <= TIMEOUT_MS);
	CHECK_EQ(d.cancels, 1);
	d.no_touch = false;

	/* UV wanted, but the key has no PIN and no built-in check */
	CHECK_EQ(reg(&k, COSE_ES256, true, NULL, NULL, 0), TFA_FIDO_NO_UV);
	/* built-in UV (a fingerprint reader) */
	d.has_uv = true;
	CHECK_EQ(reg(&k, COSE_ES256, true, NULL, NULL, 0), TFA_FIDO_OK);
	CHECK(k.uv && !k.pin);
	CHECK(d.last_uv_opt);
	/* a key that claims UV was done without doing it */
	d.no_uv = true;
	CHECK_EQ(reg(&k, COSE_ES256, true, NULL, NULL, 0),
	    TFA_FIDO_BAD_RESPONSE);
	d.no_uv = false;
	d.has_uv = false;
	fake_unplug_all();
	fake_free(&d);
}

static void
test_register_pin(void)
{
	struct fake_dev d;
	struct tfa_key k;

	fake_init(&d, "/dev/fake1");
	d.has_pin = true;
	snprintf(d.pin, sizeof(d.pin), "4711");
	fake_plug(&d);
	CHECK_EQ(reg(&k, COSE_ES256, false, NULL, NULL, 0),
	    TFA_FIDO_PIN_REQUIRED);
	CHECK_EQ(reg(&k, COSE_ES256, false, "1234", NULL, 0),
	    TFA_FIDO_PIN_INVALID);
	CHECK_EQ(d.pin_retries, 7);
	CHECK_EQ(d.pin_tokens, 0);
	CHECK_EQ(reg(&k, COSE_ES256, false, "4711", NULL, 0), TFA_FIDO_OK);
	CHECK_EQ(d.pin_tokens, 1);
	CHECK(d.last_pin_auth);
	CHECK(k.pin && !k.uv);
	/* UV through the PIN: the token, not the "uv" option */
	CHECK_EQ(reg(&k, COSE_EDDSA, true, "4711", NULL, 0), TFA_FIDO_OK);
	CHECK(k.pin && k.uv);
	CHECK(!d.last_uv_opt);
	/* out of tries: blocked */
	d.pin_retries = 1;
	CHECK_EQ(reg(&k, COSE_ES256, false, "0000", NULL, 0),
	    TFA_FIDO_PIN_BLOCKED);
	fake_unplug_all();
	fake_free(&d);
}

/* ---- the read-check-update of a key login ---- */

static void
save_record(const char *user, const struct tfa_key *keys, size_t n)
{
	struct tfa_store *st;
	struct tfa_record rec;
	struct tfa_key *k;
	size_t i;

	tfa_record_init(&rec);
	for (i = 0; i < n; i++) {
		if ((k = tfa_record_add_key(&rec)) == NULL)
			abort();
		*k = keys[i];
		k->id = (uint32_t)(i + 1);
	}
	if (tfa_store_lock(&cfg, NULL, user, &st) != TFA_OK ||
	    tfa_store_save(st, &rec) != TFA_OK)
		abort();
	tfa_store_close(&st);
	tfa_record_wipe(&rec);
}

static enum tfa_fido_status
touch(struct tfa_fido_assertion *a, const char *user)
{
	struct tfa_fido_devs devs;
	struct tfa_record rec;
	enum tfa_fido_status st;
	fido_dev_t *dev = NULL;
	size_t idx[8], n, match;

	if (tfa_store_read(&cfg, NULL, user, &rec) != TFA_OK)
		return TFA_FIDO_ERROR;
	n = tfa_fido_keys_for(&rec, rp, idx, 8);
	if ((st = tfa_fido_find_devices(&devs)) == TFA_FIDO_OK &&
	    (st = tfa_fido_open(&devs, 0, TIMEOUT_MS, &dev)) == TFA_FIDO_OK &&
	    (st = tfa_fido_probe(dev, rp, rec.keys, idx, n, &match)) ==
	    TFA_FIDO_OK)
		st = tfa_fido_assert(dev, rp, rec.keys, idx, n, false, NULL, a);
	tfa_fido_close(&dev);
	tfa_fido_devs_free(&devs);
	tfa_record_wipe(&rec);
	return st;
}

/* The stored counter of key id (lists come back in store order). */
static uint32_t
stored_count(const char *user, uint32_t id, int64_t *last_used)
{
	struct tfa_record rec;
	uint32_t c = 9999;
	size_t i;

	if (tfa_store_read(&cfg, NULL, user, &rec) != TFA_OK)
		return c;
	for (i = 0; i < rec.n_keys; i++)
		if (rec.keys[i].id == id) {
			c = rec.keys[i].sign_count;
			*last_used = rec.keys[i].last_used;
		}
	tfa_record_wipe(&rec);
	return c;
}

static void
test_auth(void)
{
	struct tfa_fido_assertion a, old;
	struct tfa_fido_result res;
	struct tfa_verdict v;
	struct tfa_key keys[2];
	struct fake_dev d;
	struct fake_cred *c;
	int64_t used = 0;
	uint32_t id;

	fake_init(&d, "/dev/fake2");
	fake_plug(&d);
	if (reg(&keys[0], COSE_ES256, false, NULL, NULL, 0) != TFA_FIDO_OK ||
	    reg(&keys[1], COSE_EDDSA, false, NULL, NULL, 0) != TFA_FIDO_OK)
		abort();
	save_record("dora", keys, 2);

	CHECK_EQ(touch(&a, "dora"), TFA_FIDO_OK);
	CHECK_EQ(d.probes, 1);
	CHECK_EQ(d.asserts, 1);
	CHECK_EQ(d.last_allow, 2);	/* both credentials in one request */
	CHECK_EQ(tfa_fido_auth(&cfg, NULL, "dora", &a, 1000, &v, &res),
	    TFA_OK);
	CHECK_EQ(v.method, TFA_METHOD_KEY);
	CHECK_EQ(res.status, TFA_FIDO_OK);
	CHECK(res.key_id == 1 || res.key_id == 2);
	id = res.key_id;
	CHECK_EQ(stored_count("dora", id, &used), 2);	/* probe + touch */
	CHECK_EQ(used, 1000);
	CHECK_EQ(stored_count("dora", 3 - id, &used), 0);
	CHECK_EQ(used, 0);

	/* the same answer again: its counter no longer grows */
	old = a;
	CHECK_EQ(tfa_fido_auth(&cfg, NULL, "dora", &old, 1001, &v, &res),
	    TFA_ERR_BADCODE);
	CHECK_EQ(res.status, TFA_FIDO_CLONED);
	CHECK_EQ(v.failures, 1);

	/* a clone that is behind the original */
	c = fake_cred_by_id(&d, keys[id - 1].cred_id, keys[id - 1].cred_id_len);
	c->count = 0;
	CHECK_EQ(touch(&a, "dora"), TFA_FIDO_OK);
	CHECK_EQ(tfa_fido_auth(&cfg, NULL, "dora", &a, 1002, &v, &res),
	    TFA_ERR_BADCODE);
	CHECK_EQ(res.status, TFA_FIDO_CLONED);
	CHECK_EQ(res.stored_count, 2);
	CHECK_EQ(res.count, 2);
	CHECK_EQ(stored_count("dora", id, &used), 2);
	CHECK_EQ(v.failures, 2);

	/* a bad signature counts as a failure too */
	c->count = 10;
	d.bad_sig = true;
	CHECK_EQ(touch(&a, "dora"), TFA_FIDO_OK);
	CHECK_EQ(tfa_fido_auth(&cfg, NULL, "dora", &a, 1003, &v, &res),
	    TFA_ERR_BADCODE);
	CHECK_EQ(res.status, TFA_FIDO_BAD_RESPONSE);
	CHECK_EQ(v.failures, 3);
	d.bad_sig = false;

	/* a key without a counter: 0 after 0 is fine, every time */
	d.counter_zero = true;
	save_record("erin", keys, 1);
	CHECK_EQ(touch(&a, "erin"), TFA_FIDO_OK);
	CHECK_EQ(tfa_fido_auth(&cfg, NULL, "erin", &a, 1004, &v, &res),
	    TFA_OK);
	CHECK_EQ(touch(&a, "erin"), TFA_FIDO_OK);
	CHECK_EQ(tfa_fido_auth(&cfg, NULL, "erin", &a, 1005, &v, &res),
	    TFA_OK);
	d.counter_zero = false;

	/* lockout: MaxFailures (4 here) bad answers, then even a good one
	   is refused until it expires */
	cfg.max_failures = 4;
	d.bad_sig = true;
	CHECK_EQ(touch(&a, "dora"), TFA_FIDO_OK);
	CHECK_EQ(tfa_fido_auth(&cfg, NULL, "dora", &a, 2000, &v, &res),
	    TFA_ERR_BADCODE);
	CHECK(v.locked_until > 2000);
	d.bad_sig = false;
	CHECK_EQ(touch(&a, "dora"), TFA_FIDO_OK);
	CHECK_EQ(tfa_fido_auth(&cfg, NULL, "dora", &a, 2001, &v, &res),
	    TFA_ERR_LOCKED);
	CHECK_EQ(tfa_fido_auth(&cfg, NULL, "dora", &a, v.locked_until, &v,
	    &res), TFA_OK);
	CHECK_EQ(v.failures, 0);
	cfg.max_failures = 5;

	/* keys turned off by the policy: nothing is checked */
	cfg.allow_keys = false;
	CHECK_EQ(touch(&a, "dora"), TFA_FIDO_OK);
	CHECK_EQ(tfa_fido_auth(&cfg, NULL, "dora", &a, 3000, &v, &res),
	    TFA_ERR_NOMETHOD);
	cfg.allow_keys = true;

	/* an unknown credential: the key says so without a touch */
	save_record("fred", keys, 1);
	fake_unplug_all();
	fake_free(&d);
	fake_init(&d, "/dev/fake3");
	fake_plug(&d);
	CHECK_EQ(touch(&a, "fred"), TFA_FIDO_NO_MATCH);
	CHECK_EQ(d.asserts, 0);
	CHECK_EQ(d.probes, 0);
	fake_unplug_all();
	fake_free(&d);
}

/* ---- a U2F-only (CTAP1) key ---- */

/* tfa_fido_probe on the first plugged key, as pam/key.c and enroll do. */
static enum tfa_fido_status
probe_on(const struct tfa_key *keys, const size_t *idx, size_t n,
    size_t *match, bool *fido2)
{
	struct tfa_fido_devs devs;
	enum tfa_fido_status st;
	fido_dev_t *dev = NULL;

	*match = 7;
	*fido2 = true;
	if ((st = tfa_fido_find_devices(&devs)) != TFA_FIDO_OK)
		return st;
	if ((st = tfa_fido_open(&devs, 0, TIMEOUT_MS, &dev)) == TFA_FIDO_OK) {
		*fido2 = fido_dev_is_fido2(dev);
		st = tfa_fido_probe(dev, rp, keys, idx, n, match);
	}
	tfa_fido_close(&dev);
	tfa_fido_devs_free(&devs);
	return st;
}

/*
 * Credentials made while the key spoke CTAP2, then the key with only U2F
 * left (FIDO2 turned off, as a YubiKey allows): libfido2 sends it U2F
 * check-only requests for the silent check, which answer "touch needed"
 * (0x6985) for a credential it holds.
 */
static void
test_u2f_probe(void)
{
	struct tfa_fido_assertion a;
	struct tfa_fido_result res;
	struct tfa_verdict v;
	struct tfa_key keys[3];
	struct fake_dev d;
	size_t held[1] = { 0 }, other[1] = { 2 }, eddsa[1] = { 1 };
	size_t both[2] = { 2, 0 }, match;
	int64_t used = 0;
	bool fido2;

	fake_init(&d, "/dev/fake4");
	fake_plug(&d);
	if (reg(&keys[0], COSE_ES256, false, NULL, NULL, 0) != TFA_FIDO_OK ||
	    reg(&keys[1], COSE_EDDSA, false, NULL, NULL, 0) != TFA_FIDO_OK)
		abort();
	keys[2] = keys[0];		/* a credential of another key */
	keys[2].cred_id[0] ^= 1;
	d.u2f_only = true;

	/* held, found without a touch, and which one it is */
	CHECK_EQ(probe_on(keys, held, 1, &match, &fido2), TFA_FIDO_OK);
	CHECK(!fido2);
	CHECK_EQ(match, 0);
	CHECK_EQ(d.u2f_checks, 1);
	CHECK_EQ(d.probes + d.asserts, 0);	/* no CTAP2, no touch */
	/* the one it holds, second in the allow list */
	CHECK_EQ(probe_on(keys, both, 2, &match, &fido2), TFA_FIDO_OK);
	CHECK_EQ(match, 1);
	CHECK_EQ(d.u2f_checks, 3);
	/* not held: still "none", never "may hold" */
	CHECK_EQ(probe_on(keys, other, 1, &match, &fido2), TFA_FIDO_NO_MATCH);
	CHECK_EQ(match, SIZE_MAX);
	/* U2F is P-256 only: an Ed25519 credential is never one of its */
	CHECK_EQ(probe_on(keys, eddsa, 1, &match, &fido2), TFA_FIDO_NO_MATCH);
	CHECK_EQ(d.asserts, 0);

	/* then the touch: a U2F authenticate, checked like any answer */
	save_record("gus", keys, 1);
	CHECK_EQ(touch(&a, "gus"), TFA_FIDO_OK);
	CHECK_EQ(d.asserts, 1);
	CHECK_EQ(tfa_fido_auth(&cfg, NULL, "gus", &a, 4000, &v, &res), TFA_OK);
	CHECK_EQ(res.status, TFA_FIDO_OK);
	CHECK_EQ(res.key_id, 1);
	CHECK_EQ(stored_count("gus", 1, &used), 1);	/* the touch only */
	CHECK_EQ(used, 4000);
	/* a bad signature or no touch fails as with CTAP2 */
	d.bad_sig = true;
	CHECK_EQ(touch(&a, "gus"), TFA_FIDO_OK);
	CHECK_EQ(tfa_fido_auth(&cfg, NULL, "gus", &a, 4001, &v, &res),
	    TFA_ERR_BADCODE);
	CHECK_EQ(res.status, TFA_FIDO_BAD_RESPONSE);
	d.bad_sig = false;
	d.no_touch = true;
	CHECK_EQ(touch(&a, "gus"), TFA_FIDO_TIMEOUT);
	d.no_touch = false;
	fake_unplug_all();
	fake_free(&d);
}

int
main(void)
{
	char *dir = tfa_test_tmpdir("fido"), cmd[4200];

	tfa_config_init(&cfg);
	snprintf(cfg.store_dir, sizeof(cfg.store_dir), "%s/store", dir);
	mkdir(cfg.store_dir, 0700);

	test_vectors();
	test_counter_rule();
	test_register();
	test_register_pin();
	test_auth();
	test_u2f_probe();

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	free(dir);
	return tfa_check_done();
}

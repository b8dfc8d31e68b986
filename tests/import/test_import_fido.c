/*
 * Imported pam_u2f keys against the verifier the module uses
 * (tfa_fido_verify in common/fido_auth.c): a key pair made here with
 * OpenSSL plays the authenticator, its public half goes into authfiles of
 * the new and the old format, and an assertion it signs must verify
 * against the imported key, for the relying party pam_u2f used, and fail
 * for any other.  So the raw public key, the credential id and rp that the
 * import stores are the ones verification expects.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "check.h"
#include "import.h"
#include "tfa_fido.h"

#define FLAG_UP	0x01
#define FLAG_UV	0x04

static void
b64(const uint8_t *in, size_t n, char *out, bool websafe)
{
	static const char std[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;

	for (i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ?
		    (uint32_t)in[i + 1] << 8 : 0) | (i + 2 < n ? in[i + 2] : 0);
		int k, chars = i + 2 < n ? 4 : i + 1 < n ? 3 : 2;

		for (k = 0; k < 4; k++) {
			char c = k >= chars ? '=' : std[(v >> (18 - 6 * k)) & 63];

			if (websafe && c == '+')
				c = '-';
			else if (websafe && c == '/')
				c = '_';
			if (!(websafe && c == '='))
				out[o++] = c;
		}
	}
	out[o] = '\0';
}

/*
 * What an authenticator returns: authenticator data (rpIdHash, flags,
 * counter) as the CBOR byte string libfido2 hands out, and a signature
 * over authData || clientDataHash.
 */
struct answer {
	uint8_t cdh[32];
	uint8_t authdata[2 + 37];
	uint8_t sig[256];
	size_t sig_len;
};

static void
sign(EVP_PKEY *pkey, bool ed, const char *rp, uint8_t flags, uint32_t count,
    struct answer *a)
{
	uint8_t msg[37 + 32];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	memset(a->cdh, 0x5a, sizeof(a->cdh));
	SHA256((const uint8_t *)rp, strlen(rp), msg);
	msg[32] = flags;
	msg[33] = (uint8_t)(count >> 24);
	msg[34] = (uint8_t)(count >> 16);
	msg[35] = (uint8_t)(count >> 8);
	msg[36] = (uint8_t)count;
	memcpy(msg + 37, a->cdh, 32);
	a->authdata[0] = 0x58;		/* CBOR: byte string, 1-byte length */
	a->authdata[1] = 37;
	memcpy(a->authdata + 2, msg, 37);
	a->sig_len = sizeof(a->sig);
	if (ctx == NULL || EVP_DigestSignInit(ctx, NULL, ed ? NULL :
	    EVP_sha256(), NULL, pkey) != 1 || EVP_DigestSign(ctx, a->sig,
	    &a->sig_len, msg, sizeof(msg)) != 1)
		abort();
	EVP_MD_CTX_free(ctx);
}

static enum tfa_fido_status
verify(const struct tfa_key *k, const char *rp, const struct answer *a)
{
	uint32_t count;

	return tfa_fido_verify(k, rp, a->cdh, sizeof(a->cdh), a->authdata,
	    sizeof(a->authdata), a->sig, a->sig_len, &count);
}

static const struct tfa_key *
import_one(struct tfa_import *imp, const char *text, const char *appid)
{
	tfa_import_free(imp);
	if (tfa_import_parse_u2f(text, strlen(text), "pam://newhost", appid,
	    imp) != TFA_OK || imp->n_users != 1 || imp->users[0].refused ||
	    imp->users[0].n_keys != 1) {
		printf("# import failed: %s\n", imp->n_users ?
		    imp->users[0].why : "no user");
		return NULL;
	}
	return &imp->users[0].keys[0];
}

static void
test_es256(void)
{
	EVP_PKEY *pkey = EVP_EC_gen("P-256");
	uint8_t pt[65], kh[48];
	char text[1024], pk_b64[128], kh_b64[128], pk_hex[140];
	const struct tfa_key *k;
	struct tfa_import imp;
	struct answer a;
	size_t n = 0, i;

	if (pkey == NULL || EVP_PKEY_get_octet_string_param(pkey,
	    OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pt, sizeof(pt), &n) != 1 ||
	    n != 65)
		abort();
	memset(kh, 0x3c, sizeof(kh));
	tfa_import_init(&imp);

	/* new format: x||y in base64, rp = pam_u2f's origin */
	b64(pt + 1, 64, pk_b64, false);
	b64(kh, sizeof(kh), kh_b64, false);
	snprintf(text, sizeof(text), "alice:%s,%s,es256,+presence\n", kh_b64,
	    pk_b64);
	k = import_one(&imp, text, NULL);
	CHECK(k != NULL);
	sign(pkey, false, "pam://newhost", FLAG_UP, 7, &a);
	CHECK(k && verify(k, "pam://newhost", &a) == TFA_FIDO_OK);
	/* the same answer for another relying party: refused */
	sign(pkey, false, "pam://other", FLAG_UP, 7, &a);
	CHECK(k && verify(k, "pam://other", &a) == TFA_FIDO_BAD_RESPONSE);
	/* +verification: an answer without UV is refused */
	snprintf(text, sizeof(text), "alice:%s,%s,es256,+verification\n",
	    kh_b64, pk_b64);
	k = import_one(&imp, text, NULL);
	sign(pkey, false, "pam://newhost", FLAG_UP, 8, &a);
	CHECK(k && verify(k, "pam://newhost", &a) == TFA_FIDO_BAD_RESPONSE);
	sign(pkey, false, "pam://newhost", FLAG_UP | FLAG_UV, 8, &a);
	CHECK(k && verify(k, "pam://newhost", &a) == TFA_FIDO_OK);

	/* old format (U2F): websafe handle, hex point, rp = the appid */
	b64(kh, sizeof(kh), kh_b64, true);
	for (i = 0; i < 65; i++)
		snprintf(pk_hex + 2 * i, 3, "%02x", pt[i]);
	snprintf(text, sizeof(text), "alice:%s,%s\n", kh_b64, pk_hex);
	k = import_one(&imp, text, "pam://oldhost");
	CHECK(k && k->cred_id_len == sizeof(kh) && k->cred_id[0] == 0x3c);
	sign(pkey, false, "pam://oldhost", FLAG_UP, 9, &a);
	CHECK(k && verify(k, "pam://oldhost", &a) == TFA_FIDO_OK);
	sign(pkey, false, "pam://newhost", FLAG_UP, 9, &a);
	CHECK(k && verify(k, "pam://newhost", &a) == TFA_FIDO_BAD_RESPONSE);
	tfa_import_free(&imp);
	EVP_PKEY_free(pkey);
}

static void
test_eddsa(void)
{
	EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	uint8_t raw[32];
	char text[1024], pk_b64[64];
	const struct tfa_key *k;
	struct tfa_import imp;
	struct answer a;
	size_t n = sizeof(raw);

	if (pkey == NULL || EVP_PKEY_get_raw_public_key(pkey, raw, &n) != 1 ||
	    n != 32)
		abort();
	b64(raw, 32, pk_b64, false);
	snprintf(text, sizeof(text), "bob:AQIDBAUGBwgJCgsMDQ4PEA==,%s,eddsa,"
	    "+presence+pin\n", pk_b64);
	tfa_import_init(&imp);
	k = import_one(&imp, text, NULL);
	CHECK(k && k->cose_type == -8 && k->pin && k->uv);
	sign(pkey, true, "pam://newhost", FLAG_UP | FLAG_UV, 1, &a);
	CHECK(k && verify(k, "pam://newhost", &a) == TFA_FIDO_OK);
	/* pam_u2f's +pin asked for the PIN, so UV is required */
	sign(pkey, true, "pam://newhost", FLAG_UP, 2, &a);
	CHECK(k && verify(k, "pam://newhost", &a) == TFA_FIDO_BAD_RESPONSE);
	tfa_import_free(&imp);
	EVP_PKEY_free(pkey);
}

int
main(void)
{
	test_es256();
	test_eddsa();
	return tfa_check_done();
}

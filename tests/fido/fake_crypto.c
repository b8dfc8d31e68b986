/*
 * The fake authenticator's cryptography, straight from libcrypto's EVP
 * interface: key pairs, signatures, COSE public keys, the PIN protocol 1
 * key agreement, AES-256-CBC, HMAC and a self-signed attestation
 * certificate.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "fake.h"

EVP_PKEY *
fake_keygen(int cose)
{
	if (cose == COSE_EDDSA)
		return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

int
fake_sign(EVP_PKEY *key, int cose, const uint8_t *msg, size_t len,
    uint8_t *sig, size_t *siglen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok;

	ok = ctx != NULL && EVP_DigestSignInit(ctx, NULL,
	    cose == COSE_EDDSA ? NULL : EVP_sha256(), NULL, key) == 1 &&
	    EVP_DigestSign(ctx, sig, siglen, msg, len) == 1;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}

int
fake_ec_xy(EVP_PKEY *key, uint8_t x[32], uint8_t y[32])
{
	uint8_t pt[65];
	size_t n = 0;

	if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, pt,
	    sizeof(pt), &n) != 1 || n != 65 || pt[0] != 4)
		return -1;
	memcpy(x, pt + 1, 32);
	memcpy(y, pt + 33, 32);
	return 0;
}

/* RFC 8152 COSE_Key: EC2 {1:2, 3:alg, -1:1, -2:x, -3:y}, OKP {1:1, ...}. */
void
fake_cose_pub(struct cb_out *o, EVP_PKEY *key, int cose, int alg)
{
	uint8_t x[32], y[32];
	size_t n = sizeof(x);

	if (cose == COSE_EDDSA) {
		EVP_PKEY_get_raw_public_key(key, x, &n);
		cb_map(o, 4);
		cb_int(o, 1); cb_int(o, 1);
		cb_int(o, 3); cb_int(o, alg);
		cb_int(o, -1); cb_int(o, 6);
		cb_int(o, -2); cb_bytes(o, x, n);
		return;
	}
	fake_ec_xy(key, x, y);
	cb_map(o, 5);
	cb_int(o, 1); cb_int(o, 2);
	cb_int(o, 3); cb_int(o, alg);
	cb_int(o, -1); cb_int(o, 1);
	cb_int(o, -2); cb_bytes(o, x, 32);
	cb_int(o, -3); cb_bytes(o, y, 32);
}

static EVP_PKEY *
ec_from_xy(const uint8_t x[32], const uint8_t y[32])
{
	uint8_t pt[65];
	char group[] = "prime256v1";
	OSSL_PARAM params[3];
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *pk = NULL;

	pt[0] = 4;
	memcpy(pt + 1, x, 32);
	memcpy(pt + 33, y, 32);
	params[0] = OSSL_PARAM_construct_utf8_string(
	    OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
	params[1] = OSSL_PARAM_construct_octet_string(
	    OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt));
	params[2] = OSSL_PARAM_construct_end();
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL)
		return NULL;
	if (EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) != 1)
		pk = NULL;
	EVP_PKEY_CTX_free(ctx);
	return pk;
}

/* PIN protocol 1: the shared secret is SHA-256 of the ECDH x coordinate. */
int
fake_ecdh(EVP_PKEY *mine, const uint8_t x[32], const uint8_t y[32],
    uint8_t shared[32])
{
	EVP_PKEY *peer = ec_from_xy(x, y);
	EVP_PKEY_CTX *ctx = NULL;
	uint8_t z[32];
	size_t n = sizeof(z);
	int ok;

	ok = peer != NULL && (ctx = EVP_PKEY_CTX_new(mine, NULL)) != NULL &&
	    EVP_PKEY_derive_init(ctx) == 1 &&
	    EVP_PKEY_derive_set_peer(ctx, peer) == 1 &&
	    EVP_PKEY_derive(ctx, z, &n) == 1 && n == 32;
	if (ok)
		fake_sha256(z, n, shared);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer);
	return ok ? 0 : -1;
}

int
fake_aes(bool enc, const uint8_t key[32], const uint8_t *in, size_t len,
    uint8_t *out)
{
	static const uint8_t iv[16];
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, ok;

	ok = ctx != NULL && len % 16 == 0 &&
	    EVP_CipherInit_ex(ctx, EVP_aes_256_cbc(), NULL, key, iv,
	    enc ? 1 : 0) == 1 && EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
	    EVP_CipherUpdate(ctx, out, &n, in, (int)len) == 1 &&
	    (size_t)n == len;
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : -1;
}

int
fake_hmac16(const uint8_t *key, size_t keylen, const uint8_t *msg,
    size_t len, uint8_t out[16])
{
	uint8_t mac[32];
	unsigned n = sizeof(mac);

	if (HMAC(EVP_sha256(), key, (int)keylen, msg, len, mac, &n) == NULL)
		return -1;
	memcpy(out, mac, 16);
	return 0;
}

void
fake_sha256(const void *p, size_t n, uint8_t out[32])
{
	SHA256(p, n, out);
}

size_t
fake_self_cert(EVP_PKEY *key, uint8_t *der, size_t max)
{
	X509 *x = X509_new();
	X509_NAME *name;
	unsigned char *p = der;
	int n = -1;

	if (x == NULL)
		return 0;
	name = X509_get_subject_name(x);
	if (X509_set_version(x, 2) == 1 &&
	    ASN1_INTEGER_set(X509_get_serialNumber(x), 1) == 1 &&
	    X509_gmtime_adj(X509_getm_notBefore(x), 0) != NULL &&
	    X509_gmtime_adj(X509_getm_notAfter(x), 86400) != NULL &&
	    X509_set_pubkey(x, key) == 1 &&
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"pam_tfa fake authenticator", -1, -1, 0) ==
	    1 && X509_set_issuer_name(x, name) == 1 &&
	    X509_sign(x, key, EVP_sha256()) > 0 && i2d_X509(x, NULL) <=
	    (int)max)
		n = i2d_X509(x, &p);
	X509_free(x);
	return n > 0 ? (size_t)n : 0;
}

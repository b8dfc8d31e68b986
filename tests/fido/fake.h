/*
 * A scripted fake FIDO2 authenticator behind libfido2's transport hooks
 * (fido_dev_info_set with fido_dev_io_t + fido_dev_transport_t).  It speaks
 * CTAPHID at the message level (INIT, MSG, CBOR, CANCEL), CTAP2
 * authenticatorGetInfo, MakeCredential, GetAssertion and ClientPIN (PIN
 * protocol 1), and U2F (CTAP1) Authenticate, with real P-256 and Ed25519
 * keys from libcrypto, so libfido2 itself parses and verifies everything
 * it answers.
 *
 * A test program plugs it in by defining fido_dev_info_manifest() as
 * fake_manifest(): the module and common/ find authenticators only through
 * that libfido2 call.
 */
#ifndef FAKE_H
#define FAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <fido.h>
#include <openssl/evp.h>

#include "cbor.h"

#define FAKE_CRED_MAX	16
#define FAKE_ID_LEN	48

struct fake_cred {
	uint8_t id[FAKE_ID_LEN];
	int cose;
	EVP_PKEY *key;
	char rp[256];
	uint32_t count;
};

struct fake_dev {
	char path[32];
	/* what the key is */
	bool has_pin;
	char pin[64];
	int pin_retries;
	bool has_uv;		/* built-in user verification */
	bool no_eddsa;		/* supports ES256 only */
	bool full_attestation;	/* x5c certificate; else self attestation */
	bool counter_zero;	/* keeps no counter: always 0 */
	bool u2f_only;		/* CTAP1 only: no CBOR at CTAPHID INIT, so
				   libfido2 speaks U2F to it */
	/* the script: how the user or the key misbehaves */
	bool no_touch;		/* never touched: the read times out */
	bool bad_sig;		/* signs something else */
	bool no_up;		/* claims no user presence */
	bool no_uv;		/* claims no user verification */
	bool wrong_rp;		/* signs for another relying party */
	bool omit_id;		/* leaves the credential id out */
	bool no_probe;		/* refuses a silent check (up=false) */
	/* called when a request with a touch finds none of its credentials */
	void (*on_no_creds)(struct fake_dev *d);
	/* what happened to it */
	int opens, makecreds, asserts, probes, pin_tokens, cancels;
	int no_creds;		/* requests answered "no credentials" */
	int last_ms;		/* the timeout libfido2 gave the last read */
	bool last_uv_opt;	/* the last request asked for "uv" */
	bool last_pin_auth;	/* the last request carried a PIN token */
	size_t last_allow;	/* allow-list length of the last assertion */
	bool last_rk;		/* the last MakeCredential asked for rk */
	int u2f_checks;		/* U2F check-only authenticates */
	/* state */
	struct fake_cred creds[FAKE_CRED_MAX];
	size_t n_creds;
	EVP_PKEY *ka;		/* ClientPIN key agreement */
	uint8_t token[32];
	bool token_set;
	EVP_PKEY *att_key;
	uint8_t att_cert[1024];
	size_t att_cert_len;
	/* the reply waiting for libfido2's read */
	uint8_t reply[CB_MAX + 1];
	size_t reply_len;
	uint8_t reply_cmd;
	bool pending;
	bool timeout;		/* the pending request waits for a touch */
	bool u2f_polled;	/* a U2F sign was answered "touch needed" */
};

void fake_init(struct fake_dev *d, const char *path);
void fake_free(struct fake_dev *d);

/* Plug d in (it is then listed by fake_manifest); unplug everything. */
void fake_plug(struct fake_dev *d);
void fake_unplug_all(void);

/* What fido_dev_info_manifest does in a test; counts its calls. */
int fake_manifest(fido_dev_info_t *devlist, size_t ilen, size_t *olen);
extern int fake_manifest_calls;

/* The credential with this id, for a test to rewind its counter. */
struct fake_cred *fake_cred_by_id(struct fake_dev *d, const uint8_t *id,
    size_t len);

/* ---- fake_crypto.c ---- */

EVP_PKEY *fake_keygen(int cose);	/* COSE_ES256 or COSE_EDDSA */
int fake_sign(EVP_PKEY *key, int cose, const uint8_t *msg, size_t len,
    uint8_t *sig, size_t *siglen);
void fake_cose_pub(struct cb_out *o, EVP_PKEY *key, int cose, int alg);
int fake_ec_xy(EVP_PKEY *key, uint8_t x[32], uint8_t y[32]);
int fake_ecdh(EVP_PKEY *mine, const uint8_t x[32], const uint8_t y[32],
    uint8_t shared[32]);
int fake_aes(bool enc, const uint8_t key[32], const uint8_t *in, size_t len,
    uint8_t *out);
int fake_hmac16(const uint8_t *key, size_t keylen, const uint8_t *msg,
    size_t len, uint8_t out[16]);
void fake_sha256(const void *p, size_t n, uint8_t out[32]);
size_t fake_self_cert(EVP_PKEY *key, uint8_t *der, size_t max);

#endif

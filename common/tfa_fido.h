/*
 * Security keys (FIDO2/U2F through libfido2): finding authenticators,
 * registering a credential, asking for an assertion (fido.c), and deciding
 * what an assertion is worth (fido_auth.c).  Named tfa_fido.h because
 * -Icommon would otherwise hide libfido2's own <fido.h>.
 *
 * Authenticators are found in one place only, tfa_fido_find_devices(), which
 * calls libfido2's fido_dev_info_manifest().  Tests plug a fake authenticator
 * in by interposing that symbol from the test program, the way they
 * interpose time(); the module has no switch for it.
 */
#ifndef TFA_FIDO_H
#define TFA_FIDO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <fido.h>

#include "auth.h"
#include "config.h"
#include "key.h"
#include "log.h"
#include "record.h"

#define TFA_FIDO_DEV_MAX	16	/* authenticators looked at */
#define TFA_FIDO_CDH_LEN	32	/* client data hash */
#define TFA_FIDO_AUTHDATA_MAX	512	/* CBOR-wrapped authenticator data */
#define TFA_FIDO_SIG_MAX	256
#define TFA_FIDO_PIN_MAX	255	/* CTAP2: 4..63 bytes, libfido2: 255 */
/* a registration's authenticator data: 37 bytes, the attested credential
   (18 + id up to TFA_CRED_ID_MAX + COSE key), extensions, CBOR header */
#define TFA_FIDO_REG_AUTHDATA_MAX	1536
/* attStmt: alg, sig and an x5c chain of one or two certificates */
#define TFA_FIDO_ATTSTMT_MAX	4096
#define TFA_FIDO_FMT_MAX	15	/* "packed", "fido-u2f", "tpm" */

/* How a FIDO2 step ended, in words a user or admin can act on. */
enum tfa_fido_status {
	TFA_FIDO_OK = 0,
	TFA_FIDO_NO_DEVICE,	/* no authenticator plugged in */
	TFA_FIDO_NO_MATCH,	/* the key holds none of the credentials */
	TFA_FIDO_TIMEOUT,	/* not touched in time, or unplugged */
	TFA_FIDO_PIN_REQUIRED,	/* the key has a PIN and none was given */
	TFA_FIDO_PIN_INVALID,	/* wrong PIN */
	TFA_FIDO_PIN_BLOCKED,	/* too many wrong PINs */
	TFA_FIDO_EXCLUDED,	/* the key is already registered */
	TFA_FIDO_UNSUPPORTED,	/* algorithm or option the key lacks */
	TFA_FIDO_NO_UV,		/* verification asked for, key cannot */
	TFA_FIDO_BAD_RESPONSE,	/* signature, relying party, flags or
				   attestation do not verify */
	TFA_FIDO_CLONED,	/* signature counter did not increase */
	TFA_FIDO_ERROR,		/* device, library or memory failure */
};

const char *tfa_fido_status_str(enum tfa_fido_status s);

/* The COSE algorithm name, "es256" or "eddsa"; "unknown" otherwise. */
const char *tfa_fido_cose_name(int cose_type);

/* ---- fido.c: the device side ---- */

struct tfa_fido_devs {
	fido_dev_info_t *info;
	size_t n;
};

/* The authenticators plugged in now; TFA_FIDO_NO_DEVICE when none. */
enum tfa_fido_status tfa_fido_find_devices(struct tfa_fido_devs *devs);
void tfa_fido_devs_free(struct tfa_fido_devs *devs);

/* Open device i of devs; every later operation waits at most timeout_ms. */
enum tfa_fido_status tfa_fido_open(const struct tfa_fido_devs *devs,
    size_t i, int timeout_ms, fido_dev_t **out);
void tfa_fido_close(fido_dev_t **devp);

/* A short label for messages: "Yubico YubiKey OTP+FIDO+CCID". */
const char *tfa_fido_dev_label(const struct tfa_fido_devs *devs, size_t i);

struct tfa_fido_reg {
	const char *rp;			/* relying party id */
	const char *user;		/* shown by keys that show anything */
	int cose_type;			/* COSE_ES256 or COSE_EDDSA */
	bool uv;			/* require verification at login */
	const char *pin;		/* NULL: none */
	const struct tfa_key *exclude;	/* the user's keys: not again */
	size_t n_exclude;
};

/*
 * Make a credential on dev (the user touches it), verify its attestation and
 * fill in key's rp, cose_type, cred_id, pubkey, uv, pin and sign_count.
 */
enum tfa_fido_status tfa_fido_register(fido_dev_t *dev,
    const struct tfa_fido_reg *req, struct tfa_key *key);

/*
 * What a registration signed, as libfido2 hands it out (CBOR): enough for
 * another process to verify the credential again (tfa_fido_reg_verify)
 * with a challenge of its own choosing.
 */
struct tfa_fido_attestation {
	char fmt[TFA_FIDO_FMT_MAX + 1];
	uint8_t authdata[TFA_FIDO_REG_AUTHDATA_MAX];
	size_t authdata_len;
	uint8_t attstmt[TFA_FIDO_ATTSTMT_MAX];
	size_t attstmt_len;
};

/*
 * tfa_fido_register with the client data hash cdh chosen by the caller,
 * and the attestation copied to att for tfa_fido_reg_verify.
 */
enum tfa_fido_status tfa_fido_register_for(fido_dev_t *dev,
    const struct tfa_fido_reg *req, const uint8_t cdh[TFA_FIDO_CDH_LEN],
    struct tfa_key *key, struct tfa_fido_attestation *att);

/*
 * Without a device: check att as a registration for rp over cdh (full
 * attestation when it carries a certificate, else self attestation), of
 * cose_type, with user presence and, when uv, user verification in the
 * signed flags.  Fills key's rp, cose_type, cred_id, pubkey, uv, pin and
 * sign_count from what was verified; key is zero on failure.
 */
enum tfa_fido_status tfa_fido_reg_verify(
    const struct tfa_fido_attestation *att, const char *rp,
    const uint8_t cdh[TFA_FIDO_CDH_LEN], int cose_type, bool uv, bool pin,
    struct tfa_key *key);

/* What an authenticator answered: checked by tfa_fido_verify/_auth. */
struct tfa_fido_assertion {
	char rp[TFA_RP_MAX + 1];
	uint8_t cdh[TFA_FIDO_CDH_LEN];
	uint8_t cred_id[TFA_CRED_ID_MAX];
	size_t cred_id_len;		/* 0: the key did not say */
	uint8_t authdata[TFA_FIDO_AUTHDATA_MAX];
	size_t authdata_len;
	uint8_t sig[TFA_FIDO_SIG_MAX];
	size_t sig_len;
};

/* The keys registered for rp, as indexes into rec->keys. */
size_t tfa_fido_keys_for(const struct tfa_record *rec, const char *rp,
    size_t *idx, size_t max);

/*
 * Without a touch: which of keys[idx[0..n)] dev holds.  *match is an index
 * into idx, or SIZE_MAX when the key cannot answer without a touch (it may
 * hold any of them).  TFA_FIDO_NO_MATCH when it holds none.
 */
enum tfa_fido_status tfa_fido_probe(fido_dev_t *dev, const char *rp,
    const struct tfa_key *keys, const size_t *idx, size_t n, size_t *match);

/*
 * One assertion over all of keys[idx[0..n)] (an allow list): needs a touch,
 * and user verification when uv (built in, or through pin).
 */
enum tfa_fido_status tfa_fido_assert(fido_dev_t *dev, const char *rp,
    const struct tfa_key *keys, const size_t *idx, size_t n, bool uv,
    const char *pin, struct tfa_fido_assertion *out);

/*
 * tfa_fido_assert over the caller's challenge cdh (one another process
 * checks the answer against): a proof for tfa-enroll's monitor.
 */
enum tfa_fido_status tfa_fido_assert_for(fido_dev_t *dev, const char *rp,
    const struct tfa_key *keys, const size_t *idx, size_t n, bool uv,
    const char *pin, const uint8_t cdh[TFA_FIDO_CDH_LEN],
    struct tfa_fido_assertion *out);

/* ---- fido_auth.c: what an answer is worth ---- */

/* A counter must grow; both 0 is a key that keeps no counter. */
bool tfa_fido_counter_ok(uint32_t stored, uint32_t next);

/*
 * Check an assertion against one stored key: relying party, user presence,
 * user verification when key->uv, and the signature over authdata || cdh.
 * authdata is the CBOR byte string libfido2 hands out.  *count gets the
 * signature counter.  Does not apply the counter rule.
 */
enum tfa_fido_status tfa_fido_verify(const struct tfa_key *key,
    const char *rp, const uint8_t *cdh, size_t cdh_len,
    const uint8_t *authdata, size_t authdata_len, const uint8_t *sig,
    size_t sig_len, uint32_t *count);

struct tfa_fido_result {
	enum tfa_fido_status status;
	uint32_t key_id;		/* the key that answered; 0: none */
	uint32_t stored_count;		/* its counter before this login */
	uint32_t count;			/* the counter it sent */
};

/*
 * The check of a key login on rec, loaded under the user's lock by the
 * caller, who saves rec after TFA_OK or TFA_ERR_BADCODE (a failure
 * counted): the key that answered, its signature, the counter rule; on
 * success the new counter, last-used time and failure state in rec.
 */
tfa_err tfa_fido_check(const struct tfa_config *cfg, struct tfa_record *rec,
    const struct tfa_fido_assertion *a, int64_t now,
    struct tfa_fido_result *res);

/*
 * The read-check-update of a key login: lock the user's record, reload it,
 * find the key that answered, verify, apply the counter rule against the
 * freshly loaded counter, then save the new counter, last-used time and
 * failure state.  TFA_OK only when the key was right and that is on disk;
 * TFA_ERR_BADCODE (counted as a failure) when it did not verify or looks
 * cloned; TFA_ERR_LOCKED, TFA_ERR_NOMETHOD, TFA_ERR_NOENT change nothing.
 */
tfa_err tfa_fido_auth(const struct tfa_config *cfg, const struct tfa_log *log,
    const char *user, const struct tfa_fido_assertion *a, int64_t now,
    struct tfa_verdict *v, struct tfa_fido_result *res);

#endif

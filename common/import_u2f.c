/*
 * pam_u2f's authfile: one line per user, "USER:CRED[:CRED...]".
 *
 *  new format (pamu2fcfg 1.1 and later):
 *    CRED = KEYHANDLE,PUBKEY,TYPE[,OPTIONS]
 *    base64 KEYHANDLE ("*": a resident credential) and PUBKEY, TYPE es256,
 *    eddsa or rs256, OPTIONS a run of +presence, +verification, +pin;
 *    pam_u2f verified them with rp = its origin (pam://HOSTNAME).
 *  old format (pamu2fcfg 1.0.x, U2F):
 *    CRED = KEYHANDLE,PUBKEY
 *    websafe base64 KEYHANDLE, hex PUBKEY (an X9.62 P-256 point);
 *    verified with rp = its appid (the origin unless set).
 *
 * Keys come out as tfa_key with the raw public key libfido2 reports for a
 * credential (fido_cred_pubkey_ptr): x||y (64 bytes) for ES256, the
 * 32-byte key for EdDSA.
 */
#include <stdio.h>
#include <stdlib.h>

#include <openssl/ec.h>
#include <openssl/obj_mac.h>

#include "import_int.h"

#define COSE_ES256	(-7)
#define COSE_EDDSA	(-8)
#define P256_RAW	64
#define ED25519_RAW	32
#define SSH_HEADER	"-----BEGIN OPENSSH PRIVATE KEY-----"

enum { C_HANDLE, C_PUBKEY, C_TYPE, C_OPTIONS, C_FIELDS };

/* Any X9.62 encoding of a point on P-256 → x||y; -1 when it is none. */
static int
p256_raw(const uint8_t *in, size_t len, uint8_t out[P256_RAW])
{
	EC_GROUP *g = NULL;
	EC_POINT *q = NULL;
	uint8_t buf[1 + P256_RAW];
	int rc = -1;

	if ((g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1)) == NULL ||
	    (q = EC_POINT_new(g)) == NULL ||
	    EC_POINT_oct2point(g, q, in, len, NULL) != 1 ||
	    EC_POINT_is_at_infinity(g, q) ||
	    EC_POINT_is_on_curve(g, q, NULL) != 1 ||
	    EC_POINT_point2oct(g, q, POINT_CONVERSION_UNCOMPRESSED, buf,
	    sizeof(buf), NULL) != sizeof(buf))
		goto out;
	memcpy(out, buf + 1, P256_RAW);
	rc = 0;
out:
	EC_POINT_free(q);
	EC_GROUP_free(g);
	return rc;
}

/* pamu2fcfg writes x||y; take 0x04||x||y too.  Checked on the curve. */
static int
es256_key(const uint8_t *pk, size_t len, struct tfa_key *k)
{
	uint8_t point[1 + P256_RAW];

	if (len == P256_RAW) {
		point[0] = 0x04;
		memcpy(point + 1, pk, P256_RAW);
		pk = point;
		len = sizeof(point);
	}
	if (len != 1 + P256_RAW || pk[0] != 0x04 ||
	    p256_raw(pk, len, k->pubkey) != 0)
		return -1;
	k->pubkey_len = P256_RAW;
	k->cose_type = COSE_ES256;
	return 0;
}

/* "+presence+pin", in any order, each at most once; "" is none. */
static int
parse_options(struct tfa_span o, struct tfa_key *k, bool *presence)
{
	static const char *const names[] = { "+presence", "+verification",
		"+pin" };
	unsigned seen = 0, i;
	size_t pos = 0, n;

	*presence = false;
	while (pos < o.n) {
		for (i = 0; i < 3; i++) {
			n = strlen(names[i]);
			if (o.n - pos >= n && memcmp(o.p + pos, names[i], n) ==
			    0 && (pos + n == o.n || o.p[pos + n] == '+'))
				break;
		}
		if (i == 3 || (seen & (1u << i)))
			return -1;
		seen |= 1u << i;
		pos += strlen(names[i]);
	}
	*presence = (seen & 1) != 0;
	/* pam_u2f asked for verification with +verification, and with +pin
	 * too (through the PIN) */
	k->uv = (seen & 6) != 0;
	k->pin = (seen & 4) != 0;
	return 0;
}

static const char *
new_format_key(const struct tfa_span *f, size_t n, struct tfa_key *k,
    bool *presence)
{
	uint8_t pk[2 * P256_RAW];
	size_t pklen;
	const char *why = NULL;

	*presence = true;	/* pam_u2f's default without OPTIONS */
	if (tfa_span_is(f[C_HANDLE], "*"))
		return "a resident credential: pam_u2f kept no credential id; "
		    "register the key again with 'tfa-enroll key add'";
	if (tfa_decode_base64(f[C_HANDLE], false, k->cred_id,
	    sizeof(k->cred_id), &k->cred_id_len) != 0)
		return "the key handle is not base64";
	if (tfa_decode_base64(f[C_PUBKEY], false, pk, sizeof(pk), &pklen))
		return "the public key is not base64";
	if (tfa_span_is(f[C_TYPE], "es256")) {
		if (es256_key(pk, pklen, k) != 0)
			why = "the public key is not a P-256 point";
	} else if (tfa_span_is(f[C_TYPE], "eddsa")) {
		if (pklen == ED25519_RAW) {
			memcpy(k->pubkey, pk, ED25519_RAW);
			k->pubkey_len = ED25519_RAW;
			k->cose_type = COSE_EDDSA;
		} else {
			why = "the public key is not an Ed25519 key";
		}
	} else if (tfa_span_is(f[C_TYPE], "rs256")) {
		why = "an RS256 key: pam_tfa takes ES256 and EdDSA keys";
	} else {
		why = "an unknown key type";
	}
	explicit_bzero(pk, sizeof(pk));
	if (why == NULL && n > C_OPTIONS &&
	    parse_options(f[C_OPTIONS], k, presence) != 0)
		why = "unknown options (pam_u2f writes +presence, "
		    "+verification and +pin)";
	return why;
}

/* U2F: websafe base64 handle, hex point; rp is the appid. */
static const char *
old_format_key(const struct tfa_span *f, struct tfa_key *k)
{
	uint8_t pk[1 + P256_RAW + 1];
	size_t pklen;
	int rc;

	if (tfa_decode_base64(f[C_HANDLE], true, k->cred_id,
	    sizeof(k->cred_id), &k->cred_id_len) != 0)
		return "an old-format key handle that is not websafe base64";
	if (tfa_decode_hex(f[C_PUBKEY], pk, sizeof(pk), &pklen) != 0)
		return "an old-format public key that is not hex";
	rc = p256_raw(pk, pklen, k->pubkey);
	explicit_bzero(pk, sizeof(pk));
	if (rc != 0)
		return "an old-format public key that is not a P-256 point";
	k->pubkey_len = P256_RAW;
	k->cose_type = COSE_ES256;
	return NULL;
}

static bool
duplicate_handle(const struct tfa_import_user *u, const struct tfa_key *k)
{
	size_t i;

	for (i = 0; i < u->n_keys; i++)
		if (u->keys[i].cred_id_len == k->cred_id_len &&
		    memcmp(u->keys[i].cred_id, k->cred_id,
		    k->cred_id_len) == 0)
			return true;
	return false;
}

static void
parse_cred(struct tfa_import_user *u, struct tfa_span c, size_t idx,
    const char *origin, const char *appid)
{
	struct tfa_span f[C_FIELDS];
	struct tfa_key *k = &u->keys[u->n_keys];
	size_t n = tfa_span_split(c, ',', f, C_FIELDS);
	const char *why, *rp = origin;
	bool presence = true;

	memset(k, 0, sizeof(*k));
	if (n == 2) {
		why = old_format_key(f, k);
		if (appid != NULL && *appid != '\0')
			rp = appid;
	} else if (n == 3 || n == 4) {
		why = new_format_key(f, n, k, &presence);
	} else {
		why = "neither KEYHANDLE,PUBKEY nor KEYHANDLE,PUBKEY,TYPE,"
		    "OPTIONS";
	}
	if (why == NULL && duplicate_handle(u, k))
		why = "the same key handle as an earlier credential";
	if (why == NULL && tfa_strlcpy(k->rp, rp, sizeof(k->rp)) != TFA_OK)
		why = "the origin or appid is too long";
	if (why != NULL) {
		tfa_import_refuse(u, "line %u, credential %zu: %s", u->line, idx,
		    why);
		tfa_wipe_struct(k);
		return;
	}
	snprintf(k->name, sizeof(k->name), "pam_u2f %zu", idx);
	u->key_presence_added |= !presence;
	u->n_keys++;
}

/*
 * At most max_keys (MaxKeys) credentials: tfa-enroll lets no one add a key
 * past it, and lists at most TFA_IMPORT_KEYS_MAX.
 */
static void
parse_creds(struct tfa_import_user *u, struct tfa_span rest,
    unsigned max_keys, const char *origin, const char *appid)
{
	struct tfa_span c[TFA_IMPORT_KEYS_MAX];
	size_t n = tfa_span_split(rest, ':', c, TFA_IMPORT_KEYS_MAX), i;

	if (max_keys == 0 || max_keys > TFA_IMPORT_KEYS_MAX)
		max_keys = TFA_IMPORT_KEYS_MAX;
	if (n > max_keys) {
		tfa_import_refuse(u, "line %u: %zu credentials, more than "
		    "MaxKeys (%u) allows", u->line, n, max_keys);
		return;
	}
	if (n == 0 || (n == 1 && c[0].n == 0)) {
		tfa_import_refuse(u, "line %u: no credentials", u->line);
		return;
	}
	if ((u->keys = calloc(n, sizeof(*u->keys))) == NULL) {
		tfa_import_refuse(u, "out of memory");
		return;
	}
	for (i = 0; i < n && !u->refused; i++)
		parse_cred(u, c[i], i + 1, origin, appid);
	if (u->key_presence_added && !u->refused)
		tfa_import_note(u, "pam_u2f did not ask for a touch with some "
		    "of these keys; pam_tfa always does");
}

static void
drop_keys(struct tfa_import_user *u)
{
	if (u->keys != NULL) {
		explicit_bzero(u->keys, u->n_keys * sizeof(*u->keys));
		free(u->keys);
	}
	u->keys = NULL;
	u->n_keys = 0;
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static tfa_err
parse_line(struct tfa_import *imp, struct tfa_span line, unsigned no,
    const char *origin, const char *appid)
{
	struct tfa_span name, rest;
	struct tfa_import_user *u;
	const char *colon;
	bool seen;
	tfa_err r;

	if ((colon = memchr(line.p, ':', line.n)) == NULL)
		return tfa_import_problem(imp, no, "not an entry: no "
		    "USER:credentials");
	name.p = line.p;
	name.n = (size_t)(colon - line.p);
	rest.p = colon + 1;
	rest.n = line.n - name.n - 1;
	/* pam_u2f compares the name as it stands: " alice" was nobody */
	if (name.n > 0 && (is_blank(name.p[0]) ||
	    is_blank(name.p[name.n - 1])))
		return tfa_import_problem(imp, no, "spaces or tabs around the "
		    "user name");
	r = tfa_import_user_get(imp, name, no, &u, &seen);
	if (r != TFA_OK || u == NULL)
		return r;
	if (seen) {
		/* pam_u2f uses the last line and ignores the others */
		tfa_import_refuse(u, "lines %u and %u both have credentials for "
		    "this user (pam_u2f uses only the last); keep one", u->line,
		    no);
	} else {
		parse_creds(u, rest, imp->max_keys, origin, appid);
	}
	if (u->refused)
		drop_keys(u);
	return TFA_OK;
}

tfa_err
tfa_import_parse_u2f(const char *buf, size_t len, const char *origin,
    const char *appid, struct tfa_import *imp)
{
	struct tfa_lines lines;
	struct tfa_span line;
	tfa_err r;

	if ((r = tfa_import_check_text(imp, buf, len, TFA_IMPORT_TEXT_MAX)) !=
	    TFA_OK)
		return r;
	if (origin == NULL || *origin == '\0')
		return tfa_import_problem(imp, 0, "no origin") == TFA_OK ?
		    TFA_ERR_INVAL : TFA_ERR_NOMEM;
	if (len >= strlen(SSH_HEADER) &&
	    memcmp(buf, SSH_HEADER, strlen(SSH_HEADER)) == 0)
		return tfa_import_problem(imp, 0, "an SSH-format (sshformat) "
		    "authfile: its key cannot be imported; register the key "
		    "again with 'tfa-enroll key add'") == TFA_OK ?
		    TFA_ERR_INVAL : TFA_ERR_NOMEM;
	tfa_lines_init(&lines, buf, len);
	while (tfa_lines_next(&lines, &line)) {
		if (tfa_span_blank(line) || line.p[0] == '#')
			continue;
		if (line.n > TFA_IMPORT_LINE_MAX)
			r = tfa_import_problem(imp, lines.no, "longer than %d "
			    "bytes", TFA_IMPORT_LINE_MAX);
		else
			r = parse_line(imp, line, lines.no, origin, appid);
		if (r != TFA_OK)
			return r;
	}
	return TFA_OK;
}

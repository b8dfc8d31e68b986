/*
 * The fake authenticator: the bus it is plugged into, libfido2's transport
 * hooks, the CTAP2 commands and U2F Authenticate.  Status codes are CTAP2's
 * (section 8.2), U2F's ISO 7816 status words (U2F raw message formats).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "fake.h"

#define ST_OK			0x00
#define ST_INVALID_COMMAND	0x01
#define ST_INVALID_PARAMETER	0x02
#define ST_MISSING_PARAMETER	0x14
#define ST_CREDENTIAL_EXCLUDED	0x19
#define ST_UNSUPPORTED_ALG	0x26
#define ST_UNSUPPORTED_OPTION	0x2b
#define ST_NO_CREDENTIALS	0x2e
#define ST_PIN_INVALID		0x31
#define ST_PIN_BLOCKED		0x32
#define ST_PIN_AUTH_INVALID	0x33
#define ST_PIN_NOT_SET		0x35
#define ST_PIN_REQUIRED		0x36

#define CMD_MSG		0x03
#define CMD_INIT	0x06
#define CMD_CBOR	0x10
#define CMD_CANCEL	0x11

#define FLAG_UP	0x01
#define FLAG_UV	0x04
#define FLAG_AT	0x40

#define SW_NO_ERROR		0x9000
#define SW_CONDITIONS_NOT_SATISFIED	0x6985	/* not touched (yet) */
#define SW_WRONG_DATA		0x6a80	/* not our key handle */
#define SW_WRONG_LENGTH		0x6700
#define SW_INS_NOT_SUPPORTED	0x6d00
#define U2F_AUTHENTICATE	0x02
#define U2F_CHECK_ONLY		0x07
#define U2F_SIGN		0x03	/* enforce user presence and sign */

static const uint8_t aaguid[16] = "pam_tfa-fake-key";

/* ---- the bus ---- */

#define BUS_MAX 4
static struct fake_dev *bus[BUS_MAX];
static size_t bus_n;
int fake_manifest_calls;

/* libfido2 hands the transport its fido_dev_t, not our handle: bind them */
static struct { fido_dev_t *dev; struct fake_dev *fake; } binds[8];
static struct fake_dev *opening;

void
fake_plug(struct fake_dev *d)
{
	if (bus_n < BUS_MAX)
		bus[bus_n++] = d;
}

void
fake_unplug_all(void)
{
	bus_n = 0;
}

static struct fake_dev *
bound(fido_dev_t *dev)
{
	size_t i;

	for (i = 0; i < 8; i++)
		if (binds[i].dev == dev && binds[i].fake != NULL)
			return binds[i].fake;
	for (i = 0; i < 8 && opening != NULL; i++)
		if (binds[i].fake == NULL) {
			binds[i].dev = dev;
			binds[i].fake = opening;
			opening = NULL;
			return binds[i].fake;
		}
	return NULL;
}

static void *
io_open(const char *path)
{
	size_t i;

	for (i = 0; i < bus_n; i++)
		if (strcmp(bus[i]->path, path) == 0) {
			bus[i]->opens++;
			bus[i]->pending = false;
			bus[i]->u2f_polled = false;
			opening = bus[i];
			return bus[i];
		}
	return NULL;
}

static void
io_close(void *h)
{
	size_t i;

	for (i = 0; i < 8; i++)
		if (binds[i].fake == h)
			binds[i].fake = NULL;
	if (opening == h)
		opening = NULL;
}

static int
io_read(void *h, unsigned char *buf, size_t len, int ms)
{
	(void)h; (void)buf; (void)len; (void)ms;
	return -1;		/* never used: the transport hooks carry all */
}

static int
io_write(void *h, const unsigned char *buf, size_t len)
{
	(void)h; (void)buf; (void)len;
	return -1;
}

static int tx(fido_dev_t *, uint8_t, const unsigned char *, size_t);
static int rx(fido_dev_t *, uint8_t, unsigned char *, size_t, int);

int
fake_manifest(fido_dev_info_t *devlist, size_t ilen, size_t *olen)
{
	static const fido_dev_io_t io = { io_open, io_close, io_read,
	    io_write };
	static const fido_dev_transport_t t = { rx, tx };
	size_t i;

	fake_manifest_calls++;
	*olen = 0;
	for (i = 0; i < bus_n && i < ilen; i++) {
		if (fido_dev_info_set(devlist, i, bus[i]->path, "pam_tfa",
		    "Fake Key", &io, &t) != FIDO_OK)
			return FIDO_ERR_INTERNAL;
		(*olen)++;
	}
	return FIDO_OK;
}

/* ---- replies ---- */

static void
reply(struct fake_dev *d, uint8_t cmd, uint8_t status, const struct cb_out *o)
{
	d->reply_cmd = cmd;
	d->reply[0] = status;
	d->reply_len = 1;
	if (status == ST_OK && o != NULL && !o->overflow) {
		memcpy(d->reply + 1, o->buf, o->len);
		d->reply_len += o->len;
	}
	d->pending = true;
}

struct fake_cred *
fake_cred_by_id(struct fake_dev *d, const uint8_t *id, size_t len)
{
	size_t i;

	for (i = 0; i < d->n_creds; i++)
		if (len == FAKE_ID_LEN && memcmp(d->creds[i].id, id, len) == 0)
			return &d->creds[i];
	return NULL;
}

static struct fake_cred *
cred_for(struct fake_dev *d, const struct cb_item *desc, const char *rp)
{
	const struct cb_item *id = cb_get_str(desc, "id");
	struct fake_cred *c;

	if (id == NULL || id->type != CB_BYTES ||
	    (c = fake_cred_by_id(d, id->p, id->len)) == NULL)
		return NULL;
	return strcmp(c->rp, rp) == 0 ? c : NULL;
}

static void
copy_text(char *dst, size_t len, const struct cb_item *it)
{
	size_t n = it->len < len - 1 ? it->len : len - 1;

	memcpy(dst, it->p, n);
	dst[n] = '\0';
}

/* The PIN token check shared by MakeCredential and GetAssertion. */
static uint8_t
check_uv(struct fake_dev *d, const struct cb_item *cdh,
    const struct cb_item *opts, const struct cb_item *pin_auth, bool *uv)
{
	const struct cb_item *uvopt = cb_get_str(opts, "uv");
	uint8_t mac[16];

	*uv = false;
	d->last_uv_opt = uvopt != NULL && uvopt->i;
	d->last_pin_auth = pin_auth != NULL;
	if (pin_auth != NULL) {
		if (!d->token_set || pin_auth->type != CB_BYTES ||
		    pin_auth->len != 16 ||
		    fake_hmac16(d->token, sizeof(d->token), cdh->p, cdh->len,
		    mac) != 0 || memcmp(mac, pin_auth->p, 16) != 0)
			return ST_PIN_AUTH_INVALID;
		*uv = true;
	} else if (d->last_uv_opt) {
		if (!d->has_uv)
			return ST_UNSUPPORTED_OPTION;
		*uv = true;		/* the built-in check passed */
	}
	return ST_OK;
}

static size_t
auth_head(uint8_t *ad, const char *rp, uint8_t flags, uint32_t count)
{
	fake_sha256(rp, strlen(rp), ad);
	ad[32] = flags;
	ad[33] = (uint8_t)(count >> 24);
	ad[34] = (uint8_t)(count >> 16);
	ad[35] = (uint8_t)(count >> 8);
	ad[36] = (uint8_t)count;
	return 37;
}

/* Sign authdata || cdh; bad_sig signs a different challenge. */
static int
sign_with(struct fake_dev *d, EVP_PKEY *key, int cose, const uint8_t *ad,
    size_t adlen, const struct cb_item *cdh, uint8_t *sig, size_t *siglen)
{
	uint8_t msg[1024];

	if (adlen + cdh->len > sizeof(msg))
		return -1;
	memcpy(msg, ad, adlen);
	memcpy(msg + adlen, cdh->p, cdh->len);
	if (d->bad_sig)
		msg[adlen] ^= 1;
	return fake_sign(key, cose, msg, adlen + cdh->len, sig, siglen);
}

/* ---- authenticatorMakeCredential (0x01) ---- */

static int
pick_alg(const struct fake_dev *d, const struct cb_item *params)
{
	size_t i;

	for (i = 0; params != NULL && params->type == CB_ARRAY &&
	    i < params->len; i++) {
		const struct cb_item *alg = cb_get_str(&params->kids[i], "alg");

		if (alg == NULL)
			continue;
		if (alg->i == COSE_ES256 || (alg->i == COSE_EDDSA &&
		    !d->no_eddsa))
			return (int)alg->i;
	}
	return 0;
}

static uint8_t
new_cred(struct fake_dev *d, const char *rp, int cose, struct fake_cred **out)
{
	struct fake_cred *c;

	if (d->n_creds == FAKE_CRED_MAX)
		return ST_INVALID_PARAMETER;
	c = &d->creds[d->n_creds];
	memset(c, 0, sizeof(*c));
	if (RAND_bytes(c->id, FAKE_ID_LEN) != 1 ||
	    (c->key = fake_keygen(cose)) == NULL)
		return ST_INVALID_PARAMETER;
	c->cose = cose;
	snprintf(c->rp, sizeof(c->rp), "%s", rp);
	d->n_creds++;
	*out = c;
	return ST_OK;
}

static void
att_stmt(struct fake_dev *d, struct cb_out *o, const struct fake_cred *c,
    const uint8_t *ad, size_t adlen, const struct cb_item *cdh)
{
	uint8_t sig[128];
	size_t siglen = sizeof(sig);
	bool full = d->full_attestation && d->att_cert_len > 0;

	sign_with(d, full ? d->att_key : c->key, full ? COSE_ES256 : c->cose,
	    ad, adlen, cdh, sig, &siglen);
	cb_map(o, full ? 3 : 2);
	cb_text(o, "alg");
	cb_int(o, full ? COSE_ES256 : c->cose);
	cb_text(o, "sig");
	cb_bytes(o, sig, siglen);
	if (full) {
		cb_text(o, "x5c");
		cb_array(o, 1);
		cb_bytes(o, d->att_cert, d->att_cert_len);
	}
}

static uint8_t
make_cred(struct fake_dev *d, const struct cb_item *req, struct cb_out *o)
{
	const struct cb_item *cdh = cb_get_int(req, 1), *rp = cb_get_int(req, 2);
	const struct cb_item *excl = cb_get_int(req, 5), *opts = cb_get_int(req, 7);
	const struct cb_item *rk, *rpid = cb_get_str(rp, "id");
	struct fake_cred *c;
	struct cb_out key = { .len = 0 };
	char rpbuf[256];
	uint8_t ad[512], st;
	size_t adlen, i;
	bool uv;
	int alg;

	if (cdh == NULL || cdh->type != CB_BYTES || rpid == NULL ||
	    rpid->type != CB_TEXT || cb_get_int(req, 3) == NULL)
		return ST_MISSING_PARAMETER;
	copy_text(rpbuf, sizeof(rpbuf), rpid);
	rk = cb_get_str(opts, "rk");
	d->last_rk = rk != NULL && rk->i;
	if (d->last_rk)
		return ST_UNSUPPORTED_OPTION;	/* no resident keys here */
	if ((st = check_uv(d, cdh, opts, cb_get_int(req, 8), &uv)) != ST_OK)
		return st;
	if (d->has_pin && cb_get_int(req, 8) == NULL)
		return ST_PIN_REQUIRED;		/* CTAP 2.0, PIN set */
	for (i = 0; excl != NULL && excl->type == CB_ARRAY && i < excl->len;
	    i++)
		if (cred_for(d, &excl->kids[i], rpbuf) != NULL) {
			d->timeout = d->no_touch;	/* touch, then refuse */
			return ST_CREDENTIAL_EXCLUDED;
		}
	if ((alg = pick_alg(d, cb_get_int(req, 4))) == 0)
		return ST_UNSUPPORTED_ALG;
	d->makecreds++;
	if ((d->timeout = d->no_touch))
		return ST_OK;
	if ((st = new_cred(d, rpbuf, alg, &c)) != ST_OK)
		return st;
	adlen = auth_head(ad, d->wrong_rp ? "wrong.example" : rpbuf,
	    (uint8_t)(FLAG_UP | FLAG_AT | (uv && !d->no_uv ? FLAG_UV : 0)),
	    c->count);
	memcpy(ad + adlen, aaguid, 16);
	ad[adlen + 16] = 0;
	ad[adlen + 17] = FAKE_ID_LEN;
	memcpy(ad + adlen + 18, c->id, FAKE_ID_LEN);
	adlen += 18 + FAKE_ID_LEN;
	fake_cose_pub(&key, c->key, alg, alg);
	memcpy(ad + adlen, key.buf, key.len);
	adlen += key.len;
	cb_map(o, 3);
	cb_uint(o, 1);
	cb_text(o, "packed");
	cb_uint(o, 2);
	cb_bytes(o, ad, adlen);
	cb_uint(o, 3);
	att_stmt(d, o, c, ad, adlen, cdh);
	return ST_OK;
}

/* ---- authenticatorGetAssertion (0x02) ---- */

static uint8_t
get_assert(struct fake_dev *d, const struct cb_item *req, struct cb_out *o)
{
	const struct cb_item *rpid = cb_get_int(req, 1), *cdh = cb_get_int(req, 2);
	const struct cb_item *allow = cb_get_int(req, 3), *opts = cb_get_int(req, 5);
	const struct cb_item *upopt = cb_get_str(opts, "up");
	struct fake_cred *c = NULL;
	char rpbuf[256];
	uint8_t ad[64], sig[128], st;
	size_t adlen, siglen = sizeof(sig), i;
	bool uv, up = upopt == NULL || upopt->i;

	if (rpid == NULL || rpid->type != CB_TEXT || cdh == NULL ||
	    cdh->type != CB_BYTES)
		return ST_MISSING_PARAMETER;
	copy_text(rpbuf, sizeof(rpbuf), rpid);
	if (!up && d->no_probe)
		return ST_UNSUPPORTED_OPTION;
	d->last_allow = allow != NULL ? allow->len : 0;
	for (i = 0; allow != NULL && allow->type == CB_ARRAY &&
	    i < allow->len && c == NULL; i++)
		c = cred_for(d, &allow->kids[i], rpbuf);
	if (c == NULL) {
		d->no_creds++;
		if (up && d->on_no_creds != NULL)
			d->on_no_creds(d);
		return ST_NO_CREDENTIALS;
	}
	if ((st = check_uv(d, cdh, opts, cb_get_int(req, 6), &uv)) != ST_OK)
		return st;
	if (up)
		d->asserts++;
	else
		d->probes++;
	if (up && (d->timeout = d->no_touch))
		return ST_OK;
	c->count = d->counter_zero ? 0 : c->count + 1;
	adlen = auth_head(ad, d->wrong_rp ? "wrong.example" : rpbuf,
	    (uint8_t)((up && !d->no_up ? FLAG_UP : 0) |
	    (uv && !d->no_uv ? FLAG_UV : 0)), c->count);
	if (sign_with(d, c->key, c->cose, ad, adlen, cdh, sig, &siglen) != 0)
		return ST_INVALID_PARAMETER;
	cb_map(o, d->omit_id ? 2 : 3);
	if (!d->omit_id) {
		cb_uint(o, 1);
		cb_map(o, 2);
		cb_text(o, "id");
		cb_bytes(o, c->id, FAKE_ID_LEN);
		cb_text(o, "type");
		cb_text(o, "public-key");
	}
	cb_uint(o, 2);
	cb_bytes(o, ad, adlen);
	cb_uint(o, 3);
	cb_bytes(o, sig, siglen);
	return ST_OK;
}

/* ---- authenticatorClientPIN (0x06), PIN protocol 1 ---- */

static uint8_t
pin_token(struct fake_dev *d, const struct cb_item *req, struct cb_out *o)
{
	const struct cb_item *pk = cb_get_int(req, 3), *enc = cb_get_int(req, 6);
	const struct cb_item *x = cb_get_int(pk, -2), *y = cb_get_int(pk, -3);
	uint8_t shared[32], got[16], want[32], out[32];

	if (!d->has_pin)
		return ST_PIN_NOT_SET;
	if (d->pin_retries == 0)
		return ST_PIN_BLOCKED;
	if (d->ka == NULL || x == NULL || y == NULL || x->len != 32 ||
	    y->len != 32 || enc == NULL || enc->len != 16 ||
	    fake_ecdh(d->ka, x->p, y->p, shared) != 0 ||
	    fake_aes(false, shared, enc->p, 16, got) != 0)
		return ST_INVALID_PARAMETER;
	fake_sha256(d->pin, strlen(d->pin), want);
	if (memcmp(got, want, 16) != 0) {
		d->pin_retries--;
		EVP_PKEY_free(d->ka);	/* a new agreement after a miss */
		d->ka = NULL;
		return d->pin_retries == 0 ? ST_PIN_BLOCKED : ST_PIN_INVALID;
	}
	d->pin_retries = 8;
	if (RAND_bytes(d->token, sizeof(d->token)) != 1 ||
	    fake_aes(true, shared, d->token, sizeof(d->token), out) != 0)
		return ST_INVALID_PARAMETER;
	d->token_set = true;
	d->pin_tokens++;
	cb_map(o, 1);
	cb_uint(o, 2);
	cb_bytes(o, out, sizeof(out));
	return ST_OK;
}

static uint8_t
client_pin(struct fake_dev *d, const struct cb_item *req, struct cb_out *o)
{
	const struct cb_item *sub = cb_get_int(req, 2);

	if (sub == NULL)
		return ST_MISSING_PARAMETER;
	switch (sub->i) {
	case 1:		/* getRetries */
		cb_map(o, 1);
		cb_uint(o, 3);
		cb_uint(o, (uint64_t)d->pin_retries);
		return ST_OK;
	case 2:		/* getKeyAgreement */
		if (d->ka == NULL && (d->ka = fake_keygen(COSE_ES256)) == NULL)
			return ST_INVALID_PARAMETER;
		cb_map(o, 1);
		cb_uint(o, 1);
		fake_cose_pub(o, d->ka, COSE_ES256, -25);  /* ECDH-ES+HKDF-256 */
		return ST_OK;
	case 5:		/* getPINToken */
		return pin_token(d, req, o);
	default:
		return ST_INVALID_COMMAND;
	}
}

/* ---- authenticatorGetInfo (0x04) ---- */

static uint8_t
get_info(const struct fake_dev *d, struct cb_out *o)
{
	cb_map(o, 5);
	cb_uint(o, 1);
	cb_array(o, 2);
	cb_text(o, "U2F_V2");
	cb_text(o, "FIDO_2_0");
	cb_uint(o, 3);
	cb_bytes(o, aaguid, sizeof(aaguid));
	cb_uint(o, 4);
	cb_map(o, 3 + (d->has_pin ? 1 : 0) + (d->has_uv ? 1 : 0));
	cb_text(o, "rk");
	cb_bool(o, false);
	cb_text(o, "up");
	cb_bool(o, true);
	if (d->has_uv) {
		cb_text(o, "uv");
		cb_bool(o, true);
	}
	cb_text(o, "plat");
	cb_bool(o, false);
	if (d->has_pin) {
		cb_text(o, "clientPin");
		cb_bool(o, true);
	}
	cb_uint(o, 5);
	cb_uint(o, 1200);
	cb_uint(o, 6);
	cb_array(o, 1);
	cb_uint(o, 1);
	return ST_OK;
}

static void
ctap2(struct fake_dev *d, const unsigned char *buf, size_t count)
{
	static struct cb_pool pool;
	static struct cb_out o;
	struct cb_item req;
	size_t used;
	uint8_t st;

	memset(&o, 0, sizeof(o));
	memset(&req, 0, sizeof(req));
	d->timeout = false;
	if (count < 1 || (count > 1 && cb_parse(&pool, buf + 1, count - 1,
	    &req, &used) != 0)) {
		reply(d, CMD_CBOR, ST_INVALID_PARAMETER, NULL);
		return;
	}
	switch (buf[0]) {
	case 0x01: st = make_cred(d, &req, &o); break;
	case 0x02: st = get_assert(d, &req, &o); break;
	case 0x04: st = get_info(d, &o); break;
	case 0x06: st = client_pin(d, &req, &o); break;
	default: st = ST_INVALID_COMMAND; break;
	}
	reply(d, CMD_CBOR, st, &o);
}

/* ---- U2F Authenticate (CTAP1), over CTAPHID_MSG ---- */

static void
u2f_reply(struct fake_dev *d, uint16_t sw, const uint8_t *body, size_t len)
{
	if (len > sizeof(d->reply) - 2)
		len = 0;
	if (len > 0)
		memcpy(d->reply, body, len);
	d->reply[len] = (uint8_t)(sw >> 8);
	d->reply[len + 1] = (uint8_t)sw;
	d->reply_len = len + 2;
	d->reply_cmd = CMD_MSG;
	d->pending = true;
}

/*
 * A U2F key holds only P-256 credentials; which one a key handle names,
 * and only for the application (rp hash) it was made for.
 */
static struct fake_cred *
u2f_cred(struct fake_dev *d, const uint8_t *app, const uint8_t *kh,
    size_t khlen)
{
	struct fake_cred *c = fake_cred_by_id(d, kh, khlen);
	uint8_t h[32];

	if (c == NULL || c->cose != COSE_ES256)
		return NULL;
	fake_sha256(c->rp, strlen(c->rp), h);
	return memcmp(h, app, sizeof(h)) == 0 ? c : NULL;
}

/*
 * The response: user presence, counter, and a signature over application
 * || presence || counter || challenge, which is CTAP2's authdata || cdh
 * for the 37-byte authdata libfido2 makes of it.
 */
static uint16_t
u2f_sign(struct fake_dev *d, struct fake_cred *c, const uint8_t *chal,
    uint8_t *out, size_t *len)
{
	struct cb_item cdh = { .type = CB_BYTES, .p = chal, .len = 32 };
	uint8_t ad[64];
	size_t adlen, siglen = *len - 5;

	c->count = d->counter_zero ? 0 : c->count + 1;
	adlen = auth_head(ad, d->wrong_rp ? "wrong.example" : c->rp,
	    d->no_up ? 0 : FLAG_UP, c->count);
	if (sign_with(d, c->key, c->cose, ad, adlen, &cdh, out + 5,
	    &siglen) != 0)
		return SW_WRONG_DATA;
	memcpy(out, ad + 32, 5);
	*len = 5 + siglen;
	return SW_NO_ERROR;
}

/* CLA INS P1 P2 0 Lc(2), then challenge, application, L, key handle. */
static void
u2f_msg(struct fake_dev *d, const unsigned char *buf, size_t count)
{
	const uint8_t *data = buf + 7;
	struct fake_cred *c;
	uint8_t out[160];
	size_t lc, len = sizeof(out);
	uint16_t sw;

	d->timeout = false;
	if (count < 7 || buf[1] != U2F_AUTHENTICATE) {
		u2f_reply(d, SW_INS_NOT_SUPPORTED, NULL, 0);
		return;
	}
	lc = (size_t)buf[5] << 8 | buf[6];
	if (lc < 65 || 7 + lc > count || 65 + (size_t)data[64] > lc) {
		u2f_reply(d, SW_WRONG_LENGTH, NULL, 0);
		return;
	}
	c = u2f_cred(d, data + 32, data + 65, data[64]);
	if (buf[2] == U2F_CHECK_ONLY) {
		d->u2f_checks++;
		u2f_reply(d, c != NULL ? SW_CONDITIONS_NOT_SATISFIED :
		    SW_WRONG_DATA, NULL, 0);
		return;
	}
	if (buf[2] != U2F_SIGN || c == NULL) {
		u2f_reply(d, SW_WRONG_DATA, NULL, 0);
		return;
	}
	/* a U2F key answers at once, "touch needed" until it is touched,
	   and the host asks again: once here, then the touch (or none) */
	if (!d->u2f_polled) {
		d->u2f_polled = true;
		u2f_reply(d, SW_CONDITIONS_NOT_SATISFIED, NULL, 0);
		return;
	}
	d->u2f_polled = false;
	d->asserts++;
	if ((d->timeout = d->no_touch)) {	/* the read waits, in vain */
		u2f_reply(d, SW_CONDITIONS_NOT_SATISFIED, NULL, 0);
		return;
	}
	sw = u2f_sign(d, c, data, out, &len);
	u2f_reply(d, sw, out, sw == SW_NO_ERROR ? len : 0);
}

/* ---- libfido2's transport hooks ---- */

static int
tx(fido_dev_t *dev, uint8_t cmd, const unsigned char *buf, size_t count)
{
	struct fake_dev *d = bound(dev);
	struct cb_out o;

	if (d == NULL)
		return -1;
	switch (cmd) {
	case CMD_INIT:		/* nonce, channel, CTAPHID 2, v5.0.0, caps */
		if (count != 8)
			return -1;
		memset(&o, 0, sizeof(o));
		cb_raw(&o, buf, 8);
		cb_raw(&o, "\x01\x02\x03\x04\x02\x05\x00\x00", 8);
		/* WINK | CBOR; a U2F-only key claims neither */
		cb_raw(&o, d->u2f_only ? "\x00" : "\x05", 1);
		memcpy(d->reply, o.buf, o.len);
		d->reply_len = o.len;
		d->reply_cmd = CMD_INIT;
		d->pending = true;
		d->timeout = false;
		return 0;
	case CMD_MSG:
		u2f_msg(d, buf, count);
		return 0;
	case CMD_CBOR:
		if (d->u2f_only)
			return -1;	/* libfido2 never sends it one */
		ctap2(d, buf, count);
		return 0;
	case CMD_CANCEL:
		d->cancels++;
		d->pending = false;
		return 0;
	default:
		return -1;
	}
}

static int
rx(fido_dev_t *dev, uint8_t cmd, unsigned char *buf, size_t count, int ms)
{
	struct fake_dev *d = bound(dev);

	if (d == NULL)
		return -1;
	d->last_ms = ms;
	if (!d->pending || d->reply_cmd != cmd || d->reply_len > count)
		return -1;
	d->pending = false;
	if (d->timeout)
		return -1;	/* as a HID read that waited ms for a touch */
	memcpy(buf, d->reply, d->reply_len);
	return (int)d->reply_len;
}

/* ---- set-up ---- */

void
fake_init(struct fake_dev *d, const char *path)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->path, sizeof(d->path), "%s", path);
	d->pin_retries = 8;
	d->full_attestation = true;
	if ((d->att_key = fake_keygen(COSE_ES256)) == NULL ||
	    (d->att_cert_len = fake_self_cert(d->att_key, d->att_cert,
	    sizeof(d->att_cert))) == 0)
		abort();
}

void
fake_free(struct fake_dev *d)
{
	size_t i;

	for (i = 0; i < d->n_creds; i++)
		EVP_PKEY_free(d->creds[i].key);
	EVP_PKEY_free(d->ka);
	EVP_PKEY_free(d->att_key);
	memset(d, 0, sizeof(*d));
}

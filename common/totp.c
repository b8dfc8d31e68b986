/*
 * TOTP generation and verification.  liboath computes HOTP values; the
 * window walk, the constant-time comparison and the encodings are ours.
 */
#include <liboath/oath.h>
#include <stdio.h>

#include "totp.h"

tfa_err
tfa_totp_generate(struct tfa_totp *t, int64_t now)
{
	memset(t, 0, sizeof(*t));
	t->secret_len = TFA_TOTP_SECRET_LEN;
	t->algo = TFA_HASH_SHA1;
	t->digits = 6;
	t->period = 30;
	t->created = now;
	if (tfa_random(t->secret, t->secret_len) != TFA_OK) {
		tfa_wipe_struct(t);
		return TFA_ERR_IO;
	}
	t->enabled = true;
	return TFA_OK;
}

int64_t
tfa_totp_step(const struct tfa_totp *t, int64_t now)
{
	return now < 0 ? 0 : now / (int64_t)t->period;
}

tfa_err
tfa_totp_code(const struct tfa_totp *t, int64_t step, char *out,
    size_t outlen)
{
	int flags = 0;

	if (t->digits < 6 || t->digits > TFA_TOTP_CODE_MAX ||
	    outlen < t->digits + 1 || t->period == 0 || step < 0)
		return TFA_ERR_INVAL;
	if (t->algo == TFA_HASH_SHA256)
		flags = OATH_TOTP_HMAC_SHA256;
	else if (t->algo == TFA_HASH_SHA512)
		flags = OATH_TOTP_HMAC_SHA512;
	if (oath_totp_generate2((const char *)t->secret, t->secret_len,
	    (time_t)(step * (int64_t)t->period), t->period, 0, t->digits,
	    flags, out) != OATH_OK)
		return TFA_ERR_CRYPTO;
	return TFA_OK;
}

tfa_err
tfa_totp_match(const struct tfa_totp *t, int64_t now, unsigned tolerance,
    const char *code, int64_t after, int64_t *step)
{
	char want[TFA_TOTP_CODE_MAX + 1];
	int64_t s, first, found = -1;
	bool used = false;
	tfa_err r = TFA_OK;

	if (!t->enabled || strlen(code) != t->digits)
		return TFA_ERR_BADCODE;
	first = tfa_totp_step(t, now) - (int64_t)tolerance;
	for (s = first; s <= first + 2 * (int64_t)tolerance; s++) {
		if (s < 0)
			continue;
		if ((r = tfa_totp_code(t, s, want, sizeof(want))) != TFA_OK)
			break;
		/* keep the newest new match; compare every step anyway */
		if (!tfa_ct_equal(want, code, t->digits))
			continue;
		if (s <= after)
			used = true;
		else
			found = s;
	}
	tfa_wipe_array(want);
	if (r != TFA_OK)
		return r;
	if (found < 0)
		return used ? TFA_ERR_REPLAY : TFA_ERR_BADCODE;
	*step = found;
	return TFA_OK;
}

tfa_err
tfa_base32_encode(const uint8_t *in, size_t len, char *out, size_t outlen)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	size_t i, o = 0, need = (len * 8 + 4) / 5;
	unsigned buf = 0, bits = 0;

	if (outlen < need + 1)
		return TFA_ERR_INVAL;
	for (i = 0; i < len; i++) {
		buf = (buf << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			out[o++] = alphabet[(buf >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0)
		out[o++] = alphabet[(buf << (5 - bits)) & 31];
	out[o] = '\0';
	buf = 0;
	return TFA_OK;
}

/* Percent-encode everything but RFC 3986 unreserved characters. */
static int
put_escaped(char *out, size_t outlen, size_t *pos, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			if (*pos + 1 >= outlen)
				return -1;
			out[(*pos)++] = (char)c;
		} else {
			if (*pos + 3 >= outlen)
				return -1;
			out[(*pos)++] = '%';
			out[(*pos)++] = hex[c >> 4];
			out[(*pos)++] = hex[c & 15];
		}
	}
	out[*pos] = '\0';
	return 0;
}

static int
put_raw(char *out, size_t outlen, size_t *pos, const char *s)
{
	size_t n = strlen(s);

	if (*pos + n >= outlen)
		return -1;
	memcpy(out + *pos, s, n + 1);
	*pos += n;
	return 0;
}

tfa_err
tfa_totp_uri(const struct tfa_totp *t, const char *issuer,
    const char *account, char *out, size_t outlen)
{
	static const char *algos[] = { "SHA1", "SHA256", "SHA512" };
	char b32[TFA_SECRET_MAX * 2], tail[64];
	size_t pos = 0;
	tfa_err r = TFA_ERR_INVAL;

	if (tfa_base32_encode(t->secret, t->secret_len, b32, sizeof(b32)))
		goto out;
	snprintf(tail, sizeof(tail), "&algorithm=%s&digits=%u&period=%u",
	    algos[t->algo], t->digits, t->period);
	if (put_raw(out, outlen, &pos, "otpauth://totp/") ||
	    put_escaped(out, outlen, &pos, issuer) ||
	    put_raw(out, outlen, &pos, ":") ||
	    put_escaped(out, outlen, &pos, account) ||
	    put_raw(out, outlen, &pos, "?secret=") ||
	    put_raw(out, outlen, &pos, b32) ||
	    put_raw(out, outlen, &pos, "&issuer=") ||
	    put_escaped(out, outlen, &pos, issuer) ||
	    put_raw(out, outlen, &pos, tail))
		goto out;
	r = TFA_OK;
out:
	tfa_wipe_array(b32);
	if (r != TFA_OK && outlen > 0)
		explicit_bzero(out, outlen);
	return r;
}

/*
 * Authenticator-app codes (RFC 6238 TOTP), computed with liboath.
 */
#ifndef TFA_TOTP_H
#define TFA_TOTP_H

#include "record.h"

#define TFA_TOTP_SECRET_LEN 20		/* 160 bits, RFC 4226 section 4 */
#define TFA_TOTP_CODE_MAX 8

/* A fresh secret with the defaults every app supports: SHA1, 6, 30 s. */
tfa_err tfa_totp_generate(struct tfa_totp *t, int64_t now);

/* The code for one time step; out holds digits + 1 bytes. */
tfa_err tfa_totp_code(const struct tfa_totp *t, int64_t step, char *out,
    size_t outlen);

/* The time step that contains the instant now. */
int64_t tfa_totp_step(const struct tfa_totp *t, int64_t now);

/*
 * Look for code in the steps now-tolerance .. now+tolerance that come after
 * step `after` (the newest step accepted before; -1 for none).  Every step
 * is computed and compared in constant time, whatever matches.  On a
 * match, *step is the newest such step: a code can be that of two steps
 * of the window, and once accepted it must not pass again for the other
 * (RFC 6238, 5.2).  TFA_ERR_REPLAY when code is only that of steps up to
 * `after`.
 */
tfa_err tfa_totp_match(const struct tfa_totp *t, int64_t now,
    unsigned tolerance, const char *code, int64_t after, int64_t *step);

/* RFC 4648 base32 without padding, as authenticator apps expect. */
tfa_err tfa_base32_encode(const uint8_t *in, size_t len, char *out,
    size_t outlen);

/*
 * otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=...&algorithm=...
 * (the Key Uri Format every app reads), with both names percent-encoded.
 */
tfa_err tfa_totp_uri(const struct tfa_totp *t, const char *issuer,
    const char *account, char *out, size_t outlen);

#endif

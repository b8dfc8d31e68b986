/*
 * Backup codes: ten single-use codes, shown once, kept only as salted,
 * slow hashes.  The last resort when the phone or key is gone.
 */
#ifndef TFA_BACKUP_H
#define TFA_BACKUP_H

#include <stdbool.h>
#include <stdint.h>

#include "tfa.h"

#define TFA_BACKUP_COUNT	10
#define TFA_BACKUP_CHARS	10	/* per code, without the dash */
#define TFA_BACKUP_SHOWN	12	/* "xxxxx-xxxxx" and NUL */
#define TFA_BACKUP_HASH		32	/* PBKDF2-HMAC-SHA256 output */
#define TFA_BACKUP_SALT		16
#define TFA_BACKUP_ITER		10000
#define TFA_BACKUP_DIGITS	8	/* an imported numeric code */

struct tfa_backup {
	bool enabled;
	uint8_t salt[TFA_BACKUP_SALT];
	unsigned iterations;
	uint8_t hash[TFA_BACKUP_COUNT][TFA_BACKUP_HASH];
	unsigned unused;		/* bit i set: code i not used yet */
	int64_t created;
	bool numeric;			/* TFA_BACKUP_DIGITS digits each:
					   imported scratch codes */
};

/*
 * Make a new set (the old one is void) and give the codes to show, once,
 * as "xxxxx-xxxxx" from an alphabet without look-alike characters.
 */
tfa_err tfa_backup_generate(struct tfa_backup *b,
    char codes[TFA_BACKUP_COUNT][TFA_BACKUP_SHOWN], int64_t now);

/*
 * Make a set (the old one is void) of n (1..TFA_BACKUP_COUNT) existing
 * codes of TFA_BACKUP_DIGITS digits, such as pam_google_authenticator's
 * scratch codes, hashed like generated ones.
 */
tfa_err tfa_backup_set_numeric(struct tfa_backup *b,
    const char codes[][TFA_BACKUP_DIGITS + 1], size_t n, int64_t now);

/* How many codes are left. */
unsigned tfa_backup_left(const struct tfa_backup *b);

/*
 * Use one code: code is normalised (tfa_code_parse).  Compares against every
 * unused hash in constant time and marks the match used.  A code that
 * cannot be one of the set (length, or digits for a numeric set) is
 * refused before any hashing.
 */
tfa_err tfa_backup_consume(struct tfa_backup *b, const char *code);

/* True for a character backup codes are made of (lower case). */
bool tfa_backup_char(char c);

#endif

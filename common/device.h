/*
 * Devices: every place a second factor was used from, and whether it is
 * trusted to skip the second factor until trusted_until.
 */
#ifndef TFA_DEVICE_H
#define TFA_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "apppw.h"

#define TFA_SERVICE_MAX		31	/* a service class, e.g. "imap" */
#define TFA_TOKEN_HASH		32

enum tfa_device_kind {
	TFA_DEVICE_HOST = 0,	/* interactive: service class + host or tty */
	TFA_DEVICE_MAIL,	/* a mail client remembered by its token */
};

struct tfa_device {
	uint32_t id;
	enum tfa_device_kind kind;
	char service[TFA_SERVICE_MAX + 1];
	char rhost[TFA_RHOST_MAX + 1];
	uint8_t token_hash[TFA_TOKEN_HASH];	/* MAIL: keyed hash */
	int64_t first_seen;
	int64_t last_seen;
	int64_t trusted_until;			/* 0 (or not after
						   first_seen): not trusted */
};

#define TFA_STORE_KEY_LEN	32	/* the store's token-hashing key */
#define TFA_DEVICE_TOUCH_SECS	300	/* last_seen is written this seldom */
#define TFA_DEVICE_KEEP_DAYS	30	/* listed this long after expiry */

struct tfa_record;

enum tfa_device_match {
	TFA_DEVICE_NONE = 0,
	TFA_DEVICE_TRUSTED,	/* found and trusted now */
	TFA_DEVICE_EXPIRED,	/* found, but no longer trusted */
};

/*
 * HMAC-SHA256(key, user NUL service NUL token): what a mail client's token
 * is remembered as.  Nothing derived from the password goes in.
 */
tfa_err tfa_device_token_hash(const uint8_t key[TFA_STORE_KEY_LEN],
    const char *user, const char *service, const char *token,
    uint8_t out[TFA_TOKEN_HASH]);

/* The mail client of service whose token hashes to hash; every entry is
 * compared in constant time. */
enum tfa_device_match tfa_device_find_mail(const struct tfa_record *rec,
    const char *service, const uint8_t hash[TFA_TOKEN_HASH], int64_t now,
    size_t *idx);

/*
 * The interactive device (service class + host or tty), by the exact host:
 * none for a host longer than TFA_RHOST_MAX, which a record cannot hold.
 */
enum tfa_device_match tfa_device_find_host(const struct tfa_record *rec,
    const char *service, const char *host, int64_t now, size_t *idx);

/*
 * Append a device seen now; *out is it.  NULL hash for a host device.
 * TFA_ERR_INVAL for a host device whose rhost does not fit; a mail
 * client's rhost is shown only, and cut to fit.
 */
tfa_err tfa_device_add(struct tfa_record *rec, enum tfa_device_kind kind,
    const char *service, const char *rhost, const uint8_t *hash,
    int64_t now, int64_t trusted_until, struct tfa_device **out);

/*
 * Room for one more trusted mail client of service: while max or more are
 * trusted, end the trust (trusted_until = now) of the least recently seen.
 * Such a client is kept, not removed, so that if it still polls with its
 * string it is found as expired and refused without counting, rather than
 * counted as wrong codes until its user is locked out.
 */
tfa_err tfa_device_mail_room(struct tfa_record *rec, const char *service,
    size_t max, int64_t now);

/*
 * Note a use (rhost cut to fit, as it is shown); true when the record
 * should be written (see apppw.h).
 */
bool tfa_device_touch(struct tfa_device *d, const char *rhost, int64_t now);

/*
 * Drop what can never be used again: app passwords past their expiry, and
 * devices no longer trusted and not seen for TFA_DEVICE_KEEP_DAYS.  Every
 * record is pruned when it is loaded under the lock (tfa_store_load), so
 * every write stores it pruned.  Returns how many entries went.
 */
size_t tfa_record_prune(struct tfa_record *rec, int64_t now);

#endif

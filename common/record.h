/*
 * One user's second-factor record as it lives in memory, and its encoding as
 * key/value entries.  The codec knows nothing of files, so any store backend
 * (gdbm today) keeps the same entries.
 */
#ifndef TFA_RECORD_H
#define TFA_RECORD_H

#include <stdbool.h>
#include <stdint.h>

#include "apppw.h"
#include "backup.h"
#include "device.h"
#include "key.h"
#include "tfa.h"

#define TFA_RECORD_FORMAT 1
#define TFA_SECRET_MAX 64		/* bytes of TOTP key */
#define TFA_ENTRY_MAX 4096		/* bytes of one encoded value */
#define TFA_LIST_MAX 4096		/* app passwords, devices or keys */

enum tfa_hash { TFA_HASH_SHA1 = 0, TFA_HASH_SHA256, TFA_HASH_SHA512 };

struct tfa_totp {
	bool enabled;
	uint8_t secret[TFA_SECRET_MAX];
	size_t secret_len;
	enum tfa_hash algo;
	unsigned digits;		/* 6..8 */
	unsigned period;		/* seconds, 15..120 */
	int64_t created;
};

struct tfa_record {
	bool disabled;			/* admin turned the second factor off */
	struct tfa_totp totp;
	struct tfa_backup backup;
	int64_t last_step;		/* newest TOTP step accepted */
	unsigned failures;		/* bad second factors in a row */
	int64_t locked_until;		/* 0: not locked */
	int64_t last_login;		/* last good second factor */
	enum tfa_method last_method;
	uint32_t last_id;		/* newest app password, device or key */
	/*
	 * The lists are read-only through the record: they may be shared
	 * with other records (a store keeps a user's decoded lists and lends
	 * them out).  Change them only through the functions below
	 * (tfa_record_set_device and the like, for a login's change).
	 */
	const struct tfa_apppw *apppw;
	size_t n_apppw;
	const struct tfa_device *dev;
	size_t n_dev;
	const struct tfa_key *keys;
	size_t n_keys;
	struct tfa_lists *shared;	/* NULL: the lists are rec's own */
	unsigned decoded;		/* entries seen by tfa_record_decode */
};

/* Lists shared, read-only, between records; freed with the last of them. */
struct tfa_lists;

void tfa_record_init(struct tfa_record *rec);

/*
 * A copy of src into dst (not initialised): shared lists are shared again,
 * own ones copied.  On failure dst is empty.
 */
tfa_err tfa_record_copy(struct tfa_record *dst, const struct tfa_record *src);

/*
 * Make rec's own lists (finished) shared: a copy of rec then costs no copy
 * of its lists, and no record can change them any more.
 */
tfa_err tfa_record_share(struct tfa_record *rec);

/* Give rec its own copy of lists it shares, so that they can be changed. */
tfa_err tfa_record_own(struct tfa_record *rec);

/*
 * Element i of a list, to change.  rec must own its lists (tfa_record_own;
 * a record decoded or added to does): asking a shared record is a bug in
 * the caller, and aborts rather than change what other records see.
 */
struct tfa_apppw *tfa_record_apppw_at(struct tfa_record *rec, size_t i);
struct tfa_device *tfa_record_device_at(struct tfa_record *rec, size_t i);
struct tfa_key *tfa_record_key_at(struct tfa_record *rec, size_t i);

/*
 * Replace element i of a list with *e (the same id), the lists becoming
 * rec's own first: a login changes one element this way, after working
 * on a copy of it.
 */
tfa_err tfa_record_set_apppw(struct tfa_record *rec, size_t i,
    const struct tfa_apppw *e);
tfa_err tfa_record_set_device(struct tfa_record *rec, size_t i,
    const struct tfa_device *e);
tfa_err tfa_record_set_key(struct tfa_record *rec, size_t i,
    const struct tfa_key *e);

/* Wipe rec and free its lists; rec is then as after tfa_record_init. */
void tfa_record_wipe(struct tfa_record *rec);

/*
 * True when the record holds a primary second factor (app or key) that the
 * policy allows.  Backup codes alone are not one: they stand in for a lost
 * app or key.
 */
bool tfa_record_has_factor(const struct tfa_record *rec, bool allow_app,
    bool allow_keys);

/*
 * Append a zeroed element to a list, giving it the next id (the record's
 * lists become its own); returns it, or NULL when out of memory or the list
 * is full.
 */
struct tfa_apppw *tfa_record_add_apppw(struct tfa_record *rec);
struct tfa_device *tfa_record_add_device(struct tfa_record *rec);
struct tfa_key *tfa_record_add_key(struct tfa_record *rec);

/*
 * Remove element i of a list (wiping it), keeping the order of the rest;
 * the record's lists become its own.  TFA_ERR_INVAL when there is no
 * element i.
 */
tfa_err tfa_record_remove_apppw(struct tfa_record *rec, size_t i);
tfa_err tfa_record_remove_device(struct tfa_record *rec, size_t i);
tfa_err tfa_record_remove_key(struct tfa_record *rec, size_t i);

typedef tfa_err (*tfa_entry_fn)(void *arg, const char *key, const char *val);

/* Emit every entry of rec; values are NUL-terminated text. */
tfa_err tfa_record_encode(const struct tfa_record *rec, tfa_entry_fn emit,
    void *arg);

/* Emit the entries of rec that are not list elements. */
tfa_err tfa_record_encode_fixed(const struct tfa_record *rec,
    tfa_entry_fn emit, void *arg);

/*
 * Emit the entries of rec's list elements that differ, field by field
 * (tfa_fields_equal), from the element in the same place in was;
 * TFA_ERR_INVAL when the lists do not hold the same ids in the same
 * places.  Costs no encoding for an element unchanged, nothing at all for
 * lists rec shares with was.
 */
tfa_err tfa_record_encode_changed(const struct tfa_record *rec,
    const struct tfa_record *was, tfa_entry_fn emit, void *arg);

/* True when an entry of this key is a list element ("dev.3"). */
bool tfa_record_is_list_key(const char *key, size_t keylen);

/*
 * Decode one entry into rec (start from tfa_record_init).  Unknown keys,
 * unknown fields, bad numbers and over-long values are TFA_ERR_CORRUPT.
 */
tfa_err tfa_record_decode(struct tfa_record *rec, const char *key,
    size_t keylen, const char *val, size_t vallen);

/*
 * After the last entry: sorts the lists by id; TFA_ERR_CORRUPT unless format
 * and state were seen and every id is unique and at most last_id.  Shared
 * lists were sorted and checked when they were shared; only their highest
 * ids are checked against last_id.
 */
tfa_err tfa_record_finish(struct tfa_record *rec);

/*
 * Decode one entry over a finished record, as tfa_record_decode would have
 * with this value in place of the one decoded: a list entry replaces the
 * element of its id (TFA_ERR_CORRUPT when there is none; TFA_ERR_INVAL when
 * rec shares its lists).  Finish the record again afterwards.
 */
tfa_err tfa_record_decode_over(struct tfa_record *rec, const char *key,
    size_t keylen, const char *val, size_t vallen);

/* The record-text name of a hash, "sha1"; NULL when out of range. */
const char *tfa_hash_name(enum tfa_hash h);

#endif

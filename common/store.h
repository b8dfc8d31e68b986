/*
 * The user store: one record per user, read without a lock (a record is
 * replaced whole, so a reader sees the old or the new one, never a mix) and
 * changed only under that user's lock.  pam/ and enroll/ see only this
 * interface; the backend (gdbm, one database file per user) is behind it.
 */
#ifndef TFA_STORE_H
#define TFA_STORE_H

#include "config.h"
#include "log.h"
#include "record.h"

struct tfa_store;

/* Read a consistent copy of user's record; TFA_ERR_NOENT when none. */
tfa_err tfa_store_read(const struct tfa_config *cfg, const struct tfa_log *log,
    const char *user, struct tfa_record *rec);

/*
 * Take user's lock, waiting for any holder, for a read-check-update.  The
 * lock is released by tfa_store_close or when the process dies.
 */
tfa_err tfa_store_lock(const struct tfa_config *cfg, const struct tfa_log *log,
    const char *user, struct tfa_store **out);

/*
 * A login that reads the record before it prompts and changes it after:
 * tfa_store_open (no lock yet), tfa_store_peek (a lock-free read, like
 * tfa_store_read), then tfa_store_take_lock and tfa_store_load, which
 * reuses what peek read when the record has not changed since (the usual
 * case) instead of reading it again.
 */
tfa_err tfa_store_open(const struct tfa_config *cfg, const struct tfa_log *log,
    const char *user, struct tfa_store **out);
tfa_err tfa_store_peek(struct tfa_store *st, struct tfa_record *rec);
tfa_err tfa_store_take_lock(struct tfa_store *st);

/*
 * Under the lock: read the current record; TFA_ERR_NOENT when none.  The
 * record comes pruned (tfa_record_prune), so what is saved next is too.
 */
tfa_err tfa_store_load(struct tfa_store *st, struct tfa_record *rec);

/* Under the lock: replace the record atomically; durable on return. */
tfa_err tfa_store_save(struct tfa_store *st, const struct tfa_record *rec);

/* Under the lock: remove the record; durable on return.  Then close st. */
tfa_err tfa_store_delete(struct tfa_store *st);

/* Release the lock and free; sets *stp to NULL. */
void tfa_store_close(struct tfa_store **stp);

/*
 * The store's secret key for hashing remembered mail-client tokens
 * (device.h), made on first use; the same for every user of the store.
 */
tfa_err tfa_store_device_key(const struct tfa_config *cfg,
    const struct tfa_log *log, uint8_t key[TFA_STORE_KEY_LEN]);

/* Call fn for every user that has a record; stops at fn's first error. */
tfa_err tfa_store_list(const struct tfa_config *cfg, const struct tfa_log *log,
    tfa_err (*fn)(void *arg, const char *user), void *arg);

#endif

/*
 * A record's overlay: the entries that changed since its database was last
 * written whole (the replay step and failure count after a login, a used
 * backup code, a device's last-seen time), kept in a small file of two
 * fixed slots that is rewritten in place.
 *
 * Each slot holds a header (magic, the database generation it belongs to, a
 * sequence number, the payload length, a checksum) and the overriding
 * entries as "key\0value\0" pairs.  A writer fills the slot that does not
 * hold the newest valid one and syncs the data: a write torn by a crash
 * fails its checksum and the other slot, the previous state, stays the
 * newest.  Slots of another generation are ignored, so writing the database
 * whole voids the overlay.
 *
 * Sequence numbers grow across the file, whatever the generation: every
 * write takes the highest valid one plus one.  Before a database is
 * replaced or removed, its writer marks the overlay (tfa_ovl_mark): a slot
 * of another generation, newer than any.  So, under the lock, an overlay
 * whose two headers are as they were when it was read, at a moment its
 * newest slot was its database's, tells that the database is the same too.
 */
#ifndef TFA_OVERLAY_H
#define TFA_OVERLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "tfa.h"

#define TFA_OVL_SLOT	4096			/* bytes per slot */
#define TFA_OVL_HEADER	40
#define TFA_OVL_FILE	(2 * TFA_OVL_SLOT)	/* size of a usable file */
#define TFA_OVL_PAYLOAD	(TFA_OVL_SLOT - TFA_OVL_HEADER)

struct tfa_ovl {
	uint64_t gen;			/* database generation; 0: none */
	uint64_t seq;			/* newest valid slot's number; 0: none */
	uint64_t top;			/* the file's highest valid number, of
					   any generation; 0: none */
	bool latest;			/* that slot is newer than any other
					   valid one: its database was the
					   newest when it was read */
	int slot;			/* where it is: 0, 1, or -1 */
	size_t len;
	uint8_t head[2][TFA_OVL_HEADER];	/* both headers as read */
	char payload[TFA_OVL_PAYLOAD];
};

/*
 * Find the newest valid slot for generation gen in the open file fd, of
 * size bytes (fstat's).  A file that is not TFA_OVL_FILE bytes holds no
 * valid slot.  TFA_ERR_IO when it cannot be read; TFA_ERR_CORRUPT when a
 * valid slot's payload is not well-formed pairs.
 */
tfa_err tfa_ovl_read(int fd, off_t size, uint64_t gen, struct tfa_ovl *ovl);

/*
 * True when the file fd still holds the two headers and the newest slot's
 * payload that tfa_ovl_read put in ovl, and the other slot is no valid
 * slot as new: nobody wrote it since.  False also when ovl found no slot,
 * or one of another generation was newer.
 */
bool tfa_ovl_unchanged(int fd, const struct tfa_ovl *ovl);

/*
 * Make fd a usable file (TFA_OVL_FILE zero bytes, synced) unless it is one;
 * *made tells whether it wrote, so the caller syncs the directory.
 */
tfa_err tfa_ovl_prepare(int fd, bool *made);

/*
 * Write payload (len bytes of pairs) as the next slot of ovl->gen into the
 * slot the newest does not occupy, and sync it; ovl then describes it.
 */
tfa_err tfa_ovl_write(int fd, struct tfa_ovl *ovl, const char *payload,
    size_t len);

/*
 * Before a database replaces or removes the one of ovl->gen: write an empty
 * slot of generation gen, newer than any, into the slot the newest of
 * ovl->gen does not occupy.  It is not synced: it is there for the logins
 * running now (tfa_ovl_unchanged), and a crash leaves the other slot as it
 * was.  *seq and *slot: where it went; ovl->top follows.
 */
tfa_err tfa_ovl_mark(int fd, struct tfa_ovl *ovl, uint64_t gen,
    uint64_t *seq, int *slot);

/* After a mark for gen at seq, slot: its database is the newest, ovl its. */
void tfa_ovl_adopt(struct tfa_ovl *ovl, uint64_t gen, uint64_t seq,
    int slot);

/*
 * Set the checksum of a slot (TFA_OVL_SLOT bytes) from its header and
 * payload; a slot whose length is out of range is left as it is.
 */
void tfa_ovl_seal(uint8_t *slot);

/*
 * Step through a payload's pairs: start with *pos = 0; false at the end.
 * Only for payloads tfa_ovl_read accepted or the caller built.
 */
bool tfa_ovl_next(const char *payload, size_t len, size_t *pos,
    const char **key, const char **val);

/* Empty ovl for generation gen. */
void tfa_ovl_init(struct tfa_ovl *ovl, uint64_t gen);

#endif

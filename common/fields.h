/*
 * The text form of one record entry: "name=value" fields separated by
 * single spaces, driven by a table per entry type.  Every field of a table
 * must appear exactly once; anything else is a corrupt entry.
 */
#ifndef TFA_FIELDS_H
#define TFA_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tfa.h"

enum tfa_ftype {
	TFA_F_I64,	/* int64_t in [min, max] */
	TFA_F_UINT,	/* unsigned in [min, max] */
	TFA_F_INT,	/* int in [min, max] (may be negative) */
	TFA_F_BOOL,	/* bool as 0 or 1 */
	TFA_F_BYTES,	/* uint8_t[size], lower-case hex */
	TFA_F_VBYTES,	/* uint8_t[size] with a size_t length at len_off */
	TFA_F_STR,	/* char[size], %XX-escaped */
	TFA_F_ENUM,	/* int-sized enum, one of names[] */
};

struct tfa_field {
	const char *name;
	enum tfa_ftype type;
	size_t off;
	size_t size;		/* BYTES, VBYTES, STR: buffer size */
	size_t len_off;		/* VBYTES */
	int64_t min, max;	/* numbers; VBYTES: min and max length */
	const char *const *names;	/* ENUM */
	size_t nnames;
};

/* Encode obj's fields into buf; TFA_ERR_INVAL when it does not fit. */
tfa_err tfa_fields_encode(const void *obj, const struct tfa_field *f,
    size_t nf, char *buf, size_t len);

/*
 * True when every field of a equals b's: they encode the same.  Only the
 * fields' own bytes are compared (no padding, nothing after a string's
 * NUL or past a length).
 */
bool tfa_fields_equal(const void *a, const void *b, const struct tfa_field *f,
    size_t nf);

/* Decode s (modified in place) into obj; TFA_ERR_CORRUPT on anything odd. */
tfa_err tfa_fields_decode(void *obj, const struct tfa_field *f, size_t nf,
    char *s);

#define TFA_NFIELDS(a) (sizeof(a) / sizeof((a)[0]))

#endif

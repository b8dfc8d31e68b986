/*
 * What the import parsers share: lines and fields of a text that is not
 * NUL-terminated, strict decoders, and the result list.  Internal to
 * common/import*.c.
 */
#ifndef TFA_IMPORT_INT_H
#define TFA_IMPORT_INT_H

#include "import.h"

/* A piece of the input: never NUL-terminated, never changed. */
struct tfa_span {
	const char *p;
	size_t n;
};

struct tfa_lines {
	const char *buf;
	size_t len, pos;
	unsigned no;			/* number of the line last returned */
};

void tfa_lines_init(struct tfa_lines *l, const char *buf, size_t len);

/* The next line without its '\n' and one '\r' before it; false at end. */
bool tfa_lines_next(struct tfa_lines *l, struct tfa_span *line);

/*
 * Split s at sep (or at runs of spaces and tabs when sep is 0, ignoring
 * them at both ends) into at most max fields; returns how many there are,
 * which is more than max when some did not fit.
 */
size_t tfa_span_split(struct tfa_span s, char sep, struct tfa_span *out,
    size_t max);

bool tfa_span_is(struct tfa_span s, const char *lit);
bool tfa_span_digits(struct tfa_span s);
bool tfa_span_blank(struct tfa_span s);

/* A decimal number of 1..19 digits, no sign; -1 when not that or > max. */
int tfa_span_uint(struct tfa_span s, uint64_t max, uint64_t *out);

/*
 * Strict decoders: -1 on any character outside the alphabet, a length no
 * encoder makes, non-zero padding bits, or more than max bytes out.
 * base32: RFC 4648 without padding, either case.  hex: either case.
 * base64: RFC 4648 section 4 with padding, or section 5 ("websafe")
 * without it.
 */
int tfa_decode_base32(struct tfa_span s, uint8_t *out, size_t max,
    size_t *outlen);
int tfa_decode_hex(struct tfa_span s, uint8_t *out, size_t max,
    size_t *outlen);
int tfa_decode_base64(struct tfa_span s, bool websafe, uint8_t *out,
    size_t max, size_t *outlen);

/*
 * The entry for a user name; NULL when the name is not acceptable, and
 * that is recorded as a problem of the line.
 */
tfa_err tfa_import_user_get(struct tfa_import *imp, struct tfa_span name,
    unsigned line, struct tfa_import_user **out, bool *seen);

/* A fresh entry with no user name (google-authenticator files). */
tfa_err tfa_import_user_new(struct tfa_import *imp, unsigned line,
    struct tfa_import_user **out);

/* Refuse u; only the first reason is kept. */
void tfa_import_refuse(struct tfa_import_user *u, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Add one line to u's notes; dropped when they are full. */
void tfa_import_note(struct tfa_import_user *u, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Record a line that names no user. */
tfa_err tfa_import_problem(struct tfa_import *imp, unsigned line,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* TFA_ERR_INVAL with a whole-file problem when buf is no text file. */
tfa_err tfa_import_check_text(struct tfa_import *imp, const char *buf,
    size_t len, size_t max);

#endif

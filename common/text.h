/*
 * Text people give things (names of keys and app passwords) and text the
 * store holds that ends up on a terminal, root's among them (tfa-enroll
 * --user): only characters that cannot steer the terminal or change how
 * the rest of a line reads are shown as they are.
 */
#ifndef TFA_TEXT_H
#define TFA_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The code point of the valid UTF-8 sequence (RFC 3629: no overlong forms,
 * no surrogates, nothing past U+10FFFF) s starts with, and its length; 0
 * when s does not start one.  Stops at the first byte that does not fit,
 * so it never reads past the NUL that ends s.
 */
size_t tfa_utf8(const char *s, uint32_t *cp);

/*
 * The length of the character s starts with when it is one to show
 * people: valid UTF-8, and no C0 control, DEL, C1 control (U+0080 to
 * U+009F, which terminals obey like ESC) or bidirectional control (U+061C,
 * U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069: they reorder what
 * follows on the line); else 0.
 */
size_t tfa_text_char(const char *s);

/*
 * s ends within its size bytes and is such text up to there; its length in
 * *len.
 */
bool tfa_text_ok(const char *s, size_t size, size_t *len);

/* A name a user gives a thing: 1 to TFA_NAME_MAX bytes of such text. */
bool tfa_name_ok(const char *s);

/*
 * s to show: s itself when it is such text, else a copy in buf (len
 * bytes, cut at a character if short) with every byte that is not, and
 * every '%', written as %XX.
 */
const char *tfa_text_show(const char *s, char *buf, size_t len);

#endif

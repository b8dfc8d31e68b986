/*
 * The little JSON tfa-enroll writes (list-users --json): strings that are
 * always valid, whatever bytes a user name holds.
 */
#ifndef TFA_ENROLL_JSON_H
#define TFA_ENROLL_JSON_H

#include <stdint.h>
#include <stdio.h>

/*
 * Write s as a JSON string (RFC 8259), in pure ASCII: '"' and '\' escaped,
 * control characters and every code point above U+007E as \u escapes
 * (surrogate pairs above U+FFFF), each byte that is not part of valid
 * UTF-8 (RFC 3629: no overlong forms, no surrogates) as \ufffd.
 */
void tfa_json_string(FILE *fp, const char *s);

/* A time as a JSON string "2026-11-23T18:23:40Z" (UTC), or null for 0. */
void tfa_json_time(FILE *fp, int64_t t);

#endif

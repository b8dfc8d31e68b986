/*
 * User names become file names in the store.  A name is accepted only when
 * it cannot name anything outside the user's own record.
 */
#ifndef TFA_USER_H
#define TFA_USER_H

#include "tfa.h"

#define TFA_USER_MAX 255		/* bytes in a user name */
#define TFA_USER_FILE_MAX 200		/* bytes in its escaped form */

/*
 * Check a user name: 1..TFA_USER_MAX bytes, no '/', no leading '.', no
 * control bytes, and an escaped form of at most TFA_USER_FILE_MAX bytes.
 * Everything else (mail addresses, UTF-8) is allowed.  The escaped length
 * is the limit that binds (a byte outside [A-Za-z0-9._@+-] counts 3), so
 * no accepted name is longer than TFA_USER_FILE_MAX bytes; the man pages
 * and README state this rule.
 */
tfa_err tfa_user_check(const char *user);

/*
 * Escape a checked user name into a file-name stem: bytes outside
 * [A-Za-z0-9._@+-] become %XX.  out must hold TFA_USER_FILE_MAX + 1 bytes.
 */
tfa_err tfa_user_escape(const char *user, char *out, size_t outlen);

/* Reverse of tfa_user_escape; refuses anything it would not have made. */
tfa_err tfa_user_unescape(const char *stem, char *out, size_t outlen);

#endif

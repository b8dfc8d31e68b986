/*
 * What a user types at "Verification code: ", normalised and classified
 * before anything is looked up.
 */
#ifndef TFA_CODE_H
#define TFA_CODE_H

#include "tfa.h"

#define TFA_CODE_INPUT_MAX 64	/* longer input is refused unread */
#define TFA_CODE_MAX 32		/* a normalised code */

enum tfa_code_kind {
	TFA_CODE_INVALID = 0,
	TFA_CODE_TOTP,		/* 6 to 8 digits */
	TFA_CODE_BACKUP,	/* 10 characters of the backup alphabet */
};

/*
 * Copy in to out without spaces, tabs and dashes, letters in lower case, and
 * say what it looks like.  out must hold TFA_CODE_MAX + 1 bytes; it is
 * wiped on INVALID.
 */
enum tfa_code_kind tfa_code_parse(const char *in, char *out, size_t outlen);

#endif

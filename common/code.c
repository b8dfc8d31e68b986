/*
 * The code-input parser: the one place that decides what typed text can be.
 */
#include "backup.h"
#include "code.h"

enum tfa_code_kind
tfa_code_parse(const char *in, char *out, size_t outlen)
{
	size_t i, o = 0, digits = 0;

	if (in == NULL || outlen < TFA_CODE_MAX + 1)
		return TFA_CODE_INVALID;
	for (i = 0; in[i] != '\0'; i++) {
		unsigned char c = (unsigned char)in[i];

		if (i >= TFA_CODE_INPUT_MAX)
			goto invalid;
		if (c == ' ' || c == '\t' || c == '-')
			continue;
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (o >= TFA_CODE_MAX ||
		    !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')))
			goto invalid;
		digits += c >= '0' && c <= '9';
		out[o++] = (char)c;
	}
	out[o] = '\0';
	if (digits == o && o >= 6 && o <= 8)
		return TFA_CODE_TOTP;
	if (o == TFA_BACKUP_CHARS) {
		for (i = 0; i < o; i++)
			if (!tfa_backup_char(out[i]))
				goto invalid;
		return TFA_CODE_BACKUP;
	}
invalid:
	explicit_bzero(out, outlen);
	return TFA_CODE_INVALID;
}

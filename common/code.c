/*
 * The code-input parser: the one place that decides what typed text can be.
 */
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
		if (c < '0' || c > '9' || o >= TFA_CODE_MAX)
			goto invalid;
		digits++;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	if (digits >= 6 && digits <= 8)
		return TFA_CODE_TOTP;
invalid:
	explicit_bzero(out, outlen);
	return TFA_CODE_INVALID;
}

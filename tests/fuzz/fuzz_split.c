/*
 * The mail-mode secret splitter (common/mail.c): "password" + code, or +
 * backup code, as one string from a mail client.  Framing: the first byte
 * picks the app's digits (0, 6, 7 or 8) and whether backup codes count,
 * the rest is the secret.  Properties: the password is a prefix of the
 * secret; the factor is what followed it, normalised (no dash, lower case)
 * and well formed for its kind; nothing found leaves nothing in factor.
 */
#include <string.h>

#include "backup.h"
#include "fuzz.h"
#include "mail.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned digit_choice[] = { 0, 6, 7, 8 };
	char factor[TFA_FACTOR_MAX], tail[TFA_FACTOR_MAX + 2], *secret;
	unsigned digits;
	enum tfa_factor_kind kind;
	size_t pwlen = (size_t)-1, n, i, t = 0;
	bool backup;

	if (size < 1)
		return 0;
	digits = digit_choice[data[0] & 3];
	backup = (data[0] & 4) != 0;
	secret = fuzz_string(data + 1, size - 1);
	n = strlen(secret);
	memset(factor, 'X', sizeof(factor));
	kind = tfa_mail_split(secret, digits, backup, &pwlen, factor);
	if (kind == TFA_FACTOR_NONE) {
		for (i = 0; i < sizeof(factor); i++)
			FUZZ_ASSERT(factor[i] == '\0');
		free(secret);
		return 0;
	}
	FUZZ_ASSERT(pwlen <= n);
	FUZZ_ASSERT(memchr(factor, '\0', sizeof(factor)) != NULL);
	for (i = pwlen; i < n && t < sizeof(tail) - 1; i++) {
		char c = secret[i];

		if (c == '-')
			continue;
		tail[t++] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	tail[t] = '\0';
	FUZZ_ASSERT(i == n && strcmp(tail, factor) == 0);
	if (kind == TFA_FACTOR_TOTP) {
		FUZZ_ASSERT(digits != 0 && strlen(factor) == digits);
		FUZZ_ASSERT(n - pwlen == digits);
		for (i = 0; i < digits; i++)
			FUZZ_ASSERT(factor[i] >= '0' && factor[i] <= '9');
	} else {
		FUZZ_ASSERT(kind == TFA_FACTOR_BACKUP && backup);
		FUZZ_ASSERT(strlen(factor) == TFA_BACKUP_CHARS);
		for (i = 0; i < TFA_BACKUP_CHARS; i++)
			FUZZ_ASSERT(tfa_backup_char(factor[i]));
	}
	free(secret);
	return 0;
}

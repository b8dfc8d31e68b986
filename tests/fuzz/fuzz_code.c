/*
 * tfa_code_parse (common/code.c): what typed text can be.  Properties: a
 * refused input leaves nothing behind in out; an accepted one is exactly
 * the input without spaces, tabs and dashes, in lower case, and is 6-8
 * digits (TOTP) or 10 backup-code characters (BACKUP).
 */
#include <string.h>

#include "backup.h"
#include "code.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = fuzz_string(data, size), out[TFA_CODE_MAX + 1];
	char want[TFA_CODE_MAX + 1];
	enum tfa_code_kind kind;
	size_t i, n = 0, len;

	memset(out, 'X', sizeof(out));
	kind = tfa_code_parse(in, out, sizeof(out));
	if (kind == TFA_CODE_INVALID) {
		for (i = 0; i < sizeof(out); i++)
			FUZZ_ASSERT(out[i] == '\0');
		free(in);
		return 0;
	}
	len = strlen(in);
	FUZZ_ASSERT(len <= TFA_CODE_INPUT_MAX);
	for (i = 0; i < len; i++) {
		char c = in[i];

		if (c == ' ' || c == '\t' || c == '-')
			continue;
		FUZZ_ASSERT(n < TFA_CODE_MAX);
		want[n++] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	want[n] = '\0';
	FUZZ_ASSERT(strcmp(out, want) == 0);
	if (kind == TFA_CODE_TOTP) {
		FUZZ_ASSERT(n >= 6 && n <= 8);
		for (i = 0; i < n; i++)
			FUZZ_ASSERT(out[i] >= '0' && out[i] <= '9');
	} else {
		FUZZ_ASSERT(kind == TFA_CODE_BACKUP);
		FUZZ_ASSERT(n == TFA_BACKUP_CHARS);
		for (i = 0; i < n; i++)
			FUZZ_ASSERT(tfa_backup_char(out[i]));
	}
	free(in);
	return 0;
}

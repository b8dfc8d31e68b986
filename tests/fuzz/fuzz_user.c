/*
 * The user-name checks and escaping (common/user.c), which turn a name from
 * a PAM client into a file name in the store.  Properties: an accepted name
 * has no '/', control byte or leading dot and fits; its escaped stem is
 * made of safe bytes only, is no "." or "..", and unescapes to the name;
 * a refused name does not escape; any stem that unescapes is the canonical
 * escape of what it unescapes to (one name, one file).
 */
#include <string.h>

#include "fuzz.h"
#include "user.h"

static int
stem_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '@' ||
	    c == '+' || c == '-' || c == '%';
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size);
	char stem[TFA_USER_FILE_MAX + 1], back[TFA_USER_MAX + 1];
	char again[TFA_USER_FILE_MAX + 1];
	size_t i, n = strlen(s);

	if (tfa_user_check(s) == TFA_OK) {
		FUZZ_ASSERT(n >= 1 && n <= TFA_USER_MAX);
		FUZZ_ASSERT(s[0] != '.' && strchr(s, '/') == NULL);
		for (i = 0; i < n; i++)
			FUZZ_ASSERT((unsigned char)s[i] >= 0x20 &&
			    s[i] != 0x7f);
		FUZZ_ASSERT(tfa_user_escape(s, stem, sizeof(stem)) == TFA_OK);
		FUZZ_ASSERT(strlen(stem) <= TFA_USER_FILE_MAX);
		FUZZ_ASSERT(stem[0] != '.' && strchr(stem, '/') == NULL);
		for (i = 0; stem[i] != '\0'; i++)
			FUZZ_ASSERT(stem_byte((unsigned char)stem[i]));
		FUZZ_ASSERT(tfa_user_unescape(stem, back, sizeof(back)) ==
		    TFA_OK);
		FUZZ_ASSERT(strcmp(back, s) == 0);
	} else {
		FUZZ_ASSERT(tfa_user_escape(s, stem, sizeof(stem)) != TFA_OK);
	}
	/* the input as a file-name stem, as tfa_store_list reads them */
	if (tfa_user_unescape(s, back, sizeof(back)) == TFA_OK) {
		FUZZ_ASSERT(tfa_user_check(back) == TFA_OK);
		FUZZ_ASSERT(tfa_user_escape(back, again, sizeof(again)) ==
		    TFA_OK);
		FUZZ_ASSERT(strcmp(again, s) == 0);
	}
	free(s);
	return 0;
}

/*
 * The text checks and display escaping (common/text.c), which stand
 * between names stored in records and terminals, root's among them.
 * Properties: a decoded UTF-8 sequence encodes back to the same bytes (no
 * overlong form, surrogate or code point past U+10FFFF is taken); a
 * character shown as it is is no control; what tfa_text_show returns is
 * such text throughout and, given room, unescapes to the input exactly;
 * a name is accepted exactly when it is 1 to TFA_NAME_MAX bytes of it.
 */
#include <string.h>

#include "apppw.h"
#include "fuzz.h"
#include "text.h"

static size_t
encode(uint32_t c, unsigned char *out)
{
	if (c < 0x80) {
		out[0] = (unsigned char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (unsigned char)(0xc0 | c >> 6);
		out[1] = (unsigned char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (unsigned char)(0xe0 | c >> 12);
		out[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
		out[2] = (unsigned char)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (unsigned char)(0xf0 | c >> 18);
	out[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3f));
	out[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
	out[3] = (unsigned char)(0x80 | (c & 0x3f));
	return 4;
}

static int
hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ?
	    c - 'A' + 10 : -1;
}

/* Every character of s is one tfa_text_char shows; its length. */
static size_t
all_text(const char *s)
{
	size_t i, n;

	for (i = 0; s[i] != '\0'; i += n)
		FUZZ_ASSERT((n = tfa_text_char(s + i)) > 0);
	return i;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size);
	size_t len = strlen(s), i, n, o, room = 3 * len + 1;
	char *shown = malloc(room), *back = malloc(len + 1), small[10];
	const char *r;
	unsigned char enc[4];
	bool text = true;
	uint32_t c;

	FUZZ_ASSERT(shown != NULL && back != NULL);
	for (i = 0; i < len; i++) {
		if ((n = tfa_utf8(s + i, &c)) > 0) {
			FUZZ_ASSERT(n <= 4 && i + n <= len);
			FUZZ_ASSERT(c <= 0x10ffff &&
			    !(c >= 0xd800 && c <= 0xdfff));
			FUZZ_ASSERT(encode(c, enc) == n &&
			    memcmp(enc, s + i, n) == 0);
		}
		if ((n = tfa_text_char(s + i)) > 0) {
			FUZZ_ASSERT(tfa_utf8(s + i, &c) == n);
			FUZZ_ASSERT(c >= 0x20 && !(c >= 0x7f && c <= 0x9f) &&
			    c != 0x202e && c != 0x2067);
		}
	}
	for (i = 0; i < len && text; i += n)
		text = (n = tfa_text_char(s + i)) > 0;

	/* shown with room: text, and it unescapes to s */
	r = tfa_text_show(s, shown, room);
	FUZZ_ASSERT(text == (r == s));
	all_text(r);
	for (i = o = 0; r[i] != '\0'; o++) {
		if (r != s && r[i] == '%') {
			FUZZ_ASSERT(hexval(r[i + 1]) >= 0 &&
			    hexval(r[i + 2]) >= 0);
			back[o] = (char)(hexval(r[i + 1]) << 4 |
			    hexval(r[i + 2]));
			i += 3;
		} else {
			back[o] = r[i++];
		}
	}
	back[o] = '\0';
	FUZZ_ASSERT(o == len && memcmp(back, s, len) == 0);

	/* shown without room: still text, and it fits */
	r = tfa_text_show(s, small, sizeof(small));
	FUZZ_ASSERT(all_text(r) < sizeof(small) || r == s);

	/* names */
	FUZZ_ASSERT(tfa_name_ok(s) == (text && len >= 1 &&
	    len <= TFA_NAME_MAX));
	FUZZ_ASSERT(tfa_text_ok(s, len + 1, &n) == text);
	if (text)
		FUZZ_ASSERT(n == len);
	if (len > 0)
		FUZZ_ASSERT(!tfa_text_ok(s, len, &n));	/* no NUL within */
	free(shown);
	free(back);
	free(s);
	return 0;
}

/*
 * Text to show people: strict UTF-8 without control characters.
 */
#include <string.h>

#include "apppw.h"
#include "text.h"

size_t
tfa_utf8(const char *s, uint32_t *cp)
{
	const unsigned char *b = (const unsigned char *)s;
	uint32_t c, min;
	size_t n, i;

	if (b[0] < 0x80) {
		*cp = b[0];
		return 1;
	}
	if (b[0] >= 0xc2 && b[0] <= 0xdf) {
		n = 2, c = b[0] & 0x1f, min = 0x80;
	} else if ((b[0] & 0xf0) == 0xe0) {
		n = 3, c = b[0] & 0x0f, min = 0x800;
	} else if (b[0] >= 0xf0 && b[0] <= 0xf4) {
		n = 4, c = b[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((b[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (b[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

static bool
bidi_control(uint32_t c)
{
	return c == 0x061c || c == 0x200e || c == 0x200f ||
	    (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

size_t
tfa_text_char(const char *s)
{
	uint32_t c;
	size_t n;

	if ((n = tfa_utf8(s, &c)) == 0 || c < 0x20 ||
	    (c >= 0x7f && c <= 0x9f) || bidi_control(c))
		return 0;
	return n;
}

bool
tfa_text_ok(const char *s, size_t size, size_t *len)
{
	size_t i, n;

	if (memchr(s, '\0', size) == NULL)
		return false;
	for (i = 0; s[i] != '\0'; i += n)
		if ((n = tfa_text_char(s + i)) == 0)
			return false;
	*len = i;
	return true;
}

bool
tfa_name_ok(const char *s)
{
	size_t n;

	return tfa_text_ok(s, strnlen(s, TFA_NAME_MAX + 1) + 1, &n) &&
	    n >= 1 && n <= TFA_NAME_MAX;
}

const char *
tfa_text_show(const char *s, char *buf, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, n, o = 0;

	for (i = 0; s[i] != '\0' && (n = tfa_text_char(s + i)) > 0; i += n)
		;
	if (s[i] == '\0')
		return s;
	if (len == 0)
		return "";
	/* stored before names were checked this strictly, or by hand */
	for (i = 0; s[i] != '\0'; i += n) {
		if ((n = tfa_text_char(s + i)) == 0 || s[i] == '%') {
			if (o + 3 >= len)
				break;
			buf[o++] = '%';
			buf[o++] = hex[(unsigned char)s[i] >> 4];
			buf[o++] = hex[(unsigned char)s[i] & 0xf];
			n = 1;
		} else {
			if (o + n >= len)
				break;
			memcpy(buf + o, s + i, n);
			o += n;
		}
	}
	buf[o] = '\0';
	return buf;
}

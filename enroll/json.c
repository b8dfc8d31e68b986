/*
 * JSON output.  User names may hold any byte the store accepts (every byte
 * but '/', NUL and control bytes), not necessarily UTF-8, so strings are
 * decoded strictly and written as ASCII with escapes: the output parses
 * everywhere and never carries a raw byte to a terminal.
 */
#include <time.h>

#include "json.h"

/*
 * The code point of the valid UTF-8 sequence at s and its length, or 0
 * when s does not start one.  Stops at the first byte that does not fit,
 * so it never reads past the string's NUL.
 */
static size_t
utf8_decode(const unsigned char *s, uint32_t *cp)
{
	uint32_t c, min;
	size_t n, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2, c = s[0] & 0x1f, min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3, c = s[0] & 0x0f, min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4, c = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

static void
put_code_point(FILE *fp, uint32_t c)
{
	if (c == '"' || c == '\\')
		fprintf(fp, "\\%c", (char)c);
	else if (c >= 0x20 && c < 0x7f)
		fputc((int)c, fp);
	else if (c <= 0xffff)
		fprintf(fp, "\\u%04x", (unsigned)c);
	else		/* RFC 8259 section 7: a UTF-16 surrogate pair */
		fprintf(fp, "\\u%04x\\u%04x",
		    (unsigned)(0xd800 + ((c - 0x10000) >> 10)),
		    (unsigned)(0xdc00 + ((c - 0x10000) & 0x3ff)));
}

void
tfa_json_string(FILE *fp, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t c;
	size_t n;

	fputc('"', fp);
	while (*p != '\0') {
		if ((n = utf8_decode(p, &c)) == 0) {
			c = 0xfffd;		/* REPLACEMENT CHARACTER */
			n = 1;
		}
		put_code_point(fp, c);
		p += n;
	}
	fputc('"', fp);
}

void
tfa_json_time(FILE *fp, int64_t t)
{
	time_t tt = (time_t)t;
	char buf[64];
	struct tm tm;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
		fputs("null", fp);
		return;
	}
	fprintf(fp, "\"%s\"", buf);
}

/*
 * JSON output.  User names may hold any byte the store accepts (every byte
 * but '/', NUL and control bytes), not necessarily UTF-8, so strings are
 * decoded strictly and written as ASCII with escapes: the output parses
 * everywhere and never carries a raw byte to a terminal.
 */
#include <time.h>

#include "json.h"
#include "ops.h"

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
	const char *p = s;
	uint32_t c;
	size_t n;

	fputc('"', fp);
	while (*p != '\0') {
		if ((n = tfa_utf8(p, &c)) == 0) {
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

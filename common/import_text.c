/*
 * Reading the text of an imported file: lines, fields and strict
 * decoders.  The input is never NUL-terminated and never changed, so every
 * access is bounded by a length.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "import_int.h"

void
tfa_lines_init(struct tfa_lines *l, const char *buf, size_t len)
{
	l->buf = buf;
	l->len = len;
	l->pos = 0;
	l->no = 0;
}

bool
tfa_lines_next(struct tfa_lines *l, struct tfa_span *line)
{
	const char *nl;
	size_t n;

	if (l->pos >= l->len)
		return false;
	line->p = l->buf + l->pos;
	nl = memchr(line->p, '\n', l->len - l->pos);
	n = nl != NULL ? (size_t)(nl - line->p) : l->len - l->pos;
	l->pos += n + (nl != NULL);
	l->no++;
	if (n > 0 && line->p[n - 1] == '\r')	/* CRLF files */
		n--;
	line->n = n;
	return true;
}

static bool
is_ws(char c)
{
	return c == ' ' || c == '\t';
}

size_t
tfa_span_split(struct tfa_span s, char sep, struct tfa_span *out, size_t max)
{
	size_t i = 0, count = 0, start;

	for (;;) {
		if (sep == '\0') {
			while (i < s.n && is_ws(s.p[i]))
				i++;
			if (i == s.n)
				return count;
		}
		start = i;
		while (i < s.n && (sep == '\0' ? !is_ws(s.p[i]) : s.p[i] != sep))
			i++;
		if (count < max) {
			out[count].p = s.p + start;
			out[count].n = i - start;
		}
		count++;
		if (i == s.n)
			return count;
		if (sep != '\0')
			i++;		/* past the separator */
	}
}

bool
tfa_span_is(struct tfa_span s, const char *lit)
{
	return s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}

bool
tfa_span_digits(struct tfa_span s)
{
	size_t i;

	for (i = 0; i < s.n; i++)
		if (s.p[i] < '0' || s.p[i] > '9')
			return false;
	return s.n > 0;
}

bool
tfa_span_blank(struct tfa_span s)
{
	size_t i;

	for (i = 0; i < s.n; i++)
		if (!is_ws(s.p[i]))
			return false;
	return true;
}

int
tfa_span_uint(struct tfa_span s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (!tfa_span_digits(s) || s.n > 19)
		return -1;
	for (i = 0; i < s.n; i++)
		v = v * 10 + (uint64_t)(s.p[i] - '0');
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

/* ---- decoders ---- */

static int
b32_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= '2' && c <= '7')
		return c - '2' + 26;
	return -1;
}

/*
 * Fold n-bit digits into bytes.  Leftover bits must be fewer than a digit
 * and zero, which is what every encoder writes.
 */
static int
fold_bits(struct tfa_span s, int (*value)(char, bool), bool arg,
    unsigned bits, uint8_t *out, size_t max, size_t *outlen)
{
	unsigned acc = 0, have = 0;
	size_t i, o = 0;
	int v;

	for (i = 0; i < s.n; i++) {
		if ((v = value(s.p[i], arg)) < 0)
			goto bad;
		acc = (acc << bits) | (unsigned)v;
		have += bits;
		if (have >= 8) {
			if (o >= max)
				goto bad;
			out[o++] = (uint8_t)(acc >> (have - 8));
			have -= 8;
			acc &= (1u << have) - 1;
		}
	}
	if (have >= bits || (acc & ((1u << have) - 1)) != 0)
		goto bad;
	*outlen = o;
	acc = 0;
	return 0;
bad:
	acc = 0;
	explicit_bzero(out, o);
	return -1;
}

static int
b32_digit(char c, bool unused)
{
	(void)unused;
	return b32_value(c);
}

int
tfa_decode_base32(struct tfa_span s, uint8_t *out, size_t max,
    size_t *outlen)
{
	if (s.n == 0)
		return -1;
	return fold_bits(s, b32_digit, false, 5, out, max, outlen);
}

static int
hex_digit(char c, bool unused)
{
	(void)unused;
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
tfa_decode_hex(struct tfa_span s, uint8_t *out, size_t max, size_t *outlen)
{
	if (s.n == 0 || s.n % 2 != 0)
		return -1;
	return fold_bits(s, hex_digit, false, 4, out, max, outlen);
}

static int
b64_digit(char c, bool websafe)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == (websafe ? '-' : '+'))
		return 62;
	if (c == (websafe ? '_' : '/'))
		return 63;
	return -1;
}

int
tfa_decode_base64(struct tfa_span s, bool websafe, uint8_t *out, size_t max,
    size_t *outlen)
{
	size_t pad = 0;

	if (!websafe) {		/* padded to a multiple of four */
		if (s.n == 0 || s.n % 4 != 0)
			return -1;
		while (pad < 2 && s.p[s.n - 1 - pad] == '=')
			pad++;
		s.n -= pad;
	}
	if (s.n == 0 || s.n % 4 == 1)
		return -1;
	return fold_bits(s, b64_digit, websafe, 6, out, max, outlen);
}

/* ---- results ---- */

static tfa_err
grow(void **items, size_t n, size_t size)
{
	void *p;

	/* capacity doubles at powers of two, from 4 */
	if (n != 0 && (n < 4 || (n & (n - 1)) != 0))
		return TFA_OK;
	if (n >= 65536 || (p = realloc(*items, (n < 4 ? 4 : n * 2) *
	    size)) == NULL)
		return TFA_ERR_NOMEM;
	*items = p;
	return TFA_OK;
}

tfa_err
tfa_import_user_new(struct tfa_import *imp, unsigned line,
    struct tfa_import_user **out)
{
	struct tfa_import_user *u;

	if (grow((void **)&imp->users, imp->n_users, sizeof(*u)) != TFA_OK)
		return TFA_ERR_NOMEM;
	u = &imp->users[imp->n_users++];
	memset(u, 0, sizeof(*u));
	u->line = line;
	*out = u;
	return TFA_OK;
}

tfa_err
tfa_import_user_get(struct tfa_import *imp, struct tfa_span name,
    unsigned line, struct tfa_import_user **out, bool *seen)
{
	char user[TFA_USER_MAX + 1];
	size_t i;
	tfa_err r;

	*out = NULL;
	*seen = false;
	if (name.n == 0 || name.n > TFA_USER_MAX ||
	    memchr(name.p, '\0', name.n) != NULL)
		goto bad;
	memcpy(user, name.p, name.n);
	user[name.n] = '\0';
	if (tfa_user_check(user) != TFA_OK)
		goto bad;
	for (i = 0; i < imp->n_users; i++)
		if (strcmp(imp->users[i].user, user) == 0) {
			*out = &imp->users[i];
			*seen = true;
			return TFA_OK;
		}
	if ((r = tfa_import_user_new(imp, line, out)) != TFA_OK)
		return r;
	memcpy((*out)->user, user, name.n + 1);
	return TFA_OK;
bad:
	return tfa_import_problem(imp, line, "the user name cannot have a "
	    "record in pam_tfa");
}

void
tfa_import_refuse(struct tfa_import_user *u, const char *fmt, ...)
{
	va_list ap;

	if (u->refused)
		return;
	u->refused = true;
	va_start(ap, fmt);
	vsnprintf(u->why, sizeof(u->why), fmt, ap);
	va_end(ap);
}

void
tfa_import_note(struct tfa_import_user *u, const char *fmt, ...)
{
	size_t n = strlen(u->notes);
	va_list ap;
	int w;

	if (n + 2 >= sizeof(u->notes))
		return;
	va_start(ap, fmt);
	w = vsnprintf(u->notes + n, sizeof(u->notes) - n - 1, fmt, ap);
	va_end(ap);
	if (w < 0 || (size_t)w >= sizeof(u->notes) - n - 1) {
		u->notes[n] = '\0';	/* all of a note or none of it */
		return;
	}
	strcat(u->notes, "\n");
}

tfa_err
tfa_import_problem(struct tfa_import *imp, unsigned line, const char *fmt,
    ...)
{
	struct tfa_import_problem *p;
	va_list ap;

	if (grow((void **)&imp->problems, imp->n_problems, sizeof(*p)) !=
	    TFA_OK)
		return TFA_ERR_NOMEM;
	p = &imp->problems[imp->n_problems++];
	p->line = line;
	va_start(ap, fmt);
	vsnprintf(p->why, sizeof(p->why), fmt, ap);
	va_end(ap);
	return TFA_OK;
}

tfa_err
tfa_import_check_text(struct tfa_import *imp, const char *buf, size_t len,
    size_t max)
{
	const char *why = NULL;

	if (len == 0)
		why = "the file is empty";
	else if (len > max)
		why = "the file is too large for its format";
	else if (memchr(buf, '\0', len) != NULL)
		why = "the file holds NUL bytes: it is not a text file";
	if (why == NULL)
		return TFA_OK;
	if (tfa_import_problem(imp, 0, "%s", why) != TFA_OK)
		return TFA_ERR_NOMEM;
	return TFA_ERR_INVAL;
}

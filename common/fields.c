/*
 * The field codec behind every record entry.  Strict on the way in: a
 * number has no sign, no leading zero and no overflow, hex is lower case,
 * text is %XX-escaped canonically, and each field appears exactly once.
 */
#include <stdbool.h>

#include "fields.h"

static const char hex[] = "0123456789abcdef";

/*
 * Every record a login reads and writes goes through here, a user with a
 * thousand devices means thousands of fields, so the codec formats and
 * parses by hand rather than through printf and strchr.
 */
static int
put(char *buf, size_t len, size_t *pos, const char *s)
{
	size_t n = strlen(s);

	if (n >= len - *pos)
		return -1;
	memcpy(buf + *pos, s, n + 1);
	*pos += n;
	return 0;
}

/* A decimal, '-' first when neg: no leading zeros, as parse_i64 wants. */
static int
put_num(char *buf, size_t len, size_t *pos, bool neg, uint64_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);

	tmp[--i] = '\0';
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	if (neg)
		tmp[--i] = '-';
	return put(buf, len, pos, tmp + i);
}

static int
put_signed(char *buf, size_t len, size_t *pos, int64_t v)
{
	/* the magnitude of INT64_MIN too, without overflow */
	return put_num(buf, len, pos, v < 0, v < 0 ? 0 - (uint64_t)v :
	    (uint64_t)v);
}

static int
put_hex(char *buf, size_t len, size_t *pos, const uint8_t *p, size_t n)
{
	size_t i;

	if (*pos + 2 * n >= len)
		return -1;
	for (i = 0; i < n; i++) {
		buf[(*pos)++] = hex[p[i] >> 4];
		buf[(*pos)++] = hex[p[i] & 15];
	}
	buf[*pos] = '\0';
	return 0;
}

/* Text: printable ASCII but '%', '=' and space as is; the rest %XX. */
static bool
plain_text(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '%' && c != '=';
}

static int
put_text(char *buf, size_t len, size_t *pos, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (plain_text(c)) {
			if (*pos + 1 >= len)
				return -1;
			buf[(*pos)++] = (char)c;
		} else {
			if (*pos + 3 >= len)
				return -1;
			buf[(*pos)++] = '%';
			buf[(*pos)++] = "0123456789ABCDEF"[c >> 4];
			buf[(*pos)++] = "0123456789ABCDEF"[c & 15];
		}
	}
	buf[*pos] = '\0';
	return 0;
}

static int
encode_one(const void *obj, const struct tfa_field *f, char *buf,
    size_t len, size_t *pos)
{
	const char *p = (const char *)obj + f->off;
	int e;

	if ((*pos && put(buf, len, pos, " ")) || put(buf, len, pos, f->name) ||
	    put(buf, len, pos, "="))
		return -1;
	switch (f->type) {
	case TFA_F_I64:
		return put_signed(buf, len, pos,
		    *(const int64_t *)(const void *)p);
	case TFA_F_UINT:
		return put_num(buf, len, pos, false,
		    *(const unsigned *)(const void *)p);
	case TFA_F_INT:
		return put_signed(buf, len, pos, *(const int *)(const void *)p);
	case TFA_F_BOOL:
		return put(buf, len, pos, *(const bool *)p ? "1" : "0");
	case TFA_F_BYTES:
		return put_hex(buf, len, pos, (const uint8_t *)p, f->size);
	case TFA_F_VBYTES:
		return put_hex(buf, len, pos, (const uint8_t *)p,
		    *(const size_t *)(const void *)((const char *)obj +
		    f->len_off));
	case TFA_F_STR:
		return put_text(buf, len, pos, p);
	case TFA_F_ENUM:
		e = *(const int *)(const void *)p;
		if (e < 0 || (size_t)e >= f->nnames)
			return -1;
		return put(buf, len, pos, f->names[e]);
	}
	return -1;
}

tfa_err
tfa_fields_encode(const void *obj, const struct tfa_field *f, size_t nf,
    char *buf, size_t len)
{
	size_t pos = 0, i;

	buf[0] = '\0';
	for (i = 0; i < nf; i++)
		if (encode_one(obj, &f[i], buf, len, &pos) != 0)
			return TFA_ERR_INVAL;
	return TFA_OK;
}

static bool
field_equal(const void *a, const void *b, const struct tfa_field *f)
{
	const char *p = (const char *)a + f->off, *q = (const char *)b + f->off;
	size_t n;

	switch (f->type) {
	case TFA_F_I64:
		return *(const int64_t *)(const void *)p ==
		    *(const int64_t *)(const void *)q;
	case TFA_F_UINT:
		return *(const unsigned *)(const void *)p ==
		    *(const unsigned *)(const void *)q;
	case TFA_F_INT:
	case TFA_F_ENUM:
		return *(const int *)(const void *)p ==
		    *(const int *)(const void *)q;
	case TFA_F_BOOL:
		return *(const bool *)p == *(const bool *)q;
	case TFA_F_BYTES:
		return memcmp(p, q, f->size) == 0;
	case TFA_F_VBYTES:
		n = *(const size_t *)(const void *)((const char *)a +
		    f->len_off);
		return n == *(const size_t *)(const void *)((const char *)b +
		    f->len_off) && n <= f->size && memcmp(p, q, n) == 0;
	case TFA_F_STR:
		return strcmp(p, q) == 0;
	}
	return false;
}

bool
tfa_fields_equal(const void *a, const void *b, const struct tfa_field *f,
    size_t nf)
{
	for (size_t i = 0; i < nf; i++)
		if (!field_equal(a, b, &f[i]))
			return false;
	return true;
}

static int
parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	bool neg = false;
	int64_t n = 0;

	if (*s == '-' && min < 0) {
		neg = true;
		s++;
	}
	if (*s == '\0' || (s[0] == '0' && s[1] != '\0') || (neg && *s == '0'))
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || n > (INT64_MAX - (*s - '0')) / 10)
			return -1;
		n = n * 10 + (*s - '0');
	}
	if (neg)
		n = -n;
	if (n < min || n > max)
		return -1;
	*out = n;
	return 0;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int
parse_hex(const char *s, uint8_t *out, size_t min, size_t max, size_t *len)
{
	size_t n = strlen(s), i;
	int hi, lo;

	if (n % 2 != 0 || n / 2 < min || n / 2 > max)
		return -1;
	for (i = 0; i < n / 2; i++) {
		if ((hi = hexval(s[2 * i])) < 0 ||
		    (lo = hexval(s[2 * i + 1])) < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*len = n / 2;
	return 0;
}

static int
upper_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The exact inverse of put_text: non-canonical escapes are refused. */
static int
parse_text(const char *s, char *out, size_t size)
{
	size_t o = 0;
	int hi, lo;

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (o + 1 >= size)
			return -1;
		if (c == '%') {
			if ((hi = upper_hexval(s[1])) < 0 ||
			    (lo = upper_hexval(s[2])) < 0)
				return -1;
			c = (unsigned char)(hi << 4 | lo);
			if (c == '\0' || plain_text(c))
				return -1;
			s += 2;
		} else if (!plain_text(c)) {
			return -1;
		}
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

static int
decode_one(void *obj, const struct tfa_field *f, const char *v)
{
	char *p = (char *)obj + f->off;
	int64_t n;
	size_t i, len;

	switch (f->type) {
	case TFA_F_I64:
	case TFA_F_UINT:
	case TFA_F_INT:
	case TFA_F_BOOL:
		if (parse_i64(v, f->type == TFA_F_BOOL ? 0 : f->min,
		    f->type == TFA_F_BOOL ? 1 : f->max, &n))
			return -1;
		if (f->type == TFA_F_I64)
			*(int64_t *)(void *)p = n;
		else if (f->type == TFA_F_UINT)
			*(unsigned *)(void *)p = (unsigned)n;
		else if (f->type == TFA_F_INT)
			*(int *)(void *)p = (int)n;
		else
			*(bool *)p = n != 0;
		return 0;
	case TFA_F_BYTES:
		return parse_hex(v, (uint8_t *)p, f->size, f->size, &len);
	case TFA_F_VBYTES:
		return parse_hex(v, (uint8_t *)p, (size_t)f->min,
		    (size_t)f->max, (size_t *)(void *)((char *)obj +
		    f->len_off));
	case TFA_F_STR:
		return parse_text(v, p, f->size);
	case TFA_F_ENUM:
		for (i = 0; i < f->nnames; i++)
			if (strcmp(v, f->names[i]) == 0) {
				*(int *)(void *)p = (int)i;
				return 0;
			}
		return -1;
	}
	return -1;
}

tfa_err
tfa_fields_decode(void *obj, const struct tfa_field *f, size_t nf, char *s)
{
	uint64_t seen = 0;
	char *tok, *eq, *save = NULL;
	size_t i, next = 0;

	if (nf > 64)
		return TFA_ERR_CORRUPT;
	/* a double or edge space would hide an empty field */
	if (*s == ' ' || (*s != '\0' && s[strlen(s) - 1] == ' ') ||
	    strstr(s, "  ") != NULL)
		return TFA_ERR_CORRUPT;
	for (tok = strtok_r(s, " ", &save); tok != NULL;
	    tok = strtok_r(NULL, " ", &save)) {
		if ((eq = strchr(tok, '=')) == NULL)
			return TFA_ERR_CORRUPT;
		*eq = '\0';
		/* the encoder's order first, then any */
		if (next < nf && strcmp(tok, f[next].name) == 0)
			i = next;
		else
			for (i = 0; i < nf; i++)
				if (strcmp(tok, f[i].name) == 0)
					break;
		if (i == nf || (seen & (1ull << i)) ||
		    decode_one(obj, &f[i], eq + 1) != 0)
			return TFA_ERR_CORRUPT;
		seen |= 1ull << i;
		next = i + 1;
	}
	return seen == (nf == 64 ? ~0ull : (1ull << nf) - 1) ? TFA_OK :
	    TFA_ERR_CORRUPT;
}

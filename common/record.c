/*
 * The record codec.  Entries are "name=value" fields separated by single
 * spaces; every field of an entry must appear exactly once, so a truncated
 * or tampered value is refused rather than half-read.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "record.h"

enum ftype { F_I64, F_UINT, F_BOOL, F_SECRET, F_HASH, F_METHOD };

struct field {
	const char *name;
	enum ftype type;
	size_t off;
	int64_t min, max;
};

#define FLD(n, t, s, f, lo, hi) { n, t, offsetof(s, f), lo, hi }

static const struct field totp_fields[] = {
	FLD("secret", F_SECRET, struct tfa_totp, secret, 10, TFA_SECRET_MAX),
	FLD("algo", F_HASH, struct tfa_totp, algo, 0, 0),
	FLD("digits", F_UINT, struct tfa_totp, digits, 6, 8),
	FLD("period", F_UINT, struct tfa_totp, period, 15, 120),
	FLD("created", F_I64, struct tfa_totp, created, 0, INT64_MAX),
};

static const struct field state_fields[] = {
	FLD("disabled", F_BOOL, struct tfa_record, disabled, 0, 1),
	FLD("last_step", F_I64, struct tfa_record, last_step, 0, INT64_MAX),
	FLD("failures", F_UINT, struct tfa_record, failures, 0, 1000000),
	FLD("locked_until", F_I64, struct tfa_record, locked_until, 0,
	    INT64_MAX),
	FLD("last_login", F_I64, struct tfa_record, last_login, 0, INT64_MAX),
	FLD("last_method", F_METHOD, struct tfa_record, last_method, 0, 0),
};

#define SEEN_FORMAT	0x1
#define SEEN_STATE	0x2
#define SEEN_TOTP	0x4

#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))

static const char *hash_names[] = { "sha1", "sha256", "sha512" };

void
tfa_record_init(struct tfa_record *rec)
{
	memset(rec, 0, sizeof(*rec));
}

void
tfa_record_wipe(struct tfa_record *rec)
{
	tfa_wipe_struct(rec);
}

bool
tfa_record_has_factor(const struct tfa_record *rec, bool allow_app)
{
	return allow_app && rec->totp.enabled;
}

static int
put(char *buf, size_t len, size_t *pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
put(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + *pos, len - *pos, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len - *pos)
		return -1;
	*pos += (size_t)n;
	return 0;
}

static int
encode_fields(const void *obj, const struct field *f, size_t nf, char *buf,
    size_t len)
{
	const char *base = obj;
	size_t pos = 0, i, j;

	buf[0] = '\0';
	for (i = 0; i < nf; i++) {
		const void *p = base + f[i].off;
		const char *sep = i ? " " : "";

		switch (f[i].type) {
		case F_I64:
			if (put(buf, len, &pos, "%s%s=%lld", sep, f[i].name,
			    (long long)*(const int64_t *)p))
				return -1;
			break;
		case F_UINT:
			if (put(buf, len, &pos, "%s%s=%u", sep, f[i].name,
			    *(const unsigned *)p))
				return -1;
			break;
		case F_BOOL:
			if (put(buf, len, &pos, "%s%s=%d", sep, f[i].name,
			    *(const bool *)p ? 1 : 0))
				return -1;
			break;
		case F_HASH:
			if (put(buf, len, &pos, "%s%s=%s", sep, f[i].name,
			    hash_names[*(const enum tfa_hash *)p]))
				return -1;
			break;
		case F_METHOD:
			if (put(buf, len, &pos, "%s%s=%s", sep, f[i].name,
			    tfa_method_name(*(const enum tfa_method *)p)))
				return -1;
			break;
		case F_SECRET: {
			/* secret is followed by its length in the struct */
			const struct tfa_totp *t = obj;

			if (put(buf, len, &pos, "%s%s=", sep, f[i].name))
				return -1;
			for (j = 0; j < t->secret_len; j++)
				if (put(buf, len, &pos, "%02x", t->secret[j]))
					return -1;
			break;
		}
		}
	}
	return 0;
}

tfa_err
tfa_record_encode(const struct tfa_record *rec, tfa_entry_fn emit, void *arg)
{
	char buf[TFA_ENTRY_MAX];
	tfa_err r;

	snprintf(buf, sizeof(buf), "%d", TFA_RECORD_FORMAT);
	if ((r = emit(arg, "format", buf)) != TFA_OK)
		goto out;
	if (encode_fields(rec, state_fields, NFIELDS(state_fields), buf,
	    sizeof(buf)) != 0) {
		r = TFA_ERR_INVAL;
		goto out;
	}
	if ((r = emit(arg, "state", buf)) != TFA_OK)
		goto out;
	if (rec->totp.enabled) {
		if (encode_fields(&rec->totp, totp_fields,
		    NFIELDS(totp_fields), buf, sizeof(buf)) != 0) {
			r = TFA_ERR_INVAL;
			goto out;
		}
		r = emit(arg, "totp", buf);
	}
out:
	tfa_wipe_array(buf);
	return r;
}

static int
parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	int64_t n = 0;
	int d;

	if (*s == '\0' || (s[0] == '0' && s[1] != '\0'))
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		d = *s - '0';
		if (n > (INT64_MAX - d) / 10)
			return -1;
		n = n * 10 + d;
	}
	if (n < min || n > max)
		return -1;
	*out = n;
	return 0;
}

static int
parse_hex(const char *s, uint8_t *out, size_t min, size_t max, size_t *len)
{
	size_t n = strlen(s), i;
	unsigned v;

	if (n % 2 != 0 || n / 2 < min || n / 2 > max)
		return -1;
	for (i = 0; i < n / 2; i++) {
		if (sscanf(s + 2 * i, "%2x", &v) != 1 ||
		    !strchr("0123456789abcdef", s[2 * i]) ||
		    !strchr("0123456789abcdef", s[2 * i + 1]))
			return -1;
		out[i] = (uint8_t)v;
	}
	*len = n / 2;
	return 0;
}

static int
parse_name(const char *s, const char **names, size_t n, int *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (int)i;
			return 0;
		}
	return -1;
}

static int
set_field(void *obj, const struct field *f, const char *v)
{
	static const char *methods[] = { "none", "totp" };
	char *p = (char *)obj + f->off;
	int64_t n;
	int e;

	switch (f->type) {
	case F_I64:
		if (parse_i64(v, f->min, f->max, &n))
			return -1;
		*(int64_t *)(void *)p = n;
		return 0;
	case F_UINT:
	case F_BOOL:
		if (parse_i64(v, f->min, f->max, &n))
			return -1;
		if (f->type == F_BOOL)
			*(bool *)p = n != 0;
		else
			*(unsigned *)(void *)p = (unsigned)n;
		return 0;
	case F_HASH:
		if (parse_name(v, hash_names, 3, &e))
			return -1;
		*(enum tfa_hash *)(void *)p = (enum tfa_hash)e;
		return 0;
	case F_METHOD:
		if (parse_name(v, methods, 2, &e))
			return -1;
		*(enum tfa_method *)(void *)p = (enum tfa_method)e;
		return 0;
	case F_SECRET:
		return parse_hex(v, (uint8_t *)p, (size_t)f->min,
		    (size_t)f->max, &((struct tfa_totp *)obj)->secret_len);
	}
	return -1;
}

/* Parse "a=1 b=2" into obj; every field exactly once, nothing else. */
static tfa_err
decode_fields(void *obj, const struct field *f, size_t nf, char *s)
{
	uint32_t seen = 0;
	char *tok, *eq, *save = NULL;
	size_t i;

	for (tok = strtok_r(s, " ", &save); tok != NULL;
	    tok = strtok_r(NULL, " ", &save)) {
		if ((eq = strchr(tok, '=')) == NULL)
			return TFA_ERR_CORRUPT;
		*eq = '\0';
		for (i = 0; i < nf; i++)
			if (strcmp(tok, f[i].name) == 0)
				break;
		if (i == nf || (seen & (1u << i)) ||
		    set_field(obj, &f[i], eq + 1) != 0)
			return TFA_ERR_CORRUPT;
		seen |= 1u << i;
	}
	return seen == (1u << nf) - 1 ? TFA_OK : TFA_ERR_CORRUPT;
}

tfa_err
tfa_record_decode(struct tfa_record *rec, const char *key, size_t keylen,
    const char *val, size_t vallen)
{
	char buf[TFA_ENTRY_MAX];
	tfa_err r = TFA_ERR_CORRUPT;

	if (vallen >= sizeof(buf) || memchr(val, '\0', vallen) != NULL)
		return TFA_ERR_CORRUPT;
	memcpy(buf, val, vallen);
	buf[vallen] = '\0';
	/* a double space or an edge space would hide an empty field */
	if (vallen == 0 || buf[0] == ' ' || buf[vallen - 1] == ' ' ||
	    strstr(buf, "  ") != NULL)
		goto out;
	if (keylen == 6 && memcmp(key, "format", 6) == 0) {
		int64_t v;

		if (parse_i64(buf, TFA_RECORD_FORMAT, TFA_RECORD_FORMAT, &v))
			goto out;
		rec->decoded |= SEEN_FORMAT;
		r = TFA_OK;
	} else if (keylen == 5 && memcmp(key, "state", 5) == 0) {
		r = decode_fields(rec, state_fields, NFIELDS(state_fields),
		    buf);
		rec->decoded |= SEEN_STATE;
	} else if (keylen == 4 && memcmp(key, "totp", 4) == 0) {
		r = decode_fields(&rec->totp, totp_fields,
		    NFIELDS(totp_fields), buf);
		rec->totp.enabled = r == TFA_OK;
		rec->decoded |= SEEN_TOTP;
	}
out:
	tfa_wipe_array(buf);
	return r;
}

tfa_err
tfa_record_finish(const struct tfa_record *rec)
{
	unsigned need = SEEN_FORMAT | SEEN_STATE;

	return (rec->decoded & need) == need ? TFA_OK : TFA_ERR_CORRUPT;
}

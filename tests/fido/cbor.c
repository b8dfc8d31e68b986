/*
 * The fake authenticator's CBOR: definite lengths only, as CTAP2's
 * canonical encoding requires.
 */
#include <string.h>

#include "cbor.h"

void
cb_raw(struct cb_out *o, const void *p, size_t n)
{
	if (o->len + n > sizeof(o->buf)) {
		o->overflow = true;
		return;
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

static void
head(struct cb_out *o, uint8_t major, uint64_t v)
{
	uint8_t b[9];
	size_t n, i;

	if (v < 24) {
		b[0] = (uint8_t)(major << 5 | v);
		n = 1;
	} else {
		n = v <= 0xff ? 1 : v <= 0xffff ? 2 : v <= 0xffffffffu ? 4 : 8;
		b[0] = (uint8_t)(major << 5 |
		    (n == 1 ? 24 : n == 2 ? 25 : n == 4 ? 26 : 27));
		for (i = 0; i < n; i++)
			b[1 + i] = (uint8_t)(v >> (8 * (n - 1 - i)));
		n++;
	}
	cb_raw(o, b, n);
}

void cb_uint(struct cb_out *o, uint64_t v) { head(o, 0, v); }

void
cb_int(struct cb_out *o, int64_t v)
{
	if (v >= 0)
		head(o, 0, (uint64_t)v);
	else
		head(o, 1, (uint64_t)(-1 - v));
}

void
cb_bytes(struct cb_out *o, const void *p, size_t n)
{
	head(o, 2, n);
	cb_raw(o, p, n);
}

void
cb_text(struct cb_out *o, const char *s)
{
	head(o, 3, strlen(s));
	cb_raw(o, s, strlen(s));
}

void cb_array(struct cb_out *o, size_t n) { head(o, 4, n); }
void cb_map(struct cb_out *o, size_t pairs) { head(o, 5, pairs); }

void
cb_bool(struct cb_out *o, bool v)
{
	uint8_t b = v ? 0xf5 : 0xf4;

	cb_raw(o, &b, 1);
}

static int
read_arg(const uint8_t *p, size_t n, size_t *pos, uint8_t info, uint64_t *v)
{
	size_t len, i;

	if (info < 24) {
		*v = info;
		return 0;
	}
	if (info > 27)
		return -1;		/* no indefinite lengths */
	len = (size_t)1 << (info - 24);
	if (*pos + len > n)
		return -1;
	for (*v = 0, i = 0; i < len; i++)
		*v = *v << 8 | p[(*pos)++];
	return 0;
}

static int parse_at(struct cb_pool *, const uint8_t *, size_t, size_t *,
    struct cb_item *, int);

static int
parse_kids(struct cb_pool *pool, const uint8_t *p, size_t n, size_t *pos,
    struct cb_item *out, size_t count, int depth)
{
	size_t i;

	if (count > sizeof(pool->items) / sizeof(pool->items[0]) - pool->used)
		return -1;
	out->kids = &pool->items[pool->used];
	pool->used += count;
	for (i = 0; i < count; i++)
		if (parse_at(pool, p, n, pos, &out->kids[i], depth + 1) != 0)
			return -1;
	return 0;
}

static int
parse_at(struct cb_pool *pool, const uint8_t *p, size_t n, size_t *pos,
    struct cb_item *out, int depth)
{
	uint8_t major, info;
	uint64_t v;

	if (*pos >= n || depth > 16)
		return -1;
	memset(out, 0, sizeof(*out));
	major = p[*pos] >> 5;
	info = p[(*pos)++] & 0x1f;
	if (major == 7) {
		out->type = info == 20 || info == 21 ? CB_BOOL : CB_OTHER;
		out->i = info == 21;
		return 0;
	}
	if (read_arg(p, n, pos, info, &v) != 0)
		return -1;
	switch (major) {
	case 0: out->type = CB_UINT; out->i = (int64_t)v; return 0;
	case 1: out->type = CB_NEG; out->i = -1 - (int64_t)v; return 0;
	case 2:
	case 3:
		if (v > n - *pos)
			return -1;
		out->type = major == 2 ? CB_BYTES : CB_TEXT;
		out->p = p + *pos;
		out->len = (size_t)v;
		*pos += (size_t)v;
		return 0;
	case 4:
		out->type = CB_ARRAY;
		out->len = (size_t)v;
		return parse_kids(pool, p, n, pos, out, out->len, depth);
	case 5:
		out->type = CB_MAP;
		out->len = (size_t)v;
		return parse_kids(pool, p, n, pos, out, 2 * out->len, depth);
	default:
		return -1;
	}
}

int
cb_parse(struct cb_pool *pool, const uint8_t *p, size_t n,
    struct cb_item *out, size_t *used)
{
	size_t pos = 0;

	pool->used = 0;
	if (parse_at(pool, p, n, &pos, out, 0) != 0)
		return -1;
	*used = pos;
	return 0;
}

const struct cb_item *
cb_get_int(const struct cb_item *map, int64_t key)
{
	size_t i;

	if (map == NULL || map->type != CB_MAP)
		return NULL;
	for (i = 0; i < map->len; i++) {
		const struct cb_item *k = &map->kids[2 * i];

		if ((k->type == CB_UINT || k->type == CB_NEG) && k->i == key)
			return &map->kids[2 * i + 1];
	}
	return NULL;
}

bool
cb_text_is(const struct cb_item *it, const char *s)
{
	return it != NULL && it->type == CB_TEXT && it->len == strlen(s) &&
	    memcmp(it->p, s, it->len) == 0;
}

const struct cb_item *
cb_get_str(const struct cb_item *map, const char *key)
{
	size_t i;

	if (map == NULL || map->type != CB_MAP)
		return NULL;
	for (i = 0; i < map->len; i++)
		if (cb_text_is(&map->kids[2 * i], key))
			return &map->kids[2 * i + 1];
	return NULL;
}

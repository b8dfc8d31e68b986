/*
 * Just enough CBOR (RFC 8949) for the fake authenticator: a writer for
 * replies and a reader for the requests libfido2 sends.  Written apart from
 * libfido2 and libcbor on purpose, so the two sides cannot share a bug.
 */
#ifndef FAKE_CBOR_H
#define FAKE_CBOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CB_MAX 4096

struct cb_out {
	uint8_t buf[CB_MAX];
	size_t len;
	bool overflow;
};

void cb_uint(struct cb_out *o, uint64_t v);
void cb_int(struct cb_out *o, int64_t v);
void cb_bytes(struct cb_out *o, const void *p, size_t n);
void cb_text(struct cb_out *o, const char *s);
void cb_map(struct cb_out *o, size_t pairs);
void cb_array(struct cb_out *o, size_t n);
void cb_bool(struct cb_out *o, bool v);
void cb_raw(struct cb_out *o, const void *p, size_t n);

enum cb_type { CB_UINT, CB_NEG, CB_BYTES, CB_TEXT, CB_ARRAY, CB_MAP,
	CB_BOOL, CB_OTHER };

/* A parsed item points into the input; arrays and maps into a pool. */
struct cb_item {
	enum cb_type type;
	int64_t i;			/* CB_UINT, CB_NEG, CB_BOOL */
	const uint8_t *p;		/* CB_BYTES, CB_TEXT */
	size_t len;			/* bytes, or items / pairs */
	struct cb_item *kids;		/* array items; map key, value, ... */
};

struct cb_pool {
	struct cb_item items[512];
	size_t used;
};

/* Parse one item from p[0..n); 0 on success with *used bytes eaten. */
int cb_parse(struct cb_pool *pool, const uint8_t *p, size_t n,
    struct cb_item *out, size_t *used);

/* Map lookups; NULL when absent. */
const struct cb_item *cb_get_int(const struct cb_item *map, int64_t key);
const struct cb_item *cb_get_str(const struct cb_item *map, const char *key);
bool cb_text_is(const struct cb_item *it, const char *s);

#endif

/*
 * The record decoder (common/record.c, fields.c), fed key/value pairs as a
 * store backend would.  Framing: entries separated by '\n', the key before
 * the first '=', the value after it (both may hold any other byte, NUL
 * too).  Properties: whatever decodes and finishes can be encoded again,
 * and that encoding decodes to a record that encodes the same (no record
 * that loads but cannot be saved, no field that changes on a round trip);
 * the same entries decoded over the record (tfa_record_decode_over, as an
 * overlay is) leave it encoding the same, and its elements the same bytes
 * (tfa_record_encode_changed finds nothing); shared, the record encodes
 * the same, and so does a copy, which shares its lists.
 */
#include <string.h>

#include "fuzz.h"
#include "record.h"

struct entries {
	char *text;		/* "key=value\n" ... */
	size_t len, cap;
};

static tfa_err
collect(void *arg, const char *key, const char *val)
{
	struct entries *e = arg;
	size_t need = strlen(key) + strlen(val) + 2;

	if (e->len + need + 1 > e->cap) {
		e->cap = (e->len + need + 1) * 2;
		if ((e->text = realloc(e->text, e->cap)) == NULL)
			abort();
	}
	e->len += (size_t)sprintf(e->text + e->len, "%s=%s\n", key, val);
	return TFA_OK;
}

/*
 * Decode framed text into rec (over what it holds when over, else into an
 * empty one); the first error, or finish's verdict.
 */
static tfa_err
decode_as(struct tfa_record *rec, const char *p, size_t size, bool over)
{
	const char *end = p + size, *nl, *eq;
	tfa_err r;

	if (!over)
		tfa_record_init(rec);
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		eq = memchr(p, '=', (size_t)(nl - p));
		if (eq == NULL)
			eq = nl;
		r = (over ? tfa_record_decode_over : tfa_record_decode)(rec, p,
		    (size_t)(eq - p), eq < nl ? eq + 1 : eq,
		    eq < nl ? (size_t)(nl - eq - 1) : 0);
		if (r != TFA_OK)
			return r;
		p = nl + 1;
	}
	return tfa_record_finish(rec);
}

static tfa_err
decode(struct tfa_record *rec, const char *p, size_t size)
{
	return decode_as(rec, p, size, false);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tfa_record rec, again;
	struct entries e1 = { 0 }, e2 = { 0 }, e3 = { 0 }, e4 = { 0 };

	if (decode(&rec, (const char *)data, size) == TFA_OK) {
		FUZZ_ASSERT(tfa_record_encode(&rec, collect, &e1) == TFA_OK);
		FUZZ_ASSERT(decode(&again, e1.text, e1.len) == TFA_OK);
		FUZZ_ASSERT(tfa_record_encode(&again, collect, &e2) == TFA_OK);
		FUZZ_ASSERT(e1.len == e2.len &&
		    memcmp(e1.text, e2.text, e1.len) == 0);
		tfa_record_wipe(&again);
		FUZZ_ASSERT(tfa_record_copy(&again, &rec) == TFA_OK);
		FUZZ_ASSERT(decode_as(&again, (const char *)data, size, true) ==
		    TFA_OK);
		FUZZ_ASSERT(tfa_record_encode(&again, collect, &e3) == TFA_OK);
		FUZZ_ASSERT(e1.len == e3.len &&
		    memcmp(e1.text, e3.text, e1.len) == 0);
		FUZZ_ASSERT(tfa_record_encode_changed(&again, &rec, collect,
		    &e4) == TFA_OK && e4.len == 0);
		tfa_record_wipe(&again);
		FUZZ_ASSERT(tfa_record_share(&rec) == TFA_OK);
		FUZZ_ASSERT(tfa_record_copy(&again, &rec) == TFA_OK);
		FUZZ_ASSERT(again.dev == rec.dev && again.apppw == rec.apppw);
		FUZZ_ASSERT(tfa_record_encode(&again, collect, &e4) == TFA_OK);
		FUZZ_ASSERT(e1.len == e4.len &&
		    memcmp(e1.text, e4.text, e1.len) == 0);
		tfa_record_wipe(&again);
	}
	tfa_record_wipe(&rec);
	free(e1.text);
	free(e2.text);
	free(e3.text);
	free(e4.text);
	return 0;
}

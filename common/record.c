/*
 * The record codec: which entries a record has and the fields of each.
 * Entries are "format", "state", "totp", "backup", and one entry per list
 * element, "apppw.ID", "dev.ID", "key.ID".  The field syntax is fields.c's.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fields.h"
#include "record.h"

#define SEEN_FORMAT	0x1
#define SEEN_STATE	0x2

static const char *const hash_names[] = { "sha1", "sha256", "sha512" };
static const char *const method_names[] = { "none", "totp", "backup",
	"key", "apppw", "device" };
static const char *const kind_names[] = { "host", "mail" };

#define NUM(n, t, s, f, lo, hi) \
	{ n, t, offsetof(s, f), 0, 0, lo, hi, NULL, 0 }
#define I64(n, s, f) NUM(n, TFA_F_I64, s, f, 0, INT64_MAX)
#define BYTES(n, s, f) \
	{ n, TFA_F_BYTES, offsetof(s, f), sizeof(((s *)0)->f), 0, 0, 0, \
	    NULL, 0 }
#define VBYTES(n, s, f, l, lo) \
	{ n, TFA_F_VBYTES, offsetof(s, f), sizeof(((s *)0)->f), \
	    offsetof(s, l), lo, sizeof(((s *)0)->f), NULL, 0 }
#define STR(n, s, f) \
	{ n, TFA_F_STR, offsetof(s, f), sizeof(((s *)0)->f), 0, 0, 0, \
	    NULL, 0 }
#define ENUM(n, s, f, names) \
	{ n, TFA_F_ENUM, offsetof(s, f), 0, 0, 0, 0, names, \
	    sizeof(names) / sizeof(names[0]) }

static const struct tfa_field state_fields[] = {
	NUM("disabled", TFA_F_BOOL, struct tfa_record, disabled, 0, 1),
	I64("last_step", struct tfa_record, last_step),
	NUM("failures", TFA_F_UINT, struct tfa_record, failures, 0, 1000000),
	I64("locked_until", struct tfa_record, locked_until),
	I64("last_login", struct tfa_record, last_login),
	ENUM("last_method", struct tfa_record, last_method, method_names),
	NUM("last_id", TFA_F_UINT, struct tfa_record, last_id, 0, UINT32_MAX),
};

static const struct tfa_field totp_fields[] = {
	VBYTES("secret", struct tfa_totp, secret, secret_len, 10),
	ENUM("algo", struct tfa_totp, algo, hash_names),
	NUM("digits", TFA_F_UINT, struct tfa_totp, digits, 6, 8),
	NUM("period", TFA_F_UINT, struct tfa_totp, period, 15, 120),
	I64("created", struct tfa_totp, created),
};

static const struct tfa_field backup_fields[] = {
	BYTES("salt", struct tfa_backup, salt),
	NUM("iterations", TFA_F_UINT, struct tfa_backup, iterations, 1000,
	    10000000),
	BYTES("hashes", struct tfa_backup, hash),
	NUM("unused", TFA_F_UINT, struct tfa_backup, unused, 0,
	    (1 << TFA_BACKUP_COUNT) - 1),
	I64("created", struct tfa_backup, created),
	NUM("numeric", TFA_F_BOOL, struct tfa_backup, numeric, 0, 1),
};

static const struct tfa_field apppw_fields[] = {
	STR("name", struct tfa_apppw, name),
	BYTES("salt", struct tfa_apppw, salt),
	BYTES("hash", struct tfa_apppw, hash),
	STR("services", struct tfa_apppw, services),
	I64("created", struct tfa_apppw, created),
	I64("last_used", struct tfa_apppw, last_used),
	I64("expires", struct tfa_apppw, expires),
	STR("last_rhost", struct tfa_apppw, last_rhost),
};

static const struct tfa_field device_fields[] = {
	ENUM("kind", struct tfa_device, kind, kind_names),
	STR("service", struct tfa_device, service),
	STR("rhost", struct tfa_device, rhost),
	BYTES("token", struct tfa_device, token_hash),
	I64("first_seen", struct tfa_device, first_seen),
	I64("last_seen", struct tfa_device, last_seen),
	I64("trusted_until", struct tfa_device, trusted_until),
};

static const struct tfa_field key_fields[] = {
	STR("name", struct tfa_key, name),
	STR("rp", struct tfa_key, rp),
	NUM("cose", TFA_F_INT, struct tfa_key, cose_type, -65535, 65535),
	VBYTES("cred", struct tfa_key, cred_id, cred_id_len, 1),
	VBYTES("pubkey", struct tfa_key, pubkey, pubkey_len, 1),
	NUM("uv", TFA_F_BOOL, struct tfa_key, uv, 0, 1),
	NUM("pin", TFA_F_BOOL, struct tfa_key, pin, 0, 1),
	NUM("count", TFA_F_UINT, struct tfa_key, sign_count, 0, UINT32_MAX),
	I64("created", struct tfa_key, created),
	I64("last_used", struct tfa_key, last_used),
};

/* A list in the record: its entry prefix, fields and where it lives. */
struct list {
	const char *prefix;
	const struct tfa_field *fields;
	size_t nf;
	size_t elem;			/* element size; uint32_t id first */
	size_t items, count;		/* offsets in struct tfa_record */
};

#define LIST(p, f, t, i, c) { p, f, TFA_NFIELDS(f), sizeof(t), \
	offsetof(struct tfa_record, i), offsetof(struct tfa_record, c) }

static const struct list lists[] = {
	LIST("apppw.", apppw_fields, struct tfa_apppw, apppw, n_apppw),
	LIST("dev.", device_fields, struct tfa_device, dev, n_dev),
	LIST("key.", key_fields, struct tfa_key, keys, n_keys),
};
#define NLISTS (sizeof(lists) / sizeof(lists[0]))

static void **
list_items(struct tfa_record *rec, const struct list *l)
{
	return (void **)(void *)((char *)rec + l->items);
}

static size_t *
list_count(struct tfa_record *rec, const struct list *l)
{
	return (size_t *)(void *)((char *)rec + l->count);
}

void
tfa_record_init(struct tfa_record *rec)
{
	memset(rec, 0, sizeof(*rec));
}

struct tfa_lists {
	unsigned refs;
	void *items[NLISTS];
	size_t count[NLISTS];
};

static void
lists_drop(struct tfa_lists *sh)
{
	if (__atomic_sub_fetch(&sh->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	for (size_t i = 0; i < NLISTS; i++) {
		if (sh->items[i] == NULL)
			continue;
		explicit_bzero(sh->items[i], sh->count[i] * lists[i].elem);
		free(sh->items[i]);
	}
	free(sh);
}

void
tfa_record_wipe(struct tfa_record *rec)
{
	size_t i;

	if (rec->shared != NULL) {
		lists_drop(rec->shared);
		rec->shared = NULL;
	} else {
		for (i = 0; i < NLISTS; i++) {
			void *items = *list_items(rec, &lists[i]);

			if (items == NULL)
				continue;
			explicit_bzero(items, *list_count(rec, &lists[i]) *
			    lists[i].elem);
			free(items);
		}
	}
	tfa_wipe_struct(rec);
}

/* Copies of the lists of src into to[]; on failure none. */
static tfa_err
copy_lists(const struct tfa_record *src, void *to[NLISTS])
{
	size_t i, n, cap;

	for (i = 0; i < NLISTS; i++) {
		to[i] = NULL;
		if ((n = *list_count((struct tfa_record *)(uintptr_t)src,
		    &lists[i])) == 0)
			continue;
		/*
		 * the capacity list_grow counts on: 4, then powers of two;
		 * it clears each element it adds, so the rest need not be
		 */
		for (cap = 4; cap < n; cap *= 2)
			;
		if ((to[i] = reallocarray(NULL, cap, lists[i].elem)) == NULL) {
			while (i-- > 0) {
				if (to[i] == NULL)
					continue;
				explicit_bzero(to[i], *list_count((struct
				    tfa_record *)(uintptr_t)src, &lists[i]) *
				    lists[i].elem);
				free(to[i]);
			}
			return TFA_ERR_NOMEM;
		}
		memcpy(to[i], *list_items((struct tfa_record *)(uintptr_t)src,
		    &lists[i]), n * lists[i].elem);
	}
	return TFA_OK;
}

tfa_err
tfa_record_copy(struct tfa_record *dst, const struct tfa_record *src)
{
	void *to[NLISTS];
	size_t i;

	*dst = *src;
	if (src->shared != NULL) {
		__atomic_add_fetch(&src->shared->refs, 1, __ATOMIC_RELAXED);
		return TFA_OK;
	}
	if (copy_lists(src, to) != TFA_OK) {
		tfa_record_init(dst);
		return TFA_ERR_NOMEM;
	}
	for (i = 0; i < NLISTS; i++)
		*list_items(dst, &lists[i]) = to[i];
	return TFA_OK;
}

tfa_err
tfa_record_share(struct tfa_record *rec)
{
	struct tfa_lists *sh;

	if (rec->shared != NULL)
		return TFA_OK;
	if ((sh = calloc(1, sizeof(*sh))) == NULL)
		return TFA_ERR_NOMEM;
	sh->refs = 1;
	for (size_t i = 0; i < NLISTS; i++) {
		sh->items[i] = *list_items(rec, &lists[i]);
		sh->count[i] = *list_count(rec, &lists[i]);
	}
	rec->shared = sh;
	return TFA_OK;
}

tfa_err
tfa_record_own(struct tfa_record *rec)
{
	void *to[NLISTS];
	size_t i;

	if (rec->shared == NULL)
		return TFA_OK;
	if (copy_lists(rec, to) != TFA_OK)
		return TFA_ERR_NOMEM;
	lists_drop(rec->shared);
	rec->shared = NULL;
	for (i = 0; i < NLISTS; i++)
		*list_items(rec, &lists[i]) = to[i];
	return TFA_OK;
}

/* Element i of list l, to change: never of shared lists (record.h). */
static void *
list_at(struct tfa_record *rec, const struct list *l, size_t i)
{
	if (rec->shared != NULL || i >= *list_count(rec, l))
		abort();
	return (char *)*list_items(rec, l) + i * l->elem;
}

struct tfa_apppw *
tfa_record_apppw_at(struct tfa_record *rec, size_t i)
{
	return list_at(rec, &lists[0], i);
}

struct tfa_device *
tfa_record_device_at(struct tfa_record *rec, size_t i)
{
	return list_at(rec, &lists[1], i);
}

struct tfa_key *
tfa_record_key_at(struct tfa_record *rec, size_t i)
{
	return list_at(rec, &lists[2], i);
}

static tfa_err
list_set(struct tfa_record *rec, const struct list *l, size_t i,
    const void *e)
{
	tfa_err r;

	if (i >= *list_count(rec, l) || *(const uint32_t *)e !=
	    *(const uint32_t *)(const void *)((const char *)*list_items(rec,
	    l) + i * l->elem))
		return TFA_ERR_INVAL;
	if ((r = tfa_record_own(rec)) != TFA_OK)
		return r;
	memcpy(list_at(rec, l, i), e, l->elem);
	return TFA_OK;
}

tfa_err
tfa_record_set_apppw(struct tfa_record *rec, size_t i,
    const struct tfa_apppw *e)
{
	return list_set(rec, &lists[0], i, e);
}

tfa_err
tfa_record_set_device(struct tfa_record *rec, size_t i,
    const struct tfa_device *e)
{
	return list_set(rec, &lists[1], i, e);
}

tfa_err
tfa_record_set_key(struct tfa_record *rec, size_t i, const struct tfa_key *e)
{
	return list_set(rec, &lists[2], i, e);
}

bool
tfa_record_has_factor(const struct tfa_record *rec, bool allow_app,
    bool allow_keys)
{
	return (allow_app && rec->totp.enabled) ||
	    (allow_keys && rec->n_keys > 0);
}

const char *
tfa_hash_name(enum tfa_hash h)
{
	return (unsigned)h < 3 ? hash_names[h] : NULL;
}

/* Room for one more element; the capacity doubles at powers of two. */
static void *
list_grow(struct tfa_record *rec, const struct list *l)
{
	void **items = list_items(rec, l);
	size_t *n = list_count(rec, l), cap;
	char *p;

	if (*n >= TFA_LIST_MAX)
		return NULL;
	if (*n == 0 || (*n >= 4 && (*n & (*n - 1)) == 0)) {
		cap = *n < 4 ? 4 : *n * 2;
		if ((p = realloc(*items, cap * l->elem)) == NULL)
			return NULL;
		*items = p;
	}
	p = (char *)*items + *n * l->elem;
	memset(p, 0, l->elem);
	(*n)++;
	return p;
}

static void *
list_add(struct tfa_record *rec, const struct list *l)
{
	uint32_t *id;

	if (rec->last_id >= UINT32_MAX - 1 || tfa_record_own(rec) != TFA_OK)
		return NULL;
	if ((id = list_grow(rec, l)) != NULL)
		*id = ++rec->last_id;
	return id;
}

static tfa_err
list_remove(struct tfa_record *rec, const struct list *l, size_t i)
{
	size_t *n = list_count(rec, l);
	char *items;
	tfa_err r;

	if (i >= *n)
		return TFA_ERR_INVAL;
	if ((r = tfa_record_own(rec)) != TFA_OK)
		return r;
	items = *list_items(rec, l);
	memmove(items + i * l->elem, items + (i + 1) * l->elem,
	    (*n - i - 1) * l->elem);
	(*n)--;
	explicit_bzero(items + *n * l->elem, l->elem);
	return TFA_OK;
}

struct tfa_apppw *
tfa_record_add_apppw(struct tfa_record *rec)
{
	return list_add(rec, &lists[0]);
}

struct tfa_device *
tfa_record_add_device(struct tfa_record *rec)
{
	return list_add(rec, &lists[1]);
}

struct tfa_key *
tfa_record_add_key(struct tfa_record *rec)
{
	return list_add(rec, &lists[2]);
}

tfa_err
tfa_record_remove_apppw(struct tfa_record *rec, size_t i)
{
	return list_remove(rec, &lists[0], i);
}

tfa_err
tfa_record_remove_device(struct tfa_record *rec, size_t i)
{
	return list_remove(rec, &lists[1], i);
}

tfa_err
tfa_record_remove_key(struct tfa_record *rec, size_t i)
{
	return list_remove(rec, &lists[2], i);
}

static tfa_err
emit_fields(tfa_entry_fn emit, void *arg, const char *key, const void *obj,
    const struct tfa_field *f, size_t nf, char *buf)
{
	tfa_err r;

	if ((r = tfa_fields_encode(obj, f, nf, buf, TFA_ENTRY_MAX)) != TFA_OK)
		return r;
	return emit(arg, key, buf);
}

static tfa_err
emit_element(const struct list *l, const void *e, tfa_entry_fn emit,
    void *arg, char *buf)
{
	char key[32];

	snprintf(key, sizeof(key), "%s%u", l->prefix,
	    (unsigned)*(const uint32_t *)e);
	return emit_fields(emit, arg, key, e, l->fields, l->nf, buf);
}

static tfa_err
emit_lists(const struct tfa_record *rec, tfa_entry_fn emit, void *arg,
    char *buf)
{
	size_t i, j;
	tfa_err r;

	for (i = 0; i < NLISTS; i++) {
		const struct list *l = &lists[i];
		const char *items = *list_items((struct tfa_record *)
		    (uintptr_t)rec, l);
		size_t n = *list_count((struct tfa_record *)(uintptr_t)rec,
		    l);

		for (j = 0; j < n; j++)
			if ((r = emit_element(l, items + j * l->elem, emit, arg,
			    buf)) != TFA_OK)
				return r;
	}
	return TFA_OK;
}

static tfa_err
encode(const struct tfa_record *rec, tfa_entry_fn emit, void *arg,
    bool with_lists)
{
	char *buf;
	tfa_err r;

	if ((buf = malloc(TFA_ENTRY_MAX)) == NULL)
		return TFA_ERR_NOMEM;
	snprintf(buf, TFA_ENTRY_MAX, "%d", TFA_RECORD_FORMAT);
	if ((r = emit(arg, "format", buf)) != TFA_OK ||
	    (r = emit_fields(emit, arg, "state", rec, state_fields,
	    TFA_NFIELDS(state_fields), buf)) != TFA_OK)
		goto out;
	if (rec->totp.enabled && (r = emit_fields(emit, arg, "totp",
	    &rec->totp, totp_fields, TFA_NFIELDS(totp_fields), buf)) != TFA_OK)
		goto out;
	if (rec->backup.enabled && (r = emit_fields(emit, arg, "backup",
	    &rec->backup, backup_fields, TFA_NFIELDS(backup_fields),
	    buf)) != TFA_OK)
		goto out;
	if (with_lists)
		r = emit_lists(rec, emit, arg, buf);
out:
	explicit_bzero(buf, TFA_ENTRY_MAX);
	free(buf);
	return r;
}

tfa_err
tfa_record_encode(const struct tfa_record *rec, tfa_entry_fn emit, void *arg)
{
	return encode(rec, emit, arg, true);
}

tfa_err
tfa_record_encode_fixed(const struct tfa_record *rec, tfa_entry_fn emit,
    void *arg)
{
	return encode(rec, emit, arg, false);
}

tfa_err
tfa_record_encode_changed(const struct tfa_record *rec,
    const struct tfa_record *was, tfa_entry_fn emit, void *arg)
{
	struct tfa_record *r0 = (struct tfa_record *)(uintptr_t)rec;
	struct tfa_record *w0 = (struct tfa_record *)(uintptr_t)was;
	tfa_err r = TFA_OK;
	size_t i, j;
	char *buf;

	for (i = 0; i < NLISTS; i++)
		if (*list_count(r0, &lists[i]) != *list_count(w0, &lists[i]))
			return TFA_ERR_INVAL;
	if ((buf = malloc(TFA_ENTRY_MAX)) == NULL)
		return TFA_ERR_NOMEM;
	for (i = 0; i < NLISTS && r == TFA_OK; i++) {
		const struct list *l = &lists[i];
		const char *a = *list_items(r0, l), *b = *list_items(w0, l);
		size_t n = *list_count(r0, l);

		if (a == b)
			continue;
		for (j = 0; j < n && r == TFA_OK; j++, a += l->elem,
		    b += l->elem) {
			if (*(const uint32_t *)(const void *)a !=
			    *(const uint32_t *)(const void *)b)
				r = TFA_ERR_INVAL;	/* not the same element */
			else if (!tfa_fields_equal(a, b, l->fields, l->nf))
				r = emit_element(l, a, emit, arg, buf);
		}
	}
	explicit_bzero(buf, TFA_ENTRY_MAX);
	free(buf);
	return r;
}

/* "apppw.17" → the list and id 17; ids are canonical decimals from 1. */
static const struct list *
list_entry(const char *key, size_t keylen, uint32_t *id)
{
	size_t i, p, j;
	uint64_t n;

	for (i = 0; i < NLISTS; i++) {
		p = strlen(lists[i].prefix);
		if (keylen <= p || keylen > p + 10 ||
		    memcmp(key, lists[i].prefix, p) != 0 || key[p] == '0')
			continue;
		for (n = 0, j = p; j < keylen; j++) {
			if (key[j] < '0' || key[j] > '9')
				return NULL;
			n = n * 10 + (uint64_t)(key[j] - '0');
		}
		if (n == 0 || n >= UINT32_MAX)
			return NULL;
		*id = (uint32_t)n;
		return &lists[i];
	}
	return NULL;
}

bool
tfa_record_is_list_key(const char *key, size_t keylen)
{
	uint32_t id;

	return list_entry(key, keylen, &id) != NULL;
}

static bool
key_is(const char *key, size_t keylen, const char *name)
{
	return keylen == strlen(name) && memcmp(key, name, keylen) == 0;
}

/* The element of list l with this id, the list sorted by id; or NULL. */
static void *
list_find(struct tfa_record *rec, const struct list *l, uint32_t id)
{
	char *items = *list_items(rec, l);
	size_t lo = 0, hi = *list_count(rec, l), mid;
	uint32_t at;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		at = *(const uint32_t *)(const void *)(items + mid * l->elem);
		if (at == id)
			return items + mid * l->elem;
		if (at < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/*
 * One entry into rec; over: rec is finished, and a list entry is decoded
 * again in the place of the element of its id.
 */
static tfa_err
decode_entry(struct tfa_record *rec, const char *key, size_t keylen,
    char *buf, bool over)
{
	const struct list *l;
	uint32_t id;
	void *e;

	if (key_is(key, keylen, "format")) {
		if (strcmp(buf, "1") != 0)
			return TFA_ERR_CORRUPT;
		rec->decoded |= SEEN_FORMAT;
		return TFA_OK;
	}
	if (key_is(key, keylen, "state")) {
		rec->decoded |= SEEN_STATE;
		return tfa_fields_decode(rec, state_fields,
		    TFA_NFIELDS(state_fields), buf);
	}
	if (key_is(key, keylen, "totp")) {
		rec->totp.enabled = true;
		return tfa_fields_decode(&rec->totp, totp_fields,
		    TFA_NFIELDS(totp_fields), buf);
	}
	if (key_is(key, keylen, "backup")) {
		rec->backup.enabled = true;
		return tfa_fields_decode(&rec->backup, backup_fields,
		    TFA_NFIELDS(backup_fields), buf);
	}
	if ((l = list_entry(key, keylen, &id)) == NULL)
		return TFA_ERR_CORRUPT;
	if (rec->shared != NULL)
		return TFA_ERR_INVAL;	/* read-only (record.h) */
	if ((e = over ? list_find(rec, l, id) : list_grow(rec, l)) == NULL)
		return TFA_ERR_CORRUPT;
	if (over)
		memset(e, 0, l->elem);	/* list_grow clears a new one */
	*(uint32_t *)e = id;
	return tfa_fields_decode(e, l->fields, l->nf, buf);
}

static tfa_err
decode_value(struct tfa_record *rec, const char *key, size_t keylen,
    const char *val, size_t vallen, bool over)
{
	char buf[TFA_ENTRY_MAX];
	tfa_err r;

	if (vallen >= sizeof(buf) || vallen == 0 ||
	    memchr(val, '\0', vallen) != NULL)
		return TFA_ERR_CORRUPT;
	memcpy(buf, val, vallen);
	buf[vallen] = '\0';
	r = decode_entry(rec, key, keylen, buf, over);
	explicit_bzero(buf, vallen + 1);	/* all that was written */
	return r;
}

tfa_err
tfa_record_decode(struct tfa_record *rec, const char *key, size_t keylen,
    const char *val, size_t vallen)
{
	return decode_value(rec, key, keylen, val, vallen, false);
}

tfa_err
tfa_record_decode_over(struct tfa_record *rec, const char *key,
    size_t keylen, const char *val, size_t vallen)
{
	return decode_value(rec, key, keylen, val, vallen, true);
}

static int
by_id(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Lists come out of the store in hash order: sort them by id, and check no
 * id is above last_id (a new element would reuse it) or appears twice.
 */
static bool
sort_lists(struct tfa_record *rec)
{
	size_t i, j;

	for (i = 0; i < NLISTS; i++) {
		char *items = *list_items(rec, &lists[i]);
		size_t n = *list_count(rec, &lists[i]), size = lists[i].elem;

		if (rec->shared != NULL) {	/* checked when shared */
			if (n > 0 && *(const uint32_t *)(const void *)(items +
			    (n - 1) * size) > rec->last_id)
				return false;
			continue;
		}
		for (j = 1; j < n && by_id(items + (j - 1) * size,
		    items + j * size) < 0; j++)
			;
		if (j < n)		/* not already in order */
			qsort(items, n, size, by_id);
		for (j = 0; j < n; j++) {
			uint32_t id = *(const uint32_t *)(const void *)(items +
			    j * size);

			if (id > rec->last_id || (j > 0 && id ==
			    *(const uint32_t *)(const void *)(items +
			    (j - 1) * size)))
				return false;
		}
	}
	return true;
}

tfa_err
tfa_record_finish(struct tfa_record *rec)
{
	unsigned need = SEEN_FORMAT | SEEN_STATE;

	if ((rec->decoded & need) != need || !sort_lists(rec))
		return TFA_ERR_CORRUPT;
	return TFA_OK;
}

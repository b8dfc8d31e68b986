/*
 * Unit tests for common/record.c: the entry encoding round-trips exactly,
 * and every malformed entry is TFA_ERR_CORRUPT rather than half-read.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>

#include "check.h"
#include "record.h"

#define MAX_ENTRIES 8

struct entries {
	size_t n;
	int fail_at;		/* emit fails on this call (1-based), 0: never */
	struct {
		char key[16];
		char val[TFA_ENTRY_MAX];
	} e[MAX_ENTRIES];
};

static tfa_err
collect(void *arg, const char *key, const char *val)
{
	struct entries *es = arg;

	if (es->fail_at != 0 && (size_t)es->fail_at == es->n + 1)
		return TFA_ERR_IO;
	if (es->n >= MAX_ENTRIES || strlen(key) >= sizeof(es->e[0].key) ||
	    strlen(val) >= sizeof(es->e[0].val))
		return TFA_ERR_INVAL;
	strcpy(es->e[es->n].key, key);
	strcpy(es->e[es->n].val, val);
	es->n++;
	return TFA_OK;
}

/* Feed every entry back; the first error, or tfa_record_finish's verdict. */
static tfa_err
decode_all(const struct entries *es, struct tfa_record *rec)
{
	size_t i;
	tfa_err r;

	tfa_record_init(rec);
	for (i = 0; i < es->n; i++) {
		r = tfa_record_decode(rec, es->e[i].key, strlen(es->e[i].key),
		    es->e[i].val, strlen(es->e[i].val));
		if (r != TFA_OK)
			return r;
	}
	return tfa_record_finish(rec);
}

static const char *
entry(const struct entries *es, const char *key)
{
	size_t i;

	for (i = 0; i < es->n; i++)
		if (strcmp(es->e[i].key, key) == 0)
			return es->e[i].val;
	return NULL;
}

static void
check_same(const struct tfa_record *a, const struct tfa_record *b)
{
	CHECK_EQ(a->disabled, b->disabled);
	CHECK_EQ(a->last_step, b->last_step);
	CHECK_EQ(a->failures, b->failures);
	CHECK_EQ(a->locked_until, b->locked_until);
	CHECK_EQ(a->last_login, b->last_login);
	CHECK_EQ(a->last_method, b->last_method);
	CHECK_EQ(a->totp.enabled, b->totp.enabled);
	if (!a->totp.enabled)
		return;
	CHECK_EQ(a->totp.secret_len, b->totp.secret_len);
	CHECK(memcmp(a->totp.secret, b->totp.secret, a->totp.secret_len) == 0);
	CHECK_EQ(a->totp.algo, b->totp.algo);
	CHECK_EQ(a->totp.digits, b->totp.digits);
	CHECK_EQ(a->totp.period, b->totp.period);
	CHECK_EQ(a->totp.created, b->totp.created);
}

static void
test_round_trip_plain(void)
{
	struct tfa_record rec, back;
	struct entries es = { 0 };

	tfa_record_init(&rec);
	rec.disabled = true;
	rec.last_step = 5;
	rec.failures = 3;
	rec.locked_until = 1700000600;
	rec.last_login = 1700000000;
	rec.last_method = TFA_METHOD_TOTP;
	CHECK_EQ(tfa_record_encode(&rec, collect, &es), TFA_OK);
	CHECK_EQ(es.n, 2);
	CHECK_STR(entry(&es, "format"), "1");
	/* the on-disk text is a format: pin it */
	CHECK_STR(entry(&es, "state"), "disabled=1 last_step=5 failures=3 "
	    "locked_until=1700000600 last_login=1700000000 last_method=totp last_id=0");
	CHECK(entry(&es, "totp") == NULL);
	CHECK_EQ(decode_all(&es, &back), TFA_OK);
	check_same(&rec, &back);
	CHECK(!tfa_record_has_factor(&back, true, true));
}

static void
test_round_trip_totp(void)
{
	struct tfa_record rec, back;
	struct entries es = { 0 };

	tfa_record_init(&rec);
	rec.totp.enabled = true;
	rec.totp.secret_len = 20;
	memcpy(rec.totp.secret, "\x00\x01\xfe\xff" "0123456789abcdef", 20);
	rec.totp.algo = TFA_HASH_SHA1;
	rec.totp.digits = 6;
	rec.totp.period = 30;
	rec.totp.created = 1700000000;
	rec.last_method = TFA_METHOD_NONE;
	CHECK_EQ(tfa_record_encode(&rec, collect, &es), TFA_OK);
	CHECK_EQ(es.n, 3);
	CHECK_STR(entry(&es, "totp"), "secret=0001feff303132333435363738396162"
	    "63646566 algo=sha1 digits=6 period=30 created=1700000000");
	CHECK_EQ(decode_all(&es, &back), TFA_OK);
	check_same(&rec, &back);
	CHECK(tfa_record_has_factor(&back, true, true));
	CHECK(!tfa_record_has_factor(&back, false, true));
}

static void
test_round_trip_extremes(void)
{
	struct tfa_record rec, back;
	struct entries es = { 0 };
	size_t i;

	tfa_record_init(&rec);
	rec.totp.enabled = true;
	rec.totp.secret_len = TFA_SECRET_MAX;
	for (i = 0; i < TFA_SECRET_MAX; i++)
		rec.totp.secret[i] = (uint8_t)(i * 37 + 11);
	rec.totp.algo = TFA_HASH_SHA256;
	rec.totp.digits = 8;
	rec.totp.period = 120;
	rec.totp.created = INT64_MAX;
	rec.last_step = INT64_MAX;
	rec.locked_until = INT64_MAX - 1;
	rec.last_login = (int64_t)1 << 62;
	rec.failures = 1000000;
	CHECK_EQ(tfa_record_encode(&rec, collect, &es), TFA_OK);
	CHECK(strstr(entry(&es, "totp"), "algo=sha256") != NULL);
	CHECK_EQ(decode_all(&es, &back), TFA_OK);
	check_same(&rec, &back);

	es.n = 0;
	rec.totp.algo = TFA_HASH_SHA512;
	rec.totp.secret_len = 10;
	rec.totp.period = 15;
	CHECK_EQ(tfa_record_encode(&rec, collect, &es), TFA_OK);
	CHECK_EQ(decode_all(&es, &back), TFA_OK);
	check_same(&rec, &back);
}

static void
test_emit_error(void)
{
	struct tfa_record rec;
	struct entries es = { 0 };

	tfa_record_init(&rec);
	rec.totp.enabled = true;
	rec.totp.secret_len = 20;
	rec.totp.digits = 6;
	rec.totp.period = 30;
	es.fail_at = 2;
	CHECK_EQ(tfa_record_encode(&rec, collect, &es), TFA_ERR_IO);
	CHECK_EQ(es.n, 1);
	es.n = 0;
	es.fail_at = 3;
	CHECK_EQ(tfa_record_encode(&rec, collect, &es), TFA_ERR_IO);
	CHECK_EQ(es.n, 2);
}

#define STATE_OK "disabled=0 last_step=7 failures=0 locked_until=0 " \
	"last_login=0 last_method=none last_id=0"
#define SECRET20 "3132333435363738393031323334353637383930"
#define TOTP_OK "secret=" SECRET20 " algo=sha1 digits=6 period=30 created=0"

static tfa_err
decode1(const char *key, const char *val, size_t vallen)
{
	struct tfa_record rec;
	tfa_err r;

	tfa_record_init(&rec);
	r = tfa_record_decode(&rec, key, strlen(key), val, vallen);
	tfa_record_wipe(&rec);
	return r;
}

static void
corrupt(const char *key, const char *val)
{
	printf("# corrupt %s \"%.70s\"\n", key, val);
	CHECK_EQ(decode1(key, val, strlen(val)), TFA_ERR_CORRUPT);
}

static void
good(const char *key, const char *val)
{
	printf("# good %s \"%.70s\"\n", key, val);
	CHECK_EQ(decode1(key, val, strlen(val)), TFA_OK);
}

static void
test_corrupt_state(void)
{
	good("state", STATE_OK);
	good("state", "last_method=totp last_login=1 locked_until=2 "
	    "failures=1000000 last_step=9223372036854775807 disabled=1 "
	    "last_id=4294967295");
	corrupt("bogus", "1");
	corrupt("state", STATE_OK " extra=1");
	corrupt("state", "disabled=0 last_step=7 failures=0 locked_until=0 "
	    "last_login=0");
	corrupt("state", "failures=1 " STATE_OK);
	corrupt("state", "disabled=0 last_step=7x failures=0 locked_until=0 "
	    "last_login=0 last_method=none last_id=0");
	corrupt("state", "disabled=0 last_step=07 failures=0 locked_until=0 "
	    "last_login=0 last_method=none last_id=0");
	corrupt("state", "disabled=0 last_step=9223372036854775808 failures=0 "
	    "locked_until=0 last_login=0 last_method=none last_id=0");
	corrupt("state", "disabled=0 last_step=99999999999999999999 failures=0 "
	    "locked_until=0 last_login=0 last_method=none last_id=0");
	corrupt("state", "disabled=0 last_step=-1 failures=0 locked_until=0 "
	    "last_login=0 last_method=none last_id=0");
	corrupt("state", "disabled=0 last_step=+1 failures=0 locked_until=0 "
	    "last_login=0 last_method=none last_id=0");
	corrupt("state", "disabled=0 last_step= failures=0 locked_until=0 "
	    "last_login=0 last_method=none last_id=0");
	corrupt("state", "disabled=0 last_step=7 failures=1000001 "
	    "locked_until=0 last_login=0 last_method=none last_id=0");
	corrupt("state", "disabled=2 last_step=7 failures=0 locked_until=0 "
	    "last_login=0 last_method=none last_id=0");
	corrupt("state", "disabled=0 last_step=7 failures=0 locked_until=0 "
	    "last_login=0 last_method=sms");
	corrupt("state", "disabled=0 last_step=7 failures=0 locked_until=0 "
	    "last_login=0 last_method==none");
	corrupt("state", "disabled=0  last_step=7 failures=0 locked_until=0 "
	    "last_login=0 last_method=none last_id=0");
	corrupt("state", " " STATE_OK);
	corrupt("state", STATE_OK " ");
	corrupt("state", "disabled last_step=7 failures=0 locked_until=0 "
	    "last_login=0 last_method=none last_id=0");
	corrupt("state", "=0 " STATE_OK);
	corrupt("state", "");
}

static void
test_corrupt_bytes(void)
{
	static const char with_nul[] = STATE_OK "\0x";
	char *big;

	CHECK_EQ(decode1("state", with_nul, sizeof(with_nul) - 1),
	    TFA_ERR_CORRUPT);
	CHECK_EQ(decode1("format", "1\0", 2), TFA_ERR_CORRUPT);
	/* a value of TFA_ENTRY_MAX bytes is refused before it is parsed */
	if ((big = malloc(TFA_ENTRY_MAX + 1)) == NULL)
		abort();
	memset(big, 'a', TFA_ENTRY_MAX);
	memcpy(big, STATE_OK " x=", sizeof(STATE_OK " x=") - 1);
	big[TFA_ENTRY_MAX] = '\0';
	CHECK_EQ(decode1("state", big, TFA_ENTRY_MAX), TFA_ERR_CORRUPT);
	CHECK_EQ(decode1("format", big, TFA_ENTRY_MAX), TFA_ERR_CORRUPT);
	free(big);
}

/* The TOTP entry with one field replaced. */
static void
totp_with(char *buf, size_t len, const char *secret, const char *rest)
{
	snprintf(buf, len, "secret=%s %s", secret, rest);
}

static void
test_corrupt_totp(void)
{
	char v[400], hex[200];
	const char *rest = "algo=sha1 digits=6 period=30 created=0";

	good("totp", TOTP_OK);
	/* 10 and 64 bytes are the bounds of a secret */
	memset(hex, 'a', sizeof(hex));
	hex[20] = '\0';
	totp_with(v, sizeof(v), hex, rest);
	good("totp", v);
	hex[18] = '\0';
	totp_with(v, sizeof(v), hex, rest);
	corrupt("totp", v);
	memset(hex, 'b', sizeof(hex));
	hex[128] = '\0';
	totp_with(v, sizeof(v), hex, rest);
	good("totp", v);
	hex[128] = 'b';
	hex[130] = '\0';
	totp_with(v, sizeof(v), hex, rest);
	corrupt("totp", v);

	corrupt("totp", "secret=" SECRET20 "0 algo=sha1 digits=6 period=30 "
	    "created=0");
	corrupt("totp", "secret=3132333435363738393031323334353637383A3B "
	    "algo=sha1 digits=6 period=30 created=0");
	corrupt("totp", "secret=31323334353637383930313233343536373839zz "
	    "algo=sha1 digits=6 period=30 created=0");
	corrupt("totp", "secret= algo=sha1 digits=6 period=30 created=0");
	corrupt("totp", "secret=" SECRET20 " algo=SHA1 digits=6 period=30 "
	    "created=0");
	corrupt("totp", "secret=" SECRET20 " algo=md5 digits=6 period=30 "
	    "created=0");
	corrupt("totp", "secret=" SECRET20 " algo=sha1 digits=5 period=30 "
	    "created=0");
	corrupt("totp", "secret=" SECRET20 " algo=sha1 digits=9 period=30 "
	    "created=0");
	corrupt("totp", "secret=" SECRET20 " algo=sha1 digits=6 period=10 "
	    "created=0");
	corrupt("totp", "secret=" SECRET20 " algo=sha1 digits=6 period=121 "
	    "created=0");
	corrupt("totp", "secret=" SECRET20 " algo=sha1 digits=6 period=30 "
	    "created=-1");
	corrupt("totp", "secret=" SECRET20 " algo=sha1 digits=6 period=30");
	corrupt("totp", TOTP_OK " secret=" SECRET20);
}

static void
test_format(void)
{
	good("format", "1");
	corrupt("format", "2");
	corrupt("format", "0");
	corrupt("format", "01");
	corrupt("format", "1 ");
	corrupt("format", "");
	corrupt("formatx", "1");
	corrupt("stat", STATE_OK);
	corrupt("totp ", TOTP_OK);
}

/* Decode the given entries (key, value pairs) and return finish's result. */
static tfa_err
finish_after(const char *const *kv, size_t n)
{
	struct tfa_record rec;
	size_t i;
	tfa_err r = TFA_OK;

	tfa_record_init(&rec);
	for (i = 0; i + 1 < n && r == TFA_OK; i += 2)
		r = tfa_record_decode(&rec, kv[i], strlen(kv[i]), kv[i + 1],
		    strlen(kv[i + 1]));
	if (r == TFA_OK)
		r = tfa_record_finish(&rec);
	return r;
}

static void
test_finish(void)
{
	static const char *const all[] = { "format", "1", "state", STATE_OK,
	    "totp", TOTP_OK };
	static const char *const no_format[] = { "state", STATE_OK, "totp",
	    TOTP_OK };
	static const char *const no_state[] = { "format", "1", "totp",
	    TOTP_OK };
	struct tfa_record rec;

	CHECK_EQ(finish_after(all, 6), TFA_OK);
	CHECK_EQ(finish_after(all, 4), TFA_OK);
	CHECK_EQ(finish_after(no_format, 4), TFA_ERR_CORRUPT);
	CHECK_EQ(finish_after(no_state, 4), TFA_ERR_CORRUPT);
	CHECK_EQ(finish_after(all, 0), TFA_ERR_CORRUPT);

	/* the key is its length, not up to a NUL: "format" out of "formatX" */
	tfa_record_init(&rec);
	CHECK_EQ(tfa_record_decode(&rec, "formatX", 6, "1", 1), TFA_OK);
	CHECK_EQ(tfa_record_decode(&rec, "stateX", 5, STATE_OK,
	    strlen(STATE_OK)), TFA_OK);
	CHECK_EQ(tfa_record_finish(&rec), TFA_OK);
	CHECK_EQ(rec.last_step, 7);
	CHECK(!rec.totp.enabled);
	CHECK_EQ(tfa_record_decode(&rec, "totp", 4, TOTP_OK,
	    strlen(TOTP_OK)), TFA_OK);
	CHECK(rec.totp.enabled);
	CHECK_EQ(rec.totp.secret_len, 20);
	CHECK(memcmp(rec.totp.secret, "12345678901234567890", 20) == 0);
}

static void
test_wipe(void)
{
	struct tfa_record rec;
	const unsigned char *p = (const unsigned char *)&rec;
	size_t i, nonzero = 0;

	tfa_record_init(&rec);
	memset(rec.totp.secret, 0x5a, sizeof(rec.totp.secret));
	rec.last_step = 99;
	tfa_record_wipe(&rec);
	for (i = 0; i < sizeof(rec); i++)
		nonzero += p[i] != 0;
	CHECK_EQ(nonzero, 0);
}

/*
 * A deep copy: the lists are the copy's own (changing or growing them
 * leaves the original alone), with room for list_grow's doubling.
 */
static void
test_copy(void)
{
	struct tfa_record a, b;
	struct tfa_device *d;
	size_t i;

	tfa_record_init(&a);
	a.failures = 3;
	a.totp.enabled = true;
	a.totp.secret_len = 20;
	memset(a.totp.secret, 0x5a, 20);
	for (i = 0; i < 5; i++) {
		CHECK((d = tfa_record_add_device(&a)) != NULL);
		d->last_seen = (int64_t)i;
	}
	CHECK(tfa_record_add_apppw(&a) != NULL);
	CHECK_EQ(tfa_record_copy(&b, &a), TFA_OK);
	CHECK(b.dev != a.dev && b.apppw != a.apppw && b.keys == NULL);
	CHECK_EQ(b.n_dev, 5);
	CHECK_EQ(b.n_apppw, 1);
	CHECK_EQ(b.failures, 3);
	CHECK(memcmp(b.totp.secret, a.totp.secret, 20) == 0);
	CHECK(memcmp(b.dev, a.dev, 5 * sizeof(*a.dev)) == 0);
	tfa_record_device_at(&b, 0)->last_seen = 99;
	CHECK_EQ(a.dev[0].last_seen, 0);
	/* grow the copy past 8 (5 -> 12): the room list_grow counts on */
	for (i = 0; i < 7; i++)
		CHECK(tfa_record_add_device(&b) != NULL);
	CHECK_EQ(b.n_dev, 12);
	CHECK_EQ(a.n_dev, 5);
	CHECK_EQ(b.dev[4].last_seen, 4);
	CHECK_EQ(b.dev[11].id, a.last_id + 7);
	tfa_record_wipe(&b);
	tfa_record_wipe(&a);
}

/* Every entry of a equals the entry of b of the same key, and no more. */
static void
check_same_entries(const struct entries *a, const struct entries *b)
{
	CHECK_EQ(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		const char *v = entry(b, a->e[i].key);

		CHECK(v != NULL);
		if (v != NULL)
			CHECK_STR(a->e[i].val, v);
	}
}

/*
 * tfa_record_decode_over on a decoded record gives what decoding the same
 * entries with the changed values in their place gives; an element it
 * names must exist.
 */
static void
test_decode_over(void)
{
	struct tfa_record rec, a, b;
	struct entries base = { 0 }, want = { 0 }, got_a = { 0 },
	    got_b = { 0 };
	struct tfa_device *d;
	struct tfa_apppw *p;
	const char *v;
	size_t i;

	tfa_record_init(&rec);
	rec.totp.enabled = true;
	rec.totp.secret_len = 20;
	memset(rec.totp.secret, 0x42, 20);
	rec.totp.digits = 6;
	rec.totp.period = 30;
	for (i = 0; i < 3; i++) {
		CHECK((d = tfa_record_add_device(&rec)) != NULL);
		snprintf(d->service, sizeof(d->service), "imap%zu", i);
		snprintf(d->rhost, sizeof(d->rhost), "192.0.2.%zu", i);
		d->last_seen = 100 + (int64_t)i;
	}
	for (i = 0; i < 2; i++) {
		CHECK((p = tfa_record_add_apppw(&rec)) != NULL);
		snprintf(p->name, sizeof(p->name), "phone number %zu", i);
		p->created = 5;
	}
	CHECK_EQ(tfa_record_encode(&rec, collect, &base), TFA_OK);
	CHECK_EQ(base.n, 8);
	/* a login's kind of change: state, a device, an app password */
	rec.failures = 9;
	tfa_record_device_at(&rec, 1)->last_seen = 77;
	snprintf(tfa_record_device_at(&rec, 1)->rhost, sizeof(rec.dev[1].rhost),
	    "h");
	tfa_record_apppw_at(&rec, 0)->last_used = 55;
	CHECK_EQ(tfa_record_encode(&rec, collect, &want), TFA_OK);

	/* the changed values decoded in place of the old ones */
	tfa_record_init(&a);
	for (i = 0; i < base.n; i++) {
		v = entry(&want, base.e[i].key);
		CHECK_EQ(tfa_record_decode(&a, base.e[i].key,
		    strlen(base.e[i].key), v, strlen(v)), TFA_OK);
	}
	CHECK_EQ(tfa_record_finish(&a), TFA_OK);
	/* the same, over the old record */
	CHECK_EQ(decode_all(&base, &b), TFA_OK);
	for (i = 0; i < want.n; i++)
		if (strcmp(want.e[i].val, entry(&base, want.e[i].key)) != 0)
			CHECK_EQ(tfa_record_decode_over(&b, want.e[i].key,
			    strlen(want.e[i].key), want.e[i].val,
			    strlen(want.e[i].val)), TFA_OK);
	CHECK_EQ(tfa_record_finish(&b), TFA_OK);
	CHECK_EQ(tfa_record_encode(&a, collect, &got_a), TFA_OK);
	CHECK_EQ(tfa_record_encode(&b, collect, &got_b), TFA_OK);
	check_same_entries(&want, &got_a);
	check_same_entries(&want, &got_b);
	CHECK_STR(b.dev[1].rhost, "h");
	CHECK_EQ(b.n_dev, 3);
	CHECK_EQ(b.n_apppw, 2);

	/* an element that is not there, a bad id, a bad value */
	v = entry(&base, "dev.3");
	CHECK(v != NULL);
	CHECK_EQ(tfa_record_decode_over(&b, "dev.9", 5, v, strlen(v)),
	    TFA_ERR_CORRUPT);
	CHECK_EQ(tfa_record_decode_over(&b, "dev.03", 6, v, strlen(v)),
	    TFA_ERR_CORRUPT);
	CHECK_EQ(tfa_record_decode_over(&b, "dev.3", 5, "kind=host", 9),
	    TFA_ERR_CORRUPT);
	CHECK_EQ(b.n_dev, 3);
	tfa_record_wipe(&rec);
	tfa_record_wipe(&a);
	tfa_record_wipe(&b);
}

/* True when f(rec) in a child process dies of SIGABRT. */
static bool
aborts(void (*f)(struct tfa_record *), struct tfa_record *rec)
{
	pid_t pid;
	int status;

	fflush(NULL);
	if ((pid = fork()) == 0) {
		f(rec);
		_exit(0);
	}
	return pid > 0 && waitpid(pid, &status, 0) == pid &&
	    WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

static void
poke_device(struct tfa_record *rec)
{
	tfa_record_device_at(rec, 0)->last_seen = 1;
}

static void
poke_apppw(struct tfa_record *rec)
{
	tfa_record_apppw_at(rec, 0)->last_used = 1;
}

static void
poke_key(struct tfa_record *rec)
{
	tfa_record_key_at(rec, 0)->sign_count = 1;
}

/*
 * Shared lists: a copy shares them, never changes them; a record that
 * changes a list gets its own copy first, and asking a shared record for a
 * writable element is refused outright.
 */
static void
test_shared(void)
{
	struct tfa_record a, b, c;
	struct tfa_device *d;
	size_t i;

	tfa_record_init(&a);
	a.totp.enabled = true;
	for (i = 0; i < 3; i++) {
		CHECK((d = tfa_record_add_device(&a)) != NULL);
		d->last_seen = 10 + (int64_t)i;
	}
	CHECK(tfa_record_add_apppw(&a) != NULL);
	CHECK(tfa_record_add_key(&a) != NULL);
	CHECK(a.shared == NULL);
	CHECK_EQ(tfa_record_share(&a), TFA_OK);
	CHECK(a.shared != NULL);
	CHECK_EQ(tfa_record_share(&a), TFA_OK);	/* already */

	/* a copy shares, whatever the number of elements */
	CHECK_EQ(tfa_record_copy(&b, &a), TFA_OK);
	CHECK(b.shared == a.shared && b.dev == a.dev && b.apppw == a.apppw &&
	    b.keys == a.keys);
	CHECK(aborts(poke_device, &b));
	CHECK(aborts(poke_apppw, &b));
	CHECK(aborts(poke_key, &b));
	CHECK_EQ(b.dev[0].last_seen, 10);

	/* owning copies: changes stay in b */
	CHECK_EQ(tfa_record_own(&b), TFA_OK);
	CHECK(b.shared == NULL && b.dev != a.dev && b.apppw != a.apppw);
	CHECK(memcmp(b.dev, a.dev, 3 * sizeof(*a.dev)) == 0);
	tfa_record_device_at(&b, 1)->last_seen = 99;
	CHECK_EQ(a.dev[1].last_seen, 11);
	CHECK(!aborts(poke_device, &b));
	CHECK_EQ(tfa_record_own(&b), TFA_OK);	/* already */

	/* adding and removing own the lists first */
	CHECK_EQ(tfa_record_copy(&c, &a), TFA_OK);
	CHECK(tfa_record_add_device(&c) != NULL);
	CHECK(c.shared == NULL && c.n_dev == 4 && a.n_dev == 3);
	tfa_record_wipe(&c);
	CHECK_EQ(tfa_record_copy(&c, &a), TFA_OK);
	CHECK_EQ(tfa_record_remove_device(&c, 5), TFA_ERR_INVAL);
	CHECK(c.shared == a.shared);
	CHECK_EQ(tfa_record_remove_device(&c, 0), TFA_OK);
	CHECK(c.shared == NULL && c.n_dev == 2 && c.dev[0].last_seen == 11);
	CHECK(a.n_dev == 3 && a.dev[0].last_seen == 10);
	tfa_record_wipe(&c);

	/* replacing an element: the same id, in place, owned first */
	{
		struct tfa_device e = a.dev[1];

		CHECK_EQ(tfa_record_copy(&c, &a), TFA_OK);
		e.last_seen = 77;
		CHECK_EQ(tfa_record_set_device(&c, 0, &e), TFA_ERR_INVAL);
		CHECK_EQ(tfa_record_set_device(&c, 3, &e), TFA_ERR_INVAL);
		CHECK(c.shared == a.shared);
		CHECK_EQ(tfa_record_set_device(&c, 1, &e), TFA_OK);
		CHECK(c.shared == NULL && c.dev[1].last_seen == 77);
		CHECK_EQ(a.dev[1].last_seen, 11);
		tfa_record_wipe(&c);
	}

	/* decoding over a shared record: never into its lists */
	CHECK_EQ(tfa_record_copy(&c, &a), TFA_OK);
	CHECK_EQ(tfa_record_decode_over(&c, "dev.1", 5, "kind=host", 9),
	    TFA_ERR_INVAL);
	CHECK_EQ(tfa_record_decode_over(&c, "state", 5, "disabled=0 "
	    "last_step=7 failures=4 locked_until=0 last_login=0 "
	    "last_method=none last_id=5", 88), TFA_OK);
	CHECK_EQ(c.failures, 4);
	CHECK_EQ(a.dev[0].last_seen, 10);
	/* finish checks shared lists' highest ids against last_id */
	c.decoded = a.decoded | 3;
	c.last_id = 5;
	CHECK_EQ(tfa_record_finish(&c), TFA_OK);
	c.last_id = 4;
	CHECK_EQ(tfa_record_finish(&c), TFA_ERR_CORRUPT);
	tfa_record_wipe(&c);

	/* what changed, element by element */
	{
		static struct entries es;

		es = (struct entries){ 0 };
		CHECK_EQ(tfa_record_copy(&c, &a), TFA_OK);
		CHECK_EQ(tfa_record_encode_changed(&c, &a, collect, &es),
		    TFA_OK);
		CHECK_EQ(es.n, 0);		/* shared: nothing */
		CHECK_EQ(tfa_record_own(&c), TFA_OK);
		CHECK_EQ(tfa_record_encode_changed(&c, &a, collect, &es),
		    TFA_OK);
		CHECK_EQ(es.n, 0);		/* copied, the same bytes */
		/* bytes no field holds (past a string's end) do not count */
		d = tfa_record_device_at(&c, 0);
		memset(d->rhost + strlen(d->rhost) + 1, 'x', 8);
		CHECK_EQ(tfa_record_encode_changed(&c, &a, collect, &es),
		    TFA_OK);
		CHECK_EQ(es.n, 0);
		tfa_record_device_at(&c, 2)->last_seen = 7;
		tfa_record_key_at(&c, 0)->sign_count = 9;
		CHECK_EQ(tfa_record_encode_changed(&c, &a, collect, &es),
		    TFA_OK);
		CHECK_EQ(es.n, 2);
		CHECK(strcmp(es.e[0].key, "dev.3") == 0 &&
		    strstr(es.e[0].val, "last_seen=7") != NULL);
		CHECK(strcmp(es.e[1].key, "key.5") == 0 &&
		    strstr(es.e[1].val, "count=9") != NULL);
		/* another element in a place, or one fewer: not comparable */
		tfa_record_device_at(&c, 1)->id = 9;
		CHECK_EQ(tfa_record_encode_changed(&c, &a, collect, &es),
		    TFA_ERR_INVAL);
		CHECK_EQ(tfa_record_remove_device(&c, 0), TFA_OK);
		CHECK_EQ(tfa_record_encode_changed(&c, &a, collect, &es),
		    TFA_ERR_INVAL);
		tfa_record_wipe(&c);
	}

	/* the lists live while any record shares them */
	tfa_record_wipe(&a);
	CHECK(b.dev[1].last_seen == 99);
	tfa_record_wipe(&b);
}

int
main(void)
{
	test_round_trip_plain();
	test_round_trip_totp();
	test_round_trip_extremes();
	test_emit_error();
	test_corrupt_state();
	test_corrupt_bytes();
	test_corrupt_totp();
	test_format();
	test_finish();
	test_wipe();
	test_copy();
	test_decode_over();
	test_shared();
	return tfa_check_done();
}

/*
 * Unit tests for common/totp.c: the RFC 6238 Appendix B vectors, RFC 4648
 * base32 vectors, the otpauth:// URI, the tolerance window and fresh secrets.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "totp.h"

/* RFC 6238 Appendix B: one seed per hash, ASCII digits repeated. */
static const char seed_sha1[] = "12345678901234567890";
static const char seed_sha256[] = "12345678901234567890123456789012";
static const char seed_sha512[] =
    "1234567890123456789012345678901234567890123456789012345678901234";

static void
make_totp(struct tfa_totp *t, enum tfa_hash algo, unsigned digits)
{
	const char *seed = algo == TFA_HASH_SHA256 ? seed_sha256 :
	    algo == TFA_HASH_SHA512 ? seed_sha512 : seed_sha1;

	memset(t, 0, sizeof(*t));
	t->secret_len = strlen(seed);
	memcpy(t->secret, seed, t->secret_len);
	t->algo = algo;
	t->digits = digits;
	t->period = 30;
	t->enabled = true;
}

static void
test_rfc6238_vectors(void)
{
	static const struct {
		int64_t time;
		enum tfa_hash algo;
		const char *code;
	} v[] = {
		{ 59, TFA_HASH_SHA1, "94287082" },
		{ 59, TFA_HASH_SHA256, "46119246" },
		{ 59, TFA_HASH_SHA512, "90693936" },
		{ 1111111109, TFA_HASH_SHA1, "07081804" },
		{ 1111111109, TFA_HASH_SHA256, "68084774" },
		{ 1111111109, TFA_HASH_SHA512, "25091201" },
		{ 1111111111, TFA_HASH_SHA1, "14050471" },
		{ 1111111111, TFA_HASH_SHA256, "67062674" },
		{ 1111111111, TFA_HASH_SHA512, "99943326" },
		{ 1234567890, TFA_HASH_SHA1, "89005924" },
		{ 1234567890, TFA_HASH_SHA256, "91819424" },
		{ 1234567890, TFA_HASH_SHA512, "93441116" },
		{ 2000000000, TFA_HASH_SHA1, "69279037" },
		{ 2000000000, TFA_HASH_SHA256, "90698825" },
		{ 2000000000, TFA_HASH_SHA512, "38618901" },
		{ 20000000000LL, TFA_HASH_SHA1, "65353130" },
		{ 20000000000LL, TFA_HASH_SHA256, "77737706" },
		{ 20000000000LL, TFA_HASH_SHA512, "47863826" },
	};
	struct tfa_totp t;
	char out[TFA_TOTP_CODE_MAX + 1];
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		make_totp(&t, v[i].algo, 8);
		printf("# RFC 6238 T=%lld algo=%d\n", (long long)v[i].time,
		    (int)v[i].algo);
		CHECK_EQ(tfa_totp_step(&t, v[i].time), v[i].time / 30);
		memset(out, 'X', sizeof(out));
		CHECK_EQ(tfa_totp_code(&t, v[i].time / 30, out, sizeof(out)),
		    TFA_OK);
		CHECK_STR(out, v[i].code);
	}
}

static void
test_code_args(void)
{
	struct tfa_totp t;
	char out[TFA_TOTP_CODE_MAX + 1];

	make_totp(&t, TFA_HASH_SHA1, 6);
	/* 6 digits are the last 6 of the 8-digit RFC value: 287082 at T=59 */
	CHECK_EQ(tfa_totp_code(&t, 1, out, sizeof(out)), TFA_OK);
	CHECK_STR(out, "287082");
	CHECK_EQ(tfa_totp_code(&t, 1, out, 6), TFA_ERR_INVAL);
	CHECK_EQ(tfa_totp_code(&t, 1, out, 7), TFA_OK);
	CHECK_EQ(tfa_totp_code(&t, -1, out, sizeof(out)), TFA_ERR_INVAL);
	t.digits = 5;
	CHECK_EQ(tfa_totp_code(&t, 1, out, sizeof(out)), TFA_ERR_INVAL);
	t.digits = 9;
	CHECK_EQ(tfa_totp_code(&t, 1, out, sizeof(out)), TFA_ERR_INVAL);
	t.digits = 6;
	t.period = 0;
	CHECK_EQ(tfa_totp_code(&t, 1, out, sizeof(out)), TFA_ERR_INVAL);
	t.period = 60;
	CHECK_EQ(tfa_totp_step(&t, 119), 1);
	CHECK_EQ(tfa_totp_step(&t, 120), 2);
	CHECK_EQ(tfa_totp_step(&t, -5), 0);
}

static void
test_base32(void)
{
	static const struct {
		const char *in, *out;
	} v[] = {
		{ "", "" },
		{ "f", "MY" },
		{ "fo", "MZXQ" },
		{ "foo", "MZXW6" },
		{ "foob", "MZXW6YQ" },
		{ "fooba", "MZXW6YTB" },
		{ "foobar", "MZXW6YTBOI" },
	};
	char out[32];
	size_t i, n;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		n = strlen(v[i].in);
		memset(out, 'X', sizeof(out));
		CHECK_EQ(tfa_base32_encode((const uint8_t *)v[i].in, n, out,
		    sizeof(out)), TFA_OK);
		CHECK_STR(out, v[i].out);
		/* exactly enough room, then one byte short */
		CHECK_EQ(tfa_base32_encode((const uint8_t *)v[i].in, n, out,
		    strlen(v[i].out) + 1), TFA_OK);
		CHECK_EQ(tfa_base32_encode((const uint8_t *)v[i].in, n, out,
		    strlen(v[i].out)), TFA_ERR_INVAL);
	}
	/* 20 bytes are 32 characters: out[32] has no room for the NUL */
	CHECK_EQ(tfa_base32_encode((const uint8_t *)seed_sha1, 20, out,
	    sizeof(out)), TFA_ERR_INVAL);
}

static int
all_zero(const uint8_t *p, size_t n)
{
	while (n-- > 0)
		if (*p++ != 0)
			return 0;
	return 1;
}

static void
test_uri(void)
{
	struct tfa_totp t;
	char out[512], small[80];
	const char *want =
	    "otpauth://totp/Example%20Co:alice%40example.com"
	    "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
	    "&issuer=Example%20Co&algorithm=SHA1&digits=6&period=30";

	make_totp(&t, TFA_HASH_SHA1, 6);
	CHECK_EQ(tfa_totp_uri(&t, "Example Co", "alice@example.com", out,
	    sizeof(out)), TFA_OK);
	CHECK_STR(out, want);
	/* room for exactly the URI, then one byte less */
	CHECK_EQ(tfa_totp_uri(&t, "Example Co", "alice@example.com", out,
	    strlen(want) + 1), TFA_OK);
	CHECK_EQ(tfa_totp_uri(&t, "Example Co", "alice@example.com", out,
	    strlen(want)), TFA_ERR_INVAL);

	/* unreserved characters stay, ':' '/' '&' '?' and UTF-8 do not */
	t.algo = TFA_HASH_SHA256;
	t.digits = 8;
	t.period = 60;
	CHECK_EQ(tfa_totp_uri(&t, "a-b_c.d~e", "x:y/z&q?r=\xc3\xb6", out,
	    sizeof(out)), TFA_OK);
	CHECK_STR(out, "otpauth://totp/a-b_c.d~e:x%3Ay%2Fz%26q%3Fr%3D%C3%B6"
	    "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=a-b_c.d~e"
	    "&algorithm=SHA256&digits=8&period=60");

	/*
	 * A failed URI leaves nothing half-written: 80 bytes hold the secret
	 * (which ends at byte 73) but not the issuer after it.
	 */
	memset(small, 'X', sizeof(small));
	CHECK_EQ(tfa_totp_uri(&t, "Example Co", "alice", small,
	    sizeof(small)), TFA_ERR_INVAL);
	CHECK(all_zero((const uint8_t *)small, sizeof(small)));
}

/* The 6-digit SHA1 code for step s of the RFC seed. */
static void
code_at(const struct tfa_totp *t, int64_t s, char *out)
{
	if (tfa_totp_code(t, s, out, TFA_TOTP_CODE_MAX + 1) != TFA_OK)
		strcpy(out, "??????");
}

static void
test_match_window(void)
{
	struct tfa_totp t;
	char code[TFA_TOTP_CODE_MAX + 1];
	const int64_t now = 1111111111, s0 = now / 30;
	int64_t step, d;

	make_totp(&t, TFA_HASH_SHA1, 6);
	for (d = -2; d <= 2; d++) {
		printf("# tolerance 2, step offset %lld accepted\n",
		    (long long)d);
		code_at(&t, s0 + d, code);
		step = -1;
		CHECK_EQ(tfa_totp_match(&t, now, 2, code, -1, &step), TFA_OK);
		CHECK_EQ(step, s0 + d);
	}
	for (d = -3; d <= 3; d += 6) {
		printf("# tolerance 2, step offset %lld refused\n",
		    (long long)d);
		code_at(&t, s0 + d, code);
		step = -7;
		CHECK_EQ(tfa_totp_match(&t, now, 2, code, -1, &step),
		    TFA_ERR_BADCODE);
		CHECK_EQ(step, -7);
	}
	/* tolerance 0: only the current step */
	code_at(&t, s0, code);
	CHECK_EQ(tfa_totp_match(&t, now, 0, code, -1, &step), TFA_OK);
	CHECK_EQ(step, s0);
	code_at(&t, s0 - 1, code);
	CHECK_EQ(tfa_totp_match(&t, now, 0, code, -1, &step), TFA_ERR_BADCODE);
	code_at(&t, s0 + 1, code);
	CHECK_EQ(tfa_totp_match(&t, now, 0, code, -1, &step), TFA_ERR_BADCODE);
	/* the last second of a step and the first of the next */
	code_at(&t, s0, code);
	CHECK_EQ(tfa_totp_match(&t, s0 * 30 + 29, 0, code, -1, &step), TFA_OK);
	CHECK_EQ(tfa_totp_match(&t, s0 * 30 + 30, 0, code, -1, &step),
	    TFA_ERR_BADCODE);
	/* near time zero the window is cut at step 0, not wrapped */
	code_at(&t, 0, code);
	CHECK_EQ(tfa_totp_match(&t, 10, 2, code, -1, &step), TFA_OK);
	CHECK_EQ(step, 0);
}

static void
test_match_refusals(void)
{
	struct tfa_totp t;
	char code[TFA_TOTP_CODE_MAX + 1], longer[TFA_TOTP_CODE_MAX + 2];
	const int64_t now = 1111111111, s0 = now / 30;
	int64_t step = -7;

	make_totp(&t, TFA_HASH_SHA1, 6);
	code_at(&t, s0, code);
	/* wrong length: one digit short, one digit more, empty */
	CHECK_EQ(tfa_totp_match(&t, now, 2, "", -1, &step), TFA_ERR_BADCODE);
	code[5] = '\0';
	CHECK_EQ(tfa_totp_match(&t, now, 2, code, -1, &step), TFA_ERR_BADCODE);
	code_at(&t, s0, code);
	snprintf(longer, sizeof(longer), "%s0", code);
	CHECK_EQ(tfa_totp_match(&t, now, 2, longer, -1, &step), TFA_ERR_BADCODE);
	/* one digit changed */
	code[2] = code[2] == '9' ? '0' : (char)(code[2] + 1);
	CHECK_EQ(tfa_totp_match(&t, now, 2, code, -1, &step), TFA_ERR_BADCODE);
	/* a disabled method matches nothing, not even its own code */
	code_at(&t, s0, code);
	CHECK_EQ(tfa_totp_match(&t, now, 2, code, -1, &step), TFA_OK);
	t.enabled = false;
	step = -7;
	CHECK_EQ(tfa_totp_match(&t, now, 2, code, -1, &step), TFA_ERR_BADCODE);
	CHECK_EQ(step, -7);
	/* 8-digit codes need all 8 digits */
	make_totp(&t, TFA_HASH_SHA1, 8);
	CHECK_EQ(tfa_totp_match(&t, 59, 0, "94287082", -1, &step), TFA_OK);
	CHECK_EQ(step, 1);
	CHECK_EQ(tfa_totp_match(&t, 59, 0, "287082", -1, &step),
	    TFA_ERR_BADCODE);
}

static void
test_generate(void)
{
	struct tfa_totp a, b;

	memset(&a, 0xa5, sizeof(a));
	CHECK_EQ(tfa_totp_generate(&a, 1700000000), TFA_OK);
	CHECK_EQ(tfa_totp_generate(&b, 1700000001), TFA_OK);
	CHECK(a.enabled);
	CHECK_EQ(a.secret_len, 20);
	CHECK_EQ(a.algo, TFA_HASH_SHA1);
	CHECK_EQ(a.digits, 6);
	CHECK_EQ(a.period, 30);
	CHECK_EQ(a.created, 1700000000);
	CHECK_EQ(b.created, 1700000001);
	CHECK(!all_zero(a.secret, 20));
	CHECK(memcmp(a.secret, b.secret, 20) != 0);
	/* nothing but the 20 secret bytes is set in the key buffer */
	CHECK(all_zero(a.secret + 20, TFA_SECRET_MAX - 20));
}

/*
 * Two steps can share a code.  Fixed vectors for the RFC 6238 SHA-1 key:
 * steps 57766335 and 57766336 have one code, and so do 57017782 and
 * 57017784.  With both in the window the newer step is taken, so that
 * the code does not pass twice; once only the older step was used (an
 * earlier login), the code still counts for the newer one; once both
 * were, it is a replay.
 */
static void
test_match_shared_code(void)
{
	static const int64_t pairs[][2] = { { 57766335, 57766336 },
	    { 57017782, 57017784 } };
	struct tfa_totp t;
	char a[TFA_TOTP_CODE_MAX + 1], b[TFA_TOTP_CODE_MAX + 1];
	int64_t step, now, first;
	size_t i;

	make_totp(&t, TFA_HASH_SHA1, 6);
	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		code_at(&t, pairs[i][0], a);
		code_at(&t, pairs[i][1], b);
		CHECK_STR(a, b);		/* the vector holds */
		now = pairs[i][1] * 30 + 5;
		/* both in the window: the newer one is taken, so the code
		 * cannot pass a second time for it */
		CHECK_EQ(tfa_totp_match(&t, now, 2, b, -1, &step), TFA_OK);
		CHECK_EQ(step, pairs[i][1]);
		first = step;
		step = -7;
		CHECK_EQ(tfa_totp_match(&t, now + 1, 2, b, first, &step),
		    TFA_ERR_REPLAY);
		CHECK_EQ(step, -7);
		/* the older step used before (an earlier login): the code
		 * still counts once, for the newer one */
		step = -7;
		CHECK_EQ(tfa_totp_match(&t, now, 2, b, pairs[i][0], &step),
		    TFA_OK);
		CHECK_EQ(step, pairs[i][1]);
		step = -7;
		CHECK_EQ(tfa_totp_match(&t, now, 2, b, pairs[i][1], &step),
		    TFA_ERR_REPLAY);
		CHECK_EQ(step, -7);
	}
	/* a code of no step after the last one used: a replay */
	code_at(&t, 1000, a);
	CHECK_EQ(tfa_totp_match(&t, 1000 * 30, 2, a, 1000, &step),
	    TFA_ERR_REPLAY);
	CHECK_EQ(tfa_totp_match(&t, 1000 * 30, 2, a, 999, &step), TFA_OK);
	CHECK_EQ(step, 1000);
}

int
main(void)
{
	test_rfc6238_vectors();
	test_code_args();
	test_base32();
	test_uri();
	test_match_window();
	test_match_refusals();
	test_match_shared_code();
	test_generate();
	return tfa_check_done();
}

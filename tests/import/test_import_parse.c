/*
 * Unit tests for the import parsers (common/import_*.c): files of each
 * format as pam_google_authenticator, pam_oath and pam_u2f write them, and
 * malformed ones.  Expected values come from fixed vectors (RFC 4648 and
 * hand-decoded secrets) or from OpenSSL, never from the code under test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "check.h"
#include "import.h"

/* base32 "JBSWY3DPEHPK3PXP" is these ten bytes (RFC 4648 alphabet) */
static const uint8_t hello[10] = { 'H', 'e', 'l', 'l', 'o', '!', 0xde,
	0xad, 0xbe, 0xef };

static struct tfa_import imp;

static tfa_err
ga(const char *text)
{
	tfa_import_free(&imp);
	return tfa_import_parse_ga(text, strlen(text), &imp);
}

static tfa_err
oath(const char *text)
{
	tfa_import_free(&imp);
	return tfa_import_parse_oath(text, strlen(text), &imp);
}

static tfa_err
u2f(const char *text, const char *appid)
{
	tfa_import_free(&imp);
	return tfa_import_parse_u2f(text, strlen(text), "pam://host", appid,
	    &imp);
}

static bool
why_has(const char *s)
{
	return imp.n_users > 0 && strstr(imp.users[0].why, s) != NULL;
}

static const struct tfa_import_user *
user_named(const char *name)
{
	size_t i;

	for (i = 0; i < imp.n_users; i++)
		if (strcmp(imp.users[i].user, name) == 0)
			return &imp.users[i];
	return NULL;
}

/* ---- google-authenticator ---- */

static void
test_ga_generated(void)
{
	const struct tfa_import_user *u;

	/* the shape of google-authenticator -t -d -f -r 3 -R 30 -w 3 */
	CHECK_EQ(ga("JBSWY3DPEHPK3PXP\n\" RATE_LIMIT 3 30 1700000000\n"
	    "\" WINDOW_SIZE 3\n\" DISALLOW_REUSE 56666666 56666667\n"
	    "\" TOTP_AUTH\n18510492\n33702901\n15297085\n"), TFA_OK);
	CHECK_EQ(imp.n_users, 1);
	CHECK_EQ(imp.n_problems, 0);
	u = &imp.users[0];
	CHECK(!u->refused);
	CHECK_STR(u->user, "");
	CHECK(u->totp.enabled);
	CHECK_EQ(u->totp.secret_len, 10);
	CHECK(memcmp(u->totp.secret, hello, 10) == 0);
	CHECK_EQ(u->totp.period, 30);
	CHECK_EQ(u->totp.digits, 6);
	CHECK_EQ(u->totp.algo, TFA_HASH_SHA1);
	CHECK_EQ(u->window, 3);
	CHECK_EQ(u->last_step, 56666667);
	CHECK_EQ(u->n_scratch, 3);
	CHECK_STR(u->scratch[0], "18510492");
	CHECK_STR(u->scratch[2], "15297085");
	CHECK(strstr(u->notes, "RATE_LIMIT (3 logins in 30 s)") != NULL);
	CHECK(strstr(u->notes, "DISALLOW_REUSE was off") == NULL);

	/* no DISALLOW_REUSE, 60 s steps, lower case, CRLF, blank lines */
	CHECK_EQ(ga("jbswy3dpehpk3pxp\r\n\" STEP_SIZE 60\r\n\r\n\" TOTP_AUTH"
	    "\r\n99999999\r\n"), TFA_OK);
	u = &imp.users[0];
	CHECK(!u->refused);
	CHECK(memcmp(u->totp.secret, hello, 10) == 0);
	CHECK_EQ(u->totp.period, 60);
	CHECK_EQ(u->window, 3);
	CHECK_EQ(u->last_step, 0);
	CHECK_EQ(u->n_scratch, 1);
	CHECK_STR(u->scratch[0], "99999999");
	CHECK(strstr(u->notes, "DISALLOW_REUSE was off") != NULL);

	/* TIME_SKEW is reported, RESETTING_TIME_SKEW is bookkeeping */
	CHECK_EQ(ga("JBSWY3DPEHPK3PXP\n\" TOTP_AUTH\n\" TIME_SKEW -3\n"
	    "\" RESETTING_TIME_SKEW 1+2 3+4\n\" WINDOW_SIZE 17\n"), TFA_OK);
	CHECK(!imp.users[0].refused);
	CHECK(strstr(imp.users[0].notes, "-3 steps off") != NULL);
	CHECK_EQ(imp.users[0].window, 17);
	CHECK_EQ(imp.users[0].n_scratch, 0);
}

static void
check_ga_refused(const char *text, const char *why)
{
	CHECK_EQ(ga(text), TFA_OK);
	CHECK_EQ(imp.n_users, 1);
	CHECK(imp.users[0].refused);
	if (!CHECK(why_has(why)))
		printf("# why: %s\n", imp.users[0].why);
	/* nothing of a refused file is kept */
	CHECK(!imp.users[0].totp.enabled);
	CHECK_EQ(imp.users[0].totp.secret_len, 0);
	CHECK_EQ(imp.users[0].n_scratch, 0);
}

static void
test_ga_refused(void)
{
	check_ga_refused("JBSWY3DPEHPK3PXP\n\" HOTP_COUNTER 1\n12345678\n",
	    "HOTP");
	check_ga_refused("JBSWY3DPEHPK3PXP\n\" WINDOW_SIZE 3\n", "TOTP_AUTH");
	check_ga_refused("JBSWY3DPEHPK3PXP\n\" TOTP_AUTH\n\" STEP_SIZE 10\n",
	    "STEP_SIZE 10");
	/* '1' and '0' are not base32, whatever pam_google_authenticator
	 * would have made of them */
	check_ga_refused("JBSWY3DPEHPK3PX1\n\" TOTP_AUTH\n", "not base32");
	check_ga_refused("JBSW Y3DP EHPK 3PXP\n\" TOTP_AUTH\n", "not base32");
	/* 1, 3 or 6 characters past a full group is no encoding */
	check_ga_refused("JBSWY3DPEHPK3PXPA\n\" TOTP_AUTH\n", "not base32");
	check_ga_refused("JBSWY3DP\n\" TOTP_AUTH\n", "shorter than 80 bits");
	check_ga_refused("\n\" TOTP_AUTH\n", "no secret");
	check_ga_refused("\" TOTP_AUTH\n", "no secret");
	check_ga_refused("JBSWY3DPEHPK3PXP\n\" TOTP_AUTH\n1234567\n",
	    "8-digit scratch code");
	check_ga_refused("JBSWY3DPEHPK3PXP\n\" TOTP_AUTH\n01234567\n",
	    "8-digit scratch code");
	check_ga_refused("JBSWY3DPEHPK3PXP\n\" TOTP_AUTH\n12345678 \n",
	    "8-digit scratch code");
	check_ga_refused("JBSWY3DPEHPK3PXP\n\" TOTP_AUTH\n12345678\n"
	    "87654321\n12345678\n", "appears twice");
	check_ga_refused("JBSWY3DPEHPK3PXP\n\" TOTP_AUTH\n10000001\n10000002\n"
	    "10000003\n10000004\n10000005\n10000006\n10000007\n10000008\n"
	    "10000009\n10000010\n10000011\n", "more than 10 scratch codes");
	check_ga_refused("JBSWY3DPEHPK3PXP\n\" TOTP_AUTH\n\" OTP_SOMETHING\n",
	    "does not know");
	check_ga_refused("JBSWY3DPEHPK3PXP\n\" TOTP_AUTH\n\" TOTP_AUTH\n",
	    "TOTP_AUTH appears twice");
	check_ga_refused("JBSWY3DPEHPK3PXP\n\" TOTP_AUTH\n\" DISALLOW_REUSE "
	    "12 x3\n", "not a time step");
	check_ga_refused("JBSWY3DPEHPK3PXP\n\" TOTP_AUTH\n\" WINDOW_SIZE 0\n",
	    "WINDOW_SIZE");
	check_ga_refused("JBSWY3DPEHPK3PXP\n\" TOTP_AUTH\n\" RATE_LIMIT x\n",
	    "RATE_LIMIT");
	check_ga_refused("JBSWY3DPEHPK3PXP\n\"TOTP_AUTH\n", "neither an option");
}

static void
test_ga_not_text(void)
{
	char *big;

	CHECK_EQ(tfa_import_parse_ga("", 0, &imp), TFA_ERR_INVAL);
	CHECK_EQ(imp.n_problems, 1);
	tfa_import_free(&imp);
	CHECK_EQ(tfa_import_parse_ga("JBSWY3DP\0EHPK3PXP\n", 18, &imp),
	    TFA_ERR_INVAL);
	CHECK(imp.n_problems == 1 && strstr(imp.problems[0].why, "NUL"));
	CHECK_EQ(imp.n_users, 0);
	tfa_import_free(&imp);
	big = malloc(TFA_IMPORT_GA_MAX + 2);
	memset(big, 'A', TFA_IMPORT_GA_MAX + 1);
	big[TFA_IMPORT_GA_MAX + 1] = '\0';
	CHECK_EQ(ga(big), TFA_ERR_INVAL);
	/* a long first line is just a secret that does not fit */
	big[60000] = '\0';
	CHECK_EQ(ga(big), TFA_OK);
	CHECK(why_has("not base32"));
	free(big);
}

/* ---- pam_oath usersfile ---- */

static void
test_oath(void)
{
	const struct tfa_import_user *u;

	CHECK_EQ(oath("# users.oath\n\n"
	    "HOTP/T30\talice\t-\t3132333435363738393031323334353637383930\n"
	    "HOTP/T60/8 bob + 3132333435363738393031323334353637383930 0 "
	    "12345678 2024-01-01T00:00:30L\r\n"
	    "  HOTP/T30/7 carol - 00112233445566778899AABBCCDDEEFF\n"), TFA_OK);
	CHECK_EQ(imp.n_users, 3);
	CHECK_EQ(imp.n_problems, 0);
	u = user_named("alice");
	CHECK(u != NULL && !u->refused && u->totp.enabled);
	CHECK(u && u->totp.period == 30 && u->totp.digits == 6 &&
	    u->totp.secret_len == 20 &&
	    memcmp(u->totp.secret, "12345678901234567890", 20) == 0);
	CHECK(u && u->line == 3 && u->last_time == 0 && u->last_otp[0] == 0);
	u = user_named("bob");
	CHECK(u != NULL && !u->refused);
	CHECK(u && u->totp.period == 60 && u->totp.digits == 8);
	CHECK(u && strcmp(u->last_otp, "12345678") == 0);
	/* TZ=UTC in main(): local time is UTC */
	CHECK(u && u->last_time == 1704067230);
	u = user_named("carol");
	CHECK(u && !u->refused && u->totp.digits == 7 &&
	    u->totp.secret_len == 16 && u->totp.secret[15] == 0xff);
}

static void
check_oath_refused(const char *line, const char *why)
{
	const struct tfa_import_user *u;

	CHECK_EQ(oath(line), TFA_OK);
	u = user_named("dave");
	if (!CHECK(u != NULL && u->refused && strstr(u->why, why) != NULL))
		printf("# why: %s\n", u ? u->why : "(no user)");
	CHECK(u == NULL || (!u->totp.enabled && u->totp.secret_len == 0));
}

static void
test_oath_refused(void)
{
	static const char key[] = "3132333435363738393031323334353637383930";
	static const char *no_day[] = { "2023-02-31", "2023-02-29",
	    "2024-04-31" };
	char line[512];
	size_t i;

	snprintf(line, sizeof(line), "HOTP dave - %s\n", key);
	check_oath_refused(line, "event-based");
	snprintf(line, sizeof(line), "HOTP/E/8 dave - %s 17\n", key);
	check_oath_refused(line, "event-based");
	snprintf(line, sizeof(line), "HOTP/T45 dave - %s\n", key);
	check_oath_refused(line, "token type");
	snprintf(line, sizeof(line), "HOTP/T30/9 dave - %s\n", key);
	check_oath_refused(line, "token type");
	snprintf(line, sizeof(line), "HOTP/T30 dave 1234 %s\n", key);
	check_oath_refused(line, "PIN");
	check_oath_refused("HOTP/T30 dave -\n", "expected 4 to 7 fields");
	snprintf(line, sizeof(line), "HOTP/T30 dave - %s 0 123456 "
	    "2024-01-01T00:00:00L extra\n", key);
	check_oath_refused(line, "expected 4 to 7 fields");
	check_oath_refused("HOTP/T30 dave - 31323g\n", "not hex");
	check_oath_refused("HOTP/T30 dave - 3132333\n", "not hex");
	check_oath_refused("HOTP/T30 dave - 31323334\n", "shorter than 80");
	snprintf(line, sizeof(line), "HOTP/T30 dave - %s x\n", key);
	check_oath_refused(line, "counter");
	snprintf(line, sizeof(line), "HOTP/T30 dave - %s 0 12345\n", key);
	check_oath_refused(line, "6-digit code");
	snprintf(line, sizeof(line), "HOTP/T30 dave - %s 0 123456 "
	    "2024-13-01T00:00:00L\n", key);
	check_oath_refused(line, "last login time");
	/* mktime would roll these over into the next month */
	for (i = 0; i < sizeof(no_day) / sizeof(no_day[0]); i++) {
		snprintf(line, sizeof(line), "HOTP/T30 dave - %s 0 123456 "
		    "%sT10:00:00L\n", key, no_day[i]);
		check_oath_refused(line, "last login time");
	}
	/* a leap day is a day */
	snprintf(line, sizeof(line), "HOTP/T30 dave - %s 0 123456 "
	    "2024-02-29T10:00:00L\n", key);
	CHECK_EQ(oath(line), TFA_OK);
	CHECK(user_named("dave") && !user_named("dave")->refused &&
	    user_named("dave")->last_time == 1709200800);
	snprintf(line, sizeof(line), "HOTP/T30 dave - %s 0 123456 "
	    "2024-01-01 00:00:00\n", key);
	check_oath_refused(line, "expected 4 to 7 fields");
	/* the second entry for dave is bad: dave is refused as a whole */
	snprintf(line, sizeof(line), "HOTP/T30 dave - %s\nHOTP/T30 erin - %s"
	    "\nHOTP dave - %s\n", key, key, key);
	check_oath_refused(line, "lines 1 and 3");
	CHECK(user_named("erin") != NULL && !user_named("erin")->refused);
}

static void
test_oath_problems(void)
{
	char *big;

	/* a line that names nobody could be anyone's: the file is suspect */
	CHECK_EQ(oath("HOTP/T30 alice - 3132333435363738393031323334353637383930"
	    "\n\x01\x02\xff\xfe\n"), TFA_OK);
	CHECK_EQ(imp.n_problems, 1);
	CHECK_EQ(imp.problems[0].line, 2);
	CHECK_EQ(oath("HOTP/T30 ../x - 00\nHOTP/T30 .x - 00\n"), TFA_OK);
	CHECK_EQ(imp.n_problems, 2);
	CHECK_EQ(imp.n_users, 0);
	big = malloc(TFA_IMPORT_LINE_MAX + 64);
	snprintf(big, 64, "HOTP/T30 bob - ");
	memset(big + strlen(big), '3', TFA_IMPORT_LINE_MAX);
	big[TFA_IMPORT_LINE_MAX + 20] = '\0';
	CHECK_EQ(oath(big), TFA_OK);
	CHECK(imp.n_problems == 1 && strstr(imp.problems[0].why, "longer"));
	free(big);
	CHECK_EQ(tfa_import_parse_oath("HOTP/T30 a - 00\0", 16, &imp),
	    TFA_ERR_INVAL);
}

/* The step of a code pam_oath took is found and stays used. */
static void
test_oath_last_step(void)
{
	struct tfa_import_user *u;
	char text[512], code[16];
	int64_t at = 1704067230, s = at / 30;
	struct tfa_totp t;

	/* the same secret as alice above, RFC 6238's SHA1 key */
	memset(&t, 0, sizeof(t));
	memcpy(t.secret, "12345678901234567890", 20);
	t.secret_len = 20;
	t.digits = 6;
	t.period = 30;
	t.enabled = true;
	/* the phone ran 3 steps ahead when pam_oath took the code */
	tfa_totp_code(&t, s + 3, code, sizeof(code));
	snprintf(text, sizeof(text), "HOTP/T30 alice - 3132333435363738393031"
	    "323334353637383930 0 %s 2024-01-01T00:00:30L\n", code);
	CHECK_EQ(oath(text), TFA_OK);
	u = &imp.users[0];
	CHECK_EQ(tfa_import_resolve_step(u, at + 86400), TFA_OK);
	CHECK_EQ(u->last_step, s + 3);
	/* no code: the time alone */
	CHECK_EQ(oath("HOTP/T30 alice - 31323334353637383930313233343536373839"
	    "30 0\n"), TFA_OK);
	CHECK_EQ(tfa_import_resolve_step(&imp.users[0], at), TFA_OK);
	CHECK_EQ(imp.users[0].last_step, 0);
	/* a code but no time: still found around now */
	snprintf(text, sizeof(text), "HOTP/T30 alice - 3132333435363738393031"
	    "323334353637383930 0 %s\n", code);
	CHECK_EQ(oath(text), TFA_OK);
	CHECK_EQ(tfa_import_resolve_step(&imp.users[0], at + 60), TFA_OK);
	CHECK_EQ(imp.users[0].last_step, s + 3);
}

/* ---- pam_u2f authfile ---- */

static char pk_b64[128], pk_hex[160], kh_b64[128], kh_web[128];
static uint8_t pk_raw[64];

static void
b64(const uint8_t *in, size_t n, char *out, bool websafe)
{
	static const char std[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;

	for (i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ?
		    (uint32_t)in[i + 1] << 8 : 0) | (i + 2 < n ? in[i + 2] : 0);
		int k, chars = i + 2 < n ? 4 : i + 1 < n ? 3 : 2;

		for (k = 0; k < 4; k++) {
			char c = std[(v >> (18 - 6 * k)) & 63];

			if (k >= chars)
				c = '=';
			else if (websafe && c == '+')
				c = '-';
			else if (websafe && c == '/')
				c = '_';
			if (!(websafe && c == '='))
				out[o++] = c;
		}
	}
	out[o] = '\0';
}

/* A real P-256 key pair from OpenSSL; the files carry its public half. */
static void
make_keys(void)
{
	EVP_PKEY *pkey = EVP_EC_gen("P-256");
	uint8_t pt[65], kh[64];
	size_t i, n = 0;

	if (pkey == NULL || EVP_PKEY_get_octet_string_param(pkey,
	    OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pt, sizeof(pt), &n) != 1 ||
	    n != 65 || pt[0] != 0x04)
		abort();
	EVP_PKEY_free(pkey);
	memcpy(pk_raw, pt + 1, 64);
	b64(pk_raw, 64, pk_b64, false);
	for (i = 0; i < 65; i++)
		snprintf(pk_hex + 2 * i, 3, "%02x", pt[i]);
	for (i = 0; i < sizeof(kh); i++)
		kh[i] = (uint8_t)(0xf8 + i * 7);	/* '+' and '/' in base64 */
	b64(kh, sizeof(kh), kh_b64, false);
	b64(kh, sizeof(kh), kh_web, true);
}

static void
test_u2f_new(void)
{
	const struct tfa_import_user *u;
	uint8_t ed[32];
	char text[4096], ed_b64[64];

	memset(ed, 0x42, sizeof(ed));
	b64(ed, sizeof(ed), ed_b64, false);
	snprintf(text, sizeof(text), "alice:%s,%s,es256,+presence\n"
	    "bob:%s,%s,es256,+verification:%sAA==,%s,es256,+presence+pin\n"
	    "carol:%s,%s,eddsa,\n"
	    "dave:%s,%s,es256\n", kh_b64, pk_b64, kh_b64, pk_b64,
	    "AAAAAAAAAAAAAAAAAAAA", pk_b64, kh_b64, ed_b64, kh_b64, pk_b64);
	CHECK_EQ(u2f(text, NULL), TFA_OK);
	CHECK_EQ(imp.n_users, 4);
	CHECK_EQ(imp.n_problems, 0);
	u = user_named("alice");
	CHECK(u && !u->refused && u->n_keys == 1);
	CHECK(u && u->keys[0].cose_type == -7 && u->keys[0].pubkey_len == 64 &&
	    memcmp(u->keys[0].pubkey, pk_raw, 64) == 0);
	CHECK(u && u->keys[0].cred_id_len == 64 && u->keys[0].cred_id[0] ==
	    0xf8 && u->keys[0].cred_id[63] == (uint8_t)(0xf8 + 63 * 7));
	CHECK(u && strcmp(u->keys[0].rp, "pam://host") == 0);
	CHECK(u && !u->keys[0].uv && !u->keys[0].pin && !u->key_presence_added);
	CHECK(u && strcmp(u->keys[0].name, "pam_u2f 1") == 0);
	u = user_named("bob");
	CHECK(u && !u->refused && u->n_keys == 2);
	CHECK(u && u->keys[0].uv && !u->keys[0].pin);
	CHECK(u && u->keys[1].uv && u->keys[1].pin && u->keys[1].cred_id_len ==
	    16 && strcmp(u->keys[1].name, "pam_u2f 2") == 0);
	u = user_named("carol");
	CHECK(u && !u->refused && u->keys[0].cose_type == -8 &&
	    u->keys[0].pubkey_len == 32 && u->keys[0].pubkey[31] == 0x42);
	CHECK(u && u->key_presence_added && strstr(u->notes, "touch"));
	u = user_named("dave");		/* no OPTIONS: pam_u2f's +presence */
	CHECK(u && !u->refused && u->n_keys == 1 && !u->key_presence_added);
}

static void
test_u2f_old(void)
{
	const struct tfa_import_user *u;
	char text[4096];

	snprintf(text, sizeof(text), "alice:%s,%s\nbob:%s,%s:%s,%s\n", kh_web,
	    pk_hex, kh_web, pk_hex, "AAAAAAAAAAAAAAAAAAAAAA", pk_hex);
	CHECK_EQ(u2f(text, "pam://oldname"), TFA_OK);
	u = user_named("alice");
	CHECK(u && !u->refused && u->n_keys == 1);
	CHECK(u && strcmp(u->keys[0].rp, "pam://oldname") == 0);
	CHECK(u && u->keys[0].cose_type == -7 && u->keys[0].pubkey_len == 64 &&
	    memcmp(u->keys[0].pubkey, pk_raw, 64) == 0);
	CHECK(u && u->keys[0].cred_id_len == 64 &&
	    u->keys[0].cred_id[0] == 0xf8);
	u = user_named("bob");
	CHECK(u && !u->refused && u->n_keys == 2);
	/* without an appid, pam_u2f used its origin for U2F keys too */
	CHECK_EQ(u2f(text, NULL), TFA_OK);
	CHECK(strcmp(imp.users[0].keys[0].rp, "pam://host") == 0);
}

static void
check_u2f_refused(const char *line, const char *why)
{
	const struct tfa_import_user *u;

	CHECK_EQ(u2f(line, NULL), TFA_OK);
	u = user_named("erin");
	if (!CHECK(u != NULL && u->refused && strstr(u->why, why) != NULL))
		printf("# why: %s\n", u ? u->why : "(no user)");
	/* nothing of a refused user is kept */
	CHECK(u == NULL || (u->n_keys == 0 && u->keys == NULL));
}

static void
test_u2f_refused(void)
{
	char text[4096], bad_hex[160];

	snprintf(text, sizeof(text), "erin:%s,%s,rs256,+presence\n", kh_b64,
	    pk_b64);
	check_u2f_refused(text, "RS256");
	snprintf(text, sizeof(text), "erin:*,%s,es256,+presence\n", pk_b64);
	check_u2f_refused(text, "resident");
	snprintf(text, sizeof(text), "erin:%s,%s,es256,+touch\n", kh_b64,
	    pk_b64);
	check_u2f_refused(text, "unknown options");
	snprintf(text, sizeof(text), "erin:%s,%s,es256,+pin+pin\n", kh_b64,
	    pk_b64);
	check_u2f_refused(text, "unknown options");
	snprintf(text, sizeof(text), "erin:%s,%s,es255,+presence\n", kh_b64,
	    pk_b64);
	check_u2f_refused(text, "unknown key type");
	snprintf(text, sizeof(text), "erin:%s!,%s,es256,\n", kh_b64, pk_b64);
	check_u2f_refused(text, "not base64");
	snprintf(text, sizeof(text), "erin:%s,%s,eddsa,\n", kh_b64, pk_b64);
	check_u2f_refused(text, "not an Ed25519 key");
	/* a point that is not on the curve */
	snprintf(text, sizeof(text), "erin:%s,%s,es256,\n", kh_b64,
	    "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB"
	    "AQEBAQEBAQEBAQEBAQEBAQ==");
	check_u2f_refused(text, "not a P-256 point");
	/* old format: handle not websafe, key not hex, key off the curve */
	snprintf(text, sizeof(text), "erin:%s,%s\n", kh_b64, pk_hex);
	check_u2f_refused(text, "not websafe base64");
	snprintf(text, sizeof(text), "erin:%s,%sx\n", kh_web, pk_hex);
	check_u2f_refused(text, "not hex");
	snprintf(bad_hex, sizeof(bad_hex), "%s", pk_hex);
	bad_hex[129] = bad_hex[129] == '0' ? '1' : '0';
	snprintf(text, sizeof(text), "erin:%s,%s\n", kh_web, bad_hex);
	check_u2f_refused(text, "old-format public key that is not a P-256");
	snprintf(text, sizeof(text), "erin:%s,%s,es256,,x\n", kh_b64, pk_b64);
	check_u2f_refused(text, "neither");
	check_u2f_refused("erin:\n", "no credentials");
	/* the second credential is bad: no key of erin is imported */
	snprintf(text, sizeof(text), "erin:%s,%s,es256,+presence:%s,%s,rs256,"
	    "+presence\n", kh_b64, pk_b64, kh_b64, pk_b64);
	check_u2f_refused(text, "credential 2");
	snprintf(text, sizeof(text), "erin:%s,%s,es256,:%s,%s,es256,\n", kh_b64,
	    pk_b64, kh_b64, pk_b64);
	check_u2f_refused(text, "same key handle");
	/* two lines for erin: pam_u2f would take the last one */
	snprintf(text, sizeof(text), "erin:%s,%s,es256,\nfrank:%s,%s,es256,\n"
	    "erin:%s,%s,es256,\n", kh_b64, pk_b64, kh_b64, pk_b64, kh_b64,
	    pk_b64);
	check_u2f_refused(text, "lines 1 and 3");
	CHECK(user_named("frank") && !user_named("frank")->refused);
}

/* "NAME:" and n credentials with distinct handles. */
static char *
u2f_many(const char *name, size_t n)
{
	char *text = malloc(64 + n * 256), kh[32];
	uint8_t h[16];
	size_t i, o;

	o = (size_t)sprintf(text, "%s", name);
	for (i = 0; i < n; i++) {
		memset(h, (int)i, sizeof(h));
		b64(h, sizeof(h), kh, false);
		o += (size_t)sprintf(text + o, ":%s,%s,es256,", kh, pk_b64);
	}
	sprintf(text + o, "\n");
	return text;
}

/* Never more keys than MaxKeys: the caller's, else its largest (20). */
static void
test_u2f_max_keys(void)
{
	const struct tfa_import_user *u;
	char *text;

	text = u2f_many("erin", 21);
	check_u2f_refused(text, "line 1: 21 credentials, more than MaxKeys "
	    "(20) allows");
	free(text);
	text = u2f_many("erin", 20);
	CHECK_EQ(u2f(text, NULL), TFA_OK);
	u = user_named("erin");
	CHECK(u != NULL && !u->refused && u->n_keys == 20);
	free(text);
	text = u2f_many("erin", 4);
	tfa_import_free(&imp);
	imp.max_keys = 3;
	CHECK_EQ(tfa_import_parse_u2f(text, strlen(text), "pam://host", NULL,
	    &imp), TFA_OK);
	u = user_named("erin");
	if (!CHECK(u != NULL && u->refused && strstr(u->why, "4 credentials, "
	    "more than MaxKeys (3)") != NULL && u->n_keys == 0))
		printf("# why: %s\n", u ? u->why : "(no user)");
	free(text);
	text = u2f_many("erin", 3);
	tfa_import_free(&imp);
	imp.max_keys = 3;
	CHECK_EQ(tfa_import_parse_u2f(text, strlen(text), "pam://host", NULL,
	    &imp), TFA_OK);
	u = user_named("erin");
	CHECK(u != NULL && !u->refused && u->n_keys == 3);
	free(text);
}

static void
test_u2f_problems(void)
{
	char text[4096];

	snprintf(text, sizeof(text), "alice:%s,%s,es256,\r\n"
	    "no colon here\n\n# a comment\n", kh_b64, pk_b64);
	CHECK_EQ(u2f(text, NULL), TFA_OK);
	CHECK_EQ(imp.n_problems, 1);
	CHECK_EQ(imp.problems[0].line, 2);
	CHECK(user_named("alice") && !user_named("alice")->refused);
	CHECK_EQ(u2f("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END "
	    "OPENSSH PRIVATE KEY-----\n", NULL), TFA_ERR_INVAL);
	CHECK(imp.n_problems == 1 && strstr(imp.problems[0].why, "SSH"));
	CHECK_EQ(u2f("a/b:x,y\n", NULL), TFA_OK);
	CHECK_EQ(imp.n_problems, 1);
	/* pam_u2f never matched " alice" to alice: whose line is it? */
	snprintf(text, sizeof(text), " alice:%s,%s,es256,\nbob\t:%s,%s,"
	    "es256,\n\tcarol :%s,%s,es256,\n", kh_b64, pk_b64, kh_b64, pk_b64,
	    kh_b64, pk_b64);
	CHECK_EQ(u2f(text, NULL), TFA_OK);
	CHECK_EQ(imp.n_problems, 3);
	CHECK_EQ(imp.n_users, 0);
	CHECK(imp.n_problems > 2 && imp.problems[2].line == 3 &&
	    strstr(imp.problems[2].why, "spaces or tabs around the user name"));
	CHECK_EQ(tfa_import_parse_u2f("alice:x", 7, "", NULL, &imp),
	    TFA_ERR_INVAL);
}

/* Bytes no editor would write, in every parser: refusals, never a crash. */
static void
test_junk(void)
{
	char junk[4096];
	unsigned seed = 12345;
	size_t i;
	int round;

	for (round = 0; round < 200; round++) {
		for (i = 0; i + 1 < sizeof(junk); i++) {
			seed = seed * 1103515245 + 12345;
			junk[i] = (char)((seed >> 16) % 255 + 1);
			if (round % 2 && (seed >> 8) % 7 == 0)
				junk[i] = "\n:,\" +-*"[(seed >> 4) % 8];
		}
		junk[sizeof(junk) - 1] = '\0';
		tfa_import_free(&imp);
		if (tfa_import_parse_ga(junk, strlen(junk), &imp) != TFA_OK ||
		    imp.n_users != 1 || !imp.users[0].refused)
			break;
		tfa_import_free(&imp);
		if (tfa_import_parse_oath(junk, strlen(junk), &imp) != TFA_OK)
			break;
		tfa_import_free(&imp);
		if (tfa_import_parse_u2f(junk, strlen(junk), "pam://h", "x",
		    &imp) != TFA_OK)
			break;
	}
	CHECK_EQ(round, 200);
}

static void
test_formats(void)
{
	enum tfa_import_format f;

	CHECK_EQ(tfa_import_format_parse("google-authenticator", &f), TFA_OK);
	CHECK_EQ(f, TFA_IMPORT_GA);
	CHECK_EQ(tfa_import_format_parse("oath-users", &f), TFA_OK);
	CHECK_EQ(f, TFA_IMPORT_OATH);
	CHECK_EQ(tfa_import_format_parse("pam-u2f", &f), TFA_OK);
	CHECK_EQ(f, TFA_IMPORT_U2F);
	CHECK_EQ(tfa_import_format_parse("oath", &f), TFA_ERR_INVAL);
	CHECK_STR(tfa_import_format_name(TFA_IMPORT_U2F), "pam-u2f");
}

int
main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	tfa_import_init(&imp);
	make_keys();
	test_ga_generated();
	test_ga_refused();
	test_ga_not_text();
	test_oath();
	test_oath_refused();
	test_oath_problems();
	test_oath_last_step();
	test_u2f_new();
	test_u2f_old();
	test_u2f_refused();
	test_u2f_max_keys();
	test_u2f_problems();
	test_junk();
	test_formats();
	tfa_import_free(&imp);
	return tfa_check_done();
}

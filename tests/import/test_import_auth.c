/*
 * Imported factors in a record: tfa_import_apply (all or nothing, no
 * silent overwrite, replay state kept) and the check of imported 8-digit
 * scratch codes in common/auth.c.  This program defines
 * PKCS5_PBKDF2_HMAC, so it counts every backup-code derivation the library
 * makes: a wrong 6-digit guess must make none.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "auth.h"
#include "check.h"
#include "import.h"
#include "record.h"

static unsigned derivations;

int
PKCS5_PBKDF2_HMAC(const char *pass, int passlen, const unsigned char *salt,
    int saltlen, int iter, const EVP_MD *digest, int keylen,
    unsigned char *out)
{
	static int (*real)(const char *, int, const unsigned char *, int, int,
	    const EVP_MD *, int, unsigned char *);

	if (real == NULL && (real = (int (*)(const char *, int,
	    const unsigned char *, int, int, const EVP_MD *, int,
	    unsigned char *))dlsym(RTLD_NEXT, "PKCS5_PBKDF2_HMAC")) == NULL)
		abort();
	derivations++;
	return real(pass, passlen, salt, saltlen, iter, digest, keylen, out);
}

#define NOW	1700000000

static struct tfa_config cfg;
static struct tfa_import imp;

static struct tfa_import_user *
ga_user(const char *text)
{
	tfa_import_free(&imp);
	if (tfa_import_parse_ga(text, strlen(text), &imp) != TFA_OK ||
	    imp.n_users != 1 || imp.users[0].refused)
		abort();
	return &imp.users[0];
}

static const char ga_file[] = "JBSWY3DPEHPK3PXP\n\" DISALLOW_REUSE 56666665\n"
    "\" TOTP_AUTH\n18510492\n33702901\n15297085\n";

static void
test_apply_fresh(void)
{
	struct tfa_import_user *u = ga_user(ga_file);
	struct tfa_record rec;
	unsigned replaced = 99;
	const char *why = "x";

	tfa_record_init(&rec);
	CHECK_EQ(tfa_import_apply(u, &rec, false, NOW, &replaced, &why),
	    TFA_OK);
	CHECK_EQ(replaced, 0);
	CHECK(why == NULL);
	CHECK(rec.totp.enabled);
	CHECK_EQ(rec.totp.created, NOW);
	CHECK_EQ(rec.totp.secret_len, 10);
	CHECK(memcmp(rec.totp.secret, "Hello!", 6) == 0);
	CHECK_EQ(rec.last_step, 56666665);
	CHECK(rec.backup.enabled && rec.backup.numeric);
	CHECK_EQ(tfa_backup_left(&rec.backup), 3);
	CHECK_EQ(rec.backup.created, NOW);
	CHECK_EQ(rec.backup.iterations, TFA_BACKUP_ITER);
	/* the codes are kept only as hashes */
	CHECK(memmem(rec.backup.hash, sizeof(rec.backup.hash), "18510492",
	    8) == NULL);
	tfa_record_wipe(&rec);
}

static void
test_apply_conflicts(void)
{
	struct tfa_import_user *u = ga_user(ga_file);
	struct tfa_record rec;
	char codes[TFA_BACKUP_COUNT][TFA_BACKUP_SHOWN];
	unsigned replaced;
	const char *why;

	/* an app already there: refused, and rec is not touched */
	tfa_record_init(&rec);
	rec.totp.enabled = true;
	rec.totp.period = 30;
	rec.totp.digits = 6;
	rec.totp.secret_len = 20;
	rec.last_step = 56666670;
	CHECK_EQ(tfa_import_apply(u, &rec, false, NOW, &replaced, &why),
	    TFA_ERR_EXISTS);
	CHECK(why != NULL && strstr(why, "authenticator app") != NULL);
	CHECK_EQ(rec.totp.secret_len, 20);
	CHECK(!rec.backup.enabled);
	/* --replace: the app goes, the newer used step stays */
	CHECK_EQ(tfa_import_apply(u, &rec, true, NOW, &replaced, &why),
	    TFA_OK);
	CHECK_EQ(replaced, TFA_IMPORT_REPLACED_TOTP);
	CHECK_EQ(rec.totp.secret_len, 10);
	CHECK_EQ(rec.last_step, 56666670);
	tfa_record_wipe(&rec);

	/* unused backup codes are not voided without --replace */
	tfa_record_init(&rec);
	CHECK_EQ(tfa_backup_generate(&rec.backup, codes, NOW), TFA_OK);
	CHECK_EQ(tfa_import_apply(u, &rec, false, NOW, &replaced, &why),
	    TFA_ERR_EXISTS);
	CHECK(why != NULL && strstr(why, "backup codes") != NULL);
	CHECK(!rec.backup.numeric);
	CHECK_EQ(tfa_import_apply(u, &rec, true, NOW, &replaced, &why),
	    TFA_OK);
	CHECK_EQ(replaced, TFA_IMPORT_REPLACED_BACKUP);
	CHECK(rec.backup.numeric);
	tfa_record_wipe(&rec);

	/* a used step in the future: a wrong clock, not a record to keep */
	u = ga_user("JBSWY3DPEHPK3PXP\n\" DISALLOW_REUSE 56666680\n"
	    "\" TOTP_AUTH\n");
	tfa_record_init(&rec);
	CHECK_EQ(tfa_import_apply(u, &rec, false, NOW, &replaced, &why),
	    TFA_ERR_INVAL);
	CHECK(why != NULL && strstr(why, "future") != NULL);
	tfa_record_wipe(&rec);
}

/* Steps of a 30 s app, said in a 60 s app's steps, rounding up. */
static void
test_apply_period(void)
{
	struct tfa_import_user *u = ga_user("JBSWY3DPEHPK3PXP\n\" STEP_SIZE 60\n"
	    "\" TOTP_AUTH\n");
	struct tfa_record rec;
	unsigned replaced;
	const char *why;

	tfa_record_init(&rec);
	rec.last_step = 56666600;	/* app removed: the default 30 s */
	CHECK_EQ(tfa_import_apply(u, &rec, false, NOW, &replaced, &why),
	    TFA_OK);
	CHECK_EQ(rec.last_step, (56666601LL * 30 - 1) / 60);
	CHECK_EQ(rec.totp.period, 60);
	tfa_record_wipe(&rec);
}

static void
test_apply_keys(void)
{
	struct tfa_import_user u;
	struct tfa_key keys[2], *old;
	struct tfa_record rec;
	unsigned replaced;
	const char *why;

	memset(&u, 0, sizeof(u));
	memset(keys, 0, sizeof(keys));
	keys[0].cose_type = -7;
	keys[0].cred_id_len = 1;
	keys[0].cred_id[0] = 0xaa;
	keys[0].pubkey_len = 64;
	strcpy(keys[0].rp, "pam://host");
	strcpy(keys[0].name, "pam_u2f 1");
	keys[1] = keys[0];
	keys[1].cred_id[0] = 0xbb;
	keys[1].uv = true;
	u.keys = keys;
	u.n_keys = 2;
	tfa_record_init(&rec);
	rec.last_id = 7;
	CHECK_EQ(tfa_import_apply(&u, &rec, false, NOW, &replaced, &why),
	    TFA_OK);
	CHECK_EQ(rec.n_keys, 2);
	CHECK(rec.n_keys == 2 && rec.keys[0].id == 8 && rec.keys[1].id == 9);
	CHECK(rec.n_keys == 2 && rec.keys[1].uv && rec.keys[1].created == NOW);
	CHECK(!rec.totp.enabled && !rec.backup.enabled);
	/* keys there already: kept unless --replace */
	keys[0].cred_id[0] = 0xcc;
	u.n_keys = 1;
	CHECK_EQ(tfa_import_apply(&u, &rec, false, NOW, &replaced, &why),
	    TFA_ERR_EXISTS);
	CHECK_EQ(rec.n_keys, 2);
	CHECK_EQ(tfa_import_apply(&u, &rec, true, NOW, &replaced, &why),
	    TFA_OK);
	CHECK_EQ(replaced, TFA_IMPORT_REPLACED_KEYS);
	old = rec.n_keys == 1 ? tfa_record_key_at(&rec, 0) : NULL;
	CHECK(old != NULL && old->cred_id[0] == 0xcc && old->id == 10);
	tfa_record_wipe(&rec);
}

/* ---- imported scratch codes at the prompt ---- */

static void
make_record(struct tfa_record *rec, const char *file)
{
	struct tfa_import_user *u = ga_user(file);
	unsigned replaced;
	const char *why;

	tfa_record_init(rec);
	if (tfa_import_apply(u, rec, false, NOW, &replaced, &why) != TFA_OK)
		abort();
}

static tfa_err
try(struct tfa_record *rec, const char *input, struct tfa_verdict *v)
{
	return tfa_auth_check(&cfg, rec, input, NOW, v);
}

/* A code of the right length that no step near NOW has. */
static void
wrong_code(const struct tfa_totp *t, char *out, unsigned len)
{
	char c[16];
	unsigned n;
	int64_t s;

	for (n = 1;; n++) {
		snprintf(out, 16, "%0*u", (int)len, n);
		for (s = NOW / 30 - 12; s <= NOW / 30 + 12; s++) {
			tfa_totp_code(t, s, c, sizeof(c));
			if (strcmp(c, out) == 0)
				break;
		}
		if (s > NOW / 30 + 12)
			return;
	}
}

static void
test_numeric_codes(void)
{
	struct tfa_record rec;
	struct tfa_verdict v;
	char code[16], wrong[16];
	unsigned before;

	make_record(&rec, ga_file);
	/* the app's code: no derivation */
	tfa_totp_code(&rec.totp, NOW / 30, code, sizeof(code));
	before = derivations;
	CHECK_EQ(try(&rec, code, &v), TFA_OK);
	CHECK_EQ(v.method, TFA_METHOD_TOTP);
	CHECK_EQ(derivations, before);
	/* a wrong 6-digit guess: no derivation either */
	wrong_code(&rec.totp, wrong, 6);
	CHECK_EQ(try(&rec, wrong, &v), TFA_ERR_BADCODE);
	CHECK_EQ(derivations, before);
	CHECK_EQ(rec.failures, 1);
	/* 7 digits: neither an app code nor a scratch code */
	CHECK_EQ(try(&rec, "1234567", &v), TFA_ERR_BADCODE);
	CHECK_EQ(derivations, before);
	/* a scratch code: once, as a backup code, spaces and dashes allowed */
	CHECK_EQ(try(&rec, "1851-0492", &v), TFA_OK);
	CHECK_EQ(v.method, TFA_METHOD_BACKUP);
	CHECK_EQ(v.backup_left, 2);
	CHECK_EQ(derivations, before + 1);
	CHECK_EQ(rec.failures, 0);
	CHECK_EQ(rec.last_method, TFA_METHOD_BACKUP);
	CHECK_EQ(try(&rec, "18510492", &v), TFA_ERR_BADCODE);
	CHECK_EQ(v.backup_left, 2);
	CHECK_EQ(try(&rec, "87654321", &v), TFA_ERR_BADCODE);
	CHECK_EQ(derivations, before + 3);
	CHECK_EQ(rec.failures, 2);
	/* a 10-character code cannot be in a numeric set: no derivation */
	CHECK_EQ(try(&rec, "abcde-fghjk", &v), TFA_ERR_BADCODE);
	CHECK_EQ(derivations, before + 3);
	/* backup codes turned off: the scratch code is just wrong */
	cfg.allow_backup = false;
	CHECK_EQ(try(&rec, "33702901", &v), TFA_ERR_BADCODE);
	CHECK_EQ(derivations, before + 3);
	cfg.allow_backup = true;
	CHECK_EQ(try(&rec, "33702901", &v), TFA_OK);
	CHECK_EQ(v.method, TFA_METHOD_BACKUP);
	CHECK_EQ(v.backup_left, 1);
	tfa_record_wipe(&rec);
}

/* Generated (letter) codes: 8 digits never reach the backup set. */
static void
test_letter_codes(void)
{
	char codes[TFA_BACKUP_COUNT][TFA_BACKUP_SHOWN];
	struct tfa_record rec;
	struct tfa_verdict v;
	unsigned before;

	make_record(&rec, "JBSWY3DPEHPK3PXP\n\" TOTP_AUTH\n");
	CHECK(!rec.backup.enabled);
	CHECK_EQ(tfa_backup_generate(&rec.backup, codes, NOW), TFA_OK);
	before = derivations;
	CHECK_EQ(try(&rec, "18510492", &v), TFA_ERR_BADCODE);
	CHECK_EQ(derivations, before);
	CHECK_EQ(try(&rec, codes[4], &v), TFA_OK);
	CHECK_EQ(v.method, TFA_METHOD_BACKUP);
	CHECK_EQ(derivations, before + 1);
	tfa_record_wipe(&rec);
}

/* An 8-digit app and 8-digit scratch codes: the app first, then the set. */
static void
test_eight_digit_app(void)
{
	struct tfa_record rec;
	struct tfa_verdict v;
	char code[16];
	unsigned before;

	make_record(&rec, ga_file);
	rec.totp.digits = 8;
	tfa_totp_code(&rec.totp, NOW / 30 + 1, code, sizeof(code));
	before = derivations;
	CHECK_EQ(try(&rec, code, &v), TFA_OK);
	CHECK_EQ(v.method, TFA_METHOD_TOTP);
	CHECK_EQ(derivations, before);
	/* the same code again is a replay, not a backup-code try */
	CHECK_EQ(try(&rec, code, &v), TFA_ERR_REPLAY);
	CHECK_EQ(derivations, before);
	CHECK_EQ(try(&rec, "15297085", &v), TFA_OK);
	CHECK_EQ(v.method, TFA_METHOD_BACKUP);
	CHECK_EQ(derivations, before + 1);
	tfa_record_wipe(&rec);
}

static tfa_err
collect(void *arg, const char *key, const char *val)
{
	struct tfa_record *out = arg;

	return tfa_record_decode(out, key, strlen(key), val, strlen(val));
}

/* The numeric flag survives the store's codec. */
static void
test_codec(void)
{
	struct tfa_record rec, back;

	make_record(&rec, ga_file);
	tfa_record_init(&back);
	CHECK_EQ(tfa_record_encode(&rec, collect, &back), TFA_OK);
	CHECK_EQ(tfa_record_finish(&back), TFA_OK);
	CHECK(back.backup.enabled && back.backup.numeric);
	CHECK_EQ(tfa_backup_left(&back.backup), 3);
	CHECK(memcmp(back.backup.hash, rec.backup.hash,
	    sizeof(rec.backup.hash)) == 0);
	CHECK_EQ(back.last_step, 56666665);
	tfa_record_wipe(&back);
	rec.backup.numeric = false;
	tfa_record_init(&back);
	CHECK_EQ(tfa_record_encode(&rec, collect, &back), TFA_OK);
	CHECK(back.backup.enabled && !back.backup.numeric);
	tfa_record_wipe(&back);
	tfa_record_wipe(&rec);
}

static void
test_set_numeric(void)
{
	static const char bad[2][TFA_BACKUP_DIGITS + 1] = { "12345678",
		"1234567a" };
	struct tfa_backup b;

	memset(&b, 0x55, sizeof(b));
	CHECK_EQ(tfa_backup_set_numeric(&b, bad, 2, NOW), TFA_ERR_INVAL);
	CHECK(!b.enabled && b.unused == 0);
	CHECK_EQ(tfa_backup_set_numeric(&b, bad, 0, NOW), TFA_ERR_INVAL);
	CHECK_EQ(tfa_backup_set_numeric(&b, bad, 1, NOW), TFA_OK);
	CHECK(b.enabled && b.numeric && b.unused == 1);
	CHECK_EQ(tfa_backup_consume(&b, "12345678"), TFA_OK);
	CHECK_EQ(tfa_backup_left(&b), 0);
}

int
main(void)
{
	tfa_config_init(&cfg);
	tfa_import_init(&imp);
	test_apply_fresh();
	test_apply_conflicts();
	test_apply_period();
	test_apply_keys();
	test_numeric_codes();
	test_letter_codes();
	test_eight_digit_app();
	test_codec();
	test_set_numeric();
	tfa_import_free(&imp);
	return tfa_check_done();
}

/*
 * tfa_import_parse_ga (common/import_ga.c): a ~/.google_authenticator file.
 * Properties: one entry, never a user name; a refused entry keeps no
 * secret and no scratch code; an accepted one is a 6-digit SHA1 app with a
 * step pam_tfa takes, a secret of 10..64 bytes, and at most ten 8-digit
 * scratch codes that were in the file; applying it (without scratch codes,
 * whose hashing is too slow to fuzz) to a fresh record gives that app.
 */
#include <string.h>

#include "fuzz.h"
#include "import.h"

static void
check_user(const struct tfa_import_user *u, const uint8_t *data, size_t size)
{
	unsigned i;

	FUZZ_ASSERT(u->user[0] == '\0');
	FUZZ_ASSERT(memchr(u->why, '\0', sizeof(u->why)) != NULL);
	FUZZ_ASSERT(memchr(u->notes, '\0', sizeof(u->notes)) != NULL);
	if (u->refused) {
		FUZZ_ASSERT(u->why[0] != '\0');
		FUZZ_ASSERT(!u->totp.enabled && u->totp.secret_len == 0);
		FUZZ_ASSERT(u->n_scratch == 0);
		return;
	}
	FUZZ_ASSERT(u->totp.enabled && u->totp.digits == 6);
	FUZZ_ASSERT(u->totp.algo == TFA_HASH_SHA1);
	FUZZ_ASSERT(u->totp.period >= 15 && u->totp.period <= 120);
	FUZZ_ASSERT(u->totp.secret_len >= 10 &&
	    u->totp.secret_len <= TFA_SECRET_MAX);
	FUZZ_ASSERT(u->n_scratch <= TFA_BACKUP_COUNT);
	FUZZ_ASSERT(u->n_keys == 0 && u->keys == NULL);
	for (i = 0; i < u->n_scratch; i++) {
		FUZZ_ASSERT(strlen(u->scratch[i]) == TFA_BACKUP_DIGITS);
		FUZZ_ASSERT(memmem(data, size, u->scratch[i],
		    TFA_BACKUP_DIGITS) != NULL);
	}
}

static void
check_apply(const struct tfa_import_user *u)
{
	struct tfa_record rec;
	unsigned replaced;
	const char *why;
	int64_t now = (u->last_step + 1) * (int64_t)u->totp.period;

	if (u->refused || u->n_scratch > 0)
		return;
	tfa_record_init(&rec);
	FUZZ_ASSERT(tfa_import_apply(u, &rec, false, now, &replaced, &why) ==
	    TFA_OK);
	FUZZ_ASSERT(rec.totp.enabled && rec.totp.created == now);
	FUZZ_ASSERT(rec.totp.secret_len == u->totp.secret_len &&
	    memcmp(rec.totp.secret, u->totp.secret, u->totp.secret_len) == 0);
	FUZZ_ASSERT(rec.last_step == u->last_step && !rec.backup.enabled);
	tfa_record_wipe(&rec);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tfa_import imp;
	tfa_err r;

	tfa_import_init(&imp);
	r = tfa_import_parse_ga((const char *)data, size, &imp);
	FUZZ_ASSERT(r == TFA_OK || r == TFA_ERR_INVAL || r == TFA_ERR_NOMEM);
	if (r == TFA_ERR_INVAL)
		FUZZ_ASSERT(imp.n_problems == 1 && imp.n_users == 0);
	if (r == TFA_OK) {
		FUZZ_ASSERT(imp.n_users == 1 && imp.n_problems == 0);
		check_user(&imp.users[0], data, size);
		check_apply(&imp.users[0]);
	}
	tfa_import_free(&imp);
	FUZZ_ASSERT(imp.users == NULL && imp.n_users == 0);
	return 0;
}

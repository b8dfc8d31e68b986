/*
 * tfa_import_parse_oath (common/import_oath.c): a pam_oath usersfile.
 * Properties: every entry names an acceptable, distinct user; a refused
 * entry keeps no secret; an accepted one is a SHA1 app of 30 or 60 s and 6
 * to 8 digits with a secret of 10..64 bytes, whose last code (if any) has
 * that many digits; resolving its last step never lowers it below the
 * step of the last login.
 */
#include <string.h>

#include "fuzz.h"
#include "import.h"

static void
check_user(struct tfa_import_user *u)
{
	int64_t floor;

	FUZZ_ASSERT(tfa_user_check(u->user) == TFA_OK);
	FUZZ_ASSERT(u->line >= 1);
	if (u->refused) {
		FUZZ_ASSERT(u->why[0] != '\0');
		FUZZ_ASSERT(!u->totp.enabled && u->totp.secret_len == 0);
		return;
	}
	FUZZ_ASSERT(u->totp.enabled && u->totp.algo == TFA_HASH_SHA1);
	FUZZ_ASSERT(u->totp.period == 30 || u->totp.period == 60);
	FUZZ_ASSERT(u->totp.digits >= 6 && u->totp.digits <= 8);
	FUZZ_ASSERT(u->totp.secret_len >= 10 &&
	    u->totp.secret_len <= TFA_SECRET_MAX);
	FUZZ_ASSERT(u->last_otp[0] == '\0' ||
	    strlen(u->last_otp) == u->totp.digits);
	FUZZ_ASSERT(u->last_time >= 0 && u->n_scratch == 0 && u->n_keys == 0);
	floor = u->last_time / (int64_t)u->totp.period;
	FUZZ_ASSERT(tfa_import_resolve_step(u, 1700000000) == TFA_OK);
	FUZZ_ASSERT(u->last_step >= floor);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tfa_import imp;
	size_t i, j;
	tfa_err r;

	tfa_import_init(&imp);
	r = tfa_import_parse_oath((const char *)data, size, &imp);
	FUZZ_ASSERT(r == TFA_OK || r == TFA_ERR_INVAL || r == TFA_ERR_NOMEM);
	if (r == TFA_ERR_INVAL)
		FUZZ_ASSERT(imp.n_problems == 1 && imp.problems[0].line == 0);
	for (i = 0; i < imp.n_users; i++) {
		check_user(&imp.users[i]);
		for (j = 0; j < i; j++)
			FUZZ_ASSERT(strcmp(imp.users[i].user,
			    imp.users[j].user) != 0);
	}
	for (i = 0; i < imp.n_problems; i++)
		FUZZ_ASSERT(imp.problems[i].why[0] != '\0');
	tfa_import_free(&imp);
	return 0;
}

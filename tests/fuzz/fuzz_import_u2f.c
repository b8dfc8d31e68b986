/*
 * tfa_import_parse_u2f (common/import_u2f.c): a pam_u2f authfile.
 * Properties: every entry names an acceptable, distinct user; a refused
 * entry keeps no key; an accepted one has 1..32 keys, each ES256 with a
 * 64-byte point or EdDSA with a 32-byte key, a credential id, distinct
 * within the user, a name, and rp = the origin (or the appid, for
 * old-format credentials).
 */
#include <string.h>

#include "fuzz.h"
#include "import.h"

#define ORIGIN	"pam://fuzz"
#define APPID	"pam://old-fuzz"

static void
check_key(const struct tfa_key *k)
{
	FUZZ_ASSERT((k->cose_type == -7 && k->pubkey_len == 64) ||
	    (k->cose_type == -8 && k->pubkey_len == 32));
	FUZZ_ASSERT(k->cred_id_len >= 1 && k->cred_id_len <= TFA_CRED_ID_MAX);
	FUZZ_ASSERT(strcmp(k->rp, ORIGIN) == 0 || strcmp(k->rp, APPID) == 0);
	FUZZ_ASSERT(k->name[0] != '\0');
	FUZZ_ASSERT(!k->pin || k->uv);
	FUZZ_ASSERT(k->id == 0 && k->sign_count == 0);
}

static void
check_user(const struct tfa_import_user *u)
{
	size_t i, j;

	FUZZ_ASSERT(tfa_user_check(u->user) == TFA_OK);
	FUZZ_ASSERT(!u->totp.enabled && u->n_scratch == 0);
	if (u->refused) {
		FUZZ_ASSERT(u->why[0] != '\0');
		FUZZ_ASSERT(u->n_keys == 0 && u->keys == NULL);
		return;
	}
	FUZZ_ASSERT(u->n_keys >= 1 && u->n_keys <= TFA_IMPORT_KEYS_MAX);
	for (i = 0; i < u->n_keys; i++) {
		check_key(&u->keys[i]);
		for (j = 0; j < i; j++)
			FUZZ_ASSERT(u->keys[i].cred_id_len !=
			    u->keys[j].cred_id_len || memcmp(u->keys[i].cred_id,
			    u->keys[j].cred_id, u->keys[i].cred_id_len) != 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tfa_import imp;
	size_t i, j;
	tfa_err r;

	tfa_import_init(&imp);
	r = tfa_import_parse_u2f((const char *)data, size, ORIGIN, APPID,
	    &imp);
	FUZZ_ASSERT(r == TFA_OK || r == TFA_ERR_INVAL || r == TFA_ERR_NOMEM);
	if (r == TFA_ERR_INVAL)
		FUZZ_ASSERT(imp.n_problems >= 1 && imp.problems[0].line == 0);
	for (i = 0; i < imp.n_users; i++) {
		check_user(&imp.users[i]);
		for (j = 0; j < i; j++)
			FUZZ_ASSERT(strcmp(imp.users[i].user,
			    imp.users[j].user) != 0);
	}
	tfa_import_free(&imp);
	return 0;
}

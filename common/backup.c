/*
 * Backup codes.  About 49.5 bits each (10 characters from 31) and stored as
 * PBKDF2-HMAC-SHA256 with a per-set salt, so a stolen record does not hand
 * them out; one derivation per attempt, whatever the number of codes.
 */
#include <openssl/evp.h>

#include "backup.h"

/* no 0/o, 1/l/i: codes are read off paper */
static const char alphabet[] = "23456789abcdefghjkmnpqrstuvwxyz";

bool
tfa_backup_char(char c)
{
	return c != '\0' && strchr(alphabet, c) != NULL;
}

static tfa_err
derive(const struct tfa_backup *b, const char *code,
    uint8_t out[TFA_BACKUP_HASH])
{
	if (PKCS5_PBKDF2_HMAC(code, (int)strlen(code), b->salt,
	    (int)sizeof(b->salt), (int)b->iterations, EVP_sha256(),
	    TFA_BACKUP_HASH, out) != 1)
		return TFA_ERR_CRYPTO;
	return TFA_OK;
}

tfa_err
tfa_backup_generate(struct tfa_backup *b,
    char codes[TFA_BACKUP_COUNT][TFA_BACKUP_SHOWN], int64_t now)
{
	char plain[TFA_BACKUP_CHARS + 1];
	tfa_err r;
	int i, j;

	memset(b, 0, sizeof(*b));
	b->iterations = TFA_BACKUP_ITER;
	b->created = now;
	if ((r = tfa_random(b->salt, sizeof(b->salt))) != TFA_OK)
		goto fail;
	for (i = 0; i < TFA_BACKUP_COUNT; i++) {
		for (j = 0; j < TFA_BACKUP_CHARS; j++)
			if ((r = tfa_random_char(alphabet, &plain[j])) !=
			    TFA_OK)
				goto fail;
		plain[TFA_BACKUP_CHARS] = '\0';
		if ((r = derive(b, plain, b->hash[i])) != TFA_OK)
			goto fail;
		memcpy(codes[i], plain, 5);
		codes[i][5] = '-';
		memcpy(codes[i] + 6, plain + 5, 5);
		codes[i][11] = '\0';
	}
	b->unused = (1u << TFA_BACKUP_COUNT) - 1;
	b->enabled = true;
	tfa_wipe_array(plain);
	return TFA_OK;
fail:
	tfa_wipe_array(plain);
	tfa_wipe_struct(b);
	explicit_bzero(codes, sizeof(codes[0]) * TFA_BACKUP_COUNT);
	return r;
}

static bool
numeric_code(const char *code)
{
	size_t i;

	for (i = 0; code[i] != '\0'; i++)
		if (code[i] < '0' || code[i] > '9')
			return false;
	return i == TFA_BACKUP_DIGITS;
}

tfa_err
tfa_backup_set_numeric(struct tfa_backup *b,
    const char codes[][TFA_BACKUP_DIGITS + 1], size_t n, int64_t now)
{
	tfa_err r = TFA_ERR_INVAL;
	size_t i;

	memset(b, 0, sizeof(*b));
	if (n == 0 || n > TFA_BACKUP_COUNT)
		goto fail;
	for (i = 0; i < n; i++)
		if (!numeric_code(codes[i]))
			goto fail;
	b->iterations = TFA_BACKUP_ITER;
	b->created = now;
	if ((r = tfa_random(b->salt, sizeof(b->salt))) != TFA_OK)
		goto fail;
	for (i = 0; i < n; i++)
		if ((r = derive(b, codes[i], b->hash[i])) != TFA_OK)
			goto fail;
	b->unused = (1u << n) - 1;
	b->numeric = true;
	b->enabled = true;
	return TFA_OK;
fail:
	tfa_wipe_struct(b);
	return r;
}

unsigned
tfa_backup_left(const struct tfa_backup *b)
{
	return b->enabled ? (unsigned)__builtin_popcount(b->unused) : 0;
}

tfa_err
tfa_backup_consume(struct tfa_backup *b, const char *code)
{
	uint8_t h[TFA_BACKUP_HASH];
	int i, found = -1;
	tfa_err r;

	if (!b->enabled || (b->numeric ? !numeric_code(code) :
	    strlen(code) != TFA_BACKUP_CHARS))
		return TFA_ERR_BADCODE;
	if ((r = derive(b, code, h)) != TFA_OK)
		return r;
	for (i = 0; i < TFA_BACKUP_COUNT; i++) {
		int hit = tfa_ct_equal(h, b->hash[i], sizeof(h));

		if (hit && (b->unused & (1u << i)) && found < 0)
			found = i;
	}
	tfa_wipe_array(h);
	if (found < 0)
		return TFA_ERR_BADCODE;
	b->unused &= ~(1u << found);
	explicit_bzero(b->hash[found], sizeof(b->hash[found]));
	return TFA_OK;
}

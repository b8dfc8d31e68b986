/*
 * App passwords: generating, checking and noting the use of the random
 * passwords that mail and DAV clients send instead of password + code.
 * They carry 99 random bits, so one SHA-256 with a salt is enough: no
 * slow hash, because a mail client logs in on every connection.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <strings.h>

#include "apppw.h"

/* no 0/o, 1/l/i: read off a screen and typed into a phone */
static const char alphabet[] = "23456789abcdefghjkmnpqrstuvwxyz";
#define GROUP 5

static tfa_err
hash_of(const uint8_t salt[TFA_APPPW_SALT], const char *plain,
    uint8_t out[TFA_APPPW_HASH])
{
	EVP_MD_CTX *md;
	unsigned len = 0;
	int ok;

	if ((md = EVP_MD_CTX_new()) == NULL)
		return TFA_ERR_NOMEM;
	ok = EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(md, salt, TFA_APPPW_SALT) == 1 &&
	    EVP_DigestUpdate(md, plain, strlen(plain)) == 1 &&
	    EVP_DigestFinal_ex(md, out, &len) == 1 && len == TFA_APPPW_HASH;
	EVP_MD_CTX_free(md);
	return ok ? TFA_OK : TFA_ERR_CRYPTO;
}

tfa_err
tfa_apppw_generate(struct tfa_apppw *a, char shown[TFA_APPPW_SHOWN])
{
	char plain[TFA_APPPW_CHARS + 1];
	size_t i, o = 0;
	tfa_err r;

	if ((r = tfa_random(a->salt, sizeof(a->salt))) != TFA_OK)
		goto out;
	for (i = 0; i < TFA_APPPW_CHARS; i++) {
		if ((r = tfa_random_char(alphabet, &plain[i])) != TFA_OK)
			goto out;
		if (i > 0 && i % GROUP == 0)
			shown[o++] = '-';
		shown[o++] = plain[i];
	}
	plain[TFA_APPPW_CHARS] = '\0';
	shown[o] = '\0';
	r = hash_of(a->salt, plain, a->hash);
out:
	tfa_wipe_array(plain);
	if (r != TFA_OK) {
		explicit_bzero(shown, TFA_APPPW_SHOWN);
		explicit_bzero(a->salt, sizeof(a->salt));
		explicit_bzero(a->hash, sizeof(a->hash));
	}
	return r;
}

static bool
service_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
	    c == '-';
}

tfa_err
tfa_apppw_services_check(const char *list)
{
	size_t i, word = 0;

	if (strlen(list) > TFA_SERVICES_MAX)
		return TFA_ERR_INVAL;
	for (i = 0; list[i] != '\0'; i++) {
		if (list[i] == ',') {
			if (word == 0)
				return TFA_ERR_INVAL;
			word = 0;
		} else if (!service_char(list[i]) || ++word > 31) {
			return TFA_ERR_INVAL;
		}
	}
	return i > 0 && word == 0 ? TFA_ERR_INVAL : TFA_OK;
}

bool
tfa_apppw_allows(const struct tfa_apppw *a, const char *service)
{
	size_t n = strlen(service);
	const char *p = a->services, *end;

	if (*p == '\0')
		return true;
	while (*p != '\0') {
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		if ((size_t)(end - p) == n && strncasecmp(p, service, n) == 0)
			return true;
		p = *end == ',' ? end + 1 : end;
	}
	return false;
}

/*
 * The secret as an app password would be stored: dashes and blanks
 * dropped, lower case, exactly TFA_APPPW_CHARS of the alphabet.  Anything
 * else cannot be one, and is not hashed at all.
 */
static bool
normalise(const char *secret, char out[TFA_APPPW_CHARS + 1])
{
	size_t o = 0;
	char c;

	for (; *secret != '\0'; secret++) {
		c = *secret;
		if (c == '-' || c == ' ')
			continue;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (o >= TFA_APPPW_CHARS || strchr(alphabet, c) == NULL ||
		    c == '\0')
			return false;
		out[o++] = c;
	}
	out[o] = '\0';
	return o == TFA_APPPW_CHARS;
}

tfa_err
tfa_apppw_find(const struct tfa_apppw *list, size_t n, const char *secret,
    const char *service, int64_t now, size_t *idx)
{
	char plain[TFA_APPPW_CHARS + 1];
	uint8_t h[TFA_APPPW_HASH];
	size_t i, found = n;
	tfa_err r = TFA_ERR_BADCODE;

	if (!normalise(secret, plain))
		goto out;
	for (i = 0; i < n; i++) {
		/* one hash per entry (each has its own salt), all compared */
		if ((r = hash_of(list[i].salt, plain, h)) != TFA_OK)
			goto out;
		if (tfa_ct_equal(h, list[i].hash, sizeof(h)) && found == n)
			found = i;
	}
	r = TFA_ERR_BADCODE;
	if (found == n)
		goto out;
	*idx = found;
	if (list[found].expires != 0 && now >= list[found].expires)
		r = TFA_ERR_EXPIRED;
	else if (!tfa_apppw_allows(&list[found], service))
		r = TFA_ERR_PERM;
	else
		r = TFA_OK;
out:
	tfa_wipe_array(plain);
	tfa_wipe_array(h);
	return r;
}

bool
tfa_apppw_touch(struct tfa_apppw *a, const char *rhost, int64_t now)
{
	char host[TFA_RHOST_MAX + 1];
	bool moved, stale;

	snprintf(host, sizeof(host), "%s", rhost);	/* as it is kept */
	moved = strcmp(a->last_rhost, host) != 0;
	stale = a->last_used == 0 || now < a->last_used ||
	    now - a->last_used >= TFA_APPPW_TOUCH_SECS;
	if (!moved && !stale)
		return false;
	a->last_used = now;
	memcpy(a->last_rhost, host, sizeof(host));
	return true;
}

/*
 * Devices: finding, adding and noting the use of the places a second
 * factor was used from, and pruning what can never be used again.
 * A mail client is known only by a keyed hash of the code it first sent.
 */
#include <openssl/hmac.h>
#include <stdio.h>

#include "device.h"
#include "record.h"

tfa_err
tfa_device_token_hash(const uint8_t key[TFA_STORE_KEY_LEN], const char *user,
    const char *service, const char *token, uint8_t out[TFA_TOKEN_HASH])
{
	char msg[512];
	unsigned len = 0;
	int n;

	/* NULs between the parts: ("ab", "c") and ("a", "bc") differ */
	n = snprintf(msg, sizeof(msg), "%s%c%s%c%s", user, '\0', service,
	    '\0', token);
	if (n < 0 || (size_t)n >= sizeof(msg))
		return TFA_ERR_INVAL;
	if (HMAC(EVP_sha256(), key, TFA_STORE_KEY_LEN, (const uint8_t *)msg,
	    (size_t)n, out, &len) == NULL || len != TFA_TOKEN_HASH) {
		tfa_wipe_array(msg);
		return TFA_ERR_CRYPTO;
	}
	tfa_wipe_array(msg);
	return TFA_OK;
}

/*
 * A trust that ended the moment it began (a mail client let in once by a
 * backup code) stays ended when the clock steps back: the same string
 * must never log in twice.
 */
static bool
trusted(const struct tfa_device *d, int64_t now)
{
	return d->trusted_until != 0 && now < d->trusted_until &&
	    d->trusted_until > d->first_seen;
}

static enum tfa_device_match
match_of(const struct tfa_device *d, int64_t now)
{
	return trusted(d, now) ? TFA_DEVICE_TRUSTED : TFA_DEVICE_EXPIRED;
}

enum tfa_device_match
tfa_device_find_mail(const struct tfa_record *rec, const char *service,
    const uint8_t hash[TFA_TOKEN_HASH], int64_t now, size_t *idx)
{
	size_t i, found = rec->n_dev;
	int hit;

	for (i = 0; i < rec->n_dev; i++) {
		const struct tfa_device *d = &rec->dev[i];

		/* the hash covers the service too; the check is belt and braces */
		hit = tfa_ct_equal(d->token_hash, hash, TFA_TOKEN_HASH);
		if (hit && d->kind == TFA_DEVICE_MAIL &&
		    strcmp(d->service, service) == 0 &&
		    (found == rec->n_dev || trusted(d, now)))
			found = i;
	}
	if (found == rec->n_dev)
		return TFA_DEVICE_NONE;
	*idx = found;
	return match_of(&rec->dev[found], now);
}

enum tfa_device_match
tfa_device_find_host(const struct tfa_record *rec, const char *service,
    const char *host, int64_t now, size_t *idx)
{
	size_t i;

	/* cut to fit, it would match another host sharing its beginning */
	if (strlen(host) > TFA_RHOST_MAX)
		return TFA_DEVICE_NONE;
	for (i = 0; i < rec->n_dev; i++) {
		const struct tfa_device *d = &rec->dev[i];

		if (d->kind == TFA_DEVICE_HOST &&
		    strcmp(d->service, service) == 0 &&
		    strcmp(d->rhost, host) == 0) {
			*idx = i;
			return match_of(d, now);
		}
	}
	return TFA_DEVICE_NONE;
}

tfa_err
tfa_device_add(struct tfa_record *rec, enum tfa_device_kind kind,
    const char *service, const char *rhost, const uint8_t *hash,
    int64_t now, int64_t trusted_until, struct tfa_device **out)
{
	struct tfa_device *d;

	/* a host device is its host; a mail client's rhost is only shown */
	if (strlen(service) > TFA_SERVICE_MAX ||
	    (kind == TFA_DEVICE_HOST && strlen(rhost) > TFA_RHOST_MAX))
		return TFA_ERR_INVAL;
	if ((d = tfa_record_add_device(rec)) == NULL)
		return TFA_ERR_NOMEM;
	d->kind = kind;
	memcpy(d->service, service, strlen(service) + 1);
	snprintf(d->rhost, sizeof(d->rhost), "%s", rhost);
	if (hash != NULL)
		memcpy(d->token_hash, hash, TFA_TOKEN_HASH);
	d->first_seen = d->last_seen = now;
	d->trusted_until = trusted_until;
	if (out != NULL)
		*out = d;
	return TFA_OK;
}

/* The least recently seen mail client of service trusted now, if any. */
static bool
oldest_trusted_mail(const struct tfa_record *rec, const char *service,
    int64_t now, size_t *count, size_t *idx)
{
	size_t i;

	*count = *idx = 0;
	for (i = 0; i < rec->n_dev; i++) {
		const struct tfa_device *d = &rec->dev[i];

		if (d->kind != TFA_DEVICE_MAIL || !trusted(d, now) ||
		    strcmp(d->service, service) != 0)
			continue;
		/* on a tie the earlier one, remembered first */
		if (*count == 0 || d->last_seen < rec->dev[*idx].last_seen)
			*idx = i;
		(*count)++;
	}
	return *count > 0;
}

tfa_err
tfa_device_mail_room(struct tfa_record *rec, const char *service,
    size_t max, int64_t now)
{
	struct tfa_device d;
	size_t n, i;
	tfa_err r;

	if (max == 0)
		return TFA_ERR_INVAL;
	while (oldest_trusted_mail(rec, service, now, &n, &i) && n >= max) {
		/* ended, not removed: see tfa_device_mail_room in device.h */
		d = rec->dev[i];
		d.trusted_until = now;
		r = tfa_record_set_device(rec, i, &d);
		tfa_wipe_struct(&d);
		if (r != TFA_OK)
			return r;
	}
	return TFA_OK;
}

bool
tfa_device_touch(struct tfa_device *d, const char *rhost, int64_t now)
{
	char host[TFA_RHOST_MAX + 1];
	bool moved, stale;

	/*
	 * As it is kept: a host device was found by its exact host, so only
	 * a mail client's rhost, which is shown and decides nothing, is cut.
	 */
	snprintf(host, sizeof(host), "%s", rhost);
	moved = strcmp(d->rhost, host) != 0;
	stale = now < d->last_seen ||
	    now - d->last_seen >= TFA_DEVICE_TOUCH_SECS;
	if (!moved && !stale)
		return false;
	d->last_seen = now;
	memcpy(d->rhost, host, sizeof(host));
	return true;
}

static bool
device_dead(const struct tfa_device *d, int64_t now)
{
	int64_t keep = (int64_t)TFA_DEVICE_KEEP_DAYS * 86400;

	return !trusted(d, now) && now - d->last_seen >= keep;
}

size_t
tfa_record_prune(struct tfa_record *rec, int64_t now)
{
	size_t i, gone = 0;

	/* the first removal copies shared lists; without memory, none */
	for (i = rec->n_apppw; i-- > 0;)
		if (rec->apppw[i].expires != 0 && now >= rec->apppw[i].expires) {
			if (tfa_record_remove_apppw(rec, i) != TFA_OK)
				return gone;
			gone++;
		}
	for (i = rec->n_dev; i-- > 0;)
		if (device_dead(&rec->dev[i], now)) {
			if (tfa_record_remove_device(rec, i) != TFA_OK)
				return gone;
			gone++;
		}
	return gone;
}

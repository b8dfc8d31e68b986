/*
 * Mail mode's checks: splitting the one secret, app passwords, and the
 * verify step with its remembered mail clients.  Everything that counts
 * (failures, replay, backup-code use) happens in tfa_auth_check under the
 * lock, and only once the password module has accepted the password.
 */
#include "backup.h"
#include "device.h"
#include "mail.h"
#include "store.h"

static bool
all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* n characters of s as backup-code characters, lower-cased into out. */
static bool
backup_chars(const char *s, size_t n, char *out)
{
	size_t i;
	char c;

	for (i = 0; i < n; i++) {
		c = s[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!tfa_backup_char(c))
			return false;
		out[i] = c;
	}
	return true;
}

static bool
split_dashed_backup(const char *s, size_t n, size_t *pwlen, char *factor)
{
	const char *t;

	/* s + n - 11 on a shorter s would point before it: undefined */
	if (n < TFA_BACKUP_CHARS + 1)
		return false;
	t = s + n - (TFA_BACKUP_CHARS + 1);
	if (t[5] != '-' || !backup_chars(t, 5, factor) ||
	    !backup_chars(t + 6, 5, factor + 5))
		return false;
	factor[TFA_BACKUP_CHARS] = '\0';
	*pwlen = n - (TFA_BACKUP_CHARS + 1);
	return true;
}

enum tfa_factor_kind
tfa_mail_split(const char *secret, unsigned digits, bool backup,
    size_t *pwlen, char factor[TFA_FACTOR_MAX])
{
	size_t n = strlen(secret);

	if (backup && split_dashed_backup(secret, n, pwlen, factor))
		return TFA_FACTOR_BACKUP;
	if (digits >= 6 && digits < TFA_FACTOR_MAX && n >= digits &&
	    all_digits(secret + n - digits, digits)) {
		memcpy(factor, secret + n - digits, digits);
		factor[digits] = '\0';
		*pwlen = n - digits;
		return TFA_FACTOR_TOTP;
	}
	if (backup && n >= TFA_BACKUP_CHARS && backup_chars(secret + n -
	    TFA_BACKUP_CHARS, TFA_BACKUP_CHARS, factor)) {
		factor[TFA_BACKUP_CHARS] = '\0';
		*pwlen = n - TFA_BACKUP_CHARS;
		return TFA_FACTOR_BACKUP;
	}
	explicit_bzero(factor, TFA_FACTOR_MAX);
	return TFA_FACTOR_NONE;
}

/* Under the lock: note the use of app password id; gone means refused. */
static tfa_err
apppw_note_use(const struct tfa_config *cfg, const struct tfa_log *log,
    const struct tfa_mail_login *l, uint32_t id)
{
	struct tfa_store *st = NULL;
	struct tfa_record rec;
	struct tfa_apppw copy;
	size_t i;
	tfa_err r;

	tfa_record_init(&rec);
	if ((r = tfa_store_lock(cfg, log, l->user, &st)) != TFA_OK ||
	    (r = tfa_store_load(st, &rec)) != TFA_OK)
		goto out;
	for (i = 0; i < rec.n_apppw && rec.apppw[i].id != id; i++)
		;
	r = TFA_ERR_BADCODE;		/* removed or expired meanwhile */
	if (i == rec.n_apppw)
		goto out;
	copy = rec.apppw[i];
	tfa_apppw_touch(&copy, l->rhost, l->now);
	r = tfa_record_set_apppw(&rec, i, &copy);
	tfa_wipe_struct(&copy);
	if (r == TFA_OK)
		r = tfa_store_save(st, &rec);
out:
	tfa_store_close(&st);
	tfa_record_wipe(&rec);
	return r;
}

tfa_err
tfa_mail_apppw(const struct tfa_config *cfg, const struct tfa_log *log,
    const struct tfa_mail_login *l, const struct tfa_record *snap,
    const char *secret, uint32_t *id)
{
	struct tfa_apppw copy;
	size_t i;
	tfa_err r;

	if (!cfg->allow_app_passwords || snap->n_apppw == 0)
		return TFA_ERR_BADCODE;
	r = tfa_apppw_find(snap->apppw, snap->n_apppw, secret, l->service,
	    l->now, &i);
	if (r != TFA_OK)
		return r;
	*id = snap->apppw[i].id;
	copy = snap->apppw[i];
	if (tfa_apppw_touch(&copy, l->rhost, l->now))
		r = apppw_note_use(cfg, log, l, *id);
	tfa_wipe_struct(&copy);
	return r;
}

static bool
remembering(const struct tfa_config *cfg)
{
	return cfg->allow_devices && cfg->trust_days > 0;
}

static void
verdict_of(const struct tfa_record *rec, struct tfa_verdict *v)
{
	v->failures = rec->failures;
	v->locked_until = rec->locked_until;
	v->backup_left = tfa_backup_left(&rec->backup);
}

/* The lockless fast path: a remembered client seen a moment ago. */
static bool
remembered_fresh(const struct tfa_mail_login *l,
    const struct tfa_record *snap, const uint8_t hash[TFA_TOKEN_HASH])
{
	struct tfa_device copy;
	size_t i;
	bool fresh;

	if (snap->disabled || tfa_auth_locked(snap, l->now) ||
	    tfa_device_find_mail(snap, l->service, hash, l->now, &i) !=
	    TFA_DEVICE_TRUSTED)
		return false;
	copy = snap->dev[i];
	fresh = !tfa_device_touch(&copy, l->rhost, l->now);
	tfa_wipe_struct(&copy);
	return fresh;
}

/*
 * A good fresh factor's client, remembered for this service class.  A code
 * from the app is trusted for TrustDevicesForDays.  A backup code is
 * remembered with its trust ended at once: used codes on a printed sheet
 * must not become mail credentials, but the client sends the same string
 * again (its next poll, the other connections it opened at once), and
 * that is a stale client, refused without counting, not wrong codes that
 * lock its user out of every service.
 */
static tfa_err
remember(const struct tfa_config *cfg, const struct tfa_log *log,
    const struct tfa_mail_login *l, struct tfa_record *rec,
    enum tfa_method method, const uint8_t hash[TFA_TOKEN_HASH])
{
	int64_t until = l->now;
	tfa_err r = TFA_OK;

	if (method == TFA_METHOD_TOTP) {
		until += (int64_t)cfg->trust_days * 86400;
		r = tfa_device_mail_room(rec, l->service,
		    TFA_MAIL_TRUSTED_MAX, l->now);
	}
	if (r == TFA_OK)
		r = tfa_device_add(rec, TFA_DEVICE_MAIL, l->service, l->rhost,
		    hash, l->now, until, NULL);
	if (r != TFA_OK)	/* the login stands; the client asks again */
		tfa_log(log, LOG_WARNING, "cannot remember a mail client: %s",
		    tfa_strerror(r));
	return TFA_OK;
}

/*
 * The password+code string a client sends to one service class, sent to
 * another: a mail program's IMAP and SMTP settings often share one
 * password field.  The first service spent the code, so checked here it
 * is a replay at every send, counted until the user is locked out of
 * everything; it is no guess, so it is refused without counting.  One
 * HMAC for each mail client remembered for another class (classes seen
 * just before are skipped).
 */
static bool
remembered_elsewhere(const struct tfa_config *cfg, const struct tfa_log *log,
    const struct tfa_mail_login *l, const struct tfa_record *rec,
    const char *factor)
{
	uint8_t key[TFA_STORE_KEY_LEN], hash[TFA_TOKEN_HASH];
	const char *last = l->service;
	bool found = false, keyed = false;
	size_t i;

	for (i = 0; i < rec->n_dev && !found; i++) {
		const struct tfa_device *d = &rec->dev[i];

		if (d->kind != TFA_DEVICE_MAIL ||
		    strcmp(d->service, l->service) == 0)
			continue;
		if (!keyed && tfa_store_device_key(cfg, log, key) != TFA_OK)
			break;
		keyed = true;
		if (strcmp(d->service, last) != 0 &&
		    tfa_device_token_hash(key, l->user, d->service, factor,
		    hash) != TFA_OK)
			break;
		last = d->service;
		found = tfa_ct_equal(d->token_hash, hash, TFA_TOKEN_HASH);
	}
	tfa_wipe_array(key);
	tfa_wipe_array(hash);
	return found;
}

/*
 * Under the lock.  A remembered client is looked up again here, not only
 * in the snapshot: a mail client opens several connections at once with
 * the same fresh code, and the second must find the device the first one
 * just remembered, not be refused as a replay.
 */
static tfa_err
verify_locked(const struct tfa_config *cfg, const struct tfa_log *log,
    const struct tfa_mail_login *l, struct tfa_record *rec,
    const char *factor, const uint8_t *hash, struct tfa_verdict *v,
    bool *dirty)
{
	enum tfa_device_match m = TFA_DEVICE_NONE;
	size_t i;
	tfa_err r;

	*dirty = false;
	if (rec->disabled || !tfa_auth_enrolled(cfg, rec))
		return TFA_ERR_NOMETHOD;
	verdict_of(rec, v);
	if (tfa_auth_locked(rec, l->now))
		return TFA_ERR_LOCKED;
	if (hash != NULL)
		m = tfa_device_find_mail(rec, l->service, hash, l->now, &i);
	if (m != TFA_DEVICE_NONE) {
		struct tfa_device d = rec->dev[i];

		/*
		 * An expired client is seen too, its trust left as it is:
		 * pruned TFA_DEVICE_KEEP_DAYS after it was last seen, a
		 * client still polling with its string would then count
		 * wrong codes and lock the user out of every service.
		 */
		r = TFA_OK;
		if (tfa_device_touch(&d, l->rhost, l->now)) {
			r = tfa_record_set_device(rec, i, &d);
			*dirty = r == TFA_OK;
		}
		tfa_wipe_struct(&d);
		if (r != TFA_OK)
			return r;
		if (m == TFA_DEVICE_EXPIRED)
			return TFA_ERR_EXPIRED;
		v->method = TFA_METHOD_DEVICE;
		return TFA_OK;
	}
	if (hash != NULL && remembered_elsewhere(cfg, log, l, rec, factor))
		return TFA_ERR_ELSEWHERE;
	r = tfa_auth_check(cfg, rec, factor, l->now, v);
	*dirty = r == TFA_OK || r == TFA_ERR_BADCODE || r == TFA_ERR_REPLAY;
	if (r == TFA_OK && hash != NULL && (v->method == TFA_METHOD_TOTP ||
	    v->method == TFA_METHOD_BACKUP))
		r = remember(cfg, log, l, rec, v->method, hash);
	return r;
}

static tfa_err
token_hash(const struct tfa_config *cfg, const struct tfa_log *log,
    const struct tfa_mail_login *l, const char *factor,
    uint8_t hash[TFA_TOKEN_HASH])
{
	uint8_t key[TFA_STORE_KEY_LEN];
	tfa_err r;

	if ((r = tfa_store_device_key(cfg, log, key)) == TFA_OK)
		r = tfa_device_token_hash(key, l->user, l->service, factor,
		    hash);
	tfa_wipe_array(key);
	return r;
}

tfa_err
tfa_mail_verify(const struct tfa_config *cfg, const struct tfa_log *log,
    const struct tfa_mail_login *l, const struct tfa_record *snap,
    enum tfa_factor_kind kind, const char *factor, struct tfa_verdict *v)
{
	uint8_t hash[TFA_TOKEN_HASH], *hp = NULL;
	struct tfa_store *st = NULL;
	struct tfa_record rec;
	bool dirty = false;
	tfa_err r, saved;

	memset(v, 0, sizeof(*v));
	tfa_record_init(&rec);
	/* a backup code too: its client is remembered, never trusted */
	if (kind != TFA_FACTOR_NONE && remembering(cfg)) {
		if ((r = token_hash(cfg, log, l, factor, hash)) != TFA_OK)
			goto out;
		hp = hash;
		if (remembered_fresh(l, snap, hash)) {
			verdict_of(snap, v);
			v->method = TFA_METHOD_DEVICE;
			r = TFA_OK;
			goto out;
		}
	}
	if ((r = tfa_store_lock(cfg, log, l->user, &st)) != TFA_OK ||
	    (r = tfa_store_load(st, &rec)) != TFA_OK)
		goto out;
	r = verify_locked(cfg, log, l, &rec, factor, hp, v, &dirty);
	/*
	 * Only a backup code's client is remembered from a backup-code
	 * factor (ten characters; an app's code has at most eight), and
	 * only with its trust ended: this is that code, spent, sent again.
	 */
	if (r == TFA_ERR_EXPIRED && kind == TFA_FACTOR_BACKUP)
		v->method = TFA_METHOD_BACKUP;
	/* the outcome counts only once it is on disk */
	if (dirty && (saved = tfa_store_save(st, &rec)) != TFA_OK) {
		v->method = TFA_METHOD_NONE;
		r = saved;
	}
out:
	tfa_store_close(&st);
	tfa_record_wipe(&rec);
	tfa_wipe_array(hash);
	return r;
}

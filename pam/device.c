/*
 * Trusted devices for interactive services: the device is the service
 * class plus the remote host, or the tty for a local login.  After a good
 * code the device is listed (first and last seen) and the user may trust
 * it for TrustDevicesForDays; a trusted device skips the code.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include <security/pam_ext.h>

#include "pam_tfa.h"
#include "store.h"

const char *
tfa_pam_class(struct ctx *c)
{
	size_t i;

	if (c->class[0] == '\0') {
		/* c->service is printable ASCII already; keep it short */
		for (i = 0; i + 1 < sizeof(c->class) && c->service[i]; i++)
			c->class[i] = (c->service[i] >= 'A' &&
			    c->service[i] <= 'Z') ? (char)(c->service[i] + 32) :
			    c->service[i];
		c->class[i] = '\0';
	}
	return c->class;
}

/*
 * A pseudo-terminal names no device: the next session to open one, of any
 * account, gets the same name (su or sudo in a terminal window or over
 * ssh).  Trusting /dev/pts/3 would trust whoever has it next.
 */
static bool
pseudo_tty(const char *tty)
{
	if (strncmp(tty, "/dev/", 5) == 0)
		tty += 5;
	return strncmp(tty, "pts/", 4) == 0;
}

/*
 * "192.0.2.7", or "tty:/dev/tty1" for a local login: the exact PAM_RHOST
 * or PAM_TTY, never c->rhost, which is rewritten and cut for the log.
 * False when neither is set, and when the item holds a byte outside
 * 0x21..0x7e or does not fit the record: a rewritten or cut host would
 * make two hosts one device, and a reverse DNS name an attacker picks can
 * share its first 63 bytes with the victim's.  Such a login has no device:
 * it is asked for the code, and nothing is listed or trusted for it.
 */
static bool
device_host(struct ctx *c, char *buf, size_t len)
{
	const void *item = NULL;
	const unsigned char *s;
	const char *prefix = "";
	size_t i;
	int n;

	if (pam_get_item(c->pamh, PAM_RHOST, &item) != PAM_SUCCESS ||
	    item == NULL || *(const char *)item == '\0') {
		item = NULL;
		if (pam_get_item(c->pamh, PAM_TTY, &item) != PAM_SUCCESS ||
		    item == NULL || *(const char *)item == '\0' ||
		    pseudo_tty(item))
			return false;
		prefix = "tty:";
	} else if (strncmp(item, "tty:", 4) == 0)
		return false;	/* a remote host posing as a local tty */
	for (s = item, i = 0; s[i] != '\0'; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return false;
	n = snprintf(buf, len, "%s%s", prefix, (const char *)item);
	return n >= 0 && (size_t)n < len;
}

static bool
trusting(const struct ctx *c)
{
	return c->cfg.allow_devices && c->cfg.trust_days > 0 &&
	    !tfa_pam_is_dovecot(c->pamh);
}

/*
 * List the device in rec as seen now, trusted for the configured days when
 * trust is set, else keeping whatever trust it has.  TFA_ERR_NOENT when
 * only_touch and it is not listed; *changed tells whether rec changed (a
 * device seen a moment ago, with nothing else to change, is left alone).
 */
static tfa_err
mark_seen(struct ctx *c, struct tfa_record *rec, const char *host,
    bool trust, bool only_touch, int64_t now, bool *changed)
{
	int64_t until = now + (int64_t)c->cfg.trust_days * 86400;
	size_t i;
	tfa_err r;

	*changed = false;
	if (tfa_device_find_host(rec, tfa_pam_class(c), host, now, &i) !=
	    TFA_DEVICE_NONE) {
		struct tfa_device d = rec->dev[i];

		if (!tfa_device_touch(&d, host, now) && !trust)
			return TFA_OK;	/* nothing to write */
		if (trust)
			d.trusted_until = until;
		r = tfa_record_set_device(rec, i, &d);
		tfa_wipe_struct(&d);
		*changed = r == TFA_OK;
		return r;
	}
	if (only_touch)
		return TFA_ERR_NOENT;	/* removed meanwhile */
	r = tfa_device_add(rec, TFA_DEVICE_HOST, tfa_pam_class(c), host, NULL,
	    now, trust ? until : 0, NULL);
	*changed = r == TFA_OK;
	return r;
}

/* mark_seen under the lock, saving what changed. */
static tfa_err
note_device(struct ctx *c, const char *host, bool trust, bool only_touch)
{
	struct tfa_store *st = NULL;
	struct tfa_record rec;
	bool changed;
	tfa_err r;

	tfa_record_init(&rec);
	if ((r = tfa_store_lock(&c->cfg, &c->log, c->user, &st)) == TFA_OK &&
	    (r = tfa_store_load(st, &rec)) == TFA_OK &&
	    (r = mark_seen(c, &rec, host, trust, only_touch, tfa_now(),
	    &changed)) == TFA_OK && changed)
		r = tfa_store_save(st, &rec);
	tfa_store_close(&st);
	tfa_record_wipe(&rec);
	return r;
}

/*
 * tfa_auth_opts.then for a good code: list the device in the same save as the
 * code's new state, so a login takes the user's lock once.
 */
void
tfa_pam_device_list(void *arg, struct tfa_record *rec, int64_t now)
{
	struct ctx *c = arg;
	char host[TFA_RHOST_MAX + 1];
	bool changed;

	c->device_listed = 0;
	if (!c->cfg.allow_devices || tfa_pam_is_dovecot(c->pamh) ||
	    !device_host(c, host, sizeof(host)))
		return;
	c->device_listed = mark_seen(c, rec, host, false, false, now,
	    &changed) == TFA_OK ? 1 : -1;
}

bool
tfa_pam_device_trusted(struct ctx *c, const struct tfa_record *rec)
{
	char host[TFA_RHOST_MAX + 1];
	struct tfa_device copy;
	size_t i;

	if (!trusting(c) || !device_host(c, host, sizeof(host)) ||
	    tfa_device_find_host(rec, tfa_pam_class(c), host, tfa_now(),
	    &i) != TFA_DEVICE_TRUSTED)
		return false;
	copy = rec->dev[i];
	/* last_seen is written at most every few minutes; it must stick */
	if (tfa_device_touch(&copy, host, tfa_now()) &&
	    note_device(c, host, false, true) != TFA_OK)
		return false;
	tfa_pam_report(c, LOG_INFO, TFA_METHOD_DEVICE, "success");
	return true;
}

/* "Trust this device for N days? [y/N]"; silence or an error is a no. */
static bool
ask_trust(struct ctx *c)
{
	char *answer = NULL;
	bool yes;

	if ((c->flags & PAM_SILENT) || pam_prompt(c->pamh,
	    PAM_PROMPT_ECHO_ON, &answer, "Trust this device for %u day%s? "
	    "[y/N] ", c->cfg.trust_days, c->cfg.trust_days == 1 ? "" : "s") !=
	    PAM_SUCCESS || answer == NULL)
		return false;
	yes = strcasecmp(answer, "y") == 0 || strcasecmp(answer, "yes") == 0;
	free(answer);
	return yes;
}

void
tfa_pam_device_seen(struct ctx *c)
{
	char host[TFA_RHOST_MAX + 1];
	bool trust;

	if (!c->cfg.allow_devices || tfa_pam_is_dovecot(c->pamh) ||
	    !device_host(c, host, sizeof(host)))
		return;
	trust = trusting(c) && ask_trust(c);
	/* listed with the code's save (tfa_pam_device_list), or not yet */
	if ((c->device_listed == 0 || trust) &&
	    note_device(c, host, trust, false) != TFA_OK)
		c->device_listed = -1;
	if (c->device_listed < 0)
		pam_syslog(c->pamh, LOG_WARNING, "user=%s: cannot list the "
		    "device%s", c->user_log, trust ? " as trusted" : "");
	else if (trust)
		pam_syslog(c->pamh, LOG_INFO, "user=%s service=%s rhost=%s: "
		    "device trusted for %u days", c->user_log,
		    tfa_pam_class(c), c->rhost, c->cfg.trust_days);
}

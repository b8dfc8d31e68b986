/*
 * tfa-enroll devices [remove ID|all]: every place a second factor was used
 * from (an interactive host, or a remembered mail client) and its trust.
 * Removing one logs it out: the next login from it needs a fresh code.
 */
#include <stdarg.h>
#include <stdlib.h>

#include "enroll.h"
#include "store.h"

int
tfa_enroll_usage(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("tfa-enroll: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'tfa-enroll COMMAND --help'.\n", stderr);
	return TFA_EXIT_USAGE;
}

static const char *
kind_name(enum tfa_device_kind k)
{
	return k == TFA_DEVICE_MAIL ? "mail" : "host";
}

static int
by_id(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return a < b ? -1 : a > b;
}

static void
list_json(const struct tfa_record *rec)
{
	size_t i;

	putchar('[');
	for (i = 0; i < rec->n_dev; i++) {
		const struct tfa_device *d = &rec->dev[i];

		printf("%s{\"id\":%u,\"kind\":\"%s\",\"service\":", i ? "," : "",
		    (unsigned)d->id, kind_name(d->kind));
		tfa_enroll_json_str(d->service);
		printf(",\"rhost\":");
		tfa_enroll_json_str(d->rhost);
		printf(",\"first_seen\":%lld,\"last_seen\":%lld,"
		    "\"trusted_until\":%lld}", (long long)d->first_seen,
		    (long long)d->last_seen, (long long)d->trusted_until);
	}
	printf("]\n");
}

static const char *
trust_of(const struct tfa_device *d, int64_t now, char *buf, size_t len)
{
	char date[64];

	if (d->trusted_until == 0)
		return "not trusted";
	snprintf(buf, len, "%s %s", d->trusted_until > now ? "trusted until" :
	    "expired", tfa_enroll_date(d->trusted_until, date, sizeof(date)));
	return buf;
}

static void
list_text(const struct tfa_record *rec, int64_t now)
{
	char d1[64], d2[64], t[96];
	size_t i;

	if (rec->n_dev == 0) {
		printf("No devices.\n");
		return;
	}
	for (i = 0; i < rec->n_dev; i++) {
		const struct tfa_device *d = &rec->dev[i];

		printf("%u  %s %s from %s\n    first seen: %s\n"
		    "    last seen:  %s\n    %s\n", (unsigned)d->id,
		    d->kind == TFA_DEVICE_MAIL ? "mail client on" : "login on",
		    d->service, d->rhost[0] ? d->rhost : "-",
		    tfa_enroll_date(d->first_seen, d1, sizeof(d1)),
		    tfa_enroll_date(d->last_seen, d2, sizeof(d2)),
		    trust_of(d, now, t, sizeof(t)));
	}
}

int
tfa_enroll_devices(struct tfa_enroll *e)
{
	struct tfa_record rec;
	bool json;
	tfa_err r;
	int rc;

	if ((rc = tfa_enroll_json_arg(e, &json)) >= 0)
		return rc;
	r = tfa_store_read(&e->cfg, &e->log, e->user, &rec);
	if (r == TFA_ERR_NOENT) {
		tfa_record_init(&rec);
	} else if (r != TFA_OK) {
		tfa_enroll_store_error(e, "cannot read your record", r);
		return TFA_EXIT_FAIL;
	}
	qsort(rec.dev, rec.n_dev, sizeof(*rec.dev), by_id);
	if (json)
		list_json(&rec);
	else
		list_text(&rec, tfa_now());
	if (!json && !e->cfg.allow_devices)
		printf("(The administrator has turned devices off: "
		    "AllowUsedDevices=false.)\n");
	tfa_record_wipe(&rec);
	return TFA_EXIT_OK;
}

/* Under the lock: remove device id, or every one when id is 0. */
static tfa_err
remove_devices(const struct tfa_enroll *e, uint32_t id, size_t *gone)
{
	struct tfa_store *st = NULL;
	struct tfa_record rec;
	size_t i;
	tfa_err r;

	*gone = 0;
	tfa_record_init(&rec);
	if ((r = tfa_store_lock(&e->cfg, &e->log, e->user, &st)) != TFA_OK ||
	    (r = tfa_store_load(st, &rec)) != TFA_OK)
		goto out;
	for (i = rec.n_dev; i-- > 0;)
		if (id == 0 || rec.dev[i].id == id) {
			tfa_record_remove_device(&rec, i);
			(*gone)++;
		}
	r = *gone == 0 && id != 0 ? TFA_ERR_NOENT : *gone == 0 ? TFA_OK :
	    tfa_store_save(st, &rec);
out:
	tfa_store_close(&st);
	tfa_record_wipe(&rec);
	return r;
}

int
tfa_enroll_devices_remove(struct tfa_enroll *e)
{
	long id = 0;
	size_t gone;
	tfa_err r;

	if (e->argc != 2 || (strcmp(e->argv[1], "all") != 0 &&
	    (id = tfa_enroll_number(e->argv[1], UINT32_MAX - 1)) <= 0))
		return tfa_enroll_usage("give the ID of one device, or 'all' "
		    "(see 'tfa-enroll devices')");
	r = remove_devices(e, (uint32_t)id, &gone);
	if (r == TFA_ERR_NOENT && id != 0) {
		tfa_enroll_error("%s has no device %ld", e->user, id);
		return TFA_EXIT_FAIL;
	}
	if (r != TFA_OK && r != TFA_ERR_NOENT) {
		tfa_enroll_store_error(e, "cannot remove the device", r);
		return TFA_EXIT_FAIL;
	}
	tfa_log(&e->log, LOG_NOTICE, "removed %zu device%s of user %s", gone,
	    gone == 1 ? "" : "s", e->user_log);
	printf("Removed %zu device%s.  A login from %s needs a fresh code "
	    "again.\n", gone, gone == 1 ? "" : "s", gone == 1 ? "it" :
	    "any of them");
	return TFA_EXIT_OK;
}

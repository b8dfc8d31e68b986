/*
 * tfa-enroll devices [remove ID|all]: every place a second factor was used
 * from (an interactive host, or a remembered mail client) and its trust.
 * Removing one logs it out: the next login from it needs a fresh code.
 */
#include <stdarg.h>
#include <stdlib.h>

#include "enroll.h"
#include "ops.h"

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

static void
list_json(const struct tfa_device *all, size_t n)
{
	size_t i;

	putchar('[');
	for (i = 0; i < n; i++) {
		const struct tfa_device *d = &all[i];

		printf("%s{\"id\":%u,\"kind\":\"%s\",\"service\":", i ? "," :
		    "", (unsigned)d->id, kind_name(d->kind));
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
list_text(const struct tfa_device *all, size_t n, int64_t now)
{
	char d1[64], d2[64], t[96], s1[TFA_ENROLL_TEXT_MAX],
	    s2[TFA_ENROLL_TEXT_MAX];
	size_t i;

	if (n == 0) {
		printf("No devices.\n");
		return;
	}
	for (i = 0; i < n; i++) {
		const struct tfa_device *d = &all[i];

		printf("%u  %s %s from %s\n    first seen: %s\n"
		    "    last seen:  %s\n    %s\n", (unsigned)d->id,
		    d->kind == TFA_DEVICE_MAIL ? "mail client on" : "login on",
		    tfa_enroll_text(d->service, s1, sizeof(s1)),
		    d->rhost[0] ? tfa_enroll_text(d->rhost, s2, sizeof(s2)) :
		    "-", tfa_enroll_date(d->first_seen, d1, sizeof(d1)),
		    tfa_enroll_date(d->last_seen, d2, sizeof(d2)),
		    trust_of(d, now, t, sizeof(t)));
	}
}

int
tfa_enroll_devices(struct tfa_enroll *e)
{
	struct tfa_enroll_items all;
	bool json;
	int rc;

	if ((rc = tfa_enroll_list(e, TFA_OP_DEVICE_LIST, &json, &all)) >= 0)
		return rc;
	if (json)
		list_json(all.v, all.n);
	else
		list_text(all.v, all.n, tfa_now());
	tfa_enroll_items_free(&all);
	if (json)
		return TFA_EXIT_OK;
	if (!e->cfg.allow_devices)
		printf("(The administrator has turned devices off: "
		    "AllowUsedDevices=false.)\n");
	return TFA_EXIT_OK;
}

int
tfa_enroll_devices_remove(struct tfa_enroll *e)
{
	struct tfa_op_res res;
	long id = 0;
	unsigned gone;
	int rc;

	if (e->argc != 2 || (strcmp(e->argv[1], "all") != 0 &&
	    (id = tfa_enroll_number(e->argv[1], UINT32_MAX - 1)) <= 0))
		return tfa_enroll_usage("give the ID of one device, or 'all' "
		    "(see 'tfa-enroll devices')");
	/* "all" of nothing is not NOENT: ops_mail.c counts it as done */
	if ((rc = tfa_enroll_remove(e, TFA_OP_DEVICE_REMOVE, id, "device",
	    &res)) >= 0)
		return rc;
	gone = res.u.removed;
	printf("Removed %u device%s.  A login from %s needs a fresh code "
	    "again.\n", gone, gone == 1 ? "" : "s", gone == 1 ? "it" :
	    "any of them");
	return TFA_EXIT_OK;
}

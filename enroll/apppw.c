/*
 * tfa-enroll app-password add | list | remove: the passwords a mail or
 * DAV client sends instead of password + code.  A new one is shown once;
 * only its salted hash is kept.
 */
#include <getopt.h>
#include <stdlib.h>
#include <unistd.h>

#include "auth.h"
#include "code.h"
#include "enroll.h"
#include "store.h"

#define DAY 86400

struct add_args {
	const char *name;
	const char *services;
	long days;			/* -1: AppPasswordLifetimeDays */
};

static const struct option add_opts[] = {
	{ "services", required_argument, NULL, 's' },
	{ "days", required_argument, NULL, 'd' },
	{ NULL, 0, NULL, 0 }
};

/* Whole decimal numbers only; -1 when s is not one or above max. */
long
tfa_enroll_number(const char *s, long max)
{
	long n = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || (n = n * 10 + (*s - '0')) > max)
			return -1;
	}
	return n;
}

static bool
name_ok(const char *name)
{
	size_t i;

	for (i = 0; name[i] != '\0'; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return false;
	return i > 0 && i <= TFA_NAME_MAX;
}

static int
parse_add(const struct tfa_enroll *e, struct add_args *a)
{
	int ch;

	a->services = "";
	a->days = -1;
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(e->argc, e->argv, "s:d:", add_opts,
	    NULL)) != -1) {
		if (ch == 's')
			a->services = optarg;
		else if (ch == 'd' && (a->days = tfa_enroll_number(optarg,
		    36500)) < 0)
			return tfa_enroll_usage("--days takes 0 (never "
			    "expires) to 36500");
		else if (ch != 'd')
			return tfa_enroll_usage("unknown option '%s'",
			    e->argv[optind - 1]);
	}
	if (optind + 1 != e->argc)
		return tfa_enroll_usage("give one NAME for the app password");
	a->name = e->argv[optind];
	if (!name_ok(a->name))
		return tfa_enroll_usage("NAME must be 1 to %d characters "
		    "without control characters", TFA_NAME_MAX);
	if (tfa_apppw_services_check(a->services) != TFA_OK)
		return tfa_enroll_usage("--services takes a list like "
		    "imap,smtp (lower case, no spaces)");
	return -1;
}

/* -1 when the user may have app passwords, else the exit status. */
static int
check_can_add(const struct tfa_enroll *e)
{
	struct tfa_record rec;
	tfa_err r;
	bool ok;

	if (!e->cfg.allow_app_passwords) {
		tfa_enroll_error("the administrator does not allow app "
		    "passwords (AllowAppPasswords=false)");
		return TFA_EXIT_FAIL;
	}
	r = tfa_store_read(&e->cfg, &e->log, e->user, &rec);
	if (r != TFA_OK && r != TFA_ERR_NOENT) {
		tfa_enroll_store_error(e, "cannot read your record", r);
		return TFA_EXIT_FAIL;
	}
	ok = r == TFA_OK && !rec.disabled && tfa_auth_enrolled(&e->cfg, &rec);
	if (r == TFA_OK)
		tfa_record_wipe(&rec);
	if (ok)
		return -1;
	tfa_enroll_error("an app password stands in for password + second "
	    "factor, so it needs a second factor first: tfa-enroll totp");
	return TFA_EXIT_FAIL;
}

/*
 * An app password gets past the second factor, so making one takes a
 * current code, checked (and counted) like a login.  Root is not asked.
 */
static int
prove(const struct tfa_enroll *e)
{
	char line[TFA_CODE_INPUT_MAX + 1];
	struct tfa_verdict v;
	tfa_err r;

	if (getuid() == 0)
		return -1;
	switch (tfa_enroll_read_line("Current verification code: ", line,
	    sizeof(line))) {
	case TFA_LINE_OK:
		break;
	default:
		tfa_enroll_error("no code given; nothing was changed");
		return TFA_EXIT_FAIL;
	}
	r = tfa_auth_code(&e->cfg, &e->log, e->user, line, tfa_now(), &v);
	tfa_wipe_array(line);
	if (r == TFA_OK)
		return -1;
	tfa_enroll_error("%s; nothing was changed", r == TFA_ERR_LOCKED ?
	    "too many wrong codes, try again later" : tfa_strerror(r));
	return TFA_EXIT_FAIL;
}

static tfa_err
store_new(const struct tfa_enroll *e, const struct add_args *a,
    char shown[TFA_APPPW_SHOWN], int64_t *expires)
{
	struct tfa_store *st = NULL;
	struct tfa_record rec;
	struct tfa_apppw *p;
	int64_t now = tfa_now();
	long days = a->days >= 0 ? a->days : (long)e->cfg.app_password_days;
	tfa_err r;

	tfa_record_init(&rec);
	if ((r = tfa_store_lock(&e->cfg, &e->log, e->user, &st)) != TFA_OK ||
	    (r = tfa_store_load(st, &rec)) != TFA_OK)
		goto out;
	if ((p = tfa_record_add_apppw(&rec)) == NULL) {
		r = TFA_ERR_NOMEM;
		goto out;
	}
	if ((r = tfa_apppw_generate(p, shown)) != TFA_OK)
		goto out;
	memcpy(p->name, a->name, strlen(a->name) + 1);
	memcpy(p->services, a->services, strlen(a->services) + 1);
	p->created = now;
	p->expires = *expires = days > 0 ? now + days * DAY : 0;
	if ((r = tfa_store_save(st, &rec)) != TFA_OK)
		explicit_bzero(shown, TFA_APPPW_SHOWN);
out:
	tfa_store_close(&st);
	tfa_record_wipe(&rec);
	return r;
}

int
tfa_enroll_apppw_add(struct tfa_enroll *e)
{
	char shown[TFA_APPPW_SHOWN], date[64];
	struct add_args a = { "", "", -1 };
	int64_t expires = 0;
	tfa_err r;
	int rc;

	if ((rc = parse_add(e, &a)) >= 0 || (rc = check_can_add(e)) >= 0 ||
	    (rc = prove(e)) >= 0)
		return rc;
	if ((r = store_new(e, &a, shown, &expires)) != TFA_OK) {
		tfa_enroll_store_error(e, "cannot store the app password", r);
		return TFA_EXIT_FAIL;
	}
	tfa_log(&e->log, LOG_NOTICE, "added an app password for user %s",
	    e->user_log);
	printf("App password \"%s\" for %s\n  services: %s\n  expires:  %s\n\n"
	    "    %s\n\nType it into the app in place of your password.  It is "
	    "shown only now;\nremove it with 'tfa-enroll app-password remove "
	    "ID' (see 'list').\n", a.name, e->user, a.services[0] ?
	    a.services : "all", tfa_enroll_date(expires, date, sizeof(date)),
	    shown);
	tfa_wipe_array(shown);
	return TFA_EXIT_OK;
}

static int
by_id(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return a < b ? -1 : a > b;
}

void
tfa_enroll_json_str(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void
list_json(const struct tfa_record *rec)
{
	size_t i;

	putchar('[');
	for (i = 0; i < rec->n_apppw; i++) {
		const struct tfa_apppw *a = &rec->apppw[i];

		printf("%s{\"id\":%u,\"name\":", i ? "," : "", (unsigned)a->id);
		tfa_enroll_json_str(a->name);
		printf(",\"services\":");
		tfa_enroll_json_str(a->services);
		printf(",\"created\":%lld,\"last_used\":%lld,\"last_rhost\":",
		    (long long)a->created, (long long)a->last_used);
		tfa_enroll_json_str(a->last_rhost);
		printf(",\"expires\":%lld}", (long long)a->expires);
	}
	printf("]\n");
}

static void
list_text(const struct tfa_record *rec, int64_t now)
{
	char d1[64], d2[64], d3[64];
	size_t i;

	if (rec->n_apppw == 0) {
		printf("No app passwords.  Make one with: tfa-enroll "
		    "app-password add NAME\n");
		return;
	}
	for (i = 0; i < rec->n_apppw; i++) {
		const struct tfa_apppw *a = &rec->apppw[i];

		printf("%u  %s\n    services: %s\n    created:  %s\n"
		    "    last used: %s%s%s\n    expires:  %s%s\n",
		    (unsigned)a->id, a->name, a->services[0] ? a->services :
		    "all", tfa_enroll_date(a->created, d1, sizeof(d1)),
		    tfa_enroll_date(a->last_used, d2, sizeof(d2)),
		    a->last_used ? " from " : "", a->last_used ?
		    a->last_rhost : "", tfa_enroll_date(a->expires, d3,
		    sizeof(d3)), a->expires && a->expires <= now ?
		    " (expired)" : "");
	}
}

/* --json, or no option at all; -1 to go on, else the exit status. */
int
tfa_enroll_json_arg(struct tfa_enroll *e, bool *json)
{
	int i;

	*json = false;
	for (i = 1; i < e->argc; i++) {
		if (strcmp(e->argv[i], "--json") != 0)
			return tfa_enroll_usage("unexpected argument '%s'",
			    e->argv[i]);
		*json = true;
	}
	return -1;
}

int
tfa_enroll_apppw_list(struct tfa_enroll *e)
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
	qsort(rec.apppw, rec.n_apppw, sizeof(*rec.apppw), by_id);
	if (json)
		list_json(&rec);
	else
		list_text(&rec, tfa_now());
	tfa_record_wipe(&rec);
	return TFA_EXIT_OK;
}

static tfa_err
remove_id(const struct tfa_enroll *e, uint32_t id)
{
	struct tfa_store *st = NULL;
	struct tfa_record rec;
	size_t i;
	tfa_err r;

	tfa_record_init(&rec);
	if ((r = tfa_store_lock(&e->cfg, &e->log, e->user, &st)) != TFA_OK ||
	    (r = tfa_store_load(st, &rec)) != TFA_OK)
		goto out;
	for (i = 0; i < rec.n_apppw && rec.apppw[i].id != id; i++)
		;
	r = TFA_ERR_NOENT;
	if (i < rec.n_apppw) {
		tfa_record_remove_apppw(&rec, i);
		r = tfa_store_save(st, &rec);
	}
out:
	tfa_store_close(&st);
	tfa_record_wipe(&rec);
	return r;
}

int
tfa_enroll_apppw_remove(struct tfa_enroll *e)
{
	long id;
	tfa_err r;

	if (e->argc != 2 || (id = tfa_enroll_number(e->argv[1],
	    UINT32_MAX - 1)) <= 0)
		return tfa_enroll_usage("give the ID of one app password "
		    "(see 'tfa-enroll app-password list')");
	r = remove_id(e, (uint32_t)id);
	if (r == TFA_ERR_NOENT) {
		tfa_enroll_error("%s has no app password %ld", e->user, id);
		return TFA_EXIT_FAIL;
	}
	if (r != TFA_OK) {
		tfa_enroll_store_error(e, "cannot remove the app password", r);
		return TFA_EXIT_FAIL;
	}
	tfa_log(&e->log, LOG_NOTICE, "removed app password %ld of user %s",
	    id, e->user_log);
	printf("App password %ld is removed; clients using it can no longer "
	    "log in.\n", id);
	return TFA_EXIT_OK;
}

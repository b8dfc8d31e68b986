/*
 * tfa-enroll status: what a user can see of their own record.  Read from a
 * lockless snapshot; nothing here changes the store.
 */
#include <time.h>

#include "auth.h"
#include "enroll.h"
#include "store.h"

const char *
tfa_enroll_hash_name(enum tfa_hash h)
{
	static const char *names[] = { "SHA1", "SHA256", "SHA512" };

	return (unsigned)h < 3 ? names[h] : "unknown";
}

const char *
tfa_enroll_date(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0)
		return "never";
	if (localtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S %Z", &tm) == 0)
		snprintf(buf, len, "@%lld", (long long)t);
	return buf;
}

static const char *
method_label(enum tfa_method m)
{
	return m == TFA_METHOD_TOTP ? "authenticator app" : tfa_method_name(m);
}

static void
show_totp(const struct tfa_enroll *e, const struct tfa_totp *t)
{
	char date[64];

	if (!t->enabled) {
		printf("Authenticator app: not configured\n");
		return;
	}
	printf("Authenticator app: configured on %s (%s, %u digits, %u s)%s\n",
	    tfa_enroll_date(t->created, date, sizeof(date)),
	    tfa_enroll_hash_name(t->algo), t->digits, t->period,
	    e->cfg.allow_app ? "" : " but not allowed by the administrator");
}

static void
show_state(const struct tfa_record *rec, int64_t now)
{
	char date[64];

	printf("Disabled by an administrator: %s\n", rec->disabled ?
	    "yes (logins do not ask for a second factor)" : "no");
	printf("Failed tries in a row: %u\n", rec->failures);
	if (tfa_auth_locked(rec, now))
		printf("Locked until: %s\n", tfa_enroll_date(rec->locked_until,
		    date, sizeof(date)));
	printf("Last second-factor login: %s", tfa_enroll_date(rec->last_login,
	    date, sizeof(date)));
	if (rec->last_login != 0)
		printf(" (%s)", method_label(rec->last_method));
	putchar('\n');
}

static void
show_advice(const struct tfa_enroll *e, const struct tfa_record *rec)
{
	if (e->cfg.disabled)
		printf("\nNote: pam_tfa is turned off on this system "
		    "(Disabled=true).\n");
	if (rec->totp.enabled)
		return;
	if (e->cfg.allow_app)
		printf("\nNo second factor is configured.  Set one up with:\n"
		    "    tfa-enroll totp\n");
	else
		printf("\nNo second factor is configured, and the "
		    "administrator does not allow\nauthenticator apps "
		    "(AllowAuthenticatorApp=false).\n");
}

int
tfa_enroll_status(struct tfa_enroll *e)
{
	struct tfa_record rec;
	tfa_err r;

	r = tfa_store_read(&e->cfg, &e->log, e->user, &rec);
	if (r == TFA_ERR_NOENT) {
		tfa_record_init(&rec);
	} else if (r != TFA_OK) {
		tfa_enroll_store_error(e, "cannot read your record", r);
		return TFA_EXIT_FAIL;
	}
	printf("User: %s\n", e->user);
	show_totp(e, &rec.totp);
	show_state(&rec, tfa_now());
	show_advice(e, &rec);
	tfa_record_wipe(&rec);
	return TFA_EXIT_OK;
}

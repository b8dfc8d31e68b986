/*
 * tfa-enroll status: what a user can see of their own record, from the
 * VIEW operation (a lockless snapshot, without secrets); nothing here
 * changes the store.
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
show_totp(const struct tfa_enroll *e, const struct tfa_op_view *v)
{
	char date[64];

	if (!v->totp) {
		printf("Authenticator app: not configured\n");
		return;
	}
	printf("Authenticator app: configured on %s (%s, %u digits, %u s)%s\n",
	    tfa_enroll_date(v->totp_created, date, sizeof(date)),
	    tfa_enroll_hash_name((enum tfa_hash)v->totp_algo), v->totp_digits,
	    v->totp_period,
	    e->cfg.allow_app ? "" : " but not allowed by the administrator");
}

static void
show_backup(const struct tfa_enroll *e, const struct tfa_op_view *v)
{
	char date[64];

	if (!v->backup)
		printf("Backup codes: none");
	else
		printf("Backup codes: %u left (made %s)", v->backup_left,
		    tfa_enroll_date(v->backup_created, date, sizeof(date)));
	printf("%s\n", e->cfg.allow_backup ? "" :
	    " (not allowed by the administrator)");
}

static void
show_lists(const struct tfa_enroll *e, const struct tfa_op_view *v)
{
	printf("Security keys: %u%s\n", (unsigned)v->n_keys,
	    e->cfg.allow_keys ? "" : " (not allowed by the administrator)");
	printf("App passwords: %u\n", (unsigned)v->n_apppw);
	printf("Devices: %u\n", (unsigned)v->n_dev);
}

static void
show_state(const struct tfa_op_view *v, int64_t now)
{
	char date[64];

	printf("Disabled by an administrator: %s\n", v->disabled ?
	    "yes (logins do not ask for a second factor)" : "no");
	printf("Failed tries in a row: %u\n", v->failures);
	if (v->locked_until != 0 && now < v->locked_until)
		printf("Locked until: %s\n", tfa_enroll_date(v->locked_until,
		    date, sizeof(date)));
	printf("Last second-factor login: %s", tfa_enroll_date(v->last_login,
	    date, sizeof(date)));
	if (v->last_login != 0)
		printf(" (%s)", method_label((enum tfa_method)v->last_method));
	putchar('\n');
}

static void
show_advice(const struct tfa_enroll *e, const struct tfa_op_view *v)
{
	if (e->cfg.disabled)
		printf("\nNote: pam_tfa is turned off on this system "
		    "(Disabled=true).\n");
	if (v->totp && !v->backup && e->cfg.allow_backup)
		printf("\nIn case the phone is lost, make backup codes with:\n"
		    "    tfa-enroll backup-codes\n");
	if (v->totp || (v->n_keys > 0 && e->cfg.allow_keys))
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
	struct tfa_op_view v;
	int rc;

	if ((rc = tfa_enroll_view(e, &v)) >= 0)
		return rc;
	printf("User: %s\n", e->user);
	show_totp(e, &v);
	show_backup(e, &v);
	show_lists(e, &v);
	show_state(&v, tfa_now());
	show_advice(e, &v);
	return TFA_EXIT_OK;
}

/*
 * tfa-enroll's administrator commands: disable, enable and reset one user
 * (--user NAME), and list-users.  Root only, by real uid; the set-uid
 * monitor never serves these operations in any case.  The changes are
 * logged by ops.c as "admin=root action=... user=..."; list-users here.
 */
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "enroll.h"
#include "json.h"
#include "store.h"

#define DATE_WIDTH	23	/* "2026-11-23 18:23:40 UTC" */

static int
need_root(const char *what)
{
	if (getuid() == 0)
		return -1;
	tfa_enroll_error("%s: only root can do this", what);
	return TFA_EXIT_FAIL;
}

static int
need_target(const struct tfa_enroll *e, const char *what)
{
	if (e->admin[0] != '\0')
		return -1;
	tfa_enroll_error("%s needs the user to act on: tfa-enroll --user NAME "
	    "%s", what, what);
	return TFA_EXIT_USAGE;
}

/* One admin operation on --user NAME; -1 when done, else the status. */
static int
admin_op(struct tfa_enroll *e, const char *what, enum tfa_op op)
{
	struct tfa_op_req req;
	struct tfa_op_res res;
	tfa_err r;
	int rc;

	if ((rc = need_root(what)) >= 0 || (rc = need_target(e, what)) >= 0)
		return rc;
	memset(&req, 0, sizeof(req));
	req.op = op;
	r = tfa_enroll_op(e, &req, &res);
	explicit_bzero(&res, sizeof(res));
	if (r == TFA_OK)
		return -1;
	if (r == TFA_ERR_NOENT)
		tfa_enroll_error("%s has no second-factor record; nothing to %s",
		    e->user, what);
	else
		tfa_enroll_store_error(e, "cannot change the record", r);
	return TFA_EXIT_FAIL;
}

int
tfa_enroll_disable(struct tfa_enroll *e)
{
	int rc;

	if ((rc = admin_op(e, "disable", TFA_OP_DISABLE)) >= 0)
		return rc;
	printf("The second factor of %s is disabled: logins do not ask for "
	    "it (even with\nEnforce=true) until 'tfa-enroll --user %s "
	    "enable'.\n", e->user, e->user);
	return TFA_EXIT_OK;
}

int
tfa_enroll_enable(struct tfa_enroll *e)
{
	int rc;

	if ((rc = admin_op(e, "enable", TFA_OP_ENABLE)) >= 0)
		return rc;
	printf("The second factor of %s is enabled again.\n", e->user);
	return TFA_EXIT_OK;
}

int
tfa_enroll_reset(struct tfa_enroll *e)
{
	int rc;

	if ((rc = admin_op(e, "reset", TFA_OP_RESET)) >= 0)
		return rc;
	printf("Every second-factor method and all state of %s are removed.\n"
	    "%s can set up a new authenticator app with: tfa-enroll totp\n",
	    e->user, e->user);
	return TFA_EXIT_OK;
}

/* ---- list-users ---- */

struct names {
	char **v;
	size_t n, cap;
};

static tfa_err
collect(void *arg, const char *user)
{
	struct names *ns = arg;
	char **v;

	if (ns->n == ns->cap) {
		ns->cap = ns->cap ? ns->cap * 2 : 64;
		if ((v = reallocarray(ns->v, ns->cap, sizeof(*v))) == NULL)
			return TFA_ERR_NOMEM;
		ns->v = v;
	}
	if ((ns->v[ns->n] = strdup(user)) == NULL)
		return TFA_ERR_NOMEM;
	ns->n++;
	return TFA_OK;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
free_names(struct names *ns)
{
	size_t i;

	for (i = 0; i < ns->n; i++)
		free(ns->v[i]);
	free(ns->v);
	memset(ns, 0, sizeof(*ns));
}

/* The summary of one user's record; false (and why) when unreadable. */
static bool
view_user(const struct tfa_enroll *e, const char *user, struct tfa_op_view *v,
    tfa_err *why)
{
	struct tfa_record rec;

	if ((*why = tfa_store_read(&e->cfg, &e->log, user, &rec)) != TFA_OK)
		return false;
	tfa_ops_view(&e->cfg, &rec, v);
	tfa_record_wipe(&rec);
	return true;
}

static bool
locked_now(const struct tfa_op_view *v, int64_t now)
{
	return v->locked_until != 0 && now < v->locked_until;
}

static void
json_user(const char *user, const char *escaped, const struct tfa_op_view *v,
    tfa_err why, int64_t now)
{
	printf("  {\"user\": ");
	tfa_json_string(stdout, user);
	printf(", \"user_escaped\": ");
	tfa_json_string(stdout, escaped);
	if (v == NULL) {
		printf(", \"error\": ");
		tfa_json_string(stdout, tfa_strerror(why));
		printf("}");
		return;
	}
	printf(", \"totp\": %s, \"keys\": %u, \"backup_codes\": %s, "
	    "\"backup_codes_left\": %u, \"app_passwords\": %u, "
	    "\"devices\": %u, \"disabled\": %s, \"failures\": %u, "
	    "\"locked_until\": ", v->totp ? "true" : "false", v->n_keys,
	    v->backup ? "true" : "false", v->backup_left, v->n_apppw, v->n_dev,
	    v->disabled ? "true" : "false", v->failures);
	tfa_json_time(stdout, locked_now(v, now) ? v->locked_until : 0);
	printf(", \"last_login\": ");
	tfa_json_time(stdout, v->last_login);
	printf(", \"last_login_method\": ");
	if (v->last_login != 0)
		tfa_json_string(stdout,
		    tfa_method_name((enum tfa_method)v->last_method));
	else
		printf("null");
	printf("}");
}

static void
text_header(int width)
{
	printf("%-*s  %-3s  %4s  %-6s  %6s  %7s  %-8s  %-*s  %s\n", width,
	    "USER", "APP", "KEYS", "BACKUP", "APP-PW", "DEVICES", "DISABLED",
	    DATE_WIDTH, "LOCKED-UNTIL", "LAST-LOGIN");
}

static void
text_user(int width, const char *escaped, const struct tfa_op_view *v,
    tfa_err why, int64_t now)
{
	char backup[16], locked[64], last[64];

	if (v == NULL) {
		printf("%-*s  (cannot read the record: %s)\n", width, escaped,
		    tfa_strerror(why));
		return;
	}
	if (v->backup)
		snprintf(backup, sizeof(backup), "%u/%u", v->backup_left,
		    TFA_BACKUP_COUNT);
	else
		snprintf(backup, sizeof(backup), "-");
	if (!locked_now(v, now))
		snprintf(locked, sizeof(locked), "-");
	else
		tfa_enroll_date(v->locked_until, locked, sizeof(locked));
	printf("%-*s  %-3s  %4u  %-6s  %6u  %7u  %-8s  %-*s  %s", width,
	    escaped, v->totp ? "yes" : "no", v->n_keys, backup, v->n_apppw,
	    v->n_dev, v->disabled ? "yes" : "no", DATE_WIDTH, locked,
	    tfa_enroll_date(v->last_login, last, sizeof(last)));
	if (v->last_login != 0)
		printf(" (%s)", tfa_method_name((enum tfa_method)v->last_method));
	putchar('\n');
}

/* The widest escaped name, for the text table's first column. */
static int
name_width(const struct names *ns)
{
	char escaped[TFA_USER_FILE_MAX + 1];
	size_t i, w = 4;

	for (i = 0; i < ns->n; i++)
		if (tfa_user_escape(ns->v[i], escaped, sizeof(escaped)) ==
		    TFA_OK && strlen(escaped) > w)
			w = strlen(escaped);
	return (int)w;
}

/* One line or object per user; the number of unreadable records. */
static unsigned
print_users(const struct tfa_enroll *e, const struct names *ns)
{
	char escaped[TFA_USER_FILE_MAX + 1];
	struct tfa_op_view v;
	int64_t now = tfa_now();
	unsigned bad = 0;
	int width = name_width(ns);
	tfa_err why = TFA_OK;
	bool ok;
	size_t i;

	if (e->json)
		printf("[");
	else
		text_header(width);
	for (i = 0; i < ns->n; i++) {
		/* listed names came back through tfa_user_unescape: they escape */
		if (tfa_user_escape(ns->v[i], escaped, sizeof(escaped)) != TFA_OK)
			continue;
		ok = view_user(e, ns->v[i], &v, &why);
		bad += !ok;
		if (e->json) {
			printf("%s\n", i > 0 ? "," : "");
			json_user(ns->v[i], escaped, ok ? &v : NULL, why, now);
		} else {
			text_user(width, escaped, ok ? &v : NULL, why, now);
		}
	}
	if (e->json)
		printf("%s]\n", ns->n > 0 ? "\n" : "");
	return bad;
}

int
tfa_enroll_list_users(struct tfa_enroll *e)
{
	struct names ns = { NULL, 0, 0 };
	unsigned bad;
	tfa_err r;
	int rc;

	if ((rc = need_root("list-users")) >= 0)
		return rc;
	if ((r = tfa_store_list(&e->cfg, &e->log, collect, &ns)) != TFA_OK) {
		tfa_enroll_store_error(e, "cannot list the store", r);
		tfa_log(&e->log, LOG_NOTICE, "admin=%s action=list-users "
		    "result=error", e->user_log);
		free_names(&ns);
		return TFA_EXIT_FAIL;
	}
	if (ns.n > 1)
		qsort(ns.v, ns.n, sizeof(*ns.v), by_name);
	bad = print_users(e, &ns);
	tfa_log(&e->log, LOG_NOTICE, "admin=%s action=list-users users=%zu "
	    "unreadable=%u result=ok", e->user_log, ns.n, bad);
	free_names(&ns);
	if (bad == 0)
		return TFA_EXIT_OK;
	tfa_enroll_error("%u record%s cannot be read (see above and the system "
	    "log)", bad, bad == 1 ? "" : "s");
	return TFA_EXIT_FAIL;
}

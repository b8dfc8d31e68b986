/*
 * tfa-enroll app-password add | list | remove: the passwords a mail or
 * DAV client sends instead of password + code.  A new one is shown once;
 * only its salted hash is kept.  Every store access is an operation
 * (ops_mail.c), through the set-uid monitor when there is one.
 */
#include <getopt.h>
#include <stdlib.h>

#include "enroll.h"
#include "json.h"
#include "ops.h"


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
	/* the monitor checks it again: it is what stores it */
	if (!tfa_name_ok(a->name))
		return tfa_enroll_usage(TFA_ENROLL_NAME_RULE, TFA_NAME_MAX);
	if (tfa_apppw_services_check(a->services) != TFA_OK)
		return tfa_enroll_usage("--services takes a list like "
		    "imap,smtp (lower case, no spaces)");
	return -1;
}

/*
 * -1 when the user may have app passwords (*v: the record now), else the
 * exit status.
 */
static int
check_can_add(const struct tfa_enroll *e, struct tfa_op_view *v)
{
	int rc;

	if (!e->cfg.allow_app_passwords) {
		tfa_enroll_error("the administrator does not allow app "
		    "passwords (AllowAppPasswords=false)");
		return TFA_EXIT_FAIL;
	}
	if ((rc = tfa_enroll_view(e, v)) >= 0)
		return rc;
	if (v->exists && v->has_factor && !v->disabled)
		return -1;
	tfa_enroll_error("an app password stands in for password + second "
	    "factor, so it needs a second factor first: tfa-enroll totp");
	return TFA_EXIT_FAIL;
}

static void
show_new(const struct tfa_enroll *e, const struct add_args *a,
    const struct tfa_op_apppw_new *n)
{
	char date[64];

	printf("App password %u, \"%s\", for %s\n  services: %s\n"
	    "  expires:  %s\n\n    %s\n\nType it into the app in place of "
	    "your password.  It is shown only now;\nremove it with "
	    "'tfa-enroll app-password remove %u'.\n", (unsigned)n->id, a->name,
	    e->user, a->services[0] ? a->services : "all",
	    tfa_enroll_date(n->expires, date, sizeof(date)), n->shown,
	    (unsigned)n->id);
}

/*
 * An app password gets past the second factor, so making one takes a
 * current code (or backup code), or a key's touch when the user has no
 * code, checked and counted like a login under the same lock as the
 * change; root acting with --user is not asked.
 */
int
tfa_enroll_apppw_add(struct tfa_enroll *e)
{
	struct add_args a = { "", "", -1 };
	struct tfa_op_view v;
	struct tfa_op_req req;
	struct tfa_op_res res;
	bool touch;
	int rc;

	memset(&req, 0, sizeof(req));
	memset(&res, 0, sizeof(res));
	if ((rc = parse_add(e, &a)) >= 0 || (rc = check_can_add(e, &v)) >= 0)
		goto out;
	req.op = TFA_OP_APPPW_ADD;
	memcpy(req.apppw.name, a.name, strlen(a.name) + 1);
	memcpy(req.apppw.services, a.services, strlen(a.services) + 1);
	req.apppw.days = a.days >= 0 ? (uint32_t)a.days : TFA_OP_DAYS_DEFAULT;
	if ((rc = tfa_enroll_get_proof(e, &v, NULL, &req)) >= 0)
		goto out;
	touch = req.touch.authdata_len != 0;
	rc = TFA_EXIT_FAIL;
	if (tfa_enroll_op(e, &req, &res) != TFA_OK) {
		tfa_enroll_explain_proof(e, &res, touch);
		goto out;
	}
	show_new(e, &a, &res.u.apppw_new);
	rc = TFA_EXIT_OK;
out:
	explicit_bzero(&req, sizeof(req));
	explicit_bzero(&res, sizeof(res));
	return rc;
}

/* Valid JSON whatever bytes s holds (json.c: \u escapes, U+FFFD). */
void
tfa_enroll_json_str(const char *s)
{
	tfa_json_string(stdout, s);
}

const char *
tfa_enroll_text(const char *s, char *buf, size_t len)
{
	return tfa_text_show(s, buf, len);
}

static void
list_json(const struct tfa_op_apppw_info *all, size_t n)
{
	size_t i;

	putchar('[');
	for (i = 0; i < n; i++) {
		const struct tfa_op_apppw_info *a = &all[i];

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
list_text(const struct tfa_op_apppw_info *all, size_t n, int64_t now)
{
	char d1[64], d2[64], d3[64], t1[TFA_ENROLL_TEXT_MAX],
	    t2[TFA_ENROLL_TEXT_MAX], t3[TFA_ENROLL_TEXT_MAX];
	size_t i;

	if (n == 0) {
		printf("No app passwords.  Make one with: tfa-enroll "
		    "app-password add NAME\n");
		return;
	}
	for (i = 0; i < n; i++) {
		const struct tfa_op_apppw_info *a = &all[i];

		printf("%u  %s\n    services: %s\n    created:  %s\n"
		    "    last used: %s%s%s\n    expires:  %s%s\n",
		    (unsigned)a->id, tfa_enroll_text(a->name, t1, sizeof(t1)),
		    a->services[0] ? tfa_enroll_text(a->services, t2,
		    sizeof(t2)) : "all",
		    tfa_enroll_date(a->created, d1, sizeof(d1)),
		    tfa_enroll_date(a->last_used, d2, sizeof(d2)),
		    a->last_used ? " from " : "", a->last_used ?
		    tfa_enroll_text(a->last_rhost, t3, sizeof(t3)) : "",
		    tfa_enroll_date(a->expires, d3, sizeof(d3)),
		    a->expires && a->expires <= now ? " (expired)" : "");
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

/* A page of op's list in res: its entries, how many, and their size. */
static const void *
page_of(enum tfa_op op, const struct tfa_op_res *res, uint32_t *shown,
    size_t *size)
{
	if (op == TFA_OP_APPPW_LIST) {
		*shown = res->u.apppws.shown;
		*size = sizeof(res->u.apppws.a[0]);
		return res->u.apppws.a;
	}
	*shown = res->u.devices.shown;
	*size = sizeof(res->u.devices.d[0]);
	return res->u.devices.d;
}

/* The id of entry i of that page. */
static uint32_t
page_id(enum tfa_op op, const struct tfa_op_res *res, uint32_t i)
{
	return op == TFA_OP_APPPW_LIST ? res->u.apppws.a[i].id :
	    res->u.devices.d[i].id;
}

/*
 * Page after page from the last id each ended with, until a short one
 * (ops.h).  Ids only grow from page to page, or the answer is refused:
 * that also bounds the loop.
 */
int
tfa_enroll_list(struct tfa_enroll *e, enum tfa_op op, bool *json,
    struct tfa_enroll_items *all)
{
	struct tfa_op_req req;
	struct tfa_op_res res;
	const void *page;
	uint32_t after = 0, shown;
	size_t size;
	char *v;
	int rc;

	memset(all, 0, sizeof(*all));
	if ((rc = tfa_enroll_json_arg(e, json)) >= 0)
		return rc;
	for (;;) {
		memset(&req, 0, sizeof(req));
		req.op = op;
		req.after = after;
		if (tfa_enroll_op(e, &req, &res) != TFA_OK) {
			tfa_enroll_explain(e, &res);
			break;
		}
		page = page_of(op, &res, &shown, &size);
		if (shown > TFA_OP_LIST_SHOWN || all->n + shown > TFA_LIST_MAX ||
		    (shown > 0 && page_id(op, &res, 0) <= after)) {
			tfa_enroll_error("the list came back garbled; try again");
			break;
		}
		if (shown > 0) {
			if ((v = reallocarray(all->v, all->n + shown, size)) ==
			    NULL) {
				tfa_enroll_error("out of memory");
				break;
			}
			all->v = v;
			memcpy(v + all->n * size, page, shown * size);
			all->n += shown;
			after = page_id(op, &res, shown - 1);
		}
		if (shown < TFA_OP_LIST_SHOWN)
			return -1;
	}
	tfa_enroll_items_free(all);
	return TFA_EXIT_FAIL;
}

void
tfa_enroll_items_free(struct tfa_enroll_items *all)
{
	free(all->v);
	memset(all, 0, sizeof(*all));
}

int
tfa_enroll_remove(struct tfa_enroll *e, enum tfa_op op, long id,
    const char *what, struct tfa_op_res *res)
{
	struct tfa_op_req req;

	memset(&req, 0, sizeof(req));
	req.op = op;
	req.id = (uint32_t)id;
	if (tfa_enroll_op(e, &req, res) == TFA_ERR_NOENT) {
		tfa_enroll_error("%s has no %s %ld", e->user, what, id);
		return TFA_EXIT_FAIL;
	} else if ((tfa_err)res->err != TFA_OK) {
		tfa_enroll_explain(e, res);
		return TFA_EXIT_FAIL;
	}
	return -1;
}

int
tfa_enroll_apppw_list(struct tfa_enroll *e)
{
	struct tfa_enroll_items all;
	bool json;
	int rc;

	if ((rc = tfa_enroll_list(e, TFA_OP_APPPW_LIST, &json, &all)) >= 0)
		return rc;
	if (json)
		list_json(all.v, all.n);
	else
		list_text(all.v, all.n, tfa_now());
	tfa_enroll_items_free(&all);
	return TFA_EXIT_OK;
}

int
tfa_enroll_apppw_remove(struct tfa_enroll *e)
{
	struct tfa_op_res res;
	long id;
	int rc;

	if (e->argc != 2 || (id = tfa_enroll_number(e->argv[1],
	    UINT32_MAX - 1)) <= 0)
		return tfa_enroll_usage("give the ID of one app password "
		    "(see 'tfa-enroll app-password list')");
	if ((rc = tfa_enroll_remove(e, TFA_OP_APPPW_REMOVE, id, "app password",
	    &res)) >= 0)
		return rc;
	printf("App password %ld is removed; clients using it can no longer "
	    "log in.\n", id);
	return TFA_EXIT_OK;
}

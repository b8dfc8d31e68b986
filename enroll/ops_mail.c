/*
 * The operations on app passwords and devices (ops.h), in the monitor of a
 * set-uid run as for every other operation.  Making an app password takes
 * a proof, since one gets past the second factor; listing and removing do
 * not: they only show or take away access (a user who lost the phone must
 * still be able to log a device out).  Lists go out a page at a time, by
 * id (ops.h), so every entry of a record that holds thousands is shown.
 */
#include "auth.h"
#include "ops.h"
#include "store.h"

#define DAY 86400

bool
tfa_ops_valid_mail(const struct tfa_op_req *req)
{
	const struct tfa_op_apppw *a = &req->apppw;

	/* any id to start after: one above every stored id is an empty page */
	if (req->op != TFA_OP_APPPW_LIST && req->op != TFA_OP_DEVICE_LIST &&
	    req->after != 0)
		return false;
	switch (req->op) {
	case TFA_OP_APPPW_ADD:
		return req->id == 0 &&
		    tfa_ops_text(a->name, sizeof(a->name), false) &&
		    tfa_ops_text(a->services, sizeof(a->services), true) &&
		    tfa_apppw_services_check(a->services) == TFA_OK &&
		    (a->days <= 36500 || a->days == TFA_OP_DAYS_DEFAULT);
	case TFA_OP_APPPW_REMOVE:
		return req->id != 0 && tfa_ops_all_zero(a, sizeof(*a));
	case TFA_OP_DEVICE_REMOVE:
		return tfa_ops_all_zero(a, sizeof(*a));
	default:
		return req->id == 0 && tfa_ops_all_zero(a, sizeof(*a));
	}
}

/* ---- app passwords ---- */

static tfa_err
apppw_add(const struct tfa_ops_ctx *c, const struct tfa_op_req *req,
    struct tfa_op_res *res, struct tfa_store *st, struct tfa_record *rec,
    void *arg)
{
	const struct tfa_op_apppw *q = &req->apppw;
	struct tfa_op_apppw_new *out = &res->u.apppw_new;
	uint32_t days = q->days == TFA_OP_DAYS_DEFAULT ?
	    c->cfg->app_password_days : q->days;
	struct tfa_apppw *a;
	int64_t now = tfa_now();
	tfa_err r;

	(void)arg;
	if (!c->cfg->allow_app_passwords)
		return TFA_ERR_PERM;
	/* it stands in for password + second factor: one must exist */
	if (rec->disabled || !tfa_auth_enrolled(c->cfg, rec))
		return TFA_ERR_NOMETHOD;
	/*
	 * A full list is refused before the proof: after it, a right code
	 * would be answered otherwise than a wrong one whose failure could
	 * not be saved (ops.c, unsaved).
	 */
	if (rec->n_apppw >= TFA_LIST_MAX)
		return TFA_ERR_NOMEM;
	if ((r = tfa_ops_prove(c, req, res, st, rec)) != TFA_OK)
		return r;
	if ((a = tfa_record_add_apppw(rec)) == NULL)
		return TFA_ERR_NOMEM;
	if ((r = tfa_apppw_generate(a, out->shown)) != TFA_OK)
		return r;
	memcpy(a->name, q->name, sizeof(a->name));
	memcpy(a->services, q->services, sizeof(a->services));
	a->created = now;
	a->expires = days > 0 ? now + (int64_t)days * DAY : 0;
	out->id = a->id;
	out->expires = a->expires;
	return TFA_OK;
}

tfa_err
tfa_ops_apppw_add(const struct tfa_ops_ctx *c, const struct tfa_op_req *req,
    struct tfa_op_res *res)
{
	return tfa_ops_change(c, req, res, false, apppw_add, NULL);
}

static void
apppw_list(const struct tfa_ops_ctx *c, const struct tfa_op_req *req,
    const struct tfa_record *rec, struct tfa_op_res *res)
{
	struct tfa_op_apppw_list *l = &res->u.apppws;
	size_t i, k;

	(void)c;
	l->n = (uint32_t)rec->n_apppw;
	/* the page starts at the first id above after: the list is sorted */
	for (i = 0; i < rec->n_apppw && rec->apppw[i].id <= req->after; i++)
		;
	for (k = 0; i < rec->n_apppw && k < TFA_OP_LIST_SHOWN; i++, k++) {
		const struct tfa_apppw *a = &rec->apppw[i];
		struct tfa_op_apppw_info *o = &l->a[k];

		o->id = a->id;
		memcpy(o->name, a->name, sizeof(o->name));
		memcpy(o->services, a->services, sizeof(o->services));
		o->created = a->created;
		o->last_used = a->last_used;
		o->expires = a->expires;
		memcpy(o->last_rhost, a->last_rhost, sizeof(o->last_rhost));
	}
	l->shown = (uint32_t)k;
}

tfa_err
tfa_ops_apppw_list(const struct tfa_ops_ctx *c, const struct tfa_op_req *req,
    struct tfa_op_res *res)
{
	return tfa_ops_look(c, req, res, apppw_list);	/* no record: none */
}

static tfa_err
apppw_remove(const struct tfa_ops_ctx *c, const struct tfa_op_req *req,
    struct tfa_op_res *res, struct tfa_store *st, struct tfa_record *rec,
    void *arg)
{
	size_t i;

	(void)c;
	(void)res;
	(void)st;
	(void)arg;
	for (i = 0; i < rec->n_apppw; i++)
		if (rec->apppw[i].id == req->id)
			return tfa_record_remove_apppw(rec, i);
	return TFA_ERR_NOENT;
}

tfa_err
tfa_ops_apppw_remove(const struct tfa_ops_ctx *c,
    const struct tfa_op_req *req, struct tfa_op_res *res)
{
	return tfa_ops_change(c, req, res, false, apppw_remove, NULL);
}

/* ---- devices ---- */

static void
device_list(const struct tfa_ops_ctx *c, const struct tfa_op_req *req,
    const struct tfa_record *rec, struct tfa_op_res *res)
{
	struct tfa_op_device_list *l = &res->u.devices;
	size_t i, k;

	(void)c;
	l->n = (uint32_t)rec->n_dev;
	for (i = 0; i < rec->n_dev && rec->dev[i].id <= req->after; i++)
		;
	for (k = 0; i < rec->n_dev && k < TFA_OP_LIST_SHOWN; i++, k++) {
		l->d[k] = rec->dev[i];
		explicit_bzero(l->d[k].token_hash, sizeof(l->d[k].token_hash));
	}
	l->shown = (uint32_t)k;
}

tfa_err
tfa_ops_device_list(const struct tfa_ops_ctx *c, const struct tfa_op_req *req,
    struct tfa_op_res *res)
{
	return tfa_ops_look(c, req, res, device_list);
}

static tfa_err
device_remove(const struct tfa_ops_ctx *c, const struct tfa_op_req *req,
    struct tfa_op_res *res, struct tfa_store *st, struct tfa_record *rec,
    void *arg)
{
	size_t i;

	(void)c;
	(void)st;
	(void)arg;
	for (i = rec->n_dev; i-- > 0;)
		if (req->id == 0 || rec->dev[i].id == req->id) {
			tfa_err r = tfa_record_remove_device(rec, i);

			if (r != TFA_OK)
				return r;
			res->u.removed++;
		}
	return res->u.removed == 0 && req->id != 0 ? TFA_ERR_NOENT : TFA_OK;
}

tfa_err
tfa_ops_device_remove(const struct tfa_ops_ctx *c,
    const struct tfa_op_req *req, struct tfa_op_res *res)
{
	tfa_err r = tfa_ops_change(c, req, res, false, device_remove, NULL);

	/* "all" of nothing is done, not an error */
	return r == TFA_ERR_NOENT && req->id == 0 ? TFA_OK : r;
}

/*
 * Unit tests for enroll/ops_mail.c: the app-password and device operations
 * the set-uid monitor serves, with the strict request check, as a user
 * (making an app password takes a proof) and as an admin.  Like test_ops,
 * the enroll/ sources are compiled in, and time() is this program's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "../../enroll/ops.c"
#include "../../enroll/ops_mail.c"

#include "check.h"
#include "mail.h"

static time_t fake_now = 1500000000;

time_t
time(time_t *t)
{
	if (t != NULL)
		*t = fake_now;
	return fake_now;
}

static struct tfa_config cfg;
static struct tfa_log tlog = { NULL, NULL };
static struct tfa_totp app;
static const struct tfa_ops_ctx user = { &cfg, &tlog, "alice", NULL, NULL };
static const struct tfa_ops_ctx admin = { &cfg, &tlog, "alice", "root",
	NULL };

static const char *
code_now(void)
{
	static char code[16];

	if (tfa_totp_code(&app, tfa_totp_step(&app, (int64_t)fake_now), code,
	    sizeof(code)) != TFA_OK)
		abort();
	return code;
}

static void
enroll(void)
{
	struct tfa_store *st;
	struct tfa_record rec;

	tfa_record_init(&rec);
	if (tfa_totp_generate(&app, (int64_t)fake_now) != TFA_OK ||
	    tfa_store_lock(&cfg, NULL, "alice", &st) != TFA_OK)
		abort();
	rec.totp = app;
	if (tfa_store_save(st, &rec) != TFA_OK)
		abort();
	tfa_store_close(&st);
}

static void
add_req(struct tfa_op_req *req, const char *name, const char *services,
    uint32_t days, const char *proof)
{
	memset(req, 0, sizeof(*req));
	req->op = TFA_OP_APPPW_ADD;
	snprintf(req->apppw.name, sizeof(req->apppw.name), "%s", name);
	snprintf(req->apppw.services, sizeof(req->apppw.services), "%s",
	    services);
	req->apppw.days = days;
	if (proof != NULL)
		snprintf(req->proof, sizeof(req->proof), "%s", proof);
}

static struct tfa_record
rec_now(void)
{
	struct tfa_record rec;

	if (tfa_store_read(&cfg, NULL, "alice", &rec) != TFA_OK)
		tfa_record_init(&rec);
	return rec;
}

static void
test_valid(void)
{
	struct tfa_op_req req;

	add_req(&req, "phone", "imap,smtp", 30, "123456");
	CHECK(tfa_ops_valid(&req));
	add_req(&req, "phone", "", TFA_OP_DAYS_DEFAULT, "123456");
	CHECK(tfa_ops_valid(&req));
	add_req(&req, "", "", 0, "123456");
	CHECK(!tfa_ops_valid(&req));		/* no name */
	add_req(&req, "ph\none", "", 0, "123456");
	CHECK(!tfa_ops_valid(&req));		/* control character */
	add_req(&req, "ph\xc2\x9b" "2Jone", "", 0, "123456");
	CHECK(!tfa_ops_valid(&req));		/* C1 control: CSI */
	add_req(&req, "ph\xc2\x85one", "", 0, "123456");
	CHECK(!tfa_ops_valid(&req));		/* C1 control: NEL */
	add_req(&req, "ph\x7fone", "", 0, "123456");
	CHECK(!tfa_ops_valid(&req));		/* DEL */
	add_req(&req, "ph\xffone", "", 0, "123456");
	CHECK(!tfa_ops_valid(&req));		/* not UTF-8 */
	add_req(&req, "ph\xc0\xafone", "", 0, "123456");
	CHECK(!tfa_ops_valid(&req));		/* overlong */
	add_req(&req, "ph\xed\xa0\x80one", "", 0, "123456");
	CHECK(!tfa_ops_valid(&req));		/* a surrogate */
	add_req(&req, "ph\xe2\x82", "", 0, "123456");
	CHECK(!tfa_ops_valid(&req));		/* cut short */
	add_req(&req, "T\xc3\xa9l\xc3\xa9phone \xf0\x9f\x93\xb1", "", 0,
	    "123456");
	CHECK(tfa_ops_valid(&req));		/* UTF-8 text is fine */
	CHECK(tfa_name_ok("T\xc3\xa9l\xc3\xa9phone"));
	CHECK(!tfa_name_ok("a\xc2\x9b"));
	CHECK(!tfa_name_ok(""));
	/* bidirectional controls reorder the rest of a listed line */
	CHECK(!tfa_name_ok("phone\xe2\x80\xae" "3pp"));	/* U+202E */
	CHECK(!tfa_name_ok("\xe2\x81\xa6phone"));		/* U+2066 */
	CHECK(!tfa_name_ok("a\xd8\x9c"));			/* U+061C */
	CHECK(!tfa_name_ok("a\xe2\x80\x8f"));			/* U+200F */
	CHECK(tfa_name_ok("a\xe2\x80\x8d"));	/* U+200D, a joiner: text */
	add_req(&req, "ph\xe2\x80\xaeone", "", 0, "123456");
	CHECK(!tfa_ops_valid(&req));
	{
		char buf[64], small[8];
		const char *odd = "a\xe2\x80\xae" "b%";

		CHECK(strcmp(tfa_text_show("50% T\xc3\xa9l", buf, sizeof(buf)),
		    "50% T\xc3\xa9l") == 0);		/* text: as it is */
		CHECK(strcmp(tfa_text_show(odd, buf, sizeof(buf)),
		    "a%E2%80%AEb%25") == 0);
		CHECK(strcmp(tfa_text_show(odd, small, sizeof(small)),
		    "a%E2%80") == 0);			/* cut at a byte */
	}
	add_req(&req, "phone", "IMAP", 0, "123456");
	CHECK(!tfa_ops_valid(&req));		/* not a services list */
	add_req(&req, "phone", "imap", 36501, "123456");
	CHECK(!tfa_ops_valid(&req));
	add_req(&req, "phone", "imap", 1, "123456");
	req.id = 3;
	CHECK(!tfa_ops_valid(&req));		/* a field add does not use */
	add_req(&req, "phone", "imap", 1, "123456");
	req.apppw.name[sizeof(req.apppw.name) - 1] = 'x';
	memset(req.apppw.name, 'a', sizeof(req.apppw.name));
	CHECK(!tfa_ops_valid(&req));		/* not terminated */

	memset(&req, 0, sizeof(req));
	req.op = TFA_OP_APPPW_REMOVE;
	CHECK(!tfa_ops_valid(&req));		/* which one? */
	req.id = 7;
	CHECK(tfa_ops_valid(&req));
	snprintf(req.apppw.name, sizeof(req.apppw.name), "x");
	CHECK(!tfa_ops_valid(&req));
	memset(&req, 0, sizeof(req));
	req.op = TFA_OP_DEVICE_REMOVE;
	CHECK(tfa_ops_valid(&req));		/* 0: all */
	req.op = TFA_OP_DEVICE_LIST;
	CHECK(tfa_ops_valid(&req));
	req.id = 1;
	CHECK(!tfa_ops_valid(&req));
	req.id = 0;
	/* a list's page start: for the two lists only, any id */
	req.after = 70;
	CHECK(tfa_ops_valid(&req));
	req.after = UINT32_MAX;
	CHECK(tfa_ops_valid(&req));
	req.op = TFA_OP_APPPW_LIST;
	CHECK(tfa_ops_valid(&req));
	req.op = TFA_OP_DEVICE_REMOVE;
	CHECK(!tfa_ops_valid(&req));
	req.op = TFA_OP_VIEW;
	CHECK(!tfa_ops_valid(&req));
	add_req(&req, "phone", "", 0, "123456");
	req.after = 1;
	CHECK(!tfa_ops_valid(&req));
	memset(&req, 0, sizeof(req));
	req.op = TFA_OP_APPPW_REMOVE;
	req.id = 7;
	req.after = 1;
	CHECK(!tfa_ops_valid(&req));
	memset(&req, 0, sizeof(req));
	req.op = TFA_OP_DEVICE_LIST;
	snprintf(req.proof, sizeof(req.proof), "123456");
	CHECK(!tfa_ops_valid(&req));		/* listing takes no proof */
	memset(&req, 0, sizeof(req));
	req.op = TFA_OP_VIEW;
	req.id = 2;
	CHECK(!tfa_ops_valid(&req));		/* other ops: id stays 0 */
}

static void
test_apppw(void)
{
	struct tfa_op_req req;
	struct tfa_op_res res;
	struct tfa_record rec;
	char shown[TFA_APPPW_SHOWN];
	size_t i;
	uint32_t id;

	/* no record, no second factor: refused */
	add_req(&req, "phone", "", 0, "123456");
	CHECK(tfa_ops_run(&user, &req, &res) != TFA_OK);
	enroll();
	fake_now += 300;
	/* a wrong proof: refused and counted */
	add_req(&req, "phone", "imap", 0, "000000");
	if (strcmp(code_now(), "000000") == 0)
		fake_now += 30;
	CHECK_EQ(tfa_ops_run(&user, &req, &res), TFA_ERR_BADCODE);
	CHECK_EQ(res.check, TFA_CHECK_PROOF);
	rec = rec_now();
	CHECK_EQ(rec.failures, 1);
	CHECK_EQ(rec.n_apppw, 0);
	tfa_record_wipe(&rec);
	/* the right one: made, shown once, stored hashed */
	add_req(&req, "phone", "imap", 10, code_now());
	CHECK_EQ(tfa_ops_run(&user, &req, &res), TFA_OK);
	CHECK_EQ(strlen(res.u.apppw_new.shown), TFA_APPPW_SHOWN - 1);
	CHECK_EQ(res.u.apppw_new.expires, (int64_t)fake_now + 10 * 86400);
	memcpy(shown, res.u.apppw_new.shown, sizeof(shown));
	id = res.u.apppw_new.id;
	rec = rec_now();
	CHECK_EQ(rec.n_apppw, 1);
	CHECK_EQ(rec.failures, 0);
	CHECK(tfa_apppw_find(rec.apppw, rec.n_apppw, shown, "imap",
	    (int64_t)fake_now, &i) == TFA_OK && rec.apppw[i].id == id);
	CHECK_EQ(tfa_apppw_find(rec.apppw, rec.n_apppw, shown, "smtp",
	    (int64_t)fake_now, &i), TFA_ERR_PERM);
	tfa_record_wipe(&rec);
	/* the same proof again is a replay */
	add_req(&req, "tablet", "", 0, code_now());
	CHECK_EQ(tfa_ops_run(&user, &req, &res), TFA_ERR_REPLAY);
	/* an admin needs none; the default lifetime applies */
	cfg.app_password_days = 2;
	add_req(&req, "tablet", "", TFA_OP_DAYS_DEFAULT, NULL);
	CHECK_EQ(tfa_ops_run(&admin, &req, &res), TFA_OK);
	CHECK_EQ(res.u.apppw_new.expires, (int64_t)fake_now + 2 * 86400);
	cfg.app_password_days = 0;
	/* AllowAppPasswords=false: none are made */
	cfg.allow_app_passwords = false;
	add_req(&req, "x", "", 0, NULL);
	CHECK_EQ(tfa_ops_run(&admin, &req, &res), TFA_ERR_PERM);
	cfg.allow_app_passwords = true;

	/* the list: no secret in it */
	memset(&req, 0, sizeof(req));
	req.op = TFA_OP_APPPW_LIST;
	CHECK_EQ(tfa_ops_run(&user, &req, &res), TFA_OK);
	CHECK_EQ(res.u.apppws.n, 2);
	CHECK_EQ(res.u.apppws.shown, 2);
	CHECK_STR(res.u.apppws.a[0].name, "phone");
	CHECK_STR(res.u.apppws.a[0].services, "imap");
	CHECK_STR(res.u.apppws.a[1].name, "tablet");

	/* remove: one, then an unknown id */
	memset(&req, 0, sizeof(req));
	req.op = TFA_OP_APPPW_REMOVE;
	req.id = id;
	CHECK_EQ(tfa_ops_run(&user, &req, &res), TFA_OK);
	req.id = id;
	CHECK_EQ(tfa_ops_run(&user, &req, &res), TFA_ERR_NOENT);
	rec = rec_now();
	CHECK_EQ(rec.n_apppw, 1);
	tfa_record_wipe(&rec);
	/* expired ones go at the next write */
	fake_now += 3 * 86400;
	add_req(&req, "later", "", 0, NULL);
	CHECK_EQ(tfa_ops_run(&admin, &req, &res), TFA_OK);
	rec = rec_now();
	CHECK_EQ(rec.n_apppw, 1);
	CHECK(rec.n_apppw == 1 && strcmp(rec.apppw[0].name, "later") == 0);
	tfa_record_wipe(&rec);
}

static void
add_devices(struct tfa_record *rec)
{
	uint8_t h[TFA_TOKEN_HASH];

	memset(h, 0xab, sizeof(h));
	if (tfa_device_add(rec, TFA_DEVICE_MAIL, "imap", "192.0.2.1", h,
	    (int64_t)fake_now, (int64_t)fake_now + 86400, NULL) != TFA_OK ||
	    tfa_device_add(rec, TFA_DEVICE_HOST, "sshd", "192.0.2.2", NULL,
	    (int64_t)fake_now, 0, NULL) != TFA_OK ||
	    tfa_device_add(rec, TFA_DEVICE_HOST, "login", "tty:tty1", NULL,
	    (int64_t)fake_now, 0, NULL) != TFA_OK)
		abort();
}

static void
test_devices(void)
{
	struct tfa_op_req req;
	struct tfa_op_res res;
	struct tfa_store *st;
	struct tfa_record rec;
	uint8_t zero_hash[TFA_TOKEN_HASH] = { 0 };

	if (tfa_store_lock(&cfg, NULL, "alice", &st) != TFA_OK ||
	    tfa_store_load(st, &rec) != TFA_OK)
		abort();
	add_devices(&rec);
	if (tfa_store_save(st, &rec) != TFA_OK)
		abort();
	tfa_store_close(&st);
	tfa_record_wipe(&rec);

	memset(&req, 0, sizeof(req));
	req.op = TFA_OP_DEVICE_LIST;
	CHECK_EQ(tfa_ops_run(&user, &req, &res), TFA_OK);
	CHECK_EQ(res.u.devices.n, 3);
	CHECK_EQ(res.u.devices.shown, 3);
	CHECK_EQ(res.u.devices.d[0].kind, TFA_DEVICE_MAIL);
	/* the token hash stays in the monitor */
	CHECK(memcmp(res.u.devices.d[0].token_hash, zero_hash,
	    sizeof(zero_hash)) == 0);
	CHECK_STR(res.u.devices.d[1].rhost, "192.0.2.2");

	memset(&req, 0, sizeof(req));
	req.op = TFA_OP_DEVICE_REMOVE;
	req.id = res.u.devices.d[1].id;
	CHECK_EQ(tfa_ops_run(&user, &req, &res), TFA_OK);
	CHECK_EQ(res.u.removed, 1);
	CHECK_EQ(tfa_ops_run(&user, &req, &res), TFA_ERR_NOENT);
	req.id = 0;
	CHECK_EQ(tfa_ops_run(&user, &req, &res), TFA_OK);
	CHECK_EQ(res.u.removed, 2);
	CHECK_EQ(tfa_ops_run(&user, &req, &res), TFA_OK);	/* none left */
	CHECK_EQ(res.u.removed, 0);
	rec = rec_now();
	CHECK_EQ(rec.n_dev, 0);
	tfa_record_wipe(&rec);
}

/*
 * A list in pages: n entries of op's list, asked for from after 0 on, as
 * tfa-enroll asks; the ids in *ids, in order.  How many pages it took.
 */
static int
fetch_all(enum tfa_op op, uint32_t *ids, size_t *n)
{
	struct tfa_op_req req;
	struct tfa_op_res res;
	uint32_t after = 0, i, shown, total;
	int pages = 0;

	*n = 0;
	do {
		memset(&req, 0, sizeof(req));
		req.op = op;
		req.after = after;
		CHECK(tfa_ops_valid(&req));
		if (tfa_ops_run(&user, &req, &res) != TFA_OK)
			return -1;
		pages++;
		shown = op == TFA_OP_APPPW_LIST ? res.u.apppws.shown :
		    res.u.devices.shown;
		total = op == TFA_OP_APPPW_LIST ? res.u.apppws.n :
		    res.u.devices.n;
		CHECK(shown <= TFA_OP_LIST_SHOWN);
		for (i = 0; i < shown; i++) {
			ids[(*n)++] = op == TFA_OP_APPPW_LIST ?
			    res.u.apppws.a[i].id : res.u.devices.d[i].id;
			CHECK(ids[*n - 1] > after);
			after = ids[*n - 1];
		}
		CHECK_EQ(total, 130);
	} while (shown == TFA_OP_LIST_SHOWN && pages < 10);
	return pages;
}

static void
test_pages(void)
{
	struct tfa_op_req req;
	struct tfa_op_res res;
	struct tfa_store *st;
	struct tfa_record rec;
	uint32_t ids[200];
	char rhost[32];
	size_t i, n;

	if (tfa_store_lock(&cfg, NULL, "alice", &st) != TFA_OK ||
	    tfa_store_load(st, &rec) != TFA_OK)
		abort();
	while (rec.n_apppw > 0)
		if (tfa_record_remove_apppw(&rec, 0) != TFA_OK)
			abort();
	for (i = 0; i < 130; i++) {
		struct tfa_apppw *a = tfa_record_add_apppw(&rec);

		snprintf(rhost, sizeof(rhost), "192.0.2.%zu", i);
		if (a == NULL || tfa_device_add(&rec, TFA_DEVICE_HOST, "sshd",
		    rhost, NULL, (int64_t)fake_now, 0, NULL) != TFA_OK)
			abort();
		snprintf(a->name, sizeof(a->name), "pw%zu", i);
		memset(a->hash, 0xcd, sizeof(a->hash));
		a->created = (int64_t)fake_now;
	}
	if (tfa_store_save(st, &rec) != TFA_OK)
		abort();
	tfa_store_close(&st);
	tfa_record_wipe(&rec);

	/* the first page: 64 of 130, the oldest */
	memset(&req, 0, sizeof(req));
	req.op = TFA_OP_APPPW_LIST;
	CHECK_EQ(tfa_ops_run(&user, &req, &res), TFA_OK);
	CHECK_EQ(res.u.apppws.n, 130);
	CHECK_EQ(res.u.apppws.shown, TFA_OP_LIST_SHOWN);
	CHECK_STR(res.u.apppws.a[0].name, "pw0");
	/* from past the newest: an empty page, not an error */
	req.after = UINT32_MAX;
	CHECK_EQ(tfa_ops_run(&user, &req, &res), TFA_OK);
	CHECK_EQ(res.u.apppws.shown, 0);
	CHECK_EQ(res.u.apppws.n, 130);

	/* 64 + 64 + 2: every one once, in id order, the newest too */
	CHECK_EQ(fetch_all(TFA_OP_APPPW_LIST, ids, &n), 3);
	CHECK_EQ(n, 130);
	for (i = 1; i < n; i++)
		CHECK(ids[i] > ids[i - 1]);
	memset(&req, 0, sizeof(req));
	req.op = TFA_OP_APPPW_LIST;
	req.after = ids[128];
	CHECK_EQ(tfa_ops_run(&user, &req, &res), TFA_OK);
	CHECK_EQ(res.u.apppws.shown, 1);
	CHECK_STR(res.u.apppws.a[0].name, "pw129");
	CHECK_EQ(fetch_all(TFA_OP_DEVICE_LIST, ids, &n), 3);
	CHECK_EQ(n, 130);
	memset(&req, 0, sizeof(req));
	req.op = TFA_OP_DEVICE_LIST;
	req.after = ids[127];
	CHECK_EQ(tfa_ops_run(&user, &req, &res), TFA_OK);
	CHECK_EQ(res.u.devices.shown, 2);
	CHECK_STR(res.u.devices.d[1].rhost, "192.0.2.129");
	CHECK_EQ(res.u.devices.d[1].id, ids[129]);
}

/*
 * A full list is refused before the proof is checked: after it, a right
 * code would be answered otherwise (no room) than a wrong one whose
 * failure the store could not save.  So a wrong code is not counted here.
 */
static void
test_full_list(void)
{
	struct tfa_op_req req;
	struct tfa_op_res res;
	struct tfa_store *st;
	struct tfa_record rec;
	unsigned failures;

	if (tfa_store_lock(&cfg, NULL, "alice", &st) != TFA_OK ||
	    tfa_store_load(st, &rec) != TFA_OK)
		abort();
	while (rec.n_apppw < TFA_LIST_MAX) {
		struct tfa_apppw *a = tfa_record_add_apppw(&rec);

		if (a == NULL)
			abort();
		snprintf(a->name, sizeof(a->name), "full%zu", rec.n_apppw);
		memset(a->hash, 0xcd, sizeof(a->hash));
		a->created = (int64_t)fake_now;
	}
	failures = rec.failures;
	if (tfa_store_save(st, &rec) != TFA_OK)
		abort();
	tfa_store_close(&st);
	tfa_record_wipe(&rec);

	fake_now += 60;
	add_req(&req, "one-more", "", 0, "000000");
	if (strcmp(code_now(), "000000") == 0)
		fake_now += 30;
	CHECK_EQ(tfa_ops_run(&user, &req, &res), TFA_ERR_NOMEM);
	CHECK_EQ(res.check, TFA_CHECK_NONE);
	add_req(&req, "one-more", "", 0, code_now());
	CHECK_EQ(tfa_ops_run(&user, &req, &res), TFA_ERR_NOMEM);
	CHECK_EQ(res.check, TFA_CHECK_NONE);
	rec = rec_now();
	CHECK_EQ(rec.failures, failures);
	CHECK_EQ(rec.n_apppw, TFA_LIST_MAX);
	tfa_record_wipe(&rec);
}

int
main(void)
{
	char *dir = tfa_test_tmpdir("opsmail"), cmd[4200];

	tfa_config_init(&cfg);
	snprintf(cfg.store_dir, sizeof(cfg.store_dir), "%s", dir);
	test_valid();
	test_apppw();
	test_devices();
	test_pages();
	test_full_list();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	free(dir);
	return tfa_check_done();
}

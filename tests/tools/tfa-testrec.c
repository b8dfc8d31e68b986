/*
 * tfa-testrec, for tests only: reads and changes records through the
 * common/ store API, so end-to-end tests can enroll a user, compute a code
 * a server will accept, read the failure count, and move a device's or an
 * app password's clock (the servers run the module in their own
 * processes, so their time() cannot be interposed).
 *
 *   tfa-testrec STORE enroll USER           TOTP secret, SHA1/6/30
 *   tfa-testrec STORE code USER [TOL]       next acceptable code (waits)
 *   tfa-testrec STORE wrong USER            a code right for no step within
 *                                           five minutes of now
 *   tfa-testrec STORE backup USER           10 backup codes, one a line
 *   tfa-testrec STORE apppw USER SERVICES   an app password, printed
 *   tfa-testrec STORE show USER             failures= last_step= ...
 *   tfa-testrec STORE expire USER           every device: trust ended
 *   tfa-testrec STORE forget USER           remove every device
 *   tfa-testrec STORE age USER DAYS         move every date DAYS back
 *   tfa-testrec STORE fail USER             count one failed login
 *   tfa-testrec STORE dump USER             the record as a login loads it
 *                                           (under the lock), an entry a
 *                                           line; "absent" when there is none
 *   tfa-testrec STORE many USER N           N app passwords "pwK" and N host
 *                                           devices "sshd" from 198.51.K/16,
 *                                           in one write
 *   tfa-testrec STORE name USER NAME        NAME, as it is, the name of every
 *                                           app password and key: what
 *                                           tfa-enroll would refuse to store
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apppw.h"
#include "backup.h"
#include "config.h"
#include "device.h"
#include "store.h"
#include "totp.h"

static struct tfa_config cfg;

static void
die(const char *what, tfa_err r)
{
	fprintf(stderr, "tfa-testrec: %s: %s\n", what, tfa_strerror(r));
	exit(1);
}

typedef void (*edit_fn)(struct tfa_record *, const char *);

static void
edit(const char *user, edit_fn fn, const char *arg)
{
	struct tfa_store *st;
	struct tfa_record rec;
	tfa_err r;

	if ((r = tfa_store_lock(&cfg, NULL, user, &st)) != TFA_OK)
		die("lock", r);
	if ((r = tfa_store_load(st, &rec)) == TFA_ERR_NOENT)
		tfa_record_init(&rec);
	else if (r != TFA_OK)
		die("load", r);
	fn(&rec, arg);
	if ((r = tfa_store_save(st, &rec)) != TFA_OK)
		die("save", r);
	tfa_store_close(&st);
	tfa_record_wipe(&rec);
}

static void
do_enroll(struct tfa_record *rec, const char *arg)
{
	(void)arg;
	if (tfa_totp_generate(&rec->totp, tfa_now()) != TFA_OK)
		die("totp", TFA_ERR_CRYPTO);
}

static void
do_backup(struct tfa_record *rec, const char *arg)
{
	char codes[TFA_BACKUP_COUNT][TFA_BACKUP_SHOWN];
	int i;

	(void)arg;
	if (tfa_backup_generate(&rec->backup, codes, tfa_now()) != TFA_OK)
		die("backup", TFA_ERR_CRYPTO);
	for (i = 0; i < TFA_BACKUP_COUNT; i++)
		printf("%s\n", codes[i]);
}

static void
do_apppw(struct tfa_record *rec, const char *services)
{
	char shown[TFA_APPPW_SHOWN];
	struct tfa_apppw *a = tfa_record_add_apppw(rec);

	if (a == NULL || tfa_apppw_generate(a, shown) != TFA_OK)
		die("apppw", TFA_ERR_NOMEM);
	snprintf(a->name, sizeof(a->name), "e2e");
	snprintf(a->services, sizeof(a->services), "%s", services);
	a->created = tfa_now();
	printf("%s\n", shown);
}

/* A change to the lists needs the record's own copy of them. */
static void
own(struct tfa_record *rec)
{
	if (tfa_record_own(rec) != TFA_OK)
		errx(1, "out of memory");
}

static void
do_expire(struct tfa_record *rec, const char *arg)
{
	size_t i;

	(void)arg;
	own(rec);
	for (i = 0; i < rec->n_dev; i++)
		if (rec->dev[i].trusted_until != 0)
			tfa_record_device_at(rec, i)->trusted_until =
			    tfa_now() - 1;
}

static void
do_forget(struct tfa_record *rec, const char *arg)
{
	(void)arg;
	while (rec->n_dev > 0)
		if (tfa_record_remove_device(rec, rec->n_dev - 1) != TFA_OK)
			errx(1, "out of memory");
}

static void
do_age(struct tfa_record *rec, const char *days)
{
	int64_t d = 86400 * (int64_t)atoi(days);
	size_t i;

	own(rec);
	for (i = 0; i < rec->n_dev; i++) {
		struct tfa_device *dv = tfa_record_device_at(rec, i);

		dv->first_seen -= d;
		dv->last_seen -= d;
		if (dv->trusted_until != 0)
			dv->trusted_until -= d;
	}
	for (i = 0; i < rec->n_apppw; i++) {
		struct tfa_apppw *a = tfa_record_apppw_at(rec, i);

		a->created -= d;
		if (a->expires != 0)
			a->expires -= d;
	}
}

static void
do_many(struct tfa_record *rec, const char *arg)
{
	char shown[TFA_APPPW_SHOWN], rhost[32];
	struct tfa_apppw *a;
	int i, n = atoi(arg);

	for (i = 1; i <= n; i++) {
		if ((a = tfa_record_add_apppw(rec)) == NULL ||
		    tfa_apppw_generate(a, shown) != TFA_OK)
			die("apppw", TFA_ERR_NOMEM);
		snprintf(a->name, sizeof(a->name), "pw%d", i);
		a->created = tfa_now();
		snprintf(rhost, sizeof(rhost), "198.51.%d.%d", i / 256,
		    i % 256);
		if (tfa_device_add(rec, TFA_DEVICE_HOST, "sshd", rhost, NULL,
		    tfa_now(), 0, NULL) != TFA_OK)
			die("device", TFA_ERR_NOMEM);
	}
	explicit_bzero(shown, sizeof(shown));
}

static void
do_name(struct tfa_record *rec, const char *name)
{
	size_t i;

	own(rec);
	for (i = 0; i < rec->n_apppw; i++)
		snprintf(tfa_record_apppw_at(rec, i)->name,
		    sizeof(rec->apppw[i].name), "%s", name);
	for (i = 0; i < rec->n_keys; i++)
		snprintf(tfa_record_key_at(rec, i)->name,
		    sizeof(rec->keys[i].name), "%s", name);
}

static void
do_fail(struct tfa_record *rec, const char *arg)
{
	(void)arg;
	rec->failures++;
}

static tfa_err
print_entry(void *arg, const char *key, const char *val)
{
	(void)arg;
	printf("%s %s\n", key, val);
	return TFA_OK;
}

static void
dump(const char *user)
{
	struct tfa_store *st;
	struct tfa_record rec;
	tfa_err r;

	if ((r = tfa_store_lock(&cfg, NULL, user, &st)) != TFA_OK)
		die("lock", r);
	if ((r = tfa_store_load(st, &rec)) == TFA_ERR_NOENT) {
		printf("absent\n");
	} else if (r != TFA_OK) {
		die("load", r);
	} else {
		if ((r = tfa_record_encode(&rec, print_entry, NULL)) != TFA_OK)
			die("encode", r);
		tfa_record_wipe(&rec);
	}
	tfa_store_close(&st);
}

/*
 * The oldest step the module will still take: newer than the last one
 * used, and at least one step inside ClockTolerance (tol) of now, so it is
 * still good a few seconds later.  Waits when every such step is used.
 */
static void
next_code(const char *user, int64_t tol)
{
	struct tfa_record rec;
	char code[16];
	int64_t step, now;
	tfa_err r;

	if ((r = tfa_store_read(&cfg, NULL, user, &rec)) != TFA_OK)
		die("read", r);
	for (;;) {
		now = tfa_totp_step(&rec.totp, tfa_now());
		step = rec.last_step + 1 > now - (tol - 1) ?
		    rec.last_step + 1 : now - (tol - 1);
		if (step <= now + (tol - 1))
			break;
		sleep(1);
	}
	if (tfa_totp_code(&rec.totp, step, code, sizeof(code)) != TFA_OK)
		die("code", TFA_ERR_CRYPTO);
	printf("%s\n", code);
	tfa_record_wipe(&rec);
}

/* The first code right for no step within five minutes of now. */
static void
wrong_code(const char *user)
{
	struct tfa_record rec;
	char near[21][16], code[16];
	int64_t now;
	size_t len;
	unsigned n;
	tfa_err r;
	int i;

	if ((r = tfa_store_read(&cfg, NULL, user, &rec)) != TFA_OK)
		die("read", r);
	now = tfa_totp_step(&rec.totp, tfa_now());
	for (i = 0; i < 21; i++)
		if (tfa_totp_code(&rec.totp, now - 10 + i, near[i],
		    sizeof(near[i])) != TFA_OK)
			die("code", TFA_ERR_CRYPTO);
	len = strlen(near[0]);
	for (n = 0;; n++) {
		unsigned v = n;

		for (size_t k = len; k-- > 0; v /= 10)
			code[k] = (char)('0' + v % 10);
		code[len] = '\0';
		for (i = 0; i < 21 && strcmp(code, near[i]) != 0; i++)
			;
		if (i == 21)
			break;
	}
	printf("%s\n", code);
	tfa_record_wipe(&rec);
}

static void
show(const char *user)
{
	struct tfa_record rec;
	tfa_err r;

	if ((r = tfa_store_read(&cfg, NULL, user, &rec)) != TFA_OK)
		die("read", r);
	printf("failures=%u last_step=%lld devices=%zu apppw=%zu backup=%u\n",
	    rec.failures, (long long)rec.last_step, rec.n_dev, rec.n_apppw,
	    tfa_backup_left(&rec.backup));
	tfa_record_wipe(&rec);
}

int
main(int argc, char **argv)
{
	const char *cmd, *user;

	if (argc < 4) {
		fprintf(stderr, "usage: tfa-testrec STORE COMMAND USER [ARG]\n");
		return 2;
	}
	tfa_config_init(&cfg);
	if (tfa_strlcpy(cfg.store_dir, argv[1], sizeof(cfg.store_dir)))
		return 2;
	cmd = argv[2];
	user = argv[3];
	if (strcmp(cmd, "enroll") == 0)
		edit(user, do_enroll, NULL);
	else if (strcmp(cmd, "code") == 0)
		next_code(user, argc == 5 && atoi(argv[4]) > 0 ? atoi(argv[4]) :
		    2);
	else if (strcmp(cmd, "wrong") == 0)
		wrong_code(user);
	else if (strcmp(cmd, "backup") == 0)
		edit(user, do_backup, NULL);
	else if (strcmp(cmd, "apppw") == 0 && argc == 5)
		edit(user, do_apppw, argv[4]);
	else if (strcmp(cmd, "show") == 0)
		show(user);
	else if (strcmp(cmd, "expire") == 0)
		edit(user, do_expire, NULL);
	else if (strcmp(cmd, "forget") == 0)
		edit(user, do_forget, NULL);
	else if (strcmp(cmd, "fail") == 0)
		edit(user, do_fail, NULL);
	else if (strcmp(cmd, "dump") == 0)
		dump(user);
	else if (strcmp(cmd, "age") == 0 && argc == 5)
		edit(user, do_age, argv[4]);
	else if (strcmp(cmd, "many") == 0 && argc == 5)
		edit(user, do_many, argv[4]);
	else if (strcmp(cmd, "name") == 0 && argc == 5)
		edit(user, do_name, argv[4]);
	else
		return 2;
	return fflush(stdout) == 0 ? 0 : 1;
}

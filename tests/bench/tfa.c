/*
 * pam_tfa fixtures beyond the authenticator app, made through common/ the
 * way tfa-enroll makes them: a set of backup codes, and records holding
 * many devices and app passwords for the scaling case.
 */
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "config.h"
#include "device.h"
#include "store.h"

static tfa_err
open_store(const struct bench_site *s, const char *user,
    struct tfa_store **st)
{
	struct tfa_config cfg;

	tfa_config_init(&cfg);
	if (tfa_strlcpy(cfg.store_dir, s->store, sizeof(cfg.store_dir)))
		return TFA_ERR_INVAL;
	return tfa_store_lock(&cfg, NULL, user, st);
}

/* A new set of ten codes for the user at this site; the old set is void. */
int
bench_tfa_backup_refill(const struct bench_site *s, struct bench_user *u)
{
	struct tfa_store *st = NULL;
	struct tfa_record rec;
	tfa_err r;

	tfa_record_init(&rec);
	if ((r = open_store(s, u->name, &st)) == TFA_OK &&
	    (r = tfa_store_load(st, &rec)) == TFA_OK &&
	    (r = tfa_backup_generate(&rec.backup, u->backup[s->idx],
	    bench_vnow)) == TFA_OK)
		r = tfa_store_save(st, &rec);
	tfa_store_close(&st);
	tfa_record_wipe(&rec);
	u->backup_left[s->idx] = r == TFA_OK ? TFA_BACKUP_COUNT : 0;
	return r == TFA_OK ? 0 : -1;
}

/*
 * The user's app and n of each: devices trusted for years from hosts the
 * benchmark never logs in from (so no login skips the code), and app
 * passwords that never expire (so none is pruned).
 */
int
bench_tfa_scale_enroll(const struct bench_site *s, struct bench_user *u,
    unsigned n)
{
	char shown[TFA_APPPW_SHOWN], host[32];
	struct tfa_store *st = NULL;
	struct tfa_record rec;
	struct tfa_apppw *a;
	tfa_err r = TFA_OK;
	unsigned i;

	tfa_record_init(&rec);
	rec.totp = u->totp;
	for (i = 0; i < n && r == TFA_OK; i++) {
		snprintf(host, sizeof(host), "10.%u.%u.%u", i >> 16,
		    (i >> 8) & 255, i & 255);
		r = tfa_device_add(&rec, TFA_DEVICE_HOST, "sshd", host, NULL,
		    bench_vnow, bench_vnow + 20 * 365 * 86400LL, NULL);
		if (r != TFA_OK)
			break;
		if ((a = tfa_record_add_apppw(&rec)) == NULL) {
			r = TFA_ERR_NOMEM;
			break;
		}
		r = tfa_apppw_generate(a, shown);
		snprintf(a->name, sizeof(a->name), "client %u", i);
		a->created = bench_vnow;
	}
	explicit_bzero(shown, sizeof(shown));
	if (r == TFA_OK && (r = open_store(s, u->name, &st)) == TFA_OK)
		r = tfa_store_save(st, &rec);
	tfa_store_close(&st);
	tfa_record_wipe(&rec);
	return r == TFA_OK ? 0 : -1;
}

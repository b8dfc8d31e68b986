/*
 * tfa-enroll cleanup: prune every record in the store (expired app
 * passwords, devices long past their trust), for a daily timer.  Records
 * are also pruned whenever they are written; this catches the users who
 * have not logged in since.
 */
#include <unistd.h>

#include "enroll.h"
#include "store.h"

struct sweep {
	const struct tfa_enroll *e;
	unsigned users, failed;
	size_t gone;
};

static size_t
entries(const struct tfa_record *rec)
{
	return rec->n_apppw + rec->n_dev;
}

/* One user: load under the lock (which prunes), save if anything went. */
static tfa_err
sweep_user(void *arg, const char *user)
{
	struct sweep *s = arg;
	struct tfa_store *st = NULL;
	struct tfa_record before, rec;
	tfa_err r;

	tfa_record_init(&rec);
	s->users++;
	if ((r = tfa_store_read(&s->e->cfg, &s->e->log, user, &before)) !=
	    TFA_OK)
		goto out;
	if ((r = tfa_store_lock(&s->e->cfg, &s->e->log, user, &st)) ==
	    TFA_OK && (r = tfa_store_load(st, &rec)) == TFA_OK &&
	    entries(&rec) != entries(&before)) {
		/* counted against the lockless read: close enough for a log */
		s->gone += entries(&before) > entries(&rec) ?
		    entries(&before) - entries(&rec) : 0;
		r = tfa_store_save(st, &rec);
	}
	tfa_record_wipe(&before);
out:
	tfa_store_close(&st);
	tfa_record_wipe(&rec);
	if (r != TFA_OK && r != TFA_ERR_NOENT)
		s->failed++;
	return TFA_OK;		/* one bad record does not stop the sweep */
}

int
tfa_enroll_cleanup(struct tfa_enroll *e)
{
	struct sweep s = { e, 0, 0, 0 };
	tfa_err r;

	if (e->argc > 1)
		return tfa_enroll_usage("cleanup takes no arguments");
	if (getuid() != 0 && strcmp(e->cfg.store_dir, TFA_STORE_DIR) == 0) {
		tfa_enroll_error("cleanup of the system store is for root");
		return TFA_EXIT_FAIL;
	}
	if ((r = tfa_store_list(&e->cfg, &e->log, sweep_user, &s)) !=
	    TFA_OK) {
		tfa_enroll_store_error(e, "cannot walk the store", r);
		return TFA_EXIT_FAIL;
	}
	tfa_log(&e->log, LOG_INFO, "cleanup: %u records, %zu expired entries "
	    "removed, %u not readable", s.users, s.gone, s.failed);
	printf("%u record%s checked, %zu expired entr%s removed", s.users,
	    s.users == 1 ? "" : "s", s.gone, s.gone == 1 ? "y" : "ies");
	if (s.failed > 0)
		printf(", %u could not be read or written (see the system log)",
		    s.failed);
	printf(".\n");
	return s.failed > 0 ? TFA_EXIT_FAIL : TFA_EXIT_OK;
}

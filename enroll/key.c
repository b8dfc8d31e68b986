/*
 * tfa-enroll key add | list | remove: security keys (FIDO2/U2F).  The
 * device work is common/fido.c's; what is stored is changed only by the
 * two operations below, each one read-check-update under the user's lock.
 *
 * key_op_add and key_op_remove are plain functions of (cfg, log, user,
 * proof, ...) so that they can move behind the privilege-separated
 * operation layer (enroll/ops.c) as KEY_ADD / KEY_REMOVE.
 */
#include <getopt.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include "auth.h"
#include "code.h"
#include "enroll.h"
#include "store.h"
#include "tfa_fido.h"

/* What proves the user is who they say, for a change to their keys. */
struct key_proof {
	bool checked;			/* root, or nothing to prove yet */
	const char *code;		/* a current code or backup code */
	const struct tfa_fido_assertion *touch;	/* a registered key */
};

/* ---- the operations ---- */

static tfa_err
check_proof(const struct tfa_config *cfg, const struct tfa_log *log,
    const char *user, const struct key_proof *p, struct tfa_verdict *v)
{
	struct tfa_fido_result res;

	memset(v, 0, sizeof(*v));
	if (p->checked)
		return TFA_OK;
	if (p->code != NULL)
		return tfa_auth_code(cfg, log, user, p->code, tfa_now(), v);
	if (p->touch != NULL)
		return tfa_fido_auth(cfg, log, user, p->touch, tfa_now(), v,
		    &res);
	return TFA_ERR_PERM;
}

/* Store key (name, created and the registration) as a new key. */
static tfa_err
key_op_add(const struct tfa_config *cfg, const struct tfa_log *log,
    const char *user, const struct key_proof *proof, const struct tfa_key *key,
    uint32_t *id, struct tfa_verdict *v)
{
	struct tfa_store *st = NULL;
	struct tfa_record rec;
	struct tfa_key *k;
	tfa_err r;

	tfa_record_init(&rec);
	if ((r = check_proof(cfg, log, user, proof, v)) != TFA_OK)
		return r;
	if ((r = tfa_store_lock(cfg, log, user, &st)) != TFA_OK)
		goto out;
	if ((r = tfa_store_load(st, &rec)) == TFA_ERR_NOENT)
		tfa_record_init(&rec);
	else if (r != TFA_OK)
		goto out;
	if (!cfg->allow_keys) {
		r = TFA_ERR_PERM;
		goto out;
	}
	if (rec.n_keys >= cfg->max_keys) {
		r = TFA_ERR_EXISTS;
		goto out;
	}
	if ((k = tfa_record_add_key(&rec)) == NULL) {
		r = TFA_ERR_NOMEM;
		goto out;
	}
	*id = k->id;
	*k = *key;
	k->id = *id;
	r = tfa_store_save(st, &rec);
out:
	tfa_store_close(&st);
	tfa_record_wipe(&rec);
	return r;
}

static tfa_err
key_op_remove(const struct tfa_config *cfg, const struct tfa_log *log,
    const char *user, const struct key_proof *proof, uint32_t id,
    struct tfa_verdict *v)
{
	struct tfa_store *st = NULL;
	struct tfa_record rec;
	size_t i;
	tfa_err r;

	tfa_record_init(&rec);
	if ((r = check_proof(cfg, log, user, proof, v)) != TFA_OK)
		return r;
	if ((r = tfa_store_lock(cfg, log, user, &st)) != TFA_OK ||
	    (r = tfa_store_load(st, &rec)) != TFA_OK)
		goto out;
	for (i = 0; i < rec.n_keys && rec.keys[i].id != id; i++)
		;
	if (i == rec.n_keys) {
		r = TFA_ERR_NOENT;
		goto out;
	}
	tfa_record_remove_key(&rec, i);
	r = tfa_store_save(st, &rec);
out:
	tfa_store_close(&st);
	tfa_record_wipe(&rec);
	return r;
}

/* ---- the terminal side ---- */

static tfa_err
read_record(const struct tfa_enroll *e, struct tfa_record *rec)
{
	tfa_err r = tfa_store_read(&e->cfg, &e->log, e->user, rec);

	if (r == TFA_ERR_NOENT) {
		tfa_record_init(rec);
		return TFA_OK;
	}
	if (r != TFA_OK)
		tfa_enroll_store_error(e, "cannot read your record", r);
	return r;
}

/* A PIN, not echoed; wiped by the caller.  -1 when one was typed. */
static int
read_pin(const char *prompt, char *pin, size_t len)
{
	struct termios old, quiet;
	bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
	enum tfa_line got;

	if (tty) {
		quiet = old;
		quiet.c_lflag &= (tcflag_t)~ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	got = tfa_enroll_read_line(prompt, pin, len);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		putchar('\n');
	}
	if (got == TFA_LINE_OK && pin[0] != '\0')
		return -1;
	explicit_bzero(pin, len);
	tfa_enroll_error("no PIN given; nothing was changed");
	return TFA_EXIT_FAIL;
}

static void
explain(enum tfa_fido_status st)
{
	switch (st) {
	case TFA_FIDO_NO_DEVICE:
		tfa_enroll_error("no security key found; plug one in (and "
		    "check that you may use it: see tfa-enroll(1)) and try "
		    "again");
		break;
	case TFA_FIDO_TIMEOUT:
		tfa_enroll_error("the key was not touched in time; nothing "
		    "was changed");
		break;
	case TFA_FIDO_PIN_INVALID:
		tfa_enroll_error("wrong PIN; nothing was changed (the key "
		    "blocks itself after a few wrong PINs)");
		break;
	case TFA_FIDO_EXCLUDED:
		tfa_enroll_error("this key is already registered for you; "
		    "plug in the new key");
		break;
	case TFA_FIDO_NO_UV:
		tfa_enroll_error("--uv needs a key with a PIN or a built-in "
		    "check (fingerprint); set a PIN on the key first");
		break;
	default:
		tfa_enroll_error("%s; nothing was changed",
		    tfa_fido_status_str(st));
		break;
	}
}

/* Open the first plugged key that holds none of rec's keys for rp. */
static enum tfa_fido_status
open_new_key(const struct tfa_enroll *e, const struct tfa_record *rec,
    const char *rp, fido_dev_t **devp)
{
	struct tfa_fido_devs devs;
	enum tfa_fido_status st;
	size_t idx[TFA_LIST_MAX], n, i, match;
	bool known = false;

	*devp = NULL;
	if ((st = tfa_fido_find_devices(&devs)) != TFA_FIDO_OK)
		return st;
	n = tfa_fido_keys_for(rec, rp, idx, TFA_LIST_MAX);
	for (i = 0; i < devs.n && *devp == NULL; i++) {
		if (tfa_fido_open(&devs, i, (int)e->cfg.key_timeout * 1000,
		    devp) != TFA_FIDO_OK)
			continue;
		if (n > 0 && tfa_fido_probe(*devp, rp, rec->keys, idx, n,
		    &match) == TFA_FIDO_OK && match != SIZE_MAX) {
			known = true;
			tfa_fido_close(devp);
		}
	}
	tfa_fido_devs_free(&devs);
	if (*devp != NULL)
		return TFA_FIDO_OK;
	return known ? TFA_FIDO_EXCLUDED : TFA_FIDO_ERROR;
}

/* Touch one of rec's registered keys: the proof for a key-only user. */
static int
touch_proof(const struct tfa_enroll *e, const struct tfa_record *rec,
    struct tfa_fido_assertion *a)
{
	struct tfa_fido_devs devs;
	enum tfa_fido_status st;
	fido_dev_t *dev = NULL;
	size_t idx[TFA_LIST_MAX], n, i, match = SIZE_MAX;
	char rp[TFA_RP_MAX + 1];

	if (tfa_config_origin(&e->cfg, rp, sizeof(rp)) != TFA_OK ||
	    (n = tfa_fido_keys_for(rec, rp, idx, TFA_LIST_MAX)) == 0) {
		tfa_enroll_error("none of your keys is for %s; ask an "
		    "administrator", rp);
		return TFA_EXIT_FAIL;
	}
	if ((st = tfa_fido_find_devices(&devs)) != TFA_FIDO_OK) {
		explain(st);
		return TFA_EXIT_FAIL;
	}
	for (i = 0; i < devs.n && dev == NULL; i++)
		if (tfa_fido_open(&devs, i, (int)e->cfg.key_timeout * 1000,
		    &dev) == TFA_FIDO_OK && tfa_fido_probe(dev, rp, rec->keys,
		    idx, n, &match) != TFA_FIDO_OK)
			tfa_fido_close(&dev);
	tfa_fido_devs_free(&devs);
	if (dev == NULL) {
		tfa_enroll_error("plug in one of your registered security "
		    "keys to confirm it is you");
		return TFA_EXIT_FAIL;
	}
	printf("Touch your registered security key to confirm it is you.\n");
	fflush(stdout);
	st = tfa_fido_assert(dev, rp, rec->keys, idx, n, false, NULL, a);
	tfa_fido_close(&dev);
	if (st == TFA_FIDO_OK)
		return -1;
	explain(st);
	return TFA_EXIT_FAIL;
}

/*
 * A non-root user changing a record that has a second factor proves it:
 * with a code when there is an app or backup codes, else with a touch of a
 * registered key.  -1 to go on, else the exit status.
 */
static int
get_proof(const struct tfa_enroll *e, const struct tfa_record *rec,
    char *code, size_t len, struct tfa_fido_assertion *a,
    struct key_proof *p)
{
	bool codes = (e->cfg.allow_app && rec->totp.enabled) ||
	    (e->cfg.allow_backup && tfa_backup_left(&rec->backup) > 0);

	memset(p, 0, sizeof(*p));
	if (getuid() == 0 || !tfa_auth_enrolled(&e->cfg, rec)) {
		p->checked = true;
		return -1;
	}
	if (!codes) {
		p->touch = a;
		return touch_proof(e, rec, a);
	}
	if (tfa_enroll_read_line("Current verification code: ", code, len) !=
	    TFA_LINE_OK || code[0] == '\0') {
		tfa_enroll_error("no code given; nothing was changed");
		return TFA_EXIT_FAIL;
	}
	p->code = code;
	return -1;
}

static int
refused(const struct tfa_enroll *e, const char *what, tfa_err r,
    const struct tfa_verdict *v)
{
	char date[64];

	tfa_log(&e->log, LOG_NOTICE, "key %s for user %s refused: %s", what,
	    e->user_log, tfa_strerror(r));
	if (r == TFA_ERR_BADCODE || r == TFA_ERR_REPLAY)
		tfa_enroll_error("that proof is not right; nothing was "
		    "changed");
	else if (r == TFA_ERR_LOCKED || v->locked_until != 0)
		tfa_enroll_error("too many wrong tries; locked until %s",
		    tfa_enroll_date(v->locked_until, date, sizeof(date)));
	else if (r == TFA_ERR_EXISTS)
		tfa_enroll_error("you have MaxKeys (%u) keys already; remove "
		    "one first", e->cfg.max_keys);
	else if (r == TFA_ERR_NOENT)
		tfa_enroll_error("no such key; see 'tfa-enroll key list'");
	else if (r == TFA_ERR_PERM)
		tfa_enroll_error("the administrator does not allow security "
		    "keys (AllowSecurityKeys=false)");
	else
		tfa_enroll_store_error(e, "cannot change your record", r);
	return TFA_EXIT_FAIL;
}

/* ---- key add ---- */

struct add_args {
	char name[TFA_NAME_MAX + 1];
	int cose;
	bool uv;
};

static const struct option add_opts[] = {
	{ "eddsa", no_argument, NULL, 'e' },
	{ "uv", no_argument, NULL, 'u' },
	{ NULL, 0, NULL, 0 }
};

static int
parse_add(const struct tfa_enroll *e, const struct tfa_record *rec,
    struct add_args *a)
{
	const char *name = NULL;
	size_t i;
	int ch;

	a->cose = COSE_ES256;
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(e->argc, e->argv, "", add_opts, NULL)) != -1)
		if (ch == 'e')
			a->cose = COSE_EDDSA;
		else if (ch == 'u')
			a->uv = true;
		else
			return tfa_enroll_usage("unknown option '%s'",
			    e->argv[optind - 1]);
	if (optind + 1 < e->argc)
		return tfa_enroll_usage("give at most one NAME");
	if (optind < e->argc)
		name = e->argv[optind];
	else
		snprintf(a->name, sizeof(a->name), "key%zu", rec->n_keys + 1);
	for (i = 0; name != NULL && name[i] != '\0'; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			break;
	if (name != NULL && (i == 0 || name[i] != '\0' ||
	    tfa_strlcpy(a->name, name, sizeof(a->name)) != TFA_OK))
		return tfa_enroll_usage("NAME must be 1 to %d characters "
		    "without control characters", TFA_NAME_MAX);
	return -1;
}

static int
check_can_add(const struct tfa_enroll *e, const struct tfa_record *rec)
{
	if (!e->cfg.allow_keys) {
		tfa_enroll_error("the administrator does not allow security "
		    "keys (AllowSecurityKeys=false)");
		return TFA_EXIT_FAIL;
	}
	if (rec->disabled && getuid() != 0) {
		tfa_enroll_error("your second factor is turned off by the "
		    "administrator; ask them");
		return TFA_EXIT_FAIL;
	}
	if (rec->n_keys >= e->cfg.max_keys) {
		tfa_enroll_error("you have MaxKeys (%u) keys already; remove "
		    "one first", e->cfg.max_keys);
		return TFA_EXIT_FAIL;
	}
	return -1;
}

/* Open the new key, PIN if it has one, touch: key filled in. */
static int
make_key(const struct tfa_enroll *e, const struct tfa_record *rec,
    const struct add_args *a, struct tfa_key *key)
{
	char rp[TFA_RP_MAX + 1], pin[TFA_FIDO_PIN_MAX + 2];
	struct tfa_fido_reg req;
	enum tfa_fido_status st;
	fido_dev_t *dev = NULL;
	int rc = TFA_EXIT_FAIL;

	memset(pin, 0, sizeof(pin));
	if (tfa_config_origin(&e->cfg, rp, sizeof(rp)) != TFA_OK) {
		tfa_enroll_error("cannot make the relying party id (Origin)");
		return TFA_EXIT_FAIL;
	}
	if ((st = open_new_key(e, rec, rp, &dev)) != TFA_FIDO_OK) {
		explain(st);
		return TFA_EXIT_FAIL;
	}
	if (a->uv && !fido_dev_has_uv(dev) && !fido_dev_has_pin(dev)) {
		explain(TFA_FIDO_NO_UV);
		goto out;
	}
	if (fido_dev_has_pin(dev) && (rc = read_pin("PIN of the security "
	    "key: ", pin, sizeof(pin))) >= 0)
		goto out;
	req = (struct tfa_fido_reg){ rp, e->user, a->cose, a->uv,
	    pin[0] != '\0' ? pin : NULL, rec->keys, rec->n_keys };
	printf("Touch the security key to register it for %s.\n", rp);
	fflush(stdout);
	st = tfa_fido_register(dev, &req, key);
	if (st != TFA_FIDO_OK) {
		explain(st);
		rc = TFA_EXIT_FAIL;
		goto out;
	}
	rc = -1;
out:
	tfa_wipe_array(pin);
	tfa_fido_close(&dev);
	return rc;
}

int
tfa_enroll_key_add(struct tfa_enroll *e)
{
	char code[TFA_CODE_INPUT_MAX + 1];
	struct tfa_fido_assertion touch;
	struct tfa_record rec;
	struct tfa_verdict v;
	struct key_proof proof;
	struct add_args a;
	struct tfa_key key;
	uint32_t id = 0;
	tfa_err r;
	int rc;

	memset(&a, 0, sizeof(a));
	memset(&key, 0, sizeof(key));
	memset(code, 0, sizeof(code));
	if (read_record(e, &rec) != TFA_OK)
		return TFA_EXIT_FAIL;
	if ((rc = parse_add(e, &rec, &a)) >= 0 ||
	    (rc = check_can_add(e, &rec)) >= 0 ||
	    (rc = get_proof(e, &rec, code, sizeof(code), &touch, &proof)) >=
	    0 || (rc = make_key(e, &rec, &a, &key)) >= 0)
		goto out;
	memcpy(key.name, a.name, sizeof(key.name));
	key.created = tfa_now();
	if ((r = key_op_add(&e->cfg, &e->log, e->user, &proof, &key, &id,
	    &v)) != TFA_OK) {
		rc = refused(e, "add", r, &v);
		goto out;
	}
	tfa_log(&e->log, LOG_NOTICE, "added security key %u (%s) for user %s",
	    (unsigned)id, tfa_fido_cose_name(key.cose_type), e->user_log);
	printf("Security key %u (\"%s\", %s%s) is registered for %s.\nLocal "
	    "logins now ask you to touch it; remote logins still ask for a "
	    "code.\n", (unsigned)id, key.name, tfa_fido_cose_name(key.cose_type),
	    key.uv ? ", PIN or fingerprint at every login" : "", e->user);
	rc = TFA_EXIT_OK;
out:
	tfa_wipe_array(code);
	tfa_wipe_struct(&touch);
	tfa_record_wipe(&rec);
	return rc;
}

/* ---- key list ---- */

static int
by_id(const void *x, const void *y)
{
	const struct tfa_key *a = x, *b = y;

	return a->id < b->id ? -1 : a->id > b->id;
}

static void
list_json(const struct tfa_record *rec)
{
	size_t i;

	putchar('[');
	for (i = 0; i < rec->n_keys; i++) {
		const struct tfa_key *k = &rec->keys[i];

		printf("%s{\"id\":%u,\"name\":", i ? "," : "", (unsigned)k->id);
		tfa_enroll_json_str(k->name);
		printf(",\"type\":\"%s\",\"rp\":", tfa_fido_cose_name(
		    k->cose_type));
		tfa_enroll_json_str(k->rp);
		printf(",\"uv\":%s,\"pin\":%s,\"sign_count\":%u,\"created\":%lld,"
		    "\"last_used\":%lld}", k->uv ? "true" : "false",
		    k->pin ? "true" : "false", (unsigned)k->sign_count,
		    (long long)k->created, (long long)k->last_used);
	}
	puts("]");
}

static void
list_text(const struct tfa_enroll *e, const struct tfa_record *rec)
{
	char rp[TFA_RP_MAX + 1], d1[64], d2[64];
	size_t i;

	if (tfa_config_origin(&e->cfg, rp, sizeof(rp)) != TFA_OK)
		rp[0] = '\0';
	if (rec->n_keys == 0) {
		printf("No security keys.  Register one with: tfa-enroll key "
		    "add [NAME]\n");
		return;
	}
	printf("%-4s %-20s %-6s %-3s %-24s %s\n", "ID", "NAME", "TYPE", "UV",
	    "ADDED", "LAST USED");
	for (i = 0; i < rec->n_keys; i++) {
		const struct tfa_key *k = &rec->keys[i];

		printf("%-4u %-20s %-6s %-3s %-24s %s", (unsigned)k->id,
		    k->name, tfa_fido_cose_name(k->cose_type),
		    k->uv ? "yes" : "no",
		    tfa_enroll_date(k->created, d1, sizeof(d1)),
		    tfa_enroll_date(k->last_used, d2, sizeof(d2)));
		/* Origin changed since: logins here will not ask for it */
		if (strcmp(k->rp, rp) != 0)
			printf("  (made for %s, not usable here)", k->rp);
		putchar('\n');
	}
	if (!e->cfg.allow_keys)
		printf("The administrator does not allow security keys "
		    "(AllowSecurityKeys=false).\n");
}

int
tfa_enroll_key_list(struct tfa_enroll *e)
{
	struct tfa_record rec;
	bool json;
	int rc;

	if ((rc = tfa_enroll_json_arg(e, &json)) >= 0)
		return rc;
	if (read_record(e, &rec) != TFA_OK)
		return TFA_EXIT_FAIL;
	/* the store hands lists back in its own order */
	if (rec.n_keys > 1)
		qsort(rec.keys, rec.n_keys, sizeof(rec.keys[0]), by_id);
	if (json)
		list_json(&rec);
	else
		list_text(e, &rec);
	tfa_record_wipe(&rec);
	return TFA_EXIT_OK;
}

/* ---- key remove ---- */

int
tfa_enroll_key_remove(struct tfa_enroll *e)
{
	char code[TFA_CODE_INPUT_MAX + 1];
	struct tfa_fido_assertion touch;
	struct tfa_record rec;
	struct tfa_verdict v;
	struct key_proof proof;
	long id;
	tfa_err r;
	int rc;

	memset(code, 0, sizeof(code));
	memset(&touch, 0, sizeof(touch));
	if (e->argc != 2 || (id = tfa_enroll_number(e->argv[1],
	    (long)UINT32_MAX - 1)) <= 0)
		return tfa_enroll_usage("give the ID of one key (see "
		    "'tfa-enroll key list')");
	if (read_record(e, &rec) != TFA_OK)
		return TFA_EXIT_FAIL;
	if ((rc = get_proof(e, &rec, code, sizeof(code), &touch, &proof)) >=
	    0)
		goto out;
	r = key_op_remove(&e->cfg, &e->log, e->user, &proof, (uint32_t)id,
	    &v);
	if (r != TFA_OK) {
		rc = refused(e, "removal", r, &v);
		goto out;
	}
	tfa_log(&e->log, LOG_NOTICE, "removed security key %ld for user %s",
	    id, e->user_log);
	printf("Security key %ld is removed for %s.\n", id, e->user);
	rc = TFA_EXIT_OK;
out:
	tfa_wipe_array(code);
	tfa_wipe_struct(&touch);
	tfa_record_wipe(&rec);
	return rc;
}

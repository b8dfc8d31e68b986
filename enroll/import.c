/*
 * tfa-enroll import: second factors from pam_google_authenticator, pam_oath
 * and pam_u2f.  The file is read with the caller's rights and parsed by
 * common/import*.c; a file a user owns counts for that user alone.  Each
 * user is then one read-check-update under that user's lock that stores
 * everything or nothing.  --dry-run reports the same decisions and changes
 * nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>

#include "enroll.h"
#include "import.h"
#include "store.h"

struct import_opts {
	enum tfa_import_format format;
	bool have_format;
	const char *file;
	const char *user;		/* --user, or NULL */
	const char *origin;		/* --origin, or NULL: the configured */
	const char *appid;		/* --appid, or NULL: the origin */
	bool dry_run;
	bool replace;
	char rp[TFA_RP_MAX + 1];	/* the origin in effect */
};

struct tally {
	unsigned done, refused;
};

static const struct option import_options[] = {
	{ "from", required_argument, NULL, 'f' },
	{ "user", required_argument, NULL, 'u' },
	{ "origin", required_argument, NULL, 'o' },
	{ "appid", required_argument, NULL, 'a' },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "replace", no_argument, NULL, 'r' },
	{ NULL, 0, NULL, 0 }
};

static int
usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
usage(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("tfa-enroll: import: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'tfa-enroll import --help'.\n", stderr);
	return TFA_EXIT_USAGE;
}

static int
parse_opt(struct import_opts *o, int ch, const char *arg)
{
	switch (ch) {
	case 'f':
		if (tfa_import_format_parse(arg, &o->format) != TFA_OK)
			return usage("--from: '%s' is not google-authenticator, "
			    "oath-users or pam-u2f", arg);
		o->have_format = true;
		return -1;
	case 'u':
		o->user = arg;
		return -1;
	case 'o':
		o->origin = arg;
		return -1;
	case 'a':
		o->appid = arg;
		return -1;
	case 'n':
		o->dry_run = true;
		return -1;
	case 'r':
		o->replace = true;
		return -1;
	}
	return usage("%s", "unknown option");
}

/* -1 to go on, else the exit status. */
static int
parse_args(struct tfa_enroll *e, struct import_opts *o)
{
	int ch, rc;

	optind = 0;		/* glibc: a fresh scan */
	opterr = 0;
	while ((ch = getopt_long(e->argc, e->argv, "+", import_options,
	    NULL)) != -1) {
		if (ch == '?' || ch == ':')
			return usage("'%s' is not an option of import, or "
			    "needs a value", e->argv[optind - 1]);
		if ((rc = parse_opt(o, ch, optarg)) >= 0)
			return rc;
	}
	/* root's global --user NAME means the same as import's own */
	if (o->user == NULL && e->admin[0] != '\0')
		o->user = e->user;
	if (!o->have_format)
		return usage("%s", "say which file it is: --from "
		    "google-authenticator, oath-users or pam-u2f");
	if (optind != e->argc - 1)
		return usage("%s", "name exactly one FILE");
	o->file = e->argv[optind];
	if (o->user != NULL && tfa_user_check(o->user) != TFA_OK)
		return usage("%s", "--user: not a name that can have a second "
		    "factor");
	if ((o->origin != NULL || o->appid != NULL) &&
	    o->format != TFA_IMPORT_U2F)
		return usage("%s", "--origin and --appid go with --from "
		    "pam-u2f");
	return -1;
}

/* Who may import what; -1 to go on, else the exit status. */
static int
check_caller(const struct tfa_enroll *e, const struct import_opts *o)
{
	struct stat st;

	if (getuid() == 0)
		return -1;
	if (o->format != TFA_IMPORT_GA) {
		tfa_enroll_error("importing a %s file needs root: it holds "
		    "other users' second factors",
		    tfa_import_format_name(o->format));
		return TFA_EXIT_FAIL;
	}
	if (o->user != NULL && strcmp(o->user, e->user) != 0) {
		tfa_enroll_error("only root can import for another user; you "
		    "are %s", e->user);
		return TFA_EXIT_FAIL;
	}
	/* the system store takes imports from root only (the monitor of a
	 * set-uid tfa-enroll offers no import) */
	if (stat(e->cfg.store_dir, &st) != 0 || st.st_uid != getuid()) {
		tfa_enroll_error("only root can import into the store %s; you "
		    "can import your own file into a store of your own "
		    "(--store DIR)", e->cfg.store_dir);
		return TFA_EXIT_FAIL;
	}
	return -1;
}

static int
read_all(int fd, const struct stat *st, char **out, size_t *len)
{
	size_t size = (size_t)st->st_size, got = 0;
	char *buf;
	ssize_t n;

	if ((buf = malloc(size + 1)) == NULL)
		return -1;
	while (got < size) {
		n = read(fd, buf + got, size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got != size) {		/* changed while we read it */
		explicit_bzero(buf, size + 1);
		free(buf);
		return -1;
	}
	*out = buf;
	*len = size;
	return 0;
}

/*
 * The file, read with the caller's rights; a user's own file only, unless
 * root, and then one only its owner (and group root) can write: the owner
 * decides what it may hold (keep_owner_only).  Never a symbolic link, a
 * FIFO or a device; never quoted back.
 */
static int
read_file(const struct import_opts *o, char **buf, size_t *len,
    uid_t *owner)
{
	struct stat st;
	int fd, rc = TFA_EXIT_FAIL;

	fd = open(o->file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
	    O_CLOEXEC);
	if (fd < 0) {
		tfa_enroll_error("%s: %s", o->file, errno == ELOOP ?
		    "is a symbolic link" : strerror(errno));
		return TFA_EXIT_FAIL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		tfa_enroll_error("%s: not a regular file", o->file);
	else if (getuid() != 0 && st.st_uid != getuid())
		tfa_enroll_error("%s: not your file", o->file);
	else if (getuid() == 0 && ((st.st_mode & S_IWOTH) ||
	    ((st.st_mode & S_IWGRP) && st.st_gid != 0)))
		tfa_enroll_error("%s: writable by group %u or others: whoever "
		    "can write it could have put their own key or secret in "
		    "it for anyone; nothing was imported (chmod go-w)",
		    o->file, (unsigned)st.st_gid);
	else if (st.st_size > TFA_IMPORT_TEXT_MAX)
		tfa_enroll_error("%s: larger than %d bytes", o->file,
		    TFA_IMPORT_TEXT_MAX);
	else if (read_all(fd, &st, buf, len) != 0)
		tfa_enroll_error("%s: cannot read it whole", o->file);
	else
		rc = -1;
	*owner = st.st_uid;
	close(fd);
	return rc;
}

/*
 * A google-authenticator file names no user: --user, or the caller.  root
 * importing someone's file under root's own name is a slip; say so.  The
 * file must be root's or the user's own, as pam_google_authenticator
 * demands: whoever else could write it could have put their secret in it.
 * owner is from fstat of the descriptor read, so it is the file read.
 */
static int
ga_user(struct tfa_enroll *e, const struct import_opts *o, uid_t owner,
    struct tfa_import_user *u)
{
	const struct passwd *pw;
	const char *user = o->user != NULL ? o->user : e->user, *shown;
	char t[TFA_ENROLL_TEXT_MAX];

	if (o->user == NULL && getuid() == 0 && owner != 0 &&
	    (pw = getpwuid(0)) != NULL && strcmp(e->user, pw->pw_name) == 0) {
		tfa_enroll_error("%s belongs to uid %u, not to root: name the "
		    "user it is for with --user NAME", o->file, (unsigned)owner);
		return TFA_EXIT_FAIL;
	}
	if (getuid() == 0 && owner != 0 && ((pw = getpwnam(user)) == NULL ||
	    pw->pw_uid != owner)) {
		shown = tfa_enroll_text(user, t, sizeof(t));
		tfa_enroll_error("%s belongs to uid %u, neither to root nor to "
		    "%s: nothing was imported (pam_google_authenticator would "
		    "not have used it for %s either)", o->file,
		    (unsigned)owner, shown, shown);
		return TFA_EXIT_FAIL;
	}
	if (tfa_strlcpy(u->user, user, sizeof(u->user)) != TFA_OK)
		return TFA_EXIT_FAIL;
	return -1;
}

/*
 * A users file that a user owns counts for that user alone.  pam_u2f and
 * pam_oath read a per-user file (~/.config/Yubico/u2f_keys, a usersfile
 * under ${HOME}) only for its owner's login, so a line there for root or
 * for anyone else never did anything; imported, it would give its
 * writer's key or token to that user.  Those entries are refused, each
 * with this reason; the owner's own entry is imported as from root's file.
 */
static void
keep_owner_only(const struct import_opts *o, struct tfa_import *imp,
    uid_t owner)
{
	const struct passwd *pw;
	char name[TFA_USER_MAX + 1] = "", t[TFA_ENROLL_TEXT_MAX];
	size_t i;

	if (owner == 0 || o->format == TFA_IMPORT_GA)
		return;
	if ((pw = getpwuid(owner)) != NULL)
		(void)tfa_strlcpy(name, pw->pw_name, sizeof(name));
	for (i = 0; i < imp->n_users; i++) {
		struct tfa_import_user *u = &imp->users[i];

		if (name[0] != '\0' && strcmp(u->user, name) == 0)
			continue;
		u->refused = true;
		if (name[0] != '\0')
			snprintf(u->why, sizeof(u->why), "the file belongs to "
			    "%s, not to root: from a user's file only that "
			    "user's own entry is imported",
			    tfa_enroll_text(name, t, sizeof(t)));
		else
			snprintf(u->why, sizeof(u->why), "the file belongs to "
			    "uid %u, which has no user name, not to root: from "
			    "a user's file only that user's own entry is "
			    "imported", (unsigned)owner);
	}
}

static int
parse_file(struct tfa_enroll *e, struct import_opts *o, const char *buf,
    size_t len, struct tfa_import *imp)
{
	tfa_err r;

	if (o->format == TFA_IMPORT_GA)
		r = tfa_import_parse_ga(buf, len, imp);
	else if (o->format == TFA_IMPORT_OATH)
		r = tfa_import_parse_oath(buf, len, imp);
	else if ((r = tfa_config_origin(&e->cfg, o->rp, sizeof(o->rp))) ==
	    TFA_OK && (o->origin == NULL || (r = tfa_strlcpy(o->rp, o->origin,
	    sizeof(o->rp))) == TFA_OK))
		r = tfa_import_parse_u2f(buf, len, o->rp, o->appid, imp);
	if (r == TFA_ERR_INVAL && imp->n_problems > 0) {
		tfa_enroll_error("%s: %s; nothing was imported", o->file,
		    imp->problems[0].why);
		return TFA_EXIT_FAIL;
	}
	if (r != TFA_OK) {
		tfa_enroll_error("%s: %s", o->file, tfa_strerror(r));
		return TFA_EXIT_FAIL;
	}
	return -1;
}

/* ---- the report ---- */

static void
describe_window(const struct tfa_enroll *e, const struct tfa_import_user *u)
{
	unsigned off = u->window / 2, tol = e->cfg.clock_tolerance;

	if (u->window == 0)
		return;
	if (off > tol)
		printf("  note: pam_google_authenticator took codes up to %u "
		    "steps off (WINDOW_SIZE %u); pam_tfa takes ClockTolerance "
		    "= %u for every user: raise it in pam_tfa.conf if this "
		    "phone's clock drifts\n", off, u->window, tol);
	else
		printf("  note: WINDOW_SIZE %u (codes up to %u step%s off) is "
		    "within ClockTolerance = %u\n", u->window, off,
		    off == 1 ? "" : "s", tol);
}

static void
describe_keys(const struct import_opts *o, const struct tfa_import_user *u)
{
	size_t i;

	for (i = 0; i < u->n_keys; i++) {
		const struct tfa_key *k = &u->keys[i];

		printf("  security key \"%s\": %s, relying party %s, touch%s\n",
		    k->name, k->cose_type == -8 ? "EdDSA" : "ES256", k->rp,
		    k->pin ? " and PIN" : k->uv ? " and user verification" :
		    "");
		if (strcmp(k->rp, o->rp) != 0)
			printf("  note: this key answers only for %s; pam_tfa "
			    "asks keys for %s: set Origin = %s in pam_tfa.conf, "
			    "or pass --origin\n", k->rp, o->rp, k->rp);
	}
}

/* What the import brings, and what changes in meaning. */
static void
describe(const struct tfa_enroll *e, const struct import_opts *o,
    const struct tfa_import_user *u)
{
	const char *p, *nl;

	if (u->totp.enabled)
		printf("  authenticator app: %s, %u digits, %u s steps\n",
		    tfa_enroll_hash_name(u->totp.algo), u->totp.digits,
		    u->totp.period);
	if (u->totp.enabled && u->last_step > 0)
		printf("  time steps up to %lld count as used: a code used "
		    "before the switch is refused\n", (long long)u->last_step);
	if (u->n_scratch > 0)
		printf("  backup codes: %u scratch codes, still 8 digits, each "
		    "good once\n", u->n_scratch);
	describe_keys(o, u);
	describe_window(e, u);
	for (p = u->notes; *p != '\0'; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			break;
		printf("  note: %.*s\n", (int)(nl - p), p);
	}
}

static void
describe_replaced(unsigned replaced, bool dry_run)
{
	if (replaced == 0)
		return;
	printf("  %s", dry_run ? "would replace" : "replaced");
	if (replaced & TFA_IMPORT_REPLACED_TOTP)
		printf(" the authenticator app%s", replaced & ~1u ? "," : "");
	if (replaced & TFA_IMPORT_REPLACED_BACKUP)
		printf(" the unused backup codes%s", replaced & 4u ? "," : "");
	if (replaced & TFA_IMPORT_REPLACED_KEYS)
		printf(" the security keys");
	putchar('\n');
}

/* ---- one user ---- */

/*
 * A user name from the file, for root's terminal: tfa_user_check lets C1
 * controls (a raw 0x9b, or U+009B in UTF-8, is CSI) through, and anyone
 * who could write the file chose the names in it.
 */
static const char *
shown_user(const struct tfa_import_user *u, char *buf, size_t len)
{
	return tfa_enroll_text(u->user, buf, len);
}

static void
refusal(const struct tfa_import_user *u, bool dry_run, tfa_err r,
    const char *why)
{
	char t[TFA_ENROLL_TEXT_MAX];

	printf("%s: %s: %s%s\n", shown_user(u, t, sizeof(t)), dry_run ?
	    "cannot be imported" : "not imported", why, r == TFA_ERR_EXISTS ?
	    " (--replace would replace it)" : "");
}

static void
log_import(const struct tfa_enroll *e, const struct import_opts *o,
    const struct tfa_import_user *u, unsigned replaced)
{
	char name[TFA_USER_FILE_MAX + 1];

	if (tfa_user_escape(u->user, name, sizeof(name)) != TFA_OK)
		return;
	tfa_log(&e->log, LOG_NOTICE, "imported from %s for user %s:%s%s "
	    "%zu keys%s", tfa_import_format_name(o->format), name,
	    u->totp.enabled ? " totp" : "", u->n_scratch ? " backup-codes" :
	    "", u->n_keys, replaced ? " (replacing existing methods)" : "");
}

/* Lock, load, check, change, save: all of it or nothing. */
static tfa_err
store_user(const struct tfa_enroll *e, const struct import_opts *o,
    const struct tfa_import_user *u, unsigned *replaced, const char **why)
{
	struct tfa_store *st = NULL;
	struct tfa_record rec;
	tfa_err r;

	tfa_record_init(&rec);
	*why = NULL;
	if ((r = tfa_store_lock(&e->cfg, &e->log, u->user, &st)) != TFA_OK)
		goto out;
	if ((r = tfa_store_load(st, &rec)) == TFA_ERR_NOENT)
		tfa_record_init(&rec);
	else if (r != TFA_OK)
		goto out;
	if ((r = tfa_import_apply(u, &rec, o->replace, tfa_now(), replaced,
	    why)) != TFA_OK)
		goto out;
	r = tfa_store_save(st, &rec);
out:
	tfa_store_close(&st);
	tfa_record_wipe(&rec);
	return r;
}

/* The same decision on a lockless copy, kept in memory only. */
static tfa_err
try_user(const struct tfa_enroll *e, const struct import_opts *o,
    const struct tfa_import_user *u, unsigned *replaced, const char **why)
{
	struct tfa_record rec;
	tfa_err r;

	*why = NULL;
	r = tfa_store_read(&e->cfg, &e->log, u->user, &rec);
	if (r == TFA_ERR_NOENT)
		tfa_record_init(&rec);
	else if (r != TFA_OK)
		return r;
	r = tfa_import_apply(u, &rec, o->replace, tfa_now(), replaced, why);
	tfa_record_wipe(&rec);
	return r;
}

static void
import_user(const struct tfa_enroll *e, const struct import_opts *o,
    struct tfa_import_user *u, struct tally *t)
{
	unsigned replaced = 0;
	const char *why = NULL;
	char shown[TFA_ENROLL_TEXT_MAX];
	tfa_err r;

	if (!u->refused && (r = tfa_import_resolve_step(u, tfa_now())) !=
	    TFA_OK) {
		tfa_enroll_error("%s: %s", shown_user(u, shown, sizeof(shown)),
		    tfa_strerror(r));
		t->refused++;
		return;
	}
	if (u->refused) {
		refusal(u, o->dry_run, TFA_ERR_INVAL, u->why);
		t->refused++;
		return;
	}
	r = o->dry_run ? try_user(e, o, u, &replaced, &why) :
	    store_user(e, o, u, &replaced, &why);
	if (r != TFA_OK) {
		if (why != NULL)
			refusal(u, o->dry_run, r, why);
		else
			tfa_enroll_store_error(e, shown_user(u, shown,
			    sizeof(shown)), r);
		t->refused++;
		return;
	}
	printf("%s: %s\n", shown_user(u, shown, sizeof(shown)), o->dry_run ?
	    "would be imported" : "imported");
	describe(e, o, u);
	describe_replaced(replaced, o->dry_run);
	if (!o->dry_run)
		log_import(e, o, u, replaced);
	t->done++;
}

/* ---- the command ---- */

static struct tfa_import_user *
selected(struct tfa_import *imp, const struct import_opts *o, size_t i)
{
	if (o->format != TFA_IMPORT_GA && o->user != NULL &&
	    strcmp(imp->users[i].user, o->user) != 0)
		return NULL;
	return &imp->users[i];
}

/* Lines that name no user could be anyone's: nothing is imported. */
static bool
report_problems(const struct import_opts *o, const struct tfa_import *imp)
{
	size_t i;

	for (i = 0; i < imp->n_problems; i++)
		printf("%s:%u: %s\n", o->file, imp->problems[i].line,
		    imp->problems[i].why);
	if (imp->n_problems == 0)
		return false;
	printf("These lines name no user, so they could belong to anyone: "
	    "nothing is imported until they are fixed or removed.\n");
	return true;
}

static int
run(struct tfa_enroll *e, struct import_opts *o, struct tfa_import *imp)
{
	struct tally t = { 0, 0 };
	char shown[TFA_ENROLL_TEXT_MAX];
	bool blocked;
	size_t i;

	printf("Importing the %s file %s%s\n", tfa_import_format_name(o->format),
	    o->file, o->dry_run ? " (dry run: nothing is changed)" : "");
	blocked = report_problems(o, imp);
	o->dry_run |= blocked;
	for (i = 0; i < imp->n_users; i++) {
		struct tfa_import_user *u = selected(imp, o, i);

		if (u != NULL)
			import_user(e, o, u, &t);
	}
	if (o->user != NULL && o->format != TFA_IMPORT_GA &&
	    t.done + t.refused == 0) {
		tfa_enroll_error("%s has no entry for %s", o->file,
		    tfa_enroll_text(o->user, shown, sizeof(shown)));
		return TFA_EXIT_FAIL;
	}
	printf("%u user%s %s, %u %s.\n", t.done, t.done == 1 ? "" : "s",
	    o->dry_run ? "would be imported" : "imported", t.refused,
	    o->dry_run ? "cannot be" : "not imported");
	return t.refused == 0 && !blocked ? TFA_EXIT_OK : TFA_EXIT_FAIL;
}

int
tfa_enroll_import(struct tfa_enroll *e)
{
	struct import_opts o;
	struct tfa_import imp;
	char *buf = NULL;
	size_t len = 0;
	uid_t owner = 0;
	int rc;

	memset(&o, 0, sizeof(o));
	tfa_import_init(&imp);
	imp.max_keys = e->cfg.max_keys;	/* MaxKeys, as key add keeps it */
	if ((rc = parse_args(e, &o)) >= 0 || (rc = check_caller(e, &o)) >= 0 ||
	    (rc = read_file(&o, &buf, &len, &owner)) >= 0 ||
	    (rc = parse_file(e, &o, buf, len, &imp)) >= 0)
		goto out;
	if (o.format == TFA_IMPORT_GA &&
	    (rc = ga_user(e, &o, owner, &imp.users[0])) >= 0)
		goto out;
	keep_owner_only(&o, &imp, owner);
	rc = run(e, &o, &imp);
out:
	if (buf != NULL) {
		explicit_bzero(buf, len);
		free(buf);
	}
	tfa_import_free(&imp);
	return rc;
}

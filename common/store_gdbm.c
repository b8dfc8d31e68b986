/*
 * The gdbm store backend: StoreDir/<escaped user>.db, one database per user,
 * with its overlay StoreDir/<escaped user>.st beside it, which is also the
 * user's lock.
 *
 * Invariants (MUST):
 *  - StoreDir is opened with O_DIRECTORY|O_NOFOLLOW and checked on that
 *    descriptor: a directory owned by the effective user, writable by no one
 *    else.  Every file is then opened with openat() from that descriptor.
 *  - Every file is opened with O_NOFOLLOW|O_NONBLOCK and checked on its
 *    descriptor, never on a path: a regular file, owned by the effective
 *    user, mode 0600 or stricter, exactly one link, of bounded size.
 *  - A record changes only under its user's flock() of the overlay file,
 *    StoreDir/<escaped user>.st, taken again if the file lost its name
 *    while the lock was awaited.  A change to the entries a login updates
 *    (state, backup codes, devices, app passwords, keys; never the TOTP
 *    secret), with no entry added or removed, goes to the overlay
 *    (overlay.h): one slot rewritten in place and its data synced.  Any
 *    other change writes a new database beside the old one, syncs it,
 *    renames it over the old one and syncs the directory; the new
 *    database has a new random generation, so the overlay's slots, made
 *    for the old one, no longer count.  Either way a reader never needs
 *    the lock, a kill -9 at any instant leaves the old or the new record,
 *    and the lock dies with its holder.
 *  - A process keeps the entries of a few databases it read (kept_get):
 *    only of a database unchanged for KEEP_SETTLED seconds, and used only
 *    while the name gives a file of the same device, inode, size, change
 *    and modification times, as safe as open_file_st would accept.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gdbm.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "overlay.h"
#include "store.h"
#include "user.h"

#define DB_SIZE_MAX	(8 * 1024 * 1024)
#define DB_ENTRIES_MAX	100000
#define STEM_MAX	(TFA_USER_FILE_MAX + 1)
#define GEN_KEY		"store.gen"	/* the database's generation */
#define MMAP_MIN	(64 * 1024)	/* map databases larger than this */

/*
 * One encoded entry, key and value NUL-terminated in one allocation, with
 * their lengths as the database gave them (a NUL inside is the decoder's
 * to refuse).
 */
struct entry {
	char *key;
	char *val;
	size_t klen, vlen;
};

struct entries {
	struct entry *v;
	size_t n, cap;
	size_t *slot;			/* entries_index: 1 + index, 0 free */
	size_t nslot;			/* a power of two, > 2n */
};

/*
 * A database's entries, indexed, and (decoded) the record they make without
 * the overlay: made once, then only read, and shared between the handles
 * that read the database and the databases the process keeps (kept_get).
 * The record's lists are shared (record.h), so a record read from a base
 * costs no copy of them, however many devices or app passwords the user
 * has.  An overlay that changes list elements (a device's last use, a
 * key's counter) is applied to a copy of the lists once, kept as the
 * base's view while the next overlays change the same elements the same
 * way.
 */
struct base {
	unsigned refs;			/* atomic */
	uint64_t gen;
	struct entries raw;
	size_t n_fixed;			/* entries of raw not list elements */
	struct tfa_record rec;		/* empty in a base a save made */
	size_t bytes;			/* of memory, about */
	pthread_mutex_t mu;		/* view, view_key */
	struct tfa_record view;		/* rec with view_key's entries */
	char *view_key;			/* an overlay's list entries */
	size_t view_len;		/* 0: no view */
};

/* StoreDir, open: every file is opened from it and checked against euid. */
struct place {
	int fd;
	uid_t euid;			/* geteuid() when it was opened */
	const char *path;
	const struct tfa_log *log;
};

struct tfa_store {
	struct place at;
	int lockfd;			/* the overlay, flock()ed; -1 until
					   locked */
	off_t lock_size;		/* its size when locked or made whole */
	int ovlfd;			/* the overlay, read-write, once open;
					   lockfd once locked */
	bool ovl_whole;			/* ovlfd is a whole file: the lock is
					   held, or peek found it whole */
	bool peek_ovl;			/* the lock was taken on the overlay
					   file peek read */
	bool lock_same;			/* and, under the lock, that file was
					   still as peek read it */
	bool removed;			/* tfa_store_delete'd: close only */
	GDBM_FILE peekdb;		/* the database tfa_store_peek read,
					   held open: its inode stays its own;
					   NULL when it came from kept_get */
	struct stat peek_sb;		/* that database's status */
	bool peek_base;			/* peek_sb is set */
	bool peeked;			/* peek_rec holds what it decoded */
	bool current;			/* gen, base and ovl are what is on
					   disk: loaded or saved under the lock */
	struct tfa_record peek_rec;
	struct tfa_record seen;		/* the last record read (shared
					   lists: no copy), or empty */
	uint64_t gen;			/* of the database loaded or saved */
	struct base *base;		/* its entries */
	struct tfa_ovl ovl;		/* the newest overlay slot for it */
	char stem[STEM_MAX];
	char dir[PATH_MAX];
};

static tfa_err
entries_add(struct entries *e, const char *key, size_t klen, const char *val,
    size_t vlen)
{
	struct entry *v;
	char *p;

	if (e->n == e->cap) {
		size_t cap = e->cap ? 2 * e->cap : 16;

		if ((v = reallocarray(e->v, cap, sizeof(*v))) == NULL)
			return TFA_ERR_NOMEM;
		e->v = v;
		e->cap = cap;
	}
	if ((p = malloc(klen + vlen + 2)) == NULL)
		return TFA_ERR_NOMEM;
	memcpy(p, key, klen);
	p[klen] = '\0';
	memcpy(p + klen + 1, val, vlen);
	p[klen + 1 + vlen] = '\0';
	e->v[e->n++] = (struct entry){ p, p + klen + 1, klen, vlen };
	return TFA_OK;
}

static void
entries_free(struct entries *e)
{
	for (size_t i = 0; i < e->n; i++) {
		explicit_bzero(e->v[i].key, e->v[i].klen + e->v[i].vlen + 2);
		free(e->v[i].key);
	}
	free(e->v);
	free(e->slot);
	*e = (struct entries){ 0 };
}

static uint64_t
key_hash(const char *k)
{
	uint64_t h = 0xcbf29ce484222325ull;	/* FNV-1a */

	for (; *k != '\0'; k++)
		h = (h ^ (unsigned char)*k) * 0x100000001b3ull;
	return h;
}

/*
 * A hash index of the keys, for entries_find: a save looks up every entry
 * of the record it encodes, thousands for a user with many devices.
 */
static tfa_err
entries_index(struct entries *e)
{
	size_t n = 16, i, h;

	while (n <= 2 * e->n)
		n *= 2;
	free(e->slot);
	if ((e->slot = calloc(n, sizeof(*e->slot))) == NULL) {
		e->nslot = 0;
		return TFA_ERR_NOMEM;
	}
	e->nslot = n;
	for (i = 0; i < e->n; i++) {
		for (h = key_hash(e->v[i].key) & (n - 1); e->slot[h] != 0;
		    h = (h + 1) & (n - 1))
			;
		e->slot[h] = i + 1;
	}
	return TFA_OK;
}

static const struct entry *
entries_find(const struct entries *e, const char *key)
{
	size_t h;

	if (e->nslot == 0)
		return NULL;
	for (h = key_hash(key) & (e->nslot - 1); e->slot[h] != 0;
	    h = (h + 1) & (e->nslot - 1))
		if (strcmp(e->v[e->slot[h] - 1].key, key) == 0)
			return &e->v[e->slot[h] - 1];
	return NULL;
}

/*
 * The entries of a few databases read lately, kept in the process: a mail
 * server's auth process logs many users in through one pam_tfa.so, and a
 * database is never changed in place (a change writes a new file), so
 * while its name still gives the same file (device, inode, size, change
 * and modification times) its entries are what was read.  Only a database
 * whose change time was at least KEEP_SETTLED seconds before it was read
 * is kept: a file made after that read has a later change time, even when
 * it reuses the inode, and a file changed twice within one tick of the
 * file system's clock is never kept with its first content.  The overlay
 * is read from its file every time.
 */
#define KEEP_SETTLED	2			/* seconds */
#define KEEP_RECORDS	64
#define KEEP_BYTES	(8 * 1024 * 1024)	/* all records kept, in all */

struct kept_db {
	struct stat sb;			/* of the file read */
	struct base *base;
	uint64_t used;			/* kept.tick when last used */
};

static struct {
	pthread_mutex_t mu;
	struct kept_db db[KEEP_RECORDS];
	size_t bytes;
	uint64_t tick;
} kept = { .mu = PTHREAD_MUTEX_INITIALIZER };

static struct base *
base_new(void)
{
	struct base *b = calloc(1, sizeof(*b));

	if (b == NULL)
		return NULL;
	b->refs = 1;
	if (pthread_mutex_init(&b->mu, NULL) != 0) {
		free(b);
		return NULL;
	}
	return b;
}

static struct base *
base_hold(struct base *b)
{
	__atomic_add_fetch(&b->refs, 1, __ATOMIC_RELAXED);
	return b;
}

static void
base_drop(struct base **bp)
{
	struct base *b = *bp;

	*bp = NULL;
	if (b == NULL || __atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	entries_free(&b->raw);
	tfa_record_wipe(&b->rec);
	tfa_record_wipe(&b->view);
	if (b->view_key != NULL) {
		explicit_bzero(b->view_key, b->view_len);
		free(b->view_key);
	}
	pthread_mutex_destroy(&b->mu);
	free(b);
}

static bool
same_db(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	    a->st_size == b->st_size &&
	    a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	    a->st_ctim.tv_nsec == b->st_ctim.tv_nsec &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	    a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static void
kept_drop(struct kept_db *k)
{
	kept.bytes -= k->base->bytes;
	base_drop(&k->base);
	*k = (struct kept_db){ 0 };
}

/*
 * The base kept for the database with status sb, held, or NULL.  trylock,
 * here and in kept_put: a busy lock means another thread is at it, or that
 * a thread held it when the process forked and never will let go in this
 * copy; either way, read the file.
 */
static struct base *
kept_get(const struct stat *sb)
{
	struct base *b = NULL;

	if (pthread_mutex_trylock(&kept.mu) != 0)
		return NULL;
	for (size_t i = 0; i < KEEP_RECORDS; i++) {
		struct kept_db *k = &kept.db[i];

		if (k->base != NULL && same_db(&k->sb, sb)) {
			b = base_hold(k->base);
			k->used = ++kept.tick;
			break;
		}
	}
	pthread_mutex_unlock(&kept.mu);
	return b;
}

/* Keep b, read from the database with status sb, if the file has settled. */
static void
kept_put(const struct stat *sb, struct base *b)
{
	struct kept_db *k = NULL;
	struct timespec now;
	size_t i;

	if (b->bytes > KEEP_BYTES / 4 ||
	    clock_gettime(CLOCK_REALTIME, &now) != 0 ||
	    now.tv_sec - sb->st_ctim.tv_sec < KEEP_SETTLED ||
	    pthread_mutex_trylock(&kept.mu) != 0)
		return;
	/* an older copy of this file goes; then the least lately used */
	for (i = 0; i < KEEP_RECORDS; i++)
		if (kept.db[i].base != NULL && kept.db[i].sb.st_dev ==
		    sb->st_dev && kept.db[i].sb.st_ino == sb->st_ino)
			kept_drop(&kept.db[i]);
	for (;;) {
		struct kept_db *lru = NULL;

		for (i = 0, k = NULL; i < KEEP_RECORDS; i++) {
			if (kept.db[i].base == NULL)
				k = &kept.db[i];
			else if (lru == NULL || kept.db[i].used < lru->used)
				lru = &kept.db[i];
		}
		if (k != NULL && kept.bytes + b->bytes <= KEEP_BYTES)
			break;
		if (lru == NULL) {
			pthread_mutex_unlock(&kept.mu);
			return;
		}
		kept_drop(lru);
	}
	k->sb = *sb;
	k->base = base_hold(b);
	k->used = ++kept.tick;
	kept.bytes += b->bytes;
	pthread_mutex_unlock(&kept.mu);
}

static tfa_err
open_dir(const struct tfa_config *cfg, const struct tfa_log *log,
    struct place *at)
{
	struct stat st;
	uid_t euid;
	int fd;

	fd = open(cfg->store_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		/*
		 * O_DIRECTORY|O_NOFOLLOW on a symlink to a directory fails
		 * with ENOTDIR; say what the admin has to fix.  (lstat only
		 * picks the words; the refusal is open()'s.)
		 */
		tfa_log(log, LOG_ERR, "store %s: cannot open: %s",
		    cfg->store_dir, (e == ENOTDIR || e == ELOOP) &&
		    lstat(cfg->store_dir, &st) == 0 && S_ISLNK(st.st_mode) ?
		    "is a symbolic link" : strerror(e));
		return e == ELOOP || e == ENOTDIR ? TFA_ERR_UNSAFE : TFA_ERR_IO;
	}
	euid = geteuid();
	if (fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != euid || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		tfa_log(log, LOG_ERR, "store %s: must be a directory owned by "
		    "uid %u and writable by its owner only", cfg->store_dir,
		    (unsigned)euid);
		close(fd);
		return TFA_ERR_UNSAFE;
	}
	*at = (struct place){ fd, euid, cfg->store_dir, log };
	return TFA_OK;
}

/* Why a store file with this status is refused; NULL when it is not. */
static const char *
unsafe_why(const struct stat *st, uid_t euid)
{
	if (!S_ISREG(st->st_mode))
		return "not a regular file";
	if (st->st_uid != euid)
		return "wrong owner";
	if (st->st_mode & (S_IRWXG | S_IRWXO))
		return "mode allows group or other access";
	/*
	 * 0 links is a record a writer renamed a new one over after we opened
	 * it: a whole, older copy, fine for a lock-free read.  More than one
	 * is a hard link from somewhere we did not check.
	 */
	if (st->st_nlink > 1)
		return "has more than one link";
	if (st->st_size > DB_SIZE_MAX)
		return "too large";
	return NULL;
}

static tfa_err
check_file(int fd, const struct place *at, const char *name, struct stat *stp)
{
	struct stat st;
	const char *why;

	why = fstat(fd, &st) != 0 ? "cannot stat" : unsafe_why(&st, at->euid);
	if (why == NULL) {
		if (stp != NULL)
			*stp = st;
		return TFA_OK;
	}
	tfa_log(at->log, LOG_ERR, "store %s/%s: %s; refusing it", at->path,
	    name, why);
	return TFA_ERR_UNSAFE;
}

/*
 * openat() a store file safely; ENOENT becomes TFA_ERR_NOENT.  With st,
 * also what fstat said of it.
 */
static tfa_err
open_file_st(const struct place *at, const char *name, int flags, int *out,
    struct stat *st)
{
	int fd, e;
	tfa_err r;

	fd = openat(at->fd, name, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
	    0600);
	if (fd < 0) {
		e = errno;
		if (e == ENOENT)
			return TFA_ERR_NOENT;
		tfa_log(at->log, LOG_ERR, "store %s/%s: cannot open: %s",
		    at->path, name, e == ELOOP ? "is a symbolic link" :
		    strerror(e));
		return e == ELOOP ? TFA_ERR_UNSAFE : TFA_ERR_IO;
	}
	if ((r = check_file(fd, at, name, st)) != TFA_OK) {
		close(fd);
		return r;
	}
	*out = fd;
	return TFA_OK;
}

static tfa_err
open_file(const struct place *at, const char *name, int flags, int *out)
{
	return open_file_st(at, name, flags, out, NULL);
}

static tfa_err
file_name(char *buf, size_t len, const char *stem, const char *suffix)
{
	int n = snprintf(buf, len, "%s%s", stem, suffix);

	return (n < 0 || (size_t)n >= len) ? TFA_ERR_USER : TFA_OK;
}

/* Drop what st knows of the record: the next load reads it afresh. */
static void
forget(struct tfa_store *st)
{
	st->current = false;
	base_drop(&st->base);
	st->gen = 0;
	tfa_ovl_init(&st->ovl, 0);
	if (st->peekdb != NULL) {
		gdbm_close(st->peekdb);
		st->peekdb = NULL;
	}
	st->peek_base = false;
	if (st->peeked) {
		tfa_record_wipe(&st->peek_rec);
		st->peeked = false;
	}
	tfa_record_wipe(&st->seen);
	if (st->ovlfd >= 0 && st->ovlfd != st->lockfd)
		close(st->ovlfd);
	/* under the lock, the overlay stays open: it is the lock */
	st->ovlfd = st->lockfd;
	st->ovl_whole = st->lockfd >= 0 && st->lock_size == TFA_OVL_FILE;
	st->peek_ovl = false;
	st->lock_same = false;
}

/* A database's generation: 16 hex digits, not all zero. */
static tfa_err
parse_gen(const char *val, size_t len, uint64_t *gen)
{
	char buf[17], *end;

	*gen = 0;
	if (len != 16)
		return TFA_ERR_CORRUPT;
	memcpy(buf, val, 16);
	buf[16] = '\0';
	errno = 0;
	*gen = strtoull(buf, &end, 16);
	if (errno == 0 && *end == '\0' && *gen != 0 &&
	    strspn(buf, "0123456789abcdef") == 16)
		return TFA_OK;
	*gen = 0;
	return TFA_ERR_CORRUPT;
}

/*
 * The overlay's newest slot for generation gen; none when no file.  Under
 * the lock it is read from the locked file.  For peek (a handle not yet
 * locked, its ovlfd closed), the file is opened read-write and left open
 * for the lock and the write that may follow when it is whole, because a
 * whole overlay stays the file at its name, of its size, until its
 * database is removed with it (load_kept relies on it).
 */
static tfa_err
read_overlay(const struct place *at, const char *stem, uint64_t gen,
    struct tfa_ovl *ovl, struct tfa_store *keeper)
{
	char name[STEM_MAX + 8];
	struct stat sb;
	tfa_err r;
	int fd;

	tfa_ovl_init(ovl, gen);
	if (gen == 0)
		return TFA_OK;
	if ((r = file_name(name, sizeof(name), stem, ".st")) != TFA_OK)
		return r;
	if (keeper != NULL && keeper->lockfd >= 0) {
		r = tfa_ovl_read(keeper->lockfd, keeper->lock_size, gen, ovl);
		keeper->ovlfd = keeper->lockfd;
		goto out;
	}
	if (keeper != NULL) {
		/* peek: read-write if it can (a read-only store still reads) */
		struct place quiet = *at;

		quiet.log = NULL;
		r = open_file_st(&quiet, name, O_RDWR, &fd, &sb);
		if (r != TFA_OK && r != TFA_ERR_NOENT)
			keeper = NULL;	/* again read-only, saying why not */
	}
	if (keeper == NULL)
		r = open_file_st(at, name, O_RDONLY, &fd, &sb);
	if (r == TFA_ERR_NOENT)
		return TFA_OK;
	if (r != TFA_OK)
		return r;
	r = tfa_ovl_read(fd, sb.st_size, gen, ovl);
	if (keeper != NULL && r == TFA_OK && sb.st_size == TFA_OVL_FILE) {
		keeper->ovlfd = fd;
		keeper->ovl_whole = true;
	} else {
		close(fd);
	}
out:
	if (r != TFA_OK)
		tfa_log(at->log, LOG_ERR, "store %s/%s: %s; refusing the "
		    "record", at->path, name, r == TFA_ERR_IO ?
		    "cannot read" : "corrupt");
	return r;
}

/*
 * Every entry of the database into raw, but its generation (0 when it has
 * none), which goes to *gen: one pass, each entry read once.
 */
static tfa_err
read_entries(GDBM_FILE db, struct entries *raw, uint64_t *gen)
{
	datum key, next, val;
	unsigned n = 0;
	tfa_err r = TFA_OK;

	*gen = 0;
	for (key = gdbm_firstkey(db); key.dptr != NULL; key = next) {
		val = gdbm_fetch(db, key);
		if (val.dptr == NULL || ++n > DB_ENTRIES_MAX + 1)
			r = TFA_ERR_CORRUPT;
		else if (key.dsize == (int)sizeof(GEN_KEY) - 1 &&
		    memcmp(key.dptr, GEN_KEY, sizeof(GEN_KEY) - 1) == 0)
			r = parse_gen(val.dptr, (size_t)val.dsize, gen);
		else
			r = entries_add(raw, key.dptr, (size_t)key.dsize,
			    val.dptr, (size_t)val.dsize);
		if (val.dptr != NULL) {
			explicit_bzero(val.dptr, (size_t)val.dsize);
			free(val.dptr);
		}
		next = r == TFA_OK ? gdbm_nextkey(db, key) : (datum){ 0 };
		free(key.dptr);
		if (r != TFA_OK)
			return r;
	}
	if (gdbm_errno != GDBM_ITEM_NOT_FOUND && gdbm_errno != GDBM_NO_ERROR)
		return TFA_ERR_CORRUPT;
	return TFA_OK;
}

/* Decode the database's entries: the record without its overlay. */
static tfa_err
decode_base(const struct entries *raw, struct tfa_record *rec)
{
	tfa_err r;

	for (size_t i = 0; i < raw->n; i++)
		if ((r = tfa_record_decode(rec, raw->v[i].key, raw->v[i].klen,
		    raw->v[i].val, raw->v[i].vlen)) != TFA_OK)
			return r;
	return tfa_record_finish(rec);
}

/*
 * The overlay's entries that change list elements, one after another as
 * in the overlay (key, NUL, value, NUL), into buf (TFA_OVL_PAYLOAD bytes);
 * their length.
 */
static size_t
list_part(const struct tfa_ovl *ovl, char *buf)
{
	const char *k, *v;
	size_t pos = 0, n = 0, kl, vl;

	while (tfa_ovl_next(ovl->payload, ovl->len, &pos, &k, &v)) {
		kl = strlen(k) + 1;
		vl = strlen(v) + 1;
		if (!tfa_record_is_list_key(k, kl - 1))
			continue;
		memcpy(buf + n, k, kl);
		memcpy(buf + n + kl, v, vl);
		n += kl + vl;
	}
	return n;
}

/*
 * Into *out (held): b's record with the list entries lp (list_part) decoded
 * over its lists.  The base keeps the last one made, for the logins that
 * follow with the same entries.
 */
static tfa_err
base_view(struct base *b, const char *lp, size_t len, struct tfa_record *out)
{
	struct tfa_record v;
	const char *k, *val;
	size_t pos = 0;
	char *key;
	tfa_err r;

	if (pthread_mutex_trylock(&b->mu) == 0) {	/* see kept_get */
		r = TFA_ERR_NOENT;
		if (b->view_len == len && memcmp(b->view_key, lp, len) == 0)
			r = tfa_record_copy(out, &b->view);
		pthread_mutex_unlock(&b->mu);
		if (r != TFA_ERR_NOENT)
			return r;
	}
	if ((r = tfa_record_copy(&v, &b->rec)) != TFA_OK)
		return r;
	if ((r = tfa_record_own(&v)) != TFA_OK)
		goto out;
	while (tfa_ovl_next(lp, len, &pos, &k, &val))
		if ((r = tfa_record_decode_over(&v, k, strlen(k), val,
		    strlen(val))) != TFA_OK)
			goto out;
	if ((r = tfa_record_finish(&v)) != TFA_OK ||
	    (r = tfa_record_share(&v)) != TFA_OK ||
	    (r = tfa_record_copy(out, &v)) != TFA_OK)
		goto out;
	if ((key = malloc(len)) != NULL && pthread_mutex_trylock(&b->mu) == 0) {
		tfa_record_wipe(&b->view);
		if (b->view_key != NULL) {
			explicit_bzero(b->view_key, b->view_len);
			free(b->view_key);
		}
		b->view = v;
		tfa_record_init(&v);
		b->view_key = memcpy(key, lp, len);
		b->view_len = len;
		key = NULL;
		pthread_mutex_unlock(&b->mu);
	}
	free(key);
out:
	tfa_record_wipe(&v);
	return r;
}

/*
 * The record: the database's (raw, indexed, decoded in b) with the
 * overlay's entries over it, each replacing one of the database's, none
 * twice.  List entries come from the base's view, the rest is decoded
 * over a copy.
 */
static tfa_err
apply_overlay(struct base *b, const struct tfa_ovl *ovl,
    struct tfa_record *rec)
{
	const char *k, *v, *k2, *v2;
	size_t pos = 0, pos2, len;
	bool lists = false;
	char *lp;
	tfa_err r;

	while (tfa_ovl_next(ovl->payload, ovl->len, &pos, &k, &v)) {
		if (entries_find(&b->raw, k) == NULL)
			return TFA_ERR_CORRUPT;
		for (pos2 = pos; tfa_ovl_next(ovl->payload, ovl->len, &pos2,
		    &k2, &v2);)
			if (strcmp(k, k2) == 0)
				return TFA_ERR_CORRUPT;
		lists |= tfa_record_is_list_key(k, strlen(k));
	}
	if (!lists) {
		r = tfa_record_copy(rec, &b->rec);
	} else if ((lp = malloc(TFA_OVL_PAYLOAD)) == NULL) {
		r = TFA_ERR_NOMEM;
	} else {
		len = list_part(ovl, lp);
		r = base_view(b, lp, len, rec);
		explicit_bzero(lp, len);
		free(lp);
	}
	if (r != TFA_OK || ovl->len == 0)
		return r;
	for (pos = 0; tfa_ovl_next(ovl->payload, ovl->len, &pos, &k, &v);)
		if (!tfa_record_is_list_key(k, strlen(k)) &&
		    (r = tfa_record_decode_over(rec, k, strlen(k), v,
		    strlen(v))) != TFA_OK)
			goto fail;
	if ((r = tfa_record_finish(rec)) == TFA_OK)
		return TFA_OK;
fail:
	tfa_record_wipe(rec);
	return r;
}

/*
 * Open the database name and read its entries into raw, but its generation
 * (0 when it has none), which goes to *gen; *dbp is left open, *sb is its
 * status.
 */
static tfa_err
read_file(const struct place *at, const char *name, struct entries *raw,
    uint64_t *gen, GDBM_FILE *dbp, struct stat *sb)
{
	tfa_err r;
	int fd;

	if ((r = open_file_st(at, name, O_RDONLY, &fd, sb)) != TFA_OK)
		return r;
	/*
	 * gdbm reads each entry with a system call of its own; mapping the
	 * file costs more than that for a small record, less for a big one
	 * (a user with hundreds of devices or app passwords).  A record is
	 * never changed in place, so the mapping cannot shrink under us.
	 */
	*dbp = gdbm_fd_open(fd, name, 0, GDBM_READER | GDBM_NOLOCK |
	    (sb->st_size > MMAP_MIN ? 0 : GDBM_NOMMAP) | GDBM_CLOEXEC |
	    GDBM_CLOERROR, NULL);
	if (*dbp == NULL) {
		tfa_log(at->log, LOG_ERR, "store %s/%s: not a readable "
		    "database: %s", at->path, name, gdbm_strerror(gdbm_errno));
		return TFA_ERR_CORRUPT;
	}
	if ((r = read_entries(*dbp, raw, gen)) != TFA_OK)
		tfa_log(at->log, LOG_ERR, "store %s/%s: record is corrupt; "
		    "refusing it", at->path, name);
	return r;
}

/*
 * The base of the database name: kept, or read from the file (then *dbp is
 * left open); *sb is its status.
 */
static tfa_err
read_base(const struct place *at, const char *name, struct base **bp,
    GDBM_FILE *dbp, struct stat *sb)
{
	struct base *b;
	tfa_err r;

	/* kept: the name gives a file as safe as open_file_st would open */
	if (fstatat(at->fd, name, sb, AT_SYMLINK_NOFOLLOW) == 0 &&
	    unsafe_why(sb, at->euid) == NULL && (*bp = kept_get(sb)) != NULL)
		return TFA_OK;
	if ((b = base_new()) == NULL)
		return TFA_ERR_NOMEM;
	if ((r = read_file(at, name, &b->raw, &b->gen, dbp, sb)) != TFA_OK) {
		base_drop(&b);
		return r;
	}
	if ((r = decode_base(&b->raw, &b->rec)) != TFA_OK) {
		tfa_log(at->log, LOG_ERR, "store %s/%s: record is corrupt; "
		    "refusing it", at->path, name);
		base_drop(&b);
		return r;
	}
	if ((r = entries_index(&b->raw)) != TFA_OK ||
	    (r = tfa_record_share(&b->rec)) != TFA_OK) {
		base_drop(&b);
		return r;
	}
	b->n_fixed = b->raw.n - b->rec.n_apppw - b->rec.n_dev - b->rec.n_keys;
	/* the lists twice: the record's, and a view's (base_view) */
	b->bytes = sizeof(*b) + b->raw.nslot * sizeof(*b->raw.slot) +
	    2 * (b->rec.n_apppw * sizeof(*b->rec.apppw) +
	    b->rec.n_dev * sizeof(*b->rec.dev) +
	    b->rec.n_keys * sizeof(*b->rec.keys));
	for (size_t i = 0; i < b->raw.n; i++)
		b->bytes += sizeof(struct entry) + b->raw.v[i].klen +
		    b->raw.v[i].vlen + 2;
	kept_put(sb, b);
	*bp = b;
	return TFA_OK;
}

static tfa_err
read_db(const struct place *at, const char *stem, struct tfa_record *rec,
    struct tfa_store *st)
{
	char name[STEM_MAX + 8];
	struct tfa_ovl *ovl = NULL;
	struct base *b = NULL;
	struct stat sb;
	GDBM_FILE db = NULL;
	int tries = 0;
	tfa_err r;

	tfa_record_init(rec);
	if ((r = file_name(name, sizeof(name), stem, ".db")) != TFA_OK)
		return r;
	if (st != NULL)
		ovl = &st->ovl;
	else if ((ovl = malloc(sizeof(*ovl))) == NULL)
		return TFA_ERR_NOMEM;
again:
	if ((r = read_base(at, name, &b, &db, &sb)) != TFA_OK)
		goto out;
	/* the overlay is read after the database was opened: never newer */
	if ((r = read_overlay(at, stem, b->gen, ovl, st)) != TFA_OK)
		goto out;
	/*
	 * Without the lock, an overlay whose newest slot for b->gen is not
	 * the newest of all (or that has none) may have been rewritten by a
	 * newer database since b was read: b is current only if the name
	 * still gives the file read.
	 */
	if ((st == NULL || st->lockfd < 0) && !ovl->latest) {
		struct stat now;

		if (fstatat(at->fd, name, &now, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !same_db(&now, &sb)) {
			base_drop(&b);
			if (db != NULL)
				gdbm_close(db);
			db = NULL;
			if (st != NULL)
				forget(st);
			if (++tries < 8)
				goto again;
			r = TFA_ERR_IO;
			goto out;
		}
	}
	if ((r = apply_overlay(b, ovl, rec)) != TFA_OK) {
		if (r == TFA_ERR_CORRUPT)
			tfa_log(at->log, LOG_ERR, "store %s/%s: record is "
			    "corrupt; refusing it", at->path, name);
		goto out;
	}
	if (st != NULL) {
		st->gen = b->gen;
		st->base = b;
		b = NULL;
		/* what tfa_store_save compares with: no copy of the lists */
		if (tfa_record_copy(&st->seen, rec) != TFA_OK)
			tfa_record_init(&st->seen);
	}
out:
	base_drop(&b);
	/* tfa_store_peek: hold the file, so its inode stays this record's */
	if (r == TFA_OK && st != NULL && st->lockfd < 0) {
		st->peekdb = db;
		st->peek_sb = sb;
		st->peek_base = true;
	} else if (db != NULL) {
		gdbm_close(db);
	}
	if (st == NULL) {
		explicit_bzero(ovl, sizeof(*ovl));
		free(ovl);
	}
	if (r != TFA_OK) {
		tfa_record_wipe(rec);
		if (st != NULL)
			forget(st);
	}
	return r;
}

tfa_err
tfa_store_read(const struct tfa_config *cfg, const struct tfa_log *log,
    const char *user, struct tfa_record *rec)
{
	char stem[STEM_MAX];
	struct place at;
	tfa_err r;

	if ((r = tfa_user_escape(user, stem, sizeof(stem))) != TFA_OK)
		return r;
	if ((r = open_dir(cfg, log, &at)) != TFA_OK)
		return r;
	r = read_db(&at, stem, rec, NULL);
	close(at.fd);
	return r;
}

tfa_err
tfa_store_open(const struct tfa_config *cfg, const struct tfa_log *log,
    const char *user, struct tfa_store **out)
{
	struct tfa_store *st;
	tfa_err r;

	*out = NULL;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return TFA_ERR_NOMEM;
	st->at.fd = st->lockfd = st->ovlfd = -1;
	tfa_ovl_init(&st->ovl, 0);
	if ((r = tfa_user_escape(user, st->stem, sizeof(st->stem))) ||
	    (r = tfa_strlcpy(st->dir, cfg->store_dir, sizeof(st->dir))) ||
	    (r = open_dir(cfg, log, &st->at))) {
		tfa_store_close(&st);
		return r;
	}
	st->at.path = st->dir;	/* cfg may go before st does */
	*out = st;
	return TFA_OK;
}

tfa_err
tfa_store_peek(struct tfa_store *st, struct tfa_record *rec)
{
	tfa_err r;

	forget(st);
	r = read_db(&st->at, st->stem, rec, st);
	/* a copy for tfa_store_load; without one (no memory) it reads again */
	if (r == TFA_OK)
		st->peeked = tfa_record_copy(&st->peek_rec, rec) == TFA_OK;
	return r;
}

/*
 * Under the lock, on the file peek read: true when nobody wrote it since.
 * Peek found its newest slot newer than any of another generation, and
 * whoever replaces or removes the database marks the overlay first
 * (overlay.h), so the database is still the one peek read, and the file
 * still has its name (tfa_store_delete marks it before it removes it).
 */
static bool
same_since_peek(const struct tfa_store *st, int fd)
{
	return st->peek_ovl && st->peeked && st->peek_base &&
	    st->ovl.latest && tfa_ovl_unchanged(fd, &st->ovl);
}

/*
 * The lock is the overlay's file: a login opens it anyway.  A record is
 * removed with its overlay (tfa_store_delete, under the lock), so a lock
 * taken on a file that no longer has a name is let go and taken again on
 * the file now at the name.
 */
tfa_err
tfa_store_take_lock(struct tfa_store *st)
{
	char name[STEM_MAX + 8];
	struct stat sb;
	tfa_err r;
	int fd;

	if (st->lockfd >= 0)
		return TFA_OK;
	if ((r = file_name(name, sizeof(name), st->stem, ".st")) != TFA_OK)
		return r;
	st->peek_ovl = false;
	for (;;) {
		if (st->ovlfd >= 0) {		/* peek's, checked, whole */
			fd = st->ovlfd;
			st->ovlfd = -1;
			st->peek_ovl = true;
		} else if ((r = open_file(&st->at, name, O_RDWR | O_CREAT,
		    &fd)) != TFA_OK) {
			return r == TFA_ERR_NOENT ? TFA_ERR_IO : r;
		}
		/* A waiting lock: two logins of one user take turns. */
		while ((r = flock(fd, LOCK_EX) == 0 ? TFA_OK : TFA_ERR_IO) !=
		    TFA_OK && errno == EINTR)
			;
		if (r == TFA_OK && same_since_peek(st, fd)) {
			st->lock_same = true;
			sb.st_size = TFA_OVL_FILE;	/* as peek found it */
			break;
		}
		if (r == TFA_OK && fstat(fd, &sb) != 0)
			r = TFA_ERR_IO;
		if (r != TFA_OK) {
			tfa_log(st->at.log, LOG_ERR, "store %s/%s: cannot "
			    "lock: %s", st->dir, name, strerror(errno));
			close(fd);
			return r;
		}
		if (sb.st_nlink > 0)
			break;
		close(fd);			/* removed while we waited */
		st->peek_ovl = false;
	}
	st->lockfd = st->ovlfd = fd;
	st->lock_size = sb.st_size;
	st->ovl_whole = sb.st_size == TFA_OVL_FILE;
	return TFA_OK;
}

tfa_err
tfa_store_lock(const struct tfa_config *cfg, const struct tfa_log *log,
    const char *user, struct tfa_store **out)
{
	tfa_err r;

	if ((r = tfa_store_open(cfg, log, user, out)) != TFA_OK)
		return r;
	if ((r = tfa_store_take_lock(*out)) != TFA_OK)
		tfa_store_close(out);
	return r;
}

/*
 * Under the lock, after tfa_store_peek: when the database is still the
 * file peek read (held open, so its inode cannot have been reused; or one
 * kept, whose status no later file can have) and the overlay peek kept
 * open still has the newest slot peek saw, the record is
 * what peek decoded: hand over peek's copy, without reading the database.
 * Peek keeps only a whole overlay, which is replaced only after its
 * database is removed, so the same database means the same overlay file.
 * TFA_ERR_NOENT when it changed, or peek kept no copy or no overlay (read
 * it afresh: an overlay made since would be missed otherwise).
 */
static tfa_err
load_kept(struct tfa_store *st, struct tfa_record *rec)
{
	char name[STEM_MAX + 8];
	struct tfa_ovl *now;
	struct stat sb;
	tfa_err r = TFA_ERR_NOENT;

	if (st->lock_same && st->peeked) {
		/* the overlay as peek read it: the database is too */
		*rec = st->peek_rec;
		tfa_record_init(&st->peek_rec);
		st->peeked = false;
		st->lock_same = false;
		return TFA_OK;
	}
	if (!st->peeked || !st->peek_ovl ||
	    file_name(name, sizeof(name), st->stem, ".db") != TFA_OK ||
	    fstatat(st->at.fd, name, &sb, AT_SYMLINK_NOFOLLOW) != 0 ||
	    !same_db(&sb, &st->peek_sb))
		return TFA_ERR_NOENT;
	if ((now = malloc(sizeof(*now))) == NULL)
		return TFA_ERR_NOMEM;
	if (tfa_ovl_read(st->lockfd, st->lock_size, st->gen, now) == TFA_OK &&
	    now->seq == st->ovl.seq &&
	    now->slot == st->ovl.slot && now->len == st->ovl.len &&
	    memcmp(now->payload, st->ovl.payload, now->len) == 0) {
		/* a mark a failed writer left is newer: the next write is */
		st->ovl.top = now->top;
		st->ovl.latest = now->latest;
		memcpy(st->ovl.head, now->head, sizeof(now->head));
		*rec = st->peek_rec;
		tfa_record_init(&st->peek_rec);
		st->peeked = false;
		r = TFA_OK;
	}
	explicit_bzero(now, sizeof(*now));
	free(now);
	return r;
}

tfa_err
tfa_store_load(struct tfa_store *st, struct tfa_record *rec)
{
	tfa_err r = TFA_ERR_NOENT;

	if (st->peek_base) {
		r = load_kept(st, rec);
		if (st->peekdb != NULL)
			gdbm_close(st->peekdb);
		st->peekdb = NULL;
		st->peek_base = false;
	}
	if (r != TFA_OK) {
		forget(st);
		r = read_db(&st->at, st->stem, rec, st);
	}

	/* whatever the caller saves next is pruned (device.h) */
	if (r == TFA_OK) {
		st->current = true;
		tfa_record_prune(rec, tfa_now());
	}
	return r;
}

static tfa_err
collect_entry(void *arg, const char *k, const char *v)
{
	return entries_add(arg, k, strlen(k), v, strlen(v));
}

static tfa_err
sync_dir(struct tfa_store *st)
{
	if (fsync(st->at.fd) != 0) {
		tfa_log(st->at.log, LOG_ERR, "store %s: cannot sync: %s",
		    st->dir, strerror(errno));
		return TFA_ERR_IO;
	}
	return TFA_OK;
}

static tfa_err
store_entry(GDBM_FILE db, const char *k, const char *v)
{
	datum key = { (char *)(uintptr_t)k, (int)strlen(k) };
	datum val = { (char *)(uintptr_t)v, (int)strlen(v) };

	return gdbm_store(db, key, val, GDBM_REPLACE) == 0 ? TFA_OK :
	    TFA_ERR_IO;
}

/*
 * Under the lock, before the database is replaced by one of generation gen
 * (or removed): mark the overlay (overlay.h), so that a login that read the
 * record before does not take it for unchanged.
 */
static tfa_err
mark_overlay(struct tfa_store *st, uint64_t gen, uint64_t *seq, int *slot)
{
	tfa_err r;

	errno = 0;
	if ((r = tfa_ovl_mark(st->lockfd, &st->ovl, gen, seq, slot)) !=
	    TFA_OK)
		tfa_log(st->at.log, LOG_ERR, "store %s/%s.st: cannot write "
		    "record: %s; it is unchanged", st->dir, st->stem, errno ?
		    strerror(errno) : tfa_strerror(r));
	return r;
}

/*
 * Write cur as a new database of generation gen, replacing the old one,
 * after marking the overlay (*mseq, *mslot: where the mark went).
 */
static tfa_err
write_db(struct tfa_store *st, const struct entries *cur, uint64_t gen,
    uint64_t *mseq, int *mslot)
{
	char tmp[STEM_MAX + 8], db[STEM_MAX + 8], genbuf[17];
	GDBM_FILE dbf = NULL;
	tfa_err r;
	int fd;

	if ((r = file_name(tmp, sizeof(tmp), st->stem, ".tmp")) ||
	    (r = file_name(db, sizeof(db), st->stem, ".db")))
		return r;
	errno = 0;
	/* a leftover from a killed writer; we hold the lock, so it is dead */
	if (unlinkat(st->at.fd, tmp, 0) != 0 && errno != ENOENT) {
		r = TFA_ERR_IO;
		goto fail;
	}
	errno = 0;
	r = open_file(&st->at, tmp, O_RDWR | O_CREAT | O_EXCL, &fd);
	if (r != TFA_OK)
		return r == TFA_ERR_NOENT ? TFA_ERR_IO : r;
	dbf = gdbm_fd_open(fd, tmp, 0, GDBM_NEWDB | GDBM_NOLOCK | GDBM_NOMMAP |
	    GDBM_CLOEXEC | GDBM_CLOERROR, NULL);
	if (dbf == NULL) {
		r = TFA_ERR_IO;
		goto fail;
	}
	snprintf(genbuf, sizeof(genbuf), "%016llx", (unsigned long long)gen);
	if ((r = store_entry(dbf, GEN_KEY, genbuf)) != TFA_OK)
		goto fail;
	for (size_t i = 0; i < cur->n; i++)
		if ((r = store_entry(dbf, cur->v[i].key, cur->v[i].val)))
			goto fail;
	if (gdbm_sync(dbf) != 0) {
		r = TFA_ERR_IO;
		goto fail;
	}
	if (gdbm_close(dbf) != 0) {
		dbf = NULL;
		r = TFA_ERR_IO;
		goto fail;
	}
	dbf = NULL;
	/* only now: a full disk fails above and leaves the overlay as it is */
	if ((r = mark_overlay(st, gen, mseq, mslot)) != TFA_OK) {
		unlinkat(st->at.fd, tmp, 0);
		return r;
	}
	if (renameat(st->at.fd, tmp, st->at.fd, db) != 0) {
		r = TFA_ERR_IO;
		goto fail;
	}
	return sync_dir(st);
fail:
	tfa_log(st->at.log, LOG_ERR, "store %s/%s: cannot write record: %s; "
	    "it is unchanged", st->dir, db, errno ? strerror(errno) :
	    tfa_strerror(r));
	if (dbf != NULL)
		gdbm_close(dbf);
	unlinkat(st->at.fd, tmp, 0);
	return r;
}

/* An entry an overlay never changes: a new secret is a new database. */
static bool
whole_only(const char *key)
{
	return strcmp(key, "totp") == 0 || strcmp(key, "format") == 0;
}

/*
 * The overlay that turns the loaded database into the record to save,
 * from what changed since the record was read (st->seen): cur holds the
 * record's entries that are not list elements (the first nfixed) and those
 * of the list elements that differ from the ones read.  Every entry of cur
 * whose value differs from the database's goes in, and the overlay's
 * entries of the other elements as they are, so an unchanged element costs
 * nothing.  False when the record cannot be an overlay: no database
 * generation, an entry added or removed, the TOTP entry changed, or too
 * much changed.
 */
static bool
make_overlay(const struct tfa_store *st, const struct entries *cur,
    size_t nfixed, char *payload, size_t *len)
{
	const struct entry *b;
	const char *k, *v;
	size_t n = 0, kl, vl, pos = 0, j;

	if (!st->current || st->gen == 0 || st->base == NULL ||
	    nfixed != st->base->n_fixed)
		return false;
	for (size_t i = 0; i < cur->n; i++) {
		if ((b = entries_find(&st->base->raw, cur->v[i].key)) == NULL)
			return false;
		if (strcmp(b->val, cur->v[i].val) == 0)
			continue;
		if (whole_only(b->key))
			return false;
		kl = strlen(cur->v[i].key) + 1;
		vl = strlen(cur->v[i].val) + 1;
		if (kl + vl > TFA_OVL_PAYLOAD - n)
			return false;
		memcpy(payload + n, cur->v[i].key, kl);
		memcpy(payload + n + kl, cur->v[i].val, vl);
		n += kl + vl;
	}
	while (tfa_ovl_next(st->ovl.payload, st->ovl.len, &pos, &k, &v)) {
		kl = strlen(k) + 1;
		vl = strlen(v) + 1;
		if (!tfa_record_is_list_key(k, kl - 1))
			continue;
		for (j = nfixed; j < cur->n && strcmp(cur->v[j].key, k) != 0;
		    j++)
			;
		if (j < cur->n)
			continue;	/* changed: decided above */
		if (kl + vl > TFA_OVL_PAYLOAD - n)
			return false;
		memcpy(payload + n, k, kl);
		memcpy(payload + n + kl, v, vl);
		n += kl + vl;
	}
	*len = n;
	return true;
}

/*
 * Under the lock: make the overlay (the locked file) whole, two empty
 * slots, synced, unless it is; *made: the directory needs syncing (the
 * file may be new).
 */
static tfa_err
open_overlay(struct tfa_store *st, bool *made)
{
	tfa_err r;

	*made = false;
	if (st->ovl_whole)
		return TFA_OK;
	errno = 0;
	if ((r = tfa_ovl_prepare(st->lockfd, made)) == TFA_OK) {
		st->ovl_whole = true;
		st->lock_size = TFA_OVL_FILE;
	} else {
		tfa_log(st->at.log, LOG_ERR, "store %s/%s.st: cannot write "
		    "record: %s; it is unchanged", st->dir, st->stem, errno ?
		    strerror(errno) : tfa_strerror(r));
	}
	return r;
}

static tfa_err
write_overlay(struct tfa_store *st, const char *payload, size_t len)
{
	bool made;
	tfa_err r;

	/* the same as the newest slot: already on disk */
	if (st->ovl.seq != 0 && len == st->ovl.len &&
	    memcmp(payload, st->ovl.payload, len) == 0)
		return TFA_OK;
	if (len == 0 && st->ovl.seq == 0)
		return TFA_OK;
	if ((r = open_overlay(st, &made)) != TFA_OK)
		return r;
	/* a new file: its name must survive a crash too */
	if (made && (r = sync_dir(st)) != TFA_OK)
		return r;
	errno = 0;
	if ((r = tfa_ovl_write(st->lockfd, &st->ovl, payload, len)) != TFA_OK)
		tfa_log(st->at.log, LOG_ERR, "store %s/%s.st: cannot write "
		    "record: %s; it is unchanged", st->dir, st->stem, errno ?
		    strerror(errno) : tfa_strerror(r));
	return r;
}

/*
 * Under the lock, before a mark: the overlay as it is, read with the
 * record unless this handle loaded it, so that the mark goes next to the
 * newest slot and not over it (a power cut that keeps the mark and loses
 * the new database, or the removal, must find that state).  Quiet: a
 * record the store refuses is still replaced or reset.  False when there
 * is no record to read.
 */
static bool
know_overlay(struct tfa_store *st)
{
	const struct tfa_log *log = st->at.log;
	struct tfa_record rec;
	tfa_err r;

	if (st->current)
		return true;
	forget(st);
	st->at.log = NULL;
	r = read_db(&st->at, st->stem, &rec, st);
	st->at.log = log;
	if (r == TFA_OK)
		tfa_record_wipe(&rec);
	return r == TFA_OK;
}

/* A new database generation: random, not 0, not old. */
static tfa_err
new_gen(uint64_t old, uint64_t *gen)
{
	do {
		if (tfa_random(gen, sizeof(*gen)) != TFA_OK)
			return TFA_ERR_IO;
	} while (*gen == 0 || *gen == old);
	return TFA_OK;
}

tfa_err
tfa_store_save(struct tfa_store *st, const struct tfa_record *rec)
{
	struct entries cur = { 0 };
	char *payload = NULL;
	size_t len;
	uint64_t gen, mseq;
	int mslot;
	bool made;
	tfa_err r;

	if (st->lockfd < 0 || st->removed)
		return TFA_ERR_INVAL;	/* tfa_store_take_lock first */
	if ((payload = malloc(TFA_OVL_PAYLOAD)) == NULL) {
		r = TFA_ERR_NOMEM;
		goto out;
	}
	if (st->seen.shared != NULL) {
		size_t nfixed;

		if ((r = tfa_record_encode_fixed(rec, collect_entry,
		    &cur)) != TFA_OK)
			goto out;
		nfixed = cur.n;
		r = tfa_record_encode_changed(rec, &st->seen, collect_entry,
		    &cur);
		if (r != TFA_OK && r != TFA_ERR_INVAL)
			goto out;
		if (r == TFA_OK && make_overlay(st, &cur, nfixed, payload,
		    &len)) {
			r = write_overlay(st, payload, len);
			goto out;
		}
		entries_free(&cur);
		cur = (struct entries){ 0 };
	}
	if ((r = tfa_record_encode(rec, collect_entry, &cur)) != TFA_OK)
		goto out;
	know_overlay(st);
	if ((r = new_gen(st->gen, &gen)) != TFA_OK)
		goto out;
	/*
	 * Make the overlay now, if it is not there, so that a login never
	 * needs a new block (it goes on on a full disk); write_db's sync of
	 * the directory covers its name.
	 */
	if ((r = open_overlay(st, &made)) != TFA_OK ||
	    (r = write_db(st, &cur, gen, &mseq, &mslot)) != TFA_OK)
		goto out;
	/*
	 * The new database is the base now, rec what the next save compares
	 * with; the overlay's slots are void.  Without memory for it, the
	 * next save writes whole.
	 */
	base_drop(&st->base);
	tfa_record_wipe(&st->seen);
	st->gen = gen;
	tfa_ovl_adopt(&st->ovl, gen, mseq, mslot);
	st->current = false;
	if ((st->base = base_new()) != NULL) {
		st->base->gen = gen;
		st->base->raw = cur;
		st->base->n_fixed = cur.n - rec->n_apppw - rec->n_dev -
		    rec->n_keys;
		cur = (struct entries){ 0 };
		st->current = entries_index(&st->base->raw) == TFA_OK &&
		    tfa_record_copy(&st->seen, rec) == TFA_OK &&
		    tfa_record_share(&st->seen) == TFA_OK;
	}
out:
	if (payload != NULL) {
		explicit_bzero(payload, TFA_OVL_PAYLOAD);
		free(payload);
	}
	entries_free(&cur);
	return r;
}

/*
 * Under the lock, before the record is removed: mark the overlay for a
 * login that read the record and waits for the lock, which would take it
 * for unchanged otherwise (same_since_peek).  Only a whole file can be one
 * such a login holds.  The mark must not go over the newest state (a power
 * cut that brings the database back must find it), so the record is read
 * first, unless this handle loaded it.  *marked: it went in.  A record
 * that cannot be read now is marked once it has no name
 * (tfa_store_delete).
 */
static tfa_err
mark_removal(struct tfa_store *st, bool *marked)
{
	uint64_t gen, seq;
	int slot;
	tfa_err r;

	*marked = false;
	if (!st->ovl_whole || !know_overlay(st))
		return TFA_OK;
	if ((r = new_gen(st->ovl.gen, &gen)) != TFA_OK)
		return r;
	if ((r = mark_overlay(st, gen, &seq, &slot)) == TFA_OK)
		*marked = true;
	return r;
}

tfa_err
tfa_store_delete(struct tfa_store *st)
{
	char db[STEM_MAX + 8], ovl[STEM_MAX + 8];
	bool marked;
	tfa_err r;

	if (st->lockfd < 0)
		return TFA_ERR_INVAL;	/* tfa_store_take_lock first */
	if ((r = file_name(db, sizeof(db), st->stem, ".db")) != TFA_OK ||
	    (r = file_name(ovl, sizeof(ovl), st->stem, ".st")) != TFA_OK)
		return r;
	if ((r = mark_removal(st, &marked)) != TFA_OK)
		return r;
	if (unlinkat(st->at.fd, db, 0) != 0) {
		if (errno == ENOENT)
			return TFA_ERR_NOENT;
		tfa_log(st->at.log, LOG_ERR, "store %s/%s: cannot remove: %s",
		    st->dir, db, strerror(errno));
		return TFA_ERR_IO;
	}
	/*
	 * The overlay goes too, though it is the lock: whoever waits for it
	 * sees it has no name any more and locks the file made after it.
	 */
	forget(st);
	st->removed = true;
	unlinkat(st->at.fd, ovl, 0);
	r = sync_dir(st);
	/*
	 * Not marked before (unreadable): now, when it has no name and a
	 * power cut cannot bring it back, so any slot will do and a mark that
	 * fails changes nothing on disk.
	 */
	if (!marked && st->ovl_whole) {
		uint64_t gen, seq;
		int slot;

		if (new_gen(st->ovl.gen, &gen) == TFA_OK)
			(void)tfa_ovl_mark(st->lockfd, &st->ovl, gen, &seq,
			    &slot);
	}
	return r;
}

void
tfa_store_close(struct tfa_store **stp)
{
	struct tfa_store *st = *stp;

	if (st == NULL)
		return;
	base_drop(&st->base);
	explicit_bzero(&st->ovl, sizeof(st->ovl));
	if (st->peekdb != NULL)
		gdbm_close(st->peekdb);
	if (st->peeked)
		tfa_record_wipe(&st->peek_rec);
	tfa_record_wipe(&st->seen);
	if (st->ovlfd >= 0 && st->ovlfd != st->lockfd)
		close(st->ovlfd);
	if (st->lockfd >= 0)
		close(st->lockfd);	/* releases the flock */
	if (st->at.fd >= 0)
		close(st->at.fd);
	free(st);
	*stp = NULL;
}

tfa_err
tfa_store_list(const struct tfa_config *cfg, const struct tfa_log *log,
    tfa_err (*fn)(void *arg, const char *user), void *arg)
{
	char stem[STEM_MAX], user[TFA_USER_MAX + 1];
	struct dirent *de;
	DIR *d;
	struct place at;
	size_t n;
	tfa_err r;

	if ((r = open_dir(cfg, log, &at)) != TFA_OK)
		return r;
	if ((d = fdopendir(at.fd)) == NULL) {
		close(at.fd);
		return TFA_ERR_IO;
	}
	while ((de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (n <= 3 || n - 3 >= sizeof(stem) ||
		    strcmp(de->d_name + n - 3, ".db") != 0)
			continue;
		memcpy(stem, de->d_name, n - 3);
		stem[n - 3] = '\0';
		if (tfa_user_unescape(stem, user, sizeof(user)) != TFA_OK) {
			tfa_log(log, LOG_WARNING, "store %s: ignoring %s: not "
			    "a record name", cfg->store_dir, de->d_name);
			continue;
		}
		if ((r = fn(arg, user)) != TFA_OK)
			break;
	}
	closedir(d);
	return r;
}

/*
 * The store's key for hashing remembered mail-client tokens: 32 random
 * bytes in StoreDir/.device-key, made on first use.  A user name cannot
 * start with a dot, so the file can never be taken for a record.  Racing
 * first users each write a private temporary file; the first rename wins
 * (RENAME_NOREPLACE) and the others read the winner's key.
 */
#define KEY_FILE ".device-key"

static tfa_err
read_key(int fd, const struct place *at, uint8_t key[TFA_STORE_KEY_LEN])
{
	uint8_t extra;
	ssize_t n;

	do {
		n = pread(fd, key, TFA_STORE_KEY_LEN, 0);
	} while (n < 0 && errno == EINTR);
	if (n == TFA_STORE_KEY_LEN && pread(fd, &extra, 1, n) == 0)
		return TFA_OK;
	explicit_bzero(key, TFA_STORE_KEY_LEN);
	tfa_log(at->log, LOG_ERR, "store %s/%s: not a %d-byte key; refusing "
	    "it", at->path, KEY_FILE, TFA_STORE_KEY_LEN);
	return TFA_ERR_CORRUPT;
}

static tfa_err
write_key(const struct place *at, const char *tmp,
    uint8_t key[TFA_STORE_KEY_LEN])
{
	tfa_err r;
	int fd;

	r = open_file(at, tmp, O_RDWR | O_CREAT | O_EXCL, &fd);
	if (r != TFA_OK)
		return r == TFA_ERR_NOENT ? TFA_ERR_IO : r;
	r = TFA_ERR_IO;
	if (tfa_random(key, TFA_STORE_KEY_LEN) == TFA_OK &&
	    write(fd, key, TFA_STORE_KEY_LEN) == TFA_STORE_KEY_LEN &&
	    fsync(fd) == 0)
		r = TFA_OK;
	close(fd);
	return r;
}

static tfa_err
create_key(const struct place *at, uint8_t key[TFA_STORE_KEY_LEN])
{
	char tmp[64];
	uint32_t nonce;
	tfa_err r;
	int fd;

	if (tfa_random(&nonce, sizeof(nonce)) != TFA_OK)
		return TFA_ERR_IO;
	snprintf(tmp, sizeof(tmp), "%s.%ld.%08x", KEY_FILE, (long)getpid(),
	    (unsigned)nonce);
	if ((r = write_key(at, tmp, key)) != TFA_OK)
		goto out;
	if (renameat2(at->fd, tmp, at->fd, KEY_FILE, RENAME_NOREPLACE) == 0) {
		r = fsync(at->fd) == 0 ? TFA_OK : TFA_ERR_IO;
		goto out;
	}
	if (errno != EEXIST) {
		tfa_log(at->log, LOG_ERR, "store %s/%s: cannot create: %s",
		    at->path, KEY_FILE, strerror(errno));
		r = TFA_ERR_IO;
		goto out;
	}
	/* another process made it first: use that one */
	if ((r = open_file(at, KEY_FILE, O_RDONLY, &fd)) == TFA_OK) {
		r = read_key(fd, at, key);
		close(fd);
	}
out:
	unlinkat(at->fd, tmp, 0);
	if (r != TFA_OK)
		explicit_bzero(key, TFA_STORE_KEY_LEN);
	return r;
}

tfa_err
tfa_store_device_key(const struct tfa_config *cfg, const struct tfa_log *log,
    uint8_t key[TFA_STORE_KEY_LEN])
{
	struct place at;
	tfa_err r;
	int fd;

	if ((r = open_dir(cfg, log, &at)) != TFA_OK)
		return r;
	r = open_file(&at, KEY_FILE, O_RDONLY, &fd);
	if (r == TFA_OK) {
		r = read_key(fd, &at, key);
		close(fd);
	} else if (r == TFA_ERR_NOENT) {
		r = create_key(&at, key);
	}
	close(at.fd);
	return r;
}

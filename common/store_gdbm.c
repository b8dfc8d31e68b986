/*
 * The gdbm store backend: StoreDir/<escaped user>.db, one database per user,
 * with StoreDir/<escaped user>.lock beside it.
 *
 * Invariants (MUST):
 *  - StoreDir is opened with O_DIRECTORY|O_NOFOLLOW and checked on that
 *    descriptor: a directory owned by the effective user, writable by no one
 *    else.  Every file is then opened with openat() from that descriptor.
 *  - Every file is opened with O_NOFOLLOW|O_NONBLOCK and checked on its
 *    descriptor, never on a path: a regular file, owned by the effective
 *    user, mode 0600 or stricter, exactly one link, of bounded size.
 *  - A record changes only under its user's flock(): a new database is
 *    written beside the old one, synced, renamed over it, and the directory
 *    is synced.  So a reader never needs the lock, a kill -9 at any instant
 *    leaves the old or the new record, and the lock dies with its holder.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gdbm.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "store.h"
#include "user.h"

#define DB_SIZE_MAX	(8 * 1024 * 1024)
#define DB_ENTRIES_MAX	100000
#define STEM_MAX	(TFA_USER_FILE_MAX + 1)

struct tfa_store {
	int dirfd;
	int lockfd;
	const struct tfa_log *log;
	char stem[STEM_MAX];
	char dir[PATH_MAX];
};

static tfa_err
open_dir(const struct tfa_config *cfg, const struct tfa_log *log, int *out)
{
	struct stat st;
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
	if (fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		tfa_log(log, LOG_ERR, "store %s: must be a directory owned by "
		    "uid %u and writable by its owner only", cfg->store_dir,
		    (unsigned)geteuid());
		close(fd);
		return TFA_ERR_UNSAFE;
	}
	*out = fd;
	return TFA_OK;
}

static tfa_err
check_file(int fd, const char *dir, const char *name,
    const struct tfa_log *log)
{
	struct stat st;
	const char *why = NULL;

	if (fstat(fd, &st) != 0)
		why = "cannot stat";
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file";
	else if (st.st_uid != geteuid())
		why = "wrong owner";
	else if (st.st_mode & (S_IRWXG | S_IRWXO))
		why = "mode allows group or other access";
	/*
	 * 0 links is a record a writer renamed a new one over after we opened
	 * it: a whole, older copy, fine for a lock-free read.  More than one
	 * is a hard link from somewhere we did not check.
	 */
	else if (st.st_nlink > 1)
		why = "has more than one link";
	else if (st.st_size > DB_SIZE_MAX)
		why = "too large";
	if (why == NULL)
		return TFA_OK;
	tfa_log(log, LOG_ERR, "store %s/%s: %s; refusing it", dir, name, why);
	return TFA_ERR_UNSAFE;
}

/* openat() a store file safely; ENOENT becomes TFA_ERR_NOENT. */
static tfa_err
open_file(int dirfd, const char *dir, const char *name, int flags,
    const struct tfa_log *log, int *out)
{
	int fd, e;
	tfa_err r;

	fd = openat(dirfd, name, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
	    0600);
	if (fd < 0) {
		e = errno;
		if (e == ENOENT)
			return TFA_ERR_NOENT;
		tfa_log(log, LOG_ERR, "store %s/%s: cannot open: %s", dir,
		    name, e == ELOOP ? "is a symbolic link" : strerror(e));
		return e == ELOOP ? TFA_ERR_UNSAFE : TFA_ERR_IO;
	}
	if ((r = check_file(fd, dir, name, log)) != TFA_OK) {
		close(fd);
		return r;
	}
	*out = fd;
	return TFA_OK;
}

static tfa_err
file_name(char *buf, size_t len, const char *stem, const char *suffix)
{
	int n = snprintf(buf, len, "%s%s", stem, suffix);

	return (n < 0 || (size_t)n >= len) ? TFA_ERR_USER : TFA_OK;
}

static tfa_err
read_db(int dirfd, const char *dir, const char *stem,
    const struct tfa_log *log, struct tfa_record *rec)
{
	char name[STEM_MAX + 8];
	GDBM_FILE db;
	datum key, next, val;
	unsigned n = 0;
	tfa_err r;
	int fd;

	tfa_record_init(rec);
	if ((r = file_name(name, sizeof(name), stem, ".db")) != TFA_OK)
		return r;
	if ((r = open_file(dirfd, dir, name, O_RDONLY, log, &fd)) != TFA_OK)
		return r;
	db = gdbm_fd_open(fd, name, 0, GDBM_READER | GDBM_NOLOCK | GDBM_NOMMAP |
	    GDBM_CLOEXEC | GDBM_CLOERROR, NULL);
	if (db == NULL) {
		tfa_log(log, LOG_ERR, "store %s/%s: not a readable database: "
		    "%s", dir, name, gdbm_strerror(gdbm_errno));
		return TFA_ERR_CORRUPT;
	}
	for (key = gdbm_firstkey(db); key.dptr != NULL; key = next) {
		val = gdbm_fetch(db, key);
		if (val.dptr == NULL || ++n > DB_ENTRIES_MAX)
			r = TFA_ERR_CORRUPT;
		else
			r = tfa_record_decode(rec, key.dptr, (size_t)key.dsize,
			    val.dptr, (size_t)val.dsize);
		if (val.dptr != NULL) {
			explicit_bzero(val.dptr, (size_t)val.dsize);
			free(val.dptr);
		}
		next = r == TFA_OK ? gdbm_nextkey(db, key) : (datum){ 0 };
		free(key.dptr);
		if (r != TFA_OK)
			break;
	}
	if (r == TFA_OK && gdbm_errno != GDBM_ITEM_NOT_FOUND &&
	    gdbm_errno != GDBM_NO_ERROR)
		r = TFA_ERR_CORRUPT;
	if (r == TFA_OK)
		r = tfa_record_finish(rec);
	gdbm_close(db);
	if (r != TFA_OK) {
		tfa_log(log, LOG_ERR, "store %s/%s: record is corrupt; "
		    "refusing it", dir, name);
		tfa_record_wipe(rec);
	}
	return r;
}

tfa_err
tfa_store_read(const struct tfa_config *cfg, const struct tfa_log *log,
    const char *user, struct tfa_record *rec)
{
	char stem[STEM_MAX];
	int dirfd;
	tfa_err r;

	if ((r = tfa_user_escape(user, stem, sizeof(stem))) != TFA_OK)
		return r;
	if ((r = open_dir(cfg, log, &dirfd)) != TFA_OK)
		return r;
	r = read_db(dirfd, cfg->store_dir, stem, log, rec);
	close(dirfd);
	return r;
}

tfa_err
tfa_store_lock(const struct tfa_config *cfg, const struct tfa_log *log,
    const char *user, struct tfa_store **out)
{
	struct tfa_store *st;
	char name[STEM_MAX + 8];
	tfa_err r;

	*out = NULL;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return TFA_ERR_NOMEM;
	st->dirfd = st->lockfd = -1;
	st->log = log;
	if ((r = tfa_user_escape(user, st->stem, sizeof(st->stem))) ||
	    (r = tfa_strlcpy(st->dir, cfg->store_dir, sizeof(st->dir))) ||
	    (r = file_name(name, sizeof(name), st->stem, ".lock")) ||
	    (r = open_dir(cfg, log, &st->dirfd)) ||
	    (r = open_file(st->dirfd, st->dir, name, O_RDWR | O_CREAT, log,
	    &st->lockfd)))
		goto fail;
	/* A waiting lock: two logins of one user take turns, never fail. */
	while (flock(st->lockfd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			tfa_log(log, LOG_ERR, "store %s/%s: cannot lock: %s",
			    st->dir, name, strerror(errno));
			r = TFA_ERR_IO;
			goto fail;
		}
	}
	*out = st;
	return TFA_OK;
fail:
	tfa_store_close(&st);
	return r == TFA_ERR_NOENT ? TFA_ERR_IO : r;
}

tfa_err
tfa_store_load(struct tfa_store *st, struct tfa_record *rec)
{
	tfa_err r = read_db(st->dirfd, st->dir, st->stem, st->log, rec);

	/* whatever the caller saves next is pruned (device.h) */
	if (r == TFA_OK)
		tfa_record_prune(rec, tfa_now());
	return r;
}

static tfa_err
put_entry(void *arg, const char *k, const char *v)
{
	datum key = { (char *)(uintptr_t)k, (int)strlen(k) };
	datum val = { (char *)(uintptr_t)v, (int)strlen(v) };

	return gdbm_store(arg, key, val, GDBM_REPLACE) == 0 ? TFA_OK :
	    TFA_ERR_IO;
}

static tfa_err
sync_dir(struct tfa_store *st)
{
	if (fsync(st->dirfd) != 0) {
		tfa_log(st->log, LOG_ERR, "store %s: cannot sync: %s", st->dir,
		    strerror(errno));
		return TFA_ERR_IO;
	}
	return TFA_OK;
}

tfa_err
tfa_store_save(struct tfa_store *st, const struct tfa_record *rec)
{
	char tmp[STEM_MAX + 8], db[STEM_MAX + 8];
	GDBM_FILE dbf = NULL;
	tfa_err r;
	int fd;

	if ((r = file_name(tmp, sizeof(tmp), st->stem, ".tmp")) ||
	    (r = file_name(db, sizeof(db), st->stem, ".db")))
		return r;
	/* a leftover from a killed writer; we hold the lock, so it is dead */
	if (unlinkat(st->dirfd, tmp, 0) != 0 && errno != ENOENT) {
		r = TFA_ERR_IO;
		goto fail;
	}
	r = open_file(st->dirfd, st->dir, tmp, O_RDWR | O_CREAT | O_EXCL,
	    st->log, &fd);
	if (r != TFA_OK)
		return r == TFA_ERR_NOENT ? TFA_ERR_IO : r;
	dbf = gdbm_fd_open(fd, tmp, 0, GDBM_NEWDB | GDBM_NOLOCK | GDBM_NOMMAP |
	    GDBM_CLOEXEC | GDBM_CLOERROR, NULL);
	if (dbf == NULL) {
		r = TFA_ERR_IO;
		goto fail;
	}
	if ((r = tfa_record_encode(rec, put_entry, dbf)) != TFA_OK)
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
	if (renameat(st->dirfd, tmp, st->dirfd, db) != 0) {
		r = TFA_ERR_IO;
		goto fail;
	}
	return sync_dir(st);
fail:
	tfa_log(st->log, LOG_ERR, "store %s/%s: cannot write record: %s; "
	    "it is unchanged", st->dir, db, errno ? strerror(errno) :
	    tfa_strerror(r));
	if (dbf != NULL)
		gdbm_close(dbf);
	unlinkat(st->dirfd, tmp, 0);
	return r;
}

tfa_err
tfa_store_delete(struct tfa_store *st)
{
	char db[STEM_MAX + 8];
	tfa_err r;

	if ((r = file_name(db, sizeof(db), st->stem, ".db")) != TFA_OK)
		return r;
	if (unlinkat(st->dirfd, db, 0) != 0) {
		if (errno == ENOENT)
			return TFA_ERR_NOENT;
		tfa_log(st->log, LOG_ERR, "store %s/%s: cannot remove: %s",
		    st->dir, db, strerror(errno));
		return TFA_ERR_IO;
	}
	return sync_dir(st);
}

void
tfa_store_close(struct tfa_store **stp)
{
	struct tfa_store *st = *stp;

	if (st == NULL)
		return;
	if (st->lockfd >= 0)
		close(st->lockfd);	/* releases the flock */
	if (st->dirfd >= 0)
		close(st->dirfd);
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
	size_t n;
	tfa_err r;
	int dirfd;

	if ((r = open_dir(cfg, log, &dirfd)) != TFA_OK)
		return r;
	if ((d = fdopendir(dirfd)) == NULL) {
		close(dirfd);
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
read_key(int fd, const char *dir, const struct tfa_log *log,
    uint8_t key[TFA_STORE_KEY_LEN])
{
	uint8_t extra;
	ssize_t n;

	do {
		n = pread(fd, key, TFA_STORE_KEY_LEN, 0);
	} while (n < 0 && errno == EINTR);
	if (n == TFA_STORE_KEY_LEN && pread(fd, &extra, 1, n) == 0)
		return TFA_OK;
	explicit_bzero(key, TFA_STORE_KEY_LEN);
	tfa_log(log, LOG_ERR, "store %s/%s: not a %d-byte key; refusing it",
	    dir, KEY_FILE, TFA_STORE_KEY_LEN);
	return TFA_ERR_CORRUPT;
}

static tfa_err
write_key(int dirfd, const char *dir, const struct tfa_log *log,
    const char *tmp, uint8_t key[TFA_STORE_KEY_LEN])
{
	tfa_err r;
	int fd;

	r = open_file(dirfd, dir, tmp, O_RDWR | O_CREAT | O_EXCL, log, &fd);
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
create_key(int dirfd, const char *dir, const struct tfa_log *log,
    uint8_t key[TFA_STORE_KEY_LEN])
{
	char tmp[64];
	uint32_t nonce;
	tfa_err r;
	int fd;

	if (tfa_random(&nonce, sizeof(nonce)) != TFA_OK)
		return TFA_ERR_IO;
	snprintf(tmp, sizeof(tmp), "%s.%ld.%08x", KEY_FILE, (long)getpid(),
	    (unsigned)nonce);
	if ((r = write_key(dirfd, dir, log, tmp, key)) != TFA_OK)
		goto out;
	if (renameat2(dirfd, tmp, dirfd, KEY_FILE, RENAME_NOREPLACE) == 0) {
		r = fsync(dirfd) == 0 ? TFA_OK : TFA_ERR_IO;
		goto out;
	}
	if (errno != EEXIST) {
		tfa_log(log, LOG_ERR, "store %s/%s: cannot create: %s", dir,
		    KEY_FILE, strerror(errno));
		r = TFA_ERR_IO;
		goto out;
	}
	/* another process made it first: use that one */
	if ((r = open_file(dirfd, dir, KEY_FILE, O_RDONLY, log, &fd)) == TFA_OK) {
		r = read_key(fd, dir, log, key);
		close(fd);
	}
out:
	unlinkat(dirfd, tmp, 0);
	if (r != TFA_OK)
		explicit_bzero(key, TFA_STORE_KEY_LEN);
	return r;
}

tfa_err
tfa_store_device_key(const struct tfa_config *cfg, const struct tfa_log *log,
    uint8_t key[TFA_STORE_KEY_LEN])
{
	tfa_err r;
	int dirfd, fd;

	if ((r = open_dir(cfg, log, &dirfd)) != TFA_OK)
		return r;
	r = open_file(dirfd, cfg->store_dir, KEY_FILE, O_RDONLY, log, &fd);
	if (r == TFA_OK) {
		r = read_key(fd, cfg->store_dir, log, key);
		close(fd);
	} else if (r == TFA_ERR_NOENT) {
		r = create_key(dirfd, cfg->store_dir, log, key);
	}
	close(dirfd);
	return r;
}

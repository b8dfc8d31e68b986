/*
 * Unit tests for common/store_gdbm.c through store.h: round trips, file
 * names and modes, the waiting lock between processes, no lost updates,
 * refusal of unsafe files, and records that survive kill -9.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gdbm.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "check.h"
#include "overlay.h"
#include "store.h"
#include "user.h"

/* A non-NULL handle, to see a refused tfa_store_lock set it to NULL. */
#define NOT_NULL ((struct tfa_store *)(uintptr_t)1)

/*
 * Every openat() of the library linked into this program is this one, so a
 * test can tell whether the store read a database or used what it kept.
 */
static void (*before_overlay)(void);	/* run once at the next .st open */

int
openat(int dirfd, const char *path, int flags, ...)
{
	size_t n = strlen(path);
	va_list ap;
	int fd;

	if (before_overlay != NULL && n > 3 && strcmp(path + n - 3, ".st") == 0) {
		void (*fn)(void) = before_overlay;

		before_overlay = NULL;
		fn();
	}
	va_start(ap, flags);
	fd = tfa_test_openat(dirfd, path, flags, ap);
	va_end(ap);
	return fd;
}

/* And fdatasync(): it fails with EIO while fail_sync is set. */
static bool fail_sync;

int
fdatasync(int fd)
{
	if (fail_sync) {
		errno = EIO;
		return -1;
	}
	return (int)syscall(SYS_fdatasync, fd);
}

/*
 * Every unlinkat() too: a child that removes die_after exits right after,
 * as a writer killed at that point would.
 */
static const char *die_after;

int
unlinkat(int dirfd, const char *path, int flags)
{
	int r = (int)syscall(SYS_unlinkat, dirfd, path, flags);

	if (r == 0 && die_after != NULL && strcmp(path, die_after) == 0)
		_exit(0);
	return r;
}

struct fixture {
	char *dir;
	struct tfa_config cfg;
};

/* Log lines from common/ are counted, so a refusal can be seen logged. */
static int log_count;
static char log_last[512];

static void
log_sink(void *arg, int prio, const char *msg)
{
	(void)arg;
	(void)prio;
	log_count++;
	tfa_strlcpy(log_last, msg, sizeof(log_last));
}

static const struct tfa_log tlog = { log_sink, NULL };

static void
fx_init(struct fixture *fx, const char *tag)
{
	fx->dir = tfa_test_tmpdir(tag);
	tfa_config_init(&fx->cfg);
	if (tfa_strlcpy(fx->cfg.store_dir, fx->dir, sizeof(fx->cfg.store_dir)))
		abort();
	log_count = 0;
}

static void
fx_done(struct fixture *fx)
{
	chmod(fx->dir, 0700);
	tfa_test_rmtree(fx->dir);
	free(fx->dir);
	fx->dir = NULL;
}

/*
 * dir/name in a static buffer (two of them, used in turn): for immediate
 * use only; a path kept across calls is copied with fx_keep().
 */
static const char *
fx_path(const struct fixture *fx, const char *name)
{
	static char buf[2][PATH_MAX];
	static int turn;
	char *p = buf[turn ^= 1];

	snprintf(p, PATH_MAX, "%s/%s", fx->dir, name);
	return p;
}

static void
fx_keep(const struct fixture *fx, const char *name, char *out)
{
	snprintf(out, PATH_MAX, "%s/%s", fx->dir, name);
}

static int
exists(const struct fixture *fx, const char *name)
{
	struct stat st;

	return lstat(fx_path(fx, name), &st) == 0;
}

static int
count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

/* Whole file into buf; its length, or -1. */
static ssize_t
slurp(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len);
	close(fd);
	return n;
}

static void
make_record(struct tfa_record *rec, unsigned failures)
{
	tfa_record_init(rec);
	rec->totp.enabled = true;
	rec->totp.secret_len = 20;
	memcpy(rec->totp.secret, "12345678901234567890", 20);
	rec->totp.algo = TFA_HASH_SHA1;
	rec->totp.digits = 6;
	rec->totp.period = 30;
	rec->totp.created = 1700000000;
	rec->failures = failures;
	rec->last_step = 56666666;
	rec->last_login = 1700000001;
	rec->last_method = TFA_METHOD_TOTP;
}

static tfa_err
save(const struct fixture *fx, const char *user, const struct tfa_record *rec)
{
	struct tfa_store *st;
	tfa_err r;

	if ((r = tfa_store_lock(&fx->cfg, &tlog, user, &st)) != TFA_OK)
		return r;
	r = tfa_store_save(st, rec);
	tfa_store_close(&st);
	return r;
}

/* The failure count of user's record, or -1 - the error. */
static long
read_failures(const struct fixture *fx, const char *user)
{
	struct tfa_record rec;
	tfa_err r = tfa_store_read(&fx->cfg, &tlog, user, &rec);
	long n = r == TFA_OK ? (long)rec.failures : -1 - (long)r;

	if (r == TFA_OK)
		tfa_record_wipe(&rec);
	return n;
}

static void
check_same(const struct tfa_record *a, const struct tfa_record *b)
{
	CHECK_EQ(a->disabled, b->disabled);
	CHECK_EQ(a->failures, b->failures);
	CHECK_EQ(a->last_step, b->last_step);
	CHECK_EQ(a->locked_until, b->locked_until);
	CHECK_EQ(a->last_login, b->last_login);
	CHECK_EQ(a->last_method, b->last_method);
	CHECK_EQ(a->totp.enabled, b->totp.enabled);
	CHECK_EQ(a->totp.secret_len, b->totp.secret_len);
	CHECK(memcmp(a->totp.secret, b->totp.secret, 20) == 0);
	CHECK_EQ(a->totp.created, b->totp.created);
}

static void
test_read_unknown(void)
{
	struct fixture fx;
	struct tfa_record rec;

	fx_init(&fx, "store-unknown");
	CHECK_EQ(tfa_store_read(&fx.cfg, &tlog, "alice", &rec), TFA_ERR_NOENT);
	CHECK_EQ(count_entries(fx.dir), 0);
	CHECK_EQ(tfa_store_read(&fx.cfg, &tlog, "../x", &rec), TFA_ERR_USER);
	CHECK_EQ(tfa_store_read(&fx.cfg, &tlog, ".db", &rec), TFA_ERR_USER);
	CHECK_EQ(count_entries(fx.dir), 0);
	fx_done(&fx);
}

static void
test_round_trip(void)
{
	struct fixture fx;
	struct tfa_record rec, back;
	struct tfa_store *st = NULL;
	struct stat st1, st2;

	fx_init(&fx, "store-trip");
	make_record(&rec, 4);
	CHECK_EQ(tfa_store_lock(&fx.cfg, &tlog, "alice", &st), TFA_OK);
	CHECK(st != NULL);
	CHECK_EQ(tfa_store_load(st, &back), TFA_ERR_NOENT);
	CHECK_EQ(tfa_store_save(st, &rec), TFA_OK);
	CHECK_EQ(tfa_store_load(st, &back), TFA_OK);
	check_same(&rec, &back);
	tfa_record_wipe(&back);
	tfa_store_close(&st);
	CHECK(st == NULL);

	CHECK_EQ(tfa_store_read(&fx.cfg, &tlog, "alice", &back), TFA_OK);
	check_same(&rec, &back);
	tfa_record_wipe(&back);
	CHECK(stat(fx_path(&fx, "alice.db"), &st1) == 0);
	CHECK_EQ(st1.st_mode & 07777, 0600);
	CHECK(stat(fx_path(&fx, "alice.st"), &st2) == 0);	/* the lock */
	CHECK_EQ(st2.st_mode & 07777, 0600);
	CHECK(!exists(&fx, "alice.tmp"));

	/* a save replaces the file (a new inode), it does not patch it */
	rec.failures = 9;
	CHECK_EQ(save(&fx, "alice", &rec), TFA_OK);
	CHECK(stat(fx_path(&fx, "alice.db"), &st2) == 0);
	CHECK(st1.st_ino != st2.st_ino);
	CHECK(!exists(&fx, "alice.tmp"));
	CHECK_EQ(read_failures(&fx, "alice"), 9);
	/* alice.db, and alice.st: the overlay (made empty) and the lock */
	CHECK_EQ(count_entries(fx.dir), 2);
	CHECK_EQ(log_count, 0);
	fx_done(&fx);
}

static void
test_file_names(void)
{
	static const struct {
		const char *user, *file;
	} v[] = {
		{ "alice@example.com", "alice@example.com.db" },
		{ "a b", "a%20b.db" },
		{ "j\xc3\xb6rg", "j%C3%B6rg.db" },
		{ "x.db", "x.db.db" },
	};
	struct fixture fx;
	struct tfa_record rec;
	struct tfa_store *st = NOT_NULL;
	size_t i;

	fx_init(&fx, "store-names");
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		make_record(&rec, (unsigned)i + 1);
		CHECK_EQ(save(&fx, v[i].user, &rec), TFA_OK);
		CHECK(exists(&fx, v[i].file));
		CHECK_EQ(read_failures(&fx, v[i].user), (long)i + 1);
	}
	CHECK_EQ(tfa_store_lock(&fx.cfg, &tlog, "a/b", &st), TFA_ERR_USER);
	CHECK(st == NULL);
	CHECK_EQ(tfa_store_lock(&fx.cfg, &tlog, "..", &st), TFA_ERR_USER);
	CHECK_EQ(count_entries(fx.dir), 8);	/* .db and .st each */
	fx_done(&fx);
}

#define LIST_MAX 8

struct listed {
	int n;
	char name[LIST_MAX][TFA_USER_MAX + 1];
	tfa_err stop;
};

static tfa_err
list_one(void *arg, const char *user)
{
	struct listed *l = arg;

	if (l->n < LIST_MAX)
		tfa_strlcpy(l->name[l->n], user, sizeof(l->name[0]));
	l->n++;
	return l->stop;
}

static int
listed_has(const struct listed *l, const char *user)
{
	int i;

	for (i = 0; i < l->n && i < LIST_MAX; i++)
		if (strcmp(l->name[i], user) == 0)
			return 1;
	return 0;
}

static void
test_list(void)
{
	struct fixture fx;
	struct tfa_record rec;
	struct listed l = { 0 };

	fx_init(&fx, "store-list");
	CHECK_EQ(tfa_store_list(&fx.cfg, &tlog, list_one, &l), TFA_OK);
	CHECK_EQ(l.n, 0);
	make_record(&rec, 0);
	CHECK_EQ(save(&fx, "alice@example.com", &rec), TFA_OK);
	CHECK_EQ(save(&fx, "a b", &rec), TFA_OK);
	CHECK_EQ(save(&fx, "bob", &rec), TFA_OK);
	tfa_test_write(fx_path(&fx, "foo.txt"), "junk", 0600);
	tfa_test_write(fx_path(&fx, "%zz.db"), "junk", 0600);
	tfa_test_write(fx_path(&fx, "%61.db"), "junk", 0600);
	tfa_test_write(fx_path(&fx, ".hidden.db"), "junk", 0600);
	tfa_test_write(fx_path(&fx, ".db"), "junk", 0600);
	tfa_test_write(fx_path(&fx, "carol.tmp"), "junk", 0600);
	CHECK_EQ(tfa_store_list(&fx.cfg, &tlog, list_one, &l), TFA_OK);
	CHECK_EQ(l.n, 3);
	CHECK(listed_has(&l, "alice@example.com"));
	CHECK(listed_has(&l, "a b"));
	CHECK(listed_has(&l, "bob"));
	/* the callback's error stops the walk and is returned */
	memset(&l, 0, sizeof(l));
	l.stop = TFA_ERR_PERM;
	CHECK_EQ(tfa_store_list(&fx.cfg, &tlog, list_one, &l), TFA_ERR_PERM);
	CHECK_EQ(l.n, 1);
	fx_done(&fx);
}

static void
test_delete(void)
{
	struct fixture fx;
	struct tfa_record rec;
	struct tfa_store *st;
	struct listed l = { 0 };

	fx_init(&fx, "store-delete");
	make_record(&rec, 2);
	CHECK_EQ(save(&fx, "alice", &rec), TFA_OK);
	CHECK_EQ(save(&fx, "bob", &rec), TFA_OK);
	CHECK_EQ(tfa_store_lock(&fx.cfg, &tlog, "alice", &st), TFA_OK);
	CHECK_EQ(tfa_store_delete(st), TFA_OK);
	CHECK_EQ(tfa_store_load(st, &rec), TFA_ERR_NOENT);
	CHECK_EQ(tfa_store_delete(st), TFA_ERR_NOENT);
	tfa_store_close(&st);
	CHECK_EQ(read_failures(&fx, "alice"), -1 - TFA_ERR_NOENT);
	CHECK_EQ(read_failures(&fx, "bob"), 2);
	CHECK(!exists(&fx, "alice.db"));
	CHECK_EQ(tfa_store_list(&fx.cfg, &tlog, list_one, &l), TFA_OK);
	CHECK_EQ(l.n, 1);
	CHECK(listed_has(&l, "bob"));
	fx_done(&fx);
}

/* A child's exit status: 0 when it did all it meant to. */
static int
wait_child(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Child: hold alice's lock, tell the parent, wait a little, then write. */
static void
child_hold_lock(const struct fixture *fx, int ready, int go)
{
	struct tfa_store *st;
	struct tfa_record rec;
	char c = 0;

	if (tfa_store_lock(&fx->cfg, NULL, "alice", &st) != TFA_OK ||
	    write(ready, "L", 1) != 1)
		_exit(1);
	/* wait until the parent has locked bob, then give it time to block */
	if (read(go, &c, 1) != 1)
		_exit(2);
	usleep(200000);
	if (tfa_store_load(st, &rec) != TFA_OK)
		_exit(3);
	rec.failures = 1;
	if (tfa_store_save(st, &rec) != TFA_OK)
		_exit(4);
	tfa_store_close(&st);
	_exit(0);
}

static void
test_lock_waits(void)
{
	struct fixture fx;
	struct tfa_record rec;
	struct tfa_store *st = NULL, *other = NULL;
	int ready[2], go[2];
	pid_t pid;
	char c = 0;

	fx_init(&fx, "store-lock");
	make_record(&rec, 0);
	CHECK_EQ(save(&fx, "alice", &rec), TFA_OK);
	CHECK_EQ(save(&fx, "bob", &rec), TFA_OK);
	if (pipe(ready) != 0 || pipe(go) != 0)
		abort();
	fflush(stdout);
	if ((pid = fork()) == 0) {
		close(ready[0]);
		close(go[1]);
		child_hold_lock(&fx, ready[1], go[0]);
	}
	close(ready[1]);
	close(go[0]);
	alarm(30);	/* a deadlock fails the test instead of hanging it */
	CHECK_EQ(read(ready[0], &c, 1), 1);
	/* locks are per user: bob is free while alice is held */
	CHECK_EQ(tfa_store_lock(&fx.cfg, &tlog, "bob", &other), TFA_OK);
	tfa_store_close(&other);
	CHECK_EQ(write(go[1], "G", 1), 1);
	/* this waits for the child; what it wrote must be there */
	CHECK_EQ(tfa_store_lock(&fx.cfg, &tlog, "alice", &st), TFA_OK);
	CHECK_EQ(tfa_store_load(st, &rec), TFA_OK);
	CHECK_EQ(rec.failures, 1);
	tfa_record_wipe(&rec);
	tfa_store_close(&st);
	alarm(0);
	CHECK_EQ(wait_child(pid), 0);
	close(ready[0]);
	close(go[1]);
	fx_done(&fx);
}

#define RACERS 8
#define RACE_ROUNDS 50

static void
child_increment(const struct fixture *fx)
{
	struct tfa_store *st;
	struct tfa_record rec;
	int i;

	for (i = 0; i < RACE_ROUNDS; i++) {
		if (tfa_store_lock(&fx->cfg, NULL, "alice", &st) != TFA_OK)
			_exit(1);
		if (tfa_store_load(st, &rec) != TFA_OK)
			_exit(2);
		rec.failures++;
		if (tfa_store_save(st, &rec) != TFA_OK)
			_exit(3);
		tfa_store_close(&st);
	}
	_exit(0);
}

static void
test_no_lost_update(void)
{
	struct fixture fx;
	struct tfa_record rec;
	pid_t pid[RACERS];
	int i, bad = 0;

	fx_init(&fx, "store-race");
	make_record(&rec, 0);
	CHECK_EQ(save(&fx, "alice", &rec), TFA_OK);
	fflush(stdout);
	for (i = 0; i < RACERS; i++)
		if ((pid[i] = fork()) == 0)
			child_increment(&fx);
	for (i = 0; i < RACERS; i++)
		bad += wait_child(pid[i]) != 0;
	CHECK_EQ(bad, 0);
	CHECK_EQ(read_failures(&fx, "alice"), RACERS * RACE_ROUNDS);
	fx_done(&fx);
}

/* Read and lock+load alice: both must be refused as unsafe, and logged. */
static void
check_refused(const struct fixture *fx, const char *what)
{
	struct tfa_record rec;
	struct tfa_store *st = NULL;
	tfa_err r;

	printf("# refusal: %s\n", what);
	alarm(10);		/* a FIFO must not block */
	log_count = 0;
	CHECK_EQ(tfa_store_read(&fx->cfg, &tlog, "alice", &rec),
	    TFA_ERR_UNSAFE);
	CHECK_EQ(log_count, 1);
	r = tfa_store_lock(&fx->cfg, &tlog, "alice", &st);
	if (r == TFA_OK) {
		CHECK_EQ(tfa_store_load(st, &rec), TFA_ERR_UNSAFE);
		tfa_store_close(&st);
	} else {
		CHECK_EQ(r, TFA_ERR_UNSAFE);
		CHECK(st == NULL);
	}
	alarm(0);
}

/* A fixture holding alice's record with failures = 7. */
static void
fx_with_alice(struct fixture *fx, const char *tag)
{
	struct tfa_record rec;

	fx_init(fx, tag);
	make_record(&rec, 7);
	if (save(fx, "alice", &rec) != TFA_OK)
		abort();
}

/* True once /proc/locks shows a process waiting for a flock(). */
static bool
flock_awaited(void)
{
	char line[256];
	bool seen = false;
	FILE *f = fopen("/proc/locks", "r");

	if (f == NULL)
		return false;
	while (!seen && fgets(line, sizeof(line), f) != NULL)
		seen = strstr(line, "->") != NULL && strstr(line, "FLOCK");
	fclose(f);
	return seen;
}

/*
 * The lock is the overlay's file, and a reset removes it: a login that was
 * waiting for the lock then holds it on the file now at the name, never on
 * the removed one (where a third login would not see it).
 */
static void
test_lock_after_delete(void)
{
	struct fixture fx;
	struct tfa_store *st = NULL, *other = NULL;
	int start[2], ready[2], go[2], fd, i;
	pid_t pid;
	char c = 0;

	fx_with_alice(&fx, "store-lock-delete");
	if (pipe(start) != 0 || pipe(ready) != 0 || pipe(go) != 0)
		abort();
	fflush(stdout);
	/* forked before the lock is taken: a child would share it */
	if ((pid = fork()) == 0) {
		if (read(start[0], &c, 1) != 1)
			_exit(1);
		c = tfa_store_lock(&fx.cfg, &tlog, "alice", &other) ==
		    TFA_OK ? 'L' : 'E';
		if (write(ready[1], &c, 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(1);
		_exit(0);
	}
	alarm(30);
	CHECK_EQ(tfa_store_lock(&fx.cfg, &tlog, "alice", &st), TFA_OK);
	CHECK_EQ(write(start[1], "S", 1), 1);
	for (i = 0; i < 500 && !flock_awaited(); i++)
		usleep(10 * 1000);
	CHECK(flock_awaited());		/* the child waits for the lock */
	CHECK_EQ(tfa_store_delete(st), TFA_OK);
	CHECK(!exists(&fx, "alice.db"));
	tfa_store_close(&st);
	CHECK_EQ(read(ready[0], &c, 1), 1);
	CHECK_EQ(c, 'L');
	fd = open(fx_path(&fx, "alice.st"), O_RDWR | O_NOFOLLOW);
	CHECK(fd >= 0);
	errno = 0;
	CHECK(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) != 0 &&
	    errno == EWOULDBLOCK);
	CHECK_EQ(write(go[1], "G", 1), 1);
	CHECK(waitpid(pid, NULL, 0) == pid);
	CHECK(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0);
	alarm(0);
	if (fd >= 0)
		close(fd);
	close(start[0]), close(start[1]), close(ready[0]), close(ready[1]);
	close(go[0]), close(go[1]);
	fx_done(&fx);
}

static void
test_refuse_dir(void)
{
	struct fixture fx;
	struct tfa_config real;

	fx_with_alice(&fx, "store-dir");
	CHECK(chmod(fx.dir, 0777) == 0);
	check_refused(&fx, "store dir mode 0777");
	CHECK(chmod(fx.dir, 0770) == 0);
	check_refused(&fx, "store dir mode 0770");
	CHECK(chmod(fx.dir, 0702) == 0);
	check_refused(&fx, "store dir mode 0702");
	/* readable by others is the admin's choice; writable is not */
	CHECK(chmod(fx.dir, 0755) == 0);
	CHECK_EQ(read_failures(&fx, "alice"), 7);
	CHECK(chmod(fx.dir, 0700) == 0);

	/* StoreDir naming a symlink to the real directory */
	real = fx.cfg;
	CHECK(symlink(fx.dir, fx_path(&fx, "link")) == 0);
	snprintf(fx.cfg.store_dir, sizeof(fx.cfg.store_dir), "%s/link",
	    fx.dir);
	check_refused(&fx, "store dir is a symlink");
	/* StoreDir naming a file, or nothing */
	snprintf(fx.cfg.store_dir, sizeof(fx.cfg.store_dir), "%s/alice.db",
	    fx.dir);
	check_refused(&fx, "store dir is a file");
	snprintf(fx.cfg.store_dir, sizeof(fx.cfg.store_dir), "%s/none",
	    fx.dir);
	CHECK_EQ(read_failures(&fx, "alice"), -1 - TFA_ERR_IO);
	fx.cfg = real;

	if (geteuid() != 0) {
		tfa_skip("store dir owned by another uid: needs root");
	} else {
		CHECK(chown(fx.dir, 65534, 65534) == 0);
		check_refused(&fx, "store dir owned by uid 65534");
		CHECK(chown(fx.dir, 0, 0) == 0);
	}
	CHECK_EQ(read_failures(&fx, "alice"), 7);
	fx_done(&fx);
}

static void
test_refuse_record_symlink(void)
{
	struct fixture fx;
	struct tfa_record rec;
	char before[4096], after[4096];
	ssize_t nb, na;

	fx_with_alice(&fx, "store-symlink");
	make_record(&rec, 3);
	CHECK_EQ(save(&fx, "bob", &rec), TFA_OK);
	nb = slurp(fx_path(&fx, "bob.db"), before, sizeof(before));
	CHECK(unlink(fx_path(&fx, "alice.db")) == 0);
	CHECK(symlink("bob.db", fx_path(&fx, "alice.db")) == 0);
	check_refused(&fx, "record is a symlink to another record");
	na = slurp(fx_path(&fx, "bob.db"), after, sizeof(after));
	CHECK(nb > 0 && nb == na && memcmp(before, after, (size_t)nb) == 0);
	CHECK_EQ(read_failures(&fx, "bob"), 3);
	fx_done(&fx);
}

static void
test_refuse_record_attrs(void)
{
	struct fixture fx;
	char db[PATH_MAX];

	fx_with_alice(&fx, "store-attrs");
	fx_keep(&fx, "alice.db", db);
	CHECK(chmod(db, 0644) == 0);
	check_refused(&fx, "record mode 0644");
	CHECK(chmod(db, 0640) == 0);
	check_refused(&fx, "record mode 0640");
	CHECK(chmod(db, 0601) == 0);
	check_refused(&fx, "record mode 0601");
	CHECK(chmod(db, 0400) == 0);
	CHECK_EQ(read_failures(&fx, "alice"), 7);
	CHECK(chmod(db, 0600) == 0);

	CHECK(link(db, fx_path(&fx, "second-link")) == 0);
	check_refused(&fx, "record with 2 hard links");
	CHECK(unlink(fx_path(&fx, "second-link")) == 0);
	CHECK_EQ(read_failures(&fx, "alice"), 7);

	if (geteuid() != 0) {
		tfa_skip("record owned by another uid: needs root");
	} else {
		CHECK(chown(db, 65534, 65534) == 0);
		check_refused(&fx, "record owned by uid 65534");
		CHECK(chown(db, 0, 0) == 0);
	}
	CHECK_EQ(read_failures(&fx, "alice"), 7);
	fx_done(&fx);
}

static void
test_refuse_record_types(void)
{
	struct fixture fx;
	struct stat st;
	int fd;

	fx_with_alice(&fx, "store-types");
	/* 8 MiB + 1, sparse: refused by size before gdbm sees it */
	fd = open(fx_path(&fx, "alice.db"), O_RDWR);
	CHECK(fd >= 0 && ftruncate(fd, 8 * 1024 * 1024 + 1) == 0);
	close(fd);
	check_refused(&fx, "record larger than 8 MiB");
	CHECK(stat(fx_path(&fx, "alice.db"), &st) == 0);
	CHECK_EQ(st.st_size, 8 * 1024 * 1024 + 1);

	CHECK(unlink(fx_path(&fx, "alice.db")) == 0);
	CHECK(mkfifo(fx_path(&fx, "alice.db"), 0600) == 0);
	check_refused(&fx, "record is a FIFO");
	CHECK(unlink(fx_path(&fx, "alice.db")) == 0);
	CHECK(mkdir(fx_path(&fx, "alice.db"), 0700) == 0);
	check_refused(&fx, "record is a directory");
	fx_done(&fx);
}

/*
 * tfa_store_lock on alice must be refused and leave the lock file (the
 * overlay) alone.
 */
static void
check_lock_refused(const struct fixture *fx, const char *what)
{
	struct tfa_store *st = NOT_NULL;

	printf("# lock refusal: %s\n", what);
	alarm(10);
	log_count = 0;
	CHECK_EQ(tfa_store_lock(&fx->cfg, &tlog, "alice", &st),
	    TFA_ERR_UNSAFE);
	CHECK(st == NULL);
	CHECK_EQ(log_count, 1);
	alarm(0);
}

static void
test_refuse_lock_file(void)
{
	struct fixture fx;
	char buf[64], lock[PATH_MAX];

	fx_with_alice(&fx, "store-lockfile");
	fx_keep(&fx, "alice.st", lock);
	tfa_test_write(fx_path(&fx, "victim"), "victim", 0600);
	CHECK(unlink(lock) == 0);
	CHECK(symlink("victim", lock) == 0);
	check_lock_refused(&fx, "lock file is a symlink to a file");
	CHECK_EQ(slurp(fx_path(&fx, "victim"), buf, sizeof(buf)), 6);
	CHECK(unlink(lock) == 0);
	CHECK(symlink("nowhere", lock) == 0);
	check_lock_refused(&fx, "lock file is a dangling symlink");
	CHECK(!exists(&fx, "nowhere"));
	CHECK(unlink(lock) == 0);
	tfa_test_write(lock, "", 0644);
	check_lock_refused(&fx, "lock file mode 0644");
	CHECK(unlink(lock) == 0);
	CHECK(mkfifo(lock, 0600) == 0);
	check_lock_refused(&fx, "lock file is a FIFO");
	CHECK(unlink(lock) == 0);
	CHECK_EQ(read_failures(&fx, "alice"), 7);
	fx_done(&fx);
}

/* A gdbm file holding the given key/value pairs, as a tampered record. */
static void
write_gdbm(const char *path, const char *const *kv, size_t n)
{
	GDBM_FILE db = gdbm_open(path, 0, GDBM_NEWDB, 0600, NULL);
	size_t i;

	if (db == NULL)
		abort();
	for (i = 0; i + 1 < n; i += 2) {
		datum k = { (char *)(uintptr_t)kv[i], (int)strlen(kv[i]) };
		datum v = { (char *)(uintptr_t)kv[i + 1],
		    (int)strlen(kv[i + 1]) };

		if (gdbm_store(db, k, v, GDBM_REPLACE) != 0)
			abort();
	}
	gdbm_close(db);
	chmod(path, 0600);
}

#define STATE_OK "disabled=0 last_step=7 failures=0 locked_until=0 " \
	"last_login=0 last_method=none last_id=0"

static void
test_corrupt_records(void)
{
	static const char *const ok[] = { "format", "1", "state", STATE_OK };
	static const char *const no_state[] = { "format", "1" };
	static const char *const extra[] = { "format", "1", "state", STATE_OK,
	    "bogus", "1" };
	static const char *const future[] = { "format", "2", "state",
	    STATE_OK };
	struct fixture fx;
	char db[PATH_MAX];

	fx_init(&fx, "store-corrupt");
	fx_keep(&fx, "alice.db", db);
	write_gdbm(db, ok, 4);
	CHECK_EQ(read_failures(&fx, "alice"), 0);
	write_gdbm(db, no_state, 2);
	CHECK_EQ(read_failures(&fx, "alice"), -1 - TFA_ERR_CORRUPT);
	write_gdbm(db, extra, 6);
	CHECK_EQ(read_failures(&fx, "alice"), -1 - TFA_ERR_CORRUPT);
	write_gdbm(db, future, 4);
	CHECK_EQ(read_failures(&fx, "alice"), -1 - TFA_ERR_CORRUPT);
	tfa_test_write(db, "this is not a gdbm database, just bytes\n", 0600);
	log_count = 0;
	CHECK_EQ(read_failures(&fx, "alice"), -1 - TFA_ERR_CORRUPT);
	CHECK(log_count >= 1);
	tfa_test_write(db, "", 0600);
	CHECK_EQ(read_failures(&fx, "alice"), -1 - TFA_ERR_CORRUPT);
	fx_done(&fx);
}

static void
test_stale_tmp(void)
{
	struct fixture fx;
	struct tfa_record rec;
	char buf[64];

	fx_with_alice(&fx, "store-stale");
	/* a half-written file a killed writer left, in any mode */
	tfa_test_write(fx_path(&fx, "alice.tmp"), "half a database", 0644);
	make_record(&rec, 8);
	CHECK_EQ(save(&fx, "alice", &rec), TFA_OK);
	CHECK(!exists(&fx, "alice.tmp"));
	CHECK_EQ(read_failures(&fx, "alice"), 8);
	/* a planted symlink is removed, never written through */
	tfa_test_write(fx_path(&fx, "victim"), "victim", 0600);
	CHECK(symlink("victim", fx_path(&fx, "alice.tmp")) == 0);
	rec.failures = 9;
	CHECK_EQ(save(&fx, "alice", &rec), TFA_OK);
	CHECK(!exists(&fx, "alice.tmp"));
	CHECK_EQ(slurp(fx_path(&fx, "victim"), buf, sizeof(buf)), 6);
	CHECK(memcmp(buf, "victim", 6) == 0);
	CHECK_EQ(read_failures(&fx, "alice"), 9);
	fx_done(&fx);
}

/*
 * Child: forever lock, load, count up (last_step), save, and report each
 * value once tfa_store_save has returned, i.e. once it is committed.
 */
static void
child_count_up(const struct fixture *fx, int report)
{
	struct tfa_store *st;
	struct tfa_record rec;

	for (;;) {
		if (tfa_store_lock(&fx->cfg, NULL, "alice", &st) != TFA_OK ||
		    tfa_store_load(st, &rec) != TFA_OK)
			_exit(1);
		rec.last_step++;
		/* most saves go to the overlay; every 8th writes it all */
		if (rec.last_step % 8 == 0)
			rec.totp.created++;
		if (tfa_store_save(st, &rec) != TFA_OK)
			_exit(2);
		tfa_store_close(&st);
		if (write(report, &rec.last_step, sizeof(rec.last_step)) !=
		    (ssize_t)sizeof(rec.last_step))
			_exit(3);
	}
}

/* The newest value the child reported, or `have` when none. */
static int64_t
drain(int fd, int64_t have)
{
	int64_t v;

	while (read(fd, &v, sizeof(v)) == (ssize_t)sizeof(v))
		if (v > have)
			have = v;
	return have;
}

#define KILLS 50

/*
 * Kill a counting writer at a random instant, KILLS times.  `committed` is
 * the newest value known to be on disk (reported after a save returned, or
 * read back): the record must always be readable, never older than that,
 * and at most one save newer (the one in flight when the kill came).
 */
static void
test_kill_9(void)
{
	struct fixture fx;
	struct tfa_record rec;
	int64_t committed = 0;
	int i, p[2], unreadable = 0, lost = 0, ahead = 0, killed = 0, stale = 0;
	pid_t pid;

	fx_init(&fx, "store-kill");
	make_record(&rec, 0);
	rec.last_step = 0;
	CHECK_EQ(save(&fx, "alice", &rec), TFA_OK);
	srand(6238);
	for (i = 0; i < KILLS; i++) {
		if (pipe2(p, O_CLOEXEC) != 0 || fcntl(p[0], F_SETFL,
		    O_NONBLOCK) != 0)
			abort();
		fflush(stdout);
		if ((pid = fork()) == 0) {
			close(p[0]);
			child_count_up(&fx, p[1]);
		}
		close(p[1]);
		usleep((useconds_t)(rand() % 30000));
		kill(pid, SIGKILL);
		killed += wait_child(pid) == 128 + SIGKILL;
		committed = drain(p[0], committed);
		close(p[0]);
		stale += exists(&fx, "alice.tmp");
		if (tfa_store_read(&fx.cfg, &tlog, "alice", &rec) != TFA_OK) {
			unreadable++;
			continue;
		}
		lost += rec.last_step < committed;
		ahead += rec.last_step > committed + 1;
		if (rec.last_step > committed)
			committed = rec.last_step;
		tfa_record_wipe(&rec);
	}
	printf("# %d kills, %lld saves committed, %d stale .tmp files left\n",
	    killed, (long long)committed, stale);
	CHECK_EQ(killed, KILLS);
	CHECK_EQ(unreadable, 0);
	CHECK_EQ(lost, 0);
	CHECK_EQ(ahead, 0);
	CHECK(committed > 0);
	/* the store is still writable after all that */
	rec.failures = 1;
	CHECK_EQ(save(&fx, "alice", &rec), TFA_OK);
	CHECK(!exists(&fx, "alice.tmp"));
	CHECK_EQ(read_failures(&fx, "alice"), 1);
	fx_done(&fx);
}

/* Every byte of the file is zero. */
/*
 * The header of slot i of the overlay at path (its checksum not checked):
 * false when it is not a slot's.
 */
static bool
slot_head(const char *path, int i, uint64_t *gen, uint64_t *seq,
    uint64_t *len)
{
	uint8_t buf[TFA_OVL_FILE];
	const uint8_t *s = buf + i * TFA_OVL_SLOT;
	uint64_t v[3] = { 0, 0, 0 };

	if (slurp(path, (char *)buf, sizeof(buf)) != TFA_OVL_FILE ||
	    memcmp(s, "tfa-ovl1", 8) != 0)
		return false;
	for (int k = 0; k < 3; k++)
		for (int b = 7; b >= 0; b--)
			v[k] = v[k] << 8 | s[8 + 8 * k + b];
	*gen = v[0];
	*seq = v[1];
	*len = v[2];
	return true;
}

/* Lock, load, set alice's failure count (and maybe touch TOTP), save. */
static tfa_err
change(const struct fixture *fx, unsigned failures, bool touch_totp)
{
	struct tfa_store *st;
	struct tfa_record rec;
	tfa_err r;

	if ((r = tfa_store_lock(&fx->cfg, &tlog, "alice", &st)) != TFA_OK)
		return r;
	if ((r = tfa_store_load(st, &rec)) == TFA_OK) {
		rec.failures = failures;
		rec.totp.created += touch_totp;
		r = tfa_store_save(st, &rec);
		tfa_record_wipe(&rec);
	}
	tfa_store_close(&st);
	return r;
}

static void
flip_byte(const char *path, off_t off)
{
	int fd = open(path, O_RDWR);
	char c;

	if (fd < 0 || pread(fd, &c, 1, off) != 1)
		abort();
	c ^= 0x20;
	if (pwrite(fd, &c, 1, off) != 1)
		abort();
	close(fd);
}

/* alice's database generation, read the way the store writes it. */
static uint64_t
db_gen(const struct fixture *fx)
{
	GDBM_FILE db = gdbm_open(fx_path(fx, "alice.db"), 0, GDBM_READER |
	    GDBM_NOLOCK, 0, NULL);
	datum key = { "store.gen", 9 }, val;
	char buf[17] = "";
	uint64_t gen;

	if (db == NULL)
		abort();
	val = gdbm_fetch(db, key);
	if (val.dptr != NULL && val.dsize == 16)
		memcpy(buf, val.dptr, 16);
	free(val.dptr);
	gdbm_close(db);
	gen = strtoull(buf, NULL, 16);
	if (gen == 0)
		abort();
	return gen;
}

/* Set (val) or remove (NULL) alice's generation entry behind the store. */
static void
set_gen(const struct fixture *fx, const char *val)
{
	GDBM_FILE db = gdbm_open(fx_path(fx, "alice.db"), 0, GDBM_WRITER |
	    GDBM_NOLOCK, 0, NULL);
	datum key = { "store.gen", 9 };
	datum v = { (char *)(uintptr_t)val, val ? (int)strlen(val) : 0 };

	if (db == NULL || (val != NULL ? gdbm_store(db, key, v, GDBM_REPLACE) :
	    gdbm_delete(db, key)) != 0 || gdbm_close(db) != 0)
		abort();
}

/*
 * The generation entry: 16 lower-case hex digits, not all zero; anything
 * else is a corrupt record.  Without one (a database written before there
 * were overlays) the record reads, and its overlay does not count.
 */
static void
test_generation(void)
{
	static const char *const bad[] = { "", "0000000000000000",
	    "00000000000000001", "000000000000001", "ABCDEF0123456789",
	    "0123456789abcdeg", " 123456789abcdef", "-123456789abcdef" };
	struct fixture fx;
	size_t i;

	fx_with_alice(&fx, "store-gen");
	CHECK_EQ(change(&fx, 9, false), TFA_OK);	/* in the overlay */
	CHECK_EQ(read_failures(&fx, "alice"), 9);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		set_gen(&fx, bad[i]);
		CHECK_EQ(read_failures(&fx, "alice"), -1 - (long)TFA_ERR_CORRUPT);
		CHECK(strstr(log_last, "alice.db: record is corrupt") != NULL);
	}
	set_gen(&fx, "0123456789abcdef");	/* not the overlay's */
	CHECK_EQ(read_failures(&fx, "alice"), 7);
	set_gen(&fx, NULL);
	CHECK_EQ(read_failures(&fx, "alice"), 7);
	/* the next save writes it whole, with a generation again */
	CHECK_EQ(change(&fx, 10, false), TFA_OK);
	CHECK_EQ(read_failures(&fx, "alice"), 10);
	CHECK(db_gen(&fx) != 0);
	fx_done(&fx);
}

/* A slot the store did not write, with a good checksum, for alice. */
static void
plant_slot(const struct fixture *fx, const char *payload, size_t len)
{
	struct tfa_ovl ovl;
	int fd = open(fx_path(fx, "alice.st"), O_RDWR);

	if (fd < 0 || tfa_ovl_read(fd, TFA_OVL_FILE, db_gen(fx), &ovl) != TFA_OK ||
	    tfa_ovl_write(fd, &ovl, payload, len) != TFA_OK)
		abort();
	close(fd);
}

/*
 * A login's kind of change (the state entry) goes to the overlay: the
 * database stays byte for byte as it was.  A torn slot falls back to the
 * one before; a change to the TOTP entry rewrites the database, voiding
 * the overlay; an overlay of the wrong size holds nothing and is made
 * afresh; a slot naming an entry the database lacks is corruption.
 */
static void
test_overlay(void)
{
	struct fixture fx;
	struct tfa_record rec;
	char db0[4096], db1[4096], ovl[PATH_MAX];
	ssize_t n0, n1;
	struct stat a, b;

	fx_with_alice(&fx, "store-overlay");
	fx_keep(&fx, "alice.st", ovl);
	n0 = slurp(fx_path(&fx, "alice.db"), db0, sizeof(db0));
	CHECK(stat(fx_path(&fx, "alice.db"), &a) == 0);
	/*
	 * made with the database, so that a login never needs a new block,
	 * and marked before it: one empty slot of its generation, slot 1
	 * still zero
	 */
	CHECK(stat(ovl, &b) == 0 && b.st_size == TFA_OVL_FILE);
	{
		uint64_t g, q, l;

		CHECK(slot_head(ovl, 0, &g, &q, &l) && g == db_gen(&fx) &&
		    q == 1 && l == 0);
		CHECK(!slot_head(ovl, 1, &g, &q, &l));
	}

	CHECK_EQ(change(&fx, 1, false), TFA_OK);
	CHECK(exists(&fx, "alice.st"));
	CHECK(stat(ovl, &b) == 0 && b.st_size == TFA_OVL_FILE &&
	    (b.st_mode & 07777) == 0600);
	CHECK_EQ(read_failures(&fx, "alice"), 1);
	CHECK_EQ(change(&fx, 2, false), TFA_OK);
	CHECK_EQ(read_failures(&fx, "alice"), 2);
	n1 = slurp(fx_path(&fx, "alice.db"), db1, sizeof(db1));
	CHECK(n0 > 0 && n0 == n1 && memcmp(db0, db1, (size_t)n0) == 0);
	CHECK(stat(fx_path(&fx, "alice.db"), &b) == 0 && a.st_ino == b.st_ino);
	/* saving what is already there writes nothing */
	CHECK(stat(ovl, &a) == 0);
	CHECK_EQ(change(&fx, 2, false), TFA_OK);
	CHECK(stat(ovl, &b) == 0 && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec &&
	    a.st_mtim.tv_sec == b.st_mtim.tv_sec);

	/* after the mark in slot 0, the first went to slot 1, the second to
	 * slot 0: tear the second */
	flip_byte(ovl, TFA_OVL_HEADER + 2);
	CHECK_EQ(read_failures(&fx, "alice"), 1);
	flip_byte(ovl, TFA_OVL_SLOT + TFA_OVL_HEADER + 2);
	CHECK_EQ(read_failures(&fx, "alice"), 7);	/* the database's */
	CHECK_EQ(change(&fx, 3, false), TFA_OK);
	CHECK_EQ(read_failures(&fx, "alice"), 3);

	/* a new TOTP entry: a new database, and the overlay does not count */
	CHECK(stat(fx_path(&fx, "alice.db"), &a) == 0);
	CHECK_EQ(change(&fx, 4, true), TFA_OK);
	CHECK(stat(fx_path(&fx, "alice.db"), &b) == 0 && a.st_ino != b.st_ino);
	CHECK_EQ(read_failures(&fx, "alice"), 4);
	CHECK_EQ(tfa_store_read(&fx.cfg, &tlog, "alice", &rec), TFA_OK);
	CHECK_EQ(rec.totp.created, 1700000001);
	tfa_record_wipe(&rec);
	CHECK_EQ(change(&fx, 5, false), TFA_OK);
	CHECK_EQ(read_failures(&fx, "alice"), 5);

	/* cut short, as by a crash while it was made: holds nothing */
	CHECK(truncate(ovl, 100) == 0);
	CHECK_EQ(read_failures(&fx, "alice"), 4);
	CHECK_EQ(change(&fx, 6, false), TFA_OK);
	CHECK(stat(ovl, &b) == 0 && b.st_size == TFA_OVL_FILE);
	CHECK_EQ(read_failures(&fx, "alice"), 6);
	CHECK_EQ(log_count, 0);

	/* well-formed slots the store would never write */
	plant_slot(&fx, "nosuch\0x\0", 9);
	CHECK_EQ(read_failures(&fx, "alice"), -1 - (long)TFA_ERR_CORRUPT);
	CHECK(strstr(log_last, "alice.db: record is corrupt") != NULL);
	plant_slot(&fx, "state\0failures=x\0", 17);
	CHECK_EQ(read_failures(&fx, "alice"), -1 - (long)TFA_ERR_CORRUPT);
	plant_slot(&fx, "state", 5);
	CHECK_EQ(read_failures(&fx, "alice"), -1 - (long)TFA_ERR_CORRUPT);
	CHECK(strstr(log_last, "alice.st: corrupt") != NULL);

	/* deleting the record takes the overlay with it */
	{
		struct tfa_store *st;

		CHECK_EQ(tfa_store_lock(&fx.cfg, &tlog, "alice", &st), TFA_OK);
		CHECK_EQ(tfa_store_delete(st), TFA_OK);
		tfa_store_close(&st);
	}
	CHECK(!exists(&fx, "alice.st"));
	fx_done(&fx);
}

/*
 * Peek at alice, let another writer set her failure count to `other` (and
 * rewrite the whole database when `whole`), then lock and load: the load
 * must see `other`, and a save on top of it must stick.
 */
static void
peek_change_load(const struct fixture *fx, unsigned other, bool whole)
{
	struct tfa_store *st;
	struct tfa_record rec;

	CHECK_EQ(tfa_store_open(&fx->cfg, &tlog, "alice", &st), TFA_OK);
	CHECK_EQ(tfa_store_peek(st, &rec), TFA_OK);
	tfa_record_wipe(&rec);
	CHECK_EQ(change(fx, other, whole), TFA_OK);
	CHECK_EQ(tfa_store_take_lock(st), TFA_OK);
	CHECK_EQ(tfa_store_load(st, &rec), TFA_OK);
	CHECK_EQ(rec.failures, other);
	rec.failures = other + 1;
	CHECK_EQ(tfa_store_save(st, &rec), TFA_OK);
	tfa_record_wipe(&rec);
	tfa_store_close(&st);
	CHECK_EQ(read_failures(fx, "alice"), (long)other + 1);
}

/* Another writer removes alice's record. */
static void
remove_alice(const struct fixture *fx)
{
	struct tfa_store *other;

	CHECK_EQ(tfa_store_lock(&fx->cfg, &tlog, "alice", &other), TFA_OK);
	CHECK_EQ(tfa_store_delete(other), TFA_OK);
	tfa_store_close(&other);
}

/*
 * tfa_store_peek, then changes by someone else, then the lock: the load
 * must see those changes, never what peek saw (that would lose them).
 */
static void
test_peek_then_load(void)
{
	struct fixture fx;
	struct tfa_store *st;
	struct tfa_record rec;

	fx_with_alice(&fx, "store-peek");
	/* nothing changed in between: what peek saw */
	CHECK_EQ(tfa_store_open(&fx.cfg, &tlog, "alice", &st), TFA_OK);
	CHECK_EQ(tfa_store_peek(st, &rec), TFA_OK);
	CHECK_EQ(rec.failures, 7);
	tfa_record_wipe(&rec);
	CHECK_EQ(tfa_store_save(st, &rec), TFA_ERR_INVAL);	/* no lock */
	CHECK_EQ(tfa_store_take_lock(st), TFA_OK);
	CHECK_EQ(tfa_store_load(st, &rec), TFA_OK);
	CHECK_EQ(rec.failures, 7);
	rec.failures = 8;
	CHECK_EQ(tfa_store_save(st, &rec), TFA_OK);
	tfa_record_wipe(&rec);
	tfa_store_close(&st);
	CHECK_EQ(read_failures(&fx, "alice"), 8);

	/*
	 * nothing written since the peek: the load takes what peek read and
	 * does not look at the database again (renamed away meanwhile, out
	 * of band, it is not missed)
	 */
	CHECK_EQ(tfa_store_open(&fx.cfg, &tlog, "alice", &st), TFA_OK);
	CHECK_EQ(tfa_store_peek(st, &rec), TFA_OK);
	tfa_record_wipe(&rec);
	CHECK(rename(fx_path(&fx, "alice.db"), fx_path(&fx, "alice.away")) ==
	    0);
	CHECK_EQ(tfa_store_take_lock(st), TFA_OK);
	CHECK_EQ(tfa_store_load(st, &rec), TFA_OK);
	CHECK_EQ(rec.failures, 8);
	tfa_record_wipe(&rec);
	tfa_store_close(&st);
	CHECK(rename(fx_path(&fx, "alice.away"), fx_path(&fx, "alice.db")) ==
	    0);

	/* a change in the overlay after the peek, then the whole database */
	peek_change_load(&fx, 9, false);
	peek_change_load(&fx, 11, true);
	CHECK_EQ(tfa_store_read(&fx.cfg, &tlog, "alice", &rec), TFA_OK);
	CHECK_EQ(rec.totp.created, 1700000001);
	tfa_record_wipe(&rec);

	/*
	 * saved under the lock without a load after the peek (the record
	 * changed in between): written whole, not as an overlay of the
	 * database peek saw, which readers would take for stale
	 */
	CHECK_EQ(tfa_store_open(&fx.cfg, &tlog, "alice", &st), TFA_OK);
	CHECK_EQ(tfa_store_peek(st, &rec), TFA_OK);
	CHECK_EQ(change(&fx, 13, true), TFA_OK);
	CHECK_EQ(tfa_store_take_lock(st), TFA_OK);
	rec.failures = 14;
	CHECK_EQ(tfa_store_save(st, &rec), TFA_OK);
	tfa_record_wipe(&rec);
	tfa_store_close(&st);
	CHECK_EQ(read_failures(&fx, "alice"), 14);

	/*
	 * peek found no overlay, or one cut short, so it kept none open; a
	 * login in between makes it and writes a slot into it
	 */
	CHECK(unlink(fx_path(&fx, "alice.st")) == 0);
	peek_change_load(&fx, 15, false);
	CHECK(truncate(fx_path(&fx, "alice.st"), 100) == 0);
	peek_change_load(&fx, 17, false);
	CHECK_EQ(log_count, 0);

	/* removed and made again after the peek: the new record counts */
	CHECK_EQ(tfa_store_open(&fx.cfg, &tlog, "alice", &st), TFA_OK);
	CHECK_EQ(tfa_store_peek(st, &rec), TFA_OK);
	CHECK_EQ(rec.failures, 18);
	tfa_record_wipe(&rec);
	remove_alice(&fx);
	make_record(&rec, 3);
	CHECK_EQ(save(&fx, "alice", &rec), TFA_OK);
	CHECK_EQ(change(&fx, 4, false), TFA_OK);
	CHECK_EQ(tfa_store_take_lock(st), TFA_OK);
	CHECK_EQ(tfa_store_load(st, &rec), TFA_OK);
	CHECK_EQ(rec.failures, 4);
	rec.failures = 5;
	CHECK_EQ(tfa_store_save(st, &rec), TFA_OK);
	tfa_record_wipe(&rec);
	tfa_store_close(&st);
	CHECK_EQ(read_failures(&fx, "alice"), 5);

	/* removed after the peek */
	CHECK_EQ(tfa_store_open(&fx.cfg, &tlog, "alice", &st), TFA_OK);
	CHECK_EQ(tfa_store_peek(st, &rec), TFA_OK);
	tfa_record_wipe(&rec);
	remove_alice(&fx);
	CHECK_EQ(tfa_store_take_lock(st), TFA_OK);
	CHECK_EQ(tfa_store_load(st, &rec), TFA_ERR_NOENT);
	tfa_store_close(&st);
	fx_done(&fx);
}

/*
 * A writer that died between marking the overlay and renaming its new
 * database in: the mark, of a generation no database has, is the newest
 * slot.  The record still reads with its own newest slot (the mark took
 * the other one), and a login that read the record then cannot tell from
 * the overlay alone that the database stayed the same: it looks, and sees
 * a database changed outside the lock.  The next save is the newest slot
 * again.
 */
static void
test_dead_mark(void)
{
	struct fixture fx;
	struct tfa_store *st;
	struct tfa_record rec;
	struct tfa_ovl *ovl = malloc(sizeof(*ovl));
	uint64_t seq;
	int fd, slot;

	fx_with_alice(&fx, "store-dead-mark");
	CHECK_EQ(change(&fx, 8, false), TFA_OK);
	fd = open(fx_path(&fx, "alice.st"), O_RDWR);
	CHECK(ovl != NULL && fd >= 0);
	CHECK_EQ(tfa_ovl_read(fd, TFA_OVL_FILE, db_gen(&fx), ovl), TFA_OK);
	CHECK(ovl->latest && ovl->slot >= 0);
	CHECK_EQ(tfa_ovl_mark(fd, ovl, db_gen(&fx) ^ 0x5a5a, &seq, &slot),
	    TFA_OK);
	CHECK(slot == 1 - ovl->slot && seq == ovl->seq + 1);
	CHECK_EQ(tfa_ovl_read(fd, TFA_OVL_FILE, db_gen(&fx), ovl), TFA_OK);
	CHECK(!ovl->latest && ovl->top == seq);
	close(fd);
	free(ovl);
	CHECK_EQ(read_failures(&fx, "alice"), 8);

	CHECK_EQ(tfa_store_open(&fx.cfg, &tlog, "alice", &st), TFA_OK);
	CHECK_EQ(tfa_store_peek(st, &rec), TFA_OK);
	CHECK_EQ(rec.failures, 8);
	tfa_record_wipe(&rec);
	set_gen(&fx, "0123456789abcdef");	/* edited in place meanwhile */
	CHECK_EQ(tfa_store_take_lock(st), TFA_OK);
	CHECK_EQ(tfa_store_load(st, &rec), TFA_OK);
	CHECK_EQ(rec.failures, 7);		/* the database's own */
	rec.failures = 9;
	CHECK_EQ(tfa_store_save(st, &rec), TFA_OK);
	tfa_record_wipe(&rec);
	tfa_store_close(&st);
	CHECK_EQ(read_failures(&fx, "alice"), 9);
	peek_change_load(&fx, 10, false);
	CHECK_EQ(read_failures(&fx, "alice"), 11);
	CHECK_EQ(log_count, 0);
	fx_done(&fx);
}

/*
 * What a racing writer does between a lock-free read's look at the
 * database and its open of the overlay (before_overlay), in a child
 * process with its own kept databases.
 */
static const struct fixture *racer_fx;
static int racer_kind;

static void
racer(void)
{
	struct tfa_store *st;
	pid_t pid;
	int status = -1;

	fflush(stdout);
	if ((pid = fork()) == 0) {
		if (racer_kind == 0) {
			/* a whole save, then a login's change in the overlay */
			if (change(racer_fx, 7, true) != TFA_OK ||
			    change(racer_fx, 8, false) != TFA_OK)
				_exit(1);
		} else if (tfa_store_lock(&racer_fx->cfg, &tlog, "alice",
		    &st) != TFA_OK || tfa_store_delete(st) != TFA_OK) {
			_exit(1);
		}
		_exit(0);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* Lock, load, set alice's admin switch, save: a change in the overlay. */
static void
set_disabled(const struct fixture *fx, bool disabled)
{
	struct tfa_store *st;
	struct tfa_record rec;

	CHECK_EQ(tfa_store_lock(&fx->cfg, &tlog, "alice", &st), TFA_OK);
	CHECK_EQ(tfa_store_load(st, &rec), TFA_OK);
	rec.disabled = disabled;
	CHECK_EQ(tfa_store_save(st, &rec), TFA_OK);
	tfa_record_wipe(&rec);
	tfa_store_close(&st);
}

/*
 * A lock-free read (a login's peek, tfa_store_read) sees the record as it
 * was when the read began or as it is after, never a database without its
 * overlay.  alice's database is written whole while she is disabled, and
 * an admin enables her in the overlay; while a read has looked at the
 * database and not yet opened the overlay, another process writes a new
 * database and then a login's change into the other slot, so no slot is
 * the first database's any more; or it resets the record.  The read must
 * not come back with "disabled" (the module lets such a user in with the
 * password alone).
 */
static void
test_stale_read(void)
{
	struct fixture fx;
	struct tfa_store *st;
	struct tfa_record rec;

	for (racer_kind = 0; racer_kind < 2; racer_kind++) {
		tfa_err want = racer_kind ? TFA_ERR_NOENT : TFA_OK;

		for (int peek = 0; peek < 2; peek++) {
			fx_with_alice(&fx, "store-stale-read");
			set_disabled(&fx, true);
			CHECK_EQ(change(&fx, 7, true), TFA_OK);	/* whole */
			set_disabled(&fx, false);
			CHECK_EQ(read_failures(&fx, "alice"), 7);
			racer_fx = &fx;
			before_overlay = racer;
			if (peek) {
				CHECK_EQ(tfa_store_open(&fx.cfg, &tlog, "alice",
				    &st), TFA_OK);
				CHECK_EQ(tfa_store_peek(st, &rec), want);
				tfa_store_close(&st);
			} else {
				CHECK_EQ(tfa_store_read(&fx.cfg, &tlog, "alice",
				    &rec), want);
			}
			CHECK(before_overlay == NULL);	/* the race ran */
			if (racer_kind == 0) {
				CHECK(!rec.disabled);
				CHECK_EQ(rec.failures, 8);
				tfa_record_wipe(&rec);
			}
			CHECK_EQ(log_count, 0);
			fx_done(&fx);
		}
	}
}

/*
 * A save on a handle that did not load the record first still marks the
 * overlay next to its newest slot, not over it: a power cut that keeps the
 * mark and loses the new database's name must find the state the old
 * database had with its overlay.
 */
static void
test_save_unloaded(void)
{
	struct fixture fx;
	struct tfa_record rec;
	struct tfa_ovl *ovl = malloc(sizeof(*ovl));
	uint64_t gen;
	int fd;

	CHECK(ovl != NULL);
	fx_with_alice(&fx, "store-save-unloaded");
	for (unsigned i = 8; i < 12; i++) {
		CHECK_EQ(change(&fx, i, false), TFA_OK);	/* overlay */
		gen = db_gen(&fx);
		make_record(&rec, 20 + i);
		CHECK_EQ(save(&fx, "alice", &rec), TFA_OK);	/* unloaded */
		tfa_record_wipe(&rec);
		CHECK(db_gen(&fx) != gen);
		CHECK_EQ(read_failures(&fx, "alice"), 20 + i);
		fd = open(fx_path(&fx, "alice.st"), O_RDONLY);
		CHECK(fd >= 0);
		CHECK_EQ(tfa_ovl_read(fd, TFA_OVL_FILE, gen, ovl), TFA_OK);
		CHECK(ovl->slot >= 0 && !ovl->latest);
		CHECK(ovl->len > 0);
		close(fd);
	}
	CHECK_EQ(log_count, 0);
	free(ovl);
	fx_done(&fx);
}

/*
 * A login's change whose sync fails is reported failed (the module refuses
 * the login), so no reader may see it: a right code refused would count
 * as used, a failure as made.  The next change goes on from the state
 * before.
 */
static void
test_sync_fails(void)
{
	struct fixture fx;

	fx_with_alice(&fx, "store-sync-fails");
	CHECK_EQ(change(&fx, 8, false), TFA_OK);
	for (int i = 0; i < 3; i++) {
		fail_sync = true;
		CHECK_EQ(change(&fx, 20 + i, false), TFA_ERR_IO);
		fail_sync = false;
		CHECK_EQ(read_failures(&fx, "alice"), 8);
	}
	CHECK_EQ(change(&fx, 9, false), TFA_OK);
	CHECK_EQ(read_failures(&fx, "alice"), 9);
	fx_done(&fx);
}

/*
 * A reset killed once the record's names are gone, while a login that read
 * the record waits for the lock: the login must find the record removed,
 * not go on with what it read (a code of the old record accepted once).
 * So the overlay it holds is marked before the names go.
 */
static void
test_reset_killed(void)
{
	struct fixture fx;
	struct tfa_store *st, *other;
	struct tfa_record rec;
	int status = -1;
	pid_t pid;

	fx_with_alice(&fx, "store-reset-killed");
	CHECK_EQ(change(&fx, 8, false), TFA_OK);
	CHECK_EQ(tfa_store_open(&fx.cfg, &tlog, "alice", &st), TFA_OK);
	CHECK_EQ(tfa_store_peek(st, &rec), TFA_OK);
	CHECK_EQ(rec.failures, 8);
	tfa_record_wipe(&rec);
	fflush(stdout);
	if ((pid = fork()) == 0) {
		die_after = "alice.st";
		if (tfa_store_lock(&fx.cfg, &tlog, "alice", &other) == TFA_OK)
			(void)tfa_store_delete(other);
		_exit(1);		/* not killed where it should be */
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(!exists(&fx, "alice.db") && !exists(&fx, "alice.st"));
	CHECK_EQ(tfa_store_take_lock(st), TFA_OK);
	CHECK_EQ(tfa_store_load(st, &rec), TFA_ERR_NOENT);
	tfa_store_close(&st);
	CHECK_EQ(log_count, 0);
	fx_done(&fx);
}

/*
 * A record the store refuses (a slot naming an entry the database lacks,
 * then a database that is no gdbm file) is still reset, quietly: the
 * reset's read of it, for its mark, says nothing and stops nothing.
 */
static void
test_reset_refused(void)
{
	struct fixture fx;
	struct tfa_store *st;
	struct tfa_record rec;
	int fd;

	for (int i = 0; i < 2; i++) {
		fx_with_alice(&fx, "store-reset-refused");
		CHECK_EQ(change(&fx, 8, false), TFA_OK);
		if (i == 0) {
			plant_slot(&fx, "nosuch\0x\0", 9);
		} else {
			fd = open(fx_path(&fx, "alice.db"), O_WRONLY);
			CHECK(fd >= 0 && pwrite(fd, "junk", 4, 0) == 4);
			if (fd >= 0)
				close(fd);
		}
		CHECK_EQ(tfa_store_read(&fx.cfg, NULL, "alice", &rec),
		    TFA_ERR_CORRUPT);
		log_count = 0;
		CHECK_EQ(tfa_store_lock(&fx.cfg, &tlog, "alice", &st), TFA_OK);
		CHECK_EQ(tfa_store_delete(st), TFA_OK);
		tfa_store_close(&st);
		CHECK_EQ(log_count, 0);
		CHECK(!exists(&fx, "alice.db") && !exists(&fx, "alice.st"));
		fx_done(&fx);
	}
}

/* Lock, load, set device i's last use, save. */
static void
seen(const struct fixture *fx, size_t i, int64_t when)
{
	struct tfa_store *st;
	struct tfa_record rec;

	CHECK_EQ(tfa_store_lock(&fx->cfg, &tlog, "alice", &st), TFA_OK);
	CHECK_EQ(tfa_store_load(st, &rec), TFA_OK);
	CHECK(i < rec.n_dev);
	CHECK_EQ(tfa_record_own(&rec), TFA_OK);
	if (i < rec.n_dev)
		tfa_record_device_at(&rec, i)->last_seen = when;
	CHECK_EQ(tfa_store_save(st, &rec), TFA_OK);
	tfa_record_wipe(&rec);
	tfa_store_close(&st);
}

/* alice's devices' last uses, as a reader sees them. */
static void
check_seen(const struct fixture *fx, int64_t a, int64_t b, int64_t c)
{
	struct tfa_record rec;

	CHECK_EQ(tfa_store_read(&fx->cfg, &tlog, "alice", &rec), TFA_OK);
	CHECK_EQ(rec.n_dev, 3);
	if (rec.n_dev == 3) {
		CHECK_EQ(rec.dev[0].last_seen, a);
		CHECK_EQ(rec.dev[1].last_seen, b);
		CHECK_EQ(rec.dev[2].last_seen, c);
	}
	tfa_record_wipe(&rec);
}

/*
 * A store of alice with 3 devices (sshd, 192.0.2.0 to .2, seen at t); the
 * first len bytes of her database into db, and how many there were.
 */
static ssize_t
alice_with_devices(struct fixture *fx, const char *tag, int64_t t, char *db,
    size_t len)
{
	struct tfa_record rec;
	struct tfa_device *d;
	size_t i;

	fx_init(fx, tag);
	make_record(&rec, 0);
	for (i = 0; i < 3; i++) {
		CHECK((d = tfa_record_add_device(&rec)) != NULL);
		snprintf(d->service, sizeof(d->service), "sshd");
		snprintf(d->rhost, sizeof(d->rhost), "192.0.2.%zu", i);
		d->first_seen = d->last_seen = t;
	}
	CHECK_EQ(save(fx, "alice", &rec), TFA_OK);
	tfa_record_wipe(&rec);
	return slurp(fx_path(fx, "alice.db"), db, len);
}

/*
 * A login's change to one device goes to the overlay, and the next
 * login's overlay keeps the earlier change beside its own; a device set
 * back to what the database holds leaves the overlay.
 */
static void
test_overlay_lists(void)
{
	struct fixture fx;
	struct tfa_record rec;
	char db0[8192], db1[8192];
	ssize_t n0, n1;
	int64_t t = tfa_now();

	n0 = alice_with_devices(&fx, "store-ovl-lists", t, db0, sizeof(db0));
	CHECK(n0 > 0);
	seen(&fx, 0, t + 10);
	check_seen(&fx, t + 10, t, t);
	seen(&fx, 2, t + 30);
	check_seen(&fx, t + 10, t, t + 30);
	seen(&fx, 0, t);
	check_seen(&fx, t, t, t + 30);
	n1 = slurp(fx_path(&fx, "alice.db"), db1, sizeof(db1));
	CHECK(n1 == n0 && memcmp(db0, db1, (size_t)n0) == 0);
	CHECK_EQ(log_count, 0);

	/* a device removed: a new database without it */
	{
		struct tfa_store *st;

		CHECK_EQ(tfa_store_lock(&fx.cfg, &tlog, "alice", &st), TFA_OK);
		CHECK_EQ(tfa_store_load(st, &rec), TFA_OK);
		tfa_record_remove_device(&rec, 1);
		CHECK_EQ(tfa_store_save(st, &rec), TFA_OK);
		tfa_record_wipe(&rec);
		tfa_store_close(&st);
	}
	CHECK_EQ(tfa_store_read(&fx.cfg, &tlog, "alice", &rec), TFA_OK);
	CHECK_EQ(rec.n_dev, 2);
	if (rec.n_dev == 2)
		CHECK_EQ(rec.dev[1].last_seen, t + 30);
	tfa_record_wipe(&rec);
	fx_done(&fx);
}

/* Wait until every file made so far is old enough to be kept. */
static void
settle(void)
{
	struct timespec t0, now;

	clock_gettime(CLOCK_REALTIME, &t0);
	do {
		usleep(100 * 1000);
		clock_gettime(CLOCK_REALTIME, &now);
	} while (now.tv_sec - t0.tv_sec < 3);
}

/* alice's failure count read n times; how many times alice.db was opened. */
static unsigned
reads_opening(const struct fixture *fx, unsigned n, long want)
{
	tfa_test_counted = "alice.db";
	tfa_test_opens = 0;
	while (n-- > 0)
		CHECK_EQ(read_failures(fx, "alice"), want);
	tfa_test_counted = NULL;
	return tfa_test_opens;
}

/* A login's change to alice's failure count alone: her lists untouched. */
static void
fail_once(const struct fixture *fx, unsigned failures)
{
	struct tfa_store *st;
	struct tfa_record rec;

	CHECK_EQ(tfa_store_lock(&fx->cfg, &tlog, "alice", &st), TFA_OK);
	CHECK_EQ(tfa_store_load(st, &rec), TFA_OK);
	CHECK(rec.shared != NULL);
	rec.failures = failures;
	CHECK_EQ(tfa_store_save(st, &rec), TFA_OK);
	tfa_record_wipe(&rec);
	tfa_store_close(&st);
}

/*
 * Readers of a kept database share its decoded lists instead of copying
 * them; an overlay's device changes are decoded once into a view that the
 * next readers share while the overlay changes them the same way; and a
 * save that leaves the lists alone keeps the overlay's device changes.
 */
static void
test_shared_lists(void)
{
	struct fixture fx;
	struct tfa_record rec, r1, r2;
	struct tfa_device *d;
	char db0[8192], db1[8192];
	ssize_t n0, n1;
	int64_t t = tfa_now();

	n0 = alice_with_devices(&fx, "store-shared", t, db0, sizeof(db0));
	settle();

	/* two readers, one copy of the lists */
	CHECK_EQ(tfa_store_read(&fx.cfg, &tlog, "alice", &r1), TFA_OK);
	CHECK_EQ(tfa_store_read(&fx.cfg, &tlog, "alice", &r2), TFA_OK);
	CHECK(r1.shared != NULL && r1.dev == r2.dev && r1.n_dev == 3);
	tfa_record_wipe(&r2);

	/* the state alone changes: the lists are still the database's */
	fail_once(&fx, 2);
	CHECK_EQ(tfa_store_read(&fx.cfg, &tlog, "alice", &r2), TFA_OK);
	CHECK(r2.failures == 2 && r2.dev == r1.dev);
	tfa_record_wipe(&r2);

	/* a device's change: a view, shared by the readers that follow */
	seen(&fx, 1, t + 40);
	CHECK_EQ(tfa_store_read(&fx.cfg, &tlog, "alice", &r2), TFA_OK);
	CHECK_EQ(tfa_store_read(&fx.cfg, &tlog, "alice", &rec), TFA_OK);
	CHECK(r2.dev != r1.dev && rec.dev == r2.dev);
	CHECK(r2.n_dev == 3 && r2.dev[1].last_seen == t + 40);
	CHECK_EQ(r1.dev[1].last_seen, t);	/* the old reader's, as read */
	tfa_record_wipe(&rec);

	/* a save of the state alone keeps the device's change */
	fail_once(&fx, 3);
	check_seen(&fx, t, t + 40, t);
	CHECK_EQ(read_failures(&fx, "alice"), 3);
	CHECK_EQ(tfa_store_read(&fx.cfg, &tlog, "alice", &rec), TFA_OK);
	CHECK(rec.dev == r2.dev);	/* the same change: the same view */
	tfa_record_wipe(&rec);

	/* the same device changed again: a new view, never the old one */
	seen(&fx, 1, t + 50);
	check_seen(&fx, t, t + 50, t);
	seen(&fx, 2, t + 60);
	check_seen(&fx, t, t + 50, t + 60);
	fail_once(&fx, 4);
	check_seen(&fx, t, t + 50, t + 60);
	seen(&fx, 1, t);	/* back to the database's value */
	check_seen(&fx, t, t, t + 60);
	CHECK_EQ(r2.dev[1].last_seen, t + 40);
	tfa_record_wipe(&r1);
	tfa_record_wipe(&r2);

	/* all of it in the overlay: the database was never rewritten */
	n1 = slurp(fx_path(&fx, "alice.db"), db1, sizeof(db1));
	CHECK(n0 > 0 && n1 == n0 && memcmp(db0, db1, (size_t)n0) == 0);
	CHECK_EQ(read_failures(&fx, "alice"), 4);

	/*
	 * A new device writes a new database; a second save through the same
	 * handle compares with what the first wrote, and goes to the overlay.
	 */
	{
		struct tfa_store *st;
		struct stat s0, s1, s2;

		CHECK_EQ(stat(fx_path(&fx, "alice.db"), &s0), 0);
		CHECK_EQ(tfa_store_lock(&fx.cfg, &tlog, "alice", &st), TFA_OK);
		CHECK_EQ(tfa_store_load(st, &rec), TFA_OK);
		CHECK((d = tfa_record_add_device(&rec)) != NULL);
		snprintf(d->service, sizeof(d->service), "sshd");
		d->first_seen = d->last_seen = t;
		CHECK_EQ(tfa_store_save(st, &rec), TFA_OK);
		CHECK_EQ(stat(fx_path(&fx, "alice.db"), &s1), 0);
		CHECK(s1.st_ino != s0.st_ino);	/* renamed into place */
		rec.failures = 5;
		CHECK_EQ(tfa_store_save(st, &rec), TFA_OK);
		CHECK_EQ(stat(fx_path(&fx, "alice.db"), &s2), 0);
		CHECK(s2.st_ino == s1.st_ino);
		tfa_record_wipe(&rec);
		tfa_store_close(&st);
	}
	CHECK_EQ(tfa_store_read(&fx.cfg, &tlog, "alice", &rec), TFA_OK);
	CHECK(rec.n_dev == 4 && rec.failures == 5);
	CHECK(rec.n_dev == 4 && rec.dev[0].last_seen == t &&
	    rec.dev[2].last_seen == t + 60);
	tfa_record_wipe(&rec);
	CHECK_EQ(log_count, 0);

	/*
	 * Hostile device entries in a slot: refused and logged, and the
	 * view the kept database holds for the good slot is not touched.
	 */
	settle();
	seen(&fx, 1, t + 70);
	CHECK_EQ(tfa_store_read(&fx.cfg, &tlog, "alice", &r1), TFA_OK);
	{
		static const struct {
			const char *payload;
			size_t len;
		} bad[] = {
			{ "dev.2\0kind=host\0", 16 },	/* fields missing */
			{ "dev.9\0kind=host\0", 16 },	/* no such device */
			{ NULL, 0 },	/* the good device entry twice */
		};
		struct tfa_ovl good;
		char twice[2 * TFA_OVL_PAYLOAD];
		const char *k0, *v0, *dev2 = NULL;
		size_t k, pos = 0, n = 0;
		int fd = open(fx_path(&fx, "alice.st"), O_RDONLY);

		CHECK(fd >= 0 && tfa_ovl_read(fd, TFA_OVL_FILE, db_gen(&fx),
		    &good) == TFA_OK && good.len > 0);
		if (fd >= 0)
			close(fd);
		while (tfa_ovl_next(good.payload, good.len, &pos, &k0, &v0))
			if (strcmp(k0, "dev.2") == 0) {
				dev2 = k0;
				n = strlen(k0) + strlen(v0) + 2;
			}
		CHECK(dev2 != NULL);
		for (k = 0; dev2 != NULL && k < sizeof(bad) / sizeof(bad[0]);
		    k++) {
			log_count = 0;
			if (bad[k].payload != NULL) {
				plant_slot(&fx, bad[k].payload, bad[k].len);
			} else {
				memcpy(twice, dev2, n);
				memcpy(twice + n, dev2, n);
				plant_slot(&fx, twice, 2 * n);
			}
			CHECK_EQ(tfa_store_read(&fx.cfg, &tlog, "alice", &rec),
			    TFA_ERR_CORRUPT);
			CHECK_EQ(log_count, 1);
			CHECK(strstr(log_last, "record is corrupt") != NULL);
		}
		plant_slot(&fx, good.payload, good.len);
	}
	CHECK_EQ(tfa_store_read(&fx.cfg, &tlog, "alice", &rec), TFA_OK);
	CHECK(rec.dev == r1.dev && rec.dev[1].last_seen == t + 70);
	tfa_record_wipe(&rec);
	tfa_record_wipe(&r1);
	fx_done(&fx);
}

#define KEPT_USERS 80	/* more than the store keeps */

/*
 * The store keeps what it read of a database that has not changed for a
 * while, and uses it while the name gives the same file: the overlay is
 * still read every time, and any change (a new database, an edit in
 * place, a mode, a link, a symlink, a database removed and made again
 * between peek and lock) is seen at once.  A database just written is
 * read every time.
 */
static void
test_kept(void)
{
	struct fixture fx;
	struct tfa_record rec;
	struct tfa_store *st;
	char user[32], real[PATH_MAX];
	unsigned i;
	long edited;

	fx_with_alice(&fx, "store-kept");
	for (i = 0; i < KEPT_USERS; i++) {
		snprintf(user, sizeof(user), "u%u", i);
		make_record(&rec, i);
		CHECK_EQ(save(&fx, user, &rec), TFA_OK);
	}
	/* just written: read every time */
	CHECK_EQ(reads_opening(&fx, 3, 7), 3);

	settle();
	CHECK_EQ(reads_opening(&fx, 3, 7), 1);
	/* a change in the overlay: seen, the database not read again */
	CHECK_EQ(change(&fx, 9, false), TFA_OK);
	CHECK_EQ(reads_opening(&fx, 2, 9), 0);
	/* peek and load from what was kept, nothing changed in between */
	tfa_test_counted = "alice.db";
	tfa_test_opens = 0;
	peek_change_load(&fx, 10, false);
	CHECK_EQ(tfa_test_opens, 0);
	tfa_test_counted = NULL;
	CHECK_EQ(reads_opening(&fx, 1, 11), 0);

	/* many users, more than are kept: each reads its own */
	for (unsigned round = 0; round < 2; round++)
		for (i = 0; i < KEPT_USERS; i++) {
			snprintf(user, sizeof(user), "u%u", i);
			CHECK_EQ(read_failures(&fx, user), (long)i);
		}

	/* a new database: read, and read every time while it is new */
	CHECK_EQ(change(&fx, 12, true), TFA_OK);
	CHECK_EQ(reads_opening(&fx, 2, 12), 2);
	settle();
	CHECK_EQ(reads_opening(&fx, 2, 12), 1);

	/* edited in place behind the store, same inode: seen */
	CHECK_EQ(change(&fx, 14, false), TFA_OK);
	CHECK_EQ(reads_opening(&fx, 1, 14), 0);
	set_gen(&fx, "0123456789abcdef");	/* no longer the overlay's */
	CHECK_EQ(read_failures(&fx, "alice"), 12);
	CHECK_EQ(change(&fx, 13, true), TFA_OK);
	settle();
	CHECK_EQ(reads_opening(&fx, 2, 13), 1);

	/* kept, then made readable by others: refused */
	CHECK(chmod(fx_path(&fx, "alice.db"), 0640) == 0);
	CHECK_EQ(read_failures(&fx, "alice"), -1 - (long)TFA_ERR_UNSAFE);
	CHECK(chmod(fx_path(&fx, "alice.db"), 0600) == 0);
	CHECK_EQ(read_failures(&fx, "alice"), 13);
	/* a second link: refused */
	CHECK(link(fx_path(&fx, "alice.db"), fx_path(&fx, "alice.lnk")) == 0);
	CHECK_EQ(read_failures(&fx, "alice"), -1 - (long)TFA_ERR_UNSAFE);
	CHECK(unlink(fx_path(&fx, "alice.lnk")) == 0);
	CHECK_EQ(read_failures(&fx, "alice"), 13);
	settle();
	CHECK_EQ(reads_opening(&fx, 2, 13), 1);
	/* the name now a symlink to the same database: refused */
	fx_keep(&fx, "alice.real", real);
	CHECK(rename(fx_path(&fx, "alice.db"), real) == 0);
	CHECK(symlink(real, fx_path(&fx, "alice.db")) == 0);
	CHECK_EQ(read_failures(&fx, "alice"), -1 - (long)TFA_ERR_UNSAFE);
	CHECK(unlink(fx_path(&fx, "alice.db")) == 0);
	CHECK(rename(real, fx_path(&fx, "alice.db")) == 0);
	CHECK_EQ(read_failures(&fx, "alice"), 13);

	/* peek from what was kept; removed and made again before the lock */
	settle();
	CHECK_EQ(reads_opening(&fx, 2, 13), 1);
	CHECK_EQ(tfa_store_open(&fx.cfg, &tlog, "alice", &st), TFA_OK);
	CHECK_EQ(tfa_store_peek(st, &rec), TFA_OK);
	CHECK_EQ(rec.failures, 13);
	tfa_record_wipe(&rec);
	remove_alice(&fx);
	make_record(&rec, 3);
	CHECK_EQ(save(&fx, "alice", &rec), TFA_OK);
	CHECK_EQ(tfa_store_take_lock(st), TFA_OK);
	CHECK_EQ(tfa_store_load(st, &rec), TFA_OK);
	CHECK_EQ(rec.failures, 3);
	tfa_record_wipe(&rec);
	tfa_store_close(&st);
	/*
	 * peek from what was kept; the database edited in place, outside the
	 * lock, before the lock (which nothing of pam_tfa does): the overlay
	 * is unchanged, so the login goes on with what it read and its own
	 * change goes to a slot of that generation, which the edited database
	 * does not have.  The edit is not undone: the next reader sees it (3),
	 * or, had the login looked again, the login's change on top (5).
	 */
	CHECK_EQ(change(&fx, 4, false), TFA_OK);
	CHECK_EQ(tfa_store_open(&fx.cfg, &tlog, "alice", &st), TFA_OK);
	CHECK_EQ(tfa_store_peek(st, &rec), TFA_OK);
	CHECK_EQ(rec.failures, 4);
	tfa_record_wipe(&rec);
	set_gen(&fx, "0123456789abcdef");	/* no longer the overlay's */
	CHECK_EQ(tfa_store_take_lock(st), TFA_OK);
	CHECK_EQ(tfa_store_load(st, &rec), TFA_OK);
	rec.failures = 5;
	CHECK_EQ(tfa_store_save(st, &rec), TFA_OK);
	tfa_record_wipe(&rec);
	tfa_store_close(&st);
	edited = read_failures(&fx, "alice");
	CHECK(edited == 3 || edited == 5);
	/* peek from what was kept; a new database before the lock */
	settle();
	CHECK_EQ(reads_opening(&fx, 2, edited), 1);
	peek_change_load(&fx, 20, true);
	CHECK_EQ(read_failures(&fx, "alice"), 21);
	fx_done(&fx);
}

int
main(void)
{
	umask(022);
	test_read_unknown();
	test_round_trip();
	test_file_names();
	test_list();
	test_delete();
	test_dead_mark();
	test_reset_killed();
	test_reset_refused();
	test_stale_read();
	test_save_unloaded();
	test_sync_fails();
	test_lock_waits();
	test_no_lost_update();
	test_refuse_dir();
	test_refuse_record_symlink();
	test_refuse_record_attrs();
	test_refuse_record_types();
	test_refuse_lock_file();
	test_corrupt_records();
	test_stale_tmp();
	test_overlay();
	test_overlay_lists();
	test_generation();
	test_peek_then_load();
	test_kept();
	test_shared_lists();
	test_lock_after_delete();
	test_kill_9();
	return tfa_check_done();
}

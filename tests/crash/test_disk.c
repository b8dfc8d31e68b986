/*
 * A store that cannot be written, through the built module: on a full
 * 64 KiB tmpfs, on a tmpfs remounted read-only, and behind a read-only
 * bind mount (with no overlay, the lock file, yet).  A login with the right
 * code that must write what it cannot (a new device entry on the full
 * disk; anything on a read-only one) must fail closed (PAM_AUTH_ERR) with
 * a log line naming the cause, leave the record and its overlay byte for
 * byte as they were and no temporary file; one that only changes what is
 * there (a wrong code's count, a known device's login) is written in
 * place, full or not.  Once space is freed or the store writable again,
 * the same code must log in: nothing was consumed and no lock was left
 * behind.  Logins run in a child, so a crash (SIGBUS on a full tmpfs) is a
 * result, not the end of the test.
 *
 * The mounts live in a private mount namespace, so none outlives the
 * test however it ends: root's own, or, without root, one inside a new
 * user namespace (where this process is root over its own files).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <security/pam_appl.h>

#include "check.h"
#include "pamfx.h"
#include "store.h"
#include "totp.h"

#define WATCHDOG 60

static int tried, held;		/* logins on an unwritable store, failed closed */

/* A login in a child, so a crash (SIGBUS on a full tmpfs) is a result. */
static int
login_in_child(const char *service, const char *user, const char *answer,
    int *prompts)
{
	struct pamtest_conv c = { 0 };
	int p[2], r = -1;
	pid_t pid;

	if (pipe(p) != 0)
		abort();
	fflush(stdout);
	alarm(WATCHDOG);
	if ((pid = fork()) == 0) {
		close(p[0]);
		r = pamfx_login(service, user, answer, &c);
		if (write(p[1], &c.prompts, sizeof(c.prompts)) < 0)
			_exit(101);
		_exit(r < 0 ? 100 : r);
	}
	close(p[1]);
	if (read(p[0], prompts, sizeof(*prompts)) != sizeof(*prompts))
		*prompts = -1;
	close(p[0]);
	r = pamfx_wait(pid);
	alarm(0);
	if (r >= 128)
		printf("# the login died of signal %d\n", r - 128);
	return r;
}

/* A tfa_config for a store somewhere else. */
static struct tfa_config
config_for(const char *store)
{
	struct tfa_config c = fx.cfg;

	if (tfa_strlcpy(c.store_dir, store, sizeof(c.store_dir)))
		abort();
	return c;
}

/* Enroll user into store; its secret goes into t. */
static void
enroll_in(const char *store, const char *user, struct tfa_totp *t)
{
	struct tfa_config saved = fx.cfg;

	fx.cfg = config_for(store);
	pamfx_enroll(user, t, NULL, 0);
	fx.cfg = saved;
}

/* No file, or one of zero bytes only (an overlay begun, holding no slot). */
static bool
holds_nothing(const char *path)
{
	size_t n, i;
	char *now = pamfx_slurp(path, &n);
	bool none = now == NULL;

	for (i = 0; !none && i < n && now[i] == '\0'; i++)
		;
	free(now);
	return none || i == n;
}

static bool
same_bytes(const char *path, const char *before, size_t len)
{
	size_t n;
	char *now = pamfx_slurp(path, &n);
	bool same = now != NULL && n == len && memcmp(now, before, len) == 0;

	free(now);
	return same;
}

/*
 * Log in with the right code while the store cannot be written: refused,
 * logged with `why`, the record unchanged and no temporary file left.
 */
static void
fails_closed(const char *what, const char *store, const char *user,
    const char *service, const char *code, const char *why)
{
	char db[PATH_MAX], ovl[PATH_MAX], tmp[PATH_MAX], *before, *log;
	char *ovl_before;
	size_t len, ovl_len = 0;
	off_t mark = pamfx_log_mark();
	int r, prompts, ok;

	printf("# %s\n", what);
	snprintf(db, sizeof(db), "%s/%s.db", store, user);
	snprintf(tmp, sizeof(tmp), "%s/%s.tmp", store, user);
	snprintf(ovl, sizeof(ovl), "%s/%s.st", store, user);
	before = pamfx_slurp(db, &len);
	ovl_before = pamfx_slurp(ovl, &ovl_len);	/* NULL: none yet */
	r = login_in_child(service, user, code, &prompts);
	log = pamfx_log_since(mark);
	ok = CHECK_EQ(r, PAM_AUTH_ERR);
	ok &= CHECK_EQ(prompts, 1);
	if (!CHECK(strstr(log, why) != NULL)) {
		printf("# wanted \"%s\" in:\n%s", why, log);
		ok = 0;
	}
	ok &= CHECK(strstr(log, "result=error") != NULL);
	ok &= CHECK(before != NULL && same_bytes(db, before, len));
	ok &= CHECK(ovl_before == NULL ? holds_nothing(ovl) :
	    same_bytes(ovl, ovl_before, ovl_len));
	ok &= CHECK(access(tmp, F_OK) != 0);
	tried++;
	held += ok;
	free(before);
	free(ovl_before);
	free(log);
}

/*
 * A wrong code on a full disk: refused, and counted in the overlay, which
 * has its blocks already; the database is not touched.
 */
static void
wrong_counted_in_place(const char *store, const char *user, const char *code)
{
	char db[PATH_MAX], *before, *log;
	struct tfa_config cfg;
	struct tfa_record rec;
	size_t len;
	off_t mark = pamfx_log_mark();
	int prompts;

	printf("# full disk: a wrong code\n");
	snprintf(db, sizeof(db), "%s/%s.db", store, user);
	before = pamfx_slurp(db, &len);
	CHECK_EQ(login_in_child("tfa-disk", user, code, &prompts),
	    PAM_AUTH_ERR);
	log = pamfx_log_since(mark);
	CHECK(strstr(log, "result=wrong-code") != NULL);
	CHECK(strstr(log, "No space left") == NULL);
	CHECK(before != NULL && same_bytes(db, before, len));
	cfg = config_for(store);
	CHECK(tfa_store_read(&cfg, NULL, user, &rec) == TFA_OK &&
	    rec.failures == 1);
	tfa_record_wipe(&rec);
	free(before);
	free(log);
}

/* Fill the file system filler is on to its last byte; how many it took. */
static long
fill(const char *filler)
{
	char buf[4096];
	long filled = 0;
	ssize_t n;
	int fd;

	memset(buf, 'x', sizeof(buf));
	if ((fd = open(filler, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0)
		abort();
	while ((n = write(fd, buf, sizeof(buf))) > 0)
		filled += n;
	CHECK(n < 0 && errno == ENOSPC);
	while (write(fd, buf, 1) == 1)
		filled++;
	close(fd);
	return filled;
}

static void
test_full_disk(void)
{
	char mnt[1024], store[1100], filler[1100], args[1200], code[16];
	struct tfa_totp t;
	int prompts;
	long filled;

	snprintf(mnt, sizeof(mnt), "%s", pamfx_path(fx.dir, "full"));
	snprintf(store, sizeof(store), "%s/store", mnt);
	snprintf(filler, sizeof(filler), "%s/filler", mnt);
	if (mkdir(mnt, 0700) != 0 || mount("tfa-test", mnt, "tmpfs",
	    MS_NOSUID | MS_NODEV, "size=64k,mode=0700") != 0) {
		printf("not ok - cannot mount a 64 KiB tmpfs: %s\n",
		    strerror(errno));
		return;
	}
	CHECK(mkdir(store, 0700) == 0);
	snprintf(args, sizeof(args), "StoreDir=%s", store);
	pamtest_stack("tfa-disk", "", args);
	enroll_in(store, "dana", &t);
	filled = fill(filler);
	printf("# tmpfs full after %ld bytes of filler\n", filled);

	/* the first login from this host lists it: a new entry needs space */
	pamfx_now += 60;
	snprintf(code, sizeof(code), "%s", pamtest_code(&t, pamfx_now));
	fails_closed("full disk: the right code, a device to list", store,
	    "dana", "tfa-disk", code, "No space left on device");
	/* a wrong code changes what is there, in place: it is counted */
	wrong_counted_in_place(store, "dana", pamfx_wrong(&t, pamfx_now));
	/* space again: the same code works, nothing was used up or locked */
	CHECK(unlink(filler) == 0);
	CHECK_EQ(login_in_child("tfa-disk", "dana", code, &prompts),
	    PAM_SUCCESS);

	/*
	 * Full again, the device listed: a login's state is written in place
	 * into the overlay, which was made with the record, so logins go on,
	 * each one durable: its code is refused the second time.
	 */
	filled = fill(filler);
	printf("# tmpfs full again after %ld bytes of filler\n", filled);
	pamfx_now += 60;
	snprintf(code, sizeof(code), "%s", pamtest_code(&t, pamfx_now));
	CHECK_EQ(login_in_child("tfa-disk", "dana", code, &prompts),
	    PAM_SUCCESS);
	CHECK_EQ(login_in_child("tfa-disk", "dana", code, &prompts),
	    PAM_AUTH_ERR);
	CHECK(unlink(filler) == 0);
	CHECK(umount2(mnt, MNT_DETACH) == 0);
}

static void
test_read_only(void)
{
	char mnt[1024], store[1100], args[1200], lock[1200], code[16];
	struct tfa_totp t;
	int prompts;

	snprintf(mnt, sizeof(mnt), "%s", pamfx_path(fx.dir, "ro"));
	snprintf(store, sizeof(store), "%s/store", mnt);
	snprintf(lock, sizeof(lock), "%s/rita.st", store);	/* the lock */
	if (mkdir(mnt, 0700) != 0 || mount("tfa-test", mnt, "tmpfs",
	    MS_NOSUID | MS_NODEV, "size=1m,mode=0700") != 0) {
		printf("not ok - cannot mount a tmpfs: %s\n", strerror(errno));
		return;
	}
	CHECK(mkdir(store, 0700) == 0);
	snprintf(args, sizeof(args), "StoreDir=%s", store);
	pamtest_stack("tfa-ro", "", args);
	enroll_in(store, "rita", &t);

	/* the whole file system read-only */
	pamfx_now += 60;
	snprintf(code, sizeof(code), "%s", pamtest_code(&t, pamfx_now));
	CHECK(mount("none", mnt, "none", MS_REMOUNT | MS_RDONLY | MS_NOSUID |
	    MS_NODEV, NULL) == 0);
	fails_closed("read-only file system, lock file present", store,
	    "rita", "tfa-ro", code, "Read-only file system");
	CHECK(mount("none", mnt, "none", MS_REMOUNT | MS_NOSUID | MS_NODEV,
	    NULL) == 0);
	CHECK_EQ(login_in_child("tfa-ro", "rita", code, &prompts),
	    PAM_SUCCESS);

	/* the store behind a read-only bind mount, and no lock file (the
	 * overlay) yet */
	pamfx_now += 60;
	snprintf(code, sizeof(code), "%s", pamtest_code(&t, pamfx_now));
	CHECK(unlink(lock) == 0);
	CHECK(mount(store, store, "none", MS_BIND, NULL) == 0);
	CHECK(mount("none", store, "none", MS_REMOUNT | MS_BIND | MS_RDONLY,
	    NULL) == 0);
	fails_closed("read-only bind mount, no lock file", store, "rita",
	    "tfa-ro", code, "rita.st: cannot open: Read-only file system");
	CHECK(umount2(store, 0) == 0);
	CHECK_EQ(login_in_child("tfa-ro", "rita", code, &prompts),
	    PAM_SUCCESS);
	CHECK(umount2(mnt, MNT_DETACH) == 0);
}

/* "0 ID 1" into /proc/self/FILE. */
static bool
map_id(const char *file, unsigned id)
{
	char path[64], text[64];
	int fd, n;
	bool ok;

	snprintf(path, sizeof(path), "/proc/self/%s", file);
	n = snprintf(text, sizeof(text), "0 %u 1\n", id);
	if ((fd = open(path, O_WRONLY)) < 0)
		return false;
	ok = write(fd, text, (size_t)n) == n;
	close(fd);
	return ok;
}

/*
 * A private mount namespace; without root, inside a user namespace that
 * maps us to its root, so the store's owner checks still hold.
 */
static bool
private_mounts(void)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	int fd;

	if (uid != 0) {
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0)
			return false;
		if ((fd = open("/proc/self/setgroups", O_WRONLY)) >= 0) {
			if (write(fd, "deny", 4) != 4)
				return false;
			close(fd);
		}
		if (!map_id("uid_map", uid) || !map_id("gid_map", gid))
			return false;
	} else if (unshare(CLONE_NEWNS) != 0) {
		return false;
	}
	return mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) == 0;
}

int
main(void)
{
	struct tfa_totp t;
	int prompts;
	bool root = geteuid() == 0;

	pamfx_on_alarm("not ok - a login hung: stale lock?\n");
	pamfx_init("disk", "");
	/* the fixture itself logs in, before anything is taken away */
	pamtest_stack("tfa-disk-base", "", "");
	pamfx_enroll("base", &t, NULL, 0);
	pamfx_now += 60;
	CHECK_EQ(login_in_child("tfa-disk-base", "base",
	    pamtest_code(&t, pamfx_now), &prompts), PAM_SUCCESS);
	if (!private_mounts()) {
		printf("# private mount namespace: %s\n", strerror(errno));
		tfa_skip("full disk and read-only store: no mount namespace "
		    "(not root, and no user namespaces here)");
		return pamfx_done();
	}
	printf("# mounts in a private namespace%s\n", root ? "" :
	    ", inside a user namespace");
	test_full_disk();
	test_read_only();
	printf("unwritable store: %d logins with the right code, %d failed "
	    "closed with the cause logged and the record unchanged\n", tried,
	    held);
	return pamfx_done();
}

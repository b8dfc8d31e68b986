/*
 * Filesystem attacks on the store, through the built module: symlinks in
 * place of the store, a record, its overlay (the lock) or its temporary
 * file; hard links;
 * other owners; group or world access; a FIFO, a socket, a device, a
 * directory or a huge sparse file where a record or overlay should be; a
 * config file that is any of those.
 *
 * Every attempt uses the right code.  Each must be refused with
 * PAM_AUTH_ERR (fail closed: not PAM_IGNORE, which would let the stack go
 * on), log a line saying why, follow nothing (the target of a planted link
 * is byte for byte and inode for inode unchanged) and write nothing: once
 * the attack is undone, the same code still logs in.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>

#include <security/pam_appl.h>

#include "check.h"
#include "pamfx.h"
#include "store.h"
#include "totp.h"

static struct tfa_totp t_alice;
static char code[16];
static char db[PATH_MAX], tmp[PATH_MAX], victim[PATH_MAX];
static char saved[PATH_MAX];
static bool root;
static int attacks, held;	/* attacks tried, and refused as they must be */

/* What a file is, to see that it was not touched. */
struct snap {
	bool exists;
	struct stat st;
	char *bytes;
	size_t len;
};

static struct snap
snap(const char *path)
{
	struct snap s = { 0 };

	if (lstat(path, &s.st) != 0)
		return s;
	s.exists = true;
	if (S_ISREG(s.st.st_mode))
		s.bytes = pamfx_slurp(path, &s.len);
	return s;
}

static bool
same(const struct snap *a, const struct snap *b)
{
	return a->exists == b->exists && (!a->exists ||
	    (a->st.st_ino == b->st.st_ino && a->st.st_size == b->st.st_size &&
	    a->st.st_mode == b->st.st_mode &&
	    a->st.st_mtim.tv_sec == b->st.st_mtim.tv_sec &&
	    a->st.st_mtim.tv_nsec == b->st.st_mtim.tv_nsec &&
	    a->len == b->len && (a->len == 0 ||
	    memcmp(a->bytes, b->bytes, a->len) == 0)));
}

static void
snap_free(struct snap *s)
{
	free(s->bytes);
	s->bytes = NULL;
}

/* A fresh step, and its code for the next attempt. */
static void
next_code(void)
{
	pamfx_now += 60;
	snprintf(code, sizeof(code), "%s", pamtest_code(&t_alice, pamfx_now));
}

/*
 * Log in alice with the right code while the attack is in place: refused,
 * fail-closed, logged with `why`, asked for a code only when `prompted`.
 * Past the config, the login's own line says it failed; a config that
 * cannot be trusted stops everything before the user is even looked at.
 */
static void
refused_how(const char *what, const char *why, int prompted, bool summary)
{
	struct pamtest_conv c = { 0 };
	struct snap v0 = snap(victim), v1;
	off_t mark = pamfx_log_mark();
	char *log;
	int r, ok;

	printf("# attack: %s\n", what);
	next_code();
	alarm(20);
	r = pamfx_login("tfa-fs", "alice", code, &c);
	alarm(0);
	log = pamfx_log_since(mark);
	v1 = snap(victim);
	ok = CHECK_EQ(r, PAM_AUTH_ERR);
	ok &= CHECK_EQ(c.prompts, prompted);
	if (!CHECK(strstr(log, why) != NULL)) {
		printf("# wanted \"%s\" in:\n%s", why, log);
		ok = 0;
	}
	ok &= CHECK(strstr(log, "result=success") == NULL);
	if (summary)
		ok &= CHECK(strstr(log, "user=alice service=tfa-fs "
		    "rhost=192.0.2.7 method=none result=") != NULL);
	ok &= CHECK(same(&v0, &v1));
	attacks++;
	held += ok;
	snap_free(&v0);
	snap_free(&v1);
	free(log);
}

static void
refused(const char *what, const char *why, int prompted)
{
	refused_how(what, why, prompted, true);
}

static void
refused_config(const char *what, const char *why)
{
	refused_how(what, why, 0, false);
}

/* With the attack undone, the same code logs in: nothing was written. */
static void
works(void)
{
	struct pamtest_conv c = { 0 };

	alarm(20);
	CHECK_EQ(pamfx_login("tfa-fs", "alice", code, &c), PAM_SUCCESS);
	alarm(0);
}

/* Move alice's record aside, to put it back after the attack. */
static void
stash(void)
{
	if (rename(db, saved) != 0)
		abort();
}

static void
unstash(void)
{
	struct stat st;

	if (lstat(db, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			rmdir(db);
		else
			unlink(db);
	}
	if (rename(saved, db) != 0)
		abort();
}

static void
test_store_dir(void)
{
	struct snap before = snap(db), after;
	char text[PATH_MAX + 64];
	static const mode_t modes[] = { 0770, 0777, 0702, 0720, 01777 };
	size_t i;

	/* StoreDir naming a symlink to the real store */
	CHECK(symlink(fx.store, pamfx_path(fx.dir, "store-link")) == 0);
	snprintf(text, sizeof(text), "StoreDir = %s/store-link\n", fx.dir);
	tfa_test_write(fx.conffile, text, 0600);
	refused("StoreDir is a symlink to the store",
	    "store-link: cannot open: is a symbolic link", 0);
	pamtest_conf_bare("");
	after = snap(db);
	CHECK(same(&before, &after));
	snap_free(&after);
	works();

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		char what[64];

		snprintf(what, sizeof(what), "store directory mode %04o",
		    (unsigned)modes[i]);
		CHECK(chmod(fx.store, modes[i]) == 0);
		next_code();
		refused(what, "must be a directory owned by uid", 0);
		CHECK(chmod(fx.store, 0700) == 0);
		works();
	}
	if (!root) {
		tfa_skip("store directory owned by another user: needs root");
	} else {
		CHECK(chown(fx.store, 65534, 65534) == 0);
		refused("store directory owned by uid 65534",
		    "must be a directory owned by uid 0", 0);
		CHECK(chown(fx.store, 0, 0) == 0);
		works();
	}
	/* StoreDir naming a regular file */
	snprintf(text, sizeof(text), "StoreDir = %s\n", victim);
	tfa_test_write(fx.conffile, text, 0600);
	refused("StoreDir is a regular file", "cannot open: Not a directory",
	    0);
	pamtest_conf_bare("");
	works();
	snap_free(&before);
}

static void
test_record_links(void)
{
	struct snap other;
	char bob[PATH_MAX];
	struct tfa_totp t_bob;

	/* a symlink to a file outside the store: a copy of a real record */
	stash();
	CHECK(symlink(victim, db) == 0);
	refused("record is a symlink to a file outside the store",
	    "alice.db: cannot open: is a symbolic link", 0);
	unstash();
	works();

	/* a symlink to another user's record */
	pamfx_enroll("bob", &t_bob, NULL, 0);
	snprintf(bob, sizeof(bob), "%s", pamfx_path(fx.store, "bob.db"));
	other = snap(bob);
	stash();
	CHECK(symlink("bob.db", db) == 0);
	refused("record is a symlink to another user's record",
	    "alice.db: cannot open: is a symbolic link", 0);
	unstash();
	{
		struct snap now = snap(bob);

		CHECK(same(&other, &now));
		snap_free(&now);
	}
	snap_free(&other);
	works();

	/* a dangling symlink: nothing is created at its target */
	stash();
	CHECK(symlink(pamfx_path(fx.dir, "created-by-module"), db) == 0);
	refused("record is a dangling symlink",
	    "alice.db: cannot open: is a symbolic link", 0);
	CHECK(access(pamfx_path(fx.dir, "created-by-module"), F_OK) != 0);
	unstash();
	works();

	/* a second hard link, inside the store and from outside it */
	CHECK(link(db, pamfx_path(fx.store, "alice-copy")) == 0);
	refused("record has a second hard link in the store",
	    "alice.db: has more than one link; refusing it", 0);
	CHECK(unlink(pamfx_path(fx.store, "alice-copy")) == 0);
	works();
	stash();
	CHECK(link(victim, db) == 0);
	refused("record is a hard link to a file outside the store",
	    "alice.db: has more than one link; refusing it", 0);
	unstash();
	works();
}

static void
test_record_attrs(void)
{
	static const mode_t modes[] = { 0640, 0604, 0660, 0666, 0610, 0601 };
	size_t i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		char what[64];

		snprintf(what, sizeof(what), "record mode %04o",
		    (unsigned)modes[i]);
		CHECK(chmod(db, modes[i]) == 0);
		refused(what, "alice.db: mode allows group or other access", 0);
		CHECK(chmod(db, 0600) == 0);
		works();
	}
	if (!root) {
		tfa_skip("record owned by another user: needs root");
		return;
	}
	CHECK(chown(db, 65534, 0) == 0);
	refused("record owned by uid 65534", "alice.db: wrong owner", 0);
	CHECK(chown(db, 0, 0) == 0);
	works();
}

static void
test_record_types(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	stash();
	CHECK(mkfifo(db, 0600) == 0);
	refused("record is a FIFO (must not hang)",
	    "alice.db: not a regular file", 0);
	unstash();
	works();

	stash();
	CHECK(mkdir(db, 0700) == 0);
	refused("record is a directory", "alice.db: not a regular file", 0);
	unstash();
	works();

	stash();
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (strlen(db) >= sizeof(sa.sun_path)) {
		tfa_skip("record is a socket: path too long for AF_UNIX");
	} else {
		memcpy(sa.sun_path, db, strlen(db) + 1);
		CHECK(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
		refused("record is a socket",
		    "alice.db: cannot open: No such device or address", 0);
	}
	close(fd);
	unstash();
	works();

	if (!root) {
		tfa_skip("record is a device node: needs root");
	} else {
		stash();
		CHECK(mknod(db, S_IFCHR | 0600, makedev(1, 3)) == 0);
		refused("record is /dev/null's device node",
		    "alice.db: not a regular file", 0);
		unstash();
		works();
	}

	/* sparse giants: refused on their size, never read */
	stash();
	tfa_test_write(db, "", 0600);
	CHECK(truncate(db, 9L << 20) == 0);
	refused("record is a 9 MiB sparse file", "alice.db: too large", 0);
	CHECK(truncate(db, 1L << 40) == 0);
	refused("record is a 1 TiB sparse file", "alice.db: too large", 0);
	unstash();
	works();

	/* not a database, an empty file, half a database */
	{
		size_t len;
		char *bytes = pamfx_slurp(db, &len);

		stash();
		tfa_test_write(db, "this is not a gdbm database\n", 0600);
		refused("record is not a database",
		    "alice.db: not a readable database", 0);
		tfa_test_write(db, "", 0600);
		refused("record is empty", "alice.db: not a readable database",
		    0);
		fd = open(db, O_WRONLY | O_TRUNC);
		CHECK(fd >= 0 && write(fd, bytes, len / 2) ==
		    (ssize_t)(len / 2));
		close(fd);
		refused("record is the first half of a database", "alice.db: ",
		    0);
		unstash();
		free(bytes);
		works();
	}
}

/*
 * The overlay (the state a login writes in place, and the user's lock) is
 * held to the record's rules; it is read with the record, before the
 * prompt.
 */
static void
test_overlay_file(void)
{
	char ovl[PATH_MAX], kept[PATH_MAX];

	snprintf(ovl, sizeof(ovl), "%s", pamfx_path(fx.store, "alice.st"));
	snprintf(kept, sizeof(kept), "%s", pamfx_path(fx.dir, "alice.st.kept"));
	CHECK(access(ovl, F_OK) == 0);	/* the logins so far made it */

	CHECK(rename(ovl, kept) == 0);
	CHECK(symlink(victim, ovl) == 0);
	refused("overlay is a symlink to a file outside the store",
	    "alice.st: cannot open: is a symbolic link", 0);
	CHECK(unlink(ovl) == 0);
	CHECK(symlink(pamfx_path(fx.dir, "created-by-module"), ovl) == 0);
	refused("overlay is a dangling symlink",
	    "alice.st: cannot open: is a symbolic link", 0);
	CHECK(access(pamfx_path(fx.dir, "created-by-module"), F_OK) != 0);
	CHECK(unlink(ovl) == 0);
	CHECK(mkfifo(ovl, 0600) == 0);
	refused("overlay is a FIFO (must not hang)",
	    "alice.st: not a regular file", 0);
	CHECK(unlink(ovl) == 0);
	CHECK(mkdir(ovl, 0700) == 0);
	refused("overlay is a directory", "alice.st: not a regular file", 0);
	CHECK(rmdir(ovl) == 0);
	CHECK(rename(kept, ovl) == 0);
	works();

	CHECK(chmod(ovl, 0644) == 0);
	refused("overlay mode 0644",
	    "alice.st: mode allows group or other access", 0);
	CHECK(chmod(ovl, 0600) == 0);
	works();

	CHECK(link(ovl, pamfx_path(fx.store, "overlay-copy")) == 0);
	refused("overlay has a second hard link",
	    "alice.st: has more than one link", 0);
	CHECK(unlink(pamfx_path(fx.store, "overlay-copy")) == 0);
	works();

	if (!root) {
		tfa_skip("overlay owned by another user: needs root");
	} else {
		CHECK(chown(ovl, 65534, 0) == 0);
		refused("overlay owned by uid 65534", "alice.st: wrong owner",
		    0);
		CHECK(chown(ovl, 0, 0) == 0);
		works();
	}
}

/*
 * A change that rewrites the record whole (not a login's, which goes to
 * the overlay): the TOTP entry's creation time moves by a second.
 */
static bool
rewrite_whole(void)
{
	struct tfa_store *st = NULL;
	struct tfa_record rec;
	bool ok;

	tfa_record_init(&rec);
	ok = tfa_store_lock(&pamtest.cfg, NULL, "alice", &st) == TFA_OK &&
	    tfa_store_load(st, &rec) == TFA_OK;
	rec.totp.created++;
	ok = ok && tfa_store_save(st, &rec) == TFA_OK;
	tfa_store_close(&st);
	tfa_record_wipe(&rec);
	return ok;
}

/* A planted temporary file is removed, never written through. */
static void
test_tmp_file(void)
{
	struct snap v0 = snap(victim), v1;

	printf("# attack: temporary file is a symlink to a file outside\n");
	CHECK(symlink(victim, tmp) == 0);
	CHECK(rewrite_whole());
	v1 = snap(victim);
	CHECK(same(&v0, &v1));
	CHECK(access(tmp, F_OK) != 0 && errno == ENOENT);
	snap_free(&v1);
	next_code();
	works();

	printf("# attack: temporary file is a FIFO\n");
	CHECK(mkfifo(tmp, 0600) == 0);
	alarm(20);
	CHECK(rewrite_whole());
	alarm(0);
	CHECK(access(tmp, F_OK) != 0);
	snap_free(&v0);
	next_code();
	works();
}

/* The config file names the store, so it is held to the same rules. */
static void
test_config_file(void)
{
	char real[PATH_MAX];

	snprintf(real, sizeof(real), "%s", fx.conffile);
	CHECK(rename(real, pamfx_path(fx.dir, "real.conf")) == 0);
	CHECK(symlink("real.conf", real) == 0);
	refused_config("config file is a symlink",
	    "pam_tfa.conf: cannot open: Too many levels of symbolic links; "
	    "refusing all logins");
	CHECK(unlink(real) == 0);
	CHECK(mkfifo(real, 0600) == 0);
	refused_config("config file is a FIFO (must not hang)",
	    "pam_tfa.conf: not a regular file");
	CHECK(unlink(real) == 0);
	CHECK(rename(pamfx_path(fx.dir, "real.conf"), real) == 0);
	works();

	CHECK(chmod(real, 0622) == 0);
	refused_config("config file writable by group and others",
	    "must be owned by root and writable by its owner only");
	CHECK(chmod(real, 0600) == 0);
	works();
	if (!root) {
		tfa_skip("config file owned by another user: needs root");
	} else {
		CHECK(chown(real, 65534, 0) == 0);
		refused_config("config file owned by uid 65534",
		    "must be owned by root and writable by its owner only");
		CHECK(chown(real, 0, 0) == 0);
		works();
	}
	{
		char *big = malloc(70000);

		memset(big, '#', 69999);
		big[69999] = '\0';
		tfa_test_write(real, big, 0600);
		free(big);
		refused_config("config file of 70 000 bytes", "larger than");
		pamtest_conf_bare("");
		works();
	}
}

int
main(void)
{
	root = geteuid() == 0;
	pamfx_on_alarm("not ok - a login hung (FIFO?)\n");
	pamfx_init("fs", "");
	pamtest_stack("tfa-fs", "", "");
	pamfx_enroll("alice", &t_alice, NULL, 0);
	snprintf(db, sizeof(db), "%s", pamfx_path(fx.store, "alice.db"));
	snprintf(tmp, sizeof(tmp), "%s", pamfx_path(fx.store, "alice.tmp"));
	snprintf(saved, sizeof(saved), "%s", pamfx_path(fx.dir,
	    "alice.db.saved"));
	/* the victim: a valid record of alice's, outside the store */
	snprintf(victim, sizeof(victim), "%s", pamfx_path(fx.dir, "victim"));
	{
		size_t len;
		char *bytes = pamfx_slurp(db, &len);
		int fd = open(victim, O_WRONLY | O_CREAT | O_EXCL, 0600);

		if (bytes == NULL || fd < 0 ||
		    write(fd, bytes, len) != (ssize_t)len)
			abort();
		close(fd);
		free(bytes);
	}
	next_code();
	works();	/* makes the overlay, the lock */

	test_store_dir();
	test_record_links();
	test_record_attrs();
	test_record_types();
	test_overlay_file();
	test_tmp_file();
	test_config_file();
	printf("fs attacks: %d tried through the module, %d refused, logged, "
	    "followed nothing and wrote nothing\n", attacks, held);
	return pamfx_done();
}

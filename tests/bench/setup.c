/*
 * The benchmark's fixtures: the users, one site per filesystem (a private
 * tmpfs or /dev/shm, and the build directory's disk), and each module's
 * enrollment of every user there, with one secret per user shared by all
 * three modules.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pwd.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "bench.h"
#include "config.h"
#include "store.h"
#include "totp.h"
#include "user.h"

/*
 * pam_oath looks every user up in the passwd database before it reads its
 * file, so the users are real accounts (their names only: nothing of them
 * is touched).  Missing ones are made up and pam_oath skips them.
 */
int
bench_users(struct bench *b)
{
	struct passwd *pw;
	unsigned n = 0;

	setpwent();
	while (n < BENCH_USERS && (pw = getpwent()) != NULL) {
		if (strlen(pw->pw_name) >= sizeof(b->users[n].name) ||
		    tfa_user_check(pw->pw_name) != TFA_OK)
			continue;
		snprintf(b->users[n].name, sizeof(b->users[n].name), "%s",
		    pw->pw_name);
		b->users[n++].real = true;
	}
	endpwent();
	b->nusers_real = n;
	for (; n < BENCH_USERS; n++)
		snprintf(b->users[n].name, sizeof(b->users[n].name),
		    "tfa-bench-%02u", n);
	for (n = 0; n < BENCH_USERS; n++)
		if (tfa_totp_generate(&b->users[n].totp, bench_vnow) != TFA_OK)
			return -1;
	return 0;
}

/*
 * As root, the run gets its own mount namespace, so the tmpfs it mounts is
 * seen by no one else and goes away with the process, however it ends.
 */
int
bench_private_mounts(void)
{
	if (geteuid() != 0 || unshare(CLONE_NEWNS) != 0)
		return -1;
	if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		return -1;
	return 0;
}

static int
write_file(const char *path, const char *text, mode_t mode)
{
	char tmp[PATH_MAX + 8];
	size_t len = strlen(text);
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    mode);
	if (fd < 0)
		return -1;
	if (write(fd, text, len) != (ssize_t)len || fchmod(fd, mode) != 0) {
		close(fd);
		return -1;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0)
		return -1;
	return 0;
}

static void
describe_fs(struct bench_site *s)
{
	struct statfs sf;
	const char *type = "other";

	if (statfs(s->root, &sf) != 0) {
		snprintf(s->what, sizeof(s->what), "?");
		return;
	}
	switch ((unsigned long)sf.f_type) {
	case 0xEF53UL: type = "ext4"; break;
	case 0x01021994UL: type = "tmpfs"; break;
	case 0x58465342UL: type = "xfs"; break;
	case 0x9123683EUL: type = "btrfs"; break;
	case 0x794c7630UL: type = "overlayfs"; break;
	}
	snprintf(s->what, sizeof(s->what), "%s%s", type,
	    s->mounted ? ", mounted privately for this run" : "");
}

static int
make_root(struct bench_site *s, const char *fs, const char *base)
{
	s->fs = fs;
	if (strcmp(fs, "tmpfs") == 0) {
		snprintf(s->root, sizeof(s->root), "%s/tmpfs-XXXXXX", base);
		if (mkdtemp(s->root) == NULL)
			return -1;
		if (mount("tfa-bench", s->root, "tmpfs", MS_NOSUID | MS_NODEV,
		    "size=64m,mode=0700") == 0) {
			s->mounted = true;
			return 0;
		}
		rmdir(s->root);
		snprintf(s->root, sizeof(s->root), "/dev/shm/tfa-bench-XXXXXX");
	} else {
		snprintf(s->root, sizeof(s->root), "%s/disk-XXXXXX", base);
	}
	return mkdtemp(s->root) == NULL ? -1 : 0;
}

static int
write_services(const struct bench *b, const struct bench_site *s)
{
	char path[PATH_MAX + 64], text[4 * PATH_MAX];
	unsigned uid = (unsigned)geteuid();
	int i, r = 0;

	for (i = 0; i < MOD_COUNT; i++) {
		switch (i) {
		case MOD_FLOOR:
			snprintf(text, sizeof(text),
			    "auth required pam_permit.so\n");
			break;
		case MOD_TFA:
		case MOD_TFA_B:
			snprintf(text, sizeof(text), "auth required %s "
			    "config=%s\n", i == MOD_TFA_B && b->module_b[0] ?
			    b->module_b : b->module, s->conf);
			break;
		case MOD_GA:
		case MOD_GA_NOREUSE:
			snprintf(text, sizeof(text), "auth required "
			    "pam_google_authenticator.so secret=%s/${USER}.ga "
			    "user=%u nullok\n", s->ga[i == MOD_GA], uid);
			break;
		case MOD_OATH:
			snprintf(text, sizeof(text), "auth required "
			    "pam_oath.so usersfile=%s window=2\n", s->oath);
			break;
		}
		snprintf(path, sizeof(path), "%s/%s", s->confdir,
		    bench_service(i));
		r |= write_file(path, text, 0644);
	}
	/* as on every host: libpam reads it, and logs when it is missing */
	snprintf(path, sizeof(path), "%s/other", s->confdir);
	return r | write_file(path, "auth required pam_deny.so\n", 0644);
}

/* pam_oath's users file: every real user but the un-enrolled one. */
static int
write_oath(const struct bench *b, const struct bench_site *s)
{
	char text[BENCH_USERS * 128], *p = text;
	unsigned i, k;

	*p = '\0';
	for (i = 0; i < BENCH_USERS; i++) {
		const struct bench_user *u = &b->users[i];

		if (i == 1 || !u->real)
			continue;
		p += sprintf(p, "HOTP/T30\t%s\t-\t", u->name);
		for (k = 0; k < u->totp.secret_len; k++)
			p += sprintf(p, "%02x", u->totp.secret[k]);
		p += sprintf(p, "\n");
	}
	return write_file(s->oath, text, 0600);
}

int
bench_site_init(struct bench *b, struct bench_site *s, const char *fs,
    const char *base)
{
	char text[PATH_MAX + 64];

	if (make_root(s, fs, base) != 0) {
		fprintf(stderr, "bench: cannot make a %s directory: %s\n", fs,
		    strerror(errno));
		return -1;
	}
	describe_fs(s);
	snprintf(s->confdir, sizeof(s->confdir), "%s/pam.d", s->root);
	snprintf(s->store, sizeof(s->store), "%s/store", s->root);
	snprintf(s->conf, sizeof(s->conf), "%s/pam_tfa.conf", s->root);
	snprintf(s->ga[0], sizeof(s->ga[0]), "%s/ga-noreuse", s->root);
	snprintf(s->ga[1], sizeof(s->ga[1]), "%s/ga", s->root);
	snprintf(s->oath, sizeof(s->oath), "%s/users.oath", s->root);
	if (strpbrk(s->root, " \t") != NULL) {
		fprintf(stderr, "bench: %s: PAM stack lines cannot hold a "
		    "path with blanks\n", s->root);
		return -1;
	}
	if (mkdir(s->confdir, 0755) || mkdir(s->store, 0700) ||
	    mkdir(s->ga[0], 0700) || mkdir(s->ga[1], 0700))
		return -1;
	/* no lockout: the wrong-code case measures thousands of failures */
	snprintf(text, sizeof(text), "StoreDir = %s\nLockoutMinutes = 0\n",
	    s->store);
	if (write_file(s->conf, text, 0600) || write_services(b, s) ||
	    write_oath(b, s))
		return -1;
	return 0;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

void
bench_site_fini(struct bench_site *s)
{
	if (s->root[0] == '\0')
		return;
	nftw(s->root, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	if (s->mounted)
		umount2(s->root, MNT_DETACH);
	rmdir(s->root);
	s->root[0] = '\0';
}

/* GA's file: the secret, the options, then the scratch codes. */
static int
write_ga(const struct bench_site *s, const struct bench_user *u, int reuse)
{
	char b32[128], path[PATH_MAX + 64], text[1024], *p = text;
	unsigned i;

	if (tfa_base32_encode(u->totp.secret, u->totp.secret_len, b32,
	    sizeof(b32)) != TFA_OK)
		return -1;
	p += sprintf(p, "%s\n\" TOTP_AUTH\n%s", b32,
	    reuse ? "\" DISALLOW_REUSE\n" : "");
	for (i = 0; i < u->scratch_left[s->idx]; i++)
		p += sprintf(p, "%08u\n", u->scratch[s->idx][i]);
	snprintf(path, sizeof(path), "%s/%s.ga", s->ga[reuse], u->name);
	return write_file(path, text, 0600);
}

/* A fresh set of scratch codes for the measured GA (reuse check on). */
int
bench_ga_refill(const struct bench_site *s, struct bench_user *u)
{
	uint32_t r[BENCH_SCRATCH];
	unsigned i;

	if (tfa_random(r, sizeof(r)) != TFA_OK)
		return -1;
	for (i = 0; i < BENCH_SCRATCH; i++)
		u->scratch[s->idx][i] = 10000000u + r[i] % 90000000u;
	u->scratch_left[s->idx] = BENCH_SCRATCH;
	return write_ga(s, u, 1);
}

/* pam_tfa through common/, GA through its file format. */
int
bench_enroll(struct bench *b, struct bench_site *s, struct bench_user *u)
{
	struct tfa_config cfg;
	struct tfa_record rec;
	struct tfa_store *st = NULL;
	tfa_err r;

	tfa_config_init(&cfg);
	if (tfa_strlcpy(cfg.store_dir, s->store, sizeof(cfg.store_dir)))
		return -1;
	tfa_record_init(&rec);
	rec.totp = u->totp;
	if ((r = tfa_store_lock(&cfg, NULL, u->name, &st)) == TFA_OK)
		r = tfa_store_save(st, &rec);
	tfa_store_close(&st);
	tfa_record_wipe(&rec);
	(void)b;
	if (r != TFA_OK)
		return -1;
	if (bench_ga_refill(s, u) != 0)
		return -1;
	return write_ga(s, u, 0);
}

/*
 * Unit tests for common/config.c: defaults, a full file, hostile lines with
 * their "file:line:" in the error, file safety checks, the parse that
 * tfa_config_read keeps, and module arguments.
 */
#undef _FORTIFY_SOURCE		/* open() below is this program's own */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "check.h"
#include "config.h"

static char err[512];

/*
 * Every open() of the library linked into this program is this one, so a
 * test can tell whether tfa_config_read read a file or used its kept parse.
 */
int
open(const char *path, int flags, ...)
{
	va_list ap;
	int fd;

	va_start(ap, flags);
	fd = tfa_test_openat(AT_FDCWD, path, flags, ap);
	va_end(ap);
	return fd;
}

/* err starts with want; prints what it holds when not. */
static void
check_prefix(const char *want)
{
	int ok = strncmp(err, want, strlen(want)) == 0;

	if (!ok)
		printf("# error text \"%s\", want prefix \"%s\"\n", err, want);
	tfa_check(ok, want, __FILE__, __LINE__);
}

static tfa_err
parse(struct tfa_config *cfg, const char *text)
{
	tfa_config_init(cfg);
	err[0] = '\0';
	return tfa_config_parse(cfg, text, strlen(text), "t.conf", err,
	    sizeof(err));
}

static void
test_defaults(void)
{
	struct tfa_config cfg;

	memset(&cfg, 0xff, sizeof(cfg));
	tfa_config_init(&cfg);
	CHECK(!cfg.disabled);
	CHECK(cfg.allow_app);
	CHECK(cfg.allow_keys);
	CHECK(cfg.allow_backup);
	CHECK(cfg.allow_devices);
	CHECK(cfg.allow_app_passwords);
	CHECK(!cfg.show_recommendation);
	CHECK(!cfg.enforce);
	CHECK_EQ(cfg.trust_days, 30);
	CHECK_EQ(cfg.clock_tolerance, 2);
	CHECK_EQ(cfg.app_password_days, 0);
	CHECK_EQ(cfg.max_failures, 5);
	CHECK_EQ(cfg.lockout_minutes, 15);
	CHECK_STR(cfg.issuer, "");
	CHECK_STR(cfg.origin, "");
	CHECK_STR(cfg.store_dir, "/var/lib/tfa");
}

static void
test_full_file(void)
{
	static const char text[] =
	    "# pam_tfa.conf with every key\r\n"
	    "\r\n"
	    "   # an indented comment\n"
	    "disabled=no\n"
	    "ALLOWAUTHENTICATORAPP = false\r\n"
	    "\tAllowSecurityKeys\t=\toff\n"
	    "AllowBackupCodes = 0\n"
	    "AllowUsedDevices =NO\n"
	    "AllowAppPasswords= False\n"
	    "ShowRecommendationToConfigure = yes\r\n"
	    "Enforce = TRUE\n"
	    "TrustDevicesForDays = 3650\n"
	    "clocktolerance = 0\n"
	    "AppPasswordLifetimeDays = 90\n"
	    "MaxFailures = 1000\n"
	    "LockoutMinutes = 525600\n"
	    "Issuer = Example Mail\r\n"
	    "Origin = pam://mail.example.com\n"
	    "StoreDir = /srv/tfa store\n"
	    "\n"
	    "# last line without a newline";
	struct tfa_config cfg;

	CHECK_EQ(parse(&cfg, text), TFA_OK);
	CHECK(!cfg.disabled);
	CHECK(!cfg.allow_app);
	CHECK(!cfg.allow_keys);
	CHECK(!cfg.allow_backup);
	CHECK(!cfg.allow_devices);
	CHECK(!cfg.allow_app_passwords);
	CHECK(cfg.show_recommendation);
	CHECK(cfg.enforce);
	CHECK_EQ(cfg.trust_days, 3650);
	CHECK_EQ(cfg.clock_tolerance, 0);
	CHECK_EQ(cfg.app_password_days, 90);
	CHECK_EQ(cfg.max_failures, 1000);
	CHECK_EQ(cfg.lockout_minutes, 525600);
	CHECK_STR(cfg.issuer, "Example Mail");
	CHECK_STR(cfg.origin, "pam://mail.example.com");
	CHECK_STR(cfg.store_dir, "/srv/tfa store");

	/* the other spelling of each boolean */
	CHECK_EQ(parse(&cfg, "Disabled = on\nAllowAuthenticatorApp = 1\n"
	    "Enforce = Yes\nAllowSecurityKeys = true\n"), TFA_OK);
	CHECK(cfg.disabled);
	CHECK(cfg.allow_app);
	CHECK(cfg.enforce);
	CHECK(cfg.allow_keys);
	/* an empty file and a comment-only file change nothing */
	CHECK_EQ(parse(&cfg, ""), TFA_OK);
	CHECK_EQ(cfg.max_failures, 5);
	CHECK_EQ(parse(&cfg, "#\n\n \t\r\n"), TFA_OK);
	CHECK_EQ(cfg.max_failures, 5);
}

/* Each text fails on line `line` with TFA_ERR_CONFIG. */
static void
test_hostile_lines(void)
{
	static const struct {
		const char *text;
		unsigned line;
		const char *why;	/* a word the reason must contain */
	} v[] = {
		{ "# fine\nEnforce = yes\nnoequals\n", 3, "Key = value" },
		{ "Bogus = 1\n", 1, "unknown key" },
		{ "\n= 5\n", 2, "unknown key" },
		{ "MaxFailures = 3\nmaxfailures = 4\n", 2, "already set" },
		{ "Enforce = yes\nEnforce = yes\n", 2, "line 1" },
		{ "ClockTolerance = 11\n", 1, "ClockTolerance" },
		{ "MaxFailures = 0\n", 1, "from 1 to 1000" },
		{ "MaxFailures = -1\n", 1, "MaxFailures" },
		{ "MaxFailures = 99999999999999999999\n", 1, "MaxFailures" },
		{ "MaxFailures = 4294967301\n", 1, "MaxFailures" },
		/* 2^64 + 5: wraps to 5 in a parser that checks too late */
		{ "MaxFailures = 18446744073709551621\n", 1, "MaxFailures" },
		{ "MaxFailures =\n", 1, "MaxFailures" },
		{ "MaxFailures = 5 x\n", 1, "MaxFailures" },
		{ "MaxFailures = +5\n", 1, "MaxFailures" },
		{ "MaxFailures = 0x5\n", 1, "MaxFailures" },
		{ "\n\nEnforce = maybe\n", 3, "Enforce" },
		{ "Enforce = yes # comment\n", 1, "Enforce" },
		{ "StoreDir = var/lib/tfa\n", 1, "StoreDir" },
		{ "StoreDir =\n", 1, "StoreDir" },
		{ "Issuer = Bad\x01Name\n", 1, "Issuer" },
		{ "Issuer = tab\tinside\n", 1, "Issuer" },
		{ "Origin = del\x7f\n", 1, "Origin" },
	};
	struct tfa_config cfg;
	char want[64];
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		printf("# hostile text %zu\n", i);
		CHECK_EQ(parse(&cfg, v[i].text), TFA_ERR_CONFIG);
		snprintf(want, sizeof(want), "t.conf:%u: ", v[i].line);
		check_prefix(want);
		CHECK(strstr(err, v[i].why) != NULL);
	}
}

static void
test_hostile_bytes(void)
{
	static const char with_nul[] = "Enforce = yes\nIssuer = a\0b\n";
	char line[1100], big[200];
	struct tfa_config cfg;

	tfa_config_init(&cfg);
	CHECK_EQ(tfa_config_parse(&cfg, with_nul, sizeof(with_nul) - 1,
	    "t.conf", err, sizeof(err)), TFA_ERR_CONFIG);
	check_prefix("t.conf:2: ");
	CHECK(strstr(err, "NUL") != NULL);

	/* 1024 bytes are a line, 1025 are too long */
	memset(line, 'x', sizeof(line));
	line[0] = '#';
	line[1024] = '\0';
	CHECK_EQ(parse(&cfg, line), TFA_OK);
	line[1024] = 'x';
	line[1025] = '\0';
	CHECK_EQ(parse(&cfg, line), TFA_ERR_CONFIG);
	check_prefix("t.conf:1: ");
	CHECK(strstr(err, "too long") != NULL);
	/* the same long line as line 3, after two good ones */
	memmove(line + 13, line, 1026);
	memcpy(line, "\nEnforce = 1\n", 13);
	CHECK_EQ(parse(&cfg, line), TFA_ERR_CONFIG);
	check_prefix("t.conf:3: ");
	CHECK(strstr(err, "too long") != NULL);

	/* Issuer holds 127 bytes */
	memset(big, 'a', sizeof(big));
	memcpy(big, "Issuer=", 7);
	big[7 + 127] = '\0';
	CHECK_EQ(parse(&cfg, big), TFA_OK);
	CHECK_EQ(strlen(cfg.issuer), 127);
	big[7 + 127] = 'a';
	big[7 + 128] = '\0';
	CHECK_EQ(parse(&cfg, big), TFA_ERR_CONFIG);
	check_prefix("t.conf:1: ");
	CHECK_EQ(strlen(cfg.issuer), 0);
}

/*
 * What a caller holds after an error: the lines before the bad one are
 * applied, the bad one and those after are not.  The return value is the
 * only signal, so callers must throw the whole config away (fail closed).
 */
static void
test_partial_after_error(void)
{
	struct tfa_config cfg;

	CHECK_EQ(parse(&cfg, "MaxFailures = 3\nLockoutMinutes = x\n"
	    "ClockTolerance = 7\n"), TFA_ERR_CONFIG);
	check_prefix("t.conf:2: ");
	CHECK_EQ(cfg.max_failures, 3);
	CHECK_EQ(cfg.lockout_minutes, 15);
	CHECK_EQ(cfg.clock_tolerance, 2);
}

static tfa_err
load(struct tfa_config *cfg, const char *path, bool must_exist)
{
	tfa_config_init(cfg);
	err[0] = '\0';
	return tfa_config_load(cfg, path, must_exist, err, sizeof(err));
}

static void
test_load_files(const char *dir)
{
	struct tfa_config cfg;
	char p[600], q[512];

	snprintf(p, sizeof(p), "%s/missing.conf", dir);
	CHECK_EQ(load(&cfg, p, false), TFA_OK);
	CHECK_EQ(cfg.max_failures, 5);
	CHECK_EQ(load(&cfg, p, true), TFA_ERR_CONFIG);
	check_prefix(p);

	snprintf(p, sizeof(p), "%s/good.conf", dir);
	tfa_test_write(p, "MaxFailures = 7\n", 0644);
	CHECK_EQ(load(&cfg, p, true), TFA_OK);
	CHECK_EQ(cfg.max_failures, 7);

	snprintf(q, sizeof(q), "%s/bad.conf", dir);
	tfa_test_write(q, "# x\nMaxFailures = 7 8\n", 0600);
	CHECK_EQ(load(&cfg, q, true), TFA_ERR_CONFIG);
	snprintf(p, sizeof(p), "%s:2: ", q);
	check_prefix(p);

	/* a symlink to the good file is refused, whatever it points at */
	snprintf(p, sizeof(p), "%s/good.conf", dir);
	snprintf(q, sizeof(q), "%s/link.conf", dir);
	CHECK_EQ(symlink(p, q), 0);
	CHECK_EQ(load(&cfg, q, false), TFA_ERR_CONFIG);
	CHECK_EQ(cfg.max_failures, 5);
}

static void
test_load_modes(const char *dir)
{
	struct tfa_config cfg;
	char p[512];

	snprintf(p, sizeof(p), "%s/mode.conf", dir);
	tfa_test_write(p, "MaxFailures = 7\n", 0664);
	CHECK_EQ(load(&cfg, p, true), TFA_ERR_CONFIG);
	CHECK_EQ(cfg.max_failures, 5);
	CHECK(chmod(p, 0646) == 0);
	CHECK_EQ(load(&cfg, p, true), TFA_ERR_CONFIG);
	CHECK(chmod(p, 0444) == 0);
	CHECK_EQ(load(&cfg, p, true), TFA_OK);
	CHECK_EQ(cfg.max_failures, 7);

	if (geteuid() != 0) {
		tfa_skip("config owned by another uid: needs root to chown");
		return;
	}
	CHECK(chmod(p, 0644) == 0);
	CHECK(chown(p, 65534, 65534) == 0);
	CHECK_EQ(load(&cfg, p, true), TFA_ERR_CONFIG);
	CHECK(strstr(err, "owned by root") != NULL);
	CHECK_EQ(cfg.max_failures, 5);
}

static tfa_err
read_conf(struct tfa_config *cfg, const char *path)
{
	memset(cfg, 0xa5, sizeof(*cfg));	/* read must set every field */
	err[0] = '\0';
	return tfa_config_read(cfg, path, true, err, sizeof(err));
}

/* Wait until path's last change is old enough for its parse to be kept. */
static void
settle(const char *path)
{
	struct timespec now;
	struct stat sb;

	CHECK(stat(path, &sb) == 0);
	do {
		usleep(100 * 1000);
		clock_gettime(CLOCK_REALTIME, &now);
	} while (now.tv_sec - sb.st_ctim.tv_sec < 3);
}

/*
 * tfa_config_read keeps the parse of a file that has settled and uses it
 * while the file is unchanged; any change (content, mode, owner, the name
 * now a symlink) is seen at the next read.  A file just written is read
 * every time.
 */
static void
test_read_kept(const char *dir)
{
	struct tfa_config cfg, want;
	char a[512], b[512], c[512], real[600];

	snprintf(a, sizeof(a), "%s/kept-a.conf", dir);
	snprintf(b, sizeof(b), "%s/kept-b.conf", dir);
	snprintf(c, sizeof(c), "%s/kept-c.conf", dir);
	tfa_test_write(a, "MaxFailures = 7\n", 0644);
	tfa_test_write(b, "MaxFailures = 8\nIssuer = B\n", 0644);
	tfa_test_write(c, "MaxFailures = 3\n", 0644);

	/* just written: read each time, and an in-place rewrite is seen */
	tfa_test_counted = a;
	tfa_test_opens = 0;
	CHECK_EQ(read_conf(&cfg, a), TFA_OK);
	CHECK_EQ(read_conf(&cfg, a), TFA_OK);
	CHECK_EQ(tfa_test_opens, 2);
	tfa_test_write(a, "MaxFailures = 9\n", 0644);
	CHECK_EQ(read_conf(&cfg, a), TFA_OK);
	CHECK_EQ(cfg.max_failures, 9);

	settle(a);
	settle(b);
	settle(c);
	tfa_test_opens = 0;
	CHECK_EQ(read_conf(&cfg, a), TFA_OK);
	CHECK_EQ(tfa_test_opens, 1);
	CHECK_EQ(read_conf(&want, a), TFA_OK);
	CHECK_EQ(tfa_test_opens, 1);		/* kept: not opened again */
	CHECK(memcmp(&cfg, &want, sizeof(cfg)) == 0);
	tfa_config_init(&want);
	want.max_failures = 9;
	CHECK(memcmp(&cfg, &want, sizeof(cfg)) == 0);

	/* another file: its own settings, then a's again */
	CHECK_EQ(read_conf(&cfg, b), TFA_OK);
	CHECK_EQ(cfg.max_failures, 8);
	CHECK_STR(cfg.issuer, "B");
	CHECK_EQ(read_conf(&cfg, a), TFA_OK);
	CHECK_EQ(cfg.max_failures, 9);
	CHECK_STR(cfg.issuer, "");

	/* a mode change is seen, and refused */
	CHECK(chmod(a, 0664) == 0);
	CHECK_EQ(read_conf(&cfg, a), TFA_ERR_CONFIG);
	CHECK(chmod(a, 0644) == 0);
	CHECK_EQ(read_conf(&cfg, a), TFA_OK);
	CHECK_EQ(cfg.max_failures, 9);
	/* as is new content of the same size, within the same second */
	tfa_test_write(a, "MaxFailures = 4\n", 0644);
	CHECK_EQ(read_conf(&cfg, a), TFA_OK);
	CHECK_EQ(cfg.max_failures, 4);

	/* kept, then the name becomes a symlink to the same text */
	CHECK_EQ(read_conf(&cfg, b), TFA_OK);
	CHECK_EQ(read_conf(&cfg, b), TFA_OK);
	snprintf(real, sizeof(real), "%s.real", b);
	CHECK(rename(b, real) == 0);
	CHECK(symlink(real, b) == 0);
	CHECK_EQ(read_conf(&cfg, b), TFA_ERR_CONFIG);

	if (geteuid() != 0) {
		tfa_skip("kept config given away: needs root to chown");
		return;
	}
	/* kept, then given to another owner */
	tfa_test_counted = c;
	tfa_test_opens = 0;
	CHECK_EQ(read_conf(&cfg, c), TFA_OK);
	CHECK_EQ(read_conf(&cfg, c), TFA_OK);
	CHECK_EQ(tfa_test_opens, 1);
	CHECK_EQ(cfg.max_failures, 3);
	CHECK(chown(c, 65534, 65534) == 0);
	CHECK_EQ(read_conf(&cfg, c), TFA_ERR_CONFIG);
	CHECK(strstr(err, "owned by root") != NULL);
	tfa_test_counted = NULL;
}

static void
test_load_types(const char *dir)
{
	struct tfa_config cfg;
	char p[512], *buf;
	size_t i, n = 64 * 1024;

	snprintf(p, sizeof(p), "%s/adir", dir);
	CHECK(mkdir(p, 0700) == 0);
	CHECK_EQ(load(&cfg, p, true), TFA_ERR_CONFIG);
	CHECK(strstr(err, "not a regular file") != NULL);

	/* a FIFO with no writer must be refused, not waited on */
	snprintf(p, sizeof(p), "%s/fifo", dir);
	CHECK(mkfifo(p, 0600) == 0);
	alarm(10);
	CHECK_EQ(load(&cfg, p, true), TFA_ERR_CONFIG);
	alarm(0);
	CHECK(strstr(err, "not a regular file") != NULL);

	/* exactly 64 KiB of comments is fine, one byte more is not */
	if ((buf = malloc(n + 2)) == NULL)
		abort();
	for (i = 0; i < n; i++)
		buf[i] = i % 64 == 63 ? '\n' : '#';
	buf[n] = '\0';
	snprintf(p, sizeof(p), "%s/big.conf", dir);
	tfa_test_write(p, buf, 0600);
	CHECK_EQ(load(&cfg, p, true), TFA_OK);
	buf[n] = '#';
	buf[n + 1] = '\0';
	tfa_test_write(p, buf, 0600);
	CHECK_EQ(load(&cfg, p, true), TFA_ERR_CONFIG);
	CHECK(strstr(err, "larger than") != NULL);
	free(buf);
}

static tfa_err
arg(struct tfa_config *cfg, const char *a)
{
	err[0] = '\0';
	return tfa_config_arg(cfg, a, err, sizeof(err));
}

static void
test_args(void)
{
	struct tfa_config cfg;

	tfa_config_init(&cfg);
	CHECK_EQ(arg(&cfg, "Enforce=true"), TFA_OK);
	CHECK(cfg.enforce);
	CHECK_EQ(arg(&cfg, "maxfailures=9"), TFA_OK);
	CHECK_EQ(cfg.max_failures, 9);
	CHECK_EQ(arg(&cfg, "StoreDir=/tmp/x=y"), TFA_OK);
	CHECK_STR(cfg.store_dir, "/tmp/x=y");

	CHECK_EQ(arg(&cfg, "MaxFailures=0"), TFA_ERR_CONFIG);
	check_prefix("module argument \"MaxFailures\": ");
	CHECK_EQ(cfg.max_failures, 9);
	CHECK_EQ(arg(&cfg, "bogus"), TFA_ERR_CONFIG);
	check_prefix("module argument \"bogus\": ");
	CHECK_EQ(arg(&cfg, "=x"), TFA_ERR_CONFIG);
	CHECK_EQ(arg(&cfg, ""), TFA_ERR_CONFIG);
	CHECK_EQ(arg(&cfg, "NoSuchKey=1"), TFA_ERR_CONFIG);
	CHECK(strstr(err, "unknown key") != NULL);
	CHECK_EQ(arg(&cfg, "Enforce=maybe"), TFA_ERR_CONFIG);
	CHECK(cfg.enforce);
	/* a module argument is one token: no trimming around '=' */
	CHECK_EQ(arg(&cfg, "Enforce =false"), TFA_ERR_CONFIG);
	CHECK(cfg.enforce);
}

static tfa_err
args_once(int argc, const char **argv)
{
	err[0] = '\0';
	return tfa_config_args_once(argc, argv, err, sizeof(err));
}

/* A stack line's arguments name each key once, as the file does. */
static void
test_args_once(void)
{
	const char *fine[] = { "config=/etc/x", "mode=split", "service=imap",
	    "Enforce=true", "MaxFailures=3", "Issuer=Example Mail" };
	const char *twice[] = { "Enforce=true", "MaxFailures=3",
	    "Enforce=false" };
	const char *cased[] = { "maxfailures=3", "MAXFAILURES=3" };
	const char *glue[] = { "mode=split", "config=/a", "mode=verify" };
	const char *bare[] = { "debug", "debug" };
	const char *prefix[] = { "Enforce=true", "EnforceX=true", "Enf=1" };

	CHECK_EQ(args_once(0, fine), TFA_OK);
	CHECK_EQ(args_once(6, fine), TFA_OK);
	CHECK_EQ(args_once(3, twice), TFA_ERR_CONFIG);
	CHECK_STR(err, "module argument \"Enforce\": already set by "
	    "argument 1");
	CHECK_EQ(args_once(2, cased), TFA_ERR_CONFIG);
	check_prefix("module argument \"MAXFAILURES\": ");
	CHECK_EQ(args_once(3, glue), TFA_ERR_CONFIG);
	check_prefix("module argument \"mode\": ");
	CHECK_EQ(args_once(2, bare), TFA_ERR_CONFIG);
	/* a key that begins another is not a repeat of it */
	CHECK_EQ(args_once(3, prefix), TFA_OK);
}

static void
test_issuer_origin(void)
{
	struct tfa_config cfg;
	char host[256], want[300], buf[300];

	CHECK(gethostname(host, sizeof(host)) == 0);
	host[sizeof(host) - 1] = '\0';
	tfa_config_init(&cfg);
	CHECK_EQ(tfa_config_issuer(&cfg, buf, sizeof(buf)), TFA_OK);
	CHECK_STR(buf, host);
	snprintf(want, sizeof(want), "pam://%s", host);
	CHECK_EQ(tfa_config_origin(&cfg, buf, sizeof(buf)), TFA_OK);
	CHECK_STR(buf, want);
	CHECK_EQ(tfa_config_origin(&cfg, buf, strlen(want)), TFA_ERR_INVAL);

	CHECK_EQ(tfa_config_set(&cfg, "Issuer", "Example", err, sizeof(err)),
	    TFA_OK);
	CHECK_EQ(tfa_config_set(&cfg, "origin", "pam://mail", err,
	    sizeof(err)), TFA_OK);
	CHECK_EQ(tfa_config_issuer(&cfg, buf, sizeof(buf)), TFA_OK);
	CHECK_STR(buf, "Example");
	CHECK_EQ(tfa_config_origin(&cfg, buf, sizeof(buf)), TFA_OK);
	CHECK_STR(buf, "pam://mail");
	CHECK_EQ(tfa_config_issuer(&cfg, buf, 7), TFA_ERR_INVAL);
}

int
main(void)
{
	char *dir = tfa_test_tmpdir("config");

	umask(022);
	test_defaults();
	test_full_file();
	test_hostile_lines();
	test_hostile_bytes();
	test_partial_after_error();
	test_load_files(dir);
	test_load_modes(dir);
	test_load_types(dir);
	test_read_kept(dir);
	test_args();
	test_args_once();
	test_issuer_origin();
	tfa_test_rmtree(dir);
	free(dir);
	return tfa_check_done();
}

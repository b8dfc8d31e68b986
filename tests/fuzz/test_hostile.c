/*
 * Hostile input through the built module: PAM user names that are too
 * long, binary, control characters or broken UTF-8; answers with control
 * bytes, foreign digits or 10 000 and 100 000 characters; malformed
 * configuration lines and module arguments.
 *
 * Each must give a clear verdict (a refusal where it must, a wrong code
 * where it is one), never crash, log only printable text (pamfx_done checks
 * every line), and write nothing it should not: a refused name creates no
 * file, a blank answer or a config error leaves alice's record byte for
 * byte (and inode for inode) as it was, and a wrong code changes only the
 * failure count.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <security/pam_appl.h>

#include "check.h"
#include "pamfx.h"
#include "store.h"
#include "totp.h"

static struct tfa_totp t_alice, t_jorg;
static int names, answers, configs;	/* hostile inputs tried */
static char db[PATH_MAX];

/* A readable label for a hostile string. */
static const char *
show(const char *s)
{
	static char out[96];
	size_t i, o = 0;

	for (i = 0; s[i] != '\0' && o < 60; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f)
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, sizeof(out) - o,
			    "\\x%02x", c);
	}
	out[o] = '\0';
	if (s[i] != '\0')
		snprintf(out + o, sizeof(out) - o, "... (%zu bytes)",
		    strlen(s));
	return out;
}

static int
store_entries(void)
{
	DIR *d = opendir(fx.store);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

/* alice's record file, to see it untouched. */
struct snap {
	struct stat st;
	char *bytes;
	size_t len;
};

static struct snap
snap_db(void)
{
	struct snap s;

	memset(&s, 0, sizeof(s));
	stat(db, &s.st);
	s.bytes = pamfx_slurp(db, &s.len);
	return s;
}

static bool
untouched(struct snap *before)
{
	struct snap now = snap_db();
	bool same = now.bytes != NULL && before->bytes != NULL &&
	    now.len == before->len && now.st.st_ino == before->st.st_ino &&
	    memcmp(now.bytes, before->bytes, now.len) == 0;

	free(now.bytes);
	free(before->bytes);
	before->bytes = NULL;
	return same;
}

static unsigned
failures(void)
{
	struct tfa_record rec;
	unsigned n;

	if (!pamfx_read("alice", &rec))
		return 99999;
	n = rec.failures;
	tfa_record_wipe(&rec);
	return n;
}

/* ---- user names ---- */

/* A name that cannot name a record: refused, logged, nothing created. */
static void
name_refused(const char *user)
{
	struct pamtest_conv c = { 0 };
	int files = store_entries();
	off_t mark = pamfx_log_mark();
	char *log;

	printf("# refused user name \"%s\"\n", show(user));
	names++;
	CHECK_EQ(pamfx_login("tfa-hostile", user, "123456", &c),
	    PAM_AUTH_ERR);
	CHECK_EQ(c.prompts, 0);
	log = pamfx_log_since(mark);
	CHECK(strstr(log, "refusing a user name that cannot be stored "
	    "(service=tfa-hostile rhost=192.0.2.7)") != NULL);
	free(log);
	CHECK_EQ(store_entries(), files);
}

/*
 * A name that is a name, just nobody's: passes through as not enrolled
 * (PAM_IGNORE, which one "required" line turns into PAM_PERM_DENIED),
 * logged escaped, nothing created.
 */
static void
name_unknown(const char *user, const char *logged)
{
	struct pamtest_conv c = { 0 };
	int files = store_entries();
	off_t mark = pamfx_log_mark();
	char *log, want[512];

	printf("# unknown user name \"%s\"\n", show(user));
	names++;
	CHECK_EQ(pamfx_login("tfa-hostile", user, "123456", &c),
	    PAM_PERM_DENIED);
	CHECK_EQ(c.prompts, 0);
	log = pamfx_log_since(mark);
	snprintf(want, sizeof(want), "user=%s service=tfa-hostile "
	    "rhost=192.0.2.7 method=none result=not-enrolled", logged);
	if (!CHECK(strstr(log, want) != NULL))
		printf("# wanted \"%s\" in:\n%s", want, log);
	free(log);
	CHECK_EQ(store_entries(), files);
}

static void
test_user_names(void)
{
	char name[400], want[1000];
	struct pamtest_conv c = { 0 };
	int b;

	/* too long: 256 and 300 bytes; 201 plain bytes escape too long */
	memset(name, 'a', sizeof(name));
	name[256] = '\0';
	name_refused(name);
	name[300] = '\0';
	memset(name, 'a', 300);
	name_refused(name);
	memset(name, 'a', 201);
	name[201] = '\0';
	name_refused(name);
	/* 67 high bytes: 201 bytes once escaped */
	memset(name, 0xff, 67);
	name[67] = '\0';
	name_refused(name);
	/* every control byte, inside and at the edges */
	for (b = 1; b < 0x20; b++) {
		snprintf(name, sizeof(name), "al%cice", b);
		name_refused(name);
	}
	name_refused("alice\x7f");
	name_refused("\x1b[2Jalice");
	name_refused("alice\n");
	name_refused("../alice");
	name_refused("a/b");
	name_refused("/");
	name_refused(".alice");
	name_refused("..");
	name_refused(".");

	/* odd but storable: accepted as names, logged escaped */
	memset(name, 'a', 200);
	name[200] = '\0';
	name_unknown(name, name);
	name_unknown("\xff", "%FF");
	name_unknown("\xc3\x28", "%C3%28");		/* invalid UTF-8 */
	name_unknown("\xc0\xaf", "%C0%AF");		/* overlong '/' */
	name_unknown("\xed\xa0\x80", "%ED%A0%80");	/* a lone surrogate */
	name_unknown("\xe2\x80\xae" "evil", "%E2%80%AEevil");	/* RLO */
	name_unknown("x result=success", "x%20result%3Dsuccess");
	name_unknown("%2e%2e", "%252e%252e");
	memset(name, 0x80, 66);
	name[66] = '\0';
	for (b = 0; b < 66; b++)
		memcpy(want + 3 * b, "%80", 3);
	want[198] = '\0';
	name_unknown(name, want);

	/* and a UTF-8 mail address that is enrolled logs in */
	pamfx_now += 60;
	CHECK_EQ(pamfx_login("tfa-hostile", "j\xc3\xb6rg@example.com",
	    pamtest_code(&t_jorg, pamfx_now), &c), PAM_SUCCESS);
}

/* ---- answers ---- */

/* A blank answer counts as nothing and writes nothing. */
static void
answer_blank(const char *answer)
{
	struct pamtest_conv c = { 0 };
	struct snap before = snap_db();

	printf("# blank answer \"%s\"\n", show(answer));
	answers++;
	CHECK_EQ(pamfx_login("tfa-hostile", "alice", answer, &c),
	    PAM_AUTH_ERR);
	CHECK(untouched(&before));
}

/* A wrong answer counts once, and changes nothing but the count. */
static void
answer_wrong(const char *answer)
{
	struct pamtest_conv c = { 0 };
	struct tfa_record a, b;
	off_t mark = pamfx_log_mark();
	char *log;

	printf("# wrong answer \"%s\"\n", show(answer));
	answers++;
	if (!pamfx_read("alice", &a))
		abort();
	alarm(20);
	CHECK_EQ(pamfx_login("tfa-hostile", "alice", answer, &c),
	    PAM_AUTH_ERR);
	alarm(0);
	CHECK(pamfx_read("alice", &b));
	CHECK_EQ(b.failures, a.failures + 1);
	CHECK(b.last_step == a.last_step && b.last_login == a.last_login &&
	    b.totp.secret_len == a.totp.secret_len &&
	    memcmp(b.totp.secret, a.totp.secret, a.totp.secret_len) == 0 &&
	    tfa_backup_left(&b.backup) == tfa_backup_left(&a.backup));
	log = pamfx_log_since(mark);
	CHECK(strstr(log, "result=wrong-code") != NULL);
	free(log);
	tfa_record_wipe(&a);
	tfa_record_wipe(&b);
}

static void
test_answers(void)
{
	static const char *const blank[] = { "", " ", "\t", "-", " - ",
	    "--------", " \t-\t " };
	char code[16], buf[300];
	char *big;
	struct pamtest_conv c = { 0 };
	size_t i;

	pamfx_now += 60;
	snprintf(code, sizeof(code), "%s", pamtest_code(&t_alice, pamfx_now));
	for (i = 0; i < sizeof(blank) / sizeof(blank[0]); i++)
		answer_blank(blank[i]);

	/* the right code spoiled by one byte is a wrong code */
	for (i = 1; i < 0x20; i++) {
		if (i == '\t')
			continue;	/* a separator, like space and '-' */
		snprintf(buf, sizeof(buf), "%.3s%c%s", code, (int)i, code + 3);
		answer_wrong(buf);
	}
	snprintf(buf, sizeof(buf), "%s\x7f", code);
	answer_wrong(buf);
	snprintf(buf, sizeof(buf), "%s\r", code);
	answer_wrong(buf);
	snprintf(buf, sizeof(buf), "%s\n", code);
	answer_wrong(buf);
	snprintf(buf, sizeof(buf), "\x1b[2J%s", code);
	answer_wrong(buf);
	snprintf(buf, sizeof(buf), "%.5s\xff%s", code, code + 5);
	answer_wrong(buf);
	snprintf(buf, sizeof(buf), "+%s", code);
	answer_wrong(buf);
	/* digits that are not ASCII: full-width, Arabic-Indic */
	answer_wrong("\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\xef\xbc\x94"
	    "\xef\xbc\x95\xef\xbc\x96");
	answer_wrong("\xd9\xa1\xd9\xa2\xd9\xa3\xd9\xa4\xd9\xa5\xd9\xa6");
	/* the right code padded past the 64-byte input limit */
	snprintf(buf, sizeof(buf), "%-65s", code);
	answer_wrong(buf);
	/* huge answers */
	big = malloc(100001);
	memset(big, '1', 10000);
	big[10000] = '\0';
	answer_wrong(big);
	memset(big, 'A', 100000);
	big[100000] = '\0';
	answer_wrong(big);
	memset(big, '\xff', 10000);
	big[10000] = '\0';
	answer_wrong(big);
	free(big);

	/* after all that, the right code was never used up */
	CHECK_EQ(pamfx_login("tfa-hostile", "alice", code, &c), PAM_SUCCESS);
	CHECK_EQ(failures(), 0);
	/* and the right code padded to exactly 64 bytes still is one */
	pamfx_now += 60;
	snprintf(buf, sizeof(buf), "%-64s", pamtest_code(&t_alice, pamfx_now));
	CHECK_EQ(pamfx_login("tfa-hostile", "alice", buf, &c), PAM_SUCCESS);
}

/* ---- configuration ---- */

/*
 * A broken config line (len bytes, which may hold a NUL) after a good
 * first line: refused before anything, logged as file:line.
 */
static void
config_refused_n(const char *line, size_t len, int lineno, const char *why)
{
	struct pamtest_conv c = { 0 };
	struct snap before = snap_db();
	char text[8192], want[PATH_MAX + 128], *log;
	off_t mark = pamfx_log_mark();
	int fd;

	printf("# config line %d \"%s\"\n", lineno, show(line));
	configs++;
	snprintf(text, sizeof(text), "StoreDir = %s\n", fx.store);
	fd = open(fx.conffile, O_WRONLY | O_TRUNC);
	if (fd < 0 || write(fd, text, strlen(text)) < 0 ||
	    write(fd, line, len) != (ssize_t)len)
		abort();
	close(fd);
	pamfx_now += 60;
	CHECK_EQ(pamfx_login("tfa-hostile", "alice",
	    pamtest_code(&t_alice, pamfx_now), &c), PAM_AUTH_ERR);
	CHECK_EQ(c.prompts, 0);
	log = pamfx_log_since(mark);
	snprintf(want, sizeof(want), "%s:%d: %s", fx.conffile, lineno, why);
	if (!CHECK(strstr(log, want) != NULL))
		printf("# wanted \"%s\" in:\n%s", want, log);
	CHECK(strstr(log, "refusing all logins") != NULL);
	free(log);
	CHECK(untouched(&before));
}

static void
config_refused(const char *line, int lineno, const char *why)
{
	config_refused_n(line, strlen(line), lineno, why);
}

/* A module argument that is wrong: the same, naming the argument. */
static void
arg_refused(const char *arg, const char *why)
{
	struct pamtest_conv c = { 0 };
	struct snap before = snap_db();
	off_t mark = pamfx_log_mark();
	char *log;

	printf("# module argument \"%s\"\n", show(arg));
	configs++;
	pamtest_stack("tfa-hostile", "", arg);
	pamfx_now += 60;
	CHECK_EQ(pamfx_login("tfa-hostile", "alice",
	    pamtest_code(&t_alice, pamfx_now), &c), PAM_AUTH_ERR);
	CHECK_EQ(c.prompts, 0);
	log = pamfx_log_since(mark);
	if (!CHECK(strstr(log, why) != NULL))
		printf("# wanted \"%s\" in:\n%s", why, log);
	free(log);
	CHECK(untouched(&before));
}

static void
test_config(void)
{
	struct pamtest_conv c = { 0 };
	char line[3000], text[PATH_MAX + 64];

	config_refused("NoSuchKey = 1\n", 2, "unknown key \"NoSuchKey\"");
	config_refused("= 5\n", 2, "unknown key \"\"");
	config_refused("MaxFailures\n", 2, "expected \"Key = value\"");
	config_refused("MaxFailures = -1\n", 2, "MaxFailures must be a whole "
	    "number from 1 to 1000");
	config_refused("MaxFailures = 99999999999999999999999999\n", 2,
	    "MaxFailures must be");
	config_refused("MaxFailures = 0x10\n", 2, "MaxFailures must be");
	config_refused("MaxFailures = 5 # five\n", 2, "MaxFailures must be");
	config_refused("ClockTolerance = 11\n", 2, "ClockTolerance must be");
	config_refused("Enforce = maybe\n", 2, "bad value for Enforce");
	config_refused("StoreDir = relative/path\n", 2, "StoreDir is already "
	    "set on line 1");
	config_refused("Issuer = \x1b[31mred\n", 2, "bad value for Issuer");
	config_refused("Issuer = a\x01" "b\n", 2, "bad value for Issuer");
	config_refused("Max\x1b" "Failures = 3\n", 2, "unknown key");
	config_refused("\xef\xbb\xbfMaxFailures = 3\n", 2, "unknown key");
	config_refused_n("\xff\xfe\x00\x01garbage\n", 12, 2,
	    "NUL byte in line");
	config_refused_n("MaxFailures = 3\0\n", 17, 2, "NUL byte in line");
	memset(line, 'x', sizeof(line) - 2);
	line[sizeof(line) - 2] = '\n';
	line[sizeof(line) - 1] = '\0';
	config_refused(line, 2, "line too long");
	config_refused("MaxFailures = 3\nMaxFailures = 4\n", 3,
	    "MaxFailures is already set on line 2");

	/* CRLF line endings are fine */
	snprintf(text, sizeof(text), "StoreDir = %s\r\nMaxFailures = 1000\r\n",
	    fx.store);
	tfa_test_write(fx.conffile, text, 0600);
	pamfx_now += 60;
	CHECK_EQ(pamfx_login("tfa-hostile", "alice",
	    pamtest_code(&t_alice, pamfx_now), &c), PAM_SUCCESS);

	arg_refused("MaxFailures=", "module argument \"MaxFailures\": "
	    "MaxFailures must be");
	arg_refused("=5", "expected Key=value");
	arg_refused("NoSuchKey", "expected Key=value");
	arg_refused("StoreDir=relative", "bad value for StoreDir");
	memset(line, 'k', 2000);
	memcpy(line + 2000, "=1", 3);
	arg_refused(line, "expected Key=value");
	pamtest_stack("tfa-hostile", "", "config=");
	pamfx_now += 60;
	CHECK_EQ(pamfx_login("tfa-hostile", "alice",
	    pamtest_code(&t_alice, pamfx_now), &c), PAM_AUTH_ERR);
	pamtest_stack("tfa-hostile", "", "");
	pamtest_conf_bare("MaxFailures = 1000\n");
}

int
main(void)
{
	pamfx_on_alarm("not ok - a login hung\n");
	pamfx_init("hostile", "MaxFailures = 1000\n");
	pamtest_stack("tfa-hostile", "", "");
	pamfx_enroll("alice", &t_alice, NULL, 0);
	pamfx_enroll("j\xc3\xb6rg@example.com", &t_jorg, NULL, 0);
	snprintf(db, sizeof(db), "%s", pamfx_path(fx.store, "alice.db"));
	test_user_names();
	test_answers();
	test_config();
	printf("hostile input: %d user names, %d answers, %d config lines and "
	    "module arguments through the module\n", names, answers, configs);
	return pamfx_done();
}

/*
 * Logins with imported factors: files written here (and one made by the
 * real google-authenticator tool when it is installed) are imported with
 * the built tfa-enroll, then the built pam_tfa.so is driven through libpam
 * with pam_start_confdir().  This program exports time() and pam_syslog()
 * (pamtest_hooks.h), so the module's clock is ours and its log lines are
 * ours to read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include <security/pam_appl.h>

#include "check.h"
#include "pamtest.h"
#include "pamtest_hooks.h"
#include "totp.h"

static char *enroll;

static int
login(const char *user, const char *code)
{
	struct pamtest_conv c = { .answer = code };

	logbuf[0] = '\0';
	return pamtest_run(PAMTEST_SERVICE, user, "192.0.2.8", NULL, 0, &c);
}

/* tfa-enroll --config CONF import ARGS...; its output goes to dir/out. */
static int
run_import(const char *const *args)
{
	char *argv[16], out[4200];
	int i = 0, status;
	pid_t pid;

	argv[i++] = enroll;
	argv[i++] = "--config";
	argv[i++] = pamtest.conffile;
	argv[i++] = "import";
	for (; *args != NULL && i < 15; args++)
		argv[i++] = (char *)(uintptr_t)*args;
	argv[i] = NULL;
	snprintf(out, sizeof(out), "%s/out", pamtest.dir);
	if ((pid = fork()) == 0) {
		if (freopen(out, "w", stdout) == NULL ||
		    dup2(fileno(stdout), 2) < 0)
			_exit(99);
		execv(enroll, argv);
		_exit(98);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void
totp_of(struct tfa_totp *t, const char *secret20, unsigned digits,
    unsigned period)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->secret, secret20, 20);
	t->secret_len = 20;
	t->digits = digits;
	t->period = period;
	t->enabled = true;
}

static const char *
code_at(const struct tfa_totp *t, int64_t step)
{
	static char code[16];

	if (tfa_totp_code(t, step, code, sizeof(code)) != TFA_OK)
		abort();
	return code;
}

/* RFC 6238's SHA1 key, in base32 for the google-authenticator file. */
#define KEY	"12345678901234567890"
#define KEY32	"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
#define KEYHEX	"3132333435363738393031323334353637383930"

static void
test_google_authenticator(void)
{
	static const char *args[] = { "--from", "google-authenticator",
		"--user", "alice", NULL, NULL };
	char path[4200], text[512];
	struct tfa_totp t;
	int64_t s = fake_now / 30;

	totp_of(&t, KEY, 6, 30);
	/* step s was used under pam_google_authenticator */
	snprintf(path, sizeof(path), "%s/ga-alice", pamtest.dir);
	snprintf(text, sizeof(text), "%s\n\" RATE_LIMIT 3 30\n\" WINDOW_SIZE 3"
	    "\n\" DISALLOW_REUSE %lld\n\" TOTP_AUTH\n48151623\n42424242\n",
	    KEY32, (long long)s);
	tfa_test_write(path, text, 0400);
	args[4] = path;
	CHECK_EQ(run_import(args), 0);

	/* the step used before the switch is still used */
	CHECK_EQ(login("alice", code_at(&t, s)), PAM_AUTH_ERR);
	CHECK(strstr(logbuf, "user=alice service=tfa-test rhost=192.0.2.8 "
	    "method=none result=replayed-code") != NULL);
	CHECK_EQ(login("alice", code_at(&t, s + 1)), PAM_SUCCESS);
	CHECK(strstr(logbuf, "method=totp result=success") != NULL);
	/* a scratch code: once */
	CHECK_EQ(login("alice", "4815 1623"), PAM_SUCCESS);
	CHECK(strstr(logbuf, "method=backup result=success") != NULL);
	CHECK_EQ(login("alice", "48151623"), PAM_AUTH_ERR);
	CHECK(strstr(logbuf, "result=wrong-code") != NULL);
	CHECK_EQ(login("alice", "42424242"), PAM_SUCCESS);
	/* a scratch code is no app code, nor the other way round */
	CHECK_EQ(login("alice", "123456"), PAM_AUTH_ERR);
	CHECK(strstr(logbuf, "48151623") == NULL);
}

static void
test_oath(void)
{
	static const char *args[] = { "--from", "oath-users", NULL, NULL };
	char path[4200], text[1024], when[32];
	struct tfa_totp t;
	int64_t s = fake_now / 60;
	time_t used = (time_t)(s * 60 + 7);
	struct tm tm;

	totp_of(&t, KEY, 8, 60);
	localtime_r(&used, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SL", &tm);
	snprintf(path, sizeof(path), "%s/users.oath", pamtest.dir);
	snprintf(text, sizeof(text), "# pam_oath\nHOTP/T60/8\tbob\t-\t%s\t0\t"
	    "%s\t%s\nHOTP carol - %s 3\n", KEYHEX, code_at(&t, s), when,
	    KEYHEX);
	tfa_test_write(path, text, 0600);
	args[2] = path;
	/* carol's event-based token cannot come: exit 1, bob imported */
	CHECK_EQ(run_import(args), 1);
	CHECK_EQ(login("bob", code_at(&t, s)), PAM_AUTH_ERR);
	CHECK(strstr(logbuf, "result=replayed-code") != NULL);
	CHECK_EQ(login("bob", code_at(&t, s + 1)), PAM_SUCCESS);
	CHECK_EQ(login("carol", "12345678"), PAM_PERM_DENIED);
	CHECK(strstr(logbuf, "user=carol") && strstr(logbuf, "not-enrolled"));
}

/* RFC 4648 base32, for the secret the real tool printed. */
static size_t
unbase32(const char *s, uint8_t *out, size_t max)
{
	const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", *p;
	unsigned acc = 0, bits = 0;
	size_t n = 0;

	for (; *s != '\0' && *s != '\n'; s++) {
		if ((p = strchr(a, *s)) == NULL)
			return 0;
		acc = (acc << 5) | (unsigned)(p - a);
		bits += 5;
		if (bits >= 8 && n < max) {
			out[n++] = (uint8_t)(acc >> (bits - 8));
			bits -= 8;
		}
	}
	return n;
}

/* A file made by pam_google_authenticator's own google-authenticator. */
static void
test_real_google_authenticator(void)
{
	static const char *args[] = { "--from", "google-authenticator",
		"--user", "dave", NULL, NULL };
	char path[4200], cmd[8600], text[2048], *scratch;
	struct tfa_totp t;
	FILE *fp;
	size_t n;

	if (system("command -v google-authenticator >/dev/null 2>&1") != 0) {
		tfa_skip("google-authenticator (libpam-google-authenticator) "
		    "is not installed");
		return;
	}
	snprintf(path, sizeof(path), "%s/ga-real", pamtest.dir);
	snprintf(cmd, sizeof(cmd), "google-authenticator -t -d -f -r 3 -R 30 "
	    "-w 3 -e 2 -Q none -q -s '%s' >/dev/null 2>&1", path);
	CHECK_EQ(system(cmd), 0);
	if ((fp = fopen(path, "r")) == NULL)
		return;
	n = fread(text, 1, sizeof(text) - 1, fp);
	text[n] = '\0';
	fclose(fp);
	memset(&t, 0, sizeof(t));
	t.secret_len = unbase32(text, t.secret, sizeof(t.secret));
	t.digits = 6;
	t.period = 30;
	t.enabled = true;
	CHECK(t.secret_len >= 10);
	args[4] = path;
	CHECK_EQ(run_import(args), 0);
	CHECK_EQ(login("dave", code_at(&t, fake_now / 30)), PAM_SUCCESS);
	/* its first scratch code: the first all-digit line */
	scratch = strstr(text, "\" TOTP_AUTH\n");
	CHECK(scratch != NULL);
	if (scratch == NULL)
		return;
	scratch += strlen("\" TOTP_AUTH\n");
	scratch[8] = '\0';
	CHECK_EQ(login("dave", scratch), PAM_SUCCESS);
	CHECK(strstr(logbuf, "method=backup result=success") != NULL);
	CHECK_EQ(login("dave", scratch), PAM_AUTH_ERR);
}

int
main(void)
{
	struct timespec ts;

	/* the real clock, at the start of a step: tfa-enroll runs on it */
	clock_gettime(CLOCK_REALTIME, &ts);
	fake_now = ts.tv_sec - ts.tv_sec % 60 + 5;
	pamtest_init("import-login", "");
	pamtest_conf_bare("MaxFailures = 50\n");
	enroll = pamtest_build_path("tfa-enroll");

	test_google_authenticator();
	test_oath();
	test_real_google_authenticator();

	pamtest_done();
	free(enroll);
	return tfa_check_done();
}

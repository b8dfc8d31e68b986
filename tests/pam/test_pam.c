/*
 * PAM-level tests: the built pam_tfa.so driven through the real libpam with
 * pam_start_confdir() and a private service directory.  This program
 * exports time(), pam_syslog() and pam_vsyslog(), so the module's clock is
 * ours to set and its log lines are ours to read; nothing in the module
 * knows it is being tested.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <security/pam_appl.h>

#include "check.h"
#include "config.h"
#include "store.h"
#include "totp.h"

/* ---- the clock and the log, interposed ---- */

static time_t fake_now = 1700000000;
static char logbuf[1 << 16];

time_t
time(time_t *t)
{
	if (t != NULL)
		*t = fake_now;
	return fake_now;
}

void pam_vsyslog(const pam_handle_t *, int, const char *, va_list);
void pam_syslog(const pam_handle_t *, int, const char *, ...);

void
pam_vsyslog(const pam_handle_t *pamh, int prio, const char *fmt, va_list ap)
{
	size_t n = strlen(logbuf);

	(void)pamh;
	(void)prio;
	if (n + 2 < sizeof(logbuf)) {
		vsnprintf(logbuf + n, sizeof(logbuf) - n - 1, fmt, ap);
		strcat(logbuf, "\n");
	}
}

void
pam_syslog(const pam_handle_t *pamh, int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pam_vsyslog(pamh, prio, fmt, ap);
	va_end(ap);
}

/* ---- a scripted conversation ---- */

struct script {
	const char *answer;	/* given to every prompt; NULL fails conv */
	int prompts;		/* prompts seen */
	char said[1024];	/* info and error messages seen */
};

static int
conv(int n, const struct pam_message **msg, struct pam_response **resp,
    void *arg)
{
	struct script *s = arg;
	struct pam_response *r = calloc((size_t)n, sizeof(*r));
	int i;

	for (i = 0; i < n; i++) {
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF ||
		    msg[i]->msg_style == PAM_PROMPT_ECHO_ON) {
			s->prompts++;
			if (s->answer == NULL) {
				free(r);
				return PAM_CONV_ERR;
			}
			r[i].resp = strdup(s->answer);
		} else {
			strncat(s->said, msg[i]->msg,
			    sizeof(s->said) - strlen(s->said) - 2);
			strcat(s->said, "\n");
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

/* ---- fixture ---- */

static char *dir, *store, *confdir, *conffile, *module, *settok;
static struct tfa_config cfg;
static struct tfa_totp alice_totp;

static void
write_stack(const char *first, const char *args)
{
	char path[4096], text[8192];

	snprintf(path, sizeof(path), "%s/tfa-test", confdir);
	snprintf(text, sizeof(text), "%s%sauth required %s config=%s %s\n",
	    first, *first ? "\n" : "", module, conffile, args);
	tfa_test_write(path, text, 0644);
}

static void
write_service(const char *args)
{
	write_stack("", args);
}

static void
write_conf(const char *extra)
{
	char text[4096];

	snprintf(text, sizeof(text), "# test configuration\nStoreDir = %s\n"
	    "MaxFailures = 5\nLockoutMinutes = 10\n%s", store, extra);
	tfa_test_write(conffile, text, 0600);
}

/* Authenticate user through the module; answer every prompt with code. */
static int
login(const char *user, const char *code, struct script *s)
{
	struct pam_conv pc = { conv, s };
	pam_handle_t *pamh = NULL;
	int r;

	memset(s, 0, sizeof(*s));
	s->answer = code;
	r = pam_start_confdir("tfa-test", user, &pc, confdir, &pamh);
	if (r != PAM_SUCCESS)
		return -1;
	pam_set_item(pamh, PAM_RHOST, "192.0.2.7");
	r = pam_authenticate(pamh, 0);
	pam_end(pamh, r);
	return r;
}

static const char *
code_at(const struct tfa_totp *t, time_t when)
{
	static char code[16];

	if (tfa_totp_code(t, tfa_totp_step(t, (int64_t)when), code,
	    sizeof(code)) != TFA_OK)
		abort();
	return code;
}

/* A code that is wrong for every step in the window around when. */
static const char *
wrong_at(const struct tfa_totp *t, time_t when)
{
	static char code[16];
	unsigned v;
	int i;

	for (v = 0;; v++) {
		snprintf(code, sizeof(code), "%06u", v);
		for (i = -3; i <= 3; i++)
			if (strcmp(code, code_at(t, when + 30 * i)) == 0)
				break;
		if (i > 3)
			return code;
	}
}

static void
enroll(const char *user, struct tfa_totp *t, bool disabled)
{
	struct tfa_store *st;
	struct tfa_record rec;

	tfa_record_init(&rec);
	if (tfa_totp_generate(t, fake_now) != TFA_OK ||
	    tfa_store_lock(&cfg, NULL, user, &st) != TFA_OK)
		abort();
	rec.totp = *t;
	rec.disabled = disabled;
	if (tfa_store_save(st, &rec) != TFA_OK)
		abort();
	tfa_store_close(&st);
}

static unsigned
failures_of(const char *user)
{
	struct tfa_record rec;
	unsigned n;

	if (tfa_store_read(&cfg, NULL, user, &rec) != TFA_OK)
		return 9999;
	n = rec.failures;
	tfa_record_wipe(&rec);	/* the record now holds a list of devices */
	return n;
}

/* ---- tests ---- */

/*
 * libpam's verdict tells the module's: with one "required" line, SUCCESS
 * stays PAM_SUCCESS, an error stays itself, and PAM_IGNORE from the only
 * module becomes PAM_PERM_DENIED.
 */
static void
test_right_wrong_replay(void)
{
	struct script s;
	char code[16];

	fake_now += 300;
	snprintf(code, sizeof(code), "%s", code_at(&alice_totp, fake_now));
	CHECK_EQ(login("alice", code, &s), PAM_SUCCESS);
	CHECK_EQ(s.prompts, 2);	/* the code, then "Trust this device?" */
	CHECK(strstr(logbuf, "user=alice service=tfa-test rhost=192.0.2.7 "
	    "method=totp result=success") != NULL);
	CHECK(strstr(logbuf, code) == NULL);

	/* the same code again, even within the same step: refused */
	CHECK_EQ(login("alice", code, &s), PAM_AUTH_ERR);
	CHECK(strstr(logbuf, "result=replayed-code") != NULL);
	CHECK(strstr(s.said, "already used") != NULL);

	/* wrong code */
	CHECK_EQ(login("alice", wrong_at(&alice_totp, fake_now), &s),
	    PAM_AUTH_ERR);
	CHECK(strstr(s.said, "Wrong verification code") != NULL);
	CHECK_EQ(failures_of("alice"), 2);
	/* pressing Enter is not a guess */
	CHECK_EQ(login("alice", "", &s), PAM_AUTH_ERR);
	CHECK_EQ(login("alice", " - ", &s), PAM_AUTH_ERR);
	CHECK_EQ(failures_of("alice"), 2);
	CHECK(strstr(logbuf, "result=empty-answer") != NULL);
	CHECK(strstr(logbuf, "result=wrong-code") != NULL);

	/* next step: a fresh code works and resets the failure count */
	fake_now += 30;
	CHECK_EQ(login("alice", code_at(&alice_totp, fake_now), &s),
	    PAM_SUCCESS);
	CHECK_EQ(failures_of("alice"), 0);

	/* spaces and dashes are ignored */
	fake_now += 30;
	snprintf(code, sizeof(code), "%.3s-%s", code_at(&alice_totp,
	    fake_now), code_at(&alice_totp, fake_now) + 3);
	CHECK_EQ(login("alice", code, &s), PAM_SUCCESS);
}

static void
test_tolerance_window(void)
{
	struct script s;

	/* ClockTolerance 2: now-2 and now+2 steps are good, ±3 are not */
	fake_now += 600;
	CHECK_EQ(login("alice", code_at(&alice_totp, fake_now - 60), &s), PAM_SUCCESS);
	fake_now += 600;
	CHECK_EQ(login("alice", code_at(&alice_totp, fake_now + 90), &s), PAM_AUTH_ERR);
	CHECK_EQ(login("alice", code_at(&alice_totp, fake_now - 90), &s), PAM_AUTH_ERR);
	CHECK_EQ(login("alice", code_at(&alice_totp, fake_now + 60), &s), PAM_SUCCESS);
	/* steps older than the newest accepted one are replays */
	CHECK_EQ(login("alice", code_at(&alice_totp, fake_now + 30), &s), PAM_AUTH_ERR);
	CHECK_EQ(login("alice", code_at(&alice_totp, fake_now), &s), PAM_AUTH_ERR);
	/* tolerance 0 from the module line overrides the file */
	write_service("ClockTolerance=0");
	fake_now += 600;
	CHECK_EQ(login("alice", code_at(&alice_totp, fake_now - 30), &s), PAM_AUTH_ERR);
	CHECK_EQ(login("alice", code_at(&alice_totp, fake_now), &s), PAM_SUCCESS);
	write_service("");
}

static void
test_lockout(void)
{
	struct script s;
	char wrong[16];

	write_service("MaxFailures=3");
	fake_now += 600;
	snprintf(wrong, sizeof(wrong), "%s", wrong_at(&alice_totp, fake_now));
	CHECK_EQ(login("alice", wrong, &s), PAM_AUTH_ERR);
	CHECK_EQ(login("alice", wrong, &s), PAM_AUTH_ERR);
	CHECK_EQ(failures_of("alice"), 2);
	CHECK_EQ(login("alice", wrong, &s), PAM_AUTH_ERR);
	CHECK(strstr(s.said, "Try again in 10 minutes") != NULL);
	CHECK_EQ(failures_of("alice"), 3);
	/* locked: even the right code fails, and nothing is asked */
	CHECK_EQ(login("alice", code_at(&alice_totp, fake_now), &s),
	    PAM_MAXTRIES);
	CHECK_EQ(s.prompts, 0);
	CHECK(strstr(logbuf, "result=locked-out") != NULL);
	fake_now += 9 * 60;
	CHECK_EQ(login("alice", code_at(&alice_totp, fake_now), &s),
	    PAM_MAXTRIES);
	/* the lockout expires */
	fake_now += 61;
	CHECK_EQ(login("alice", code_at(&alice_totp, fake_now), &s),
	    PAM_SUCCESS);
	CHECK_EQ(failures_of("alice"), 0);
	write_service("");
}

static void
test_not_enrolled(void)
{
	struct script s;

	CHECK_EQ(login("bob", "123456", &s), PAM_PERM_DENIED);
	CHECK_EQ(s.prompts, 0);
	CHECK_STR(s.said, "");
	CHECK(strstr(logbuf, "user=bob service=tfa-test rhost=192.0.2.7 "
	    "method=none result=not-enrolled") != NULL);
	/* a name that could forge log fields is logged escaped */
	CHECK_EQ(login("x result=success", "123456", &s), PAM_PERM_DENIED);
	CHECK(strstr(logbuf, "user=x%20result%3Dsuccess service=") != NULL);

	write_service("ShowRecommendationToConfigure=true");
	CHECK_EQ(login("bob", "123456", &s), PAM_PERM_DENIED);
	CHECK(strstr(s.said, "tfa-enroll totp") != NULL);

	write_service("Enforce=true");
	CHECK_EQ(login("bob", "123456", &s), PAM_AUTH_ERR);
	CHECK_EQ(s.prompts, 0);
	CHECK(strstr(logbuf, "user=bob service=tfa-test rhost=192.0.2.7 "
	    "method=none result=denied-not-enrolled") != NULL);
	/* an enrolled user still needs the code under Enforce */
	fake_now += 600;
	CHECK_EQ(login("alice", code_at(&alice_totp, fake_now), &s),
	    PAM_SUCCESS);
	write_service("");
}

static void
test_disabled(void)
{
	struct tfa_totp carol;
	struct script s;

	/* Disabled=true: the module does nothing at all */
	write_service("Disabled=true");
	CHECK_EQ(login("alice", NULL, &s), PAM_PERM_DENIED);
	CHECK_EQ(s.prompts, 0);
	write_service("");

	/* a user whose second factor an admin turned off */
	enroll("carol", &carol, true);
	CHECK_EQ(login("carol", NULL, &s), PAM_PERM_DENIED);
	CHECK_EQ(s.prompts, 0);
	CHECK(strstr(logbuf, "user=carol service=tfa-test rhost=192.0.2.7 "
	    "method=none result=disabled-by-admin") != NULL);

	/* an app the policy forbids is not a second factor */
	write_service("AllowAuthenticatorApp=false Enforce=true");
	CHECK_EQ(login("alice", code_at(&alice_totp, fake_now + 600), &s), PAM_AUTH_ERR);
	CHECK_EQ(s.prompts, 0);
	write_service("");
}

static void
test_config_errors(void)
{
	struct script s;
	char text[4096];

	/* an unknown key fails closed, naming file and line */
	logbuf[0] = '\0';
	snprintf(text, sizeof(text), "StoreDir = %s\nMaxFailures = 3\n"
	    "NoSuchKey = 1\n", store);
	tfa_test_write(conffile, text, 0600);
	CHECK_EQ(login("bob", NULL, &s), PAM_AUTH_ERR);
	snprintf(text, sizeof(text), "%s:3: unknown key", conffile);
	CHECK(strstr(logbuf, text) != NULL);

	snprintf(text, sizeof(text), "StoreDir = %s\nClockTolerance = 99\n",
	    store);
	tfa_test_write(conffile, text, 0600);
	CHECK_EQ(login("bob", NULL, &s), PAM_AUTH_ERR);
	snprintf(text, sizeof(text), "%s:2: ClockTolerance must be", conffile);
	CHECK(strstr(logbuf, text) != NULL);

	/* a writable-by-others config is not trusted */
	write_conf("");
	chmod(conffile, 0666);
	CHECK_EQ(login("bob", NULL, &s), PAM_AUTH_ERR);
	chmod(conffile, 0600);

	/* an unknown module argument fails closed too */
	write_service("Bogus=1");
	logbuf[0] = '\0';
	CHECK_EQ(login("bob", NULL, &s), PAM_AUTH_ERR);
	CHECK(strstr(logbuf, "module argument \"Bogus\": unknown key") !=
	    NULL);
	write_service("");
	CHECK_EQ(login("bob", NULL, &s), PAM_PERM_DENIED);
}

static void
test_hostile(void)
{
	struct script s;
	char big[10001];

	/* user names that cannot name a record */
	CHECK_EQ(login("../alice", NULL, &s), PAM_AUTH_ERR);
	CHECK_EQ(login(".alice", NULL, &s), PAM_AUTH_ERR);
	CHECK_EQ(login("al\nice", NULL, &s), PAM_AUTH_ERR);

	/* a 10 000-digit answer is a wrong code, not a crash */
	fake_now += 600;
	memset(big, '1', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK_EQ(login("alice", big, &s), PAM_AUTH_ERR);
	CHECK_EQ(failures_of("alice"), 1);
	/* a conversation that fails is a failure that counts nothing */
	CHECK_EQ(login("alice", NULL, &s), PAM_CONV_ERR);
	CHECK_EQ(failures_of("alice"), 1);
	CHECK_EQ(login("alice", code_at(&alice_totp, fake_now), &s),
	    PAM_SUCCESS);

	/* an unsafe store fails closed, for every user */
	chmod(store, 0777);
	CHECK_EQ(login("bob", NULL, &s), PAM_AUTH_ERR);
	CHECK_EQ(login("alice", NULL, &s), PAM_AUTH_ERR);
	chmod(store, 0700);
}

static void
test_password_echo(void)
{
	struct script s;

	char first[4200];

	/* a client answering the code prompt with its password is no typo */
	snprintf(first, sizeof(first), "auth required %s", settok);
	write_stack(first, "");
	fake_now += 600;
	CHECK_EQ(login("alice", "hunter2-pass", &s), PAM_AUTH_ERR);
	CHECK_EQ(s.prompts, 2);
	CHECK_EQ(failures_of("alice"), 0);
	CHECK(strstr(logbuf, "result=client-cannot-answer-prompt") != NULL);
	CHECK(strstr(logbuf, "hunter2") == NULL);
}

int
main(void)
{
	const char *build = getenv("BUILD");
	char *cwd = getcwd(NULL, 0), other[4200];

	dir = tfa_test_tmpdir("pam");
	if (asprintf(&store, "%s/store", dir) < 0 ||
	    asprintf(&confdir, "%s/pam.d", dir) < 0 ||
	    asprintf(&conffile, "%s/pam_tfa.conf", dir) < 0 ||
	    asprintf(&module, "%s/%s/pam_tfa.so", cwd,
	    build ? build : "build") < 0 ||
	    asprintf(&settok, "%s/%s/tests/pam_settok.so", cwd,
	    build ? build : "build") < 0)
		return 2;
	mkdir(store, 0700);
	mkdir(confdir, 0700);
	write_conf("");
	write_service("");
	snprintf(other, sizeof(other), "%s/other", confdir);
	tfa_test_write(other, "auth required pam_deny.so\n", 0644);
	tfa_config_init(&cfg);
	tfa_strlcpy(cfg.store_dir, store, sizeof(cfg.store_dir));
	enroll("alice", &alice_totp, false);

	test_right_wrong_replay();
	test_tolerance_window();
	test_lockout();
	test_not_enrolled();
	test_disabled();
	test_config_errors();
	test_hostile();
	test_password_echo();

	if (getenv("TFA_TEST_KEEP") == NULL) {
		char cmd[4200];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", dir);
	}
	free(cwd);
	if (getenv("TFA_TEST_LOG") != NULL)
		fputs(logbuf, stdout);
	return tfa_check_done();
}

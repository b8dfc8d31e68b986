/*
 * PAM-level tests: the built pam_tfa.so driven through the real libpam with
 * pam_start_confdir() and a private service directory.  This program
 * exports time(), pam_syslog() and pam_vsyslog() (pamtest_hooks.h), so the
 * module's clock is ours to set and its log lines are ours to read; nothing
 * in the module knows it is being tested.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <security/pam_appl.h>

#include "check.h"
#include "pamtest.h"
#include "pamtest_hooks.h"
#include "store.h"
#include "totp.h"

static struct tfa_totp alice_totp;

/* alice's code for the step holding when */
static const char *
alice_at(time_t when)
{
	return pamtest_code(&alice_totp, when);
}

static void
enroll(const char *user, struct tfa_totp *t, bool disabled)
{
	struct tfa_record rec;

	tfa_record_init(&rec);
	if (tfa_totp_generate(t, fake_now) != TFA_OK)
		abort();
	rec.totp = *t;
	rec.disabled = disabled;
	pamtest_save(user, &rec);
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
	struct pamtest_conv s;
	char code[16];

	fake_now += 300;
	snprintf(code, sizeof(code), "%s", alice_at(fake_now));
	CHECK_EQ(pamtest_login("alice", code, &s), PAM_SUCCESS);
	CHECK_EQ(s.prompts, 2);	/* the code, then "Trust this device?" */
	CHECK(strstr(logbuf, "user=alice service=tfa-test rhost=192.0.2.7 "
	    "method=totp result=success") != NULL);
	CHECK(strstr(logbuf, code) == NULL);

	/* the same code again, even within the same step: refused */
	CHECK_EQ(pamtest_login("alice", code, &s), PAM_AUTH_ERR);
	CHECK(strstr(logbuf, "result=replayed-code") != NULL);
	CHECK(strstr(s.said, "already used") != NULL);

	/* wrong code */
	CHECK_EQ(pamtest_login("alice", pamtest_wrong(&alice_totp, fake_now),
	    &s), PAM_AUTH_ERR);
	CHECK(strstr(s.said, "Wrong verification code") != NULL);
	CHECK_EQ(pamtest_failures("alice"), 2);
	/* pressing Enter is not a guess */
	CHECK_EQ(pamtest_login("alice", "", &s), PAM_AUTH_ERR);
	CHECK_EQ(pamtest_login("alice", " - ", &s), PAM_AUTH_ERR);
	CHECK_EQ(pamtest_failures("alice"), 2);
	CHECK(strstr(logbuf, "result=empty-answer") != NULL);
	CHECK(strstr(logbuf, "result=wrong-code") != NULL);

	/* next step: a fresh code works and resets the failure count */
	fake_now += 30;
	CHECK_EQ(pamtest_login("alice", alice_at(fake_now), &s),
	    PAM_SUCCESS);
	CHECK_EQ(pamtest_failures("alice"), 0);

	/* spaces and dashes are ignored */
	fake_now += 30;
	snprintf(code, sizeof(code), "%.3s-%s", pamtest_code(&alice_totp,
	    fake_now), alice_at(fake_now) + 3);
	CHECK_EQ(pamtest_login("alice", code, &s), PAM_SUCCESS);
}

static void
test_tolerance_window(void)
{
	struct pamtest_conv s;

	/* ClockTolerance 2: now-2 and now+2 steps are good, ±3 are not */
	fake_now += 600;
	CHECK_EQ(pamtest_login("alice", alice_at(fake_now - 60), &s),
	    PAM_SUCCESS);
	fake_now += 600;
	CHECK_EQ(pamtest_login("alice", alice_at(fake_now + 90), &s),
	    PAM_AUTH_ERR);
	CHECK_EQ(pamtest_login("alice", alice_at(fake_now - 90), &s),
	    PAM_AUTH_ERR);
	CHECK_EQ(pamtest_login("alice", alice_at(fake_now + 60), &s),
	    PAM_SUCCESS);
	/* steps older than the newest accepted one are replays */
	CHECK_EQ(pamtest_login("alice", alice_at(fake_now + 30), &s),
	    PAM_AUTH_ERR);
	CHECK_EQ(pamtest_login("alice", alice_at(fake_now), &s),
	    PAM_AUTH_ERR);
	/* tolerance 0 from the module line overrides the file */
	pamtest_service("ClockTolerance=0");
	fake_now += 600;
	CHECK_EQ(pamtest_login("alice", alice_at(fake_now - 30), &s),
	    PAM_AUTH_ERR);
	CHECK_EQ(pamtest_login("alice", alice_at(fake_now), &s),
	    PAM_SUCCESS);
	pamtest_service("");
}

static void
test_lockout(void)
{
	struct pamtest_conv s;
	char wrong[16];

	pamtest_service("MaxFailures=3");
	fake_now += 600;
	snprintf(wrong, sizeof(wrong), "%s",
	    pamtest_wrong(&alice_totp, fake_now));
	CHECK_EQ(pamtest_login("alice", wrong, &s), PAM_AUTH_ERR);
	CHECK_EQ(pamtest_login("alice", wrong, &s), PAM_AUTH_ERR);
	CHECK_EQ(pamtest_failures("alice"), 2);
	CHECK_EQ(pamtest_login("alice", wrong, &s), PAM_AUTH_ERR);
	CHECK(strstr(s.said, "Try again in 10 minutes") != NULL);
	CHECK_EQ(pamtest_failures("alice"), 3);
	/* locked: even the right code fails, and nothing is asked */
	CHECK_EQ(pamtest_login("alice", alice_at(fake_now), &s),
	    PAM_MAXTRIES);
	CHECK_EQ(s.prompts, 0);
	CHECK(strstr(logbuf, "result=locked-out") != NULL);
	fake_now += 9 * 60;
	CHECK_EQ(pamtest_login("alice", alice_at(fake_now), &s),
	    PAM_MAXTRIES);
	/* the lockout expires */
	fake_now += 61;
	CHECK_EQ(pamtest_login("alice", alice_at(fake_now), &s),
	    PAM_SUCCESS);
	CHECK_EQ(pamtest_failures("alice"), 0);
	pamtest_service("");
}

static void
test_not_enrolled(void)
{
	struct pamtest_conv s;

	CHECK_EQ(pamtest_login("bob", "123456", &s), PAM_PERM_DENIED);
	CHECK_EQ(s.prompts, 0);
	CHECK_STR(s.said, "");
	CHECK(strstr(logbuf, "user=bob service=tfa-test rhost=192.0.2.7 "
	    "method=none result=not-enrolled") != NULL);
	/* a name that could forge log fields is logged escaped */
	CHECK_EQ(pamtest_login("x result=success", "123456", &s),
	    PAM_PERM_DENIED);
	CHECK(strstr(logbuf, "user=x%20result%3Dsuccess service=") != NULL);

	pamtest_service("ShowRecommendationToConfigure=true");
	CHECK_EQ(pamtest_login("bob", "123456", &s), PAM_PERM_DENIED);
	CHECK(strstr(s.said, "tfa-enroll totp") != NULL);

	pamtest_service("Enforce=true");
	CHECK_EQ(pamtest_login("bob", "123456", &s), PAM_AUTH_ERR);
	CHECK_EQ(s.prompts, 0);
	CHECK(strstr(logbuf, "user=bob service=tfa-test rhost=192.0.2.7 "
	    "method=none result=denied-not-enrolled") != NULL);
	/* an enrolled user still needs the code under Enforce */
	fake_now += 600;
	CHECK_EQ(pamtest_login("alice", alice_at(fake_now), &s),
	    PAM_SUCCESS);
	pamtest_service("");
}

static void
test_disabled(void)
{
	struct tfa_totp carol;
	struct pamtest_conv s;

	/* Disabled=true: the module does nothing at all */
	pamtest_service("Disabled=true");
	CHECK_EQ(pamtest_login("alice", NULL, &s), PAM_PERM_DENIED);
	CHECK_EQ(s.prompts, 0);
	pamtest_service("");

	/* a user whose second factor an admin turned off */
	enroll("carol", &carol, true);
	CHECK_EQ(pamtest_login("carol", NULL, &s), PAM_PERM_DENIED);
	CHECK_EQ(s.prompts, 0);
	CHECK(strstr(logbuf, "user=carol service=tfa-test rhost=192.0.2.7 "
	    "method=none result=disabled-by-admin") != NULL);

	/* an app the policy forbids is not a second factor */
	pamtest_service("AllowAuthenticatorApp=false Enforce=true");
	CHECK_EQ(pamtest_login("alice", alice_at(fake_now + 600), &s),
	    PAM_AUTH_ERR);
	CHECK_EQ(s.prompts, 0);
	pamtest_service("");
}

static void
test_config_errors(void)
{
	struct pamtest_conv s;
	char text[4096];

	/* an unknown key fails closed, naming file and line */
	logbuf[0] = '\0';
	snprintf(text, sizeof(text), "StoreDir = %s\nMaxFailures = 3\n"
	    "NoSuchKey = 1\n", pamtest.store);
	tfa_test_write(pamtest.conffile, text, 0600);
	CHECK_EQ(pamtest_login("bob", NULL, &s), PAM_AUTH_ERR);
	snprintf(text, sizeof(text), "%s:3: unknown key", pamtest.conffile);
	CHECK(strstr(logbuf, text) != NULL);

	snprintf(text, sizeof(text), "StoreDir = %s\nClockTolerance = 99\n",
	    pamtest.store);
	tfa_test_write(pamtest.conffile, text, 0600);
	CHECK_EQ(pamtest_login("bob", NULL, &s), PAM_AUTH_ERR);
	snprintf(text, sizeof(text), "%s:2: ClockTolerance must be",
	    pamtest.conffile);
	CHECK(strstr(logbuf, text) != NULL);

	/* a writable-by-others config is not trusted */
	pamtest_conf("");
	chmod(pamtest.conffile, 0666);
	CHECK_EQ(pamtest_login("bob", NULL, &s), PAM_AUTH_ERR);
	chmod(pamtest.conffile, 0600);

	/* an unknown module argument fails closed too */
	pamtest_service("Bogus=1");
	logbuf[0] = '\0';
	CHECK_EQ(pamtest_login("bob", NULL, &s), PAM_AUTH_ERR);
	CHECK(strstr(logbuf, "module argument \"Bogus\": unknown key") !=
	    NULL);

	/*
	 * so does an argument given twice, however its name is written,
	 * instead of the last one quietly winning
	 */
	pamtest_service("Enforce=true MaxFailures=3 enforce=false");
	logbuf[0] = '\0';
	CHECK_EQ(pamtest_login("bob", NULL, &s), PAM_AUTH_ERR);
	CHECK(strstr(logbuf, "module argument \"enforce\": already set by "
	    "argument 2; refusing all logins") != NULL);
	pamtest_service("Enforce=false Enforce=false");
	CHECK_EQ(pamtest_login("bob", NULL, &s), PAM_AUTH_ERR);
	snprintf(text, sizeof(text), "config=%s", pamtest.conffile);
	pamtest_service(text);
	logbuf[0] = '\0';
	CHECK_EQ(pamtest_login("bob", NULL, &s), PAM_AUTH_ERR);
	CHECK(strstr(logbuf, "module argument \"config\": already set by "
	    "argument 1") != NULL);
	pamtest_service("mode=interactive mode=interactive");
	CHECK_EQ(pamtest_login("bob", NULL, &s), PAM_AUTH_ERR);
	pamtest_service("");
	CHECK_EQ(pamtest_login("bob", NULL, &s), PAM_PERM_DENIED);
}

/* bob (not enrolled) from rhost: logged with rhost=want and no other. */
static void
log_host(const char *rhost, const char *want)
{
	struct pamtest_conv s = { 0 };
	char line[512];
	const char *p;

	logbuf[0] = '\0';
	CHECK_EQ(pamtest_run(PAMTEST_SERVICE, "bob", rhost, NULL, 0, &s),
	    PAM_PERM_DENIED);
	snprintf(line, sizeof(line), "user=bob service=tfa-test rhost=%s "
	    "method=none result=not-enrolled\n", want);
	if (!CHECK(strstr(logbuf, line) != NULL))
		printf("# wanted %s# got %s", line, logbuf);
	p = strstr(logbuf, "rhost=");
	CHECK(p != NULL && strstr(p + 1, "rhost=") == NULL);
}

static void
test_hostile(void)
{
	struct pamtest_conv s;
	char big[10001];

	/* user names that cannot name a record */
	CHECK_EQ(pamtest_login("../alice", NULL, &s), PAM_AUTH_ERR);
	CHECK_EQ(pamtest_login(".alice", NULL, &s), PAM_AUTH_ERR);
	CHECK_EQ(pamtest_login("al\nice", NULL, &s), PAM_AUTH_ERR);

	/* a 10 000-digit answer is a wrong code, not a crash */
	fake_now += 600;
	memset(big, '1', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK_EQ(pamtest_login("alice", big, &s), PAM_AUTH_ERR);
	CHECK_EQ(pamtest_failures("alice"), 1);
	/* a conversation that fails is a failure that counts nothing */
	CHECK_EQ(pamtest_login("alice", NULL, &s), PAM_CONV_ERR);
	CHECK_EQ(pamtest_failures("alice"), 1);
	CHECK_EQ(pamtest_login("alice", alice_at(fake_now), &s),
	    PAM_SUCCESS);

	/* a client's host name cannot forge a field of the log line */
	log_host("x?rhost=203.0.113.9", "x%3Frhost%3D203.0.113.9");
	log_host("a b=c%3D", "a%20b%3Dc%253D");
	log_host("2001:db8::1", "2001:db8::1");
	log_host("-", "%2D");
	memset(big, '=', 200);
	big[200] = '\0';
	log_host(big, "%3D%3D%3D%3D%3D%3D%3D%3D%3D%3D%3D%3D%3D%3D%3D%3D"
	    "%3D%3D%3D%3D%3D%3D%3D%3D%3D%3D%3D%3D%3D%3D%3D%3D%3D%3D%3D%3D%3D"
	    "%3D%3D%3D%3D%3D");	/* 42 whole escapes fit in 127 bytes */

	/* an unsafe store fails closed, for every user */
	chmod(pamtest.store, 0777);
	CHECK_EQ(pamtest_login("bob", NULL, &s), PAM_AUTH_ERR);
	CHECK_EQ(pamtest_login("alice", NULL, &s), PAM_AUTH_ERR);
	chmod(pamtest.store, 0700);
}

static void
test_password_echo(void)
{
	struct pamtest_conv s;

	char first[4200];

	/* a client answering the code prompt with its password is no typo */
	snprintf(first, sizeof(first), "auth required %s", pamtest.settok);
	pamtest_stack(PAMTEST_SERVICE, first, "");
	fake_now += 600;
	CHECK_EQ(pamtest_login("alice", "hunter2-pass", &s), PAM_AUTH_ERR);
	CHECK_EQ(s.prompts, 2);
	CHECK_EQ(pamtest_failures("alice"), 0);
	CHECK(strstr(logbuf, "result=client-cannot-answer-prompt") != NULL);
	CHECK(strstr(logbuf, "hunter2") == NULL);
}

int
main(void)
{
	pamtest_init("pam", "");
	enroll("alice", &alice_totp, false);

	test_right_wrong_replay();
	test_tolerance_window();
	test_lockout();
	test_not_enrolled();
	test_disabled();
	test_config_errors();
	test_hostile();
	test_password_echo();

	pamtest_done();
	if (getenv("TFA_TEST_LOG") != NULL)
		fputs(logbuf, stdout);
	return tfa_check_done();
}

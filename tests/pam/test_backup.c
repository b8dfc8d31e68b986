/*
 * Backup codes at login, through the built pam_tfa.so and the real libpam:
 * right, wrong and reused codes, a regenerated set, the forms a code may be
 * typed in, the "N backup codes left" notice, and the policy (no app, or
 * AllowBackupCodes=false: refused).  The clock and the log are this
 * program's (pamtest_hooks.h).
 */
#include <ctype.h>
#include <stdlib.h>

#include <security/pam_appl.h>

#include "backup.h"
#include "check.h"
#include "pamtest.h"
#include "pamtest_hooks.h"
#include "totp.h"

#define LOG_OK(user) "user=" user " service=" PAMTEST_SERVICE " rhost=" \
	PAMTEST_RHOST " method=backup result=success"

static struct tfa_totp alice_totp;
static char alice_codes[TFA_BACKUP_COUNT][TFA_BACKUP_SHOWN];

/* A record with an app (when totp is not NULL) and a new set of codes. */
static void
enroll(const char *user, struct tfa_totp *totp,
    char codes[TFA_BACKUP_COUNT][TFA_BACKUP_SHOWN])
{
	struct tfa_record rec;

	tfa_record_init(&rec);
	if (totp != NULL) {
		if (tfa_totp_generate(totp, fake_now) != TFA_OK)
			abort();
		rec.totp = *totp;
	}
	if (tfa_backup_generate(&rec.backup, codes, fake_now) != TFA_OK)
		abort();
	pamtest_save(user, &rec);
	tfa_record_wipe(&rec);
}

/* A new set for a user who has one: everything else stays. */
static void
regenerate(const char *user, char codes[TFA_BACKUP_COUNT][TFA_BACKUP_SHOWN])
{
	struct tfa_record rec;

	if (!pamtest_read(user, &rec) ||
	    tfa_backup_generate(&rec.backup, codes, fake_now) != TFA_OK)
		abort();
	pamtest_save(user, &rec);
	tfa_record_wipe(&rec);
}

static long
left_of(const char *user)
{
	struct tfa_record rec;
	long n;

	if (!pamtest_read(user, &rec))
		return -1;
	n = (long)tfa_backup_left(&rec.backup);
	tfa_record_wipe(&rec);
	return n;
}

static long
failures_of(const char *user)
{
	struct tfa_record rec;
	long n;

	if (!pamtest_read(user, &rec))
		return -1;
	n = (long)rec.failures;
	tfa_record_wipe(&rec);
	return n;
}

/* A well-formed backup code that is none of the set's. */
static const char *
not_a_code(char codes[TFA_BACKUP_COUNT][TFA_BACKUP_SHOWN])
{
	static const char *const tries[] = { "22222-22222", "33333-33333" };
	int i;

	for (i = 0; i < TFA_BACKUP_COUNT; i++)
		if (strcmp(codes[i], tries[0]) == 0)
			return tries[1];
	return tries[0];
}

/* A good TOTP login: resets the failure count between the tests. */
static void
fresh_start(void)
{
	struct pamtest_conv c;

	fake_now += 600;
	CHECK_EQ(pamtest_login("alice", pamtest_code(&alice_totp, fake_now),
	    &c), PAM_SUCCESS);
	CHECK_EQ(failures_of("alice"), 0);
}

static void
test_right_wrong_reused(void)
{
	struct pamtest_conv c;

	logbuf[0] = '\0';
	CHECK_EQ(pamtest_login("alice", alice_codes[0], &c), PAM_SUCCESS);
	CHECK_EQ(c.prompts, 1);
	CHECK(strstr(logbuf, LOG_OK("alice")) != NULL);
	CHECK(strstr(logbuf, alice_codes[0]) == NULL);
	CHECK_EQ(left_of("alice"), TFA_BACKUP_COUNT - 1);
	/* plenty left: nothing said */
	CHECK(strstr(c.said, "backup code") == NULL);

	/* a wrong code: refused, counted, nothing spent */
	logbuf[0] = '\0';
	CHECK_EQ(pamtest_login("alice", not_a_code(alice_codes), &c),
	    PAM_AUTH_ERR);
	CHECK(strstr(c.said, "Wrong verification code") != NULL);
	CHECK(strstr(logbuf, "method=none result=wrong-code") != NULL);
	CHECK_EQ(failures_of("alice"), 1);
	CHECK_EQ(left_of("alice"), TFA_BACKUP_COUNT - 1);

	/* the code used above: refused the second time, counted */
	logbuf[0] = '\0';
	CHECK_EQ(pamtest_login("alice", alice_codes[0], &c), PAM_AUTH_ERR);
	CHECK(strstr(logbuf, "result=wrong-code") != NULL);
	CHECK(strstr(logbuf, "result=success") == NULL);
	CHECK_EQ(failures_of("alice"), 2);
	CHECK_EQ(left_of("alice"), TFA_BACKUP_COUNT - 1);

	/* a right one resets the count, like any good second factor */
	CHECK_EQ(pamtest_login("alice", alice_codes[1], &c), PAM_SUCCESS);
	CHECK_EQ(failures_of("alice"), 0);
	CHECK_EQ(left_of("alice"), TFA_BACKUP_COUNT - 2);
}

/* "abcde-fghjk" typed as "ABCDE-FGHJK", "abcdefghjk", " ab cde\tfg-hjk ". */
static void
test_forms(void)
{
	struct pamtest_conv c;
	char typed[64];
	size_t i, o;

	for (i = 0; alice_codes[2][i] != '\0'; i++)
		typed[i] = (char)toupper((unsigned char)alice_codes[2][i]);
	typed[i] = '\0';
	CHECK_EQ(pamtest_login("alice", typed, &c), PAM_SUCCESS);

	for (i = o = 0; alice_codes[3][i] != '\0'; i++)
		if (alice_codes[3][i] != '-')
			typed[o++] = alice_codes[3][i];
	typed[o] = '\0';
	CHECK_EQ(strlen(typed), TFA_BACKUP_CHARS);
	CHECK_EQ(pamtest_login("alice", typed, &c), PAM_SUCCESS);

	snprintf(typed, sizeof(typed), " %.2s %.3s\t%.2s-%.3s ",
	    alice_codes[4], alice_codes[4] + 2, alice_codes[4] + 6,
	    alice_codes[4] + 8);
	CHECK_EQ(pamtest_login("alice", typed, &c), PAM_SUCCESS);
	CHECK_EQ(left_of("alice"), TFA_BACKUP_COUNT - 5);
	/* and a code one letter off is wrong, in any form */
	snprintf(typed, sizeof(typed), "%s", alice_codes[5]);
	typed[0] = typed[0] == 'a' ? 'b' : 'a';
	CHECK_EQ(pamtest_login("alice", typed, &c), PAM_AUTH_ERR);
	CHECK_EQ(left_of("alice"), TFA_BACKUP_COUNT - 5);
}

/* "You have N backup codes left" from 3 down to 0, and not at 4. */
static void
test_left_notice(void)
{
	static const char *const said[] = {
		"You have 0 backup codes left. Make new ones with: "
		"tfa-enroll backup-codes",
		"You have 1 backup code left. Make new ones with: "
		"tfa-enroll backup-codes",
		"You have 2 backup codes left.",
		"You have 3 backup codes left.",
	};
	struct pamtest_conv c;
	int i;

	fresh_start();
	/* codes 0-4 are spent; 5 takes us to 4 left: still quiet */
	CHECK_EQ(pamtest_login("alice", alice_codes[5], &c), PAM_SUCCESS);
	CHECK_EQ(left_of("alice"), 4);
	CHECK(strstr(c.said, "backup code") == NULL);
	for (i = 6; i < TFA_BACKUP_COUNT; i++) {
		long left = TFA_BACKUP_COUNT - 1 - i;

		logbuf[0] = '\0';
		CHECK_EQ(pamtest_login("alice", alice_codes[i], &c),
		    PAM_SUCCESS);
		CHECK_EQ(left_of("alice"), left);
		CHECK(strstr(c.said, said[left]) != NULL);
		CHECK(strstr(logbuf, LOG_OK("alice")) != NULL);
	}
	/* all spent: every one of them is refused, the app still works */
	CHECK_EQ(pamtest_login("alice", alice_codes[9], &c), PAM_AUTH_ERR);
	CHECK_EQ(pamtest_login("alice", alice_codes[6], &c), PAM_AUTH_ERR);
	fresh_start();
}

static void
test_regenerated(void)
{
	char old[TFA_BACKUP_COUNT][TFA_BACKUP_SHOWN];
	struct pamtest_conv c;

	/* every code is spent; a new set has ten again */
	regenerate("alice", old);
	CHECK_EQ(left_of("alice"), TFA_BACKUP_COUNT);
	/* and the set after it voids those, none of them ever used */
	regenerate("alice", alice_codes);
	CHECK_EQ(left_of("alice"), TFA_BACKUP_COUNT);
	CHECK_EQ(pamtest_login("alice", old[0], &c), PAM_AUTH_ERR);
	CHECK_EQ(pamtest_login("alice", old[9], &c), PAM_AUTH_ERR);
	CHECK_EQ(left_of("alice"), TFA_BACKUP_COUNT);
	CHECK_EQ(failures_of("alice"), 2);
	CHECK_EQ(pamtest_login("alice", alice_codes[9], &c), PAM_SUCCESS);
	CHECK_EQ(left_of("alice"), TFA_BACKUP_COUNT - 1);
	CHECK_EQ(failures_of("alice"), 0);
}

/* Backup codes stand in for an app or key; alone they are no factor. */
static void
test_no_app(void)
{
	char codes[TFA_BACKUP_COUNT][TFA_BACKUP_SHOWN];
	struct pamtest_conv c;

	enroll("bob", NULL, codes);
	logbuf[0] = '\0';
	/* not enrolled: PAM_IGNORE, which one "required" line turns into
	   PAM_PERM_DENIED; no prompt, the code untouched */
	CHECK_EQ(pamtest_login("bob", codes[0], &c), PAM_PERM_DENIED);
	CHECK_EQ(c.prompts, 0);
	CHECK(strstr(logbuf, "user=bob service=" PAMTEST_SERVICE " rhost="
	    PAMTEST_RHOST " method=none result=not-enrolled") != NULL);
	CHECK(strstr(logbuf, "method=backup") == NULL);
	CHECK_EQ(left_of("bob"), TFA_BACKUP_COUNT);

	pamtest_service("Enforce=true");
	CHECK_EQ(pamtest_login("bob", codes[0], &c), PAM_AUTH_ERR);
	CHECK_EQ(c.prompts, 0);
	CHECK(strstr(logbuf, "user=bob service=" PAMTEST_SERVICE " rhost="
	    PAMTEST_RHOST " method=none result=denied-not-enrolled") != NULL);
	CHECK_EQ(left_of("bob"), TFA_BACKUP_COUNT);

	/* an app the policy forbids does not count either */
	pamtest_service("Enforce=true AllowAuthenticatorApp=false");
	CHECK_EQ(pamtest_login("alice", alice_codes[0], &c), PAM_AUTH_ERR);
	CHECK_EQ(c.prompts, 0);
	CHECK_EQ(left_of("alice"), TFA_BACKUP_COUNT - 1);
	pamtest_service("");
}

static void
test_not_allowed(void)
{
	struct pamtest_conv c;

	fresh_start();
	pamtest_service("AllowBackupCodes=false");
	logbuf[0] = '\0';
	CHECK_EQ(pamtest_login("alice", alice_codes[0], &c), PAM_AUTH_ERR);
	CHECK_EQ(c.prompts, 1);
	CHECK(strstr(logbuf, "result=wrong-code") != NULL);
	CHECK(strstr(logbuf, "method=backup") == NULL);
	CHECK_EQ(left_of("alice"), TFA_BACKUP_COUNT - 1);
	CHECK_EQ(failures_of("alice"), 1);
	/* the same code, allowed again: it was refused by policy only */
	pamtest_service("");
	CHECK_EQ(pamtest_login("alice", alice_codes[0], &c), PAM_SUCCESS);
	CHECK_EQ(left_of("alice"), TFA_BACKUP_COUNT - 2);
}

int
main(void)
{
	/* no "Trust this device?" question: one prompt per login */
	pamtest_init("backup", "TrustDevicesForDays = 0\n");
	enroll("alice", &alice_totp, alice_codes);

	test_right_wrong_reused();
	test_forms();
	test_left_notice();
	test_regenerated();
	test_no_app();
	test_not_allowed();

	explicit_bzero(alice_codes, sizeof(alice_codes));
	pamtest_done();
	if (getenv("TFA_TEST_LOG") != NULL)
		fputs(logbuf, stdout);
	return tfa_check_done();
}

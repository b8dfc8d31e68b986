/*
 * Mail mode and trusted devices through the real libpam: the stack
 *   split / password module / verify
 * with pam_settok.so expect=PASSWORD as the password module, services
 * "imap" and "smtp" (the service class), a Dovecot-like conversation that
 * answers every prompt with the one secret, and the interactive trust
 * question.  Like test_pam, this program exports time() and pam_syslog()
 * (pamtest_hooks.h); the conversation is its own.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <security/pam_appl.h>

#include "apppw.h"
#include "backup.h"
#include "check.h"
#include "device.h"
#include "mail.h"
#include "pamtest.h"
#include "pamtest_hooks.h"
#include "store.h"
#include "totp.h"

#define PW "correct horse"

static int leaked;		/* the password reached a log line */

static void
watch_password(const char *line)
{
	leaked |= strstr(line, "horse") != NULL;
}

struct script {
	const char *secret;	/* every ECHO_OFF prompt */
	const char *echo_on;	/* every ECHO_ON prompt */
	int prompts, questions;
};

static int
conv(int n, const struct pam_message **msg, struct pam_response **resp,
    void *arg)
{
	struct script *s = arg;
	struct pam_response *r = calloc((size_t)n, sizeof(*r));
	int i;

	for (i = 0; i < n; i++) {
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF) {
			s->prompts++;
			r[i].resp = strdup(s->secret);
		} else if (msg[i]->msg_style == PAM_PROMPT_ECHO_ON) {
			s->questions++;
			r[i].resp = strdup(s->echo_on ? s->echo_on : "");
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

static struct tfa_totp alice;

/* The mail stack for service name, with extra module arguments. */
static void
write_mail(const char *service, const char *args)
{
	char text[16384];

	snprintf(text, sizeof(text),
	    "auth [success=done ignore=ignore default=die] %s mode=split "
	    "config=%s %s\n"
	    "auth requisite %s [expect=" PW "] use_first_pass\n"
	    "auth required %s mode=verify config=%s %s\n",
	    pamtest.module, pamtest.conffile, args, pamtest.settok,
	    pamtest.module, pamtest.conffile, args);
	pamtest_service_text(service, text);
}

static void
write_interactive(const char *args)
{
	pamtest_stack("tfa-ssh", "", args);
}

static int
login_as(const char *service, const char *user, const char *secret,
    const char *rhost, const char *tty, int flags, struct script *s)
{
	struct pam_conv pc = { conv, s };
	const char *echo_on = s->echo_on;

	memset(s, 0, sizeof(*s));
	s->secret = secret;
	s->echo_on = echo_on;
	return pamtest_run_conv(service, user, rhost, tty, flags, &pc);
}

static int
mail(const char *service, const char *user, const char *secret)
{
	struct script s = { 0 };

	return login_as(service, user, secret, "198.51.100.9", "dovecot", 0,
	    &s);
}

static const char *
code_now(void)
{
	return pamtest_code(&alice, fake_now);
}

/* PW + the current code, as a mail client keeps sending it. */
static const char *
pw_code(void)
{
	static char s[64];

	snprintf(s, sizeof(s), "%s%s", PW, code_now());
	return s;
}

static struct tfa_record rec_of(const char *user);

static struct tfa_record
rec_of(const char *user)
{
	struct tfa_record rec;

	if (!pamtest_read(user, &rec))
		tfa_record_init(&rec);
	return rec;
}

static unsigned
failures_of(const char *user)
{
	struct tfa_record rec = rec_of(user);
	unsigned n = rec.failures;

	tfa_record_wipe(&rec);
	return n;
}

static size_t
devices_of(const char *user)
{
	struct tfa_record rec = rec_of(user);
	size_t n = rec.n_dev;

	tfa_record_wipe(&rec);
	return n;
}

/* Change a user's record under the lock with fn. */
static void
edit(const char *user, void (*fn)(struct tfa_record *, void *), void *arg)
{
	struct tfa_store *st;
	struct tfa_record rec;

	if (tfa_store_lock(&pamtest.cfg, NULL, user, &st) != TFA_OK)
		abort();
	if (tfa_store_load(st, &rec) != TFA_OK)
		tfa_record_init(&rec);
	fn(&rec, arg);
	if (tfa_store_save(st, &rec) != TFA_OK)
		abort();
	tfa_store_close(&st);
	tfa_record_wipe(&rec);
}

static void
set_totp(struct tfa_record *rec, void *arg)
{
	rec->totp = *(struct tfa_totp *)arg;
}

static char backup_codes[TFA_BACKUP_COUNT][TFA_BACKUP_SHOWN];

static void
set_backup(struct tfa_record *rec, void *arg)
{
	(void)arg;
	if (tfa_backup_generate(&rec->backup, backup_codes,
	    (int64_t)fake_now) != TFA_OK)
		abort();
}

static void
set_scratch(struct tfa_record *rec, void *arg)
{
	static const char codes[1][TFA_BACKUP_DIGITS + 1] = { "12345678" };

	(void)arg;
	if (tfa_backup_set_numeric(&rec->backup, codes, 1,
	    (int64_t)fake_now) != TFA_OK)
		abort();
}

static unsigned
backup_left_of(const char *user)
{
	struct tfa_record rec = rec_of(user);
	unsigned n = tfa_backup_left(&rec.backup);

	tfa_record_wipe(&rec);
	return n;
}

struct apppw_req {
	const char *name;
	const char *services;
	int64_t expires;
	char shown[TFA_APPPW_SHOWN];
};

static void
add_apppw(struct tfa_record *rec, void *arg)
{
	struct apppw_req *q = arg;
	struct tfa_apppw *a = tfa_record_add_apppw(rec);

	if (a == NULL || tfa_apppw_generate(a, q->shown) != TFA_OK)
		abort();
	snprintf(a->name, sizeof(a->name), "%s", q->name);
	snprintf(a->services, sizeof(a->services), "%s", q->services);
	a->created = (int64_t)fake_now;
	a->expires = q->expires;
}

static void
drop_devices(struct tfa_record *rec, void *arg)
{
	(void)arg;
	while (rec->n_dev > 0)
		tfa_record_remove_device(rec, 0);
}

static void
expire_devices(struct tfa_record *rec, void *arg)
{
	size_t i;

	(void)arg;
	if (tfa_record_own(rec) != TFA_OK)
		abort();
	for (i = 0; i < rec->n_dev; i++)
		tfa_record_device_at(rec, i)->trusted_until =
		    (int64_t)fake_now - 1;
}

/* The element of a list named or addressed so (list order is not kept). */
static const struct tfa_apppw *
apppw_named(const struct tfa_record *rec, const char *name)
{
	size_t i;

	for (i = 0; i < rec->n_apppw; i++)
		if (strcmp(rec->apppw[i].name, name) == 0)
			return &rec->apppw[i];
	abort();
}

static const struct tfa_device *
device_at(const struct tfa_record *rec, const char *rhost)
{
	static const struct tfa_device none;
	size_t i;

	for (i = 0; i < rec->n_dev; i++)
		if (strcmp(rec->dev[i].rhost, rhost) == 0)
			return &rec->dev[i];
	return &none;
}

/* ---- tests ---- */

static void
test_code_then_remembered(void)
{
	char first[64], wrong[64];
	int i, ok = 1;

	fake_now += 600;
	logbuf[0] = '\0';
	/* a plain password from an enrolled user is refused, counting nothing */
	CHECK_EQ(mail("imap", "alice", PW), PAM_AUTH_ERR);
	CHECK(logged("user=alice service=imap rhost=198.51.100.9 method=none "
	    "result=no-code"));
	CHECK_EQ(failures_of("alice"), 0);

	snprintf(first, sizeof(first), "%s", pw_code());
	CHECK_EQ(mail("imap", "alice", first), PAM_SUCCESS);
	CHECK(logged("service=imap rhost=198.51.100.9 method=totp "
	    "result=success"));
	CHECK_EQ(devices_of("alice"), 1);
	CHECK(!logged(PW) && !logged(code_now()));

	/* the same client reconnects: accepted as a remembered device */
	for (i = 0; i < 30; i++) {
		fake_now += 47;
		ok &= mail("imap", "alice", first) == PAM_SUCCESS;
	}
	CHECK(ok);
	CHECK(logged("method=device result=success"));
	CHECK_EQ(failures_of("alice"), 0);

	/*
	 * the same string on smtp (one mail program's two settings): not a
	 * token there, and no guess either, however often it is sent
	 */
	ok = 1;
	for (i = 0; i < 8; i++) {
		fake_now += 47;
		ok &= mail("smtp", "alice", first) == PAM_AUTH_ERR;
	}
	CHECK(ok);
	CHECK(logged("service=smtp rhost=198.51.100.9 method=device "
	    "result=remembered-for-another-service"));
	CHECK_EQ(failures_of("alice"), 0);
	CHECK_EQ(devices_of("alice"), 1);
	/* a fresh code there is a client of its own */
	fake_now += 90;
	CHECK_EQ(mail("smtp", "alice", pw_code()), PAM_SUCCESS);
	CHECK_EQ(devices_of("alice"), 2);
	/* a string no class remembers still counts */
	snprintf(wrong, sizeof(wrong), "%s%s", PW,
	    pamtest_wrong(&alice, fake_now));
	CHECK_EQ(mail("smtp", "alice", wrong), PAM_AUTH_ERR);
	CHECK_EQ(failures_of("alice"), 1);

	/* removing the device logs it out */
	edit("alice", drop_devices, NULL);
	CHECK_EQ(mail("imap", "alice", first), PAM_AUTH_ERR);
	CHECK_EQ(failures_of("alice"), 2);

	/* a fresh code: good again, and resets the count */
	fake_now += 90;
	CHECK_EQ(mail("imap", "alice", pw_code()), PAM_SUCCESS);
	CHECK_EQ(failures_of("alice"), 0);
}

static void
test_expiry(void)
{
	char first[64];
	struct tfa_record rec;

	fake_now += 600;
	pamtest_conf("TrustDevicesForDays = 2\n");
	edit("alice", drop_devices, NULL);
	snprintf(first, sizeof(first), "%s", pw_code());
	CHECK_EQ(mail("imap", "alice", first), PAM_SUCCESS);
	rec = rec_of("alice");
	CHECK_EQ(rec.n_dev, 1);
	CHECK_EQ(rec.n_dev ? rec.dev[0].trusted_until : 0,
	    (int64_t)fake_now + 2 * 86400);
	CHECK_EQ(rec.n_dev ? (int)rec.dev[0].kind : -1, TFA_DEVICE_MAIL);
	tfa_record_wipe(&rec);
	fake_now += 86400;
	CHECK_EQ(mail("imap", "alice", first), PAM_SUCCESS);
	/* past trusted_until: refused, and a stale client is no guess */
	fake_now += 86400 + 1;
	logbuf[0] = '\0';
	CHECK_EQ(mail("imap", "alice", first), PAM_AUTH_ERR);
	CHECK(logged("method=device result=expired"));
	CHECK_EQ(failures_of("alice"), 0);
	/* kept for the list a while, then pruned on the next write */
	CHECK_EQ(devices_of("alice"), 1);
	fake_now += (TFA_DEVICE_KEEP_DAYS + 2) * 86400;
	CHECK_EQ(mail("imap", "alice", pw_code()), PAM_SUCCESS);
	CHECK_EQ(devices_of("alice"), 1);	/* only the new one */
	pamtest_conf("");
}

/*
 * An expired client that keeps polling with its string is refused without
 * counting for as long as it polls: each try notes it as seen (at most
 * every TFA_DEVICE_TOUCH_SECS, its trust untouched), so it is not pruned
 * TFA_DEVICE_KEEP_DAYS after its last good login and then counted.
 */
static void
test_stale_client(void)
{
	char first[64];
	struct tfa_record rec;
	int64_t until = 0, seen;
	int i, ok = 1;

	fake_now += 600;
	pamtest_conf("TrustDevicesForDays = 2\n");
	edit("alice", drop_devices, NULL);
	snprintf(first, sizeof(first), "%s", pw_code());
	CHECK_EQ(mail("imap", "alice", first), PAM_SUCCESS);
	rec = rec_of("alice");
	if (rec.n_dev == 1)
		until = rec.dev[0].trusted_until;
	tfa_record_wipe(&rec);
	fake_now = (time_t)until + 60;
	for (i = 0; i < 3 * TFA_DEVICE_KEEP_DAYS / 10; i++) {
		if (i > 0)
			fake_now += 10 * 86400;
		ok &= mail("imap", "alice", first) == PAM_AUTH_ERR;
	}
	CHECK(ok);
	CHECK(logged("method=device result=expired"));
	CHECK_EQ(failures_of("alice"), 0);
	seen = (int64_t)fake_now;
	rec = rec_of("alice");
	CHECK_EQ(rec.n_dev, 1);
	CHECK_EQ(rec.n_dev ? rec.dev[0].trusted_until : 0, until);
	CHECK_EQ(rec.n_dev ? rec.dev[0].last_seen : 0, seen);
	tfa_record_wipe(&rec);
	/* seen a moment ago: not written again */
	fake_now += 60;
	CHECK_EQ(mail("imap", "alice", first), PAM_AUTH_ERR);
	rec = rec_of("alice");
	CHECK_EQ(rec.n_dev ? rec.dev[0].last_seen : 0, seen);
	tfa_record_wipe(&rec);
	CHECK_EQ(failures_of("alice"), 0);
	/* once it stops, it goes on the next write */
	fake_now += (TFA_DEVICE_KEEP_DAYS + 1) * 86400;
	CHECK_EQ(mail("imap", "alice", pw_code()), PAM_SUCCESS);
	CHECK_EQ(devices_of("alice"), 1);	/* only the new one */
	pamtest_conf("");
}

static void
test_no_remembering(void)
{
	char first[64];

	fake_now += 600;
	pamtest_conf("TrustDevicesForDays = 0\n");
	edit("alice", drop_devices, NULL);
	snprintf(first, sizeof(first), "%s", pw_code());
	CHECK_EQ(mail("imap", "alice", first), PAM_SUCCESS);
	CHECK_EQ(devices_of("alice"), 0);
	CHECK_EQ(mail("imap", "alice", first), PAM_AUTH_ERR);
	CHECK(logged("result=replayed-code"));
	pamtest_conf("AllowUsedDevices = false\n");
	fake_now += 90;
	snprintf(first, sizeof(first), "%s", pw_code());
	CHECK_EQ(mail("imap", "alice", first), PAM_SUCCESS);
	CHECK_EQ(mail("imap", "alice", first), PAM_AUTH_ERR);
	CHECK_EQ(devices_of("alice"), 0);
	pamtest_conf("");
	fake_now += 90;
	CHECK_EQ(mail("imap", "alice", pw_code()), PAM_SUCCESS);
}

static void
test_wrong_password(void)
{
	char s[64];
	struct tfa_record rec;
	int64_t step;

	fake_now += 600;
	edit("alice", drop_devices, NULL);
	rec = rec_of("alice");
	step = rec.last_step;
	tfa_record_wipe(&rec);
	/* wrong password + right code: nothing counted, the code not spent */
	snprintf(s, sizeof(s), "wrong horse%s", code_now());
	CHECK_EQ(mail("imap", "alice", s), PAM_AUTH_ERR);
	CHECK_EQ(mail("smtp", "alice", s), PAM_AUTH_ERR);
	rec = rec_of("alice");
	CHECK_EQ(rec.failures, 0);
	CHECK_EQ(rec.last_step, step);
	CHECK_EQ(rec.n_dev, 0);
	tfa_record_wipe(&rec);
	/* wrong password + wrong code: nothing counted either */
	CHECK_EQ(mail("imap", "alice", "wrong horse000000"), PAM_AUTH_ERR);
	CHECK_EQ(failures_of("alice"), 0);
	/* so the right password with that same code still works */
	CHECK_EQ(mail("imap", "alice", pw_code()), PAM_SUCCESS);
}

static void
test_lockout(void)
{
	char first[64];
	struct apppw_req q = { "any", "", 0, "" };
	int i;

	fake_now += 600;
	snprintf(first, sizeof(first), "%s", pw_code());
	CHECK_EQ(mail("imap", "alice", first), PAM_SUCCESS);
	edit("alice", add_apppw, &q);
	/* right password, wrong codes: counted, up to the lockout */
	for (i = 0; i < 5; i++)
		mail("smtp", "alice", PW "000000");
	CHECK_EQ(failures_of("alice"), 5);
	/* locked: a remembered client is refused too (no free guesses) */
	CHECK_EQ(mail("imap", "alice", first), PAM_MAXTRIES);
	/* an app password is not a second factor: it still works */
	CHECK_EQ(mail("imap", "alice", q.shown), PAM_SUCCESS);
	fake_now += 11 * 60;
	CHECK_EQ(mail("imap", "alice", first), PAM_SUCCESS);
	/* a remembered client does not reset the count; a fresh code does */
	CHECK_EQ(failures_of("alice"), 5);
	fake_now += 60;
	CHECK_EQ(mail("smtp", "alice", pw_code()), PAM_SUCCESS);
	CHECK_EQ(failures_of("alice"), 0);
}

static void
test_apppw(void)
{
	struct apppw_req imap = { "imap", "imap", 0, "" };
	struct apppw_req old = { "old", "", 0, "" };
	struct tfa_record rec;
	char upper[TFA_APPPW_SHOWN];
	int64_t used;
	size_t i;

	fake_now += 600;
	old.expires = (int64_t)fake_now + 3600;
	edit("alice", add_apppw, &imap);
	edit("alice", add_apppw, &old);
	logbuf[0] = '\0';
	CHECK_EQ(mail("imap", "alice", imap.shown), PAM_SUCCESS);
	CHECK(logged("service=imap rhost=198.51.100.9 method=apppw "
	    "result=success"));
	CHECK(!logged(imap.shown));
	CHECK_EQ(mail("smtp", "alice", imap.shown), PAM_AUTH_ERR);
	CHECK(logged("method=apppw result=not-allowed-for-service"));
	/* typed without dashes, in capitals */
	for (i = 0; imap.shown[i]; i++)
		upper[i] = imap.shown[i] == '-' ? ' ' :
		    (char)toupper((unsigned char)imap.shown[i]);
	upper[i] = '\0';
	CHECK_EQ(mail("imap", "alice", upper), PAM_SUCCESS);
	CHECK_EQ(mail("smtp", "alice", old.shown), PAM_SUCCESS);
	/* last use: written, then not again within five minutes */
	rec = rec_of("alice");
	used = apppw_named(&rec, "imap")->last_used;
	CHECK_EQ(used, (int64_t)fake_now);
	CHECK_STR(apppw_named(&rec, "imap")->last_rhost, "198.51.100.9");
	tfa_record_wipe(&rec);
	fake_now += 120;
	CHECK_EQ(mail("imap", "alice", imap.shown), PAM_SUCCESS);
	rec = rec_of("alice");
	CHECK_EQ(apppw_named(&rec, "imap")->last_used, used);
	tfa_record_wipe(&rec);
	fake_now += 300;
	CHECK_EQ(mail("imap", "alice", imap.shown), PAM_SUCCESS);
	rec = rec_of("alice");
	CHECK_EQ(apppw_named(&rec, "imap")->last_used, (int64_t)fake_now);
	tfa_record_wipe(&rec);
	/* expired: refused */
	fake_now += 3600;
	CHECK_EQ(mail("smtp", "alice", old.shown), PAM_AUTH_ERR);
	CHECK(logged("method=apppw result=expired"));
	/* AllowAppPasswords=false: not accepted (and the rest is no code) */
	pamtest_conf("AllowAppPasswords = false\n");
	CHECK_EQ(mail("imap", "alice", imap.shown), PAM_AUTH_ERR);
	pamtest_conf("");
	CHECK_EQ(failures_of("alice"), 0);
}

static void
test_backup(void)
{
	char s[64], undashed[16];

	fake_now += 600;
	edit("alice", set_backup, NULL);
	snprintf(s, sizeof(s), "%s%s", PW, backup_codes[0]);
	CHECK_EQ(mail("imap", "alice", s), PAM_SUCCESS);
	CHECK(logged("method=backup result=success"));
	/* used up; its client sending it again is no guess */
	CHECK_EQ(mail("imap", "alice", s), PAM_AUTH_ERR);
	CHECK_EQ(failures_of("alice"), 0);
	memcpy(undashed, backup_codes[1], 5);
	memcpy(undashed + 5, backup_codes[1] + 6, 5);
	undashed[10] = '\0';
	snprintf(s, sizeof(s), "%s%s", PW, undashed);
	/* an undashed code ending in digits reads as a TOTP code: skip it */
	if (strspn(undashed + 4, "0123456789") < 6)
		CHECK_EQ(mail("imap", "alice", s), PAM_SUCCESS);
	/* wrong password + backup code: not used up */
	snprintf(s, sizeof(s), "wrong%s", backup_codes[2]);
	CHECK_EQ(mail("imap", "alice", s), PAM_AUTH_ERR);
	snprintf(s, sizeof(s), "%s%s", PW, backup_codes[2]);
	CHECK_EQ(mail("smtp", "alice", s), PAM_SUCCESS);
	CHECK_EQ(failures_of("alice"), 0);
	fake_now += 60;
	CHECK_EQ(mail("smtp", "alice", pw_code()), PAM_SUCCESS);
	/*
	 * An imported 8-digit scratch code cannot follow the password: its
	 * last six digits are taken as the app's code (pam_tfa(8), Mail
	 * mode).  The rest is no password: refused, nothing counted or used.
	 */
	edit("alice", set_scratch, NULL);
	CHECK_EQ(mail("imap", "alice", PW "12345678"), PAM_AUTH_ERR);
	CHECK_EQ(failures_of("alice"), 0);
	CHECK_EQ(backup_left_of("alice"), 1);
	edit("alice", set_backup, NULL);
}

/*
 * A mail client set up with the password and a backup code logs in once,
 * then sends the same string again: on the other connections it opens at
 * once, and at every poll.  The code is spent, so none of them logs in;
 * none is a wrong code either, or the client would lock its user out of
 * every service within minutes.
 */
static void
test_backup_resent(void)
{
	char s[64], upper[64];
	struct tfa_record rec;
	int64_t used, later;
	size_t i;
	int ok = 1;

	fake_now += 600;
	edit("alice", drop_devices, NULL);
	edit("alice", set_backup, NULL);
	snprintf(s, sizeof(s), "%s%s", PW, backup_codes[3]);
	CHECK_EQ(mail("imap", "alice", s), PAM_SUCCESS);
	used = (int64_t)fake_now;
	/* the client's next connection, at the same moment */
	logbuf[0] = '\0';
	CHECK_EQ(mail("imap", "alice", s), PAM_AUTH_ERR);
	CHECK(logged("user=alice service=imap rhost=198.51.100.9 "
	    "method=backup result=spent-backup-code"));
	CHECK(!logged("result=wrong-code") && !logged("result=expired"));
	CHECK_EQ(failures_of("alice"), 0);
	/* remembered as a mail client whose trust ended as it began */
	rec = rec_of("alice");
	CHECK_EQ(rec.n_dev, 1);
	CHECK(rec.n_dev == 1 && rec.dev[0].kind == TFA_DEVICE_MAIL &&
	    strcmp(rec.dev[0].service, "imap") == 0 &&
	    rec.dev[0].first_seen == used && rec.dev[0].trusted_until == used);
	tfa_record_wipe(&rec);
	CHECK_EQ(backup_left_of("alice"), TFA_BACKUP_COUNT - 1);
	/* its polls, many more than MaxFailures, for days */
	for (i = 0; i < 12; i++) {
		fake_now += 7 * 3600;
		ok &= mail("imap", "alice", s) == PAM_AUTH_ERR;
	}
	CHECK(ok);
	CHECK_EQ(failures_of("alice"), 0);
	/* split lower-cases the code: in capitals it is the same spent code */
	for (i = 0; s[i] != '\0'; i++)
		upper[i] = i < strlen(PW) ? s[i] :
		    (char)toupper((unsigned char)s[i]);
	upper[i] = '\0';
	CHECK_EQ(mail("imap", "alice", upper), PAM_AUTH_ERR);
	/* the same string in the program's SMTP setting */
	CHECK_EQ(mail("smtp", "alice", s), PAM_AUTH_ERR);
	CHECK(logged("service=smtp rhost=198.51.100.9 method=device "
	    "result=remembered-for-another-service"));
	CHECK_EQ(failures_of("alice"), 0);
	/* with the clock stepped back, still never a second login */
	later = (int64_t)fake_now;
	fake_now = (time_t)used - 1;
	CHECK_EQ(mail("imap", "alice", s), PAM_AUTH_ERR);
	fake_now = (time_t)used;
	CHECK_EQ(mail("imap", "alice", s), PAM_AUTH_ERR);
	fake_now = (time_t)later;
	CHECK_EQ(failures_of("alice"), 0);
	CHECK_EQ(backup_left_of("alice"), TFA_BACKUP_COUNT - 1);
	/* only that client is known: forgotten, the spent code counts */
	edit("alice", drop_devices, NULL);
	CHECK_EQ(mail("imap", "alice", s), PAM_AUTH_ERR);
	CHECK(logged("result=wrong-code"));
	CHECK_EQ(failures_of("alice"), 1);
	fake_now += 60;
	CHECK_EQ(mail("imap", "alice", pw_code()), PAM_SUCCESS);
	CHECK_EQ(failures_of("alice"), 0);
	edit("alice", drop_devices, NULL);
}

/* The user's mail clients of service trusted now. */
static int
trusted_mail(const char *service)
{
	struct tfa_record rec = rec_of("alice");
	size_t i;
	int n = 0;

	for (i = 0; i < rec.n_dev; i++)
		n += rec.dev[i].kind == TFA_DEVICE_MAIL &&
		    strcmp(rec.dev[i].service, service) == 0 &&
		    rec.dev[i].trusted_until > (int64_t)fake_now;
	tfa_record_wipe(&rec);
	return n;
}

/* Every string of clients[from..to] logs in. */
static bool
all_accepted(char clients[][64], int from, int to)
{
	bool ok = true;
	int i;

	for (i = from; i <= to; i++)
		ok &= mail("imap", "alice", clients[i]) == PAM_SUCCESS;
	return ok;
}

/*
 * Each trusted mail client is a code accepted from anywhere, so each is
 * one more chance for a guess by someone who knows the password: at most
 * TFA_MAIL_TRUSTED_MAX per service class.  A new one ends the trust of
 * the least recently seen, kept so that it is refused without counting
 * if it still polls.
 */
static void
test_mail_cap(void)
{
	char client[TFA_MAIL_TRUSTED_MAX + 2][64], smtp[64];
	int i;
	bool ok = true;

	fake_now += 600;
	edit("alice", drop_devices, NULL);
	snprintf(smtp, sizeof(smtp), "%s", pw_code());
	CHECK_EQ(mail("smtp", "alice", smtp), PAM_SUCCESS);
	for (i = 0; i <= TFA_MAIL_TRUSTED_MAX; i++) {
		fake_now += 60;
		snprintf(client[i], sizeof(client[i]), "%s", pw_code());
		ok &= mail("imap", "alice", client[i]) == PAM_SUCCESS;
	}
	CHECK(ok);
	CHECK_EQ(trusted_mail("imap"), TFA_MAIL_TRUSTED_MAX);
	CHECK_EQ(trusted_mail("smtp"), 1);
	CHECK_EQ(devices_of("alice"), TFA_MAIL_TRUSTED_MAX + 2);
	/* the first one: no longer trusted, and no guess */
	fake_now += 60;
	logbuf[0] = '\0';
	CHECK_EQ(mail("imap", "alice", client[0]), PAM_AUTH_ERR);
	CHECK(logged("service=imap rhost=198.51.100.9 method=device "
	    "result=expired"));
	CHECK_EQ(failures_of("alice"), 0);
	/*
	 * least recently seen, not first remembered: the second one polls
	 * (seen is written after TFA_DEVICE_TOUCH_SECS), so a new client
	 * ends the third
	 */
	fake_now += TFA_DEVICE_TOUCH_SECS + 60;
	CHECK_EQ(mail("imap", "alice", client[1]), PAM_SUCCESS);
	fake_now += 60;
	snprintf(client[TFA_MAIL_TRUSTED_MAX + 1], sizeof(client[0]), "%s",
	    pw_code());
	CHECK_EQ(mail("imap", "alice", client[TFA_MAIL_TRUSTED_MAX + 1]),
	    PAM_SUCCESS);
	CHECK_EQ(trusted_mail("imap"), TFA_MAIL_TRUSTED_MAX);
	CHECK_EQ(mail("imap", "alice", client[2]), PAM_AUTH_ERR);
	CHECK_EQ(mail("imap", "alice", client[0]), PAM_AUTH_ERR);
	CHECK_EQ(failures_of("alice"), 0);
	CHECK(all_accepted(client, 1, 1));
	CHECK(all_accepted(client, 3, TFA_MAIL_TRUSTED_MAX + 1));
	/* the other class is untouched */
	CHECK_EQ(trusted_mail("smtp"), 1);
	CHECK_EQ(mail("smtp", "alice", smtp), PAM_SUCCESS);
	CHECK_EQ(devices_of("alice"), TFA_MAIL_TRUSTED_MAX + 3);
	CHECK_EQ(failures_of("alice"), 0);
	edit("alice", drop_devices, NULL);
}

static void
test_not_enrolled(void)
{
	fake_now += 600;
	logbuf[0] = '\0';
	CHECK_EQ(mail("imap", "bob", PW), PAM_SUCCESS);
	CHECK(logged("user=bob service=imap rhost=198.51.100.9 method=none "
	    "result=not-enrolled"));
	CHECK_EQ(mail("imap", "bob", "wrong"), PAM_AUTH_ERR);
	/* digits at the end of an un-enrolled user's password stay there */
	CHECK_EQ(mail("imap", "bob", PW "123456"), PAM_AUTH_ERR);
	write_mail("imap", "Enforce=true");
	CHECK_EQ(mail("imap", "bob", PW), PAM_AUTH_ERR);
	CHECK(logged("user=bob service=imap rhost=198.51.100.9 method=none "
	    "result=denied-not-enrolled"));
	write_mail("imap", "");
	/* service= names the class: this stack is "smtp"'s for devices */
	write_mail("submission", "service=smtp");
	fake_now += 60;
	CHECK_EQ(mail("submission", "alice", pw_code()), PAM_SUCCESS);
	CHECK(logged("user=alice service=submission rhost=198.51.100.9 "
	    "method=totp"));
	write_mail("submission", "service=SMTP,x");
	CHECK_EQ(mail("submission", "alice", pw_code()), PAM_AUTH_ERR);
	CHECK(logged("module argument \"SMTP,x\": bad value"));
}

/*
 * Disabled: the module asks nothing and lets everyone through, but split
 * is where the stack gets the password, so it still fetches it for the
 * password module's use_first_pass.  A password+code string is then just
 * a wrong password.
 */
static void
test_disabled(void)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (i == 0)
			pamtest_conf("Disabled = true\n");
		else
			write_mail("imap", "Disabled=true");
		fake_now += 60;
		CHECK_EQ(mail("imap", "alice", PW), PAM_SUCCESS);
		CHECK_EQ(mail("imap", "bob", PW), PAM_SUCCESS);
		CHECK_EQ(mail("imap", "alice", "wrong"), PAM_AUTH_ERR);
		CHECK_EQ(mail("imap", "alice", pw_code()), PAM_AUTH_ERR);
		CHECK_EQ(failures_of("alice"), 0);
		pamtest_conf("");
		write_mail("imap", "");
	}
}

/*
 * verify finds nothing from split: split saw no second factor (an admin's
 * change between the two, played here by a split line that forbids the
 * app), or split is not in the stack at all.  Only the latter is a
 * mistake in the stack, and only it is logged as one.
 */
static void
test_split_found_none(void)
{
	char text[16384];

	snprintf(text, sizeof(text),
	    "auth [success=done ignore=ignore default=die] %s mode=split "
	    "config=%s AllowAuthenticatorApp=false\n"
	    "auth requisite %s [expect=" PW "] use_first_pass\n"
	    "auth required %s mode=verify config=%s\n",
	    pamtest.module, pamtest.conffile, pamtest.settok,
	    pamtest.module, pamtest.conffile);
	pamtest_service_text("imap", text);
	fake_now += 600;
	logbuf[0] = '\0';
	CHECK_EQ(mail("imap", "alice", PW), PAM_AUTH_ERR);
	CHECK(logged("user=alice service=imap rhost=198.51.100.9 method=none "
	    "result=changed-during-login"));
	CHECK(!logged("found no mode=split"));
	CHECK_EQ(failures_of("alice"), 0);

	snprintf(text, sizeof(text),
	    "auth requisite %s [expect=" PW "]\n"
	    "auth required %s mode=verify config=%s\n",
	    pamtest.settok, pamtest.module, pamtest.conffile);
	pamtest_service_text("imap", text);
	logbuf[0] = '\0';
	CHECK_EQ(mail("imap", "alice", PW), PAM_AUTH_ERR);
	CHECK(logged("mode=verify found no mode=split before it"));
	write_mail("imap", "");
}

static void
test_interactive_trust(void)
{
	struct script s = { 0 };
	struct tfa_record rec;
	char code[16];

	fake_now += 600;
	edit("alice", drop_devices, NULL);
	write_interactive("");
	/* Dovecot on an interactive stack: never asked, never counted */
	s.echo_on = "alice";
	CHECK_EQ(login_as("tfa-ssh", "alice", PW, NULL, "dovecot", 0, &s),
	    PAM_AUTH_ERR);
	CHECK_EQ(s.prompts, 0);
	CHECK_EQ(failures_of("alice"), 0);

	/* a good code, then "Trust this device for 30 days?" — no */
	s.echo_on = "n";
	snprintf(code, sizeof(code), "%s", code_now());
	CHECK_EQ(login_as("tfa-ssh", "alice", code, "203.0.113.5", NULL, 0,
	    &s), PAM_SUCCESS);
	CHECK_EQ(s.questions, 1);
	rec = rec_of("alice");
	CHECK_EQ(rec.n_dev, 1);
	CHECK(rec.n_dev == 1 && rec.dev[0].trusted_until == 0 &&
	    rec.dev[0].kind == TFA_DEVICE_HOST &&
	    strcmp(rec.dev[0].rhost, "203.0.113.5") == 0 &&
	    strcmp(rec.dev[0].service, "tfa-ssh") == 0 &&
	    rec.dev[0].first_seen == (int64_t)fake_now);
	tfa_record_wipe(&rec);
	/* yes: the next login from there skips the code */
	fake_now += 60;
	s.echo_on = "y";
	CHECK_EQ(login_as("tfa-ssh", "alice", code_now(), "203.0.113.5", NULL,
	    0, &s), PAM_SUCCESS);
	CHECK_EQ(devices_of("alice"), 1);
	fake_now += 60;
	CHECK_EQ(login_as("tfa-ssh", "alice", "000000", "203.0.113.5", NULL,
	    0, &s), PAM_SUCCESS);
	CHECK_EQ(s.prompts, 0);
	CHECK(logged("rhost=203.0.113.5 method=device result=success"));
	/* another host is asked; PAM_SILENT: no question */
	CHECK_EQ(login_as("tfa-ssh", "alice", code_now(), "203.0.113.6", NULL,
	    PAM_SILENT, &s), PAM_SUCCESS);
	CHECK_EQ(s.prompts, 1);
	CHECK_EQ(s.questions, 0);
	CHECK_EQ(devices_of("alice"), 2);
	/* a local login is known by its tty */
	fake_now += 60;
	CHECK_EQ(login_as("tfa-ssh", "alice", code_now(), NULL, "/dev/tty3", 0,
	    &s), PAM_SUCCESS);
	rec = rec_of("alice");
	CHECK_EQ(rec.n_dev, 3);
	CHECK_EQ(device_at(&rec, "tty:/dev/tty3")->trusted_until,
	    (int64_t)fake_now + 30 * 86400);
	tfa_record_wipe(&rec);
	/* expired: asked again */
	edit("alice", expire_devices, NULL);
	s.echo_on = "n";
	CHECK_EQ(login_as("tfa-ssh", "alice", "000000", "203.0.113.5", NULL, 0,
	    &s), PAM_AUTH_ERR);
	CHECK_EQ(s.prompts, 1);
	/* TrustDevicesForDays=0: never asked */
	write_interactive("TrustDevicesForDays=0");
	fake_now += 60;
	CHECK_EQ(login_as("tfa-ssh", "alice", code_now(), "203.0.113.5", NULL,
	    0, &s), PAM_SUCCESS);
	CHECK_EQ(s.questions, 0);
	write_interactive("");
}

/* A good code from rhost or tty, answering yes; how many questions came. */
static int
trust_from(const char *rhost, const char *tty)
{
	struct script s = { 0 };

	fake_now += 60;
	s.echo_on = "y";
	CHECK_EQ(login_as("tfa-ssh", "alice", code_now(), rhost, tty, 0, &s),
	    PAM_SUCCESS);
	return s.questions;
}

/* A wrong code from rhost or tty is asked for and refused. */
static bool
refused_from(const char *rhost, const char *tty)
{
	struct script s = { 0 };

	s.echo_on = "y";
	return login_as("tfa-ssh", "alice", pamtest_wrong(&alice, fake_now),
	    rhost, tty, 0, &s) == PAM_AUTH_ERR && s.prompts == 1;
}

/*
 * A device is its exact PAM_RHOST or PAM_TTY.  One that does not fit a
 * record, or holds a byte outside 0x21..0x7e, is no device: asked for the
 * code, never listed or trusted, so it cannot be cut or rewritten into
 * another host's device.
 */
static void
test_device_identity(void)
{
	static const char victim[] = "cpe-198-51-100-23.dynamic.residential."
	    "customers.bigisp.example.net";
	static const char attacker[] = "cpe-198-51-100-23.dynamic.residential."
	    "customers.bigisp.example.nXYZ.attacker.example";
	char fits[TFA_RHOST_MAX + 1], longer[TFA_RHOST_MAX + 2];
	char tty1[80], tty2[80];
	struct tfa_record rec;

	fake_now += 600;
	edit("alice", drop_devices, NULL);
	write_interactive("");
	/* the reverse DNS case: the same first 63 bytes, another host */
	CHECK_EQ(trust_from(victim, NULL), 0);
	CHECK_EQ(devices_of("alice"), 0);
	CHECK(refused_from(attacker, NULL));
	CHECK(refused_from(victim, NULL));
	/* 63 bytes fit and are trusted; one more is another host */
	memset(fits, 'h', TFA_RHOST_MAX);
	fits[TFA_RHOST_MAX] = '\0';
	snprintf(longer, sizeof(longer), "%sZ", fits);
	CHECK_EQ(trust_from(fits, NULL), 1);
	rec = rec_of("alice");
	CHECK(rec.n_dev == 1 && strcmp(rec.dev[0].rhost, fits) == 0 &&
	    rec.dev[0].trusted_until != 0);
	tfa_record_wipe(&rec);
	CHECK(refused_from(longer, NULL));
	CHECK(!refused_from(fits, NULL));	/* trusted: no prompt */
	/* bytes the log shows as '?' are not rewritten into a device */
	CHECK_EQ(trust_from("a\x01", NULL), 0);
	CHECK(refused_from("a\x02", NULL));
	CHECK(refused_from("a?", NULL));
	CHECK_EQ(trust_from("h\xc3\xa9.example", NULL), 0);
	CHECK_EQ(trust_from("a b", NULL), 0);
	CHECK_EQ(devices_of("alice"), 1);
	/* the same for a tty */
	snprintf(tty1, sizeof(tty1), "/dev/%060d1", 0);
	snprintf(tty2, sizeof(tty2), "/dev/%060d2", 0);
	CHECK_EQ(trust_from(NULL, tty1), 0);
	CHECK(refused_from(NULL, tty2));
	CHECK_EQ(trust_from(NULL, "/dev/tty\x01"), 0);
	CHECK(refused_from(NULL, "/dev/tty\x02"));
	CHECK_EQ(devices_of("alice"), 1);
	/* a pseudo-terminal goes to the next session, of any account */
	CHECK_EQ(trust_from(NULL, "/dev/pts/3"), 0);
	CHECK(refused_from(NULL, "/dev/pts/3"));
	CHECK_EQ(trust_from(NULL, "pts/3"), 0);
	CHECK(refused_from(NULL, "pts/3"));
	CHECK_EQ(devices_of("alice"), 1);
	/* a remote host named like a tty is not that local login */
	CHECK_EQ(trust_from(NULL, "/dev/tty4"), 1);
	CHECK(refused_from("tty:/dev/tty4", NULL));
	CHECK(!refused_from(NULL, "/dev/tty4"));
	CHECK_EQ(devices_of("alice"), 2);
	/* none of that locked the user out (good codes in between) */
	CHECK_EQ(failures_of("alice"), 1);
}

int
main(void)
{
	log_hook = watch_password;
	pamtest_init("mail", "");
	write_mail("imap", "");
	write_mail("smtp", "");
	if (tfa_totp_generate(&alice, (int64_t)fake_now) != TFA_OK)
		abort();
	edit("alice", set_totp, &alice);

	test_code_then_remembered();
	test_expiry();
	test_stale_client();
	test_no_remembering();
	test_wrong_password();
	test_lockout();
	test_apppw();
	test_backup();
	test_backup_resent();
	test_mail_cap();
	test_not_enrolled();
	test_disabled();
	test_split_found_none();
	test_interactive_trust();
	test_device_identity();

	/* the password never reached the log */
	CHECK(!leaked);
	pamtest_done();
	if (getenv("TFA_TEST_LOG") != NULL)
		fputs(logbuf, stdout);
	return tfa_check_done();
}

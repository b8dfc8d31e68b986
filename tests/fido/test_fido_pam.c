/*
 * Security-key logins through the built pam_tfa.so, driven by the real
 * libpam (pam_start_confdir).  This program exports time(), pam_syslog(),
 * pam_vsyslog() (pamtest_hooks.h) and fido_dev_info_manifest(), so the
 * module's clock, log and the authenticators it finds are ours: the fake
 * authenticator in fake.c.
 * Nothing in the module knows it is being tested.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <sys/syscall.h>

#include <openssl/evp.h>
#include <security/pam_appl.h>

#include "check.h"
#include "fake.h"
#include "import.h"
#include "pamtest.h"
#include "pamtest_hooks.h"
#include "store.h"
#include "tfa_fido.h"
#include "totp.h"

#define RP "pam://test.example"
#define OLD_RP "pam://oldhost"		/* an imported pam_u2f key's origin */

/* ---- the USB bus, interposed (the clock and the log: pamtest_hooks.h) */

int
fido_dev_info_manifest(fido_dev_info_t *devlist, size_t ilen, size_t *olen)
{
	return fake_manifest(devlist, ilen, olen);
}

/* CLOCK_MONOTONIC moved on by mono_shift_ms: a key that "took" time */
static long mono_shift_ms;

int
clock_gettime(clockid_t id, struct timespec *ts)
{
	long r = syscall(SYS_clock_gettime, id, ts);

	if (r == 0 && id == CLOCK_MONOTONIC) {
		ts->tv_sec += mono_shift_ms / 1000;
		ts->tv_nsec += mono_shift_ms % 1000 * 1000000;
		if (ts->tv_nsec >= 1000000000) {
			ts->tv_sec++;
			ts->tv_nsec -= 1000000000;
		}
	}
	return (int)r;
}

/* ---- fixture ---- */

static struct tfa_totp kate_totp;
static struct fake_dev dev_a, dev_b, dev_c, dev_u, dev_p;

/*
 * Log user in; rhost NULL for a local login.  a1, a2 answer the first and
 * second prompt; no answer fails the conversation.
 */
static int
login_as(const char *user, const char *rhost, int flags, const char *a1,
    const char *a2, struct pamtest_conv *s)
{
	memset(s, 0, sizeof(*s));
	s->in_order = true;
	s->answers[0] = a1;
	s->answers[1] = a2;
	logbuf[0] = '\0';
	return pamtest_run(PAMTEST_SERVICE, user, rhost, NULL, flags, s);
}

static int
login(const char *user, const char *rhost, const char *a1,
    struct pamtest_conv *s)
{
	return login_as(user, rhost, 0, a1, NULL, s);
}

static const char *
code_now(void)
{
	fake_now += 30;		/* a fresh step each time: no replays */
	return pamtest_code(&kate_totp, fake_now);
}

/* Register a key for rp on d, as tfa-enroll would. */
static struct tfa_key
register_on(struct fake_dev *d, const char *rp, int cose, bool uv,
    const char *pin)
{
	struct tfa_fido_reg req = { rp, "user", cose, uv, pin, NULL, 0 };
	struct tfa_fido_devs devs;
	fido_dev_t *fd = NULL;
	struct tfa_key k;

	memset(&k, 0, sizeof(k));
	fake_unplug_all();
	fake_plug(d);
	if (tfa_fido_find_devices(&devs) != TFA_FIDO_OK ||
	    tfa_fido_open(&devs, 0, 15000, &fd) != TFA_FIDO_OK ||
	    tfa_fido_register(fd, &req, &k) != TFA_FIDO_OK)
		abort();
	tfa_fido_close(&fd);
	tfa_fido_devs_free(&devs);
	fake_unplug_all();
	k.created = fake_now;
	return k;
}

static void
save_user(const char *user, const struct tfa_key *keys, size_t n,
    const struct tfa_totp *totp)
{
	struct tfa_record rec;
	struct tfa_key *k;
	size_t i;

	tfa_record_init(&rec);
	for (i = 0; i < n; i++) {
		if ((k = tfa_record_add_key(&rec)) == NULL)
			abort();
		*k = keys[i];
		k->id = (uint32_t)(i + 1);
	}
	if (totp != NULL)
		rec.totp = *totp;
	pamtest_save(user, &rec);
	tfa_record_wipe(&rec);
}

static struct tfa_record *
load(const char *user)
{
	static struct tfa_record rec;

	tfa_record_wipe(&rec);
	if (!pamtest_read(user, &rec))
		abort();
	return &rec;
}

static const struct tfa_key *
key_of(const char *user, const struct tfa_key *like)
{
	struct tfa_record *rec = load(user);
	size_t i;

	for (i = 0; i < rec->n_keys; i++)
		if (rec->keys[i].cred_id_len == like->cred_id_len &&
		    memcmp(rec->keys[i].cred_id, like->cred_id,
		    like->cred_id_len) == 0)
			return &rec->keys[i];
	abort();
}

/* ---- tests ---- */

static struct tfa_key ka, kb;

static void
test_touch(void)
{
	struct pamtest_conv s;
	int calls;

	/* key A plugged, local login: one touch, no prompt at all */
	fake_plug(&dev_a);
	fake_now += 60;
	CHECK_EQ(login("kate", NULL, NULL, &s), PAM_SUCCESS);
	CHECK_EQ(s.prompts, 0);
	CHECK(strstr(s.said, "Touch your security key") != NULL);
	CHECK(logged("user=kate service=tfa-test rhost=- method=key "
	    "result=success"));
	CHECK_EQ(dev_a.probes, 1);
	CHECK_EQ(dev_a.asserts, 1);
	CHECK_EQ(dev_a.last_allow, 2);	/* both of kate's credentials */
	CHECK(dev_a.last_ms > 0 && dev_a.last_ms <= 15000);
	CHECK_EQ(key_of("kate", &ka)->sign_count, 2);
	CHECK_EQ(key_of("kate", &ka)->last_used, fake_now);
	CHECK_EQ(load("kate")->last_method, TFA_METHOD_KEY);

	/* the other key works as well */
	fake_unplug_all();
	fake_plug(&dev_b);
	CHECK_EQ(login("kate", NULL, NULL, &s), PAM_SUCCESS);
	CHECK_EQ(s.prompts, 0);
	CHECK_EQ(dev_b.asserts, 1);
	CHECK(key_of("kate", &kb)->sign_count > 0);

	/* loopback hosts are local too */
	CHECK_EQ(login("kate", "127.0.0.1", NULL, &s), PAM_SUCCESS);
	CHECK_EQ(login("kate", "127.3.4.5", NULL, &s), PAM_SUCCESS);
	CHECK_EQ(login("kate", "::1", NULL, &s), PAM_SUCCESS);
	CHECK_EQ(login("kate", "localhost", NULL, &s), PAM_SUCCESS);
	CHECK_EQ(login("kate", "::ffff:127.0.0.1", NULL, &s), PAM_SUCCESS);
	CHECK_EQ(dev_b.asserts, 6);

	/* KeyTimeoutSeconds bounds the wait for the touch */
	pamtest_service("KeyTimeoutSeconds=3");
	CHECK_EQ(login("kate", NULL, NULL, &s), PAM_SUCCESS);
	CHECK(dev_b.last_ms > 0 && dev_b.last_ms <= 3000);
	pamtest_service("");

	/* PAM_SILENT: nobody could see the cue, so no key is tried */
	calls = fake_manifest_calls;
	CHECK_EQ(login_as("kate", NULL, PAM_SILENT, code_now(), NULL, &s),
	    PAM_SUCCESS);
	CHECK_EQ(s.prompts, 1);
	CHECK_EQ(fake_manifest_calls, calls);
	fake_unplug_all();
}

static void
test_remote(void)
{
	const char *hosts[] = { "192.0.2.7", "2001:db8::1", "::ffff:10.0.0.1",
	    "128.0.0.1", "mail.example.org" };
	struct pamtest_conv s;
	int calls = fake_manifest_calls, opens = dev_a.opens;
	size_t i;

	fake_plug(&dev_a);
	for (i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		CHECK_EQ(login("kate", hosts[i], code_now(), &s), PAM_SUCCESS);
		CHECK_EQ(s.prompts, 1);
		CHECK(strstr(s.said, "Touch") == NULL);
	}
	/* not even a look at USB */
	CHECK_EQ(fake_manifest_calls, calls);
	CHECK_EQ(dev_a.opens, opens);
	CHECK(logged("rhost=mail.example.org method=totp result=success"));
	fake_unplug_all();
}

static void
test_fallback(void)
{
	struct pamtest_conv s;
	int calls;

	/* nothing plugged: the code prompt */
	CHECK_EQ(login("kate", NULL, code_now(), &s), PAM_SUCCESS);
	CHECK_EQ(s.prompts, 1);
	CHECK(strstr(s.said, "Touch") == NULL);
	CHECK(logged("method=key result=key-not-present"));
	CHECK(logged("method=totp result=success"));

	/* a key that holds none of kate's credentials: no cue, no touch */
	fake_plug(&dev_c);
	CHECK_EQ(login("kate", NULL, code_now(), &s), PAM_SUCCESS);
	CHECK_EQ(s.prompts, 1);
	CHECK(strstr(s.said, "Touch") == NULL);
	CHECK_EQ(dev_c.opens, 1);
	CHECK_EQ(dev_c.asserts, 0);
	fake_unplug_all();

	/* not touched in time: cancelled, then the code prompt */
	fake_plug(&dev_a);
	dev_a.no_touch = true;
	CHECK_EQ(login("kate", NULL, code_now(), &s), PAM_SUCCESS);
	CHECK(strstr(s.said, "Touch your security key") != NULL);
	CHECK(strstr(s.said, "not touched in time") != NULL);
	CHECK_EQ(s.prompts, 1);
	CHECK(dev_a.cancels > 0);
	CHECK(logged("method=key result=key-timeout"));
	CHECK_EQ(load("kate")->failures, 0);
	dev_a.no_touch = false;

	/* Origin renamed: a key answers for the relying party it was made
	   for, so it is asked under that one (and under the new name, which
	   none of kate's keys has, not at all) */
	calls = dev_a.no_creds;
	pamtest_service("Origin=pam://renamed.example");
	CHECK_EQ(login("kate", NULL, NULL, &s), PAM_SUCCESS);
	CHECK_EQ(s.prompts, 0);
	CHECK(logged("method=key result=success"));
	CHECK_EQ(dev_a.no_creds, calls);

	/* AllowSecurityKeys=false: keys are not looked at */
	calls = fake_manifest_calls;
	pamtest_service("AllowSecurityKeys=false");
	CHECK_EQ(login("kate", NULL, code_now(), &s), PAM_SUCCESS);
	CHECK_EQ(s.prompts, 1);
	CHECK_EQ(fake_manifest_calls, calls);
	pamtest_service("");
	fake_unplug_all();
}

/* A key that answers wrongly is refused, counted, and the code asked. */
static void
refused(bool *flag, const char *what)
{
	struct pamtest_conv s;

	fake_plug(&dev_a);
	*flag = true;
	CHECK_EQ(login("kate", NULL, NULL, &s), PAM_CONV_ERR);
	*flag = false;
	printf("# %s\n", what);
	CHECK(strstr(s.said, "The security key was refused") != NULL);
	CHECK_EQ(s.prompts, 1);		/* then the code prompt */
	CHECK(logged("user=kate service=tfa-test rhost=- method=key "
	    "result=bad-key-response"));
	CHECK(!logged("result=success"));
	CHECK_EQ(load("kate")->failures, 1);
	/* a good code still gets kate in */
	CHECK_EQ(login("kate", "192.0.2.1", code_now(), &s), PAM_SUCCESS);
	CHECK_EQ(load("kate")->failures, 0);
	fake_unplug_all();
}

static void
test_bad_answers(void)
{
	refused(&dev_a.wrong_rp, "wrong relying party");
	refused(&dev_a.bad_sig, "bad signature");
	refused(&dev_a.no_up, "no user presence");
}

static void
test_cloned(void)
{
	struct fake_cred *c = fake_cred_by_id(&dev_a, ka.cred_id,
	    ka.cred_id_len);
	uint32_t stored = key_of("kate", &ka)->sign_count;
	struct pamtest_conv s;
	char want[256];

	/* a clone made earlier: after the silent check and the touch its
	   counter is only back where the stored one is */
	if (stored < 2)
		abort();
	c->count = stored - 2;
	fake_plug(&dev_a);
	CHECK_EQ(login("kate", NULL, code_now(), &s), PAM_SUCCESS);
	CHECK(strstr(s.said, "The security key was refused") != NULL);
	snprintf(want, sizeof(want), "<%d> user=kate service=tfa-test rhost=- "
	    "method=key result=cloned-key key=%u counter=%u stored=%u",
	    LOG_ALERT, (unsigned)key_of("kate", &ka)->id, (unsigned)stored,
	    (unsigned)stored);
	CHECK(logged(want));
	CHECK(logged("method=totp result=success"));
	/* the stored counter did not go back */
	CHECK_EQ(key_of("kate", &ka)->sign_count, stored);
	/* once the key is past the stored counter it is good again */
	c->count = stored + 10;
	CHECK_EQ(login("kate", NULL, NULL, &s), PAM_SUCCESS);
	CHECK_EQ(key_of("kate", &ka)->sign_count, stored + 12);
	fake_unplug_all();
}

static void
test_lockout(void)
{
	struct pamtest_conv s;
	int calls, opens;

	pamtest_service("MaxFailures=2");
	fake_plug(&dev_a);
	dev_a.bad_sig = true;
	CHECK_EQ(login("kate", NULL, NULL, &s), PAM_CONV_ERR);
	/* the refusal that starts the lockout fails like a wrong code */
	CHECK_EQ(login("kate", NULL, NULL, &s), PAM_AUTH_ERR);
	CHECK(strstr(s.said, "Too many failed tries") != NULL);
	CHECK_EQ(s.prompts, 0);
	dev_a.bad_sig = false;
	/* locked: no key is tried at all, nor a code asked */
	calls = fake_manifest_calls;
	opens = dev_a.opens;
	CHECK_EQ(login("kate", NULL, NULL, &s), PAM_MAXTRIES);
	CHECK_EQ(fake_manifest_calls, calls);
	CHECK_EQ(dev_a.opens, opens);
	CHECK_EQ(s.prompts, 0);
	/* LockoutMinutes (10) later the key works again */
	fake_now += 10 * 60;
	CHECK_EQ(login("kate", NULL, NULL, &s), PAM_SUCCESS);
	CHECK_EQ(load("kate")->failures, 0);
	pamtest_service("");
	fake_unplug_all();
}

static void
test_uv(void)
{
	struct tfa_key ku = register_on(&dev_u, RP, COSE_ES256, true, NULL);
	struct tfa_key kp = register_on(&dev_p, RP, COSE_EDDSA, true, "4711");
	struct pamtest_conv s;

	save_user("uma", &ku, 1, &kate_totp);
	save_user("pia", &kp, 1, &kate_totp);
	/* built-in verification (a fingerprint): asked for, no PIN */
	fake_plug(&dev_u);
	CHECK_EQ(login("uma", NULL, NULL, &s), PAM_SUCCESS);
	CHECK(dev_u.last_uv_opt);
	/* UV required but the answer lacks it: refused */
	dev_u.no_uv = true;
	CHECK_EQ(login("uma", NULL, code_now(), &s), PAM_SUCCESS);
	CHECK(logged("method=key result=bad-key-response"));
	CHECK(logged("method=totp result=success"));
	dev_u.no_uv = false;
	fake_unplug_all();

	/* a PIN key: the PIN is asked through the conversation */
	fake_plug(&dev_p);
	CHECK_EQ(login("pia", NULL, "4711", &s), PAM_SUCCESS);
	CHECK_STR(s.asked, "PIN for your security key: |");
	CHECK(dev_p.last_pin_auth);
	CHECK(logged("method=key result=success"));
	/* a wrong PIN: said, then the code prompt */
	CHECK_EQ(login_as("pia", NULL, 0, "1234", code_now(), &s),
	    PAM_SUCCESS);
	CHECK(strstr(s.said, "Wrong PIN") != NULL);
	CHECK_STR(s.asked, "PIN for your security key: |Verification code: |");
	CHECK_EQ(dev_p.pin_retries, 7);
	/* the PIN-verified flag missing from the answer: refused */
	dev_p.no_uv = true;
	CHECK_EQ(login_as("pia", NULL, 0, "4711", code_now(), &s),
	    PAM_SUCCESS);
	CHECK(logged("method=key result=bad-key-response"));
	dev_p.no_uv = false;
	/* no PIN given: no touch, the code prompt */
	CHECK_EQ(login_as("pia", NULL, 0, "", code_now(), &s), PAM_SUCCESS);
	CHECK_EQ(dev_p.pin_retries, 8);
	fake_unplug_all();
}

/* Only keys: with none plugged the code prompt still comes (and fails). */
static void
test_key_only(void)
{
	struct pamtest_conv s;

	save_user("kim", &ka, 1, NULL);
	CHECK_EQ(login("kim", NULL, "123456", &s), PAM_AUTH_ERR);
	CHECK_EQ(s.prompts, 1);
	fake_plug(&dev_a);
	CHECK_EQ(login("kim", NULL, NULL, &s), PAM_SUCCESS);
	fake_unplug_all();
}

/* No Origin set: the relying party is pam://<host name>. */
static void
test_default_origin(void)
{
	char host[256], rp[300];
	struct tfa_key k;
	struct pamtest_conv s;

	if (gethostname(host, sizeof(host)) != 0)
		abort();
	host[sizeof(host) - 1] = '\0';
	snprintf(rp, sizeof(rp), "pam://%s", host);
	k = register_on(&dev_c, rp, COSE_ES256, false, NULL);
	save_user("otto", &k, 1, &kate_totp);
	pamtest_service("Origin=");
	fake_plug(&dev_c);
	CHECK_EQ(login("otto", NULL, NULL, &s), PAM_SUCCESS);
	CHECK(logged("user=otto service=tfa-test rhost=- method=key "
	    "result=success"));
	pamtest_service("");
	fake_unplug_all();
}

/* ---- keys of more than one relying party ---- */

static struct fake_dev dev_n, dev_i, dev_x;
static long jump_ms;

/* on_no_creds: the key took jump_ms to say it holds none */
static void
jump(struct fake_dev *d)
{
	(void)d;
	mono_shift_ms += jump_ms;
}

static int
cues(const struct pamtest_conv *s)
{
	const char *p = s->said;
	int n = 0;

	for (; (p = strstr(p, "Touch your security key")) != NULL; p++)
		n++;
	return n;
}

/* k as pam_u2f had it (pamu2fcfg's line), through the importer. */
static struct tfa_key
import_u2f(const char *user, const struct tfa_key *k, const char *origin)
{
	char line[1024], handle[256], pub[256];
	struct tfa_import imp;
	struct tfa_key out;

	EVP_EncodeBlock((unsigned char *)handle, k->cred_id,
	    (int)k->cred_id_len);
	EVP_EncodeBlock((unsigned char *)pub, k->pubkey, (int)k->pubkey_len);
	snprintf(line, sizeof(line), "%s:%s,%s,es256,+presence\n", user,
	    handle, pub);
	tfa_import_init(&imp);
	if (tfa_import_parse_u2f(line, strlen(line), origin, NULL, &imp) !=
	    TFA_OK || imp.n_users != 1 || imp.users[0].refused ||
	    imp.users[0].n_keys != 1)
		abort();
	out = imp.users[0].keys[0];
	tfa_import_free(&imp);
	return out;
}

/*
 * ivan: one key registered here (Origin) and one imported from pam_u2f
 * under its old origin.  Either gets him in with one touch; a key that
 * holds neither is never asked for one, a key answering for yet another
 * relying party is refused, and a remote login looks at no key.
 */
static void
test_two_origins(void)
{
	struct tfa_key made, keys[2];
	struct pamtest_conv s;
	int calls, opens, asserts, none;

	/* the imported key first in the record: Origin's is asked first all
	   the same */
	made = register_on(&dev_i, OLD_RP, COSE_ES256, false, NULL);
	keys[0] = import_u2f("ivan", &made, OLD_RP);
	keys[1] = register_on(&dev_n, RP, COSE_ES256, false, NULL);
	(void)register_on(&dev_x, "pam://elsewhere", COSE_ES256, false, NULL);
	CHECK_STR(keys[0].rp, OLD_RP);
	save_user("ivan", keys, 2, &kate_totp);

	/* the key made here: Origin's silent check finds it, nothing else
	   is asked */
	fake_now += 60;
	fake_plug(&dev_n);
	CHECK_EQ(login("ivan", NULL, NULL, &s), PAM_SUCCESS);
	CHECK_EQ(s.prompts, 0);
	CHECK_EQ(cues(&s), 1);
	CHECK_EQ(dev_n.probes, 1);
	CHECK_EQ(dev_n.no_creds, 0);
	CHECK_EQ(dev_n.asserts, 1);
	CHECK_EQ(dev_n.last_allow, 1);
	CHECK_EQ(key_of("ivan", &keys[1])->last_used, fake_now);
	fake_unplug_all();

	/* the imported key: Origin first (none there), then its own rp */
	fake_now += 60;
	fake_plug(&dev_i);
	CHECK_EQ(login("ivan", NULL, NULL, &s), PAM_SUCCESS);
	CHECK_EQ(s.prompts, 0);
	CHECK_EQ(cues(&s), 1);
	CHECK_EQ(dev_i.no_creds, 1);
	CHECK_EQ(dev_i.probes, 1);
	CHECK_EQ(dev_i.asserts, 1);
	CHECK_EQ(dev_i.last_allow, 1);
	CHECK(logged("user=ivan service=tfa-test rhost=- method=key "
	    "result=success"));
	CHECK_EQ(key_of("ivan", &keys[0])->last_used, fake_now);
	CHECK(key_of("ivan", &keys[0])->sign_count > 0);
	CHECK(key_of("ivan", &keys[1])->last_used < fake_now);

	/* a key that cannot check silently: still one cue, one assertion
	   per relying party, Origin's first */
	dev_i.no_probe = true;
	none = dev_i.no_creds;
	asserts = dev_i.asserts;
	CHECK_EQ(login("ivan", NULL, NULL, &s), PAM_SUCCESS);
	CHECK_EQ(s.prompts, 0);
	CHECK_EQ(cues(&s), 1);
	CHECK_EQ(dev_i.no_creds, none + 1);
	CHECK_EQ(dev_i.asserts, asserts + 1);
	/* both within one KeyTimeoutSeconds: what the first took is gone */
	pamtest_service("KeyTimeoutSeconds=3");
	dev_i.on_no_creds = jump;
	jump_ms = 2000;
	CHECK_EQ(login("ivan", NULL, NULL, &s), PAM_SUCCESS);
	CHECK(dev_i.last_ms > 0 && dev_i.last_ms <= 1000);
	/* and once it is all gone, no second assertion: the code prompt */
	jump_ms = 4000;
	none = dev_i.no_creds;
	asserts = dev_i.asserts;
	CHECK_EQ(login("ivan", NULL, code_now(), &s), PAM_SUCCESS);
	CHECK_EQ(dev_i.no_creds, none + 1);
	CHECK_EQ(dev_i.asserts, asserts);
	CHECK(strstr(s.said, "not touched in time") != NULL);
	CHECK(logged("method=key result=key-timeout"));
	CHECK(logged("method=totp result=success"));
	CHECK_EQ(s.prompts, 1);
	CHECK_EQ(load("ivan")->failures, 0);
	dev_i.on_no_creds = NULL;
	dev_i.no_probe = false;
	pamtest_service("");
	fake_unplug_all();

	/* a key made for neither relying party: a silent check for each,
	   no cue, no touch, the code */
	fake_plug(&dev_x);
	CHECK_EQ(login("ivan", NULL, code_now(), &s), PAM_SUCCESS);
	CHECK_EQ(s.prompts, 1);
	CHECK_EQ(cues(&s), 0);
	CHECK_EQ(dev_x.no_creds, 2);
	CHECK_EQ(dev_x.asserts, 0);
	CHECK(logged("method=key result=key-not-present"));
	fake_unplug_all();

	/* the imported credential answering for another relying party:
	   refused and counted */
	fake_plug(&dev_i);
	dev_i.wrong_rp = true;
	CHECK_EQ(login("ivan", NULL, NULL, &s), PAM_CONV_ERR);
	dev_i.wrong_rp = false;
	CHECK(strstr(s.said, "The security key was refused") != NULL);
	CHECK(logged("method=key result=bad-key-response"));
	CHECK_EQ(load("ivan")->failures, 1);

	/* remote, with both keys plugged: no look at USB, the code */
	fake_plug(&dev_n);
	calls = fake_manifest_calls;
	opens = dev_i.opens + dev_n.opens;
	CHECK_EQ(login("ivan", "192.0.2.9", code_now(), &s), PAM_SUCCESS);
	CHECK_EQ(s.prompts, 1);
	CHECK_EQ(cues(&s), 0);
	CHECK_EQ(fake_manifest_calls, calls);
	CHECK_EQ(dev_i.opens + dev_n.opens, opens);
	CHECK_EQ(load("ivan")->failures, 0);
	fake_unplug_all();
}

/* ---- U2F-only (CTAP1) keys ---- */

static struct fake_dev dev_f, dev_g, dev_h;

/*
 * ulla: a key registered here (on dev_g) and one imported from pam_u2f
 * (on dev_f), both keys speaking only U2F at login (FIDO2 turned off, or
 * an old U2F key).  libfido2 asks them with U2F check-only requests for
 * the silent check and a U2F authenticate for the touch.
 */
static void
test_u2f_only(void)
{
	struct tfa_key keys[2], kv;
	struct pamtest_conv s;
	int checks;

	kv = register_on(&dev_f, OLD_RP, COSE_ES256, false, NULL);
	keys[0] = import_u2f("ulla", &kv, OLD_RP);
	keys[1] = register_on(&dev_g, RP, COSE_ES256, false, NULL);
	save_user("ulla", keys, 2, &kate_totp);
	dev_f.u2f_only = dev_g.u2f_only = dev_h.u2f_only = true;

	/* the key made here: found without a touch, one cue, one touch */
	fake_now += 60;
	fake_plug(&dev_g);
	CHECK_EQ(login("ulla", NULL, NULL, &s), PAM_SUCCESS);
	CHECK_EQ(s.prompts, 0);
	CHECK_EQ(cues(&s), 1);
	CHECK(logged("user=ulla service=tfa-test rhost=- method=key "
	    "result=success"));
	CHECK_EQ(dev_g.probes, 0);		/* no CTAP2 at all */
	/* the silent check, and libfido2's own before it asks to sign */
	CHECK_EQ(dev_g.u2f_checks, 2);
	CHECK_EQ(dev_g.asserts, 1);
	CHECK_EQ(key_of("ulla", &keys[1])->sign_count, 1);
	CHECK_EQ(key_of("ulla", &keys[1])->last_used, fake_now);
	fake_unplug_all();

	/* the pam_u2f key: not under Origin, then under its own origin */
	fake_now += 60;
	fake_plug(&dev_f);
	CHECK_EQ(login("ulla", NULL, NULL, &s), PAM_SUCCESS);
	CHECK_EQ(s.prompts, 0);
	CHECK_EQ(cues(&s), 1);
	CHECK_EQ(dev_f.asserts, 1);
	CHECK_EQ(key_of("ulla", &keys[0])->last_used, fake_now);

	/* not touched in time: the code prompt */
	dev_f.no_touch = true;
	CHECK_EQ(login("ulla", NULL, code_now(), &s), PAM_SUCCESS);
	CHECK(strstr(s.said, "not touched in time") != NULL);
	CHECK(logged("method=key result=key-timeout"));
	CHECK_EQ(s.prompts, 1);
	dev_f.no_touch = false;
	/* a signature that does not verify: refused and counted */
	dev_f.bad_sig = true;
	CHECK_EQ(login("ulla", NULL, NULL, &s), PAM_CONV_ERR);
	CHECK(logged("method=key result=bad-key-response"));
	CHECK_EQ(load("ulla")->failures, 1);
	dev_f.bad_sig = false;
	CHECK_EQ(login("ulla", NULL, code_now(), &s), PAM_SUCCESS);
	fake_unplug_all();

	/* a U2F-only key that holds none of ulla's credentials: checked,
	   then no cue, no touch, the code prompt as before */
	fake_plug(&dev_h);
	CHECK_EQ(login("ulla", NULL, code_now(), &s), PAM_SUCCESS);
	CHECK_EQ(s.prompts, 1);
	CHECK_EQ(cues(&s), 0);
	CHECK_EQ(dev_h.u2f_checks, 2);		/* each relying party */
	CHECK_EQ(dev_h.asserts, 0);
	CHECK(logged("method=key result=key-not-present"));
	CHECK(logged("method=totp result=success"));
	fake_unplug_all();

	/* U2F has no PIN and no built-in verification: a credential made
	   with --uv cannot be used on it, and no touch is asked for */
	dev_h.u2f_only = false;
	dev_h.has_uv = true;
	kv = register_on(&dev_h, RP, COSE_ES256, true, NULL);
	dev_h.u2f_only = true;
	save_user("vera", &kv, 1, &kate_totp);
	checks = dev_h.u2f_checks;
	fake_plug(&dev_h);
	CHECK_EQ(login("vera", NULL, code_now(), &s), PAM_SUCCESS);
	CHECK_EQ(dev_h.u2f_checks, checks + 1);	/* found it */
	CHECK_EQ(cues(&s), 0);
	CHECK_EQ(dev_h.asserts, 0);
	CHECK(logged("method=key result=key-cannot-verify-user"));
	CHECK(logged("method=totp result=success"));
	fake_unplug_all();
}

static void
setup(void)
{
	struct tfa_key keys[2];

	log_prio = true;
	pamtest_init("fido-pam", "Origin = " RP "\nAllowUsedDevices = false\n");

	fake_init(&dev_a, "/dev/hidraw-a");
	fake_init(&dev_b, "/dev/hidraw-b");
	dev_b.full_attestation = false;
	fake_init(&dev_c, "/dev/hidraw-c");
	fake_init(&dev_u, "/dev/hidraw-u");
	dev_u.has_uv = true;
	fake_init(&dev_p, "/dev/hidraw-p");
	dev_p.has_pin = true;
	snprintf(dev_p.pin, sizeof(dev_p.pin), "4711");
	fake_init(&dev_n, "/dev/hidraw-n");
	fake_init(&dev_i, "/dev/hidraw-i");
	fake_init(&dev_x, "/dev/hidraw-x");
	fake_init(&dev_f, "/dev/hidraw-f");
	fake_init(&dev_g, "/dev/hidraw-g");
	fake_init(&dev_h, "/dev/hidraw-h");
	ka = register_on(&dev_a, RP, COSE_ES256, false, NULL);
	kb = register_on(&dev_b, RP, COSE_EDDSA, false, NULL);
	keys[0] = ka;
	keys[1] = kb;
	if (tfa_totp_generate(&kate_totp, fake_now) != TFA_OK)
		abort();
	save_user("kate", keys, 2, &kate_totp);
}

int
main(void)
{
	setup();
	test_touch();
	test_remote();
	test_fallback();
	test_bad_answers();
	test_cloned();
	test_lockout();
	test_uv();
	test_key_only();
	test_default_origin();
	test_two_origins();
	test_u2f_only();

	if (getenv("TFA_TEST_LOG") != NULL)
		fputs(logbuf, stdout);
	pamtest_done();
	fake_free(&dev_a);
	fake_free(&dev_b);
	fake_free(&dev_c);
	fake_free(&dev_u);
	fake_free(&dev_p);
	fake_free(&dev_n);
	fake_free(&dev_i);
	fake_free(&dev_x);
	fake_free(&dev_f);
	fake_free(&dev_g);
	fake_free(&dev_h);
	return tfa_check_done();
}

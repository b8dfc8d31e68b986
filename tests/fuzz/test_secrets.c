/*
 * No secret, code or password in any log line or message.
 *
 * PAM side: a TOTP secret and backup codes known to the test, then every
 * path a login can take (right, wrong, replayed and blank codes, lockout,
 * backup codes used and reused, a client answering the code prompt with
 * its password).  Every log line the module produced (pam_syslog is ours)
 * is searched for every secret and answer by pamfx_done(); what the user
 * was told must not repeat what they typed either.
 *
 * tfa-enroll side: run for real, with syslog(3) captured by a preloaded
 * shim (tests/fuzz/syslog_capture.c): `totp` set-up (the key, URI and QR
 * code on stdout are the point of it; stderr and the log must not have
 * them, and nothing echoes the codes typed), `status`, and `totp remove`
 * with a wrong and then a right code.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include <security/pam_appl.h>

#include "check.h"
#include "pamfx.h"
#include "store.h"
#include "totp.h"

static const uint8_t known_secret[20] = {
	0xd3, 0x1e, 0x7a, 0x90, 0x42, 0x5c, 0xbb, 0x08, 0x6f, 0x31,
	0xe4, 0x97, 0x2d, 0xa5, 0x50, 0xc6, 0x19, 0x8e, 0x73, 0xf2,
};
#define PASSWORD "Tr0ub4dor&3-correct-horse"

static struct tfa_totp t;
static char codes[TFA_BACKUP_COUNT][TFA_BACKUP_SHOWN];

/* Log in and check the user was not shown what they typed. */
static int
login(const char *service, const char *answer)
{
	struct pamtest_conv c = { 0 };
	int r = pamfx_login(service, "alice", answer, &c);

	if (answer != NULL && strlen(answer) >= 6)
		CHECK(strstr(c.said, answer) == NULL);
	return r;
}

static void
enroll_backup(void)
{
	struct tfa_store *st;
	struct tfa_record rec;
	char plain[16];
	int i;

	if (tfa_store_lock(&fx.cfg, NULL, "alice", &st) != TFA_OK ||
	    tfa_store_load(st, &rec) != TFA_OK ||
	    tfa_backup_generate(&rec.backup, codes, pamfx_now) != TFA_OK ||
	    tfa_store_save(st, &rec) != TFA_OK)
		abort();
	tfa_store_close(&st);
	tfa_record_wipe(&rec);
	for (i = 0; i < TFA_BACKUP_COUNT; i++) {
		pamfx_secret(codes[i]);
		snprintf(plain, sizeof(plain), "%.5s%s", codes[i],
		    codes[i] + 6);
		pamfx_secret(plain);
	}
}

static void
test_pam_paths(void)
{
	char code[16], first[PATH_MAX + 64];
	int i;

	pamfx_enroll("alice", &t, known_secret, sizeof(known_secret));
	enroll_backup();
	pamfx_secret(PASSWORD);

	pamfx_now += 60;
	snprintf(code, sizeof(code), "%s", pamtest_code(&t, pamfx_now));
	CHECK_EQ(login("tfa-sec", code), PAM_SUCCESS);
	CHECK_EQ(login("tfa-sec", code), PAM_AUTH_ERR);		/* replay */
	CHECK_EQ(login("tfa-sec", pamfx_wrong(&t, pamfx_now)), PAM_AUTH_ERR);
	CHECK_EQ(login("tfa-sec", " - "), PAM_AUTH_ERR);
	CHECK_EQ(login("tfa-sec", codes[0]), PAM_SUCCESS);	/* backup */
	CHECK_EQ(login("tfa-sec", codes[0]), PAM_AUTH_ERR);	/* reused */
	CHECK_EQ(login("tfa-sec", "ABCDE-FGHJK"), PAM_AUTH_ERR);
	/* a lockout, and the right code during it */
	pamfx_set_failures("alice", 0, 0);
	for (i = 0; i < 3; i++)
		CHECK_EQ(login("tfa-lock", pamfx_wrong(&t, pamfx_now)),
		    PAM_AUTH_ERR);
	pamfx_now += 30;
	CHECK_EQ(login("tfa-lock", pamtest_code(&t, pamfx_now)), PAM_MAXTRIES);
	pamfx_now += 3600;
	CHECK_EQ(login("tfa-sec", pamtest_code(&t, pamfx_now)), PAM_SUCCESS);
	CHECK_EQ(login("tfa-sec", codes[1] + 1), PAM_AUTH_ERR);

	/* a client that answers the code prompt with its password */
	snprintf(first, sizeof(first), "auth required %s", pamtest.settok);
	pamtest_stack("tfa-pw", first, "");
	CHECK_EQ(login("tfa-pw", PASSWORD), PAM_AUTH_ERR);
	/* the password and then a code, as a mail client could send them */
	snprintf(code, sizeof(code), "%s", pamtest_code(&t, pamfx_now + 30));
	{
		char both[128];

		snprintf(both, sizeof(both), "%s%s", PASSWORD, code);
		pamfx_secret(both);
		login("tfa-pw", both);
	}
}

/* ---- tfa-enroll ---- */

struct run {
	char out[1 << 16], err[1 << 14];
	size_t nout, nerr;
	int status;
};

/*
 * Run tfa-enroll ARGS, feeding `lines` one at a time, each after `prompt`
 * shows up on stdout (lines[i] may be computed from what was printed by
 * `answer`).  Output and status into r.
 */
static void
run_enroll(const char *const *args, const char *prompt,
    const char *(*answer)(int i, const struct run *r), struct run *r)
{
	int in[2], out[2], err[2], i, n, answered = 0;
	const char *enroll_bin;
	struct pollfd pf[2];
	char path[PATH_MAX], shim[PATH_MAX], env[PATH_MAX + 32];
	const char *build = getenv("BUILD");
	char *cwd = getcwd(NULL, 0);
	const char *argv[16];
	pid_t pid;

	memset(r, 0, sizeof(*r));
	if (build == NULL)
		build = "build";
	if (build[0] == '/')		/* BUILD may be absolute */
		cwd[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s/tfa-enroll", cwd, build);
	snprintf(shim, sizeof(shim), "%s/%s/tests/syslog_capture.so", cwd,
	    build);
	enroll_bin = path;
	argv[0] = enroll_bin;
	argv[1] = "--config";
	argv[2] = fx.conffile;
	for (i = 0; args[i] != NULL && i < 12; i++)
		argv[3 + i] = args[i];
	argv[3 + i] = NULL;
	if (pipe(in) != 0 || pipe(out) != 0 || pipe(err) != 0)
		abort();
	fflush(stdout);
	if ((pid = fork()) == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		close(in[1]);
		close(out[0]);
		close(err[0]);
		snprintf(env, sizeof(env), "LD_PRELOAD=%s", shim);
		putenv(env);
		/* an ASan build wants its runtime first; the shim is harmless */
		setenv("ASAN_OPTIONS", "verify_asan_link_order=0", 0);
		setenv("TFA_SYSLOG_FILE", pamfx_path(fx.dir, "enroll-syslog"),
		    1);
		execv(enroll_bin, (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	close(err[1]);
	pf[0] = (struct pollfd){ .fd = out[0], .events = POLLIN };
	pf[1] = (struct pollfd){ .fd = err[0], .events = POLLIN };
	alarm(30);
	while (pf[0].fd >= 0 || pf[1].fd >= 0) {
		if (poll(pf, 2, -1) < 0 && errno != EINTR)
			abort();
		if (pf[0].revents) {
			n = (int)read(out[0], r->out + r->nout,
			    sizeof(r->out) - r->nout - 1);
			if (n <= 0)
				pf[0].fd = -1;
			else
				r->nout += (size_t)n;
			r->out[r->nout] = '\0';
		}
		if (pf[1].revents) {
			n = (int)read(err[0], r->err + r->nerr,
			    sizeof(r->err) - r->nerr - 1);
			if (n <= 0)
				pf[1].fd = -1;
			else
				r->nerr += (size_t)n;
			r->err[r->nerr] = '\0';
		}
		/* one more answer for every prompt seen */
		while (answer != NULL && pamfx_count(r->out, prompt) >
		    answered) {
			const char *a = answer(answered++, r);
			char line[256];

			if (a == NULL) {
				close(in[1]);
				answer = NULL;
				break;
			}
			snprintf(line, sizeof(line), "%s\n", a);
			if (write(in[1], line, strlen(line)) < 0)
				break;
		}
	}
	close(in[1]);
	close(out[0]);
	close(err[0]);
	r->status = pamfx_wait(pid);
	alarm(0);
	free(cwd);
}

/* The real clock: time() in this program is the fake one. */
static int64_t
real_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec;
}

static int
b32_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= '2' && c <= '7')
		return c - '2' + 26;
	return -1;
}

static struct tfa_totp printed;	/* what tfa-enroll showed */
static char printed_b32[128], typed[4][16];

static bool
read_printed_secret(const char *out)
{
	const char *p = strstr(out, "secret=");
	unsigned buf = 0, bits = 0;
	size_t n = 0, o = 0;
	int v;

	if (p == NULL)
		return false;
	for (p += 7; (v = b32_value(*p)) >= 0 && n + 1 < sizeof(printed_b32);
	    p++) {
		printed_b32[n++] = *p;
		buf = buf << 5 | (unsigned)v;
		bits += 5;
		if (bits >= 8) {
			printed.secret[o++] = (uint8_t)(buf >> (bits - 8));
			bits -= 8;
		}
	}
	printed_b32[n] = '\0';
	printed.secret_len = o;
	printed.algo = TFA_HASH_SHA1;
	printed.digits = 6;
	printed.period = 30;
	printed.enabled = true;
	return o >= 10;
}

static const char *
code_at(int64_t when)
{
	static char code[16];

	if (tfa_totp_code(&printed, tfa_totp_step(&printed, when), code,
	    sizeof(code)) != TFA_OK)
		abort();
	return code;
}

/* First a wrong code, then the right one. */
static const char *
answer_setup(int i, const struct run *r)
{
	if (i == 0) {
		if (!read_printed_secret(r->out))
			return NULL;
		snprintf(typed[0], sizeof(typed[0]), "%06u",
		    (unsigned)(atoi(code_at(real_now())) + 500000) % 1000000);
		return typed[0];
	}
	if (i == 1) {
		snprintf(typed[1], sizeof(typed[1]), "%s", code_at(real_now()));
		return typed[1];
	}
	return NULL;
}

static const char *
answer_wrong(int i, const struct run *r)
{
	(void)r;
	if (i > 0)
		return NULL;
	snprintf(typed[2], sizeof(typed[2]), "%06u",
	    (unsigned)(atoi(code_at(real_now())) + 400000) % 1000000);
	return typed[2];
}

/* A code newer than the one the set-up used: the next step's. */
static const char *
answer_right(int i, const struct run *r)
{
	(void)r;
	if (i > 0)
		return NULL;
	snprintf(typed[3], sizeof(typed[3]), "%s", code_at(real_now() + 30));
	return typed[3];
}

/* None of the secrets, typed codes or key forms in text. */
static int
leaks(const char *what, const char *text, bool key_allowed)
{
	char hex[2 * TFA_SECRET_MAX + 1], grouped[160];
	size_t i, o = 0;
	int n = 0;

	for (i = 0; i < printed.secret_len; i++)
		sprintf(hex + 2 * i, "%02x", printed.secret[i]);
	for (i = 0; printed_b32[i] != '\0' && o + 2 < sizeof(grouped); i++) {
		if (i > 0 && i % 4 == 0)
			grouped[o++] = ' ';
		grouped[o++] = printed_b32[i];
	}
	grouped[o] = '\0';
	if (!key_allowed) {
		n += strstr(text, printed_b32) != NULL;
		n += strstr(text, grouped) != NULL;
		/* a third of the key is already too much */
		for (i = 0; i + 10 <= strlen(printed_b32); i++) {
			char part[11];

			memcpy(part, printed_b32 + i, 10);
			part[10] = '\0';
			n += strstr(text, part) != NULL;
		}
	}
	n += strstr(text, hex) != NULL;
	for (i = 0; i < 4; i++)
		n += typed[i][0] != '\0' && strstr(text, typed[i]) != NULL;
	if (n > 0)
		printf("# %s: %d secret or code fragments found\n", what, n);
	return n;
}

static void
test_enroll_outputs(void)
{
	static const char *const setup[] = { "totp", NULL };
	static const char *const status[] = { "status", NULL };
	static const char *const remove[] = { "totp", "remove", NULL };
	struct run r;
	char *log;

	run_enroll(setup, "to confirm: ", answer_setup, &r);
	CHECK_EQ(r.status, 0);
	CHECK(printed.secret_len >= 10);
	/* the set-up shows the key: that is its job */
	CHECK(strstr(r.out, printed_b32) != NULL);
	CHECK(strstr(r.out, "otpauth://totp/") != NULL);
	CHECK(strstr(r.out, "That code is not right") != NULL);
	CHECK_EQ(leaks("totp set-up, stdout", r.out, true), 0);
	CHECK_EQ(leaks("totp set-up, stderr", r.err, false), 0);

	run_enroll(status, NULL, NULL, &r);
	CHECK_EQ(r.status, 0);
	CHECK(strstr(r.out, "Authenticator app") != NULL);
	CHECK_EQ(leaks("status, stdout", r.out, false), 0);
	CHECK_EQ(leaks("status, stderr", r.err, false), 0);

	run_enroll(remove, "code: ", answer_wrong, &r);
	CHECK_EQ(r.status, 1);
	CHECK(strstr(r.err, "wrong code") != NULL);
	CHECK_EQ(leaks("totp remove (wrong code), stdout", r.out, false), 0);
	CHECK_EQ(leaks("totp remove (wrong code), stderr", r.err, false), 0);

	run_enroll(remove, "code: ", answer_right, &r);
	CHECK_EQ(r.status, 0);
	CHECK(strstr(r.out, "removed") != NULL);
	CHECK_EQ(leaks("totp remove, stdout", r.out, false), 0);
	CHECK_EQ(leaks("totp remove, stderr", r.err, false), 0);

	log = pamfx_slurp(pamfx_path(fx.dir, "enroll-syslog"), NULL);
	/* the set-up and the removal were logged: the capture works */
	CHECK(log != NULL && pamfx_count(log, "\n") >= 2);
	CHECK_EQ(leaks("tfa-enroll's syslog", log != NULL ? log : "", false),
	    0);
	free(log);
}

int
main(void)
{
	pamfx_on_alarm("not ok - hung\n");
	signal(SIGPIPE, SIG_IGN);
	pamfx_init("secrets", "MaxFailures = 1000\n");
	pamtest_stack("tfa-sec", "", "");
	pamtest_stack("tfa-lock", "", "MaxFailures=3");
	test_pam_paths();
	test_enroll_outputs();
	return pamfx_done();
}

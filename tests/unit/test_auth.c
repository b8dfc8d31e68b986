/*
 * Unit tests for common/auth.c: tfa_auth_code against a real store in a
 * temporary directory, with the clock set by this program's own time().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "auth.h"
#include "check.h"
#include "store.h"
#include "totp.h"

/*
 * The clock: tfa_now() calls time(), and this definition is the one the
 * library linked into this program gets.
 */
static time_t fake_now = 1111111111;

time_t
time(time_t *t)
{
	if (t != NULL)
		*t = fake_now;
	return fake_now;
}

struct fixture {
	char *dir;
	struct tfa_config cfg;
};

static void
make_record(struct tfa_record *rec)
{
	tfa_record_init(rec);
	rec->totp.enabled = true;
	rec->totp.secret_len = 20;
	memcpy(rec->totp.secret, "12345678901234567890", 20);
	rec->totp.algo = TFA_HASH_SHA1;
	rec->totp.digits = 6;
	rec->totp.period = 30;
	rec->totp.created = 1000000000;
}

static tfa_err
put_record(const struct fixture *fx, const struct tfa_record *rec)
{
	struct tfa_store *st;
	tfa_err r;

	if ((r = tfa_store_lock(&fx->cfg, NULL, "alice", &st)) != TFA_OK)
		return r;
	r = tfa_store_save(st, rec);
	tfa_store_close(&st);
	return r;
}

/* A store with alice enrolled; MaxFailures 3, LockoutMinutes 10. */
static void
fx_init(struct fixture *fx, const char *tag)
{
	struct tfa_record rec;

	fake_now = 1111111111;
	fx->dir = tfa_test_tmpdir(tag);
	tfa_config_init(&fx->cfg);
	if (tfa_strlcpy(fx->cfg.store_dir, fx->dir, sizeof(fx->cfg.store_dir)))
		abort();
	fx->cfg.max_failures = 3;
	fx->cfg.lockout_minutes = 10;
	fx->cfg.clock_tolerance = 1;
	make_record(&rec);
	if (put_record(fx, &rec) != TFA_OK)
		abort();
}

static void
fx_done(struct fixture *fx)
{
	tfa_test_rmtree(fx->dir);
	free(fx->dir);
}

/* The code for the step `offset` steps from now. */
static const char *
code(int offset)
{
	static char buf[TFA_TOTP_CODE_MAX + 1];
	struct tfa_record rec;

	make_record(&rec);
	if (tfa_totp_code(&rec.totp, fake_now / 30 + offset, buf,
	    sizeof(buf)) != TFA_OK)
		abort();
	return buf;
}

/* A six-digit code that is none of the window's. */
static const char *
wrong_code(void)
{
	static char buf[16];
	unsigned i, n;

	for (n = 0; n < 1000000; n++) {
		snprintf(buf, sizeof(buf), "%06u", n);
		for (i = 0; i < 5; i++)
			if (strcmp(buf, code((int)i - 2)) == 0)
				break;
		if (i == 5)
			return buf;
	}
	abort();
}

static tfa_err
auth(const struct fixture *fx, const char *input, struct tfa_verdict *v)
{
	return tfa_auth_code(&fx->cfg, NULL, "alice", input, tfa_now(), v, NULL);
}

/* What alice's stored record says, but for its lists (left out). */
static struct tfa_record
stored(const struct fixture *fx)
{
	struct tfa_record rec, out;

	memset(&out, 0xff, sizeof(out));
	if (tfa_store_read(&fx->cfg, NULL, "alice", &rec) == TFA_OK) {
		out = rec;
		out.apppw = NULL;
		out.dev = NULL;
		out.keys = NULL;
		out.n_apppw = out.n_dev = out.n_keys = 0;
		out.shared = NULL;
		tfa_record_wipe(&rec);
	}
	return out;
}

static void
test_clock(void)
{
	fake_now = 1234567890;
	CHECK_EQ(tfa_now(), 1234567890);
	fake_now = 1111111111;
	CHECK_EQ(tfa_now(), 1111111111);
}

static void
test_right_then_replay(void)
{
	struct fixture fx;
	struct tfa_verdict v;
	struct tfa_record rec;
	char c[TFA_TOTP_CODE_MAX + 1];

	fx_init(&fx, "auth-right");
	strcpy(c, code(0));
	CHECK_EQ(auth(&fx, c, &v), TFA_OK);
	CHECK_EQ(v.method, TFA_METHOD_TOTP);
	CHECK_EQ(v.failures, 0);
	CHECK_EQ(v.locked_until, 0);
	rec = stored(&fx);
	CHECK_EQ(rec.last_step, fake_now / 30);
	CHECK_EQ(rec.last_login, fake_now);
	CHECK_EQ(rec.last_method, TFA_METHOD_TOTP);
	CHECK_EQ(rec.failures, 0);

	/* the same code again, even a second later, is a replay */
	fake_now++;
	CHECK_EQ(auth(&fx, c, &v), TFA_ERR_REPLAY);
	CHECK_EQ(v.method, TFA_METHOD_NONE);
	CHECK_EQ(v.failures, 1);
	rec = stored(&fx);
	CHECK_EQ(rec.failures, 1);
	CHECK_EQ(rec.last_login, fake_now - 1);
	fx_done(&fx);
}

static void
test_older_step_after_newer(void)
{
	struct fixture fx;
	struct tfa_verdict v;

	fx_init(&fx, "auth-older");
	/* the next step's code is in the window and accepted */
	CHECK_EQ(auth(&fx, code(1), &v), TFA_OK);
	CHECK_EQ(stored(&fx).last_step, fake_now / 30 + 1);
	/* now the current and previous steps are older: refused */
	CHECK_EQ(auth(&fx, code(0), &v), TFA_ERR_REPLAY);
	CHECK_EQ(auth(&fx, code(-1), &v), TFA_ERR_REPLAY);
	CHECK_EQ(v.failures, 2);
	/* and when the clock reaches the step after, its code works */
	fake_now += 60;
	CHECK_EQ(auth(&fx, code(0), &v), TFA_OK);
	CHECK_EQ(v.failures, 0);
	fx_done(&fx);
}

static void
test_window_edges(void)
{
	struct fixture fx;
	struct tfa_verdict v;

	fx_init(&fx, "auth-window");
	/* tolerance 1: two steps back is out, one back is in */
	CHECK_EQ(auth(&fx, code(-2), &v), TFA_ERR_BADCODE);
	CHECK_EQ(auth(&fx, code(-1), &v), TFA_OK);
	CHECK_EQ(auth(&fx, code(2), &v), TFA_ERR_BADCODE);
	CHECK_EQ(auth(&fx, code(1), &v), TFA_OK);
	CHECK_EQ(stored(&fx).last_step, fake_now / 30 + 1);
	fx_done(&fx);
}

static void
test_wrong_code(void)
{
	struct fixture fx;
	struct tfa_verdict v;
	struct tfa_record rec;

	fx_init(&fx, "auth-wrong");
	CHECK_EQ(auth(&fx, wrong_code(), &v), TFA_ERR_BADCODE);
	CHECK_EQ(v.failures, 1);
	CHECK_EQ(v.locked_until, 0);
	CHECK_EQ(auth(&fx, "abcdef", &v), TFA_ERR_BADCODE);
	CHECK_EQ(v.failures, 2);
	rec = stored(&fx);
	CHECK_EQ(rec.failures, 2);
	CHECK_EQ(rec.last_step, 0);
	CHECK_EQ(rec.last_login, 0);
	/* a success resets the count */
	CHECK_EQ(auth(&fx, code(0), &v), TFA_OK);
	CHECK_EQ(v.failures, 0);
	CHECK_EQ(stored(&fx).failures, 0);
	fx_done(&fx);
}

static void
test_lockout(void)
{
	struct fixture fx;
	struct tfa_verdict v;
	struct tfa_record rec;
	int64_t until;

	fx_init(&fx, "auth-lockout");
	CHECK_EQ(auth(&fx, wrong_code(), &v), TFA_ERR_BADCODE);
	CHECK_EQ(auth(&fx, wrong_code(), &v), TFA_ERR_BADCODE);
	CHECK_EQ(v.locked_until, 0);
	CHECK_EQ(auth(&fx, wrong_code(), &v), TFA_ERR_BADCODE);
	CHECK_EQ(v.failures, 3);
	until = fake_now + 10 * 60;
	CHECK_EQ(v.locked_until, until);
	CHECK_EQ(stored(&fx).locked_until, until);

	/* a right code while locked fails and is not used up */
	fake_now += 30;
	CHECK_EQ(auth(&fx, code(0), &v), TFA_ERR_LOCKED);
	CHECK_EQ(v.method, TFA_METHOD_NONE);
	CHECK_EQ(v.locked_until, until);
	rec = stored(&fx);
	CHECK_EQ(rec.last_step, 0);
	CHECK_EQ(rec.locked_until, until);
	fake_now = until - 1;
	CHECK_EQ(auth(&fx, code(0), &v), TFA_ERR_LOCKED);

	/* at the end of the lockout a right code works and clears it */
	fake_now = until;
	CHECK_EQ(auth(&fx, code(0), &v), TFA_OK);
	CHECK_EQ(v.failures, 0);
	CHECK_EQ(v.locked_until, 0);
	rec = stored(&fx);
	CHECK_EQ(rec.failures, 0);
	CHECK_EQ(rec.locked_until, 0);
	CHECK_EQ(rec.last_step, fake_now / 30);
	fx_done(&fx);
}

static void
test_lockout_expired_wrong(void)
{
	struct fixture fx;
	struct tfa_verdict v;

	fx_init(&fx, "auth-expired");
	while (auth(&fx, wrong_code(), &v) != TFA_ERR_LOCKED)
		if (v.failures > 10)
			break;
	CHECK_EQ(v.failures, 3);
	/* after the lockout a wrong code counts from zero again */
	fake_now = v.locked_until + 5;
	CHECK_EQ(auth(&fx, wrong_code(), &v), TFA_ERR_BADCODE);
	CHECK_EQ(v.failures, 1);
	CHECK_EQ(v.locked_until, 0);
	/* LockoutMinutes = 0: failures are counted, nobody is locked out */
	fx.cfg.lockout_minutes = 0;
	CHECK_EQ(auth(&fx, wrong_code(), &v), TFA_ERR_BADCODE);
	CHECK_EQ(auth(&fx, wrong_code(), &v), TFA_ERR_BADCODE);
	CHECK_EQ(v.failures, 3);
	CHECK_EQ(v.locked_until, 0);
	CHECK_EQ(auth(&fx, code(0), &v), TFA_OK);
	fx_done(&fx);
}

static void
test_no_method(void)
{
	struct fixture fx;
	struct tfa_verdict v;
	struct tfa_record rec;

	fx_init(&fx, "auth-nomethod");
	make_record(&rec);
	rec.disabled = true;
	CHECK_EQ(put_record(&fx, &rec), TFA_OK);
	CHECK_EQ(auth(&fx, code(0), &v), TFA_ERR_NOMETHOD);
	CHECK_EQ(stored(&fx).failures, 0);

	rec.disabled = false;
	rec.totp.enabled = false;
	CHECK_EQ(put_record(&fx, &rec), TFA_OK);
	CHECK_EQ(auth(&fx, code(0), &v), TFA_ERR_NOMETHOD);

	make_record(&rec);
	CHECK_EQ(put_record(&fx, &rec), TFA_OK);
	fx.cfg.allow_app = false;
	CHECK_EQ(auth(&fx, code(0), &v), TFA_ERR_NOMETHOD);
	CHECK_EQ(stored(&fx).last_step, 0);
	fx.cfg.allow_app = true;
	CHECK_EQ(auth(&fx, code(0), &v), TFA_OK);

	CHECK_EQ(tfa_auth_code(&fx.cfg, NULL, "bob", code(0), tfa_now(), &v,
	    NULL), TFA_ERR_NOENT);
	CHECK_EQ(tfa_auth_code(&fx.cfg, NULL, "../alice", code(0), tfa_now(),
	    &v, NULL), TFA_ERR_USER);
	fx_done(&fx);
}

static void
test_spaced_codes(void)
{
	struct fixture fx;
	struct tfa_verdict v;
	char c[16];
	const char *k;

	fx_init(&fx, "auth-spaced");
	k = code(-1);
	snprintf(c, sizeof(c), "%.2s %.2s %.2s", k, k + 2, k + 4);
	CHECK_EQ(auth(&fx, c, &v), TFA_OK);
	k = code(0);
	snprintf(c, sizeof(c), "%.3s-%.3s", k, k + 3);
	CHECK_EQ(auth(&fx, c, &v), TFA_OK);
	k = code(1);
	snprintf(c, sizeof(c), " %.3s\t%.3s ", k, k + 3);
	CHECK_EQ(auth(&fx, c, &v), TFA_OK);
	CHECK_EQ(stored(&fx).last_step, fake_now / 30 + 1);
	fx_done(&fx);
}

/* tfa_auth_code(NULL input) in a child, so a crash fails one check only. */
static int
auth_null_in_child(const struct fixture *fx)
{
	struct tfa_verdict v;
	pid_t pid;
	int status;

	fflush(stdout);
	if ((pid = fork()) == 0)
		_exit(auth(fx, NULL, &v));
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) :
	    128 + WTERMSIG(status);
}

/* Nothing typed is not a guess: refused, never counted. */
static void
test_blank_input(void)
{
	static const char *blank[] = { "", " ", "\t", "---", " - - " };
	struct fixture fx;
	struct tfa_verdict v;
	size_t i;

	fx_init(&fx, "auth-blank");
	CHECK_EQ(auth(&fx, wrong_code(), &v), TFA_ERR_BADCODE);
	CHECK_EQ(auth(&fx, wrong_code(), &v), TFA_ERR_BADCODE);
	for (i = 0; i < sizeof(blank) / sizeof(blank[0]); i++) {
		printf("# blank input %zu\n", i);
		CHECK_EQ(auth(&fx, blank[i], &v), TFA_ERR_INVAL);
		CHECK_EQ(v.locked_until, 0);
	}
	CHECK_EQ(auth_null_in_child(&fx), TFA_ERR_INVAL);
	CHECK_EQ(stored(&fx).failures, 2);
	CHECK_EQ(stored(&fx).locked_until, 0);
	/* too few digits is typed input, and a wrong guess */
	CHECK_EQ(auth(&fx, "12345", &v), TFA_ERR_BADCODE);
	CHECK_EQ(v.failures, 3);
	CHECK(v.locked_until != 0);
	fx_done(&fx);
}

#define RACERS 6

/*
 * Racing logins with one code: every child tries it at the same instant;
 * exactly one may succeed, the others see a replay.
 */
static void
test_race_one_code(void)
{
	struct fixture fx;
	struct tfa_verdict v;
	pid_t pid[RACERS];
	int i, status, ok = 0, replay = 0;
	char c[TFA_TOTP_CODE_MAX + 1];

	fx_init(&fx, "auth-race");
	fx.cfg.max_failures = 10;	/* no lockout among the losers */
	strcpy(c, code(0));
	fflush(stdout);
	for (i = 0; i < RACERS; i++)
		if ((pid[i] = fork()) == 0)
			_exit(auth(&fx, c, &v));
	for (i = 0; i < RACERS; i++) {
		while (waitpid(pid[i], &status, 0) < 0 && errno == EINTR)
			;
		ok += WIFEXITED(status) && WEXITSTATUS(status) == TFA_OK;
		replay += WIFEXITED(status) &&
		    WEXITSTATUS(status) == TFA_ERR_REPLAY;
	}
	CHECK_EQ(ok, 1);
	CHECK_EQ(replay, RACERS - 1);
	CHECK_EQ(stored(&fx).failures, RACERS - 1);
	fx_done(&fx);
}

int
main(void)
{
	umask(022);
	test_clock();
	test_right_then_replay();
	test_older_step_after_newer();
	test_window_edges();
	test_wrong_code();
	test_lockout();
	test_lockout_expired_wrong();
	test_no_method();
	test_spaced_codes();
	test_blank_input();
	test_race_one_code();
	return tfa_check_done();
}

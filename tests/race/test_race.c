/*
 * Racing logins through the built module: N processes, each in its own
 * pam_start_confdir + pam_authenticate, all held at the "Verification code"
 * prompt and released at once (they block on one pipe; closing it wakes them
 * together), so they enter the module's lock-read-check-write at the same
 * instant.  Each scenario runs for many rounds and checks exact counts:
 *
 *   same-code   one user, one valid code, N logins: exactly one success
 *   backup-code one user, one backup code, N logins: exactly one success,
 *               exactly one code used up
 *   wrong-codes N wrong codes: the failure count rises by exactly N
 *   lockout     MaxFailures = N/2: exactly that many counted, the rest
 *               refused as locked out, no success, the lockout on disk
 *   users       N users at once: every one succeeds
 *   mixed       logins of one user (one code raced, then wrong codes) and
 *               processes changing another field of the same record
 *               through the store API: no update lost on either side
 *   mail        the mail stack (mode=split, a password module, mode=verify;
 *               held at split's password prompt), one user, the same
 *               password + fresh code from N clients: the code is used
 *               as a TOTP step once.  Remembering clients (the default),
 *               every login succeeds: one by the code, which remembers
 *               the client, the others by that one remembered device,
 *               no failure counted.  TrustDevicesForDays=0: exactly one
 *               success, N-1 replays (counted as failures), no device.
 *               The first round also races the making of .device-key.
 *
 * TFA_RACE_N (default 8) processes, TFA_RACE_ROUNDS (default 20) rounds;
 * `make stress` runs 16 and 200.  A scenario is one function and one entry
 * in scenarios[]; a new second factor is one more of each.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include <security/pam_appl.h>

#include "check.h"
#include "device.h"
#include "pamfx.h"
#include "store.h"
#include "totp.h"

#define N_MAX		64
#define REPS_MAX	4
#define MIXED_REPS	3
#define WATCHDOG	120	/* seconds one round may take before it hangs */

static int nproc, rounds;

/* What one racing process does once released. */
enum racer_kind { LOGIN, BUMP };

struct racer {
	enum racer_kind kind;
	const char *service;
	const char *user;
	int reps;
	char answer[REPS_MAX][64];	/* LOGIN: one answer per rep */
};

/* Results, shared with the children: a PAM code per rep, or -1. */
static int (*results)[REPS_MAX];

/* Totals over every scenario and round. */
static struct {
	long logins;
	long double_accepts;	/* successes beyond the one allowed */
	long lost_updates;	/* counted changes that did not stick */
	long lockout_miscounts;	/* lockout engaged at the wrong count */
	long refused_users;	/* distinct users that did not get in */
	long store_errors;	/* logins that failed on the store itself */
} total;

/* ---- releasing N processes at once ---- */

static pid_t pids[N_MAX];
static int npids;

static void
watchdog(int sig)
{
	static const char msg[] = "not ok - a race round hung (watchdog)\n";
	int i;

	(void)sig;
	for (i = 0; i < npids; i++)
		kill(pids[i], SIGKILL);
	if (write(STDOUT_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(2);
	_exit(1);
}

struct gate {
	int ready;	/* write end: "I am at the line" */
	int go;		/* read end: EOF means go */
	bool passed;
};

static void
at_gate(void *arg)
{
	struct gate *g = arg;
	char c;

	g->passed = true;
	if (write(g->ready, "r", 1) != 1)
		_exit(90);
	while (read(g->go, &c, 1) < 0 && errno == EINTR)
		;
}

/* Lock, load, count totp.created up by one, save: another field's writer. */
static int
bump(const char *user)
{
	struct tfa_store *st;
	struct tfa_record rec;
	tfa_err r;

	if ((r = tfa_store_lock(&fx.cfg, NULL, user, &st)) != TFA_OK)
		return -1 - (int)r;
	if ((r = tfa_store_load(st, &rec)) == TFA_OK) {
		rec.totp.created++;
		r = tfa_store_save(st, &rec);
	}
	tfa_store_close(&st);
	tfa_record_wipe(&rec);
	return r == TFA_OK ? 0 : -1 - (int)r;
}

static void
run_racer(const struct racer *rc, int me, struct gate *g)
{
	struct pamtest_conv c;
	int i;

	memset(&c, 0, sizeof(c));
	if (rc->kind == BUMP) {
		at_gate(g);
		for (i = 0; i < rc->reps; i++)
			results[me][i] = bump(rc->user);
		_exit(0);
	}
	for (i = 0; i < rc->reps; i++) {
		c.at_prompt = i == 0 ? at_gate : NULL;
		c.arg = g;
		results[me][i] = pamfx_login(rc->service, rc->user,
		    rc->answer[i], &c);
		if (!g->passed)
			at_gate(g);	/* never prompted: do not hold the rest */
	}
	_exit(0);
}

/* Fork one process per racer, wait until all are at the line, release. */
static void
race(const struct racer *rc, int n)
{
	int ready[2], go[2], i, arrived = 0, bad = 0;
	struct gate g = { 0 };
	off_t mark = pamfx_log_mark();
	char c, *log, *line;
	int errors;

	memset(results, 0xff, sizeof(*results) * N_MAX);
	if (pipe(ready) != 0 || pipe(go) != 0)
		abort();
	fflush(stdout);
	npids = 0;
	alarm(WATCHDOG);
	for (i = 0; i < n; i++) {
		if ((pids[i] = fork()) < 0)
			abort();
		if (pids[i] == 0) {
			close(ready[0]);
			close(go[1]);
			g.ready = ready[1];
			g.go = go[0];
			run_racer(&rc[i], i, &g);
		}
		npids++;
	}
	close(ready[1]);
	close(go[0]);
	while (arrived < n && read(ready[0], &c, 1) == 1)
		arrived++;
	close(go[1]);		/* everyone at the line goes now */
	for (i = 0; i < n; i++)
		bad += pamfx_wait(pids[i]) != 0;
	alarm(0);
	npids = 0;
	close(ready[0]);
	if (arrived != n || bad != 0)
		printf("# %d of %d processes reached the line, %d died\n",
		    arrived, n, bad);
	/* a race must never look like a broken store */
	log = pamfx_log_since(mark);
	errors = pamfx_count(log, "result=store-error") +
	    pamfx_count(log, "result=error") + pamfx_count(log, "refusing");
	if (errors > 0 && (line = strstr(log, "refusing")) != NULL)
		printf("# %.*s\n", (int)strcspn(line, "\n"), line);
	total.store_errors += errors;
	free(log);
}

static int
count_results(int n, int reps, int want)
{
	int i, j, k = 0;

	for (i = 0; i < n; i++)
		for (j = 0; j < reps; j++)
			k += results[i][j] == want;
	return k;
}

/* The parts of a record the scenarios count. */
struct counts {
	unsigned failures;
	int64_t last_step, locked_until, last_login, created;
	unsigned backup_left;
};

static struct counts
record_of(const char *user)
{
	struct tfa_record rec;
	struct counts c = { 0 };

	if (!pamfx_read(user, &rec)) {
		printf("# cannot read the record of %s\n", user);
		return c;
	}
	c.failures = rec.failures;
	c.last_step = rec.last_step;
	c.locked_until = rec.locked_until;
	c.last_login = rec.last_login;
	c.created = rec.totp.created;
	c.backup_left = tfa_backup_left(&rec.backup);
	tfa_record_wipe(&rec);
	return c;
}

static void
login_racer(struct racer *rc, const char *service, const char *user,
    const char *answer)
{
	memset(rc, 0, sizeof(*rc));
	rc->kind = LOGIN;
	rc->service = service;
	rc->user = user;
	rc->reps = 1;
	snprintf(rc->answer[0], sizeof(rc->answer[0]), "%s", answer);
}

/* ---- the scenarios ---- */

static struct tfa_totp t_same, t_backup, t_wrong, t_lock, t_mixed,
    t_users[N_MAX];
static char users[N_MAX][32];
static struct racer rc[N_MAX];

/* Same user, same valid code, N at once: one success, N-1 replays. */
static bool
round_same_code(int round)
{
	struct counts rec;
	char code[16], *log;
	int64_t step;
	off_t mark;
	int i, ok, replays, refused;

	pamfx_now += 60;
	snprintf(code, sizeof(code), "%s", pamtest_code(&t_same, pamfx_now));
	step = tfa_totp_step(&t_same, pamfx_now);
	for (i = 0; i < nproc; i++)
		login_racer(&rc[i], "tfa-race", "racer", code);
	mark = pamfx_log_mark();
	race(rc, nproc);
	log = pamfx_log_since(mark);
	ok = count_results(nproc, 1, PAM_SUCCESS);
	refused = count_results(nproc, 1, PAM_AUTH_ERR);
	replays = pamfx_count(log, "user=racer service=tfa-race "
	    "rhost=192.0.2.7 method=none result=replayed-code");
	free(log);
	rec = record_of("racer");
	printf("round %d: %d success, %d replays\n", round, ok, replays);
	total.logins += nproc;
	if (ok > 1)
		total.double_accepts += ok - 1;
	total.lost_updates += labs((long)rec.failures - (nproc - 1));
	if (ok == 1 && refused == nproc - 1 && replays == nproc - 1 &&
	    rec.failures == (unsigned)nproc - 1 && rec.last_step == step)
		return true;
	printf("# round %d: BAD: %d refused, failure count %u (want %d), "
	    "last step %lld (want %lld)\n", round, refused, rec.failures,
	    nproc - 1, (long long)rec.last_step, (long long)step);
	return false;
}

/*
 * Same user, same backup code, N at once: one success, N-1 refusals (a used
 * code is a wrong code), one code fewer.  Each round makes a new set.
 */
static bool
round_backup(int round)
{
	char codes[TFA_BACKUP_COUNT][TFA_BACKUP_SHOWN], *log;
	struct tfa_store *st;
	struct tfa_record rec;
	struct counts left;
	off_t mark;
	int i, ok, refused, used;

	pamfx_now += 60;
	if (tfa_store_lock(&fx.cfg, NULL, "backup", &st) != TFA_OK ||
	    tfa_store_load(st, &rec) != TFA_OK ||
	    tfa_backup_generate(&rec.backup, codes, pamfx_now) != TFA_OK)
		abort();
	rec.failures = 0;
	if (tfa_store_save(st, &rec) != TFA_OK)
		abort();
	tfa_store_close(&st);
	for (i = 0; i < TFA_BACKUP_COUNT; i++)
		pamfx_secret(codes[i]);
	for (i = 0; i < nproc; i++)
		login_racer(&rc[i], "tfa-race", "backup", codes[round % 10]);
	mark = pamfx_log_mark();
	race(rc, nproc);
	log = pamfx_log_since(mark);
	ok = count_results(nproc, 1, PAM_SUCCESS);
	refused = count_results(nproc, 1, PAM_AUTH_ERR);
	used = pamfx_count(log, "method=backup result=success");
	free(log);
	tfa_record_wipe(&rec);
	left = record_of("backup");
	printf("round %d: %d success, %d refused, %u of %d backup codes "
	    "left\n", round, ok, refused, left.backup_left, TFA_BACKUP_COUNT);
	total.logins += nproc;
	if (ok > 1)
		total.double_accepts += ok - 1;
	total.lost_updates += labs((long)left.failures - (nproc - 1));
	if (ok == 1 && used == 1 && refused == nproc - 1 &&
	    left.backup_left == TFA_BACKUP_COUNT - 1 &&
	    left.failures == (unsigned)nproc - 1)
		return true;
	printf("# round %d: BAD: %d logged successes, failure count %u\n",
	    round, used, left.failures);
	return false;
}

/* N wrong codes at once, MaxFailures above N: the count rises by N. */
static bool
round_wrong_codes(int round)
{
	struct counts rec;
	char *log;
	off_t mark;
	int i, refused, logged;

	pamfx_now += 60;
	pamfx_set_failures("guesser", 0, 0);
	for (i = 0; i < nproc; i++)
		login_racer(&rc[i], "tfa-race", "guesser",
		    pamfx_wrong(&t_wrong, pamfx_now));
	mark = pamfx_log_mark();
	race(rc, nproc);
	log = pamfx_log_since(mark);
	refused = count_results(nproc, 1, PAM_AUTH_ERR);
	logged = pamfx_count(log, "user=guesser service=tfa-race "
	    "rhost=192.0.2.7 method=none result=wrong-code");
	free(log);
	rec = record_of("guesser");
	printf("round %d: %d wrong codes at once, failure count %u\n", round,
	    refused, rec.failures);
	total.logins += nproc;
	total.lost_updates += labs((long)rec.failures - nproc);
	if (refused == nproc && logged == nproc &&
	    rec.failures == (unsigned)nproc && rec.locked_until == 0)
		return true;
	printf("# round %d: BAD: %d logged, lockout %lld\n", round, logged,
	    (long long)rec.locked_until);
	return false;
}

/*
 * N wrong codes at once, MaxFailures = N/2: the first N/2 are counted and
 * the last of them locks the account; the others find it locked.
 */
static bool
round_lockout(int round)
{
	struct pamtest_conv c = { 0 };
	struct counts rec;
	int i, counted, locked, ok, max = nproc / 2, after;
	char *log;
	off_t mark;

	pamfx_now += 60;
	pamfx_set_failures("locked", 0, 0);
	for (i = 0; i < nproc; i++)
		login_racer(&rc[i], "tfa-lock", "locked",
		    pamfx_wrong(&t_lock, pamfx_now));
	mark = pamfx_log_mark();
	race(rc, nproc);
	log = pamfx_log_since(mark);
	counted = count_results(nproc, 1, PAM_AUTH_ERR);
	locked = count_results(nproc, 1, PAM_MAXTRIES);
	ok = count_results(nproc, 1, PAM_SUCCESS);
	i = pamfx_count(log, "result=wrong-code");
	free(log);
	rec = record_of("locked");
	/* locked now: even the right code is refused, without a prompt */
	after = pamfx_login("tfa-lock", "locked",
	    pamtest_code(&t_lock, pamfx_now), &c);
	printf("round %d: %d counted, %d refused as locked out, failure "
	    "count %u of MaxFailures %d\n", round, counted, locked,
	    rec.failures, max);
	total.logins += nproc + 1;
	total.double_accepts += ok + (after == PAM_SUCCESS);
	total.lockout_miscounts += labs((long)rec.failures - max);
	if (counted == max && locked == nproc - max && ok == 0 && i == max &&
	    rec.failures == (unsigned)max &&
	    rec.locked_until == pamfx_now + 600 && after == PAM_MAXTRIES &&
	    c.prompts == 0)
		return true;
	printf("# round %d: BAD: %d successes, %d logged, locked until %lld "
	    "(want %lld), right code then gave %d after %d prompts\n", round,
	    ok, i, (long long)rec.locked_until, (long long)pamfx_now + 600,
	    after, c.prompts);
	return false;
}

/* N different users at once: all get in. */
static bool
round_users(int round)
{
	struct counts rec;
	int i, ok, stuck = 0;

	pamfx_now += 60;
	for (i = 0; i < nproc; i++)
		login_racer(&rc[i], "tfa-race", users[i],
		    pamtest_code(&t_users[i], pamfx_now));
	race(rc, nproc);
	ok = count_results(nproc, 1, PAM_SUCCESS);
	for (i = 0; i < nproc; i++) {
		rec = record_of(users[i]);
		stuck += rec.last_step != tfa_totp_step(&t_users[i],
		    pamfx_now) || rec.failures != 0;
	}
	printf("round %d: %d of %d users in\n", round, ok, nproc);
	total.logins += nproc;
	total.refused_users += nproc - ok;
	total.lost_updates += stuck;
	if (ok == nproc && stuck == 0)
		return true;
	printf("# round %d: BAD: %d records not updated\n", round, stuck);
	return false;
}

/*
 * One user: nproc/2 login processes (first the same valid code, then wrong
 * codes) and the rest changing totp.created through the store API, all at
 * once.  The valid code must win exactly once and before every other login
 * (a replay or wrong code can only follow it), so the final failure count
 * is exact; and every change to `created` must be kept.
 */
static bool
round_mixed(int round)
{
	struct counts rec;
	int i, j, logins = nproc / 2, bumps = nproc - logins, ok, bump_err;
	long want_failures, want_created, created0;
	char code[16];
	int64_t step;

	pamfx_now += 60;
	pamfx_set_failures("mixed", 0, 0);
	created0 = (long)record_of("mixed").created;
	snprintf(code, sizeof(code), "%s", pamtest_code(&t_mixed, pamfx_now));
	step = tfa_totp_step(&t_mixed, pamfx_now);
	for (i = 0; i < nproc; i++) {
		login_racer(&rc[i], "tfa-race", "mixed", code);
		rc[i].reps = MIXED_REPS;
		if (i >= logins) {
			rc[i].kind = BUMP;
			continue;
		}
		for (j = 1; j < MIXED_REPS; j++)
			snprintf(rc[i].answer[j], sizeof(rc[i].answer[j]),
			    "%s", pamfx_wrong(&t_mixed, pamfx_now));
	}
	race(rc, nproc);
	ok = count_results(logins, MIXED_REPS, PAM_SUCCESS);
	bump_err = 0;
	for (i = logins; i < nproc; i++)
		for (j = 0; j < MIXED_REPS; j++)
			bump_err += results[i][j] != 0;
	rec = record_of("mixed");
	want_failures = (logins - 1) + (long)logins * (MIXED_REPS - 1);
	want_created = created0 + (long)bumps * MIXED_REPS;
	printf("round %d: %d success, failure count %u of %ld, %ld of %d "
	    "record changes kept\n", round, ok, rec.failures, want_failures,
	    (long)rec.created - created0, bumps * MIXED_REPS);
	total.logins += logins * MIXED_REPS;
	if (ok > 1)
		total.double_accepts += ok - 1;
	total.lost_updates += labs((long)rec.failures - want_failures) +
	    labs((long)rec.created - want_created) +
	    (rec.last_step != step);
	if (ok == 1 && bump_err == 0 && rec.last_step == step &&
	    rec.last_login == pamfx_now &&
	    (long)rec.failures == want_failures &&
	    (long)rec.created == want_created)
		return true;
	printf("# round %d: BAD: %d store errors, last step %lld (want "
	    "%lld)\n", round, bump_err, (long long)rec.last_step,
	    (long long)step);
	return false;
}

/* ---- mail mode ---- */

#define MAIL_PW		"race horse battery"
#define MAIL_USER	"mailer"

static struct tfa_totp t_mail;

/* Under the lock: no failures, no lockout, no devices. */
static void
mail_reset(void)
{
	struct tfa_store *st;
	struct tfa_record rec;

	if (tfa_store_lock(&fx.cfg, NULL, MAIL_USER, &st) != TFA_OK ||
	    tfa_store_load(st, &rec) != TFA_OK)
		abort();
	rec.failures = 0;
	rec.locked_until = 0;
	while (rec.n_dev > 0)
		tfa_record_remove_device(&rec, 0);
	if (tfa_store_save(st, &rec) != TFA_OK)
		abort();
	tfa_store_close(&st);
	tfa_record_wipe(&rec);
}

/* What one mail race left: results, log lines and the record. */
struct mail_outcome {
	int64_t now;
	int ok, refused, by_code, by_device, replays;
	unsigned failures;
	int64_t last_step;
	size_t n_dev;
	struct tfa_device dev;		/* the first, if any */
};

/* The password and the code of now from N clients through service. */
static struct mail_outcome
mail_race(const char *service, int64_t *step)
{
	struct mail_outcome m;
	struct tfa_record rec;
	char answer[64], *log, what[160];
	off_t mark;
	int i;

	memset(&m, 0, sizeof(m));
	pamfx_now += 60;
	m.now = pamfx_now;
	mail_reset();
	snprintf(answer, sizeof(answer), "%s%s", MAIL_PW,
	    pamtest_code(&t_mail, pamfx_now));
	pamfx_secret(answer + strlen(MAIL_PW));
	*step = tfa_totp_step(&t_mail, pamfx_now);
	for (i = 0; i < nproc; i++)
		login_racer(&rc[i], service, MAIL_USER, answer);
	mark = pamfx_log_mark();
	race(rc, nproc);
	log = pamfx_log_since(mark);
	m.ok = count_results(nproc, 1, PAM_SUCCESS);
	m.refused = count_results(nproc, 1, PAM_AUTH_ERR);
#define MAIL_LINE(method, result) (snprintf(what, sizeof(what), \
	"user=" MAIL_USER " service=%s rhost=192.0.2.7 method=" method \
	" result=" result, service), pamfx_count(log, what))
	m.by_code = MAIL_LINE("totp", "success");
	m.by_device = MAIL_LINE("device", "success");
	m.replays = MAIL_LINE("none", "replayed-code");
#undef MAIL_LINE
	free(log);
	if (!pamfx_read(MAIL_USER, &rec)) {
		printf("# cannot read the record of " MAIL_USER "\n");
		m.failures = ~0u;
		return m;
	}
	m.failures = rec.failures;
	m.last_step = rec.last_step;
	m.n_dev = rec.n_dev;
	if (rec.n_dev > 0)
		m.dev = rec.dev[0];
	tfa_record_wipe(&rec);
	return m;
}

/*
 * One user, N mail clients sending the same password + fresh code: once
 * through a stack that remembers clients, once through one that does not
 * (TrustDevicesForDays=0 on both pam_tfa lines).
 */
static bool
round_mail(int round)
{
	struct mail_outcome a, b;
	int64_t step_a, step_b;
	bool good_a, good_b;

	a = mail_race("tfa-mail", &step_a);
	b = mail_race("tfa-mail-once", &step_b);
	printf("round %d: remembering: %d success (%d by the code, %d by the "
	    "remembered client), %zu device, failure count %u; "
	    "TrustDevicesForDays=0: %d success, %d replays, failure count "
	    "%u\n", round, a.ok, a.by_code, a.by_device, a.n_dev, a.failures,
	    b.ok, b.replays, b.failures);
	total.logins += 2 * nproc;
	/* the code itself accepted more than once */
	if (a.by_code > 1)
		total.double_accepts += a.by_code - 1;
	if (b.ok > 1)
		total.double_accepts += b.ok - 1;
	total.lost_updates += a.failures + labs((long)a.n_dev - 1) +
	    (a.last_step != step_a) + b.n_dev + (b.last_step != step_b) +
	    labs((long)b.failures - (nproc - 1));
	good_a = a.ok == nproc && a.by_code == 1 &&
	    a.by_device == nproc - 1 && a.failures == 0 &&
	    a.last_step == step_a && a.n_dev == 1 &&
	    a.dev.kind == TFA_DEVICE_MAIL &&
	    strcmp(a.dev.service, "tfa-mail") == 0 &&
	    a.dev.first_seen == a.now &&
	    a.dev.trusted_until == a.now + 30 * 86400;
	good_b = b.ok == 1 && b.by_code == 1 && b.refused == nproc - 1 &&
	    b.replays == nproc - 1 && b.by_device == 0 &&
	    b.failures == (unsigned)nproc - 1 && b.last_step == step_b &&
	    b.n_dev == 0;
	if (good_a && good_b)
		return true;
	printf("# round %d: BAD: remembering: %d refused, last step %lld "
	    "(want %lld); TrustDevicesForDays=0: %d by the code, %d refused, "
	    "%d by a device, %zu devices, last step %lld (want %lld)\n",
	    round, a.refused, (long long)a.last_step, (long long)step_a,
	    b.by_code, b.refused, b.by_device, b.n_dev,
	    (long long)b.last_step, (long long)step_b);
	return false;
}

/* The mail stack, as tests/pam/test_mail.c and pam_tfa(8) have it. */
static void
mail_stack(const char *service, const char *args)
{
	char text[16384];

	snprintf(text, sizeof(text),
	    "auth [success=done ignore=ignore default=die] %s mode=split "
	    "config=%s %s\n"
	    "auth requisite %s [expect=" MAIL_PW "] use_first_pass\n"
	    "auth required %s mode=verify config=%s %s\n",
	    pamtest.module, pamtest.conffile, args, pamtest.settok,
	    pamtest.module, pamtest.conffile, args);
	pamtest_service_text(service, text);
}

struct scenario {
	const char *name;
	const char *about;
	bool (*round)(int round);
};

static const struct scenario scenarios[] = {
	{ "same-code", "one user, one valid code", round_same_code },
	{ "backup-code", "one user, one backup code", round_backup },
	{ "wrong-codes", "one user, a different wrong code each",
	    round_wrong_codes },
	{ "lockout", "one user, wrong codes, MaxFailures = N/2",
	    round_lockout },
	{ "users", "a different user each, each with a valid code",
	    round_users },
	{ "mixed", "one user: logins and store-API writers of another field",
	    round_mixed },
	{ "mail", "one user, mail stack, the same password + code from each",
	    round_mail },
};

static void
setup(void)
{
	char args[64];
	int i;

	pamfx_init("race", "MaxFailures = 1000\nLockoutMinutes = 10\n");
	pamtest_stack("tfa-race", "", "");
	snprintf(args, sizeof(args), "MaxFailures=%d", nproc / 2);
	pamtest_stack("tfa-lock", "", args);
	pamfx_enroll("racer", &t_same, NULL, 0);
	pamfx_enroll("backup", &t_backup, NULL, 0);
	pamfx_enroll("guesser", &t_wrong, NULL, 0);
	pamfx_enroll("locked", &t_lock, NULL, 0);
	pamfx_enroll("mixed", &t_mixed, NULL, 0);
	pamfx_enroll(MAIL_USER, &t_mail, NULL, 0);
	pamfx_secret(MAIL_PW);
	mail_stack("tfa-mail", "");
	mail_stack("tfa-mail-once", "TrustDevicesForDays=0");
	for (i = 0; i < nproc; i++) {
		snprintf(users[i], sizeof(users[i]), "user%02d@example.com", i);
		pamfx_enroll(users[i], &t_users[i], NULL, 0);
	}
}

int
main(void)
{
	size_t s;
	int round, bad;

	nproc = (int)pamfx_env("TFA_RACE_N", 8, 2);
	rounds = (int)pamfx_env("TFA_RACE_ROUNDS", 20, 1);
	if (nproc > N_MAX)
		nproc = N_MAX;
	results = mmap(NULL, sizeof(*results) * N_MAX, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (results == MAP_FAILED)
		abort();
	signal(SIGALRM, watchdog);
	setup();
	printf("# %d processes released at once, %d rounds per scenario\n",
	    nproc, rounds);
	for (s = 0; s < sizeof(scenarios) / sizeof(scenarios[0]); s++) {
		printf("# %s: %s\n", scenarios[s].name, scenarios[s].about);
		for (bad = 0, round = 1; round <= rounds; round++)
			bad += !scenarios[s].round(round);
		printf("# %s: %d of %d rounds bad\n", scenarios[s].name, bad,
		    rounds);
		tfa_check(bad == 0, scenarios[s].name, __FILE__, __LINE__);
	}
	printf("logins: %ld, processes per round: %d, rounds: %d\n",
	    total.logins, nproc, rounds);
	printf("double-accepts: %ld, lost updates: %ld\n",
	    total.double_accepts, total.lost_updates);
	printf("lockout miscounts: %ld, users refused: %ld, store errors: "
	    "%ld\n", total.lockout_miscounts, total.refused_users,
	    total.store_errors);
	CHECK_EQ(total.double_accepts, 0);
	CHECK_EQ(total.lost_updates, 0);
	CHECK_EQ(total.lockout_miscounts, 0);
	CHECK_EQ(total.refused_users, 0);
	CHECK_EQ(total.store_errors, 0);
	return pamfx_done();
}

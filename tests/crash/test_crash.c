/*
 * kill -9 at random instants during record updates, then look at what is
 * on disk.  Two writers:
 *
 *  1. logins through the built module (pam_start_confdir), a fixed cycle of
 *     valid codes, wrong codes and backup codes, each acknowledged to us
 *     only after pam_authenticate returned.  The state after login i is
 *     known in advance (a model), so after each kill the record must be
 *     exactly the state after the last acknowledged login, or after the one
 *     in flight; anything else is a lost update or a half-written record.
 *
 *  2. the store API, saving records of many entries (state, totp, a list of
 *     devices and of app passwords whose lengths and contents all follow
 *     one counter), while another process reads the record without a lock
 *     all the time: every read must see one whole record.
 *
 * After every kill the record must open, and the next writer must get the
 * lock (a dead holder leaves no stale lock).  TFA_CRASH_KILLS kills per
 * writer (default 60; `make stress` 400), at a random instant within the
 * first 20 ms (logins) or 5 ms (store API) of the writer's life.
 *
 * A full disk and a read-only store are tests/crash/test_disk.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <security/pam_appl.h>

#include "check.h"
#include "pamfx.h"
#include "store.h"
#include "totp.h"

#define WATCHDOG 60

static long kills;
static unsigned seed;
static long total_corrupt;	/* records that would not open or made no sense */

/* Everything the writer acknowledged, newest last; -1 when nothing. */
static long
drain(int fd, long have)
{
	long v;

	while (read(fd, &v, sizeof(v)) == (ssize_t)sizeof(v))
		if (v > have)
			have = v;
	return have;
}

static void
ack(int fd, long v)
{
	if (write(fd, &v, sizeof(v)) != (ssize_t)sizeof(v))
		_exit(5);
}

static int
exists(const char *name)
{
	struct stat st;

	return lstat(pamfx_path(fx.store, name), &st) == 0;
}

/* ---- 1. logins through the module ---- */

enum op { OP_VALID, OP_WRONG, OP_BACKUP };

struct mstate {
	int64_t last_step;
	unsigned failures;
	unsigned backup_left;
};

static struct tfa_totp t_alice;
static char codes[TFA_BACKUP_COUNT][TFA_BACKUP_SHOWN];
static time_t base;
static struct mstate *model;
static long modeled;

static time_t
time_of(long i)
{
	return base + 30 * (time_t)i;
}

/* Login i (from 1): valid, wrong, wrong, backup code (ten, then valid). */
static enum op
op_of(long i)
{
	switch (i % 4) {
	case 1:
		return OP_VALID;
	case 0:
		return i / 4 - 1 < TFA_BACKUP_COUNT ? OP_BACKUP : OP_VALID;
	default:
		return OP_WRONG;
	}
}

/* The record's state after logins 1..i. */
static struct mstate
state_after(long i)
{
	long j;

	if (i >= modeled) {
		model = realloc(model, sizeof(*model) * (size_t)(i + 1024));
		if (model == NULL)
			abort();
		for (j = modeled; j < i + 1024; j++) {
			if (j == 0) {
				model[0] = (struct mstate){ 0, 0,
				    TFA_BACKUP_COUNT };
				continue;
			}
			model[j] = model[j - 1];
			switch (op_of(j)) {
			case OP_VALID:
				model[j].last_step = tfa_totp_step(&t_alice,
				    time_of(j));
				model[j].failures = 0;
				break;
			case OP_WRONG:
				model[j].failures++;
				break;
			case OP_BACKUP:
				model[j].backup_left--;
				model[j].failures = 0;
				break;
			}
		}
		modeled = i + 1024;
	}
	return model[i];
}

static bool
is_state(const struct tfa_record *rec, long i)
{
	struct mstate m = state_after(i);

	return rec->last_step == m.last_step && rec->failures == m.failures &&
	    tfa_backup_left(&rec->backup) == m.backup_left;
}

/* The writer: logins from..., each acknowledged once it returned. */
static void
login_writer(long from, int out)
{
	struct pamtest_conv c = { 0 };
	const char *answer;
	long i;
	int r, want;

	for (i = from;; i++) {
		pamfx_now = time_of(i);
		switch (op_of(i)) {
		case OP_VALID:
			answer = pamtest_code(&t_alice, pamfx_now);
			want = PAM_SUCCESS;
			break;
		case OP_BACKUP:
			answer = codes[i / 4 - 1];
			want = PAM_SUCCESS;
			break;
		default:
			answer = pamfx_wrong(&t_alice, pamfx_now);
			want = PAM_AUTH_ERR;
			break;
		}
		r = pamfx_login("tfa-crash", "alice", answer, &c);
		if (r != want) {
			fprintf(stderr, "login %ld: got %d, want %d\n", i, r,
			    want);
			_exit(3);
		}
		ack(out, i);
	}
}

static void
enroll_alice(void)
{
	struct tfa_store *st;
	struct tfa_record rec;
	int i;

	pamfx_enroll("alice", &t_alice, NULL, 0);
	if (tfa_store_lock(&fx.cfg, NULL, "alice", &st) != TFA_OK ||
	    tfa_store_load(st, &rec) != TFA_OK ||
	    tfa_backup_generate(&rec.backup, codes, pamfx_now) != TFA_OK ||
	    tfa_store_save(st, &rec) != TFA_OK)
		abort();
	tfa_store_close(&st);
	tfa_record_wipe(&rec);
	for (i = 0; i < TFA_BACKUP_COUNT; i++)
		pamfx_secret(codes[i]);
}

static void
test_kill_logins(void)
{
	struct tfa_record rec;
	long next = 1, acked, k, lost = 0, corrupt = 0, unreadable = 0;
	long in_flight = 0, child_err = 0, stale = 0;
	int p[2], st;
	pid_t pid;

	enroll_alice();
	base = pamfx_now + 3600;
	for (k = 0; k < kills; k++) {
		if (pipe2(p, O_CLOEXEC) != 0 ||
		    fcntl(p[0], F_SETFL, O_NONBLOCK) != 0)
			abort();
		fflush(stdout);
		alarm(WATCHDOG);
		if ((pid = fork()) == 0) {
			close(p[0]);
			login_writer(next, p[1]);
		}
		close(p[1]);
		usleep((useconds_t)(rand_r(&seed) % 20000));
		kill(pid, SIGKILL);
		st = pamfx_wait(pid);
		alarm(0);
		child_err += st != 128 + SIGKILL;
		acked = drain(p[0], next - 1);
		close(p[0]);
		stale += exists("alice.tmp");
		if (!pamfx_read("alice", &rec)) {
			unreadable++;
			continue;
		}
		if (is_state(&rec, acked + 1)) {
			in_flight++;
			next = acked + 2;
		} else if (is_state(&rec, acked)) {
			next = acked + 1;
		} else {
			long j;

			for (j = acked - 1; j >= 0 && !is_state(&rec, j); j--)
				;
			if (j >= 0) {
				lost++;
				next = j + 1;
			} else {
				corrupt++;
				printf("# kill %ld: the record matches no "
				    "state (last acknowledged login %ld)\n",
				    k, acked);
			}
		}
		tfa_record_wipe(&rec);
	}
	printf("crash (module logins): %ld kills, %ld logins acknowledged, "
	    "%ld committed but not yet acknowledged, %ld stale .tmp seen\n",
	    kills, next - 1, in_flight, stale);
	printf("crash (module logins): %ld lost, %ld corrupt, %ld unreadable, "
	    "%ld writers that failed\n", lost, corrupt, unreadable, child_err);
	CHECK_EQ(child_err, 0);
	CHECK_EQ(unreadable, 0);
	CHECK_EQ(lost, 0);
	CHECK_EQ(corrupt, 0);
	CHECK(next > 1);
	/* nothing stale blocks the next login, and it is the right one */
	{
		struct pamtest_conv c = { 0 };

		while (op_of(next) != OP_VALID)
			next++;
		pamfx_now = time_of(next);
		alarm(WATCHDOG);
		CHECK_EQ(pamfx_login("tfa-crash", "alice",
		    pamtest_code(&t_alice, pamfx_now), &c), PAM_SUCCESS);
		alarm(0);
		CHECK(!exists("alice.tmp"));
	}
	total_corrupt += corrupt + unreadable;
}

/* ---- 2. the store API, with a reader that never stops ---- */

#define NDEV(v) ((size_t)((v) % 6))
#define NAPP(v) ((size_t)((v) % 3))
/* recent enough that a load does not prune the device as stale */
#define SEEN(v) ((int64_t)pamfx_now + (v))

/* Every field that follows the counter v, in every entry. */
static void
fill(struct tfa_record *rec, long v)
{
	size_t i;

	while (rec->n_dev > 0)
		tfa_record_remove_device(rec, rec->n_dev - 1);
	while (rec->n_apppw > 0)
		tfa_record_remove_apppw(rec, rec->n_apppw - 1);
	rec->last_step = v;
	rec->failures = (unsigned)(v % 1000);
	rec->last_login = v;
	rec->totp.created = v;
	for (i = 0; i < NDEV(v); i++) {
		struct tfa_device *d = tfa_record_add_device(rec);

		if (d == NULL)
			abort();
		d->kind = TFA_DEVICE_HOST;
		snprintf(d->service, sizeof(d->service), "imap");
		snprintf(d->rhost, sizeof(d->rhost), "192.0.2.%zu", i);
		d->first_seen = d->last_seen = SEEN(v);
	}
	for (i = 0; i < NAPP(v); i++) {
		struct tfa_apppw *a = tfa_record_add_apppw(rec);

		if (a == NULL)
			abort();
		snprintf(a->name, sizeof(a->name), "app %zu of %ld", i, v);
		a->created = a->last_used = v;
	}
}

/*
 * The counter of rec, or -1 when its entries disagree.  List elements come
 * back in the backend's order, not ours: each is matched by its contents.
 */
static long
counter_of(const struct tfa_record *rec)
{
	long v = (long)rec->last_step, of;
	unsigned seen = 0;
	size_t i, idx;

	if (rec->failures != (unsigned)(v % 1000) || rec->last_login != v ||
	    rec->totp.created != v || !rec->totp.enabled ||
	    rec->n_dev != NDEV(v) || rec->n_apppw != NAPP(v))
		return -1;
	for (i = 0; i < rec->n_dev; i++)
		if (rec->dev[i].last_seen != SEEN(v) ||
		    rec->dev[i].first_seen != SEEN(v))
			return -1;
	for (i = 0; i < rec->n_apppw; i++) {
		if (sscanf(rec->apppw[i].name, "app %zu of %ld", &idx,
		    &of) != 2 || of != v || idx >= NAPP(v) ||
		    (seen & (1u << idx)) || rec->apppw[i].created != v)
			return -1;
		seen |= 1u << idx;
	}
	return v;
}

static void
store_writer(int out)
{
	struct tfa_store *st;
	struct tfa_record rec;
	long v;

	for (;;) {
		if (tfa_store_lock(&fx.cfg, NULL, "bob", &st) != TFA_OK ||
		    tfa_store_load(st, &rec) != TFA_OK)
			_exit(1);
		if ((v = counter_of(&rec)) < 0)
			_exit(4);	/* saw a mixed record under the lock */
		fill(&rec, v + 1);
		if (tfa_store_save(st, &rec) != TFA_OK)
			_exit(2);
		tfa_store_close(&st);
		tfa_record_wipe(&rec);
		ack(out, v + 1);
	}
}

struct reader_stats {
	volatile int stop;
	long reads, mixed, unreadable;
};

static void
reader(struct reader_stats *rs)
{
	struct tfa_record rec;

	while (!rs->stop) {
		if (tfa_store_read(&fx.cfg, NULL, "bob", &rec) != TFA_OK) {
			rs->unreadable++;
			continue;
		}
		rs->reads++;
		rs->mixed += counter_of(&rec) < 0;
		tfa_record_wipe(&rec);
	}
	_exit(0);
}

static void
test_kill_store(void)
{
	struct reader_stats *rs;
	struct tfa_record rec;
	struct tfa_store *st;
	struct tfa_totp t;
	long committed = 0, v, k, lost = 0, corrupt = 0, unreadable = 0;
	long ahead = 0, child_err = 0, in_flight = 0, window;
	struct timespec t0, t1;
	int p[2];
	pid_t pid, rpid;

	rs = mmap(NULL, sizeof(*rs), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (rs == MAP_FAILED)
		abort();
	memset(rs, 0, sizeof(*rs));
	pamfx_enroll("bob", &t, NULL, 0);
	if (tfa_store_lock(&fx.cfg, NULL, "bob", &st) != TFA_OK ||
	    tfa_store_load(st, &rec) != TFA_OK)
		abort();
	fill(&rec, 0);
	if (tfa_store_save(st, &rec) != TFA_OK)
		abort();
	tfa_store_close(&st);
	tfa_record_wipe(&rec);
	fflush(stdout);
	if ((rpid = fork()) == 0)
		reader(rs);
	/*
	 * Kill within three times what a writer takes here to fork and
	 * commit its first save (at least 5 ms): on a slow disk, or under
	 * ASan (slow to fork), a fixed window could end before any save
	 * does, and then nothing committed would ever be tested.
	 */
	if (pipe2(p, O_CLOEXEC) != 0)
		abort();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((pid = fork()) == 0) {
		close(p[0]);
		store_writer(p[1]);
	}
	close(p[1]);
	alarm(WATCHDOG);
	if (!CHECK(read(p[0], &v, sizeof(v)) == (ssize_t)sizeof(v)))
		v = 0;		/* the writer failed: counted below */
	clock_gettime(CLOCK_MONOTONIC, &t1);
	kill(pid, SIGKILL);
	child_err += pamfx_wait(pid) != 128 + SIGKILL;
	alarm(0);
	if (fcntl(p[0], F_SETFL, O_NONBLOCK) != 0)
		abort();
	committed = drain(p[0], v);
	close(p[0]);
	window = 3 * ((t1.tv_sec - t0.tv_sec) * 1000000L +
	    (t1.tv_nsec - t0.tv_nsec) / 1000);
	if (window < 5000)
		window = 5000;
	printf("# store writers killed within %ld us\n", window);
	for (k = 0; k < kills; k++) {
		if (pipe2(p, O_CLOEXEC) != 0 ||
		    fcntl(p[0], F_SETFL, O_NONBLOCK) != 0)
			abort();
		fflush(stdout);
		alarm(WATCHDOG);
		if ((pid = fork()) == 0) {
			close(p[0]);
			store_writer(p[1]);
		}
		close(p[1]);
		usleep((useconds_t)(rand_r(&seed) % window));
		kill(pid, SIGKILL);
		child_err += pamfx_wait(pid) != 128 + SIGKILL;
		alarm(0);
		committed = drain(p[0], committed);
		close(p[0]);
		if (!pamfx_read("bob", &rec)) {
			unreadable++;
			continue;
		}
		v = counter_of(&rec);
		tfa_record_wipe(&rec);
		if (v < 0) {
			corrupt++;
			continue;
		}
		lost += v < committed;
		ahead += v > committed + 1;
		in_flight += v == committed + 1;
		if (v > committed)
			committed = v;
	}
	rs->stop = 1;
	child_err += pamfx_wait(rpid) != 0;
	printf("crash (store API): %ld kills, %ld saves committed, %ld "
	    "committed but not yet acknowledged\n", kills, committed,
	    in_flight);
	printf("crash (store API): %ld lost, %ld corrupt, %ld unreadable, "
	    "%ld from nowhere, %ld writers that failed\n", lost, corrupt,
	    unreadable, ahead, child_err);
	printf("crash (unlocked reader): %ld reads during the kills, %ld saw "
	    "a mixed record, %ld could not read\n", rs->reads, rs->mixed,
	    rs->unreadable);
	CHECK_EQ(child_err, 0);
	CHECK_EQ(unreadable, 0);
	CHECK_EQ(corrupt, 0);
	CHECK_EQ(lost, 0);
	CHECK_EQ(ahead, 0);
	CHECK(committed > 0);
	CHECK(rs->reads > 0);
	CHECK_EQ(rs->mixed, 0);
	CHECK_EQ(rs->unreadable, 0);
	total_corrupt += corrupt + unreadable + rs->mixed + rs->unreadable;
}

int
main(void)
{
	kills = pamfx_env("TFA_CRASH_KILLS", 60, 1);
	seed = (unsigned)pamfx_env("TFA_CRASH_SEED", (long)getpid(), 0);
	pamfx_on_alarm("not ok - a writer hung: stale lock?\n");
	pamfx_init("crash", "MaxFailures = 1000\n");
	pamtest_stack("tfa-crash", "", "");
	printf("# seed %u (TFA_CRASH_SEED to repeat), %ld kills per writer\n",
	    seed, kills);
	test_kill_logins();
	test_kill_store();
	printf("corrupt records: %ld\n", total_corrupt);
	return pamfx_done();
}

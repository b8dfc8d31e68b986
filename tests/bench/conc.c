/*
 * Throughput: N processes, each logging in its own user with fresh codes on
 * its own virtual clock, all started at once.  Afterwards every user's last
 * code is replayed (it must fail: a lost update would let it through) and
 * every user logs in once more (a damaged file would make that fail).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include <security/pam_appl.h>

#include "bench.h"

struct child_report {
	unsigned ok, bad, ok_timed;
	unsigned n;			/* logins timed */
	time_t last_vnow;
	char last_code[8];
	uint64_t end_ns;
};

static void
child(struct bench *b, struct bench_site *s, enum bench_mod m, unsigned i,
    unsigned per, int ready, int go, uint64_t *lat, uint64_t *alat,
    struct child_report *rep)
{
	struct bench_user *u = &b->users[2 + i];
	struct bench_login l = { 0 };
	uint64_t t0 = 0, cap = b->seconds * 1000000000ull;
	char code[8], c;
	unsigned k;

	for (k = 0; k < 5 + per; k++) {
		if (k == 5) {		/* warmed up: wait for the others */
			if (write(ready, "r", 1) != 1 || read(go, &c, 1) < 0)
				_exit(2);
			t0 = bench_ns();
		}
		if (k >= 15 && bench_ns() - t0 > cap)
			break;		/* a slow disk: enough */
		bench_vnow += BENCH_STEP;
		bench_code(u, bench_vnow, code);
		l.answer = code;
		if (bench_login(s, m, u->name, &l) == PAM_SUCCESS) {
			rep->ok++;
			rep->ok_timed += k >= 5;
		} else {
			rep->bad++;
		}
		if (k >= 5) {
			alat[rep->n] = l.auth_ns;
			lat[rep->n++] = l.ns;
		}
	}
	rep->end_ns = bench_ns();
	rep->last_vnow = bench_vnow;
	memcpy(rep->last_code, code, sizeof(code));
	_exit(0);
}

/* Replay each user's last code, then log each in with a fresh one. */
static void
after_checks(struct bench *b, struct bench_site *s, enum bench_mod m,
    const struct child_report *rep, unsigned procs, struct bench_conc *out)
{
	struct bench_login l = { 0 };
	time_t latest = bench_vnow;
	char code[8];
	unsigned i;

	for (i = 0; i < procs; i++) {
		bench_vnow = rep[i].last_vnow;
		l.answer = rep[i].last_code;
		if (bench_login(s, m, b->users[2 + i].name, &l) == PAM_SUCCESS)
			out->replay_accepted++;
	}
	bench_vnow = latest + BENCH_STEP;
	for (i = 0; i < procs; i++) {
		bench_code(&b->users[2 + i], bench_vnow, code);
		l.answer = code;
		if (bench_login(s, m, b->users[2 + i].name, &l) != PAM_SUCCESS)
			out->broken_users++;
	}
}

int
bench_concurrent(struct bench *b, struct bench_site *s, enum bench_mod m,
    unsigned procs, struct bench_conc *out)
{
	struct child_report *rep;
	struct bench_stats st;
	uint64_t *lat, *alat, t0, end = 0;
	pid_t pids[BENCH_CONC_MAX];
	unsigned per, i, started = 0;
	int ready[2], go[2], r = -1;
	size_t size;
	char c;

	memset(out, 0, sizeof(*out));
	out->procs = procs;
	if (procs > BENCH_CONC_MAX)
		return -1;
	if (m == MOD_OATH && b->nusers_real < 2 + procs) {
		out->na = true;		/* pam_oath needs passwd accounts */
		return 0;
	}
	per = b->conc_iter / procs < 10 ? 10 : b->conc_iter / procs;
	size = procs * (sizeof(*rep) + 2 * per * sizeof(*lat));
	rep = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED |
	    MAP_ANONYMOUS, -1, 0);
	if (rep == MAP_FAILED)
		return -1;
	memset(rep, 0, size);
	lat = (uint64_t *)(rep + procs);
	alat = lat + (size_t)procs * per;
	if (pipe(ready) != 0 || pipe(go) != 0)
		goto out;
	fflush(NULL);
	for (i = 0; i < procs; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			close(ready[0]);
			close(go[1]);
			child(b, s, m, i, per, ready[1], go[0],
			    lat + (size_t)i * per, alat + (size_t)i * per,
			    &rep[i]);
		}
		if (pid < 0)
			break;
		pids[started++] = pid;
	}
	close(ready[1]);
	close(go[0]);
	for (i = 0; i < started; i++)
		if (read(ready[0], &c, 1) != 1)
			break;
	t0 = bench_ns();
	close(go[1]);			/* EOF: everyone starts */
	close(ready[0]);
	for (i = 0; i < started; i++)	/* not wait(): the log sink is one */
		waitpid(pids[i], NULL, 0);
	if (started != procs)
		goto out;
	for (i = 0; i < procs; i++) {
		/* pool the latencies at the front of lat */
		memmove(lat + out->logins, lat + (size_t)i * per,
		    rep[i].n * sizeof(*lat));
		memmove(alat + out->logins, alat + (size_t)i * per,
		    rep[i].n * sizeof(*alat));
		out->logins += rep[i].n;
		out->bad += rep[i].bad;
		out->checked += rep[i].ok + rep[i].bad;
		out->ok_timed += rep[i].ok_timed;
		if (rep[i].end_ns > end)
			end = rep[i].end_ns;
		if (rep[i].last_vnow > bench_vnow)
			bench_vnow = rep[i].last_vnow;
	}
	/* only logins that succeeded count: a refused one is no login */
	out->per_sec = end > t0 ? out->ok_timed / ((double)(end - t0) / 1e9) :
	    0;
	bench_stats(lat, out->logins, &st);
	out->median = st.median;
	out->p99 = st.p99;
	bench_stats(alat, out->logins, &st);
	out->auth_median = st.median;
	if (m != MOD_FLOOR)	/* pam_permit keeps no state to check */
		after_checks(b, s, m, rep, procs, out);
	r = 0;
out:
	munmap(rep, size);
	return r;
}

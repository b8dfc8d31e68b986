/*
 * Timing a case: the modules compared in it log in in turn, a block of
 * logins each round, so a busy moment of the machine (a disk shared with
 * other work) falls on all of them alike.  Each login's outcome is
 * checked; each module's log lines are counted by the stand-in syslog.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <security/pam_appl.h>

#include "bench.h"

struct state {
	uint64_t *lat;
	unsigned n;			/* logins timed so far */
	unsigned long lines0;
};

static void
refill(const struct bench_job *j)
{
	int r = bench_is_tfa(j->m) ? bench_tfa_backup_refill(j->s, j->u) :
	    bench_ga_refill(j->s, j->u);

	if (r != 0) {
		fprintf(stderr, "bench: cannot make new backup codes for %s\n",
		    bench_mod_name(j->m));
		exit(2);
	}
}

/* What one login types, as whom, and whether it must succeed. */
static bool
prepare(const struct bench_job *j, struct bench_login *l, const char **user,
    char *code)
{
	struct bench_user *u = j->u;
	unsigned si = j->s->idx;

	bench_vnow += BENCH_STEP;
	*user = u->name;
	l->answer = code;
	l->load_only = false;
	switch (j->c) {
	case CASE_RIGHT:
		bench_code(u, bench_vnow, code);
		return true;
	case CASE_WRONG:
		bench_wrong_code(u, bench_vnow, code);
		return false;
	case CASE_BACKUP:	/* new codes are made between logins */
		if (bench_is_tfa(j->m)) {
			if (u->backup_left[si] == 0)
				refill(j);
			snprintf(code, TFA_BACKUP_SHOWN, "%s",
			    u->backup[si][--u->backup_left[si]]);
		} else {
			if (u->scratch_left[si] == 0)
				refill(j);
			snprintf(code, 9, "%08u",
			    u->scratch[si][--u->scratch_left[si]]);
		}
		return true;
	case CASE_UNENROLLED:
		*user = j->stranger;
		bench_code(u, bench_vnow, code);
		return false;
	case CASE_LOAD:
		l->load_only = true;
		/* FALLTHROUGH */
	default:
		l->answer = NULL;
		return true;		/* pam_permit, or no authentication */
	}
}

static void
login(const struct bench_job *j, struct state *st, bool timed)
{
	struct bench_result *res = j->res;
	struct bench_login l = { 0 };
	const char *user;
	char code[32];
	bool want;

	want = prepare(j, &l, &user, code);
	bench_login(j->s, j->m, user, &l);
	res->checked++;
	res->rc = l.result;
	if ((l.result == PAM_SUCCESS) != want)
		res->bad++;
	if (timed) {
		st->lat[st->n++] = l.ns;
		res->prompts += l.prompts;
	}
}

/* shared: timed logins of every job of the round through this stack */
static void
finish(const struct bench_job *j, struct state *st, unsigned shared)
{
	struct bench_result *res = j->res;

	res->prompts /= st->n;
	res->lines = bench_sink_active() ? (double)(bench_sink_lines(j->m) -
	    st->lines0) / shared : -1;
	bench_stats(st->lat, st->n, &res->st);
	free(st->lat);
	fprintf(stderr, "  %-5s %-10s %-18s %-14s %5u logins, median %8.1f "
	    "us%s\n", j->s->fs, bench_case_name(j->c), bench_mod_name(j->m),
	    j->u->name, st->n, res->st.median, res->bad ? "  MISMATCHES" :
	    "");
}

/*
 * Timed logins come in blocks of this many per job, the jobs in turn: a
 * busy moment of the machine still falls on every job alike, and only a
 * block's first login follows another module's unloading (its libraries
 * unmapped, caches and TLBs flushed), which the median does not see.
 */
#define BLOCK 20

/*
 * Warm-up rounds, then timed rounds until every job has iter logins.  When
 * the rounds take longer than BENCH_SECONDS per job (a slow disk), they
 * stop once every job has BENCH_MIN_LOGINS; the table says how many.
 */
void
bench_measure(const struct bench *b, struct bench_job *jobs, unsigned n)
{
	struct state st[MOD_COUNT * 2];
	uint64_t start, cap = (uint64_t)(b->seconds * n * 1e9);
	unsigned i, k, left;

	if (n == 0 || n > MOD_COUNT * 2)
		return;
	memset(st, 0, sizeof(st));
	for (i = 0; i < n; i++) {
		jobs[i].res->run = true;
		if ((st[i].lat = calloc(jobs[i].iter, sizeof(uint64_t))) ==
		    NULL)
			exit(2);
		if (jobs[i].c == CASE_BACKUP)
			refill(&jobs[i]);
	}
	start = bench_ns();
	for (k = 0; k < b->warmup; k++) {
		if (k >= 20 && bench_ns() - start > cap / 5)
			break;
		for (i = 0; i < n; i++)
			login(&jobs[i], &st[i], false);
	}
	bench_sink_settle();
	for (i = 0; i < n; i++)
		st[i].lines0 = bench_sink_lines(jobs[i].m);
	start = bench_ns();
	do {
		for (left = 0, i = 0; i < n; i++) {
			for (k = 0; k < BLOCK && st[i].n < jobs[i].iter; k++)
				login(&jobs[i], &st[i], true);
			left += st[i].n < jobs[i].iter;
		}
		if (bench_ns() - start > cap)
			for (i = 0; i < n; i++)
				if (st[i].n >= BENCH_MIN_LOGINS &&
				    st[i].n < jobs[i].iter)
					jobs[i].iter = st[i].n;	/* stop */
	} while (left > 0);
	bench_sink_settle();
	for (i = 0; i < n; i++) {
		for (left = 0, k = 0; k < n; k++)
			left += jobs[k].m == jobs[i].m ? st[k].n : 0;
		finish(&jobs[i], &st[i], left);
	}
}

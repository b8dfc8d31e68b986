/*
 * tfa-bench: logins per second and per login for pam_tfa,
 * pam_google_authenticator and pam_oath, in one process through the real
 * libpam (pam_start_confdir + pam_authenticate + pam_end), on a disk and on
 * a tmpfs.  The harness measures; nothing here asserts on time.  What it
 * does check is every outcome: a right code must succeed and every other
 * case must fail, or the login is counted as a mismatch.
 *
 *   tfa-bench MODULE OUTDIR        (BENCH_ITER=N logins per case)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <liboath/oath.h>
#include <security/pam_appl.h>

#include "bench.h"

#ifndef BENCH_PAMDIR
#define BENCH_PAMDIR "/lib/x86_64-linux-gnu/security"
#endif

static const enum bench_mod measured[] = { MOD_TFA, MOD_GA, MOD_OATH,
    MOD_GA_NOREUSE };
#define NMEASURED (sizeof(measured) / sizeof(measured[0]))

static struct bench bench;

static void
cleanup(void)
{
	unsigned i;

	for (i = 0; i < bench.nsites; i++)
		bench_site_fini(&bench.sites[i]);
	bench_sink_stop();
}

/* What one login of a case types, as whom, and whether it must succeed. */
static bool
prepare(struct bench_site *s, enum bench_mod m, enum bench_case c,
    struct bench_login *l, const char **user, char *code)
{
	struct bench_user *u = &bench.users[0];

	bench_vnow += BENCH_STEP;
	*user = u->name;
	l->answer = code;
	switch (c) {
	case CASE_RIGHT:
		bench_code(u, bench_vnow, code);
		return true;
	case CASE_WRONG:
		bench_wrong_code(u, bench_vnow, code);
		return false;
	case CASE_BACKUP:
		if (u->scratch_left == 0 && bench_ga_refill(s, u) != 0) {
			fprintf(stderr, "bench: cannot refill GA scratch "
			    "codes\n");
			exit(2);
		}
		snprintf(code, 9, "%08u", u->scratch[--u->scratch_left]);
		return true;
	case CASE_UNENROLLED:
		*user = bench.users[1].name;
		bench_code(u, bench_vnow, code);
		return false;
	default:
		(void)m;
		l->answer = NULL;
		return true;		/* pam_permit */
	}
}

static const char *
not_measured(enum bench_mod m, enum bench_case c)
{
	if (!bench.have[m])
		return "module not installed";
	if (c == CASE_BACKUP && m == MOD_TFA)
		return "no backup codes yet";
	if (c == CASE_BACKUP && m == MOD_OATH)
		return "pam_oath has no backup codes";
	if (m == MOD_OATH && (!bench.users[0].real ||
	    (c == CASE_UNENROLLED && !bench.users[1].real)))
		return "needs a passwd account";
	return NULL;
}

static void
run_case(unsigned si, enum bench_mod m, enum bench_case c)
{
	struct bench_result *res = &bench.res[si][c][m];
	struct bench_site *s = &bench.sites[si];
	unsigned total = bench.warmup + bench.iter, k;
	unsigned long lines0 = 0;
	struct bench_login l = { 0 };
	const char *user;
	uint64_t *lat;
	char code[16];
	bool want;

	res->run = true;
	if ((res->na = not_measured(m, c)) != NULL)
		return;
	if ((lat = calloc(bench.iter, sizeof(*lat))) == NULL)
		exit(2);
	for (k = 0; k < total; k++) {
		if (k == bench.warmup)
			lines0 = bench_sink_count();
		want = prepare(s, m, c, &l, &user, code);
		bench_login(s, m, user, &l);
		res->checked++;
		if ((l.result == PAM_SUCCESS) != want)
			res->bad++;
		if (k < bench.warmup)
			continue;
		lat[k - bench.warmup] = l.ns;
		res->prompts += l.prompts;
	}
	res->prompts /= bench.iter;
	res->rc = l.result;
	res->lines = bench_sink_active() ? (double)(bench_sink_count() -
	    lines0) / bench.iter : -1;
	bench_stats(lat, bench.iter, &res->st);
	free(lat);
	fprintf(stderr, "  %-5s %-10s %-18s median %8.1f us%s\n", s->fs,
	    bench_case_name(c), bench_mod_name(m), res->st.median,
	    res->bad ? "  MISMATCHES" : "");
}

/*
 * A code for the virtual now must pass and one for the real now must not
 * (so the module reads our time()), and the same code twice must fail.
 */
static void
run_check(unsigned si, enum bench_mod m)
{
	struct bench_check *ck = &bench.check[si][m];
	struct bench_site *s = &bench.sites[si];
	struct bench_user *u = &bench.users[0];
	struct bench_login l;
	char code[16];

	if (not_measured(m, CASE_RIGHT) != NULL)
		return;
	ck->run = true;
	l.answer = code;
	bench_vnow += BENCH_STEP;
	bench_code(u, bench_vnow, code);
	ck->virtual_ok = bench_login(s, m, u->name, &l) == PAM_SUCCESS;
	ck->replay_refused = bench_login(s, m, u->name, &l) != PAM_SUCCESS;
	bench_vnow += BENCH_STEP;
	bench_code(u, bench_real_time(), code);
	ck->real_refused = bench_login(s, m, u->name, &l) != PAM_SUCCESS;
	bench_vnow += BENCH_STEP;
	bench_code(u, bench_vnow, code);
	ck->virtual_ok &= bench_login(s, m, u->name, &l) == PAM_SUCCESS;
}

static void
find_modules(void)
{
	static const char *const files[MOD_COUNT] = {
		[MOD_FLOOR] = "pam_permit.so",
		[MOD_GA] = "pam_google_authenticator.so",
		[MOD_OATH] = "pam_oath.so",
		[MOD_GA_NOREUSE] = "pam_google_authenticator.so",
	};
	char path[PATH_MAX];
	int i;

	for (i = 0; i < MOD_COUNT; i++) {
		if (i == MOD_TFA) {
			bench.have[i] = access(bench.module, R_OK) == 0;
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", BENCH_PAMDIR, files[i]);
		bench.have[i] = access(path, R_OK) == 0;
	}
}

static void
setup(const char *module, const char *out)
{
	static const char *const fs[2] = { "disk", "tmpfs" };
	const char *iter = getenv("BENCH_ITER");
	unsigned i, k;

	bench.iter = iter != NULL && atoi(iter) >= 10 ? (unsigned)atoi(iter) :
	    2000;
	bench.warmup = bench.iter / 10 < 20 ? 20 : bench.iter / 10;
	bench.conc_iter = bench.iter;
	if (realpath(module, bench.module) == NULL ||
	    (mkdir(out, 0755) != 0 && errno != EEXIST) ||
	    realpath(out, bench.out) == NULL) {
		fprintf(stderr, "bench: %s or %s: %s\n", module, out,
		    strerror(errno));
		exit(2);
	}
	find_modules();
	if (oath_init() != OATH_OK || bench_users(&bench) != 0) {
		fprintf(stderr, "bench: cannot set up users\n");
		exit(2);
	}
	bench_private_mounts();
	atexit(cleanup);
	if (bench_sink_start(bench.syslog, sizeof(bench.syslog)) != 0)
		snprintf(bench.syslog, sizeof(bench.syslog), "none (could not "
		    "stand in for /dev/log)");
	for (i = 0; i < 2; i++) {
		if (bench_site_init(&bench, &bench.sites[i], fs[i],
		    bench.out) != 0) {
			fprintf(stderr, "bench: cannot set up the %s site: "
			    "%s\n", fs[i], strerror(errno));
			exit(2);
		}
		bench.nsites++;
		for (k = 0; k < BENCH_USERS; k++)
			if (k != 1 && bench_enroll(&bench, &bench.sites[i],
			    &bench.users[k]) != 0) {
				fprintf(stderr, "bench: cannot enroll %s\n",
				    bench.users[k].name);
				exit(2);
			}
	}
}

int
main(int argc, char **argv)
{
	char csv[PATH_MAX + 16];
	uint64_t t0 = bench_ns();
	unsigned si, c, k, p;

	if (argc != 3) {
		fprintf(stderr, "usage: tfa-bench PAM_TFA_SO OUTDIR\n");
		return 2;
	}
	setup(argv[1], argv[2]);
	fprintf(stderr, "bench: %u logins per case after %u warm-up "
	    "logins\n", bench.iter, bench.warmup);
	for (si = 0; si < bench.nsites; si++)
		for (k = 0; k < NMEASURED; k++)
			run_check(si, measured[k]);
	if (bench.have[MOD_FLOOR])
		run_case(0, MOD_FLOOR, CASE_FLOOR);
	for (si = 0; si < bench.nsites; si++)
		for (c = 0; c < CASE_FLOOR; c++)
			for (k = 0; k < NMEASURED; k++)
				if (measured[k] != MOD_GA_NOREUSE ||
				    c == CASE_RIGHT)
					run_case(si, measured[k], c);
	for (si = 0; si < bench.nsites; si++)
		for (p = 0; p < BENCH_NPROCS; p++)
			for (k = 0; k < 3; k++) {
				struct bench_conc *cc =
				    &bench.conc[si][p][measured[k]];

				if (!bench.have[measured[k]]) {
					cc->procs = bench_nprocs[p];
					cc->na = true;
					continue;
				}
				if (bench_concurrent(&bench, &bench.sites[si],
				    measured[k], bench_nprocs[p], cc) != 0)
					fprintf(stderr, "bench: concurrent "
					    "run failed\n");
				fprintf(stderr, "  %-5s %2u procs %-18s "
				    "%8.0f logins/s\n", bench.sites[si].fs,
				    bench_nprocs[p], bench_mod_name(
				    measured[k]), cc->per_sec);
			}
	bench.elapsed = (double)(bench_ns() - t0) / 1e9;
	bench_report(&bench);
	snprintf(csv, sizeof(csv), "%s/results.csv", bench.out);
	if (bench_csv(&bench, csv) != 0) {
		fprintf(stderr, "bench: cannot write %s\n", csv);
		return 1;
	}
	printf("\nresults: %s\n", csv);
	return 0;
}

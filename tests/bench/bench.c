/*
 * tfa-bench: the cost of a login through pam_tfa, pam_google_authenticator
 * and pam_oath, each driven in this process through the real libpam
 * (pam_start_confdir + pam_authenticate + pam_end), on a disk and on a
 * tmpfs.  The harness measures; nothing here asserts on time.  It checks
 * every outcome instead: a right code must pass and every other case must
 * fail, or the login counts as a mismatch.  See tests/bench/README.md.
 *
 *   tfa-bench PAM_TFA_SO OUTDIR
 *   BENCH_ITER=N        logins per case (2000)
 *   BENCH_SECONDS=S     a case stops after S s per module (4), >= 200 logins
 *   BENCH_MODULE=pam_tfa, BENCH_CASE=right, BENCH_FS=tmpfs: only those
 *                       (each may be a comma-separated list)
 *   BENCH_LOG=FILE      keep the log lines the stand-in syslog receives
 *   BENCH_SYSLOG=off    no stand-in syslog even when /dev/log is missing
 */
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <liboath/oath.h>
#include <security/pam_appl.h>

#include "bench.h"
#include "totp.h"

#ifndef BENCH_PAMDIR
#define BENCH_PAMDIR "/lib/x86_64-linux-gnu/security"
#endif

static const enum bench_mod measured[] = { MOD_TFA, MOD_GA, MOD_OATH,
    MOD_GA_NOREUSE, MOD_TFA_B };
#define NMEASURED (sizeof(measured) / sizeof(measured[0]))
/* throughput: the floor too, to tell libpam's scaling from a module's */
static const enum bench_mod conc_mods[] = { MOD_FLOOR, MOD_TFA, MOD_GA,
	MOD_OATH };
#define NCONC (sizeof(conc_mods) / sizeof(conc_mods[0]))

static struct bench bench;
static pid_t main_pid;

/* Remove the sites and the log stand-in; never from a forked child. */
static void
cleanup(void)
{
	unsigned i;

	if (getpid() != main_pid)
		return;
	for (i = 0; i < bench.nsites; i++)
		bench_site_fini(&bench.sites[i]);
	bench_sink_stop();
}

static void
on_signal(int sig)
{
	cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * BENCH_MODULE=pam_tfa, BENCH_FS=tmpfs: a part of the run, to profile;
 * a comma-separated list selects several (BENCH_MODULE=pam_tfa,pam_oath).
 */
static bool
selected(const char *env, const char *name)
{
	const char *want = getenv(env), *p, *end;
	size_t n = strlen(name);

	if (want == NULL || *want == '\0')
		return true;
	for (p = want; *p != '\0'; p = *end ? end + 1 : end) {
		end = strchrnul(p, ',');
		if ((size_t)(end - p) == n && strncmp(p, name, n) == 0)
			return true;
	}
	return false;
}

static const char *
not_measured(enum bench_mod m, enum bench_case c, const char *what)
{
	if (c == CASE_FLOOR)
		return bench.have[m] ? NULL : "module not installed";
	if (!bench.have[m])
		return "module not installed";
	if (!selected("BENCH_MODULE", bench_mod_name(m)) ||
	    !selected("BENCH_CASE", what))
		return "not selected";
	if (c == CASE_BACKUP && m == MOD_OATH)
		return "pam_oath has no backup codes";
	if (m == MOD_OATH && (!bench.users[0].real ||
	    (c == CASE_UNENROLLED && !bench.users[1].real)))
		return "needs a passwd account";
	return NULL;
}

static bool
fs_on(unsigned si)
{
	return selected("BENCH_FS", bench.sites[si].fs);
}

/* Add a job unless it is not to be measured, which its result says. */
static void
add_job(struct bench_job *jobs, unsigned *n, struct bench_job j,
    const char *what)
{
	j.res->run = true;
	if ((j.res->na = not_measured(j.m, j.c, what)) == NULL)
		jobs[(*n)++] = j;
}

/* The floor and the cost of loading each stack, on the first site. */
static void
run_floor(void)
{
	struct bench_job jobs[4];
	struct bench_job j = { &bench.sites[0], MOD_FLOOR, CASE_FLOOR,
	    &bench.users[0], bench.users[1].name, bench.iter, NULL };
	unsigned n = 0, k;

	j.res = &bench.res[0][CASE_FLOOR][MOD_FLOOR];
	add_job(jobs, &n, j, "floor");
	j.c = CASE_LOAD;
	for (k = 0; k < 3; k++) {
		j.m = measured[k];
		j.res = &bench.res[0][CASE_LOAD][j.m];
		add_job(jobs, &n, j, "load");
	}
	bench_measure(&bench, jobs, n);
}

static void
run_case(unsigned si, enum bench_case c)
{
	struct bench_job jobs[NMEASURED + 1];
	struct bench_job j = { &bench.sites[si], MOD_FLOOR, c,
	    &bench.users[0], bench.users[1].name, bench.iter, NULL };
	unsigned n = 0, k;

	for (k = 0; k < NMEASURED; k++) {
		if ((measured[k] == MOD_GA_NOREUSE && c != CASE_RIGHT) ||
		    (measured[k] == MOD_TFA_B && !bench.have[MOD_TFA_B]))
			continue;
		j.m = measured[k];
		j.res = &bench.res[si][c][j.m];
		add_job(jobs, &n, j, bench_case_name(c));
	}
	/*
	 * The floor logs in in turn with the modules, so that module-only
	 * times are taken against libpam's cost at the same moments.
	 */
	if (n > 0) {
		j.m = MOD_FLOOR;
		j.c = CASE_FLOOR;
		j.res = &bench.res[si][c][MOD_FLOOR];
		add_job(jobs, &n, j, "floor");
	}
	bench_measure(&bench, jobs, n);
}

/* pam_tfa, right code: a user with one of everything, and one with 1000. */
static void
run_scale(unsigned si)
{
	struct bench_job jobs[2];
	struct bench_job j = { &bench.sites[si], MOD_TFA, CASE_RIGHT, NULL,
	    NULL, bench.scale_iter, NULL };
	unsigned n = 0, k;

	for (k = 0; k < 2; k++) {
		j.u = &bench.scale_users[k];
		j.res = &bench.scale[si][k];
		add_job(jobs, &n, j, "scale");
	}
	bench_measure(&bench, jobs, n);
}

/*
 * A user's first login from a new place lists it, which writes a new
 * database.  Every pam_tfa user logs in once before the files settle, so
 * that the cases measure the logins after the first, as on a system in
 * use.
 */
static void
first_login(unsigned si, struct bench_user *u)
{
	struct bench_login l = { 0 };
	char code[16];

	l.answer = code;
	bench_vnow += BENCH_STEP;
	bench_code(u, bench_vnow, code);
	if (bench_login(&bench.sites[si], MOD_TFA, u->name, &l) !=
	    PAM_SUCCESS)
		fprintf(stderr, "bench: %s's first login failed\n", u->name);
}

static void
first_logins(unsigned si)
{
	unsigned k;

	if (!bench.have[MOD_TFA] ||
	    !selected("BENCH_MODULE", bench_mod_name(MOD_TFA)))
		return;
	for (k = 0; k < BENCH_USERS; k++)
		if (k != 1)		/* not enrolled */
			first_login(si, &bench.users[k]);
	for (k = 0; k < 2; k++)
		first_login(si, &bench.scale_users[k]);
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
	struct bench_login l = { 0 };
	char code[16];

	if (not_measured(m, CASE_RIGHT, "check") != NULL)
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
		if (i == MOD_TFA_B) {
			bench.have[i] = bench.module_b[0] != '\0' &&
			    access(bench.module_b, R_OK) == 0;
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", BENCH_PAMDIR, files[i]);
		bench.have[i] = access(path, R_OK) == 0;
	}
}

static void
read_load(double *out)
{
	FILE *f = fopen("/proc/loadavg", "r");

	if (f == NULL || fscanf(f, "%lf", out) != 1)
		*out = -1;
	if (f != NULL)
		fclose(f);
}

static void
setup(const char *module, const char *out)
{
	static const char *const fs[BENCH_SITES] = { "disk", "tmpfs" };
	static const unsigned scale[2] = { 1, BENCH_SCALE };
	const char *iter = getenv("BENCH_ITER");
	const char *module_b = getenv("BENCH_TFA_B");
	unsigned i, k;

	bench.iter = iter != NULL && atoi(iter) >= 10 ? (unsigned)atoi(iter) :
	    2000;
	bench.warmup = bench.iter / 10 < 20 ? 20 : bench.iter / 10;
	bench.conc_iter = bench.iter;
	bench.seconds = getenv("BENCH_SECONDS") != NULL &&
	    atof(getenv("BENCH_SECONDS")) > 0 ? atof(getenv("BENCH_SECONDS")) :
	    4;
	bench.scale_iter = bench.iter / 4 < 10 ? 10 : bench.iter / 4;
	read_load(&bench.load[0]);
	if ((module_b != NULL && *module_b != '\0' &&
	    realpath(module_b, bench.module_b) == NULL) ||
	    realpath(module, bench.module) == NULL ||
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
	main_pid = getpid();
	atexit(cleanup);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	if (bench_sink_start(bench.syslog, sizeof(bench.syslog)) != 0)
		snprintf(bench.syslog, sizeof(bench.syslog), "none (could not "
		    "stand in for /dev/log)");
	for (k = 0; k < 2; k++) {
		snprintf(bench.scale_users[k].name,
		    sizeof(bench.scale_users[k].name), "tfa-bench-%u",
		    scale[k]);
		if (tfa_totp_generate(&bench.scale_users[k].totp, bench_vnow))
			exit(2);
	}
	for (i = 0; i < BENCH_SITES; i++) {
		bench.sites[i].idx = i;
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
		for (k = 0; k < 2 && bench.have[MOD_TFA]; k++)
			if (bench_tfa_scale_enroll(&bench.sites[i],
			    &bench.scale_users[k], scale[k]) != 0) {
				fprintf(stderr, "bench: cannot enroll %s\n",
				    bench.scale_users[k].name);
				exit(2);
			}
	}
}

/*
 * pam_tfa keeps what it parsed of its configuration file, and what it read
 * of a user's database, only once that file has not changed for 2 s
 * (pam_tfa.conf(5)); a deployed system's files are older than that.  Wait
 * until every file made so far is, so that the run measures such a system
 * and not the first seconds after an edit.
 */
static void
settle(void)
{
	struct timespec t0, now;

	fprintf(stderr, "bench: waiting 3 s for the files made so far to "
	    "settle\n");
	clock_gettime(CLOCK_REALTIME, &t0);
	do {
		usleep(50 * 1000);
		clock_gettime(CLOCK_REALTIME, &now);
	} while (now.tv_sec - t0.tv_sec < 3);
}

int
main(int argc, char **argv)
{
	char csv[PATH_MAX + 16];
	uint64_t t0 = bench_ns();
	unsigned si, c, k, p;
	bool bad;

	if (argc != 3) {
		fprintf(stderr, "usage: tfa-bench PAM_TFA_SO OUTDIR\n");
		return 2;
	}
	setup(argv[1], argv[2]);
	/*
	 * Keep pam_permit.so and pam_deny.so (the "other" file's, which
	 * libpam reads for every service) loaded for the whole run, so that
	 * the floor is libpam's own work and not also their dlopen and
	 * dlclose in every login, in every row alike; the modules measured
	 * are loaded as they load themselves (pam_tfa.so stays loaded,
	 * -z nodelete; the peers are loaded and unloaded in every login).
	 */
	if (dlopen(BENCH_PAMDIR "/pam_permit.so", RTLD_NOW | RTLD_NODELETE) ==
	    NULL || dlopen(BENCH_PAMDIR "/pam_deny.so", RTLD_NOW |
	    RTLD_NODELETE) == NULL) {
		fprintf(stderr, "tfa-bench: %s\n", dlerror());
		return 1;
	}
	fprintf(stderr, "bench: %u logins per case after %u warm-up "
	    "logins\n", bench.iter, bench.warmup);
	for (si = 0; si < bench.nsites; si++)
		for (k = 0; k < NMEASURED && fs_on(si); k++)
			run_check(si, measured[k]);
	for (si = 0; si < bench.nsites; si++)
		if (fs_on(si))
			first_logins(si);
	settle();
	run_floor();		/* loading is the same on any site */
	for (si = 0; si < bench.nsites; si++)
		for (c = 0; c < CASE_LOAD && fs_on(si); c++)
			run_case(si, c);
	for (si = 0; si < bench.nsites; si++)
		if (fs_on(si))
			run_scale(si);
	for (si = 0; si < bench.nsites; si++)
		for (p = 0; p < BENCH_NPROCS; p++)
			for (k = 0; k < NCONC; k++) {
				struct bench_conc *cc =
				    &bench.conc[si][p][conc_mods[k]];
				const char *skip = conc_mods[k] == MOD_FLOOR ?
				    (selected("BENCH_CASE", "conc") ? NULL :
				    "not selected") : not_measured(conc_mods[k],
				    CASE_RIGHT, "conc");

				if (!fs_on(si))
					continue;
				if (skip != NULL) {
					cc->procs = bench_nprocs[p];
					cc->na = true;
					continue;
				}
				if (bench_concurrent(&bench, &bench.sites[si],
				    conc_mods[k], bench_nprocs[p], cc) != 0)
					fprintf(stderr, "bench: concurrent "
					    "run failed\n");
				fprintf(stderr, "  %-5s %2u procs %-18s "
				    "%8.0f logins/s\n", bench.sites[si].fs,
				    bench_nprocs[p], bench_mod_name(
				    conc_mods[k]), cc->per_sec);
			}
	bench.elapsed = (double)(bench_ns() - t0) / 1e9;
	read_load(&bench.load[1]);
	bad = bench_report(&bench) != 0;
	snprintf(csv, sizeof(csv), "%s/results.csv", bench.out);
	if (bench_csv(&bench, csv) != 0) {
		fprintf(stderr, "bench: cannot write %s\n", csv);
		return 1;
	}
	printf("\nresults: %s\n", csv);
	return bad ? 1 : 0;
}

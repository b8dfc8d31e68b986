/*
 * The benchmark's output: a table on stdout and the same numbers as CSV.
 * "module-only" is a median minus the median of the pam_permit floor timed
 * in turn with the case's modules, the part of a login that is the
 * module's own.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>

#include <security/pam_appl.h>

#include "bench.h"

const unsigned bench_nprocs[BENCH_NPROCS] = { 1, 2, 16 };

/* The throughput table: the floor first, what libpam alone allows. */
static const enum bench_mod conc_mods[] = { MOD_FLOOR, MOD_TFA, MOD_GA,
	MOD_OATH };
#define NCONC (sizeof(conc_mods) / sizeof(conc_mods[0]))

static const enum bench_mod table_mods[] = { MOD_TFA, MOD_GA, MOD_OATH,
    MOD_GA_NOREUSE, MOD_TFA_B };
#define NTABLE (sizeof(table_mods) / sizeof(table_mods[0]))

const char *
bench_case_name(enum bench_case c)
{
	static const char *const names[CASE_COUNT] = {
		[CASE_RIGHT] = "right",
		[CASE_WRONG] = "wrong",
		[CASE_BACKUP] = "backup",
		[CASE_UNENROLLED] = "unenrolled",
		[CASE_LOAD] = "load",
		[CASE_FLOOR] = "floor",
	};

	return names[c];
}

static const char *
rc_name(int rc)
{
	static char buf[16];

	switch (rc) {
	case PAM_SUCCESS: return "SUCCESS";
	case PAM_AUTH_ERR: return "AUTH_ERR";
	case PAM_PERM_DENIED: return "PERM_DENIED";
	case PAM_USER_UNKNOWN: return "USER_UNKNOWN";
	case PAM_MAXTRIES: return "MAXTRIES";
	case PAM_CONV_ERR: return "CONV_ERR";
	case PAM_IGNORE: return "IGNORE";
	case -1: return "start-failed";
	}
	snprintf(buf, sizeof(buf), "%d", rc);
	return buf;
}

static double
floor_median(const struct bench *b)
{
	const struct bench_result *f = &b->res[0][CASE_FLOOR][MOD_FLOOR];

	return f->run && f->na == NULL ? f->st.median : 0;
}

/*
 * What module-only times of case c on site si are taken against: the
 * floor timed in turn with that case's modules, else the floor run alone.
 */
static double
case_floor(const struct bench *b, unsigned si, enum bench_case c)
{
	const struct bench_result *f = &b->res[si][c][MOD_FLOOR];

	if (c < CASE_LOAD && f->run && f->na == NULL)
		return f->st.median;
	return floor_median(b);
}

static const struct bench_result *
measured(const struct bench *b, unsigned si, enum bench_case c,
    enum bench_mod m)
{
	const struct bench_result *r = &b->res[si][c][m];

	return r->run && r->na == NULL ? r : NULL;
}

static void
print_header(const struct bench *b)
{
	struct utsname un;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned i;

	uname(&un);
	printf("pam_tfa login benchmark: up to %u logins per case (at least "
	    "%u unless fewer asked, at most %.0f s) after up to %u warm-up "
	    "logins; %ld CPUs, %s %s; run took %.0f s; load average %.2f "
	    "before, %.2f after\n", b->iter, BENCH_MIN_LOGINS, b->seconds,
	    b->warmup, cpus, un.sysname, un.release, b->elapsed, b->load[0],
	    b->load[1]);
	printf("virtual clock: time() moves %d s per login, so every code is "
	    "fresh and the replay state is written\n", BENCH_STEP);
	for (i = 0; i < b->nsites; i++)
		printf("%-5s site: %s (%s)\n", b->sites[i].fs,
		    b->sites[i].root, b->sites[i].what);
	printf("syslog: %s\n", b->syslog);
	printf("stacks (auth required, one line each; every other setting "
	    "at its default):\n"
	    "  pam_tfa          the built module, LockoutMinutes=0 (no lockout "
	    "in the wrong-code case), ClockTolerance 2\n"
	    "  pam_google_auth  DISALLOW_REUSE (its replay protection), "
	    "RATE_LIMIT off, window 3, skew adjustment on, nullok, "
	    "%u scratch codes\n"
	    "  pam_oath         usersfile with every user, HOTP/T30, window=2\n"
	    "  GA no-reuse-check  GA without DISALLOW_REUSE: no state written "
	    "(reference only)\n"
	    "conversation: every prompt is answered with the code, so "
	    "pam_tfa's \"Trust this device?\" gets no\n", BENCH_SCRATCH);
	if (b->have[MOD_TFA_B])
		printf("  pam_tfa-B        %s (BENCH_TFA_B), the same "
		    "configuration and store as pam_tfa\n", b->module_b);
}

static void
print_checks(const struct bench *b)
{
	unsigned si, k;

	printf("\nchecks (virtual clock and replay)\n");
	for (si = 0; si < b->nsites; si++)
		for (k = 0; k < NTABLE; k++) {
			const struct bench_check *ck =
			    &b->check[si][table_mods[k]];

			if (!ck->run)
				continue;
			printf("  %-5s %-18s time(): %s; replayed code: %s\n",
			    b->sites[si].fs, bench_mod_name(table_mods[k]),
			    ck->virtual_ok && ck->real_refused ? "follows the "
			    "virtual clock" : ck->virtual_ok ? "virtual code "
			    "ok but real-time code ALSO accepted" :
			    "virtual-time code REFUSED",
			    ck->replay_refused ? "refused" : "ACCEPTED");
		}
}

static void
print_row(const struct bench *b, unsigned si, const char *fs,
    enum bench_case c, enum bench_mod m, const struct bench_result *r)
{
	char lines[16];

	printf("%-5s %-10s %-18s ", fs, bench_case_name(c), bench_mod_name(m));
	if (r->na != NULL) {
		printf("n/a (%s)\n", r->na);
		return;
	}
	if (r->lines < 0)
		snprintf(lines, sizeof(lines), "?");
	else
		snprintf(lines, sizeof(lines), "%.2f", r->lines);
	printf("%5u %9.1f %9.1f %9.1f %11.1f %7.2f %5s %-13s %u/%u\n",
	    r->st.n, r->st.median, r->st.p90, r->st.p99, m == MOD_FLOOR ? 0 :
	    r->st.median - case_floor(b, si, c), r->prompts, lines,
	    rc_name(r->rc),
	    r->bad, r->checked);
}

static void
print_latency(const struct bench *b)
{
	unsigned si, c, k;

	printf("\nlatency per login, microseconds (pam_start_confdir .. "
	    "pam_end)\n");
	printf("%-5s %-10s %-18s %5s %9s %9s %9s %11s %7s %5s %-13s %s\n",
	    "fs", "case", "module", "n", "median", "p90", "p99", "module-only",
	    "prompts", "log", "result", "bad/checked");
	if (b->res[0][CASE_FLOOR][MOD_FLOOR].run)
		print_row(b, 0, "-", CASE_FLOOR, MOD_FLOOR,
		    &b->res[0][CASE_FLOOR][MOD_FLOOR]);
	for (k = 0; k < 3; k++)
		if (b->res[0][CASE_LOAD][table_mods[k]].run)
			print_row(b, 0, "-", CASE_LOAD, table_mods[k],
			    &b->res[0][CASE_LOAD][table_mods[k]]);
	for (si = 0; si < b->nsites; si++)
		for (c = 0; c < CASE_LOAD; c++) {
			if (b->res[si][c][MOD_FLOOR].run)
				print_row(b, si, b->sites[si].fs, c,
				    MOD_FLOOR, &b->res[si][c][MOD_FLOOR]);
			for (k = 0; k < NTABLE; k++) {
				const struct bench_result *r =
				    &b->res[si][c][table_mods[k]];

				if (r->run)
					print_row(b, si, b->sites[si].fs, c,
					    table_mods[k], r);
			}
		}
}

static void
print_ratio(const struct bench *b, unsigned si, enum bench_case c,
    enum bench_mod peer)
{
	const struct bench_result *t = measured(b, si, c, MOD_TFA);
	const struct bench_result *p = measured(b, si, c, peer);
	double fl = case_floor(b, si, c);

	if (t == NULL || p == NULL || p->st.median - fl <= 0)
		printf(" %13s", "n/a");
	else
		printf(" %13.2f", (t->st.median - fl) / (p->st.median - fl));
}

/* pam_tfa-B / pam_tfa: the other build over this one */
static void
print_ratio_b(const struct bench *b, unsigned si, enum bench_case c)
{
	const struct bench_result *t = measured(b, si, c, MOD_TFA);
	const struct bench_result *o = measured(b, si, c, MOD_TFA_B);
	double fl = case_floor(b, si, c);

	if (t == NULL || o == NULL || t->st.median - fl <= 0)
		printf(" %13s", "n/a");
	else
		printf(" %13.2f", (o->st.median - fl) / (t->st.median - fl));
}

static void
print_ratios(const struct bench *b)
{
	bool two = b->have[MOD_TFA_B];
	unsigned si, c;

	printf("\npam_tfa / peer, module-only medians (below 1: pam_tfa is "
	    "faster)%s\n", two ? "; pam_tfa-B / pam_tfa: the other build "
	    "(BENCH_TFA_B) over this one" : "");
	printf("%-5s %-10s %13s %13s", "fs", "case", "/ GA", "/ pam_oath");
	printf(two ? " %13s\n" : "\n", "B / pam_tfa");
	for (si = 0; si < b->nsites; si++)
		for (c = 0; c < CASE_LOAD; c++) {
			if (!b->res[si][c][MOD_TFA].run)
				continue;
			printf("%-5s %-10s", b->sites[si].fs,
			    bench_case_name(c));
			print_ratio(b, si, c, MOD_GA);
			print_ratio(b, si, c, MOD_OATH);
			if (two)
				print_ratio_b(b, si, c);
			printf("\n");
		}
}

static void
print_conc(const struct bench *b)
{
	unsigned si, p, k;

	printf("\nthroughput: right codes, N processes at once, each its own "
	    "user (successful logins/s; latency us; x1: ok/s over one "
	    "process's; auth: median of pam_authenticate alone, without "
	    "libpam loading the stack, us); then each user's last code is "
	    "replayed (must fail) and a fresh one tried (must pass); the "
	    "floor (pam_permit) is what libpam itself allows\n");
	printf("%-5s %5s %-18s %10s %6s %9s %9s %8s %11s %13s %12s\n", "fs",
	    "procs", "module", "ok/s", "x1", "median", "p99", "auth",
	    "bad/checked", "replay-passed", "users-broken");
	for (si = 0; si < b->nsites; si++)
		for (p = 0; p < BENCH_NPROCS; p++)
			for (k = 0; k < NCONC; k++) {
				const struct bench_conc *cc =
				    &b->conc[si][p][conc_mods[k]];
				const struct bench_conc *one =
				    &b->conc[si][0][conc_mods[k]];

				if (cc->procs == 0)
					continue;	/* not selected */
				printf("%-5s %5u %-18s ", b->sites[si].fs,
				    bench_nprocs[p],
				    bench_mod_name(conc_mods[k]));
				if (cc->na) {
					printf("n/a\n");
					continue;
				}
				printf("%10.0f ", cc->per_sec);
				if (one->procs != 0 && !one->na &&
				    one->per_sec > 0)
					printf("%6.2f ", cc->per_sec /
					    one->per_sec);
				else
					printf("%6s ", "-");
				if (conc_mods[k] == MOD_FLOOR) {
					printf("%9.1f %9.1f %8.1f %5u/%-5u "
					    "%13s %12s\n", cc->median, cc->p99,
					    cc->auth_median, cc->bad,
					    cc->checked, "-", "-");
					continue;
				}
				printf("%9.1f %9.1f %8.1f %5u/%-5u %13u "
				    "%12u\n", cc->median, cc->p99,
				    cc->auth_median, cc->bad, cc->checked,
				    cc->replay_accepted, cc->broken_users);
			}
}

static void
print_scale(const struct bench *b)
{
	const struct bench_result *one, *many;
	unsigned si;

	printf("\nscaling: pam_tfa, right code, a user with 1 device and 1 "
	    "app password vs one with %u of each (%u logins)\n", BENCH_SCALE,
	    b->scale_iter);
	printf("%-5s %12s %12s %12s %12s %8s %s\n", "fs", "median 1",
	    "p99 1", "median 1000", "p99 1000", "ratio", "bad/checked");
	for (si = 0; si < b->nsites; si++) {
		one = &b->scale[si][0];
		many = &b->scale[si][1];
		if (!one->run)
			continue;
		printf("%-5s ", b->sites[si].fs);
		if (!one->run || !many->run || one->na || many->na) {
			printf("n/a\n");
			continue;
		}
		printf("%12.1f %12.1f %12.1f %12.1f %8.2f %u/%u\n",
		    one->st.median, one->st.p99, many->st.median, many->st.p99,
		    many->st.median / one->st.median, one->bad + many->bad,
		    one->checked + many->checked);
	}
}

/*
 * A measurement of logins that did not do what they must is worthless:
 * count them.  The peers' failures under concurrency are findings about
 * them (pam_oath's fail-fast lock), not about the harness, so they are
 * reported in their table and not counted here.
 */
static unsigned
problems(const struct bench *b)
{
	unsigned si, c, m, p, n = 0;

	for (si = 0; si < b->nsites; si++) {
		for (c = 0; c < CASE_COUNT; c++)
			for (m = 0; m < MOD_COUNT; m++)
				n += b->res[si][c][m].bad;
		n += b->scale[si][0].bad + b->scale[si][1].bad;
		for (m = 0; m < MOD_COUNT; m++) {
			const struct bench_check *ck = &b->check[si][m];

			if (ck->run && (!ck->virtual_ok || !ck->real_refused ||
			    (m != MOD_GA_NOREUSE && !ck->replay_refused)))
				n++;
		}
		for (p = 0; p < BENCH_NPROCS; p++) {
			const struct bench_conc *cc = &b->conc[si][p][MOD_TFA];

			n += cc->bad + cc->replay_accepted + cc->broken_users;
		}
	}
	return n;
}

int
bench_report(const struct bench *b)
{
	unsigned n = problems(b);

	print_header(b);
	print_checks(b);
	print_latency(b);
	print_ratios(b);
	print_conc(b);
	print_scale(b);
	if (n > 0)
		printf("\nMISMATCHES: %u logins or checks did not do what they "
		    "must; the numbers above are not to be trusted\n", n);
	return n == 0 ? 0 : -1;
}

static void
csv_result(FILE *f, const struct bench *b, unsigned si, const char *fs,
    enum bench_case c, enum bench_mod m, const struct bench_result *r,
    const char *section)
{
	fprintf(f, "%s,%s,%s,%s,1,", section, fs, bench_case_name(c),
	    bench_mod_name(m));
	if (r->na != NULL) {
		fprintf(f, "0,,,,,,,,,,,,,,,n/a: %s\n", r->na);
		return;
	}
	fprintf(f, "%u,%.2f,%.2f,%.2f,%.2f,%.2f,%.3f,", r->st.n, r->st.median,
	    r->st.p90, r->st.p99, r->st.mean, m == MOD_FLOOR ? 0 :
	    r->st.median - case_floor(b, si, c), r->prompts);
	if (r->lines >= 0)
		fprintf(f, "%.3f", r->lines);
	fprintf(f, ",%s,%u,%u,,,,,\n", rc_name(r->rc), r->bad, r->checked);
}

int
bench_csv(const struct bench *b, const char *path)
{
	FILE *f = fopen(path, "w");
	unsigned si, c, k, p;

	if (f == NULL)
		return -1;
	fprintf(f, "section,fs,case,module,procs,n,median_us,p90_us,p99_us,"
	    "mean_us,module_only_us,prompts_per_login,log_lines_per_login,"
	    "result,mismatches,checked,ok_logins_per_s,replay_passed_after,"
	    "users_broken_after,auth_median_us,note\n");
	if (b->res[0][CASE_FLOOR][MOD_FLOOR].run)
		csv_result(f, b, 0, "-", CASE_FLOOR, MOD_FLOOR,
		    &b->res[0][CASE_FLOOR][MOD_FLOOR], "latency");
	for (k = 0; k < 3; k++)
		if (b->res[0][CASE_LOAD][table_mods[k]].run)
			csv_result(f, b, 0, "-", CASE_LOAD, table_mods[k],
			    &b->res[0][CASE_LOAD][table_mods[k]], "latency");
	for (si = 0; si < b->nsites; si++)
		for (c = 0; c < CASE_LOAD; c++) {
			if (b->res[si][c][MOD_FLOOR].run)
				csv_result(f, b, si, b->sites[si].fs, c,
				    MOD_FLOOR, &b->res[si][c][MOD_FLOOR],
				    "latency");
			for (k = 0; k < NTABLE; k++)
				if (b->res[si][c][table_mods[k]].run)
					csv_result(f, b, si, b->sites[si].fs,
					    c, table_mods[k],
					    &b->res[si][c][table_mods[k]],
					    "latency");
		}
	for (si = 0; si < b->nsites; si++)
		for (p = 0; p < BENCH_NPROCS; p++)
			for (k = 0; k < NCONC; k++) {
				const struct bench_conc *cc =
				    &b->conc[si][p][conc_mods[k]];

				if (cc->procs == 0)
					continue;
				fprintf(f, "throughput,%s,right,%s,%u,",
				    b->sites[si].fs,
				    bench_mod_name(conc_mods[k]), cc->procs);
				if (cc->na)
					fprintf(f, "0,,,,,,,,,,,,,,,n/a\n");
				else
					fprintf(f, "%u,%.2f,,%.2f,,,,,,%u,%u,"
					    "%.1f,%u,%u,%.2f,\n", cc->logins,
					    cc->median, cc->p99, cc->bad,
					    cc->checked, cc->per_sec,
					    cc->replay_accepted,
					    cc->broken_users, cc->auth_median);
			}
	for (si = 0; si < b->nsites; si++)
		for (k = 0; k < 2; k++)
			if (b->scale[si][k].run)
				csv_result(f, b, si, b->sites[si].fs,
				    CASE_RIGHT, MOD_TFA, &b->scale[si][k], k ?
				    "scale-1000" : "scale-1");
	return fclose(f) == 0 ? 0 : -1;
}

/*
 * The login benchmark: pam_tfa against pam_google_authenticator and
 * pam_oath, each driven through the real libpam in this process.  This
 * header is what the harness files share: modules, sites, users, timing.
 */
#ifndef TFA_BENCH_H
#define TFA_BENCH_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "backup.h"
#include "record.h"

#define BENCH_STEP	30		/* seconds the virtual clock moves */
#define BENCH_USERS	18		/* main, un-enrolled, 16 concurrent */
#define BENCH_CONC_MAX	16
#define BENCH_SCRATCH	10		/* GA scratch codes in one file */
#define BENCH_SITES	2		/* disk, tmpfs */
#define BENCH_SCALE	1000		/* devices and app passwords */
#define BENCH_MIN_LOGINS 200		/* timed, before a case may stop */

/* The stacks that are measured; MOD_FLOOR is pam_permit alone. */
enum bench_mod {
	MOD_FLOOR = 0,
	MOD_TFA,
	MOD_GA,
	MOD_OATH,
	MOD_GA_NOREUSE,		/* GA without DISALLOW_REUSE, for reference */
	MOD_TFA_B,		/* another build of pam_tfa (BENCH_TFA_B) */
	MOD_COUNT
};

enum bench_case {
	CASE_RIGHT = 0,		/* fresh valid code: replay state written */
	CASE_WRONG,		/* a code valid in no step of any window */
	CASE_BACKUP,		/* a backup / scratch code */
	CASE_UNENROLLED,	/* a user the module knows nothing about */
	CASE_LOAD,		/* pam_start + pam_end: loading the stack */
	CASE_FLOOR,		/* pam_permit only */
	CASE_COUNT
};

struct bench_user {
	char name[32];
	struct tfa_totp totp;		/* one secret, given to every module */
	bool real;			/* in the passwd database (pam_oath) */
	/* per site: GA scratch codes and pam_tfa backup codes not yet used */
	unsigned scratch[BENCH_SITES][BENCH_SCRATCH];
	unsigned scratch_left[BENCH_SITES];
	char backup[BENCH_SITES][TFA_BACKUP_COUNT][TFA_BACKUP_SHOWN];
	unsigned backup_left[BENCH_SITES];
};

/* One filesystem with its own store, PAM service directory and files. */
struct bench_site {
	unsigned idx;
	const char *fs;			/* "disk" or "tmpfs" */
	char root[1024];
	char confdir[PATH_MAX];		/* PAM service files */
	char store[PATH_MAX];		/* pam_tfa StoreDir */
	char conf[PATH_MAX];		/* pam_tfa.conf */
	char ga[2][PATH_MAX];		/* GA secret dirs: reuse off / on */
	char oath[PATH_MAX];		/* pam_oath users file */
	char what[128];			/* filesystem type and source */
	bool mounted;			/* a tmpfs we mounted ourselves */
};

/* Answers for one login and what came back. */
struct bench_login {
	bool load_only;			/* pam_start and pam_end, no auth */
	const char *answer;
	unsigned prompts;
	int result;			/* PAM return code, -1 for pam_start */
	uint64_t ns;			/* pam_start_confdir .. pam_end */
	uint64_t auth_ns;		/* pam_authenticate alone */
};

struct bench_stats {
	unsigned n;
	double median, p90, p99, mean;	/* microseconds */
};

/* One case of one module on one site. */
struct bench_result {
	bool run;			/* part of the table at all */
	const char *na;			/* why it was not measured */
	struct bench_stats st;
	unsigned checked, bad;		/* logins checked, wrong outcomes */
	int rc;				/* PAM result of the last login */
	double prompts;			/* prompts per login */
	double lines;			/* syslog lines per login, < 0: unknown */
};

/* Does the module follow the virtual clock, and refuse a replay? */
struct bench_check {
	bool run;
	bool virtual_ok;		/* code for the virtual now accepted */
	bool real_refused;		/* code for the real now refused */
	bool replay_refused;		/* the same code twice: second fails */
};

struct bench_conc {
	unsigned procs, logins;		/* logins timed */
	unsigned ok_timed;		/* of those, succeeded */
	unsigned checked, bad;		/* with warm-ups: all, wrong outcome */
	double per_sec, median, p99;	/* successful logins/s; latency us */
	double auth_median;		/* pam_authenticate alone, us */
	unsigned replay_accepted;	/* lost replay state after the run */
	unsigned broken_users;		/* users failing a fresh code after */
	bool na;
};

#define BENCH_NPROCS 3			/* 1, 2 and 16 processes */

/* Shared state of the whole run. */
struct bench {
	unsigned iter, warmup, conc_iter;
	double seconds;			/* a case stops after this long */
	char out[PATH_MAX];		/* results directory */
	char module[PATH_MAX];		/* the built pam_tfa.so */
	char module_b[PATH_MAX];	/* BENCH_TFA_B's, or "" */
	bool have[MOD_COUNT];		/* module installed */
	struct bench_user users[BENCH_USERS];
	unsigned nusers_real;
	struct bench_site sites[BENCH_SITES];
	unsigned nsites;
	struct bench_user scale_users[2];	/* 1 and BENCH_SCALE entries */
	unsigned scale_iter;
	char syslog[256];		/* what receives the log lines */
	struct bench_result res[BENCH_SITES][CASE_COUNT][MOD_COUNT];
	struct bench_check check[BENCH_SITES][MOD_COUNT];
	struct bench_conc conc[BENCH_SITES][BENCH_NPROCS][MOD_COUNT];
	struct bench_result scale[BENCH_SITES][2];
	double load[2];			/* /proc/loadavg, start and end */
	double elapsed;			/* seconds for the whole run */
};

extern time_t bench_vnow;		/* the clock the modules see */

/* login.c */
const char *bench_service(enum bench_mod m);
const char *bench_mod_name(enum bench_mod m);
bool bench_is_tfa(enum bench_mod m);		/* either build of pam_tfa */
int bench_login(const struct bench_site *s, enum bench_mod m,
    const char *user, struct bench_login *l);
uint64_t bench_ns(void);
time_t bench_real_time(void);
void bench_stats(uint64_t *ns, unsigned n, struct bench_stats *st);

/* codes.c */
void bench_code(const struct bench_user *u, time_t when, char *out);
void bench_wrong_code(const struct bench_user *u, time_t when, char *out);

/* setup.c */
int bench_users(struct bench *b);
int bench_site_init(struct bench *b, struct bench_site *s, const char *fs,
    const char *base);
void bench_site_fini(struct bench_site *s);
int bench_enroll(struct bench *b, struct bench_site *s, struct bench_user *u);
int bench_ga_refill(const struct bench_site *s, struct bench_user *u);
int bench_private_mounts(void);

/* measure.c */
struct bench_job {
	struct bench_site *s;
	enum bench_mod m;
	enum bench_case c;
	struct bench_user *u;		/* who logs in */
	const char *stranger;		/* CASE_UNENROLLED: who logs in */
	unsigned iter;
	struct bench_result *res;
};
void bench_measure(const struct bench *b, struct bench_job *jobs,
    unsigned n);

/* tfa.c: pam_tfa's backup codes, devices and app passwords */
int bench_tfa_backup_refill(const struct bench_site *s, struct bench_user *u);
int bench_tfa_scale_enroll(const struct bench_site *s, struct bench_user *u,
    unsigned entries);

/* sink.c */
int bench_sink_start(char *what, size_t len);
void bench_sink_settle(void);
unsigned long bench_sink_lines(enum bench_mod m);
bool bench_sink_active(void);
void bench_sink_stop(void);

/* conc.c */
int bench_concurrent(struct bench *b, struct bench_site *s, enum bench_mod m,
    unsigned procs, struct bench_conc *out);

/* report.c */
extern const unsigned bench_nprocs[BENCH_NPROCS];
const char *bench_case_name(enum bench_case c);
int bench_report(const struct bench *b);
int bench_csv(const struct bench *b, const char *path);

#endif

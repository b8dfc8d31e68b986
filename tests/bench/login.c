/*
 * One timed login through the real libpam, the conversation that answers
 * it, and the virtual clock every module reads through time().  The harness
 * is linked with -rdynamic, so this time() is the one libpam's modules (and
 * liboath) bind to; nothing in any module knows it is being measured.
 */
#include <stdlib.h>
#include <string.h>

#include <security/pam_appl.h>

#include "bench.h"

time_t bench_vnow = 2000000000;		/* 2033, far from the real clock */

time_t
time(time_t *t)
{
	if (t != NULL)
		*t = bench_vnow;
	return bench_vnow;
}

uint64_t
bench_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

time_t
bench_real_time(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec;
}

static const char *const services[MOD_COUNT] = {
	[MOD_FLOOR] = "bench-floor",
	[MOD_TFA] = "bench-tfa",
	[MOD_GA] = "bench-ga",
	[MOD_OATH] = "bench-oath",
	[MOD_GA_NOREUSE] = "bench-ga-noreuse",
	[MOD_TFA_B] = "bench-tfa-b",
};

static const char *const names[MOD_COUNT] = {
	[MOD_FLOOR] = "pam_permit",
	[MOD_TFA] = "pam_tfa",
	[MOD_GA] = "pam_google_auth",
	[MOD_OATH] = "pam_oath",
	[MOD_GA_NOREUSE] = "GA no-reuse-check",
	[MOD_TFA_B] = "pam_tfa-B",
};

const char *
bench_service(enum bench_mod m)
{
	return services[m];
}

const char *
bench_mod_name(enum bench_mod m)
{
	return names[m];
}

bool
bench_is_tfa(enum bench_mod m)
{
	return m == MOD_TFA || m == MOD_TFA_B;
}

/*
 * The same conversation for every module: any prompt, echo on or off, gets
 * the answer (pam_tfa and GA ask "Verification code: ", pam_oath asks
 * "One-time password (OATH) for `user': "); messages are dropped.
 */
static int
conv(int n, const struct pam_message **msg, struct pam_response **resp,
    void *arg)
{
	struct bench_login *l = arg;
	struct pam_response *r;
	int i;

	if (n <= 0 || (r = calloc((size_t)n, sizeof(*r))) == NULL)
		return PAM_CONV_ERR;
	for (i = 0; i < n; i++) {
		if (msg[i]->msg_style != PAM_PROMPT_ECHO_OFF &&
		    msg[i]->msg_style != PAM_PROMPT_ECHO_ON)
			continue;
		l->prompts++;
		if (l->answer == NULL || (r[i].resp = strdup(l->answer)) ==
		    NULL) {
			while (i-- > 0)
				free(r[i].resp);
			free(r);
			return PAM_CONV_ERR;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

/*
 * Everything a login costs, from pam_start to pam_end, is timed.  libpam
 * loads the stack's modules in pam_start and unloads them in pam_end, as
 * in every program that authenticates more than once (sshd's children,
 * Dovecot's auth workers), so that is part of every login.
 */
int
bench_login(const struct bench_site *s, enum bench_mod m, const char *user,
    struct bench_login *l)
{
	struct pam_conv pc = { conv, l };
	pam_handle_t *pamh = NULL;
	uint64_t t0, a0;
	int r;

	l->prompts = 0;
	l->auth_ns = 0;
	t0 = bench_ns();
	r = pam_start_confdir(services[m], user, &pc, s->confdir, &pamh);
	if (r == PAM_SUCCESS) {
		pam_set_item(pamh, PAM_RHOST, "192.0.2.7");
		if (!l->load_only) {
			a0 = bench_ns();
			r = pam_authenticate(pamh, 0);
			l->auth_ns = bench_ns() - a0;
		}
		pam_end(pamh, r);
	} else {
		r = -1;
	}
	l->ns = bench_ns() - t0;
	l->result = r;
	return r;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentiles; sorts ns in place. */
void
bench_stats(uint64_t *ns, unsigned n, struct bench_stats *st)
{
	double sum = 0;
	unsigned i;

	memset(st, 0, sizeof(*st));
	if (n == 0)
		return;
	qsort(ns, n, sizeof(*ns), cmp_u64);
	for (i = 0; i < n; i++)
		sum += (double)ns[i];
	st->n = n;
	st->median = (double)ns[(n - 1) / 2] / 1000.0;
	st->p90 = (double)ns[(unsigned)((n - 1) * 0.90)] / 1000.0;
	st->p99 = (double)ns[(unsigned)((n - 1) * 0.99)] / 1000.0;
	st->mean = sum / n / 1000.0;
}

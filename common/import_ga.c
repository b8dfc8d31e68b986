/*
 * pam_google_authenticator's ~/.google_authenticator: the base32 secret on
 * the first line, option lines '" NAME args', and 8-digit scratch codes,
 * one per line.  pam_google_authenticator is lenient (it maps mistyped
 * base32 letters, skips what it cannot read); this reader refuses anything
 * it cannot account for, so an import never guesses.
 */
#include "import_int.h"

#define GA_STEP_DEFAULT	30
#define GA_WINDOW_MAX	100	/* what pam_google_authenticator accepts */
#define GA_STAMP_MAX	INT32_MAX	/* it keeps steps in an int */

struct ga {
	struct tfa_import_user *u;
	unsigned seen;			/* bit per option: each at most once */
	bool totp_auth, hotp;
	unsigned step;
	int64_t skew;
};

typedef void (*ga_option_fn)(struct ga *, struct tfa_span args, unsigned);

static void
opt_totp_auth(struct ga *g, struct tfa_span args, unsigned line)
{
	if (!tfa_span_blank(args))
		tfa_import_refuse(g->u, "line %u: TOTP_AUTH takes no value",
		    line);
	g->totp_auth = true;
}

static void
opt_hotp(struct ga *g, struct tfa_span args, unsigned line)
{
	(void)args;
	(void)line;
	g->hotp = true;
}

/* One number and nothing else. */
static int
one_uint(struct tfa_span args, uint64_t max, uint64_t *v)
{
	struct tfa_span f[2];

	if (tfa_span_split(args, 0, f, 2) != 1)
		return -1;
	return tfa_span_uint(f[0], max, v);
}

static void
opt_window(struct ga *g, struct tfa_span args, unsigned line)
{
	uint64_t v;

	if (one_uint(args, GA_WINDOW_MAX, &v) != 0 || v == 0)
		tfa_import_refuse(g->u, "line %u: WINDOW_SIZE must be a "
		    "number from 1 to %d", line, GA_WINDOW_MAX);
	else
		g->u->window = (unsigned)v;
}

static void
opt_step(struct ga *g, struct tfa_span args, unsigned line)
{
	uint64_t v;

	if (one_uint(args, 3600, &v) != 0 || v == 0)
		tfa_import_refuse(g->u, "line %u: STEP_SIZE must be a number "
		    "of seconds", line);
	else
		g->step = (unsigned)v;
}

/* The steps pam_google_authenticator already accepted. */
static void
opt_disallow(struct ga *g, struct tfa_span args, unsigned line)
{
	struct tfa_span f[256];
	size_t n, i;
	uint64_t v;

	if ((n = tfa_span_split(args, 0, f, 256)) > 256) {
		tfa_import_refuse(g->u, "line %u: DISALLOW_REUSE lists more "
		    "than 256 steps", line);
		return;
	}
	for (i = 0; i < n; i++) {
		if (tfa_span_uint(f[i], GA_STAMP_MAX, &v) != 0) {
			tfa_import_refuse(g->u, "line %u: DISALLOW_REUSE holds "
			    "something that is not a time step", line);
			return;
		}
		if ((int64_t)v > g->u->last_step)
			g->u->last_step = (int64_t)v;
	}
}

static void
opt_rate_limit(struct ga *g, struct tfa_span args, unsigned line)
{
	struct tfa_span f[2];
	uint64_t n, secs;

	if (tfa_span_split(args, 0, f, 2) < 2 ||
	    tfa_span_uint(f[0], 100, &n) != 0 ||
	    tfa_span_uint(f[1], 3600, &secs) != 0) {
		tfa_import_refuse(g->u, "line %u: RATE_LIMIT must start with "
		    "two numbers", line);
		return;
	}
	tfa_import_note(g->u, "RATE_LIMIT (%u logins in %u s) is not carried "
	    "over: pam_tfa locks the second factor after MaxFailures wrong "
	    "codes in a row", (unsigned)n, (unsigned)secs);
}

static void
opt_skew(struct ga *g, struct tfa_span args, unsigned line)
{
	struct tfa_span f[2];
	bool neg;
	uint64_t v;

	if (tfa_span_split(args, 0, f, 2) != 1) {
		tfa_import_refuse(g->u, "line %u: TIME_SKEW must be a number",
		    line);
		return;
	}
	neg = f[0].n > 0 && f[0].p[0] == '-';
	f[0].p += neg;
	f[0].n -= neg;
	if (tfa_span_uint(f[0], 1000000, &v) != 0) {
		tfa_import_refuse(g->u, "line %u: TIME_SKEW must be a number",
		    line);
		return;
	}
	g->skew = neg ? -(int64_t)v : (int64_t)v;
}

/* pam_google_authenticator's own bookkeeping for TIME_SKEW. */
static void
opt_ignore(struct ga *g, struct tfa_span args, unsigned line)
{
	(void)g;
	(void)args;
	(void)line;
}

static const struct {
	const char *name;
	ga_option_fn fn;
} ga_options[] = {
	{ "TOTP_AUTH", opt_totp_auth },
	{ "HOTP_COUNTER", opt_hotp },
	{ "WINDOW_SIZE", opt_window },
	{ "STEP_SIZE", opt_step },
	{ "DISALLOW_REUSE", opt_disallow },
	{ "RATE_LIMIT", opt_rate_limit },
	{ "TIME_SKEW", opt_skew },
	{ "RESETTING_TIME_SKEW", opt_ignore },
};
#define GA_NOPTIONS (sizeof(ga_options) / sizeof(ga_options[0]))

/* '" NAME args' */
static void
option_line(struct ga *g, struct tfa_span line, unsigned no)
{
	struct tfa_span name, args;
	size_t i = 2;

	while (i < line.n && line.p[i] != ' ' && line.p[i] != '\t')
		i++;
	name.p = line.p + 2;
	name.n = i - 2;
	args.p = line.p + i;
	args.n = line.n - i;
	for (i = 0; i < GA_NOPTIONS; i++) {
		if (!tfa_span_is(name, ga_options[i].name))
			continue;
		if (g->seen & (1u << i)) {
			tfa_import_refuse(g->u, "line %u: %s appears twice", no,
			    ga_options[i].name);
			return;
		}
		g->seen |= 1u << i;
		ga_options[i].fn(g, args, no);
		return;
	}
	tfa_import_refuse(g->u, "line %u: an option pam_tfa does not know; "
	    "it cannot tell what it meant", no);
}

/* Exactly eight digits, the first not 0: 10000000 to 99999999. */
static void
scratch_line(struct ga *g, struct tfa_span line, unsigned no)
{
	struct tfa_import_user *u = g->u;
	unsigned i;

	if (line.n != TFA_BACKUP_DIGITS || !tfa_span_digits(line) ||
	    line.p[0] == '0') {
		tfa_import_refuse(u, "line %u: neither an option nor an "
		    "8-digit scratch code", no);
		return;
	}
	if (u->n_scratch >= TFA_BACKUP_COUNT) {
		tfa_import_refuse(u, "more than %d scratch codes: pam_tfa "
		    "keeps %d backup codes; remove the extra ones first",
		    TFA_BACKUP_COUNT, TFA_BACKUP_COUNT);
		return;
	}
	for (i = 0; i < u->n_scratch; i++)
		if (tfa_ct_equal(u->scratch[i], line.p, line.n)) {
			tfa_import_refuse(u, "line %u: a scratch code that "
			    "appears twice", no);
			return;
		}
	memcpy(u->scratch[u->n_scratch], line.p, line.n);
	u->scratch[u->n_scratch++][line.n] = '\0';
}

static void
secret_line(struct ga *g, struct tfa_span line)
{
	struct tfa_totp *t = &g->u->totp;

	/* never quote the secret, not even one character of it */
	if (line.n == 0 || line.p[0] == '"') {
		tfa_import_refuse(g->u, "line 1: no secret");
		return;
	}
	if (tfa_decode_base32(line, t->secret, sizeof(t->secret),
	    &t->secret_len) != 0) {
		tfa_import_refuse(g->u, "line 1: the secret is not base32 "
		    "(A-Z, 2-7) or is longer than %d bytes", TFA_SECRET_MAX);
		return;
	}
	if (t->secret_len < 10)
		tfa_import_refuse(g->u, "line 1: the secret is shorter than "
		    "80 bits");
}

/* What the options add up to. */
static void
conclude(struct ga *g)
{
	struct tfa_import_user *u = g->u;

	if (g->hotp)
		tfa_import_refuse(u, "HOTP_COUNTER: counter-based codes "
		    "(HOTP) are not supported; the user sets up the app again "
		    "with 'tfa-enroll totp'");
	else if (!g->totp_auth)
		tfa_import_refuse(u, "no TOTP_AUTH line: "
		    "pam_google_authenticator does not take time-based codes "
		    "from this secret");
	else if (g->step < 15 || g->step > 120)
		tfa_import_refuse(u, "STEP_SIZE %u: pam_tfa takes steps of 15 "
		    "to 120 seconds", g->step);
	if (u->refused)
		return;
	u->totp.enabled = true;
	u->totp.algo = TFA_HASH_SHA1;
	u->totp.digits = 6;
	u->totp.period = g->step;
	if (u->window == 0)
		u->window = 3;
	if (!(g->seen & (1u << 4)))
		tfa_import_note(u, "DISALLOW_REUSE was off: a code could be "
		    "used twice; pam_tfa accepts each time step once");
	if (g->skew != 0)
		tfa_import_note(u, "the phone's clock was %lld steps off under "
		    "pam_google_authenticator (TIME_SKEW); pam_tfa does not "
		    "follow a skew: set the phone's clock right",
		    (long long)g->skew);
}

tfa_err
tfa_import_parse_ga(const char *buf, size_t len, struct tfa_import *imp)
{
	struct tfa_lines lines;
	struct tfa_span line;
	struct ga g;
	tfa_err r;

	memset(&g, 0, sizeof(g));
	g.step = GA_STEP_DEFAULT;
	if ((r = tfa_import_check_text(imp, buf, len, TFA_IMPORT_GA_MAX)) !=
	    TFA_OK)
		return r;
	if ((r = tfa_import_user_new(imp, 1, &g.u)) != TFA_OK)
		return r;
	tfa_lines_init(&lines, buf, len);
	while (!g.u->refused && tfa_lines_next(&lines, &line)) {
		if (lines.no == 1)
			secret_line(&g, line);
		else if (line.n == 0)
			continue;	/* pam_google_authenticator skips them */
		else if (line.n >= 2 && line.p[0] == '"' && line.p[1] == ' ')
			option_line(&g, line, lines.no);
		else
			scratch_line(&g, line, lines.no);
	}
	if (!g.u->refused)
		conclude(&g);
	if (g.u->refused) {		/* nothing of a refused file is kept */
		tfa_wipe_struct(&g.u->totp);
		explicit_bzero(g.u->scratch, sizeof(g.u->scratch));
		g.u->n_scratch = 0;
	}
	return TFA_OK;
}

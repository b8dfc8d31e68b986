/*
 * pam_oath's usersfile (liboath's UsersFile format): one token per line,
 *   TYPE USER PIN SECRET [COUNTER [LAST-OTP [LAST-TIME]]]
 * separated by spaces or tabs; '#' starts a comment line.  TYPE is HOTP,
 * HOTP/E[/D] (event based, not importable) or HOTP/T30[/D], HOTP/T60[/D]
 * (time based, D = 6, 7 or 8 digits); PIN is '-' (none), '+' (checked by
 * another module) or a static PIN; SECRET is hex; LAST-TIME is the local
 * time of the last login, "%Y-%m-%dT%H:%M:%SL".
 */
#include <time.h>

#include "import_int.h"

#define OATH_FIELDS	7

enum { F_TYPE, F_USER, F_PIN, F_SECRET, F_COUNTER, F_LAST_OTP, F_TIME };

/* HOTP/T30/8 → period 30, 8 digits; 0 when event based; -1 unknown. */
static int
parse_type(struct tfa_span t, unsigned *period, unsigned *digits)
{
	static const char *const event[] = { "HOTP", "HOTP/E", "HOTP/E/6",
		"HOTP/E/7", "HOTP/E/8" };
	size_t i;

	for (i = 0; i < sizeof(event) / sizeof(event[0]); i++)
		if (tfa_span_is(t, event[i]))
			return 0;
	if (t.n < 8 || memcmp(t.p, "HOTP/T", 6) != 0 ||
	    !((t.p[6] == '3' || t.p[6] == '6') && t.p[7] == '0'))
		return -1;
	*period = t.p[6] == '3' ? 30 : 60;
	*digits = 6;
	if (t.n == 8)
		return 1;
	if (t.n != 10 || t.p[8] != '/' || t.p[9] < '6' || t.p[9] > '8')
		return -1;
	*digits = (unsigned)(t.p[9] - '0');
	return 1;
}

/* Exactly "YYYY-MM-DDTHH:MM:SSL", as liboath writes it (local time). */
static int
parse_time(struct tfa_span s, int64_t *out)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddL";
	struct tm tm;
	int v[6], k = 0;
	size_t i;
	time_t t;

	if (s.n != sizeof(shape) - 1)
		return -1;
	memset(v, 0, sizeof(v));
	for (i = 0; i < s.n; i++) {
		if (shape[i] != 'd') {
			if (s.p[i] != shape[i])
				return -1;
			k += i > 0 && shape[i - 1] == 'd';
			continue;
		}
		if (s.p[i] < '0' || s.p[i] > '9')
			return -1;
		v[k] = v[k] * 10 + (s.p[i] - '0');
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = v[0] - 1900;
	tm.tm_mon = v[1] - 1;
	tm.tm_mday = v[2];
	tm.tm_hour = v[3];
	tm.tm_min = v[4];
	tm.tm_sec = v[5];
	tm.tm_isdst = -1;
	if (v[0] < 1970 || v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 ||
	    v[3] > 23 || v[4] > 59 || v[5] > 60 ||
	    (t = mktime(&tm)) == (time_t)-1 || t < 0)
		return -1;
	/*
	 * mktime rolls an impossible day over (February 31 becomes March 3):
	 * liboath never wrote one, so the file was edited.  The hour may move
	 * (a time in a DST gap, written before the zone changed); the day
	 * may not.
	 */
	if (tm.tm_year != v[0] - 1900 || tm.tm_mon != v[1] - 1 ||
	    tm.tm_mday != v[2])
		return -1;
	*out = (int64_t)t;
	return 0;
}

static void
parse_secret(struct tfa_import_user *u, struct tfa_span s, unsigned no)
{
	struct tfa_totp *t = &u->totp;

	if (tfa_decode_hex(s, t->secret, sizeof(t->secret), &t->secret_len)) {
		tfa_import_refuse(u, "line %u: the secret is not hex or is "
		    "longer than %d bytes", no, TFA_SECRET_MAX);
		return;
	}
	if (t->secret_len < 10)
		tfa_import_refuse(u, "line %u: the secret is shorter than 80 "
		    "bits", no);
}

/* The optional fields after the secret. */
static void
parse_state(struct tfa_import_user *u, const struct tfa_span *f, size_t n,
    unsigned no)
{
	uint64_t counter;

	if (n > F_COUNTER && tfa_span_uint(f[F_COUNTER], UINT64_MAX,
	    &counter) != 0) {
		tfa_import_refuse(u, "line %u: the counter is not a number",
		    no);
		return;
	}
	if (n > F_LAST_OTP) {
		if (f[F_LAST_OTP].n != u->totp.digits ||
		    !tfa_span_digits(f[F_LAST_OTP])) {
			tfa_import_refuse(u, "line %u: the last code is not a "
			    "%u-digit code", no, u->totp.digits);
			return;
		}
		memcpy(u->last_otp, f[F_LAST_OTP].p, f[F_LAST_OTP].n);
		u->last_otp[f[F_LAST_OTP].n] = '\0';
	}
	if (n > F_TIME && parse_time(f[F_TIME], &u->last_time) != 0)
		tfa_import_refuse(u, "line %u: the last login time is not "
		    "YYYY-MM-DDTHH:MM:SSL", no);
}

static void
parse_entry(struct tfa_import_user *u, const struct tfa_span *f, size_t n,
    unsigned no)
{
	unsigned period = 0, digits = 0;
	int kind = parse_type(f[F_TYPE], &period, &digits);

	if (kind == 0) {
		tfa_import_refuse(u, "line %u: event-based HOTP: counter codes "
		    "are not supported; the user sets up an app with "
		    "'tfa-enroll totp'", no);
		return;
	}
	if (kind < 0) {
		tfa_import_refuse(u, "line %u: a token type pam_tfa cannot "
		    "import (only HOTP/T30 and HOTP/T60 with 6 to 8 digits)",
		    no);
		return;
	}
	if (n > OATH_FIELDS || n < F_SECRET + 1) {
		tfa_import_refuse(u, "line %u: expected 4 to 7 fields, found "
		    "%zu", no, n);
		return;
	}
	if (!tfa_span_is(f[F_PIN], "-") && !tfa_span_is(f[F_PIN], "+")) {
		tfa_import_refuse(u, "line %u: the entry has a PIN, which "
		    "pam_tfa does not support; set the field to '-' to import "
		    "the token without it", no);
		return;
	}
	u->totp.algo = TFA_HASH_SHA1;
	u->totp.digits = digits;
	u->totp.period = period;
	parse_secret(u, f[F_SECRET], no);
	if (!u->refused)
		parse_state(u, f, n, no);
	if (!u->refused)
		u->totp.enabled = true;
}

/* A line that names no user becomes a problem of the whole file. */
static tfa_err
parse_line(struct tfa_import *imp, struct tfa_span line, unsigned no)
{
	struct tfa_span f[OATH_FIELDS + 1];
	struct tfa_import_user *u;
	size_t n;
	bool seen;
	tfa_err r;

	n = tfa_span_split(line, 0, f, OATH_FIELDS + 1);
	if (n < 2)
		return tfa_import_problem(imp, no, "not an entry: no user name");
	r = tfa_import_user_get(imp, f[F_USER], no, &u, &seen);
	if (r != TFA_OK || u == NULL)
		return r;
	if (seen) {
		tfa_import_refuse(u, "lines %u and %u both have an entry for "
		    "this user; keep one", u->line, no);
		tfa_wipe_struct(&u->totp);
		return TFA_OK;
	}
	parse_entry(u, f, n, no);
	if (u->refused)
		tfa_wipe_struct(&u->totp);
	return TFA_OK;
}

tfa_err
tfa_import_parse_oath(const char *buf, size_t len, struct tfa_import *imp)
{
	struct tfa_lines lines;
	struct tfa_span line, first;
	tfa_err r;

	if ((r = tfa_import_check_text(imp, buf, len, TFA_IMPORT_TEXT_MAX)) !=
	    TFA_OK)
		return r;
	tfa_lines_init(&lines, buf, len);
	while (tfa_lines_next(&lines, &line)) {
		if (tfa_span_split(line, 0, &first, 1) == 0 ||
		    first.p[0] == '#')
			continue;
		if (line.n > TFA_IMPORT_LINE_MAX)
			r = tfa_import_problem(imp, lines.no, "longer than %d "
			    "bytes", TFA_IMPORT_LINE_MAX);
		else
			r = parse_line(imp, line, lines.no);
		if (r != TFA_OK)
			return r;
	}
	return TFA_OK;
}

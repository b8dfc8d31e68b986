/*
 * The shipped mail stack, contrib/pam.d/mail, through the real libpam: its
 * own text is read from the file (never copied here), with pam_tfa.so
 * pointed at the built module and the fixture's configuration, and the
 * password module (pam_unix.so) replaced by a stand-in:
 *
 *   - pam_debug.so auth=ignore, a password module that answers PAM_IGNORE
 *     (pam_sss with ignore_unknown_user or ignore_authinfo_unavail,
 *     pam_ldap's ignore_* options): the stack must refuse, whatever the
 *     code, or the code alone logs in;
 *   - pam_settok.so expect=PW, a password module that accepts PW only.
 *
 * The account line's pam_unix.so becomes pam_debug.so acct=acct_expired
 * (an account past usermod --expiredate), which must refuse even a login
 * that an app password ended early.
 *
 * TFA_MAIL_STACK=FILE reads another stack instead (to show that an older
 * one fails these checks).  Like test_pam, this program exports time() and
 * pam_syslog() (pamtest_hooks.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <security/pam_appl.h>

#include "apppw.h"
#include "check.h"
#include "pamtest.h"
#include "pamtest_hooks.h"
#include "record.h"
#include "totp.h"

#define PW	"s3cret-Pw"
#define RHOST	"198.51.100.9"

static struct tfa_totp alice;
static char alice_apppw[TFA_APPPW_SHOWN];
static char stack[8192];	/* the file's text */
static int auth_unix, acct_unix;	/* pam_unix.so lines replaced */

static void
read_stack(void)
{
	const char *path = getenv("TFA_MAIL_STACK");
	const char *top = getenv("TOP");
	char buf[4096];
	FILE *f;
	size_t n;

	if (path == NULL) {
		snprintf(buf, sizeof(buf), "%s/contrib/pam.d/mail",
		    top != NULL ? top : ".");
		path = buf;
	}
	if ((f = fopen(path, "r")) == NULL) {
		perror(path);
		exit(2);
	}
	n = fread(stack, 1, sizeof(stack) - 1, f);
	stack[n] = '\0';
	fclose(f);
	printf("# stack from %s\n", path);
}

/* Append s to out (of size cap), aborting when it does not fit. */
static void
put(char *out, size_t cap, const char *s, size_t len)
{
	size_t n = strlen(out);

	if (n + len >= cap)
		abort();
	memcpy(out + n, s, len);
	out[n + len] = '\0';
}

/*
 * Write the stack as service name: pam_tfa.so becomes the built module
 * with the fixture's configuration and service class imap, pam_unix.so
 * becomes auth_mod on auth lines and acct_mod on account lines.
 */
static void
write_stack(const char *name, const char *auth_mod, const char *acct_mod)
{
	char out[16384], tfa[4096];
	const char *line = stack, *end, *p, *q, *mod;

	snprintf(tfa, sizeof(tfa), "%s config=%s service=imap",
	    pamtest.module, pamtest.conffile);
	out[0] = '\0';
	auth_unix = acct_unix = 0;
	for (; *line != '\0'; line = *end ? end + 1 : end) {
		end = line + strcspn(line, "\n");
		p = line + strspn(line, " \t");
		mod = NULL;
		if (strncmp(p, "auth", 4) == 0 && (p[4] == ' ' || p[4] == '\t'))
			mod = auth_mod;
		else if (strncmp(p, "account", 7) == 0 &&
		    (p[7] == ' ' || p[7] == '\t'))
			mod = acct_mod;
		for (p = line; p < end;) {
			if ((q = strstr(p, ".so")) == NULL || q >= end) {
				put(out, sizeof(out), p, (size_t)(end - p));
				break;
			}
			q += 3;
			if (mod != NULL && q - p >= 11 &&
			    strncmp(q - 11, "pam_unix.so", 11) == 0) {
				put(out, sizeof(out), p, (size_t)(q - 11 - p));
				put(out, sizeof(out), mod, strlen(mod));
				if (mod == auth_mod)
					auth_unix++;
				else
					acct_unix++;
			} else if (mod != NULL && q - p >= 10 &&
			    strncmp(q - 10, "pam_tfa.so", 10) == 0) {
				put(out, sizeof(out), p, (size_t)(q - 10 - p));
				put(out, sizeof(out), tfa, strlen(tfa));
			} else
				put(out, sizeof(out), p, (size_t)(q - p));
			p = q;
		}
		put(out, sizeof(out), "\n", 1);
	}
	pamtest_service_text(name, out);
}

/* Answers every prompt with the one secret, as Dovecot does. */
static int
conv(int n, const struct pam_message **msg, struct pam_response **resp,
    void *arg)
{
	struct pam_response *r = calloc((size_t)n, sizeof(*r));
	int i;

	if (r == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++)
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF ||
		    msg[i]->msg_style == PAM_PROMPT_ECHO_ON)
			r[i].resp = strdup(arg);
	*resp = r;
	return PAM_SUCCESS;
}

/*
 * Authenticate user through service with secret; when acct is not NULL
 * and that succeeds, run the account stack too and put its result there.
 */
static int
login(const char *service, const char *user, const char *secret, int *acct)
{
	struct pam_conv pc = { conv, (void *)secret };
	pam_handle_t *pamh = NULL;
	int r;

	if (pam_start_confdir(service, user, &pc, pamtest.confdir, &pamh) !=
	    PAM_SUCCESS)
		return -1;
	pam_set_item(pamh, PAM_RHOST, RHOST);
	pam_set_item(pamh, PAM_TTY, "dovecot");
	r = pam_authenticate(pamh, PAM_SILENT);
	if (acct != NULL)
		*acct = r == PAM_SUCCESS ? pam_acct_mgmt(pamh, PAM_SILENT) : -1;
	pam_end(pamh, r);
	return r;
}

static const char *
pw_code(const char *pw)
{
	static char s[64];

	snprintf(s, sizeof(s), "%s%s", pw, pamtest_code(&alice, fake_now));
	return s;
}

static void
enroll(void)
{
	struct tfa_record rec;
	struct tfa_apppw *a;

	tfa_record_init(&rec);
	if (tfa_totp_generate(&alice, fake_now) != TFA_OK)
		abort();
	rec.totp = alice;
	if ((a = tfa_record_add_apppw(&rec)) == NULL ||
	    tfa_apppw_generate(a, alice_apppw) != TFA_OK)
		abort();
	snprintf(a->name, sizeof(a->name), "%s", "phone");
	a->created = (int64_t)fake_now;
	pamtest_save("alice", &rec);
	tfa_record_wipe(&rec);
}

int
main(void)
{
	char ignore[4096], settok[4096];
	int r, acct;

	pamtest_init("mailstack", "");
	read_stack();
	enroll();
	snprintf(ignore, sizeof(ignore), "pam_debug.so auth=ignore");
	snprintf(settok, sizeof(settok), "%s [expect=" PW "]", pamtest.settok);

	write_stack("tfa-pwignore", ignore, "pam_debug.so acct=acct_expired");
	CHECK_EQ(auth_unix, 1);		/* one password line, replaced */
	CHECK_EQ(acct_unix, 1);		/* and an account line */
	write_stack("tfa-pwcheck", settok, "pam_permit.so");

	/* a password module that answers PAM_IGNORE: the code alone */
	fake_now += 90;
	r = login("tfa-pwignore", "alice", pw_code("wrong"), NULL);
	printf("# wrong password + code, password module ignoring: %s\n",
	    pam_strerror(NULL, r));
	CHECK(r != PAM_SUCCESS);
	r = login("tfa-pwignore", "alice", pw_code(PW), NULL);
	CHECK(r != PAM_SUCCESS);
	CHECK_EQ(pamtest_failures("alice"), 0);
	/* ... nor does a user without a second factor pass on it */
	CHECK(login("tfa-pwignore", "bob", PW, NULL) != PAM_SUCCESS);

	/* a password module that checks: only the right password + code */
	CHECK(login("tfa-pwcheck", "alice", pw_code("wrong"), NULL) !=
	    PAM_SUCCESS);
	CHECK_EQ(pamtest_failures("alice"), 0);
	CHECK(login("tfa-pwcheck", "alice", PW, NULL) != PAM_SUCCESS);
	/* the code the refused tries carried is still good */
	CHECK_EQ(login("tfa-pwcheck", "alice", pw_code(PW), NULL),
	    PAM_SUCCESS);
	CHECK_EQ(login("tfa-pwcheck", "bob", PW, NULL), PAM_SUCCESS);
	CHECK(login("tfa-pwcheck", "bob", "wrong", NULL) != PAM_SUCCESS);

	/*
	 * An app password ends the auth stack before the password module
	 * (so a locked Unix password does not stop it); the account line,
	 * here an expired account, still refuses.
	 */
	CHECK_EQ(login("tfa-pwignore", "alice", alice_apppw, &acct),
	    PAM_SUCCESS);
	CHECK_EQ(acct, PAM_ACCT_EXPIRED);
	CHECK_EQ(login("tfa-pwcheck", "alice", alice_apppw, &acct),
	    PAM_SUCCESS);
	CHECK_EQ(acct, PAM_SUCCESS);

	pamtest_done();
	return tfa_check_done();
}

/*
 * The PAM-level fixture behind pamtest.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <security/pam_appl.h>

#include "check.h"
#include "pamtest.h"
#include "store.h"
#include "totp.h"

struct pamtest pamtest;

static int
conv(int n, const struct pam_message **msg, struct pam_response **resp,
    void *arg)
{
	struct pamtest_conv *c = arg;
	struct pam_response *r = calloc((size_t)n, sizeof(*r));
	const char *a;
	int i;

	if (r == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF ||
		    msg[i]->msg_style == PAM_PROMPT_ECHO_ON) {
			if (!c->in_order)
				a = c->answer;
			else if (c->prompts < PAMTEST_ANSWERS)
				a = c->answers[c->prompts];
			else
				a = NULL;
			strncat(c->asked, msg[i]->msg,
			    sizeof(c->asked) - strlen(c->asked) - 2);
			strcat(c->asked, "|");
			if (c->prompts++ == 0 && c->at_prompt != NULL)
				c->at_prompt(c->arg);
			if (a == NULL)
				goto fail;
			r[i].resp = strdup(a);
		} else {
			strncat(c->said, msg[i]->msg,
			    sizeof(c->said) - strlen(c->said) - 2);
			strcat(c->said, "\n");
		}
	}
	*resp = r;
	return PAM_SUCCESS;
fail:
	for (i = 0; i < n; i++)
		free(r[i].resp);
	free(r);
	return PAM_CONV_ERR;
}

static char *
path_in(const char *dir, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		abort();
	return p;
}

char *
pamtest_build_path(const char *name)
{
	const char *build = getenv("BUILD");
	char *cwd, *p;

	if (build == NULL)
		build = "build";
	if (build[0] == '/')
		return path_in(build, name);
	if ((cwd = getcwd(NULL, 0)) == NULL ||
	    asprintf(&p, "%s/%s/%s", cwd, build, name) < 0)
		abort();
	free(cwd);
	return p;
}

void
pamtest_conf_bare(const char *extra)
{
	char text[8192];

	snprintf(text, sizeof(text), "# test configuration\nStoreDir = %s\n%s",
	    pamtest.store, extra != NULL ? extra : "");
	tfa_test_write(pamtest.conffile, text, 0600);
}

void
pamtest_conf(const char *extra)
{
	char text[4096];

	snprintf(text, sizeof(text), "MaxFailures = 5\nLockoutMinutes = 10\n%s",
	    extra);
	pamtest_conf_bare(text);
}

void
pamtest_service_text(const char *name, const char *text)
{
	char *path = path_in(pamtest.confdir, name);

	tfa_test_write(path, text, 0644);
	free(path);
}

void
pamtest_stack(const char *name, const char *first, const char *args)
{
	char text[8192];

	snprintf(text, sizeof(text), "%s%sauth required %s config=%s %s\n",
	    first, *first ? "\n" : "", pamtest.module, pamtest.conffile,
	    args != NULL ? args : "");
	pamtest_service_text(name, text);
}

void
pamtest_service(const char *args)
{
	pamtest_stack(PAMTEST_SERVICE, "", args);
}

void
pamtest_init(const char *tag, const char *conf_extra)
{
	pamtest.dir = tfa_test_tmpdir(tag);
	pamtest.store = path_in(pamtest.dir, "store");
	pamtest.confdir = path_in(pamtest.dir, "pam.d");
	pamtest.conffile = path_in(pamtest.dir, "pam_tfa.conf");
	pamtest.module = pamtest_build_path("pam_tfa.so");
	pamtest.settok = pamtest_build_path("tests/pam_settok.so");
	if (mkdir(pamtest.store, 0700) != 0 ||
	    mkdir(pamtest.confdir, 0700) != 0) {
		perror(pamtest.dir);
		exit(2);
	}
	pamtest_conf(conf_extra);
	pamtest_service("");
	pamtest_service_text("other", "auth required pam_deny.so\n");
	tfa_config_init(&pamtest.cfg);
	if (tfa_strlcpy(pamtest.cfg.store_dir, pamtest.store,
	    sizeof(pamtest.cfg.store_dir)) != TFA_OK)
		abort();
}

int
pamtest_run_conv(const char *service, const char *user, const char *rhost,
    const char *tty, int flags, const struct pam_conv *pc)
{
	pam_handle_t *pamh = NULL;
	int r;

	r = pam_start_confdir(service, user, pc, pamtest.confdir, &pamh);
	if (r != PAM_SUCCESS)
		return -1;
	if (rhost != NULL)
		pam_set_item(pamh, PAM_RHOST, rhost);
	if (tty != NULL)
		pam_set_item(pamh, PAM_TTY, tty);
	r = pam_authenticate(pamh, flags);
	pam_end(pamh, r);
	return r;
}

int
pamtest_run(const char *service, const char *user, const char *rhost,
    const char *tty, int flags, struct pamtest_conv *c)
{
	struct pam_conv pc = { conv, c };

	c->prompts = 0;
	c->asked[0] = '\0';
	c->said[0] = '\0';
	return pamtest_run_conv(service, user, rhost, tty, flags, &pc);
}

int
pamtest_login(const char *user, const char *answer, struct pamtest_conv *c)
{
	memset(c, 0, sizeof(*c));
	c->answer = answer;
	return pamtest_run(PAMTEST_SERVICE, user, PAMTEST_RHOST, NULL, 0, c);
}

const char *
pamtest_code(const struct tfa_totp *t, time_t when)
{
	static char code[16];

	if (tfa_totp_code(t, tfa_totp_step(t, (int64_t)when), code,
	    sizeof(code)) != TFA_OK)
		abort();
	return code;
}

const char *
pamtest_wrong(const struct tfa_totp *t, time_t when)
{
	static char wrong[16];
	unsigned v;
	int i;

	for (v = 0;; v++) {
		snprintf(wrong, sizeof(wrong), "%06u", v);
		for (i = -3; i <= 3; i++)
			if (strcmp(wrong, pamtest_code(t, when + 30 * i)) == 0)
				break;
		if (i > 3)
			return wrong;
	}
}

void
pamtest_save(const char *user, const struct tfa_record *rec)
{
	struct tfa_store *st = NULL;

	if (tfa_store_lock(&pamtest.cfg, NULL, user, &st) != TFA_OK ||
	    tfa_store_save(st, rec) != TFA_OK)
		abort();
	tfa_store_close(&st);
}

bool
pamtest_read(const char *user, struct tfa_record *rec)
{
	return tfa_store_read(&pamtest.cfg, NULL, user, rec) == TFA_OK;
}

unsigned
pamtest_failures(const char *user)
{
	struct tfa_record rec;
	unsigned n;

	if (!pamtest_read(user, &rec))
		return 9999;
	n = rec.failures;
	tfa_record_wipe(&rec);
	return n;
}

void
pamtest_done(void)
{
	char *cmd;

	if (getenv("TFA_TEST_KEEP") != NULL || pamtest.dir == NULL)
		return;
	if (asprintf(&cmd, "rm -rf '%s'", pamtest.dir) < 0)
		abort();
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", pamtest.dir);
	free(cmd);
}

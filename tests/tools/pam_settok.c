/*
 * pam_settok.so, for tests only: plays the password module's part by asking
 * for a password and storing it as PAM_AUTHTOK (which an application cannot
 * set), then succeeds.  It checks nothing, unless given expect=PASSWORD:
 * then it is a password module that accepts that one password only; with
 * use_first_pass it never prompts, as pam_unix's option.
 */
#include <stdlib.h>
#include <string.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

int pam_sm_authenticate(pam_handle_t *, int, int, const char **);
int pam_sm_setcred(pam_handle_t *, int, int, const char **);

int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	const char *tok = NULL;
	int i;

	(void)flags;
	for (i = 0; i < argc; i++)	/* like pam_unix: never prompt */
		if (strcmp(argv[i], "use_first_pass") == 0 &&
		    (pam_get_item(pamh, PAM_AUTHTOK, (const void **)&tok) !=
		    PAM_SUCCESS || tok == NULL))
			return PAM_AUTH_ERR;
	if (pam_get_authtok(pamh, PAM_AUTHTOK, &tok, "Password: ") !=
	    PAM_SUCCESS || tok == NULL)
		return PAM_AUTH_ERR;
	for (i = 0; i < argc; i++)
		if (strncmp(argv[i], "expect=", 7) == 0 &&
		    strcmp(tok, argv[i] + 7) != 0)
			return PAM_AUTH_ERR;
	return PAM_SUCCESS;
}

int
pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}

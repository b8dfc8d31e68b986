/*
 * pam-login: authenticate one user through a PAM service directory with the
 * real libpam (pam_start_confdir), answering prompts from the terminal or,
 * when stdin is not a terminal, from its lines.  Used by `make demo` and by
 * the shell tests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <security/pam_appl.h>

static char *
read_answer(const char *prompt, int echo)
{
	struct termios old, quiet;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int tty = isatty(STDIN_FILENO);

	fputs(prompt, stdout);
	fflush(stdout);
	if (tty && !echo && tcgetattr(STDIN_FILENO, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	} else {
		tty = 0;
	}
	n = getline(&line, &cap, stdin);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stdout);
	}
	if (n < 0) {
		free(line);
		return NULL;
	}
	line[strcspn(line, "\r\n")] = '\0';
	return line;
}

static int
conv(int n, const struct pam_message **msg, struct pam_response **resp,
    void *arg)
{
	struct pam_response *r;
	int i;

	(void)arg;
	if (n <= 0 || (r = calloc((size_t)n, sizeof(*r))) == NULL)
		return PAM_CONV_ERR;
	for (i = 0; i < n; i++) {
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
		case PAM_PROMPT_ECHO_ON:
			r[i].resp = read_answer(msg[i]->msg,
			    msg[i]->msg_style == PAM_PROMPT_ECHO_ON);
			if (r[i].resp == NULL)
				goto fail;
			break;
		case PAM_ERROR_MSG:
			fprintf(stdout, "%s\n", msg[i]->msg);
			break;
		case PAM_TEXT_INFO:
			fprintf(stdout, "%s\n", msg[i]->msg);
			break;
		default:
			goto fail;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
fail:
	for (i = 0; i < n; i++) {
		if (r[i].resp != NULL) {
			explicit_bzero(r[i].resp, strlen(r[i].resp));
			free(r[i].resp);
		}
	}
	free(r);
	return PAM_CONV_ERR;
}

static void
usage(void)
{
	fprintf(stderr, "usage: pam-login [-r RHOST] [-t TTY] [-p PASSWORD] "
	    "CONFDIR SERVICE USER\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct pam_conv pc = { conv, NULL };
	pam_handle_t *pamh = NULL;
	const char *rhost = NULL, *tty = NULL, *authtok = NULL;
	int ch, r;

	while ((ch = getopt(argc, argv, "r:t:p:")) != -1) {
		switch (ch) {
		case 'r': rhost = optarg; break;
		case 't': tty = optarg; break;
		case 'p': authtok = optarg; break;
		default: usage();
		}
	}
	if (argc - optind != 3)
		usage();
	r = pam_start_confdir(argv[optind + 1], argv[optind + 2], &pc,
	    argv[optind], &pamh);
	if (r != PAM_SUCCESS) {
		fprintf(stderr, "pam_start_confdir: %s\n", pam_strerror(NULL, r));
		return 1;
	}
	if (rhost != NULL)
		pam_set_item(pamh, PAM_RHOST, rhost);
	if (tty != NULL)
		pam_set_item(pamh, PAM_TTY, tty);
	if (authtok != NULL)
		pam_set_item(pamh, PAM_AUTHTOK, authtok);
	r = pam_authenticate(pamh, 0);
	printf("pam_authenticate: %s\n", r == PAM_SUCCESS ? "success" :
	    pam_strerror(pamh, r));
	pam_end(pamh, r);
	return r == PAM_SUCCESS ? 0 : 1;
}

/*
 * Reading what the user types.  Codes are read with read(2), a byte at a
 * time, into the caller's buffer: stdio would keep a copy we cannot wipe,
 * and would swallow the lines after this one when stdin is a pipe.
 */
#include <errno.h>
#include <unistd.h>

#include "enroll.h"

static int
read_byte(char *c)
{
	ssize_t n;

	do {
		n = read(STDIN_FILENO, c, 1);
	} while (n < 0 && errno == EINTR);
	return (int)n;
}

enum tfa_line
tfa_enroll_read_line(const char *prompt, char *buf, size_t len)
{
	enum tfa_line res = TFA_LINE_OK;
	size_t pos = 0;
	char c;
	int n;

	if (len == 0)
		return TFA_LINE_ERROR;
	fputs(prompt, stdout);
	fflush(stdout);
	while ((n = read_byte(&c)) == 1 && c != '\n') {
		if (pos + 1 < len)
			buf[pos++] = c;
		else
			res = TFA_LINE_LONG;
	}
	explicit_bzero(&c, sizeof(c));
	if (n < 0)
		res = TFA_LINE_ERROR;
	else if (n == 0 && pos == 0 && res == TFA_LINE_OK)
		res = TFA_LINE_EOF;	/* a last line without '\n' still counts */
	if (pos > 0 && buf[pos - 1] == '\r')
		pos--;
	buf[pos] = '\0';
	if (res != TFA_LINE_OK)
		explicit_bzero(buf, len);
	/* nothing echoed the line: end the prompt's line ourselves */
	if (res == TFA_LINE_EOF || !isatty(STDIN_FILENO))
		putchar('\n');
	return res;
}

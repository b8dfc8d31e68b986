/*
 * User-name checks and the reversible escaping that turns a name into the
 * stem of its record's file name.
 */
#include "user.h"

static int
plain_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '@' ||
	    c == '+' || c == '-';
}

tfa_err
tfa_user_check(const char *user)
{
	size_t n, escaped = 0;

	if (user == NULL || user[0] == '\0' || user[0] == '.')
		return TFA_ERR_USER;
	for (n = 0; user[n] != '\0'; n++) {
		unsigned char c = (unsigned char)user[n];

		if (n >= TFA_USER_MAX || c == '/' || c < 0x20 || c == 0x7f)
			return TFA_ERR_USER;
		escaped += plain_byte(c) ? 1 : 3;
	}
	/* every accepted name must also fit as a file name */
	return escaped <= TFA_USER_FILE_MAX ? TFA_OK : TFA_ERR_USER;
}

tfa_err
tfa_user_escape(const char *user, char *out, size_t outlen)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0, limit;

	if (outlen == 0 || tfa_user_check(user) != TFA_OK)
		return TFA_ERR_USER;
	limit = outlen - 1 < TFA_USER_FILE_MAX ? outlen - 1 : TFA_USER_FILE_MAX;
	for (; *user != '\0'; user++) {
		unsigned char c = (unsigned char)*user;

		if (plain_byte(c)) {
			if (o + 1 > limit)
				return TFA_ERR_USER;
			out[o++] = (char)c;
		} else {
			if (o + 3 > limit)
				return TFA_ERR_USER;
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 0xf];
		}
	}
	out[o] = '\0';
	return TFA_OK;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

tfa_err
tfa_user_unescape(const char *stem, char *out, size_t outlen)
{
	size_t o = 0;
	int hi, lo;

	for (; *stem != '\0'; stem++) {
		unsigned char c = (unsigned char)*stem;

		if (o + 1 >= outlen)
			return TFA_ERR_USER;
		if (plain_byte(c)) {
			out[o++] = (char)c;
			continue;
		}
		if (c != '%' || (hi = hexval(stem[1])) < 0 ||
		    (lo = hexval(stem[2])) < 0)
			return TFA_ERR_USER;
		c = (unsigned char)(hi << 4 | lo);
		if (plain_byte(c) || c == '\0')
			return TFA_ERR_USER;	/* not canonical */
		out[o++] = (char)c;
		stem += 2;
	}
	out[o] = '\0';
	return tfa_user_check(out);
}

/*
 * Small helpers every secret-handling path needs: constant-time comparison,
 * kernel randomness, bounded string copies and the clock.
 */
#include <errno.h>
#include <time.h>
#include <sys/random.h>

#include "tfa.h"

int
tfa_ct_equal(const void *a, const void *b, size_t len)
{
	const volatile unsigned char *x = a, *y = b;
	unsigned char diff = 0;
	size_t i;

	for (i = 0; i < len; i++)
		diff |= x[i] ^ y[i];
	return diff == 0;
}

tfa_err
tfa_random(void *buf, size_t len)
{
	unsigned char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = getrandom(p, len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return TFA_ERR_IO;
		}
		p += n;
		len -= (size_t)n;
	}
	return TFA_OK;
}

/* Rejection sampling: byte % n alone would favour the first 256 % n. */
tfa_err
tfa_random_char(const char *set, char *out)
{
	size_t n = strlen(set);
	uint8_t byte;

	do {
		if (tfa_random(&byte, 1) != TFA_OK)
			return TFA_ERR_IO;
	} while (byte >= 256 - 256 % n);
	*out = set[byte % n];
	explicit_bzero(&byte, sizeof(byte));
	return TFA_OK;
}

/*
 * Every time decision goes through here and through time(), so tests can
 * interpose time() from outside without a test switch in the module.
 */
int64_t
tfa_now(void)
{
	return (int64_t)time(NULL);
}

tfa_err
tfa_strlcpy(char *dst, const char *src, size_t dstsz)
{
	size_t n = strlen(src);

	if (dstsz == 0 || n >= dstsz)
		return TFA_ERR_INVAL;
	memcpy(dst, src, n + 1);
	return TFA_OK;
}

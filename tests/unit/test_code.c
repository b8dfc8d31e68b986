/*
 * Unit tests for common/code.c: what typed text is accepted as a code, how
 * it is normalised, and that a refused input leaves nothing behind.
 */
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "code.h"

static int
all_zero(const char *p, size_t n)
{
	while (n-- > 0)
		if (*p++ != 0)
			return 0;
	return 1;
}

/* Print what is tested without raw control or high bytes. */
static void
show(const char *verb, const char *in)
{
	size_t i;

	printf("# %s \"", verb);
	for (i = 0; in[i] != '\0' && i < 40; i++)
		putchar((unsigned char)in[i] >= 0x20 &&
		    (unsigned char)in[i] < 0x7f ? in[i] : '?');
	printf("%s\"\n", in[i] != '\0' ? "..." : "");
}

static void
accepts(const char *in, const char *want)
{
	char out[TFA_CODE_MAX + 1];

	show("accepts", in);
	memset(out, 'X', sizeof(out));
	CHECK_EQ(tfa_code_parse(in, out, sizeof(out)), TFA_CODE_TOTP);
	CHECK_STR(out, want);
}

static void
refuses(const char *in)
{
	char out[TFA_CODE_MAX + 1];

	show("refuses", in);
	memset(out, 'X', sizeof(out));
	CHECK_EQ(tfa_code_parse(in, out, sizeof(out)), TFA_CODE_INVALID);
	CHECK(all_zero(out, sizeof(out)));
}

static void
test_accepted(void)
{
	accepts("123456", "123456");
	accepts("123 456", "123456");
	accepts("123-456", "123456");
	accepts("12 34 56", "123456");
	accepts("\t123456 ", "123456");
	accepts("-1-2-3-4-5-6-", "123456");
	accepts("1234567", "1234567");
	accepts("12345678", "12345678");
	accepts("000000", "000000");
}

static void
test_refused(void)
{
	char *huge;

	refuses("12345");
	refuses("123456789");
	refuses("1234 56789");
	refuses("abcdef");
	refuses("12345a");
	refuses("12345\xc3\xa9");
	refuses("123\x80" "456");
	refuses("123+456");
	refuses("123456\n");
	refuses("");
	refuses("   ");
	refuses("-- --");
	if ((huge = malloc(10001)) == NULL)
		abort();
	memset(huge, '1', 10000);
	huge[10000] = '\0';
	refuses(huge);
	/* mostly spaces: only the digits count, but the length still does */
	memset(huge, ' ', 10000);
	memcpy(huge + 9994, "123456", 6);
	refuses(huge);
	free(huge);
}

static void
test_input_limit(void)
{
	char in[TFA_CODE_INPUT_MAX + 2];

	/* 64 characters of input are read, 65 are refused unread */
	memset(in, ' ', sizeof(in));
	memcpy(in, "123456", 6);
	in[TFA_CODE_INPUT_MAX] = '\0';
	accepts(in, "123456");
	in[TFA_CODE_INPUT_MAX] = ' ';
	in[TFA_CODE_INPUT_MAX + 1] = '\0';
	refuses(in);
}

static void
test_bad_args(void)
{
	char out[TFA_CODE_MAX + 1], small[TFA_CODE_MAX];

	CHECK_EQ(tfa_code_parse(NULL, out, sizeof(out)), TFA_CODE_INVALID);
	/* an output buffer below TFA_CODE_MAX + 1 is refused */
	CHECK_EQ(tfa_code_parse("123456", small, sizeof(small)),
	    TFA_CODE_INVALID);
}

int
main(void)
{
	test_accepted();
	test_refused();
	test_input_limit();
	test_bad_args();
	return tfa_check_done();
}

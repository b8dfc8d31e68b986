/*
 * The configuration parser (common/config.c), and a module argument made
 * of the first line.  Properties: an accepted text leaves every setting in
 * range and every string terminated, free of control bytes, and StoreDir
 * absolute; a refused one says "file:line: why" in printable ASCII (it goes
 * to the log as it is).
 */
#include <string.h>

#include "config.h"
#include "fuzz.h"

static void
printable(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	FUZZ_ASSERT(n < cap);
	for (size_t i = 0; i < n; i++)
		FUZZ_ASSERT((unsigned char)s[i] >= 0x20 &&
		    (unsigned char)s[i] < 0x7f);
}

static void
no_control(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	FUZZ_ASSERT(n < cap);
	for (size_t i = 0; i < n; i++)
		FUZZ_ASSERT((unsigned char)s[i] >= 0x20 && s[i] != 0x7f);
}

static void
check_config(const struct tfa_config *c)
{
	FUZZ_ASSERT(c->clock_tolerance <= 10);
	FUZZ_ASSERT(c->max_failures >= 1 && c->max_failures <= 1000);
	FUZZ_ASSERT(c->trust_days <= 3650);
	FUZZ_ASSERT(c->store_dir[0] == '/');
	no_control(c->store_dir, sizeof(c->store_dir));
	no_control(c->issuer, sizeof(c->issuer));
	no_control(c->origin, sizeof(c->origin));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tfa_config cfg;
	char err[512], *arg, *nl;
	tfa_err r;

	tfa_config_init(&cfg);
	memset(err, 'X', sizeof(err));
	r = tfa_config_parse(&cfg, (const char *)data, size, "fuzz.conf", err,
	    sizeof(err));
	if (r == TFA_OK) {
		check_config(&cfg);
	} else {
		FUZZ_ASSERT(r == TFA_ERR_CONFIG);
		printable(err, sizeof(err));
		FUZZ_ASSERT(strncmp(err, "fuzz.conf:", 10) == 0);
	}

	arg = fuzz_string(data, size);
	if ((nl = strchr(arg, '\n')) != NULL)
		*nl = '\0';
	tfa_config_init(&cfg);
	memset(err, 'X', sizeof(err));
	if (tfa_config_arg(&cfg, arg, err, sizeof(err)) == TFA_OK)
		check_config(&cfg);
	else
		printable(err, sizeof(err));
	free(arg);
	return 0;
}

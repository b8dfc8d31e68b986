/*
 * LD_PRELOAD library for testing tfa-enroll with the fake authenticator:
 * defines fido_dev_info_manifest() over one fake key, set up from the
 * environment of the test (FAKE_KEYS=0 for none plugged, FAKE_PIN,
 * FAKE_NO_TOUCH, FAKE_NO_EDDSA; FAKE_STATE=FILE keeps the key's
 * credentials and counters in FILE from one run to the next, as a real
 * key would, so a later run can touch a key an earlier one registered).
 * Test-only: tfa-enroll has no such hook.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <openssl/pem.h>

#include "fake.h"

int fido_dev_info_manifest(fido_dev_info_t *, size_t, size_t *);

static struct fake_dev dev;
static int ready;
static const char *state;

/* Each credential: "HEX-ID COSE COUNT RP" and its private key in PEM. */
static void
state_load(void)
{
	char hex[2 * FAKE_ID_LEN + 1];
	struct fake_cred *c;
	unsigned int byte;
	FILE *f;
	size_t i;

	if ((f = fopen(state, "r")) == NULL)
		return;		/* a new key: nothing registered yet */
	while (dev.n_creds < FAKE_CRED_MAX) {
		c = &dev.creds[dev.n_creds];
		if (fscanf(f, "%96s %d %" SCNu32 " %255s ", hex, &c->cose,
		    &c->count, c->rp) != 4)
			break;
		for (i = 0; i < FAKE_ID_LEN; i++) {
			if (sscanf(hex + 2 * i, "%2x", &byte) != 1)
				abort();
			c->id[i] = (uint8_t)byte;
		}
		if ((c->key = PEM_read_PrivateKey(f, NULL, NULL, NULL)) == NULL)
			abort();
		dev.n_creds++;
	}
	fclose(f);
}

static void
state_save(void)
{
	const struct fake_cred *c;
	FILE *f;
	size_t i, j;

	if ((f = fopen(state, "w")) == NULL)
		abort();
	for (i = 0; i < dev.n_creds; i++) {
		c = &dev.creds[i];
		for (j = 0; j < FAKE_ID_LEN; j++)
			fprintf(f, "%02x", c->id[j]);
		fprintf(f, " %d %" PRIu32 " %s\n", c->cose, c->count, c->rp);
		if (!PEM_write_PrivateKey(f, c->key, NULL, NULL, 0, NULL, NULL))
			abort();
	}
	if (fclose(f) != 0)
		abort();
}

int
fido_dev_info_manifest(fido_dev_info_t *devlist, size_t ilen, size_t *olen)
{
	const char *v;

	if (!ready) {
		ready = 1;
		fake_init(&dev, "/dev/hidraw-fake");
		if ((v = getenv("FAKE_PIN")) != NULL) {
			dev.has_pin = true;
			snprintf(dev.pin, sizeof(dev.pin), "%s", v);
		}
		dev.no_touch = getenv("FAKE_NO_TOUCH") != NULL;
		dev.no_eddsa = getenv("FAKE_NO_EDDSA") != NULL;
		if ((state = getenv("FAKE_STATE")) != NULL) {
			state_load();
			atexit(state_save);
		}
		if ((v = getenv("FAKE_KEYS")) == NULL || atoi(v) > 0)
			fake_plug(&dev);
	}
	return fake_manifest(devlist, ilen, olen);
}

/*
 * LD_PRELOAD library for testing tfa-enroll with the fake authenticator:
 * defines fido_dev_info_manifest() over one fake key, set up from the
 * environment of the test (FAKE_KEYS=0 for none plugged, FAKE_PIN,
 * FAKE_NO_TOUCH, FAKE_NO_EDDSA).  Test-only: tfa-enroll has no such hook.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fake.h"

int fido_dev_info_manifest(fido_dev_info_t *, size_t, size_t *);

static struct fake_dev dev;
static int ready;

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
		if ((v = getenv("FAKE_KEYS")) == NULL || atoi(v) > 0)
			fake_plug(&dev);
	}
	return fake_manifest(devlist, ilen, olen);
}

/*
 * Devices: every place a second factor was used from, and whether it is
 * trusted to skip the second factor until trusted_until.
 */
#ifndef TFA_DEVICE_H
#define TFA_DEVICE_H

#include <stdint.h>

#include "apppw.h"

#define TFA_SERVICE_MAX		31	/* a service class, e.g. "imap" */
#define TFA_TOKEN_HASH		32

enum tfa_device_kind {
	TFA_DEVICE_HOST = 0,	/* interactive: service class + host or tty */
	TFA_DEVICE_MAIL,	/* a mail client remembered by its token */
};

struct tfa_device {
	uint32_t id;
	enum tfa_device_kind kind;
	char service[TFA_SERVICE_MAX + 1];
	char rhost[TFA_RHOST_MAX + 1];
	uint8_t token_hash[TFA_TOKEN_HASH];	/* MAIL: keyed hash */
	int64_t first_seen;
	int64_t last_seen;
	int64_t trusted_until;			/* 0: not trusted */
};

#endif

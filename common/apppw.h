/*
 * App passwords: random passwords for mail and DAV clients, each replacing
 * password + second factor on the services it is allowed for.
 */
#ifndef TFA_APPPW_H
#define TFA_APPPW_H

#include <stdint.h>

#include "tfa.h"

#define TFA_NAME_MAX		64	/* a name a user gives a thing */
#define TFA_RHOST_MAX		63	/* a remote host as logged */
#define TFA_SERVICES_MAX	127	/* "imap,smtp" */
#define TFA_APPPW_SALT		16
#define TFA_APPPW_HASH		32

struct tfa_apppw {
	uint32_t id;
	char name[TFA_NAME_MAX + 1];
	uint8_t salt[TFA_APPPW_SALT];
	uint8_t hash[TFA_APPPW_HASH];
	char services[TFA_SERVICES_MAX + 1];	/* empty: every service */
	int64_t created;
	int64_t last_used;			/* 0: never */
	int64_t expires;			/* 0: never */
	char last_rhost[TFA_RHOST_MAX + 1];
};

#endif

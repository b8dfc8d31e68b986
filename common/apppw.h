/*
 * App passwords: random passwords for mail and DAV clients, each replacing
 * password + second factor on the services it is allowed for.
 */
#ifndef TFA_APPPW_H
#define TFA_APPPW_H

#include <stdbool.h>
#include <stddef.h>
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

/* Shown once as "xxxxx-xxxxx-xxxxx-xxxxx": 20 characters from 31, 99 bits. */
#define TFA_APPPW_CHARS		20
#define TFA_APPPW_SHOWN		24	/* with the dashes and the NUL */
#define TFA_APPPW_TOUCH_SECS	300	/* last_used is written this seldom */

/*
 * Make a new app password into a (salt, hash; the caller sets the rest) and
 * give it to show, once.
 */
tfa_err tfa_apppw_generate(struct tfa_apppw *a, char shown[TFA_APPPW_SHOWN]);

/* A services list: "" (all) or "imap,smtp" of [a-z0-9_-] words. */
tfa_err tfa_apppw_services_check(const char *list);

/* True when a may be used on the service class (list empty: all). */
bool tfa_apppw_allows(const struct tfa_apppw *a, const char *service);

/*
 * Look secret up among the n app passwords, hashing it once and comparing
 * with every entry in constant time.  TFA_OK with *idx when one matches, is
 * not expired and allows service; TFA_ERR_EXPIRED or TFA_ERR_PERM (another
 * service) when the match is not usable; TFA_ERR_BADCODE when none matches.
 */
tfa_err tfa_apppw_find(const struct tfa_apppw *list, size_t n,
    const char *secret, const char *service, int64_t now, size_t *idx);

/*
 * Note a use from rhost; true when the record should be written (last_used
 * older than TFA_APPPW_TOUCH_SECS or another host), so a mail client that
 * connects every minute does not cost a disk sync each time.
 */
bool tfa_apppw_touch(struct tfa_apppw *a, const char *rhost, int64_t now);

#endif

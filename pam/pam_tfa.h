/*
 * What the parts of pam_tfa.so share: the per-call context and the hooks
 * that pam_tfa.c calls into mail mode (pam/mail.c) and trusted devices
 * (pam/device.c).  Module-internal: nothing here is exported.
 */
#ifndef TFA_PAM_H
#define TFA_PAM_H

#include <stdbool.h>

#include <security/pam_modules.h>

#include "config.h"
#include "device.h"
#include "log.h"
#include "record.h"
#include "store.h"
#include "user.h"

enum tfa_pam_mode {
	TFA_PAM_INTERACTIVE = 0,	/* ask "Verification code: " */
	TFA_PAM_SPLIT,			/* mail: before the password module */
	TFA_PAM_VERIFY,			/* mail: after it */
};

struct ctx {
	pam_handle_t *pamh;
	int flags;
	struct tfa_config cfg;
	struct tfa_log log;
	const char *user;
	char user_log[TFA_USER_FILE_MAX + 1];	/* escaped: no spaces or '=' */
	char service[64];			/* escaped for the log as */
	char rhost[128];			/* user_log is (pam_tfa.c) */
	enum tfa_pam_mode mode;			/* mode= */
	char class[TFA_SERVICE_MAX + 1];	/* service=, else PAM_SERVICE */
	int device_listed;		/* by tfa_pam_device_list: 1 yes, -1
					   failed, 0 not tried */
};

/* One "user= service= rhost= method= result=" line (pam_tfa.c). */
void tfa_pam_report(const struct ctx *c, int prio, enum tfa_method m,
    const char *result);

/*
 * The user's record, or why not: a store error is reported here.  With
 * keep, read through a store handle left open there (tfa_store_peek) for
 * the check that follows; the caller closes it.
 */
tfa_err tfa_pam_read(const struct ctx *c, struct tfa_record *rec,
    struct tfa_store **keep);

/* mode= and service=: 1 when arg was one (and is good), 0 when not, -1 bad. */
int tfa_pam_glue_arg(struct ctx *c, const char *arg);

/* mode=split or mode=verify, once the user and items are known. */
int tfa_pam_mail(struct ctx *c);

/* Dovecot's conversation answers every prompt with the password. */
bool tfa_pam_is_dovecot(pam_handle_t *pamh);

/* The service class devices and app passwords are kept under. */
const char *tfa_pam_class(struct ctx *c);

/* Interactive: is this device (class + host or tty) trusted now? */
bool tfa_pam_device_trusted(struct ctx *c, const struct tfa_record *rec);

/*
 * Interactive, after a good factor: offer to trust the device, and list it
 * unless tfa_pam_device_list did with the factor's save.
 */
void tfa_pam_device_seen(struct ctx *c);

/* tfa_auth_opts.then: list the device with the good code's save. */
void tfa_pam_device_list(void *arg, struct tfa_record *rec, int64_t now);

#endif

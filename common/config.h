/*
 * Settings: built-in defaults, then /etc/security/pam_tfa.conf, then the
 * module arguments of one stack line, in that order.
 */
#ifndef TFA_CONFIG_H
#define TFA_CONFIG_H

#include <limits.h>
#include <stdbool.h>

#include "tfa.h"

/* The build may move these (make SYSCONFDIR=... STOREDIR=...). */
#ifndef TFA_CONFIG_FILE
#define TFA_CONFIG_FILE	"/etc/security/pam_tfa.conf"
#endif
#ifndef TFA_STORE_DIR
#define TFA_STORE_DIR	"/var/lib/tfa"
#endif
#define TFA_CONFIG_LINE_MAX 1024

/*
 * The set-uid tfa-enroll's monitor hands this whole struct to the
 * unprivileged process (enroll/ops.c, TFA_OP_HELLO): nothing secret may
 * live here (a database password, say, belongs in a struct of its own).
 */
struct tfa_config {
	bool disabled;
	bool allow_app;			/* AllowAuthenticatorApp */
	bool allow_keys;		/* AllowSecurityKeys */
	bool allow_backup;		/* AllowBackupCodes */
	bool allow_devices;		/* AllowUsedDevices */
	bool allow_app_passwords;	/* AllowAppPasswords */
	bool show_recommendation;	/* ShowRecommendationToConfigure */
	bool enforce;
	unsigned trust_days;		/* TrustDevicesForDays */
	unsigned clock_tolerance;	/* ClockTolerance, in steps */
	unsigned app_password_days;	/* AppPasswordLifetimeDays */
	unsigned max_failures;
	unsigned lockout_minutes;
	unsigned max_keys;		/* MaxKeys: security keys per user */
	unsigned key_timeout;		/* KeyTimeoutSeconds: wait for a touch */
	char issuer[128];		/* empty: the host name */
	char origin[256];		/* empty: pam://<host name> */
	char store_dir[PATH_MAX];
};

/* Fill in the built-in defaults. */
void tfa_config_init(struct tfa_config *cfg);

/*
 * Read a configuration file.  A missing file is not an error unless
 * must_exist.  On error, err holds "file:line: reason".
 */
tfa_err tfa_config_load(struct tfa_config *cfg, const char *path,
    bool must_exist, char *err, size_t errlen);

/*
 * tfa_config_init, then tfa_config_load, for a process that reads the same
 * file again and again (the PAM module): the parse of a root-owned file is
 * kept and used again, with no read, while lstat shows the same file
 * unchanged (same inode, size, mode, and change and modification times)
 * and it had not changed in the two seconds before it was read.
 */
tfa_err tfa_config_read(struct tfa_config *cfg, const char *path,
    bool must_exist, char *err, size_t errlen);

/* Parse a configuration text; name is used in error messages only. */
tfa_err tfa_config_parse(struct tfa_config *cfg, const char *buf, size_t len,
    const char *name, char *err, size_t errlen);

/* Apply one "Key=value" setting, e.g. a module argument. */
tfa_err tfa_config_arg(struct tfa_config *cfg, const char *arg,
    char *err, size_t errlen);

/*
 * Refuse a key given twice among one stack line's module arguments, as
 * the file refuses a key set on two lines: "Enforce=true ... Enforce=false"
 * is a slip, and quietly taking the last would hide it.  Every argument
 * counts (config=, mode= and service= too); key names ignore case.  On a
 * repeat, err names it and the argument that set it first.
 */
tfa_err tfa_config_args_once(int argc, const char **argv, char *err,
    size_t errlen);

/* Set one key; key matching ignores case. */
tfa_err tfa_config_set(struct tfa_config *cfg, const char *key,
    const char *value, char *err, size_t errlen);

/* The issuer shown in authenticator apps, and the FIDO2 relying party. */
tfa_err tfa_config_issuer(const struct tfa_config *cfg, char *buf, size_t len);
tfa_err tfa_config_origin(const struct tfa_config *cfg, char *buf, size_t len);

#endif

/*
 * The operations tfa-enroll performs on one user's record.  Each is one
 * whole read-check-update under the user's lock, calling common/.  The
 * commands reach them through tfa_enroll_op() (privsep.c): directly when
 * tfa-enroll runs as root or against a store of the user's own, and
 * through the set-uid monitor otherwise.  Requests and results are
 * fixed-size plain structs, so they cross the monitor's socket unchanged.
 *
 * Adding an operation: a value in enum tfa_op, a line in ops.c's table and
 * its function; set .monitor only when an unprivileged user may ask for it.
 */
#ifndef TFA_ENROLL_OPS_H
#define TFA_ENROLL_OPS_H

#include <stdbool.h>
#include <stdint.h>

#include "backup.h"
#include "code.h"
#include "config.h"
#include "log.h"
#include "record.h"
#include "text.h"
#include "tfa_fido.h"
#include "user.h"

enum tfa_op {
	TFA_OP_NONE = 0,
	TFA_OP_HELLO,		/* the policy, and whose record this is */
	TFA_OP_VIEW,		/* a summary of the record, without secrets */
	TFA_OP_TOTP_ADD,	/* store an app whose code was confirmed */
	TFA_OP_TOTP_REMOVE,	/* remove the app */
	TFA_OP_BACKUP_NEW,	/* a new set of backup codes, old set void */
	TFA_OP_DISABLE,		/* admin: second factor off for this user */
	TFA_OP_ENABLE,		/* admin: and on again */
	TFA_OP_RESET,		/* admin: delete the whole record */
	TFA_OP_KEY_CHALLENGE,	/* a challenge for the next key request */
	TFA_OP_KEY_ADD,		/* store a key whose registration verifies */
	TFA_OP_KEY_REMOVE,	/* remove one key */
	TFA_OP_APPPW_ADD,	/* a new app password, shown once */
	TFA_OP_APPPW_LIST,	/* the app passwords, without hashes */
	TFA_OP_APPPW_REMOVE,	/* remove one app password */
	TFA_OP_DEVICE_LIST,	/* every device, without token hashes */
	TFA_OP_DEVICE_REMOVE,	/* remove one device, or all */
	TFA_OP_END
};

/* Which check refused a request, so the user is told the right thing. */
enum tfa_op_check {
	TFA_CHECK_NONE = 0,
	TFA_CHECK_PROOF,	/* the current second factor */
	TFA_CHECK_CONFIRM,	/* the code from a new app */
	TFA_CHECK_KEY,		/* the new key's registration */
};

#define TFA_OP_CODE_MAX	TFA_CODE_INPUT_MAX	/* bytes of a typed code */
#define TFA_OP_KEYS_MAX	20	/* keys a view lists: MaxKeys' upper bound */
#define TFA_OP_LIST_SHOWN 64	/* app passwords or devices one answer holds */
#define TFA_OP_DAYS_DEFAULT UINT32_MAX	/* APPPW_ADD: AppPasswordLifetimeDays */

/* APPPW_ADD: what the user chose (ops_mail.c). */
struct tfa_op_apppw {
	char name[TFA_NAME_MAX + 1];
	char services[TFA_SERVICES_MAX + 1];	/* "": every service */
	uint32_t days;		/* 0: never expires; or TFA_OP_DAYS_DEFAULT */
};

/* An app password as a list shows it: no salt, no hash. */
struct tfa_op_apppw_info {
	uint32_t id;
	char name[TFA_NAME_MAX + 1];
	char services[TFA_SERVICES_MAX + 1];
	int64_t created;
	int64_t last_used;
	int64_t expires;
	char last_rhost[TFA_RHOST_MAX + 1];
};

/*
 * One page of a list: up to TFA_OP_LIST_SHOWN entries, in id order, of
 * those with an id above the request's after.  A record holds up to
 * TFA_LIST_MAX, so the client asks again from the last id it got until a
 * page comes back short.  Paging by id rather than by position keeps every
 * entry in the listing once even when one is added or removed between two
 * pages: ids only grow, and the store keeps each list sorted by them.
 */
struct tfa_op_apppw_list {
	uint32_t n;			/* in the whole record */
	uint32_t shown;			/* in a[] */
	struct tfa_op_apppw_info a[TFA_OP_LIST_SHOWN];
};

/* A device as a list shows it: token_hash zeroed.  Paged the same way. */
struct tfa_op_device_list {
	uint32_t n;
	uint32_t shown;
	struct tfa_device d[TFA_OP_LIST_SHOWN];
};

struct tfa_op_apppw_new {
	uint32_t id;
	int64_t expires;
	char shown[TFA_APPPW_SHOWN];	/* the password, once */
};

/*
 * KEY_ADD: a registration made by the unprivileged process with the
 * monitor's challenge, as libfido2 handed it out.  The monitor verifies
 * the attestation itself (tfa_fido_reg_verify) for its own Origin and
 * challenge, and stores the credential id and public key only when they
 * are the ones the signed authenticator data holds.
 */
struct tfa_op_key {
	uint32_t id;				/* KEY_REMOVE: which key */
	int32_t cose_type;			/* COSE_ES256 or COSE_EDDSA */
	uint32_t uv;				/* 0 or 1 */
	uint32_t pin;				/* 0 or 1 */
	char name[TFA_NAME_MAX + 1];
	char rp[TFA_RP_MAX + 1];		/* the monitor's Origin */
	uint32_t cred_id_len;
	uint8_t cred_id[TFA_CRED_ID_MAX];
	uint32_t pubkey_len;
	uint8_t pubkey[TFA_PUBKEY_MAX];
	char fmt[TFA_FIDO_FMT_MAX + 1];
	uint32_t authdata_len;
	uint8_t authdata[TFA_FIDO_REG_AUTHDATA_MAX];
	uint32_t attstmt_len;
	uint8_t attstmt[TFA_FIDO_ATTSTMT_MAX];
};

/*
 * A touch of a registered key as the proof, for a user whose only second
 * factor is keys: an assertion over the monitor's challenge, checked like
 * a key login under the same lock as the change.  rp is the relying party
 * the key answered for (empty: Origin); only a stored key made for it can
 * pass, and the signed data must name it.
 */
struct tfa_op_touch {
	char rp[TFA_RP_MAX + 1];
	uint32_t cred_id_len;
	uint8_t cred_id[TFA_CRED_ID_MAX];
	uint32_t authdata_len;
	uint8_t authdata[TFA_FIDO_AUTHDATA_MAX];
	uint32_t sig_len;
	uint8_t sig[TFA_FIDO_SIG_MAX];
};

/*
 * A request.  Every string is NUL-terminated inside its array and every
 * field an operation does not use is zero; the monitor ends on anything
 * else.
 */
struct tfa_op_req {
	uint32_t op;				/* enum tfa_op */
	uint32_t secret_len;			/* TOTP_ADD: the new app */
	uint32_t algo;				/* enum tfa_hash */
	uint32_t digits;
	uint32_t period;
	uint8_t secret[TFA_SECRET_MAX];
	char code[TFA_OP_CODE_MAX + 1];		/* TOTP_ADD: code from it */
	/*
	 * A current second factor (TOTP or backup code).  A user changing
	 * their own record gives one whenever it already has a second
	 * factor; an admin acting on another user's record does not.
	 */
	char proof[TFA_OP_CODE_MAX + 1];
	struct tfa_op_touch touch;	/* or a touch, instead of proof */
	struct tfa_op_key key;		/* KEY_ADD, KEY_REMOVE */
	struct tfa_op_apppw apppw;	/* APPPW_ADD */
	uint32_t id;			/* APPPW_REMOVE; DEVICE_REMOVE, 0: all */
	uint32_t after;			/* APPPW_LIST, DEVICE_LIST: ids above */
};

/* A key as a view shows it: the credential id (not secret: the module
   sends it to any key plugged in) for allow and exclude lists. */
struct tfa_op_key_info {
	uint32_t id;
	char name[TFA_NAME_MAX + 1];
	char rp[TFA_RP_MAX + 1];
	int32_t cose_type;
	bool uv;
	bool pin;
	uint32_t sign_count;
	int64_t created;
	int64_t last_used;
	uint32_t cred_id_len;
	uint8_t cred_id[TFA_CRED_ID_MAX];
};

/* What a user may see of their record: no secret, no hash. */
struct tfa_op_view {
	bool exists;			/* there is a record */
	bool disabled;			/* admin turned the second factor off */
	bool has_factor;		/* an app or key the policy allows */
	bool totp;
	uint32_t totp_algo;		/* enum tfa_hash */
	uint32_t totp_digits;
	uint32_t totp_period;
	int64_t totp_created;
	bool backup;			/* a set of backup codes exists */
	uint32_t backup_left;
	int64_t backup_created;
	uint32_t failures;
	int64_t locked_until;
	int64_t last_login;
	uint32_t last_method;		/* enum tfa_method */
	uint32_t n_keys;
	uint32_t n_apppw;
	uint32_t n_dev;
	uint32_t keys_shown;		/* the first n_keys, by id, up to */
	struct tfa_op_key_info keys[TFA_OP_KEYS_MAX];
};

struct tfa_op_hello {
	char user[TFA_USER_MAX + 1];	/* the only record this run may touch */
	struct tfa_config cfg;		/* as the monitor read it */
};

struct tfa_op_res {
	uint32_t op;			/* the request's */
	int32_t err;			/* tfa_err */
	uint32_t check;			/* enum tfa_op_check that refused */
	uint32_t failures;		/* after a refused proof */
	int64_t locked_until;
	union {
		struct tfa_op_hello hello;
		struct tfa_op_view view;
		char codes[TFA_BACKUP_COUNT][TFA_BACKUP_SHOWN];	/* BACKUP_NEW */
		uint8_t challenge[TFA_FIDO_CDH_LEN];	/* KEY_CHALLENGE */
		uint32_t key_id;			/* KEY_ADD */
		struct tfa_op_apppw_new apppw_new;	/* APPPW_ADD */
		struct tfa_op_apppw_list apppws;	/* APPPW_LIST */
		struct tfa_op_device_list devices;	/* DEVICE_LIST */
		uint32_t removed;			/* DEVICE_REMOVE */
	} u;
};

/*
 * What one run of tfa-enroll keeps between requests: the challenge
 * KEY_CHALLENGE handed out, good for the one key request after it.
 */
struct tfa_ops_session {
	uint8_t challenge[TFA_FIDO_CDH_LEN];
	bool challenge_set;
};

struct tfa_ops_ctx {
	const struct tfa_config *cfg;
	const struct tfa_log *log;
	const char *user;		/* whose record */
	/*
	 * The administrator acting (root, with --user), for the log; NULL
	 * when users act on their own record: then every change to a record
	 * that has a second factor needs a proof.
	 */
	const char *admin;
	struct tfa_ops_session *session;	/* NULL: no key requests */
};

/*
 * Run one request for c->user.  The result's err is also returned.  res
 * may hold backup codes afterwards: the caller wipes it.
 */
tfa_err tfa_ops_run(const struct tfa_ops_ctx *c, const struct tfa_op_req *req,
    struct tfa_op_res *res);

/*
 * Strict check of a request from an unprivileged process: a known op that
 * the monitor serves, strings terminated inside their arrays, lengths in
 * range, unused fields zero.
 */
bool tfa_ops_valid(const struct tfa_op_req *req);

/* The summary of a record, as TFA_OP_VIEW gives it. */
void tfa_ops_view(const struct tfa_config *cfg, const struct tfa_record *rec,
    struct tfa_op_view *v);

/* "totp-add": the operation's name in log lines. */
const char *tfa_ops_name(uint32_t op);

/*
 * For operations kept in files of their own: lock, load (a user without a
 * record starts empty when create), fn, save, unlock; and, under that
 * lock, the current second factor of a user changing their own record.
 */
struct tfa_store;
typedef tfa_err (*tfa_ops_change_fn)(const struct tfa_ops_ctx *,
    const struct tfa_op_req *, struct tfa_op_res *, struct tfa_store *,
    struct tfa_record *, void *arg);
tfa_err tfa_ops_change(const struct tfa_ops_ctx *c,
    const struct tfa_op_req *req, struct tfa_op_res *res, bool create,
    tfa_ops_change_fn fn, void *arg);
tfa_err tfa_ops_prove(const struct tfa_ops_ctx *c,
    const struct tfa_op_req *req, struct tfa_op_res *res,
    struct tfa_store *st, struct tfa_record *rec);

/*
 * For the read-only operations: fn on a snapshot of c->user's record; a
 * user without one leaves res as it is.
 */
typedef void (*tfa_ops_look_fn)(const struct tfa_ops_ctx *,
    const struct tfa_op_req *, const struct tfa_record *,
    struct tfa_op_res *);
tfa_err tfa_ops_look(const struct tfa_ops_ctx *c, const struct tfa_op_req *req,
    struct tfa_op_res *res, tfa_ops_look_fn fn);

/* For the request checks in ops_mail.c: len bytes at p are all zero. */
bool tfa_ops_all_zero(const void *p, size_t len);

/*
 * s ends inside its size bytes, is text (tfa_text_char) and not empty
 * unless empty_ok, and the rest of its bytes are zero.
 */
bool tfa_ops_text(const char *s, size_t size, bool empty_ok);

/* ops_mail.c: app passwords and devices. */
tfa_err tfa_ops_apppw_add(const struct tfa_ops_ctx *c,
    const struct tfa_op_req *req, struct tfa_op_res *res);
tfa_err tfa_ops_apppw_list(const struct tfa_ops_ctx *c,
    const struct tfa_op_req *req, struct tfa_op_res *res);
tfa_err tfa_ops_apppw_remove(const struct tfa_ops_ctx *c,
    const struct tfa_op_req *req, struct tfa_op_res *res);
tfa_err tfa_ops_device_list(const struct tfa_ops_ctx *c,
    const struct tfa_op_req *req, struct tfa_op_res *res);
tfa_err tfa_ops_device_remove(const struct tfa_ops_ctx *c,
    const struct tfa_op_req *req, struct tfa_op_res *res);

/*
 * The apppw, id and after fields: as the operation needs them, zero
 * otherwise.
 */
bool tfa_ops_valid_mail(const struct tfa_op_req *req);

#endif

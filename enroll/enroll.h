/*
 * tfa-enroll: what the subcommands share — the run context, the exit codes
 * and the small terminal helpers.
 */
#ifndef TFA_ENROLL_H
#define TFA_ENROLL_H

#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "log.h"
#include "ops.h"
#include "record.h"
#include "user.h"

#define TFA_EXIT_OK	0
#define TFA_EXIT_FAIL	1	/* the command could not do its job */
#define TFA_EXIT_USAGE	2	/* bad command line */

struct tfa_enroll {
	struct tfa_config cfg;
	struct tfa_log log;
	char user[TFA_USER_MAX + 1];	/* whose record the command acts on */
	char user_log[TFA_USER_FILE_MAX + 1];	/* escaped, as the module logs */
	int argc;			/* a command's own arguments, for */
	char **argv;			/* commands that parse their own */
	/* root acting on --user NAME: root's name, for the log; else "" */
	char admin[TFA_USER_MAX + 1];
	int monitor;		/* socket to the set-uid monitor, or -1 */
	/* without a monitor: what the operations keep between requests */
	struct tfa_ops_session *session;
	bool json;		/* --json */
};

/* Subcommands: each returns a TFA_EXIT_* status. */
int tfa_enroll_status(struct tfa_enroll *e);
int tfa_enroll_totp_add(struct tfa_enroll *e);
int tfa_enroll_totp_remove(struct tfa_enroll *e);
int tfa_enroll_apppw_add(struct tfa_enroll *e);		/* apppw.c */
int tfa_enroll_apppw_list(struct tfa_enroll *e);
int tfa_enroll_apppw_remove(struct tfa_enroll *e);
int tfa_enroll_devices(struct tfa_enroll *e);		/* devices.c */
int tfa_enroll_devices_remove(struct tfa_enroll *e);
int tfa_enroll_cleanup(struct tfa_enroll *e);		/* cleanup.c */
int tfa_enroll_key_add(struct tfa_enroll *e);		/* key.c */
int tfa_enroll_key_list(struct tfa_enroll *e);
int tfa_enroll_key_remove(struct tfa_enroll *e);
int tfa_enroll_import(struct tfa_enroll *e);		/* import.c */
int tfa_enroll_backup_codes(struct tfa_enroll *e);	/* backup.c */
int tfa_enroll_disable(struct tfa_enroll *e);		/* admin.c */
int tfa_enroll_enable(struct tfa_enroll *e);
int tfa_enroll_reset(struct tfa_enroll *e);
int tfa_enroll_list_users(struct tfa_enroll *e);

/* A bad command line for a command that parses its own (TFA_EXIT_USAGE). */
int tfa_enroll_usage(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* A whole decimal number up to max, or -1. */
long tfa_enroll_number(const char *s, long max);

/* e->argv holds nothing or "--json": -1 to go on, else the exit status. */
int tfa_enroll_json_arg(struct tfa_enroll *e, bool *json);

/* A whole list: n entries of the op's page type, in id order. */
struct tfa_enroll_items {
	void *v;
	size_t n;
};

/*
 * A list command (apppw.c): --json or nothing on the command line, then
 * every entry of op's list (APPPW_LIST, DEVICE_LIST), page by page.  -1
 * with all filled to go on (free it with tfa_enroll_items_free), else the
 * exit status.
 */
int tfa_enroll_list(struct tfa_enroll *e, enum tfa_op op, bool *json,
    struct tfa_enroll_items *all);
void tfa_enroll_items_free(struct tfa_enroll_items *all);

/*
 * A remove command's one request: op on id; what ("device") names it when
 * the user has no such one.  -1 with res filled to go on, else the exit
 * status.
 */
int tfa_enroll_remove(struct tfa_enroll *e, enum tfa_op op, long id,
    const char *what, struct tfa_op_res *res);

/* s as a JSON string on stdout. */
void tfa_enroll_json_str(const char *s);

/*
 * A stored string for a terminal (tfa_text_show): s itself when it is
 * text (text.h), else a copy in buf with every byte that is not, and
 * every '%', written %XX as list-users writes names.  Stored names are
 * checked when they are made, but a record may hold older or hand-made
 * ones, and root lists other users' records.
 */
#define TFA_ENROLL_TEXT_MAX	(3 * TFA_RP_MAX + 1)
const char *tfa_enroll_text(const char *s, char *buf, size_t len);

/* Why a NAME was refused (tfa_name_ok), with TFA_NAME_MAX. */
#define TFA_ENROLL_NAME_RULE	"NAME must be 1 to %d bytes of UTF-8 text " \
	"without control characters"

/*
 * privsep.c: in a set-uid root run by a user, fork the monitor and return
 * -1 in the child, all privileges dropped (the monitor never returns); in
 * any other run return -1 at once.  Else an exit status.
 */
int tfa_privsep_start(struct tfa_enroll *e);

/* Ask the monitor for the configuration and whose record this is. */
tfa_err tfa_privsep_hello(struct tfa_enroll *e);

/* Do without the monitor (--store, --config: the user's own files). */
void tfa_privsep_detach(struct tfa_enroll *e);

/*
 * Run one operation on e->user's record: through the monitor when there is
 * one, else directly.  req is wiped; the caller wipes res.
 */
tfa_err tfa_enroll_op(const struct tfa_enroll *e, struct tfa_op_req *req,
    struct tfa_op_res *res);

/* proof.c: the summary of e->user's record; -1, or the exit status. */
int tfa_enroll_view(const struct tfa_enroll *e, struct tfa_op_view *v);

/*
 * Ask for a current second factor (a code from the app or a backup code)
 * into line; -1 when one was typed, else the exit status.
 */
int tfa_enroll_read_proof(char *line, size_t len);

/*
 * A user changing their own record that has a second factor proves it:
 * with a code when there is an app or backup codes, else with a touch of a
 * registered key over cdh, the challenge the request will carry (NULL: ask
 * for one now, so the request must come next).  Root acting on --user
 * proves nothing.  Into req->proof or req->touch; -1 to go on, else the
 * exit status.
 */
int tfa_enroll_get_proof(const struct tfa_enroll *e,
    const struct tfa_op_view *v, const uint8_t *cdh, struct tfa_op_req *req);

/*
 * key.c: a challenge from the operation layer for the one request to come;
 * and a touch of one of the user's keys in v over it, with the user
 * verified (built in, or the key's PIN read from stdin) when that key
 * wants it, as at login.  -1 to go on, else the exit status.
 */
int tfa_enroll_key_challenge(const struct tfa_enroll *e, uint8_t *cdh);
int tfa_enroll_key_touch(const struct tfa_enroll *e,
    const struct tfa_op_view *v, const uint8_t *cdh, struct tfa_op_touch *t);

/* Say why an operation was refused (the proof, the policy, the store). */
void tfa_enroll_explain(const struct tfa_enroll *e,
    const struct tfa_op_res *res);

/*
 * The same for a request that carried a proof, touch when it was a key's
 * touch (req->touch.authdata_len != 0; the request is wiped by the time
 * the answer is read, so the caller notes it before).
 */
void tfa_enroll_explain_proof(const struct tfa_enroll *e,
    const struct tfa_op_res *res, bool touch);

/* "tfa-enroll: " and the message on stderr. */
void tfa_enroll_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* Explain a store error and what to do about it, on stderr. */
void tfa_enroll_store_error(const struct tfa_enroll *e, const char *what,
    tfa_err r);

/* Draw text as a QR code in UTF-8 half blocks on fp. */
tfa_err tfa_enroll_qr_print(FILE *fp, const char *text);

enum tfa_line {
	TFA_LINE_OK,
	TFA_LINE_EOF,
	TFA_LINE_LONG,		/* did not fit; the rest of it was read away */
	TFA_LINE_ERROR,
};

/* Show prompt on stdout and read one line from stdin into buf. */
enum tfa_line tfa_enroll_read_line(const char *prompt, char *buf,
    size_t len);

/* A time for people: "2024-05-01 12:00:00 UTC", or "never" for 0. */
const char *tfa_enroll_date(int64_t t, char *buf, size_t len);

/* "SHA1", as authenticator apps name the hash. */
const char *tfa_enroll_hash_name(enum tfa_hash h);

#endif

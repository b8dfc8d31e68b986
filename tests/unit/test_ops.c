/*
 * Unit tests for enroll/ops.c, the operations the set-uid monitor serves:
 * the strict request check, and every operation against a real store in a
 * temporary directory, as a user (proofs required) and as an admin.  The
 * clock is this program's time(); the log goes to a buffer.
 *
 * ops.c is compiled into this program (it lives in enroll/, which the unit
 * test rule does not link).
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <linux/fs.h>

#include "../../enroll/ops.c"
#include "../../enroll/ops_mail.c"	/* the table in ops.c names its ops */

#include "check.h"

static time_t fake_now = 1500000000;

time_t
time(time_t *t)
{
	if (t != NULL)
		*t = fake_now;
	return fake_now;
}

static char logbuf[1 << 15];

static void
log_sink(void *arg, int prio, const char *msg)
{
	(void)arg;
	(void)prio;
	if (strlen(logbuf) + strlen(msg) + 2 < sizeof(logbuf)) {
		strcat(logbuf, msg);
		strcat(logbuf, "\n");
	}
}

static struct tfa_config cfg;
static struct tfa_log tlog = { log_sink, NULL };
static char *store;

static struct tfa_ops_session sess;
static const struct tfa_ops_ctx alice = { &cfg, &tlog, "alice", NULL,
	&sess };
static const struct tfa_ops_ctx admin_alice = { &cfg, &tlog, "alice",
	"root", &sess };

/* A fixed app, so codes can be computed here. */
static void
the_app(struct tfa_totp *t)
{
	memset(t, 0, sizeof(*t));
	t->enabled = true;
	t->secret_len = 20;
	memcpy(t->secret, "12345678901234567890", 20);
	t->algo = TFA_HASH_SHA1;
	t->digits = 6;
	t->period = 30;
}

static const char *
code_at(time_t when)
{
	static char code[16];
	struct tfa_totp t;

	the_app(&t);
	if (tfa_totp_code(&t, tfa_totp_step(&t, when), code, sizeof(code)))
		abort();
	return code;
}

static void
req_init(struct tfa_op_req *req, enum tfa_op op, const char *proof)
{
	memset(req, 0, sizeof(*req));
	req->op = op;
	if (proof != NULL)
		snprintf(req->proof, sizeof(req->proof), "%s", proof);
}

static void
req_app(struct tfa_op_req *req, const char *code, const char *proof)
{
	req_init(req, TFA_OP_TOTP_ADD, proof);
	req->secret_len = 20;
	memcpy(req->secret, "12345678901234567890", 20);
	req->algo = TFA_HASH_SHA1;
	req->digits = 6;
	req->period = 30;
	snprintf(req->code, sizeof(req->code), "%s", code);
}

static tfa_err
run(const struct tfa_ops_ctx *c, enum tfa_op op, const char *proof,
    struct tfa_op_res *res)
{
	struct tfa_op_req req;

	req_init(&req, op, proof);
	return tfa_ops_run(c, &req, res);
}

static struct tfa_op_view
view(const struct tfa_ops_ctx *c)
{
	struct tfa_op_res res;

	if (run(c, TFA_OP_VIEW, NULL, &res) != TFA_OK)
		abort();
	return res.u.view;
}

static int
files_in_store(void)
{
	DIR *d = opendir(store);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static bool
codes_look_right(const struct tfa_op_res *res)
{
	char code[TFA_CODE_MAX + 1];
	int i, j;

	for (i = 0; i < TFA_BACKUP_COUNT; i++) {
		if (tfa_code_parse(res->u.codes[i], code, sizeof(code)) !=
		    TFA_CODE_BACKUP)
			return false;
		for (j = 0; j < i; j++)
			if (strcmp(res->u.codes[i], res->u.codes[j]) == 0)
				return false;
	}
	return true;
}

static bool
no_codes(const struct tfa_op_res *res)
{
	return all_zero(res->u.codes, sizeof(res->u.codes));
}

/* ---- the request check ---- */

static void
test_valid(void)
{
	struct tfa_op_req req;

	req_init(&req, TFA_OP_HELLO, NULL);
	CHECK(tfa_ops_valid(&req));
	req_init(&req, TFA_OP_VIEW, NULL);
	CHECK(tfa_ops_valid(&req));
	req.op = TFA_OP_NONE;
	CHECK(!tfa_ops_valid(&req));
	req.op = TFA_OP_END;
	CHECK(!tfa_ops_valid(&req));
	req.op = 0xffffffffu;
	CHECK(!tfa_ops_valid(&req));
	/* the admin operations are never the monitor's */
	req.op = TFA_OP_DISABLE;
	CHECK(!tfa_ops_valid(&req));
	req.op = TFA_OP_ENABLE;
	CHECK(!tfa_ops_valid(&req));
	req.op = TFA_OP_RESET;
	CHECK(!tfa_ops_valid(&req));

	/* unused fields must be zero */
	req_init(&req, TFA_OP_VIEW, "123456");
	CHECK(!tfa_ops_valid(&req));
	req_init(&req, TFA_OP_VIEW, NULL);
	req.secret[63] = 1;
	CHECK(!tfa_ops_valid(&req));
	req_init(&req, TFA_OP_VIEW, NULL);
	req.code[64] = 'x';
	CHECK(!tfa_ops_valid(&req));
	req_init(&req, TFA_OP_TOTP_REMOVE, "123456");
	CHECK(tfa_ops_valid(&req));
	req.digits = 6;
	CHECK(!tfa_ops_valid(&req));
	req_init(&req, TFA_OP_BACKUP_NEW, "abcde-fghjk");
	CHECK(tfa_ops_valid(&req));
	req.secret_len = 20;
	CHECK(!tfa_ops_valid(&req));

	/* strings end inside their arrays */
	req_init(&req, TFA_OP_TOTP_REMOVE, NULL);
	memset(req.proof, '1', sizeof(req.proof));
	CHECK(!tfa_ops_valid(&req));
	req_app(&req, "123456", "");
	CHECK(tfa_ops_valid(&req));
	memset(req.code, '1', sizeof(req.code));
	CHECK(!tfa_ops_valid(&req));

	/* the new app: lengths and parameters in range, nothing past them */
	req_app(&req, "123456", "");
	req.secret_len = 15;
	memset(req.secret + 15, 0, sizeof(req.secret) - 15);
	CHECK(!tfa_ops_valid(&req));
	req.secret_len = 16;
	CHECK(tfa_ops_valid(&req));
	req_app(&req, "123456", "");
	req.secret_len = 65;
	CHECK(!tfa_ops_valid(&req));
	req_app(&req, "123456", "");
	req.secret_len = 64;
	CHECK(tfa_ops_valid(&req));
	req_app(&req, "123456", "");
	req.secret[20] = 1;
	CHECK(!tfa_ops_valid(&req));
	req_app(&req, "123456", "");
	req.algo = 3;
	CHECK(!tfa_ops_valid(&req));
	req_app(&req, "123456", "");
	req.digits = 5;
	CHECK(!tfa_ops_valid(&req));
	req.digits = 9;
	CHECK(!tfa_ops_valid(&req));
	req_app(&req, "123456", "");
	req.period = 14;
	CHECK(!tfa_ops_valid(&req));
	req.period = 121;
	CHECK(!tfa_ops_valid(&req));
}

/* ---- the operations, as the user ---- */

static void
test_app(void)
{
	struct tfa_op_req req;
	struct tfa_op_res res;
	struct tfa_op_view v;

	v = view(&alice);
	CHECK(!v.exists);
	/* a wrong code from the new app: refused before any file is made */
	req_app(&req, "000000", "");
	if (strcmp(code_at(fake_now), "000000") == 0)
		req.code[0] = '1';
	CHECK_EQ(tfa_ops_run(&alice, &req, &res), TFA_ERR_BADCODE);
	CHECK_EQ(res.check, TFA_CHECK_CONFIRM);
	CHECK_EQ(res.err, TFA_ERR_BADCODE);
	CHECK_EQ(files_in_store(), 0);
	CHECK(strstr(logbuf, "action=totp-add user=alice "
	    "result=wrong-new-code") != NULL);

	req_app(&req, code_at(fake_now), "");
	CHECK_EQ(tfa_ops_run(&alice, &req, &res), TFA_OK);
	CHECK(strstr(logbuf, "action=totp-add user=alice result=ok") != NULL);
	v = view(&alice);
	CHECK(v.exists && v.totp && v.has_factor);
	CHECK_EQ(v.totp_digits, 6);
	CHECK_EQ(v.totp_created, fake_now);
	/* the code used to confirm is spent */
	CHECK_EQ(run(&alice, TFA_OP_TOTP_REMOVE, code_at(fake_now), &res),
	    TFA_ERR_REPLAY);
	CHECK_EQ(res.check, TFA_CHECK_PROOF);
	CHECK_EQ(res.failures, 1);
	CHECK(view(&alice).totp);

	req_app(&req, code_at(fake_now), "");
	CHECK_EQ(tfa_ops_run(&alice, &req, &res), TFA_ERR_EXISTS);
	cfg.allow_app = false;
	req_app(&req, code_at(fake_now), "");
	CHECK_EQ(tfa_ops_run(&alice, &req, &res), TFA_ERR_PERM);
	cfg.allow_app = true;
}

/* chattr +i / -i: not even root can write an immutable file */
static bool
set_immutable(const char *path, bool on)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), flags;
	bool ok;

	if (fd < 0)
		return false;
	ok = ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0;
	if (on)
		flags |= FS_IMMUTABLE_FL;
	else
		flags &= ~FS_IMMUTABLE_FL;
	ok = ok && ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0;
	close(fd);
	return ok;
}

/*
 * A store that takes no write (a file size limit of 0 with SIGXFSZ
 * ignored; the set-uid monitor lifts such a limit, this is the defence
 * behind it): a right code whose change cannot be saved and a wrong one
 * whose failure cannot be saved get the same answer, byte for byte, and
 * neither is counted.
 */
static void
test_unsaved_proof(void)
{
	struct tfa_op_res right, wrong;
	struct rlimit old, none;
	int failures = view(&alice).failures;
	tfa_err r1, r2;

	if (getrlimit(RLIMIT_FSIZE, &old) != 0)
		abort();
	none = old;
	none.rlim_cur = 0;
	signal(SIGXFSZ, SIG_IGN);
	if (setrlimit(RLIMIT_FSIZE, &none) != 0)
		abort();
	fake_now += 30;
	r1 = run(&alice, TFA_OP_BACKUP_NEW, code_at(fake_now), &right);
	r2 = run(&alice, TFA_OP_BACKUP_NEW, "22222-22222", &wrong);
	if (setrlimit(RLIMIT_FSIZE, &old) != 0)
		abort();
	signal(SIGXFSZ, SIG_DFL);
	CHECK_EQ(r1, TFA_ERR_IO);
	CHECK_EQ(r2, TFA_ERR_IO);
	CHECK_EQ(wrong.check, TFA_CHECK_NONE);
	CHECK(memcmp(&right, &wrong, sizeof(right)) == 0);
	CHECK(no_codes(&right));
	CHECK_EQ(view(&alice).failures, failures);
}

static void
test_backup(void)
{
	struct tfa_op_res res, first;
	struct tfa_op_view v;
	char path[4200], ovl[4200];

	/* no proof, a wrong one: refused, no codes, the failure saved */
	CHECK_EQ(run(&alice, TFA_OP_BACKUP_NEW, "", &res), TFA_ERR_INVAL);
	CHECK_EQ(res.check, TFA_CHECK_PROOF);
	CHECK(no_codes(&res));
	fake_now += 30;
	CHECK_EQ(run(&alice, TFA_OP_BACKUP_NEW, "22222-22222", &res),
	    TFA_ERR_BADCODE);
	CHECK(no_codes(&res));
	CHECK(!view(&alice).backup);
	CHECK_EQ(view(&alice).failures, 2);
	CHECK(strstr(logbuf, "action=backup-codes user=alice "
	    "result=wrong-code") != NULL);

	CHECK_EQ(run(&alice, TFA_OP_BACKUP_NEW, code_at(fake_now), &first),
	    TFA_OK);
	CHECK(codes_look_right(&first));
	v = view(&alice);
	CHECK(v.backup);
	CHECK_EQ(v.backup_left, TFA_BACKUP_COUNT);
	CHECK_EQ(v.failures, 0);
	CHECK_EQ(v.last_method, TFA_METHOD_TOTP);
	CHECK(strstr(logbuf, first.u.codes[0]) == NULL);

	/* a backup code proves it too; the new set voids the old one */
	fake_now += 30;
	CHECK_EQ(run(&alice, TFA_OP_BACKUP_NEW, first.u.codes[3], &res),
	    TFA_OK);
	CHECK(codes_look_right(&res));
	CHECK_EQ(view(&alice).last_method, TFA_METHOD_BACKUP);
	CHECK_EQ(run(&alice, TFA_OP_TOTP_REMOVE, first.u.codes[4], &res),
	    TFA_ERR_BADCODE);
	CHECK(view(&alice).totp);

	cfg.allow_backup = false;
	CHECK_EQ(run(&alice, TFA_OP_BACKUP_NEW, code_at(fake_now + 30), &res),
	    TFA_ERR_PERM);
	cfg.allow_backup = true;

	/*
	 * codes made but not saved are never handed out: a directory where
	 * the new database goes and an immutable overlay make either way of
	 * saving fail
	 */
	snprintf(path, sizeof(path), "%s/alice.tmp", store);
	snprintf(ovl, sizeof(ovl), "%s/alice.st", store);
	if (mkdir(path, 0700) != 0)
		abort();
	if (!set_immutable(ovl, true)) {
		tfa_skip("a failed save of new backup codes: cannot make the "
		    "overlay immutable here (needs root on ext4, xfs or btrfs)");
	} else {
		fake_now += 30;
		CHECK_EQ(run(&alice, TFA_OP_BACKUP_NEW, code_at(fake_now),
		    &res), TFA_ERR_IO);
		CHECK(no_codes(&res));
		if (!set_immutable(ovl, false))
			abort();
	}
	rmdir(path);
	CHECK_EQ(view(&alice).backup_left, TFA_BACKUP_COUNT);
	explicit_bzero(&first, sizeof(first));
	test_unsaved_proof();
}

static void
test_lockout_and_remove(void)
{
	struct tfa_op_res res;
	int i;

	/* one failure left over from test_backup; two more lock at 3 */
	CHECK_EQ(view(&alice).failures, 1);
	cfg.max_failures = 3;
	for (i = 0; i < 2; i++)
		CHECK_EQ(run(&alice, TFA_OP_TOTP_REMOVE, "99999-99999", &res),
		    TFA_ERR_BADCODE);
	CHECK_EQ(res.failures, 3);
	CHECK_EQ(res.locked_until, fake_now + 60 * (time_t)cfg.lockout_minutes);
	/* locked out: even the right code removes nothing */
	fake_now += 30;
	CHECK_EQ(run(&alice, TFA_OP_TOTP_REMOVE, code_at(fake_now), &res),
	    TFA_ERR_LOCKED);
	CHECK(view(&alice).totp);
	fake_now += 60 * (time_t)cfg.lockout_minutes + 1;
	CHECK_EQ(run(&alice, TFA_OP_TOTP_REMOVE, code_at(fake_now), &res),
	    TFA_OK);
	CHECK(!view(&alice).totp);
	CHECK_EQ(view(&alice).failures, 0);
	CHECK(strstr(logbuf, "action=totp-remove user=alice result=ok") !=
	    NULL);
	CHECK_EQ(run(&alice, TFA_OP_TOTP_REMOVE, code_at(fake_now), &res),
	    TFA_ERR_NOENT);
	/* backup codes alone are no factor: no new ones */
	CHECK_EQ(run(&alice, TFA_OP_BACKUP_NEW, "", &res), TFA_ERR_NOMETHOD);
	cfg.max_failures = 5;
}

/* A user with a key proves it is them before adding an app. */
static void
test_add_with_key(void)
{
	const struct tfa_ops_ctx carol = { &cfg, &tlog, "carol", NULL,
	    &sess };
	struct tfa_store *st = NULL;
	struct tfa_op_req req;
	struct tfa_op_res res, codes;
	struct tfa_record rec;
	struct tfa_key *k;

	tfa_record_init(&rec);
	if ((k = tfa_record_add_key(&rec)) == NULL)
		abort();
	snprintf(k->name, sizeof(k->name), "yubikey");
	k->cred_id_len = k->pubkey_len = 1;
	if (tfa_backup_generate(&rec.backup, codes.u.codes, fake_now) ||
	    tfa_store_lock(&cfg, NULL, "carol", &st) ||
	    tfa_store_save(st, &rec))
		abort();
	tfa_store_close(&st);
	tfa_record_wipe(&rec);
	CHECK(view(&carol).has_factor);

	fake_now += 30;
	req_app(&req, code_at(fake_now), "");
	CHECK_EQ(tfa_ops_run(&carol, &req, &res), TFA_ERR_INVAL);
	CHECK_EQ(res.check, TFA_CHECK_PROOF);
	CHECK(!view(&carol).totp);
	req_app(&req, code_at(fake_now), codes.u.codes[0]);
	CHECK_EQ(tfa_ops_run(&carol, &req, &res), TFA_OK);
	CHECK(view(&carol).totp);
	CHECK_EQ(view(&carol).backup_left, TFA_BACKUP_COUNT - 1);
	explicit_bzero(&codes, sizeof(codes));
}

/* ---- security keys: what the monitor refuses ---- */

/* A KEY_ADD that passes the request check: its registration is junk. */
static void
req_key(struct tfa_op_req *req, const char *rp)
{
	req_init(req, TFA_OP_KEY_ADD, "");
	req->key.cose_type = COSE_ES256;
	snprintf(req->key.name, sizeof(req->key.name), "yubi");
	snprintf(req->key.rp, sizeof(req->key.rp), "%s", rp);
	snprintf(req->key.fmt, sizeof(req->key.fmt), "packed");
	req->key.cred_id_len = 16;
	memset(req->key.cred_id, 0xc1, 16);
	req->key.pubkey_len = 77;
	memset(req->key.pubkey, 0xa5, 77);
	req->key.authdata_len = 200;
	memset(req->key.authdata, 0x58, 200);
	req->key.attstmt_len = 100;
	memset(req->key.attstmt, 0xa3, 100);
}

static void
test_key_valid(void)
{
	struct tfa_op_req req;

	req_key(&req, "pam://x");
	CHECK(tfa_ops_valid(&req));
	req.key.cred_id_len = TFA_CRED_ID_MAX + 1;	/* over-long cred id */
	CHECK(!tfa_ops_valid(&req));
	req_key(&req, "pam://x");
	req.key.cred_id_len = 0;
	CHECK(!tfa_ops_valid(&req));
	req_key(&req, "pam://x");
	req.key.cred_id[16] = 1;			/* past its length */
	CHECK(!tfa_ops_valid(&req));
	req_key(&req, "pam://x");
	req.key.authdata_len = TFA_FIDO_REG_AUTHDATA_MAX + 1;
	CHECK(!tfa_ops_valid(&req));
	req_key(&req, "pam://x");
	req.key.attstmt_len = 0xffffffffu;
	CHECK(!tfa_ops_valid(&req));
	req_key(&req, "pam://x");
	req.key.pubkey_len = TFA_PUBKEY_MAX + 1;
	CHECK(!tfa_ops_valid(&req));
	req_key(&req, "pam://x");
	req.key.cose_type = -9;
	CHECK(!tfa_ops_valid(&req));
	req_key(&req, "pam://x");
	req.key.uv = 2;
	CHECK(!tfa_ops_valid(&req));
	req_key(&req, "pam://x");
	req.key.name[1] = '\n';
	CHECK(!tfa_ops_valid(&req));
	/* names are text: no C1 control (CSI), DEL or bytes not UTF-8 */
	req_key(&req, "pam://x");
	snprintf(req.key.name, sizeof(req.key.name), "a\xc2\x9b" "2Jb");
	CHECK(!tfa_ops_valid(&req));
	req_key(&req, "pam://x");
	snprintf(req.key.name, sizeof(req.key.name), "a\x7f");
	CHECK(!tfa_ops_valid(&req));
	req_key(&req, "pam://x");
	snprintf(req.key.name, sizeof(req.key.name), "a\xff");
	CHECK(!tfa_ops_valid(&req));
	req_key(&req, "pam://x");
	snprintf(req.key.name, sizeof(req.key.name), "Caf\xc3\xa9 \xe2\x98\x95");
	CHECK(tfa_ops_valid(&req));
	req_key(&req, "pam://x");
	req.key.name[0] = '\0';
	CHECK(!tfa_ops_valid(&req));
	req_key(&req, "pam://x");
	memset(req.key.rp, 'r', sizeof(req.key.rp));
	CHECK(!tfa_ops_valid(&req));
	req_key(&req, "pam://x");
	req.key.id = 3;				/* an add names no key */
	CHECK(!tfa_ops_valid(&req));

	req_init(&req, TFA_OP_KEY_REMOVE, "123456");
	req.key.id = 1;
	CHECK(tfa_ops_valid(&req));
	req.key.id = 0;
	CHECK(!tfa_ops_valid(&req));
	req.key.id = 1;
	req.key.cred_id_len = 1;		/* a remove carries nothing else */
	CHECK(!tfa_ops_valid(&req));
	req_init(&req, TFA_OP_VIEW, NULL);
	req.key.id = 1;
	CHECK(!tfa_ops_valid(&req));
	req_init(&req, TFA_OP_KEY_CHALLENGE, NULL);
	CHECK(tfa_ops_valid(&req));
	req.key.attstmt[5] = 1;
	CHECK(!tfa_ops_valid(&req));

	/* a touch: only where a proof goes, never with a code too */
	req_init(&req, TFA_OP_KEY_REMOVE, "");
	req.key.id = 1;
	req.touch.authdata_len = 37;
	req.touch.sig_len = 70;
	CHECK(tfa_ops_valid(&req));
	snprintf(req.proof, sizeof(req.proof), "123456");
	CHECK(!tfa_ops_valid(&req));
	req.proof[0] = '\0';
	req.touch.sig_len = TFA_FIDO_SIG_MAX + 1;
	CHECK(!tfa_ops_valid(&req));
	req.touch.sig_len = 70;
	req.touch.cred_id_len = TFA_CRED_ID_MAX + 1;
	CHECK(!tfa_ops_valid(&req));
	req_init(&req, TFA_OP_VIEW, NULL);
	req.touch.authdata_len = 37;
	req.touch.sig_len = 70;
	CHECK(!tfa_ops_valid(&req));
}

static void
test_key_refused(void)
{
	const struct tfa_ops_ctx dave = { &cfg, &tlog, "dave", NULL, &sess };
	const struct tfa_ops_ctx nosess = { &cfg, &tlog, "dave", NULL, NULL };
	char rp[TFA_RP_MAX + 1];
	struct tfa_op_req req;
	struct tfa_op_res res;
	int files = files_in_store();

	if (tfa_config_origin(&cfg, rp, sizeof(rp)) != TFA_OK)
		abort();
	/* no challenge asked for: refused */
	req_key(&req, rp);
	CHECK_EQ(tfa_ops_run(&dave, &req, &res), TFA_ERR_INVAL);
	CHECK_EQ(res.check, TFA_CHECK_KEY);
	CHECK_EQ(run(&nosess, TFA_OP_KEY_CHALLENGE, NULL, &res),
	    TFA_ERR_INVAL);
	/* a challenge: random, and good for one request only */
	CHECK_EQ(run(&dave, TFA_OP_KEY_CHALLENGE, NULL, &res), TFA_OK);
	CHECK(sess.challenge_set);
	CHECK(!all_zero(res.u.challenge, sizeof(res.u.challenge)));
	CHECK(memcmp(res.u.challenge, sess.challenge, sizeof(sess.challenge))
	    == 0);
	view(&dave);
	CHECK(!sess.challenge_set);
	/* another relying party than our Origin */
	CHECK_EQ(run(&dave, TFA_OP_KEY_CHALLENGE, NULL, &res), TFA_OK);
	req_key(&req, "pam://elsewhere.example");
	CHECK_EQ(tfa_ops_run(&dave, &req, &res), TFA_ERR_INVAL);
	CHECK_EQ(res.check, TFA_CHECK_KEY);
	/* our Origin, an attestation that does not verify */
	CHECK_EQ(run(&dave, TFA_OP_KEY_CHALLENGE, NULL, &res), TFA_OK);
	req_key(&req, rp);
	CHECK_EQ(tfa_ops_run(&dave, &req, &res), TFA_ERR_BADCODE);
	CHECK_EQ(res.check, TFA_CHECK_KEY);
	CHECK(strstr(logbuf, "action=key-add user=dave "
	    "result=key-does-not-verify") != NULL);
	/* keys not allowed: refused before anything is looked at */
	cfg.allow_keys = false;
	CHECK_EQ(run(&dave, TFA_OP_KEY_CHALLENGE, NULL, &res), TFA_OK);
	req_key(&req, rp);
	CHECK_EQ(tfa_ops_run(&dave, &req, &res), TFA_ERR_PERM);
	cfg.allow_keys = true;
	/* nothing was stored, not even an empty record */
	CHECK(!view(&dave).exists);
	CHECK_EQ(files_in_store(), files);
}

/* carol has key 1 and a code (test_add_with_key): removing it */
static void
test_key_remove(void)
{
	const struct tfa_ops_ctx carol = { &cfg, &tlog, "carol", NULL,
	    &sess };
	const struct tfa_ops_ctx admin_carol = { &cfg, &tlog, "carol", "root",
	    &sess };
	struct tfa_op_req req;
	struct tfa_op_res res;
	struct tfa_op_view v = view(&carol);

	CHECK_EQ(v.n_keys, 1);
	CHECK_EQ(v.keys_shown, 1);
	CHECK_EQ(v.keys[0].id, 1);
	CHECK_STR(v.keys[0].name, "yubikey");
	req_init(&req, TFA_OP_KEY_REMOVE, "99999-99999");
	req.key.id = 1;
	CHECK_EQ(tfa_ops_run(&carol, &req, &res), TFA_ERR_BADCODE);
	CHECK_EQ(res.check, TFA_CHECK_PROOF);
	CHECK_EQ(view(&carol).n_keys, 1);
	req_init(&req, TFA_OP_KEY_REMOVE, "");
	req.key.id = 2;
	CHECK_EQ(tfa_ops_run(&admin_carol, &req, &res), TFA_ERR_NOENT);
	req.key.id = 1;
	CHECK_EQ(tfa_ops_run(&admin_carol, &req, &res), TFA_OK);
	CHECK_EQ(view(&carol).n_keys, 0);
	CHECK(strstr(logbuf, "admin=root action=key-remove user=carol "
	    "result=ok") != NULL);
}

/* ---- as root on --user ---- */

static void
test_admin(void)
{
	const struct tfa_ops_ctx bob = { &cfg, &tlog, "bob", NULL, &sess };
	const struct tfa_ops_ctx admin_bob = { &cfg, &tlog, "bob", "root",
	    &sess };
	const struct tfa_ops_ctx bad = { &cfg, &tlog, "../alice", "root",
	    &sess };
	struct tfa_op_req req;
	struct tfa_op_res res;

	/* the user may not; an admin may, without proofs */
	CHECK_EQ(run(&bob, TFA_OP_DISABLE, NULL, &res), TFA_ERR_PERM);
	CHECK(!view(&bob).exists);
	CHECK_EQ(run(&admin_bob, TFA_OP_DISABLE, NULL, &res), TFA_OK);
	CHECK(view(&bob).exists && view(&bob).disabled);
	CHECK(strstr(logbuf, "admin=root action=disable user=bob result=ok") !=
	    NULL);
	CHECK_EQ(run(&admin_bob, TFA_OP_ENABLE, NULL, &res), TFA_OK);
	CHECK(!view(&bob).disabled);
	CHECK_EQ(run(&admin_bob, TFA_OP_RESET, NULL, &res), TFA_OK);
	CHECK(!view(&bob).exists);
	CHECK_EQ(run(&admin_bob, TFA_OP_RESET, NULL, &res), TFA_ERR_NOENT);
	CHECK_EQ(run(&admin_bob, TFA_OP_ENABLE, NULL, &res), TFA_ERR_NOENT);
	CHECK(strstr(logbuf, "admin=root action=reset user=bob "
	    "result=nothing-to-change") != NULL);
	CHECK(strstr(logbuf, "action=disable user=bob result=not-allowed") !=
	    NULL);

	fake_now += 30;
	req_app(&req, code_at(fake_now), "");
	CHECK_EQ(tfa_ops_run(&alice, &req, &res), TFA_OK);
	CHECK_EQ(run(&admin_alice, TFA_OP_BACKUP_NEW, "", &res), TFA_OK);
	CHECK(codes_look_right(&res));
	CHECK(strstr(logbuf, "admin=root action=backup-codes user=alice "
	    "result=ok") != NULL);
	CHECK_EQ(run(&admin_alice, TFA_OP_TOTP_REMOVE, "", &res), TFA_OK);
	CHECK(!view(&alice).totp);
	/* an admin cannot make backup codes stand alone either */
	CHECK_EQ(run(&admin_alice, TFA_OP_BACKUP_NEW, "", &res),
	    TFA_ERR_NOMETHOD);
	CHECK(no_codes(&res));

	/* a name that cannot be stored is refused, whoever asks */
	CHECK_EQ(run(&bad, TFA_OP_VIEW, NULL, &res), TFA_ERR_USER);
	CHECK_EQ(run(&bad, TFA_OP_DISABLE, NULL, &res), TFA_ERR_USER);
	CHECK(strstr(logbuf, "admin=root action=disable user=? "
	    "result=bad-user-name") != NULL);
	/* and an unknown operation */
	CHECK_EQ(run(&admin_bob, (enum tfa_op)77, NULL, &res), TFA_ERR_INVAL);
	explicit_bzero(&res, sizeof(res));
}

static void
test_hello(void)
{
	struct tfa_op_res res;

	cfg.allow_backup = false;
	CHECK_EQ(run(&alice, TFA_OP_HELLO, NULL, &res), TFA_OK);
	CHECK_STR(res.u.hello.user, "alice");
	CHECK(!res.u.hello.cfg.allow_backup);
	CHECK_STR(res.u.hello.cfg.store_dir, store);
	cfg.allow_backup = true;
	/* read-only operations of users themselves are not logged */
	CHECK(strstr(logbuf, "action=hello") == NULL);
	CHECK(strstr(logbuf, "action=status user=alice") == NULL);
	view(&admin_alice);
	CHECK(strstr(logbuf, "admin=root action=status user=alice result=ok")
	    != NULL);
}

int
main(void)
{
	char *dir = tfa_test_tmpdir("ops"), cmd[4200];

	if (asprintf(&store, "%s/store", dir) < 0 || mkdir(store, 0700) != 0)
		return 2;
	tfa_config_init(&cfg);
	tfa_strlcpy(cfg.store_dir, store, sizeof(cfg.store_dir));

	test_valid();
	test_app();
	test_backup();
	test_lockout_and_remove();
	test_add_with_key();
	test_key_valid();
	test_key_refused();
	test_key_remove();
	test_admin();
	test_hello();

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (getenv("TFA_TEST_KEEP") == NULL && system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	if (getenv("TFA_TEST_LOG") != NULL)
		fputs(logbuf, stdout);
	free(store);
	free(dir);
	return tfa_check_done();
}

/*
 * The multi-process PAM fixture behind pamfx.h: the interposed clock and
 * log, enrollment, and the secret registry that every forked child shares
 * through one anonymous shared mapping, over tests/lib/pamtest.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <security/pam_appl.h>

#include "check.h"
#include "pamfx.h"
#include "store.h"
#include "totp.h"

time_t pamfx_now = 1700000000;
struct pamfx fx;

static int logfd = -1;

/* ---- the clock and the log, interposed ---- */

time_t
time(time_t *t)
{
	if (t != NULL)
		*t = pamfx_now;
	return pamfx_now;
}

void pam_vsyslog(const pam_handle_t *, int, const char *, va_list);
void pam_syslog(const pam_handle_t *, int, const char *, ...);

/*
 * One write(2) per line on an O_APPEND descriptor: lines from racing
 * children never interleave.  A message with a byte a terminal or a log
 * reader could misread is written escaped and marked, and fails the test.
 */
void
pam_vsyslog(const pam_handle_t *pamh, int prio, const char *fmt, va_list ap)
{
	char msg[2048], line[4 * sizeof(msg) + 32];
	size_t i, o = 0;
	bool bad = false;

	(void)pamh;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	for (i = 0; msg[i] != '\0'; i++)
		if ((unsigned char)msg[i] < 0x20 || (unsigned char)msg[i] > 0x7e)
			bad = true;
	o = (size_t)snprintf(line, sizeof(line), "<%d> %s", prio,
	    bad ? "UNPRINTABLE: " : "");
	for (i = 0; msg[i] != '\0'; i++) {
		unsigned char c = (unsigned char)msg[i];

		if (c >= 0x20 && c <= 0x7e)
			line[o++] = (char)c;
		else
			o += (size_t)sprintf(line + o, "\\x%02x", c);
	}
	line[o++] = '\n';
	if (logfd >= 0 && write(logfd, line, o) != (ssize_t)o)
		abort();
}

void
pam_syslog(const pam_handle_t *pamh, int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pam_vsyslog(pamh, prio, fmt, ap);
	va_end(ap);
}

/* ---- the secret registry, shared with every child ---- */

#define REG_SIZE	(16u << 20)
#define SECRET_MAX	128

struct registry {
	size_t used;		/* bytes of names[] taken */
	int overflow;
	char names[];		/* NUL-separated strings */
};

static struct registry *reg;

void
pamfx_secret(const char *s)
{
	size_t n = strlen(s) + 1, at;

	if (reg == NULL || n - 1 > SECRET_MAX)
		return;
	at = __atomic_fetch_add(&reg->used, n, __ATOMIC_SEQ_CST);
	if (at + n > REG_SIZE - sizeof(*reg)) {
		reg->overflow = 1;
		return;
	}
	memcpy(reg->names + at, s, n);
}

/* An open-addressing set of the registered strings, for the final scan. */
struct set {
	const char **slot;
	size_t cap;
	unsigned char has_len[SECRET_MAX + 1];	/* which lengths occur */
};

static uint64_t
hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	while (n-- > 0)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static void
set_add(struct set *set, const char *s)
{
	size_t n = strlen(s), i = hash(s, n) & (set->cap - 1);

	while (set->slot[i] != NULL) {
		if (strcmp(set->slot[i], s) == 0)
			return;
		i = (i + 1) & (set->cap - 1);
	}
	set->slot[i] = s;
	set->has_len[n] = 1;
}

static const char *
set_find(const struct set *set, const char *s, size_t n)
{
	size_t i = hash(s, n) & (set->cap - 1);

	for (; set->slot[i] != NULL; i = (i + 1) & (set->cap - 1))
		if (strlen(set->slot[i]) == n && memcmp(set->slot[i], s, n) == 0)
			return set->slot[i];
	return NULL;
}

/* Every registered secret looked up at every position of the log. */
static void
check_secrets(const char *log, size_t len)
{
	struct set set = { 0 };
	size_t i, count = 0, n, found = 0, lens[SECRET_MAX], nlens = 0;
	const char *p, *hit;

	for (i = 0; i < reg->used && i < REG_SIZE - sizeof(*reg);
	    i += strlen(reg->names + i) + 1)
		count++;
	for (set.cap = 1024; set.cap < 2 * count; set.cap *= 2)
		;
	if ((set.slot = calloc(set.cap, sizeof(*set.slot))) == NULL)
		abort();
	for (i = 0; i < reg->used && i < REG_SIZE - sizeof(*reg);
	    i += strlen(reg->names + i) + 1)
		if (reg->names[i] != '\0')
			set_add(&set, reg->names + i);
	for (n = 1; n <= SECRET_MAX; n++)
		if (set.has_len[n])
			lens[nlens++] = n;
	for (p = log; p < log + len; p++)
		for (i = 0; i < nlens && p + lens[i] <= log + len; i++)
			if ((hit = set_find(&set, p, lens[i])) != NULL &&
			    found++ < 5)
				printf("# a secret is in the log: \"%s\"\n",
				    hit);
	printf("# %zu log bytes searched for %zu secrets, codes and "
	    "passwords\n", len, count);
	CHECK(count > 0);
	CHECK_EQ(found, 0);
	CHECK_EQ(reg->overflow, 0);
	free(set.slot);
}

/* ---- files ---- */

const char *
pamfx_path(const char *dir, const char *name)
{
	static char buf[2][PATH_MAX];
	static int turn;
	char *p = buf[turn ^= 1];

	snprintf(p, PATH_MAX, "%s/%s", dir, name);
	return p;
}

char *
pamfx_slurp(const char *path, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (buf = malloc((size_t)st.st_size + 1)) == NULL)
		goto fail;
	while (got < (size_t)st.st_size &&
	    (n = read(fd, buf + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	if (len != NULL)
		*len = got;
	close(fd);
	return buf;
fail:
	free(buf);
	close(fd);
	return NULL;
}

off_t
pamfx_log_mark(void)
{
	struct stat st;

	return fstat(logfd, &st) == 0 ? st.st_size : 0;
}

char *
pamfx_log_since(off_t mark)
{
	size_t len = 0;
	char *all = pamfx_slurp(fx.logfile, &len), *out;

	if (all == NULL)
		return strdup("");
	if ((size_t)mark > len)
		mark = (off_t)len;
	out = strdup(all + mark);
	free(all);
	return out;
}

int
pamfx_count(const char *text, const char *needle)
{
	int n = 0;
	size_t len = strlen(needle);

	if (len == 0)
		return 0;
	for (; (text = strstr(text, needle)) != NULL; text += len)
		n++;
	return n;
}

int
pamfx_wait(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) :
	    128 + WTERMSIG(status);
}

static const char *alarm_msg;
static size_t alarm_len;

static void
on_alarm(int sig)
{
	(void)sig;
	if (write(STDOUT_FILENO, alarm_msg, alarm_len) < 0)
		_exit(2);
	_exit(1);
}

void
pamfx_on_alarm(const char *msg)
{
	alarm_msg = msg;
	alarm_len = strlen(msg);
	signal(SIGALRM, on_alarm);
}

long
pamfx_env(const char *name, long def, long min)
{
	const char *v = getenv(name);
	char *end;
	long n;

	if (v == NULL || *v == '\0')
		return def;
	n = strtol(v, &end, 10);
	return *end == '\0' && n >= min ? n : def;
}

/* ---- the fixture ---- */

void
pamfx_init(const char *tag, const char *conf_extra)
{
	umask(022);
	setvbuf(stdout, NULL, _IOLBF, 0);
	pamtest_init(tag, "");
	pamtest_conf_bare(conf_extra);
	pamtest_stack("tfa-fx", "", "");
	fx.dir = pamtest.dir;
	fx.store = pamtest.store;
	fx.confdir = pamtest.confdir;
	fx.conffile = pamtest.conffile;
	fx.module = pamtest.module;
	fx.cfg = pamtest.cfg;
	if (asprintf(&fx.logfile, "%s/log", fx.dir) < 0)
		abort();
	logfd = open(fx.logfile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
	    0600);
	reg = mmap(NULL, REG_SIZE, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (logfd < 0 || reg == MAP_FAILED)
		abort();
	if (access(fx.module, R_OK) != 0) {
		printf("not ok - the module is built: %s\n", fx.module);
		exit(1);
	}
}

/* ---- logins ---- */

int
pamfx_login(const char *service, const char *user, const char *answer,
    struct pamtest_conv *c)
{
	c->answer = answer;
	c->in_order = false;
	if (answer != NULL && strlen(answer) >= 6)
		pamfx_secret(answer);
	return pamtest_run(service, user, PAMTEST_RHOST, NULL, 0, c);
}

/* ---- records and codes ---- */

void
pamfx_enroll(const char *user, struct tfa_totp *t, const uint8_t *secret,
    size_t secret_len)
{
	struct tfa_store *st;
	struct tfa_record rec;
	char hex[2 * TFA_SECRET_MAX + 1], b32[TFA_SECRET_MAX * 2];
	size_t i;

	tfa_record_init(&rec);
	if (tfa_totp_generate(t, (int64_t)pamfx_now) != TFA_OK)
		abort();
	if (secret != NULL) {
		memcpy(t->secret, secret, secret_len);
		t->secret_len = secret_len;
	}
	if (tfa_store_lock(&fx.cfg, NULL, user, &st) != TFA_OK)
		abort();
	rec.totp = *t;
	if (tfa_store_save(st, &rec) != TFA_OK)
		abort();
	tfa_store_close(&st);
	tfa_record_wipe(&rec);
	for (i = 0; i < t->secret_len; i++)
		sprintf(hex + 2 * i, "%02x", t->secret[i]);
	pamfx_secret(hex);
	if (tfa_base32_encode(t->secret, t->secret_len, b32, sizeof(b32)))
		abort();
	pamfx_secret(b32);
}

bool
pamfx_read(const char *user, struct tfa_record *rec)
{
	return tfa_store_read(&fx.cfg, NULL, user, rec) == TFA_OK;
}

void
pamfx_set_failures(const char *user, unsigned failures, int64_t locked_until)
{
	struct tfa_store *st;
	struct tfa_record rec;

	if (tfa_store_lock(&fx.cfg, NULL, user, &st) != TFA_OK ||
	    tfa_store_load(st, &rec) != TFA_OK)
		abort();
	rec.failures = failures;
	rec.locked_until = locked_until;
	if (tfa_store_save(st, &rec) != TFA_OK)
		abort();
	tfa_store_close(&st);
	tfa_record_wipe(&rec);
}

const char *
pamfx_wrong(const struct tfa_totp *t, time_t when)
{
	static char code[16];
	char near[11][16];
	uint32_t v;
	int i;

	for (i = -5; i <= 5; i++)
		snprintf(near[i + 5], sizeof(near[0]), "%s",
		    pamtest_code(t, when + 30 * i));
	for (;;) {
		if (tfa_random(&v, sizeof(v)) != TFA_OK)
			abort();
		snprintf(code, sizeof(code), "%0*u", (int)t->digits,
		    v % 1000000u);
		for (i = 0; i < 11; i++)
			if (strcmp(code, near[i]) == 0)
				break;
		if (i == 11)
			return code;
	}
}

static int
rm_one(const char *p, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (type == FTW_DP || type == FTW_D)
		chmod(p, 0700);
	return remove(p) != 0 && errno != ENOENT ? -1 : 0;
}

int
pamfx_done(void)
{
	size_t len = 0, i;
	char *log = pamfx_slurp(fx.logfile, &len);
	int unprintable = 0;

	if (log == NULL) {
		log = strdup("");
		len = 0;
	}
	for (i = 0; i < len; i++)
		if (((unsigned char)log[i] < 0x20 && log[i] != '\n') ||
		    (unsigned char)log[i] > 0x7e)
			unprintable++;
	printf("# checking every captured log line (%d lines)\n",
	    pamfx_count(log, "\n"));
	CHECK_EQ(pamfx_count(log, "UNPRINTABLE: ") + unprintable, 0);
	check_secrets(log, len);
	if (getenv("TFA_TEST_LOG") != NULL)
		fputs(log, stdout);
	free(log);
	if (getenv("TFA_TEST_KEEP") == NULL) {
		chmod(fx.dir, 0700);
		nftw(fx.dir, rm_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	} else {
		printf("# kept %s\n", fx.dir);
	}
	return tfa_check_done();
}

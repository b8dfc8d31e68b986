/*
 * The configuration parser.  Every key is in one table; a bad line, an
 * unknown key or an out-of-range value is an error naming file and line, and
 * callers fail closed on it.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "config.h"

#define CONFIG_FILE_MAX (64 * 1024)
#define SHOWN_MAX 64		/* characters of a bad key in a message */

enum key_type { KEY_BOOL, KEY_UINT, KEY_STRING, KEY_PATH };

struct key {
	const char *name;
	enum key_type type;
	size_t offset;
	size_t size;		/* string buffer size */
	unsigned min, max;	/* for KEY_UINT */
};

#define BOOL_KEY(n, f) { n, KEY_BOOL, offsetof(struct tfa_config, f), 0, 0, 1 }
#define UINT_KEY(n, f, lo, hi) \
	{ n, KEY_UINT, offsetof(struct tfa_config, f), 0, lo, hi }
#define STR_KEY(n, t, f) { n, t, offsetof(struct tfa_config, f), \
	sizeof(((struct tfa_config *)0)->f), 0, 0 }

static const struct key keys[] = {
	BOOL_KEY("Disabled", disabled),
	BOOL_KEY("AllowAuthenticatorApp", allow_app),
	BOOL_KEY("AllowSecurityKeys", allow_keys),
	BOOL_KEY("AllowBackupCodes", allow_backup),
	BOOL_KEY("AllowUsedDevices", allow_devices),
	BOOL_KEY("AllowAppPasswords", allow_app_passwords),
	BOOL_KEY("ShowRecommendationToConfigure", show_recommendation),
	BOOL_KEY("Enforce", enforce),
	UINT_KEY("TrustDevicesForDays", trust_days, 0, 3650),
	UINT_KEY("ClockTolerance", clock_tolerance, 0, 10),
	UINT_KEY("AppPasswordLifetimeDays", app_password_days, 0, 36500),
	UINT_KEY("MaxFailures", max_failures, 1, 1000),
	UINT_KEY("LockoutMinutes", lockout_minutes, 0, 525600),
	UINT_KEY("MaxKeys", max_keys, 1, 20),
	UINT_KEY("KeyTimeoutSeconds", key_timeout, 1, 120),
	STR_KEY("Issuer", KEY_STRING, issuer),
	STR_KEY("Origin", KEY_STRING, origin),
	STR_KEY("StoreDir", KEY_PATH, store_dir),
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

void
tfa_config_init(struct tfa_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->allow_app = true;
	cfg->allow_keys = true;
	cfg->allow_backup = true;
	cfg->allow_devices = true;
	cfg->allow_app_passwords = true;
	cfg->trust_days = 30;
	cfg->clock_tolerance = 2;
	cfg->max_failures = 5;
	cfg->lockout_minutes = 15;
	cfg->max_keys = 5;
	cfg->key_timeout = 15;
	memcpy(cfg->store_dir, TFA_STORE_DIR, sizeof(TFA_STORE_DIR));
}

static const struct key *
find_key(const char *name)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (strcasecmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static int
parse_bool(const char *v, bool *out)
{
	static const char *yes[] = { "true", "yes", "on", "1" };
	static const char *no[] = { "false", "no", "off", "0" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

static int
parse_uint(const char *v, unsigned min, unsigned max, unsigned *out)
{
	unsigned long n = 0;

	if (*v == '\0')
		return -1;
	for (; *v != '\0'; v++) {
		if (*v < '0' || *v > '9')
			return -1;
		n = n * 10 + (unsigned long)(*v - '0');
		if (n > max)
			return -1;
	}
	if (n < min)
		return -1;
	*out = (unsigned)n;
	return 0;
}

static int
has_control(const char *v)
{
	for (; *v != '\0'; v++)
		if ((unsigned char)*v < 0x20 || *v == 0x7f)
			return 1;
	return 0;
}

/*
 * At most 64 characters of s for an error message, control and non-ASCII
 * bytes as \xHH: a hostile line must not put terminal escapes in the log.
 */
static const char *
shown(char out[SHOWN_MAX + 1], const char *s)
{
	size_t o = 0;

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c < 0x7f) {
			if (o + 1 > SHOWN_MAX)
				break;
			out[o++] = (char)c;
		} else {
			if (o + 4 > SHOWN_MAX)
				break;
			o += (size_t)snprintf(out + o, 5, "\\x%02x", c);
		}
	}
	out[o] = '\0';
	return out;
}

tfa_err
tfa_config_set(struct tfa_config *cfg, const char *name, const char *value,
    char *err, size_t errlen)
{
	const struct key *k = find_key(name);
	char show[SHOWN_MAX + 1];
	char *field;

	if (k == NULL) {
		snprintf(err, errlen, "unknown key \"%s\"", shown(show, name));
		return TFA_ERR_CONFIG;
	}
	field = (char *)cfg + k->offset;
	switch (k->type) {
	case KEY_BOOL:
		if (parse_bool(value, (bool *)(void *)field) != 0)
			goto bad;
		break;
	case KEY_UINT:
		if (parse_uint(value, k->min, k->max,
		    (unsigned *)(void *)field) != 0) {
			snprintf(err, errlen, "%s must be a whole number "
			    "from %u to %u", k->name, k->min, k->max);
			return TFA_ERR_CONFIG;
		}
		break;
	case KEY_PATH:
		if (value[0] != '/')
			goto bad;
		/* FALLTHROUGH */
	case KEY_STRING:
		if (has_control(value) || tfa_strlcpy(field, value, k->size))
			goto bad;
		break;
	}
	return TFA_OK;
bad:
	snprintf(err, errlen, "bad value for %s", k->name);
	return TFA_ERR_CONFIG;
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* One line, already NUL-terminated and free of NUL bytes. */
static tfa_err
parse_line(struct tfa_config *cfg, char *line, unsigned *seen_at,
    unsigned lineno, char *err, size_t errlen)
{
	char *key, *value, *eq;
	const struct key *k;

	key = trim(line);
	if (*key == '\0' || *key == '#')
		return TFA_OK;
	if ((eq = strchr(key, '=')) == NULL) {
		snprintf(err, errlen, "expected \"Key = value\"");
		return TFA_ERR_CONFIG;
	}
	*eq = '\0';
	key = trim(key);
	value = trim(eq + 1);
	if ((k = find_key(key)) != NULL) {
		unsigned *first = &seen_at[k - keys];
		if (*first != 0) {
			snprintf(err, errlen, "%s is already set on line %u",
			    k->name, *first);
			return TFA_ERR_CONFIG;
		}
		*first = lineno;
	}
	return tfa_config_set(cfg, key, value, err, errlen);
}

tfa_err
tfa_config_parse(struct tfa_config *cfg, const char *buf, size_t len,
    const char *name, char *err, size_t errlen)
{
	char line[TFA_CONFIG_LINE_MAX + 1], why[256];
	unsigned seen_at[NKEYS] = { 0 }, lineno = 0;
	size_t pos = 0, n;
	const char *nl;
	tfa_err r;

	while (pos < len) {
		lineno++;
		nl = memchr(buf + pos, '\n', len - pos);
		n = (nl != NULL ? (size_t)(nl - buf) : len) - pos;
		if (n > TFA_CONFIG_LINE_MAX) {
			snprintf(err, errlen, "%s:%u: line too long", name,
			    lineno);
			return TFA_ERR_CONFIG;
		}
		if (memchr(buf + pos, '\0', n) != NULL) {
			snprintf(err, errlen, "%s:%u: NUL byte in line", name,
			    lineno);
			return TFA_ERR_CONFIG;
		}
		memcpy(line, buf + pos, n);
		line[n] = '\0';
		pos += n + 1;
		r = parse_line(cfg, line, seen_at, lineno, why, sizeof(why));
		if (r != TFA_OK) {
			snprintf(err, errlen, "%s:%u: %s", name, lineno, why);
			return r;
		}
	}
	return TFA_OK;
}

/*
 * The file decides where the store is, so it must be as trusted as the
 * store: not a symlink, owned by root (or by whoever runs us), writable by
 * nobody else.  With st, what fstat said of the file read.
 */
static tfa_err
load(struct tfa_config *cfg, const char *path, bool must_exist, char *err,
    size_t errlen, struct stat *stp)
{
	char *buf = NULL;
	struct stat st;
	ssize_t n;
	size_t got = 0;
	tfa_err r = TFA_ERR_CONFIG;
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT && !must_exist)
			return TFA_OK;
		snprintf(err, errlen, "%s: cannot open: %s", path,
		    strerror(errno));
		return TFA_ERR_CONFIG;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if ((st.st_uid != 0 && st.st_uid != geteuid()) ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		snprintf(err, errlen, "%s: must be owned by root and writable "
		    "by its owner only", path);
		goto out;
	}
	if (st.st_size > CONFIG_FILE_MAX) {
		snprintf(err, errlen, "%s: larger than %d bytes", path,
		    CONFIG_FILE_MAX);
		goto out;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		r = TFA_ERR_NOMEM;
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "%s: read error", path);
			goto out;
		}
		got += (size_t)n;
	}
	r = tfa_config_parse(cfg, buf, got, path, err, errlen);
	if (r == TFA_OK && stp != NULL)
		*stp = st;
out:
	free(buf);
	close(fd);
	return r;
}

tfa_err
tfa_config_load(struct tfa_config *cfg, const char *path, bool must_exist,
    char *err, size_t errlen)
{
	return load(cfg, path, must_exist, err, errlen, NULL);
}

/*
 * What tfa_config_read last parsed: kept while the file stays the same
 * (same inode, size, owner, mode and change time) and its change time is at
 * least this many seconds before the moment it was read: a file changed
 * twice within one tick of the file system's clock would otherwise keep
 * its first change time and go unseen.
 */
#define SETTLED 2

static struct {
	pthread_mutex_t mu;
	bool valid;
	struct stat st;
	struct tfa_config cfg;
	char path[PATH_MAX];
} kept = { .mu = PTHREAD_MUTEX_INITIALIZER };

static bool
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	    a->st_size == b->st_size && a->st_uid == b->st_uid &&
	    a->st_mode == b->st_mode &&
	    a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	    a->st_ctim.tv_nsec == b->st_ctim.tv_nsec &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	    a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

tfa_err
tfa_config_read(struct tfa_config *cfg, const char *path, bool must_exist,
    char *err, size_t errlen)
{
	struct stat before, read_st;
	struct timespec now;
	bool have, hit = false;
	tfa_err r;

	tfa_config_init(cfg);
	/* only a root-owned file: the owner check then needs no euid */
	have = lstat(path, &before) == 0 && S_ISREG(before.st_mode) &&
	    before.st_uid == 0 && strlen(path) < sizeof(kept.path);
	/*
	 * trylock: a busy lock means another thread is at it, or that a
	 * thread held it when the process forked and never will let go in
	 * this copy; either way, read the file
	 */
	if (have && pthread_mutex_trylock(&kept.mu) == 0) {
		if (kept.valid && same_file(&kept.st, &before) &&
		    strcmp(kept.path, path) == 0) {
			*cfg = kept.cfg;
			hit = true;
		}
		pthread_mutex_unlock(&kept.mu);
		if (hit)
			return TFA_OK;
	}
	r = load(cfg, path, must_exist, err, errlen, &read_st);
	if (r != TFA_OK || !have || !same_file(&before, &read_st) ||
	    clock_gettime(CLOCK_REALTIME, &now) != 0 ||
	    now.tv_sec - read_st.st_ctim.tv_sec < SETTLED ||
	    pthread_mutex_trylock(&kept.mu) != 0)
		return r;
	kept.valid = true;
	kept.st = read_st;
	kept.cfg = *cfg;
	memcpy(kept.path, path, strlen(path) + 1);
	pthread_mutex_unlock(&kept.mu);
	return TFA_OK;
}

tfa_err
tfa_config_arg(struct tfa_config *cfg, const char *arg, char *err,
    size_t errlen)
{
	char key[64], show[SHOWN_MAX + 1];
	const char *eq = strchr(arg, '=');
	size_t n;

	if (eq == NULL || (n = (size_t)(eq - arg)) == 0 || n >= sizeof(key)) {
		snprintf(err, errlen, "module argument \"%s\": expected "
		    "Key=value", shown(show, arg));
		return TFA_ERR_CONFIG;
	}
	memcpy(key, arg, n);
	key[n] = '\0';
	if (tfa_config_set(cfg, key, eq + 1, err, errlen) != TFA_OK) {
		char why[256];

		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errlen, "module argument \"%s\": %s",
		    shown(show, key), why);
		return TFA_ERR_CONFIG;
	}
	return TFA_OK;
}

tfa_err
tfa_config_args_once(int argc, const char **argv, char *err, size_t errlen)
{
	char key[64], show[SHOWN_MAX + 1];
	size_t n;
	int i, j;

	for (i = 1; i < argc; i++) {
		n = strcspn(argv[i], "=");
		for (j = 0; j < i; j++)
			if (strcspn(argv[j], "=") == n &&
			    strncasecmp(argv[i], argv[j], n) == 0)
				goto repeated;
	}
	return TFA_OK;
repeated:
	snprintf(key, sizeof(key), "%.*s", (int)(n < sizeof(key) ? n :
	    sizeof(key) - 1), argv[i]);
	snprintf(err, errlen, "module argument \"%s\": already set by "
	    "argument %d", shown(show, key), j + 1);
	return TFA_ERR_CONFIG;
}

static tfa_err
hostname(char *buf, size_t len)
{
	if (gethostname(buf, len) != 0)
		return TFA_ERR_IO;
	buf[len - 1] = '\0';
	return TFA_OK;
}

tfa_err
tfa_config_issuer(const struct tfa_config *cfg, char *buf, size_t len)
{
	if (cfg->issuer[0] != '\0')
		return tfa_strlcpy(buf, cfg->issuer, len);
	return hostname(buf, len);
}

tfa_err
tfa_config_origin(const struct tfa_config *cfg, char *buf, size_t len)
{
	char host[256];
	int n;

	if (cfg->origin[0] != '\0')
		return tfa_strlcpy(buf, cfg->origin, len);
	if (hostname(host, sizeof(host)) != TFA_OK)
		return TFA_ERR_IO;
	n = snprintf(buf, len, "pam://%s", host);
	return (n < 0 || (size_t)n >= len) ? TFA_ERR_INVAL : TFA_OK;
}

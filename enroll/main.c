/*
 * tfa-enroll: the command line — global options, the command table, the
 * set-up every command shares (config, user) and the log sink.
 */
#include <getopt.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/prctl.h>

#include "enroll.h"

#define PROG "tfa-enroll"

struct command {
	const char *name;
	const char *sub;		/* second word, e.g. "totp remove" */
	int (*run)(struct tfa_enroll *);
	const char *summary;
	const char *help;
};

static const struct command commands[] = {
	{ "status", NULL, tfa_enroll_status,
	    "show your second-factor settings and login state",
	    "Shows whether an authenticator app is set up, failed tries in "
	    "a row,\na lockout if any, and the last login with a second "
	    "factor.\n" },
	{ "totp", NULL, tfa_enroll_totp_add,
	    "set up an authenticator app (TOTP)",
	    "Makes a new secret, shows it as a QR code, an otpauth:// link "
	    "and a key\nto type, then asks for one code from the app.  "
	    "Nothing is stored unless\nthat code is right (3 tries).  "
	    "Refused when an app is already set up:\nrun 'tfa-enroll totp "
	    "remove' first.\n\nSee also: tfa-enroll totp remove --help\n" },
	{ "totp", "remove", tfa_enroll_totp_remove,
	    "remove the authenticator app",
	    "Asks for a current code from the app (or a backup code) and, "
	    "when it is\nright, removes the app.  A wrong code counts as a "
	    "failed login try.\nWhen the administrator has turned apps off "
	    "and no backup code is left,\na touch of a registered security "
	    "key proves it instead.\n" },
	{ "backup-codes", NULL, tfa_enroll_backup_codes,
	    "make 10 single-use backup codes (old ones stop working)",
	    "Makes 10 new backup codes and shows them once.  Each works once "
	    "at the\n\"Verification code: \" prompt, in place of a code from "
	    "the app, for when\nthe phone is lost.  Any older backup codes "
	    "stop working.  Needs an\nauthenticator app or a security key, "
	    "and asks for a current code (or an\nold backup code) first, or "
	    "a touch of a registered key when you have\nneither.\n" },
	{ "disable", NULL, tfa_enroll_disable,
	    "(root) turn the second factor off for --user NAME",
	    "Root only, with --user NAME: logins of NAME no longer ask for a "
	    "second\nfactor (even with Enforce=true) until 'tfa-enroll --user "
	    "NAME enable'.\nNothing else in the record changes.\n" },
	{ "enable", NULL, tfa_enroll_enable,
	    "(root) turn it back on for --user NAME",
	    "Root only, with --user NAME: undoes 'disable'.\n" },
	{ "reset", NULL, tfa_enroll_reset,
	    "(root) remove every method and all state of --user NAME",
	    "Root only, with --user NAME: deletes the whole record (app, "
	    "backup codes,\nkeys, app passwords, devices, failures).  NAME "
	    "can then enroll afresh.\n" },
	{ "list-users", NULL, tfa_enroll_list_users,
	    "(root) every user in the store, with methods and last login",
	    "Root only: one line per user with a record: app, keys, backup "
	    "codes left,\napp passwords, devices, disabled, lockout and the "
	    "last second-factor\nlogin.  Names are shown escaped as in the "
	    "log.  --json prints one JSON\narray of objects instead.\n" },
	{ "key", "add", tfa_enroll_key_add,
	    "register a security key (FIDO2/U2F)",
	    "usage: ... key add [NAME] [--eddsa] [--uv]\n\n"
	    "Registers the security key plugged in (one you have not "
	    "registered yet)\nfor this host's relying party (Origin).  "
	    "Asks for the key's PIN when it\nhas one, then for a touch.  "
	    "--eddsa makes an Ed25519 credential\n(default ES256), --uv "
	    "makes every login with it ask for the key's PIN\nor "
	    "fingerprint as well.  Local logins then ask for a touch "
	    "instead of a\ncode.  At most MaxKeys keys.  When you have a "
	    "second factor already,\nasks for a current code first (or a "
	    "touch of a registered key).\n" },
	{ "key", "list", tfa_enroll_key_list,
	    "list your security keys",
	    "usage: ... key list [--json]\n\n"
	    "One line per key: ID, name, type, whether it asks for a PIN "
	    "or\nfingerprint, when it was added and last used, and the "
	    "relying party of\na key registered for another than Origin "
	    "(logins ask for it too).\n" },
	{ "key", "remove", tfa_enroll_key_remove,
	    "remove a security key",
	    "usage: ... key remove ID\n\n"
	    "Removes key ID (see 'key list').  Asks for a current code "
	    "first, or\na touch of a registered key when you have no app "
	    "or backup codes.\n" },
	{ "app-password", "add", tfa_enroll_apppw_add,
	    "make an app password for a mail or DAV client",
	    "usage: ... app-password add NAME [--services LIST] [--days N]\n\n"
	    "Makes a random password for one app (a mail client, a phone) "
	    "and shows\nit once.  The app sends it instead of your password "
	    "and a code.\n--services imap,smtp allows it only there (default: "
	    "everywhere the\nadministrator's mail stack accepts app "
	    "passwords); --days N makes it\nexpire (default "
	    "AppPasswordLifetimeDays; 0 never).  Asks for a current\ncode "
	    "first, or a touch of a registered key when you have no code "
	    "(not\nas root).  NAME: 1 to 64 bytes of UTF-8 text without "
	    "control characters.\n" },
	{ "app-password", "list", tfa_enroll_apppw_list,
	    "list app passwords (--json)",
	    "Lists your app passwords: id, name, services, created, last "
	    "used and\nfrom where, expiry.  --json prints a JSON array "
	    "(times in seconds\nsince the epoch, 0 for never).\n" },
	{ "app-password", "remove", tfa_enroll_apppw_remove,
	    "remove app password ID",
	    "usage: ... app-password remove ID\n\nRemoves one app password "
	    "(ID from 'app-password list'); the app using it\ncan no longer "
	    "log in.  Asks for no code: removing only takes access\naway, "
	    "and must work for a user who lost the phone.\n" },
	{ "devices", NULL, tfa_enroll_devices,
	    "list the devices that logged in with a second factor (--json)",
	    "Lists every device: id, kind (host: an interactive login from a "
	    "host or\ntty; mail: a remembered mail client), service, remote "
	    "host, first and\nlast seen, and until when it is trusted to skip "
	    "the code.  --json prints\na JSON array (times in seconds since "
	    "the epoch, 0 for never).\n\nSee also: tfa-enroll devices remove "
	    "--help\n" },
	{ "devices", "remove", tfa_enroll_devices_remove,
	    "log out device ID, or all",
	    "usage: ... devices remove ID|all\n\nRemoves one device, or "
	    "all: its next login needs a fresh code.  Asks\nfor no code: "
	    "removing only takes access away, and must work for a\nuser who "
	    "lost the phone.\n" },
	{ "cleanup", NULL, tfa_enroll_cleanup,
	    "(root) prune expired entries in every record",
	    "Walks the whole store and removes expired app passwords and "
	    "devices that\nare no longer trusted and unused for 30 days.  "
	    "Records are pruned\nwhenever they are written anyway; run this "
	    "daily (contrib/tfa-cleanup.timer)\nfor the users who do not "
	    "log in.\n" },
	{ "import", NULL, tfa_enroll_import,
	    "take over second factors from another PAM module",
	    "usage: ... import --from FORMAT [--user NAME] [--dry-run] "
	    "[--replace]\n           [--origin RP] [--appid APPID] FILE\n\n"
	    "FORMAT is google-authenticator (a ~/.google_authenticator: the "
	    "app and\nits scratch codes), oath-users (pam_oath's usersfile: "
	    "HOTP/T30 and\nHOTP/T60 tokens) or pam-u2f (its authfile: "
	    "security keys; --origin is\npam_u2f's origin, default "
	    "pam://HOSTNAME, --appid its appid for old\nU2F keys).  A "
	    "google-authenticator file is for --user NAME (default:\nyou); "
	    "the other files name their users, --user picks one.  Each user "
	    "is\nimported whole or not at all; what cannot be imported "
	    "(HOTP counters,\nPINs, RS256 or resident keys) is reported.  A "
	    "file a user owns gives\nthat user's own entry only (a "
	    "google-authenticator file: only to that\nuser).  An "
	    "existing app, backup codes or keys are replaced only\nwith "
	    "--replace.  --dry-run reports and changes nothing.  Root\n"
	    "only, but a user may import their own google-authenticator "
	    "file\ninto a store of their own (--store DIR).\n" },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct option global_opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "store", required_argument, NULL, 's' },
	{ "user", required_argument, NULL, 'u' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static const struct option command_opts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "json", no_argument, NULL, 'j' },
	{ NULL, 0, NULL, 0 }
};

struct options {
	const char *config;		/* NULL: the default, may be missing */
	const char *store;
	const char *user;		/* --user NAME */
};

/* Commands that act on --user NAME for root, and those with --json. */
static const char *const user_commands[] = { "status", "disable", "enable",
	"reset", "backup-codes", "totp remove", "import", "app-password add",
	"app-password list", "app-password remove", "devices",
	"devices remove", "key add", "key list", "key remove" };
#define NUSER_COMMANDS	(sizeof(user_commands) / sizeof(user_commands[0]))
static const char *const json_commands[] = { "list-users" };

/*
 * Commands that reach the store only through ops.h, so they work in a
 * set-uid run (and the admin ones, which refuse non-root users anyway).
 * Another command run there cannot open the root-owned store: it is
 * refused up front.  Add a command here once its store access is an op.
 */
static const char *const monitor_commands[] = { "status", "totp",
	"totp remove", "backup-codes", "disable", "enable", "reset",
	"list-users", "key add", "key list", "key remove", "app-password add",
	"app-password list", "app-password remove", "devices",
	"devices remove" };

void
tfa_enroll_error(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
tfa_enroll_store_error(const struct tfa_enroll *e, const char *what,
    tfa_err r)
{
	tfa_enroll_error("%s: %s", what, tfa_strerror(r));
	if (e->monitor >= 0) {
		/* the system store: the user can do nothing but report it */
		if (r == TFA_ERR_UNSAFE || r == TFA_ERR_IO ||
		    r == TFA_ERR_CORRUPT)
			tfa_enroll_error("ask an administrator to look at the "
			    "store %s (the system log has the details)",
			    e->cfg.store_dir);
		return;
	}
	switch (r) {
	case TFA_ERR_UNSAFE:
		tfa_enroll_error("the store directory %s or your record in it "
		    "fails a safety check (symbolic link, owner or mode); "
		    "see the message above or the system log",
		    e->cfg.store_dir);
		break;
	case TFA_ERR_IO:
		tfa_enroll_error("check that the store directory %s exists, "
		    "is yours and is writable (see the system log)",
		    e->cfg.store_dir);
		break;
	case TFA_ERR_CORRUPT:
		tfa_enroll_error("your record in %s cannot be decoded; ask an "
		    "administrator to look at it (see the system log)",
		    e->cfg.store_dir);
		break;
	default:
		break;
	}
}

/*
 * Everything goes to syslog for the admin; warnings and errors also to
 * stderr, because the person at the terminal is the one who can act on a
 * bad store mode or a corrupt record right now.
 */
static void
log_sink(void *arg, int prio, const char *msg)
{
	(void)arg;
	syslog(prio, "%s", msg);
	if (prio <= LOG_WARNING)
		tfa_enroll_error("%s", msg);
}

/*
 * The commands --user works with, from user_commands itself so that the
 * help and the refusal cannot drift from it: comma-separated, in lines of
 * at most width columns each starting with indent; or on one line when
 * indent is NULL.
 */
static void
list_user_commands(FILE *fp, const char *indent, size_t width)
{
	size_t i, col = 0, len;

	for (i = 0; i < NUSER_COMMANDS; i++) {
		len = strlen(user_commands[i]) + (i + 1 < NUSER_COMMANDS);
		if (indent != NULL && (col == 0 || col + 1 + len > width)) {
			fprintf(fp, "%s%s", col > 0 ? "\n" : "", indent);
			col = strlen(indent);
		} else if (col > 0) {
			fputc(' ', fp);
			col++;
		}
		fprintf(fp, "%s%s", user_commands[i],
		    i + 1 < NUSER_COMMANDS ? "," : "");
		col += len;
	}
	if (indent != NULL)
		fputc('\n', fp);
}

static void
usage(FILE *fp)
{
	char label[32];
	size_t i;

	fprintf(fp, "usage: " PROG " [--config FILE] [--store DIR] [--user NAME] "
	    "COMMAND [--help]\n       " PROG " --help | --version\n\n"
	    "Sets up and shows your second factor for logins through "
	    "pam_tfa.\n\nCommands:\n");
	for (i = 0; i < NCOMMANDS; i++) {
		snprintf(label, sizeof(label), "%s%s%s", commands[i].name,
		    commands[i].sub ? " " : "",
		    commands[i].sub ? commands[i].sub : "");
		fprintf(fp, "  %-14s %s\n", label, commands[i].summary);
	}
	fprintf(fp, "\nOptions:\n"
	    "  -c, --config FILE  read FILE instead of " TFA_CONFIG_FILE "\n"
	    "  -s, --store DIR    use the store in DIR, not StoreDir\n"
	    "  -u, --user NAME    (root) act on NAME's record, with:\n");
	list_user_commands(fp, "                     ", 76);
	fprintf(fp, "  -h, --help         show this help\n"
	    "  -V, --version      show the version\n\n"
	    "Run '" PROG " COMMAND --help' for help on a command.\n");
}

/* A bad command line: say what, and where the help is. */
static int
usage_error(const struct command *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
usage_error(const struct command *c, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs(PROG ": ", stderr);
	if (c != NULL)
		fprintf(stderr, "%s%s%s: ", c->name, c->sub ? " " : "",
		    c->sub ? c->sub : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (c != NULL)
		fprintf(stderr, "\nTry '" PROG " %s%s%s --help'.\n", c->name,
		    c->sub ? " " : "", c->sub ? c->sub : "");
	else
		fputs("\nTry '" PROG " --help'.\n", stderr);
	return TFA_EXIT_USAGE;
}

static void
command_help(const struct command *c)
{
	printf("usage: " PROG " [--config FILE] [--store DIR] [--user NAME] "
	    "%s%s%s [--help]\n\n%s", c->name, c->sub ? " " : "",
	    c->sub ? c->sub : "", c->help);
}

/* Global options; -1 to go on, or the exit status. */
static int
parse_global(int argc, char **argv, struct options *o)
{
	int ch;

	opterr = 0;
	/* '+': stop at the command, whose options are its own */
	while ((ch = getopt_long(argc, argv, "+:c:s:u:hV", global_opts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->config = optarg;
			break;
		case 's':
			o->store = optarg;
			break;
		case 'u':
			o->user = optarg;
			break;
		case 'h':
			usage(stdout);
			return TFA_EXIT_OK;
		case 'V':
			printf(PROG " %s\n", TFA_VERSION);
			return TFA_EXIT_OK;
		case ':':
			return usage_error(NULL, "option '%s' needs an argument",
			    argv[optind - 1]);
		default:
			if (optopt != 0)
				return usage_error(NULL, "unknown option "
				    "'-%c'", optopt);
			return usage_error(NULL, "unknown option '%s'",
			    argv[optind - 1]);
		}
	}
	return -1;
}

/* Commands that parse their own arguments (from e->argc, e->argv). */
static bool
takes_args(const struct command *c)
{
	return c->run == tfa_enroll_key_add ||
	    c->run == tfa_enroll_key_list ||
	    c->run == tfa_enroll_key_remove ||
	    c->run == tfa_enroll_apppw_add ||
	    c->run == tfa_enroll_apppw_list ||
	    c->run == tfa_enroll_apppw_remove ||
	    c->run == tfa_enroll_devices ||
	    c->run == tfa_enroll_devices_remove ||
	    c->run == tfa_enroll_cleanup ||
	    c->run == tfa_enroll_import;
}

/*
 * For those, only --help is taken here; the rest is left in e->argc and
 * e->argv.  -1 to go on, else the exit status.
 */
static int
help_only(const struct command *c, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			command_help(c);
			return TFA_EXIT_OK;
		}
	return -1;
}

/* The entry for "NAME SUB" if there is one, else for "NAME". */
static const struct command *
find_command(int argc, char **argv)
{
	const struct command *found = NULL;
	size_t i;

	for (i = 0; i < NCOMMANDS; i++) {
		if (strcmp(commands[i].name, argv[0]) != 0)
			continue;
		if (commands[i].sub == NULL)
			found = &commands[i];
		else if (argc > 1 && strcmp(commands[i].sub, argv[1]) == 0)
			return &commands[i];
	}
	return found;
}

/*
 * A first word that is only ever followed by a second one ("key",
 * "app-password"): with --help, that group's commands and exit 0; else
 * the usage error of a missing or unknown second word.  Any other word is
 * an unknown command.
 */
static int
group_command(int argc, char **argv)
{
	char label[32];
	size_t i;
	bool group = false;

	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, argv[0]) == 0)
			group = true;
	if (!group)
		return usage_error(NULL, "unknown command '%s'", argv[0]);
	if (argc == 1 || (strcmp(argv[1], "--help") != 0 &&
	    strcmp(argv[1], "-h") != 0)) {
		fflush(stdout);
		if (argc == 1)
			fprintf(stderr, PROG ": %s: give one of its commands",
			    argv[0]);
		else
			fprintf(stderr, PROG ": unknown command '%s %s'",
			    argv[0], argv[1]);
		fprintf(stderr, "\nTry '" PROG " %s --help'.\n", argv[0]);
		return TFA_EXIT_USAGE;
	}
	printf("usage: " PROG " [--config FILE] [--store DIR] [--user NAME] "
	    "%s COMMAND [--help]\n\nCommands:\n", argv[0]);
	for (i = 0; i < NCOMMANDS; i++) {
		if (strcmp(commands[i].name, argv[0]) != 0)
			continue;
		snprintf(label, sizeof(label), "%s %s", commands[i].name,
		    commands[i].sub);
		printf("  %-20s %s\n", label, commands[i].summary);
	}
	printf("\nRun '" PROG " %s COMMAND --help' for help on one.\n",
	    argv[0]);
	return TFA_EXIT_OK;
}

/* True when c ("NAME" or "NAME SUB") is one of list. */
static bool
command_in(const struct command *c, const char *const *list, size_t n)
{
	char label[64];
	size_t i;

	snprintf(label, sizeof(label), "%s%s%s", c->name, c->sub ? " " : "",
	    c->sub ? c->sub : "");
	for (i = 0; i < n; i++)
		if (strcmp(label, list[i]) == 0)
			return true;
	return false;
}

#define COMMAND_IN(c, list) \
	command_in((c), (list), sizeof(list) / sizeof((list)[0]))

/* A command's own options (--help, --json); -1 to go on, or exit status. */
static int
parse_command(const struct command *c, int argc, char **argv, bool *json)
{
	int ch;

	if (takes_args(c))
		return help_only(c, argc, argv);
	optind = 0;		/* glibc: start a fresh scan */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+h", command_opts, NULL)) != -1) {
		if (ch == 'h') {
			command_help(c);
			return TFA_EXIT_OK;
		}
		if (ch == 'j' && COMMAND_IN(c, json_commands)) {
			*json = true;
			continue;
		}
		if (ch == 'j')
			return usage_error(c, "there is no --json output here");
		if (optopt != 0)
			return usage_error(c, "unknown option '-%c'", optopt);
		return usage_error(c, "unknown option '%s'", argv[optind - 1]);
	}
	if (optind < argc)
		return usage_error(c, "unexpected argument '%s'", argv[optind]);
	return -1;
}

/* The configuration from the set-uid monitor, which read the system's. */
static int
monitor_config(struct tfa_enroll *e)
{
	tfa_err r = tfa_privsep_hello(e);

	if (r == TFA_OK)
		return -1;
	if (r == TFA_ERR_CONFIG)
		tfa_enroll_error("the system configuration %s has an error; ask "
		    "an administrator (the system log has the details)",
		    TFA_CONFIG_FILE);
	else if (r != TFA_ERR_IO)	/* the transport said why */
		tfa_enroll_error("cannot start: %s", tfa_strerror(r));
	return TFA_EXIT_FAIL;
}

static int
load_config(struct tfa_enroll *e, const struct options *o)
{
	char err[TFA_CONFIG_LINE_MAX + 256];

	if (e->monitor >= 0 && o->config == NULL && o->store == NULL)
		return monitor_config(e);
	/* files the user named: read and used with the user's rights only */
	tfa_privsep_detach(e);
	tfa_config_init(&e->cfg);
	if (tfa_config_load(&e->cfg, o->config ? o->config : TFA_CONFIG_FILE,
	    o->config != NULL, err, sizeof(err)) != TFA_OK) {
		tfa_enroll_error("%s", err);
		return TFA_EXIT_FAIL;
	}
	if (o->store != NULL && tfa_strlcpy(e->cfg.store_dir, o->store,
	    sizeof(e->cfg.store_dir)) != TFA_OK) {
		tfa_enroll_error("--store: path too long");
		return TFA_EXIT_FAIL;
	}
	return -1;
}

/* The caller's own name: the monitor's word for it, else by real uid. */
static int
own_name(struct tfa_enroll *e)
{
	struct passwd *pw;

	if (e->monitor >= 0)
		return -1;		/* from tfa_privsep_hello */
	if ((pw = getpwuid(getuid())) == NULL) {
		tfa_enroll_error("cannot find the user name of uid %u",
		    (unsigned)getuid());
		return TFA_EXIT_FAIL;
	}
	/* not echoed back: a name that fails the check may hold escapes */
	if (tfa_user_check(pw->pw_name) != TFA_OK ||
	    tfa_strlcpy(e->user, pw->pw_name, sizeof(e->user)) != TFA_OK) {
		tfa_enroll_error("the user name of uid %u cannot have a second "
		    "factor: %s", (unsigned)getuid(),
		    tfa_strerror(TFA_ERR_USER));
		return TFA_EXIT_FAIL;
	}
	return -1;
}

/*
 * root may act on anyone's record with --user NAME; anyone else only on
 * their own, checked here before any store is touched (and again by the
 * monitor, which serves the caller's record only).
 */
static int
other_user(struct tfa_enroll *e, const struct options *o,
    const struct command *c)
{
	if (tfa_user_check(o->user) != TFA_OK) {
		tfa_enroll_error("--user: not a name that can have a second "
		    "factor: %s", tfa_strerror(TFA_ERR_USER));
		return TFA_EXIT_FAIL;
	}
	if (getuid() != 0) {
		if (strcmp(o->user, e->user) == 0)
			return -1;
		tfa_enroll_error("only root can act on another user's record "
		    "(--user); you are %s", e->user);
		return TFA_EXIT_FAIL;
	}
	if (!COMMAND_IN(c, user_commands)) {
		fflush(stdout);
		fprintf(stderr, PROG ": %s%s%s: --user works only with: ",
		    c->name, c->sub ? " " : "", c->sub ? c->sub : "");
		list_user_commands(stderr, NULL, 0);
		fprintf(stderr, "\nTry '" PROG " --help'.\n");
		return TFA_EXIT_USAGE;
	}
	if (tfa_strlcpy(e->admin, e->user, sizeof(e->admin)) != TFA_OK ||
	    tfa_strlcpy(e->user, o->user, sizeof(e->user)) != TFA_OK)
		return TFA_EXIT_FAIL;
	return -1;
}

static int
find_user(struct tfa_enroll *e, const struct options *o,
    const struct command *c)
{
	int rc;

	if ((rc = own_name(e)) >= 0 ||
	    (o->user != NULL && (rc = other_user(e, o, c)) >= 0))
		return rc;
	if (tfa_user_escape(e->user, e->user_log, sizeof(e->user_log)) !=
	    TFA_OK)
		return TFA_EXIT_FAIL;
	return -1;
}

/* -1 when c can run here, else the exit status. */
static int
check_monitor(const struct tfa_enroll *e, const struct command *c)
{
	if (e->monitor < 0 || COMMAND_IN(c, monitor_commands))
		return -1;
	tfa_enroll_error("%s%s%s: not available to users of the system store "
	    "yet; ask root, or use a store of your own (--store DIR)",
	    c->name, c->sub ? " " : "", c->sub ? c->sub : "");
	return TFA_EXIT_FAIL;
}

int
main(int argc, char **argv)
{
	struct options o = { NULL, NULL, NULL };
	struct tfa_ops_session session;
	struct tfa_enroll e;
	const struct command *c;
	int rc;

	/* a core dump would hold the TOTP secret */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	memset(&e, 0, sizeof(e));
	memset(&session, 0, sizeof(session));
	e.session = &session;
	e.monitor = -1;
	e.log.fn = log_sink;
	openlog(PROG, LOG_PID, LOG_AUTHPRIV);
	/* set-uid: from here on, this is the unprivileged child */
	if ((rc = tfa_privsep_start(&e)) >= 0)
		goto out;
	if ((rc = parse_global(argc, argv, &o)) >= 0)
		goto out;
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		rc = usage_error(NULL, "%s", "no command given");
		goto out;
	}
	if ((c = find_command(argc, argv)) == NULL) {
		rc = group_command(argc, argv);
		goto out;
	}
	argc -= c->sub ? 1 : 0;
	argv += c->sub ? 1 : 0;
	e.argc = argc;
	e.argv = argv;
	if ((rc = parse_command(c, argc, argv, &e.json)) >= 0 ||
	    (rc = load_config(&e, &o)) >= 0 || (rc = find_user(&e, &o, c)) >= 0 ||
	    (rc = check_monitor(&e, c)) >= 0)
		goto out;
	rc = c->run(&e);
out:
	/* "status > /dev/full" must not look like it worked */
	if ((fflush(stdout) != 0 || ferror(stdout)) && rc == TFA_EXIT_OK) {
		tfa_enroll_error("cannot write the output");
		rc = TFA_EXIT_FAIL;
	}
	closelog();
	return rc;
}

/*
 * Unit tests for common/user.c: which names are accepted, and that the
 * escaped file-name stem is safe, canonical and reversible.
 */
#include <stdio.h>

#include "check.h"
#include "user.h"

static void
test_check(void)
{
	static const char *good[] = {
		"alice", "alice@example.com", "a b", "j\xc3\xb6rg", "a.",
		"a..b", "-dash", "~tilde", "%41", "\x80\xff",
	};
	static const char *bad[] = {
		"", ".hidden", ".", "..", "a/b", "/", "a/", "/a",
		"a\nb", "a\tb", "a\x7f", "\x01", "a\x1f", "a\rb",
	};
	char name[300];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		printf("# good name %zu\n", i);
		CHECK_EQ(tfa_user_check(good[i]), TFA_OK);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		printf("# bad name %zu\n", i);
		CHECK_EQ(tfa_user_check(bad[i]), TFA_ERR_USER);
	}
	CHECK_EQ(tfa_user_check(NULL), TFA_ERR_USER);
	/*
	 * A name is accepted only if its escaped form fits a file name:
	 * 200 plain bytes do, 201 do not, nor does a 256-byte name.
	 */
	memset(name, 'a', sizeof(name));
	name[TFA_USER_FILE_MAX] = '\0';
	CHECK_EQ(tfa_user_check(name), TFA_OK);
	name[TFA_USER_FILE_MAX] = 'a';
	name[TFA_USER_FILE_MAX + 1] = '\0';
	CHECK_EQ(tfa_user_check(name), TFA_ERR_USER);
	name[TFA_USER_FILE_MAX + 1] = 'a';
	name[256] = '\0';
	CHECK_EQ(tfa_user_check(name), TFA_ERR_USER);
	/* 'a' and 66 spaces escape to 199 bytes, 67 spaces to 202 */
	memset(name, ' ', sizeof(name));
	name[0] = 'a';
	name[67] = '\0';
	CHECK_EQ(tfa_user_check(name), TFA_OK);
	name[67] = ' ';
	name[68] = '\0';
	CHECK_EQ(tfa_user_check(name), TFA_ERR_USER);
}

/* Only [A-Za-z0-9._@+%-] may appear in an escaped stem. */
static int
stem_is_safe(const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("._@+%-", c) != NULL))
			return 0;
	}
	return 1;
}

/* Escape, check the stem's alphabet, unescape, compare. */
static void
round_trip(const char *name)
{
	char stem[TFA_USER_FILE_MAX + 1], back[TFA_USER_MAX + 1];

	memset(back, 0, sizeof(back));
	CHECK_EQ(tfa_user_escape(name, stem, sizeof(stem)), TFA_OK);
	CHECK(stem_is_safe(stem));
	CHECK(stem[0] != '.');
	CHECK_EQ(tfa_user_unescape(stem, back, sizeof(back)), TFA_OK);
	CHECK_STR(back, name);
}

static void
test_escape_known(void)
{
	static const struct {
		const char *name, *stem;
	} v[] = {
		{ "alice", "alice" },
		{ "alice@example.com", "alice@example.com" },
		{ "a b", "a%20b" },
		{ "j\xc3\xb6rg", "j%C3%B6rg" },
		{ "a%b", "a%25b" },
		{ "A+z_0-9.", "A+z_0-9." },
		{ "~x:y", "%7Ex%3Ay" },
	};
	char stem[TFA_USER_FILE_MAX + 1];
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		CHECK_EQ(tfa_user_escape(v[i].name, stem, sizeof(stem)),
		    TFA_OK);
		CHECK_STR(stem, v[i].stem);
		round_trip(v[i].name);
	}
	/* names the check refuses are not escaped either */
	CHECK_EQ(tfa_user_escape("../etc", stem, sizeof(stem)), TFA_ERR_USER);
	CHECK_EQ(tfa_user_escape("a/b", stem, sizeof(stem)), TFA_ERR_USER);
	CHECK_EQ(tfa_user_escape("", stem, sizeof(stem)), TFA_ERR_USER);
}

/* Every byte a name may hold, alone between two letters. */
static void
test_escape_every_byte(void)
{
	char name[4], all[256];
	unsigned c;
	size_t n = 0;

	for (c = 0x20; c <= 0xff; c++) {
		if (c == '/' || c == 0x7f)
			continue;
		name[0] = 'a';
		name[1] = (char)c;
		name[2] = 'z';
		name[3] = '\0';
		printf("# byte 0x%02x\n", c);
		round_trip(name);
		if (c >= 0x80 && n < 60)	/* 60 * 3 = 180 < 200 */
			all[n++] = (char)c;
	}
	all[n] = '\0';
	round_trip(all);
}

static void
test_escape_length(void)
{
	char name[TFA_USER_MAX + 1], stem[TFA_USER_FILE_MAX + 1];

	/* 200 plain bytes fit the stem, 201 do not */
	memset(name, 'a', sizeof(name));
	name[200] = '\0';
	CHECK_EQ(tfa_user_escape(name, stem, sizeof(stem)), TFA_OK);
	CHECK_EQ(strlen(stem), 200);
	name[200] = 'a';
	name[201] = '\0';
	CHECK_EQ(tfa_user_escape(name, stem, sizeof(stem)), TFA_ERR_USER);
	/* 'a' and 66 escaped bytes are 199 characters; 67 would be 202 */
	memset(name, ' ', sizeof(name));
	name[0] = 'a';
	name[67] = '\0';
	CHECK_EQ(tfa_user_escape(name, stem, sizeof(stem)), TFA_OK);
	CHECK_EQ(strlen(stem), 199);
	name[67] = ' ';
	name[68] = '\0';
	CHECK_EQ(tfa_user_escape(name, stem, sizeof(stem)), TFA_ERR_USER);
	/* a caller's smaller buffer is respected */
	CHECK_EQ(tfa_user_escape("alice", stem, 5), TFA_ERR_USER);
	CHECK_EQ(tfa_user_escape("alice", stem, 6), TFA_OK);
}

static void
test_unescape_refusals(void)
{
	static const char *bad[] = {
		"%61",		/* 'a' needs no escape */
		"x%2e",		/* lowercase hex */
		"x%2f",
		"x%4",		/* truncated */
		"x%",
		"%",
		"x%00y",	/* NUL */
		"a%2Fb",	/* '/' */
		"%2E..",	/* '.' needs no escape, and would lead */
		".hidden",	/* leading '.' */
		"..",
		"",
		"a%0Ab",	/* control byte */
		"a%7F",
		"a b",		/* a raw byte escape would not leave */
		"a:b",
		"a%zzb",
		"a%G0",
	};
	char out[TFA_USER_MAX + 1];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		printf("# bad stem \"%s\"\n", bad[i]);
		CHECK_EQ(tfa_user_unescape(bad[i], out, sizeof(out)),
		    TFA_ERR_USER);
	}
	/* the output buffer bounds the name */
	CHECK_EQ(tfa_user_unescape("abc", out, 3), TFA_ERR_USER);
	CHECK_EQ(tfa_user_unescape("abc", out, 4), TFA_OK);
	CHECK_STR(out, "abc");
}

/*
 * A stem longer than TFA_USER_FILE_MAX is one tfa_user_escape never makes,
 * so unescape must refuse it too (user.h: "refuses anything it would not
 * have made").
 */
static void
test_unescape_too_long(void)
{
	char stem[TFA_USER_MAX + 1], out[TFA_USER_MAX + 1];

	memset(stem, 'a', sizeof(stem));
	stem[TFA_USER_FILE_MAX] = '\0';
	CHECK_EQ(tfa_user_unescape(stem, out, sizeof(out)), TFA_OK);
	stem[TFA_USER_FILE_MAX] = 'a';
	stem[TFA_USER_FILE_MAX + 1] = '\0';
	CHECK_EQ(tfa_user_unescape(stem, out, sizeof(out)), TFA_ERR_USER);
}

int
main(void)
{
	test_check();
	test_escape_known();
	test_escape_every_byte();
	test_escape_length();
	test_unescape_refusals();
	test_unescape_too_long();
	return tfa_check_done();
}

/*
 * The harness behind check.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <ftw.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "check.h"

static int passed, failed, skipped;

int
tfa_check(int ok, const char *what, const char *file, int line)
{
	if (ok)
		passed++;
	else
		failed++;
	printf("%s - %s:%d: %s\n", ok ? "ok" : "not ok", file, line, what);
	fflush(stdout);
	return ok;
}

int
tfa_check_eq(long long a, long long b, const char *what, const char *file,
    int line)
{
	if (a != b)
		printf("# got %lld, want %lld\n", a, b);
	return tfa_check(a == b, what, file, line);
}

int
tfa_check_str(const char *a, const char *b, const char *what,
    const char *file, int line)
{
	int ok = a != NULL && b != NULL && strcmp(a, b) == 0;

	if (!ok)
		printf("# got \"%s\", want \"%s\"\n", a ? a : "(null)",
		    b ? b : "(null)");
	return tfa_check(ok, what, file, line);
}

void
tfa_skip(const char *why)
{
	skipped++;
	printf("skip - %s\n", why);
	fflush(stdout);
}

int
tfa_check_done(void)
{
	printf("# %d passed, %d failed, %d skipped\n", passed, failed,
	    skipped);
	return failed == 0 ? 0 : 1;
}

char *
tfa_test_tmpdir(const char *tag)
{
	const char *base = getenv("TMPDIR");
	char *p;

	if (base == NULL || *base == '\0')
		base = "/tmp";
	if (asprintf(&p, "%s/tfa-%s-XXXXXX", base, tag) < 0 ||
	    mkdtemp(p) == NULL) {
		perror("mkdtemp");
		exit(2);
	}
	chmod(p, 0700);
	return p;
}

void
tfa_test_write(const char *path, const char *text, int mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, mode);
	size_t n = strlen(text);

	if (fd < 0 || write(fd, text, n) != (ssize_t)n || fchmod(fd,
	    (mode_t)mode) != 0) {
		perror(path);
		exit(2);
	}
	close(fd);
}

static int
rm_one(const char *p, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(p);
}

void
tfa_test_rmtree(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *tfa_test_counted;
unsigned tfa_test_opens;

int
tfa_test_openat(int dirfd, const char *path, int flags, va_list ap)
{
	int mode = flags & (O_CREAT | O_TMPFILE) ? va_arg(ap, int) : 0;

	if (tfa_test_counted != NULL && strcmp(path, tfa_test_counted) == 0)
		tfa_test_opens++;
	return (int)syscall(SYS_openat, dirfd, path, flags, mode);
}

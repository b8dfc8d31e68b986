/*
 * A minimal test harness: every check prints "ok" or "not ok" with where it
 * stands, tests/run.sh counts the lines.  A skip is printed as "skip" with
 * its reason and is never counted as passed.
 */
#ifndef TFA_CHECK_H
#define TFA_CHECK_H

#include <stdarg.h>

#define CHECK(cond) tfa_check((cond) != 0, #cond, __FILE__, __LINE__)
#define CHECK_EQ(a, b) tfa_check_eq((long long)(a), (long long)(b), \
	#a " == " #b, __FILE__, __LINE__)
#define CHECK_STR(a, b) tfa_check_str((a), (b), #a " == " #b, __FILE__, \
	__LINE__)

int tfa_check(int ok, const char *what, const char *file, int line);
int tfa_check_eq(long long a, long long b, const char *what,
    const char *file, int line);
int tfa_check_str(const char *a, const char *b, const char *what,
    const char *file, int line);
void tfa_skip(const char *why);

/* Prints the totals; the exit status for main(). */
int tfa_check_done(void);

/* A fresh private directory (mode 0700) under $TMPDIR; caller frees. */
char *tfa_test_tmpdir(const char *tag);

/*
 * For a test that defines open() or openat() to see what the library it
 * links opens: the opens of the name tfa_test_counted (when set) are
 * counted in tfa_test_opens.  ap holds the mode when flags need one.
 */
extern const char *tfa_test_counted;
extern unsigned tfa_test_opens;
int tfa_test_openat(int dirfd, const char *path, int flags, va_list ap);

/* Remove dir and everything below it, not following links. */
void tfa_test_rmtree(const char *dir);

/* Write text to path with the given mode; aborts the test on failure. */
void tfa_test_write(const char *path, const char *text, int mode);

#endif

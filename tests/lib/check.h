/*
 * A minimal test harness: every check prints "ok" or "not ok" with where it
 * stands, tests/run.sh counts the lines.  A skip is printed as "skip" with
 * its reason and is never counted as passed.
 */
#ifndef TFA_CHECK_H
#define TFA_CHECK_H

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

/* Remove dir and everything below it, not following links. */
void tfa_test_rmtree(const char *dir);

/* Write text to path with the given mode; aborts the test on failure. */
void tfa_test_write(const char *path, const char *text, int mode);

#endif

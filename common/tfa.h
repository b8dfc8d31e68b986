/*
 * pam_tfa: definitions every part of the project shares — the error codes,
 * the method names and the wipe helpers.
 */
#ifndef TFA_H
#define TFA_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define TFA_VERSION "0.1.0"

typedef enum {
	TFA_OK = 0,
	TFA_ERR_NOMEM,		/* out of memory */
	TFA_ERR_INVAL,		/* bad argument or input */
	TFA_ERR_CONFIG,		/* configuration error */
	TFA_ERR_IO,		/* system call failed */
	TFA_ERR_UNSAFE,		/* file or directory fails a safety check */
	TFA_ERR_NOENT,		/* no record for this user */
	TFA_ERR_CORRUPT,	/* record cannot be decoded */
	TFA_ERR_USER,		/* user name not acceptable */
	TFA_ERR_BADCODE,	/* second factor wrong */
	TFA_ERR_REPLAY,		/* code was already used */
	TFA_ERR_LOCKED,		/* too many failures, locked out */
	TFA_ERR_NOMETHOD,	/* no usable second factor configured */
	TFA_ERR_EXISTS,		/* already configured */
	TFA_ERR_PERM,		/* not allowed */
	TFA_ERR_CRYPTO,		/* crypto library failure */
	TFA_ERR_EXPIRED,	/* app password or trusted device expired */
	TFA_ERR_ELSEWHERE,	/* a mail client's code, remembered for another
				   service class */
} tfa_err;

const char *tfa_strerror(tfa_err err);

/* Second-factor methods, as they appear in logs and the store. */
enum tfa_method {
	TFA_METHOD_NONE = 0,
	TFA_METHOD_TOTP,	/* authenticator app */
	TFA_METHOD_BACKUP,	/* backup code */
	TFA_METHOD_KEY,		/* security key */
	TFA_METHOD_APPPW,	/* app password */
	TFA_METHOD_DEVICE,	/* trusted device or remembered client */
};

const char *tfa_method_name(enum tfa_method m);

/*
 * Wipe an array in place.  Refuses to compile when handed a pointer, so a
 * wipe can never silently cover only sizeof(char *) bytes.
 */
#define TFA_MUST_BE_ARRAY(a) \
	(0 * sizeof(struct { int must_be_array : \
	    (__builtin_types_compatible_p(__typeof__(a), \
	    __typeof__(&(a)[0])) ? -1 : 1); }))
#define tfa_wipe_array(a) explicit_bzero((a), sizeof(a) + TFA_MUST_BE_ARRAY(a))
#define tfa_wipe_struct(p) explicit_bzero((p), sizeof(*(p)))

/* Constant-time equality of two buffers of the same length. */
int tfa_ct_equal(const void *a, const void *b, size_t len);

/* Fill buf with len bytes from the kernel's random source. */
tfa_err tfa_random(void *buf, size_t len);

/* One character of set (1 to 256 of them), each as likely as the others. */
tfa_err tfa_random_char(const char *set, char *out);

/* The one place the module reads the clock; tests interpose time(). */
int64_t tfa_now(void);

/* Copy src into dst of size dstsz; TFA_ERR_INVAL when it does not fit. */
tfa_err tfa_strlcpy(char *dst, const char *src, size_t dstsz);

#endif

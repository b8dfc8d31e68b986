/*
 * Error and method names: the words that reach logs and users.
 */
#include "tfa.h"

const char *
tfa_strerror(tfa_err err)
{
	switch (err) {
	case TFA_OK:		return "success";
	case TFA_ERR_NOMEM:	return "out of memory";
	case TFA_ERR_INVAL:	return "invalid input";
	case TFA_ERR_CONFIG:	return "configuration error";
	case TFA_ERR_IO:	return "input/output error";
	case TFA_ERR_UNSAFE:	return "unsafe file or directory";
	case TFA_ERR_NOENT:	return "no second factor configured";
	case TFA_ERR_CORRUPT:	return "record is corrupt";
	case TFA_ERR_USER:	return "user name not acceptable";
	case TFA_ERR_BADCODE:	return "wrong code";
	case TFA_ERR_REPLAY:	return "code already used";
	case TFA_ERR_LOCKED:	return "too many failures, locked out";
	case TFA_ERR_NOMETHOD:	return "no usable second factor";
	case TFA_ERR_EXISTS:	return "already configured";
	case TFA_ERR_PERM:	return "not allowed";
	case TFA_ERR_CRYPTO:	return "cryptographic failure";
	case TFA_ERR_EXPIRED:	return "expired";
	case TFA_ERR_ELSEWHERE:	return "remembered for another service";
	}
	return "unknown error";
}

const char *
tfa_method_name(enum tfa_method m)
{
	switch (m) {
	case TFA_METHOD_NONE:	return "none";
	case TFA_METHOD_TOTP:	return "totp";
	case TFA_METHOD_BACKUP:	return "backup";
	case TFA_METHOD_KEY:	return "key";
	case TFA_METHOD_APPPW:	return "apppw";
	case TFA_METHOD_DEVICE:	return "device";
	}
	return "unknown";
}

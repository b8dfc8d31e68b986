/*
 * pam_tfa.so: the security-key step (pam/key.c), tried before the code
 * prompt.
 */
#ifndef TFA_PAM_KEY_H
#define TFA_PAM_KEY_H

#include "pam_tfa.h"

/*
 * When keys are allowed, the user has some for this relying party, the
 * login is local and interactive, and one of them is plugged in: cue a
 * touch, check it, and record it.  PAM_SUCCESS on a verified touch;
 * PAM_MAXTRIES when a refused key locked the user out; PAM_IGNORE when the
 * caller should go on to the code prompt.  rec is the lockless snapshot the
 * caller already checked for lockout.
 */
int tfa_pam_key(struct ctx *c, const struct tfa_record *rec);

#endif

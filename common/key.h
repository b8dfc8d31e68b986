/*
 * Security keys (FIDO2/U2F): what registration leaves in the record.
 */
#ifndef TFA_KEY_H
#define TFA_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "apppw.h"

#define TFA_CRED_ID_MAX		1024
#define TFA_PUBKEY_MAX		128
#define TFA_RP_MAX		255

struct tfa_key {
	uint32_t id;
	char name[TFA_NAME_MAX + 1];
	char rp[TFA_RP_MAX + 1];		/* relying party at registration */
	int cose_type;				/* -7 ES256, -8 EdDSA */
	uint8_t cred_id[TFA_CRED_ID_MAX];
	size_t cred_id_len;
	uint8_t pubkey[TFA_PUBKEY_MAX];
	size_t pubkey_len;
	bool uv;				/* user verification required */
	bool pin;				/* a PIN was set at registration */
	uint32_t sign_count;
	int64_t created;
	int64_t last_used;			/* 0: never */
};

#endif

#!/bin/sh
# Secrets are compared in constant time: a lint over common/, pam/ and
# enroll/.  A timing measurement would be a wall-clock test, so this
# checks the code instead:
#
#  1. no memcmp/strcmp/strncmp/strcasecmp/bcmp call whose line names a
#     secret-looking thing (secret, hash, token, password, authtok, code,
#     pin, otp, digest, mac, salt, scratch), except the few listed below
#     with the reason they are not secrets;
#  2. every file that checks a secret compares through tfa_ct_equal (or
#     OpenSSL's CRYPTO_memcmp).
set -u
. "$TOP/tests/lib/lib.sh"
cd "$TOP" || exit 1

# file|fixed text on the line|why it is not a secret
allowed='pam/device.c|strcasecmp(answer, "y")|the y/N answer to "Trust this device?"
pam/device.c|strcasecmp(answer, "yes")|the y/N answer to "Trust this device?"
common/import_oath.c|"HOTP/T"|a token-type keyword of the users file format
common/import_u2f.c|cred_id|credential ids are public (they are sent to the key)
common/store_gdbm.c|strcmp(key, "totp")|the name of a record entry, not its value'

hits=$(grep -nE '\b(memcmp|strcmp|strncmp|strcasecmp|strncasecmp|bcmp)[[:space:]]*\(' \
    common/*.c pam/*.c enroll/*.c 2>/dev/null |
    grep -iE 'secret|hash|token|passw|authtok|answer|code|[^a-z]pin[^a-z]|otp|digest|hmac|[^a-z]mac[^a-z]|salt|scratch')
bad=0
echo "$hits" | while IFS= read -r line; do
	[ -n "$line" ] || continue
	file=${line%%:*}
	ok_line=0
	echo "$allowed" | while IFS='|' read -r afile atext why; do
		if [ "$file" = "$afile" ] && printf '%s' "$line" |
		    grep -qF -- "$atext"; then
			echo "# allowed: $line ($why)"
			exit 1
		fi
	done || ok_line=1
	if [ "$ok_line" -eq 0 ]; then
		echo "# not constant time? $line"
		echo bad
	fi
done >"${TMPDIR:-/tmp}/tfa-ct.$$"
grep '^# ' "${TMPDIR:-/tmp}/tfa-ct.$$"
bad=$(grep -c '^bad$' "${TMPDIR:-/tmp}/tfa-ct.$$")
rm -f "${TMPDIR:-/tmp}/tfa-ct.$$"
check "no plain comparison of a secret-looking value ($bad found)" \
    [ "$bad" -eq 0 ]

# the files that check secrets, and what each one checks
for f in common/totp.c:"TOTP codes" common/backup.c:"backup-code hashes" \
    common/apppw.c:"app-password hashes" common/device.c:"device tokens" \
    pam/pam_tfa.c:"the answer against PAM_AUTHTOK"; do
	file=${f%%:*} what=${f#*:}
	[ -f "$file" ] || continue
	check "$file compares $what in constant time" \
	    grep -qE 'tfa_ct_equal|CRYPTO_memcmp' "$file"
done
check "tfa_ct_equal reads every byte, whatever differs (no early exit)" \
    sh -c "sed -n '/^tfa_ct_equal/,/^}/p' common/safe.c |
    grep -q 'diff |=' && ! sed -n '/^tfa_ct_equal/,/^}/p' common/safe.c |
    grep -qE 'return 0|break'"
done_testing

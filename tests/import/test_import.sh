#!/bin/sh
# tfa-enroll import from the command line: the report of --dry-run, what a
# real run stores (read back with status and the store), users imported
# whole or not at all, refusals that keep the store as it was, the rules
# for callers without root, and hostile files.  Logins with the imported
# factors are in test_import_login.c.
set -u
. "$TOP/tests/lib/lib.sh"

BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
ENROLL=$BUILD/tfa-enroll

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP
chmod 0711 "$tmp"
mkdir -m 0700 "$tmp/store"
conf=$tmp/tfa.conf
printf 'StoreDir = %s\nOrigin = pam://testhost\n' "$tmp/store" >"$conf"
chmod 0600 "$conf"

if [ ! -x "$ENROLL" ]; then
	not_ok "tfa-enroll is built ($ENROLL)"
	done_testing
	exit 1
fi

imp() {	# imp ARGS... — tfa-enroll import against the test store
	timeout 30 "$ENROLL" --config "$conf" import "$@" >"$tmp/out" 2>&1
}

has() {	# has PATTERN — the last output holds the fixed PATTERN
	grep -qF -- "$1" "$tmp/out"
}

stored() {	# stored USER — USER has a record in the test store
	[ -f "$tmp/store/$1.db" ]
}

dump() {	# on failure, show what tfa-enroll said
	sed 's/^/# /' "$tmp/out"
}

# ---- the command line ----------------------------------------------------

imp --help
check "import --help exits 0 and names the formats" \
    sh -c '[ $0 -eq 0 ] && grep -q "oath-users" "$1"' $? "$tmp/out"
imp "$tmp/none"
check "a missing --from is a usage error (exit 2)" [ $? -eq 2 ]
imp --from oath "$tmp/none"
check "an unknown format is a usage error (exit 2)" [ $? -eq 2 ]
imp --from oath-users "$tmp/a" "$tmp/b"
check "two files are a usage error (exit 2)" [ $? -eq 2 ]
imp --from oath-users --origin pam://x "$tmp/a"
check "--origin without pam-u2f is a usage error (exit 2)" [ $? -eq 2 ]
imp --from oath-users "$tmp/none"
check "a missing file exits 1" [ $? -eq 1 ]

# ---- google-authenticator ------------------------------------------------

ga=$tmp/ga-alice
printf '%s\n' 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ' '" RATE_LIMIT 3 30' \
    '" WINDOW_SIZE 17' '" DISALLOW_REUSE 12345' '" TOTP_AUTH' 48151623 \
    16234248 >"$ga"
chmod 0400 "$ga"

imp --from google-authenticator --user alice --dry-run "$ga"
rc=$?
check "dry run of a good file exits 0" [ $rc -eq 0 ]
check "dry run says it changes nothing" has "dry run: nothing is changed"
check "dry run: alice would be imported" has "alice: would be imported"
check "dry run names the app's settings" \
    has "authenticator app: SHA1, 6 digits, 30 s steps"
check "dry run counts the scratch codes" has "backup codes: 2 scratch codes"
check "dry run keeps the used step" has "time steps up to 12345 count as used"
check "dry run compares WINDOW_SIZE with ClockTolerance" \
    has "up to 8 steps off (WINDOW_SIZE 17); pam_tfa takes ClockTolerance = 2"
check "dry run says RATE_LIMIT is not carried over" has "RATE_LIMIT (3 logins"
check "dry run never shows a scratch code" sh -c '! grep -q 48151623 "$0"' \
    "$tmp/out"
check "dry run never shows the secret" sh -c '! grep -q GEZDGNBV "$0"' \
    "$tmp/out"
check "dry run stored nothing" sh -c '[ ! -e "$0" ]' "$tmp/store/alice.db"

imp --from google-authenticator --user alice "$ga"
check "import exits 0" [ $? -eq 0 ]
check "import says alice is imported" has "alice: imported"
check "alice has a record" stored alice
"$ENROLL" --config "$conf" --user alice status >"$tmp/out" 2>&1
check "status shows the imported app" has "Authenticator app: configured"
check "status counts the imported scratch codes" has "Backup codes: 2"

imp --from google-authenticator --user alice "$ga"
rc=$?
check "a second import without --replace exits 1" [ $rc -eq 1 ]
check "it says the app exists and how to replace it" \
    has "an authenticator app is already set up (--replace would replace it)"
imp --from google-authenticator --user alice --replace "$ga"
check "with --replace it is imported" [ $? -eq 0 ]
check "and says what it replaced" \
    has "replaced the authenticator app, the unused backup codes"

printf 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\r\n" TOTP_AUTH\r\n" HOTP_COUNTER 1\r\n' \
    >"$tmp/ga-hotp"
imp --from google-authenticator --user bob "$tmp/ga-hotp"
check "a HOTP file (CRLF) exits 1" [ $? -eq 1 ]
check "and says counter-based codes are not supported" \
    has "bob: not imported: HOTP_COUNTER: counter-based codes (HOTP)"
check "bob has no record" sh -c '[ ! -e "$0" ]' "$tmp/store/bob.db"

printf 'GEZDGNBVGY3TQOJ1\n" TOTP_AUTH\n' >"$tmp/ga-bad"
imp --from google-authenticator --user bob "$tmp/ga-bad"
check "bad base32 is refused" has "the secret is not base32"

imp --from google-authenticator --user "../x" "$ga"
check "a user name that cannot have a record is a usage error" [ $? -eq 2 ]

chown 65534 "$tmp/ga-bad"
imp --from google-authenticator "$tmp/ga-bad"
check "root importing someone's file without --user is stopped" \
    has "belongs to uid 65534, not to root: name the user"

ln -s "$ga" "$tmp/ga-link"
imp --from google-authenticator --user carol "$tmp/ga-link"
check "a symbolic link is refused" has "is a symbolic link"
mkfifo "$tmp/ga-fifo"
imp --from google-authenticator --user carol "$tmp/ga-fifo"
check "a FIFO is refused without blocking" has "not a regular file"
head -c 3000 /dev/urandom | tr '\000' x >"$tmp/ga-junk"
imp --from google-authenticator --user carol "$tmp/ga-junk"
check "binary junk is refused (exit 1)" [ $? -eq 1 ]
check "carol has no record" sh -c '[ ! -e "$0" ]' "$tmp/store/carol.db"

# ---- pam_oath usersfile --------------------------------------------------

key=3132333435363738393031323334353637383930
cat >"$tmp/users.oath" <<EOF
# pam_oath users
HOTP/T30	dave	-	$key
HOTP/T60/8 erin + $key 0 12345678 2020-01-01T00:00:00L
HOTP frank - $key 3
HOTP/T30 gina 1234 $key
HOTP/T30 dave - $key
HOTP/E/7 hank - $key
EOF
imp --from oath-users --dry-run "$tmp/users.oath"
check "dry run with refusals exits 1" [ $? -eq 1 ]
check "erin would be imported" has "erin: would be imported"
check "erin's token: 8 digits, 60 s" \
    has "authenticator app: SHA1, 8 digits, 60 s steps"
check "frank's event-based HOTP is reported" \
    has "frank: cannot be imported: line 4: event-based HOTP"
check "gina's PIN is reported" has "gina: cannot be imported: line 5: the entry has a PIN"
check "dave's second entry refuses dave whole" \
    has "dave: cannot be imported: lines 2 and 6"
check "the summary counts them" has "1 user would be imported, 4 cannot be."
check "dry run stored nothing for erin" sh -c '[ ! -e "$0" ]' \
    "$tmp/store/erin.db"

imp --from oath-users --user erin "$tmp/users.oath"
check "--user picks erin, who imports (exit 0)" [ $? -eq 0 ]
check "erin stored" stored erin
check "dave not stored (no half import)" sh -c '[ ! -e "$0" ]' \
    "$tmp/store/dave.db"
timeout 30 "$ENROLL" --config "$conf" --user erin import --from oath-users \
    --dry-run --replace "$tmp/users.oath" >"$tmp/out" 2>&1
check "the global --user picks erin too" [ $? -eq 0 ]
check "and only erin" sh -c '! grep -q frank "$0"' "$tmp/out"
imp --from oath-users --user zoe "$tmp/users.oath"
check "--user of someone not in the file exits 1" [ $? -eq 1 ]
check "and says so" has "has no entry for zoe"

printf 'HOTP/T30 ivan - %s\n\001\002garbage\n' "$key" >"$tmp/junk.oath"
imp --from oath-users "$tmp/junk.oath"
check "a line naming no user blocks the import (exit 1)" [ $? -eq 1 ]
check "the line is named" has "junk.oath:2: not an entry"
check "and ivan, though fine, is not stored" sh -c '[ ! -e "$0" ]' \
    "$tmp/store/ivan.db"
printf 'HOTP/T30 ivan - %s\0\n' "$key" >"$tmp/nul.oath"
imp --from oath-users "$tmp/nul.oath"
check "a file with NUL bytes is refused" has "not a text file"
awk 'BEGIN { printf "HOTP/T30 ivan - "; for (i = 0; i < 70000; i++) printf "3"; print "" }' \
    >"$tmp/long.oath"
imp --from oath-users "$tmp/long.oath"
check "a huge line is refused" has "longer than 65536 bytes"

# ---- files a user owns ----------------------------------------------------
# pam_oath and pam_u2f read a per-user file only for its owner's login; a
# line in it for anyone else did nothing there, and must not make its
# writer's token someone else's second factor here.

nobody=$(getent passwd 65534 | cut -d: -f1)
lost=54321	# a uid with no user name
while getent passwd "$lost" >/dev/null 2>&1; do lost=$((lost + 1)); done
if [ "$(id -u)" -eq 0 ] && [ -n "$nobody" ]; then
	printf 'HOTP/T30 %s - %s\n' root "$key" vera "$key" "$nobody" "$key" \
	    >"$tmp/owned.oath"
	chown 65534 "$tmp/owned.oath"
	imp --from oath-users "$tmp/owned.oath"
	check "a user's users file: exit 1, foreign entries refused" [ $? -eq 1 ]
	check "the owner's own entry is imported" has "$nobody: imported"
	check "root's entry is refused, naming the owner" \
	    has "root: not imported: the file belongs to $nobody, not to root"
	check "another user's entry is refused" \
	    has "vera: not imported: the file belongs to $nobody"
	check "the summary counts them" has "1 user imported, 2 not imported."
	check "root got nothing from a user's file" \
	    sh -c '[ ! -e "$0" ]' "$tmp/store/root.db"
	check "vera got nothing from a user's file" \
	    sh -c '[ ! -e "$0" ]' "$tmp/store/vera.db"
	check "the owner's record is there" stored "$nobody"
	imp --from oath-users --user root --dry-run "$tmp/owned.oath"
	check "--user root on a user's file: refused (exit 1)" [ $? -eq 1 ]
	check "and says whose file it is" \
	    has "root: cannot be imported: the file belongs to $nobody"
	chown "$lost" "$tmp/owned.oath"
	imp --from oath-users --dry-run "$tmp/owned.oath"
	check "a file of a uid without a name: nothing is imported" \
	    has "0 users would be imported, 3 cannot be."
	check "and the reason names the uid" \
	    has "the file belongs to uid $lost, which has no user name"

	# a file others may write is anyone's: nothing from it
	printf 'HOTP/T30 %s - %s\n' root "$key" >"$tmp/open.oath"
	chmod 666 "$tmp/open.oath"
	imp --from oath-users --dry-run "$tmp/open.oath"
	check "a root file writable by others is refused (exit 1)" [ $? -eq 1 ]
	check "and says why" has "writable by group 0 or others"
	chmod 664 "$tmp/open.oath"
	chgrp 65534 "$tmp/open.oath" 2>/dev/null || chgrp "$lost" "$tmp/open.oath"
	imp --from oath-users --dry-run "$tmp/open.oath"
	check "a root file writable by a group other than root is refused" \
	    [ $? -eq 1 ]
	chgrp 0 "$tmp/open.oath"
	imp --from oath-users --dry-run "$tmp/open.oath"
	check "writable by group root: read" [ $? -eq 0 ]
	check "and root would be imported" has "root: would be imported"

	# google-authenticator: root's or the user's own file, nobody else's
	cp "$ga" "$tmp/ga-nobody"
	chown 65534 "$tmp/ga-nobody"
	imp --from google-authenticator --user vera --dry-run "$tmp/ga-nobody"
	check "a google-authenticator file of another user is refused (exit 1)" \
	    [ $? -eq 1 ]
	check "and says whose it is" \
	    has "belongs to uid 65534, neither to root nor to vera"
	check "it reports no user as importable" \
	    sh -c '! grep -q "would be imported" "$0"' "$tmp/out"
	imp --from google-authenticator --user root --dry-run "$tmp/ga-nobody"
	check "nor is it taken for root" \
	    has "belongs to uid 65534, neither to root nor to root"
	imp --from google-authenticator --user "$nobody" --dry-run --replace \
	    "$tmp/ga-nobody"
	check "the owner's own file is taken for the owner" \
	    has "$nobody: would be imported"
else
	skip "not root, or no user 65534: files a user owns are untested"
fi

# ---- names that would steer a terminal -----------------------------------
# tfa_user_check lets C1 controls through: U+009B in UTF-8 and a raw 0x9b
# byte are both CSI to a terminal, so "CSI 2J" would clear root's screen.

printf 'HOTP/T30 \302\2332Jwes - %s\nHOTP/T30 \2332Jxia 1234 %s\n' \
    "$key" "$key" >"$tmp/csi.oath"
imp --from oath-users --dry-run "$tmp/csi.oath"
check "a CSI in a user name is not printed (UTF-8 and raw)" \
    sh -c '! LC_ALL=C grep -q "$(printf "\233")" "$0"' "$tmp/out"
check "the name is shown escaped as list-users does" \
    has "%C2%9B2Jwes: would be imported"
check "and so is a refused one" has "%9B2Jxia: cannot be imported"

# ---- pam_u2f authfile ----------------------------------------------------

if command -v openssl >/dev/null 2>&1 && command -v python3 >/dev/null; then
	openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/k.pem" &&
	    openssl ec -in "$tmp/k.pem" -pubout -outform DER 2>/dev/null |
	    tail -c 65 >"$tmp/pt.bin"
	python3 - "$tmp" <<'EOF'
import base64, sys
d = sys.argv[1]
pt = open(d + "/pt.bin", "rb").read()
kh = bytes(range(64))
b = lambda x: base64.b64encode(x).decode()
w = lambda x: base64.urlsafe_b64encode(x).decode().rstrip("=")
open(d + "/u2f_keys", "w").write(
    "kim:%s,%s,es256,+presence:%s,%s,es256,+presence+pin\n"
    "lee:%s,%s\n"
    "max:*,%s,es256,+presence\n"
    "ned:%s,%s,rs256,+presence\n"
    % (b(kh), b(pt[1:]), b(kh[:32]), b(pt[1:]), w(kh), pt.hex(),
       b(pt[1:]), b(kh), b(pt[1:])))
EOF
	imp --from pam-u2f --appid pam://oldhost --dry-run "$tmp/u2f_keys"
	check "pam-u2f dry run with refusals exits 1" [ $? -eq 1 ]
	check "kim's two keys would be imported" has "kim: would be imported"
	check "kim's second key asks for the PIN" \
	    has 'security key "pam_u2f 2": ES256, relying party pam://testhost, touch and PIN'
	check "lee's old U2F key keeps its appid" \
	    has 'security key "pam_u2f 1": ES256, relying party pam://oldhost'
	check "and the admin is told Origin must match" \
	    has "set Origin = pam://oldhost in pam_tfa.conf"
	check "max's resident credential is reported" \
	    has "max: cannot be imported: line 3, credential 1: a resident credential"
	check "ned's RS256 key is reported" has "an RS256 key"
	imp --from pam-u2f --user kim "$tmp/u2f_keys"
	check "kim imported" [ $? -eq 0 ]
	check "kim stored" stored kim
	imp --from pam-u2f --user kim "$tmp/u2f_keys"
	check "kim again without --replace: keys kept" \
	    has "security keys are already registered"
	# a user's own authfile (~/.config/Yubico/u2f_keys) counts for its owner
	if [ "$(id -u)" -eq 0 ] && [ -n "$nobody" ]; then
		sed -n 's/^kim:/root:/p; s/^root:/'"$nobody"':/p' \
		    "$tmp/u2f_keys" >"$tmp/u2f_owned"
		chown 65534 "$tmp/u2f_owned"
		imp --from pam-u2f --dry-run "$tmp/u2f_owned"
		check "a user's authfile: the owner's keys would be imported" \
		    has "$nobody: would be imported"
		check "a user's authfile: a line for root is refused" \
		    has "root: cannot be imported: the file belongs to $nobody"
	fi
	# more keys than MaxKeys can allow: oz is refused, pia imported
	python3 - "$tmp" <<'EOF'
import base64, sys
d = sys.argv[1]
pk = base64.b64encode(open(d + "/pt.bin", "rb").read()[1:]).decode()
kh = lambda i: base64.b64encode(bytes([i]) * 16).decode()
open(d + "/u2f_many", "w").write(
    "oz" + "".join(":%s,%s,es256," % (kh(i), pk) for i in range(21)) +
    "\npia:%s,%s,es256,\n" % (kh(0), pk))
EOF
	imp --from pam-u2f "$tmp/u2f_many"
	check "21 keys for one user: refused as that user's problem (exit 1)" \
	    [ $? -eq 1 ]
	check "21 keys: the report says why" \
	    has "oz: not imported: line 1: 21 credentials, more than MaxKeys"
	check "21 keys: none of oz's is stored" sh -c '! [ -f "$0/oz.db" ]' \
	    "$tmp/store"
	check "21 keys: the other user is imported" has "pia: imported"
	# the configured MaxKeys, not only the largest one
	python3 - "$tmp" <<'EOF'
import base64, sys
d = sys.argv[1]
pk = base64.b64encode(open(d + "/pt.bin", "rb").read()[1:]).decode()
kh = lambda i: base64.b64encode(bytes([i]) * 16).decode()
open(d + "/u2f_three", "w").write(
    "quin" + "".join(":%s,%s,es256," % (kh(i), pk) for i in range(3)) + "\n")
EOF
	printf 'MaxKeys = 2\n' | cat "$conf" - >"$tmp/tfa_max2.conf"
	chmod 0600 "$tmp/tfa_max2.conf"
	timeout 30 "$ENROLL" --config "$tmp/tfa_max2.conf" import --from \
	    pam-u2f "$tmp/u2f_three" >"$tmp/out" 2>&1
	check "MaxKeys = 2: three keys are refused (exit 1)" [ $? -eq 1 ]
	check "MaxKeys = 2: the report names the configured limit" \
	    has "quin: not imported: line 1: 3 credentials, more than MaxKeys (2)"
	# " pia:" was nobody's line to pam_u2f
	sed 's/^pia:/ pia:/' "$tmp/u2f_many" >"$tmp/u2f_blank"
	imp --from pam-u2f --dry-run "$tmp/u2f_blank"
	check "blanks before a user name: a problem of the line" \
	    has "u2f_blank:2: spaces or tabs around the user name"
	check "and nothing is imported" has "nothing is imported until"
else
	skip "openssl or python3 missing: no pam-u2f files"
fi

# ---- without root ----------------------------------------------------------

if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1 &&
    nobody=$(getent passwd 65534 | cut -d: -f1) && [ -n "$nobody" ]; then
	own=$tmp/own
	mkdir -m 0700 "$own" "$own/store"
	printf 'StoreDir = %s\n' "$own/store" >"$own/tfa.conf"
	cp "$ga" "$own/ga"
	cp "$tmp/users.oath" "$own/users.oath"
	chmod 0600 "$own/tfa.conf"
	chown -R 65534 "$own"
	cp "$ga" "$tmp/ga-root"
	chmod 0644 "$tmp/ga-root"
	as_nobody() {
		timeout 30 setpriv --reuid=65534 --regid=65534 --clear-groups \
		    "$ENROLL" --config "$own/tfa.conf" import "$@" \
		    >"$tmp/out" 2>&1
	}
	as_nobody --from google-authenticator "$own/ga"
	check "a user imports their own file into their own store" \
	    [ $? -eq 0 ]
	check "under their own name" has "$nobody: imported"
	check "the record is theirs" [ -f "$own/store/$nobody.db" ]
	as_nobody --from google-authenticator --user alice "$own/ga"
	check "but not for another user" has "only root can import for another user"
	as_nobody --from oath-users "$own/users.oath"
	check "nor a users file" has "needs root"
	as_nobody --from google-authenticator --replace "$tmp/ga-root"
	check "nor a file that is not theirs" has "not your file"
	printf 'StoreDir = %s\n' "$tmp/store" >"$own/root.conf"
	chown 65534 "$own/root.conf"
	chmod 0600 "$own/root.conf"
	timeout 30 setpriv --reuid=65534 --regid=65534 --clear-groups \
	    "$ENROLL" --config "$own/root.conf" import --from \
	    google-authenticator "$own/ga" >"$tmp/out" 2>&1
	check "nor into a store that is not theirs" \
	    has "only root can import into the store"
else
	skip "not root, or no setpriv/nobody: the unprivileged caller is untested"
fi

done_testing

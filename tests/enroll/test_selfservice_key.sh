#!/bin/sh
# tfa-enroll key add | list | remove through the set-uid copy, as a real
# unprivileged user (tfaka) that this test creates and removes, with the
# fake authenticator.  LD_PRELOAD does not reach a set-uid program, so the
# copy is tests/tfa-enroll-fidotest: the shipped objects with
# tests/fido/preload.c's fido_dev_info_manifest linked in (Makefile), built
# with a temporary configuration and store like test_selfservice.sh.  The
# fake holds its credentials only for one run, so a second run cannot
# answer for the first one's key: that is the touch proof refused.  Last,
# a user with only a key proves totp, backup-codes and app-password add
# with a touch too, and is never asked for a code they cannot have.
set -u
. "$TOP/tests/lib/lib.sh"

BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac

if [ "$(id -u)" -ne 0 ]; then
	skip "key self-service: needs root to create the users tfaka, tfakb"
	done_testing
	exit 0
fi
for tool in useradd userdel runuser python3 flock sha256sum make; do
	if ! command -v $tool >/dev/null 2>&1; then
		skip "key self-service: $tool is not installed"
		done_testing
		exit 0
	fi
done

exec 9>/run/tfak-selfservice.lock
flock 9

tmp=$(mktemp -d /tmp/tfak-XXXXXX) || exit 1
cleanup() {
	userdel tfaka >/dev/null 2>&1
	userdel tfakb >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
chmod 0755 "$tmp"
for u in tfaka tfakb; do
	userdel "$u" >/dev/null 2>&1
	useradd -M -N -s /usr/sbin/nologin "$u" || exit 1
done

san=
case $BUILD in *asan*) san=SANITIZE=1 ;; esac
# shellcheck disable=SC2086
make -C "$TOP" -s -j2 $san BUILD="$tmp/build" sysconfdir="$tmp/etc" \
    storedir="$tmp/store" "$tmp/build/tests/tfa-enroll-fidotest" \
    >"$tmp/make.log" 2>&1
check "the test copy with the fake authenticator builds" \
    [ -x "$tmp/build/tests/tfa-enroll-fidotest" ]
if [ ! -x "$tmp/build/tests/tfa-enroll-fidotest" ]; then
	tail -20 "$tmp/make.log"
	done_testing
	exit 1
fi
install -d -m 0755 -o root -g root "$tmp/bin" "$tmp/etc" "$tmp/etc/security"
install -m 4755 -o root -g root "$tmp/build/tests/tfa-enroll-fidotest" \
    "$tmp/bin/tfa-enroll"
install -d -m 0700 -o root -g root "$tmp/store"
conf=$tmp/etc/security/pam_tfa.conf
origin=pam://keys.example
setconf() {	# setconf EXTRA-LINE — Origin is $origin
	printf 'StoreDir = %s\nOrigin = %s\n%s\n' "$tmp/store" "$origin" \
	    "$1" >"$conf"
	chmod 0600 "$conf"
}
setconf ""
E=$tmp/bin/tfa-enroll
check "it is installed set-uid root" \
    [ "$(stat -c '%a %U' "$E")" = "4755 root" ]

# an ASan build: the fake is linked in, nothing is preloaded
as_a() { timeout 30 runuser -u tfaka -- "$@"; }
as_b() { timeout 30 runuser -u tfakb -- "$@"; }
has() { grep -qF -- "$2" "$1"; }
snapshot() {
	(cd "$tmp/store" && find . -printf '%p %m %u %g %s\n' | sort &&
	    find . -type f -exec sha256sum {} + | sort)
}
save_snapshot() { snapshot >"$tmp/snap.saved"; }
unchanged() {
	snapshot >"$tmp/snap.now"
	check "$1: the root store is unchanged" \
	    cmp -s "$tmp/snap.saved" "$tmp/snap.now"
}

# ---- the first key needs no proof ------------------------------------------

save_snapshot
as_a env FAKE_KEYS=0 "$E" key add </dev/null >"$tmp/out" 2>"$tmp/err"
check "no key plugged: refused (exit 1), saying so" \
    sh -c '[ $0 -eq 1 ] && grep -q "no security key found" "$1"' $? "$tmp/err"
unchanged "no key plugged"

as_a "$E" key add yubi </dev/null >"$tmp/out" 2>"$tmp/err"
check "tfaka registers a key through the set-uid copy (exit 0)" [ $? -eq 0 ]
check "it says which key, for tfaka" \
    has "$tmp/out" 'Security key 1 ("yubi", es256) is registered for tfaka'
check "the record is in the root store, root's, mode 0600" \
    [ "$(stat -c '%U %a' "$tmp/store/tfaka.db" 2>&1)" = "root 600" ]

as_a "$E" key list >"$tmp/out" 2>"$tmp/err"
check "key list works set-uid (exit 0)" [ $? -eq 0 ]
check "key list shows key 1 yubi es256" \
    grep -Eq '^1 +yubi +es256 +no ' "$tmp/out"
as_a "$E" key list --json >"$tmp/json" 2>"$tmp/err"
python3 - "$tmp/json" >"$tmp/out" 2>&1 <<'PY'
import json, sys
keys = json.load(open(sys.argv[1]))
assert len(keys) == 1, keys
k = keys[0]
assert k["id"] == 1 and k["name"] == "yubi" and k["type"] == "es256", k
assert k["rp"] == "pam://keys.example" and k["uv"] is False, k
assert k["created"] > 0 and k["last_used"] == 0, k
assert not any(x in k for x in ("cred_id", "pubkey")), k
print("json ok")
PY
check "key list --json parses: one key, for the configured Origin" \
    has "$tmp/out" "json ok"

# ---- a second key: tfaka has a factor now, so proves it first -----------------

save_snapshot
as_a "$E" key add second </dev/null >"$tmp/out" 2>"$tmp/err"
check "a second key without a touch of the first is refused (exit 1)" \
    sh -c '[ $0 -eq 1 ] && grep -q "registered security" "$1"' $? "$tmp/err"
as_a "$E" key remove 1 </dev/null >"$tmp/out" 2>"$tmp/err"
check "key remove without a proof is refused (exit 1)" [ $? -eq 1 ]
unchanged "changes without a proof"

setconf "MaxKeys = 1"
"$E" --user tfaka key add </dev/null >"$tmp/out" 2>"$tmp/err"
check "MaxKeys=1: even root's add is refused, naming the limit" \
    sh -c '[ $0 -eq 1 ] && grep -q "MaxKeys (1)" "$1"' $? "$tmp/err"
setconf "AllowSecurityKeys = false"
as_a "$E" key add </dev/null >"$tmp/out" 2>"$tmp/err"
check "AllowSecurityKeys=false: refused, naming the setting" \
    sh -c '[ $0 -eq 1 ] && grep -q "AllowSecurityKeys=false" "$1"' $? \
    "$tmp/err"
setconf ""
unchanged "refusals by policy"

# ---- tfakb cannot reach tfaka's keys ---------------------------------------

for cmd in "key list" "key remove 1" "key add"; do
	# shellcheck disable=SC2086
	as_b "$E" --user tfaka $cmd </dev/null >"$tmp/out" 2>"$tmp/err"
	check "tfakb: --user tfaka $cmd is refused (exit 1), nothing shown" \
	    sh -c '[ $0 -eq 1 ] && grep -q "only root" "$1" && ! grep -q yubi "$2"' \
	    $? "$tmp/err" "$tmp/out"
done
as_b "$E" key list >"$tmp/out" 2>&1
check "tfakb's own key list is empty" has "$tmp/out" "No security keys"
unchanged "tfakb's attempts"

# ---- with backup codes, a code is the proof -----------------------------

"$E" --user tfaka backup-codes </dev/null >"$tmp/out" 2>&1
grep -oE '[0-9]+\. [a-z2-9]{5}-[a-z2-9]{5}' "$tmp/out" | sed 's/^[0-9]*\. //' \
    >"$tmp/codes"
check "root makes tfaka backup codes" [ "$(wc -l <"$tmp/codes")" -eq 10 ]
echo 22222-22222 | as_a "$E" key add second >"$tmp/out" 2>"$tmp/err"
check "key add with a wrong code is refused (exit 1)" \
    sh -c '[ $0 -eq 1 ] && grep -q "wrong code" "$1"' $? "$tmp/err"
as_a "$E" key list >"$tmp/out" 2>&1
check "and stored no key" sh -c '! grep -q second "$0"' "$tmp/out"
sed -n 1p "$tmp/codes" | as_a "$E" key add second >"$tmp/out" 2>"$tmp/err"
check "key add with a backup code registers key 2 (exit 0)" \
    sh -c '[ $0 -eq 0 ] && grep -q "Security key 2 (\"second\"" "$1"' $? \
    "$tmp/out"
sed -n 2p "$tmp/codes" | as_a "$E" key remove 1 >"$tmp/out" 2>"$tmp/err"
check "key remove 1 with a backup code (exit 0)" \
    sh -c '[ $0 -eq 0 ] && grep -q "Security key 1 is removed" "$1"' $? \
    "$tmp/out"
as_a "$E" key list >"$tmp/out" 2>&1
check "key list: only key 2 is left" sh -c '! grep -q "^1 " "$0" &&
    grep -Eq "^2 +second " "$0"' "$tmp/out"
sed -n 3p "$tmp/codes" | as_a "$E" key remove 7 >"$tmp/out" 2>"$tmp/err"
check "key remove of a key that does not exist says so (exit 1)" \
    sh -c '[ $0 -eq 1 ] && grep -q "no such key" "$1"' $? "$tmp/err"

# ---- a touch as the proof, with a key made for an older Origin -------------

# the fake keeps tfakb's credentials in a file of tfakb's between runs
install -d -m 0700 -o tfakb "$tmp/bkey"
as_bkey() { as_b env FAKE_STATE="$tmp/bkey/state" "$@"; }
as_bkey "$E" key add old </dev/null >"$tmp/out" 2>"$tmp/err"
check "tfakb registers key 1 for pam://keys.example (exit 0)" [ $? -eq 0 ]
origin=pam://renamed.example
setconf ""
as_b "$E" key list >"$tmp/out" 2>&1
check "after an Origin change, key list names the key's relying party" \
    grep -Eq '^1 +old .*\(relying party pam://keys\.example\)$' "$tmp/out"
save_snapshot
as_b env FAKE_KEYS=0 "$E" key add new </dev/null >"$tmp/out" 2>"$tmp/err"
check "no key plugged: no proof, refused (exit 1)" [ $? -eq 1 ]
unchanged "a key add without a touch"
as_bkey "$E" key add new </dev/null >"$tmp/out" 2>"$tmp/err"
check "a touch of the old Origin's key is the proof: key 2 added (exit 0)" \
    sh -c '[ $0 -eq 0 ] && grep -q "Security key 2 (\"new\"" "$1"' $? \
    "$tmp/out"
as_bkey "$E" key remove 1 </dev/null >"$tmp/out" 2>"$tmp/err"
check "a touch proves key remove 1 (exit 0)" \
    sh -c '[ $0 -eq 0 ] && grep -q "Security key 1 is removed" "$1"' $? \
    "$tmp/out"
as_b "$E" key list --json >"$tmp/out" 2>&1
check "tfakb has key 2 only, for the new Origin" \
    grep -q '^\[{"id":2,"name":"new","type":"es256","rp":"pam://renamed\.example"' \
    "$tmp/out"
origin=pam://keys.example
setconf ""

# ---- a key-only user: a touch proves an app, backup codes, app passwords --

# tfakb has key 2 and no code, so no code is asked for: a line on standard
# input stays unread, and the failure count stays 0 (a code asked for could
# only be wrong, and counted towards the lockout, key logins included)
touches() { grep -c "Touch your registered security key" "$tmp/out"; }
no_code_asked() { ! grep -q "backup code:" "$tmp/out"; }
nofailure() {	# nofailure WHAT — tfakb's status: no failure, no lockout
	"$E" --user tfakb status 2>&1 | grep -E '^(Failed tries|Locked)' \
	    >"$tmp/failures"
	check "$1: no failure counted" \
	    [ "$(cat "$tmp/failures")" = "Failed tries in a row: 0" ]
}
echo 000000 | as_bkey "$E" app-password add mail >"$tmp/out" 2>"$tmp/err"
check "key only: app-password add takes a touch (exit 0)" \
    sh -c '[ $0 -eq 0 ] && grep -q "^App password [0-9]*, \"mail\"" "$1"' \
    $? "$tmp/out"
check "app-password add: one touch" [ "$(touches)" -eq 1 ]
check "app-password add: no code asked" no_code_asked
nofailure "app-password add"
as_b env FAKE_KEYS=0 "$E" app-password add mail2 </dev/null >"$tmp/out" \
    2>"$tmp/err"
check "no key plugged: app-password add refused for want of the key" \
    sh -c '[ $0 -eq 1 ] && grep -q "no security key found" "$1"' $? \
    "$tmp/err"
check "no key plugged: no code asked" no_code_asked
nofailure "app-password add without a key"

# totp: a touch before the secret is shown, and again after each wrong code
# from the app (a touch proves one request only)
timeout 30 python3 "$TOP/tests/enroll/enroll_drive.py" --wrong -- \
    runuser -u tfakb -- env FAKE_STATE="$tmp/bkey/state" "$E" totp \
    >"$tmp/out" 2>"$tmp/err"
check "key only: totp with three wrong codes stores nothing (exit 1)" \
    sh -c '[ $0 -eq 1 ] && grep -q "wrong code 3 times" "$1"' $? "$tmp/err"
check "totp: a touch for each of the three tries" [ "$(touches)" -eq 3 ]
check "totp: no current code asked" no_code_asked
nofailure "totp with wrong codes"
timeout 30 python3 - "$TOP/tests/enroll" runuser -u tfakb -- \
    env FAKE_STATE="$tmp/bkey/state" "$E" totp >"$tmp/out" 2>"$tmp/err" <<'PY'
# a wrong code from the app, then the right one
import re, subprocess, sys, time
sys.path.insert(0, sys.argv[1])
from enroll_drive import read_until_prompt
from totp import totp, wrong
p = subprocess.Popen(sys.argv[2:], stdin=subprocess.PIPE,
                     stdout=subprocess.PIPE)
out = read_until_prompt(p)
m = re.search(rb"[?&]secret=([A-Z2-7]+)", out)
if m is None:
    p.kill()
    p.wait()
    sys.stdout.write(out.decode("utf-8", "replace"))
    sys.exit(3)
s = m.group(1).decode()
rest, _ = p.communicate((wrong(s) + "\n" + totp(s, time.time()) +
                         "\n").encode(), timeout=20)
sys.stdout.write((out + rest).decode("utf-8", "replace"))
sys.exit(p.returncode)
PY
check "key only: totp, a wrong code then the right one: set up (exit 0)" \
    sh -c '[ $0 -eq 0 ] && grep -q "authenticator app is set up for tfakb" \
    "$1"' $? "$tmp/out"
check "totp: a touch for each of the two tries" [ "$(touches)" -eq 2 ]
nofailure "totp"
"$E" --user tfakb totp remove </dev/null >"$tmp/out" 2>&1
check "root removes tfakb's app again (exit 0)" [ $? -eq 0 ]

echo 000000 | as_bkey "$E" backup-codes >"$tmp/out" 2>"$tmp/err"
check "key only: backup-codes takes a touch (exit 0)" \
    sh -c '[ $0 -eq 0 ] && [ "$1" -eq 1 ]' $? "$(touches)"
grep -oE '[0-9]+\. [a-z2-9]{5}-[a-z2-9]{5}' "$tmp/out" |
    sed 's/^[0-9]*\. //' >"$tmp/bcodes"
check "backup-codes: 10 codes shown" [ "$(wc -l <"$tmp/bcodes")" -eq 10 ]
check "backup-codes: no code asked" no_code_asked
nofailure "backup-codes"

# with backup codes the proof is a code again; not allowed, they are none
setconf "AllowBackupCodes = false"
echo 000000 | as_bkey "$E" app-password add dav >"$tmp/out" 2>"$tmp/err"
check "AllowBackupCodes=false: app-password add takes a touch (exit 0)" \
    sh -c '[ $0 -eq 0 ] && [ "$1" -eq 1 ]' $? "$(touches)"
check "AllowBackupCodes=false: no code asked" no_code_asked
setconf ""
sed -n 1p "$tmp/bcodes" | as_bkey "$E" app-password add cal >"$tmp/out" \
    2>"$tmp/err"
check "with backup codes: app-password add takes one (exit 0)" \
    sh -c '[ $0 -eq 0 ] && [ "$1" -eq 0 ]' $? "$(touches)"
check "with backup codes: the code is asked for" \
    grep -q "backup code:" "$tmp/out"
nofailure "the key-only commands"

done_testing

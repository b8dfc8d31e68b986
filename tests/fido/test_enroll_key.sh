#!/bin/sh
# tfa-enroll key add | list | remove against the fake authenticator, loaded
# into tfa-enroll with LD_PRELOAD (fake_preload.so defines
# fido_dev_info_manifest); a private store and config.  Runs as whoever
# runs the suite: root acts with --user on its own name, so no proof is
# asked (a key-only user would have to touch a registered key, and the fake
# in each new process holds none); as a user the first key needs none
# either (no second factor yet).  The last part acts on its own record
# without --user, with FAKE_STATE keeping the fake's credentials between
# runs, so the touch proof is asked for and given.
. "$TOP/tests/lib/lib.sh"
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
dir=$(mktemp -d "${TMPDIR:-/tmp}/tfa-enroll-key-XXXXXX")
trap 'rm -rf "$dir"' EXIT
mkdir -m 700 "$dir/store" "$dir/store2"
store=$dir/store origin=pam://enroll.example
conf() {	# conf EXTRA-LINE — StoreDir $store, Origin $origin
	printf 'StoreDir = %s\nOrigin = %s\n%s\n' "$store" "$origin" "$1" \
		> "$dir/conf"
	chmod 600 "$dir/conf"
}
conf ""
preload=$BUILD/tests/fake_preload.so
who=
[ "$(id -u)" -eq 0 ] && who="--user $(id -un)"
# a sanitizer build: the preloaded fake comes before libasan, on purpose
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
enroll() {	# enroll ARGS... — output in $dir/out, status in $rc
	LD_PRELOAD=$preload "$BUILD/tfa-enroll" --config "$dir/conf" \
		$who "$@" >"$dir/out" 2>&1 </dev/null
	rc=$?
}
has() { grep -q -- "$1" "$dir/out"; }

FAKE_KEYS=0 enroll key add
check "no key plugged: fails" [ "$rc" -eq 1 ]
check "no key plugged: says so" has "no security key found"

enroll key add yubi
check "key add: ES256 registered" [ "$rc" -eq 0 ]
check "key add: says which" has 'Security key 1 ("yubi", es256)'

enroll key add --eddsa
check "key add --eddsa" [ "$rc" -eq 0 ]
check "key add --eddsa: EdDSA, default name" has '"key2", eddsa'

FAKE_NO_EDDSA=1 enroll key add --eddsa
check "EdDSA on an ES256-only key: fails" [ "$rc" -eq 1 ]
check "EdDSA on an ES256-only key: says so" has "not supported by the key"

enroll key add --uv
check "--uv on a key without PIN or UV: fails" [ "$rc" -eq 1 ]
check "--uv: explains" has "needs a key with a PIN"

printf '4711\n' > "$dir/pin"
LD_PRELOAD=$preload FAKE_PIN=4711 "$BUILD/tfa-enroll" \
	--config "$dir/conf" $who key add --uv pinned <"$dir/pin" >"$dir/out" 2>&1
rc=$?
check "PIN key: right PIN registers" [ "$rc" -eq 0 ]
check "PIN key: PIN asked" has "PIN of the security key"
check "PIN key: not echoed" sh -c "! grep -q 4711 '$dir/out'"

printf '1111\n' > "$dir/pin"
LD_PRELOAD=$preload FAKE_PIN=4711 "$BUILD/tfa-enroll" \
	--config "$dir/conf" $who key add <"$dir/pin" >"$dir/out" 2>&1
rc=$?
check "PIN key: wrong PIN fails" [ "$rc" -eq 1 ]
check "PIN key: says wrong PIN" has "wrong PIN"

FAKE_NO_TOUCH=1 enroll key add
check "no touch: fails" [ "$rc" -eq 1 ]
check "no touch: says timeout" has "not touched in time"

enroll key list
check "key list" [ "$rc" -eq 0 ]
check "key list: three keys" [ "$(grep -c '^[0-9]' "$dir/out")" -eq 3 ]
check "key list: key 3 asks for UV" sh -c "grep '^3 ' '$dir/out' | grep -q ' yes '"
check "key list: no relying party noted for Origin's keys" \
	sh -c "! grep -q 'relying party' '$dir/out'"
enroll key list --json
check "key list --json" has '"id":2,"name":"key2","type":"eddsa"'

# Origin changed: the keys keep theirs, and a login still asks for it
origin=pam://renamed.example
conf ""
enroll key list
check "key list after an Origin change" [ "$rc" -eq 0 ]
check "key list: names the keys' own relying party" \
	sh -c "[ \$(grep -c '(relying party pam://enroll.example)\$' '$dir/out') -eq 3 ]"
check "key list: does not call them unusable" \
	sh -c "! grep -qi 'usable' '$dir/out'"
enroll key list --json
check "key list --json: the key's own rp" \
	has '"rp":"pam://enroll.example"'
origin=pam://enroll.example
conf ""

conf "MaxKeys = 3"
enroll key add
check "MaxKeys reached: fails" [ "$rc" -eq 1 ]
check "MaxKeys reached: says so" has "MaxKeys (3)"
conf "AllowSecurityKeys = false"
enroll key add
check "AllowSecurityKeys=false: refused" has "AllowSecurityKeys=false"
conf ""

enroll key remove 1
if [ "$(id -u)" -eq 0 ]; then
	check "key remove 1 (root: no proof)" [ "$rc" -eq 0 ]
	enroll key list
	check "key 1 gone" sh -c "! grep -q '^1 ' '$dir/out'"
	enroll key remove 1
	check "removing it again: no such key" has "no such key"
else
	# a key-only user proves with a touch of a registered key; the fake
	# in this new process holds none
	check "key remove 1 (user: proof needed)" [ "$rc" -eq 1 ]
	check "key remove: asks for a registered key" has "registered"
fi
enroll key remove x
check "key remove x: usage error" [ "$rc" -eq 2 ]
enroll key add a b
check "key add a b: usage error" [ "$rc" -eq 2 ]

# ---- the touch proof, with a key made for an older Origin ----
# no --user: the caller's own record, so a change asks for a proof; the
# fake remembers its credentials in $dir/fake-state between runs
own() {	# own ARGS... — like enroll, without --user, on a key with memory
	FAKE_STATE=${state:-$dir/fake-state} LD_PRELOAD=$preload \
		"$BUILD/tfa-enroll" --config "$dir/conf" "$@" \
		>"$dir/out" 2>&1 </dev/null
	rc=$?
}
store=$dir/store2 origin=pam://old.example
conf ""
own key add old
check "own record: first key, no proof needed" [ "$rc" -eq 0 ]
origin=pam://new.example
conf ""
own key list
check "own key list: the old key's relying party" \
	has '^1 .*(relying party pam://old.example)$'
own key add new
check "a touch of the key for the old Origin proves it (key add)" \
	[ "$rc" -eq 0 ]
check "the touch was asked for" has "Touch your registered security key"
check "key 2 registered for Origin" has 'Security key 2 ("new"'
own key list --json
check "key 2 is for the new Origin" \
	has '"id":2,"name":"new","type":"es256","rp":"pam://new.example"'
own key remove 2
check "a touch proves key remove (Origin's key)" [ "$rc" -eq 0 ]
own key list
check "key 2 gone, key 1 left" \
	sh -c "! grep -q '^2 ' '$dir/out' && grep -q '^1 ' '$dir/out'"
FAKE_STATE=$dir/no-such-key LD_PRELOAD=$preload "$BUILD/tfa-enroll" \
	--config "$dir/conf" key remove 1 >"$dir/out" 2>&1 </dev/null
rc=$?
check "a key holding none of them: no proof, refused" [ "$rc" -eq 1 ]
check "it asks for a registered key" has "registered security key"
rm -f "$dir/no-such-key"
own key remove 1
check "a touch of the old Origin's key proves key remove" [ "$rc" -eq 0 ]
own key list
check "no keys left" has "No security keys"

# ---- totp remove when the app is turned off: a touch proves it ----
mkdir -m 700 "$dir/store3"
store=$dir/store3 origin=pam://enroll.example state=$dir/fake-state3
conf ""
own key add k1
check "store3: a first key, no proof needed" [ "$rc" -eq 0 ]
"$BUILD/tests/tfa-testrec" "$store" enroll "$(id -un)"
conf "AllowAuthenticatorApp = false"
own totp remove
check "totp remove, apps turned off: proven with a touch" [ "$rc" -eq 0 ]
check "... the touch was asked for, no code" \
	sh -c "grep -q 'Touch your registered security key' '$dir/out' &&
	    ! grep -q 'verification code' '$dir/out'"
check "... and the app is gone" has "authenticator app is removed"
conf ""

# ---- a refused touch is called one, not a wrong code ----
# the fake's counter set back (a cloned key, to the module): the next
# touch is refused by the operation layer
cp "$state" "$dir/fake-state3.old"
own app-password add a1
check "a touch proves app-password add" [ "$rc" -eq 0 ]
cp "$dir/fake-state3.old" "$state"
own app-password add a2
check "a touch with a counter gone back: refused" [ "$rc" -eq 1 ]
check "... saying the touch was refused" has "security key's touch was refused"
check "... not that a code was wrong" sh -c "! grep -q 'wrong code' '$dir/out'"

# ---- a key name stored before names were checked: shown escaped ----
"$BUILD/tests/tfa-testrec" "$store" name "$(id -un)" \
	"$(printf 'k\302\233[2J\177')"
own key list
check "key list: the name escaped" has '^1 *k%C2%9B\[2J%7F '
check "key list: no raw C1 byte" \
	sh -c "! grep -q \"\$(printf '\\302\\233')\" '$dir/out'"
# ---- keys that verify the user: the touch proof with the key's PIN ----
# a key registered with --uv (or imported with +pin) proves nothing
# without the UV flag: tfa-enroll asks for the PIN, as a login does, and
# hands it to the key alone.  A wrong PIN is the key's refusal before
# anything is signed: nothing reaches the monitor, so it is no failed try
# (the key counts wrong PINs itself).  The fake has PIN 4711 from here on.
mkdir -m 700 "$dir/store4"
store=$dir/store4 origin=pam://old.example state=$dir/fake-state4
conf ""
pinned() {	# pinned INPUT ARGS... — own, on a key with PIN 4711
	printf "$1" > "$dir/in"; shift
	FAKE_PIN=4711 FAKE_STATE=$state LD_PRELOAD=$preload \
		"$BUILD/tfa-enroll" --config "$dir/conf" "$@" \
		<"$dir/in" >"$dir/out" 2>&1
	rc=$?
}
no_failures() {	# no_failures — the record counts no failed try
	own status >/dev/null
	grep -q '^Failed tries in a row: 0$' "$dir/out"
}
no_pin_shown() { ! grep -q 4711 "$dir/out"; }
pinned '4711\n' key add --uv first
check "uv: a first --uv key, no proof needed" [ "$rc" -eq 0 ]

pinned '1111\n' key remove 1
check "uv: a wrong PIN for the proof: refused" [ "$rc" -eq 1 ]
check "... saying the PIN was wrong" has "wrong PIN; nothing was changed"
check "... not that the touch was refused" \
	sh -c "! grep -q 'touch was refused' '$dir/out'"
check "... not counted as a failed try" no_failures
pinned '' key remove 1
check "uv: no PIN given: refused" [ "$rc" -eq 1 ]
check "... saying so" has "no PIN given"
check "... not counted" no_failures
own key remove 1
check "uv: a key without PIN or fingerprint now: refused" [ "$rc" -eq 1 ]
check "... saying it cannot check it is you" has "PIN or fingerprint"
check "... without a touch to count" \
	sh -c "! grep -q 'Touch your' '$dir/out'"
check "... not counted" no_failures

# key add: the PIN for the proof, then the PIN for the new credential
origin=pam://new.example
conf ""
pinned '4711\n4711\n' key add second
check "uv: a touch and the PIN prove key add" [ "$rc" -eq 0 ]
check "... the PIN asked to confirm it is you" \
	has "PIN of your security key, to confirm it is you"
check "... and the touch" has "Touch your registered security key"
check "... key 2 registered" has 'Security key 2 ("second"'
check "... the PIN not shown" no_pin_shown
check "... no failed try" no_failures

# Origin's key 2 wants no verification: its touch asks no PIN, even on a
# key that has one
pinned '' app-password add a1
check "no --uv: a touch alone proves app-password add" [ "$rc" -eq 0 ]
check "... no PIN asked" sh -c "! grep -q PIN '$dir/out'"

# the --uv key (Origin back to its relying party) proves key remove
origin=pam://old.example
conf ""
pinned '4711\n' key remove 2
check "uv: a touch and the PIN prove key remove" [ "$rc" -eq 0 ]
check "... the PIN asked" has "PIN of your security key"
check "... the PIN not shown" no_pin_shown
own key list
check "... key 2 gone, the --uv key 1 left" \
	sh -c "! grep -q '^2 ' '$dir/out' && grep -q '^1 .* yes ' '$dir/out'"
check "... no failed try" no_failures

pinned '4711\n' backup-codes
check "uv: a touch and the PIN prove backup-codes" [ "$rc" -eq 0 ]
check "... the codes shown" has "New backup codes"
check "... the PIN not shown" no_pin_shown
check "... no failed try" no_failures
done_testing

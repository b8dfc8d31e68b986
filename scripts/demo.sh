#!/bin/sh
# make demo: enroll the current user into a store under $BUILD/demo with the
# QR code shown right here, then log in through the built pam_tfa.so with
# the real libpam and a demo PAM service directory.
set -eu
BUILD=${BUILD:-build}
top=$(pwd)
demo=$top/$BUILD/demo
user=$(id -un)
conf=$demo/pam_tfa.conf
enroll="$top/$BUILD/tfa-enroll --config $conf"

umask 077
mkdir -p "$demo/store" "$demo/pam.d"
chmod 700 "$demo" "$demo/store"
printf 'StoreDir = %s\nIssuer = pam_tfa demo\n' "$demo/store" >"$conf"
printf 'auth required %s config=%s\n' "$top/$BUILD/pam_tfa.so" "$conf" \
	>"$demo/pam.d/tfa-demo"
printf 'auth required pam_deny.so\n' >"$demo/pam.d/other"
chmod 644 "$demo/pam.d/tfa-demo" "$demo/pam.d/other"

echo "== pam_tfa demo for user $user (store: $demo/store)"
if $enroll status | grep -q "Authenticator app: configured"; then
	echo "You are already enrolled in the demo store; using that."
	echo "(To start over: rm -rf $demo)"
else
	echo "== Step 1: enroll an authenticator app"
	$enroll totp
fi
echo
echo "== Step 2: log in through PAM (service tfa-demo, module $BUILD/pam_tfa.so)"
echo "Wait for the next code if you just used one: a code is good only once."
"$top/$BUILD/tests/pam-login" "$demo/pam.d" tfa-demo "$user"

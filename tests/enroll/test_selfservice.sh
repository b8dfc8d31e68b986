#!/bin/sh
# Self-service through the set-uid tfa-enroll, as real unprivileged users,
# and the admin commands as root.
#
# A copy of tfa-enroll is built with its compiled-in configuration and store
# in a temporary prefix, installed there 4755 root (directories 0755 root,
# store 0700 root, configuration 0600 root), and run through runuser as the
# users tfa3a and tfa3b, which this test creates and removes.  tfa3a enrolls
# an app, makes backup codes and removes the app, each change proven with a
# code; tfa3b tries to reach tfa3a's record every way it can, and after every
# refusal the root store is compared with what it was.
set -u
. "$TOP/tests/lib/lib.sh"

BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
HERE=$TOP/tests/enroll

if [ "$(id -u)" -ne 0 ]; then
	skip "self-service: needs root to create the users tfa3a and tfa3b"
	done_testing
	exit 0
fi
for tool in useradd userdel runuser python3 flock sha256sum make; do
	if ! command -v $tool >/dev/null 2>&1; then
		skip "self-service: $tool is not installed"
		done_testing
		exit 0
	fi
done

# The user names are fixed, so one run at a time on this machine.
exec 9>/run/tfa3-selfservice.lock
flock 9

tmp=$(mktemp -d /tmp/tfa3-XXXXXX) || exit 1
cleanup() {
	userdel tfa3a >/dev/null 2>&1
	userdel tfa3b >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
chmod 0755 "$tmp"
for u in tfa3a tfa3b; do
	userdel "$u" >/dev/null 2>&1	# left over from a killed run
	useradd -M -N -s /usr/sbin/nologin "$u" || exit 1
done

# ---- the set-uid copy ------------------------------------------------------

san=
case $BUILD in *asan*) san=SANITIZE=1 ;; esac
# shellcheck disable=SC2086
make -C "$TOP" -s -j2 $san BUILD="$tmp/build" sysconfdir="$tmp/etc" \
    storedir="$tmp/store" "$tmp/build/tfa-enroll" >"$tmp/make.log" 2>&1
check "a copy of tfa-enroll builds with the temporary paths" \
    [ -x "$tmp/build/tfa-enroll" ]
if [ ! -x "$tmp/build/tfa-enroll" ]; then
	tail -20 "$tmp/make.log"
	done_testing
	exit 1
fi
install -d -m 0755 -o root -g root "$tmp/bin" "$tmp/etc" "$tmp/etc/security"
install -m 4755 -o root -g root "$tmp/build/tfa-enroll" "$tmp/bin/tfa-enroll"
install -d -m 0700 -o root -g root "$tmp/store"
conf=$tmp/etc/security/pam_tfa.conf
printf 'StoreDir = %s\nIssuer = SelfService\n' "$tmp/store" >"$conf"
chmod 0600 "$conf"
E=$tmp/bin/tfa-enroll
check "it is installed set-uid root" \
    [ "$(stat -c '%a %U' "$E")" = "4755 root" ]
check "the copy reads the temporary configuration" \
    sh -c 'strings "$0" | grep -qF "$1"' "$E" "$conf"

# A workspace the users can reach: tfa3b's and tfa3a's own directories.
install -d -m 0755 "$tmp/u"
install -d -m 0700 -o tfa3b "$tmp/u/b"
install -d -m 0755 -o tfa3a "$tmp/u/a"
bconf=$tmp/u/b/tfa.conf
printf 'StoreDir = %s\n' "$tmp/u/b/store" >"$bconf"
chown tfa3b "$bconf"
chmod 0600 "$bconf"

as_a() { timeout 20 runuser -u tfa3a -- "$@"; }
as_b() { timeout 20 runuser -u tfa3b -- "$@"; }
code() { python3 "$HERE/totp.py" "$@"; }
has() { grep -qF -- "$2" "$1"; }
hasnt() { ! grep -qF -- "$2" "$1"; }
drive() { timeout 30 python3 "$HERE/enroll_drive.py" "$@"; }

# Everything about the root store: names, modes, owners, contents.
snapshot() {
	(cd "$tmp/store" && find . -printf '%p %m %u %g %s\n' | sort &&
	    find . -type f -exec sha256sum {} + | sort)
}
unchanged() {	# unchanged DESCRIPTION — the root store is as saved last
	snapshot >"$tmp/snap.now"
	check "$1: the root store is unchanged" \
	    cmp -s "$tmp/snap.saved" "$tmp/snap.now"
}
save_snapshot() { snapshot >"$tmp/snap.saved"; }

# ---- tfa3a enrolls itself --------------------------------------------------

drive --procs "$E" -- runuser -u tfa3a -- "$E" totp >"$tmp/out" 2>"$tmp/err"
check "tfa3a enrolls an app through the set-uid copy (exit 0)" [ $? -eq 0 ]
check "the app is set up for tfa3a" \
    has "$tmp/out" "The authenticator app is set up for tfa3a."
check "the otpauth link names tfa3a and the issuer" \
    has "$tmp/out" "otpauth://totp/SelfService:tfa3a?"
S=$(sed -n 's/^SECRET=//p' "$tmp/out")
a_uid=$(id -u tfa3a) a_gid=$(id -g tfa3a)
grep '^PROC' "$tmp/out" >"$tmp/procs"
check "two processes run tfa-enroll: the monitor and the worker" \
    [ "$(wc -l <"$tmp/procs")" -eq 2 ]
check "the monitor: every uid root, so tfa3a cannot signal it" \
    has "$tmp/procs" "Uid: 0 0 0 0 |"
check "the monitor: every gid root, none of tfa3a's groups" \
    has "$tmp/procs" "Uid: 0 0 0 0 | Gid: 0 0 0 0 | Groups: "
check "the worker: every uid and gid is tfa3a's, no groups" \
    grep -qxF "PROC Uid: $a_uid $a_uid $a_uid $a_uid | Gid: $a_gid $a_gid $a_gid $a_gid | Groups: " "$tmp/procs"
check "the record is in the root store, root's, group root, mode 0600" \
    [ "$(stat -c '%U %G %a' "$tmp/store/tfa3a.db" 2>&1)" = "root root 600" ]

as_a "$E" status >"$tmp/out" 2>"$tmp/err"
check "tfa3a's status exits 0" [ $? -eq 0 ]
check "status shows tfa3a's app" sh -c 'grep -q "^User: tfa3a$" "$0" &&
    grep -q "Authenticator app: configured on" "$0"' "$tmp/out"
check "status shows no backup codes yet, and says how to make them" \
    sh -c 'grep -q "^Backup codes: none$" "$0" &&
    grep -q "tfa-enroll backup-codes" "$0"' "$tmp/out"

# backup codes need a proof: none, then a wrong one, then a right one
save_snapshot
as_a "$E" backup-codes </dev/null >"$tmp/out" 2>"$tmp/err"
check "backup-codes without a code is refused (exit 1)" \
    sh -c '[ $0 -eq 1 ] && grep -q "no code given" "$1"' $? "$tmp/err"
unchanged "backup-codes without a code"
code --wrong "$S" | as_a "$E" backup-codes >"$tmp/out" 2>"$tmp/err"
check "backup-codes with a wrong code is refused (exit 1)" \
    sh -c '[ $0 -eq 1 ] && grep -q "wrong code" "$1"' $? "$tmp/err"
check "and shows no codes" \
    [ "$(grep -cE '[a-z2-9]{5}-[a-z2-9]{5}' "$tmp/out")" -eq 0 ]
as_a "$E" status >"$tmp/out" 2>&1
check "the wrong code counted as a failure and made no codes" \
    sh -c 'grep -q "Failed tries in a row: 1" "$0" &&
    grep -q "^Backup codes: none$" "$0"' "$tmp/out"
code "$S" 30 | as_a "$E" backup-codes >"$tmp/out" 2>"$tmp/err"
check "backup-codes with the next code exits 0" [ $? -eq 0 ]
grep -oE '[0-9]+\. [a-z2-9]{5}-[a-z2-9]{5}' "$tmp/out" |
    sed 's/^[0-9]*\. //' >"$tmp/codes"
check "ten distinct codes are shown, numbered" \
    [ "$(sort -u "$tmp/codes" | wc -l)" -eq 10 ]
check "the user is told to keep them safe" has "$tmp/out" "somewhere safe"
check "no code is stored in the clear" \
    sh -c '! grep -qF -f "$0" "$1"/*' "$tmp/codes" "$tmp/store"
as_a "$E" status >"$tmp/out" 2>&1
check "status: 10 of 10 backup codes left, failures reset" \
    sh -c 'grep -q "^Backup codes: 10 left (made " "$0" &&
    grep -q "Failed tries in a row: 0" "$0"' "$tmp/out"

# A file size limit and an ignored SIGXFSZ survive execve of a set-uid
# program: with both, every write of a monitor that kept them failed, so a
# wrong code went uncounted while the answer told a right one apart.  The
# monitor lifts a soft limit always, a hard one when root may
# (CAP_SYS_RESOURCE), and otherwise serves nothing.  (Output through cat:
# a pipe has no size limit.)
limited() {	# limited ULIMIT-OPTION COMMAND...
	opt=$1
	shift
	as_a sh -c 'trap "" XFSZ; ulimit $0 0 && exec "$@"' "$opt" "$@" 2>&1 |
	    cat
}
code --wrong "$S" | limited -Sf "$E" backup-codes >"$tmp/out"
check "ulimit -Sf 0: a wrong code is refused as wrong" \
    has "$tmp/out" "wrong code; nothing was changed"
as_a "$E" status >"$tmp/out" 2>&1
check "ulimit -Sf 0: the wrong code is counted" \
    has "$tmp/out" "Failed tries in a row: 1"
# (a backup code: a code of the app would spend a step a later login needs)
sed -n 5p "$tmp/codes" | limited -Sf "$E" backup-codes >"$tmp/out"
check "ulimit -Sf 0: a right code makes ten new backup codes" \
    [ "$(grep -oE '[0-9]+\. [a-z2-9]{5}-[a-z2-9]{5}' "$tmp/out" |
    sort -u | wc -l)" -eq 10 ]
grep -oE '[0-9]+\. [a-z2-9]{5}-[a-z2-9]{5}' "$tmp/out" |
    sed 's/^[0-9]*\. //' >"$tmp/codes"
as_a "$E" status >"$tmp/out" 2>&1
check "ulimit -Sf 0: 10 of 10 new backup codes, failures reset" \
    sh -c 'grep -q "^Backup codes: 10 left (made " "$0" &&
    grep -q "Failed tries in a row: 0" "$0"' "$tmp/out"
capbnd=$(awk '/^CapBnd:/ { print $2 }' /proc/self/status)
save_snapshot
code --wrong "$S" | limited -f "$E" backup-codes >"$tmp/out"
if [ $((0x$capbnd >> 24 & 1)) -eq 1 ]; then
	check "ulimit -f 0 (root may lift it): a wrong code is refused as wrong" \
	    has "$tmp/out" "wrong code; nothing was changed"
	as_a "$E" status >"$tmp/out" 2>&1
	check "ulimit -f 0 (root may lift it): the wrong code is counted" \
	    has "$tmp/out" "Failed tries in a row: 1"
else
	check "ulimit -f 0 (root may not lift it): refused before any code" \
	    sh -c 'grep -q "privileged part of tfa-enroll has stopped" "$0" &&
	    grep -q "cannot work under a file size limit" "$0" &&
	    ! grep -q "wrong code" "$0"' "$tmp/out"
	unchanged "ulimit -f 0 (root may not lift it), a wrong code"
	sed -n 5p "$tmp/codes" | limited -f "$E" backup-codes \
	    >"$tmp/out.right"
	check "ulimit -f 0 (root may not lift it): a right code gets the same" \
	    cmp -s "$tmp/out" "$tmp/out.right"
	unchanged "ulimit -f 0 (root may not lift it), the right code"
fi

# removing the app: a wrong code changes nothing, a backup code works
code --wrong "$S" | as_a "$E" totp remove >"$tmp/out" 2>"$tmp/err"
check "totp remove with a wrong code is refused (exit 1)" \
    sh -c '[ $0 -eq 1 ] && grep -q "wrong code; nothing was changed" "$1"' \
    $? "$tmp/err"
as_a "$E" status >"$tmp/out" 2>&1
check "after the wrong code the app is still there" \
    has "$tmp/out" "Authenticator app: configured on"
bc1=$(sed -n 1p "$tmp/codes")
printf '%s\n' "$bc1" | as_a "$E" totp remove >"$tmp/out" 2>"$tmp/err"
check "totp remove with a backup code exits 0" [ $? -eq 0 ]
as_a "$E" status >"$tmp/out" 2>&1
check "the app is gone and the backup code is spent" \
    sh -c 'grep -q "Authenticator app: not configured" "$0" &&
    grep -q "^Backup codes: 9 left" "$0"' "$tmp/out"
printf '%s\n' "$(sed -n 2p "$tmp/codes")" |
    as_a "$E" backup-codes >"$tmp/out" 2>"$tmp/err"
check "without an app, backup-codes says to set one up first" \
    sh -c '[ $0 -eq 1 ] &&
    grep -q "set up an authenticator app first: tfa-enroll totp" "$1"' \
    $? "$tmp/err"

save_snapshot
as_a "$E" cleanup </dev/null >"$tmp/out" 2>"$tmp/err"
check "a command the monitor does not serve is refused up front (exit 1)" \
    sh -c '[ $0 -eq 1 ] && grep -q "cleanup: not available to users of the system store" "$1"' \
    $? "$tmp/err"
unchanged "a command the monitor does not serve"

# enrolled again, for what follows
drive -- runuser -u tfa3a -- "$E" totp >"$tmp/out" 2>"$tmp/err"
check "tfa3a enrolls a new app (exit 0)" [ $? -eq 0 ]
S=$(sed -n 's/^SECRET=//p' "$tmp/out")

# ---- tfa3b cannot reach tfa3a's record -------------------------------------

save_snapshot
as_b "$E" --user tfa3a status >"$tmp/out" 2>"$tmp/err"
check "tfa3b: --user tfa3a status is refused (exit 1)" [ $? -eq 1 ]
check "tfa3b: the refusal says only root may, and shows nothing of tfa3a" \
    sh -c 'grep -q "only root can act on another user" "$0" &&
    [ ! -s "$1" ]' "$tmp/err" "$tmp/out"
unchanged "tfa3b --user tfa3a status"
for cmd in "totp remove" "backup-codes" "disable" "reset"; do
	# shellcheck disable=SC2086
	as_b "$E" --user tfa3a $cmd </dev/null >"$tmp/out" 2>"$tmp/err"
	check "tfa3b: --user tfa3a $cmd is refused (exit 1)" \
	    sh -c '[ $0 -eq 1 ] && grep -q "only root" "$1"' $? "$tmp/err"
done
unchanged "tfa3b --user tfa3a changes"
as_b "$E" list-users >"$tmp/out" 2>"$tmp/err"
check "tfa3b: list-users is refused and lists no one" \
    sh -c '[ $0 -eq 1 ] && grep -q "only root" "$1" && ! grep -q tfa3a "$2"' \
    $? "$tmp/err" "$tmp/out"
as_b "$E" --user tfa3b status >"$tmp/out" 2>"$tmp/err"
check "tfa3b: its own name with --user is fine, and it sees only itself" \
    sh -c '[ $0 -eq 0 ] && grep -q "^User: tfa3b$" "$1" &&
    grep -q "Authenticator app: not configured" "$1" &&
    ! grep -q tfa3a "$1"' $? "$tmp/out"
USER=tfa3a LOGNAME=tfa3a HOME=/ as_b env USER=tfa3a LOGNAME=tfa3a "$E" \
    status >"$tmp/out" 2>"$tmp/err"
check "tfa3b: USER and LOGNAME saying tfa3a change nothing: it is tfa3b" \
    sh -c 'grep -q "^User: tfa3b$" "$0" && ! grep -q tfa3a "$0"' "$tmp/out"
drive --wrong -- runuser -u tfa3b -- "$E" totp >"$tmp/out" 2>"$tmp/err"
check "tfa3b: three wrong codes from a new app store nothing (exit 1)" \
    sh -c '[ $0 -eq 1 ] && grep -q "wrong code 3 times; nothing was stored" "$1"' \
    $? "$tmp/err"
unchanged "tfa3b status and wrong codes"

# --store and --config: the user's own rights only
as_b "$E" --config "$bconf" --store "$tmp/store" status >"$tmp/out" \
    2>"$tmp/err"
check "tfa3b: --store on the root store is refused (exit 1)" [ $? -eq 1 ]
check "tfa3b: the refusal names the store and why" \
    sh -c 'grep -q "store $0: cannot open: Permission denied" "$1"' \
    "$tmp/store" "$tmp/err"
as_b "$E" --store "$tmp/store" status >"$tmp/out" 2>"$tmp/err"
check "tfa3b: --store alone is refused: the 0600 configuration is root's" \
    sh -c '[ $0 -eq 1 ] && grep -q "cannot open: Permission denied" "$1"' \
    $? "$tmp/err"
as_b "$E" --config "$bconf" --store "$tmp/u/a" status >"$tmp/out" \
    2>"$tmp/err"
check "tfa3b: --store on tfa3a's directory is refused (exit 1)" [ $? -eq 1 ]
check "tfa3b: the refusal says it fails a safety check (owner)" \
    sh -c 'grep -q "must be a directory owned by uid" "$0" &&
    grep -q "safety check" "$0"' "$tmp/err"
printf 'StoreDir = %s\n' "$tmp/store" >"$tmp/u/a/tfa.conf"
chown tfa3a "$tmp/u/a/tfa.conf"
chmod 0644 "$tmp/u/a/tfa.conf"
as_b "$E" --config "$tmp/u/a/tfa.conf" status >"$tmp/out" 2>"$tmp/err"
check "tfa3b: a configuration owned by tfa3a is refused (exit 1)" \
    sh -c '[ $0 -eq 1 ] && grep -q "must be owned by root" "$1"' $? \
    "$tmp/err"
unchanged "tfa3b --store and --config on others' files"

runuser -u tfa3b -- mkdir -m 0700 "$tmp/u/b/store"
drive -- runuser -u tfa3b -- "$E" --config "$bconf" totp >"$tmp/out" \
    2>"$tmp/err"
check "tfa3b: enrolling into its own --config store works (exit 0)" \
    [ $? -eq 0 ]
check "tfa3b: that record is tfa3b's own file, not root's" \
    [ "$(stat -c '%U %a' "$tmp/u/b/store/tfa3b.db" 2>&1)" = "tfa3b 600" ]
unchanged "tfa3b enrolling into its own store"

# symbolic links in a store of its own, pointing into the root store
runuser -u tfa3b -- sh -c 'mkdir -m 0700 "$0/s1" "$0/s2" &&
    ln -s "$1/tfa3a.db" "$0/s1/tfa3b.db" &&
    ln -s "$1/tfa3a.st" "$0/s2/tfa3b.st" && ln -s "$1" "$0/root"' \
    "$tmp/u/b" "$tmp/store"
as_b "$E" --config "$bconf" --store "$tmp/u/b/s1" status >"$tmp/out" \
    2>"$tmp/err"
check "tfa3b: a record that is a symlink to tfa3a's is refused (exit 1)" \
    sh -c '[ $0 -eq 1 ] && grep -q "tfa3b.db: cannot open: is a symbolic link" "$1"' \
    $? "$tmp/err"
check "tfa3b: and nothing of tfa3a's record is shown" \
    hasnt "$tmp/out" "Authenticator app: configured"
drive -- runuser -u tfa3b -- "$E" --config "$bconf" --store "$tmp/u/b/s2" \
    totp >"$tmp/out" 2>"$tmp/err"
check "tfa3b: a lock that is a symlink to tfa3a's is refused (exit 1)" \
    sh -c '[ $0 -eq 1 ] && grep -q "tfa3b.st: cannot open: is a symbolic link" "$1"' \
    $? "$tmp/err"
as_b "$E" --config "$bconf" --store "$tmp/u/b/root" status >"$tmp/out" \
    2>"$tmp/err"
check "tfa3b: a --store that is a symlink to the root store is refused" \
    sh -c '[ $0 -eq 1 ] && grep -q "safety check" "$1"' $? "$tmp/err"
unchanged "tfa3b's symbolic links"

# ---- root: the admin commands ----------------------------------------------

svc=$tmp/pam.d
mkdir -m 0700 "$svc"
printf 'auth [success=done ignore=ignore default=die] %s config=%s %s\nauth required pam_permit.so\n' \
    "$BUILD/pam_tfa.so" "$conf" "TrustDevicesForDays=0" >"$svc/tfa3"
# Only PAM_IGNORE from pam_tfa gets through these two: success counts as bad
printf 'auth [success=bad ignore=ignore default=die] %s config=%s %s\nauth required pam_permit.so\n' \
    "$BUILD/pam_tfa.so" "$conf" "TrustDevicesForDays=0" >"$svc/tfa3-ignore"
printf 'auth [success=bad ignore=ignore default=die] %s config=%s %s\nauth required pam_permit.so\n' \
    "$BUILD/pam_tfa.so" "$conf" "Enforce=true" >"$svc/tfa3-enforce"
printf 'auth required pam_deny.so\n' >"$svc/other"
login() {	# login SERVICE USER — answers come from stdin
	"$BUILD/tests/pam-login" "$svc" "$@" 2>&1
}
LOGDIR=$tmp/syslog
shim=
if [ -f "$TOP/tests/fuzz/syslog_capture.c" ] &&
    cc -shared -fPIC -o "$tmp/syslog.so" "$TOP/tests/fuzz/syslog_capture.c" \
    -ldl 2>/dev/null; then
	shim=$tmp/syslog.so
fi
adm() {	# adm ARGS — tfa-enroll as root, its syslog lines in $tmp/syslog
	if [ -n "$shim" ]; then
		# (an ASan build wants its runtime first; the shim is harmless)
		ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
		LD_PRELOAD=$shim TFA_SYSLOG_FILE=$LOGDIR "$E" "$@"
	else
		"$E" "$@"
	fi
}
logged() {	# logged DESCRIPTION LINE
	if [ -z "$shim" ]; then
		skip "$1: no syslog capture shim (tests/fuzz/syslog_capture.c)"
		return
	fi
	check "$1" has "$LOGDIR" "$2"
}

adm --user tfa3a status >"$tmp/out" 2>"$tmp/err"
check "root: --user tfa3a status shows tfa3a's record (exit 0)" \
    sh -c '[ $0 -eq 0 ] && grep -q "^User: tfa3a$" "$1" &&
    grep -q "Authenticator app: configured on" "$1"' $? "$tmp/out"
logged "root: status of another user is logged" \
    "admin=root action=status user=tfa3a result=ok"

# +60: the old app's proof above spent this step and the next
printf '%s\n' "$(code "$S" 60)" | login tfa3 tfa3a >"$tmp/out"
check "tfa3a logs in through pam_tfa with a code" \
    sh -c 'grep -q "Verification code:" "$0" &&
    grep -q "pam_authenticate: success" "$0"' "$tmp/out"

adm --user tfa3a disable >"$tmp/out" 2>"$tmp/err"
check "root: disable exits 0 and says so" \
    sh -c '[ $0 -eq 0 ] && grep -q "second factor of tfa3a is disabled" "$1"' \
    $? "$tmp/out"
logged "root: disable is logged" \
    "admin=root action=disable user=tfa3a result=ok"
login tfa3-ignore tfa3a </dev/null >"$tmp/out"
check "disabled: the module lets tfa3a through without asking (PAM_IGNORE)" \
    sh -c '! grep -q "Verification code" "$0" &&
    grep -q "pam_authenticate: success" "$0"' "$tmp/out"
login tfa3-enforce tfa3a </dev/null >"$tmp/out"
check "disabled: also with Enforce=true (PAM_IGNORE)" \
    sh -c '! grep -q "Verification code" "$0" &&
    grep -q "pam_authenticate: success" "$0"' "$tmp/out"
as_a "$E" status >"$tmp/out" 2>&1
check "tfa3a sees that it is disabled" \
    has "$tmp/out" "Disabled by an administrator: yes"

adm --user tfa3a enable >"$tmp/out" 2>"$tmp/err"
check "root: enable exits 0" [ $? -eq 0 ]
logged "root: enable is logged" "admin=root action=enable user=tfa3a result=ok"
login tfa3 tfa3a </dev/null >"$tmp/out"
check "enabled again: the module asks for the code (and fails on no answer)" \
    sh -c 'grep -q "Verification code" "$0" &&
    ! grep -q "pam_authenticate: success" "$0"' "$tmp/out"

adm --user tfa3nobody disable >"$tmp/out" 2>"$tmp/err"
check "root: disable of a user without a record makes one (exit 0)" \
    sh -c '[ $0 -eq 0 ] && [ -f "$1" ]' $? "$tmp/store/tfa3nobody.db"
login tfa3-enforce tfa3nobody </dev/null >"$tmp/out"
check "Enforce=true lets that disabled user through (PAM_IGNORE)" \
    sh -c '! grep -q "Verification code" "$0" &&
    grep -q "pam_authenticate: success" "$0"' "$tmp/out"
login tfa3-enforce tfa3zz </dev/null >"$tmp/out"
check "while Enforce=true still stops a user without any record" \
    grep -q "pam_authenticate: Authentication failure" "$tmp/out"

# list-users, text and JSON, with names that need escaping
weird=$(printf 'tfa3 "q\\u\303\251\377')
adm --user "$weird" disable >/dev/null 2>&1
check "root: a name with a quote, a backslash, UTF-8 and a stray byte" \
    [ -f "$tmp/store/tfa3%20%22q%5Cu%C3%A9%FF.db" ]
sed -n 3p "$tmp/codes" | as_a "$E" backup-codes >/dev/null 2>&1
adm list-users >"$tmp/out" 2>"$tmp/err"
check "root: list-users exits 0" [ $? -eq 0 ]
check "list-users has its header" \
    grep -q "^USER .*APP .*KEYS .*BACKUP .*LAST-LOGIN" "$tmp/out"
check "list-users: tfa3a with its app, 10/10 backup codes, the last login" \
    grep -Eq "^tfa3a +yes +0 +10/10 +0 +0 +no +- +.*\(backup\)$" "$tmp/out"
check "list-users: tfa3nobody, disabled, with nothing" \
    grep -Eq "^tfa3nobody +no +0 +- +0 +0 +yes " "$tmp/out"
check "list-users: the odd name escaped as in the log" \
    grep -q "^tfa3%20%22q%5Cu%C3%A9%FF " "$tmp/out"
logged "root: list-users is logged" "admin=root action=list-users users=3"
adm list-users --json >"$tmp/json" 2>"$tmp/err"
check "root: list-users --json exits 0" [ $? -eq 0 ]
python3 - "$tmp/json" >"$tmp/out" 2>&1 <<'EOF'
import json, sys
raw = open(sys.argv[1], "rb").read()
raw.decode("ascii")			# escapes only: pure ASCII
users = {u["user"]: u for u in json.loads(raw)}
a = users["tfa3a"]
assert a["totp"] is True and a["backup_codes_left"] == 10, a
assert a["keys"] == 0 and a["app_passwords"] == 0 and a["devices"] == 0, a
assert a["disabled"] is False and a["locked_until"] is None, a
assert a["last_login_method"] == "backup", a
assert a["last_login"].endswith("Z"), a
n = users["tfa3nobody"]
assert n["disabled"] is True and n["totp"] is False, n
assert n["last_login"] is None and n["backup_codes"] is False, n
w = users['tfa3 "q\\u\u00e9\ufffd']	# the stray byte: U+FFFD
assert w["user_escaped"] == "tfa3%20%22q%5Cu%C3%A9%FF", w
assert len(users) == 3, sorted(users)
print("json ok")
EOF
check "list-users --json parses, with the right values and escapes" \
    has "$tmp/out" "json ok"
[ -s "$tmp/out" ] && grep -v "json ok" "$tmp/out" | head -5

# the policy, for tfa-enroll too
save_snapshot
printf 'StoreDir = %s\nAllowBackupCodes = false\n' "$tmp/store" \
    >"$tmp/nobackup.conf"
printf 'StoreDir = %s\nAllowAuthenticatorApp = false\n' "$tmp/store" \
    >"$tmp/noapp.conf"
chmod 0600 "$tmp/nobackup.conf" "$tmp/noapp.conf"
"$E" --config "$tmp/nobackup.conf" --user tfa3a backup-codes </dev/null \
    >"$tmp/out" 2>"$tmp/err"
check "AllowBackupCodes=false: backup-codes is refused, naming the setting" \
    sh -c '[ $0 -eq 1 ] && grep -q "(AllowBackupCodes=false)" "$1"' $? \
    "$tmp/err"
"$E" --config "$tmp/nobackup.conf" --user tfa3a status >"$tmp/out" 2>&1
check "AllowBackupCodes=false: status says the codes are not allowed" \
    grep -q "^Backup codes: 10 left .*(not allowed by the administrator)$" \
    "$tmp/out"
"$E" --config "$tmp/noapp.conf" totp </dev/null >"$tmp/out" 2>"$tmp/err"
check "AllowAuthenticatorApp=false: totp is refused, naming the setting" \
    sh -c '[ $0 -eq 1 ] && grep -q "(AllowAuthenticatorApp=false)" "$1" &&
    ! grep -q otpauth "$2"' $? "$tmp/err" "$tmp/out"
"$E" --config "$tmp/noapp.conf" --user tfa3a backup-codes </dev/null \
    >"$tmp/out" 2>"$tmp/err"
check "AllowAuthenticatorApp=false: no backup codes for an app not allowed" \
    sh -c '[ $0 -eq 1 ] && grep -q "(AllowAuthenticatorApp=false)" "$1"' $? \
    "$tmp/err"
unchanged "refusals by policy"

# root acts on tfa3a's methods without being asked for a code
adm --user tfa3a backup-codes </dev/null >"$tmp/out" 2>"$tmp/err"
check "root: --user tfa3a backup-codes asks nothing and shows 10 codes" \
    sh -c '[ $0 -eq 0 ] && ! grep -q "verification code" "$1" &&
    [ "$(grep -oE "[0-9]+\. [a-z2-9]{5}-[a-z2-9]{5}" "$1" | wc -l)" -eq 10 ]' \
    $? "$tmp/out"
logged "root: backup-codes for another user is logged" \
    "admin=root action=backup-codes user=tfa3a result=ok"
adm --user tfa3a totp remove </dev/null >"$tmp/out" 2>"$tmp/err"
check "root: --user tfa3a totp remove asks nothing and removes the app" \
    sh -c '[ $0 -eq 0 ] && grep -q "app is removed for tfa3a" "$1"' $? \
    "$tmp/out"
logged "root: totp remove for another user is logged" \
    "admin=root action=totp-remove user=tfa3a result=ok"
adm --user tfa3a status >"$tmp/out" 2>&1
check "root: tfa3a now has new codes and no app" \
    sh -c 'grep -q "Authenticator app: not configured" "$0" &&
    grep -q "^Backup codes: 10 left" "$0"' "$tmp/out"

save_snapshot
as_a "$E" --user tfa3a disable >"$tmp/out" 2>"$tmp/err"
check "tfa3a: disable, even of itself, is root's (exit 1)" \
    sh -c '[ $0 -eq 1 ] && grep -q "only root can do this" "$1"' $? "$tmp/err"
as_a "$E" list-users --json >"$tmp/out" 2>"$tmp/err"
check "tfa3a: list-users is root's (exit 1), nothing listed" \
    sh -c '[ $0 -eq 1 ] && [ ! -s "$1" ]' $? "$tmp/out"
unchanged "tfa3a's admin attempts"

adm --user tfa3a reset >"$tmp/out" 2>"$tmp/err"
check "root: reset exits 0" [ $? -eq 0 ]
logged "root: reset is logged" "admin=root action=reset user=tfa3a result=ok"
check "reset removed tfa3a's record" [ ! -e "$tmp/store/tfa3a.db" ]
as_a "$E" status >"$tmp/out" 2>&1
check "tfa3a now has nothing configured" sh -c '
    grep -q "Authenticator app: not configured" "$0" &&
    grep -q "^Backup codes: none$" "$0" &&
    grep -q "Last second-factor login: never" "$0"' "$tmp/out"
login tfa3 tfa3a </dev/null >"$tmp/out"
check "after reset the module does not ask tfa3a for a code" \
    sh -c '! grep -q "Verification code" "$0"' "$tmp/out"
adm --user tfa3a reset >"$tmp/out" 2>"$tmp/err"
check "root: reset of a user with no record says so (exit 1)" \
    sh -c '[ $0 -eq 1 ] && grep -q "has no second-factor record" "$1"' $? \
    "$tmp/err"
adm --user ../tfa3a status >"$tmp/out" 2>"$tmp/err"
check "root: --user with a name that cannot be stored is refused" \
    sh -c '[ $0 -eq 1 ] && grep -q "not a name that can have" "$1"' $? \
    "$tmp/err"
adm --user tfa3a totp >"$tmp/out" 2>"$tmp/err"
check "root: --user with a command that does not take it exits 2" [ $? -eq 2 ]
check "... and names every command that takes it" sh -c 'for c in status \
    "totp remove" "key add" "key list" "key remove" "app-password add" \
    "app-password list" "app-password remove" devices "devices remove"; do
	grep -q "works only with: .*$c" "$0" || exit 1; done' "$tmp/err"
"$E" --help >"$tmp/out" 2>&1
check "--help: the --user entry names them too" sh -c 'sed -n \
    "/--user NAME /,/--help /p" "$0" | tr -d "\n" | tr -s " " |
    grep -q "app-password list, app-password remove, devices, devices remove, key add, key list, key remove"' "$tmp/out"

# ---- the monitor cannot be stopped or timed out by the user ---------------
# While it serves a request the monitor holds the user's lock, and PAM
# logins and root's cleanup wait for it.  tfa3a's "totp" waits here for a
# code on a FIFO, the monitor leading a process group of its own as a
# shell's job would.  (Not setsid: the kernel drops SIGTSTP, SIGTTIN and
# SIGTTOU to an orphaned group, and they would prove nothing.)

field() {	# field PID N — field N of /proc/PID/stat (no spaces in comm)
	awk -v n="$2" '{ print $n }' "/proc/$1/stat" 2>/dev/null
}
state() { field "$1" 3; }
until_state() {	# until_state PID STATES — wait up to 5 s for one of them
	i=0
	while [ $i -lt 50 ]; do
		case $(state "$1") in [$2]) return 0 ;; esac
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
held() {	# held [PREFIX...] — start the held run; sets mon and kid
	python3 -c 'import os, sys
os.setpgid(0, 0)
os.execvp(sys.argv[1], sys.argv[1:])' "$@" setpriv --reuid=tfa3a --regid="$a_gid" --clear-groups \
	    "$E" totp <"$tmp/in" >"$tmp/held.out" 2>&1 &
	mon=$!
	exec 7>"$tmp/in"
	kid= i=0
	while [ $i -lt 100 ]; do
		kid=$(pgrep -P "$mon" | head -1)
		# the worker reads its code: read(0, ...)
		[ -n "$kid" ] && case $(cat "/proc/$kid/syscall" 2>/dev/null) in
		    "0 0x0 "*) break ;; esac
		sleep 0.1
		i=$((i + 1))
	done
}
release() {	# release — end the held run: EOF for its code
	exec 7>&-
	kill -CONT "$mon" $kid 2>/dev/null
	until_state "$mon" Z || kill -KILL "$mon" 2>/dev/null
	wait "$mon" 2>/dev/null
}

if command -v setpriv >/dev/null 2>&1 && command -v pgrep >/dev/null 2>&1
then
	mkfifo "$tmp/in"
	held
	check "held: the worker waits for its code" [ -n "$kid" ]
	check "held: the monitor is root in every uid" \
	    [ "$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$mon/status")" = \
	    "0 0 0 0" ]
	as_a sh -c 'kill -0 "$0"' "$mon" >"$tmp/out" 2>&1
	check "tfa3a cannot signal its monitor (EPERM)" \
	    sh -c '[ $0 -ne 0 ] && grep -qi "not permitted" "$1"' $? "$tmp/out"
	as_a sh -c 'kill -STOP "$0"' "$mon" >/dev/null 2>&1
	sleep 0.3
	check "tfa3a's SIGSTOP does not stop the monitor" \
	    [ "$(state "$mon")" = S ]
	kill -CONT "$mon"
	# what the terminal sends, to every process of the group, unchecked
	for sig in TSTP TTIN TTOU; do
		kill -$sig "$mon"
		sleep 0.3
		check "SIG$sig from the terminal leaves the monitor running" \
		    [ "$(state "$mon")" = S ]
		kill -CONT "$mon"
	done
	# Ctrl-Z: the worker stops, and the monitor, idle, follows it, so the
	# shell gets the terminal back; fg wakes both (the group is these two)
	kill -TSTP "$kid" "$mon"
	check "Ctrl-Z stops the worker" until_state "$kid" T
	check "and the idle monitor with it" until_state "$mon" T
	kill -CONT "$kid" "$mon"
	check "fg wakes the worker" until_state "$kid" S
	check "and the monitor" until_state "$mon" S
	release
	check "the held run ends once the worker has its answer" \
	    [ "$(state "$mon")" = "" ]
	check "the monitor served to the end" \
	    hasnt "$tmp/held.out" "privileged part of tfa-enroll has stopped"

	# an interval timer and a nice value survive execve
	held nice -n 19 python3 -c 'import os, signal, sys
signal.setitimer(signal.ITIMER_REAL, 1)
os.execvp(sys.argv[1], sys.argv[1:])'
	check "timed: the worker waits for its code" [ -n "$kid" ]
	check "timed: the monitor runs at nice 0, not 19" \
	    [ "$(field "$mon" 19)" = 0 ]
	sleep 1.5
	check "an ITIMER_REAL set before exec does not kill the monitor" \
	    [ "$(state "$mon")" = S ]
	release
	check "timed: the monitor served to the end" \
	    hasnt "$tmp/held.out" "privileged part of tfa-enroll has stopped"
else
	skip "setpriv or pgrep missing: the monitor's signals"
fi

done_testing

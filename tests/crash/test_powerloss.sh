#!/bin/sh
# Power cuts at every point of the store's writes, through the built module
# and tools.  Each operation (logins with a right, a wrong and a backup
# code through pam_tfa.so and the real libpam, and through its mail stack
# with a password and code and with an app password; tfa-enroll making
# new backup codes, disabling, resetting; a new app password; a first
# enrollment) runs once under strace on a real store.
# tests/crash/powerloss.py reads the trace as a list of writes, syncs,
# renames and removals, makes every state a power cut could leave
# (unsynced writes lost, done or torn in 64-byte pieces, in any mix;
# unsynced name changes lost from some point on, in journal order), and
# reads each with the store's own code: it must be the record before or
# the record after, the one after once the operation had returned, and
# must take a further write.
#
# A process killed mid-write keeps the page cache (tests/crash/test_crash.c
# covers that); this covers what only a power cut loses.  The model is of
# a file system that keeps what fsync and fdatasync promise and nothing
# more; a disk that drops synced writes is out of scope.
set -u
. "$TOP/tests/lib/lib.sh"

BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
B=$BUILD
TRIALS=${TFA_POWERLOSS_TRIALS:-8}

for tool in strace python3; do
	if ! command -v $tool >/dev/null 2>&1; then
		not_ok "power cuts: $tool is not installed (make check installs it)"
		done_testing
		exit 1
	fi
done

tmp=$(mktemp -d /tmp/tfa-powerloss-XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP
S=$tmp/store
install -d -m 0700 "$S" "$tmp/pam.d"
conf=$tmp/pam_tfa.conf
printf 'StoreDir = %s\n' "$S" >"$conf"
chmod 0600 "$conf"
printf 'auth required %s/pam_tfa.so config=%s\n' "$B" "$conf" \
    >"$tmp/pam.d/tfa-pl"
# the mail stack (contrib/pam.d/mail), pam_permit standing in for the
# password module
m="$B/pam_tfa.so config=$conf service=imap"
printf 'auth [success=done ignore=ignore default=die] %s mode=split
auth requisite pam_permit.so
auth required %s mode=verify\n' "$m" "$m" >"$tmp/pam.d/tfa-mail"
rec() { "$B/tests/tfa-testrec" "$S" "$@"; }
LOGIN="$B/tests/pam-login $tmp/pam.d tfa-pl alice"
MAIL="$B/tests/pam-login -r 192.0.2.7 $tmp/pam.d tfa-mail alice"
ENROLL="$B/tfa-enroll --config $conf --user alice"

if ! rec enroll alice >/dev/null || ! rec backup alice >"$tmp/codes"; then
	not_ok "power cuts: a record to start from cannot be made"
	done_testing
	exit 1
fi

n=0
# powercut NAME EXPECT INPUT COMMAND... — run COMMAND traced with the line
# INPUT as its standard input (its exit status must be EXPECT), then every
# power cut of it
powercut() {
	name=$1 want=$2 input=$3; shift 3
	n=$((n + 1))
	d=$tmp/op$n
	mkdir "$d"
	cp -a "$S" "$d/before"
	# LeakSanitizer cannot run under a tracer (an ASan build)
	printf '%s\n' "$input" | \
	    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	    strace -f -y -xx -s 4194304 -o "$d/trace" -e trace=openat,open,creat,\
read,write,pwrite64,writev,pwritev,pwritev2,lseek,close,dup,dup2,dup3,fcntl,\
mmap,ftruncate,truncate,fallocate,fsync,fdatasync,sync_file_range,sync,\
syncfs,msync,rename,renameat,renameat2,unlink,unlinkat,link,linkat,\
symlink,symlinkat,mkdir,mkdirat,rmdir,copy_file_range,sendfile,splice \
	    "$@" >"$d/out" 2>&1
	rc=$?
	cp -a "$S" "$d/after"
	if [ "$rc" -ne "$want" ]; then
		not_ok "$name: exit $rc, not $want"
		sed 's/^/# /' "$d/out" | head -10
		return
	fi
	python3 "$TOP/tests/crash/powerloss.py" --trials "$TRIALS" --seed $n \
	    "$name" "$B/tests/tfa-testrec" alice "$S" "$d/trace" \
	    "$d/before" "$d/after" "$d/work"
	case $? in 0) pass=$((pass + 1)) ;; *) fail=$((fail + 1)) ;; esac
}

code=$(rec code alice)
powercut "login, right code (the overlay written in place)" 0 "$code" $LOGIN
powercut "login, wrong code (the failure count)" 1 "$(rec wrong alice)" $LOGIN
powercut "login, backup code" 0 "$(head -1 "$tmp/codes")" $LOGIN
powercut "tfa-enroll backup-codes" 0 "" $ENROLL backup-codes
powercut "an app password added (a new database)" 0 "" \
    "$B/tests/tfa-testrec" "$S" apppw alice imap
code=$(rec code alice)
powercut "login, right code, after a new database" 0 "$code" $LOGIN
app=$(rec apppw alice imap) || app=none
code=$(rec code alice)
powercut "mail login, password and code (a new device)" 0 "hunter2$code" \
    $MAIL
powercut "mail login, app password (its first use)" 0 "$app" $MAIL
powercut "tfa-enroll disable" 0 "" $ENROLL disable
powercut "tfa-enroll reset (the record removed)" 0 "" $ENROLL reset
powercut "a first enrollment" 0 "" "$B/tests/tfa-testrec" "$S" enroll alice
# a reset again, with the newest state in the other slot of the overlay
# (a new record's overlay is a mark in slot 0; logins then alternate)
code=$(rec code alice)
printf '%s\n' "$code" | $LOGIN >/dev/null 2>&1 ||
	not_ok "a login after a first enrollment"
code=$(rec code alice)
powercut "login, right code, the second after a first enrollment" 0 "$code" $LOGIN
powercut "tfa-enroll reset, the newest state in the other overlay slot" 0 "" $ENROLL reset

done_testing

#!/bin/sh
# tfa-enroll end to end.  The authenticator-app set-up runs on a real
# terminal (a private tmux server): the QR code is read back from the screen
# and decoded, and the code typed is computed from the secret on the screen.
# Around it: the command line, refusals, the pipe paths, status and removal.
set -u
. "$TOP/tests/lib/lib.sh"

BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
ENROLL=$BUILD/tfa-enroll
HERE=$TOP/tests/enroll
SOCK=tfa-enroll-test-$$
USER_NAME=$(id -un)

tmp=$(mktemp -d) || exit 1
cleanup() {
	TMUX_TMPDIR=$tmp tmux -L "$SOCK" kill-server >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
trap '' PIPE		# a writer to a dead tfa-enroll must fail, not die
chmod 0700 "$tmp"
mkdir -m 0700 "$tmp/store"
conf=$tmp/tfa.conf
printf 'StoreDir = %s\nIssuer = TestIssuer\n' "$tmp/store" >"$conf"
chmod 0600 "$conf"

if [ ! -x "$ENROLL" ]; then
	not_ok "tfa-enroll is built ($ENROLL)"
	done_testing
	exit 1
fi

enroll() {	# enroll ARGS... — against the test config, 20 s at most
	timeout 20 "$ENROLL" --config "$conf" "$@"
}

has() {	# has FILE PATTERN — FILE holds a line matching the fixed PATTERN
	grep -qF -- "$2" "$1"
}

hasnt() {
	! grep -qF -- "$2" "$1"
}

# ---- the command line ----------------------------------------------------

"$ENROLL" --help >"$tmp/out" 2>&1
check "--help exits 0" [ $? -eq 0 ]
check "--help lists the totp command" has "$tmp/out" "totp remove"
"$ENROLL" totp --help >"$tmp/out" 2>&1
check "totp --help exits 0 and explains the set-up" \
    sh -c '[ $0 -eq 0 ] && grep -q "QR code" "$1"' $? "$tmp/out"
"$ENROLL" --version >"$tmp/out" 2>&1
check "--version prints the version" has "$tmp/out" "tfa-enroll "
"$ENROLL" --config "$conf" frobnicate >"$tmp/out" 2>"$tmp/err"
check "an unknown command exits 2" [ $? -eq 2 ]
check "an unknown command is named, with a hint" \
    sh -c 'grep -q "unknown command .frobnicate." "$0" &&
    grep -q "tfa-enroll --help" "$0"' "$tmp/err"
"$ENROLL" --frobnicate status >"$tmp/out" 2>"$tmp/err"
check "an unknown option exits 2" [ $? -eq 2 ]
"$ENROLL" --config "$conf" status --all >"$tmp/out" 2>"$tmp/err"
check "an unknown command option exits 2 and points at its help" \
    sh -c '[ $0 -eq 2 ] && grep -q "status --help" "$1"' $? "$tmp/err"

# ---- configuration and store errors --------------------------------------

bad=$tmp/bad.conf
printf 'StoreDir = %s\nNoSuchKey = 1\n' "$tmp/store" >"$bad"
chmod 0600 "$bad"
"$ENROLL" --config "$bad" status >"$tmp/out" 2>"$tmp/err"
check "a bad config line exits 1" [ $? -eq 1 ]
check "a bad config line is reported as file:line" has "$tmp/err" "$bad:2"
"$ENROLL" --config "$tmp/missing.conf" status >"$tmp/out" 2>"$tmp/err"
check "a missing --config file exits 1" [ $? -eq 1 ]
mkdir -m 0777 "$tmp/openstore"
chmod 0777 "$tmp/openstore"
"$ENROLL" --config "$conf" --store "$tmp/openstore" status >"$tmp/out" \
    2>"$tmp/err"
check "a world-writable --store is refused (exit 1)" [ $? -eq 1 ]
check "the refusal says the store fails a safety check" \
    has "$tmp/err" "safety check"

enroll status >"$tmp/out" 2>"$tmp/err"
check "status on an empty store exits 0" [ $? -eq 0 ]
check "status says the app is not configured" \
    has "$tmp/out" "Authenticator app: not configured"
check "status says how to set one up" has "$tmp/out" "tfa-enroll totp"

# ---- set-up through pipes: nothing stored without a right code -----------

enroll totp </dev/null >"$tmp/eof.out" 2>"$tmp/err"
check "totp with stdin at EOF exits 1" [ $? -eq 1 ]
check "totp with stdin at EOF says nothing was stored" \
    has "$tmp/err" "nothing was stored"
esc=$(printf '\033')
qr=$(grep -c "^$esc\[30;107m.*$esc\[0m\$" "$tmp/eof.out")
check "every QR line is drawn black on bright white and reset ($qr lines)" \
    [ "$qr" -ge 15 ]
upper=$(printf '\342\226\200') lower=$(printf '\342\226\204')
full=$(printf '\342\226\210')
bare=$(grep -e "$upper" -e "$lower" -e "$full" "$tmp/eof.out" |
    grep -cv "^$esc\[30;107m")
check "no QR line is drawn without its colours ($bare)" [ "$bare" -eq 0 ]

# Three wrong codes through a pipe; the wrong code is chosen after reading
# the secret, so it is wrong for certain.
mkfifo "$tmp/fifo"
enroll totp <"$tmp/fifo" >"$tmp/pipe.out" 2>"$tmp/pipe.err" &
pid=$!
exec 3>"$tmp/fifo"
i=0
while [ $i -lt 100 ] && ! grep -q "to confirm:" "$tmp/pipe.out"; do
	sleep 0.1; i=$((i + 1))
done
secret=$(sed -n 's/^otpauth:.*[?&]secret=\([A-Z2-7]*\).*/\1/p' \
    "$tmp/pipe.out")
wrong=$(python3 "$HERE/totp.py" --wrong "$secret")
printf '%s\n%s\n%s\n' "$wrong" "$wrong" "$wrong" >&3
exec 3>&-
wait $pid
check "three wrong codes through a pipe exit 1" [ $? -eq 1 ]
check "each of the first two wrong codes is answered with a retry" \
    [ "$(grep -c "not right" "$tmp/pipe.out")" -eq 2 ]
check "the third wrong code ends it with nothing stored" \
    has "$tmp/pipe.err" "wrong code 3 times; nothing was stored"
enroll status >"$tmp/out" 2>&1
check "after three wrong codes status still says not configured" \
    has "$tmp/out" "Authenticator app: not configured"
check "after three wrong codes no record exists" \
    [ -z "$(ls "$tmp/store" | grep '\.db$')" ]

noapp=$tmp/noapp.conf
printf 'StoreDir = %s\nAllowAuthenticatorApp = false\n' "$tmp/store" \
    >"$noapp"
chmod 0600 "$noapp"
"$ENROLL" --config "$noapp" totp </dev/null >"$tmp/out" 2>"$tmp/err"
check "totp is refused with AllowAuthenticatorApp=false" [ $? -eq 1 ]
check "the refusal names AllowAuthenticatorApp and shows no secret" \
    sh -c 'grep -q AllowAuthenticatorApp "$0" && ! grep -q otpauth "$1"' \
    "$tmp/err" "$tmp/out"

# ---- set-up on a terminal ------------------------------------------------

for tool in tmux zbarimg python3; do
	if ! command -v $tool >/dev/null 2>&1; then
		skip "terminal set-up: $tool is not installed"
		done_testing
		exit
	fi
done

tm() {	# our own tmux server, its socket inside our temp dir
	TMUX_TMPDIR=$tmp tmux -L "$SOCK" "$@"
}

screen() {	# the whole pane, wrapped lines joined
	tm capture-pane -p -J -S - -t enroll
}

wait_for() {	# wait_for TEXT — up to 10 s for TEXT on the screen
	i=0
	while [ $i -lt 100 ]; do
		screen 2>/dev/null | grep -qF -- "$1" && return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}

printf 'set -g remain-on-exit on\nset -g history-limit 5000\n' \
    >"$tmp/tmux.conf"
LC_ALL=C.UTF-8 TERM=xterm-256color tm -f "$tmp/tmux.conf" \
    new-session -d -s enroll -x 160 -y 60 \
    env TERM=xterm-256color sh -c '"$0" "$@"; echo "[exit status $?]"' \
    "$ENROLL" --config "$conf" totp
check "the confirmation prompt appears on the terminal" \
    wait_for "Enter the 6-digit code from your app to confirm:"
screen >"$tmp/screen.txt"

uri=$(grep -o '^otpauth://totp/[^ ]*' "$tmp/screen.txt" | head -n 1)
check "the otpauth URI names the issuer and the user" \
    sh -c 'case $0 in "otpauth://totp/TestIssuer:$1?"*"&issuer=TestIssuer"*)
    exit 0;; esac; exit 1' "$uri" "$USER_NAME"
uri_secret=$(printf '%s\n' "$uri" | sed -n 's/.*[?&]secret=\([A-Z2-7]*\).*/\1/p')
check "the URI carries a 160-bit base32 secret" [ ${#uri_secret} -eq 32 ]

python3 "$HERE/qr2pbm.py" "$tmp/screen.txt" "$tmp/qr.pbm"
decoded=$(zbarimg --raw -q "$tmp/qr.pbm" 2>/dev/null)
check "the QR code on the screen decodes" [ -n "$decoded" ]
check "the QR code holds exactly the printed URI" [ "$decoded" = "$uri" ]

grouped=$(sed -n '/^Or type this key into the app:/{n;s/^ *//;s/ *$//;p;}' \
    "$tmp/screen.txt")
check "the key is shown in groups of four ($grouped)" \
    sh -c 'printf "%s\n" "$0" |
    grep -Eq "^[A-Z2-7]{4}( [A-Z2-7]{4})*( [A-Z2-7]{1,3})?\$"' "$grouped"
check "the grouped key is the URI's secret" \
    [ "$(printf '%s' "$grouped" | tr -d ' ')" = "$uri_secret" ]
check "the screen gives the SHA1 / 6 digits / 30 seconds hints" \
    has "$tmp/screen.txt" "SHA1, 6 digits, 30 seconds"

tm send-keys -t enroll "$(python3 "$HERE/totp.py" --wrong "$grouped")" Enter
check "a wrong code on the terminal asks again" \
    wait_for "That code is not right (2 tries left)"
code=$(python3 "$HERE/totp.py" "$grouped")
tm send-keys -t enroll "$code" Enter
check "the right code completes the set-up" \
    wait_for "The authenticator app is set up for $USER_NAME."
# the shell around it reports the status: tmux 3.3a sometimes never reaps
# a dead pane's process, so #{pane_dead_status} cannot be relied on
check "tfa-enroll totp ends with exit status 0" wait_for "[exit status 0]"

enroll status >"$tmp/out" 2>&1
check "status now says the app is configured" \
    has "$tmp/out" "Authenticator app: configured on"
check "status gives the app's settings" \
    has "$tmp/out" "(SHA1, 6 digits, 30 s)"

enroll totp </dev/null >"$tmp/out" 2>"$tmp/err"
check "a second totp set-up is refused (exit 1)" [ $? -eq 1 ]
check "the refusal says to remove the app first, and shows no new secret" \
    sh -c 'grep -q "tfa-enroll totp remove. first" "$0" &&
    ! grep -q otpauth "$1"' "$tmp/err" "$tmp/out"

# ---- removal: the confirmation code is spent, a newer one works ----------

printf '%s\n' "$code" | enroll totp remove >"$tmp/out" 2>"$tmp/err"
check "removal with the confirmation code again is refused (exit 1)" \
    [ $? -eq 1 ]
check "the refusal says the code was already used" \
    has "$tmp/err" "already used"
enroll status >"$tmp/out" 2>&1
check "the replayed code counted as a failure and removed nothing" \
    sh -c 'grep -q "Failed tries in a row: 1" "$0" &&
    grep -q "Authenticator app: configured" "$0"' "$tmp/out"

printf '\n' | enroll totp remove >"$tmp/out" 2>"$tmp/err"
check "removal with no code typed changes nothing (exit 1)" \
    sh -c '[ $0 -eq 1 ] && grep -q "no code given" "$1"' $? "$tmp/err"

next=$(python3 "$HERE/totp.py" "$grouped" 30)
printf '%s\n' "$next" | enroll totp remove >"$tmp/out" 2>"$tmp/err"
check "removal with the next step's code exits 0" [ $? -eq 0 ]
check "removal says the app is removed" \
    has "$tmp/out" "The authenticator app is removed"
enroll status >"$tmp/out" 2>&1
check "after removal status says not configured" \
    has "$tmp/out" "Authenticator app: not configured"
check "the good code reset the failure count and was recorded as a login" \
    sh -c 'grep -q "Failed tries in a row: 0" "$0" &&
    grep -q "Last second-factor login: .*(authenticator app)" "$0"' \
    "$tmp/out"
printf '%s\n' "$next" | enroll totp remove >"$tmp/out" 2>"$tmp/err"
check "removing again says there is nothing to remove (exit 1)" \
    sh -c '[ $0 -eq 1 ] && grep -q "nothing to remove" "$1"' $? "$tmp/err"

done_testing

#!/bin/sh
# End-to-end: the built pam_tfa.so behind a real Dovecot (IMAP, and SASL
# for a real Postfix) and a real saslauthd, all on 127.0.0.1 with configs
# of their own in a temporary directory, driven by real clients (Python's
# imaplib and smtplib, testsaslauthd).  PAM service files
# /etc/pam.d/tfa4-* are made from contrib/pam.d/mail with the module's
# path; test users are tfa4alice (enrolled) and tfa4bob (not enrolled).
# Time: the servers run the module in their own processes, so expiry is
# made by moving a device's trusted_until back through the store API
# (tests/tools/tfa-testrec.c), not by faking the clock.
. "$TOP/tests/lib/lib.sh"

case $BUILD in /*) B=$BUILD ;; *) B=$TOP/$BUILD ;; esac
IMAP=24143 AUTH=24144 SMTP=24125
PW=e2e-Pass-word
ALICE=tfa4alice BOB=tfa4bob

# ---- what needs no server: the README carries the files the tests use ----

readme_has() {	# readme_has FILE — every line of FILE is in README.md
	grep -v '^[[:space:]]*#' "$1" | grep -v '^$' | while IFS= read -r line; do
		grep -qxF "    $line" "$TOP/README.md" ||
			grep -qxF "$line" "$TOP/README.md" || {
			echo "# README.md lacks: $line"; return 1; }
	done
}
check "README.md carries contrib/pam.d/mail" readme_has "$TOP/contrib/pam.d/mail"
check "README.md carries contrib/dovecot/90-pam-tfa.conf" \
	readme_has "$TOP/contrib/dovecot/90-pam-tfa.conf"
check "README.md carries contrib/postfix/main.cf-sasl" \
	readme_has "$TOP/contrib/postfix/main.cf-sasl"

if nm -D "$B/pam_tfa.so" 2>/dev/null | grep -q __asan_init; then
	skip "e2e servers: this pam_tfa.so is built with ASan, which Dovecot and saslauthd cannot load (the plain build runs them)"
	done_testing; exit
fi
if [ "$(id -u)" -ne 0 ]; then
	skip "e2e servers: need root (users, /etc/pam.d, ports); run make check as root"
	done_testing; exit
fi
for prog in dovecot doveadm postfix saslauthd testsaslauthd python3; do
	p=$(command -v $prog 2>/dev/null || ls /usr/sbin/$prog 2>/dev/null)
	if [ -z "$p" ]; then
		skip "e2e servers: $prog is not installed (sh scripts/deps.sh e2e)"
		done_testing; exit
	fi
done
# one run at a time on a machine (several make checks may share it)
exec 9>/tmp/tfa4-e2e.lock
if ! flock -w 300 9; then
	skip "e2e servers: another run held /tmp/tfa4-e2e.lock for 5 minutes"
	done_testing; exit
fi
for port in $IMAP $AUTH $SMTP; do
	if ss -ltn 2>/dev/null | grep -q "127.0.0.1:$port "; then
		skip "e2e servers: port $port on 127.0.0.1 is taken"
		done_testing; exit
	fi
done

# ---- set-up, and a trap that undoes all of it ----

T=$(mktemp -d /tmp/tfa4-e2e.XXXXXX)
chmod 755 "$T"
STORE=$T/store CONF=$T/pam_tfa.conf
SASLPID=

cleanup() {
	trap '' INT TERM HUP PIPE
	[ -f "$T/dovecot/run/master.pid" ] &&
		kill "$(cat "$T/dovecot/run/master.pid")" 2>/dev/null
	[ -d "$T/postfix" ] && postfix -c "$T/postfix" stop >/dev/null 2>&1
	[ -n "$SASLPID" ] && kill -INT "$SASLPID" 2>/dev/null
	for s in imap smtp sasl; do rm -f "/etc/pam.d/tfa4-$s"; done
	for u in $ALICE $BOB; do
		id "$u" >/dev/null 2>&1 && userdel "$u" 2>/dev/null
	done
	sleep 1
	if [ -n "${TFA_TEST_KEEP:-}" ]; then echo "# kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE

mkdir -m 700 "$STORE"
printf 'StoreDir = %s\nClockTolerance = 4\n%s' "$STORE" "${1:-}" > "$CONF"
chmod 600 "$CONF"
conf() {	# conf EXTRA-LINES — rewrite the module's configuration
	printf 'StoreDir = %s\nClockTolerance = 4\n%s' "$STORE" "$1" > "$CONF"
}

for u in $ALICE $BOB; do
	id "$u" >/dev/null 2>&1 && userdel "$u"
	useradd -M -N -d /nonexistent -s /usr/sbin/nologin "$u" &&
		echo "$u:$PW" | chpasswd || { not_ok "create user $u"; exit 1; }
done

# PAM files from contrib/pam.d/mail: the built module, our config, and
# service= for the class (the PAM service names carry the tfa4- prefix).
pamfile() {	# pamfile NAME CLASS
	sed "s|pam_tfa.so|$B/pam_tfa.so config=$CONF service=$2|" \
		"$TOP/contrib/pam.d/mail" > "/etc/pam.d/tfa4-$1"
}
pamfile imap imap
pamfile smtp smtp
pamfile sasl smtp

# Dovecot: its own config, contrib's snippet with tfa4-%s as the passdb's
# PAM service; the snippet's userdb (passwd) is used as shipped: the test
# users are in /etc/passwd, and their mail is under $T/mail.
mkdir -p "$T/dovecot/run" "$T/mail"
chmod 1777 "$T/mail"
sed 's|args = %s|args = tfa4-%s|' \
	"$TOP/contrib/dovecot/90-pam-tfa.conf" > "$T/dovecot/tfa.conf"
check "contrib/dovecot/90-pam-tfa.conf has a userdb (passwd)" \
	grep -q '^  driver = passwd$' "$T/dovecot/tfa.conf"
cat > "$T/dovecot/dovecot.conf" <<EOF
base_dir = $T/dovecot/run
state_dir = $T/dovecot/state
log_path = $T/dovecot/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_failure_delay = 0
auth_verbose = yes
login_trusted_networks = 127.0.0.0/8
first_valid_uid = 1
mail_location = maildir:$T/mail/%u
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP
  }
  inet_listener imaps {
    port = 0
  }
}
service auth {
  inet_listener {
    address = 127.0.0.1
    port = $AUTH
  }
}
!include $T/dovecot/tfa.conf
EOF

# Postfix: a private instance, smtpd on 127.0.0.1 only, SASL to Dovecot.
P=$T/postfix
mkdir -p "$P/queue" "$P/data"
chown postfix "$P/data"
cat > "$P/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $P/queue
data_directory = $P/data
mail_owner = postfix
myhostname = tfa4.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
maillog_file = $P/maillog
maillog_file_prefixes = $P
smtpd_tls_security_level = none
smtpd_tls_auth_only = no
smtpd_relay_restrictions = permit_sasl_authenticated, reject
EOF
sed "s|private/auth|inet:127.0.0.1:$AUTH|" \
	"$TOP/contrib/postfix/main.cf-sasl" >> "$P/main.cf"
cat > "$P/master.cf" <<EOF
127.0.0.1:$SMTP inet n - n - - smtpd
anvil unix - - n - 1 anvil
rewrite unix - - n - - trivial-rewrite
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
verify unix - - n - 1 verify
proxymap unix - - n - - proxymap
scache unix - - n - 1 scache
postlog unix-dgram n - n - 1 postlogd
EOF

wait_port() {	# wait_port PORT — up to 10 s
	i=0
	while [ $i -lt 50 ]; do
		ss -ltn 2>/dev/null | grep -q "127.0.0.1:$1 " && return 0
		sleep 0.2; i=$((i + 1))
	done
	return 1
}

if ! dovecot -c "$T/dovecot/dovecot.conf" 9>&- </dev/null >/dev/null 2>"$T/dovecot.err" ||
    ! wait_port $IMAP || ! wait_port $AUTH; then
	sed 's/^/# /' "$T/dovecot.err" "$T/dovecot/dovecot.log" 2>/dev/null
	skip "e2e: Dovecot did not start (see above)"
	done_testing; exit
fi
ok "Dovecot listens on 127.0.0.1:$IMAP (IMAP) and :$AUTH (auth)"
postfix -c "$P" start 9>&- </dev/null >"$T/postfix.err" 2>&1
if wait_port $SMTP; then
	ok "Postfix listens on 127.0.0.1:$SMTP"
	HAVE_POSTFIX=1
else
	sed 's/^/# /' "$T/postfix.err" "$P/maillog" 2>/dev/null
	skip "e2e: Postfix did not start (see above); SMTP checks skipped"
	HAVE_POSTFIX=
fi
mkdir -p "$T/sasl"
# a session of its own: on SIGINT it signals its whole process group
setsid saslauthd -a pam -m "$T/sasl" -d -n 1 9>&- </dev/null >"$T/saslauthd.log" 2>&1 &
SASLPID=$!
i=0; while [ ! -S "$T/sasl/mux" ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
if [ -S "$T/sasl/mux" ]; then HAVE_SASL=1; else
	skip "e2e: saslauthd did not start; its checks skipped"; HAVE_SASL=; fi

# ---- clients ----

imap() {	# imap USER SECRET [TIMES]
	S="$2" python3 "$TOP/tests/e2e/mailclient.py" imap $IMAP "$1" '$S' ${3:-1}
}
select_inbox() {	# select_inbox USER SECRET — log in, then SELECT INBOX
	S="$2" python3 "$TOP/tests/e2e/mailclient.py" select $IMAP "$1" '$S'
}
smtp() {	# smtp USER SECRET [MECH]
	S="$2" python3 "$TOP/tests/e2e/mailclient.py" smtp $SMTP "$1" '$S' ${3:-PLAIN}
}
sasl() {	# sasl USER SECRET
	testsaslauthd -f "$T/sasl/mux" -s tfa4-sasl -u "$1" -p "$2" |
		grep -q '^0: OK'
}
rec() { "$B/tests/tfa-testrec" "$STORE" "$@"; }
code() { rec code $ALICE 4; }
field() {	# field NAME — one number from tfa-testrec show
	rec show $ALICE | tr ' ' '\n' | sed -n "s/^$1=//p"
}
refused() { "$@"; [ $? -eq 1 ]; }
enroll_cmd() {	# tfa-enroll on tfa4alice's record, as root
	"$B/tfa-enroll" --config "$CONF" --store "$STORE" --user $ALICE "$@"
}

# ---- the checks ----

check "un-enrolled user: plain password accepted (IMAP)" imap $BOB $PW
check "un-enrolled user: wrong password refused (IMAP)" refused imap $BOB nope
check "un-enrolled user: a mail session (SELECT INBOX) through the shipped userdb" \
	select_inbox $BOB $PW

rec enroll $ALICE
check "enrolled user: plain password refused (IMAP)" refused imap $ALICE $PW
[ -n "$HAVE_POSTFIX" ] && check "enrolled user: plain password refused (SMTP)" \
	refused smtp $ALICE $PW

A=$(code)
check "password+code accepted once (IMAP)" imap $ALICE "$PW$A"
check "enrolled user: the session works too (SELECT INBOX)" \
	select_inbox $ALICE "$PW$A"
check "a mail device is remembered" [ "$(field devices)" = 1 ]
start=$(date +%s)
check "the remembered client keeps working: 30 reconnects (IMAP)" \
	imap $ALICE "$PW$A" 30
echo "# 30 IMAP logins of a remembered client: $(( $(date +%s) - start )) s"
[ -n "$HAVE_POSTFIX" ] && check "the same password+code as a new client on SMTP (Postfix, Dovecot SASL) is refused" \
	refused smtp $ALICE "$PW$A"
[ -n "$HAVE_SASL" ] && check "the same password+code on saslauthd (class smtp) is refused" \
	refused sasl $ALICE "$PW$A"

if "$B/tfa-enroll" --help 2>&1 | grep -q -- '--user'; then
	enroll_cmd devices --json > "$T/devices.json"
	check "tfa-enroll devices --json lists the mail client" \
		grep -q '"kind":"mail","service":"imap","rhost":"127.0.0.1"' "$T/devices.json"
	check "tfa-enroll devices remove all" enroll_cmd devices remove all
else
	skip "tfa-enroll has no --user yet: the device is removed through the store API"
	rec forget $ALICE
fi
check "after the device is removed, its password+code is refused (IMAP)" \
	refused imap $ALICE "$PW$A"

f0=$(field failures)
B1=$(code)
check "a fresh code is accepted (IMAP)" imap $ALICE "$PW$B1"
rec expire $ALICE
check "after trusted_until has passed, the client is refused (IMAP)" \
	refused imap $ALICE "$PW$B1"
check "... and an expired client is not counted as a wrong code" \
	[ "$(field failures)" = 0 ]

conf "TrustDevicesForDays = 0
"
C=$(code)
check "TrustDevicesForDays=0: password+code accepted (IMAP)" imap $ALICE "$PW$C"
check "TrustDevicesForDays=0: the same password+code refused the second time" \
	refused imap $ALICE "$PW$C"
conf ""

before=$(rec show $ALICE)
D=$(code)
check "wrong password + right code refused (IMAP)" refused imap $ALICE "wrong$D"
[ -n "$HAVE_POSTFIX" ] && check "wrong password + right code refused (SMTP)" \
	refused smtp $ALICE "wrong$D"
check "... counts no failure and spends no code" [ "$(rec show $ALICE)" = "$before" ]
check "the right password with that code is then accepted (IMAP)" \
	imap $ALICE "$PW$D"
check "... and the failure count is 0" [ "$(field failures)" = 0 ]

AP_IMAP=$(rec apppw $ALICE imap)
AP_ALL=$(rec apppw $ALICE "")
check "app password for imap accepted (IMAP)" imap $ALICE "$AP_IMAP"
[ -n "$HAVE_POSTFIX" ] && check "app password for imap refused on SMTP (Postfix)" \
	refused smtp $ALICE "$AP_IMAP"
[ -n "$HAVE_SASL" ] && check "app password for imap refused on saslauthd (smtp)" \
	refused sasl $ALICE "$AP_IMAP"
[ -n "$HAVE_POSTFIX" ] && check "app password for every service accepted on SMTP (AUTH LOGIN)" \
	smtp $ALICE "$AP_ALL" LOGIN

# A leaver: a locked password does not stop an app password (it ends the
# auth lines before the password module); an expired account does, at
# the stack's account line (Dovecot and saslauthd call pam_acct_mgmt).
passwd -l $ALICE >/dev/null
check "password locked (passwd -l): the app password is still accepted (IMAP)" \
	imap $ALICE "$AP_IMAP"
usermod --expiredate 1 $ALICE
check "account expired (usermod --expiredate 1): the app password is refused (IMAP)" \
	refused imap $ALICE "$AP_IMAP"
[ -n "$HAVE_POSTFIX" ] && check "account expired: the app password is refused (SMTP)" \
	refused smtp $ALICE "$AP_ALL"
[ -n "$HAVE_SASL" ] && check "account expired: the app password is refused (saslauthd)" \
	refused sasl $ALICE "$AP_ALL"
usermod --expiredate '' $ALICE
passwd -u $ALICE >/dev/null
check "account back: the app password is accepted again (IMAP)" \
	imap $ALICE "$AP_IMAP"

BK=$(rec backup $ALICE | head -1)
check "password + backup code accepted (IMAP)" imap $ALICE "$PW$BK"
check "... the backup code is used up" refused imap $ALICE "$PW$BK"
check "... 9 backup codes left" [ "$(field backup)" = 9 ]

if [ -n "$HAVE_SASL" ]; then
	check "saslauthd: plain password refused" refused sasl $ALICE $PW
	E=$(code)
	check "saslauthd: password+code accepted" sasl $ALICE "$PW$E"
	check "saslauthd: un-enrolled user with the plain password accepted" \
		sasl $BOB $PW
fi
if [ -n "$HAVE_POSTFIX" ]; then
	F=$(code)
	check "Postfix: password+code accepted (SMTP AUTH PLAIN)" smtp $ALICE "$PW$F"
	check "Postfix: the same client again, as a remembered device" \
		smtp $ALICE "$PW$F"
fi

n=$(field devices)
rec age $ALICE 40
"$B/tfa-enroll" --config "$CONF" --store "$STORE" cleanup > "$T/cleanup.out"
check "tfa-enroll cleanup prunes devices past their trust (had $n)" \
	[ "$(field devices)" = 0 ]

check "no password or code in Dovecot's log" \
	sh -c "! grep -q -e '$PW' -e '$D' '$T/dovecot/dovecot.log'"
done_testing

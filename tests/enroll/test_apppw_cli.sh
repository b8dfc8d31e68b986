#!/bin/sh
# tfa-enroll app-password add|list|remove, devices [remove] and cleanup,
# run by whoever runs the tests against a store of their own (--store),
# with the record set up and codes computed by tests/tools/tfa-testrec.
. "$TOP/tests/lib/lib.sh"

case $BUILD in /*) B=$BUILD ;; *) B=$TOP/$BUILD ;; esac
ME=$(id -un)
D=$(mktemp -d "${TMPDIR:-/tmp}/tfa-apppw.XXXXXX")
trap 'rm -rf "$D"' EXIT
S=$D/store C=$D/pam_tfa.conf
mkdir -m 700 "$S"
conf() { printf 'StoreDir = %s\n%s' "$S" "$1" > "$C"; chmod 600 "$C"; }
conf ""
te() { "$B/tfa-enroll" --config "$C" --store "$S" "$@"; }
rec() { "$B/tests/tfa-testrec" "$S" "$@"; }
field() { rec show "$ME" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
status() { "$@" >"$D/out" 2>"$D/err" </dev/null; echo $?; }

check "add: refused without a second factor" \
	[ "$(status te app-password add phone)" = 1 ]
grep -q "needs a second factor first" "$D/err" && ok "... and says why" ||
	not_ok "... and says why"

rec enroll "$ME"
check "add: a bad --services is a usage error" \
	[ "$(status te app-password add phone --services 'IMAP;x')" = 2 ]
check "add: --days out of range is a usage error" \
	[ "$(status te app-password add phone --days 99999)" = 2 ]
check "add: no NAME is a usage error" [ "$(status te app-password add)" = 2 ]

# names are text: valid UTF-8 without C0 or C1 controls or DEL
for bad in 'C1-CSI:x\302\233[2Jy' 'C1-NEL:x\302\205y' 'ESC:x\033[2Jy' \
    'DEL:x\177y' 'not-UTF-8:x\377y' 'overlong:x\300\201y'; do
	name=$(printf "${bad#*:}")
	check "add: a NAME with ${bad%%:*} is refused as a usage error" \
		[ "$(status te app-password add "$name")" = 2 ]
	check "... saying what a name may be" \
		grep -q "NAME must be 1 to 64 bytes of UTF-8 text without control characters" "$D/err"
done
check "add: a UTF-8 NAME is taken (on to the code prompt)" \
	[ "$(status te app-password add "$(printf 'Caf\303\251 \342\230\225')")" = 1 ]
check "... which then wants a code" grep -q "no code given" "$D/err"

echo 000000 | te app-password add phone >"$D/out" 2>"$D/err"
check "add: a wrong code is refused" [ $? -eq 1 ]
check "... counted as a failure" [ "$(field failures)" = 1 ]
check "... and nothing is made" [ "$(field apppw)" = 0 ]

rec code "$ME" | te app-password add phone --services imap,smtp --days 10 \
	>"$D/out" 2>"$D/err"
check "add: made with a current code" [ $? -eq 0 ]
pw=$(grep -Eo '[2-9a-z]{5}-[2-9a-z]{5}-[2-9a-z]{5}-[2-9a-z]{5}' "$D/out")
check "add: shows xxxxx-xxxxx-xxxxx-xxxxx once" [ -n "$pw" ]
check "... and the services" grep -q "services: imap,smtp" "$D/out"
check "... stored hashed, not as typed" sh -c "! grep -rqa '$pw' '$S'"
check "... the failure count is back to 0" [ "$(field failures)" = 0 ]

te app-password list >"$D/list"
check "list: shows the name and services" grep -q "phone" "$D/list"
check "list: never shows the password" sh -c "! grep -q '$pw' '$D/list'"
te app-password list --json >"$D/list.json"
check "list --json: a JSON array with the fields" python3 -c "
import json, sys
a = json.load(open('$D/list.json'))
assert len(a) == 1 and a[0]['name'] == 'phone' and a[0]['services'] == 'imap,smtp'
assert a[0]['expires'] - a[0]['created'] == 10 * 86400 and a[0]['last_used'] == 0
assert set(a[0]) == {'id', 'name', 'services', 'created', 'last_used', 'last_rhost', 'expires'}
"
id=$(python3 -c "import json; print(json.load(open('$D/list.json'))[0]['id'])")

conf "AppPasswordLifetimeDays = 3
"
rec code "$ME" | te app-password add tablet >/dev/null 2>&1
te app-password list --json >"$D/list.json"
check "add: AppPasswordLifetimeDays is the default lifetime" python3 -c "
import json
a = [x for x in json.load(open('$D/list.json')) if x['name'] == 'tablet'][0]
assert a['expires'] - a['created'] == 3 * 86400 and a['services'] == ''
"
conf "AllowAppPasswords = false
"
check "add: refused with AllowAppPasswords=false" \
	[ "$(status te app-password add x)" = 1 ]
conf ""

check "remove: by id" [ "$(status te app-password remove "$id")" = 0 ]
check "remove: the same id again fails" \
	[ "$(status te app-password remove "$id")" = 1 ]
check "remove: a bad id is a usage error" \
	[ "$(status te app-password remove x1)" = 2 ]
check "... one app password is left" [ "$(field apppw)" = 1 ]

check "devices: none yet" sh -c "'$B/tfa-enroll' --config '$C' --store '$S' devices | grep -q 'No devices'"
check "devices --json: []" [ "$(te devices --json)" = "[]" ]
check "devices remove all: fine with none" [ "$(status te devices remove all)" = 0 ]
check "devices remove 99: no such device" [ "$(status te devices remove 99)" = 1 ]
check "devices: an unknown argument is a usage error" \
	[ "$(status te devices --bogus)" = 2 ]

# cleanup: the 3-day app password, 40 days on, is pruned
rec age "$ME" 40
check "cleanup: runs over the store" [ "$(status te cleanup)" = 0 ]
check "cleanup: says what it removed" grep -q "1 record checked, 1 expired entry removed" "$D/out"
check "cleanup: the expired app password is gone" [ "$(field apppw)" = 0 ]

# ---- lists longer than one answer of the monitor (64 entries) ----
rec many "$ME" 70
te app-password list --json >"$D/list.json"
check "list --json: all 70 app passwords, the newest too" python3 -c "
import json
a = json.load(open('$D/list.json'))
assert len(a) == 70, len(a)
assert sorted(x['name'] for x in a) == sorted('pw%d' % i for i in range(1, 71))
assert [x['id'] for x in a] == sorted(set(x['id'] for x in a))
"
newest=$(python3 -c "import json; print(json.load(open('$D/list.json'))[-1]['id'])")
te app-password list >"$D/list"
check "list: all 70, each with its id" [ "$(grep -c '^[0-9]*  pw' "$D/list")" = 70 ]
check "list: the newest one's id is shown" grep -q "^$newest  pw70\$" "$D/list"
check "list: nothing left out" sh -c "! grep -q 'not shown' '$D/list'"
check "remove: the newest, by the id the list showed" \
	[ "$(status te app-password remove "$newest")" = 0 ]
te devices --json >"$D/dev.json"
check "devices --json: all 70 devices" python3 -c "
import json
d = json.load(open('$D/dev.json'))
assert len(d) == 70, len(d)
assert len(set(x['id'] for x in d)) == 70
assert d[-1]['rhost'] == '198.51.0.70'
"
te devices >"$D/dev"
check "devices: all 70" [ "$(grep -c '^[0-9]*  login on sshd' "$D/dev")" = 70 ]
check "devices: the newest is shown" grep -q "from 198.51.0.70\$" "$D/dev"
check "devices: nothing left out" sh -c "! grep -q 'not shown' '$D/dev'"
lastdev=$(python3 -c "import json; print(json.load(open('$D/dev.json'))[-1]['id'])")
check "devices remove: the newest, by its listed id" \
	[ "$(status te devices remove "$lastdev")" = 0 ]
check "... 69 of each left" [ "$(field devices) $(field apppw)" = "69 69" ]

# ---- a name stored before names were checked: shown escaped ----
rec name "$ME" "$(printf 'evil\302\233[2J\033]0;x\007\177%%')"
te app-password list >"$D/list"
check "list: no raw control byte reaches the terminal" \
	sh -c "! LC_ALL=C grep -q '[[:cntrl:]]' '$D/list' && ! grep -q \"\$(printf '\\302\\233')\" '$D/list'"
check "list: the name is escaped, as list-users escapes names" \
	grep -q "^[0-9]*  evil%C2%9B\[2J%1B\]0;x%07%7F%25\$" "$D/list"
te app-password list --json >"$D/list.json"
check "list --json: the name as \\u escapes" \
	grep -q '"name":"evil\\u009b\[2J\\u001b\]0;x\\u0007\\u007f%"' "$D/list.json"

# ---- help for a group of commands ----
for g in key app-password; do
	te $g --help >"$D/out" 2>"$D/err"
	check "$g --help: exits 0" [ $? -eq 0 ]
	check "... and lists the group's commands" \
		grep -q "^  $g remove " "$D/out"
done
te devices --help >"$D/out" 2>&1
check "devices --help: points at devices remove" \
	grep -q "tfa-enroll devices remove --help" "$D/out"
check "key with no command: a usage error" [ "$(status te key)" = 2 ]
check "key bogus: a usage error" [ "$(status te key bogus)" = 2 ]
done_testing

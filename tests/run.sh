#!/bin/sh
# Runs every test program and script, prints each one's lines into
# $BUILD/tests/logs/, and closes with the totals over all of them.
set -u
BUILD=${BUILD:-build}
top=$(pwd)
logs=$BUILD/tests/logs
mkdir -p "$logs"
pass=0 fail=0 skip=0 broken=""

run() {	# run NAME COMMAND...
	name=$1; shift
	log=$logs/$name.log
	"$@" >"$log" 2>&1
	rc=$?
	p=$(grep -c '^ok ' "$log"); f=$(grep -c '^not ok ' "$log")
	s=$(grep -c '^skip ' "$log")
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
	if [ "$rc" -ne 0 ] || [ "$f" -ne 0 ] || [ "$p" -eq 0 ]; then
		broken="$broken $name"
		echo "FAIL $name (exit $rc, $p passed, $f failed)"
		grep -E '^(not ok|#|skip)' "$log" | head -40
		[ "$f" -eq 0 ] && fail=$((fail + 1))
	else
		if [ "$s" -gt 0 ]; then echo "PASS $name ($p passed, $s skipped)"; else echo "PASS $name ($p passed)"; fi
		grep '^skip ' "$log"
	fi
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	run "$(basename "$t")" "$t"
done
for t in tests/*/test_*.sh; do
	[ -f "$t" ] || continue
	run "$(basename "$t" .sh)" env BUILD="$BUILD" TOP="$top" sh "$t"
done

echo "$pass passed, $fail failed, $skip skipped"
[ -z "$broken" ]

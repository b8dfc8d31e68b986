# Shell side of the test harness: the same "ok" / "not ok" / "skip" lines
# as check.h, counted by tests/run.sh.

pass=0 fail=0

ok() {	# ok DESCRIPTION — record a passed check
	pass=$((pass + 1)); echo "ok - $*"
}

not_ok() {	# not_ok DESCRIPTION — record a failed check
	fail=$((fail + 1)); echo "not ok - $*"
}

check() {	# check DESCRIPTION COMMAND... — passes when COMMAND succeeds
	desc=$1; shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

skip() {	# skip REASON — loud, never counted as passed
	echo "skip - $*"
}

done_testing() {
	echo "# $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}

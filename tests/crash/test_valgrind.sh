#!/bin/sh
# valgrind memcheck on the PAM-level tests: the built module loaded by the
# real libpam, every path those tests take.  Fails on any memcheck error
# (invalid read or write, use of uninitialised memory, bad free) and on
# definite leaks; "still reachable" and "possibly lost" blocks (libpam and
# glibc keep some for the life of the process) are reported, not failed.
#
# In `make check`: test_pam, test_fs, test_hostile, test_secrets and
# test_disk (the failure paths of a full or read-only store), a few seconds
# each, all at once.  With TFA_STRESS set (`make stress`) also test_race
# (N=4, 3 rounds: the children run under valgrind too).  test_crash is
# left out: its kill -9 windows are too short under valgrind.
set -u
. "$TOP/tests/lib/lib.sh"

BUILD=${BUILD:-build}
cd "$TOP" || exit 1
logs=$BUILD/tests/logs
mkdir -p "$logs"

if ! command -v valgrind >/dev/null 2>&1; then
	not_ok "valgrind is installed (apt-get install valgrind)"
	done_testing
	exit 1
fi
if nm "$BUILD/tests/test_pam" 2>/dev/null | grep -q __asan_init; then
	# valgrind cannot run ASan binaries; this build checks memory itself
	skip "valgrind: $BUILD is an ASan build"
	check "ASan is linked into the PAM-level tests of $BUILD" \
	    sh -c "nm '$BUILD/tests/test_pam' | grep -q __asan_init"
	done_testing
	exit
fi

tests="test_pam test_fs test_hostile test_secrets test_disk"
[ -n "${TFA_STRESS:-}" ] && tests="$tests test_race"

vrun() {	# vrun TEST — valgrind it; status in $logs/valgrind-TEST.rc
	TFA_RACE_N=4 TFA_RACE_ROUNDS=3 BUILD=$BUILD \
	    valgrind --tool=memcheck --error-exitcode=99 --leak-check=full \
	    --errors-for-leak-kinds=definite --show-leak-kinds=definite \
	    --child-silent-after-fork=no --num-callers=30 \
	    --suppressions=tests/crash/valgrind.supp \
	    --log-file="$logs/valgrind-$1.log.%p" "$BUILD/tests/$1" \
	    >"$logs/valgrind-$1.out" 2>&1
	echo $? >"$logs/valgrind-$1.rc"
}

# all at once: each is mostly one process, and the kernel shares the CPUs
for t in $tests; do
	rm -f "$logs/valgrind-$t".*
	[ -x "$BUILD/tests/$t" ] && vrun "$t" &
done
wait

for t in $tests; do
	if [ ! -x "$BUILD/tests/$t" ]; then
		not_ok "$t is built"
		continue
	fi
	vlog=$logs/valgrind-$t.log
	out=$logs/valgrind-$t.out
	rc=$(cat "$logs/valgrind-$t.rc" 2>/dev/null || echo 98)
	cat "$vlog".* >"$vlog" 2>/dev/null
	rm -f "$vlog".*
	errors=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$vlog" |
	    awk '{ s += $1 } END { print s + 0 }')
	lost=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$vlog" |
	    tr -d , | awk '{ s += $1 } END { print s + 0 }')
	procs=$(grep -c 'ERROR SUMMARY' "$vlog")
	echo "valgrind $t: $procs processes, $errors errors, $lost bytes" \
	    "definitely lost, exit $rc"
	check "$t passes under valgrind (exit $rc, see $out)" \
	    sh -c "[ $rc -eq 0 ] && ! grep -q '^not ok' '$out'"
	check "$t: no memcheck errors and no definite leaks ($vlog)" \
	    [ "$errors" -eq 0 ]
	if [ "$errors" -ne 0 ]; then
		grep -E '^==[0-9]+== (Invalid|Conditional|Use of|Syscall|.*definitely)' \
		    "$vlog" | head -10
	fi
done
done_testing

#!/bin/sh
# The libFuzzer harnesses (tests/fuzz/fuzz_*.c), FUZZ_SECONDS each (`make
# fuzz`, `make stress`: 60), one per CPU at a time.  In `make check`
# FUZZ_SECONDS is unset and FUZZ_BUDGET (default 32) CPU-seconds are shared
# out, at least 3 s per harness, so more harnesses do not slow CI down.
# Every harness first replays its seed corpus
# (tests/fuzz/corpus/NAME/), also when clang is missing: then the replayers
# are built with the normal compiler and fuzzing itself is a skip.
#
# New inputs grow a working corpus in $BUILD/fuzz/corpus/NAME, not the
# seeds; a failing input is left in $BUILD/fuzz/artifacts/.
set -u
. "$TOP/tests/lib/lib.sh"

BUILD=${BUILD:-build}
FUZZ_CC=${FUZZ_CC:-clang}
cd "$TOP" || exit 1
san=
case $BUILD in *asan*) san=SANITIZE=1 ;; esac	# the replayers link libtfa.a
dir=$BUILD/fuzz
mkdir -p "$dir"
names=$(for f in tests/fuzz/fuzz_*.c; do
	n=${f#tests/fuzz/fuzz_}; echo "${n%.c}"; done)
count=$(echo $names | wc -w)
SECONDS_EACH=${FUZZ_SECONDS:-$(( ${FUZZ_BUDGET:-32} / count ))}
[ "$SECONDS_EACH" -ge 3 ] || SECONDS_EACH=3

# ---- the seeds, with any compiler ------------------------------------------

if make --no-print-directory -s BUILD="$BUILD" $san fuzz-replay-build \
    >"$dir/replay-build.log" 2>&1; then
	ok "replayers built"
	for n in $names; do
		check "corpus of $n replays clean ($(ls tests/fuzz/corpus/"$n" |
		    wc -l) seeds)" sh -c \
		    "'$dir/replay_$n' tests/fuzz/corpus/'$n' >/dev/null"
	done
else
	not_ok "replayers built (see $dir/replay-build.log)"
	tail -20 "$dir/replay-build.log"
fi

# ---- libFuzzer ---------------------------------------------------------------

if ! command -v "$FUZZ_CC" >/dev/null 2>&1; then
	skip "libFuzzer runs: $FUZZ_CC not installed (apt-get install clang)"
	done_testing
	exit
fi
if ! make --no-print-directory -s BUILD="$BUILD" $san FUZZ_CC="$FUZZ_CC" \
    fuzz-build >"$dir/build.log" 2>&1; then
	not_ok "fuzzers built with $FUZZ_CC (see $dir/build.log)"
	tail -20 "$dir/build.log"
	done_testing
	exit
fi
ok "fuzzers built with $FUZZ_CC and -fsanitize=fuzzer,address,undefined"

# one harness: fuzz for SECONDS_EACH, log to $dir/NAME.log, status in .rc
run_one='n=$1
	mkdir -p "$dir/corpus/$n" "$dir/artifacts"
	"$dir/fuzz_$n" -max_total_time="$SECONDS_EACH" -timeout=10 \
	    -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 \
	    -artifact_prefix="$dir/artifacts/$n-" \
	    "$dir/corpus/$n" "tests/fuzz/corpus/$n" >"$dir/$n.log" 2>&1
	echo $? >"$dir/$n.rc"'
export dir SECONDS_EACH
for n in $names; do rm -f "$dir/$n.rc"; done
# FUZZ_JOBS at a time (default: one per CPU)
echo $names | tr ' ' '\n' |
    xargs -P "${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}" -n 1 \
    sh -c "$run_one" run_one

for n in $names; do
	rc=$(cat "$dir/$n.rc" 2>/dev/null || echo 99)
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/$n.log")
	cov=$(grep -o 'cov: [0-9]*' "$dir/$n.log" | tail -1)
	echo "fuzz $n: ${runs:-0} runs in ${SECONDS_EACH} s, ${cov:-cov: ?}," \
	    "corpus $(ls "$dir/corpus/$n" | wc -l), exit $rc"
	if [ "$rc" = 0 ] && [ "${runs:-0}" -gt 0 ]; then
		ok "fuzz_$n ran clean"
	else
		not_ok "fuzz_$n ran clean (see $dir/$n.log)"
		grep -E 'ERROR|SUMMARY|property failed|artifact' "$dir/$n.log" |
		    head -10
	fi
done
done_testing

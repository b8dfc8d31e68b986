#!/bin/sh
# The benchmark harness (tests/bench) in miniature: it runs, every login in
# it did what it must, its checks hold for pam_tfa, it writes its CSV, and
# BENCH_TFA_B times a second build in the same run.  A few logins per
# case, on a tmpfs; no time is asserted, ever.
set -u
. "$TOP/tests/lib/lib.sh"
cd "$TOP" || exit 1

bin=$BUILD/tests/tfa-bench
out=$BUILD/tests/bench-smoke
if [ ! -x "$bin" ]; then
	not_ok "$bin is built"
	done_testing
	exit 1
fi
rm -rf "$out"
mkdir -p "$out"
cp "$BUILD/pam_tfa.so" "$out/pam_tfa-b.so"

BENCH_ITER=20 BENCH_MODULE=pam_tfa,pam_tfa-B \
    BENCH_CASE=right,wrong,unenrolled,check BENCH_FS=tmpfs \
    BENCH_TFA_B="$out/pam_tfa-b.so" \
    "$bin" "$BUILD/pam_tfa.so" "$out/run" >"$out/table" 2>"$out/err"
rc=$?
check "the harness exits 0: every login did what it must (exit $rc)" \
    [ "$rc" -eq 0 ]
sed 's/^/# /' "$out/err" | tail -5
for m in pam_tfa pam_tfa-B; do
	check "$m follows the virtual clock and refuses a replayed code" \
	    grep -Eq "^  tmpfs $m +time\(\): follows the virtual clock; replayed code: refused$" \
	    "$out/table"
done
csv=$out/run/results.csv
check "the CSV is written" [ -s "$csv" ]
for c in right wrong unenrolled; do
	for m in pam_permit pam_tfa pam_tfa-B; do
		check "the CSV has $c, $m: 20 logins, none wrong" \
		    grep -Eq "^latency,tmpfs,$c,$m,1,20,([^,]*,){7}[A-Z_]+,0,40,," \
		    "$csv"
	done
done
check "the ratios compare the second build with this one" \
    grep -Eq '^tmpfs right +(n/a|[0-9.]+) +(n/a|[0-9.]+) +[0-9.]+$' \
    "$out/table"
check "no mismatch is reported" sh -c "! grep -q MISMATCHES '$out/table'"
rm -rf "$out"
done_testing

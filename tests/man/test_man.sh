#!/bin/sh
# Man pages: mdoc that mandoc lints clean, and every page installed.
. "$TOP/tests/lib/lib.sh"

for page in man/pam_tfa.8 man/tfa-enroll.1 man/pam_tfa.conf.5; do
	if [ ! -f "$page" ]; then
		not_ok "$page exists"
		continue
	fi
	out=$(mandoc -T lint -W warning "$page" 2>&1)
	if [ -z "$out" ]; then ok "$page lints clean"; else
		not_ok "$page lints clean"; echo "$out"; fi
	grep -q '^\.Sh EXAMPLES' "$page" && ok "$page has EXAMPLES" ||
		not_ok "$page has EXAMPLES"
	grep -q '^\.Sh FILES' "$page" && ok "$page has FILES" ||
		not_ok "$page has FILES"
done
done_testing

#!/bin/sh
# The module exports pam_sm_authenticate and pam_sm_setcred, nothing else,
# and is built with full RELRO and a stack protector.
. "$TOP/tests/lib/lib.sh"
mod=$BUILD/pam_tfa.so

syms=$(nm -D --defined-only "$mod" | awk '{print $3}' | sort | tr '\n' ' ')
check "only pam_sm_* exported (got: $syms)" \
	[ "$syms" = "pam_sm_authenticate pam_sm_setcred " ]
check "full RELRO (BIND_NOW)" sh -c "readelf -d '$mod' | grep -q 'BIND_NOW\|FLAGS.*NOW'"
check "GNU_RELRO segment" sh -c "readelf -l '$mod' | grep -q GNU_RELRO"
if [ "${BUILD#build-asan}" = "$BUILD" ]; then
	check "stack protector used" sh -c \
		"nm -D '$mod' | grep -q __stack_chk_fail"
fi
check "no text relocations" sh -c "! readelf -d '$mod' | grep -q TEXTREL"
done_testing

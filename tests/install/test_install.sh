#!/bin/sh
# What `make install` puts on a system, checked in a DESTDIR:
# - contrib/pam_tfa.conf, installed as /etc/security/pam_tfa.conf, is
#   read by the module's own parser (through tfa-enroll --config) as it
#   is, and with every key uncommented; it lists every key of
#   pam_tfa.conf(5) with the default the page gives;
# - the cleanup units and cron file name the tfa-enroll that was
#   installed, for the default prefix and for --prefix=/usr.
. "$TOP/tests/lib/lib.sh"
case $BUILD in /*) B=$BUILD ;; *) B=$TOP/$BUILD ;; esac

T=$(mktemp -d /tmp/tfa-install.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM HUP
mkdir -m 700 "$T/store"

# parses FILE — tfa-enroll reads FILE through the module's config parser
parses() {
	"$B/tfa-enroll" --config "$1" --store "$T/store" status \
	    >"$T/out" 2>&1 || { sed 's/^/# /' "$T/out"; return 1; }
}

install -m 0644 "$TOP/contrib/pam_tfa.conf" "$T/pam_tfa.conf"
check "contrib/pam_tfa.conf parses as installed" parses "$T/pam_tfa.conf"
printf 'NoSuchKey = 1\n' >"$T/bad.conf"
chmod 0644 "$T/bad.conf"
check "... (a file with an unknown key does not: the file is read)" \
	sh -c "! '$B/tfa-enroll' --config '$T/bad.conf' --store '$T/store' status >/dev/null 2>&1"
sed 's/^#\([A-Za-z][A-Za-z]* =\)/\1/' "$TOP/contrib/pam_tfa.conf" \
	>"$T/all.conf"
chmod 0644 "$T/all.conf"
check "contrib/pam_tfa.conf parses with every key uncommented" \
	parses "$T/all.conf"
check "... and has no line that is not a comment or blank" \
	sh -c "! grep -v -e '^#' -e '^\$' '$TOP/contrib/pam_tfa.conf'"

# KEY DEFAULT, one a line: from the file, and from the man page's KEYS
sed -n 's/^#\([A-Za-z][A-Za-z]*\) =[ ]*\(.*\)$/\1 \2/p' \
	"$TOP/contrib/pam_tfa.conf" | sort >"$T/file.keys"
# (a default made of words, "the host name" or "pam:// Ns Ar hostname",
# is left empty in the file: an empty value means the default)
sed -n '/^\.Sh KEYS/,/^\.Sh /{
	s/^\.It Cm \([A-Za-z]*\) Pq .*default Li [^ ]* Ns .*$/\1 /p
	t
	s/^\.It Cm \([A-Za-z]*\) Pq .*default Li \([^ ]*\).*$/\1 \2/p
	t
	s/^\.It Cm \([A-Za-z]*\) Pq .*default Pa \([^ ]*\).*$/\1 \2/p
	t
	s/^\.It Cm \([A-Za-z]*\) Pq .*default: .*$/\1 /p
}' "$TOP/man/pam_tfa.conf.5" | sed 's/ *$//' | sort >"$T/man.keys"
sed 's/ *$//' "$T/file.keys" >"$T/file.keys2"
if diff "$T/man.keys" "$T/file.keys2" >"$T/diff"; then
	ok "contrib/pam_tfa.conf has every key of pam_tfa.conf(5), with its default ($(wc -l <"$T/man.keys") keys)"
else
	not_ok "contrib/pam_tfa.conf has every key of pam_tfa.conf(5), with its default"
	sed 's/^/# /' "$T/diff"
fi
for k in Issuer Origin; do
	check "contrib/pam_tfa.conf: $k is empty (the default)" \
		grep -qx "#$k =" "$TOP/contrib/pam_tfa.conf"
done
check "contrib/pam_tfa.conf says nothing is without effect" \
	sh -c "! grep -qi 'no effect' '$TOP/contrib/pam_tfa.conf'"

# install PREFIX — make install into $T/root-PREFIX
install_to() {
	d=$T/root$1
	make -s -C "$TOP" BUILD="$B" DESTDIR="$d" prefix="$1" SETUID=no \
	    install >"$T/make.out" 2>&1 || { sed 's/^/# /' "$T/make.out"; return 1; }
}
for prefix in /usr/local /usr; do
	d=$T/root$prefix
	if ! install_to $prefix; then
		not_ok "make install prefix=$prefix into a DESTDIR"
		continue
	fi
	ok "make install prefix=$prefix into a DESTDIR"
	unit=$d$prefix/lib/systemd/system/tfa-cleanup.service
	check "prefix=$prefix: tfa-cleanup.service and .timer are installed" \
		test -f "$unit" -a -f "$d$prefix/lib/systemd/system/tfa-cleanup.timer"
	exe=$(sed -n 's/^ExecStart=\([^ ]*\) cleanup$/\1/p' "$unit" 2>/dev/null)
	check "prefix=$prefix: the unit runs $prefix/bin/tfa-enroll (it has $exe)" \
		[ "$exe" = "$prefix/bin/tfa-enroll" ]
	check "prefix=$prefix: ... which make install put there" \
		test -x "$d$exe"
	cron=$d$prefix/share/doc/pam_tfa/examples/tfa-cleanup.cron
	check "prefix=$prefix: the cron line runs $prefix/bin/tfa-enroll" \
		grep -q "root	$prefix/bin/tfa-enroll cleanup" "$cron"
	check "prefix=$prefix: pam_tfa.conf installed as contrib/pam_tfa.conf" \
		cmp -s "$d/etc/security/pam_tfa.conf" "$TOP/contrib/pam_tfa.conf"
	make -s -C "$TOP" BUILD="$B" DESTDIR="$d" prefix="$prefix" uninstall \
	    >/dev/null 2>&1
	check "prefix=$prefix: make uninstall removes the units" \
		test ! -e "$unit"
done
done_testing

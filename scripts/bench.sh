#!/bin/sh
# The benchmark's two steps outside C:
#   sh scripts/bench.sh deps             the peer modules it compares with
#   sh scripts/bench.sh run BIN SO OUT   run it, table on stdout, CSV in OUT
# The peers are installed when run as root; otherwise the apt-get line is
# printed and the run reports them as n/a.
set -u
peers="libpam-google-authenticator libpam-oath"

deps() {
	missing=""
	command -v dpkg-query >/dev/null 2>&1 || {
		echo "bench: not a Debian system; install the PAM modules" \
		    "pam_google_authenticator and pam_oath" >&2
		return 0
	}
	for p in $peers; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q "ok installed" || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "bench: the modules to compare with are missing. Run:" >&2
		echo "  sudo apt-get install$missing" >&2
		echo "bench: going on; they are reported as n/a" >&2
		return 0
	fi
	echo "Installing missing packages:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq &&
		apt-get install -y -qq --no-install-recommends $missing \
		    >/dev/null ||
		{ echo "bench: apt-get install$missing failed" >&2; exit 1; }
}

case ${1:-} in
deps)	deps ;;
run)	[ $# -eq 4 ] || { echo "usage: $0 run BIN MODULE OUTDIR" >&2; exit 2; }
	mkdir -p "$4" && exec "$2" "$3" "$4" ;;
*)	echo "usage: $0 deps | run BIN MODULE OUTDIR" >&2; exit 2 ;;
esac

#!/bin/sh
# Makes sure the Debian packages a target needs are there: installs the
# missing ones when run as root, otherwise prints the apt-get line to run.
#   sh scripts/deps.sh build [test]
set -u
build="gcc make pkg-config libpam0g-dev liboath-dev libqrencode-dev libgdbm-dev libssl-dev libfido2-dev"
# libpam-google-authenticator and openssl: tests/import makes real
# ~/.google_authenticator files and P-256 keys for pam_u2f authfiles
test="tmux mandoc zbar-tools python3 strace autoconf automake libpam-google-authenticator openssl
	clang libclang-rt-14-dev valgrind"
# the mail servers tests/e2e starts on loopback (make check, as root)
e2e="dovecot-core dovecot-imapd postfix sasl2-bin"

want="" mail=""
for set in "$@"; do
	case $set in
	build) want="$want $build" ;;
	test) want="$want $test" ;;
	e2e) want="$want $e2e"; mail=1 ;;
	*) echo "deps.sh: unknown set $set" >&2; exit 2 ;;
	esac
done

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "deps.sh: not a Debian system; make sure these are installed:$want" >&2
	exit 0
fi
missing=""
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "Missing packages. Run:" >&2
	echo "  sudo apt-get install$missing" >&2
	exit 1
fi
echo "Installing missing packages:$missing"
export DEBIAN_FRONTEND=noninteractive
# The mail servers' packages would start the system's daemons on their
# usual ports; without a policy-rc.d already there, one that forbids it is
# in place for the install only.
guard=""
if [ -n "$mail" ] && [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d &&
		chmod 755 /usr/sbin/policy-rc.d && guard=1
fi
rc=0
apt-get update -qq &&
	apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
	{ echo "deps.sh: apt-get install$missing failed" >&2; rc=1; }
[ -n "$guard" ] && rm -f /usr/sbin/policy-rc.d
exit $rc

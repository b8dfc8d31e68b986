#!/bin/sh
# Makes the fixed verification vectors in test_fido.c with the openssl
# command line only (no libfido2, no fake authenticator):
#   authdata = SHA-256(rp id) || flags || counter (big endian)
#   signature over authdata || clientDataHash, ES256 (DER) or Ed25519.
# Run it in an empty directory; it prints C arrays.
set -eu
rp=${1:-pam://vectors.example}
cdh=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
hex() { od -An -v -tx1 | tr -d ' \n'; }
carray() {	# carray NAME HEX
	printf 'static const uint8_t %s[] = {\n' "$1"
	echo "$2" | awk '{ for (i = 1; i <= length($0); i += 2) {
		if ((i - 1) % 20 == 0) printf "\t";
		printf "0x%s,", substr($0, i, 2);
		printf ((i + 1) % 20 == 0 || i + 1 >= length($0)) ? "\n" : " " } }'
	printf '};\n'
}
rphash=$(printf %s "$rp" | openssl dgst -sha256 -binary | hex)
authdata() {	# authdata FLAGS COUNTER
	printf '%s%s%08x' "$rphash" "$1" "$2"
}
bin() { perl -e 'print pack("H*", $ARGV[0])' "$1"; }

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out es.pem 2>/dev/null
openssl genpkey -algorithm ED25519 -out ed.pem
es_pub=$(openssl pkey -in es.pem -pubout -outform DER | hex | tail -c 128)
ed_pub=$(openssl pkey -in ed.pem -pubout -outform DER | hex | tail -c 64)
carray es256_pub "$es_pub"
carray eddsa_pub "$ed_pub"
for name in up:01:7 upuv:05:8 noup:00:9; do
	tag=${name%%:*}; rest=${name#*:}; flags=${rest%%:*}; count=${rest#*:}
	ad=$(authdata "$flags" "$count")
	bin "$ad$cdh" > msg
	es_sig=$(openssl dgst -sha256 -sign es.pem msg | hex)
	ed_sig=$(openssl pkeyutl -sign -rawin -inkey ed.pem -in msg | hex)
	carray "authdata_$tag" "$ad"
	carray "es256_sig_$tag" "$es_sig"
	carray "eddsa_sig_$tag" "$ed_sig"
done

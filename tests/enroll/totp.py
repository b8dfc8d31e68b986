#!/usr/bin/env python3
"""Compute an RFC 6238 TOTP code (SHA1, 6 digits, 30 s) independently of
the code under test.

usage: totp.py BASE32-SECRET [OFFSET-SECONDS]
       totp.py --wrong BASE32-SECRET

Spaces in the secret are ignored; OFFSET shifts the clock (30 gives the
code for the next time step).  --wrong prints a code that is right for no
step within five minutes of now, so a test of a wrong code cannot pass by
luck.
"""
import base64
import hmac
import struct
import sys
import time


def totp(secret, when, digits=6, period=30):
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    msg = struct.pack(">Q", int(when) // period)
    mac = hmac.new(key, msg, "sha1").digest()
    off = mac[-1] & 0x0F            # RFC 4226 section 5.3: dynamic truncation
    value = struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF
    return "%0*d" % (digits, value % 10 ** digits)


def wrong(secret):
    now = time.time()
    near = {totp(secret, now + 30 * k) for k in range(-10, 11)}
    return next("%06d" % n for n in range(10 ** 6) if "%06d" % n not in near)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--wrong":
        print(wrong(sys.argv[2].replace(" ", "").upper()))
        return
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: totp.py BASE32-SECRET [OFFSET-SECONDS]\n"
                 "       totp.py --wrong BASE32-SECRET")
    secret = sys.argv[1].replace(" ", "").upper()
    offset = int(sys.argv[2]) if len(sys.argv) == 3 else 0
    print(totp(secret, time.time() + offset))


if __name__ == "__main__":
    main()

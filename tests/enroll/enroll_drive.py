#!/usr/bin/env python3
"""Drive `tfa-enroll totp` through pipes, as a user would with a phone.

usage: enroll_drive.py [--wrong] [--procs EXE] -- COMMAND...

Runs COMMAND, waits for the confirmation prompt, reads the secret from the
otpauth:// line, and answers with the code for now (--wrong: with a code
that is wrong for every step near now, three times).  Prints
"SECRET=<base32>" first, then COMMAND's standard output; COMMAND's
standard error goes to ours.  Exits with COMMAND's status, or 3 when the
prompt never came.

--procs EXE: at the prompt, also print one line "PROC <uid line> | <gid
line> | <groups line>" from /proc/PID/status for every process running
EXE (fields separated by single spaces), so a test can see which ids
each part of a set-uid run has.
"""
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from totp import totp, wrong  # noqa: E402

PROMPT = b"to confirm: "
TIMEOUT = 20


def processes(exe):
    found = []
    want = os.path.realpath(exe)
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.readlink("/proc/%s/exe" % pid) != want:
                continue
            with open("/proc/%s/status" % pid) as f:
                status = dict(line.rstrip("\n").split(":\t", 1)
                              for line in f if ":\t" in line)
        except OSError:
            continue
        found.append("PROC Uid: %s | Gid: %s | Groups: %s" % tuple(
            " ".join(status.get(k, "?").split())
            for k in ("Uid", "Gid", "Groups")))
    return sorted(found)


def read_until_prompt(p):
    out = b""
    deadline = time.time() + TIMEOUT
    while PROMPT not in out and time.time() < deadline:
        chunk = p.stdout.read1(4096)
        if not chunk:
            break
        out += chunk
    return out


def main():
    args = sys.argv[1:]
    bad, procs_exe = False, None
    while args and args[0] != "--":
        if args[0] == "--wrong":
            bad = True
            args = args[1:]
        elif args[0] == "--procs" and len(args) > 1:
            procs_exe = args[1]
            args = args[2:]
        else:
            sys.exit(__doc__)
    if not args[1:]:
        sys.exit(__doc__)
    p = subprocess.Popen(args[1:], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE)
    out = read_until_prompt(p)
    m = re.search(rb"[?&]secret=([A-Z2-7]+)", out)
    if PROMPT not in out or m is None:
        p.kill()
        p.wait()
        sys.stdout.write(out.decode("utf-8", "replace"))
        return 3
    secret = m.group(1).decode()
    print("SECRET=" + secret)
    if procs_exe is not None:
        print("\n".join(processes(procs_exe)))
    answers = [wrong(secret)] * 3 if bad else [totp(secret, time.time())]
    rest, _ = p.communicate("".join(a + "\n" for a in answers).encode(),
                            timeout=TIMEOUT)
    sys.stdout.write((out + rest).decode("utf-8", "replace"))
    return p.returncode


if __name__ == "__main__":
    sys.exit(main())

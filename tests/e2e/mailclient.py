#!/usr/bin/env python3
"""A real mail client for the end-to-end tests: logs in over plain
loopback and says whether the server accepted the secret.

  mailclient.py imap PORT USER SECRET [TIMES]   IMAP LOGIN, TIMES connections
  mailclient.py select PORT USER SECRET         IMAP LOGIN, then SELECT INBOX
  mailclient.py smtp PORT USER SECRET [MECH]    SMTP AUTH PLAIN (or LOGIN)

The secret is read from the environment variable named by SECRET when it
starts with '$' (so it never shows in ps).  Exit 0: accepted (every time),
1: refused (every time), 3: mixed, 2: the server could not be reached;
select: 0 when LOGIN and SELECT succeed, 1 when LOGIN is refused, 4 when
LOGIN succeeds but the session does not (no user in the userdb: SELECT
answers an error or the server drops the connection).
"""
import imaplib
import os
import smtplib
import sys

HOST = "127.0.0.1"


def imap_once(port, user, secret):
    conn = imaplib.IMAP4(HOST, port, timeout=20)
    try:
        conn.login(user, secret)
        return True
    except imaplib.IMAP4.error:
        return False
    finally:
        try:
            conn.logout()
        except (imaplib.IMAP4.error, OSError, EOFError):
            pass


def imap_select(port, user, secret):
    conn = imaplib.IMAP4(HOST, port, timeout=20)
    try:
        try:
            conn.login(user, secret)
        except imaplib.IMAP4.error:
            return 1
        try:
            typ, data = conn.select("INBOX")
        except (imaplib.IMAP4.error, OSError, EOFError) as e:
            print("mailclient: SELECT: %s" % e, file=sys.stderr)
            return 4
        if typ != "OK":
            print("mailclient: SELECT: %s %s" % (typ, data), file=sys.stderr)
            return 4
        return 0
    finally:
        try:
            conn.logout()
        except (imaplib.IMAP4.error, OSError, EOFError):
            pass


def smtp_once(port, user, secret, mech):
    conn = smtplib.SMTP(HOST, port, timeout=20)
    try:
        conn.ehlo("tfa4.test")
        conn.user, conn.password = user, secret
        auth = conn.auth_plain if mech == "PLAIN" else conn.auth_login
        conn.auth(mech, auth, initial_response_ok=(mech == "PLAIN"))
        return True
    except smtplib.SMTPAuthenticationError:
        return False
    finally:
        try:
            conn.quit()
        except (smtplib.SMTPException, OSError):
            pass


def main(argv):
    proto, port, user, secret = argv[1], int(argv[2]), argv[3], argv[4]
    if secret.startswith("$"):
        secret = os.environ[secret[1:]]
    try:
        if proto == "select":
            return imap_select(port, user, secret)
        if proto == "imap":
            times = int(argv[5]) if len(argv) > 5 else 1
            results = [imap_once(port, user, secret) for _ in range(times)]
        else:
            mech = argv[5] if len(argv) > 5 else "PLAIN"
            results = [smtp_once(port, user, secret, mech)]
    except (OSError, EOFError, smtplib.SMTPException,
            imaplib.IMAP4.error) as e:
        print("mailclient: %s: %s" % (proto, e), file=sys.stderr)
        return 2
    if all(results):
        return 0
    if not any(results):
        return 1
    print("mailclient: %d of %d accepted" % (sum(results), len(results)),
          file=sys.stderr)
    return 3


if __name__ == "__main__":
    sys.exit(main(sys.argv))

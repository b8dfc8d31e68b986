#!/usr/bin/env python3
"""
What a store directory can hold after a power cut at any point of one
operation, and whether the store reads every such state as the record
before the operation or the record after it.

  powerloss.py [--trials N] [--seed S] NAME TESTREC USER STORE TRACE \
      BEFORE_DIR AFTER_DIR WORKDIR

The operation ran on STORE under `strace -f -y -xx` (TRACE); BEFORE_DIR
and AFTER_DIR are copies of STORE taken before and after it.  Every system
call that changes a file of STORE, or makes one durable, is an event.  A
power cut after event k leaves (the model of a journalling file system
that promises only what fsync promises):

  - the names as of the last fsync of the directory, then a prefix of the
    renames, creations and removals made since, in their order (the
    journal keeps metadata in order);
  - for every file, its content as of its last fsync or fdatasync, then
    each write made since either lost, done, or torn: a random subset of
    its 512-byte sectors written.

For every cut (k = 0 .. n) the script makes the state with nothing
unsynced kept, with everything kept, and TRIALS random mixes, and reads
each distinct one with `TESTREC DIR dump USER` (the record as a login
loads it, under the lock).  It must read without error as the record
before or the one after, the one after once the operation has returned
(k = n), and take a further write (`fail`, one more failure) that the next
read sees.  With everything kept, event n must also give AFTER_DIR byte
for byte: that checks the reading of the trace.

Prints "ok - " / "not ok - " lines (tests/lib/lib.sh), and "# " details.
"""
import argparse
import hashlib
import os
import random
import re
import shutil
import subprocess
import sys

PIECE = 64
EXHAUSTIVE = 256
# a rename that would fail rather than replace; the trace has only those
# that succeeded
NOREPLACE = ("0", "RENAME_NOREPLACE")
O_CREAT = 0o100
O_TRUNC = 0o1000

LINE = re.compile(r'^(\d+) +(\w+)\((.*)\) += (.*)$')
HEX = re.compile(r'^"((?:\\x[0-9a-f]{2})*)"$')
FD = re.compile(r'^(\d+|AT_FDCWD)<((?:\\x[0-9a-f]{2})*)>(?:\(deleted\))?$')
RET = re.compile(r'^(-?\d+)(?:<((?:\\x[0-9a-f]{2})*)>)?')

# Calls that would change a store file in a way this model does not know:
# the store must not use them.
UNKNOWN = {"writev", "pwritev", "pwritev2", "fallocate", "copy_file_range",
           "sendfile", "sendfile64", "sync_file_range", "link", "linkat",
           "symlink", "symlinkat", "truncate", "rename", "unlink", "mkdir",
           "mkdirat", "rmdir", "creat", "open", "msync", "splice"}


class TraceError(Exception):
    pass


def unhex(s):
    return bytes.fromhex(s.replace("\\x", ""))


def split_args(s):
    """Top-level comma-separated arguments of one strace call."""
    out, depth, cur, i, quoted = [], 0, [], 0, False
    while i < len(s):
        c = s[i]
        if quoted:
            cur.append(c)
            if c == '"':
                quoted = False
        elif c == '"':
            quoted = True
            cur.append(c)
        elif c in "([{<":
            depth += 1
            cur.append(c)
        elif c in ")]}>":
            depth -= 1
            cur.append(c)
        elif c == "," and depth == 0:
            out.append("".join(cur).strip())
            cur = []
        else:
            cur.append(c)
        i += 1
    if cur:
        out.append("".join(cur).strip())
    return out


def arg_fd(a):
    m = FD.match(a)
    if not m:
        raise TraceError("not a file descriptor: " + a[:60])
    num = -100 if m.group(1) == "AT_FDCWD" else int(m.group(1))
    return num, unhex(m.group(2)).decode("utf-8", "replace")


def arg_str(a):
    if a.endswith("..."):
        raise TraceError("a string strace cut short (raise -s)")
    m = HEX.match(a)
    if not m:
        raise TraceError("not a string: " + a[:60])
    return unhex(m.group(1))


def flags_of(a):
    v = 0
    for f in a.split("|"):
        v |= {"O_CREAT": O_CREAT, "O_TRUNC": O_TRUNC}.get(f, 0)
    return v


def events_of(trace, store, before):
    """The events of the trace that touch store, in order."""
    ev = []
    fds = {}		# (pid, fd) -> "DIR" or [name-at-open, ino, pos]
    names = {}		# current name -> ino (for inode numbers only)
    next_ino = [0]

    def ino_for(name, create):
        if name not in names:
            if not create:
                raise TraceError("%s opened but not in the directory" % name)
            next_ino[0] += 1
            names[name] = ("new", next_ino[0])
            ev.append(("create", name, names[name]))
        return names[name]

    def in_store(path):
        return os.path.dirname(path) == store

    for name in sorted(os.listdir(before)):
        names[name] = ("old", name)
    for raw in trace:
        raw = raw.rstrip("\n")
        if not raw or raw.endswith("+++") or " --- " in raw or \
                raw.split(" ", 1)[-1].startswith("---"):
            continue
        if "unfinished" in raw or "resumed" in raw:
            if store.encode().hex() in raw.replace("\\x", ""):
                raise TraceError("interleaved call on the store: " + raw)
            continue
        m = LINE.match(raw)
        if not m:
            continue
        pid, call, args, ret = int(m.group(1)), m.group(2), m.group(3), \
            m.group(4)
        r = RET.match(ret)
        if not r:
            continue
        rv = int(r.group(1))
        if rv < 0:
            continue
        a = split_args(args)
        key = lambda fd: (pid, fd)	# noqa: E731

        if call in UNKNOWN:
            if store.encode().hex() in args.replace("\\x", ""):
                raise TraceError("unmodelled call on the store: " + call)
            continue
        if call == "openat":
            path = unhex(r.group(2)).decode() if r.group(2) else ""
            if path == store:
                fds[key(rv)] = "DIR"
            elif in_store(path):
                base = os.path.basename(path)
                fl = flags_of(a[2])
                ino = ino_for(base, fl & O_CREAT)
                if fl & O_TRUNC:
                    ev.append(("trunc", ino, 0))
                fds[key(rv)] = [base, ino, 0]
            continue
        if call in ("close", "lseek", "read", "write", "pwrite64",
                    "ftruncate", "fsync", "fdatasync", "mmap", "dup",
                    "dup2", "dup3", "fcntl"):
            fdarg = a[4] if call == "mmap" else a[0]
            if not FD.match(fdarg):
                if store.encode().hex() in fdarg.replace("\\x", ""):
                    raise TraceError("cannot read the descriptor " +
                                     fdarg[:60])
                continue
            f = fds.get(key(arg_fd(fdarg)[0]))
            if f is None:
                continue
            if call == "close":
                del fds[key(arg_fd(a[0])[0])]
            elif call in ("dup", "dup2", "dup3") or \
                    (call == "fcntl" and a[1].startswith("F_DUPFD")):
                fds[key(rv)] = f if f == "DIR" else f[:]
            elif call in ("fsync", "fdatasync"):
                ev.append(("dirsync",) if f == "DIR" else ("sync", f[1]))
            elif f == "DIR":
                continue
            elif call == "lseek":
                f[2] = rv
            elif call == "read":
                f[2] += rv
            elif call == "write":
                ev.append(("write", f[1], f[2], arg_str(a[1])[:rv]))
                f[2] += rv
            elif call == "pwrite64":
                ev.append(("write", f[1], int(a[3]), arg_str(a[1])[:rv]))
            elif call == "ftruncate":
                ev.append(("trunc", f[1], int(a[1])))
            elif call == "mmap" and "PROT_WRITE" in a[2] and \
                    "MAP_SHARED" in a[3]:
                raise TraceError("a store file mapped writable")
            continue
        if call in ("renameat", "renameat2"):
            d1, d2 = arg_fd(a[0])[1], arg_fd(a[2])[1]
            if d1 != store and d2 != store:
                continue
            if d1 != store or d2 != store or (call == "renameat2" and
                                              a[4] not in NOREPLACE):
                raise TraceError("a rename this model does not know")
            old, new = arg_str(a[1]).decode(), arg_str(a[3]).decode()
            ev.append(("rename", old, new))
            names[new] = names.pop(old)
            continue
        if call == "unlinkat":
            if arg_fd(a[0])[1] != store:
                continue
            if a[2] != "0":
                raise TraceError("unlinkat with flags on the store")
            name = arg_str(a[1]).decode()
            ev.append(("unlink", name))
            names.pop(name)
            continue
        if call in ("sync", "syncfs"):
            ev.append(("syncall",))
    return ev


class Disk:
    """The durable and the current state, event by event."""

    def __init__(self, before):
        self.cur = {}		# ino -> bytearray
        self.durable = {}	# ino -> bytes
        self.pending = {}	# ino -> [("w", off, data) | ("t", len)]
        self.ns_durable = {}
        self.ns_cur = {}
        self.ns_pending = []
        for name in sorted(os.listdir(before)):
            ino = ("old", name)
            with open(os.path.join(before, name), "rb") as fh:
                data = fh.read()
            self.cur[ino] = bytearray(data)
            self.durable[ino] = data
            self.pending[ino] = []
            self.ns_durable[name] = ino
            self.ns_cur[name] = ino

    def apply(self, e):
        k = e[0]
        if k == "create":
            self.cur[e[2]] = bytearray()
            self.durable[e[2]] = b""
            self.pending[e[2]] = []
            self.ns_cur[e[1]] = e[2]
            self.ns_pending.append(e)
        elif k == "write":
            write_into(self.cur[e[1]], e[2], e[3])
            self.pending[e[1]].append(("w", e[2], e[3]))
        elif k == "trunc":
            del self.cur[e[1]][e[2]:]
            self.pending[e[1]].append(("t", e[2]))
        elif k == "sync":
            self.durable[e[1]] = bytes(self.cur[e[1]])
            self.pending[e[1]] = []
        elif k == "rename":
            self.ns_cur[e[2]] = self.ns_cur.pop(e[1])
            self.ns_pending.append(e)
        elif k == "unlink":
            self.ns_cur.pop(e[1])
            self.ns_pending.append(e)
        elif k == "dirsync":
            self.ns_durable = dict(self.ns_cur)
            self.ns_pending = []
        elif k == "syncall":
            for ino in self.cur:
                self.apply(("sync", ino))
            self.apply(("dirsync",))

    def choices(self, rng, trials):
        """
        Ways a power cut now can go: how many of the unsynced name changes
        are kept, and for each unsynced write, in order, "none", "all" or
        "torn".  Every combination of kept names and whole or lost writes
        when there are at most EXHAUSTIVE of them, else the two extremes;
        then trials random ones, torn writes among them.
        """
        w = sum(len(p) for p in self.pending.values())
        n = len(self.ns_pending)
        out = []
        if (n + 1) << w <= EXHAUSTIVE:
            for p in range(n + 1):
                for bits in range(1 << w):
                    out.append((p, ["all" if bits >> i & 1 else "none"
                                    for i in range(w)]))
        else:
            out = [(0, ["none"] * w), (n, ["all"] * w)]
        for _ in range(trials):
            out.append((rng.randint(0, n),
                        [rng.choice(("none", "all", "torn"))
                         for _ in range(w)]))
        return out

    def crash(self, rng, p, how):
        """Name -> content after a power cut now (see choices)."""
        ns = dict(self.ns_durable)
        for e in self.ns_pending[:p]:
            if e[0] == "create":
                ns[e[1]] = e[2]
            elif e[0] == "rename":
                ns[e[2]] = ns.pop(e[1])
            else:
                ns.pop(e[1])
        data = {}
        i = 0
        for ino in sorted(self.pending):
            buf = bytearray(self.durable[ino])
            for w in self.pending[ino]:
                h = how[i]
                i += 1
                if h == "none":
                    continue
                if w[0] == "t":
                    del buf[w[1]:]
                elif h == "all":
                    write_into(buf, w[1], w[2])
                else:
                    torn_into(buf, w[1], w[2], rng)
            data[ino] = bytes(buf)
        return {name: data[ino] for name, ino in ns.items()}


def write_into(buf, off, data):
    if len(buf) < off + len(data):
        buf.extend(b"\0" * (off + len(data) - len(buf)))
    buf[off:off + len(data)] = data


def torn_into(buf, off, data, rng):
    """Some of the PIECE-byte pieces the write covers, each whole or not."""
    end = off + len(data)
    s = off - off % PIECE
    while s < end:
        a, b = max(s, off), min(s + PIECE, end)
        if rng.random() < 0.5:
            write_into(buf, a, data[a - off:b - off])
        s += PIECE


def dir_state(path):
    out = {}
    for name in os.listdir(path):
        with open(os.path.join(path, name), "rb") as fh:
            out[name] = fh.read()
    return out


def run(argv):
    p = subprocess.run(argv, capture_output=True, timeout=60)
    return p.returncode, p.stdout.decode("utf-8", "replace"), \
        p.stderr.decode("utf-8", "replace")


def materialize(state, where):
    shutil.rmtree(where, ignore_errors=True)
    os.mkdir(where, 0o700)
    for name, data in state.items():
        fd = os.open(os.path.join(where, name),
                     os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, data)
        os.close(fd)


def failures_plus_one(s1, s2):
    m = re.search(r"failures=(\d+)", s1)
    return m is not None and s2 == s1.replace(
        m.group(0), "failures=%d" % (int(m.group(1)) + 1), 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=8)
    ap.add_argument("--seed", type=int, default=1)
    for a in ("name", "testrec", "user", "store", "trace", "before",
              "after", "work"):
        ap.add_argument(a)
    o = ap.parse_args()
    store = os.path.realpath(o.store)
    rng = random.Random(o.seed)
    problems = []

    def dump(where):
        return run([o.testrec, where, "dump", o.user])

    try:
        with open(o.trace) as fh:
            events = events_of(fh, store, o.before)
    except TraceError as e:
        print("not ok - %s: the trace cannot be modelled: %s" % (o.name, e))
        return 1
    os.makedirs(o.work, exist_ok=True)
    scratch = os.path.join(o.work, "d")
    materialize(dir_state(o.before), scratch)
    rc, before, err = dump(scratch)
    materialize(dir_state(o.after), scratch)
    rc2, after, err2 = dump(scratch)
    if rc or rc2:
        print("not ok - %s: the states before and after do not read: %s%s"
              % (o.name, err, err2))
        return 1
    if before == after:
        print("not ok - %s: the operation changed nothing" % o.name)
        return 1

    # the store's own files (.device-key): as before, or as after
    sides = (dir_state(o.before), dir_state(o.after))
    shared = {name: {side.get(name) for side in sides}
              for side in sides for name in side if name.startswith(".")}
    final = {name: sides[1].get(name) for name in shared}

    disk = Disk(o.before)
    seen = {}
    cuts = 0
    for k in range(len(events) + 1):
        if k:
            disk.apply(events[k - 1])
        for p, how in disk.choices(rng, o.trials):
            state = disk.crash(rng, p, how)
            mode = "%d of %d names, writes %s" % (
                p, len(disk.ns_pending), ",".join(how) or "-")
            if k == len(events) and p == len(disk.ns_pending) and \
                    all(h == "all" for h in how) and \
                    state != dir_state(o.after):
                problems.append("the trace does not replay to the "
                                "directory the operation left")
            for name, allowed in shared.items():
                got = state.get(name)
                if got not in allowed or \
                        k == len(events) and got != final[name]:
                    problems.append("cut after event %d: %s is neither as "
                                    "before nor as after" % (k, name))
            cuts += 1
            h = hashlib.sha256(repr(sorted(state.items())).encode()) \
                .hexdigest()
            done = k == len(events)
            if (h, done) in seen:
                continue
            seen[(h, done)] = True
            materialize(state, scratch)
            rc, out, err = dump(scratch)
            where = "cut after event %d of %d (%s%s)" % (
                k, len(events), mode,
                ": " + " ".join(map(str, events[k - 1][:2])) if k else "")
            if rc != 0:
                problems.append("%s: does not read: %s" % (where,
                                                           err.strip()))
                continue
            if out not in (before, after):
                problems.append("%s: reads as neither the record before "
                                "nor after" % where)
                continue
            if done and out != after:
                problems.append("%s: the operation had returned, but its "
                                "change is lost" % where)
                continue
            if out == "absent\n":
                continue
            rc1, s1, _ = run([o.testrec, scratch, "show", o.user])
            rc2, _, err = run([o.testrec, scratch, "fail", o.user])
            rc3, s2, _ = run([o.testrec, scratch, "show", o.user])
            if rc1 or rc2 or rc3 or not failures_plus_one(s1, s2):
                problems.append("%s: a further write is not read back "
                                "(%s)" % (where, err.strip()))
    distinct = len(seen)
    if problems:
        print("not ok - %s: %d of %d power cuts (%d distinct states) "
              "break the record" % (o.name, len(problems), cuts, distinct))
        for line in problems[:8]:
            print("# " + line)
        return 1
    print("ok - %s: %d events, %d power cuts (%d distinct states) read "
          "as the record before or after, after once it returned, and "
          "take a further write" % (o.name, len(events), cuts, distinct))
    return 0


if __name__ == "__main__":
    sys.exit(main())

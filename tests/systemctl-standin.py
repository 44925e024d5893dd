#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A stand-in for systemctl: systemd cannot run in the test container.

dcos-bootstrap runs it through its test hook DCOS_BOOTSTRAP_SYSTEMCTL.
It really runs each unit's ExecStart, chrooted into the host's root,
with the environment the unit names, in a session of its own, and keeps
what systemd keeps: units are read from <root>/etc/systemd/system when
first used and again at daemon-reload only, so a start that forgot the
daemon-reload runs the old unit.  A target's start starts what its
<target>.wants directory lists (Wants=: the target's job succeeds even
when a wanted unit fails, as systemd's does).

Environment:
  SYSTEMCTL_STANDIN_ROOT  the host's root (the dcos-bootstrap --root)
  SYSTEMCTL_STANDIN_DIR   where it keeps its state: log (one line per
                          call, "systemctl ARGS [generations/N]" with
                          what "current" names then, and per action,
                          "started UNIT PID" / "stopped UNIT"), run/UNIT
                          (the pid of a running unit), UNIT.out (what it
                          printed), loaded.json (the units as read)
  SYSTEMCTL_STANDIN_ENV   KEY=VALUE... given to every unit after its own
                          environment (a test's port)
  SYSTEMCTL_STANDIN_FAIL  a call ("start dcos.target") that fails, the
                          first time it is made, with status 1 as
                          systemd's does when a job fails

Verbs: daemon-reload, start, stop, restart, is-active, --version.
Stopping a unit it never loaded exits 5, as systemctl does.
"""
import json
import os
import shlex
import signal
import subprocess
import sys
import time

ROOT = os.environ["SYSTEMCTL_STANDIN_ROOT"]
DIR = os.environ["SYSTEMCTL_STANDIN_DIR"]
UNITDIR = os.path.join(ROOT, "etc/systemd/system")
LOADED = os.path.join(DIR, "loaded.json")
STOP_WAIT = 10.0


def log(line):
    with open(os.path.join(DIR, "log"), "a") as f:
        f.write(line + "\n")


def read_unit(name):
    """The unit as systemd would load it now, or None when absent."""
    path = os.path.join(UNITDIR, name)
    try:
        with open(path) as f:
            text = f.read()
    except FileNotFoundError:
        return None
    wants = []
    wdir = os.path.join(UNITDIR, name + ".wants")
    if os.path.isdir(wdir):
        wants = sorted(os.listdir(wdir))
    return {"text": text, "wants": wants}


def loaded():
    try:
        with open(LOADED) as f:
            return json.load(f)
    except FileNotFoundError:
        return {}


def save(units):
    tmp = LOADED + ".tmp"
    with open(tmp, "w") as f:
        json.dump(units, f)
    os.rename(tmp, LOADED)


def load(units, name):
    if name not in units or units[name] is None:
        units[name] = read_unit(name)
    return units[name]


def settings(text):
    """The [Service] settings: key -> list of values."""
    out, section = {}, None
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            section = line
            continue
        if section == "[Service]" and "=" in line:
            k, v = line.split("=", 1)
            out.setdefault(k.strip(), []).append(v.strip())
    return out


def environment(s):
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
    for v in s.get("Environment", []):
        for kv in shlex.split(v):
            k, _, val = kv.partition("=")
            env[k] = val
    for v in s.get("EnvironmentFile", []):
        optional = v.startswith("-")
        path = os.path.join(ROOT, v.lstrip("-").lstrip("/"))
        try:
            with open(path) as f:
                for line in f:
                    line = line.strip()
                    if line and not line.startswith("#") and "=" in line:
                        k, _, val = line.partition("=")
                        env[k] = val.strip('"')
        except FileNotFoundError:
            if not optional:
                raise
    for kv in os.environ.get("SYSTEMCTL_STANDIN_ENV", "").split():
        k, _, val = kv.partition("=")
        env[k] = val
    return env


def pidfile(name):
    return os.path.join(DIR, "run", name)


def running(name):
    """The pid of the unit's process when it is alive (not a zombie)."""
    try:
        with open(pidfile(name)) as f:
            pid = int(f.read())
        with open("/proc/%d/stat" % pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return None
    return None if state in ("Z", "X") else pid


def start_service(name, unit):
    if running(name):
        return 0
    s = settings(unit["text"])
    argv = shlex.split(s["ExecStart"][-1].lstrip("-@+!"))
    exe = os.path.join(ROOT, argv[0].lstrip("/"))
    if not os.access(exe, os.X_OK):
        # Type=exec: the job fails when the program cannot run.
        sys.stderr.write("Job for %s failed: %s cannot be executed.\n" % (name, argv[0]))
        return 1
    out = open(os.path.join(DIR, name + ".out"), "ab")

    def enter():
        os.chroot(ROOT)
        os.chdir("/")

    p = subprocess.Popen(argv, env=environment(s), stdin=subprocess.DEVNULL,
                         stdout=out, stderr=out, preexec_fn=enter,
                         start_new_session=True, close_fds=True)
    with open(pidfile(name) + ".tmp", "w") as f:
        f.write(str(p.pid))
    os.rename(pidfile(name) + ".tmp", pidfile(name))
    log("started %s %d" % (name, p.pid))
    return 0


def stop_service(name):
    pid = running(name)
    if pid is not None:
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        end = time.monotonic() + STOP_WAIT
        while running(name) and time.monotonic() < end:
            time.sleep(0.02)
        if running(name):
            os.killpg(pid, signal.SIGKILL)
            while running(name):
                time.sleep(0.02)
        log("stopped %s" % name)
    try:
        os.unlink(pidfile(name))
    except FileNotFoundError:
        pass


def start(units, name):
    unit = load(units, name)
    if unit is None:
        sys.stderr.write("Failed to start %s: Unit %s not found.\n" % (name, name))
        return 5
    if name.endswith(".target"):
        for w in unit["wants"]:
            wu = load(units, w)
            if wu is not None:
                start_service(w, wu)
        return 0
    return start_service(name, unit)


def stop(units, name):
    # A unit that was never loaded is not running: systemctl says so.
    if load(units, name) is None and not running(name):
        sys.stderr.write("Failed to stop %s: Unit %s not loaded.\n" % (name, name))
        return 5
    if not name.endswith(".target"):
        stop_service(name)
    return 0


def main(args):
    os.makedirs(os.path.join(DIR, "run"), exist_ok=True)
    # Each call with the generation "current" names as it is made.
    try:
        current = os.readlink(os.path.join(ROOT, "opt/mesosphere/current"))
    except OSError:
        current = "none"
    log("systemctl %s [%s]" % (" ".join(args), current))
    if args == ["--version"]:
        print("systemd 252 (252.22-1~deb12u1)")
        return 0
    failed = os.path.join(DIR, "failed-once")
    if " ".join(args) == os.environ.get("SYSTEMCTL_STANDIN_FAIL") and \
            not os.path.exists(failed):
        open(failed, "w").close()
        sys.stderr.write("Job for %s failed.\n" % args[-1])
        return 1
    verb, names = args[0], args[1:]
    units = loaded()
    rc = 0
    if verb == "daemon-reload":
        units = {n: read_unit(n) for n in units}
    elif verb == "is-active":
        ok = all(running(n) for n in names)
        print("\n".join("active" if running(n) else "inactive" for n in names))
        rc = 0 if ok else 3
    else:
        for n in names:
            if verb == "start":
                r = start(units, n)
            elif verb == "stop":
                r = stop(units, n)
            elif verb == "restart":
                r = stop(units, n)
                r = start(units, n) if r in (0, 5) else r
            else:
                sys.stderr.write("systemctl stand-in: unknown verb %s\n" % verb)
                return 2
            rc = rc or r
    save(units)
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

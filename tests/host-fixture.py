#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Builds a small signed release, config package and cluster manifest for
the dcos-bootstrap tests, laid out as a host's blob cache:

  OUT/cluster.json                the cluster manifest (also in the cache)
  OUT/cache/blobs/sha256/<hex>    release.json, its signature, package blobs

Package blobs follow docs/formats.md (pax tar.zst, sorted, manifest first).
--hostile KIND replaces the mesos package with one that breaks one
extraction rule; it is still signed, so only the extraction checks can
catch it (a vendor build gone wrong or a stolen vendor key).
"""
import argparse
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile

# --trick KIND: a release whose packages extract cleanly but which the
# generation build must refuse (pkginfo.json, units, symlink farm).
TRICKS = ["pkginfo-not-json", "pkginfo-not-object", "pkginfo-env-key",
          "pkginfo-env-newline", "pkginfo-sysctl-newline", "pkginfo-user",
          "pkginfo-group", "unit-name", "unit-subdir", "unit-collide",
          "env-collide", "file-collide", "dir-file-collide"]
HOSTILE = ["symlink-chain", "dotdot", "absolute", "symlink-out", "hardlink-out", "device",
           "fifo", "setuid", "not-in-manifest", "oversize", "sparse-digest",
           "writable-file", "writable-dir", "writable-member", "sysctl-key",
           "sysctl-value"]
# --unsigned KIND: cluster.json adds what the vendor did not sign.
UNSIGNED = ["second-config", "config-id", "extra-package"]
HOSTILE += ["non-utf8-name"]


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Pkg:
    def __init__(self, pid):
        self.id = pid
        self.entries = {}   # path -> dict(type, mode, data, target)
        self.raw = []       # extra TarInfo members (hostile)
        self.manifest_override = None
        self.manifest_pad = 0

    def dir(self, path, mode=0o755):
        self.entries[path] = {"type": "dir", "mode": mode}

    def file(self, path, data, mode=0o644):
        if isinstance(data, str):
            data = data.encode()
        parts = path.split("/")
        for i in range(1, len(parts)):
            d = "/".join(parts[:i])
            if d not in self.entries:
                self.dir(d)
        self.entries[path] = {"type": "file", "mode": mode, "data": data}

    def symlink(self, path, target):
        self.entries[path] = {"type": "symlink", "target": target}

    def hardlink(self, path, target):
        self.entries[path] = {"type": "hardlink", "target": target}

    def manifest(self):
        files = []
        for p in sorted(self.entries, key=lambda s: s.encode()):
            e = self.entries[p]
            m = {"path": p, "type": e["type"]}
            if e["type"] in ("dir", "file"):
                m["mode"] = e["mode"]
            if e["type"] == "file":
                m["size"] = len(e["data"])
                m["sha256"] = sha(e["data"])
            if e["type"] in ("symlink", "hardlink"):
                m["target"] = e["target"]
            files.append(m)
        doc = {"format": 1, "id": self.id, "files": files}
        if self.manifest_override:
            self.manifest_override(doc)
        return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode() + \
            b" " * self.manifest_pad

    def blob(self):
        buf = io.BytesIO()
        man = self.manifest()
        with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT,
                          errors="surrogateescape") as t:
            def add(ti, data=None):
                ti.uid = ti.gid = 0
                ti.uname = ti.gname = ""
                ti.mtime = 0
                t.addfile(ti, io.BytesIO(data) if data is not None else None)
            ti = tarfile.TarInfo(".dcos-manifest.json")
            ti.size = len(man)
            ti.mode = 0o644
            add(ti, man)
            for p in sorted(self.entries, key=lambda s: s.encode()):
                e = self.entries[p]
                ti = tarfile.TarInfo(p)
                if e["type"] == "dir":
                    ti.type = tarfile.DIRTYPE
                    ti.mode = e["mode"]
                    add(ti)
                elif e["type"] == "file":
                    ti.size = len(e.get("tardata", e["data"]))
                    ti.mode = e.get("tarmode", e["mode"])
                    add(ti, e.get("tardata", e["data"]))
                elif e["type"] == "symlink":
                    ti.type = tarfile.SYMTYPE
                    ti.linkname = e["target"]
                    ti.mode = 0o777
                    add(ti)
                else:
                    ti.type = tarfile.LNKTYPE
                    ti.linkname = e["target"]
                    ti.mode = 0o755
                    add(ti)
            for ti, data in self.raw:
                add(ti, data)
        return subprocess.run(["zstd", "-q", "-c", "-3"], input=buf.getvalue(),
                              stdout=subprocess.PIPE, check=True).stdout


def mesos(version, big):
    p = Pkg("mesos--" + version)
    p.file("pkginfo.json", json.dumps({
        "username": "dcos_mesos", "state_directory": True,
        "environment": {"MESOS_HOME": "/opt/mesosphere/active/mesos"}}))
    p.file("bin/mesos-master", "#!/bin/sh\necho mesos-master %s\n" % version, 0o755)
    p.file("bin/mesos-agent", "#!/bin/sh\necho mesos-agent %s\n" % version, 0o755)
    p.hardlink("bin/mesos-master-link", "bin/mesos-master")
    p.file("lib/libmesos.so.1", b"\x7fELF" + version.encode() * 64)
    p.symlink("lib/libmesos.so", "libmesos.so.1")
    p.file("etc/mesos.conf", "version=%s\n" % version)
    p.file("dcos.target.wants_master/dcos-mesos-master.service",
           "[Service]\nExecStart=/opt/mesosphere/bin/mesos-master\n# %s\n" % version)
    p.file("dcos.target.wants_slave/dcos-mesos-slave.service",
           "[Service]\nExecStart=/opt/mesosphere/bin/mesos-agent\n# %s\n" % version)
    for i, n in enumerate(big or []):
        p.file("lib/big.bin" if i == 0 else "lib/big%d.bin" % (i + 1),
               os.urandom(n))
    return p


def deep_tree(p, kind):
    """Trees at (kind "limit") or just over the documented limits."""
    if kind == "limit":
        # 1,902 levels and a 4,095-byte path: as deep as a 4 MiB manifest
        # listing every parent allows with such a path
        p.file("/".join(["d"] * 1900 + ["x" * 120, "y" * 174]), "deepest\n")
        # deep below lib/, the link target fits (2,031 of 4,095 bytes)
        p.file("lib/" + "/".join(["x"] * 400), "linked\n")
    elif kind == "path":
        p.file("/".join(["d"] * 1900 + ["x" * 120, "y" * 175]), "too long\n")
    elif kind == "farm":
        p.file("lib/" + "/".join(["x"] * 900), "too deep to link\n")


def zookeeper(version="3.4.14"):
    p = Pkg("zookeeper--" + version)
    p.file("pkginfo.json", json.dumps({
        "username": "dcos_exhibitor", "group": "dcos_exhibitor",
        "sysctl": {"dcos-exhibitor": {"vm.swappiness": "1"}}}))
    p.file("bin/zkCli", "#!/bin/sh\necho zk\n", 0o755)
    p.file("lib/zookeeper.jar", b"PK" + b"z" * 300)
    p.file("dcos.target.wants_master/dcos-exhibitor.service",
           "[Service]\nExecStart=/opt/mesosphere/bin/zkCli\n")
    p.dir("etc_master")
    p.file("etc_master/zoo.cfg", "tickTime=2000\n")
    return p


def long_running(pkgs):
    """Units whose process runs until stopped (the unit text otherwise
    kept, so a unit that changes between versions still does)."""
    for p in pkgs:
        for path, e in p.entries.items():
            if path.startswith("dcos.target.wants") and e["type"] == "file":
                e["data"] = b"\n".join(
                    b"ExecStart=/bin/sleep 86400" if l.startswith(b"ExecStart=") else l
                    for l in e["data"].split(b"\n"))


def config(tag):
    cid = hashlib.sha256(("config-" + tag).encode()).hexdigest()
    p = Pkg("dcos-config--setup_" + cid)
    p.file("pkginfo.json", "{}")
    p.file("etc/ip-detect", "#!/bin/sh\necho 127.0.0.1\n", 0o755)
    p.file("etc/dcos-config.yaml", "cluster_name: test-%s\n" % tag)
    return p, cid


def from_tree(root, pid):
    """A package from the directory tree root, as dcos-genconf would read
    it but without its checks (what a vendor build gone wrong ships)."""
    p = Pkg(pid)
    for d, dirs, files in os.walk(root):
        dirs.sort()
        for n in sorted(dirs + files):
            full = os.path.join(d, n)
            rel = os.path.relpath(full, root)
            if os.path.islink(full):
                p.symlink(rel, os.readlink(full))
            elif os.path.isdir(full):
                p.dir(rel, os.stat(full).st_mode & 0o777)
            else:
                with open(full, "rb") as f:
                    p.file(rel, f.read(), os.stat(full).st_mode & 0o777)
    return p


def make_hostile(p, kind):
    if kind == "dotdot":
        ti = tarfile.TarInfo("../escaped")
        ti.size = 4
        p.raw.append((ti, b"evil"))
    elif kind == "absolute":
        ti = tarfile.TarInfo("/tmp/dcos-absolute-escape")
        ti.size = 4
        p.raw.append((ti, b"evil"))
    elif kind == "symlink-out":
        p.symlink("bin/out", "../../../../../../../../tmp")
        p.file("bin/out/evil", "evil")
        # parents of bin/out/evil: bin/out is a symlink, not a dir
        del p.entries["bin/out"]
        p.symlink("bin/out", "../../../../../../../../tmp")
    elif kind == "symlink-chain":
        # lexically inside (sub/d/../../.. from bin is the root), but
        # bin/sub/d -> .. makes it resolve above the package
        p.dir("bin/sub")
        p.symlink("bin/sub/d", "..")
        p.symlink("bin/x", "sub/d/../../..")
    elif kind == "hardlink-out":
        p.hardlink("bin/passwd", "../../../../../../etc/passwd")
    elif kind == "device":
        p.file("bin/null", b"", 0o644)
        ti = tarfile.TarInfo("bin/null")
        ti.type = tarfile.CHRTYPE
        ti.devmajor, ti.devminor = 1, 3
        del p.entries["bin/null"]
        p.manifest_override = lambda d: d["files"].append(
            {"path": "bin/null", "type": "file", "mode": 420, "size": 0,
             "sha256": sha(b"")}) or d["files"].sort(key=lambda f: f["path"].encode())
        p.raw.append((ti, None))
    elif kind == "fifo":
        ti = tarfile.TarInfo("bin/fifo")
        ti.type = tarfile.FIFOTYPE
        p.manifest_override = lambda d: d["files"].append(
            {"path": "bin/fifo", "type": "file", "mode": 420, "size": 0,
             "sha256": sha(b"")}) or d["files"].sort(key=lambda f: f["path"].encode())
        p.raw.append((ti, None))
    elif kind == "setuid":
        e = p.entries["bin/mesos-agent"]
        e["tarmode"] = 0o4755
    elif kind == "not-in-manifest":
        ti = tarfile.TarInfo("bin/smuggled")
        ti.size = 4
        ti.mode = 0o755
        p.raw.append((ti, b"evil"))
    elif kind == "oversize":
        e = p.entries["etc/mesos.conf"]
        e["tardata"] = e["data"] + b"x" * 100000
    elif kind == "writable-file":
        p.entries["bin/mesos-agent"]["mode"] = 0o777
    elif kind == "writable-dir":
        p.entries["lib"]["mode"] = 0o777
    elif kind == "writable-member":
        # the manifest says 0755; only the tar header is group-writable
        p.entries["bin/mesos-agent"]["tarmode"] = 0o775
    elif kind in ("sysctl-key", "sysctl-value"):
        key, value = ("kernel/../../../etc/shadow", "1") if kind == "sysctl-key" \
            else ("vm.swappiness", "1\nkernel.core_pattern = |/tmp/evil")
        p.file("pkginfo.json", json.dumps({"sysctl": {"dcos-mesos-master": {key: value}}}))
    elif kind == "non-utf8-name":
        ti = tarfile.TarInfo(b"bin/caf\xe9".decode("utf-8", "surrogateescape"))
        ti.size = 4
        ti.mode = 0o755
        p.raw.append((ti, b"evil"))
    elif kind == "sparse-digest":
        # same size as declared, other content
        e = p.entries["etc/mesos.conf"]
        e["tardata"] = bytes(len(e["data"]))


def make_trick(m, zk, kind):
    info = json.loads(m.entries["pkginfo.json"]["data"])
    if kind == "pkginfo-not-json":
        m.file("pkginfo.json", "{\"username\": ")
    elif kind == "pkginfo-not-object":
        m.file("pkginfo.json", "[]")
    elif kind == "pkginfo-env-key":
        info["environment"]["BAD-KEY"] = "x"
    elif kind == "pkginfo-env-newline":
        info["environment"]["MESOS_HOME"] = "/x\nLD_PRELOAD=/tmp/evil.so"
    elif kind == "pkginfo-sysctl-newline":
        info["sysctl"] = {"dcos-mesos-master": {"kernel.x": "1\nkernel.y = 2"}}
    elif kind == "pkginfo-user":
        info["username"] = "root:x:0:0::/:/bin/sh"
    elif kind == "pkginfo-group":
        info["group"] = "Wheel Group"
    elif kind == "unit-name":
        m.file("dcos.target.wants_master/.dcos-hidden.service", "[Service]\n")
    elif kind == "unit-subdir":
        m.file("dcos.target.wants_master/sub/dcos-x.service", "[Service]\n")
    elif kind == "unit-collide":
        zk.file("dcos.target.wants_master/dcos-mesos-master.service", "[Service]\n")
    elif kind == "env-collide":
        zkinfo = json.loads(zk.entries["pkginfo.json"]["data"])
        zkinfo["environment"] = {"MESOS_HOME": "/elsewhere"}
        zk.file("pkginfo.json", json.dumps(zkinfo))
    elif kind == "file-collide":
        zk.file("bin/mesos-master", "#!/bin/sh\necho impostor\n", 0o755)
    elif kind == "dir-file-collide":
        zk.file("bin/mesos-agent/x", "x")
    if kind.startswith("pkginfo-") and kind not in ("pkginfo-not-json",
                                                    "pkginfo-not-object"):
        m.file("pkginfo.json", json.dumps(info))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--genconf", required=True)
    ap.add_argument("--key", required=True, help="secret key that signs")
    ap.add_argument("--trust", required=True, help="public key file trusted")
    ap.add_argument("--seq", type=int, default=1)
    ap.add_argument("--version", default="1.2.0")
    ap.add_argument("--config", default="a")
    ap.add_argument("--hostile", choices=HOSTILE)
    ap.add_argument("--unsigned", choices=UNSIGNED)
    ap.add_argument("--trick", choices=TRICKS)
    ap.add_argument("--big", type=int, action="append",
                    help="a random file of N bytes in mesos' lib/ "
                    "(big.bin, then big2.bin, ...)")
    ap.add_argument("--utf8-name", action="store_true",
                    help="mesos also has etc/caf\u00e9.conf (a UTF-8 name)")
    ap.add_argument("--unit", action="append", default=[],
                    help="mesos also installs this unit for masters")
    ap.add_argument("--services", action="store_true",
                    help="every unit runs /bin/sleep until stopped")
    ap.add_argument("--files", type=int, default=0,
                    help="mesos gets this many more empty files (--dirs: dirs)")
    ap.add_argument("--dirs", action="store_true")
    ap.add_argument("--check", action="append", default=[],
                    help="NAME=SCRIPT: mesos gets check/NAME, mode 755")
    ap.add_argument("--check-plain", action="append", default=[],
                    help="NAME=SCRIPT: mesos gets check/NAME, mode 644")
    ap.add_argument("--manifest-pad", type=int, default=0,
                    help="mesos's manifest gets this many trailing spaces")
    ap.add_argument("--deep", choices=["limit", "path", "farm"],
                    help="mesos gets a tree at or over the path limits")
    ap.add_argument("--collide", action="store_true",
                    help="zookeeper also installs bin/mesos-master")
    ap.add_argument("--packages",
                    help="the release's packages are the trees DIR/<id> "
                    "(instead of mesos and zookeeper)")
    ap.add_argument("--tamper-release", action="store_true",
                    help="change release.json after signing (digests pinned anew)")
    a = ap.parse_args()

    cache = os.path.join(a.out, "cache", "blobs", "sha256")
    os.makedirs(cache, exist_ok=True)

    def put(data):
        d = sha(data)
        with open(os.path.join(cache, d[7:]), "wb") as f:
            f.write(data)
        return d

    m = mesos(a.version, a.big)
    if a.utf8_name:
        m.file("etc/caf\u00e9.conf", "utf8=1\n")
    for spec, mode in [(c, 0o755) for c in a.check] + \
            [(c, 0o644) for c in a.check_plain]:
        name, _, body = spec.partition("=")
        m.file("check/" + name, body, mode)
    for u in a.unit:
        m.file("dcos.target.wants_master/" + u, "[Service]\nExecStart=/bin/true\n")
    if a.hostile:
        make_hostile(m, a.hostile)
    if a.deep:
        deep_tree(m, a.deep)
    if a.files and a.dirs:
        m.dir("s")
    for i in range(a.files):
        if a.dirs:
            m.dir("s/%x" % i)
        else:
            m.file("share/many/%03d/%07d" % (i // 1000, i), b"")
    m.manifest_pad = a.manifest_pad
    zk = zookeeper("3.4.15" if a.collide else "3.4.14")
    if a.collide:
        zk.file("bin/mesos-master", "#!/bin/sh\necho impostor\n", 0o755)
    if a.trick:
        make_trick(m, zk, a.trick)
    pkgs = [m, zk]
    if a.packages:
        pkgs = [from_tree(os.path.join(a.packages, d), d)
                for d in sorted(os.listdir(a.packages))]
    if a.services:
        long_running(pkgs)
    cfg, cid = config(a.config)
    rel_pkgs = []
    blobs = []
    for p in sorted(pkgs, key=lambda p: p.id):
        b = p.blob()
        d = put(b)
        rel_pkgs.append({"id": p.id, "digest": d, "size": len(b),
                         "manifest": sha(p.manifest()),
                         "files": len(p.entries), "installed_bytes": 0})
        blobs.append({"digest": d, "size": len(b), "kind": "package", "id": p.id})
    release = {"format": 1, "name": "dcos", "version": a.version, "seq": a.seq,
               "packages": rel_pkgs, "bootstrap": {},
               "roles": {"master": {"ports": [5050]}, "slave": {"ports": [5051]},
                         "slave_public": {"ports": [5051]}}}
    rel = json.dumps(release, sort_keys=True, indent=2).encode() + b"\n"
    reld = put(rel)
    tmp = os.path.join(a.out, "release.json")
    with open(tmp, "wb") as f:
        f.write(rel)
    subprocess.run([a.genconf, "-q", "sign", "-s", a.key, "-t",
                    "file:release.json\tsha256:%s\tseq:%d" % (reld[7:], a.seq),
                    "-x", tmp + ".minisig", tmp], check=True)
    with open(tmp + ".minisig", "rb") as f:
        sig = f.read()
    if a.tamper_release:
        rel = rel.replace(b'"seq"', b' "seq"', 1)
        reld = put(rel)
    sigd = put(sig)
    cb = cfg.blob()
    cfgd = put(cb)
    blobs = [{"digest": reld, "size": len(rel), "kind": "release"},
             {"digest": sigd, "size": len(sig), "kind": "signature"}] + blobs + \
            [{"digest": cfgd, "size": len(cb), "kind": "config", "id": cfg.id}]
    if a.unsigned == "config-id":
        # a genuine config package of another configuration
        cid = config(a.config + "-other")[1]
    elif a.unsigned:
        extra = Pkg("evil--1.0")
        extra.file("pkginfo.json", "{}")
        extra.file("bin/evil", "#!/bin/sh\necho evil\n", 0o755)
        eb = extra.blob()
        blobs.append({"digest": put(eb), "size": len(eb),
                      "kind": "config" if a.unsigned == "second-config" else "package",
                      "id": extra.id})
    with open(a.trust) as f:
        keyline = [l.strip() for l in f if l.strip() and not l.startswith("untrusted")][0]
    cluster = {"format": 1, "cluster_name": "test", "config_id": cid,
               "bootstrap_url": "http://127.0.0.1:1",
               "trusted_keys": [keyline],
               "release": {"name": "dcos", "version": a.version, "seq": a.seq,
                           "manifest": reld, "signature": sigd},
               "config_package": {"id": cfg.id, "digest": cfgd, "size": len(cb)},
               "bootstrap": {}, "blobs": blobs}
    cj = json.dumps(cluster, sort_keys=True, indent=2).encode() + b"\n"
    put(cj)
    with open(os.path.join(a.out, "cluster.json"), "wb") as f:
        f.write(cj)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Builds a store of Windows package zips for the dcos_install.ps1 tests.

Follows docs/formats.md: each package a zip whose first member is
.dcos-manifest.json (types file and dir), entries sorted, deflate, fixed
times; release.json lists each package with "platform"; the cluster
manifest pins release.json and names the Windows config package in
config_package_windows.  Until `dcos-genconf generate` writes Windows
stores, this stands in for it.  Hostile packages are described by
options of a package spec (entries outside the manifest, lying sizes or
digests) so that the script's refusals can be tested.

usage: win-store.py SPEC.json  (prints the generated script's path)

SPEC: {"store": DIR, "url": URL, "cluster": NAME, "template": PATH,
       "script": OUT, "release": {"name", "version", "seq"},
       "ports": {"slave": [..]},
       "packages": [PKG], "config": PKG}
PKG:  {"id": ID, "entries": [[PATH, TEXT or null for a directory]],
       "zip_only": [[NAME, TEXT]], "manifest_only": [PATH],
       "size_lie": {PATH: N}, "hash_lie": [PATH]}
"""
import hashlib
import io
import json
import os
import sys
import zipfile


def canon(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False)


def put_blob(store, data):
    hexd = hashlib.sha256(data).hexdigest()
    path = os.path.join(store, "blobs", "sha256", hexd)
    with open(path, "wb") as f:
        f.write(data)
    return hexd, len(data)


def package_zip(spec):
    files = []
    entries = []
    for path, text in spec.get("entries", []):
        if text is None:
            files.append({"path": path, "type": "dir", "mode": 493})
            entries.append((path + "/", None))
        else:
            data = text.encode()
            size = spec.get("size_lie", {}).get(path, len(data))
            digest = hashlib.sha256(data).hexdigest()
            if path in spec.get("hash_lie", []):
                digest = hashlib.sha256(data + b"x").hexdigest()
            files.append({"path": path, "type": "file", "mode": 420,
                          "size": size, "sha256": "sha256:" + digest})
            entries.append((path, data))
    for path in spec.get("manifest_only", []):
        files.append({"path": path, "type": "file", "mode": 420, "size": 0,
                      "sha256": "sha256:" + hashlib.sha256(b"").hexdigest()})
    for name, text in spec.get("zip_only", []):
        entries.append((name, None if text is None else text.encode()))
    files.sort(key=lambda f: f["path"].encode())
    manifest = {"format": 1, "id": spec["id"], "files": files}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        def add(name, data):
            zi = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.create_system = 3
            zi.external_attr = (0o40755 << 16) | 0x10 if data is None \
                else 0o100644 << 16
            z.writestr(zi, b"" if data is None else data)
        add(".dcos-manifest.json", (canon(manifest) + "\n").encode())
        for name, data in sorted(entries, key=lambda e: e[0].encode()):
            add(name, data)
    installed = sum(f.get("size", 0) for f in files)
    return buf.getvalue(), len(files), installed


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    store = spec["store"]
    os.makedirs(os.path.join(store, "blobs", "sha256"), exist_ok=True)
    rel = spec["release"]
    pkgs = []
    blobs = []
    for p in spec["packages"]:
        data, nfiles, installed = package_zip(p)
        hexd, size = put_blob(store, data)
        pkgs.append({"id": p["id"], "digest": "sha256:" + hexd,
                     "size": size, "manifest": "sha256:" + hexd,
                     "files": nfiles, "installed_bytes": installed,
                     "platform": "windows"})
        blobs.append({"digest": "sha256:" + hexd, "size": size,
                      "kind": "package", "id": p["id"],
                      "platform": "windows"})
    pkgs.sort(key=lambda p: p["id"])
    release = {"format": 1, "name": rel["name"], "version": rel["version"],
               "seq": rel["seq"], "packages": pkgs, "bootstrap": {},
               "roles": {r: {"ports": v}
                         for r, v in spec.get("ports", {}).items()}}
    rhex, rsize = put_blob(store, (json.dumps(release, sort_keys=True,
                                              indent=2) + "\n").encode())
    shex, ssize = put_blob(store, b"untrusted comment: stand-in\n")
    cdata, _, _ = package_zip(spec["config"])
    chex, csize = put_blob(store, cdata)
    config_id = spec["config"]["id"].split("_", 1)[1]
    cpkg = {"id": spec["config"]["id"], "digest": "sha256:" + chex,
            "size": csize}
    cm = {"format": 1, "cluster_name": spec["cluster"],
          "config_id": config_id, "bootstrap_url": spec["url"],
          "trusted_keys": [],
          "release": {"name": rel["name"], "version": rel["version"],
                      "seq": rel["seq"], "manifest": "sha256:" + rhex,
                      "signature": "sha256:" + shex},
          "config_package_windows": cpkg, "bootstrap": {},
          "blobs": [{"digest": "sha256:" + rhex, "size": rsize,
                     "kind": "release"},
                    {"digest": "sha256:" + shex, "size": ssize,
                     "kind": "signature"}] + blobs +
                   [dict(cpkg, kind="config", platform="windows")]}
    mhex, msize = put_blob(store, (json.dumps(cm, sort_keys=True, indent=2)
                                   + "\n").encode())
    with open(spec["template"]) as f:
        text = f.read()
    vals = {"@DCOS_CLUSTER_MANIFEST_SIZE@": str(msize),
            "@DCOS_CLUSTER_MANIFEST@": "sha256:" + mhex,
            "@DCOS_BOOTSTRAP_URL@": spec["url"],
            "@DCOS_CLUSTER_NAME@": spec["cluster"].replace("'", "''"),
            "@DCOS_RELEASE@": "%s-%s" % (rel["name"], rel["version"])}
    for k, v in vals.items():
        text = text.replace(k, v)
    with open(spec["script"], "w") as f:
        f.write(text)
    print(mhex)


if __name__ == "__main__":
    main()

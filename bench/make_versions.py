#!/usr/bin/env python3
"""Versioned test data from files every Debian machine has (BENCHMARKS.md, "Chunk size").

  make_versions.py OUT [--versions 5] [--image-mib 512] [--seed 1]

OUT/tar.v0 .. tar.vN: tars (sorted, fixed owners and times) of a copy of /usr/share/doc
and /usr/share/man (27,000 files, 180 MiB); between versions, at random places: 0.5% of the
files edited (16 to 4096 bytes inserted, deleted or overwritten at a random offset), 0.1%
removed, 0.1% added (text from /usr/include, under random directories): what successive
backups of a tree look like (about 190 changes per version, one per MiB).
OUT/img.v0 .. img.vN: a large file edited in place (a disk image, a database file): the
first --image-mib MiB of a tar of /usr/lib/x86_64-linux-gnu; each later version rewrites
64 random 4 KiB blocks and one random 1 MiB extent, the size unchanged.
"""
import argparse
import os
import random
import shutil
import subprocess
import tarfile


def pick_text(rng, pool, n):
    src = rng.choice(pool)
    with open(src, "rb") as f:
        data = f.read()
    if len(data) <= n:
        return data
    at = rng.randrange(len(data) - n)
    return data[at:at + n]


def edit_file(rng, path, pool):
    with open(path, "rb") as f:
        data = f.read()
    at = rng.randrange(len(data) + 1)
    op = rng.choice(("insert", "delete", "overwrite"))
    n = rng.randrange(16, 4097)
    if op == "insert":
        data = data[:at] + pick_text(rng, pool, n) + data[at:]
    elif op == "delete":
        data = data[:at] + data[at + n:]
    else:
        data = data[:at] + pick_text(rng, pool, n) + data[at + n:]
    with open(path, "wb") as f:
        f.write(data)


def regular_files(root):
    out = []
    for d, _, names in os.walk(root):
        for n in names:
            p = os.path.join(d, n)
            if os.path.isfile(p) and not os.path.islink(p):
                out.append(p)
    out.sort()
    return out


def mutate(rng, tree, pool, version):
    files = regular_files(tree)
    for p in rng.sample(files, len(files) // 200):
        edit_file(rng, p, pool)
    for p in rng.sample(files, len(files) // 1000):
        os.remove(p)
    dirs = sorted({os.path.dirname(p) for p in files if os.path.exists(os.path.dirname(p))})
    for i in range(len(files) // 1000):
        d = rng.choice(dirs)
        with open(os.path.join(d, f"added-v{version}-{i}.txt"), "wb") as f:
            f.write(pick_text(rng, pool, rng.randrange(512, 65536)))


def make_tar(tree, out):
    subprocess.run(["tar", "--sort=name", "--mtime=@0", "--owner=0", "--group=0",
                    "--numeric-owner", "-cf", out, "-C", tree, "."], check=True)


def make_images(rng, out, versions, mib):
    first = os.path.join(out, "img.v0")
    tar = subprocess.Popen(["tar", "--sort=name", "-cf", "-", "-C", "/usr/lib",
                            "x86_64-linux-gnu"], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL)
    with open(first, "wb") as f:
        left = mib << 20
        while left > 0:
            b = tar.stdout.read(min(left, 1 << 20))
            if not b:
                break
            f.write(b)
            left -= len(b)
    tar.kill()
    tar.wait()
    size = os.path.getsize(first)
    for v in range(1, versions):
        cur = os.path.join(out, f"img.v{v}")
        shutil.copyfile(os.path.join(out, f"img.v{v - 1}"), cur)
        with open(cur, "r+b") as f:
            for _ in range(64):
                f.seek(rng.randrange(size // 4096) * 4096)
                f.write(rng.randbytes(4096))
            f.seek(rng.randrange(size - (1 << 20)))
            f.write(rng.randbytes(1 << 20))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--versions", type=int, default=5)
    ap.add_argument("--image-mib", type=int, default=512)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)
    tree = os.path.join(a.out, "tree")
    shutil.rmtree(tree, ignore_errors=True)
    os.makedirs(tree)
    for src in ("/usr/share/doc", "/usr/share/man"):
        shutil.copytree(src, os.path.join(tree, os.path.basename(src)), symlinks=True)
    pool = [p for p in regular_files("/usr/include") if os.path.getsize(p) > 4096]
    for v in range(a.versions):
        if v > 0:
            mutate(rng, tree, pool, v)
        make_tar(tree, os.path.join(a.out, f"tar.v{v}"))
    shutil.rmtree(tree)
    make_images(rng, a.out, a.versions, a.image_mib)


if __name__ == "__main__":
    main()

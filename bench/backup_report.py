#!/usr/bin/env python3
"""Turns bench/backup_compare.sh's figures into Markdown tables and a gnuplot chart.

usage: backup_report.py RESULTS.dat FILES BYTES CHART.svg

RESULTS.dat rows (bench/peers.sh's `measure`):
`where tool stage wall_s cpu_s peak_rss_kib requests bytes_read bytes_written`, or
`where tool size-STAGE bytes` for repository sizes.
"""
import subprocess
import sys
import tempfile

STAGES = ["backup-first", "backup-unchanged", "backup-changed", "restore", "check-read-data"]
TOOLS = ["basin", "restic", "borg"]


def load(path):
    runs, sizes = {}, {}
    for line in open(path):
        f = line.split()
        if len(f) == 4:
            sizes[(f[0], f[1], f[2])] = int(f[3])
        elif len(f) == 9:
            runs[(f[0], f[1], f[2])] = dict(
                wall=float(f[3]), cpu=float(f[4]), rss=int(f[5]) / 1024, req=int(f[6]))
    return runs, sizes


def ratio(a, b):
    return f"{a / b:.2f}x" if b else "-"


def table(where, runs, sizes, gb):
    tools = [t for t in TOOLS if (where, t, "backup-first") in runs]
    out = []
    head = "| stage | " + " | ".join(
        f"{t} s (CPU s, RSS MiB{', requests' if where == 's3' else ''})" for t in tools)
    out.append(head + " | basin / restic: time, RSS" +
               (", requests |" if where == "s3" else " |"))
    out.append("|" + "---|" * (len(tools) + 2))
    for s in STAGES:
        cells = []
        for t in tools:
            r = runs.get((where, t, s))
            if not r:
                cells.append("-")
                continue
            extra = f", {r['req']}" if where == "s3" else ""
            cells.append(f"{r['wall']:.1f} ({r['cpu']:.1f}, {r['rss']:.0f}{extra})")
        b, r = runs.get((where, "basin", s)), runs.get((where, "restic", s))
        rat = "-"
        if b and r:
            rat = f"**{ratio(b['wall'], r['wall'])}**, {ratio(b['rss'], r['rss'])}"
            if where == "s3":
                rat += f", {ratio(b['req'], r['req'])}"
        out.append(f"| {s} | " + " | ".join(cells) + f" | {rat} |")
    if where == "s3":
        b, r = runs.get((where, "basin", "backup-first")), runs.get((where, "restic", "backup-first"))
        if b and r:
            out.append("")
            out.append(f"First backup, requests per GB of files: basin {b['req'] / gb:.0f}, "
                       f"restic {r['req'] / gb:.0f} ({ratio(b['req'], r['req'])}).")
    if where == "local":
        out.append("")
        out.append("| repository size after | " + " | ".join(tools) + " | basin / restic |")
        out.append("|" + "---|" * (len(tools) + 2))
        for s in ["first", "unchanged", "changed"]:
            v = [sizes.get((where, t, "size-" + s), 0) for t in tools]
            out.append(f"| {s} backup | " + " | ".join(f"{x / 2**20:.0f} MiB" for x in v) +
                       f" | {ratio(v[0], v[1])} |")
        cp = runs.get((where, "cp", "restore"))
        b = runs.get((where, "basin", "restore"))
        if cp and b:
            out.append("")
            out.append(f"Restore reference: `cp -a` of the corpus into tmpfs {cp['wall']:.1f} s; "
                       f"basin's restore {ratio(b['wall'], cp['wall'])} of it.")
    return "\n".join(out)


def chart(runs, path, title):
    with tempfile.NamedTemporaryFile("w", suffix=".dat", delete=False) as d:
        for where in ["local", "s3"]:
            for s in STAGES:
                vals = [runs.get((where, t, s), {}).get("wall", float("nan")) for t in TOOLS]
                label = f"{s.replace('backup-', 'backup ')} ({where})"
                d.write(f'"{label}" ' + " ".join(f"{v:.2f}" for v in vals) + "\n")
        data = d.name
    script = f"""
set terminal svg size 960,480 font "sans,11"
set output "{path}"
set title "{title}"
set ylabel "wall seconds"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set xtics rotate by -30 scale 0
set key top left
set grid ytics
plot "{data}" using 2:xtic(1) title "basin", "" using 3 title "restic 0.14", "" using 4 title "borg 1.2"
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=True)


def main():
    runs, sizes = load(sys.argv[1])
    files, nbytes, path = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    gb = nbytes / 1e9
    print(f"Corpus: {files} files, {nbytes / 2**30:.2f} GiB.\n")
    print("Local disk (repositories on the same disk as the corpus):\n")
    print(table("local", runs, sizes, gb))
    if any(k[0] == "s3" for k in runs):
        print("\nOn radosgw (127.0.0.1):\n")
        print(table("s3", runs, sizes, gb))
    chart(runs, path, f"Backup, restore and check of {nbytes / 2**30:.2f} GiB, {files} files "
          "(2 cores; lower is better)")
    print(f"\nChart: {path}")


if __name__ == "__main__":
    main()

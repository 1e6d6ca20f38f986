#!/usr/bin/env python3
"""Compares `talgpu -o json probe` with `nvidia-smi -q` for the same GPUs: name, driver version,
UUID and total memory must agree. Exit 1 on any difference.

usage: probe_compare_smi.py PROBE.json SMI.txt
"""
import json
import re
import sys


def smi_gpus(text):
    driver = re.search(r"^Driver Version\s*:\s*(\S+)", text, re.M).group(1)
    gpus = []
    for block in re.split(r"^GPU [0-9A-Fa-f:.]+\s*$", text, flags=re.M)[1:]:
        name = re.search(r"^\s*Product Name\s*:\s*(.+?)\s*$", block, re.M).group(1)
        uuid = re.search(r"^\s*GPU UUID\s*:\s*(\S+)", block, re.M).group(1)
        fb = re.search(r"FB Memory Usage\s*\n\s*Total\s*:\s*(\d+) MiB", block).group(1)
        gpus.append({"name": name, "uuid": uuid, "memory_mib": int(fb)})
    return driver, gpus


def main():
    probe = json.load(open(sys.argv[1]))
    driver, gpus = smi_gpus(open(sys.argv[2]).read())
    problems = []
    if probe["driver"]["version"] != driver:
        problems.append(f"driver: probe {probe['driver']['version']} vs nvidia-smi {driver}")
    by_uuid = {g["uuid"]: g for g in gpus}
    for g in probe["gpus"]:
        s = by_uuid.get(g["uuid"])
        if s is None:
            problems.append(f"GPU {g['index']}: UUID {g['uuid']} not in nvidia-smi -q")
            continue
        if g["name"] != s["name"]:
            problems.append(f"GPU {g['index']}: name {g['name']!r} vs {s['name']!r}")
        mib = g["memory"]["total_bytes"] >> 20
        if mib != s["memory_mib"]:
            problems.append(f"GPU {g['index']}: memory {mib} MiB vs {s['memory_mib']} MiB")
        print(f"GPU {g['index']}: name {g['name']!r}, UUID {g['uuid']}, memory {mib} MiB: "
              f"{'agree' if not problems else 'see below'}")
    print(f"driver {driver}: {'agree' if probe['driver']['version'] == driver else 'differs'}")
    for p in problems:
        print("MISMATCH:", p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The same manifests as many tiny files or as few big ones, for the per-file cost benchmark.

gen_files.py OUT --workloads N [--per-file K]
  OUT/many/<d>/<i>.yaml   N files of one Deployment each (100 per folder)
  OUT/few/<j>.yaml        N/K files of K Deployments each ('---' between them)
Both trees hold the same documents (the few files add only the '---' lines) and no
kustomization.yaml, so `talgpu check OUT/many` walks the folders itself.
"""
import argparse
import os

p = argparse.ArgumentParser()
p.add_argument("out")
p.add_argument("--workloads", type=int, default=100000)
p.add_argument("--per-file", type=int, default=100)
a = p.parse_args()


def doc(i):
    return f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{i}
  namespace: team-{i % 7}
spec:
  selector:
    matchLabels:
      app: app-{i}
  template:
    metadata:
      labels:
        app: app-{i}
    spec:
      containers:
        - name: main
          image: registry.example.com/team/app:1.0
"""


for i in range(a.workloads):
    d = os.path.join(a.out, "many", f"{i // 100:05d}")
    if i % 100 == 0:
        os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"{i:06d}.yaml"), "w") as f:
        f.write(doc(i))
os.makedirs(os.path.join(a.out, "few"), exist_ok=True)
for j in range((a.workloads + a.per_file - 1) // a.per_file):
    with open(os.path.join(a.out, "few", f"{j:05d}.yaml"), "w") as f:
        f.write("---\n".join(doc(i) for i in range(j * a.per_file, min(a.workloads, (j + 1) * a.per_file))))

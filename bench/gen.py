#!/usr/bin/env python3
"""Synthetic fleets and manifest trees for the `talgpu check` benchmark.

gen.py OUT --workloads N --nodes M --shapes S
  OUT/kustomization.yaml + OUT/apps/<i>/{kustomization.yaml,deploy.yaml}  (N Deployments, 100 per folder)
  OUT/nodes.json  (M observed nodes in S shapes: labels + taints; one shape in five is a GPU shape)
The tree is plain kustomize, so `kubectl kustomize OUT` reads the same bytes.
"""
import argparse
import json
import os

p = argparse.ArgumentParser()
p.add_argument("out")
p.add_argument("--workloads", type=int, default=50000)
p.add_argument("--nodes", type=int, default=5)
p.add_argument("--shapes", type=int, default=5)
a = p.parse_args()

os.makedirs(a.out, exist_ok=True)
per_dir = 100
dirs = []
for d in range((a.workloads + per_dir - 1) // per_dir):
    name = f"apps/{d:05d}"
    dirs.append(name)
    os.makedirs(os.path.join(a.out, name), exist_ok=True)
    docs = []
    for i in range(d * per_dir, min(a.workloads, (d + 1) * per_dir)):
        shape = i % a.shapes
        gpu = shape % 5 == 0
        tol = (
            "      tolerations:\n        - key: nvidia.com/gpu\n          operator: Exists\n          effect: NoSchedule\n"
            if gpu else ""
        )
        res = "          resources:\n            limits:\n              nvidia.com/gpu: 1\n" if gpu else \
              "          resources:\n            requests:\n              cpu: 100m\n"
        docs.append(
            f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{i}
  namespace: team-{i % 7}
spec:
  replicas: 1
  selector:
    matchLabels:
      app: app-{i}
  template:
    metadata:
      labels:
        app: app-{i}
    spec:
      nodeSelector:
        example.com/pool: pool-{shape}
{tol}      containers:
        - name: main
          image: registry.example.com/team/app:{'cuda12.1' if gpu else '1.0'}
{res}""")
    with open(os.path.join(a.out, name, "deploy.yaml"), "w") as f:
        f.write("---\n".join(docs))
    with open(os.path.join(a.out, name, "kustomization.yaml"), "w") as f:
        f.write("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - deploy.yaml\n")
with open(os.path.join(a.out, "kustomization.yaml"), "w") as f:
    f.write("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n")
    for d in dirs:
        f.write(f"  - {d}\n")

items = []
for n in range(a.nodes):
    shape = n % a.shapes
    gpu = shape % 5 == 0
    node = {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": f"node-{n:05d}",
                     "labels": {"kubernetes.io/hostname": f"node-{n:05d}", "example.com/pool": f"pool-{shape}"}},
        "spec": {},
        "status": {"capacity": {"cpu": "16"}, "allocatable": {"cpu": "16"}},
    }
    if gpu:
        node["spec"]["taints"] = [{"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}]
        node["metadata"]["labels"]["nvidia.com/gpu.present"] = "true"
        node["status"]["capacity"]["nvidia.com/gpu"] = "8"
        node["status"]["allocatable"]["nvidia.com/gpu"] = "8"
    items.append(node)
with open(os.path.join(a.out, "nodes.json"), "w") as f:
    json.dump({"apiVersion": "v1", "kind": "List", "items": items}, f, indent=1)

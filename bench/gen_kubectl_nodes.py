#!/usr/bin/env python3
"""A kubectl-shaped `kubectl get nodes -o json` fleet for bench/run.sh: big nodes as a real cluster
returns them (~24 KB each: GPU feature discovery labels with a per-node timestamp, annotations,
managedFields with escaped keys, conditions, 25 images, nodeInfo), indent=4 like kubectl, map keys
sorted like Go's encoder. Two nodes in three are tainted GPU nodes; every node carries the
`example.com/pool` label (pool-0..pool-4) that bench/gen.py's workloads select on.
Usage: gen_kubectl_nodes.py OUT N"""
import json, sys, random
out, n = sys.argv[1], int(sys.argv[2])
rnd = random.Random(1)
def gfd(i):
    return {
        "nvidia.com/cuda.driver.major": "550", "nvidia.com/cuda.driver.minor": "127",
        "nvidia.com/cuda.driver.rev": "05", "nvidia.com/cuda.runtime.major": "12",
        "nvidia.com/cuda.runtime.minor": "4", "nvidia.com/gfd.timestamp": str(1732700000 + i),
        "nvidia.com/gpu.compute.major": "9", "nvidia.com/gpu.compute.minor": "0",
        "nvidia.com/gpu.count": "8", "nvidia.com/gpu.deploy.container-toolkit": "true",
        "nvidia.com/gpu.deploy.dcgm": "true", "nvidia.com/gpu.deploy.dcgm-exporter": "true",
        "nvidia.com/gpu.deploy.device-plugin": "true", "nvidia.com/gpu.deploy.driver": "pre-installed",
        "nvidia.com/gpu.deploy.gpu-feature-discovery": "true", "nvidia.com/gpu.deploy.node-status-exporter": "true",
        "nvidia.com/gpu.deploy.operator-validator": "true", "nvidia.com/gpu.family": "hopper",
        "nvidia.com/gpu.machine": "PowerEdge-XE9680", "nvidia.com/gpu.memory": "81559",
        "nvidia.com/gpu.present": "true", "nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3",
        "nvidia.com/gpu.replicas": "1", "nvidia.com/mig.capable": "true", "nvidia.com/mig.strategy": "single",
    }
items = []
for i in range(n):
    gpu = i % 3 != 0
    name = f"worker-{i:05d}.cluster.example.com"
    labels = {"beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux",
              "kubernetes.io/arch": "amd64", "kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
              "node.kubernetes.io/instance-type": "xe9680", "topology.kubernetes.io/region": "eu-west",
              "topology.kubernetes.io/zone": f"eu-west-{i % 3}", "feature.node.kubernetes.io/cpu-cpuid.AVX512F": "true",
              "feature.node.kubernetes.io/kernel-version.full": "6.12.48-talos", "feature.node.kubernetes.io/pci-10de.present": "true",
              "example.com/pool": f"pool-{i % 5}"}
    if gpu:
        labels.update(gfd(i))
    if i % 50 == 0:
        labels["node-role.kubernetes.io/control-plane"] = ""
    labels = dict(sorted(labels.items()))
    mf = [{"apiVersion": "v1", "fieldsType": "FieldsV1",
           "fieldsV1": {"f:metadata": {"f:annotations": {".": {}, "f:node.alpha.kubernetes.io/ttl": {}},
                                       "f:labels": {f"f:{k}": {} for k in labels}},
                        "f:spec": {"f:podCIDR": {}, "f:podCIDRs": {".": {}, "v:\"10.244.0.0/24\"": {}}}},
           "manager": m, "operation": "Update", "time": "2026-11-20T10:00:00Z"} for m in ("kubelet", "kube-controller-manager", "gpu-feature-discovery")]
    node = {"apiVersion": "v1", "kind": "Node",
            "metadata": {"annotations": {"cluster.x-k8s.io/cluster-name": "prod", "csi.volume.kubernetes.io/nodeid": json.dumps({"csi.tigera.io": name}),
                                         "node.alpha.kubernetes.io/ttl": "0", "nfd.node.kubernetes.io/feature-labels": ",".join(k for k in labels if k.startswith("feature")),
                                         "volumes.kubernetes.io/controller-managed-attach-detach": "true"},
                         "creationTimestamp": "2026-11-20T10:00:00Z", "labels": labels, "managedFields": mf,
                         "name": name, "resourceVersion": str(1000000 + i), "uid": f"0f9e1c2a-0000-4000-8000-{i:012d}"},
            "spec": {"podCIDR": f"10.244.{i % 256}.0/24", "podCIDRs": [f"10.244.{i % 256}.0/24"], "providerID": f"talos://metal/{name}"},
            "status": {"addresses": [{"address": f"10.4.{i // 256}.{i % 256}", "type": "InternalIP"}, {"address": name, "type": "Hostname"}],
                       "allocatable": {"cpu": "223800m", "ephemeral-storage": "3576372087584", "hugepages-1Gi": "0", "hugepages-2Mi": "0", "memory": "2113148488Ki", "pods": "110"},
                       "capacity": {"cpu": "224", "ephemeral-storage": "3880684780Ki", "hugepages-1Gi": "0", "hugepages-2Mi": "0", "memory": "2113660488Ki", "pods": "110"},
                       "conditions": [{"lastHeartbeatTime": "2026-11-27T10:00:00Z", "lastTransitionTime": "2026-11-20T10:00:00Z", "message": f"kubelet has {c}", "reason": "Kubelet" + c.replace(" ", ""), "status": "False", "type": t}
                                      for t, c in (("MemoryPressure", "sufficient memory available"), ("DiskPressure", "no disk pressure"), ("PIDPressure", "sufficient PID available"))]
                                     + [{"lastHeartbeatTime": "2026-11-27T10:00:00Z", "lastTransitionTime": "2026-11-20T10:00:00Z", "message": "kubelet is posting ready status", "reason": "KubeletReady", "status": "True", "type": "Ready"}],
                       "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
                       "images": [{"names": [f"nvcr.io/nvidia/image-{k}@sha256:{rnd.getrandbits(256):064x}", f"nvcr.io/nvidia/image-{k}:v{k}.{i % 7}.0"], "sizeBytes": rnd.randrange(10**6, 10**10)} for k in range(25)],
                       "nodeInfo": {"architecture": "amd64", "bootID": f"b-{i}", "containerRuntimeVersion": "containerd://2.0.6", "kernelVersion": "6.12.48-talos", "kubeProxyVersion": "v1.32.4", "kubeletVersion": "v1.32.4", "machineID": f"{i:032x}", "operatingSystem": "linux", "osImage": "Talos (v1.11.1)", "systemUUID": f"4c4c4544-{i:04d}"}}}
    if gpu:
        node["spec"]["taints"] = [{"effect": "NoSchedule", "key": "nvidia.com/gpu", "value": "present"}]
        for k in ("allocatable", "capacity"):
            node["status"][k]["nvidia.com/gpu"] = "8"
            node["status"][k] = dict(sorted(node["status"][k].items()))
    items.append(node)
with open(out, "w") as f:
    json.dump({"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}, f, indent=4)
    f.write("\n")

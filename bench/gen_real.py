#!/usr/bin/env python3
"""A real-shaped GitOps tree for bench/real.sh (issue 18): the YAML shapes public home-ops repos,
NVIDIA's GPU Operator assets and kube-prometheus write, in their proportions by bytes (measured
with bench/yaml_paths.cpp, bench/README.md): Flux Kustomizations with a schema comment and an
`&app` anchor used through `*app` aliases; HelmReleases whose values hold flow maps
(`{ drop: ["ALL"] }`), JSON flow lists and `|` block configs; multi-document app files
(Deployment + Service + ConfigMap); CustomResourceDefinitions with `|-`, long single-line and
(as older controller-gen wrote them) multi-line plain descriptions; Grafana dashboards as JSON in a block scalar.
Usage: gen_real.py OUT --mb 8"""
import argparse, os, random

p = argparse.ArgumentParser()
p.add_argument("out")
p.add_argument("--mb", type=float, default=8.0)
a = p.parse_args()
rnd = random.Random(18)
words = ("the controller reconciles resource status field value node pod container image driver "
         "toolkit runtime class namespace label selector taint toleration volume secret config "
         "metric scrape interval timeout replica strategy rolling update probe port service").split()

def sentence(n):
    return " ".join(rnd.choice(words) for _ in range(n))

def write(path, text):
    full = os.path.join(a.out, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w") as f:
        f.write(text)
    return len(text)

def ks(app, ns):
    return f"""---
# yaml-language-server: $schema=https://kubernetes-schemas.example/kustomize.toolkit.fluxcd.io/kustomization_v1.json
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: &app {app}
  namespace: &namespace {ns}
spec:
  commonMetadata:
    labels:
      app.kubernetes.io/name: *app
  components:
    - ../../../../components/volsync
  dependsOn:
    - name: rook-ceph-cluster
      namespace: rook-ceph
  interval: 1h
  path: ./apps/{ns}/{app}/app
  postBuild:
    substitute:
      APP: *app
      VOLSYNC_CAPACITY: 5Gi
  prune: true
  retryInterval: 2m
  sourceRef:
    kind: GitRepository
    name: flux-system
    namespace: flux-system
  targetNamespace: *namespace
  timeout: 5m
  wait: false
"""

def helmrelease(app, gpu):
    config = "\n".join(f"              {w} = {rnd.randint(1, 999)}" for w in rnd.sample(words, 8))
    res = '            limits:\n              nvidia.com/gpu: 1\n' if gpu else '            limits:\n              memory: 1Gi\n'
    return f"""---
# yaml-language-server: $schema=https://kubernetes-schemas.example/helmrelease-helm-v2.json
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: {app}
spec:
  interval: 1h
  chartRef:
    kind: OCIRepository
    name: app-template
  install:
    remediation:
      retries: -1
  upgrade:
    cleanupOnFail: true
    remediation:
      retries: 3
  values:
    controllers:
      {app}:
        annotations:
          reloader.stakater.com/auto: "true"
        pod:
          securityContext:
            runAsUser: 1000
            runAsGroup: 1000
            fsGroup: 1000
            fsGroupChangePolicy: OnRootMismatch
        containers:
          app:
            image:
              repository: ghcr.io/home-operations/{app}
              tag: 1.{rnd.randint(0, 40)}.{rnd.randint(0, 9)}@sha256:{rnd.getrandbits(256):064x}
            env:
              TZ: Etc/UTC
              {app.upper().replace('-', '_')}__PORT: &port 8080
              LOG_LEVEL: info
            args: ["--config", "/config/app.toml", "--port", "8080"]
            probes:
              liveness: &probes
                enabled: true
                custom: true
                spec:
                  httpGet:
                    path: /healthz
                    port: *port
                  initialDelaySeconds: 0
                  periodSeconds: 10
                  timeoutSeconds: 1
                  failureThreshold: 3
              readiness: *probes
            securityContext:
              allowPrivilegeEscalation: false
              readOnlyRootFilesystem: true
              capabilities: {{ drop: ["ALL"] }}
            resources:
              requests:
                cpu: 10m
{res}    service:
      app:
        ports:
          http:
            port: *port
    route:
      app:
        hostnames: ["{{{{ .Release.Name }}}}.example.com"]
        parentRefs:
          - name: envoy-internal
            namespace: network
            sectionName: https
    persistence:
      config:
        existingClaim: {app}
      config-file:
        type: configMap
        name: {app}-config
        globalMounts:
          - path: /config/app.toml
            subPath: app.toml
            readOnly: true
    configMaps:
      config:
        data:
          app.toml: |
            [server]
{config}
            # {sentence(6)}
"""

def multidoc(app, i):
    gpu = i % 5 == 0
    tol = '      tolerations:\n        - key: nvidia.com/gpu\n          operator: Exists\n          effect: NoSchedule\n      runtimeClassName: nvidia\n' if gpu else ''
    lim = '              nvidia.com/gpu: 1\n' if gpu else '              memory: 256Mi\n'
    return f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {app}
  labels:
    app.kubernetes.io/name: {app}
    app.kubernetes.io/part-of: bench
spec:
  replicas: 2
  selector:
    matchLabels:
      app.kubernetes.io/name: {app}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: {app}
    spec:
{tol}      containers:
        - name: main
          image: registry.example.com/{app}:v{i}
          ports:
            - containerPort: 8080
              name: http
          resources:
            limits:
{lim}          env:
            - name: POD_NAME
              valueFrom:
                fieldRef:
                  fieldPath: metadata.name
---
apiVersion: v1
kind: Service
metadata:
  name: {app}
spec:
  selector:
    app.kubernetes.io/name: {app}
  ports:
    - name: http
      port: 80
      targetPort: http
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {app}-script
data:
  run.sh: |-
    #!/bin/sh
    set -eu
    # {sentence(8)}
    exec /app/{app} --listen :8080 "$@"
"""

def crd(i):
    def prop(name, depth):
        ind = "  " * depth
        desc = sentence(rnd.randint(20, 60))
        r = rnd.random()
        if r < 0.4:  # controller-gen >= 0.14: block scalars
            d = f"{ind}description: |-\n" + "".join(f"{ind}  {sentence(10)}\n" for _ in range(rnd.randint(1, 4)))
        elif r < 0.6:  # older controller-gen: a plain scalar wrapped over lines
            d = f"{ind}description: {sentence(10)}\n" + "".join(f"{ind}  {sentence(10)}\n" for _ in range(rnd.randint(1, 3)))
        else:
            d = f"{ind}description: {desc}\n"
        return f"{ind[:-2]}{name}:\n{d}{ind}type: string\n"
    body = "".join(prop(f"field{j}", 9) for j in range(40))
    return f"""---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  annotations:
    controller-gen.kubebuilder.io/version: v0.16.1
  name: widgets{i}.bench.example.com
spec:
  group: bench.example.com
  names:
    kind: Widget{i}
    listKind: Widget{i}List
    plural: widgets{i}
    singular: widget{i}
  scope: Namespaced
  versions:
  - name: v1
    schema:
      openAPIV3Schema:
        description: {sentence(12)}
        properties:
          spec:
            properties:
{body}            type: object
        type: object
    served: true
    storage: true
    subresources:
      status: {{}}
"""

def dashboard(i):
    panels = ",\n".join(
        f'        {{"id": {j}, "title": "{sentence(3)}", "type": "timeseries", "targets": [{{"expr": "sum(rate(container_cpu_usage_seconds_total{{namespace=\\"ns{j}\\"}}[5m]))"}}]}}'
        for j in range(30))
    return f"""apiVersion: v1
kind: ConfigMap
metadata:
  name: dashboard-{i}
  labels:
    grafana_dashboard: "1"
data:
  dashboard-{i}.json: |-
    {{
      "title": "Dashboard {i}",
      "panels": [
{panels}
      ]
    }}
"""

target = int(a.mb * 1_000_000)
total = 0
i = 0
while total < target:
    app = f"app-{i:05d}"
    ns = f"ns-{i % 40:02d}"
    base = f"apps/{ns}/{app}"
    total += write(f"{base}/ks.yaml", ks(app, ns))
    total += write(f"{base}/app/helmrelease.yaml", helmrelease(app, i % 5 == 0))
    total += write(f"{base}/app/kustomization.yaml",
                   "---\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ./helmrelease.yaml\n  - ./workload.yaml\n")
    total += write(f"{base}/app/workload.yaml", multidoc(app, i))
    if i % 3 == 0:
        total += write(f"crds/widgets{i}.yaml", crd(i))
    if i % 4 == 0:
        total += write(f"monitoring/dashboard-{i}.yaml", dashboard(i))
    i += 1
print(f"{a.out}: {i} apps, {total / 1e6:.1f} MB")

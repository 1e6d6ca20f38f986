#include <check/rules.hpp>

#include <string_view>

#include <fmt/format.h>

namespace talgpu::check {

namespace {

// Kept sorted by id: explain lists them in this order and SARIF's rule table follows it.
const std::vector<RuleInfo> k_rules = {
    {"cuda-driver-incompatible", Severity::error,
     "a GPU container's CUDA needs a newer driver than its node runs",
     "libnvidia-container compares the image's NVIDIA_REQUIRE_CUDA (official CUDA images set it; "
     "legacy images get cuda>=<CUDA_VERSION>) with the newest CUDA the node's driver supports. When no "
     "OR group holds, the runtime refuses to start the container with \"unsatisfied condition: cuda>=X.Y, "
     "please update your driver...\". When the requirement passes through a brand/driver window, the image "
     "runs on its cuda-compat libraries, which only data-center GPUs accept (consumer cards fail with CUDA "
     "error 804). Without a requirement, CUDA initialisation fails at run time when the image's major "
     "version is newer than the driver's.",
     "use an image built for the node's CUDA version or older (the driver's ceiling is shown in the "
     "message), or move the node to a newer driver tier (the production extensions ship a newer branch).",
     "containers:\n  - name: cuda\n    image: nvcr.io/nvidia/cuda:12.2.0-base-ubuntu22.04  # <= the driver's CUDA\n"},
    {"cuda-forward-compat", Severity::warning,
     "a GPU container runs only through CUDA forward compatibility",
     "The image needs a newer CUDA than the driver supports; the official images carry cuda-compat "
     "libraries and list older driver branches in NVIDIA_REQUIRE_CUDA, so the container starts and uses "
     "them. Forward compatibility works only on NVIDIA data-center GPUs (and select RTX/Jetson SKUs).",
     "prefer an image whose CUDA is at most the driver's ceiling, or confirm the GPU is a data-center part.",
     ""},
    {"cuda-minor-compat", Severity::warning,
     "a GPU container relies on CUDA minor-version compatibility",
     "Same CUDA major, newer minor than the driver: CUDA 11+ applications run on any driver of the major's "
     "minimum branch, but features that need a newer driver fail with cudaErrorCallRequiresNewerDriver and "
     "PTX-only kernels cannot be JIT-compiled.",
     "use an image built for the driver's CUDA version, or a driver tier that supports the image's CUDA.",
     ""},
    {"gpu-conflicting-kmods", Severity::error,
     "a node lists both the proprietary and the open NVIDIA kernel-module extensions",
     "nonfree-kmod-nvidia-* and nvidia-open-gpu-kernel-modules-* build the same modules (nvidia, nvidia_uvm, "
     "nvidia_drm, nvidia_modeset); with both in the image one set fails to load or shadows the other.",
     "keep exactly one kernel-module extension: proprietary for pre-Turing GPUs, either for Turing and newer.",
     "customization:\n  systemExtensions:\n    officialExtensions:\n      - siderolabs/nonfree-kmod-nvidia-lts\n"
     "      - siderolabs/nvidia-container-toolkit-lts\n"},
    {"gpu-driver-unknown", Severity::note,
     "the NVIDIA driver of a GPU node cannot be determined for its Talos version",
     "talgpu maps each Talos release and extension tier to the driver that siderolabs/extensions ships; "
     "for a release outside that table the driver, and so the CUDA ceiling, is unknown and the CUDA checks "
     "for this node are skipped.",
     "use a Talos release the catalog knows, or check the driver on the node with "
     "'talosctl read /proc/driver/nvidia/version'.",
     ""},
    {"gpu-extension-unavailable", Severity::error,
     "an NVIDIA extension that the Image Factory does not offer for this Talos version",
     "The factory builds an installer only from extensions published for that exact Talos release; an "
     "unknown name makes the schematic (and so the installer) fail.",
     "use the names the release offers (Talos 1.8+: the -lts / -production variants).",
     ""},
    {"gpu-factory-lookup", Severity::warning,
     "the schematic behind an opaque talosImageURL could not be fetched from the Image Factory",
     "With --online talgpu asks the factory (GET /schematics/<id>) for a schematic it could not recognise "
     "offline; the answer, or the failure to get one, is reported here.",
     "declare the schematic in talconfig.yaml instead of pinning an opaque URL, so it is checked offline.",
     ""},
    {"gpu-kernel-modules-missing", Severity::error,
     "a GPU node's image carries the NVIDIA extensions but its config loads no NVIDIA kernel modules",
     "The kmod extensions blacklist nvidia, nvidia_uvm, nvidia_drm and nvidia_modeset "
     "(/usr/local/lib/modprobe.d/nvidia.conf); without machine.kernel.modules nothing loads and the "
     "container toolkit finds no GPU.",
     "load the four modules in talconfig kernelModules or a patch.",
     "machine:\n  kernel:\n    modules:\n      - name: nvidia\n      - name: nvidia_uvm\n      - name: nvidia_drm\n"
     "      - name: nvidia_modeset\n"},
    {"gpu-kmod-missing", Severity::error,
     "a node has the NVIDIA container toolkit but no NVIDIA kernel-module extension",
     "The toolkit only exposes a driver that the kernel modules provide; without nonfree-kmod-nvidia-* or "
     "nvidia-open-gpu-kernel-modules-* of the same tier there is no driver on the node.",
     "add the kernel-module extension of the toolkit's tier.",
     "customization:\n  systemExtensions:\n    officialExtensions:\n      - siderolabs/nonfree-kmod-nvidia-lts\n"
     "      - siderolabs/nvidia-container-toolkit-lts\n"},
    {"gpu-legacy-extension", Severity::warning,
     "a pre-1.8 NVIDIA extension name on a Talos release that split them into -lts and -production",
     "Talos 1.8 replaced nonfree-kmod-nvidia, nvidia-open-gpu-kernel-modules, nvidia-container-toolkit and "
     "nvidia-fabricmanager with -lts and -production variants; the factory aliases some old names to -lts, "
     "which hides which driver you get.",
     "name the tier explicitly (e.g. nonfree-kmod-nvidia-lts with nvidia-container-toolkit-lts).",
     ""},
    {"gpu-mixed-tiers", Severity::error,
     "a node mixes LTS and production NVIDIA extensions",
     "The kernel modules and the container toolkit must come from the same driver release; an -lts kmod with "
     "a -production toolkit (or the reverse) ships two driver versions and containers fail to start.",
     "use one tier for every NVIDIA extension of the node.",
     ""},
    {"gpu-request-without-runtime", Severity::error,
     "a pod requests nvidia.com/gpu but runs under runc, Talos's default runtime",
     "On Talos containerd's default runtime is runc. NVIDIA's device plugin, with its default "
     "DEVICE_LIST_STRATEGY=envvar, hands the allocated GPUs to the container as NVIDIA_VISIBLE_DEVICES, "
     "which only the NVIDIA runtime (RuntimeClass handler nvidia) turns into device nodes and driver "
     "libraries; under runc the pod starts with a GPU counted against the node and cannot use it. Not "
     "raised when the device plugin uses a CDI strategy or the node's containerd default runtime is nvidia "
     "(a machine.files entry under /etc/cri/conf.d).",
     "set runtimeClassName: nvidia on the pod.",
     "spec:\n  runtimeClassName: nvidia\n  containers:\n    - name: cuda\n      resources:\n        limits:\n          nvidia.com/gpu: 1\n"},
    {"gpu-toolkit-missing", Severity::error,
     "a node has an NVIDIA kernel-module extension but not the container toolkit",
     "Without nvidia-container-toolkit-* there is no containerd runtime 'nvidia', so RuntimeClass nvidia "
     "pods fail with 'no runtime for nvidia is configured' and the device plugin cannot start.",
     "add the container toolkit of the same tier.",
     "      - siderolabs/nvidia-container-toolkit-lts\n"},
    {"gpu-unverified", Severity::note,
     "a GPU node whose NVIDIA extensions could not be verified",
     "The node pins an opaque talosImageURL whose schematic ID is not one of the standard NVIDIA extension "
     "sets for its Talos release, so talgpu only infers a GPU node from the NVIDIA kernel modules it loads; "
     "the driver and CUDA ceiling are unknown.",
     "declare the schematic in talconfig.yaml, or run with --online to ask the factory.",
     ""},
    {"manifests-driver-unknown", Severity::warning,
     "talgpu manifests cannot tell a GPU node's NVIDIA driver, so the smoke test's CUDA image is a guess",
     "The smoke test's image is the CUDA base image of the newest CUDA every GPU node's driver supports "
     "(the oldest driver decides). A node whose schematic or installer image talgpu cannot read has no "
     "known driver, so it does not take part; the image may then be too new for that node.",
     "declare the node's schematic (or a factory talosImageURL) so the driver is known, then run talgpu "
     "manifests again.",
     ""},
    {"manifests-no-gpu-node", Severity::error,
     "talgpu manifests found no NVIDIA GPU node in talconfig.yaml",
     "The generated tree (namespace, RuntimeClass, device plugin, smoke test) is for the nodes whose "
     "schematic or talosImageURL installs the NVIDIA kernel modules and container toolkit. With none, "
     "there is nothing to generate, and nothing is written.",
     "add the NVIDIA extensions (nonfree-kmod-nvidia-lts + nvidia-container-toolkit-lts, or the "
     "production pair) to the GPU nodes' schematic.",
     "schematic:\n  customization:\n    systemExtensions:\n      officialExtensions:\n"
     "        - siderolabs/nonfree-kmod-nvidia-lts\n        - siderolabs/nvidia-container-toolkit-lts\n"},
    {"manifests-no-shared-label", Severity::warning,
     "the GPU nodes share no label that only they carry",
     "The generated RuntimeClass nvidia carries scheduling.nodeSelector so that every pod with "
     "runtimeClassName: nvidia lands on a node with the NVIDIA runtime. Without a label that the GPU "
     "nodes share and no other node has, the selector is left out and a pod that sets the runtime class "
     "without a GPU request can land on a node without the runtime (it then fails to start).",
     "give every GPU node the same label in talconfig.yaml (nodeLabels) and run talgpu manifests again.",
     "nodes:\n  - hostname: velaryon\n    nodeLabels:\n      role: gpu\n"},
    {"manifests-plugin-version", Severity::note,
     "the Talos release is newer than the device plugin pins talgpu knows",
     "talgpu pins the NVIDIA device plugin to the release that matches the container toolkit of each "
     "Talos release it knows; for an unknown (newer) Talos it uses the newest pin, which is usually "
     "right but not checked.",
     "check the device plugin's release notes for this Talos release's container toolkit.",
     ""},
    {"manifests-psa-version", Severity::warning,
     "kubernetesVersion is not a Kubernetes 1.x version, so the Pod Security labels say 'latest'",
     "The namespace's pod-security.kubernetes.io/<mode>-version labels are pinned to the cluster's "
     "Kubernetes minor so that an upgrade does not change the policy under running pods. Without a "
     "readable kubernetesVersion they are 'latest'.",
     "set kubernetesVersion in talconfig.yaml (for example 1.34.0) and run talgpu manifests again.",
     ""},
    {"manifests-read", Severity::error,
     "talgpu manifests cannot read a file of the existing output folder",
     "The output folder is compared with what talconfig.yaml generates before anything is written; a "
     "file that cannot be read (permissions, not a regular file, too large) stops the run.",
     "fix the file's permissions or remove it, then run talgpu manifests again.",
     ""},
    {"manifests-stale", Severity::warning,
     "the committed output of talgpu manifests is not what talconfig.yaml generates now",
     "The GitOps manifests (RuntimeClass scheduling, device plugin affinity, smoke test image) follow "
     "the declaration: GPU node labels and taints, the NVIDIA driver and so the CUDA ceiling. When "
     "talconfig.yaml changed after they were generated, Flux applies manifests that no longer match the "
     "nodes, e.g. a RuntimeClass that does not tolerate a new taint.",
     "run the command the message names (talgpu manifests --out <dir>) and commit the result.",
     ""},
    {"manifests-write", Severity::error,
     "talgpu manifests could not write its output folder",
     "Every file is written to a temporary file in the output folder and renamed over the old one, after "
     "all of them were generated; a file that cannot be written (a symlink, a read-only folder, a full "
     "disk) stops the run and nothing half-written is left.",
     "make the output folder writable (and not a symlink), then run talgpu manifests again.",
     ""},
    {"node-gpu-unused", Severity::warning,
     "a GPU node that no GPU workload can be scheduled on",
     "Every GPU workload in the manifests is kept off this node (taints, selectors, RuntimeClass "
     "scheduling), so its GPUs sit idle; usually a taint nobody tolerates or a label nobody selects.",
     "give the GPU workloads the node's tolerations and selectors, or fix the node's labels.",
     "tolerations:\n  - key: nvidia.com/gpu\n    operator: Exists\n    effect: NoSchedule\n"},
    {"node-label-forbidden", Severity::error,
     "a worker label that the NodeRestriction admission plugin forbids a kubelet to set",
     "Talos applies machine.nodeLabels with the node's own kubelet credentials on workers. NodeRestriction "
     "rejects kubernetes.io / k8s.io labels outside the kubelet's allowed set (node-role.kubernetes.io/* "
     "included) and node-restriction.kubernetes.io/*; the whole update fails, taints and other labels "
     "included.",
     "use a label under your own domain (example.com/role) or set it as a cluster admin.",
     "nodeLabels:\n  example.com/gpu: \"true\"\n"},
    {"node-taints-noderestriction", Severity::error,
     "a worker sets taints through machine.nodeTaints, which NodeRestriction rejects",
     "On workers Talos updates the Node with the kubelet's credentials, and NodeRestriction forbids a "
     "kubelet to modify taints; because Talos sends labels, annotations and taints in one update, the "
     "labels are lost too. talgpu's config generator moves talconfig nodeTaints of workers to the kubelet's "
     "registerWithTaints (applied once, when the Node registers), but a patch that sets machine.nodeTaints "
     "bypasses it. talconfig nodeTaints on a worker are a different condition: the note "
     "worker-taint-via-register (they apply at first registration only).",
     "set worker taints with registerWithTaints (talconfig nodeTaints do that) and change them later with "
     "kubectl taint as an admin.",
     "machine:\n  kubelet:\n    extraConfig:\n      registerWithTaints:\n        - key: nvidia.com/gpu\n          value: present\n          effect: NoSchedule\n"},
    {"nvidia-bpf-jit-harden", Severity::error,
     "a GPU node with the container toolkit keeps net.core.bpf_jit_harden at Talos's default of 2",
     "Talos's KSPP defaults set net.core.bpf_jit_harden=2; libnvidia-container then fails to edit the "
     "cgroup v2 device eBPF program (\"mount error: failed to add device rules ... last insn is not an exit "
     "or jmp\") and no GPU container starts. The Talos NVIDIA guide sets it to 1.",
     "add the sysctl to the GPU node's patches.",
     "machine:\n  sysctls:\n    net.core.bpf_jit_harden: 1\n"},
    {"nvidia-device-plugin-coverage", Severity::error,
     "the NVIDIA device plugin cannot run on a GPU node",
     "Without the device plugin pod on a node the kubelet never advertises nvidia.com/gpu there, so every "
     "GPU request stays Pending with \"Insufficient nvidia.com/gpu\". The plugin DaemonSet must tolerate "
     "all NoSchedule/NoExecute taints of each GPU node and match its selectors.",
     "add the GPU nodes' taints to the plugin's tolerations (Helm: tolerations:) and check its nodeSelector "
     "or affinity.",
     "tolerations:\n  - key: nvidia.com/gpu\n    operator: Exists\n    effect: NoSchedule\n"},
    {"nvidia-device-plugin-missing", Severity::warning,
     "GPU workloads request nvidia.com/gpu but no NVIDIA device plugin is in the manifests",
     "Only the device plugin advertises nvidia.com/gpu. It may be installed outside these manifests (GPU "
     "Operator, helm install by hand); if not, GPU pods stay Pending.",
     "add the nvidia-device-plugin HelmRelease or NVIDIA's static DaemonSet, with runtimeClassName: nvidia.",
     ""},
    {"nvidia-installer-image", Severity::error,
     "a GPU node installs or upgrades from an installer without its NVIDIA extensions",
     "machine.install.image decides what an upgrade installs. A plain ghcr.io/siderolabs/installer (or a "
     "factory installer of another schematic) has no NVIDIA extensions, so the first upgrade silently drops "
     "the driver and the toolkit.",
     "use the Image Factory installer of the node's schematic: factory.talos.dev/metal-installer/<schematic "
     "id>:<talos version> (talhelper derives it from the node's schematic when talosImageURL is unset).",
     ""},
    {"nvidia-kernel-modules", Severity::error,
     "a GPU node does not load all four NVIDIA kernel modules",
     "The Talos NVIDIA extensions blacklist nvidia, nvidia_uvm, nvidia_drm and nvidia_modeset; only modules "
     "listed in machine.kernel.modules (talconfig kernelModules) load. Without nvidia_uvm CUDA cannot "
     "allocate memory; without nvidia the GPU is invisible.",
     "list all four modules.",
     "machine:\n  kernel:\n    modules:\n      - name: nvidia\n      - name: nvidia_uvm\n      - name: nvidia_drm\n      - name: nvidia_modeset\n"},
    {"nvidia-runtime-unavailable", Severity::error,
     "a pod with the nvidia RuntimeClass can be scheduled on nodes without the NVIDIA container toolkit",
     "A RuntimeClass without scheduling (the form in Talos's NVIDIA guide) adds no nodeSelector or "
     "tolerations to its pods, so a pod that tolerates the GPU taint but selects nothing can land on any "
     "node; on a node without nvidia-container-toolkit containerd has no runtime 'nvidia' and the pod fails "
     "with: no runtime for \"nvidia\" is configured.",
     "give RuntimeClass nvidia scheduling.nodeSelector (a label only GPU nodes carry), or give the pod a "
     "nodeSelector.",
     "apiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata:\n  name: nvidia\nhandler: nvidia\nscheduling:\n"
     "  nodeSelector:\n    nvidia.com/gpu.present: \"true\"\n"},
    {"nvidia-runtimeclass", Severity::error,
     "there is no RuntimeClass `nvidia` with handler `nvidia` for the GPU nodes",
     "The NVIDIA container toolkit extension registers the containerd runtime `nvidia`; pods reach it only "
     "through a RuntimeClass whose handler is `nvidia`. A missing class rejects pods that name it; a wrong "
     "handler fails their sandboxes with \"no runtime for ... is configured\".",
     "add the RuntimeClass.",
     "apiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata:\n  name: nvidia\nhandler: nvidia\n"},
    {"nvidia-schematic-ignored", Severity::warning,
     "a GPU node's talosImageURL and its schematic name different extension sets",
     "talhelper uses talosImageURL for the installer when it is set and ignores the node's schematic there, "
     "so upgrades install what the URL's schematic holds; boot media built from the schematic (genurl image) "
     "carry the other set. The message lists the extensions that differ; when the NVIDIA ones are only in "
     "the installer, a node (re)installed from the schematic's media boots without a GPU driver.",
     "keep one source: point talosImageURL at the schematic's installer, or drop talosImageURL.",
     ""},
    {"psa-enforce", Severity::error,
     "a workload violates its namespace's Pod Security enforce level",
     "The Pod Security admission plugin rejects pods that violate the namespace's "
     "pod-security.kubernetes.io/enforce level at its enforce-version. For controllers the Deployment or "
     "DaemonSet is accepted but its pods are not created. A namespace without the label gets the cluster "
     "default: on Talos the API server's admissionControl sets enforce baseline (warn and audit restricted) "
     "with kube-system exempt, which rejects hostPath volumes, host namespaces and privileged containers; "
     "talgpu reads it, patches included, from talconfig.yaml.",
     "relax the namespace's level (GPU plugins usually need privileged) or harden the pod.",
     "metadata:\n  labels:\n    pod-security.kubernetes.io/enforce: privileged\n"},
    {"psa-namespace-unmanaged", Severity::note,
     "a workload's namespace is created by no manifest, so it gets the cluster's default Pod Security levels",
     "Namespaces created outside the manifests (kubectl create namespace, Helm's createNamespace, Flux's "
     "targetNamespace) carry no pod-security labels, so the API server applies its defaults to them; on "
     "Talos that is enforce baseline.",
     "create the namespace in the manifests with the pod-security labels its workloads need.",
     "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: gpu\n  labels:\n    pod-security.kubernetes.io/enforce: privileged\n"},
    {"psa-warn", Severity::warning,
     "a workload violates its namespace's Pod Security warn level",
     "The API server admits the object but returns a warning to kubectl and Flux for every violation of "
     "the pod-security.kubernetes.io/warn level.",
     "harden the pod or align the namespace's warn level.",
     ""},
    {"sched-gpu-capacity", Severity::warning,
     "GPU workloads request more GPUs than the nodes they fit on have",
     "The sum of nvidia.com/gpu requests (times replicas; DaemonSets once per node) over the workloads that "
     "can only land on a set of GPU nodes exceeds those nodes' GPUs, so some pods stay Pending with "
     "\"Insufficient nvidia.com/gpu\". A rough bound: it ignores pod lifetimes.",
     "lower replicas or requests, add GPU nodes, or enable time-slicing in the device plugin.",
     ""},
    {"sched-gpu-resources", Severity::error,
     "nvidia.com/gpu requests and limits that the API server rejects",
     "Extended resources cannot be overcommitted: requests must equal limits, a request needs a limit, and "
     "quantities must be whole numbers.",
     "set limits only (requests default to them) or equal requests and limits.",
     "resources:\n  limits:\n    nvidia.com/gpu: 1\n"},
    {"sched-no-node-fits", Severity::error,
     "no node can run a GPU workload",
     "The scheduler filters every node out; the message gives each node's first reason in kube-scheduler's "
     "words (untolerated taint, node affinity/selector, RuntimeClass, nodeName, Insufficient nvidia.com/gpu).",
     "add the missing tolerations or fix the selectors; the placement table shows the reason per node.",
     ""},
    {"sched-no-node-fits-non-gpu", Severity::warning,
     "no node can run a workload that uses no GPU",
     "The scheduler filters every node out; the message gives each node's first reason in kube-scheduler's "
     "words (untolerated taint, node affinity/selector, RuntimeClass, nodeName, Insufficient nvidia.com/gpu).",
     "add the missing tolerations or fix the selectors; the placement table shows the reason per node.",
     ""},
    {"sched-node-name-unknown", Severity::error,
     "spec.nodeName names a node that is neither declared nor observed",
     "A pod with nodeName bypasses the scheduler and waits forever for a kubelet of that name.",
     "use a declared hostname, or drop nodeName and select the node by label.",
     ""},
    {"sched-runtimeclass-conflict", Severity::error,
     "a pod's nodeSelector conflicts with its RuntimeClass's scheduling.nodeSelector",
     "The RuntimeClass admission plugin merges the class's nodeSelector into the pod's and rejects the pod "
     "when a key has two different values.",
     "drop the key from the pod or make both values equal.",
     ""},
    {"sched-runtimeclass-missing", Severity::error,
     "a pod names a RuntimeClass that does not exist",
     "The RuntimeClass admission plugin rejects the pod: pod rejected: RuntimeClass \"x\" not found.",
     "create the RuntimeClass (for NVIDIA: name nvidia, handler nvidia) or fix the name.",
     "apiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata:\n  name: nvidia\nhandler: nvidia\n"},
    {"secrets-envsubst", Severity::error,
     "a ${VAR} in talsecret.yaml names a variable that is not set",
     "talhelper substitutes talsecret.yaml with the talconfig's environment (talenv files, -e, the "
     "process environment) after decrypting it (pkg/talos/input.go), so secrets templated from a "
     "password manager work. A variable that is unset or empty leaves the secret unusable.",
     "set the variable in talenv.yaml / talenv.sops.yaml or the environment, or write the value.",
     ""},
    {"talos-config-invalid", Severity::error,
     "the generated machine config breaks one of Talos's own validation rules",
     "Talos validates every machine config before it applies it (pkg/machinery/config/types/v1alpha1/"
     "v1alpha1_validation.go) and refuses the whole config when a rule fails, so the node would not "
     "take it. Example: from Talos 1.12, install.extraKernelArgs cannot be used together with "
     "install.grubUseUKICmdline: true.",
     "change the field named in the message (for kernel args with grubUseUKICmdline: put them in the "
     "schematic's customization.extraKernelArgs, or set grubUseUKICmdline: false).",
     ""},
    {"worker-taint-via-register", Severity::note,
     "a worker's declared taints are registered by the kubelet instead of set through machine.nodeTaints",
     "Talos applies machine.nodeTaints with the kubelet's own credentials and the NodeRestriction admission "
     "plugin refuses taint changes from a kubelet, dropping the label update of the same request. talgpu "
     "genconfig therefore writes worker taints as machine.kubelet.extraConfig.registerWithTaints, which the "
     "kubelet applies when the Node first registers.",
     "for a node that is already registered, set the taint once as a cluster admin "
     "(kubectl taint nodes NODE key=value:Effect); --talhelper-compat restores talhelper's output.",
     "machine:\n  kubelet:\n    extraConfig:\n      registerWithTaints:\n        - key: gpu\n          value: \"true\"\n"
     "          effect: NoSchedule\n"},
    {"workload-gpu-invisible", Severity::warning,
     "a workload pinned to GPU nodes that neither requests a GPU nor uses the nvidia runtime",
     "Without nvidia.com/gpu (the device plugin injects the device) or runtimeClassName: nvidia (the toolkit "
     "hook mounts the driver) the container runs on the GPU node but sees no GPU.",
     "request the GPU, or set runtimeClassName: nvidia.",
     "runtimeClassName: nvidia\ncontainers:\n  - name: app\n    resources:\n      limits:\n        nvidia.com/gpu: 1\n"},
};

}  // namespace

const std::vector<RuleInfo>& rule_catalog() {
  return k_rules;
}

const RuleInfo* find_rule(std::string_view id) {
  for (const auto& r : k_rules) {
    if (id == r.id) {
      return &r;
    }
  }
  return nullptr;
}

std::vector<std::string> rule_ids() {
  std::vector<std::string> ids;
  for (const auto& r : k_rules) {
    ids.emplace_back(r.id);
  }
  return ids;
}

std::string explain_text(const RuleInfo& r) {
  std::string s = fmt::format("{} ({}): {}\n\nWhy: {}\n\nFix: {}\n", r.id, severity_name(r.severity), r.summary,
                              r.why, r.fix);
  if (r.snippet[0] != '\0') {
    s += "\n";
    // A plain loop: clang 14 (the fuzz build) cannot use libstdc++ 12's views::split.
    std::string_view rest(r.snippet);
    while (!rest.empty()) {
      size_t nl = rest.find('\n');
      std::string_view l = rest.substr(0, nl);
      rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
      if (!l.empty()) {
        s += fmt::format("    {}\n", l);
      }
    }
  }
  return s;
}

}  // namespace talgpu::check

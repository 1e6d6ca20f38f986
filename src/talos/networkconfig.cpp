// Translation of legacy network interfaces into Talos 1.12 network documents; see
// networkconfig.hpp for the order and where talgpu differs from talhelper. The mapping mirrors
// budimanjojo/talhelper pkg/talos/networkconfig.go (GenerateLinkAliasConfigBytes,
// GenerateBondMemberAliasConfigBytes, GenerateBondConfig, generateDHCPConfigs, GenerateVIPConfig,
// GenerateLinkConfig, GenerateVLANConfig, GenerateWireguardConfig, GenerateBridgeConfig,
// buildRouteConfig, buildDeviceSelectorCELExpression) with the fixes of talhelper issue #1391
// (VLAN parents get a LinkConfig, a route without `network` is a default route) and PR #1608 (a
// VIP inside a VLAN becomes a Layer2VIPConfig on the VLAN link). Field names of the documents
// are those of siderolabs/talos pkg/machinery/config/types/network (bond.go, link.go, vlan.go,
// dhcp4.go, dhcp6.go, layer2_vip.go, link_alias.go, wireguard.go, bridge.go).

#include <talos/networkconfig.hpp>

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <set>
#include <string>

#include <fmt/format.h>

namespace talgpu::talos {

using YNode = yaml::Node;

namespace {

constexpr const char* k_value_rule = "genconfig-interface-value";
constexpr const char* k_legacy_rule = "genconfig-interface-legacy";

const YNode* child(const YNode& n, std::string_view key) {
  return n.is_mapping() ? n.find(key) : nullptr;
}

std::string text(const YNode& n, std::string_view key) {
  const YNode* c = child(n, key);
  return c != nullptr && c->is_scalar() && !c->is_null() ? c->value() : std::string();
}

bool is_true(const YNode& n, std::string_view key) {
  const YNode* c = child(n, key);
  return c != nullptr && c->is_scalar() && c->value() == "true";
}

// Go `x > 0` on an unsigned field: a positive integer.
bool positive(const YNode& n, std::string_view key) {
  const YNode* c = child(n, key);
  if (c == nullptr || !c->is_scalar()) {
    return false;
  }
  unsigned long long v = 0;
  const std::string& s = c->value();
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && ptr == s.data() + s.size() && v > 0;
}

std::vector<const YNode*> items(const YNode& n, std::string_view key) {
  std::vector<const YNode*> out;
  if (const YNode* c = child(n, key); c != nullptr && c->is_sequence()) {
    for (const auto& item : c->items()) {
      out.push_back(&item);
    }
  }
  return out;
}

YNode header(std::string_view kind) {
  YNode d = YNode::mapping();
  d.set("apiVersion", YNode::string("v1alpha1"));
  d.set("kind", YNode::string(std::string(kind)));
  return d;
}

YNode named(std::string_view kind, const std::string& name) {
  YNode d = header(kind);
  d.set("name", YNode::string(name));
  return d;
}

// Go netip.ParseAddr followed by Addr.String(): the canonical text, or nothing.
std::optional<std::string> canonical_addr(const std::string& s, bool* v6 = nullptr) {
  std::array<unsigned char, 16> buf{};
  std::array<char, INET6_ADDRSTRLEN> out{};
  if (s.find(':') == std::string::npos) {
    if (inet_pton(AF_INET, s.c_str(), buf.data()) != 1) {
      return std::nullopt;
    }
    inet_ntop(AF_INET, buf.data(), out.data(), out.size());
    if (v6 != nullptr) {
      *v6 = false;
    }
  } else {
    if (inet_pton(AF_INET6, s.c_str(), buf.data()) != 1) {
      return std::nullopt;
    }
    inet_ntop(AF_INET6, buf.data(), out.data(), out.size());
    if (v6 != nullptr) {
      *v6 = true;
    }
  }
  return std::string(out.data());
}

// Go netip.ParsePrefix followed by Prefix.String() (the address is not masked).
std::optional<std::string> canonical_prefix(const std::string& s) {
  size_t slash = s.find('/');
  if (slash == std::string::npos) {
    return std::nullopt;
  }
  bool v6 = false;
  auto addr = canonical_addr(s.substr(0, slash), &v6);
  std::string bits = s.substr(slash + 1);
  unsigned n = 0;
  auto [ptr, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), n);
  if (!addr || bits.empty() || ec != std::errc() || ptr != bits.data() + bits.size() || n > (v6 ? 128u : 32u) ||
      (bits.size() > 1 && bits[0] == '0')) {
    return std::nullopt;
  }
  return *addr + "/" + std::to_string(n);
}

// An address of `addresses`: a prefix, or a bare address as a host prefix.
std::optional<std::string> link_address(const std::string& s) {
  if (auto p = canonical_prefix(s)) {
    return p;
  }
  bool v6 = false;
  if (auto a = canonical_addr(s, &v6)) {
    return *a + (v6 ? "/128" : "/32");
  }
  return std::nullopt;
}

class Translator {
 public:
  explicit Translator(Diagnostics& diags) : m_diags(diags) {}

  void warn_value(const YNode& at, std::string message) {
    m_diags.warning(k_value_rule, std::move(message), at.location(),
                    "talhelper leaves such a value out of the generated documents as well");
  }

  // addresses, routes and mtu (talhelper addCommonLinkConfig), onto a document.
  void add_common(YNode& doc, const YNode& src, const std::string& link) {
    YNode addresses = YNode::sequence();
    for (const YNode* a : items(src, "addresses")) {
      auto p = link_address(a->value());
      if (!p) {
        warn_value(*a, fmt::format("address '{}' of link '{}' is not an IP address or prefix", a->value(), link));
        continue;
      }
      YNode item = YNode::mapping();
      item.set("address", YNode::string(*p));
      addresses.push_back(std::move(item));
    }
    if (addresses.size() > 0) {
      doc.set("addresses", std::move(addresses));
    }
    YNode routes = YNode::sequence();
    for (const YNode* r : items(src, "routes")) {
      if (auto route = route_config(*r, link)) {
        routes.push_back(std::move(*route));
      }
    }
    if (routes.size() > 0) {
      doc.set("routes", std::move(routes));
    }
    if (positive(src, "mtu")) {
      doc.set("mtu", YNode::plain(text(src, "mtu")));
    }
  }

  std::optional<YNode> route_config(const YNode& r, const std::string& link) {
    YNode out = YNode::mapping();
    std::string network = text(r, "network");
    if (!network.empty()) {
      auto p = canonical_prefix(network);
      if (!p) {
        warn_value(*child(r, "network"),
                   fmt::format("route network '{}' of link '{}' is not a prefix; the route is left out", network, link));
        return std::nullopt;
      }
      if (*p != "0.0.0.0/0" && *p != "::/0") {
        out.set("destination", YNode::string(*p));
      }
    }
    for (const char* key : {"gateway", "source"}) {
      std::string v = text(r, key);
      if (v.empty()) {
        continue;
      }
      if (auto a = canonical_addr(v)) {
        out.set(key, YNode::string(*a));
      } else {
        warn_value(*child(r, key), fmt::format("route {} '{}' of link '{}' is not an IP address", key, v, link));
      }
    }
    for (const char* key : {"metric", "mtu"}) {
      if (positive(r, key)) {
        out.set(key, YNode::plain(text(r, key)));
      }
    }
    return out;
  }

  // DHCPv4Config / DHCPv6Config for a link (talhelper generateDHCPConfigs): IPv4 unless
  // dhcpOptions.ipv4 is false, IPv6 when dhcpOptions.ipv6 is true.
  void add_dhcp(std::vector<YNode>& docs, const std::string& link, const YNode* options) {
    const YNode empty = YNode::mapping();
    const YNode& o = options != nullptr && options->is_mapping() ? *options : empty;
    const YNode* v4 = child(o, "ipv4");
    bool ipv4 = v4 == nullptr || v4->is_null() || v4->value() == "true";
    bool ipv6 = is_true(o, "ipv6");
    for (auto [on, kind] : {std::pair{ipv4, "DHCPv4Config"}, std::pair{ipv6, "DHCPv6Config"}}) {
      if (!on) {
        continue;
      }
      YNode d = named(kind, link);
      if (positive(o, "routeMetric")) {
        d.set("routeMetric", YNode::plain(text(o, "routeMetric")));
      }
      docs.push_back(std::move(d));
    }
  }

  // talhelper buildDeviceSelectorCELExpression.
  static std::string selector_expression(const YNode& sel) {
    std::vector<std::string> terms;
    auto glob = [&](std::string_view key, std::string_view field) {
      std::string v = text(sel, key);
      if (!v.empty()) {
        terms.push_back(fmt::format("glob(\"{}\", {})", v, field));
      }
    };
    glob("hardwareAddr", "mac(link.hardware_addr)");
    glob("permanentAddr", "mac(link.permanent_addr)");
    glob("busPath", "link.bus_path");
    glob("driver", "link.driver");
    glob("pciID", "link.pciid");
    if (const YNode* phys = child(sel, "physical"); phys != nullptr && phys->is_scalar() && !phys->is_null()) {
      terms.push_back(phys->value() == "true" ? "link.type == 1" : "link.type != 1");
    }
    std::string out;
    for (const auto& t : terms) {
      out += (out.empty() ? "" : " && ") + t;
    }
    return out;
  }

  static YNode alias_doc(const std::string& name, const std::string& expr) {
    YNode d = named("LinkAliasConfig", name);
    d.set("selector", YNode::mapping()).set("match", YNode::string(expr));
    return d;
  }

  void set_enum(YNode& doc, const YNode& bond, std::string_view from, std::string_view to,
                std::initializer_list<std::string_view> names, const std::string& link) {
    std::string v = text(bond, from);
    if (v.empty()) {
      return;
    }
    if (std::find(names.begin(), names.end(), v) == names.end()) {
      warn_value(*child(bond, from), fmt::format("bond {} '{}' of '{}' is not one of Talos's names", from, v, link));
      return;
    }
    doc.set(to, YNode::string(v));
  }

  YNode bond_config(const YNode& device, const std::string& name) {
    const YNode& bond = *child(device, "bond");
    YNode d = named("BondConfig", name);
    YNode links = YNode::sequence();
    for (const YNode* l : items(bond, "interfaces")) {
      links.push_back(YNode::string(l->value()));
    }
    for (size_t i = 0; i < items(bond, "deviceSelectors").size(); ++i) {
      links.push_back(YNode::string(fmt::format("{}-m{}", name, i)));
    }
    if (links.size() > 0) {
      d.set("links", std::move(links));
    }
    // siderolabs/talos pkg/machinery/nethelpers (bondmode.go, bondxmithashpolicy.go, lacprate.go,
    // arpvalidate.go, arpalltargets.go, primaryreselect.go, failovermac.go, adselect.go).
    set_enum(d, bond, "mode", "bondMode",
             {"balance-rr", "active-backup", "balance-xor", "broadcast", "802.3ad", "balance-tlb", "balance-alb"}, name);
    if (text(bond, "mode").empty()) {
      m_diags.warning(k_value_rule, fmt::format("bond '{}' has no mode; Talos requires BondConfig.bondMode", name),
                      child(device, "bond")->location());
    }
    set_enum(d, bond, "xmitHashPolicy", "xmitHashPolicy",
             {"layer2", "layer3+4", "layer2+3", "encap2+3", "encap3+4", "vlan+srcmac"}, name);
    set_enum(d, bond, "lacpRate", "lacpRate", {"slow", "fast"}, name);
    set_enum(d, bond, "arpValidate", "arpValidate",
             {"none", "active", "backup", "all", "filter", "filter-active", "filter-backup"}, name);
    set_enum(d, bond, "arpAllTargets", "arpAllTargets", {"any", "all"}, name);
    set_enum(d, bond, "primaryReselect", "primaryReselect", {"always", "better", "failure"}, name);
    set_enum(d, bond, "failOverMac", "failOverMac", {"none", "active", "follow"}, name);
    set_enum(d, bond, "adSelect", "adSelect", {"stable", "bandwidth", "count"}, name);
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 14> k_numbers = {{
        {"miimon", "miimon"},
        {"updelay", "updelay"},
        {"downdelay", "downdelay"},
        {"arpInterval", "arpInterval"},
        {"resendIgmp", "resendIGMP"},
        {"minLinks", "minLinks"},
        {"lpInterval", "lpInterval"},
        {"packetsPerSlave", "packetsPerSlave"},
        {"numPeerNotif", "numPeerNotif"},
        {"tlbDynamicLb", "tlbLogicalLb"},
        {"allSlavesActive", "allSlavesActive"},
        {"adActorSysPrio", "adActorSysPrio"},
        {"adUserPortKey", "adUserPortKey"},
        {"peerNotifyDelay", "peerNotifDelay"},
    }};
    for (const auto& [from, to] : k_numbers) {
      if (positive(bond, from)) {
        d.set(to, YNode::plain(text(bond, from)));
      }
    }
    if (const YNode* uc = child(bond, "useCarrier"); uc != nullptr && uc->is_scalar() && !uc->is_null()) {
      d.set("useCarrier", YNode::boolean(uc->value() == "true"));
    }
    YNode targets = YNode::sequence();
    for (const YNode* t : items(bond, "arpIPTarget")) {
      if (auto a = canonical_addr(t->value())) {
        targets.push_back(YNode::string(*a));
      } else {
        warn_value(*t, fmt::format("bond arpIPTarget '{}' of '{}' is not an IP address", t->value(), name));
      }
    }
    if (targets.size() > 0) {
      d.set("arpIpTargets", std::move(targets));
    }
    add_common(d, device, name);
    return d;
  }

  YNode wireguard_config(const YNode& device, const std::string& name) {
    const YNode& wg = *child(device, "wireguard");
    YNode d = named("WireguardConfig", name);
    if (std::string key = text(wg, "privateKey"); !key.empty()) {
      d.set("privateKey", YNode::string(key));
    }
    for (const char* key : {"listenPort", "firewallMark"}) {
      if (positive(wg, key)) {
        d.set(key, YNode::plain(text(wg, key)));
      }
    }
    YNode peers = YNode::sequence();
    for (const YNode* p : items(wg, "peers")) {
      YNode peer = YNode::mapping();
      if (std::string key = text(*p, "publicKey"); !key.empty()) {
        peer.set("publicKey", YNode::string(key));
      }
      if (std::string ep = text(*p, "endpoint"); !ep.empty()) {
        // netip.ParseAddrPort: host:port or [v6]:port.
        size_t colon = ep.rfind(':');
        std::string host = colon == std::string::npos ? std::string() : ep.substr(0, colon);
        if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
          host = host.substr(1, host.size() - 2);
        }
        auto addr = canonical_addr(host);
        std::string port = colon == std::string::npos ? std::string() : ep.substr(colon + 1);
        unsigned n = 0;
        auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
        if (addr && !port.empty() && ec == std::errc() && ptr == port.data() + port.size() && n <= 65535) {
          peer.set("endpoint", YNode::string(addr->find(':') != std::string::npos ? "[" + *addr + "]:" + port
                                                                                    : *addr + ":" + port));
        } else {
          warn_value(*child(*p, "endpoint"),
                     fmt::format("wireguard endpoint '{}' of '{}' is not an IP:port", ep, name));
        }
      }
      if (const YNode* k = child(*p, "persistentKeepaliveInterval"); k != nullptr && k->is_scalar() && !k->is_null() &&
                                                                      k->value() != "0" && k->value() != "0s") {
        peer.set("persistentKeepaliveInterval", YNode::string(k->value()));
      }
      YNode allowed = YNode::sequence();
      for (const YNode* ip : items(*p, "allowedIPs")) {
        if (auto pr = canonical_prefix(ip->value())) {
          allowed.push_back(YNode::string(*pr));
        } else {
          warn_value(*ip, fmt::format("wireguard allowedIPs '{}' of '{}' is not a prefix", ip->value(), name));
        }
      }
      if (allowed.size() > 0) {
        peer.set("allowedIPs", std::move(allowed));
      }
      peers.push_back(std::move(peer));
    }
    if (peers.size() > 0) {
      d.set("peers", std::move(peers));
    }
    add_common(d, device, name);
    return d;
  }

  YNode bridge_config(const YNode& device, const std::string& name) {
    const YNode& br = *child(device, "bridge");
    YNode d = named("BridgeConfig", name);
    YNode links = YNode::sequence();
    for (const YNode* l : items(br, "interfaces")) {
      links.push_back(YNode::string(l->value()));
    }
    if (links.size() > 0) {
      d.set("links", std::move(links));
    }
    if (const YNode* stp = child(br, "stp"); stp != nullptr) {
      if (const YNode* en = child(*stp, "enabled"); en != nullptr && en->is_scalar() && !en->is_null()) {
        d.set("stp", YNode::mapping()).set("enabled", YNode::boolean(en->value() == "true"));
      }
    }
    if (const YNode* vlan = child(br, "vlan"); vlan != nullptr) {
      if (const YNode* f = child(*vlan, "vlanFiltering"); f != nullptr && f->is_scalar() && !f->is_null()) {
        d.set("vlan", YNode::mapping()).set("filtering", YNode::boolean(f->value() == "true"));
      }
    }
    add_common(d, device, name);
    return d;
  }

  // A Layer2VIPConfig when the vip has an ip.
  static void add_vip(std::vector<YNode>& docs, const YNode& owner, const std::string& link) {
    const YNode* vip = child(owner, "vip");
    if (vip == nullptr) {
      return;
    }
    std::string ip = text(*vip, "ip");
    if (ip.empty()) {
      return;
    }
    YNode d = named("Layer2VIPConfig", ip);
    d.set("link", YNode::string(link));
    docs.push_back(std::move(d));
  }

  std::vector<YNode> translate(std::vector<const YNode*> devices) {
    // Names: `interface`, or for a selector-only device the first free name of its kind
    // (talhelper assigns it while writing the aliases and every later document uses it).
    std::vector<std::string> names;
    std::set<std::string> used;
    for (const YNode* d : devices) {
      names.push_back(text(*d, "interface"));
      if (!names.back().empty()) {
        used.insert(names.back());
      }
    }
    std::vector<YNode> docs;
    int eth = 0;
    int bond = 0;
    int br = 0;
    int wg = 0;
    for (size_t i = 0; i < devices.size(); ++i) {
      const YNode* sel = child(*devices[i], "deviceSelector");
      if (sel == nullptr || sel->is_null()) {
        continue;
      }
      if (names[i].empty()) {
        auto next = [&](const char* prefix, int& counter) {
          std::string n;
          do {
            n = fmt::format("{}{}", prefix, counter++);
          } while (used.count(n) != 0);
          return n;
        };
        if (child(*devices[i], "bond") != nullptr) {
          names[i] = next("bond", bond);
        } else if (child(*devices[i], "bridge") != nullptr) {
          names[i] = next("br", br);
        } else if (child(*devices[i], "wireguard") != nullptr) {
          names[i] = next("wg", wg);
        } else {
          names[i] = next("ethSel", eth);
        }
        used.insert(names[i]);
      }
      std::string expr = selector_expression(*sel);
      if (!expr.empty()) {
        docs.push_back(alias_doc(names[i], expr));
      }
    }
    auto each = [&](auto&& fn) {
      for (size_t i = 0; i < devices.size(); ++i) {
        fn(*devices[i], names[i]);
      }
    };
    each([&](const YNode& d, const std::string& name) {
      if (const YNode* b = child(d, "bond")) {
        auto sels = items(*b, "deviceSelectors");
        for (size_t k = 0; k < sels.size(); ++k) {
          std::string expr = selector_expression(*sels[k]);
          if (!expr.empty()) {
            docs.push_back(alias_doc(fmt::format("{}-m{}", name, k), expr));
          }
        }
      }
    });
    each([&](const YNode& d, const std::string& name) {
      if (child(d, "bond") != nullptr) {
        docs.push_back(bond_config(d, name));
      }
    });
    each([&](const YNode& d, const std::string& name) {
      if (is_true(d, "dhcp")) {
        add_dhcp(docs, name, child(d, "dhcpOptions"));
      }
    });
    each([&](const YNode& d, const std::string& name) { add_vip(docs, d, name); });
    each([&](const YNode& d, const std::string& name) {
      if (child(d, "bond") != nullptr || child(d, "bridge") != nullptr || child(d, "wireguard") != nullptr) {
        return;
      }
      if (items(d, "addresses").empty() && items(d, "routes").empty() && !positive(d, "mtu")) {
        return;
      }
      YNode link = named("LinkConfig", name);
      add_common(link, d, name);
      docs.push_back(std::move(link));
    });
    each([&](const YNode& d, const std::string& name) {
      for (const YNode* v : items(d, "vlans")) {
        if (!positive(*v, "vlanId")) {
          if (child(*v, "vlanId") != nullptr) {
            warn_value(*child(*v, "vlanId"), fmt::format("vlanId of a VLAN on '{}' is not a positive number", name));
          }
          continue;
        }
        std::string vname = name + "." + text(*v, "vlanId");
        YNode vd = named("VLANConfig", vname);
        vd.set("vlanID", YNode::plain(text(*v, "vlanId")));
        vd.set("parent", YNode::string(name));
        add_common(vd, *v, vname);
        docs.push_back(std::move(vd));
        if (is_true(*v, "dhcp")) {
          add_dhcp(docs, vname, child(*v, "dhcpOptions"));
        }
        add_vip(docs, *v, vname);
      }
    });
    each([&](const YNode& d, const std::string& name) {
      if (child(d, "wireguard") != nullptr) {
        docs.push_back(wireguard_config(d, name));
      }
    });
    each([&](const YNode& d, const std::string& name) {
      if (child(d, "bridge") != nullptr) {
        docs.push_back(bridge_config(d, name));
      }
    });
    return docs;
  }

 private:
  Diagnostics& m_diags;
};

// The first field of a device that has no place in the network documents, or nullptr.
const YNode* untranslatable(const YNode& device, std::string* what) {
  auto flag = [&](const YNode& owner, std::string_view key, std::string_view label) -> const YNode* {
    const YNode* c = child(owner, key);
    if (c == nullptr || c->is_null() || (c->is_scalar() && c->value() == "false")) {
      return nullptr;
    }
    *what = std::string(label);
    return c;
  };
  for (auto [key, label] : {std::pair{"ignore", "ignore"}, std::pair{"dummy", "dummy"},
                            std::pair{"bridgePort", "bridgePort"}}) {
    if (const YNode* c = flag(device, key, label)) {
      return c;
    }
  }
  if (device.is_mapping() && text(device, "interface").empty() && child(device, "deviceSelector") == nullptr) {
    *what = "a device without interface or deviceSelector";
    return &device;
  }
  auto dhcp_options = [&](const YNode& owner, std::string_view prefix) -> const YNode* {
    if (const YNode* o = child(owner, "dhcpOptions")) {
      return flag(*o, "duidv6", std::string(prefix) + "dhcpOptions.duidv6");
    }
    return nullptr;
  };
  auto vip = [&](const YNode& owner, std::string_view prefix) -> const YNode* {
    if (const YNode* v = child(owner, "vip")) {
      for (const char* key : {"equinixMetal", "hcloud"}) {
        if (const YNode* c = flag(*v, key, std::string(prefix) + "vip." + key)) {
          return c;
        }
      }
    }
    return nullptr;
  };
  if (const YNode* c = dhcp_options(device, "")) {
    return c;
  }
  if (const YNode* c = vip(device, "")) {
    return c;
  }
  if (const YNode* b = child(device, "bond")) {
    for (const char* key : {"primary", "adActorSystem"}) {
      if (const YNode* c = flag(*b, key, std::string("bond.") + key)) {
        return c;
      }
    }
  }
  for (const YNode* v : items(device, "vlans")) {
    if (const YNode* c = dhcp_options(*v, "vlans[].")) {
      return c;
    }
    if (const YNode* c = vip(*v, "vlans[].")) {
      return c;
    }
  }
  return nullptr;
}

}  // namespace

NetworkTranslation translate_network_interfaces(const YNode& interfaces, bool talhelper_compat, Diagnostics& diags) {
  NetworkTranslation out;
  if (!interfaces.is_sequence()) {
    return out;
  }
  Translator t(diags);
  std::vector<const YNode*> translated;
  YNode legacy = YNode::sequence();
  for (const auto& device : interfaces.items()) {
    if (!device.is_mapping()) {
      continue;
    }
    std::string what;
    const YNode* bad = talhelper_compat ? nullptr : untranslatable(device, &what);
    if (bad != nullptr) {
      std::string name = text(device, "interface");
      diags.warning(k_legacy_rule,
                    fmt::format("network interface{} stays in the deprecated machine.network.interfaces: {} has no "
                                "equivalent in Talos's network documents",
                                name.empty() ? "" : " '" + name + "'", what),
                    bad->location(),
                    "Talos 1.12 still applies machine.network.interfaces; talhelper would write this device in both "
                    "forms (see --talhelper-compat)");
      legacy.push_back(device);
      continue;
    }
    translated.push_back(&device);
  }
  out.documents = t.translate(translated);
  if (talhelper_compat) {
    out.legacy = interfaces;  // talhelper pkg/talos/nodeconfig.go applyNodeOverride keeps them all
  } else if (legacy.size() > 0) {
    out.legacy = std::move(legacy);
  }
  return out;
}

}  // namespace talgpu::talos

#pragma once
// talhelper's `networkInterfaces` on Talos 1.12 and later (budimanjojo/talhelper
// pkg/talos/networkconfig.go, called from pkg/talos/multidocs.go genMultiDocs when the version
// contract has MultidocNetworkConfigSupported, i.e. contract > 1.11): each legacy v1alpha1
// `Device` becomes Talos's multi-document network config (siderolabs/talos
// pkg/machinery/config/types/network/*.go).
//
// Documents come in talhelper's order, each kind over all devices before the next kind:
// LinkAliasConfig (devices with a deviceSelector; the name is `interface`, else the first free
// ethSelN/bondN/brN/wgN), bond member LinkAliasConfigs (`<bond>-m<i>` per bond deviceSelector),
// BondConfig, DHCPv4Config/DHCPv6Config, Layer2VIPConfig, LinkConfig (addresses, routes, mtu;
// plain links and VLAN parents), VLANConfig `<parent>.<id>` each followed by its DHCP and VIP
// documents, WireguardConfig, BridgeConfig. A device selector becomes a CEL expression of
// `glob()` terms joined with `&&`; a default route (0.0.0.0/0, ::/0 or no network) leaves out
// its destination; a bare address gets /32 or /128.
//
// talhelper also keeps the whole list in the deprecated `machine.network.interfaces`, so Talos
// configures every link twice. talgpu does that only with `talhelper_compat`; otherwise a
// device moves to the documents when every field it sets has a place there, and a device with a
// field that has none (ignore, dummy, bridgePort, dhcpOptions.duidv6, bond primary or
// adActorSystem, Equinix Metal / Hetzner VIPs) stays whole in the legacy list with a warning
// (rule `genconfig-interface-legacy`), since half-translating it would drop that setting.
// Values talhelper silently drops (an address or route that does not parse, an unknown bond
// mode) are warnings (rule `genconfig-interface-value`) in both modes.

#include <core/diagnostic.hpp>
#include <yaml/node.hpp>

#include <optional>
#include <vector>

namespace talgpu::talos {

struct NetworkTranslation {
  std::vector<yaml::Node> documents;  // in talhelper's order
  std::optional<yaml::Node> legacy;   // what stays in machine.network.interfaces (a sequence); none = drop the key
};

// `interfaces` is the talconfig `networkInterfaces` sequence (positions are used for diagnostics).
NetworkTranslation translate_network_interfaces(const yaml::Node& interfaces, bool talhelper_compat,
                                                Diagnostics& diags);

}  // namespace talgpu::talos

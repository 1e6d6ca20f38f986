#pragma once
// The optional online side of the Image Factory (siderolabs/image-factory
// internal/frontend/http/http.go routes): POST /schematics to register a schematic, GET
// /schematics/<id> to read one back. talgpu computes IDs offline; online mode exists to prove
// that the factory agrees (talhelper requires 201 Created and trusts the returned id -- we also
// compare it with ours) and to identify an opaque ID copied from the factory web page.

#include <string>
#include <string_view>

#include <core/error.hpp>
#include <core/http.hpp>
#include <imagefactory/schematic.hpp>
#include <imagefactory/settings.hpp>

namespace talgpu::imagefactory {

class FactoryClient {
 public:
  // `base_url` is `<protocol>://<registry>` (factory_base_url); `endpoint` the schematic path.
  FactoryClient(http::Transport& transport, std::string base_url, std::string endpoint = "/schematics");
  FactoryClient(http::Transport& transport, const ImageFactory& settings);

  // POSTs the canonical YAML. Requires 201 and a JSON {"id": ...} equal to schematic_id(s)
  // (rules `factory-http`, `factory-response`, `factory-id-mismatch`). Returns the ID.
  Result<std::string> submit(const Schematic& s);
  // GETs a schematic by ID and parses it strictly; checks that it hashes to `id`.
  // A 404 is an error with rule `factory-not-found`.
  Result<Schematic> fetch(std::string_view id);

  const std::string& schematics_url() const { return m_url; }

 private:
  http::Transport& m_transport;
  std::string m_url;
};

}  // namespace talgpu::imagefactory

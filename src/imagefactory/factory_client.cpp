#include <imagefactory/factory_client.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <core/strings.hpp>
#include <imagefactory/image_factory.hpp>

namespace talgpu::imagefactory {

namespace {

std::string status_excerpt(const http::Response& r) {
  std::string body(trim(r.body.substr(0, 200)));
  return body.empty() ? fmt::format("HTTP {}", r.status) : fmt::format("HTTP {}: {}", r.status, body);
}

}  // namespace

FactoryClient::FactoryClient(http::Transport& transport, std::string base_url, std::string endpoint)
    : m_transport(transport), m_url(std::move(base_url) + std::move(endpoint)) {}

FactoryClient::FactoryClient(http::Transport& transport, const ImageFactory& settings)
    : FactoryClient(transport, factory_base_url(settings), settings.schematic_endpoint) {}

Result<std::string> FactoryClient::submit(const Schematic& s) {
  http::Request req;
  req.method = "POST";
  req.url = m_url;
  req.body = canonical_yaml(s);
  req.headers = {{"Content-Type", "application/yaml"}, {"Accept", "application/json"}};
  TRY_ASSIGN(http::Response resp, m_transport.send(req));
  if (resp.status != 201) {
    return fail(fmt::format("POST {}: the factory did not reply 201 Created ({})", m_url, status_excerpt(resp)), {},
                "factory-http");
  }
  auto j = nlohmann::json::parse(resp.body, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("id") || !j["id"].is_string()) {
    return fail(fmt::format("POST {}: the reply is not a JSON object with a string \"id\"", m_url), {},
                "factory-response");
  }
  std::string id = j["id"].get<std::string>();
  std::string ours = schematic_id(s);
  if (id != ours) {
    return fail(fmt::format("POST {}: the factory returned schematic ID {} but the offline ID is {}", m_url, id, ours),
                s.location, "factory-id-mismatch");
  }
  return id;
}

Result<Schematic> FactoryClient::fetch(std::string_view id) {
  if (!looks_like_schematic_id(id)) {
    return fail(fmt::format("{} is not a schematic ID (64 lowercase hex characters)", talgpu::quoted(id)), {},
                "factory-response");
  }
  http::Request req;
  req.url = m_url + "/" + std::string(id);
  req.headers = {{"Accept", "application/yaml"}};
  TRY_ASSIGN(http::Response resp, m_transport.send(req));
  if (resp.status == 404) {
    return fail(fmt::format("GET {}: the factory does not know schematic {}", req.url, id), {}, "factory-not-found");
  }
  if (resp.status != 200) {
    return fail(fmt::format("GET {}: {}", req.url, status_excerpt(resp)), {}, "factory-http");
  }
  auto parsed = parse_schematic_text(resp.body, req.url);
  if (!parsed) {
    return fail(fmt::format("GET {}: the factory's schematic does not parse: {}", req.url, parsed.error().message), {},
                "factory-response");
  }
  std::string got = schematic_id(*parsed);
  if (got != id) {
    return fail(fmt::format("GET {}: the returned schematic hashes to {}, not {}", req.url, got, id), {},
                "factory-id-mismatch");
  }
  return std::move(*parsed);
}

}  // namespace talgpu::imagefactory

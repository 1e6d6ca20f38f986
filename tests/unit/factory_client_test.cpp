// The online Image Factory client against a loopback HTTPS server whose CA the client trusts
// explicitly (verification stays on). Server behaviour follows image-factory
// internal/frontend/http/http.go: POST /schematics -> 201 {"id"}, GET /schematics/<id> -> YAML.
#include <gtest/gtest.h>

#include <core/http.hpp>
#include <imagefactory/factory_client.hpp>
#include <imagefactory/schematic.hpp>

#include "support/https_server.hpp"

using namespace talgpu;
using namespace talgpu::imagefactory;

namespace {

std::unique_ptr<http::Transport> trusting(const test::HttpsServer& server) {
  http::TransportOptions opts;
  opts.tls.ca_pem = server.ca_pem();
  return http::make_curl_transport(opts);
}

// A fake factory that hashes what it receives, as the real one does after re-marshalling.
void serve_factory(test::HttpsServer& server) {
  server.route("POST", "/schematics", [](const test::RecordedRequest& r) {
    auto s = parse_schematic_text(r.body, "body");
    if (!s) {
      return test::ServerResponse{400, {}, s.error().message};
    }
    return test::ServerResponse{201, {{"Content-Type", "application/json"}},
                                "{\"id\":\"" + schematic_id(*s) + "\"}"};
  });
}

Schematic nvidia_lts() {
  return schematic_with_extensions({"siderolabs/nonfree-kmod-nvidia-lts", "siderolabs/nvidia-container-toolkit-lts"});
}

}  // namespace

TEST(FactoryClient, SubmitPostsCanonicalYamlAndChecksTheId) {
  test::HttpsServer server;
  serve_factory(server);
  auto transport = trusting(server);
  FactoryClient client(*transport, server.url());
  auto id = client.submit(nvidia_lts());
  ASSERT_TRUE(id.has_value()) << id.error().describe();
  EXPECT_EQ(*id, schematic_id(nvidia_lts()));
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].path, "/schematics");
  EXPECT_EQ(reqs[0].body, canonical_yaml(nvidia_lts()));
  EXPECT_EQ(reqs[0].header("Content-Type"), "application/yaml");
}

TEST(FactoryClient, UsesImageFactorySettings) {
  test::HttpsServer server;
  serve_factory(server);
  server.route("POST", "/custom/schematics", [](const test::RecordedRequest&) {
    return test::ServerResponse{201, {}, "{\"id\":\"" + std::string(k_empty_schematic_id) + "\"}"};
  });
  auto transport = trusting(server);
  ImageFactory f;
  f.registry_url = server.url().substr(8);  // host:port
  f.schematic_endpoint = "/custom/schematics";
  FactoryClient client(*transport, f);
  EXPECT_EQ(client.schematics_url(), server.url() + "/custom/schematics");
  auto id = client.submit(Schematic{});
  ASSERT_TRUE(id.has_value()) << id.error().describe();
  EXPECT_EQ(*id, k_empty_schematic_id);
}

TEST(FactoryClient, RequiresCreated) {
  test::HttpsServer server;
  server.route("POST", "/schematics", [](const test::RecordedRequest&) {
    return test::ServerResponse{200, {}, "{\"id\":\"" + std::string(k_empty_schematic_id) + "\"}"};
  });
  auto transport = trusting(server);
  FactoryClient client(*transport, server.url());
  auto id = client.submit(Schematic{});
  ASSERT_FALSE(id.has_value());
  EXPECT_EQ(id.error().rule, "factory-http");
  EXPECT_NE(id.error().message.find("did not reply 201 Created (HTTP 200"), std::string::npos) << id.error().message;
}

TEST(FactoryClient, RejectsAnIdThatDiffersFromOurs) {
  test::HttpsServer server;
  server.route("POST", "/schematics", [](const test::RecordedRequest&) {
    return test::ServerResponse{201, {}, "{\"id\":\"" + std::string(64, 'a') + "\"}"};
  });
  auto transport = trusting(server);
  FactoryClient client(*transport, server.url());
  auto id = client.submit(nvidia_lts());
  ASSERT_FALSE(id.has_value());
  EXPECT_EQ(id.error().rule, "factory-id-mismatch");
}

TEST(FactoryClient, RejectsMalformedReplies) {
  test::HttpsServer server;
  server.route("POST", "/schematics", [](const test::RecordedRequest&) { return test::ServerResponse{201, {}, "ok"}; });
  auto transport = trusting(server);
  FactoryClient client(*transport, server.url());
  auto id = client.submit(Schematic{});
  ASSERT_FALSE(id.has_value());
  EXPECT_EQ(id.error().rule, "factory-response");
}

TEST(FactoryClient, FetchReadsAndVerifiesASchematic) {
  test::HttpsServer server;
  std::string id = schematic_id(nvidia_lts());
  server.route("GET", "/schematics/" + id, [](const test::RecordedRequest&) {
    // The factory returns its canonical YAML; any formatting must give the same ID.
    return test::ServerResponse{200, {{"Content-Type", "application/yaml"}},
                                "customization:\n  systemExtensions:\n    officialExtensions: "
                                "[siderolabs/nonfree-kmod-nvidia-lts, siderolabs/nvidia-container-toolkit-lts]\n"};
  });
  auto transport = trusting(server);
  FactoryClient client(*transport, server.url());
  auto s = client.fetch(id);
  ASSERT_TRUE(s.has_value()) << s.error().describe();
  EXPECT_EQ(s->customization.official_extensions, nvidia_lts().customization.official_extensions);

  auto missing = client.fetch(std::string(64, 'b'));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().rule, "factory-not-found");
  auto bad = client.fetch("not-an-id");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(server.requests().size(), 2u);  // the malformed ID never left the process
}

TEST(FactoryClient, FetchRejectsASchematicThatHashesElsewhere) {
  test::HttpsServer server;
  server.route("GET", "/schematics/*", [](const test::RecordedRequest&) {
    return test::ServerResponse{200, {}, "customization: {}\n"};
  });
  auto transport = trusting(server);
  FactoryClient client(*transport, server.url());
  auto s = client.fetch(schematic_id(nvidia_lts()));
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().rule, "factory-id-mismatch");
}

TEST(HttpTransport, RefusesAnUntrustedServer) {
  test::HttpsServer server;
  serve_factory(server);
  auto transport = http::make_curl_transport();  // system CAs only: the test CA is unknown
  auto r = transport->send(http::Request{"GET", server.url() + "/schematics", {}, {}});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().rule, "http-transport");
}

TEST(HttpTransport, PresentsAClientCertificateFromMemory) {
  test::HttpsServer server(test::HttpsServerOptions{true});
  server.route("GET", "/api", [](const test::RecordedRequest& r) {
    return test::ServerResponse{200, {{"X-Who", r.client_cn}}, "hello " + r.client_cn};
  });
  test::TestCert cert = server.issue_client_cert("system:admin");
  http::TransportOptions opts;
  opts.tls = http::TlsOptions{server.ca_pem(), cert.cert_pem, cert.key_pem};
  auto transport = http::make_curl_transport(opts);
  auto r = transport->send(http::Request{"GET", server.url() + "/api?watch=1", {{"Accept", "text/plain"}}, {}});
  ASSERT_TRUE(r.has_value()) << r.error().describe();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello system:admin");
  EXPECT_EQ(r->header("x-who"), "system:admin");
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].query, "watch=1");
  EXPECT_EQ(reqs[0].header("Accept"), "text/plain");

  // Without a certificate, or with one from another CA, the handshake fails.
  http::TransportOptions anon;
  anon.tls.ca_pem = server.ca_pem();
  EXPECT_FALSE(http::make_curl_transport(anon)->send(http::Request{"GET", server.url() + "/api", {}, {}}).has_value());
  test::TestCert foreign = test::HttpsServer::foreign_cert("intruder");
  http::TransportOptions bad;
  bad.tls = http::TlsOptions{server.ca_pem(), foreign.cert_pem, foreign.key_pem};
  EXPECT_FALSE(http::make_curl_transport(bad)->send(http::Request{"GET", server.url() + "/api", {}, {}}).has_value());
}

TEST(HttpTransport, LimitsResponseSize) {
  test::HttpsServer server;
  server.route("GET", "/big", [](const test::RecordedRequest&) {
    return test::ServerResponse{200, {}, std::string(100000, 'x')};
  });
  http::TransportOptions opts;
  opts.tls.ca_pem = server.ca_pem();
  opts.max_response_bytes = 1000;
  auto r = http::make_curl_transport(opts)->send(http::Request{"GET", server.url() + "/big", {}, {}});
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("larger than 1000 bytes"), std::string::npos) << r.error().message;
}

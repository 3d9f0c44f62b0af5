#include "pipeline/es_setup.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <thread>

#include "elasticsearch/bulk.h"

namespace ki::consume {

std::string wait_for_elasticsearch(es::EsClient& client, const EsSinkConfig& cfg, es::Backoff& backoff) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(cfg.startup_timeout_ms);
  for (uint32_t attempt = 0;; ++attempt) {
    es::HttpResponse r = client.request("GET", "/");
    if (r.status >= 200 && r.status < 300) return r.body;
    if (r.status == 401 || r.status == 403)
      throw KafkaError(KafkaError::Kind::Config,
                       "Elasticsearch at " + cfg.client.url + " refused the credentials (HTTP " +
                           std::to_string(r.status) + ", " + es::error_summary(r.body) + "): check " +
                           (cfg.client.api_key.empty() ? "password (ELASTIC_PASSWORD) of user '" + cfg.client.user + "'"
                                                       : std::string("api_key (ELASTIC_API_KEY)")));
    if (r.tls_error) throw KafkaError(KafkaError::Kind::Config, r.error);
    std::string why = r.status ? "HTTP " + std::to_string(r.status) + " " + es::error_summary(r.body) : r.error;
    if (std::chrono::steady_clock::now() >= deadline)
      throw KafkaError(KafkaError::Kind::Unreachable, "Elasticsearch is not available: " + why + " (gave up after " +
                                                          std::to_string(cfg.startup_timeout_ms / 1000) + " s)");
    uint32_t d = backoff.delay_ms(attempt);
    spdlog::warn("Elasticsearch not ready ({}); retrying in {} ms", why, d);
    std::this_thread::sleep_for(std::chrono::milliseconds(d));
  }
}

namespace {
void rename_type(nlohmann::json& j, const std::string& from, const std::string& to) {
  if (j.is_object()) {
    auto t = j.find("type");
    if (t != j.end() && t->is_string() && *t == from) *t = to;
    for (auto& [k, v] : j.items()) rename_type(v, from, to);
  } else if (j.is_array()) {
    for (auto& v : j) rename_type(v, from, to);
  }
}
}  // namespace

std::string template_for_engine(const std::string& tpl, std::string_view info) {
  auto engine = nlohmann::json::parse(info, nullptr, false);
  if (!engine.is_object() || !engine.contains("version") || !engine["version"].is_object() ||
      engine["version"].value("distribution", "") != "opensearch")
    return tpl;
  auto j = nlohmann::json::parse(tpl, nullptr, false);
  if (j.is_discarded()) return tpl;
  rename_type(j, "flattened", "flat_object");
  return j.dump();
}

void prepare_index(es::EsClient& client, const EsSinkConfig& cfg, std::string_view info) {
  if (!cfg.template_name.empty()) {
    auto r = client.request("PUT", "/_index_template/" + cfg.template_name, template_for_engine(cfg.template_body, info));
    if (r.status < 200 || r.status >= 300)
      throw KafkaError(KafkaError::Kind::Config, "installing index template '" + cfg.template_name +
                                                     "' failed: " + (r.status ? es::error_summary(r.body) : r.error));
  }
  if (cfg.index.find('%') != std::string::npos) return;  // dated indices: created on first write
  const std::string path = "/" + cfg.index;
  if (cfg.recreate_index) {
    auto r = client.request("DELETE", path);
    if (r.status != 404 && (r.status < 200 || r.status >= 300))
      throw KafkaError(KafkaError::Kind::Config, "deleting index '" + cfg.index + "' failed: " +
                                                     (r.status ? es::error_summary(r.body) : r.error));
    spdlog::warn("deleted index '{}' (recreate_index, --recreate-index)", cfg.index);
  }
  auto head = client.request("HEAD", path);
  if (head.status == 404) {
    auto r = client.request("PUT", path, cfg.index_settings.empty() ? "{}" : cfg.index_settings);
    if ((r.status < 200 || r.status >= 300) && r.body.find("resource_already_exists_exception") == std::string::npos)
      throw KafkaError(KafkaError::Kind::Config, "creating index '" + cfg.index + "' failed: " +
                                                     (r.status ? es::error_summary(r.body) : r.error));
  } else if (head.status < 200 || head.status >= 300) {
    throw KafkaError(KafkaError::Kind::Config, "checking index '" + cfg.index + "' failed: " +
                                                   (head.status ? "HTTP " + std::to_string(head.status) : head.error));
  }
}

}  // namespace ki::consume

// Start-up of the Elasticsearch sink, before the group is joined so errors are clear: the
// cluster answers and takes the credentials, then the template and the fixed index exist.
#pragma once
#include "elasticsearch/client.h"
#include "elasticsearch/retry.h"
#include "pipeline/consume_pipeline.h"

namespace ki::consume {

// Waits up to startup_timeout_ms; throws KafkaError (Config for credentials/TLS, Unreachable).
// Returns the cluster's answer to GET / (name, version, distribution).
std::string wait_for_elasticsearch(es::EsClient& client, const EsSinkConfig& cfg, es::Backoff& backoff);
// Installs the template, (re)creates a fixed index. Throws KafkaError(Config). info: what
// GET / answered (OpenSearch calls Elasticsearch's "flattened" type "flat_object").
void prepare_index(es::EsClient& client, const EsSinkConfig& cfg, std::string_view info = {});
// The template for the engine that answered `info`: on OpenSearch, "flattened" fields become
// "flat_object" ones; elsewhere (or if either text is not JSON) the template as it is.
std::string template_for_engine(const std::string& tpl, std::string_view info);

}  // namespace ki::consume

// Start-up of the Elasticsearch sink, before the group is joined so errors are clear: the
// cluster answers and takes the credentials, then the template and the fixed index exist.
#pragma once
#include "elasticsearch/client.h"
#include "elasticsearch/retry.h"
#include "pipeline/consume_pipeline.h"

namespace ki::consume {

// Waits up to startup_timeout_ms; throws KafkaError (Config for credentials/TLS, Unreachable).
void wait_for_elasticsearch(es::EsClient& client, const EsSinkConfig& cfg, es::Backoff& backoff);
// Installs the template, (re)creates a fixed index. Throws KafkaError(Config).
void prepare_index(es::EsClient& client, const EsSinkConfig& cfg);

}  // namespace ki::consume

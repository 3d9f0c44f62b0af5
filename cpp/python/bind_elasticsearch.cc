// Kafka -> Elasticsearch side of the module: the consume pipeline.
#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "interrupt.h"
#include "typed.h"
#include "pipeline/consume_pipeline.h"

namespace py = pybind11;
using namespace ki;

namespace {

class PyConsumer {
 public:
  PyConsumer(ConsumerConfig consumer, EsSinkConfig sink)
      : pipeline_(std::make_unique<ConsumePipeline>(std::move(consumer), std::move(sink))) {}

  ConsumeStats run(uint64_t max_messages, double idle_timeout_s, bool stop_at_end, py::object progress) {
    GroupLimits lim{max_messages, static_cast<int>(idle_timeout_s * 1000), stop_at_end};
    ki_py::Interrupt intr;
    ConsumeHooks hooks;
    hooks.stop = [&]() {
      py::gil_scoped_acquire gil;
      return intr.check();
    };
    if (!progress.is_none())
      hooks.progress = [&](const ConsumeStats& s) {
        py::gil_scoped_acquire gil;
        intr.call([&] { progress(ki_py::to_dict(py::cast(s))); });
      };
    ConsumeStats st;
    {
      py::gil_scoped_release release;
      st = pipeline_->run(lim, hooks);
    }
    keyboard_interrupt_ = intr.keyboard_interrupt();  // stats survive Ctrl-C; Python re-raises
    intr.finish();
    return st;
  }
  bool keyboard_interrupt() const { return keyboard_interrupt_; }
  void request_stop() { pipeline_->request_stop(); }

 private:
  std::unique_ptr<ConsumePipeline> pipeline_;
  bool keyboard_interrupt_ = false;
};

}  // namespace

void bind_elasticsearch(py::module_& m) {
  using ki_py::Fields;
  using es::ClientConfig;
  py::class_<ClientConfig> client(m, "ClientConfig", "Elasticsearch connection: URL, TLS, credentials (es::ClientConfig).");
  client.def(py::init<>());
  Fields<ClientConfig>(client)
      .rw("url", &ClientConfig::url, "base URL, https://host:port[/path] (no credentials in it)")
      .rw("ca_path", &ClientConfig::ca_path, "CA file that verifies the server certificate")
      .rw("ca_fingerprint", &ClientConfig::ca_fingerprint, "SHA-256 of the CA certificate (hex, colons allowed); empty: use ca_path")
      .rw("insecure", &ClientConfig::insecure, "no TLS verification at all (explicit opt-in)")
      .rw("allow_http_credentials", &ClientConfig::allow_http_credentials, "send credentials over plain http (explicit opt-in)")
      .rw("user", &ClientConfig::user, "basic-auth user (with password)")
      .rw("password", &ClientConfig::password, "basic-auth password (masked in repr)")
      .rw("api_key", &ClientConfig::api_key, "API key, id:key or its base64 form (masked in repr)")
      .rw("gzip", &ClientConfig::gzip, "gzip request bodies")
      .rw("timeout_ms", &ClientConfig::timeout_ms, "request timeout (ms)")
      .rw("connect_timeout_ms", &ClientConfig::connect_timeout_ms, "connect timeout (ms)")
      .rw("max_in_flight", &ClientConfig::max_in_flight, "bulk requests in flight at once")
      .done();

  py::class_<ConsumerConfig> consumer(m, "ConsumerConfig", "The Kafka consumer group member (ki::ConsumerConfig).");
  consumer.def(py::init<>());
  Fields<ConsumerConfig>(consumer)
      .rw("bootstrap", &ConsumerConfig::bootstrap, "Kafka bootstrap servers, host:port[,host:port]")
      .rw("topics", &ConsumerConfig::topics, "topic names; one starting with ^ is a regex")
      .rw("group", &ConsumerConfig::group, "consumer group id")
      .rw("auto_offset_reset", &ConsumerConfig::auto_offset_reset, "where a new group starts: earliest or latest")
      .rw_prop("properties", [](const ConsumerConfig& c) { return ki_py::properties_dict(c.properties); },
               [](ConsumerConfig& c, const py::dict& d) { c.properties = ki_py::properties_from(d); },
               "librdkafka properties passed through (-X); keys and values become strings")
      .done();

  py::class_<EsSinkConfig> sink(m, "EsSinkConfig", "Where documents go: index, batching, dead letters (ki::EsSinkConfig).");
  sink.def(py::init<>());
  Fields<EsSinkConfig>(sink)
      .rw("client", &EsSinkConfig::client, "the connection (ClientConfig)")
      .rw("index", &EsSinkConfig::index, "index name, or a pattern of the event date (logs-%Y.%m.%d)")
      .rw("op", &EsSinkConfig::op, "bulk action: create (exactly once) or index")
      .rw("bulk_max_docs", &EsSinkConfig::bulk_max_docs, "documents per _bulk request at most")
      .rw("bulk_max_bytes", &EsSinkConfig::bulk_max_bytes, "bytes per _bulk request at most")
      .rw("linger_ms", &EsSinkConfig::linger_ms, "how long a partial bulk waits for more documents (ms)")
      .rw("dlq_topic", &EsSinkConfig::dlq_topic, "dead-letter topic; empty: <first topic>.dlq")
      .rw("index_settings", &EsSinkConfig::index_settings, "JSON body for creating a missing fixed index (empty: ES defaults)")
      .rw("template_name", &EsSinkConfig::template_name, "index template installed at start (empty: none)")
      .rw("template_body", &EsSinkConfig::template_body, "its JSON body")
      .rw("recreate_index", &EsSinkConfig::recreate_index, "delete and recreate the index at start")
      .rw("kafka_metadata", &EsSinkConfig::kafka_metadata, "add kafka.topic, kafka.partition and kafka.offset to each document")
      .rw("startup_timeout_ms", &EsSinkConfig::startup_timeout_ms, "how long to wait for Elasticsearch at start (ms)")
      .rw("backoff_initial_ms", &EsSinkConfig::backoff_initial_ms, "first retry delay (ms)")
      .rw("backoff_max_ms", &EsSinkConfig::backoff_max_ms, "longest retry delay (ms)")
      .rw("max_buffered_bytes", &EsSinkConfig::max_buffered_bytes, "unacknowledged message bytes before fetching pauses")
      .done();

  py::class_<ConsumeStats> stats(m, "ConsumeStats", "What a consume run did (ki::ConsumeStats).");
  stats.def(py::init<>());
  Fields<ConsumeStats>(stats)
      .ro("consumed", &ConsumeStats::consumed, "messages taken from Kafka")
      .ro("indexed", &ConsumeStats::indexed, "documents Elasticsearch created")
      .ro("duplicates", &ConsumeStats::duplicates, "documents already there (409 with the same content)")
      .ro("dead_lettered", &ConsumeStats::dead_lettered, "messages sent to the dead-letter topic")
      .ro("item_retries", &ConsumeStats::item_retries, "bulk items retried (429/5xx)")
      .ro("request_retries", &ConsumeStats::request_retries, "whole _bulk requests retried")
      .ro("bulk_requests", &ConsumeStats::bulk_requests, "_bulk requests sent")
      .ro("rejected", &ConsumeStats::rejected, "not one JSON object: dead-lettered before any bulk (in dead_lettered)")
      .ro("id_conflicts", &ConsumeStats::id_conflicts, "409 on a document with other content: indexed under a content _id")
      .ro("fetch_pauses", &ConsumeStats::fetch_pauses, "times fetching paused for max_buffered_bytes")
      .ro("bytes_sent", &ConsumeStats::bytes_sent, "request body bytes sent")
      .ro("seconds", &ConsumeStats::seconds, "run time")
      .ro("latency_p50_ms", &ConsumeStats::latency_p50_ms, "median bulk latency (ms)")
      .ro("latency_p99_ms", &ConsumeStats::latency_p99_ms, "99th percentile bulk latency (ms)")
      .ro("committed", &ConsumeStats::committed, "topic[partition] -> next offset committed")
      .ro("lag", &ConsumeStats::lag, "topic[partition] -> high watermark - committed (known partitions)")
      .ro("lag_unknown", &ConsumeStats::lag_unknown, "partitions whose end is not known yet")
      .ro("errors", &ConsumeStats::errors, "errors seen, in words")
      .ro("fatal", &ConsumeStats::fatal, "why the run stopped early (auth, TLS, config); empty otherwise")
      .ro("interrupted", &ConsumeStats::interrupted, "stopped by a signal or stop()")
      .ro_prop("bulk_latency", [](const ConsumeStats& s) { return ki_py::histogram_dict(s.bulk_latency); },
               "histogram (seconds) of _bulk request -> response, for /metrics")
      .ro_prop("e2e_latency", [](const ConsumeStats& s) { return ki_py::histogram_dict(s.e2e_latency); },
               "histogram (seconds) of producer read the line -> Elasticsearch acknowledged it")
      .done();

  py::class_<PyConsumer>(m, "ConsumePipeline")
      .def(py::init<ConsumerConfig, EsSinkConfig>(), py::arg("consumer"), py::arg("sink"))
      .def("run", &PyConsumer::run, py::arg("max_messages") = 0, py::arg("idle_timeout") = 0.0,
           py::arg("stop_at_end") = false, py::arg("progress") = py::none(),
           "Runs until stopped or a limit; progress(dict) gets ConsumeStats.to_dict() snapshots.")
      .def_property_readonly("keyboard_interrupt", &PyConsumer::keyboard_interrupt,
                             "the last run() ended on Ctrl-C (its stats are returned; the caller re-raises)")
      .def("request_stop", &PyConsumer::request_stop);
}

// Every typed class of the module (cpp/python/typed.h): the config and stats structs, each field
// named and documented once, here. One unit, bound before any function: the signatures of the
// other bind_*.cc name these classes (docstrings, the generated _core.pyi).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "convert.h"
#include "typed.h"
#include "generate/generator.h"
#include "pipeline/consume_pipeline.h"
#include "pipeline/parse_pipeline.h"
#include "pipeline/produce_pipeline.h"
#include "report/traffic_summary.h"
#include "watch/watch_pipeline.h"

namespace py = pybind11;
using namespace ki;
using namespace ki::watch;
using es::ClientConfig;
using ki_py::Fields;
using ki_py::to_format;

namespace {

const char* on_parse_error_name(OnParseError e) {
  return e == OnParseError::DeadLetter ? "dlq" : e == OnParseError::Skip ? "skip" : "fail";
}

const char* header_mode_name(HeaderMode h) {
  return h == HeaderMode::Time ? "ts" : h == HeaderMode::All ? "all" : "none";
}

// The consumer-group member's settings, which ConsumerConfig and WatchConfig share by name.
template <class T>
Fields<T>& group_fields(Fields<T>& f, const char* offset_reset_doc, const char* properties_doc) {
  return f.rw("bootstrap", &T::bootstrap, "Kafka bootstrap servers, host:port[,host:port]")
      .rw("topics", &T::topics, "topic names; one starting with ^ is a regex")
      .rw("group", &T::group, "consumer group id")
      .rw("auto_offset_reset", &T::auto_offset_reset, offset_reset_doc)
      .rw("instance_id", &T::instance_id,
          "group.instance.id (static membership): empty = ki-<host>-<topics hash>, 'none' = dynamic")
      .rw("connect_timeout_ms", &T::connect_timeout_ms, "the cluster must answer within this at start (ms)")
      .rw_prop("properties", [](const T& c) { return ki_py::properties_dict(c.properties); },
               [](T& c, const py::dict& d) { c.properties = ki_py::properties_from(d); }, properties_doc);
}

void bind_parse(py::module_& m) {
  py::class_<ki_py::FieldOptions> fo(m, "FieldOptions", "app_json / logfmt field overrides and fields added to every document.");
  fo.def(py::init([](std::string t, std::string l, std::string msg, std::vector<std::string> add) {
           ki_py::FieldOptions o{std::move(t), std::move(l), std::move(msg), std::move(add)};
           ki_py::parser_config("auto", 0, 0, o);  // validates add_fields now
           return o;
         }),
         py::arg("json_time_field") = "", py::arg("json_level_field") = "", py::arg("json_message_field") = "",
         py::arg("add_fields") = std::vector<std::string>{});
  Fields<ki_py::FieldOptions>(fo)
      .rw("json_time_field", &ki_py::FieldOptions::json_time_field, "field holding the time (dotted path); empty: by name")
      .rw("json_level_field", &ki_py::FieldOptions::json_level_field, "field holding the level; empty: by name")
      .rw("json_message_field", &ki_py::FieldOptions::json_message_field, "field holding the message; empty: by name")
      .rw("add_fields", &ki_py::FieldOptions::add_fields, "name=value fields added to every document")
      .done();

  py::class_<ParseStats> ps(m, "ParseStats", "What parsing counted (ki::ParseStats): lines = parsed + failed + empty.");
  ps.def(py::init<>());
  Fields<ParseStats>(ps)
      .ro("lines", &ParseStats::lines, "lines read")
      .ro("parsed", &ParseStats::parsed, "lines that became documents")
      .ro("failed", &ParseStats::failed, "lines that did not parse")
      .ro("empty", &ParseStats::empty, "blank lines: counted, not documents")
      .ro("joined", &ParseStats::joined, "lines joined to the event before them (multi-line events)")
      .ro("bytes", &ParseStats::bytes, "input bytes (uncompressed, with line ends)")
      .ro("doc_bytes", &ParseStats::doc_bytes, "document bytes written")
      .ro("renamed_fields", &ParseStats::renamed_fields,
          "line fields that collided with ours, kept under kafkainsight.renamed.<name>")
      .ro("not_utf8", &ParseStats::not_utf8,
          "lines with bytes that are not UTF-8 (U+FFFD in their documents; --encoding names a charset)")
      .ro_prop("by_format", [](const ParseStats& s) { return ki_py::by_format_dict(s.by_format); },
               "format -> lines parsed in it")
      .ro("seconds", &ParseStats::seconds, "run time")
      .ro("interrupted", &ParseStats::interrupted, "stopped (Ctrl-C / SIGTERM) before the end of the input")
      .ro("error", &ParseStats::error, "input that could not be read to its end (file, byte offset); empty otherwise")
      .done();

  py::class_<GeneratorConfig> gc(m, "GeneratorConfig", "The flog-like generator (ki::GeneratorConfig).");
  gc.def(py::init<>());
  Fields<GeneratorConfig>(gc)
      .rw_prop("format", [](const GeneratorConfig& c) { return ki_py::format_text(c.format); },
               [](GeneratorConfig& c, const std::string& v) {
                 c.format = to_format(v);
                 if (c.format == Format::Unknown) throw py::value_error("generate needs a concrete format, not 'auto'");
               },
               "log format of the lines (not auto)")
      .rw("seed", &GeneratorConfig::seed, "random seed; the same seed gives the same lines (0: random)")
      .rw("start_epoch_sec", &GeneratorConfig::start_epoch_sec, "event time of the first line (epoch seconds; -1: now)")
      .rw("interval_ns", &GeneratorConfig::interval_ns, "the event time advances by this per line (ns; flog -s)")
      .rw("tz_offset_min", &GeneratorConfig::tz_offset_min, "zone written in the timestamps (minutes east of UTC)")
      .done();
}

void bind_produce(py::module_& m) {
  py::class_<ProduceConfig> pc(m, "ProduceConfig",
                               "The produce pipeline: Kafka producer, parser, encoder, delivery (ki::ProduceConfig), "
                               "seen flat; names and units as in the settings table.");
  pc.def(py::init<>());
  Fields<ProduceConfig>(pc)
      .rw_prop("bootstrap", [](const ProduceConfig& c) { return c.producer.bootstrap; },
               [](ProduceConfig& c, std::string v) { c.producer.bootstrap = std::move(v); },
               "Kafka bootstrap servers, host:port[,host:port]")
      .rw_prop("properties", [](const ProduceConfig& c) { return ki_py::properties_dict(c.producer.properties); },
               [](ProduceConfig& c, const py::dict& d) { c.producer.properties = ki_py::properties_from(d); },
               "librdkafka properties passed through (-X), after ours; keys and values become strings")
      .rw_prop("timeout_ms", [](const ProduceConfig& c) { return c.producer.connect_timeout_ms; },
               [](ProduceConfig& c, int v) { c.producer.connect_timeout_ms = v; },
               "how long to wait for a broker to answer at start (ms)")
      .rw("topic", &ProduceConfig::topic, "topic the documents go to")
      .rw("dlq_topic", &ProduceConfig::dlq_topic, "dead-letter topic for lines that do not parse; empty: <topic>.dlq")
      .rw_prop("format", [](const ProduceConfig& c) { return ki_py::format_text(c.parser.format); },
               [](ProduceConfig& c, const std::string& v) { c.parser.format = ki_py::to_format(v); },
               "log format, or auto (detect per line)")
      .rw_prop("tz_offset_min", [](const ProduceConfig& c) { return c.parser.default_offset_min; },
               [](ProduceConfig& c, int v) { c.parser.default_offset_min = v; },
               "zone (minutes east of UTC) of timestamps that carry none")
      .rw_prop("year", [](const ProduceConfig& c) { return c.parser.default_year; },
               [](ProduceConfig& c, int v) { c.parser.default_year = v; },
               "year of BSD syslog timestamps; 0: inferred from the clock")
      .rw_prop("schema", [](const ProduceConfig& c) { return std::string(schema_name(c.encoder.schema)); },
               [](ProduceConfig& c, const std::string& v) { c.encoder.schema = ki_py::to_schema(v); },
               "document schema: ecs or kafkainsight")
      .rw_prop("include_original", [](const ProduceConfig& c) { return c.encoder.include_original; },
               [](ProduceConfig& c, bool v) { c.encoder.include_original = v; }, "ecs: event.original = the raw line")
      .rw("key", &ProduceConfig::key_field, "ECS field whose value keys each message (empty: no key)")
      .rw_prop("on_parse_error", [](const ProduceConfig& c) { return std::string(on_parse_error_name(c.on_parse_error)); },
               [](ProduceConfig& c, const std::string& v) {
                 if (v == "dlq") c.on_parse_error = OnParseError::DeadLetter;
                 else if (v == "skip") c.on_parse_error = OnParseError::Skip;
                 else if (v == "fail") c.on_parse_error = OnParseError::Fail;
                 else throw py::value_error("on_parse_error must be dlq, skip or fail");
               },
               "a line that does not parse: dlq (dead-letter topic), skip (count it) or fail (stop)")
      .rw("rate", &ProduceConfig::rate, "lines per second; 0: as fast as possible")
      .rw("follow", &ProduceConfig::follow, "follow the file as it grows (tail -F)")
      .rw_prop("from_end", [](const ProduceConfig& c) { return c.follow_cfg.from_end; },
               [](ProduceConfig& c, bool v) { c.follow_cfg.from_end = v; }, "following: start at the current end")
      .rw_prop("poll_ms", [](const ProduceConfig& c) { return c.follow_cfg.poll_ms; },
               [](ProduceConfig& c, int v) { c.follow_cfg.poll_ms = v; }, "following: how often to look for new data (ms)")
      .rw("rescan_ms", &ProduceConfig::rescan_ms, "following patterns: how often to look for new matching files (ms)")
      .rw("max_open_files", &ProduceConfig::max_open_files, "following: at most this many files at a time")
      .rw("flush_timeout_ms", &ProduceConfig::flush_timeout_ms, "how long to wait for in-flight messages at the end (ms)")
      .rw_prop("headers", [](const ProduceConfig& c) { return std::string(header_mode_name(c.headers)); },
               [](ProduceConfig& c, const std::string& v) {
                 auto hm = header_mode_from_name(v);
                 if (!hm) throw py::value_error("headers must be ts, all or none; got '" + v + "'");
                 c.headers = *hm;
               },
               "message headers: ts (ki.ts on live sources), all (also ki.source, ki.line, ki.format) or none")
      .rw_prop("event_ids", [](const ProduceConfig& c) { return std::string(event_ids_name(c.event_ids)); },
               [](ProduceConfig& c, const std::string& v) {
                 auto e = event_ids_from_name(v);
                 if (!e) throw py::value_error("event_ids must be follow, files or none; got '" + v + "'");
                 c.event_ids = *e;
               },
               "which lines carry ki.id (file fingerprint + byte offset, the consumer's _id): follow (lines of "
               "followed files), files (of every regular file) or none")
      .rw_prop("json_time_field", [](const ProduceConfig& c) { return c.parser.json_time_field; },
               [](ProduceConfig& c, const std::string& v) { c.parser.json_time_field = v; },
               "app_json/logfmt: field holding the time (dotted path); empty: recognised by name")
      .rw_prop("json_level_field", [](const ProduceConfig& c) { return c.parser.json_level_field; },
               [](ProduceConfig& c, const std::string& v) { c.parser.json_level_field = v; },
               "app_json/logfmt: field holding the level; empty: recognised by name")
      .rw_prop("json_message_field", [](const ProduceConfig& c) { return c.parser.json_message_field; },
               [](ProduceConfig& c, const std::string& v) { c.parser.json_message_field = v; },
               "app_json/logfmt: field holding the message; empty: recognised by name")
      .rw_prop("add_fields",
               [](const ProduceConfig& c) {
                 std::vector<std::string> out;
                 for (const auto& [k, v] : c.parser.add_fields) out.push_back(k + "=" + v);
                 return out;
               },
               [](ProduceConfig& c, const std::vector<std::string>& v) {
                 c.parser.add_fields.clear();
                 for (const auto& a : v) {
                   auto kv = parse_add_field(a);
                   if (!kv) throw py::value_error("add_field '" + a + "': expected name=value (name a dotted field path)");
                   c.parser.add_fields.push_back(*kv);
                 }
               },
               "name=value fields added to every document (--add-field)")
      .rw_prop("grok", [](const ProduceConfig& c) { return c.parser.grok; },
               [](ProduceConfig& c, const GrokConfig& g) { ki_py::apply_line_options(c.parser, g, c.parser.multiline); },
               "grok patterns (compiled when set: an invalid one raises ValueError)")
      .rw_prop("multiline", [](const ProduceConfig& c) { return c.parser.multiline; },
               [](ProduceConfig& c, const MultilineConfig& m) { ki_py::apply_line_options(c.parser, c.parser.grok, m); },
               "how lines become events (multi-line stack traces)")
      .rw_prop("encoding", [](const ProduceConfig& c) { return c.parser.encoding; },
               [](ProduceConfig& c, const std::string& e) { ki_py::apply_encoding(c.parser, e); },
               "the files' character set (--encoding; checked when set: an unknown one raises ValueError)")
      .done();

  py::class_<ProduceStats> ps(m, "ProduceStats",
                              "What happened to every line (ki::ProduceStats): "
                              "read = produced + dead_lettered + skipped + empty + joined + failed_delivery.");
  ps.def(py::init<>());
  Fields<ProduceStats>(ps)
      .ro("read", &ProduceStats::read, "lines read")
      .ro("produced", &ProduceStats::produced, "documents acknowledged by Kafka")
      .ro("dead_lettered", &ProduceStats::dead_lettered, "bad lines acknowledged on the dead-letter topic")
      .ro("skipped", &ProduceStats::skipped, "bad lines counted and dropped (on_parse_error=skip)")
      .ro("empty", &ProduceStats::empty, "blank lines")
      .ro("joined", &ProduceStats::joined, "lines joined to the event before them (multi-line events)")
      .ro("failed_delivery", &ProduceStats::failed_delivery, "not acknowledged by Kafka")
      .ro("parse_errors", &ProduceStats::parse_errors, "lines that did not parse (dead-lettered, skipped or stopped on)")
      .ro("bytes", &ProduceStats::bytes, "bytes read")
      .ro("renamed_fields", &ProduceStats::renamed_fields,
          "line fields that collided with ours, sent under kafkainsight.renamed.<name>")
      .ro("not_utf8", &ProduceStats::not_utf8,
          "lines with bytes that are not UTF-8 (sent with U+FFFD; --encoding names a charset)")
      .ro("seconds", &ProduceStats::seconds, "run time")
      .ro("interrupted", &ProduceStats::interrupted, "stopped by a signal or stop()")
      .ro("stopped_reason", &ProduceStats::stopped_reason, "on_parse_error=fail: which line, why")
      .ro("stopped_lines", &ProduceStats::stopped_lines, "on_parse_error=fail: lines of the event stopped on (1, or a multi-line event's)")
      .ro("errors", &ProduceStats::errors, "first delivery errors / parse errors with their line")
      .ro_prop("by_format", [](const ProduceStats& s) { return ki_py::by_format_dict(s.by_format); },
               "format -> lines parsed in it")
      .ro("rotations", &ProduceStats::rotations, "following: files rotated")
      .ro("truncations", &ProduceStats::truncations, "following: files truncated")
      .ro("files_opened", &ProduceStats::files_opened, "following: files opened (named or matched by a pattern)")
      .ro("files_closed", &ProduceStats::files_closed, "following: matched files closed after they went away")
      .ro("files_followed", &ProduceStats::files_followed, "following: files open now")
      .ro("resumed", &ProduceStats::resumed, "lines not sent again: acknowledged in an earlier run (resume=)")
      .ro("input_error", &ProduceStats::input_error,
          "the input could not be read to its end: where and why (the lines before it were sent)")
      .done();
}

void bind_consume(py::module_& m) {
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
  Fields<ConsumerConfig> consumer_fields(consumer);
  group_fields(consumer_fields, "where a new group starts: earliest or latest",
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
      .rw("linger_ms", &EsSinkConfig::linger_ms,
          "how long a partial bulk may wait for more documents while they keep coming (ms)")
      .rw("fixed_linger", &EsSinkConfig::fixed_linger,
          "a partial bulk waits for linger_ms even when Kafka has nothing more (false: sent once Kafka is drained)")
      .rw("dlq_topic", &EsSinkConfig::dlq_topic, "dead-letter topic; empty: <first topic>.dlq")
      .rw("index_settings", &EsSinkConfig::index_settings, "JSON body for creating a missing fixed index (empty: ES defaults)")
      .rw("template_name", &EsSinkConfig::template_name, "index template installed at start (empty: none)")
      .rw("template_body", &EsSinkConfig::template_body, "its JSON body")
      .rw("recreate_index", &EsSinkConfig::recreate_index, "delete and recreate the index at start")
      .rw("startup_timeout_ms", &EsSinkConfig::startup_timeout_ms, "how long to wait for Elasticsearch at start (ms)")
      .rw("backoff_initial_ms", &EsSinkConfig::backoff_initial_ms, "first retry delay (ms)")
      .rw("backoff_max_ms", &EsSinkConfig::backoff_max_ms, "longest retry delay (ms)")
      .rw("kafka_metadata", &EsSinkConfig::kafka_metadata, "add kafka.topic, kafka.partition and kafka.offset to each document")
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
      .ro("bad_event_ids", &ConsumeStats::bad_event_ids,
          "ki.id headers that were not event ids: those documents got _id topic-partition-offset")
      .ro("fetch_pauses", &ConsumeStats::fetch_pauses, "times fetching paused for max_buffered_bytes")
      .ro("rejoins", &ConsumeStats::rejoins,
          "new Kafka clients after this consumer was fenced by its own group.instance.id (it joined again)")
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
}

void bind_watch_types(py::module_& m) {
  py::class_<WebhookConfig> wh(m, "WebhookConfig", "Where alerts are POSTed (ki::watch::WebhookConfig).");
  wh.def(py::init<>());
  Fields<WebhookConfig>(wh)
      .rw("url", &WebhookConfig::url, "http(s)://host:port/path")
      .rw("ca_path", &WebhookConfig::ca_path, "CA file that verifies the webhook's TLS certificate")
      .rw("insecure", &WebhookConfig::insecure, "do NOT verify the webhook's TLS certificate")
      .rw("timeout_ms", &WebhookConfig::timeout_ms, "request timeout (ms)")
      .rw("max_attempts", &WebhookConfig::max_attempts, "attempts per alert (bounded: a dead webhook never blocks)")
      .rw("backoff_initial_ms", &WebhookConfig::backoff_initial_ms, "first retry delay (ms)")
      .rw("backoff_max_ms", &WebhookConfig::backoff_max_ms, "longest retry delay (ms)")
      .done();

  py::class_<WatchConfig> wc(m, "WatchConfig", "The watcher: consumer group, rules and alert sinks (ki::watch::WatchConfig).");
  wc.def(py::init<>());
  Fields<WatchConfig> watch_fields(wc);
  group_fields(watch_fields, "where a new group starts: latest (now) or earliest (replay)",
                      "librdkafka properties passed through (-X), consumer and alert producer; keys and values become strings")
      .rw("alerts_topic", &WatchConfig::alerts_topic, "topic alerts go to; empty: not to Kafka")
      .rw("webhook", &WatchConfig::webhook, "WebhookConfig, or None: no webhook (assign a whole WebhookConfig)")
      .rw_prop("lateness_ms", [](const WatchConfig& c) { return c.rules.lateness_ms; },
               [](WatchConfig& c, int64_t v) { c.rules.lateness_ms = v; },
               "events older than the newest event time minus this are dropped (ms); set after load_rules")
      .done();
  wc.def(
      "load_rules", [](WatchConfig& c, const std::string& path, const std::string& text) { c.rules = ki_py::load_rules(path, text); },
      py::arg("path") = "", py::arg("text") = "",
      "Rules from a YAML file, or YAML text, or the built-in defaults (both empty); ValueError names file, key, line.");

  py::class_<SinkStats> ss(m, "SinkStats", "Alert deliveries of one sink (ki::watch::SinkStats).");
  ss.def(py::init<>());
  Fields<SinkStats>(ss)
      .ro("sent", &SinkStats::sent, "alerts delivered")
      .ro("failed", &SinkStats::failed, "alerts not delivered")
      .ro("retries", &SinkStats::retries, "attempts retried")
      .ro("last_error", &SinkStats::last_error, "the last delivery error, in words")
      .done();

  py::class_<EngineStats> eng(m, "EngineStats", "The rule engine's counters (ki::watch::EngineStats).");
  eng.def(py::init<>());
  Fields<EngineStats>(eng)
      .ro("events", &EngineStats::events, "events evaluated (on time)")
      .ro("late", &EngineStats::late, "events older than the watermark: dropped")
      .ro("no_timestamp", &EngineStats::no_timestamp, "events without an event time: dropped")
      .ro("evaluations", &EngineStats::evaluations, "window ends evaluated")
      .ro("skipped_seconds", &EngineStats::skipped_seconds, "window ends not evaluated after a jump in event time")
      .ro("fired", &EngineStats::fired, "alerts fired")
      .ro("resolved", &EngineStats::resolved, "alerts resolved")
      .ro("fired_by_rule", &EngineStats::fired_by_rule, "rule -> alerts fired")
      .ro("resolved_by_rule", &EngineStats::resolved_by_rule, "rule -> alerts resolved")
      .ro("active_by_rule", &EngineStats::active_by_rule, "rule -> conditions firing now")
      .ro("max_event_ms", &EngineStats::max_event_ms, "newest event time seen (ms since the epoch; 0: none yet)")
      .ro("watermark_ms", &EngineStats::watermark_ms, "event-time watermark (ms since the epoch; 0: none yet)")
      .done();

  py::class_<WatchStats> ws(m, "WatchStats", "What a watch run did (ki::watch::WatchStats).");
  ws.def(py::init<>());
  Fields<WatchStats>(ws)
      .ro("consumed", &WatchStats::consumed, "messages taken from Kafka")
      .ro("undecodable", &WatchStats::undecodable, "messages that are not JSON documents")
      .ro("engine", &WatchStats::engine, "the rule engine's counters (EngineStats)")
      .ro("kafka_sink", &WatchStats::kafka_sink, "alerts to the alerts topic (SinkStats)")
      .ro("webhook_sink", &WatchStats::webhook_sink, "alerts to the webhook (SinkStats)")
      .ro("lag", &WatchStats::lag, "topic[partition] -> high watermark - position")
      .ro("lag_unknown", &WatchStats::lag_unknown, "assigned partitions whose end is not known yet")
      .ro_prop("e2e_latency", [](const WatchStats& s) { return ki_py::histogram_dict(s.e2e_latency); },
               "histogram (seconds) of producer read the line (ki.ts header, else message time) -> evaluated")
      .ro("seconds", &WatchStats::seconds, "run time")
      .ro("errors", &WatchStats::errors, "errors seen, in words")
      .ro("fatal", &WatchStats::fatal, "why the run stopped early; empty otherwise")
      .ro("interrupted", &WatchStats::interrupted, "stopped by a signal or stop()")
      .done();
}

void bind_report_types(py::module_& m) {
  py::class_<SummaryConfig> sc(m, "SummaryConfig", "What the report counts keep (ki::SummaryConfig).");
  sc.def(py::init<>());
  Fields<SummaryConfig>(sc)
      .rw("max_buckets", &SummaryConfig::max_buckets, "time buckets held while counting")
      .rw("max_points", &SummaryConfig::max_points, "time buckets in the charts")
      .rw("top_n", &SummaryConfig::top_n, "rows in each top list")
      .rw("top_capacity", &SummaryConfig::top_capacity, "distinct values counted exactly per top list (then approximate)")
      .rw("max_levels", &SummaryConfig::max_levels, "distinct log levels charted; the rest count as other")
      .done();
}

}  // namespace

void bind_types(py::module_& m) {
  bind_parse(m);
  bind_produce(m);
  bind_consume(m);
  bind_watch_types(m);
  bind_report_types(m);
}

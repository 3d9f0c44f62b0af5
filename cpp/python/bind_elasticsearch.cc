// Kafka -> Elasticsearch side of the module: the consume pipeline.
#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "interrupt.h"
#include "pipeline/consume_pipeline.h"

namespace py = pybind11;
using namespace ki;

namespace {

py::dict consume_stats_dict(const ConsumeStats& s) {
  py::dict d;
  d["consumed"] = s.consumed;
  d["indexed"] = s.indexed;
  d["duplicates"] = s.duplicates;
  d["dead_lettered"] = s.dead_lettered;
  d["item_retries"] = s.item_retries;
  d["request_retries"] = s.request_retries;
  d["bulk_requests"] = s.bulk_requests;
  d["rejected"] = s.rejected;
  d["id_conflicts"] = s.id_conflicts;
  d["fetch_pauses"] = s.fetch_pauses;
  d["lag_unknown"] = s.lag_unknown;
  d["bytes_sent"] = s.bytes_sent;
  d["seconds"] = s.seconds;
  d["latency_p50_ms"] = s.latency_p50_ms;
  d["latency_p99_ms"] = s.latency_p99_ms;
  d["committed"] = s.committed;
  d["lag"] = s.lag;
  d["errors"] = s.errors;
  d["fatal"] = s.fatal;
  d["interrupted"] = s.interrupted;
  auto hist = [](const Histogram& h) {  // (upper bound, cumulative count) pairs, for /metrics
    py::list b;
    uint64_t cum = 0;
    for (size_t i = 0; i < Histogram::kBounds.size(); ++i) b.append(py::make_tuple(Histogram::kBounds[i], cum += h.counts[i]));
    py::dict x;
    x["buckets"] = b;
    x["sum"] = h.sum;
    x["count"] = h.count;
    return x;
  };
  d["bulk_latency"] = hist(s.bulk_latency);
  d["e2e_latency"] = hist(s.e2e_latency);
  return d;
}

class PyConsumer {
 public:
  PyConsumer(py::dict consumer, py::dict sink) {
    ConsumerConfig c;
    c.bootstrap = consumer["bootstrap"].cast<std::string>();
    c.topics = consumer["topics"].cast<std::vector<std::string>>();
    c.group = consumer["group"].cast<std::string>();
    c.auto_offset_reset = consumer["auto_offset_reset"].cast<std::string>();
    auto props = consumer["properties"].cast<std::map<std::string, std::string>>();
    c.properties.assign(props.begin(), props.end());
    EsSinkConfig s;
    s.client.url = sink["url"].cast<std::string>();
    s.client.ca_path = sink["ca_path"].cast<std::string>();
    s.client.ca_fingerprint = sink["ca_fingerprint"].cast<std::string>();
    s.client.insecure = sink["insecure"].cast<bool>();
    s.client.allow_http_credentials =
        sink.contains("allow_http_credentials") && sink["allow_http_credentials"].cast<bool>();
    s.client.user = sink["user"].cast<std::string>();
    s.client.password = sink["password"].cast<std::string>();
    s.client.api_key = sink["api_key"].cast<std::string>();
    s.client.gzip = sink["gzip"].cast<bool>();
    s.client.timeout_ms = static_cast<int>(sink["timeout"].cast<double>() * 1000);
    s.client.max_in_flight = sink["max_in_flight"].cast<int>();
    s.index = sink["index"].cast<std::string>();
    s.op = sink["op"].cast<std::string>();
    s.bulk_max_docs = sink["bulk_max_docs"].cast<size_t>();
    s.bulk_max_bytes = sink["bulk_max_bytes"].cast<size_t>();
    s.linger_ms = static_cast<int>(sink["linger"].cast<double>() * 1000);
    s.dlq_topic = sink["dlq_topic"].cast<std::string>();
    s.index_settings = sink["index_settings"].cast<std::string>();
    s.template_name = sink["template_name"].cast<std::string>();
    s.template_body = sink["template_body"].cast<std::string>();
    s.recreate_index = sink["recreate_index"].cast<bool>();
    s.startup_timeout_ms = static_cast<int>(sink["startup_timeout"].cast<double>() * 1000);
    s.backoff_initial_ms = sink["backoff_initial_ms"].cast<uint32_t>();
    s.backoff_max_ms = sink["backoff_max_ms"].cast<uint32_t>();
    s.max_buffered_bytes = sink["max_buffered_bytes"].cast<size_t>();
    pipeline_ = std::make_unique<ConsumePipeline>(std::move(c), std::move(s));
  }

  py::dict run(uint64_t max_messages, double idle_timeout_s, bool stop_at_end, py::object progress) {
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
        intr.call([&] { progress(consume_stats_dict(s)); });
      };
    ConsumeStats st;
    {
      py::gil_scoped_release release;
      st = pipeline_->run(lim, hooks);
    }
    py::dict d = consume_stats_dict(st);
    if (intr.keyboard_interrupt()) d["keyboard_interrupt"] = true;  // stats survive Ctrl-C; Python re-raises
    intr.finish();
    return d;
  }
  void request_stop() { pipeline_->request_stop(); }

 private:
  std::unique_ptr<ConsumePipeline> pipeline_;
};

}  // namespace

void bind_elasticsearch(py::module_& m) {
  py::class_<PyConsumer>(m, "ConsumePipeline")
      .def(py::init<py::dict, py::dict>(), py::arg("consumer"), py::arg("sink"))
      .def("run", &PyConsumer::run, py::arg("max_messages") = 0, py::arg("idle_timeout") = 0.0,
           py::arg("stop_at_end") = false, py::arg("progress") = py::none())
      .def("request_stop", &PyConsumer::request_stop);
}

// _core.HttpClient: the C++ Elasticsearch client (es::EsClient: TLS with a CA file or a pinned
// CA, basic auth / API key, no credentials over plain http unless allowed) for Python's own
// requests (deploy-assets: ILM policy, index template, Kibana saved objects), so there is one
// HTTP/TLS/auth path, not a second one in Python.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <map>
#include <memory>
#include <mutex>

#include "elasticsearch/client.h"

namespace py = pybind11;
using namespace ki;

namespace {

class PyHttpClient {
 public:
  // The typed _core.ClientConfig the consumer's sink uses too (bind_types.cc).
  explicit PyHttpClient(es::ClientConfig c) {
    c.max_in_flight = 1;
    client_ = std::make_unique<es::EsClient>(std::move(c));  // ValueError / RuntimeError: see client.h
  }

  // (status, body, error): status 0 means no HTTP answer and error says why ("TLS: ..." for TLS).
  py::tuple request(const std::string& method, const std::string& path, const py::bytes& body,
                    const std::string& content_type, const std::map<std::string, std::string>& headers) {
    std::string b = body;
    std::vector<std::string> lines;
    for (const auto& [k, v] : headers) lines.push_back(k + ": " + v);
    es::HttpResponse r;
    {
      py::gil_scoped_release release;
      std::lock_guard<std::mutex> lock(mu_);  // one EsClient, its curl handles: one request at a time
      r = client_->request(method.c_str(), path, b, content_type.c_str(), lines);
    }
    return py::make_tuple(r.status, py::bytes(r.body), r.error);
  }

  std::string url() const { return client_->config().url; }

 private:
  std::unique_ptr<es::EsClient> client_;
  std::mutex mu_;
};

}  // namespace

void bind_http(py::module_& m) {
  py::class_<PyHttpClient>(m, "HttpClient")
      .def(py::init<es::ClientConfig>(), py::arg("config"))
      .def("request", &PyHttpClient::request, py::arg("method"), py::arg("path"), py::arg("body") = py::bytes(),
           py::arg("content_type") = "application/json",
           py::arg("headers") = std::map<std::string, std::string>{},
           "Send one request; returns (status, body bytes, error). Releases the GIL.")
      .def_property_readonly("url", &PyHttpClient::url);
}

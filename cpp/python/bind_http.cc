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
  PyHttpClient(const std::string& url, const std::string& ca_path, const std::string& ca_fingerprint, bool insecure,
               const std::string& user, const std::string& password, const std::string& api_key,
               bool allow_http_credentials, double timeout) {
    es::ClientConfig c;
    c.url = url;
    c.ca_path = ca_path;
    c.ca_fingerprint = ca_fingerprint;
    c.insecure = insecure;
    c.user = user;
    c.password = password;
    c.api_key = api_key;
    c.allow_http_credentials = allow_http_credentials;
    c.timeout_ms = static_cast<int>(timeout * 1000);
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
      .def(py::init<const std::string&, const std::string&, const std::string&, bool, const std::string&,
                    const std::string&, const std::string&, bool, double>(),
           py::arg("url"), py::kw_only(), py::arg("ca_path") = "", py::arg("ca_fingerprint") = "",
           py::arg("insecure") = false, py::arg("user") = "elastic", py::arg("password") = "",
           py::arg("api_key") = "", py::arg("allow_http_credentials") = false, py::arg("timeout") = 30.0)
      .def("request", &PyHttpClient::request, py::arg("method"), py::arg("path"), py::arg("body") = py::bytes(),
           py::arg("content_type") = "application/json",
           py::arg("headers") = std::map<std::string, std::string>{},
           "Send one request; returns (status, body bytes, error). Releases the GIL.")
      .def_property_readonly("url", &PyHttpClient::url);
}

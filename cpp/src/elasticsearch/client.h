// EsClient: HTTPS to Elasticsearch with libcurl (OpenSSL): keep-alive connections, TLS
// verified against a CA file or a pinned CA fingerprint (host names checked in both), basic auth
// or API key (refused over plain http unless allowed), a bounded number of bulk requests in
// flight (curl multi). Secrets never appear in errors or logs.
#pragma once
#include <curl/curl.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ki::es {

struct ClientConfig {
  std::string url = "https://localhost:9200";
  std::string ca_path = "certificates/http_ca.crt";
  // SHA-256 of the CA certificate (hex, colons allowed), as ES 8 prints it. The server must send
  // that CA and its certificate must verify against it (or the pin is the server's own certificate).
  std::string ca_fingerprint;
  bool insecure = false;       // no verification at all (explicit opt-in)
  bool allow_http_credentials = false;  // send credentials over plain http (explicit opt-in)
  std::string user = "elastic";
  std::string password;
  std::string api_key;         // "id:key" or its base64 form, as ES returns "encoded"
  bool gzip = false;
  int timeout_ms = 30000;
  int connect_timeout_ms = 10000;
  // 4: 0.84 of the curl ceiling on OpenSearch vs 0.72 for 2 (issue 15); our own runs at load 15-20
  // gave 0.40 and 0.70 for 4, 0.57 and 0.39 for 2 (benchmarks/consume.py, 50,000 documents).
  int max_in_flight = 4;
};

struct HttpResponse {
  long status = 0;       // 0: no HTTP response (see error)
  std::string body;
  std::string error;     // transport / TLS failure, in words
  bool tls_error = false;
  uint64_t id = 0;       // the request it answers
};

// The URL of a request: scheme://host[:port] + the base URL's path (trailing '/' dropped) + path,
// then the base URL's query string (joined with '&' if path has its own). A fragment is dropped.
std::string request_url(const std::string& base, const std::string& path);

// What the server-certificate check saw: filled by the OpenSSL verify callback, read when a
// request fails to say why in words (certificates, dates; never secrets).
struct TlsCheck {
  std::string pin;      // lowercase hex without colons; empty: verify with the CA file
  int error = 0;        // X509_V_ERR_* of the last refused handshake (0: none)
  std::string failure;  // why it was refused
};

class EsClient {
 public:
  // Throws std::runtime_error for a missing CA file, std::invalid_argument for a malformed pin
  // or credentials that would go over plain http without allow_http_credentials.
  explicit EsClient(ClientConfig cfg);
  ~EsClient();
  EsClient(const EsClient&) = delete;
  EsClient& operator=(const EsClient&) = delete;

  // headers: extra "Name: value" lines (Kibana's kbn-xsrf); one with CR or LF is refused.
  HttpResponse request(const char* method, const std::string& path, std::string_view body = {},
                       const char* content_type = "application/json",
                       const std::vector<std::string>& headers = {});
  // Starts a _bulk request (body is NDJSON; gzipped here if configured). Returns its id.
  uint64_t submit_bulk(std::string body);
  // Starts any request (body as is); poll() returns its response. Returns its id.
  uint64_t submit(const char* method, const std::string& path, std::string body,
                  const char* content_type = "application/json");
  // Whether responses may come gzipped (default yes). Off where the network is fast and the
  // engine's CPU is the limit: compressing a large search response costs it more than it saves.
  void set_accept_gzip(bool on) { accept_gzip_ = on; }
  // Drives transfers for up to wait_ms; returns the requests that completed.
  std::vector<HttpResponse> poll(int wait_ms);
  size_t in_flight() const { return active_.size(); }
  bool can_submit() const { return static_cast<int>(active_.size()) < cfg_.max_in_flight; }
  const ClientConfig& config() const { return cfg_; }
  uint64_t bytes_sent() const { return bytes_sent_; }

 private:
  struct Transfer;
  CURL* easy_for(Transfer& t, const char* method, const std::string& path, const char* content_type,
                 bool gzip_body, const std::vector<std::string>& headers = {});
  HttpResponse finish(Transfer& t, CURLcode code);
  size_t received() const;  // response bytes of the transfers in flight
  void collect(std::vector<HttpResponse>& done);  // the finished transfers' responses
  uint64_t start(const char* method, const std::string& path, std::string body, const char* content_type,
                 bool gzip_body);
  std::string describe(CURLcode code, const char* errbuf) const;

  ClientConfig cfg_;
  std::string auth_header_;  // "Authorization: ..." (never logged)
  TlsCheck tls_;              // lives as long as the connections whose handshakes use it
  CURLM* multi_ = nullptr;
  std::vector<std::unique_ptr<Transfer>> active_;
  std::vector<CURL*> idle_handles_;  // reused: their connections stay alive
  uint64_t next_id_ = 1;
  uint64_t bytes_sent_ = 0;
  bool accept_gzip_ = true;
};

}  // namespace ki::es

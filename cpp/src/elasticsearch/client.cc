#include "elasticsearch/client.h"

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <stdexcept>

#include "elasticsearch/bulk.h"

namespace ki::es {

namespace {

std::string base64(std::string_view in) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
    out += t[v >> 18], out += t[(v >> 12) & 63], out += t[(v >> 6) & 63], out += t[v & 63];
  }
  if (i + 1 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16;
    out += t[v >> 18], out += t[(v >> 12) & 63], out += "==";
  } else if (i + 2 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8;
    out += t[v >> 18], out += t[(v >> 12) & 63], out += t[(v >> 6) & 63], out += '=';
  }
  return out;
}

size_t on_body(char* p, size_t size, size_t n, void* ud) {
  static_cast<std::string*>(ud)->append(p, size * n);
  return size * n;
}

std::string sha256_hex(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!cert || !X509_digest(cert, EVP_sha256(), md, &len)) return {};
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) out += hex[md[i] >> 4], out += hex[md[i] & 15];
  return out;
}

std::string subject_of(X509* cert) {
  char buf[256] = {};
  if (cert) X509_NAME_oneline(X509_get_subject_name(cert), buf, sizeof buf);
  return buf[0] ? buf : "?";
}

std::string utc(const ASN1_TIME* t) {
  std::tm tm{};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return "?";
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

// One refused certificate in words. Dates are the point of an expiry: say them.
std::string explain(int err, X509* cert, bool is_leaf) {
  std::string who = (is_leaf ? "the server's certificate " : "the CA certificate ") + subject_of(cert);
  std::string dates = cert ? " (valid from " + utc(X509_get0_notBefore(cert)) + " until " +
                                 utc(X509_get0_notAfter(cert)) + ")"
                           : "";
  if (err == X509_V_ERR_CERT_HAS_EXPIRED) return who + " has expired" + dates;
  if (err == X509_V_ERR_CERT_NOT_YET_VALID)
    return who + " is not yet valid" + dates + "; is this machine's clock right?";
  return who + ": " + X509_verify_cert_error_string(err);
}

void record(TlsCheck& t, X509_STORE_CTX* ctx) {
  t.error = X509_STORE_CTX_get_error(ctx);
  X509* bad = X509_STORE_CTX_get_current_cert(ctx);
  t.failure = explain(t.error, bad, X509_STORE_CTX_get_error_depth(ctx) == 0);
}

// --ca-fingerprint, as Elastic's Beats/Agent do with ssl.ca_trusted_fingerprint (elastic.co/docs/
// reference/fleet/certificate-fingerprints): the presented certificate with the pinned SHA-256
// becomes the ONLY trust anchor and the server's certificate must verify against it (signature,
// dates, CA flags); curl still checks the host name. Matching any presented certificate was not
// enough: a server could append the real CA (public) to a chain of its own.
int verify_pinned(X509_STORE_CTX* ctx, TlsCheck& t) {
  X509* leaf = X509_STORE_CTX_get0_cert(ctx);
  STACK_OF(X509)* sent = X509_STORE_CTX_get0_untrusted(ctx);  // as sent, the leaf first
  X509* anchor = nullptr;
  if (sha256_hex(leaf) == t.pin) anchor = leaf;
  for (int i = 0; !anchor && sent && i < sk_X509_num(sent); ++i)
    if (sha256_hex(sk_X509_value(sent, i)) == t.pin) anchor = sk_X509_value(sent, i);
  if (!anchor) {
    int n = sent ? sk_X509_num(sent) : 1;
    t.error = X509_V_ERR_CERT_UNTRUSTED;
    t.failure = n <= 1 ? "the server sent only its own certificate (" + subject_of(leaf) +
                             "), not the CA certificate pinned with --ca-fingerprint (ca_fingerprint), so the pin "
                             "cannot be checked: give the CA file with --ca-certs (ca_certs) instead (or pin the server's own certificate)"
                       : "none of the " + std::to_string(n) +
                             " certificates the server sent has the SHA-256 fingerprint given with "
                             "--ca-fingerprint (ca_fingerprint): is it the fingerprint of this cluster's http_ca.crt?";
    X509_STORE_CTX_set_error(ctx, X509_V_ERR_CERT_UNTRUSTED);
    return 0;
  }
  X509_STORE* store = X509_STORE_new();
  X509_STORE_CTX* v = X509_STORE_CTX_new();
  int ok = 0;
  if (store && v && X509_STORE_add_cert(store, anchor) == 1 && X509_STORE_CTX_init(v, store, leaf, sent) == 1) {
    X509_STORE_CTX_set_default(v, "ssl_server");
    // The pinned certificate is trusted even when it is an intermediate or the leaf itself.
    X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(v), X509_V_FLAG_PARTIAL_CHAIN);
    ok = X509_verify_cert(v) == 1;
    if (!ok) {
      record(t, v);
      if (t.error != X509_V_ERR_CERT_HAS_EXPIRED && t.error != X509_V_ERR_CERT_NOT_YET_VALID)
        t.failure = "the server's certificate " + subject_of(leaf) +
                    " is not issued by the CA pinned with --ca-fingerprint (ca_fingerprint), although the server also sent "
                    "that CA (" + X509_verify_cert_error_string(t.error) + ")";
      X509_STORE_CTX_set_error(ctx, t.error ? t.error : X509_V_ERR_CERT_UNTRUSTED);
    }
  } else {
    t.error = X509_V_ERR_OUT_OF_MEM;
    t.failure = "could not set up the certificate check";
    X509_STORE_CTX_set_error(ctx, X509_V_ERR_OUT_OF_MEM);
  }
  X509_STORE_CTX_free(v);
  X509_STORE_free(store);
  return ok;
}

// Every verified handshake comes here: the pin, or OpenSSL's own check against the CA file
// (recording what failed, so an expired certificate is not blamed on the CA file).
int verify_server(X509_STORE_CTX* ctx, void* arg) {
  auto& t = *static_cast<TlsCheck*>(arg);
  if (!t.pin.empty()) return verify_pinned(ctx, t);
  int ok = X509_verify_cert(ctx);
  if (ok != 1) record(t, ctx);
  return ok;
}

CURLcode ssl_ctx_cb(CURL*, void* ssl_ctx, void* arg) {
  SSL_CTX_set_cert_verify_callback(static_cast<SSL_CTX*>(ssl_ctx), verify_server, arg);
  return CURLE_OK;
}

bool is_https(const std::string& url) {
  if (url.size() < 8) return false;
  std::string scheme = url.substr(0, 8);
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return scheme == "https://";
}

}  // namespace

std::string request_url(const std::string& base, const std::string& path) {
  size_t start = base.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  size_t end = base.find('#', start);
  std::string b = base.substr(0, end);  // the fragment never goes on the wire
  size_t q = b.find('?', start);
  std::string query = q == std::string::npos ? "" : b.substr(q + 1);
  b = b.substr(0, q);
  size_t slash = b.find('/', start);  // the authority ends at the first '/' after the scheme
  std::string url = b;
  if (!path.empty()) {
    while (url.size() > (slash == std::string::npos ? b.size() : slash) && url.back() == '/') url.pop_back();
    url += path;
  }
  if (!query.empty()) url += (path.find('?') == std::string::npos ? "?" : "&") + query;
  return url;
}

struct EsClient::Transfer {
  CURL* easy = nullptr;
  uint64_t id = 0;
  std::string body, response;
  curl_slist* headers = nullptr;
  char errbuf[CURL_ERROR_SIZE] = {};
};

EsClient::EsClient(ClientConfig cfg) : cfg_(std::move(cfg)) {
  static const bool inited = [] { return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; }();
  (void)inited;
  if (!cfg_.ca_fingerprint.empty()) {
    for (char c : cfg_.ca_fingerprint)
      if (std::isxdigit(static_cast<unsigned char>(c))) tls_.pin += static_cast<char>(std::tolower(c));
    if (tls_.pin.size() != 64)
      throw std::invalid_argument("--ca-fingerprint (ca_fingerprint) must be a SHA-256 fingerprint (64 hex digits)");
  } else if (!cfg_.insecure && is_https(cfg_.url)) {
    struct stat st{};
    if (stat(cfg_.ca_path.c_str(), &st) != 0)
      throw std::runtime_error("CA file '" + cfg_.ca_path +
                               "' not found: copy Elasticsearch's config/certs/http_ca.crt there, or pass "
                               "--ca-fingerprint / ca_fingerprint (printed by Elasticsearch on first start), or --insecure / insecure");
  }
  if (!cfg_.api_key.empty()) {
    std::string k = cfg_.api_key;
    auth_header_ = "Authorization: ApiKey " + (k.find(':') != std::string::npos ? base64(k) : k);
  } else if (!cfg_.password.empty()) {
    auth_header_ = "Authorization: Basic " + base64(cfg_.user + ":" + cfg_.password);
  }
  // Basic auth is the password in base64; an API key is as good as one: neither goes in clear.
  if (!auth_header_.empty() && !is_https(cfg_.url) && !cfg_.allow_http_credentials)
    throw std::invalid_argument(
        "refusing to send " +
        (cfg_.api_key.empty() ? "the password of user '" + cfg_.user + "' (password, ELASTIC_PASSWORD)"
                              : std::string("the API key (api_key, ELASTIC_API_KEY)")) +
        " to " + cfg_.url + ": it is not an https:// URL, so anyone on the network path could read it. "
        "Use https, or set allow_http_credentials (--allow-http-credentials) if you accept that");
  multi_ = curl_multi_init();
  curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(cfg_.max_in_flight));
}

EsClient::~EsClient() {
  for (auto& t : active_) {
    curl_multi_remove_handle(multi_, t->easy);
    curl_easy_cleanup(t->easy);
    curl_slist_free_all(t->headers);
  }
  for (CURL* e : idle_handles_) curl_easy_cleanup(e);
  if (multi_) curl_multi_cleanup(multi_);
}

CURL* EsClient::easy_for(Transfer& t, const char* method, const std::string& path, const char* content_type,
                         bool gzip_body, const std::vector<std::string>& headers) {
  CURL* e;
  if (!idle_handles_.empty()) {
    e = idle_handles_.back();
    idle_handles_.pop_back();
    curl_easy_reset(e);
  } else {
    e = curl_easy_init();
  }
  t.easy = e;
  std::string url = request_url(cfg_.url, path);
  curl_easy_setopt(e, CURLOPT_URL, url.c_str());
  curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
  if (std::string_view(method) == "HEAD") curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  if (!t.body.empty() || std::string_view(method) == "POST" || std::string_view(method) == "PUT") {
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, t.body.data());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(t.body.size()));
  }
  t.headers = curl_slist_append(t.headers, (std::string("Content-Type: ") + content_type).c_str());
  t.headers = curl_slist_append(t.headers, "Accept: application/json");
  if (gzip_body) t.headers = curl_slist_append(t.headers, "Content-Encoding: gzip");
  for (const auto& h : headers) t.headers = curl_slist_append(t.headers, h.c_str());
  if (!auth_header_.empty()) t.headers = curl_slist_append(t.headers, auth_header_.c_str());
  t.headers = curl_slist_append(t.headers, "Expect:");  // no 100-continue round trip
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, t.headers);
  if (accept_gzip_) curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");  // gzip responses welcome
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &t.response);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.errbuf);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(cfg_.timeout_ms));
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(cfg_.connect_timeout_ms));
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
  if (cfg_.insecure) {
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
  } else {
    // Host names stay checked (VERIFYHOST=2, curl's default) with a pin too: a pinned CA may
    // have signed certificates for other hosts.
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    if (tls_.pin.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, cfg_.ca_path.c_str());
    curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, ssl_ctx_cb);
    curl_easy_setopt(e, CURLOPT_SSL_CTX_DATA, &tls_);
    if (active_.empty()) tls_.error = 0, tls_.failure.clear();  // no handshake of another request pending
  }
  return e;
}

std::string EsClient::describe(CURLcode code, const char* errbuf) const {
  std::string detail = errbuf && *errbuf ? errbuf : curl_easy_strerror(code);
  switch (code) {
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CONNECT_ERROR:
      // What the verify callback saw first: an expired certificate is not the CA file's fault.
      if (tls_.error == X509_V_ERR_CERT_HAS_EXPIRED || tls_.error == X509_V_ERR_CERT_NOT_YET_VALID ||
          (!tls_.pin.empty() && !tls_.failure.empty()))
        return "TLS: " + cfg_.url + ": " + tls_.failure;
      if (detail.find("host name") != std::string::npos || detail.find("hostname") != std::string::npos)
        return "TLS: the certificate of " + cfg_.url + " is not issued for that host name (" + detail +
               "). Use a URL with a name the certificate lists";
      if (!tls_.pin.empty())
        return "TLS: the certificate of " + cfg_.url + " was not verified with the CA pinned by --ca-fingerprint (ca_fingerprint: " +
               detail + ")";
      return "TLS: the certificate of " + cfg_.url + " was not verified with the CA file '" + cfg_.ca_path +
             "' (" + detail + "). Is it the http_ca.crt of this cluster?";
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
      return "cannot connect to Elasticsearch at " + cfg_.url + " (" + detail + ")";
    case CURLE_OPERATION_TIMEDOUT:
      return "Elasticsearch at " + cfg_.url + " did not answer within the timeout (" + detail + ")";
    default:
      return "request to " + cfg_.url + " failed: " + detail;
  }
}

HttpResponse EsClient::finish(Transfer& t, CURLcode code) {
  HttpResponse r;
  r.id = t.id;
  if (code == CURLE_OK) {
    curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &r.status);
    r.body = std::move(t.response);
  } else {
    r.error = describe(code, t.errbuf);
    r.tls_error = code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CACERT_BADFILE ||
                  code == CURLE_SSL_CONNECT_ERROR;
  }
  curl_slist_free_all(t.headers);
  t.headers = nullptr;
  idle_handles_.push_back(t.easy);
  return r;
}

HttpResponse EsClient::request(const char* method, const std::string& path, std::string_view body,
                               const char* content_type, const std::vector<std::string>& headers) {
  // A CR/LF would start a header (or a request) of the caller's making. Not echoed: may hold a secret.
  if (std::string_view(content_type).find_first_of("\r\n") != std::string_view::npos)
    throw std::invalid_argument("the content type is not one header value");
  for (const auto& h : headers)
    if (h.find_first_of("\r\n") != std::string::npos || h.find(':') == std::string::npos)
      throw std::invalid_argument("an extra header is not one \"Name: value\" line");
  Transfer t;
  t.body.assign(body);
  CURL* e = easy_for(t, method, path, content_type, false, headers);
  CURLcode code = curl_easy_perform(e);
  bytes_sent_ += t.body.size();
  return finish(t, code);
}

uint64_t EsClient::submit_bulk(std::string body) {
  std::string b = cfg_.gzip ? gzip_compress(body) : std::move(body);
  return start("POST", "/_bulk", std::move(b), "application/x-ndjson", cfg_.gzip);
}

uint64_t EsClient::submit(const char* method, const std::string& path, std::string body, const char* content_type) {
  if (std::string_view(content_type).find_first_of("\r\n") != std::string_view::npos)
    throw std::invalid_argument("the content type is not one header value");
  return start(method, path, std::move(body), content_type, false);
}

uint64_t EsClient::start(const char* method, const std::string& path, std::string body, const char* content_type,
                         bool gzip_body) {
  auto t = std::make_unique<Transfer>();
  t->id = next_id_++;
  t->body = std::move(body);
  bytes_sent_ += t->body.size();
  CURL* e = easy_for(*t, method, path, content_type, gzip_body);
  curl_easy_setopt(e, CURLOPT_PRIVATE, t.get());
  curl_multi_add_handle(multi_, e);
  uint64_t id = t->id;
  active_.push_back(std::move(t));
  return id;
}

std::vector<HttpResponse> EsClient::poll(int wait_ms) {
  std::vector<HttpResponse> done;
  // Driven until a call moves no bytes: TLS data curl has already read from the socket is not
  // seen by a wait on the socket, which would then sleep its full time (100 ms a stall on
  // large search pages: 2.4 s instead of 0.9 s for 100k documents).
  auto drive = [&] {
    int running = 0;
    size_t before, after = received();
    do {
      before = after;
      curl_multi_perform(multi_, &running);
      after = received();
    } while (after != before);
  };
  drive();
  collect(done);
  if (done.empty() && !active_.empty() && wait_ms > 0) {
    curl_multi_poll(multi_, nullptr, 0, wait_ms, nullptr);
    drive();
    collect(done);
  }
  return done;
}

size_t EsClient::received() const {
  size_t n = 0;
  for (const auto& t : active_) n += t->response.size();
  return n;
}

void EsClient::collect(std::vector<HttpResponse>& done) {
  int left = 0;
  while (CURLMsg* m = curl_multi_info_read(multi_, &left)) {
    if (m->msg != CURLMSG_DONE) continue;
    Transfer* tp = nullptr;
    curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, reinterpret_cast<char**>(&tp));
    CURLcode code = m->data.result;
    curl_multi_remove_handle(multi_, m->easy_handle);
    auto it = std::find_if(active_.begin(), active_.end(), [&](const auto& p) { return p.get() == tp; });
    if (it == active_.end()) continue;
    done.push_back(finish(**it, code));
    active_.erase(it);
  }
}

}  // namespace ki::es

// Parser: one log line -> Record. Detects the format per line (format "auto") or takes it
// as given. Never throws on bad input: a failure carries a reason and a column.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "parse/grok.h"
#include "parse/per_source.h"
#include "parse/recipes.h"
#include "parse/record.h"
#include "parse/timestamp.h"
#include "source/multiline.h"

namespace simdjson::dom {
class parser;
}

namespace ki {

class TimeFormat;

struct ParserConfig {
  Format format = Format::Unknown;  // Unknown = detect per line
  int default_offset_min = 0;       // zone of timestamps that carry none (apache error, BSD syslog, app JSON)
  int default_year = 0;             // year of BSD syslog timestamps; 0 = infer from the clock
  // How lines become events (joined by the readers before parsing; the parser sees one event).
  MultilineConfig multiline;
  // The input's character set (--encoding, source/charset.h), decoded to UTF-8 by the readers;
  // "": UTF-8 (UTF-16 by its look).
  std::string encoding;
  // Grok patterns: with format auto they are tried first and a line none matches goes on to
  // the built-in formats; with format grok such a line fails.
  GrokConfig grok;
  // Compiled from `grok` by compile_grok(), shared by every Parser made from this config.
  std::shared_ptr<const GrokSet> grok_set;
  std::shared_ptr<const TimeFormat> time_fmt;
  // app_json / logfmt: the field that holds the time / level / message, instead of the names
  // the common libraries use (dotted path for nested keys). Empty = recognise by name.
  std::string json_time_field, json_level_field, json_message_field;
  // Added to every record (--add-field name=value): a field the line has itself wins, the
  // added one then moves to kafkainsight.renamed; "service.name" and "log.logger" fill the
  // record's service / logger when the line has none.
  std::vector<std::pair<std::string, std::string>> add_fields;
};

// Compiles cfg.grok once (no-op when done or when there are no patterns). Throws GrokError
// (invalid pattern, unknown name, unreadable --patterns-dir; the message names the pattern and
// the column or the closest names) or std::invalid_argument (--time-format).
void compile_grok(ParserConfig& cfg);

// "name=value" of --add-field: name a dotted field path; nullopt if there is no '=' or no name.
std::optional<std::pair<std::string, std::string>> parse_add_field(std::string_view text);

// Partial: a CRI "P" line, kept and joined with the next line (counted as empty).
enum class ParseStatus : uint8_t { Ok, Empty, Failed, Partial };

struct ParseError {
  Format format = Format::Unknown;  // the format that was tried
  const char* reason = "";
  size_t column = 0;  // 1-based byte column where parsing stopped
};

struct AppJsonState;  // simdjson On-Demand parser + padded buffer (app_json.cc)
AppJsonState* new_app_json_state();
struct AppJsonStateDeleter {
  void operator()(AppJsonState* s) const;
};

// What the per-format parsers share: the config and a place to report failure.
struct ParseContext {
  const ParserConfig& cfg;
  ParseError& err;
  simdjson::dom::parser* json = nullptr;
  AppJsonState* app = nullptr;
  PerSource<std::string>* pending = nullptr;  // CRI partial lines waiting for their end, per input
  int depth = 0;                   // wrapper nesting (Docker/CRI inner lines)
  ApacheTimeCache* apache_time = nullptr;  // access lines' times (the parser's own)
  RecipeReader* recipes = nullptr; // format auto: the grok recipes, for lines no format reads
  uint32_t source = 0;             // the input the line comes from (Parser::set_source)
  // A recipe reads the line: its timestamp capture's layout (null: the layouts grok knows) and
  // the year of a layout without one (0: this year), instead of --time-format's.
  bool by_recipe = false;
  const TimeFormat* recipe_time = nullptr;
  int recipe_year = 0;
  int bsd_year(int month, int day) const;

  bool fail(Format f, const char* reason, size_t column) const {
    err.format = f;
    err.reason = reason;
    err.column = column + 1;
    return false;
  }
};

bool parse_apache_access(std::string_view line, const ParseContext& ctx, Record& rec);
bool parse_apache_error(std::string_view line, const ParseContext& ctx, Record& rec);
bool parse_nginx_error(std::string_view line, const ParseContext& ctx, Record& rec);
// A request line ("GET /path HTTP/1.1") as method, path and protocol; a request that is not
// one (TLS bytes, "-") gives none of them.
struct RequestParts {
  std::string_view method, path, protocol;
};
RequestParts split_request(std::string_view request);
// The same without the shortcut for the plain shape (tests compare the two).
RequestParts split_request_general(std::string_view request);
// A field named destination.address whose value is an IP address: destination.ip beside it, as
// source.address gives source.ip (Filebeat's modules do the same); grok captures and W3C logs.
void add_destination_ip(Record& rec, std::string_view name, std::string_view value);
// rec.request into rec.method, rec.path and rec.protocol (its text stays in rec.request).
inline void split_request(Record& rec) {
  RequestParts r = split_request(rec.request);
  rec.method = r.method;
  rec.path = r.path;
  rec.protocol = r.protocol;
}
bool parse_syslog(std::string_view line, const ParseContext& ctx, Record& rec);
// A Cisco IOS message ("[SEQ: ][*]Mmm dd HH:MM:SS[.fff][ ZONE]: %FAC-SEV-MNEMONIC: text") at the
// start of s, the syslog header before it already read: its time, sequence (seq >= 0: the one
// the syslog tag held), facility, code, level and text into rec; false (rec untouched) if s is
// not one.
bool read_cisco_ios(std::string_view s, int64_t seq, const ParseContext& ctx, Record& rec);
// OpenSSH's login lines (a syslog message tagged sshd): user, client address and outcome into rec.
void read_sshd(std::string_view message, Record& rec);
bool is_sshd(std::string_view app);  // sshd, or OpenSSH 9.8's sshd-session / sshd-auth
// A login's event.category (with "session" when it opened one), event.type, event.action and
// event.outcome, as Filebeat's system.auth names them (sshd's, Postfix's, Dovecot's logins).
void login_event(Record& rec, std::string_view action, bool ok, bool session = false);
// A PAM module's line (pam_unix(sudo:session): session opened for user root(uid=0) by alice(uid=1000),
// ... not met by user "root"): the users it names, as Filebeat's system.auth common.yml reads them.
void read_pam_users(std::string_view message, Record& rec);
// sudo's command lines (tag "sudo": user, TTY, PWD, USER, COMMAND, an error before them) and the
// shadow tools' (useradd, groupadd, userdel, ...: their event category; "new user:" / "new group:"
// lines' names and ids) into rec, as Filebeat's system.auth module names them.
void read_sudo(std::string_view message, Record& rec);
// Postfix's SASL failures and Dovecot's logins (mail_auth.cc): client, user, outcome into rec;
// false (rec untouched) if the message is none of them.
bool read_postfix(std::string_view message, Record& rec);
bool read_dovecot(std::string_view app, std::string_view message, Record& rec);
// The message of rec.app as the readers above read it (sshd, PAM, sudo, the shadow tools), from a
// syslog line or a journald record (also Postfix and Dovecot); false (rec untouched) if the
// program is none of them.
bool read_system_message(Record& rec);
void read_shadow_tool(std::string_view app, std::string_view message, Record& rec);
// Netfilter's packet log line (a kernel syslog message: iptables' LOG target, ufw, firewalld,
// Ubiquiti): interfaces, addresses, ports, protocol and header fields into rec, as Filebeat's
// iptables module names them; false (rec untouched) if the message is none.
bool read_netfilter(std::string_view message, Record& rec);
bool parse_json_line(std::string_view line, const ParseContext& ctx, Record& rec);
// Grok: Matched fills rec (format grok); NoMatch leaves it for the other formats; Limit fails.
GrokResult parse_grok(std::string_view line, const ParseContext& ctx, GrokMatcher& m, Record& rec, std::string& why);
// The same from m's last match of line (Matched; Limit: a timestamp capture in no known layout).
GrokResult read_grok_match(std::string_view line, const ParseContext& ctx, const GrokMatcher& m, Record& rec,
                           std::string& why);
bool parse_app_json(std::string_view line, const ParseContext& ctx, Record& rec);
bool parse_logfmt(std::string_view line, const ParseContext& ctx, Record& rec);
// FortiGate's key=value log (fortigate.cc): the pairs after a syslog header, after <PRI> alone, or
// the whole line; ECS fields as Filebeat's fortinet module names them, the rest as
// fortinet.firewall.<key>. looks_fortigate: FortiOS' first pair, and logid= among the first.
bool looks_fortigate(std::string_view s);
bool read_fortigate(std::string_view s, const ParseContext& ctx, Record& rec);
// A quoted value (logfmt, klog's structured pairs) from s[i], just after its opening quote:
// unescaped onto out (\n \t \r \uXXXX; \" \\ and others: the character), i then just after
// the closing quote; false with why ("unterminated quoted value", "bad \u escape") and i where
// it stopped.
bool unquote_value(std::string_view s, size_t& i, std::string& out, const char*& why);
// Blank-led key=value pairs from s[i] to its end (klog's structured tail; the pairs nginx's
// and Apache's formats add after the user agent, `rt=0.012 uct="0.001"`): each a field, quoted
// values unescaped, bare ones typed; false, rec untouched, unless all of it reads so.
bool read_pairs(std::string_view s, size_t i, Record& rec);
// Where the key=value pairs that end s begin (the blank before the first; with `after`, the first
// such blank right after that character, hclog's ':'): npos if s does not end in pairs as
// read_pairs reads them. One pass over s, each token read once (a long line stays linear).
size_t trailing_pairs_start(std::string_view s, char after = 0);
// An unquoted value written as true/false, an integer or a number with a fraction or exponent
// takes that type (Bool, Int, Float); else f stays text.
void type_bare_value(Field& f);
bool parse_cri(std::string_view line, const ParseContext& ctx, Record& rec);
bool parse_compose(std::string_view line, const ParseContext& ctx, Record& rec);
bool looks_klog(std::string_view line);  // "I0505 17:59:40.692994 " (klog) or "I20210131 14:48:54.411655 " (glog)
bool parse_klog(std::string_view line, const ParseContext& ctx, Record& rec);
// A klog line as a syslog message (kubelet through journald): its level, origin, message and
// structured fields into rec (the syslog header's time, host and pid stay); false, rec untouched,
// if the message is none.
bool read_klog_message(std::string_view message, Record& rec);
// A syslog message that is one JSON object (an application logging JSON to journald or syslog;
// rsyslog's "@cee:" cookie may precede it): its keys become fields and its time, level, message,
// logger, service, host and pid take their roles, the syslog header's standing where the object
// has none. False, the message kept as text, if it is no JSON object.
bool read_json_message(std::string_view message, const ParseContext& ctx, Record& rec);
// A syslog message that is logfmt pairs (a Go program's logrus or slog text under systemd, Heroku's
// router): its pairs as fields, their time, level and message winning over the header's. False,
// with rec and ctx's error as they were, if the message is not two or more such pairs.
bool read_logfmt_message(std::string_view message, const ParseContext& ctx, Record& rec);
// The members of one JSON object (as app_json walks a line's) added to rec.fields; false, with
// rec.fields as they were, if json is not one object.
bool read_json_fields(std::string_view json, const ParseContext& ctx, Record& rec);
// Dispatch to one format's parser (no reset of rec).
bool parse_format(Format f, std::string_view line, const ParseContext& ctx, Record& rec);

// Shared by the formats with no fixed schema (fields.cc).
struct WrappedLine {  // a container runtime's wrapper around the application's line
  bool found = false;
  std::string_view inner, stream;
  Timestamp ts;
};
// Moves the fields that are the time / level / message / logger / service / host / pid of the
// common logging libraries into rec's own members; stamps the read time when there is no time.
// With docker: notes a Docker json-file wrapper ({"log","stream","time"}) instead of a message.
void apply_roles(const ParseContext& ctx, Record& rec, WrappedLine* docker);
// apply_roles for the fields a syslog message gave (its JSON object's, its logfmt pairs'): their
// time, level, message, host and pid win; the header's stand where they have none.
void apply_roles_over_header(const ParseContext& ctx, Record& rec);
// Parses the inner line of a wrapper again (any format; plain text = the message), keeping the
// wrapper's time when the inner line has none; adds "stream" and kafkainsight.wrapper.
bool parse_wrapped(const WrappedLine& w, std::string_view wrapper, const ParseContext& ctx, Record& rec);
bool looks_logfmt(std::string_view line);
inline constexpr const char* kCriPartial = "partial line (joined with the next)";
bool looks_cri(std::string_view line);
bool looks_compose(std::string_view line);
// A line that starts with a date, has ," and an odd number of quotes: the head of a CSV record
// (PostgreSQL's csvlog) that a newline in a quoted value cut.
bool csv_record_cut(std::string_view line);

// Drops a trailing "\n" or "\r\n" (the line end is not part of the line).
inline std::string_view strip_line_end(std::string_view line) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

struct W3cLayout;
struct ZeekLayout;

class Parser {
 public:
  explicit Parser(ParserConfig cfg = {});
  ~Parser();
  Parser(Parser&&) noexcept;
  Parser& operator=(Parser&&) noexcept;

  // Strips a trailing "\n" / "\r\n" and a leading UTF-8 BOM. Views in rec point into line.
  ParseStatus parse(std::string_view line, Record& rec);
  // The last line was read without its terminal colours (it did not read as written): the text
  // read, valid until the next parse; empty otherwise.
  std::string_view read_without_colours() const { return uncoloured_ ? std::string_view(ansi_) : std::string_view(); }
  const ParseError& error() const { return err_; }
  // "apache_combined: expected '\"' before the request at column 41"
  std::string error_message() const;

  // The format a line looks like, from its first bytes (cheap; the parser then validates).
  static Format detect(std::string_view line);
  const ParserConfig& config() const { return cfg_; }
  // Which input the next lines come from (a file's index): a W3C log's "#Fields:" directive
  // holds for the lines of its own input only.
  void set_source(uint32_t source) { source_ = source; }
  // True while the current input is a W3C or Zeek log (its lines are read by its header).
  bool layout_active() const { return active_w3c_layout() != nullptr || active_zeek_layout() != nullptr; }

 private:
  ParseStatus parse_line(std::string_view line, Record& rec);
  void add_fields(Record& rec) const;
  ParserConfig cfg_;
  ParseError err_;
  std::unique_ptr<simdjson::dom::parser> json_;
  std::unique_ptr<GrokMatcher> grok_;
  std::vector<void (*)(const ParseContext&, Record&)> grok_finish_;  // per --grok pattern: its recipe's finish
  std::unique_ptr<RecipeReader> recipes_;  // format auto: lines no built-in format reads
  std::string grok_reason_;  // a grok failure's reason (ParseError::reason points here)
  std::unique_ptr<AppJsonState, AppJsonStateDeleter> app_;
  PerSource<std::string> cri_pending_;  // (per input: a --follow run reads many files' lines in turn)
  ApacheTimeCache apache_time_;
  // W3C extended logs: each input's last "#Fields:" layout (few inputs: a list).
  uint32_t source_ = 0;
  PerSource<W3cLayout> w3c_;
  PerSource<bool> w3c_local_;  // inputs whose "#Time Format: Local" says their W3C times are local
  std::string w3c_reason_;
  // The current input's layout where the configured format reads W3C lines (auto or w3c), else null.
  const W3cLayout* active_w3c_layout() const {
    return (cfg_.format == Format::Unknown || cfg_.format == Format::W3c) && !w3c_.empty() ? w3c_.find(source_) : nullptr;
  }
  void set_w3c_layout(std::string_view directive);
  // Zeek's TSV logs: each input's header (#separator, #fields, #types, …).
  PerSource<ZeekLayout> zeek_;
  std::string zeek_json_;  // a data line as Zeek's JSON writer would write it
  std::string zeek_reason_;
  const ZeekLayout* active_zeek_layout() const {
    return (cfg_.format == Format::Unknown || cfg_.format == Format::Zeek) && !zeek_.empty() ? zeek_.find(source_) : nullptr;
  }
  bool zeek_header(std::string_view line);  // a line of a Zeek header: applied, true
  bool parse_zeek(std::string_view line, const ZeekLayout& layout, const ParseContext& ctx, Record& rec);
  // The last line read well and its input: a text log's line that no format reads is then named
  // as unlike the lines before it (a message of several lines, say), with how to join them.
  uint32_t good_source_ = UINT32_MAX;
  std::string_view good_name_;  // its format or recipe (static text)
  char good_start_ = 0;         // how it began: 'i' ISO date, '/' nginx's date, '[', 'm' month
  std::string unlike_reason_;
  std::string ansi_;  // the line without its terminal colours (valid until the next parse)
  bool uncoloured_ = false;  // the last parse read ansi_
  void remember_good(std::string_view line, const Record& rec, bool recipe);
  const char* unlike_before();
};

}  // namespace ki

#include "parse/grok.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace ki {

namespace {

bool is_name_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      bool same = std::toupper(static_cast<unsigned char>(a[i - 1])) == std::toupper(static_cast<unsigned char>(b[j - 1]));
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (same ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// Logstash's [a][b] field references are written a.b here.
std::string field_name(std::string_view s) {
  if (s.empty() || s.front() != '[') return std::string(s);
  std::string out;
  for (char c : s) {
    if (c == '[') {
      if (!out.empty()) out += '.';
    } else if (c != ']') {
      out += c;
    }
  }
  return out;
}

std::string pcre2_message(int code) {
  PCRE2_UCHAR buf[256];
  int n = pcre2_get_error_message(code, buf, sizeof buf);
  return n < 0 ? "PCRE2 error " + std::to_string(code) : std::string(reinterpret_cast<char*>(buf), static_cast<size_t>(n));
}

// Expands one --grok pattern into a PCRE2 regex. Every field capture becomes a group named
// g<N> (PCRE2 names cannot hold dots); origin_ maps each regex byte to the pattern column
// (and the %{NAME} it came from) for error messages.
class Expander {
 public:
  Expander(const std::string& pattern, const GrokLibrary& lib) : pattern_(pattern), lib_(lib) {}

  void run(std::string& regex, std::vector<GrokCapture>& captures) {
    out_ = &regex;
    caps_ = &captures;
    expand(pattern_, 0);
  }
  // Column (1-based) in the pattern and the %{NAME} that produced regex byte `off`.
  std::pair<size_t, std::string> origin(size_t off) const {
    if (origin_.empty()) return {1, {}};
    off = std::min(off, origin_.size() - 1);
    return {origin_[off].first + 1, origin_[off].second};
  }

 private:
  [[noreturn]] void fail(size_t col, const std::string& what) const {
    throw GrokError("grok pattern '" + pattern_ + "': " + what + " at column " + std::to_string(col + 1));
  }
  void emit(std::string_view s, size_t src, const std::string& via) {
    out_->append(s);
    for (size_t i = 0; i < s.size(); ++i) origin_.emplace_back(src, via);
  }
  size_t add_capture(std::string field, GrokCapture::Type type) {
    caps_->push_back({std::move(field), type});
    return caps_->size() - 1;
  }

  // depth 0: the --grok pattern itself (columns are real); deeper: a definition's text.
  void expand(std::string_view text, int depth) {
    if (depth > 64) fail(top_col_, "pattern definitions nest deeper than 64 (a cycle?)");
    bool in_class = false;
    for (size_t i = 0; i < text.size(); ++i) {
      size_t col = depth == 0 ? i : top_col_;
      std::string via = depth == 0 ? std::string() : top_name_;
      if (depth == 0) top_col_ = i;
      char c = text[i];
      if (c == '\\' && i + 1 < text.size()) {
        // Oniguruma's \h is a hex digit (Logstash's RUUID \h{32}); PCRE2's is a blank.
        if (text[i + 1] == 'h') emit(in_class ? "0-9a-fA-F" : "[0-9a-fA-F]", col, via);
        else if (text[i + 1] == 'H' && !in_class) emit("[^0-9a-fA-F]", col, via);
        else emit(text.substr(i, 2), col, via);
        ++i;
        continue;
      }
      if (in_class) {
        if (text.substr(i, 3) == "[[:") {
          // Oniguruma's nested class [[:alnum:]] inside a class (Logstash's UNIXPATH:
          // [[[:alnum:]]_%!$@:.,+~-]): the same set as PCRE2's [:alnum:] there.
          size_t end = text.find(":]]", i + 3);
          if (end != std::string_view::npos) {
            emit(text.substr(i + 1, end + 2 - (i + 1)), col, via);
            i = end + 2;
            continue;
          }
        }
        if (text.substr(i, 2) == "[:") {  // [:name:] stays in the class
          size_t end = text.find(":]", i + 2);
          if (end != std::string_view::npos) {
            emit(text.substr(i, end + 2 - i), col, via);
            i = end + 1;
            continue;
          }
        }
        if (c == ']') in_class = false;
        emit(text.substr(i, 1), col, via);
        continue;
      }
      if (c == '[') {
        in_class = true;
        emit(text.substr(i, 1), col, via);
        if (i + 1 < text.size() && text[i + 1] == '^') emit(text.substr(++i, 1), col, via);
        if (i + 1 < text.size() && text[i + 1] == ']') emit(text.substr(++i, 1), col, via);  // literal ]
        continue;
      }
      if (c == '%' && i + 1 < text.size() && text[i + 1] == '{') {
        size_t close = text.find('}', i + 2);
        if (close == std::string_view::npos) fail(col, "'%{' without a closing '}'");
        reference(text.substr(i + 2, close - i - 2), col, depth);
        i = close;
        continue;
      }
      if (c == '(' && i + 2 < text.size() && text[i + 1] == '?') {
        // Inline options, (?m) (?mi) (?m: (?-m): Ruby's m is "dot matches newline", PCRE2's s
        // (Logstash's RAILS3HEAD starts with (?m) inside a larger pattern).
        size_t e = i + 2;
        while (e < text.size() && (std::isalpha(static_cast<unsigned char>(text[e])) || text[e] == '-')) ++e;
        if (e > i + 2 && e < text.size() && (text[e] == ')' || text[e] == ':')) {
          std::string opts(text.substr(i, e + 1 - i));
          std::replace(opts.begin() + 2, opts.end(), 'm', 's');
          emit(opts, col, via);
          i = e;
          continue;
        }
        // A raw named group: (?<name>, (?P<name>, (?'name' (not (?<= / (?<! lookbehind).
        size_t start = 0;
        char end = '>';
        if (text[i + 2] == '<' && i + 3 < text.size() && text[i + 3] != '=' && text[i + 3] != '!') {
          start = i + 3;
        } else if (text[i + 2] == 'P' && i + 3 < text.size() && text[i + 3] == '<') {
          start = i + 4;
        } else if (text[i + 2] == '\'') {
          start = i + 3, end = '\'';
        }
        if (start) {
          size_t stop = text.find(end, start);
          if (stop == std::string_view::npos || stop == start) fail(col, "named group without a name or its end");
          size_t n = add_capture(field_name(text.substr(start, stop - start)), GrokCapture::Type::String);
          emit("(?<g" + std::to_string(n) + ">", col, via);
          i = stop;
          continue;
        }
      }
      // Ruby reads a repeat of a repeat (X?* or X+*: Logstash's legacy SHOREWALL has ".?*") as
      // X*; PCRE2 refuses it.
      if (c == '*' && i >= 2 && (text[i - 1] == '?' || text[i - 1] == '+') && text[i - 2] != '\\' &&
          text[i - 2] != '(' && !out_->empty()) {
        out_->back() = '*';
        continue;
      }
      emit(text.substr(i, 1), col, via);
    }
  }

  // %{NAME}, %{NAME:field}, %{NAME:field:int|float}
  void reference(std::string_view ref, size_t col, int depth) {
    size_t c1 = ref.find(':');
    std::string_view name = ref.substr(0, c1);
    if (name.empty() || !std::all_of(name.begin(), name.end(), is_name_char))
      fail(col, "'%{" + std::string(ref) + "}' is not %{NAME}, %{NAME:field} or %{NAME:field:int|float}");
    std::string field;
    GrokCapture::Type type = GrokCapture::Type::String;
    if (c1 != std::string_view::npos) {
      std::string_view rest = ref.substr(c1 + 1);
      size_t c2 = rest.find(':');
      field = field_name(rest.substr(0, c2));
      if (field.empty()) fail(col, "'%{" + std::string(ref) + "}' has an empty field name");
      if (c2 != std::string_view::npos) {
        std::string_view t = rest.substr(c2 + 1);
        if (t == "int" || t == "integer" || t == "long") type = GrokCapture::Type::Int;
        else if (t == "float" || t == "double") type = GrokCapture::Type::Float;
        else fail(col, "'%{" + std::string(ref) + "}': type '" + std::string(t) + "' is not int or float");
      }
    }
    const std::string* def = lib_.find(name);
    if (!def) {
      std::string msg = "unknown pattern name '" + std::string(name) + "'";
      auto near = lib_.closest(name);
      if (!near.empty()) {
        msg += " (closest: ";
        for (size_t k = 0; k < near.size(); ++k) msg += (k ? ", " : "") + near[k];
        msg += ")";
      }
      fail(col, msg);
    }
    for (const auto& active : stack_)
      if (active == name) fail(col, "pattern " + std::string(name) + " refers to itself");
    std::string via = depth == 0 ? std::string(name) : top_name_;
    if (depth == 0) top_name_ = via;
    if (field.empty()) {
      emit("(?:", col, via);
    } else {
      size_t n = add_capture(std::move(field), type);
      emit("(?<g" + std::to_string(n) + ">", col, via);
    }
    stack_.emplace_back(name);
    size_t saved_col = top_col_;
    expand(*def, depth + 1);
    top_col_ = saved_col;
    stack_.pop_back();
    emit(")", col, via);
  }

  const std::string& pattern_;
  const GrokLibrary& lib_;
  std::string* out_ = nullptr;
  std::vector<GrokCapture>* caps_ = nullptr;
  std::vector<std::pair<size_t, std::string>> origin_;
  std::vector<std::string> stack_;
  size_t top_col_ = 0;
  std::string top_name_;
};

}  // namespace

// ---- library ----

GrokLibrary GrokLibrary::builtin() {
  GrokLibrary lib;
  lib.add_text(builtin_text(), "built-in grok-patterns");
  return lib;
}

void GrokLibrary::add_text(std::string_view text, const std::string& origin) {
  size_t line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t b = line.find_first_not_of(" \t");
    if (b == std::string_view::npos || line[b] == '#') continue;
    line.remove_prefix(b);
    size_t sp = line.find_first_of(" \t");
    std::string_view name = line.substr(0, sp);
    if (!std::all_of(name.begin(), name.end(), is_name_char))
      throw GrokError(origin + ":" + std::to_string(line_no) + ": '" + std::string(name) +
                      "' is not a pattern name (letters, digits, _)");
    if (sp == std::string_view::npos)
      throw GrokError(origin + ":" + std::to_string(line_no) + ": pattern " + std::string(name) + " has no regex");
    std::string_view regex = line.substr(sp);
    regex.remove_prefix(regex.find_first_not_of(" \t"));
    add(std::string(name), std::string(regex));
  }
}

void GrokLibrary::add_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw GrokError("grok patterns file " + path + ": cannot be read");
  std::ostringstream ss;
  ss << in.rdbuf();
  add_text(ss.str(), path);
}

void GrokLibrary::add_dir(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) throw GrokError("--patterns-dir " + dir + ": not a directory");
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.is_regular_file()) files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) add_file(f);
}

const std::string* GrokLibrary::find(std::string_view name) const {
  auto it = defs_.find(name);
  return it == defs_.end() ? nullptr : &it->second;
}

std::vector<std::string> GrokLibrary::closest(std::string_view name, size_t n) const {
  std::vector<std::pair<size_t, std::string>> scored;
  for (const auto& [k, v] : defs_) scored.emplace_back(edit_distance(name, k), k);
  std::sort(scored.begin(), scored.end());
  std::vector<std::string> out;
  for (size_t i = 0; i < scored.size() && out.size() < n; ++i)
    if (scored[i].first <= std::max<size_t>(3, name.size() / 2)) out.push_back(scored[i].second);
  return out;
}

// ---- one pattern ----

GrokPattern::GrokPattern(std::string pattern, const GrokLibrary& lib) : pattern_(std::move(pattern)) {
  if (pattern_.empty()) throw GrokError("grok pattern '': empty at column 1");
  Expander ex(pattern_, lib);
  ex.run(regex_, captures_);
  int err = 0;
  PCRE2_SIZE off = 0;
  auto* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(regex_.data()), regex_.size(), 0, &err, &off, nullptr);
  if (!code) {
    auto [col, via] = ex.origin(off);
    std::string msg = "grok pattern '" + pattern_ + "': invalid regex at column " + std::to_string(col);
    if (!via.empty()) msg += " (in the definition of %{" + via + "})";
    throw GrokError(msg + ": " + pcre2_message(err));
  }
  code_ = code;
  jit_ = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
  // An anchored pattern (^ first) matches only lines whose first byte PCRE2 says may start a
  // match: the others are passed over without a call (a line tried against many recipes).
  uint32_t opts = 0, first_type = 0, first_unit = 0;
  const uint8_t* bitmap = nullptr;
  pcre2_pattern_info(code, PCRE2_INFO_ALLOPTIONS, &opts);
  pcre2_pattern_info(code, PCRE2_INFO_FIRSTCODETYPE, &first_type);
  pcre2_pattern_info(code, PCRE2_INFO_FIRSTBITMAP, &bitmap);
  if ((opts & PCRE2_ANCHORED) && first_type == 1) {
    pcre2_pattern_info(code, PCRE2_INFO_FIRSTCODEUNIT, &first_unit);
    const auto c = static_cast<unsigned char>(first_unit);
    first_.set(c);
    if (std::isalpha(c)) first_.set(static_cast<unsigned char>(std::islower(c) ? std::toupper(c) : std::tolower(c)));  // (?i)
    filtered_ = true;
  } else if ((opts & PCRE2_ANCHORED) && bitmap) {
    for (size_t c = 0; c < 256; ++c)
      if (bitmap[c / 8] >> (c % 8) & 1) first_.set(c);
    filtered_ = true;
  }
  uint32_t top = 0;
  pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &top);
  groups_ = top;
  group_capture_.assign(top + 1, -1);
  uint32_t count = 0, entry = 0;
  PCRE2_SPTR table = nullptr;
  pcre2_pattern_info(code, PCRE2_INFO_NAMECOUNT, &count);
  pcre2_pattern_info(code, PCRE2_INFO_NAMEENTRYSIZE, &entry);
  pcre2_pattern_info(code, PCRE2_INFO_NAMETABLE, &table);
  for (uint32_t k = 0; k < count; ++k) {
    const unsigned char* e = table + static_cast<size_t>(k) * entry;
    uint32_t group = (static_cast<uint32_t>(e[0]) << 8) | e[1];
    const char* name = reinterpret_cast<const char*>(e + 2);
    if (name[0] == 'g' && group <= top) group_capture_[group] = std::atoi(name + 1);
  }
}

GrokPattern::~GrokPattern() { pcre2_code_free(static_cast<pcre2_code*>(code_)); }

GrokSet::GrokSet(const std::vector<std::string>& patterns, const GrokLibrary& lib, GrokLimits limits)
    : limits_(limits) {
  for (const auto& p : patterns) patterns_.push_back(std::make_unique<GrokPattern>(p, lib));
}

std::shared_ptr<const GrokSet> make_grok_set(const std::vector<std::string>& patterns, const std::string& patterns_dir,
                                             GrokLimits limits) {
  if (patterns.empty()) return nullptr;
  GrokLibrary lib = GrokLibrary::builtin();
  if (!patterns_dir.empty()) lib.add_dir(patterns_dir);
  return std::make_shared<const GrokSet>(patterns, lib, limits);
}

// ---- matching ----

GrokMatcher::GrokMatcher(std::shared_ptr<const GrokSet> set) : set_(std::move(set)) {
  uint32_t groups = 1;
  for (const auto& p : set_->patterns()) groups = std::max(groups, p->max_groups() + 1);
  match_data_ = pcre2_match_data_create(groups, nullptr);
  auto* ctx = pcre2_match_context_create(nullptr);
  pcre2_set_match_limit(ctx, set_->limits().match_limit);
  pcre2_set_depth_limit(ctx, set_->limits().depth_limit);
  auto* stack = pcre2_jit_stack_create(32 * 1024, std::max<size_t>(32 * 1024, set_->limits().jit_stack_bytes), nullptr);
  if (stack) pcre2_jit_stack_assign(ctx, nullptr, stack);
  match_ctx_ = ctx;
  jit_stack_ = stack;
}

GrokMatcher::~GrokMatcher() {
  pcre2_match_data_free(static_cast<pcre2_match_data*>(match_data_));
  pcre2_match_context_free(static_cast<pcre2_match_context*>(match_ctx_));
  if (jit_stack_) pcre2_jit_stack_free(static_cast<pcre2_jit_stack*>(jit_stack_));
}

GrokResult GrokMatcher::match(std::string_view text) {
  values_.clear();
  auto* md = static_cast<pcre2_match_data*>(match_data_);
  auto* ctx = static_cast<pcre2_match_context*>(match_ctx_);
  const auto& pats = set_->patterns();
  for (size_t k = 0; k < pats.size(); ++k) {
    const GrokPattern& p = *pats[k];
    if (!text.empty() && !p.may_start(static_cast<unsigned char>(text[0]))) continue;
    auto* code = static_cast<pcre2_code*>(p.code());
    auto subject = reinterpret_cast<PCRE2_SPTR>(text.data());
    int rc = p.jit() ? pcre2_jit_match(code, subject, text.size(), 0, 0, md, ctx)
                     : pcre2_match(code, subject, text.size(), 0, 0, md, ctx);
    if (rc == PCRE2_ERROR_NOMATCH) continue;
    if (rc < 0) {
      reason_ = "pattern " + std::to_string(k + 1) + " ('" + p.pattern().substr(0, 80) +
                "') gave up on this line: " + pcre2_message(rc);
      return GrokResult::Limit;
    }
    PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
    const auto& caps = p.captures();
    const auto& gc = p.group_capture();
    for (int g = 1; g < rc; ++g) {
      int ci = gc[static_cast<size_t>(g)];
      if (ci < 0 || ov[2 * g] == PCRE2_UNSET || ov[2 * g + 1] <= ov[2 * g]) continue;  // unset or empty
      values_.push_back({&caps[static_cast<size_t>(ci)], text.substr(ov[2 * g], ov[2 * g + 1] - ov[2 * g])});
    }
    which_ = k;
    end_ = ov[1];
    return GrokResult::Matched;
  }
  reason_ = pats.size() == 1 ? "the pattern did not match"
                             : "none of the " + std::to_string(pats.size()) + " patterns matched";
  return GrokResult::NoMatch;
}

}  // namespace ki

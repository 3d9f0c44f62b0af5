#include "generate/generator.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <vector>

#include "util/timefmt.h"

namespace ki {

// ---------------------------------------------------------------------------------------------
// Vocabularies. Written for this project in the shape of gofakeit's data (flog's source of
// values); they are not gofakeit's lists.
// ---------------------------------------------------------------------------------------------
namespace {

using sv = std::string_view;

// Company buzzwords (gofakeit "bs"): verbs, adjectives and nouns in one list, like flog's
// resource paths (/innovate/next-generation, /24%2f7/synergistic, /web+services).
constexpr sv kBs[] = {
    // verbs
    "aggregate", "architect", "benchmark", "brand", "cultivate", "deliver", "deploy", "disintermediate",
    "drive", "e-enable", "embrace", "empower", "enable", "engage", "engineer", "enhance", "envisioneer",
    "evolve", "expedite", "exploit", "extend", "facilitate", "generate", "grow", "harness", "implement",
    "incentivize", "incubate", "innovate", "integrate", "iterate", "leverage", "matrix", "maximize",
    "mesh", "monetize", "morph", "optimize", "orchestrate", "productize", "recontextualize", "redefine",
    "reintermediate", "reinvent", "repurpose", "revolutionize", "scale", "seize", "strategize",
    "streamline", "syndicate", "synergize", "synthesize", "target", "transform", "transition",
    "unleash", "utilize", "visualize", "whiteboard",
    // adjectives
    "24/365", "24/7", "b2b", "b2c", "back-end", "best-of-breed", "bleeding-edge", "bricks-and-clicks",
    "clicks-and-mortar", "collaborative", "compelling", "cross-media", "cross-platform", "customized",
    "cutting-edge", "distributed", "dot-com", "dynamic", "e-business", "efficient", "end-to-end",
    "enterprise", "extensible", "frictionless", "front-end", "global", "granular", "holistic",
    "impactful", "innovative", "integrated", "interactive", "intuitive", "killer", "leading-edge",
    "magnetic", "mission-critical", "next-generation", "one-to-one", "open-source", "out-of-the-box",
    "plug-and-play", "proactive", "real-time", "revolutionary", "rich", "robust", "scalable", "seamless",
    "sexy", "sticky", "strategic", "synergistic", "transparent", "turn-key", "ubiquitous",
    "user-centric", "value-added", "vertical", "viral", "virtual", "visionary", "web-enabled",
    "wireless", "world-class",
    // nouns
    "action-items", "applications", "architectures", "bandwidth", "channels", "communities", "content",
    "convergence", "deliverables", "e-business", "e-commerce", "e-markets", "e-services", "e-tailers",
    "experiences", "eyeballs", "functionalities", "infomediaries", "infrastructures", "initiatives",
    "interfaces", "markets", "methodologies", "metrics", "mindshare", "models", "networks", "niches",
    "paradigms", "partnerships", "platforms", "portals", "relationships", "roi", "schemas",
    "solutions", "supply-chains", "synergies", "systems", "technologies", "users", "vortals",
    "web services", "web-readiness", "rich media", "value chains",
};

// gofakeit "job descriptor" (the first half of a domain name: humanscalable.io).
constexpr sv kJobDescriptors[] = {
    "central", "chief", "corporate", "customer", "direct", "district", "dynamic", "forward",
    "future", "global", "human", "internal", "international", "investor", "lead", "legacy",
    "national", "principal", "product", "regional", "senior",
};

constexpr sv kDomainSuffixes[] = {"com", "biz", "info", "name", "net", "org", "io"};

// Last names, lowercase (usernames are strings.ToLower(LastName() + "####")).
constexpr sv kLastNames[] = {
    "abbott", "adams", "alexander", "allen", "alvarez", "anderson", "armstrong", "bailey", "baker",
    "barnes", "bartell", "bauch", "bechtelar", "bell", "bennett", "bergstrom", "bernier", "blick",
    "bode", "bogan", "boyd", "bradley", "braun", "brooks", "brown", "bruen", "butler", "campbell",
    "carter", "cassin", "castillo", "clark", "cole", "collins", "conn", "cook", "cooper", "cormier",
    "crist", "cruz", "daniel", "davis", "dibbert", "dicki", "douglas", "dubuque", "durgan",
    "ebert", "edwards", "ellis", "emard", "evans", "feeney", "ferry", "fisher", "flores", "foster",
    "fritsch", "gerlach", "gibson", "gleason", "goodwin", "graham", "grant", "green", "greenfelder",
    "hahn", "hall", "hamill", "harber", "harris", "hayes", "heaney", "hermann", "hessel", "hill",
    "hoppe", "howe", "hughes", "jacobs", "jakubowski", "jenkins", "johnson", "jones", "kassulke",
    "kemmer", "kerluke", "kiehn", "king", "klein", "koch", "kozey", "kub", "kuhn", "kunde", "kutch",
    "langosh", "larkin", "lebsack", "lee", "lehner", "lind", "lockman", "lowe", "macejkovic",
    "marks", "martin", "mayer", "mcclure", "medhurst", "miller", "mitchell", "moen", "moore",
    "morar", "morris", "muller", "murphy", "nader", "nelson", "nikolaus", "nolan", "o'conner",
    "o'hara", "o'keefe", "o'reilly", "okuneva", "olson", "ondricka", "parker", "pfeffer", "powlowski",
    "price", "prosacco", "quigley", "ratke", "reichel", "reynolds", "ritchie", "rogers", "rohan",
    "rolfson", "rosenbaum", "runolfsson", "sanford", "sauer", "schaefer", "schmidt", "schowalter",
    "schultz", "shanahan", "simonis", "smith", "spencer", "stark", "stehr", "stokes", "stroman",
    "swaniawski", "taylor", "thiel", "thompson", "torp", "towne", "tremblay", "turner", "upton",
    "vandervort", "veum", "volkman", "walker", "walsh", "ward", "weber", "white", "wiegand",
    "wilkinson", "williams", "wilson", "windler", "wisoky", "wolff", "wuckert", "wyman", "yost",
    "young", "zboncak", "zemlak", "ziemann",
};

// Lorem ipsum words (gofakeit Word(): apache_error modules, syslog app names).
constexpr sv kLorem[] = {
    "a", "ab", "accusamus", "ad", "adipisci", "alias", "aliquam", "aliquid", "amet", "animi",
    "aperiam", "architecto", "asperiores", "assumenda", "at", "atque", "aut", "autem", "beatae",
    "blanditiis", "commodi", "consectetur", "consequatur", "corporis", "corrupti", "culpa",
    "cumque", "cupiditate", "debitis", "delectus", "deleniti", "deserunt", "dicta", "dignissimos",
    "distinctio", "dolor", "dolore", "dolorem", "doloremque", "dolores", "doloribus", "dolorum",
    "ducimus", "ea", "eaque", "earum", "eius", "eligendi", "enim", "eos", "error", "esse", "est",
    "et", "eum", "eveniet", "ex", "excepturi", "exercitationem", "expedita", "explicabo", "facere",
    "facilis", "fuga", "fugiat", "fugit", "harum", "hic", "id", "illo", "illum", "impedit", "in",
    "incidunt", "inventore", "ipsa", "ipsam", "ipsum", "iste", "itaque", "iure", "iusto", "labore",
    "laboriosam", "laborum", "laudantium", "libero", "magnam", "magni", "maiores", "maxime",
    "minima", "minus", "modi", "molestiae", "molestias", "mollitia", "nam", "natus", "necessitatibus",
    "nemo", "neque", "nesciunt", "nihil", "nisi", "nobis", "non", "nostrum", "nulla", "numquam",
    "obcaecati", "odio", "odit", "officia", "officiis", "omnis", "optio", "pariatur", "perferendis",
    "perspiciatis", "placeat", "porro", "possimus", "praesentium", "provident", "quae", "quaerat",
    "quam", "quas", "quasi", "qui", "quia", "quibusdam", "quidem", "quis", "quisquam", "quo",
    "quod", "quos", "ratione", "recusandae", "reiciendis", "rem", "repellat", "repellendus",
    "reprehenderit", "repudiandae", "rerum", "saepe", "sapiente", "sed", "sequi", "similique",
    "sint", "sit", "soluta", "sunt", "suscipit", "tempora", "tempore", "temporibus", "tenetur",
    "totam", "ullam", "unde", "ut", "vel", "velit", "veniam", "veritatis", "vero", "vitae",
    "voluptas", "voluptate", "voluptatem", "voluptates", "voluptatibus", "voluptatum",
};

// Hacker phrase vocabulary.
constexpr sv kHackerAbbr[] = {
    "ADP", "AGP", "AI", "API", "BIOS", "COM", "CPU", "CSS", "DHCP", "DNS", "EXE", "FTP", "GPU",
    "HDD", "HTTP", "IB", "IP", "JBOD", "JSON", "NTP", "PCI", "PNG", "RAM", "RSS", "SAS", "SCSI",
    "SMS", "SMTP", "SQL", "SSD", "SSL", "TCP", "THX", "TLS", "UDP", "USB", "VPN", "XML",
};
constexpr sv kHackerAdj[] = {
    "1080p", "asynchronous", "auxiliary", "back-end", "bluetooth", "cross-platform", "digital",
    "distributed", "encrypted", "haptic", "headless", "legacy", "low-latency", "mobile", "modular",
    "multi-byte", "neural", "onboard", "online", "open-source", "optical", "primary", "quantum",
    "redundant", "serverless", "solid state", "virtual", "wireless",
};
constexpr sv kHackerNoun[] = {
    "alarm", "application", "array", "backbone", "bandwidth", "buffer", "bus", "cache",
    "capacitor", "card", "circuit", "cluster", "compiler", "driver", "feed", "firewall",
    "hard drive", "hypervisor", "interface", "kernel", "matrix", "microchip", "monitor", "panel",
    "pipeline", "pixel", "port", "program", "protocol", "router", "sensor", "socket", "system",
    "transmitter",
};
constexpr sv kHackerVerb[] = {
    "back up", "bypass", "calculate", "compile", "compress", "connect", "copy", "debug", "decrypt",
    "defragment", "encrypt", "flush", "generate", "hack", "index", "input", "navigate", "override",
    "parse", "patch", "ping", "program", "quantify", "reboot", "recalibrate", "reroute",
    "synthesize", "transmit",
};
constexpr sv kHackerIngVerb[] = {
    "backing up", "bypassing", "calculating", "compiling", "compressing", "connecting", "copying",
    "debugging", "encrypting", "flushing", "generating", "hacking", "indexing", "navigating",
    "overriding", "parsing", "patching", "pinging", "programming", "quantifying", "recalibrating",
    "rerouting", "synthesizing", "transmitting",
};
// Sentence shapes; {v} verb, {g} -ing verb, {n} noun, {a} adjective, {x} abbreviation.
// The first letter of the expanded phrase is upper-cased.
constexpr sv kHackerTemplates[] = {
    "If we {v} the {n}, we can get to the {x} {n} through the {a} {x} {n}!",
    "{g} the {n} won't do anything, we need to {v} the {a} {x} {n}!",
    "We need to {v} the {a} {x} {n}!",
    "Try to {v} the {x} {n}, maybe it will {v} the {a} {n}!",
    "You can't {v} the {n} without {g} the {a} {x} {n}!",
    "Use the {a} {x} {n}, then you can {v} the {a} {n}!",
    "The {x} {n} is down, {v} the {a} {n} so we can {v} the {x} {n}!",
    "I'll {v} the {a} {x} {n}, that should {v} the {x} {n}!",
    "{g} the {n} is pointless, the {a} {x} {n} keeps timing out!",
    "Our {x} {n} can't {v} the {a} {n}, so {v} the {n} instead!",
};

constexpr sv kHttpMethods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"};
constexpr sv kHttpVersions[] = {"HTTP/1.0", "HTTP/1.1", "HTTP/2.0"};
constexpr sv kStatusCodes[] = {"100", "200", "201", "203", "204", "205", "301",
                               "302", "304", "400", "401", "403", "404", "405",
                               "406", "416", "500", "501", "502", "503", "504"};
// gofakeit LogLevel("apache") as flog 0.4.4 uses it: "trace1-8" is one value, written as is.
constexpr sv kApacheLevels[] = {"emerg", "alert", "crit", "error", "warn", "notice", "info", "debug", "trace1-8"};
constexpr sv kWeekdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

// User-agent platform tokens.
constexpr sv kWindowsTokens[] = {
    "Windows NT 5.0", "Windows NT 5.01", "Windows NT 5.1", "Windows NT 5.2", "Windows NT 6.0",
    "Windows NT 6.1", "Windows NT 6.2", "Windows NT 6.3", "Windows NT 10.0", "Windows 98",
    "Windows 98; Win 9x 4.90", "Windows 95", "Windows CE",
};
constexpr sv kLinuxCpus[] = {"i686", "x86_64"};
constexpr sv kMacCpus[] = {"Intel", "PPC", "U; Intel", "U; PPC"};
constexpr sv kMobileDevices[] = {"iPhone; CPU iPhone OS", "iPad; CPU OS"};

template <size_t N>
constexpr size_t max_len(const sv (&a)[N]) {
  size_t m = 0;
  for (sv s : a) m = std::max(m, s.size());
  return m;
}

constexpr bool query_unreserved(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

// url.QueryEscape followed by strings.ToLower (flog lower-cases the whole URI).
std::string query_escape_lower(sv s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string r;
  for (char c : s) {
    if (query_unreserved(c)) {
      r.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c);
    } else if (c == ' ') {
      r.push_back('+');
    } else {
      auto u = static_cast<unsigned char>(c);
      r.push_back('%');
      r.push_back(kHex[u >> 4]);
      r.push_back(kHex[u & 15]);
    }
  }
  return r;
}

std::string strip_spaces(sv s) {
  std::string r;
  for (char c : s)
    if (c != ' ') r.push_back(c);
  return r;
}

struct Piece {
  char kind;  // 0: literal, else the placeholder letter
  sv text;    // the literal
};

}  // namespace

// Derived tables, built once.
struct GenTables {
  std::vector<std::string> uri_store, slug_store;
  std::vector<sv> uri_seg;  // "/" + query_escape_lower(bs)
  std::vector<sv> slug;     // bs without spaces (URL path slugs, domain halves)
  std::vector<std::vector<Piece>> hacker;
  struct Oct {
    char s[4];
    uint8_t n;
  } oct[256];
  char two[100][2];  // "00".."99"
  size_t max_line = 0;

  GenTables() {
    for (sv w : kBs) {
      uri_store.push_back("/" + query_escape_lower(w));
      slug_store.push_back(strip_spaces(w));
    }
    for (auto& s : uri_store) uri_seg.emplace_back(s);
    for (auto& s : slug_store) slug.emplace_back(s);
    for (sv t : kHackerTemplates) {
      std::vector<Piece> ps;
      size_t i = 0;
      while (i < t.size()) {
        if (t[i] == '{') {
          ps.push_back({t[i + 1], {}});
          i += 3;
        } else {
          size_t j = t.find('{', i);
          if (j == sv::npos) j = t.size();
          ps.push_back({0, t.substr(i, j - i)});
          i = j;
        }
      }
      hacker.push_back(std::move(ps));
    }
    for (int v = 0; v < 256; ++v) {
      auto r = std::to_chars(oct[v].s, oct[v].s + 4, v);
      oct[v].n = static_cast<uint8_t>(r.ptr - oct[v].s);
    }
    for (int v = 0; v < 100; ++v) {
      two[v][0] = static_cast<char>('0' + v / 10);
      two[v][1] = static_cast<char>('0' + v % 10);
    }
    // A generous upper bound of any line: fixed parts and numbers (<= 512 bytes, user agents
    // included) plus the variable word parts at their longest.
    size_t max_uri = 0, max_slug = 0;
    for (sv s : uri_seg) max_uri = std::max(max_uri, s.size());
    for (sv s : slug) max_slug = std::max(max_slug, s.size());
    size_t max_word = std::max({max_len(kHackerAbbr), max_len(kHackerAdj), max_len(kHackerNoun),
                                max_len(kHackerVerb), max_len(kHackerIngVerb)});
    size_t max_phrase = 0;
    for (auto& ps : hacker) {
      size_t n = 0;
      for (auto& p : ps) n += p.kind ? max_word : p.text.size();
      max_phrase = std::max(max_phrase, n);
    }
    size_t max_url = 16 + max_len(kJobDescriptors) + max_slug + 1 + max_len(kDomainSuffixes) + 4 * (max_slug + 1);
    max_line = 512 + 4 * max_uri + 2 * max_url + max_len(kLastNames) + max_phrase +
               max_len(kLorem) + max_url;
  }
};

namespace {

constexpr size_t kLineBuf = 4096;

const GenTables& tables() {
  static const GenTables t;
  if (t.max_line > kLineBuf) std::abort();  // the vocabularies outgrew the line buffer
  return t;
}

inline char* put(char* p, sv s) {
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}
template <size_t N>
inline char* lit(char* p, const char (&s)[N]) {
  std::memcpy(p, s, N - 1);
  return p + N - 1;
}
inline char* put_u(char* p, uint64_t v) { return std::to_chars(p, p + 20, v).ptr; }

inline int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

constexpr int64_t kNs = 1000000000;

}  // namespace

// ---------------------------------------------------------------------------------------------
// Generator
// ---------------------------------------------------------------------------------------------

Generator::Generator(GeneratorConfig cfg) : t_(&tables()), cfg_(cfg) {
  switch (cfg_.format) {
    case Format::ApacheCommon:
    case Format::ApacheCombined:
    case Format::ApacheError:
    case Format::Rfc3164:
    case Format::Rfc5424:
    case Format::Json:
      break;
    default:
      throw std::invalid_argument("Generator: format must be one of apache_common, apache_combined, "
                                  "apache_error, rfc3164, rfc5424, json");
  }
  if (cfg_.tz_offset_min < -24 * 60 || cfg_.tz_offset_min > 24 * 60)
    throw std::invalid_argument("Generator: tz_offset_min must be within +-1440 minutes");
  constexpr int64_t kMaxSec = 9000000000LL;  // ~1685..2255: fits int64 nanoseconds
  if (cfg_.start_epoch_sec == -1) {
    time_ns_ = std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
  } else {
    if (cfg_.start_epoch_sec < -kMaxSec || cfg_.start_epoch_sec > kMaxSec)
      throw std::invalid_argument("Generator: start_epoch_sec out of range (years ~1685..2255)");
    time_ns_ = cfg_.start_epoch_sec * kNs;
  }
  uint64_t seed = cfg_.seed;
  if (seed == 0) {
    std::random_device rd;
    seed = (static_cast<uint64_t>(rd()) << 32) ^ rd();
    if (seed == 0) seed = 0x5eed;
  }
  uint64_t x = seed;
  for (auto& s : s_) s = splitmix64(x);
  cached_sec_ = INT64_MIN;
}

inline uint64_t Generator::rand_u64() {
  // xoshiro256** (Blackman & Vigna).
  const uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

inline uint64_t Generator::below(uint64_t n) {
  // Lemire's multiply-shift: bias < n / 2^64, irrelevant here.
  return static_cast<uint64_t>((static_cast<unsigned __int128>(rand_u64()) * n) >> 64);
}

#define KI_PICK(arr) (arr)[below(std::size(arr))]

void Generator::format_time(int64_t sec) {
  cached_sec_ = sec;
  const int64_t wall = cfg_.format == Format::Rfc5424 ? sec : sec + int64_t{cfg_.tz_offset_min} * 60;
  const int64_t days = floor_div(wall, 86400);
  const int64_t sod = wall - days * 86400;
  int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  const auto& two = t_->two;
  char* p = time_buf_;
  auto p2 = [&](int64_t v) {
    std::memcpy(p, two[v], 2);
    p += 2;
  };
  auto year = [&] {
    p2(y / 100);
    p2(y % 100);
  };
  auto clock = [&] {
    p2(sod / 3600);
    *p++ = ':';
    p2(sod / 60 % 60);
    *p++ = ':';
    p2(sod % 60);
  };
  const sv mon = kMonthAbbrev[m - 1];
  switch (cfg_.format) {
    case Format::ApacheCommon:
    case Format::ApacheCombined:
    case Format::Json: {  // 02/Jan/2006:15:04:05 -0700
      p2(d);
      *p++ = '/';
      p = put(p, mon);
      *p++ = '/';
      year();
      *p++ = ':';
      clock();
      *p++ = ' ';
      int off = cfg_.tz_offset_min;
      *p++ = off < 0 ? '-' : '+';
      if (off < 0) off = -off;
      p2(off / 60);
      p2(off % 60);
      break;
    }
    case Format::ApacheError: {  // Mon Jan 02 15:04:05 2006
      const int64_t wd = ((days + 4) % 7 + 7) % 7;
      p = put(p, kWeekdays[wd]);
      *p++ = ' ';
      p = put(p, mon);
      *p++ = ' ';
      p2(d);
      *p++ = ' ';
      clock();
      *p++ = ' ';
      year();
      break;
    }
    case Format::Rfc3164:  // Jan 02 15:04:05
      p = put(p, mon);
      *p++ = ' ';
      p2(d);
      *p++ = ' ';
      clock();
      break;
    default:  // Rfc5424: 2006-01-02T15:04:05 (+ .000Z per line)
      year();
      *p++ = '-';
      p2(m);
      *p++ = '-';
      p2(d);
      *p++ = 'T';
      clock();
      break;
  }
  time_len_ = static_cast<uint8_t>(p - time_buf_);
}

char* Generator::put_ipv4(char* p) {
  const uint64_t r = rand_u64();  // four independent octets from one draw
  for (int i = 0; i < 4; ++i) {
    const auto& o = t_->oct[(r >> (8 * i)) & 0xff];
    std::memcpy(p, o.s, 4);
    p += o.n;
    *p++ = '.';
  }
  return p - 1;
}

char* Generator::put_user(char* p) {
  p = put(p, KI_PICK(kLastNames));
  const uint64_t n = below(10000);
  std::memcpy(p, t_->two[n / 100], 2);
  std::memcpy(p + 2, t_->two[n % 100], 2);
  return p + 4;
}

char* Generator::put_auth_user(char* p) {
  if (rand_u64() >> 63) return put_user(p);
  *p++ = '-';
  return p;
}

char* Generator::put_uri(char* p) {
  const uint64_t n = 1 + below(4);
  for (uint64_t i = 0; i < n; ++i) p = put(p, t_->uri_seg[below(t_->uri_seg.size())]);
  return p;
}

char* Generator::put_domain(char* p, bool with_spaces) {
  p = put(p, KI_PICK(kJobDescriptors));
  // gofakeit's DomainName keeps the space of "web services": flog's RFC 5424 host names have it.
  const uint64_t k = below(t_->slug.size());
  p = put(p, with_spaces ? kBs[k] : t_->slug[k]);
  *p++ = '.';
  return put(p, KI_PICK(kDomainSuffixes));
}

char* Generator::put_url(char* p) {
  p = (rand_u64() >> 63) ? lit(p, "https://www.") : lit(p, "http://www.");
  p = put_domain(p);
  const uint64_t n = 1 + below(4);
  for (uint64_t i = 0; i < n; ++i) {
    *p++ = '/';
    p = put(p, t_->slug[below(t_->slug.size())]);
  }
  return p;
}

char* Generator::put_platform(char* p) {
  switch (below(3)) {
    case 0:
      p = lit(p, "X11; Linux ");
      return put(p, KI_PICK(kLinuxCpus));
    case 1:
      p = lit(p, "Macintosh; ");
      p = put(p, KI_PICK(kMacCpus));
      p = lit(p, " Mac OS X 10_");
      p = put_u(p, range(5, 8));
      *p++ = '_';
      return put_u(p, below(10));
    default:
      return put(p, KI_PICK(kWindowsTokens));
  }
}

char* Generator::put_user_agent(char* p) {
  switch (below(5)) {
    case 0: {  // Chrome
      const uint64_t webkit = range(531, 535) * 10 + below(2);
      p = lit(p, "Mozilla/5.0 (");
      p = put_platform(p);
      p = lit(p, ") AppleWebKit/");
      p = put_u(p, webkit);
      p = lit(p, " (KHTML, like Gecko) Chrome/");
      p = put_u(p, range(36, 39));
      p = lit(p, ".0.");
      p = put_u(p, range(800, 898));
      p = lit(p, ".0 Mobile Safari/");
      return put_u(p, webkit);
    }
    case 1: {  // Firefox
      p = lit(p, "Mozilla/5.0 (");
      switch (below(3)) {
        case 0:
          p = put(p, KI_PICK(kWindowsTokens));
          p = lit(p, "; en-US; rv:1.9.");
          p = put_u(p, below(3));
          p = lit(p, ".20");
          break;
        case 1:
          p = lit(p, "X11; Linux ");
          p = put(p, KI_PICK(kLinuxCpus));
          p = lit(p, "; rv:");
          p = put_u(p, range(5, 7));
          p = lit(p, ".0");
          break;
        default:
          p = lit(p, "Macintosh; ");
          p = put(p, KI_PICK(kMacCpus));
          p = lit(p, " Mac OS X 10_");
          p = put_u(p, range(5, 8));
          *p++ = '_';
          p = put_u(p, below(10));
          p = lit(p, " rv:");
          p = put_u(p, range(2, 6));
          p = lit(p, ".0");
          break;
      }
      p = lit(p, ") Gecko/");  // gofakeit writes the date as year-day-month
      p = put_u(p, range(1900, 2024));
      *p++ = '-';
      std::memcpy(p, t_->two[range(1, 28)], 2);
      p += 2;
      *p++ = '-';
      std::memcpy(p, t_->two[range(1, 12)], 2);
      p += 2;
      p = lit(p, " Firefox/");
      p = put_u(p, range(35, 36));
      return lit(p, ".0");
    }
    case 2: {  // Safari
      char wk[16];
      char* w = wk;
      w = put_u(w, range(531, 535));
      *w++ = '.';
      w = put_u(w, range(1, 50));
      *w++ = '.';
      w = put_u(w, range(1, 7));
      const sv webkit(wk, static_cast<size_t>(w - wk));
      p = lit(p, "Mozilla/5.0 (");
      switch (below(3)) {
        case 0:
          p = lit(p, "Windows; U; ");
          p = put(p, KI_PICK(kWindowsTokens));
          p = lit(p, ") AppleWebKit/");
          p = put(p, webkit);
          p = lit(p, " (KHTML, like Gecko) Version/");
          p = put_u(p, range(4, 5));
          *p++ = '.';
          p = put_u(p, below(2));
          p = lit(p, " Safari/");
          return put(p, webkit);
        case 1:
          p = lit(p, "Macintosh; ");
          p = put(p, KI_PICK(kMacCpus));
          p = lit(p, " Mac OS X 10_");
          p = put_u(p, range(5, 8));
          *p++ = '_';
          p = put_u(p, below(10));
          p = lit(p, " rv:");
          p = put_u(p, range(4, 6));
          p = lit(p, ".0; en-US) AppleWebKit/");
          p = put(p, webkit);
          p = lit(p, " (KHTML, like Gecko) Version/");
          p = put_u(p, range(4, 5));
          *p++ = '.';
          p = put_u(p, below(2));
          p = lit(p, " Safari/");
          return put(p, webkit);
        default:
          p = put(p, KI_PICK(kMobileDevices));
          *p++ = ' ';
          p = put_u(p, range(7, 8));
          *p++ = '_';
          p = put_u(p, below(3));
          *p++ = '_';
          p = put_u(p, range(1, 2));
          p = lit(p, " like Mac OS X; en-US) AppleWebKit/");
          p = put(p, webkit);
          p = lit(p, " (KHTML, like Gecko) Version/");
          p = put_u(p, range(3, 4));
          p = lit(p, ".0.5 Mobile/8B");
          p = put_u(p, range(111, 119));
          p = lit(p, " Safari/6");
          return put(p, webkit);
      }
    }
    case 3: {  // Opera (Presto)
      p = lit(p, "Opera/");
      p = put_u(p, range(8, 9));
      *p++ = '.';
      p = put_u(p, range(10, 98));
      p = lit(p, " (");
      p = put_platform(p);
      p = lit(p, "; en-US) Presto/2.");
      p = put_u(p, range(8, 12));
      *p++ = '.';
      p = put_u(p, range(160, 354));
      p = lit(p, " Version/");
      p = put_u(p, range(10, 12));
      return lit(p, ".00");
    }
    default: {  // Internet Explorer
      p = lit(p, "Mozilla/5.0 (compatible; MSIE ");
      const int64_t ie = range(8, 10);
      p = put_u(p, ie);
      p = lit(p, ".0; ");
      p = put(p, KI_PICK(kWindowsTokens));
      p = lit(p, "; Trident/");
      p = put_u(p, ie - 4);
      return lit(p, ".0)");
    }
  }
}

char* Generator::put_hacker_phrase(char* p) {
  char* start = p;
  for (const Piece& pc : t_->hacker[below(t_->hacker.size())]) {
    switch (pc.kind) {
      case 0: p = put(p, pc.text); break;
      case 'v': p = put(p, KI_PICK(kHackerVerb)); break;
      case 'g': p = put(p, KI_PICK(kHackerIngVerb)); break;
      case 'n': p = put(p, KI_PICK(kHackerNoun)); break;
      case 'a': p = put(p, KI_PICK(kHackerAdj)); break;
      default: p = put(p, KI_PICK(kHackerAbbr)); break;
    }
  }
  if (*start >= 'a' && *start <= 'z') *start = static_cast<char>(*start - 'a' + 'A');
  return p;
}

// `%s - %s [%s] "%s %s %s" %d %d` (apache_common / common_log; apache_combined's head).
char* Generator::put_access_head(char* p, int64_t min_bytes, int64_t max_bytes) {
  p = put_ipv4(p);
  p = lit(p, " - ");
  p = put_auth_user(p);
  p = lit(p, " [");
  p = put(p, sv(time_buf_, time_len_));
  p = lit(p, "] \"");
  p = put(p, KI_PICK(kHttpMethods));
  *p++ = ' ';
  p = put_uri(p);
  *p++ = ' ';
  p = put(p, KI_PICK(kHttpVersions));
  p = lit(p, "\" ");
  p = put(p, KI_PICK(kStatusCodes));
  *p++ = ' ';
  return put_u(p, range(min_bytes, max_bytes));
}

void Generator::next(std::string& out) {
  char buf[kLineBuf];
  char* p = buf;
  const int64_t sec = floor_div(time_ns_, kNs);
  if (sec != cached_sec_) format_time(sec);
  const sv ts(time_buf_, time_len_);

  switch (cfg_.format) {
    case Format::ApacheCommon:
      p = put_access_head(p, 0, 30000);
      break;
    case Format::ApacheCombined:
      p = put_access_head(p, 30, 100000);
      p = lit(p, " \"");
      p = put_url(p);
      p = lit(p, "\" \"");
      p = put_user_agent(p);
      *p++ = '"';
      break;
    case Format::ApacheError:  // [%s] [%s:%s] [pid %d:tid %d] [client %s:%d] %s
      *p++ = '[';
      p = put(p, ts);
      p = lit(p, "] [");
      p = put(p, KI_PICK(kLorem));
      *p++ = ':';
      p = put(p, KI_PICK(kApacheLevels));
      p = lit(p, "] [pid ");
      p = put_u(p, range(1, 10000));
      p = lit(p, ":tid ");
      p = put_u(p, range(1, 10000));
      p = lit(p, "] [client ");
      p = put_ipv4(p);
      *p++ = ':';
      p = put_u(p, range(1, 65535));
      p = lit(p, "] ");
      p = put_hacker_phrase(p);
      break;
    case Format::Rfc3164:  // <%d>%s %s %s[%d]: %s
      *p++ = '<';
      p = put_u(p, range(0, 191));
      *p++ = '>';
      p = put(p, ts);
      *p++ = ' ';
      p = put_user(p);
      *p++ = ' ';
      p = put(p, KI_PICK(kLorem));
      *p++ = '[';
      p = put_u(p, range(1, 10000));
      p = lit(p, "]: ");
      p = put_hacker_phrase(p);
      break;
    case Format::Rfc5424: {  // <%d>%d %s %s %s %d ID%d %s %s
      *p++ = '<';
      p = put_u(p, range(0, 191));
      *p++ = '>';
      p = put_u(p, range(1, 3));
      *p++ = ' ';
      p = put(p, ts);
      const int64_t ms = (time_ns_ - sec * kNs) / 1000000;
      *p++ = '.';
      *p++ = static_cast<char>('0' + ms / 100);
      std::memcpy(p, t_->two[ms % 100], 2);
      p += 2;
      p = lit(p, "Z ");
      p = put_domain(p, true);
      *p++ = ' ';
      p = put(p, KI_PICK(kLorem));
      *p++ = ' ';
      p = put_u(p, range(1, 10000));
      p = lit(p, " ID");
      p = put_u(p, range(1, 1000));
      p = lit(p, " - ");
      p = put_hacker_phrase(p);
      break;
    }
    default: {  // Json
      p = lit(p, "{\"host\":\"");
      p = put_ipv4(p);
      p = lit(p, "\", \"user-identifier\":\"");
      p = put_auth_user(p);
      p = lit(p, "\", \"datetime\":\"");
      p = put(p, ts);
      p = lit(p, "\", \"method\": \"");
      p = put(p, KI_PICK(kHttpMethods));
      p = lit(p, "\", \"request\": \"");
      p = put_uri(p);
      p = lit(p, "\", \"protocol\":\"");
      p = put(p, KI_PICK(kHttpVersions));
      p = lit(p, "\", \"status\":");
      p = put(p, KI_PICK(kStatusCodes));
      p = lit(p, ", \"bytes\":");
      p = put_u(p, range(0, 30000));
      p = lit(p, ", \"referer\": \"");
      p = put_url(p);
      p = lit(p, "\"}");
      break;
    }
  }
  time_ns_ = static_cast<int64_t>(static_cast<uint64_t>(time_ns_) + static_cast<uint64_t>(cfg_.interval_ns));
  out.append(buf, static_cast<size_t>(p - buf));
}

#undef KI_PICK

// ---------------------------------------------------------------------------------------------
// generate(): the flog CLI loop
// ---------------------------------------------------------------------------------------------
namespace {

std::string errno_text(int e) { return std::strerror(e); }

class Sink {
 public:
  virtual ~Sink() = default;
  virtual void write(const char* p, size_t n) = 0;
  virtual void flush() {}
  virtual void close() = 0;
};

class FdSink final : public Sink {
 public:
  // path empty: stdout.
  explicit FdSink(const std::string& path) {
    if (path.empty()) {
      std::fflush(stdout);  // keep anything stdio already buffered in front of our lines
      fd_ = STDOUT_FILENO;
      owned_ = false;
      label_ = "stdout";
    } else {
      label_ = "'" + path + "'";
      fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (fd_ < 0) throw std::runtime_error("generate: cannot open output file " + label_ + ": " + errno_text(errno));
      owned_ = true;
    }
  }
  ~FdSink() override {
    if (owned_ && fd_ >= 0) ::close(fd_);
  }
  void write(const char* p, size_t n) override {
    while (n > 0) {
      ssize_t w = ::write(fd_, p, n);
      if (w < 0) {
        if (errno == EINTR) continue;
        throw std::runtime_error("generate: cannot write to " + label_ + ": " + errno_text(errno));
      }
      p += w;
      n -= static_cast<size_t>(w);
    }
  }
  void close() override {
    if (owned_ && fd_ >= 0) {
      int fd = fd_;
      fd_ = -1;
      if (::close(fd) != 0 && errno != EINTR)
        throw std::runtime_error("generate: cannot close " + label_ + ": " + errno_text(errno));
    }
  }

 private:
  int fd_ = -1;
  bool owned_ = false;
  std::string label_;
};

class GzSink final : public Sink {
 public:
  explicit GzSink(const std::string& path) {
    errno = 0;
    if (path.empty()) {
      label_ = "stdout (gzip)";
      std::fflush(stdout);
      int fd = ::dup(STDOUT_FILENO);
      if (fd < 0) throw std::runtime_error("generate: cannot dup stdout: " + errno_text(errno));
      gz_ = gzdopen(fd, "wb");
      if (!gz_) ::close(fd);
    } else {
      label_ = "'" + path + "'";
      gz_ = gzopen(path.c_str(), "wb");
    }
    if (!gz_)
      throw std::runtime_error("generate: cannot open gzip output " + label_ + ": " +
                               (errno ? errno_text(errno) : std::string("out of memory")));
    gzbuffer(gz_, 1 << 17);
  }
  ~GzSink() override {
    if (gz_) gzclose(gz_);
  }
  void write(const char* p, size_t n) override {
    while (n > 0) {
      const unsigned chunk = static_cast<unsigned>(std::min<size_t>(n, 1u << 30));
      const int w = gzwrite(gz_, p, chunk);
      if (w <= 0) fail("write to");
      p += w;
      n -= static_cast<size_t>(w);
    }
  }
  void flush() override {
    if (gzflush(gz_, Z_SYNC_FLUSH) != Z_OK) fail("flush");
  }
  void close() override {
    if (!gz_) return;
    gzFile g = gz_;
    gz_ = nullptr;
    const int rc = gzclose(g);
    if (rc != Z_OK)
      throw std::runtime_error("generate: cannot close gzip output " + label_ + ": " +
                               (rc == Z_ERRNO ? errno_text(errno) : "zlib error " + std::to_string(rc)));
  }

 private:
  [[noreturn]] void fail(const char* what) {
    int zerr = Z_OK;
    const char* msg = gzerror(gz_, &zerr);
    std::string detail = zerr == Z_ERRNO ? errno_text(errno) : std::string(msg ? msg : "zlib error");
    throw std::runtime_error(std::string("generate: cannot ") + what + " gzip output " + label_ + ": " + detail);
  }
  gzFile gz_ = nullptr;
  std::string label_;
};

using Clock = std::chrono::steady_clock;

// Sleeps until `deadline` in slices of <= 100 ms, polling `stop` between slices and at the end.
// Returns true when stop() asked to end.
bool sleep_until_or_stop(Clock::time_point deadline, const std::function<bool()>& stop) {
  constexpr auto kSlice = std::chrono::milliseconds(100);
  for (;;) {
    const auto now = Clock::now();
    if (now >= deadline) break;
    const auto left = deadline - now;
    if (left <= kSlice) {
      std::this_thread::sleep_until(deadline);
      break;
    }
    std::this_thread::sleep_for(kSlice);
    if (stop && stop()) return true;
  }
  return stop && stop();
}

}  // namespace

GenerateStats generate(const GenerateOptions& opts, const std::function<bool()>& stop) {
  const bool gz = opts.type == "gz";
  if (!gz && opts.type != "stdout" && opts.type != "log")
    throw std::invalid_argument("generate: unknown output type '" + opts.type + "' (expected stdout, log or gz)");
  if (!(opts.delay_sec >= 0) || !std::isfinite(opts.delay_sec) || opts.delay_sec > 1e9)
    throw std::invalid_argument("generate: delay must be a finite number of seconds >= 0");

  const int64_t delay_ns = std::llround(opts.delay_sec * 1e9);
  GeneratorConfig cfg = opts.gen;
  if (cfg.interval_ns == 0 && delay_ns > 0) cfg.interval_ns = delay_ns;  // flog: -s defaults to -d
  Generator gen(cfg);  // validates the config before any file is truncated

  const std::string path = (opts.output == "-") ? std::string() : opts.output;
  std::unique_ptr<Sink> sink;
  if (gz)
    sink = std::make_unique<GzSink>(path);
  else
    sink = std::make_unique<FdSink>(path);

  const bool by_bytes = !opts.loop && opts.number <= 0 && opts.bytes > 0;
  constexpr size_t kFlushAt = 256 * 1024;
  std::string buf;
  buf.reserve(kFlushAt + kLineBuf + 1);

  GenerateStats st;
  const auto delay = std::chrono::nanoseconds(delay_ns);
  auto deadline = Clock::now();
  for (;;) {
    if (!opts.loop) {
      if (by_bytes ? st.bytes >= opts.bytes : st.lines >= opts.number) break;
    }
    if (delay_ns > 0) {
      // Steady pacing without catching up after a stall (flog simply sleeps -d per line).
      deadline = std::max(deadline + delay, Clock::now());
      if (sleep_until_or_stop(deadline, stop)) break;
    } else if ((st.lines & 4095) == 0 && stop && stop()) {
      break;
    }
    const size_t before = buf.size();
    gen.next(buf);
    buf.push_back('\n');
    ++st.lines;
    st.bytes += static_cast<int64_t>(buf.size() - before);
    if (delay_ns > 0 || buf.size() >= kFlushAt) {
      sink->write(buf.data(), buf.size());
      buf.clear();
      if (delay_ns > 0) sink->flush();
    }
  }
  if (!buf.empty()) sink->write(buf.data(), buf.size());
  sink->close();
  return st;
}

}  // namespace ki

// Fuzzes the JSON encoder directly: every string field of a Record gets arbitrary bytes (the
// parsers only ever hand it a subset), the numbers stay in the ranges the parsers guarantee.
// Both layouts must give one valid UTF-8 JSON object with no repeated keys, and the message (a
// string the log controls) must read back byte for byte when it is valid UTF-8: no injection.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <string>
#include <deque>
#include <iterator>

#include "check.h"
#include "encode/encoder.h"
#include "parse/record.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  std::deque<std::string> pool;  // owns the bytes the Record's views point to (stable addresses)
  auto str = [&]() -> std::string_view { return pool.emplace_back(in.ConsumeRandomLengthString(64)); };

  ki::Record r;
  r.format = static_cast<ki::Format>(in.ConsumeIntegralInRange<int>(1, ki::kFormatCount - 1));
  r.raw = str();
  r.ts.epoch_sec = in.ConsumeIntegralInRange<int64_t>(-62167219200LL, 253402300799LL);  // years 0..9999
  r.ts.nanos = in.ConsumeIntegralInRange<uint32_t>(0, 999999999);
  r.ts.frac_digits = in.ConsumeIntegralInRange<uint8_t>(0, 9);
  r.ts.offset_min = in.ConsumeIntegralInRange<int16_t>(-(23 * 60 + 59), 23 * 60 + 59);
  r.ts.valid = in.ConsumeBool();
  r.client_ip = str();
  r.ident = str();
  r.user = str();
  r.request = str();
  r.method = str();
  r.path = str();
  r.protocol = str();
  r.status = in.ConsumeIntegralInRange<int>(-1, 999);
  r.bytes = in.ConsumeIntegralInRange<int64_t>(-1, INT64_MAX);
  r.has_referrer = in.ConsumeBool();
  r.referrer = str();
  r.user_agent = str();
  r.module = str();
  r.level = str();
  r.pid = in.ConsumeIntegralInRange<int64_t>(-1, INT64_MAX);
  r.tid = in.ConsumeIntegralInRange<int64_t>(-1, INT64_MAX);
  r.port = in.ConsumeIntegralInRange<int>(-1, 65535);
  r.priority = in.ConsumeIntegralInRange<int>(-1, 191);
  r.version = in.ConsumeIntegralInRange<int>(-1, 999);
  r.hostname = str();
  r.app = str();
  r.procid = str();
  r.msgid = str();
  // SD-IDs and names are printable ASCII (the parser's guarantee, RFC 5424's SD-NAME).
  auto sd_name = [&]() -> std::string_view {
    std::string s = in.ConsumeRandomLengthString(16);
    for (char& c : s) c = static_cast<char>(33 + static_cast<unsigned char>(c) % 94);
    return pool.emplace_back(std::move(s));
  };
  for (int n = in.ConsumeIntegralInRange<int>(0, 4); n > 0; --n) {
    std::string_view id = sd_name(), name = sd_name(), value = str();
    r.sd.push_back({id, name, value});
  }
  r.message = str();
  r.logger = str();
  r.service = str();
  r.severity = in.ConsumeIntegralInRange<int>(-1, 7);
  r.time_from_read = in.ConsumeBool();
  // Fields with names from a small alphabet, so that they collide with ours ("log", "message")
  // and with each other (duplicates, a leaf and an object of one name, empty segments).
  auto field_name = [&]() -> std::string_view {
    static constexpr std::string_view kParts[] = {"log", "level", "message", "a", "b", "", "_", "event", "kafkainsight", "renamed", "@timestamp"};
    std::string s;
    for (int n = in.ConsumeIntegralInRange<int>(1, 4); n > 0; --n) {
      if (!s.empty()) s.push_back('.');
      s.append(kParts[in.ConsumeIntegralInRange<size_t>(0, std::size(kParts) - 1)]);
    }
    return pool.emplace_back(std::move(s));
  };
  for (int n = in.ConsumeIntegralInRange<int>(0, 12); n > 0; --n) {
    ki::Field f{field_name()};
    switch (in.ConsumeIntegralInRange<int>(0, 5)) {
      case 0: f.text = str(); break;
      case 1: f.kind = ki::Field::Kind::Int, f.i = in.ConsumeIntegral<int64_t>(); break;
      case 2: f.kind = ki::Field::Kind::Float, f.f = in.ConsumeFloatingPoint<double>(), f.text = str(); break;
      case 3: f.kind = ki::Field::Kind::Bool, f.b = in.ConsumeBool(); break;
      case 4: f.kind = ki::Field::Kind::Null; break;
      default: f.kind = ki::Field::Kind::Json, f.text = "[1,{\"x\":2}]"; break;
    }
    r.fields.push_back(f);
  }

  for (ki::Schema schema : {ki::Schema::Ecs, ki::Schema::KafkaInsight}) {
    std::string out;
    ki::Encoder(ki::EncoderConfig{schema, true}).encode(r, out);
    ki::fuzz::check_document(out);
    // The message field reads back as the log wrote it: escaping hides nothing and adds nothing.
    // (only when a document writes it: a field of the input named "message" may stand there)
    bool user_message = false;
    for (const ki::Field& f : r.fields) user_message = user_message || f.name == "message";
    if (r.message.empty() || user_message || !simdjson::validate_utf8(r.message.data(), r.message.size())) continue;
    static simdjson::dom::parser p;
    std::string_view msg;
    if (p.parse(out)["message"].get_string().get(msg) == simdjson::SUCCESS && msg != r.message)
      ki::fuzz::die("message does not read back as written", out);
  }
  return 0;
}

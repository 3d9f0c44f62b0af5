// --time-format: strptime-style layouts, Java's ,SSS, zones, and what is refused.
#include <gtest/gtest.h>

#include <ctime>
#include <stdexcept>
#include <string>

#include "parse/time_format.h"
#include "parse/timestamp.h"

using ki::TimeFormat;
using ki::Timestamp;

namespace {
Timestamp at(const char* fmt, const char* text, int tz = 0, int year = 2024) {
  Timestamp ts;
  if (!TimeFormat(fmt).parse(text, tz, year, ts)) ADD_FAILURE() << fmt << " did not parse " << text;
  return ts;
}
}  // namespace

TEST(TimeFormat, LayoutsUsersGive) {
  EXPECT_EQ(at("%Y-%m-%d %H:%M:%S", "2024-03-01 12:30:45").epoch_sec, 1709296245);
  Timestamp t = at("%d.%m.%Y %H:%M:%S,SSS", "01.03.2024 12:30:45,123");
  EXPECT_EQ(t.epoch_sec, 1709296245);
  EXPECT_EQ(t.nanos, 123000000u);
  EXPECT_EQ(t.frac_digits, 3);
  EXPECT_EQ(at("%d/%b/%Y:%H:%M:%S %z", "01/Mar/2024:13:30:45 +0100").epoch_sec, 1709296245);
  EXPECT_EQ(at("%b %e %H:%M:%S", "Mar  1 12:30:45").epoch_sec, 1709296245);  // no year: the default
  EXPECT_EQ(at("%b %d, %Y %I:%M:%S %p", "Mar 01, 2024 12:30:45 PM").epoch_sec, 1709296245);
  EXPECT_EQ(at("%s", "1709296245").epoch_sec, 1709296245);
  EXPECT_EQ(at("%Y%m%dT%H%M%S.%f%z", "20240301T133045.5+01:00").nanos, 500000000u);
  EXPECT_EQ(at("%F %T", "2024-03-01 14:30:45", 120).epoch_sec, 1709296245);  // zone from --tz
  EXPECT_EQ(at("%A, %d %B %Y %H:%M:%S %Z", "Friday, 01 March 2024 12:30:45 UTC").epoch_sec, 1709296245);
  // %L: milliseconds as a count (Java's S), padded or not: 3 is 3 ms where %f would read 300.
  EXPECT_EQ(at("%Y%m%d-%H:%M:%S:%L", "20240301-12:30:45:3").nanos, 3000000u);
  EXPECT_EQ(at("%Y%m%d-%H:%M:%S:%L", "20240301-12:30:45:097").nanos, 97000000u);
  EXPECT_EQ(at("%Y%m%d-%H:%M:%S:%L", "20240301-12:30:45:997").frac_digits, 3);
}

TEST(TimeFormat, RefusesWhatDoesNotFit) {
  Timestamp ts;
  EXPECT_FALSE(TimeFormat("%Y-%m-%d").parse("2024-03-01 extra", 0, 0, ts));
  EXPECT_FALSE(TimeFormat("%Y-%m-%d").parse("2024-13-01", 0, 0, ts));
  EXPECT_FALSE(TimeFormat("%H:%M:%S").parse("12:3x:45", 0, 0, ts));
  EXPECT_FALSE(TimeFormat("%S:%L").parse("45:1000", 0, 0, ts));  // four digits are no milliseconds
  EXPECT_THROW(TimeFormat("%Q"), std::invalid_argument);
  EXPECT_THROW(TimeFormat("100%"), std::invalid_argument);
}

// A time of day alone ("12:34:56.789"): the day that puts it in the 24 hours before the clock,
// or up to 3 hours after it.
TEST(TimeOfDay, TakesItsDayFromTheClock) {
  const int64_t evening = 1733511600;  // 2024-12-06T19:00:00Z
  const int64_t day = 1733443200;      // 2024-12-06T00:00:00Z
  EXPECT_EQ(ki::place_time_of_day(0, 0, evening), day);                    // today's file, read at 19:00
  EXPECT_EQ(ki::place_time_of_day(18 * 3600, 0, evening), day + 18 * 3600);
  EXPECT_EQ(ki::place_time_of_day(21 * 3600, 0, evening), day + 21 * 3600);  // ahead by 2 h: a --tz off
  EXPECT_EQ(ki::place_time_of_day(23 * 3600, 0, evening), day - 3600);       // ahead by 4 h: yesterday's
  const int64_t after_midnight = day + 600;  // 00:10
  EXPECT_EQ(ki::place_time_of_day(23 * 3600 + 59 * 60, 0, after_midnight), day - 60);  // written at 23:59
  EXPECT_EQ(ki::place_time_of_day(5 * 60, 0, after_midnight), day + 300);
  // At +02:00 the wall clock is 21:00 at 19:00Z: 20:30 there is 18:30Z the same day, 23:30 there
  // (ahead by 2.5 h) too, 00:30 there (ahead by 3.5 h of 21:00) is that morning's.
  EXPECT_EQ(ki::place_time_of_day(20 * 3600 + 1800, 120, evening), day + 18 * 3600 + 1800);
  EXPECT_EQ(ki::place_time_of_day(23 * 3600 + 1800, 120, evening), day + 21 * 3600 + 1800);
  EXPECT_EQ(ki::place_time_of_day(1800, 120, evening), day - 7200 + 1800);
}

TEST(TimeOfDay, TextAndLayoutsWithoutADate) {
  Timestamp ts;
  ASSERT_TRUE(ki::parse_time_of_day("12:34:56.789", 0, ts));
  EXPECT_EQ(ts.epoch_sec % 86400, 12 * 3600 + 34 * 60 + 56);
  EXPECT_EQ(ts.nanos, 789000000u);
  EXPECT_EQ(ts.frac_digits, 3);
  EXPECT_LE(ts.epoch_sec, std::time(nullptr) + ki::kDaylessAhead);
  EXPECT_GT(ts.epoch_sec, std::time(nullptr) - 86400 + ki::kDaylessAhead - 1);
  ASSERT_TRUE(ki::parse_time_of_day("12:34:56,5", 60, ts));  // WildFly's console: ",SSS"
  EXPECT_EQ(ts.offset_min, 60);
  EXPECT_EQ((ts.epoch_sec + 3600) % 86400, 12 * 3600 + 34 * 60 + 56);
  for (const char* bad : {"12:34", "24:00:00", "12:60:00", "12:34:56.", "12:34:56 x", "1:34:56", "12:34:56.7z"})
    EXPECT_FALSE(ki::parse_time_of_day(bad, 0, ts)) << bad;
  // A layout with no date directive gets the same day; one with a date keeps January 1st's.
  Timestamp t = at("%H:%M:%S,SSS", "12:34:56,789");
  EXPECT_EQ(t.epoch_sec, ki::place_time_of_day(12 * 3600 + 34 * 60 + 56, 0, std::time(nullptr)));
  EXPECT_EQ(at("%Y %H:%M:%S", "2024 12:34:56").epoch_sec, 1704112496);
}

// The minute ApacheTimeCache remembers must give what parse_apache_time gives, line after line:
// the same minute with other seconds (60 too, and what is no second), another minute, day or
// zone, a fraction, text that is no time.
TEST(ApacheTimeCache, GivesWhatTheParserGives) {
  const char* times[] = {
      "07/Dec/2026:22:13:30 +0000", "07/Dec/2026:22:13:31 +0000", "07/Dec/2026:22:13:59 +0000",
      "07/Dec/2026:22:13:60 +0000", "07/Dec/2026:22:13:61 +0000", "07/Dec/2026:22:13:7a +0000",
      "07/Dec/2026:22:13:00 +0000", "07/Dec/2026:22:13:00 +0130", "07/Dec/2026:22:13:05 -0130",
      "07/Dec/2026:22:14:05 -0130", "08/Dec/2026:22:14:05 -0130", "08/Dec/2026:22:14:05.250 -0130",
      "08/Dec/2026:22:14:06 -0130", "08/Dec/2026:22:14:0 -0130]", "31/Feb/2026:22:14:06 -0130",
      "31/Feb/2026:22:14:07 -0130", "08/Dec/2026:22:14:07 -0130", "08/Dec/2026:22:14:/7 -0130",
      "08/Dec/2026:22:14:07 -0130 and more"};
  ki::ApacheTimeCache cache;
  for (const char* t : times) {
    const std::string s(t);
    Timestamp want, got;
    const size_t w = ki::parse_apache_time(s.data(), s.size(), want);
    const size_t g = cache.parse(s.data(), s.size(), got);
    ASSERT_EQ(g, w) << t;
    if (!w) continue;
    EXPECT_EQ(got.epoch_sec, want.epoch_sec) << t;
    EXPECT_EQ(got.nanos, want.nanos) << t;
    EXPECT_EQ(got.frac_digits, want.frac_digits) << t;
    EXPECT_EQ(got.offset_min, want.offset_min) << t;
    EXPECT_EQ(got.valid, want.valid) << t;
  }
}

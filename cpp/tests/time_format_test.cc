// --time-format: strptime-style layouts, Java's ,SSS, zones, and what is refused.
#include <gtest/gtest.h>

#include <stdexcept>

#include "parse/time_format.h"

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

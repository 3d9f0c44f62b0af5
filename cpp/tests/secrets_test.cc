// Secrets in Kafka properties never reach an error text or a log line.
#include <gtest/gtest.h>

#include <string>

#include "kafka/client_config.h"

using namespace ki;

static std::string conf_error(const Properties& props) {
  try {
    rd_kafka_conf_destroy(make_conf({}, props));
  } catch (const KafkaError& e) {
    return e.what();
  }
  return "";
}

TEST(Secrets, PropertyErrorsNeverShowASecretValue) {
  const std::string secret = "Zq9xSECRETx7731";
  // A misspelt secret property is unknown to librdkafka: named, its value hidden.
  std::string e = conf_error({{"sasl.passwd", secret}});
  EXPECT_NE(e.find("sasl.passwd=***"), std::string::npos) << e;
  EXPECT_EQ(e.find(secret), std::string::npos) << e;
  // A known non-secret property with a bad value is shown: it helps and hides nothing.
  e = conf_error({{"security.protocol", "bogus"}});
  EXPECT_NE(e.find("security.protocol=bogus"), std::string::npos) << e;
  EXPECT_EQ(redacted({{"sasl.password", secret}, {"sasl.username", "u"}}), "sasl.password=***, sasl.username=u");
  EXPECT_EQ(conf_error({{"sasl.password", secret}}), "");
}

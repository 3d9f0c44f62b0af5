// The pure parts of the group consumer and the consume sink: the idle rule, stop-at-end
// bookkeeping, the batcher (limits, linger, due retries, halves). No network.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cctype>
#include <functional>
#include <memory>
#include <set>

#include "kafka/group_consumer.h"
#include "kafka/mock_cluster.h"
#include "pipeline/batcher.h"
#include "pipeline/bulk_sender.h"

using namespace std::chrono_literals;
using ki::IdleRule;
using ki::PartitionEnds;
using ki::consume::Batcher;
using ki::consume::Item;
using Clock = std::chrono::steady_clock;

TEST(IdleRule, NoTimeoutNeverIdle) {
  auto t0 = Clock::now();
  IdleRule r(0, t0);
  r.assigned(t0);
  EXPECT_FALSE(r.expired(t0 + 10h, false));
}

TEST(IdleRule, CountsFromTheLastMessageOrAssignment) {
  auto t0 = Clock::now();
  IdleRule r(1000, t0);
  r.assigned(t0 + 5s);  // the join took 5 s: not idle time
  EXPECT_FALSE(r.expired(t0 + 5s + 999ms, false));
  EXPECT_TRUE(r.expired(t0 + 6s, false));
  r.activity(t0 + 6s);  // a message
  EXPECT_FALSE(r.expired(t0 + 6s + 500ms, false));
  EXPECT_TRUE(r.expired(t0 + 7s, false));
}

TEST(IdleRule, BeforeAnyAssignmentGivesUpAfterTimeoutPlusGrace) {
  auto t0 = Clock::now();
  IdleRule r(1000, t0);
  EXPECT_FALSE(r.assigned_once());
  EXPECT_FALSE(r.expired(t0 + 1s, false));
  EXPECT_FALSE(r.expired(t0 + 1s + IdleRule::kJoinGrace - 1ms, false));
  EXPECT_TRUE(r.expired(t0 + 1s + IdleRule::kJoinGrace, false));
}

TEST(IdleRule, TheJoinGraceCanBeLonger) {
  auto t0 = Clock::now();
  IdleRule r(1000, t0, 50s);  // e.g. a 45 s session timeout + 5 s
  EXPECT_FALSE(r.expired(t0 + 1s + 49s, false));
  EXPECT_TRUE(r.expired(t0 + 1s + 50s, false));
  EXPECT_EQ(r.waited_for_assignment(), 51s);
}

// Static membership: the default id is stable for a host and a topic list, whatever their order,
// made only of the characters Kafka accepts; "none" means dynamic membership.
TEST(InstanceId, DefaultIsStablePerHostAndTopicsAndValid) {
  std::string a = ki::resolve_instance_id("", {"web", "^app_.*"});
  EXPECT_EQ(a, ki::resolve_instance_id("", {"^app_.*", "web"}));
  EXPECT_NE(a, ki::resolve_instance_id("", {"web"}));
  EXPECT_EQ(a.rfind("ki-", 0), 0u);
  for (char c : a) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-') << a;
  EXPECT_EQ(ki::resolve_instance_id("none", {"web"}), "");
  EXPECT_EQ(ki::resolve_instance_id("pod-0", {"web"}), "pod-0");
  auto p = ki::group_consumer_defaults("b:9092", "g", "c", "earliest", false, "pod-0");
  EXPECT_EQ(p.back(), (std::pair<std::string, std::string>{"group.instance.id", "pod-0"}));
  for (const auto& [k, v] : ki::group_consumer_defaults("b:9092", "g", "c", "earliest", false, ""))
    EXPECT_NE(k, "group.instance.id");
}

// No broker at all: join() says so within its timeout, in the producer's words (not raw
// librdkafka lines and an exit 0 after the idle timeout).
TEST(GroupConsumer, NoClusterIsAClearErrorWithinTheTimeout) {
  ki::GroupConsumer g(ki::group_consumer_defaults("127.0.0.1:1", "g", "t", "earliest", false, "x-1"), {}, {"t"}, {},
                      {});
  auto t0 = Clock::now();
  try {
    g.join(1500);
    FAIL() << "joined without a cluster";
  } catch (const ki::KafkaError& e) {
    EXPECT_EQ(e.kind(), ki::KafkaError::Kind::Unreachable);
    EXPECT_NE(std::string(e.what()).find("cannot reach Kafka at 127.0.0.1:1 within 1 s"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("kafkainsight broker"), std::string::npos);
  }
  EXPECT_LT(Clock::now() - t0, 30s);  // generous: the timeout, not librdkafka's retries forever
  EXPECT_EQ(g.instance_id(), "");     // released with the failed join
}

// Two consumers of one group with one instance id on one host would fence each other: the
// second takes the next slot; a slot is free again once its holder is gone (a restart gets it).
TEST(GroupConsumer, ASecondMemberWithTheSameIdTakesTheNextSlot) {
  ki::MockCluster mc(1);
  mc.create_topic("t", 2, 1);
  std::string group = "slots-" + std::to_string(::getpid());
  auto make = [&] {
    return std::make_unique<ki::GroupConsumer>(
        ki::group_consumer_defaults(mc.bootstrap(), group, "t", "earliest", false, "pod-a"), ki::Properties{},
        std::vector<std::string>{"t"}, ki::GroupLimits{}, ki::GroupSink{});
  };
  auto a = make(), b = make();
  a->join(10000);
  b->join(10000);
  EXPECT_EQ(a->instance_id(), "pod-a");
  EXPECT_EQ(b->instance_id(), "pod-a.2");
  a->close();
  auto c = make();
  c->join(10000);
  EXPECT_EQ(c->instance_id(), "pod-a");  // a's slot, free again
}

TEST(IdleRule, BusyOrPausedIsNeverIdle) {
  auto t0 = Clock::now();
  IdleRule r(1000, t0);
  r.assigned(t0);
  EXPECT_FALSE(r.expired(t0 + 1h, true));
  EXPECT_TRUE(r.expired(t0 + 1h, false));
}

TEST(PartitionEnds, AllAssignedPartitionsMustBeAtTheirEnd) {
  PartitionEnds e;
  EXPECT_FALSE(e.all_at_end());  // nothing assigned: not done
  e.assigned({"t", 0});
  e.assigned({"t", 1});
  e.end({"t", 0});
  EXPECT_FALSE(e.all_at_end());
  e.end({"t", 1});
  EXPECT_TRUE(e.all_at_end());
  e.message({"t", 1});  // more came after the end
  EXPECT_FALSE(e.all_at_end());
  e.revoked({"t", 1});  // gone: only t[0] counts
  EXPECT_TRUE(e.all_at_end());
  e.revoked({"t", 0});
  EXPECT_FALSE(e.all_at_end());
}

namespace {
Item item(int64_t offset, size_t doc_bytes = 10, int32_t partition = 0) {
  Item it;
  it.topic = "t";
  it.partition = partition;
  it.offset = offset;
  it.index = "i";
  it.id = "t-0-" + std::to_string(offset);
  it.doc.assign(doc_bytes, 'x');
  it.cost = doc_bytes + 64;
  return it;
}
}  // namespace

TEST(Batcher, FullAtMaxDocs) {
  Batcher b(3, 1 << 20, 1000ms);
  auto t0 = Clock::now();
  EXPECT_EQ(b.room(), 3u);
  b.add(item(0), t0);
  b.add(item(1), t0);
  EXPECT_FALSE(b.full());
  EXPECT_EQ(b.room(), 1u);
  b.add(item(2), t0);
  EXPECT_TRUE(b.full());
  EXPECT_EQ(b.room(), 0u);
  auto out = b.take();
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[2].offset, 2);
  EXPECT_TRUE(b.empty());
  EXPECT_FALSE(b.full());
}

TEST(Batcher, FullAtMaxBytes) {
  Batcher b(1000, 200, 1000ms);
  auto t0 = Clock::now();
  b.add(item(0, 100), t0);
  EXPECT_FALSE(b.full());
  b.add(item(1, 100), t0);  // bytes count the action line too
  EXPECT_TRUE(b.full());
  EXPECT_EQ(b.room(), 0u);
}

TEST(Batcher, LingerCountsFromTheFirstDocument) {
  Batcher b(10, 1 << 20, 1000ms);
  auto t0 = Clock::now();
  EXPECT_FALSE(b.linger_over(t0 + 1h));  // empty: nothing to send
  b.add(item(0), t0);
  b.add(item(1), t0 + 900ms);
  EXPECT_FALSE(b.linger_over(t0 + 999ms));
  EXPECT_TRUE(b.linger_over(t0 + 1000ms));
  b.take();
  b.add(item(2), t0 + 2s);
  EXPECT_FALSE(b.linger_over(t0 + 2s + 999ms));
}

TEST(Batcher, OnlyDueRetriesJoinAndNeverPastAFullBatch) {
  Batcher b(2, 1 << 20, 1000ms);
  auto t0 = Clock::now();
  for (int64_t o : {0, 1, 2}) {
    Item it = item(o);
    it.due = t0;
    b.retry(std::move(it));
  }
  Item later = item(3);
  later.due = t0 + 5s;
  b.retry(std::move(later));
  b.move_due_retries(t0);
  EXPECT_EQ(b.size(), 2u);  // --bulk-max-docs holds for retries too
  EXPECT_EQ(b.retries(), 2u);
  b.take();
  b.move_due_retries(t0);
  EXPECT_EQ(b.size(), 1u);  // the last due one; offset 3 waits
  EXPECT_EQ(b.retries(), 1u);
  b.take();
  b.move_due_retries(t0 + 5s);
  EXPECT_EQ(b.size(), 1u);
  EXPECT_TRUE(b.take()[0].offset == 3);
  EXPECT_TRUE(b.idle());
}

TEST(Batcher, SplitSendsHalvesFirstHalfFirst) {
  Batcher b(10, 1 << 20, 1000ms);
  std::vector<Item> req;
  for (int64_t o = 0; o < 5; ++o) req.push_back(item(o));
  b.split(req);
  ASSERT_TRUE(b.has_halves());
  auto first = b.next_half();
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].offset, 0);
  std::vector<Item> again = std::move(first);  // refused again: split before the other half
  b.split(again);
  EXPECT_EQ(b.next_half()[0].offset, 0);
  EXPECT_EQ(b.next_half()[0].offset, 1);
  auto second = b.next_half();
  ASSERT_EQ(second.size(), 3u);
  EXPECT_EQ(second[0].offset, 2);
  EXPECT_FALSE(b.has_halves());
}

TEST(Batcher, RevokedPartitionsRetriesAreDroppedWithTheirBytes) {
  Batcher b(10, 1 << 20, 1000ms);
  std::vector<Item> req = {item(0, 10, 0), item(1, 20, 1), item(2, 30, 1)};
  b.split(req);
  b.halves_to_retries();  // a rebalance: bisecting starts again
  EXPECT_FALSE(b.has_halves());
  EXPECT_EQ(b.retries(), 3u);
  EXPECT_EQ(b.drop("t", 1), (20u + 64) + (30u + 64));
  EXPECT_EQ(b.retries(), 1u);
  EXPECT_EQ(b.drop("t", 1), 0u);
}

TEST(ContentId, StablePerContentAndMarked) {
  std::string a = ki::consume::content_id("t-0-5", R"({"m":1})");
  EXPECT_EQ(a, ki::consume::content_id("t-0-5", R"({"m":1})"));  // a redelivery lands on it once
  EXPECT_NE(a, ki::consume::content_id("t-0-5", R"({"m":2})"));
  EXPECT_EQ(a.rfind("t-0-5~", 0), 0u);
  EXPECT_EQ(a.size(), std::string("t-0-5~").size() + 16);
}

// A coordinator failover can fence a static member by its own id (seen with Kafka 3.9 after a
// leader SIGKILL): the member that holds the host's slot for the id joins again with a new client
// and reads on from the committed offsets. Fenced again soon after, it stops with the fatal error
// (another consumer, on another host, has the id).
TEST(GroupConsumer, FencedByItsOwnIdJoinsAgainOnceThenStops) {
  constexpr int kHeartbeat = 12, kFencedInstanceId = 82, kMessages = 200;
  ki::MockCluster mc(1);
  mc.create_topic("t", 2, 1);
  {
    char err[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    ASSERT_EQ(rd_kafka_conf_set(conf, "bootstrap.servers", mc.bootstrap().c_str(), err, sizeof err), RD_KAFKA_CONF_OK);
    rd_kafka_t* p = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    ASSERT_NE(p, nullptr) << err;
    for (int i = 0; i < kMessages; ++i) {
      std::string v = "m" + std::to_string(i);
      ASSERT_EQ(rd_kafka_producev(p, RD_KAFKA_V_TOPIC("t"), RD_KAFKA_V_PARTITION(i % 2),
                                  RD_KAFKA_V_VALUE(v.data(), v.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                  RD_KAFKA_V_END),
                RD_KAFKA_RESP_ERR_NO_ERROR);
    }
    ASSERT_EQ(rd_kafka_flush(p, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_destroy(p);
  }
  std::vector<std::string> errors;
  std::string fatal;
  int revoked = 0;
  ki::GroupSink sink;
  sink.error = ki::errors_into(errors, fatal);
  sink.revoking = [&](const rd_kafka_topic_partition_list_t*) { ++revoked; };
  ki::GroupConsumer g(ki::group_consumer_defaults(mc.bootstrap(), "fence-" + std::to_string(::getpid()), "t", "earliest",
                                                  false, "pod-f"),
                      {{"session.timeout.ms", "6000"}, {"heartbeat.interval.ms", "200"}, {"fetch.message.max.bytes", "64"}},
                      {"t"}, {}, std::move(sink));
  g.join(10000);
  std::set<std::string> seen;
  auto take = [&](rd_kafka_message_t* m) { seen.emplace(static_cast<const char*>(m->payload), m->len); };
  auto poll_until = [&](const std::function<bool()>& done, std::chrono::seconds limit) {
    auto end = Clock::now() + limit;
    while (!done() && Clock::now() < end && fatal.empty()) g.poll(50, 10, take);
    return done();
  };
  ASSERT_TRUE(poll_until([&] { return !seen.empty(); }, 20s));
  mc.push_request_errors(kHeartbeat, {kFencedInstanceId});
  ASSERT_TRUE(poll_until([&] { return g.rejoins() == 1; }, 20s)) << (errors.empty() ? fatal : errors.back());
  EXPECT_EQ(fatal, "");
  EXPECT_GE(revoked, 1);  // the sink finished its partitions before the old client went
  EXPECT_NE(errors.back().find("fenced by this consumer's own group.instance.id pod-f"), std::string::npos)
      << errors.back();
  // The new member is assigned (once the old one's session ends) and reads every message.
  EXPECT_TRUE(poll_until([&] { return seen.size() == kMessages; }, 40s)) << seen.size() << " of " << kMessages;
  EXPECT_EQ(fatal, "");
  mc.push_request_errors(kHeartbeat, {kFencedInstanceId});
  EXPECT_TRUE(poll_until([&] { return !fatal.empty(); }, 20s));
  EXPECT_EQ(g.rejoins(), 1u);
  EXPECT_NE(fatal.find("fenced again within 5 minutes"), std::string::npos) << fatal;
}

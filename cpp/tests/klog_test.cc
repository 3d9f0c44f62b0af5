// klog and glog lines (Kubernetes' components, Google's logging), alone, through syslog and in
// container runtimes' wrappers. Lines from public threads and klog's and Vector's own examples.
#include <gtest/gtest.h>

#include "test_util.h"

using ki::Format;
using ki::Schema;
using ki::test::doc;
using ki::test::fail_reason;

TEST(Klog, HeaderLevelOriginAndMessage) {
  // Vector's parse_klog example (klog writes the process id after the time, padded with blanks).
  auto d = doc("I0505 17:59:40.692994   28133 klog.go:70] hello from klog", Schema::Ecs, Format::Unknown, 2024);
  EXPECT_EQ(d["@timestamp"], "2024-05-05T17:59:40.692994Z");
  EXPECT_EQ(d["log"]["level"], "info");
  EXPECT_EQ(d["event"]["severity"], 6);
  EXPECT_EQ(d["process"]["pid"], 28133);
  EXPECT_EQ(d["log"]["origin"]["file"]["name"], "klog.go");
  EXPECT_EQ(d["log"]["origin"]["file"]["line"], 70);
  EXPECT_EQ(d["message"], "hello from klog");
  EXPECT_EQ(d["kafkainsight"]["format"], "klog");
  // client-go's reflector (kubernetes/minikube#11965): the message keeps its own "file:line:".
  auto e = doc("E0713 03:00:34.355862       1 reflector.go:125] k8s.io/client-go/informers/factory.go:133: "
               "Failed to list *v1.StorageClass: Unauthorized");
  EXPECT_EQ(e["log"]["level"], "error");
  EXPECT_EQ(e["event"]["severity"], 3);
  EXPECT_EQ(e["log"]["origin"]["file"]["name"], "reflector.go");
  EXPECT_EQ(e["message"], "k8s.io/client-go/informers/factory.go:133: Failed to list *v1.StorageClass: Unauthorized");
  EXPECT_EQ(doc("W0101 00:00:00.000001       7 x.go:1] w")["log"]["level"], "warning");
  EXPECT_EQ(doc("F0101 00:00:00.000001       7 x.go:1] f")["log"]["level"], "fatal");
}

TEST(Klog, GlogHasTheYearAndAThreadId) {
  auto d = doc("I20210131 14:48:54.411655 15520 main.c++:9] Hello world!");
  EXPECT_EQ(d["@timestamp"], "2021-01-31T14:48:54.411655Z");
  EXPECT_EQ(d["process"]["thread"]["id"], 15520);
  EXPECT_FALSE(d.contains("process") && d["process"].contains("pid"));
  EXPECT_EQ(d["log"]["origin"]["file"]["name"], "main.c++");
}

TEST(Klog, TheYearAndZoneAreTheOptionsOfLinesWithout) {
  ki::ParserConfig pc;
  pc.default_year = 2023;
  pc.default_offset_min = 120;
  ki::Parser p(pc);
  ki::Record r;
  ASSERT_EQ(p.parse("I1025 00:15:15.525108       1 controller_utils.go:116] m", r), ki::ParseStatus::Ok);
  std::string out;
  ki::Encoder(ki::EncoderConfig{Schema::Ecs, false}).encode(r, out);
  EXPECT_EQ(nlohmann::json::parse(out)["@timestamp"], "2023-10-25T00:15:15.525108+02:00");
}

TEST(Klog, StructuredCallsGiveTheMessageAndFields) {
  // klog's own InfoS example.
  auto d = doc(R"(I1025 00:15:15.525108       1 controller_utils.go:116] "Pod status updated" pod="kube-system/kubedns" status="ready")");
  EXPECT_EQ(d["message"], "Pod status updated");
  EXPECT_EQ(d["pod"], "kube-system/kubedns");
  EXPECT_EQ(d["status"], "ready");
  // Go-quoted values with quotes inside, an unquoted value (a kubelet line quoted in a public
  // troubleshooting guide).
  auto e = doc(R"(E0212 16:04:12.927526   12104 pod_workers.go:1298] "Error syncing pod, skipping" err="failed to \"StartContainer\" for \"kube-apiserver\" with CrashLoopBackOff: \"back-off 5m0s restarting failed container=kube-apiserver\"" pod="kube-system/kube-apiserver-ip-172-31-17-197" podUID="0332406a2c4a3de48df62d6a3422892b")");
  EXPECT_EQ(e["message"], "Error syncing pod, skipping");
  EXPECT_EQ(e["err"], "failed to \"StartContainer\" for \"kube-apiserver\" with CrashLoopBackOff: "
                      "\"back-off 5m0s restarting failed container=kube-apiserver\"");
  EXPECT_EQ(e["podUID"], "0332406a2c4a3de48df62d6a3422892b");
  auto n = doc(R"(I0309 16:58:52.132866    3195 kubelet_getters.go:182] "Pod status updated" pod="openshift-etcd/etcd-master01" status=Running count=3 ok=true)");
  EXPECT_EQ(n["status"], "Running");
  EXPECT_EQ(n["count"], 3);
  EXPECT_EQ(n["ok"], true);
  // A quoted text that is not followed by pairs is the message as written.
  auto q = doc(R"(I0309 16:58:52.132866    3195 x.go:1] "quoted" and then words)");
  EXPECT_EQ(q["message"], "\"quoted\" and then words");
  EXPECT_FALSE(q.contains("and"));
  auto open = doc(R"(I0309 16:58:52.132866    3195 x.go:1] "unterminated k="v)");
  EXPECT_EQ(open["message"], "\"unterminated k=\"v");
}

TEST(Klog, ThroughSyslogTheHeaderIsRead) {
  // kubelet through journald into syslog (opsnull/follow-me-install-kubernetes-cluster#338).
  auto d = doc("Oct 15 01:04:18 k8s-master01 kubelet[15559]: E1015 01:04:18.574170   15559 reflector.go:205] "
               "k8s.io/kubernetes/pkg/kubelet/kubelet.go:455: Failed to list *v1.Service: Unauthorized");
  EXPECT_EQ(d["kafkainsight"]["format"], "rfc3164");
  EXPECT_EQ(d["process"]["name"], "kubelet");
  EXPECT_EQ(d["process"]["pid"], 15559);
  EXPECT_EQ(d["host"]["hostname"], "k8s-master01");
  EXPECT_EQ(d["log"]["level"], "error");
  EXPECT_EQ(d["log"]["origin"]["file"]["line"], 205);
  EXPECT_EQ(d["message"], "k8s.io/kubernetes/pkg/kubelet/kubelet.go:455: Failed to list *v1.Service: Unauthorized");
  // With a priority, the syslog severity stays; the level is klog's.
  auto p = doc(R"(<30>Feb 12 16:04:12 ip-172-31-17-197 kubelet[12104]: I0212 16:04:12.926951   12104 scope.go:117] "RemoveContainer" containerID="a6e0")");
  EXPECT_EQ(p["log"]["level"], "info");
  EXPECT_EQ(p["log"]["syslog"]["severity"]["name"], "info");
  EXPECT_EQ(p["containerID"], "a6e0");
  // A message that only starts like one stays as written.
  auto m = doc("Oct 15 01:04:18 h app[1]: I0101 00:00:00.000001 not a header");
  EXPECT_EQ(m["message"], "I0101 00:00:00.000001 not a header");
  EXPECT_FALSE(m.contains("log") && m["log"].contains("origin"));
}

TEST(Klog, InAContainerWrapperTheRuntimesTimeStands) {
  auto d = doc(R"({"log":"I0212 17:31:24.102891       1 server.go:148] Version: v1.29.1\n","stream":"stderr","time":"2024-02-12T17:31:24.102990Z"})");
  EXPECT_EQ(d["kafkainsight"]["format"], "klog");
  EXPECT_EQ(d["kafkainsight"]["wrapper"], "docker");
  EXPECT_EQ(d["@timestamp"], "2024-02-12T17:31:24.102990Z");
  EXPECT_EQ(d["message"], "Version: v1.29.1");
  auto c = doc("2024-02-12T17:31:24.102990123Z stderr F I0212 17:31:24.102891       1 server.go:148] Version: v1.29.1");
  EXPECT_EQ(c["kafkainsight"]["wrapper"], "cri");
  EXPECT_EQ(c["@timestamp"], "2024-02-12T17:31:24.102990123Z");
  EXPECT_EQ(c["log"]["origin"]["file"]["name"], "server.go");
}

TEST(Klog, BadLinesSayWhatIsMissing) {
  EXPECT_NE(fail_reason("I1325 00:00:00.000001       1 x.go:1] m", Format::Klog).find("bad klog time"), std::string::npos);
  EXPECT_NE(fail_reason("I0101 00:00:00.000001       1 x.go] m", Format::Klog).find("file:line]"), std::string::npos);
  EXPECT_NE(fail_reason("I0101 00:00:00.000001 x.go:1] m", Format::Klog).find("thread id"), std::string::npos);
  EXPECT_NE(fail_reason("X0101 00:00:00.000001       1 x.go:1] m", Format::Klog).find("klog header"), std::string::npos);
  EXPECT_NE(fail_reason("2024/01/15 10:00:00 plain", Format::Klog).find("klog header"), std::string::npos);
  // In auto mode a klog-looking line that is not one is reported as klog's.
  EXPECT_NE(fail_reason("I0101 00:00:00.000001       1 no origin here").find("klog: expected file:line]"), std::string::npos);
}

// The pairs that end a message (tracing's fields, hclog's after its colon): where they begin, in
// one pass; a long run of pairs broken at its end is no tail (and is read once, not once per blank).
TEST(Pairs, TrailingPairsStart) {
  using ki::trailing_pairs_start;
  constexpr size_t npos = std::string_view::npos;
  EXPECT_EQ(trailing_pairs_start("payment failed err=\"card declined\" took_ms=12"), 14u);
  EXPECT_EQ(trailing_pairs_start("set x=5 now"), npos);
  EXPECT_EQ(trailing_pairs_start("no pairs here"), npos);
  EXPECT_EQ(trailing_pairs_start("a b=\"unterminated c=1"), 17u);  // c=1 alone
  EXPECT_EQ(trailing_pairs_start("failed to lookup token: error=\"permission denied\" attempt=3", ':'), 23u);
  EXPECT_EQ(trailing_pairs_start("a b=1 c: d=2", ':'), 8u);
  EXPECT_EQ(trailing_pairs_start("a b=1 c=2", ':'), npos);  // no colon before the run
  std::string run = "start";
  for (int k = 0; k < 200000; ++k) run += " a=1";
  EXPECT_EQ(trailing_pairs_start(run), 5u);
  run += " x";
  EXPECT_EQ(trailing_pairs_start(run), npos);
  std::string quotes = "start";
  for (int k = 0; k < 100000; ++k) quotes += " k=\"v";
  EXPECT_EQ(trailing_pairs_start(quotes), npos);
}

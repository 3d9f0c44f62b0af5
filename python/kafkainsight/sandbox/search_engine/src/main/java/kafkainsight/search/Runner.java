package kafkainsight.search;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import org.codelibs.opensearch.runner.OpenSearchRunner;
import org.opensearch.Version;

/**
 * One real OpenSearch node, in this JVM, for kafkainsight/sandbox/search.py (the demo, the tests).
 *
 * <pre>
 *   java -cp CLASSPATH kafkainsight.search.Runner --home DIR --http-port P --transport-port T
 *        [--cluster-name NAME] [--set key=value]... [--exit-on-stdin-eof]
 * </pre>
 *
 * Prints {@code SEARCH_HARNESS_READY engine=OpenSearch version=X http=127.0.0.1:P} once the
 * node started and the cluster is at least yellow; the Python side waits for that line and then
 * for HTTP. Stops on SIGTERM/SIGINT (shutdown hook closes the node) or, with
 * {@code --exit-on-stdin-eof}, when its stdin closes: the owning Python process died.
 */
public final class Runner {

    private Runner() {
    }

    private static void usage(String msg) {
        System.err.println("search_harness Runner: " + msg);
        System.err.println("usage: Runner --home DIR --http-port P --transport-port T "
                + "[--cluster-name NAME] [--set key=value]... [--exit-on-stdin-eof]");
        System.exit(2);
    }

    public static void main(String[] args) throws Exception {
        String home = null;
        String clusterName = "kafkainsight-search";
        int httpPort = -1;
        int transportPort = -1;
        boolean exitOnStdinEof = false;
        Map<String, String> extra = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            boolean hasValue = i + 1 < args.length;
            switch (a) {
                case "--home" -> home = hasValue ? args[++i] : null;
                case "--http-port" -> httpPort = hasValue ? Integer.parseInt(args[++i]) : -1;
                case "--transport-port" -> transportPort = hasValue ? Integer.parseInt(args[++i]) : -1;
                case "--cluster-name" -> clusterName = hasValue ? args[++i] : clusterName;
                case "--exit-on-stdin-eof" -> exitOnStdinEof = true;
                case "--set" -> {
                    if (!hasValue || !args[i + 1].contains("=")) {
                        usage("--set expects key=value");
                    }
                    String kv = args[++i];
                    int eq = kv.indexOf('=');
                    extra.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
                default -> usage("unknown argument " + a);
            }
        }
        if (home == null || httpPort <= 0 || transportPort <= 0) {
            usage("--home, --http-port and --transport-port are required");
        }
        final int http = httpPort;
        final int transport = transportPort;

        final OpenSearchRunner runner = new OpenSearchRunner();
        final AtomicBoolean closed = new AtomicBoolean(false);
        final Runnable closeOnce = () -> {
            if (closed.compareAndSet(false, true)) {
                try {
                    runner.close();
                } catch (IOException | RuntimeException e) {
                    System.err.println("search_harness Runner: close failed: " + e);
                }
            }
        };
        Runtime.getRuntime().addShutdownHook(new Thread(closeOnce, "search-harness-shutdown"));

        runner.onBuild((number, settings) -> {
            // Loopback only, one node that elects itself, fixed ports chosen by the harness.
            settings.put("network.host", "127.0.0.1");
            settings.put("http.port", String.valueOf(http));
            settings.put("transport.port", String.valueOf(transport));
            settings.put("discovery.type", "single-node");
            settings.putList("node.roles", "cluster_manager", "data", "ingest");
            // A nearly full CI disk must not flip indices to read-only mid-test.
            settings.put("cluster.routing.allocation.disk.threshold_enabled", "false");
            // Tests create many small indices; replicas can never be assigned on one node.
            settings.put("cluster.default_number_of_replicas", "0");
            settings.put("http.max_content_length", "200mb");
            for (Map.Entry<String, String> e : extra.entrySet()) {
                settings.put(e.getKey(), e.getValue());
            }
        });
        // maxHttpPort < 0: use baseHttpPort + 1 as is (we set http.port explicitly anyway) and do
        // not probe localhost:9201.. with connects the way the runner does by default.
        runner.setMaxHttpPort(-1);
        try {
            runner.build(new OpenSearchRunner.Configs()
                    .basePath(home)
                    .numOfNode(1)
                    .clusterName(clusterName)
                    .baseHttpPort(http - 1)
                    .printOnFailure());
            runner.ensureYellow();
        } catch (Throwable t) {
            System.err.println("search_harness Runner: failed to start OpenSearch:");
            t.printStackTrace();
            System.out.flush();
            System.err.flush();
            Runtime.getRuntime().halt(1);
        }

        System.out.println("SEARCH_HARNESS_READY engine=OpenSearch version=" + Version.CURRENT
                + " lucene=" + org.apache.lucene.util.Version.LATEST
                + " http=127.0.0.1:" + http + " transport=127.0.0.1:" + transport
                + " java=" + System.getProperty("java.version"));
        System.out.flush();

        if (exitOnStdinEof) {
            Thread watcher = new Thread(() -> {
                try (InputStream in = System.in) {
                    byte[] buf = new byte[256];
                    while (in.read(buf) >= 0) {
                        // ignore input; only EOF matters
                    }
                } catch (IOException ignored) {
                    // treat like EOF
                }
                System.out.println("search_harness Runner: stdin closed, stopping");
                System.out.flush();
                System.exit(0);        // runs the shutdown hook
            }, "search-harness-stdin");
            watcher.setDaemon(true);
            watcher.start();
        }

        while (!runner.isClosed()) {
            Thread.sleep(1000);
        }
        closeOnce.run();
    }
}

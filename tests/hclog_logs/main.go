// Writes the same go-hclog calls (HashiCorp's logger: Vault, Consul, Nomad, Terraform) in its
// text format (stdout) and its JSON format (stderr). tests/test_go_logs.py reads the text lines
// without options and checks them against the JSON lines of the same calls.
package main

import (
	"errors"
	"os"
	"time"

	"github.com/hashicorp/go-hclog"
)

func calls(root hclog.Logger) {
	root.Info("starting agent")
	agent := root.Named("agent")
	agent.Info("Synced node info")
	agent.Named("http").Debug("request complete", "method", "GET", "path", "/v1/kv/app", "latency_ms", 12)
	root.Named("core").Warn("failed to lookup token", "error", errors.New("permission denied"), "attempt", 3)
	root.Named("client.alloc_runner").Error("task failed", "task", "redis", "msg", "Task started by client",
		"failed", true)
	root.Trace("tick")
}

func main() {
	// One clock for both formats: two loggers reading the wall clock can stamp the same call a
	// millisecond apart, and the test compares times.
	now := time.Now()
	opts := func(json bool) *hclog.LoggerOptions {
		return &hclog.LoggerOptions{Level: hclog.Trace, Output: map[bool]*os.File{false: os.Stdout, true: os.Stderr}[json],
			JSONFormat: json, TimeFormat: "2006-01-02T15:04:05.000Z0700", TimeFn: func() time.Time { return now }}
	}
	calls(hclog.New(opts(false)))
	calls(hclog.New(opts(true)))
}

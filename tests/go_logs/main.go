// Writes the same zap calls through the console encoder (stdout) and the JSON encoder (stderr),
// in the configurations Go services use: zap.NewDevelopment's (ISO 8601 time, caller),
// zap.NewProduction's encoder settings through a console encoder (epoch seconds as a float,
// caller, a named logger) and controller-runtime's (ISO 8601, named loggers, no caller).
// tests/test_go_logs.py reads the console lines without options and checks them against the
// JSON lines of the same calls.
package main

import (
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

func logger(cfg zapcore.EncoderConfig, caller bool) *zap.Logger {
	jsonCfg := cfg
	jsonCfg.EncodeLevel = zapcore.LowercaseLevelEncoder
	core := zapcore.NewTee(
		zapcore.NewCore(zapcore.NewConsoleEncoder(cfg), zapcore.Lock(os.Stdout), zap.DebugLevel),
		zapcore.NewCore(zapcore.NewJSONEncoder(jsonCfg), zapcore.Lock(os.Stderr), zap.DebugLevel),
	)
	opts := []zap.Option{}
	if caller {
		opts = append(opts, zap.AddCaller())
	}
	return zap.New(core, opts...)
}

func calls(l *zap.Logger) {
	l.Info("starting manager")
	l.Named("controller-runtime.metrics").Info("Metrics server is starting to listen", zap.String("addr", ":8080"))
	l.Named("controller").Info("Starting workers", zap.String("controller", "sam"), zap.Int("worker count", 1),
		zap.Bool("leader", true), zap.Float64("ratio", 0.25), zap.Duration("took", 1500*time.Millisecond))
	l.Debug("cache synced", zap.Strings("kinds", []string{"Pod", "Service"}),
		zap.Any("owner", map[string]string{"kind": "Deployment", "name": "web"}))
	l.Warn("slow request \"GET /\"", zap.String("path", "/api/v1/pods?limit=500"), zap.Int64("bytes", 1<<40))
	l.Error("Reconciler error", zap.String("name", "web-1"), zap.Error(errors.New("pods \"web-1\" not found")))
	l.Info("héllo wörld", zap.String("unicode", "日本語"))
}

//go:noinline
func inner(l *zap.Logger) { l.Error("from a closure", zap.Int("depth", 2)) }

// JSON lines whose time is Go's time.Time.String() (fmt.Sprint(time.Now()), logrus' old JSON
// time): from the clock (with its monotonic reading), in UTC and in zones with and without a
// name; "ns" is the same instant as Unix nanoseconds.
func timeStrings() {
	out := json.NewEncoder(os.Stdout)
	now := time.Now()
	for _, t := range []time.Time{
		now,
		now.UTC(),
		now.In(time.FixedZone("EDT", -4*3600)),
		now.In(time.FixedZone("", 3*3600)),
		now.In(time.FixedZone("IST", 5*3600+1800)),
		time.Date(2014, 3, 10, 19, 57, 38, 562264131, time.FixedZone("EDT", -4*3600)),
	} {
		_ = out.Encode(map[string]any{"time": t.String(), "level": "info", "msg": "tick", "ns": t.UnixNano()})
	}
}

// The same records through Go's log/slog TextHandler (stdout: logfmt) and JSONHandler (stderr),
// as a Go service under systemd writes them to the journal and syslog.
func slogCalls() {
	text := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{Level: slog.LevelDebug}))
	js := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	for _, l := range []*slog.Logger{text, js} {
		l.Info("order placed", "order_id", 42, "user", "ana b", "total", 19.5, "paid", true)
		l.Warn("slow query", "took", 1500*time.Millisecond, "sql", `SELECT * FROM "orders" WHERE id = 1`)
		l.Error("payment failed", "err", errors.New("card declined: code=51"), "attempt", 3)
		l.Debug("cache miss", "key", "user:42", "path", "/tmp/a b\\c")
	}
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "slog" {
		slogCalls()
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "times" {
		timeStrings()
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "stack" {
		// Development's own settings: a stack trace under every Warn and Error line (console: the
		// lines after it; JSON: the "S" field), as zap.NewDevelopment() logs.
		l := logger(zap.NewDevelopmentEncoderConfig(), true).WithOptions(zap.AddStacktrace(zap.WarnLevel))
		calls(l)
		func() { inner(l) }()
		return
	}
	dev := zap.NewDevelopmentEncoderConfig()
	dev.StacktraceKey = "" // a trace follows on lines of its own: read with --multiline (not here)
	calls(logger(dev, true))
	prod := zap.NewProductionEncoderConfig()
	prod.StacktraceKey = ""
	prod.EncodeLevel = zapcore.CapitalLevelEncoder
	calls(logger(prod, true).Named("shop"))
	cr := zap.NewProductionEncoderConfig()
	cr.EncodeTime = zapcore.ISO8601TimeEncoder
	cr.EncodeLevel = zapcore.CapitalLevelEncoder
	cr.StacktraceKey = ""
	calls(logger(cr, false))
	_ = logger(cr, false).Sync()
}

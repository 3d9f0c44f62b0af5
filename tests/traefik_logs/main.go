// Writes an access log through Traefik's own access log middleware (its package
// pkg/middlewares/accesslog, format "common", or "json" with a second argument), for tests/test_traefik_logs.py: a real HTTP server
// answers a few requests; stdout gets one JSON line per request saying what was asked and
// answered (the test's expectations).
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"time"

	"github.com/containous/alice"
	"github.com/traefik/traefik/v3/pkg/middlewares/accesslog"
	"github.com/traefik/traefik/v3/pkg/middlewares/capture"
	"github.com/traefik/traefik/v3/pkg/types"
)

type call struct {
	Method  string `json:"method"`
	Path    string `json:"path"`
	User    string `json:"user"`
	Referer string `json:"referer"`
	Agent   string `json:"agent"`
	Status  int    `json:"status"`
	Body    string `json:"body"`
	Router  string `json:"router"`
	Service string `json:"service"`
	SleepMs int    `json:"sleep_ms"` // the application's time to answer
}

func main() {
	if len(os.Args) != 2 && len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: traefiklogs ACCESS_LOG [common|json]")
		os.Exit(2)
	}
	conf := &types.AccessLog{FilePath: os.Args[1], Format: "common"}
	if len(os.Args) == 3 && os.Args[2] == "json" {
		// Traefik's JSON format, its request headers kept (request_User-Agent, request_Referer),
		// as a user who wants them in the log configures it.
		conf.Format = "json"
		conf.Fields = &types.AccessLogFields{DefaultMode: "keep", Headers: &types.FieldHeaders{DefaultMode: "keep"}}
	}
	logger, err := accesslog.NewHandler(conf)
	check(err)

	calls := []call{
		{"GET", "/", "", "", "curl/8.4.0", 200, "hello", "web@docker", "http://10.0.0.7:8080", 0},
		{"POST", "/api/v1/orders", "alice", "https://shop.example/cart", "Mozilla/5.0 (X11; Linux x86_64) Firefox/132.0", 201, "created", "api@file", "http://10.0.0.8:9000", 30},
		{"GET", "/missing", "", "", "Go-http-client/1.1", 404, "404 page not found", "", "", 0},
		{"DELETE", "/api/v1/orders/7", "bob", "", "", 500, "boom", "api@file", "http://10.0.0.8:9000", 0},
		{"GET", "/search?q=a%20b&lang=en", "", "https://www.example.org/?q=1", `agent with "quotes"`, 200, "", "web@docker", "http://10.0.0.7:8080", 120},
		{"HEAD", "/healthz", "", "", "kube-probe/1.31", 204, "", "ping@internal", "", 0},
		{"PUT", "/upload/file.bin", "carol", "", "python-requests/2.32.3", 413, "too large", "api@file", "http://10.0.0.8:9000", 5},
	}
	// The application behind the router: answers as the call says.
	app := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		c := calls[atoi(r.Header.Get("X-Call"))]
		time.Sleep(time.Duration(c.SleepMs) * time.Millisecond)
		rw.WriteHeader(c.Status)
		_, _ = io.WriteString(rw, c.Body)
	})
	// What Traefik's router, service and basic-auth middleware write into the log data.
	route := func(next http.Handler) (http.Handler, error) {
		return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			c := calls[atoi(r.Header.Get("X-Call"))]
			ld := accesslog.GetLogData(r)
			if c.Router != "" {
				ld.Core[accesslog.RouterName] = c.Router
			}
			if c.Service != "" {
				ld.Core[accesslog.ServiceURL] = c.Service
			}
			if user, _, ok := r.BasicAuth(); ok {
				ld.Core[accesslog.ClientUsername] = user
			}
			next.ServeHTTP(rw, r)
		}), nil
	}
	handler, err := alice.New(capture.Wrap, accesslog.WrapHandler(logger), route).Then(app)
	check(err)
	srv := httptest.NewServer(handler)

	out := json.NewEncoder(os.Stdout)
	for i, c := range calls {
		req, err := http.NewRequest(c.Method, srv.URL+c.Path, nil)
		check(err)
		req.Header.Set("X-Call", strconv.Itoa(i))
		if c.User != "" {
			req.SetBasicAuth(c.User, "secret")
		}
		if c.Referer != "" {
			req.Header.Set("Referer", c.Referer)
		}
		req.Header.Set("User-Agent", c.Agent)
		resp, err := http.DefaultClient.Do(req)
		check(err)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if c.Method == "HEAD" {
			c.Body = ""
		}
		check(out.Encode(c))
	}
	srv.Close()
	check(logger.Close())
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	check(err)
	return n
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

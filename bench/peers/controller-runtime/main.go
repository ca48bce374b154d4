// Command controller-runtime-peer serves controller-runtime's metrics server the way Cluster API's
// --diagnostics-address does in secure mode: HTTPS with a self-signed certificate and every request
// authenticated with a TokenReview and authorized with a SubjectAccessReview
// (filters.WithAuthenticationAndAuthorization). It is the anchor kubediag's benchmark compares
// withDiagnostics against, so it adds nothing of its own beyond padding the registry to a given size.
//
// Like Cluster API, it serves net/http/pprof under /debug/pprof/ behind the filter. It also serves `/ok`, a trivial handler ("ok\n") behind the same filter, and `--no-filter` turns the
// filter off: together they measure what controller-runtime's own filter costs a small handler, the
// anchor of kubediag's filter overhead.
//
// `--health-probe-bind-address` adds the manager's health-probe server (HealthProbeBindAddress; "0", the
// default, leaves it off): plain HTTP, /healthz and /readyz with one `ping` check each, mounted as the
// manager mounts them, so kubediag's probe listener can be measured against it under the same attack.
//
// `--filter-hits N --token-file FILE` does not serve: it times the filter's cache hit in-process
// (filter_hit.go), the anchor of kubediag's bench/filter-hit.ts.
//
// Usage: controller-runtime-peer --kubeconfig FILE [--bind-address 127.0.0.1:0] [--metrics-lines N] [--no-filter]
// [--health-probe-bind-address 127.0.0.1:0] | --filter-hits N [--filter-hit-rounds R] --token-file FILE
// (KUBECONFIG is read when --kubeconfig is absent, as in any controller-runtime operator). Prints
// "serving https://HOST:PORT" on stdout once the listener is up (after "probes http://HOST:PORT" when
// the probe server is on); stops on SIGTERM or SIGINT.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/common/expfmt"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"
	"sigs.k8s.io/controller-runtime/pkg/client/config"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

func main() {
	bindAddress := flag.String("bind-address", "127.0.0.1:0", "address of the metrics server")
	metricsLines := flag.Int("metrics-lines", 0,
		"pad the registry with one gauge so /metrics has about this many lines (0: no padding)")
	noFilter := flag.Bool("no-filter", false,
		"serve without WithAuthenticationAndAuthorization (the baseline of the filter's cost)")
	probeAddress := flag.String("health-probe-bind-address", "0",
		"address of the health-probe server, as the manager's HealthProbeBindAddress (\"0\": off)")
	filterHits := flag.Int("filter-hits", 0,
		"instead of serving: time this many cache hits of the filter per round, in-process (see filter_hit.go)")
	filterHitRounds := flag.Int("filter-hit-rounds", 1, "rounds of --filter-hits, one JSON line each")
	tokenFile := flag.String("token-file", "", "the bearer token of --filter-hits")
	klog.InitFlags(nil)
	flag.Parse()
	logf.SetLogger(klog.Background())

	if *filterHits > 0 {
		if err := runFilterHits(*tokenFile, *filterHits, *filterHitRounds); err != nil {
			klog.ErrorS(err, "controller-runtime peer failed")
			os.Exit(1)
		}
		return
	}
	if *probeAddress != "0" && *probeAddress != "" {
		if err := serveProbes(*probeAddress); err != nil {
			klog.ErrorS(err, "controller-runtime peer failed")
			os.Exit(1)
		}
	}
	if err := run(*bindAddress, *metricsLines, !*noFilter); err != nil {
		klog.ErrorS(err, "controller-runtime peer failed")
		os.Exit(1)
	}
}

func run(bindAddress string, metricsLines int, filtered bool) error {
	// The process and Go runtime collectors a controller-runtime manager registers (its controller
	// package does, with every runtime/metrics series; the default set here keeps the registry below
	// kubediag's default size, so the padding can bring it level).
	metrics.Registry.MustRegister(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewGoCollector())
	if metricsLines > 0 {
		if err := padRegistry(metricsLines); err != nil {
			return err
		}
	}

	cfg, httpClient, err := clusterClient()
	if err != nil {
		return err
	}
	options := metricsserver.Options{
		BindAddress:   bindAddress,
		SecureServing: true,
		// An empty directory: no tls.crt/tls.key there, so the server generates its self-signed
		// certificate as it does in a default deployment.
		CertDir: os.TempDir() + "/controller-runtime-peer-no-certs",
		// The server puts extra handlers behind the same filter as /metrics. The pprof handlers are the
		// ones Cluster API registers on --diagnostics-address in secure mode.
		ExtraHandlers: map[string]http.Handler{
			"/ok":                  http.HandlerFunc(ok),
			"/debug/pprof/":        http.HandlerFunc(pprof.Index),
			"/debug/pprof/cmdline": http.HandlerFunc(pprof.Cmdline),
			"/debug/pprof/profile": http.HandlerFunc(pprof.Profile),
			"/debug/pprof/symbol":  http.HandlerFunc(pprof.Symbol),
			"/debug/pprof/trace":   http.HandlerFunc(pprof.Trace),
		},
	}
	if filtered {
		options.FilterProvider = filters.WithAuthenticationAndAuthorization
	}
	server, err := metricsserver.NewServer(options, cfg, httpClient)
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- server.Start(ctx) }()

	// The server records its listener's address once it is up; the harness reads it from stdout.
	addressed, ok := server.(interface{ GetBindAddr() string })
	if !ok {
		return fmt.Errorf("metrics server %T does not report its address", server)
	}
	for addressed.GetBindAddr() == "" {
		select {
		case err := <-done:
			return err
		case <-time.After(5 * time.Millisecond):
		}
	}
	fmt.Printf("serving https://%s\n", addressed.GetBindAddr())
	return <-done
}

// clusterClient is the operator's connection to its cluster, as a manager makes it: --kubeconfig,
// KUBECONFIG or the in-cluster config.
func clusterClient() (*rest.Config, *http.Client, error) {
	cfg, err := config.GetConfig()
	if err != nil {
		return nil, nil, err
	}
	httpClient, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, nil, err
	}
	return cfg, httpClient, nil
}

// serveProbes starts the health-probe server the way controller-runtime's manager does
// (addHealthProbeServer): a ServeMux with each endpoint at X and X/ behind StripPrefix, a
// healthz.Handler per endpoint, and the server of its internal httpserver.New (1 MiB header limit,
// ReadHeaderTimeout 32 s, IdleTimeout 90 s). It prints "probes http://HOST:PORT" once listening.
func serveProbes(address string) error {
	listener, err := net.Listen("tcp", address)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	for _, endpoint := range []string{"/readyz", "/healthz"} {
		handler := &healthz.Handler{Checks: map[string]healthz.Checker{"ping": healthz.Ping}}
		mux.Handle(endpoint, http.StripPrefix(endpoint, handler))
		mux.Handle(endpoint+"/", http.StripPrefix(endpoint, handler))
	}
	server := &http.Server{
		Handler:           mux,
		MaxHeaderBytes:    1 << 20,
		IdleTimeout:       90 * time.Second,
		ReadHeaderTimeout: 32 * time.Second,
	}
	go func() { _ = server.Serve(listener) }()
	fmt.Printf("probes http://%s\n", listener.Addr().String())
	return nil
}

// ok is the smallest handler there is, so the filter's own cost is as visible as it can be.
func ok(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// padRegistry adds one gauge with as many series as it takes for the text exposition of
// metrics.Registry to reach `lines` lines, so both servers render and send bodies of the same size.
func padRegistry(lines int) error {
	current, err := exposedLines()
	if err != nil {
		return err
	}
	series := lines - current - 2 // the gauge's own # HELP and # TYPE lines
	klog.InfoS("Padding the metrics registry", "linesBefore", current, "target", lines, "paddingSeries", max(series, 0))
	if series <= 0 {
		return nil
	}
	padding := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "bench_padding",
		Help: "Series that bring this registry to the size of kubediag's default registry.",
	}, []string{"series"})
	for i := 0; i < series; i++ {
		padding.WithLabelValues(fmt.Sprintf("s%d", i)).Set(float64(i))
	}
	return metrics.Registry.Register(padding)
}

func exposedLines() (int, error) {
	families, err := metrics.Registry.Gather()
	if err != nil {
		return 0, err
	}
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, f := range families {
		if err := enc.Encode(f); err != nil {
			return 0, err
		}
	}
	return strings.Count(buf.String(), "\n"), nil
}

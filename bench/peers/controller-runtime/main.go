// Command controller-runtime-peer serves controller-runtime's metrics server the way Cluster API's
// --diagnostics-address does in secure mode: HTTPS with a self-signed certificate and every request
// authenticated with a TokenReview and authorized with a SubjectAccessReview
// (filters.WithAuthenticationAndAuthorization). It is the anchor kubediag's benchmark compares
// withDiagnostics against, so it adds nothing of its own beyond padding the registry to a given size.
//
// It also serves `/ok`, a trivial handler ("ok\n") behind the same filter, and `--no-filter` turns the
// filter off: together they measure what controller-runtime's own filter costs a small handler, the
// anchor of kubediag's filter overhead.
//
// Usage: controller-runtime-peer --kubeconfig FILE [--bind-address 127.0.0.1:0] [--metrics-lines N] [--no-filter]
// (KUBECONFIG is read when --kubeconfig is absent, as in any controller-runtime operator). Prints
// "serving https://HOST:PORT" on stdout once the listener is up; stops on SIGTERM or SIGINT.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net/http"
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
	klog.InitFlags(nil)
	flag.Parse()
	logf.SetLogger(klog.Background())

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

	cfg, err := config.GetConfig()
	if err != nil {
		return err
	}
	httpClient, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return err
	}
	options := metricsserver.Options{
		BindAddress:   bindAddress,
		SecureServing: true,
		// An empty directory: no tls.crt/tls.key there, so the server generates its self-signed
		// certificate as it does in a default deployment.
		CertDir: os.TempDir() + "/controller-runtime-peer-no-certs",
		// The server puts extra handlers behind the same filter as /metrics.
		ExtraHandlers: map[string]http.Handler{"/ok": http.HandlerFunc(ok)},
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

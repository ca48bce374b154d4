package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"syscall"
	"time"

	"k8s.io/klog/v2"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
)

// filterHitRound is one round of --filter-hits, printed as one JSON line.
type filterHitRound struct {
	CPUNsPerHit  float64 `json:"cpuNsPerHit"`
	WallNsPerHit float64 `json:"wallNsPerHit"`
}

// discardWriter is the cheapest http.ResponseWriter there is: the filter's cost alone is measured.
type discardWriter struct{ header http.Header }

func (w *discardWriter) Header() http.Header         { return w.header }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(int)             {}

func processCPU() time.Duration {
	var u syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &u)
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

// runFilterHits measures WithAuthenticationAndAuthorization on a cache hit, in-process: the filter is
// built as the metrics server builds it, one request goes to the apiserver (a TokenReview and a
// SubjectAccessReview fill both caches), then each round calls the wrapped no-op handler `hits` times
// with the token and prints the process's CPU time and the wall time per call. kubediag's
// bench/filter-hit.ts does the same with its filter in Node, against the same apiserver, in one run.
func runFilterHits(tokenFile string, hits, rounds int) error {
	raw, err := os.ReadFile(tokenFile)
	if err != nil {
		return err
	}
	authorization := "Bearer " + strings.TrimSpace(string(raw))
	cfg, httpClient, err := clusterClient()
	if err != nil {
		return err
	}
	provider, err := filters.WithAuthenticationAndAuthorization(cfg, httpClient)
	if err != nil {
		return err
	}
	handled := 0
	filtered, err := provider(klog.Background(), http.HandlerFunc(func(http.ResponseWriter, *http.Request) { handled++ }))
	if err != nil {
		return err
	}
	// What Prometheus sends, as Go's server parses it; the authenticator deletes the credential from a
	// request it accepts, so it is put back before each call (as the Node bench does).
	req, err := http.NewRequest(http.MethodGet, "https://127.0.0.1:8443/metrics", nil)
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", "Prometheus/3.5.0")
	req.Header.Set("Accept", "*/*")
	req.RemoteAddr = "127.0.0.1:40000"
	w := &discardWriter{header: http.Header{}}
	call := func() {
		req.Header["Authorization"] = []string{authorization}
		filtered.ServeHTTP(w, req)
	}
	call()
	if handled != 1 {
		return fmt.Errorf("the warm-up request was refused: the token must be allowed GET /metrics")
	}
	for i := 0; i < hits; i++ { // let the caches and the allocator settle
		call()
	}
	out := json.NewEncoder(os.Stdout)
	for r := 0; r < rounds; r++ {
		handled = 0
		cpu, wall := processCPU(), time.Now()
		for i := 0; i < hits; i++ {
			call()
		}
		elapsedCPU, elapsedWall := processCPU()-cpu, time.Since(wall)
		if handled != hits {
			return fmt.Errorf("%d of %d calls reached the handler: a cache entry expired or a review failed", handled, hits)
		}
		if err := out.Encode(filterHitRound{
			CPUNsPerHit:  float64(elapsedCPU.Nanoseconds()) / float64(hits),
			WallNsPerHit: float64(elapsedWall.Nanoseconds()) / float64(hits),
		}); err != nil {
			return err
		}
	}
	return nil
}

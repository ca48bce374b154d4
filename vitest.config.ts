import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources through the "@kubediag/source" export
// condition, so tests and benchmarks need no build step.
const conditions = ['@kubediag/source'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
  // The integration project's global setup (envtest) runs in vitest's own environment.
  environments: { __vitest__: { resolve: { conditions, externalConditions: conditions } } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            'packages/*/test/**/*.test.ts',
            'examples/*/test/**/*.test.ts',
            'consumers/test/**/*.test.ts',
          ],
          exclude: ['**/*.int.test.ts', '**/node_modules/**'],
        },
      },
      {
        // Integration tests talk to a real kube-apiserver + etcd (one per run, started by
        // @kubediag/envtest's global setup) and to the other real peers (Prometheus, go tool pprof,
        // an OpenTelemetry Collector).
        extends: true,
        test: {
          name: 'integration',
          include: [
            'packages/*/test/**/*.int.test.ts',
            'examples/*/test/**/*.int.test.ts',
            'consumers/test/**/*.int.test.ts',
          ],
          globalSetup: ['packages/envtest/src/vitest-global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // Two cores: integration files share one control plane and must not starve it.
          fileParallelism: false,
        },
      },
    ],
  },
});

// One operator process of bench/idle-memory.ts, bundled by it (kubediag's packages inside, every npm
// package left to node_modules, as the published bundles are). MEM_VARIANT chooses what it runs;
// each variant is imported on its own, so a process loads only its own code. Once started and idle,
// garbage collected twice, it prints its memory as JSON and waits for SIGTERM.
// Env: MEM_VARIANT, MEM_KUBECONFIG (a kubeconfig file), MEM_CERT / MEM_KEY (PEM files for the bare
// operator's HTTPS server), MEM_IDLE_MS.
import { readFileSync } from 'node:fs';

const variant = process.env['MEM_VARIANT'] ?? 'bare';
const kubeconfig = process.env['MEM_KUBECONFIG']!;
const idleMs = Number(process.env['MEM_IDLE_MS'] ?? 3000);

/** The bare operator: client-node with its KubeConfig, prom-client's defaults, an HTTPS /metrics. */
async function bare(): Promise<void> {
  const { CoreV1Api, KubeConfig } = await import('@kubernetes/client-node');
  const { collectDefaultMetrics, register } = await import('prom-client');
  const { createServer } = await import('node:https');
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  kc.makeApiClient(CoreV1Api);
  collectDefaultMetrics();
  const server = createServer(
    { cert: readFileSync(process.env['MEM_CERT']!), key: readFileSync(process.env['MEM_KEY']!) },
    (req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      void register.metrics().then((body) => {
        res.setHeader('Content-Type', register.contentType);
        res.end(body);
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
}

/** kubediag: withDiagnostics with its defaults, and variants that leave one part out. */
async function kubediag(): Promise<void> {
  const { CoreV1Api, KubeConfig } = await import('@kubernetes/client-node');
  const { Registry } = await import('prom-client');
  const { withDiagnostics } = await import('@kubediag/diagnostics');
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  kc.makeApiClient(CoreV1Api);
  const diag = await withDiagnostics({
    name: 'memory-operator',
    server: { bindAddress: '127.0.0.1:0' },
    kubeConfig: kc,
    metrics: { registry: new Registry() },
    ...(variant === 'kubediag-no-pprof' ? { profiling: false as const } : {}),
    // pprof with its heap sampler but not the flight recorder's always-on CPU profiler.
    ...(variant.startsWith('kubediag-no-flight-recorder')
      ? { profiling: { flightRecorder: { enabled: false } } }
      : {}),
    // The stall detector (heartbeat, the kernel's counters, the warning) without V8's CPU profiler.
    ...(variant === 'kubediag-stalls-without-cpu-samples'
      ? { profiling: { flightRecorder: { cpuSamples: false } } }
      : {}),
    // A filter that lets every request through: what the Kubernetes filter holds at rest is the difference.
    ...(variant === 'kubediag-no-filter' ? { filterProvider: () => (_log, handler) => handler } : {}),
  });
  await diag.start();
}

/**
 * A V8 CPU profile left running, as the flight recorder keeps one, with nothing of the recorder's
 * own (no ring, no heartbeat): with `*-raw-cpu-profile`, what V8's profiler alone holds at rest.
 */
async function rawCpuProfile(): Promise<void> {
  const { Session } = await import('node:inspector');
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<void>((resolve, reject) =>
      session.post(method, params, (err) => (err ? reject(err) : resolve())),
    );
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 20_000 });
  await post('Profiler.start');
}

await (variant.startsWith('bare') ? bare() : kubediag());
if (variant.endsWith('-raw-cpu-profile')) await rawCpuProfile();
const gc = (globalThis as { gc?: () => void }).gc!;
await new Promise((r) => setTimeout(r, idleMs));
gc();
await new Promise((r) => setTimeout(r, 200));
gc();
if (process.env['MEM_SNAPSHOT'] !== undefined) {
  const { writeHeapSnapshot } = await import('node:v8');
  writeHeapSnapshot(process.env['MEM_SNAPSHOT']);
}
const m = process.memoryUsage();
// Resident memory by kind: anonymous (the process's own) against file-backed (the node binary's and
// libraries' pages it touched, shared with every process that maps them).
const rollup = readFileSync('/proc/self/smaps_rollup', 'utf8');
const kb = (key: string): number =>
  Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? NaN) * 1024;
process.stdout.write(
  `${JSON.stringify({ rss: m.rss, anonymous: kb('Anonymous'), fileBacked: kb('Rss') - kb('Anonymous'), heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers })}\n`,
);
process.once('SIGTERM', () => process.exit(0));
setInterval(() => undefined, 1 << 30);

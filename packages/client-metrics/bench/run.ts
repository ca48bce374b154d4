// What counting costs a request, against the same client with nothing subscribed, in one run:
//   1. client-node 1.4 (node:http) and fetch (undici, what client-node 2.x sends with) against a local
//      server answering a small ConfigMap at once: the client side alone, the worst case for the share;
//   2. client-node 1.4 against a real kube-apiserver (envtest): the share in an operator's terms;
//   3. the bookkeeping alone (reading the request's verb and resource, moving the two counters), and
//   4. the tap's whole path per request: a start and an answer published on the node:http and undici
//      channels, with an instance counting against none (the counting cost alone, without I/O).
// Arms alternate in short blocks (A B C C B A ...), so all see the same machine; the median block is
// reported per arm: wall time per request and the bench process's CPU time per request (the local
// server runs in this process too, so its CPU is in both arms). `requestDuration` on is a third arm.
// Run: pnpm --filter @kubediag/client-metrics bench   (node --expose-gc: each block starts on a collected
// heap; BENCH_QUICK=1 for a smoke run). The table is printed; results go to bench/RESULTS.md.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { channel } from 'node:diagnostics_channel';
import { cpus, loadavg } from 'node:os';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { startControlPlane } from '@kubediag/envtest';
import { Registry } from 'prom-client';
import { createClientMetrics, type ClientMetrics } from '../src/index.ts';
import { apiserverRequest } from '../src/request-info.ts';
import { requestMetrics } from '../src/request-metrics.ts';
import { RequestRecorder } from '../src/request-recorder.ts';

const QUICK = process.env['BENCH_QUICK'] === '1';
const BLOCKS = QUICK ? 4 : 20;

type Arm = 'off' | 'counted' | 'counted+duration';
const ARMS: readonly Arm[] = ['off', 'counted', 'counted+duration'];

interface Sample {
  wallNs: number;
  cpuUs: number;
}

async function measure(n: number, send: () => Promise<unknown>): Promise<Sample> {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await send();
  const wallNs = Number(process.hrtime.bigint() - t0) / n;
  const cpu = process.cpuUsage(cpu0);
  return { wallNs, cpuUs: (cpu.user + cpu.system) / n };
}

function arm(which: Arm, server: string): ClientMetrics | undefined {
  if (which === 'off') return undefined;
  return createClientMetrics({
    registry: new Registry(),
    servers: [server],
    requestDuration: which === 'counted+duration',
  });
}

/** `gc()` when node runs with --expose-gc (the bench script does), else nothing. */
const collectGarbage = (): void => (globalThis as { gc?: () => void }).gc?.();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function compare(
  what: string,
  server: string,
  n: number,
  send: () => Promise<unknown>,
): Promise<string[][]> {
  for (let i = 0; i < Math.min(n, 200); i++) await send(); // warm up: JIT, connections
  const samples = new Map<Arm, Sample[]>(ARMS.map((a) => [a, []]));
  for (let r = 0; r < BLOCKS; r++) {
    for (const which of r % 2 === 0 ? ARMS : [...ARMS].reverse()) {
      const metrics = arm(which, server);
      // Each block starts on a collected heap, so no arm pays for the garbage of the one before it.
      collectGarbage();
      samples.get(which)!.push(await measure(n, send));
      metrics?.close();
    }
  }
  const off = samples.get('off')!;
  const baseWall = median(off.map((s) => s.wallNs));
  const baseCpu = median(off.map((s) => s.cpuUs));
  return ARMS.map((which) => {
    const s = samples.get(which)!;
    const wall = median(s.map((x) => x.wallNs));
    const cpu = median(s.map((x) => x.cpuUs));
    return [
      what,
      which,
      `${(wall / 1000).toFixed(1)} µs`,
      which === 'off' ? '' : `${(wall / baseWall).toFixed(3)}x`,
      `${cpu.toFixed(1)} µs`,
      which === 'off' ? '' : `${(cpu - baseCpu).toFixed(1)} µs`,
    ];
  });
}

function kubeConfigFor(server: string, caPem?: string, token?: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: 'c',
        server,
        skipTLSVerify: caPem === undefined,
        ...(caPem === undefined ? {} : { caData: Buffer.from(caPem).toString('base64') }),
      },
    ],
    users: [{ name: 'u', token: token ?? 'bench' }],
    contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
    currentContext: 'c',
  });
  return kc;
}

const rows: string[][] = [];

const BODY = JSON.stringify({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'bench', namespace: 'default', resourceVersion: '1' },
  data: { a: 'b' },
});
const local = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(BODY);
});
await new Promise<void>((r) => local.listen(0, '127.0.0.1', r));
const localUrl = `http://127.0.0.1:${(local.address() as AddressInfo).port}`;
const localCore = kubeConfigFor(localUrl).makeApiClient(CoreV1Api);
const N_LOCAL = QUICK ? 100 : 1000;
rows.push(
  ...(await compare('local server, client-node 1.4 GET', localUrl, N_LOCAL, () =>
    localCore.readNamespacedConfigMap({ name: 'bench', namespace: 'default' }),
  )),
  ...(await compare('local server, fetch (undici) GET', localUrl, N_LOCAL, async () => {
    const res = await fetch(`${localUrl}/api/v1/namespaces/default/configmaps/bench`);
    await res.arrayBuffer();
  })),
);
local.close();

const cp = await startControlPlane();
try {
  const admin = cp.kubeConfig.makeApiClient(CoreV1Api);
  await admin.createNamespacedConfigMap({
    namespace: 'default',
    body: { metadata: { name: 'bench' }, data: { a: 'b' } },
  });
  const N_REAL = QUICK ? 50 : 150;
  rows.push(
    ...(await compare('kube-apiserver (envtest), client-node 1.4 GET', cp.url, N_REAL, () =>
      admin.readNamespacedConfigMap({ name: 'bench', namespace: 'default' }),
    )),
  );
} finally {
  await cp.stop();
}

// The microbenchmarks run after the requests: their synthetic objects would otherwise teach V8 shapes
// an operator's process never sees, and the end-to-end arms would pay for the deoptimizations.

// 3. The bookkeeping alone: what the recorder does per request, without the channels or any I/O.
const recorder = new RequestRecorder(requestMetrics(new Registry(), false));
const N_BOOK = QUICK ? 20_000 : 200_000;
const bookkeeping: number[] = [];
for (let r = 0; r < 5; r++) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N_BOOK; i++)
    recorder.record(
      '127.0.0.1:6443',
      'GET',
      apiserverRequest('GET', '/api/v1/namespaces/default/configmaps/bench'),
      '200',
    );
  bookkeeping.push(Number(process.hrtime.bigint() - t0) / N_BOOK);
}
// 4. The whole per-request path of the tap without I/O: one request's start and answer published on
// the channels client-node 1.x (node:http) and 2.x (undici) publish on, with an instance counting
// against none (no subscriber: publish returns at once). The difference is what counting adds to a
// request, channel dispatch included.
const N_TAP = QUICK ? 20_000 : 200_000;
const APISERVER = 'https://127.0.0.1:6443';
const PATH = '/api/v1/namespaces/default/configmaps/bench';
const httpStart = channel('http.client.request.start');
const httpResponse = channel('http.client.response.finish');
const undiciCreate = channel('undici:request:create');
const undiciHeaders = channel('undici:request:headers');
const publishHttp = (): void => {
  // The fields of a ClientRequest the tap reads; a fresh one per request, as a client makes.
  const request = {
    protocol: 'https:',
    host: '127.0.0.1',
    method: 'GET',
    path: PATH,
    getHeader: () => '127.0.0.1:6443',
    once: () => request,
  };
  httpStart.publish({ request });
  httpResponse.publish({ request, response: { statusCode: 200 } });
};
const publishUndici = (): void => {
  const request = { origin: APISERVER, method: 'GET', path: PATH };
  undiciCreate.publish({ request });
  undiciHeaders.publish({ request, response: { statusCode: 200 } });
};
function tapCost(publish: () => void): { off: number; counted: number } {
  const runs = { off: [] as number[], counted: [] as number[] };
  for (let r = 0; r < 10; r++) {
    for (const which of r % 2 === 0 ? (['off', 'counted'] as const) : (['counted', 'off'] as const)) {
      const metrics =
        which === 'off' ? undefined : createClientMetrics({ registry: new Registry(), servers: [APISERVER] });
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < N_TAP; i++) publish();
      runs[which].push(Number(process.hrtime.bigint() - t0) / N_TAP);
      metrics?.close();
    }
  }
  return { off: median(runs.off), counted: median(runs.counted) };
}
const tapHttp = tapCost(publishHttp);
const tapUndici = tapCost(publishUndici);

const header = [
  '| what | arm | wall per request | ratio | bench CPU per request | CPU added |',
  '| --- | --- | --- | --- | --- | --- |',
];
const table = [...header, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
const book = `bookkeeping per request (verb and resource read, two counters moved): ${(median(bookkeeping) / 1000).toFixed(2)} µs (median of 5 × ${N_BOOK})`;
const tap = (what: string, { off, counted }: { off: number; counted: number }): string =>
  `tap per request, ${what}: ${((counted - off) / 1000).toFixed(2)} µs added (${(counted / 1000).toFixed(2)} counted, ${(off / 1000).toFixed(2)} with nothing subscribed; median of 10 × ${N_TAP})`;
const load = loadavg()
  .map((l) => l.toFixed(2))
  .join(' ');
process.stdout.write(
  `${new Date().toISOString()}, Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load average at the end ${load}, ${BLOCKS} blocks per arm\n${book}\n${tap('node:http channels (client-node 1.x)', tapHttp)}\n${tap('undici channels (client-node 2.x)', tapUndici)}\n${table}\n`,
);

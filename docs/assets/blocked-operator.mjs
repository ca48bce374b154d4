// The operator behind "What blocked my event loop?" in docs/profiling.md: withDiagnostics with its
// defaults (the flight recorder on), and a reconcile that rebuilds a ConfigMap cache in one
// synchronous pass, which blocks the event loop for a second or two. It writes what an operator's
// user sees to <out>/: its log (stderr.log), the /debug/pprof/stalls index (stalls.html,
// stalls.json) and the stall's profile (stall-1.pb.gz). From the repository root:
//
//   node --conditions=@kubediag/source --import tsx docs/assets/blocked-operator.mjs /tmp/stall
//   go tool pprof -top /tmp/stall/stall-1.pb.gz
//   node --conditions=@kubediag/source --import tsx packages/pprof/bench/flamegraph.ts \
//     /tmp/stall/stall-1.pb.gz docs/assets/stall-flamegraph.svg "What blocked the event loop: stall 1"
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
// The workspace's source, through tsx: this file is not in a package with dependencies of its own.
import { withDiagnostics } from '../../packages/diagnostics/src/index.ts';

const out = process.argv[2] ?? 'stall';
mkdirSync(out, { recursive: true });
const log = [];

// First thing: the recorder names only code compiled after it started.
const diag = await withDiagnostics({
  name: 'blocked-operator',
  server: { bindAddress: '127.0.0.1:0' },
  staticAuth: {
    tokens: 'oncall-token,oncall,u1,"oncall"',
    rules: [{ groups: ['oncall'], nonResourceURLs: ['/debug/pprof/*'], verbs: ['get'] }],
  },
  logging: { output: { write: (line) => log.push(line) > 0 && process.stderr.write(line) } },
});
await diag.start();

/** The body of a large LIST ConfigMaps response, received in pieces (no stall while it arrives). */
async function receiveList(items) {
  const parts = [];
  for (let i = 0; i < items; i++) {
    const cm = {
      metadata: { namespace: `team-${i % 40}`, name: `config-${i}`, labels: { app: `app-${i % 300}`, tier: i % 2 ? 'web' : 'worker' } },
      data: { 'settings.yaml': `replicas: ${i % 7}\nimage: registry.example/app-${i % 300}:v${i % 11}\n`.repeat(8) },
    };
    parts.push(JSON.stringify(cm));
    if (i % 2000 === 0) await sleep(0);
  }
  return `{"kind":"ConfigMapList","items":[${parts.join(',')}]}`;
}

function parseList(body) {
  return JSON.parse(body).items;
}

/** config-2 before config-10; the options argument builds a collator on every comparison. */
function byNumericName(a, b) {
  return a.metadata.name.localeCompare(b.metadata.name, 'en', { numeric: true });
}

function indexByLabel(items) {
  const index = new Map();
  for (const cm of items)
    for (const [key, value] of Object.entries(cm.metadata.labels)) {
      const bucket = index.get(`${key}=${value}`) ?? [];
      bucket.push(cm);
      index.set(`${key}=${value}`, bucket);
    }
  for (const bucket of index.values()) bucket.sort(byNumericName);
  return index;
}

function checksum(cm) {
  return createHash('sha256').update(JSON.stringify(cm.data)).digest('hex');
}

/** The bug: the whole cache rebuilt in one synchronous pass on every relist. */
function refreshCache(body) {
  const items = parseList(body);
  const index = indexByLabel(items);
  let changed = 0;
  for (const cm of items) if (checksum(cm).startsWith('0')) changed++;
  return index.size + changed;
}

const body = await receiveList(80_000);
refreshCache(body);

/** GET on the diagnostics port with the on-call token. */
function get(path) {
  return new Promise((resolve, reject) => {
    request(
      new URL(path, diag.server.url),
      { rejectUnauthorized: false, headers: { authorization: 'Bearer oncall-token' } },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks)));
      },
    )
      .on('error', reject)
      .end();
  });
}

// The warning comes at the heartbeat's next turn after the loop returns.
while (!log.some((l) => l.includes('"Event loop was blocked"'))) await sleep(20);
writeFileSync(join(out, 'stalls.html'), await get('/debug/pprof/stalls'));
writeFileSync(join(out, 'stalls.json'), await get('/debug/pprof/stalls?format=json'));
writeFileSync(join(out, 'stall-1.pb.gz'), await get('/debug/pprof/stalls/1'));
const metrics = await diag.registry.metrics();
writeFileSync(
  join(out, 'metrics.txt'),
  metrics
    .split('\n')
    .filter((l) => l.includes('kubediag_event_loop_stall') || l.includes('kubediag_flight_recorder'))
    .join('\n') + '\n',
);
await diag.stop();
writeFileSync(join(out, 'stderr.log'), log.join(''));

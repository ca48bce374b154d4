import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCompiledApp, writeCompiledTs } from './support/compiled-app.ts';
import { findGo, goPprof, topRows } from './support/go-pprof.ts';

// The real consumer: `go tool pprof` reads profiles fetched over HTTP from a running server (a child process
// with a plain node:http server, the handler and a workload), exactly as the Cluster API recipe does with
// curl. A missing Go toolchain fails loudly instead of skipping.
const here = dirname(fileURLToPath(import.meta.url));
const pkgDir = dirname(here);
const WORKLOAD = join(here, 'fixtures', 'workload.mjs');
const HOT_LINE = 5; // the loop line of hotLoop in fixtures/workload.mjs
const ALLOC_START_LINE = 27; // `export function allocateRetained` in fixtures/workload.mjs
const TOKEN = 'test-token-not-a-secret';

const go = findGo();
const dir = mkdtempSync(join(tmpdir(), 'kdiag-pprof-'));
const children: ChildProcess[] = [];

async function startServer(env: Record<string, string>, nodeArgs: string[] = []): Promise<string> {
  const child = spawn(
    process.execPath,
    [...nodeArgs, '--conditions=@kubediag/source', '--import', 'tsx', join(here, 'fixtures', 'server.ts')],
    { cwd: pkgDir, env: { ...process.env, PPROF_TOKEN: TOKEN, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const lines = createInterface({ input: child.stdout });
  const port = await new Promise<string>((resolve, reject) => {
    lines.on('line', (l) => {
      const m = /^LISTENING (\d+)$/.exec(l);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${stderr}`)));
  });
  return `http://127.0.0.1:${port}/debug/pprof`;
}

/** `curl -H "Authorization: Bearer $TOKEN" URL > file`: pprof cannot send the header itself. */
async function fetchToFile(url: string, name: string): Promise<string> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  const file = join(dir, name);
  writeFileSync(file, Buffer.from(await res.arrayBuffer()));
  return file;
}

const pprof = (...args: string[]): Promise<string> => goPprof(go, ...args);

beforeAll(() => {
  // Compiled once so the first `go tool pprof` does not count a toolchain build against a test timeout.
  execFileSync(go, ['tool', 'pprof', '-h'], { stdio: 'ignore' });
}, 120_000);

afterAll(() => {
  for (const c of children) c.kill();
  rmSync(dir, { recursive: true, force: true });
});

describe('integration: go tool pprof reads our profiles (inspector backend)', () => {
  let base: string;
  beforeAll(async () => {
    base = await startServer({ PPROF_BUSY: '1', PPROF_ALLOC_MB: '24' });
  });

  it('CPU profile: the hot function is a top entry with its file and line', async () => {
    const file = await fetchToFile(`${base}/profile?seconds=3`, 'cpu.pb.gz');
    const top = topRows(await pprof('-top', '-lines', file));
    const first3 = top.slice(0, 3).join('\n');
    expect(first3).toContain(`hotLoop ${WORKLOAD}:${HOT_LINE}`);
    const raw = await pprof('-raw', file);
    expect(raw).toContain('PeriodType: cpu nanoseconds');
    expect(raw).toContain('Period: 10000000');
    expect(raw).toMatch(/samples\/count cpu\/nanoseconds/);
    expect(raw).toMatch(
      new RegExp(`hotLoop ${WORKLOAD.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:${HOT_LINE}`),
    );
  });

  it('heap profile: the allocating function holds the retained memory', async () => {
    const file = await fetchToFile(`${base}/heap?gc=1`, 'heap.pb.gz');
    const out = await pprof('-top', '-lines', '-unit=MB', '-sample_index=inuse_space', file);
    expect(out).toContain('Type: inuse_space');
    const [first] = topRows(out);
    expect(first).toContain(`allocateRetained ${WORKLOAD}:${ALLOC_START_LINE}`);
    // 24 MiB of array elements retained. The sampled estimate varies by run, and V8 versions size the
    // arrays' backing stores differently (Node 24 reports up to ~2x Node 20), so check the magnitude only.
    const mb = Number(/^\s*([\d.]+)MB/.exec(first ?? '')?.[1]);
    expect(mb).toBeGreaterThan(12);
    expect(mb).toBeLessThan(96);
    const objects = await pprof('-top', '-sample_index=inuse_objects', file);
    expect(objects).toContain('allocateRetained');
  });

  it('goroutine profile (debug=0) is a goroutine/count pprof listing threads and pending operations', async () => {
    const file = await fetchToFile(`${base}/goroutine`, 'goroutine.pb.gz');
    const out = await pprof('-top', file);
    expect(out).toContain('Type: goroutine');
    expect(out).toContain('pending TCPServerWrap');
    expect(out).toContain('thread main');
  });
});

describe('integration: go tool pprof reads our profiles (@datadog/pprof backend)', () => {
  let base: string;
  beforeAll(async () => {
    base = await startServer({ PPROF_BUSY: '1', PPROF_ALLOC_MB: '24', PPROF_BACKEND: 'datadog' });
  });

  it('CPU (wall) profile: the hot function is a top entry with its file and line', async () => {
    const file = await fetchToFile(`${base}/profile?seconds=3`, 'dd-cpu.pb.gz');
    const out = await pprof('-top', '-lines', file);
    expect(out).toContain('Type: wall');
    const first3 = topRows(out).slice(0, 3).join('\n');
    // V8 inlines hotLoop into its caller in optimised code; either frame carries the hot line.
    expect(first3).toMatch(
      new RegExp(`(hotLoop|tick) ${WORKLOAD.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:${HOT_LINE}`),
    );
  });

  it('heap profile: the allocating function holds the retained memory', async () => {
    const file = await fetchToFile(`${base}/heap?gc=1`, 'dd-heap.pb.gz');
    const out = await pprof('-top', '-sample_index=inuse_space', file);
    expect(topRows(out)[0]).toContain('allocateRetained');
  });
});

describe('integration: source maps', () => {
  // Runs without tsx (see test/support/compiled-app.ts): the package compiled with tsc, as an application ships it.
  it('maps compiled JavaScript back to the TypeScript file and line with --enable-source-maps', async () => {
    const app = join(dir, 'app');
    await createCompiledApp(app);
    const src = [
      '// compiled by the test with a source map',
      'type Acc = { value: number };',
      '',
      'export function mappedHot(n: number): number {',
      '  const acc: Acc = { value: 0 };',
      '  for (let i = 0; i < n; i++) acc.value += Math.sqrt(i) * Math.cos(i);', // line 6
      '  return acc.value;',
      '}',
      '',
      'export function startBusyWork(): void {',
      '  const tick = (): void => {',
      '    const end = Date.now() + 20;',
      '    while (Date.now() < end) mappedHot(20_000);',
      '    setImmediate(tick);',
      '  };',
      '  setImmediate(tick);',
      '}',
      '',
    ].join('\n');
    const tsFile = join(app, 'hot.ts');
    const js = writeCompiledTs(app, 'hot', src);
    // Type erasure and reformatting move the loop to another generated line, so an unmapped profile fails.
    expect(js.split('\n').findIndex((l) => l.includes('Math.cos')) + 1).not.toBe(6);
    writeFileSync(
      join(app, 'server.mjs'),
      [
        "import { createServer } from 'node:http';",
        "import { createPprofHandler } from './pprof/index.js';",
        "import { startBusyWork } from './hot.js';",
        'const pprof = createPprofHandler();',
        'const server = createServer((req, res) => pprof(req, res));',
        'startBusyWork();',
        "server.listen(0, '127.0.0.1', () => console.log(`LISTENING ${server.address().port}`));",
      ].join('\n'),
    );
    const child = spawn(process.execPath, ['--enable-source-maps', join(app, 'server.mjs')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    const port = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).on('line', (l) => {
        const m = /^LISTENING (\d+)$/.exec(l);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
    const res = await fetch(`http://127.0.0.1:${port}/debug/pprof/profile?seconds=3`);
    const file = join(dir, 'mapped.pb.gz');
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    const top = topRows(await pprof('-top', '-lines', file));
    expect(top.slice(0, 3).join('\n')).toContain(`mappedHot ${tsFile}:6`);
  });
});

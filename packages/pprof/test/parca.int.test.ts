import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Parca (continuous profiler) scrapes a running server with a bearer token from a file, as in the
// Cluster API setup. The binary is built by
//   go install github.com/parca-dev/parca/cmd/parca@v0.28.0   (or `go build ./cmd/parca` in its module)
// and looked up in $PARCA_BIN, then ~/.cache/kubediag/parca-0.28.0/parca, then ~/go/bin/parca. It is a large
// optional build, so without it this file is skipped with that reason.
const here = dirname(fileURLToPath(import.meta.url));
const pkgDir = dirname(here);
const candidates = [
  process.env['PARCA_BIN'],
  join(homedir(), '.cache', 'kubediag', 'parca-0.28.0', 'parca'),
  join(homedir(), 'go', 'bin', 'parca'),
].filter((p): p is string => p !== undefined && p !== '');
const parcaBin = candidates.find((p) => existsSync(p));
const TOKEN = 'parca-test-token-not-a-secret';

const dir = mkdtempSync(join(tmpdir(), 'kdiag-parca-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill();
  rmSync(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => s.once('listening', r));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

let lastLog = (): string => '';

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`timed out waiting for ${what}; parca log tail:\n${lastLog()}`, { cause: last });
}

/** A fixture server (test/fixtures/server.ts) behind a bearer token; its REQ lines land in `requests`. */
async function startServer(env: Record<string, string>, requests: string[]): Promise<string> {
  const server = spawn(
    process.execPath,
    ['--conditions=@kubediag/source', '--import', 'tsx', join(here, 'fixtures', 'server.ts')],
    {
      cwd: pkgDir,
      env: { ...process.env, PPROF_TOKEN: TOKEN, PPROF_BUSY: '1', PPROF_LOG: '1', ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  children.push(server);
  return new Promise<string>((resolve, reject) => {
    createInterface({ input: server.stdout }).on('line', (l) => {
      const m = /^LISTENING (\d+)$/.exec(l);
      if (m) resolve(m[1]!);
      if (l.startsWith('REQ ')) requests.push(l);
    });
    server.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

/** A merged top report of the profiles Parca stored for `query` over the last ten minutes. */
async function parcaTop(api: string, query: string): Promise<Response> {
  const params = new URLSearchParams({
    mode: 'MODE_MERGE',
    'merge.query': query,
    'merge.start': new Date(Date.now() - 600_000).toISOString(),
    'merge.end': new Date(Date.now() + 60_000).toISOString(),
    reportType: 'REPORT_TYPE_TOP',
  });
  return fetch(`${api}/profiles/query?${params.toString()}`);
}

describe.skipIf(parcaBin === undefined)('integration: Parca scrapes /debug/pprof with a bearer token', () => {
  // Two servers: one as before (CPU profiles from the backend), one with the flight recorder, whose
  // dump Parca scrapes as a custom delta profile (`seconds` 10, the recorder answers at once).
  const requests: string[] = [];
  const flightRequests: string[] = [];
  let api = '';
  beforeAll(async () => {
    const port = await startServer({}, requests);
    const flightPort = await startServer({ PPROF_FLIGHT_RECORDER: '1' }, flightRequests);
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, TOKEN);
    const config = join(dir, 'parca.yaml');
    const job = (name: string, interval: string, target: string, profiles: string[]): string[] => [
      `  - job_name: ${name}`,
      `    scrape_interval: ${interval}`,
      '    scheme: http',
      '    authorization:',
      '      type: Bearer',
      `      credentials_file: ${tokenFile}`,
      '    static_configs:',
      `      - targets: ['127.0.0.1:${target}']`,
      '    profiling_config:',
      '      pprof_config:',
      ...profiles.map((p) => `        ${p}`),
    ];
    writeFileSync(
      config,
      [
        'object_storage:',
        '  bucket:',
        '    type: FILESYSTEM',
        '    config:',
        `      directory: ${join(dir, 'data')}`,
        'scrape_configs:',
        ...job('kubediag-pprof', '3s', port, [
          'process_cpu: { enabled: true, path: /debug/pprof/profile, delta: true }',
          'memory: { enabled: true, path: /debug/pprof/heap }',
          'goroutine: { enabled: true, path: /debug/pprof/goroutine }',
          'block: { enabled: false }',
          'mutex: { enabled: false }',
        ]),
        ...job('kubediag-flight', '10s', flightPort, [
          'flight_cpu: { enabled: true, path: /debug/pprof/flightrecording, delta: true, seconds: 10 }',
          'process_cpu: { enabled: false }',
          'memory: { enabled: false }',
          'goroutine: { enabled: false }',
          'block: { enabled: false }',
          'mutex: { enabled: false }',
        ]),
        '',
      ].join('\n'),
    );
    const parcaPort = await freePort();
    const parca = spawn(
      parcaBin!,
      [
        `--config-path=${config}`,
        `--http-address=127.0.0.1:${parcaPort}`,
        `--storage-path=${join(dir, 'data')}`,
      ],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(parca);
    // Parca logs a lot; keep the tail (bounded) for the failure message instead of flooding the output.
    let parcaLog = '';
    const keep = (c: Buffer): void => {
      parcaLog = (parcaLog + c.toString()).slice(-16_384);
    };
    parca.stdout.on('data', keep);
    parca.stderr.on('data', keep);
    lastLog = () => parcaLog;
    api = `http://127.0.0.1:${parcaPort}/api`;
  }, 60_000);

  it('ingests CPU, memory and goroutine profiles; the hot function is in the stored CPU profile', async () => {
    // The scrape used the token (the server answers 401 without it) and asked for Go's CPU delta length.
    await until('an authorized CPU scrape', async () =>
      requests.some((r) => r.startsWith('REQ 200 GET /debug/pprof/profile?seconds=3')) ? true : undefined,
    );
    expect(requests.filter((r) => r.startsWith('REQ 401'))).toEqual([]);

    const types = await until('profile types in Parca', async () => {
      const body = (await (await fetch(`${api}/profiles/types`)).json()) as {
        types?: { name: string; sampleType: string; sampleUnit: string }[];
      };
      const names = (body.types ?? []).map((t) => `${t.name}:${t.sampleType}:${t.sampleUnit}`);
      return names.some((n) => n.startsWith('process_cpu:cpu:nanoseconds')) &&
        names.some((n) => n.startsWith('memory:inuse_space:bytes'))
        ? names
        : undefined;
    });
    expect(types).toEqual(expect.arrayContaining([expect.stringMatching(/^goroutine:goroutine:count/)]));

    // The stored profile keeps our function names and files (a top report over the merged CPU profiles).
    const top = await until('a merged CPU profile with hotLoop', async () => {
      const res = await parcaTop(
        api,
        'process_cpu:samples:count:cpu:nanoseconds:delta{job="kubediag-pprof"}',
      );
      const text = await res.text();
      return res.ok && text.includes('hotLoop') ? text : undefined;
    });
    expect(top).toContain('workload.mjs');
  }, 180_000);

  it('scrapes the flight recorder like any profile: flightrecording?seconds=10, answered at once, hotLoop stored', async () => {
    await until('an authorized flight recording scrape', async () =>
      flightRequests.some((r) => r === 'REQ 200 GET /debug/pprof/flightrecording?seconds=10')
        ? true
        : undefined,
    );
    expect(flightRequests.filter((r) => !r.startsWith('REQ 200 '))).toEqual([]);
    const top = await until('a merged flight recording with hotLoop', async () => {
      const res = await parcaTop(
        api,
        'flight_cpu:samples:count:cpu:nanoseconds:delta{job="kubediag-flight"}',
      );
      const text = await res.text();
      return res.ok && text.includes('hotLoop') ? text : undefined;
    });
    expect(top).toContain('workload.mjs');
  }, 180_000);
});

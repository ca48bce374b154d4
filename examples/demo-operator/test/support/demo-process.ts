// The demo operator as its tests run it: its real main.ts in a child process, and plain HTTP(S)
// calls to its diagnostics port.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request } from 'node:https';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const demoDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Demo {
  url: string;
  output: () => string;
  stop: () => Promise<void>;
}

/** Starts src/main.ts with `args`; resolves with its diagnostics URL once it logs that it started. */
export async function startDemo(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Demo> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--conditions=@kubediag/source', '--import', 'tsx', join(demoDir, 'src/main.ts'), ...args],
    {
      cwd: demoDir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo did not start:\n${out}`)), 60_000);
    const check = () => {
      const m = /"Demo operator started".* diagnostics="([^"]+)"/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stderr!.on('data', check);
    child.once('exit', () => reject(new Error(`demo exited:\n${out}`)));
  });
  return {
    url,
    output: () => out,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** One request; the body is read whole. Self-signed serving certificates are accepted. */
export function call(url: string, init: { method?: string; token?: string; body?: string } = {}) {
  const u = new URL(url);
  const send = u.protocol === 'https:' ? request : httpRequest;
  return new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
    const req = send(
      u,
      {
        method: init.method ?? 'GET',
        rejectUnauthorized: false,
        headers: init.token ? { authorization: `Bearer ${init.token}` } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

/** Polls `probe` until it returns a value (a rejection counts as not yet), within a deadline. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Writes a kubeconfig (mode 0600) that reaches the control plane as a ServiceAccount token. */
export async function writeTokenKubeconfig(
  file: string,
  cluster: { url: string; caPem: string },
  token: string,
): Promise<void> {
  await writeFile(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'envtest',
          cluster: {
            server: cluster.url,
            'certificate-authority-data': Buffer.from(cluster.caPem).toString('base64'),
          },
        },
      ],
      users: [{ name: 'demo-operator', user: { token } }],
      contexts: [{ name: 'demo', context: { cluster: 'envtest', user: 'demo-operator' } }],
      'current-context': 'demo',
    }),
    { mode: 0o600 },
  );
}

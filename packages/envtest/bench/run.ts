/*
 * Benchmarks of @kubediag/envtest, each against an anchor run in the same process:
 * - PKI for one control plane in TypeScript (@peculiar/x509 on WebCrypto) vs the same PKI made with
 *   the openssl CLI (the recipe in docs/reference/real-peers.md): what generating it in-process saves.
 * - startControlPlane() (PKI, etcd, kube-apiserver to /readyz) vs kube-apiserver's own start as its
 *   log shows it (first to last line when ready): the rest is etcd, PKI and the harness.
 * Prints a Markdown table. Needs the setup command's binaries for the second part.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { generateControlPlanePki } from '../src/internal/pki.ts';
import { startControlPlane } from '../src/index.ts';
import { probe } from '../src/internal/http-probe.ts';

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

function opensslPki(dir: string): void {
  const ssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  };
  const ext = join(dir, 'ext.cnf');
  writeFileSync(
    ext,
    '[srv]\nsubjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n[cli]\nextendedKeyUsage=clientAuth\n',
  );
  for (const ca of ['serving-ca', 'client-ca']) {
    ssl(
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '7',
      '-subj',
      `/CN=${ca}`,
      '-keyout',
      `${ca}.key`,
      '-out',
      `${ca}.crt`,
    );
  }
  const leaf = (name: string, subj: string, ca: string, section: string): void => {
    ssl(
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-subj',
      subj,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
    );
    ssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${ca}.crt`,
      '-CAkey',
      `${ca}.key`,
      '-CAcreateserial',
      '-days',
      '7',
      '-extfile',
      ext,
      '-extensions',
      section,
      '-out',
      `${name}.crt`,
    );
  };
  leaf('apiserver', '/CN=kube-apiserver', 'serving-ca', 'srv');
  leaf('admin', '/CN=kubediag-admin/O=system:masters', 'client-ca', 'cli');
  ssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'sa.key');
  ssl('pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub');
}

async function benchPki(rounds: number): Promise<{ ts: number; openssl: number }> {
  const ts: number[] = [];
  const ossl: number[] = [];
  for (let i = 0; i < rounds; i++) {
    let t = performance.now();
    await generateControlPlanePki();
    ts.push(performance.now() - t);
    const dir = mkdtempSync(join(tmpdir(), 'kubediag-bench-pki-'));
    t = performance.now();
    opensslPki(dir);
    ossl.push(performance.now() - t);
    rmSync(dir, { recursive: true, force: true });
  }
  return { ts: median(ts), openssl: median(ossl) };
}

/** Start to /readyz through the harness, and the apiserver's own share of it (spawn to /readyz). */
async function benchStart(rounds: number): Promise<{ harness: number; apiServerOnly: number; stop: number }> {
  const harness: number[] = [];
  const apiOnly: number[] = [];
  const stops: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    const cp = await startControlPlane();
    harness.push(performance.now() - t0);
    // The anchor: kube-apiserver's own start, from its first log line to its last one before we saw /readyz.
    apiOnly.push(apiServerStartFromLog(cp.dir));
    const r = await probe(`${cp.url}/readyz`, { ca: cp.caPem });
    if (!('status' in r) || r.status !== 200) throw new Error(`not ready after start: ${JSON.stringify(r)}`);
    const t1 = performance.now();
    await cp.stop();
    stops.push(performance.now() - t1);
  }
  return { harness: median(harness), apiServerOnly: median(apiOnly), stop: median(stops) };
}

/** ms between the first and the last klog line of the apiserver log (read right after it became ready). */
function apiServerStartFromLog(dir: string): number {
  const text = readFileSync(join(dir, 'kube-apiserver.0.log'), 'utf8');
  const times = text
    .split('\n')
    .map((l) => /^[IWE]\d{4} (\d\d):(\d\d):(\d\d\.\d+)/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => (Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3])) * 1000);
  return times.length < 2 ? NaN : times[times.length - 1]! - times[0]!;
}

const pki = await benchPki(5);
const start = await benchStart(3);
const f = (ms: number): string => `${ms.toFixed(ms < 100 ? 1 : 0)} ms`;
console.log(`| benchmark | kubediag | anchor | ratio |
|---|---|---|---|
| PKI for one control plane (median of 5) | ${f(pki.ts)} (TypeScript, WebCrypto) | ${f(pki.openssl)} (openssl CLI) | ${(pki.ts / pki.openssl).toFixed(2)}x |
| start to /readyz (median of 3) | ${f(start.harness)} (startControlPlane) | ${f(start.apiServerOnly)} (kube-apiserver's own log span) | ${(start.harness / start.apiServerOnly).toFixed(2)}x |
| stop (median of 3) | ${f(start.stop)} | | |

node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);

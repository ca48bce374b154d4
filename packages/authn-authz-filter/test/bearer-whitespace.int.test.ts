/**
 * What comes after the token, byte for byte, against the real peers: kube-apiserver itself, the
 * controller-runtime filter (bench/peers/controller-runtime) and this filter, each sent the same raw
 * request with the reader's valid token followed by a few bytes. Go trims the header with
 * strings.TrimSpace over its bytes: ASCII white space and UTF-8 encoded Unicode spaces go, a lone
 * byte 0xA0 or 0x85 stays (and the token no longer authenticates). Node hands the bytes over as
 * latin1, where JavaScript's trim() would remove that lone 0xA0; the filter must accept exactly what
 * the peers accept.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { setupDiagnosticsIdentities, useControlPlane, type ControlPlane } from '@kubediag/envtest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withAuthenticationAndAuthorization } from '../src/filter.ts';
import type { ClosableFilter } from '../src/filter.ts';
import { startControllerRuntimePeer, type ControllerRuntimePeer } from './support/controller-runtime-peer.ts';
import { recordingLogger } from './support/fakes.ts';
import { listenTls } from './support/tls.ts';

/** Bytes after the token (hex), from harmless to the ones Go and JavaScript disagree on. */
const SUFFIXES = ['', '20', '09', 'a0', '85', 'c2a0', 'c285', 'e38080', 'e2808a', 'e2819f', 'c2', 'ff'];

let cp: ControlPlane;
let readerToken: string;
let dir: string;
let peer: ControllerRuntimePeer;
let ours: { url: string; close: () => Promise<void> };
let filter: ClosableFilter;

beforeAll(async () => {
  cp = await useControlPlane();
  const ids = await setupDiagnosticsIdentities(cp, 'trimspace');
  readerToken = ids.readerToken;
  dir = await mkdtemp(join(tmpdir(), 'kdiag-trimspace-'));
  const kubeconfig = join(dir, 'operator.kubeconfig');
  await writeFile(kubeconfig, ids.operatorKc.exportConfig(), { mode: 0o600 });
  peer = await startControllerRuntimePeer(kubeconfig);
  filter = await withAuthenticationAndAuthorization({ audit: false })({
    logger: recordingLogger(),
    kubeConfig: ids.operatorKc,
  });
  ours = await listenTls(filter.filter(recordingLogger(), (_req, res) => void res.end('ok\n')));
}, 600_000);
afterAll(async () => {
  await ours?.close();
  await filter?.close();
  await peer?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

/** The status of `GET path` with `Authorization: Bearer <reader token><suffix bytes>`, sent raw. */
function statusOf(url: string, path: string, suffixHex: string): Promise<number> {
  const u = new URL(url);
  const head = Buffer.concat([
    Buffer.from(
      `GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nAuthorization: Bearer ${readerToken}`,
    ),
    Buffer.from(suffixHex, 'hex'),
    Buffer.from('\r\n\r\n'),
  ]);
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = connect({ host: u.hostname, port: Number(u.port), rejectUnauthorized: false }, () =>
      socket.write(head),
    );
    socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0)));
  });
}

describe('integration: the bytes after a bearer token, as kube-apiserver and controller-runtime take them', () => {
  it('accepts exactly the suffixes both Go peers accept', async () => {
    const accepted: Record<string, string[]> = { apiserver: [], controllerRuntime: [], ours: [] };
    const refused: Record<string, number[]> = { apiserver: [], controllerRuntime: [], ours: [] };
    for (const suffix of SUFFIXES) {
      // A token that fails authentication is 401 at the apiserver, never anonymous.
      const answers = {
        apiserver: await statusOf(cp.url, '/apis/authentication.k8s.io/v1', suffix),
        controllerRuntime: await statusOf(peer.url, '/metrics', suffix),
        ours: await statusOf(ours.url, '/metrics', suffix),
      };
      for (const [who, status] of Object.entries(answers)) {
        if (status === 200) accepted[who]!.push(suffix);
        else refused[who]!.push(status);
      }
    }
    expect(accepted.apiserver).toEqual(['', '20', '09', 'c2a0', 'c285', 'e38080', 'e2808a', 'e2819f']);
    expect(accepted.controllerRuntime).toEqual(accepted.apiserver);
    expect(accepted.ours).toEqual(accepted.apiserver);
    // Refused as each refuses a bad token: the apiserver and this filter 401, controller-runtime 500.
    expect(new Set(refused.apiserver)).toEqual(new Set([401]));
    expect(new Set(refused.controllerRuntime)).toEqual(new Set([500]));
    expect(new Set(refused.ours)).toEqual(new Set([401]));
  });
});

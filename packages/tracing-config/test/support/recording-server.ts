// A loopback stand-in for the apiserver that records request headers, for the client-node unit
// tests (the real apiserver is used in apiserver.int.test.ts), and a KubeConfig pointing at it.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { KubeConfig } from '@kubernetes/client-node';

export interface RecordingServer {
  readonly url: string;
  /** Headers of every request so far, oldest first; clear with `seen.length = 0`. */
  readonly seen: IncomingHttpHeaders[];
  close(): Promise<void>;
}

export async function startRecordingServer(): Promise<RecordingServer> {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ apiVersion: 'v1', kind: 'NamespaceList', metadata: {}, items: [] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    seen,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** A client-node 1.x KubeConfig for `url` with a bearer token. */
export function recordingKubeConfig(url: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    // client-node refuses plain http unless skipTLSVerify is set.
    clusters: [{ name: 'c', server: url, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'secret-token' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

// Scrape client on its own thread or, forked, in its own process (as Prometheus is on a real
// deployment), so reading the response does not compete with the server's event loop.
import { parentPort as threadPort } from 'node:worker_threads';
import { Agent, request } from 'node:https';
import { performance } from 'node:perf_hooks';
import { URL } from 'node:url';

const agent = new Agent({ keepAlive: true, maxSockets: 1 });
// A worker thread talks through its parentPort; a forked process through its IPC channel.
const parentPort = threadPort ?? {
  on: (event, listener) => process.on(event, listener),
  postMessage: (message) => process.send(message),
};

parentPort.on('message', ({ url, path, headers }) => {
  const u = new URL(url);
  const t0 = performance.now();
  const req = request(
    { host: u.hostname, port: u.port, path, agent, rejectUnauthorized: false, headers },
    (res) => {
      let bytes = 0;
      res.on('data', (d) => (bytes += d.length));
      res.once('end', () =>
        parentPort.postMessage({ status: res.statusCode, bytes, ms: performance.now() - t0 }),
      );
    },
  );
  req.once('error', (err) => parentPort.postMessage({ status: 0, bytes: 0, ms: 0, error: String(err) }));
  req.end();
});

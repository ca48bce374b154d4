import type { GoroutineSnapshot, LibuvHandle } from './goroutine.ts';

// Handles every Node process keeps for its own event loop machinery; listed once as a count, not one by one.
const LOOP_INTERNAL = new Set(['async', 'check', 'prepare', 'idle']);

const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;

function eluLine(s: GoroutineSnapshot): string {
  const w = s.eventLoop.window;
  return `event loop utilisation ${pct(s.eventLoop.sinceStart)} since start${
    w ? `, ${pct(w.utilization)} over the last ${(w.ms / 1000).toFixed(1)}s` : ''
  }`;
}

/**
 * `debug=1`: Go's "goroutine profile: total N" then one group per stack with its count. Threads count one
 * each; every active resource type is a group whose "stack" is the type.
 */
export function renderGoroutineDebug1(s: GoroutineSnapshot): string {
  const resourceTotal = [...s.activeResources.values()].reduce((a, b) => a + b, 0);
  const lines = [`goroutine profile: total ${1 + s.workers.length + resourceTotal}`];
  lines.push(`# Node.js: JavaScript threads and pending asynchronous operations; ${eluLine(s)}`);
  for (const t of [s.main, ...s.workers]) {
    lines.push(`1 @ thread ${t.name} (threadId ${t.threadId})`);
    for (const f of t.stack) lines.push(`#\t${f.replace(/^at /, '')}`);
    lines.push('');
  }
  if (s.workersNote) lines.push(`# ${s.workersNote}`, '');
  for (const [type, count] of [...s.activeResources].sort((a, b) => b[1] - a[1])) {
    lines.push(`${count} @ ${type}`, `#\tpending ${type}`, '');
  }
  return `${lines.join('\n')}\n`;
}

/**
 * `debug=2`: a full dump for a person debugging a stuck process, in the spirit of Go's panic-style dump:
 * every thread's stack, then every libuv handle with its details, the sockets/servers/child processes by
 * address, the pending request types, memory and CPU.
 */
export function renderGoroutineDebug2(s: GoroutineSnapshot): string {
  const out: string[] = [];
  out.push(
    `Node.js ${s.nodeVersion} pid ${s.pid}, up ${s.uptimeSeconds.toFixed(0)}s, dump at ${s.takenAt.toISOString()}`,
    `${eluLine(s)}`,
    `cpu user ${(s.cpu.userMicros / 1e6).toFixed(2)}s system ${(s.cpu.systemMicros / 1e6).toFixed(2)}s; ` +
      `memory rss ${mb(s.memory.rss)} heapUsed ${mb(s.memory.heapUsed)} heapTotal ${mb(s.memory.heapTotal)} ` +
      `limit ${mb(s.memory.heapSizeLimit)} external ${mb(s.memory.external)} arrayBuffers ${mb(s.memory.arrayBuffers)}`,
    '',
    '# A blocked event loop cannot answer this request: if it times out, a thread is busy (take',
    '# /debug/pprof/profile from a worker-hosted server, or send SIGUSR2 with --diagnostic-report-on-signal).',
    '',
  );
  out.push(`thread ${s.main.threadId} [main, running this request]:`);
  for (const f of s.main.stack) out.push(`\t${f}`);
  out.push('');
  for (const w of s.workers) {
    out.push(`thread ${w.threadId} [${w.name}]:`);
    const stack =
      w.stack.length === 0
        ? ['(no JavaScript on the stack: idle in its event loop)']
        : w.stack.length === 1 && w.stack[0] === 'Unavailable.'
          ? [
              '(stack unavailable: the report could not interrupt this thread, e.g. a module-loader hooks thread)',
            ]
          : w.stack;
    for (const f of stack) out.push(`\t${f}`);
    out.push('');
  }
  if (s.workersNote) out.push(`# ${s.workersNote}`, '');

  out.push(`pending operations (process.getActiveResourcesInfo):`);
  for (const [type, count] of [...s.activeResources].sort((a, b) => b[1] - a[1]))
    out.push(`\t${count} ${type}`);
  out.push('');

  out.push('sockets, servers and child processes:');
  for (const h of s.jsHandles) out.push(`\t${h}`);
  if (s.jsHandles.length === 0) out.push('\t(none)');
  out.push('');

  const internal = s.libuvHandles.filter((h) => LOOP_INTERNAL.has(h.type)).length;
  out.push(
    `libuv handles (process.report; ${internal} event-loop internal async/check/prepare/idle handles omitted):`,
  );
  for (const h of s.libuvHandles) {
    if (LOOP_INTERNAL.has(h.type)) continue;
    out.push(`\t${formatLibuvHandle(h)}`);
  }
  return `${out.join('\n')}\n`;
}

function mb(n: number): string {
  return `${(n / (1024 * 1024)).toFixed(1)}MiB`;
}

function endpoint(v: unknown): string {
  if (!v || typeof v !== 'object') return '-';
  const e = v as { ip4?: string; ip6?: string; host?: string; port?: number };
  return `${e.ip4 ?? e.ip6 ?? e.host ?? '?'}:${String(e.port)}`;
}

function formatLibuvHandle(h: LibuvHandle): string {
  const flags = [h['is_active'] ? 'active' : 'inactive', h['is_referenced'] ? 'ref' : 'unref'].join(',');
  const details: string[] = [];
  if ('localEndpoint' in h || 'remoteEndpoint' in h) {
    details.push(`local=${endpoint(h['localEndpoint'])}`, `remote=${endpoint(h['remoteEndpoint'])}`);
  }
  for (const key of [
    'fd',
    'stdio',
    'firesInMsFromNow',
    'repeat',
    'expired',
    'writeQueueSize',
    'signum',
    'signal',
    'filename',
  ]) {
    const v = h[key];
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') details.push(`${key}=${v}`);
  }
  return `${h.type} [${flags}] ${details.join(' ')}`.trimEnd();
}

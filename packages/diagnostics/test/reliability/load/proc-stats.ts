/**
 * What /proc says about a process from outside it: resident memory, open file descriptors by kind,
 * and the TCP connections it holds on one local port.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** VmRSS of `pid`, in bytes. */
export function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (m === null) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

export interface FdSummary {
  readonly total: number;
  readonly sockets: number;
  readonly pipes: number;
  readonly anonInodes: number;
  readonly files: number;
  /** Inode numbers of the sockets (to find them in /proc/net/tcp). */
  readonly socketInodes: ReadonlySet<string>;
}

/** The open file descriptors of `pid`, by kind. */
export function fdSummary(pid: number): FdSummary {
  let sockets = 0;
  let pipes = 0;
  let anonInodes = 0;
  let files = 0;
  const socketInodes = new Set<string>();
  const fds = readdirSync(`/proc/${pid}/fd`);
  for (const fd of fds) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed while we looked
    }
    const socket = /^socket:\[(\d+)\]$/.exec(target);
    if (socket !== null) {
      sockets++;
      socketInodes.add(socket[1]!);
    } else if (target.startsWith('pipe:')) pipes++;
    else if (target.startsWith('anon_inode:')) anonInodes++;
    else files++;
  }
  return { total: fds.length, sockets, pipes, anonInodes, files, socketInodes };
}

const TCP_STATES: Readonly<Record<string, string>> = {
  '01': 'ESTABLISHED',
  '02': 'SYN_SENT',
  '03': 'SYN_RECV',
  '04': 'FIN_WAIT1',
  '05': 'FIN_WAIT2',
  '06': 'TIME_WAIT',
  '07': 'CLOSE',
  '08': 'CLOSE_WAIT',
  '09': 'LAST_ACK',
  '0A': 'LISTEN',
  '0B': 'CLOSING',
};

export interface PortConnections {
  /**
   * Socket inodes of the connections `pid` holds open on `port` (the listening socket excluded): the
   * same connection in two readings has the same inode; `.size` is how many are open.
   */
  readonly inodes: ReadonlySet<string>;
  readonly byState: Readonly<Record<string, number>>;
}

/** Rows of `pid`'s TCP tables (IPv4 and IPv6) as columns: [sl, local, remote, state, ..., inode at 9]. */
function* tcpRows(pid: number): Generator<string[]> {
  for (const table of ['tcp', 'tcp6']) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) yield line.trim().split(/\s+/);
  }
}

const portOf = (address: string): number => parseInt(address.split(':')[1] ?? '', 16);

/** Connections that `pid` holds, by a file descriptor, on its local `port`. */
export function connectionsOnPort(pid: number, port: number): PortConnections {
  const inodes = fdSummary(pid).socketInodes;
  const byState: Record<string, number> = {};
  const held = new Set<string>();
  for (const [, local, , state, , , , , , inode] of tcpRows(pid)) {
    if (local === undefined || state === undefined || inode === undefined) continue;
    if (portOf(local) !== port || !inodes.has(inode)) continue;
    const name = TCP_STATES[state] ?? state;
    if (name === 'LISTEN') continue;
    byState[name] = (byState[name] ?? 0) + 1;
    held.add(inode);
  }
  return { inodes: held, byState };
}

/** Connections `pid` holds to a remote `port` (its client connections to the apiserver, say). */
export function connectionsTo(pid: number, port: number): number {
  const inodes = fdSummary(pid).socketInodes;
  let n = 0;
  for (const [, , remote, , , , , , , inode] of tcpRows(pid)) {
    if (remote === undefined || inode === undefined || !inodes.has(inode)) continue;
    if (portOf(remote) === port) n++;
  }
  return n;
}

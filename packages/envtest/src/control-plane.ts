import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { EnvtestError, EnvtestErrorCode } from './errors.ts';
import {
  applyControlPlaneOptions,
  type ControlPlaneOptions,
  type ResolvedControlPlaneOptions,
} from './options.ts';
import { findPeer } from './peers.ts';
import type { AuditEvent, ClientCertificate, ControlPlane, ProcessExit } from './types.ts';
import { readAuditLog } from './internal/audit.ts';
import { AUDIT_POLICY, apiServerArgs, etcdArgs, type Layout } from './internal/flags.ts';
import { describeProbe, probe, type ProbeResult } from './internal/http-probe.ts';
import { kubeconfigYaml, loadKubeConfig, importClientNode } from './internal/kubeconfig.ts';
import {
  ADMIN_USER,
  generateControlPlanePki,
  issueClientCertificate,
  type KeyedCertificate,
} from './internal/pki.ts';
import { freePorts } from './internal/ports.ts';
import { claimDir, sweepStaleDirs } from './internal/stale-dirs.ts';
import { registerExitCleanup, SupervisedProcess, tailFile } from './internal/process.ts';
import { startExistingCluster } from './existing-cluster.ts';
import type { ControlPlaneCoordinates } from './coordinates.ts';

const POLL_INTERVAL_MS = 100;
const DIR_PREFIX = 'kubediag-envtest-';
const LOG_TAIL_LINES = 20;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function logTails(procs: readonly SupervisedProcess[]): string {
  return procs
    .map(
      (p) =>
        `--- last ${LOG_TAIL_LINES} lines of ${p.name} log (${p.logPath}) ---\n${tailFile(p.logPath, LOG_TAIL_LINES)}`,
    )
    .join('\n');
}

function describeExit(p: SupervisedProcess): string {
  const e = p.exit;
  if (e === undefined) return 'running';
  return e.signal !== null ? `killed by ${e.signal}` : `exit code ${String(e.code)}`;
}

/** A start attempt failed because a port was taken between probe and bind: retry with new ports. */
class PortConflict extends Error {}

function looksLikePortConflict(p: SupervisedProcess): boolean {
  return /address already in use/i.test(tailFile(p.logPath, 200));
}

/** Polls `url` until it answers 200 (and `accept(body)`), a process exits, or the deadline passes. */
async function waitReady(params: {
  name: string;
  url: string;
  ca?: string;
  accept: (body: string) => boolean;
  deadline: number;
  timeoutMs: number;
  procs: readonly SupervisedProcess[];
}): Promise<void> {
  let last: ProbeResult | undefined;
  for (;;) {
    const dead = params.procs.find((p) => p.exit !== undefined);
    if (dead !== undefined) {
      if (looksLikePortConflict(dead)) throw new PortConflict(dead.name);
      throw new EnvtestError(
        EnvtestErrorCode.PROCESS_EXITED,
        `start control plane: ${dead.name} exited before ${params.name} was ready (${describeExit(dead)})\n` +
          logTails(params.procs),
      );
    }
    const remaining = params.deadline - Date.now();
    if (remaining <= 0) {
      throw new EnvtestError(
        EnvtestErrorCode.START_TIMEOUT,
        `start control plane: ${params.name} not ready after ${params.timeoutMs} ms; expected 200 from ${params.url}, ` +
          `last got ${describeProbe(last)}\n${logTails(params.procs)}`,
      );
    }
    last = await probe(params.url, {
      timeoutMs: Math.min(2_000, remaining),
      ...(params.ca !== undefined ? { ca: params.ca } : {}),
    });
    if ('status' in last && last.status === 200 && params.accept(last.body)) return;
    // Racing the sleep against the exits reports a crash immediately instead of one poll later.
    await Promise.race([sleep(POLL_INTERVAL_MS), ...params.procs.map((p) => p.exited)]);
  }
}

async function layoutFor(
  dir: string,
): Promise<Omit<Layout, 'etcdClientPort' | 'etcdPeerPort' | 'apiServerPort'>> {
  const certDir = join(dir, 'certs');
  await mkdir(certDir, { recursive: true, mode: 0o700 });
  return {
    dir,
    certDir,
    etcdDataDir: join(dir, 'etcd'),
    servingCertFile: join(certDir, 'apiserver.crt'),
    servingKeyFile: join(certDir, 'apiserver.key'),
    clientCaFile: join(certDir, 'client-ca.crt'),
    saPublicKeyFile: join(certDir, 'sa.pub'),
    saPrivateKeyFile: join(certDir, 'sa.key'),
    auditPolicyFile: join(dir, 'audit-policy.yaml'),
    auditLogFile: join(dir, 'audit.log'),
  };
}

/** One attempt: fresh ports, start etcd, wait for /health, start kube-apiserver, wait for /readyz. */
async function startProcesses(
  base: Omit<Layout, 'etcdClientPort' | 'etcdPeerPort' | 'apiServerPort'>,
  o: ResolvedControlPlaneOptions,
  bins: { etcd: string; apiServer: string },
  caPem: string,
  attempt: number,
): Promise<{ layout: Layout; etcd: SupervisedProcess; apiServer: SupervisedProcess }> {
  const [etcdClientPort, etcdPeerPort, apiServerPort] = (await freePorts(3)) as [number, number, number];
  const layout: Layout = { ...base, etcdClientPort, etcdPeerPort, apiServerPort };
  const deadline = Date.now() + o.startTimeoutMs;
  await rm(layout.etcdDataDir, { recursive: true, force: true });
  const etcd = new SupervisedProcess(
    'etcd',
    bins.etcd,
    etcdArgs(layout, o.extraEtcdArgs),
    join(base.dir, `etcd.${attempt}.log`),
  );
  const procs: SupervisedProcess[] = [etcd];
  try {
    await waitReady({
      name: 'etcd',
      url: `http://127.0.0.1:${etcdClientPort}/health`,
      accept: (body) => body.includes('"health":"true"'),
      deadline,
      timeoutMs: o.startTimeoutMs,
      procs,
    });
    const apiServer = new SupervisedProcess(
      'kube-apiserver',
      bins.apiServer,
      apiServerArgs(layout, o.auditLog, o.extraApiServerArgs),
      join(base.dir, `kube-apiserver.${attempt}.log`),
    );
    procs.push(apiServer);
    await waitReady({
      name: 'kube-apiserver',
      url: `https://127.0.0.1:${apiServerPort}/readyz`,
      ca: caPem,
      accept: (body) => body.trim() === 'ok',
      deadline,
      timeoutMs: o.startTimeoutMs,
      procs,
    });
    return { layout, etcd, apiServer };
  } catch (err) {
    await Promise.all(procs.map((p) => p.stop(o.stopTimeoutMs)));
    throw err;
  }
}

/**
 * Starts a real etcd and kube-apiserver on loopback (or, with `useExistingCluster`, borrows the
 * KUBECONFIG cluster behind the same API). Call `stop()` when done; an exit of the Node process also
 * kills both processes and removes the temp dir.
 */
export async function startControlPlane(options?: ControlPlaneOptions): Promise<ControlPlane> {
  const o = applyControlPlaneOptions(options);
  if (o.useExistingCluster) return startExistingCluster();
  const dirOption = o.assetsDir !== undefined ? { dir: o.assetsDir } : {};
  const bins = { etcd: findPeer('etcd', dirOption), apiServer: findPeer('kube-apiserver', dirOption) };
  // Overlap the slow client import with the process start.
  const clientNode = importClientNode();
  clientNode.catch(() => {});

  // Leftovers of processes killed with SIGKILL (nothing else leaves any), then our own dir.
  await sweepStaleDirs(tmpdir(), DIR_PREFIX);
  const dir = await mkdtemp(join(tmpdir(), DIR_PREFIX));
  const unregister = registerExitCleanup(() => rmSync(dir, { recursive: true, force: true }));
  try {
    const [pki, base] = await Promise.all([generateControlPlanePki(), layoutFor(dir), claimDir(dir)]);
    await Promise.all([
      writeFile(base.servingCertFile, pki.serving.certPem, { mode: 0o600 }),
      writeFile(base.servingKeyFile, pki.serving.keyPem, { mode: 0o600 }),
      writeFile(base.clientCaFile, pki.clientCa.certPem, { mode: 0o600 }),
      writeFile(base.saPublicKeyFile, pki.serviceAccount.publicKeyPem, { mode: 0o600 }),
      writeFile(base.saPrivateKeyFile, pki.serviceAccount.privateKeyPem, { mode: 0o600 }),
      o.auditLog ? writeFile(base.auditPolicyFile, AUDIT_POLICY, { mode: 0o600 }) : undefined,
    ]);
    let started: Awaited<ReturnType<typeof startProcesses>> | undefined;
    for (let attempt = 0; started === undefined; attempt++) {
      try {
        started = await startProcesses(base, o, bins, pki.servingCa.certPem, attempt);
      } catch (err) {
        if (!(err instanceof PortConflict)) throw err;
        if (attempt >= o.portConflictRetries) {
          throw new EnvtestError(
            EnvtestErrorCode.PORT_CONFLICT,
            `start control plane: ${err.message} hit "address already in use" on ${attempt + 1} attempt(s)`,
            { cause: err },
          );
        }
      }
    }
    const url = `https://127.0.0.1:${started.layout.apiServerPort}`;
    const text = kubeconfigYaml({
      url,
      caPem: pki.servingCa.certPem,
      certPem: pki.admin.certPem,
      keyPem: pki.admin.keyPem,
      user: ADMIN_USER,
    });
    const kubeconfigPath = join(dir, 'kubeconfig');
    await writeFile(kubeconfigPath, text, { mode: 0o600 });
    let kubeConfig: KubeConfig;
    try {
      kubeConfig = await loadKubeConfig(text);
    } catch (err) {
      await Promise.all([started.apiServer.stop(0), started.etcd.stop(0)]);
      throw err;
    }
    return new LocalControlPlane({
      url,
      apiServerCommand: {
        bin: bins.apiServer,
        args: apiServerArgs(started.layout, o.auditLog, o.extraApiServerArgs),
      },
      startTimeoutMs: o.startTimeoutMs,
      caPem: pki.servingCa.certPem,
      kubeconfigPath,
      kubeConfig,
      dir,
      clientCa: pki.clientCa,
      etcd: started.etcd,
      apiServer: started.apiServer,
      auditLogFile: o.auditLog ? started.layout.auditLogFile : undefined,
      stopTimeoutMs: o.stopTimeoutMs,
      unregister,
    });
  } catch (err) {
    unregister();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

interface LocalParams {
  url: string;
  /** How the running kube-apiserver was started; startApiServer() runs exactly this again. */
  apiServerCommand: { bin: string; args: readonly string[] };
  startTimeoutMs: number;
  caPem: string;
  kubeconfigPath: string;
  kubeConfig: KubeConfig;
  dir: string;
  clientCa: KeyedCertificate;
  etcd: SupervisedProcess;
  apiServer: SupervisedProcess;
  auditLogFile: string | undefined;
  stopTimeoutMs: number;
  unregister: () => void;
}

/** Serializable coordinates of a control plane, for the vitest global setup to hand to workers. */
export function toCoordinates(cp: ControlPlane): ControlPlaneCoordinates {
  const local = cp instanceof LocalControlPlane ? cp.internals() : undefined;
  return {
    url: cp.url,
    caPem: cp.caPem,
    kubeconfigPath: cp.kubeconfigPath,
    dir: cp.dir,
    clientCaPem: cp.clientCaPem,
    clientCaKeyPem: local?.clientCaKeyPem ?? '',
    auditLogPath: local?.auditLogPath ?? '',
    pids: local?.pids ?? { etcd: 0, apiServer: 0 },
  };
}

/** A control plane whose processes this harness owns. */
class LocalControlPlane implements ControlPlane {
  readonly url: string;
  readonly caPem: string;
  readonly kubeconfigPath: string;
  readonly kubeConfig: KubeConfig;
  readonly dir: string;
  readonly clientCaPem: string;
  readonly owned = true;
  readonly exited: Promise<ProcessExit>;
  readonly #p: LocalParams;
  /** The current kube-apiserver; replaced by startApiServer(). */
  #apiServer: SupervisedProcess;
  /** False between stopApiServer() and a successful startApiServer(). */
  #apiServerUp = true;
  #restarts = 0;
  /** stopApiServer()/startApiServer() run one after another, never interleaved. */
  #apiServerQueue: Promise<unknown> = Promise.resolve();
  #settleExited!: (exit: ProcessExit) => void;
  #stopping = false;
  #stopped: Promise<void> | undefined;
  #unexpected: ProcessExit | undefined;

  constructor(p: LocalParams) {
    this.#p = p;
    this.url = p.url;
    this.caPem = p.caPem;
    this.kubeconfigPath = p.kubeconfigPath;
    this.kubeConfig = p.kubeConfig;
    this.dir = p.dir;
    this.clientCaPem = p.clientCa.certPem;
    this.#apiServer = p.apiServer;
    this.exited = new Promise((resolve) => (this.#settleExited = resolve));
    this.#watch(p.etcd, 'etcd');
    this.#watch(p.apiServer, 'kube-apiserver');
  }

  /**
   * Settles `exited` when `proc` ends, unless it is a kube-apiserver that stopApiServer() ended (or
   * that startApiServer() already replaced): that outage was asked for.
   */
  #watch(proc: SupervisedProcess, process: ProcessExit['process']): void {
    void proc.exited.then((e) => {
      const deliberateOutage =
        process === 'kube-apiserver' && (proc !== this.#apiServer || !this.#apiServerUp);
      if (deliberateOutage && !this.#stopping) return;
      const exit: ProcessExit = { process, code: e.code, signal: e.signal, expected: this.#stopping };
      if (!exit.expected) this.#unexpected ??= exit;
      this.#settleExited(exit);
    });
  }

  /** Process-group ids of the etcd and current kube-apiserver supervisors (for tests that check for orphans). */
  get pids(): { readonly etcd: number; readonly apiServer: number } {
    return { etcd: this.#p.etcd.pgid, apiServer: this.#apiServer.pgid };
  }

  /** What toCoordinates needs beyond the public API. */
  internals(): { clientCaKeyPem: string; auditLogPath: string; pids: { etcd: number; apiServer: number } } {
    return {
      clientCaKeyPem: this.#p.clientCa.keyPem,
      auditLogPath: this.#p.auditLogFile ?? '',
      pids: this.pids,
    };
  }

  #assertUsable(what: string): void {
    if (this.#stopping) {
      throw new EnvtestError(EnvtestErrorCode.STOPPED, `${what}: the control plane was stopped`);
    }
    const u = this.#unexpected;
    if (u !== undefined) {
      const how = u.signal !== null ? `killed by ${u.signal}` : `exit code ${String(u.code)}`;
      throw new EnvtestError(
        EnvtestErrorCode.PROCESS_EXITED,
        `${what}: ${u.process} exited unexpectedly (${how})\n${logTails([this.#p.etcd, this.#apiServer])}`,
      );
    }
  }

  async issueClientCertificate(user: string, groups: readonly string[] = []): Promise<ClientCertificate> {
    this.#assertUsable('issue client certificate');
    return issueClientCertificate(this.#p.clientCa, user, groups);
  }

  async readAuditEvents(): Promise<AuditEvent[]> {
    this.#assertUsable('read audit events');
    if (this.#p.auditLogFile === undefined) {
      throw new EnvtestError(
        EnvtestErrorCode.UNSUPPORTED,
        'read audit events: the control plane was started without an audit log; expected { auditLog: true }',
      );
    }
    return readAuditLog(this.#p.auditLogFile);
  }

  /** Runs `step` after every earlier stop/start step has settled. */
  #queued(step: () => Promise<void>): Promise<void> {
    const next = this.#apiServerQueue.then(step);
    this.#apiServerQueue = next.catch(() => {});
    return next;
  }

  stopApiServer(): Promise<void> {
    return this.#queued(async () => {
      this.#assertUsable('stop kube-apiserver');
      if (!this.#apiServerUp) return;
      this.#apiServerUp = false;
      await this.#apiServer.stop(this.#p.stopTimeoutMs);
    });
  }

  startApiServer(): Promise<void> {
    return this.#queued(async () => {
      this.#assertUsable('start kube-apiserver');
      if (this.#apiServerUp) return;
      const { bin, args } = this.#p.apiServerCommand;
      const apiServer = new SupervisedProcess(
        'kube-apiserver',
        bin,
        args,
        join(this.dir, `kube-apiserver.restart-${++this.#restarts}.log`),
      );
      // Assigned before it is ready so that stop() during the wait ends this process too.
      this.#apiServer = apiServer;
      try {
        await waitReady({
          name: 'kube-apiserver',
          url: `${this.url}/readyz`,
          ca: this.caPem,
          accept: (body) => body.trim() === 'ok',
          deadline: Date.now() + this.#p.startTimeoutMs,
          timeoutMs: this.#p.startTimeoutMs,
          procs: [this.#p.etcd, apiServer],
        });
      } catch (err) {
        await apiServer.stop(this.#p.stopTimeoutMs);
        this.#assertUsable('start kube-apiserver');
        if (!(err instanceof PortConflict)) throw err;
        throw new EnvtestError(
          EnvtestErrorCode.PORT_CONFLICT,
          `start kube-apiserver: another process took ${this.url} while kube-apiserver was stopped ` +
            `("address already in use")\n${logTails([apiServer])}`,
          { cause: err },
        );
      }
      this.#apiServerUp = true;
      this.#watch(apiServer, 'kube-apiserver');
    });
  }

  stop(): Promise<void> {
    this.#stopping = true;
    this.#stopped ??= (async () => {
      const { etcd, stopTimeoutMs } = this.#p;
      // The apiserver first, so it does not spend its shutdown retrying a dead etcd.
      await this.#apiServer.stop(stopTimeoutMs);
      await etcd.stop(stopTimeoutMs);
      await rm(this.dir, { recursive: true, force: true });
      this.#p.unregister();
    })();
    return this.#stopped;
  }
}

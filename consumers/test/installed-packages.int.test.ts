// What users install is what we test: every package built and packed as `pnpm publish` would, installed
// into a fresh npm project outside the workspace with the peers npm picks today, and run as ESM,
// CommonJS and TypeScript operators against the real kube-apiserver of envtest.
//   Node 20 (and < 22.19): client-node 1.x; client-node 2.x must fail at start, naming cause and fix.
//   Node >= 22.19: the newest client-node (2.x).
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  findPeer,
  setupDiagnosticsIdentities,
  startCollector,
  startControlPlane,
  useControlPlane,
  type ControlPlane,
  type DiagnosticsIdentities,
  type RunningCollector,
} from '@kubediag/envtest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  compileTypeScriptConsumer,
  createConsumerProject,
  startConsumer,
  type ConsumerProject,
} from '../support/consumer-project.ts';
import { packWorkspace, type PackedWorkspace } from '../support/pack.ts';

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
/** client-node 2.x is built on undici 8, which needs Node.js >= 22.19. */
const runsClientNode2 = major > 22 || (major === 22 && minor >= 19);

interface Answer {
  readonly status: number;
  readonly body: Buffer;
}

function call(url: string, opts: { token?: string; method?: string; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: opts.method ?? 'GET',
        rejectUnauthorized: false, // the port's self-signed serving certificate
        headers: opts.token === undefined ? {} : { Authorization: `Bearer ${opts.token}` },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

let packed: PackedWorkspace;
let ids: DiagnosticsIdentities;
let kubeconfigFile: string;

beforeAll(async () => {
  const cp = await useControlPlane();
  [packed, ids] = await Promise.all([packWorkspace(), setupDiagnosticsIdentities(cp, 'consumer')]);
  kubeconfigFile = join(await mkdtemp(join(tmpdir(), 'kubediag-consumer-kc-')), 'kubeconfig');
  await writeFile(kubeconfigFile, ids.operatorKc.exportConfig());
}, 600_000);

const consumers = [
  ['ESM import', 'operator.mjs'],
  ['CommonJS require', 'operator.cjs'],
  ['TypeScript, moduleResolution node16', 'ts/out-node16/operator.js'],
  ['TypeScript, moduleResolution nodenext', 'ts/out-nodenext/operator.js'],
  ['TypeScript, moduleResolution bundler', 'ts/out-bundler/operator.js'],
] as const;

describe(`packed packages on Node ${process.versions.node} with client-node ${runsClientNode2 ? '2.x' : '1.x'}`, () => {
  let project: ConsumerProject;

  beforeAll(async () => {
    project = await createConsumerProject(packed, { clientNode: runsClientNode2 ? 'latest' : '^1.4.0' });
    for (const resolution of ['node16', 'nodenext', 'bundler'] as const)
      await compileTypeScriptConsumer(project, resolution);
  }, 600_000);

  it('npm picked the client-node major this Node line supports', () => {
    expect(project.versions['@kubernetes/client-node']).toMatch(runsClientNode2 ? /^2\./ : /^1\./);
    expect(project.versions['prom-client']).toMatch(/^15\./);
  });

  it.each(consumers)(
    '%s: real reviews (200/401/403), PUT /debug/flags/v, a CPU profile go tool pprof reads, a clean exit',
    async (_kind, entry) => {
      const op = await startConsumer(project, entry, { KUBECONFIG: kubeconfigFile });
      try {
        expect(op.report.error, op.output()).toBeUndefined();
        const url = op.report.url!;
        expect((await call(`${url}/metrics`, { token: ids.readerToken })).status).toBe(200);
        expect((await call(`${url}/metrics`)).status).toBe(401);
        expect((await call(`${url}/metrics`, { token: 'not-a-token' })).status).toBe(401);
        const denied = await call(`${url}/metrics`, { token: ids.nobodyToken });
        expect(denied.status).toBe(403);
        expect(denied.body.toString()).toBe(`Authorization denied for user ${ids.nobodyUser}\n`);
        const flags = await call(`${url}/debug/flags/v`, {
          token: ids.readerToken,
          method: 'PUT',
          body: '4',
        });
        expect([flags.status, flags.body.toString()]).toEqual([
          200,
          'successfully set klog.logging.verbosity to 4\n',
        ]);
        const profile = await call(`${url}/debug/pprof/profile?seconds=1`, { token: ids.readerToken });
        expect(profile.status).toBe(200);
        const file = join(project.dir, `${entry.replace(/\W/g, '_')}.pb.gz`);
        await writeFile(file, profile.body);
        const { stdout } = await promisify(execFile)(findPeer('go'), ['tool', 'pprof', '-top', file]);
        expect(stdout).toMatch(/Type: cpu/);
      } finally {
        // A clean shutdown: stop() on SIGTERM, and nothing left to keep the process alive.
        expect(await op.stop()).toBe(0);
      }
    },
    120_000,
  );
});

describe(`tracing with the packed packages and client-node ${runsClientNode2 ? '2.x' : '1.x'}`, () => {
  let collector: RunningCollector;
  let traced: ControlPlane;

  beforeAll(async () => {
    collector = await startCollector();
    const config = join(collector.dir, 'tracing-config.yaml');
    await writeFile(
      config,
      `apiVersion: apiserver.config.k8s.io/v1\nkind: TracingConfiguration\nendpoint: ${collector.endpoint}\nsamplingRatePerMillion: 1000000\n`,
    );
    traced = await startControlPlane({ extraApiServerArgs: [`--tracing-config-file=${config}`] });
  }, 180_000);

  afterAll(async () => {
    await traced?.stop();
    await collector?.stop();
  });

  it("the apiserver's spans join the operator's trace in the real collector", async () => {
    const project = await createConsumerProject(packed, {
      clientNode: runsClientNode2 ? 'latest' : '^1.4.0',
    });
    // The apiserver parents its spans to an incoming traceparent only for system:masters (else it links):
    // the operator talks to it as the envtest admin.
    const kubeconfig = join(collector.dir, 'admin.kubeconfig');
    await writeFile(kubeconfig, traced.kubeConfig.exportConfig());
    const config = join(collector.dir, 'tracing-config.yaml');
    const op = await startConsumer(project, 'operator.mjs', {
      KUBECONFIG: kubeconfig,
      TRACING_CONFIG: config,
    });
    try {
      expect(op.report.error, op.output()).toBeUndefined();
      const { traceId, spanId } = op.report.trace!;
      const spans = await collector.waitFor((all) =>
        all.some((x) => x.resource['service.name'] === 'apiserver' && x.parentSpanId === spanId),
      );
      const server = spans.find(
        (x) => x.resource['service.name'] === 'apiserver' && x.parentSpanId === spanId,
      )!;
      expect(server.traceId).toBe(traceId);
      expect(server.name).toBe('GET /api/v1/namespaces');
      const own = await collector.waitFor((all) => all.some((x) => x.spanId === spanId));
      expect(own.find((x) => x.spanId === spanId)?.resource['service.name']).toBe('consumer-esm');
    } finally {
      expect(await op.stop()).toBe(0);
    }
  }, 600_000);
});

describe.runIf(!runsClientNode2)(`client-node 2.x on Node ${process.versions.node}`, () => {
  it('fails at start with the real cause and the fix, and the process exits cleanly', async () => {
    const project = await createConsumerProject(packed, { clientNode: '^2.0.0' });
    expect(project.versions['@kubernetes/client-node']).toMatch(/^2\./);
    const op = await startConsumer(project, 'operator.mjs', { KUBECONFIG: kubeconfigFile });
    const code = await op.exited;
    expect(op.report.error?.message, op.output()).toMatch(/Node\.js >= 22\.19/);
    expect(op.report.error?.message).toMatch(/@kubernetes\/client-node@\^1/);
    expect(op.report.error?.code).toMatch(/^KDIAG_/);
    // undici 8 never loaded: loading it on Node 20 throws a TypeError that ends the process by itself.
    expect(op.output()).not.toMatch(/TypeError/);
    expect(code).toBe(1);
  }, 600_000);
});

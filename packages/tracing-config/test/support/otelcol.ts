// A real OpenTelemetry Collector for integration tests: OTLP gRPC in on 127.0.0.1:<free port>,
// spans out to a JSON-lines file (contrib fileexporter) and the debug exporter.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPeer } from '@kubediag/envtest';

export interface OtlpSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly links?: readonly { traceId: string; spanId: string }[];
  readonly attributes?: readonly OtlpKeyValue[];
  readonly status?: { code?: number; message?: string };
  readonly events?: readonly { name: string; attributes?: readonly OtlpKeyValue[] }[];
}

export interface OtlpKeyValue {
  readonly key: string;
  readonly value: { stringValue?: string; intValue?: string; boolValue?: boolean };
}

/** A span with the resource it came with. */
export interface CollectedSpan extends OtlpSpan {
  readonly resource: Readonly<Record<string, string>>;
}

export interface Collector {
  /** `127.0.0.1:<port>` of the OTLP gRPC receiver. */
  readonly endpoint: string;
  readonly dir: string;
  /** Every span the collector has written so far. */
  spans(): CollectedSpan[];
  /** Polls the file output until `predicate` holds (or throws after `timeoutMs`). */
  waitFor(predicate: (spans: CollectedSpan[]) => boolean, timeoutMs?: number): Promise<CollectedSpan[]>;
  log(): string;
  stop(): Promise<void>;
}

export interface CollectorTls {
  readonly certFile: string;
  readonly keyFile: string;
  /** Require client certificates signed by this CA. */
  readonly clientCaFile?: string;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

export function attr(attributes: readonly OtlpKeyValue[] | undefined, key: string): string | undefined {
  const v = attributes?.find((a) => a.key === key)?.value;
  return v?.stringValue ?? v?.intValue ?? (v?.boolValue === undefined ? undefined : String(v.boolValue));
}

export async function startCollector(options: { tls?: CollectorTls } = {}): Promise<Collector> {
  const binary = findPeer('otelcol');
  const dir = mkdtempSync(join(tmpdir(), 'kdiag-otelcol-'));
  const output = join(dir, 'spans.jsonl');
  const port = await freePort();
  const endpoint = `127.0.0.1:${port}`;
  const tls = options.tls;
  const tlsBlock =
    tls === undefined
      ? ''
      : `        tls:\n          cert_file: ${tls.certFile}\n          key_file: ${tls.keyFile}\n` +
        (tls.clientCaFile === undefined ? '' : `          client_ca_file: ${tls.clientCaFile}\n`);
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    `receivers:
  otlp:
    protocols:
      grpc:
        endpoint: ${endpoint}
${tlsBlock}exporters:
  file:
    path: ${output}
    flush_interval: 100ms
  debug:
    verbosity: basic
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [file, debug]
`,
  );
  let log = '';
  const child: ChildProcess = spawn(binary, ['--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  const kill = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', kill);
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const deadline = Date.now() + 30_000;
  while (!log.includes('Everything is ready')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      kill();
      throw new Error(`otelcol did not start (exit ${String(child.exitCode)}):\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  const spans = (): CollectedSpan[] => {
    if (!existsSync(output)) return [];
    const out: CollectedSpan[] = [];
    for (const line of readFileSync(output, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      const request = JSON.parse(line) as {
        resourceSpans?: {
          resource?: { attributes?: OtlpKeyValue[] };
          scopeSpans?: { spans?: OtlpSpan[] }[];
        }[];
      };
      for (const rs of request.resourceSpans ?? []) {
        const resource: Record<string, string> = {};
        for (const a of rs.resource?.attributes ?? []) resource[a.key] = attr([a], a.key) ?? '';
        for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) out.push({ ...s, resource });
      }
    }
    return out;
  };

  return {
    endpoint,
    dir,
    spans,
    async waitFor(predicate, timeoutMs = 20_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const current = spans();
        if (predicate(current)) return current;
        if (Date.now() > end)
          throw new Error(`collector output did not reach the expected state; ${current.length} spans`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    log: () => log,
    async stop() {
      process.removeListener('exit', kill);
      child.kill('SIGTERM');
      const timer = setTimeout(kill, 5000);
      await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// A real OpenTelemetry Collector for tests (the one setup.sh builds): OTLP in over gRPC and HTTP on
// 127.0.0.1, every span written to a JSON-lines file that spans() and waitFor() read back. It runs
// under the same supervisor as etcd and kube-apiserver, so it never outlives the test process.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvtestError, EnvtestErrorCode } from './errors.ts';
import { freePorts } from './internal/ports.ts';
import { registerExitCleanup, SupervisedProcess, tailFile } from './internal/process.ts';
import { applyCollectorOptions, type CollectorOptions, type CollectorTlsOptions } from './options.ts';
import { findPeer } from './peers.ts';

/** An OTLP attribute as the collector's file exporter writes it (OTLP/JSON). */
export interface OtlpKeyValue {
  readonly key: string;
  readonly value: {
    readonly stringValue?: string;
    readonly intValue?: string;
    readonly boolValue?: boolean;
    readonly doubleValue?: number;
  };
}

/** A span as the collector's file exporter writes it (OTLP/JSON; ids in hex). */
export interface OtlpSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly kind?: number;
  readonly links?: readonly { readonly traceId: string; readonly spanId: string }[];
  readonly attributes?: readonly OtlpKeyValue[];
  readonly status?: { readonly code?: number; readonly message?: string };
  readonly events?: readonly { readonly name: string; readonly attributes?: readonly OtlpKeyValue[] }[];
}

/** A span with the attributes of the resource it came with, flattened to strings. */
export interface CollectedSpan extends OtlpSpan {
  readonly resource: Readonly<Record<string, string>>;
}

/** A collector started by {@link startCollector}. */
export interface RunningCollector {
  /** `127.0.0.1:<port>` of the OTLP gRPC receiver: what a TracingConfiguration's `endpoint` names. */
  readonly endpoint: string;
  /** `http://127.0.0.1:<port>` (`https://` with `tls`) of the OTLP/HTTP receiver: POST `/v1/traces`. */
  readonly httpEndpoint: string;
  /** Temp dir of its configuration, log and output; removed by stop(). */
  readonly dir: string;
  /** Every span the collector has written so far, oldest first. */
  spans(): CollectedSpan[];
  /**
   * Polls the output (every 100 ms) until `predicate` holds, and returns the spans then; rejects
   * with `KDIAG_ENVTEST_WAIT_TIMEOUT` after `timeoutMs` (default 20000).
   */
  waitFor(predicate: (spans: CollectedSpan[]) => boolean, timeoutMs?: number): Promise<CollectedSpan[]>;
  /** The collector's own log so far. */
  log(): string;
  /** SIGTERM (SIGKILL after `stopTimeoutMs`), then removes `dir`. Idempotent. */
  stop(): Promise<void>;
}

/** The value of attribute `key` as a string (ints and booleans too), or undefined when absent. */
export function otlpAttribute(
  attributes: readonly OtlpKeyValue[] | undefined,
  key: string,
): string | undefined {
  const v = attributes?.find((a) => a.key === key)?.value;
  if (v === undefined) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return v.intValue;
  if (v.boolValue !== undefined) return String(v.boolValue);
  return v.doubleValue === undefined ? undefined : String(v.doubleValue);
}

const POLL_MS = 100;
const READY = 'Everything is ready';

function tlsBlock(tls: CollectorTlsOptions | undefined): string {
  if (tls === undefined) return '';
  const lines = [
    `        tls:`,
    `          cert_file: ${tls.certFile}`,
    `          key_file: ${tls.keyFile}`,
  ];
  if (tls.clientCaFile !== undefined) lines.push(`          client_ca_file: ${tls.clientCaFile}`);
  return `${lines.join('\n')}\n`;
}

function collectorConfig(
  grpc: string,
  http: string,
  output: string,
  tls: CollectorTlsOptions | undefined,
): string {
  return `receivers:
  otlp:
    protocols:
      grpc:
        endpoint: ${grpc}
${tlsBlock(tls)}      http:
        endpoint: ${http}
${tlsBlock(tls)}exporters:
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
`;
}

/** Every span in the file exporter's output (one OTLP/JSON export request per line). */
function readSpans(output: string): CollectedSpan[] {
  if (!existsSync(output)) return [];
  const spans: CollectedSpan[] = [];
  for (const line of readFileSync(output, 'utf8').split('\n')) {
    // The exporter flushes whole lines; a line being written is incomplete JSON until then.
    if (line.trim() === '') continue;
    let request: {
      resourceSpans?: {
        resource?: { attributes?: OtlpKeyValue[] };
        scopeSpans?: { spans?: OtlpSpan[] }[];
      }[];
    };
    try {
      request = JSON.parse(line) as typeof request;
    } catch {
      continue;
    }
    for (const rs of request.resourceSpans ?? []) {
      const resource: Record<string, string> = {};
      for (const a of rs.resource?.attributes ?? []) resource[a.key] = otlpAttribute([a], a.key) ?? '';
      for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) spans.push({ ...s, resource });
    }
  }
  return spans;
}

/**
 * Starts the OpenTelemetry Collector built by setup.sh (`findPeer('otelcol')`: `otlp` receiver,
 * `file` and `debug` exporters) on free loopback ports, with its configuration and output in a temp
 * dir. Resolves once it reports ready.
 *
 * @throws EnvtestError `KDIAG_ENVTEST_INVALID_OPTIONS`, `KDIAG_ENVTEST_BINARY_NOT_FOUND`,
 *   `KDIAG_ENVTEST_PROCESS_EXITED` / `KDIAG_ENVTEST_START_TIMEOUT` (with the log's last lines)
 */
export async function startCollector(options?: CollectorOptions): Promise<RunningCollector> {
  const o = applyCollectorOptions(options);
  const binary = findPeer('otelcol');
  const dir = await mkdtemp(join(tmpdir(), 'kubediag-otelcol-'));
  const unregister = registerExitCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const output = join(dir, 'spans.jsonl');
  const logPath = join(dir, 'otelcol.log');
  const [grpcPort, httpPort] = (await freePorts(2)) as [number, number];
  const endpoint = `127.0.0.1:${grpcPort}`;
  const config = join(dir, 'config.yaml');
  await writeFile(config, collectorConfig(endpoint, `127.0.0.1:${httpPort}`, output, o.tls));
  const proc = new SupervisedProcess('otelcol', binary, ['--config', config], logPath);

  const fail = async (code: EnvtestErrorCode, why: string): Promise<never> => {
    await proc.stop(0);
    const tail = tailFile(logPath, 20);
    unregister();
    await rm(dir, { recursive: true, force: true });
    throw new EnvtestError(code, `start collector: ${why}; last lines of its log:\n${tail}`);
  };
  const deadline = Date.now() + o.startTimeoutMs;
  while (!readFileSync(logPath, 'utf8').includes(READY)) {
    if (proc.exit !== undefined)
      await fail(EnvtestErrorCode.PROCESS_EXITED, 'otelcol exited before it was ready');
    if (Date.now() > deadline)
      await fail(EnvtestErrorCode.START_TIMEOUT, `otelcol not ready after ${o.startTimeoutMs} ms`);
    await Promise.race([new Promise((r) => setTimeout(r, 50)), proc.exited]);
  }

  let stopped: Promise<void> | undefined;
  return {
    endpoint,
    httpEndpoint: `${o.tls === undefined ? 'http' : 'https'}://127.0.0.1:${httpPort}`,
    dir,
    spans: () => readSpans(output),
    async waitFor(predicate, timeoutMs = 20_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const current = readSpans(output);
        if (predicate(current)) return current;
        if (Date.now() > end) {
          throw new EnvtestError(
            EnvtestErrorCode.WAIT_TIMEOUT,
            `wait for spans: the collector's output did not reach the expected state within ${timeoutMs} ms; ` +
              `it has ${current.length} span(s)`,
          );
        }
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    },
    log: () => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : ''),
    stop() {
      stopped ??= (async () => {
        await proc.stop(o.stopTimeoutMs);
        await rm(dir, { recursive: true, force: true });
        unregister();
      })();
      return stopped;
    },
  };
}

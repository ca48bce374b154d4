/**
 * The operator under test, run as a child process by the load and bad-input tests so a crash, a leak
 * or a stuck event loop is observed from outside instead of taking the test runner down.
 *
 * It is an ordinary withDiagnostics() operator. With `instrument`, it also reports every side effect
 * that only a protected handler (or a health check) can cause, tagged with the request it ran for:
 * a collection of the registry (/metrics), a CPU or heap profile (/debug/pprof), a verbosity change
 * (PUT /debug/flags/v), a run of an extra handler (the canary), a health check. The request is found
 * through `http.server.request.start` and AsyncLocalStorage, so nothing inside the library is changed.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { withDiagnostics, type DiagnosticsOptions } from '@kubediag/diagnostics';
import { tokenKubeConfig } from '@kubediag/envtest';
import { createLogger, getVerbosityControl } from '@kubediag/klog';
import type { ProfilerBackend } from '@kubediag/pprof';
import { InspectorBackend } from '@kubediag/pprof/internal';
import { Gauge, Registry } from 'prom-client';
import {
  CANARY_PREFIX,
  LOAD_ID_HEADER,
  type ChildMessage,
  type EffectKind,
  type OperatorConfig,
  type ParentMessage,
} from './protocol.ts';

const config = JSON.parse(process.env.KUBEDIAG_LOAD_OPERATOR ?? '{}') as OperatorConfig;
const secure = config.mode === 'secure';

function send(message: ChildMessage): void {
  if (process.connected) process.send?.(message);
}

// Observe, never swallow: Node's default still ends the process after these run.
process.on('uncaughtExceptionMonitor', (err, origin) => {
  send({ type: 'fatal', origin, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
});
process.on('warning', (w) => send({ type: 'warning', name: w.name, message: w.message }));

interface RequestContext {
  readonly id: string;
  readonly method: string | null;
}
const currentRequest = new AsyncLocalStorage<RequestContext>();

function effect(kind: EffectKind, value?: number): void {
  const ctx = currentRequest.getStore();
  send({
    type: 'effect',
    effect: kind,
    id: ctx?.id ?? null,
    method: ctx?.method ?? null,
    ...(value === undefined ? {} : { value }),
  });
}

if (config.instrument) {
  // Published synchronously right before the server emits 'request': the handler, the filter and
  // everything they await run inside this context.
  subscribe('http.server.request.start', (message) => {
    const { request } = message as { request: IncomingMessage };
    const raw = request.headers[LOAD_ID_HEADER];
    currentRequest.enterWith({ id: typeof raw === 'string' ? raw : '', method: request.method ?? null });
  });
}

const logger = createLogger({ verbosity: config.verbosity });
const registry = new Registry();

const options: DiagnosticsOptions = {
  name: 'load-operator',
  logger,
  metrics: { registry },
  ...(config.auth === undefined ? {} : { auth: config.auth }),
  server: {
    bindAddress: '127.0.0.1:0',
    secureServing: secure,
    ...config.server,
    ...(secure && config.instrument
      ? {
          extraHandlers: {
            [CANARY_PREFIX]: (_req: IncomingMessage, res: ServerResponse) => {
              effect('canary');
              res.end('canary\n');
            },
          },
        }
      : {}),
  },
};
if (secure) {
  const api = config.apiserver;
  if (api === undefined) throw new Error('secure mode needs config.apiserver');
  options.kubeConfig = await tokenKubeConfig({ url: api.url, caPem: api.caPem }, api.token);
}

if (config.instrument) {
  new Gauge({
    name: 'load_probe_collections',
    help: 'Collected once per rendering of the registry; the test counts the renderings.',
    registers: [registry],
    collect() {
      effect('metrics');
    },
  });
  const control = getVerbosityControl(logger);
  const setVerbosity = control.setVerbosity.bind(control);
  control.setVerbosity = (v: number) => {
    effect('flags', v);
    setVerbosity(v);
  };
  const inspector = new InspectorBackend();
  const backend: ProfilerBackend = {
    name: inspector.name,
    collectCpuProfile: (r) => {
      effect('pprof-cpu');
      return inspector.collectCpuProfile(r);
    },
    startHeapSampling: (r) => inspector.startHeapSampling(r),
    collectHeapProfile: (r) => {
      effect('pprof-heap');
      return inspector.collectHeapProfile(r);
    },
    stopHeapSampling: () => inspector.stopHeapSampling(),
    close: () => inspector.close(),
  };
  options.profiling = { backend };
}

const diag = await withDiagnostics(options);
if (config.instrument) {
  diag.addHealthzCheck('load', () => effect('health'));
  diag.addReadyzCheck('load', () => effect('health'));
}

process.on('message', (message: ParentMessage) => {
  if (message.type === 'gc') {
    // Twice: the first pass may only queue finalizers whose memory the second one frees.
    globalThis.gc?.();
    globalThis.gc?.();
    const m = process.memoryUsage();
    send({
      type: 'memory',
      rss: m.rss,
      heapUsed: m.heapUsed,
      external: m.external,
      arrayBuffers: m.arrayBuffers,
    });
  } else if (message.type === 'stop') {
    void diag.stop().then(() => process.exit(0));
  }
});

await diag.start();
send({ type: 'ready', url: diag.server.url ?? '', caPem: diag.server.servingCertificate()?.caPem });

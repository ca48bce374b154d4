// The AsyncLocalStorage context manager that makes the active span follow `await`s. It lives in
// @opentelemetry/context-async-hooks, which is loaded on the first call rather than at import:
// tracing off should cost no OpenTelemetry module beyond the API.
import { createRequire } from 'node:module';
import { context } from '@opentelemetry/api';
import type * as ContextAsyncHooks from '@opentelemetry/context-async-hooks';

let installed = false;

/**
 * Installs an AsyncLocalStorage context manager unless one is already installed, so the active
 * span follows `await`s. Idempotent and synchronous: `@opentelemetry/context-async-hooks` is
 * required on the first call (it is CommonJS), not when this package is imported.
 * `createTracingProvider` with `register: true` installs one itself; call this with
 * `register: false`.
 */
export function installContextManager(): void {
  if (installed) return;
  const { AsyncLocalStorageContextManager } = createRequire(import.meta.url)(
    '@opentelemetry/context-async-hooks',
  ) as typeof ContextAsyncHooks;
  // Returns false when another one is installed already, which serves as well.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  installed = true;
}

/** Records that the SDK's register() installed a context manager, so none is installed twice. */
export function markContextManagerInstalled(): void {
  installed = true;
}

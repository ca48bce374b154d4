import { describe } from '@kubediag/options';
import type { ClosableFilter, Filter, FilterContext, FilterProvider } from './types.ts';
import { DiagnosticsServerError, DiagnosticsServerErrorCode } from './errors.ts';

const nothingToClose = (): Promise<void> => Promise.resolve();

/**
 * Runs the provider once and returns its filter with what closes it: a bare {@link Filter} holds
 * nothing to close; a {@link ClosableFilter} is closed by the server when it stops. Rejects with
 * `KDIAG_SERVER_FILTER_PROVIDER` when the provider throws or hands back something else (closing that,
 * if it can be closed, so a failed start leaves nothing open).
 */
export async function provideFilter(provider: FilterProvider, ctx: FilterContext): Promise<ClosableFilter> {
  let provided: unknown;
  try {
    provided = await provider(ctx);
  } catch (err) {
    throw filterProviderError(err instanceof Error ? err.message : String(err), err);
  }
  if (typeof provided === 'function') return { filter: provided as Filter, close: nothingToClose };
  const close = closeOf(provided);
  if (close !== undefined && typeof (provided as { filter?: unknown }).filter === 'function')
    return provided as ClosableFilter;
  if (close !== undefined)
    await close().catch((err: unknown) => ctx.logger.error(err, 'closing what the filter provider returned'));
  throw filterProviderError(
    `expected a Filter or a ClosableFilter ({ filter, close }), got ${describe(provided)}`,
  );
}

function closeOf(value: unknown): (() => Promise<void>) | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const close = (value as { close?: unknown }).close;
  return typeof close === 'function'
    ? () => Promise.resolve(close.call(value) as unknown).then(() => undefined)
    : undefined;
}

function filterProviderError(reason: string, cause?: unknown): DiagnosticsServerError {
  return new DiagnosticsServerError(
    DiagnosticsServerErrorCode.FILTER_PROVIDER,
    `filter provider failed to create filter for the metrics server: ${reason}`,
    cause === undefined ? {} : { cause },
  );
}

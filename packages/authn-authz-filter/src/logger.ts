/**
 * The logger shape this package needs, declared structurally so that any `@kubediag/klog` Logger (or a
 * compatible adapter) fits without this package importing a particular logger implementation.
 */
export type KeyValues = Readonly<Record<string, unknown>> | readonly unknown[];

/** A verbosity-gated sink, as returned by `Logger.V(n)`. */
export interface Verbose {
  readonly enabled: boolean;
  info(msg: string, kv?: KeyValues): void;
}

/** klog-style structured logger (see `@kubediag/klog`). */
export interface Logger {
  info(msg: string, kv?: KeyValues): void;
  error(err: unknown, msg: string, kv?: KeyValues): void;
  V(level: number): Verbose;
  withName(name: string): Logger;
  withValues(kv: KeyValues): Logger;
}

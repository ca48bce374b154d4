/**
 * Key/value pairs attached to a log line: either an object (`{ pod: 'a', ns: 'b' }`) or klog-style
 * alternating pairs (`['pod', 'a', 'ns', 'b']`). With alternating pairs an odd count gives `"(MISSING)"`
 * for the last value, as klog does.
 */
export type KeyValues = Readonly<Record<string, unknown>> | readonly unknown[];

/** What `logger.V(n)` returns. A disabled level returns one shared object whose `info` does nothing. */
export interface Verbose {
  /** Whether a line at this level would be written now. Read it before computing expensive values. */
  readonly enabled: boolean;
  /** Writes an info line at this verbosity level when enabled. */
  info(msg: string, kv?: KeyValues): void;
}

/** A klog-style leveled, structured logger (klog `InfoS`/`ErrorS` and logr's `V`/`WithName`/`WithValues`). */
export interface Logger {
  /** Writes an info line at verbosity 0 (always written). */
  info(msg: string, kv?: KeyValues): void;
  /**
   * Writes a warning line (always written, whatever the verbosity or vmodule): klog's `Warning`, a `W`
   * line in the text format. The JSON format has no severity field, so a warning there is written as
   * component-base writes klog's `Warning` through its JSON logger: an info line with `"v":0`.
   */
  warning(msg: string, kv?: KeyValues): void;
  /** Writes an error line (always written, whatever the verbosity); `err` first unless null/undefined. */
  error(err: unknown, msg: string, kv?: KeyValues): void;
  /** Returns a gate for verbosity `level`; cheap when disabled. */
  V(level: number): Verbose;
  /** Returns a child logger whose name is this name plus `.name` (`logger="a.b"`). */
  withName(name: string): Logger;
  /** Returns a child logger that adds `kv` to every line, before the call's own pairs. */
  withValues(kv: KeyValues): Logger;
}

/**
 * The verbosity state shared by a logger and every logger derived from it. Changing it affects all of
 * them at once (this is what `PUT /debug/flags/v` changes).
 */
export interface VerbosityControl {
  /** The global `-v` threshold: `V(n)` is enabled when `n <= verbosity` (or vmodule says so). */
  readonly verbosity: number;
  /** Sets the global threshold. Must be an integer from 0 to 2147483647 (klog's signed 32-bit `-v`). */
  setVerbosity(v: number): void;
  /** Replaces the vmodule spec (`pattern=N,...`); throws a `KlogError` with klog's message on bad input. */
  setVModule(spec: string): void;
}

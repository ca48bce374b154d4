import { findSourceMap } from 'node:module';

// The caller's file:line comes from a one-frame V8 stack trace taken only when a line is written
// (or when vmodule needs the file). Error.captureStackTrace with the public method as the cut-off
// frame makes the first remaining frame the caller's.
// Fast path: structured CallSites (no stack string is formatted), mapped through Node's source
// maps (--enable-source-maps, tsx) once per call site and cached. When someone else installed
// Error.prepareStackTrace (vitest, source-map-support), their formatted frame is used instead, so
// their mapping applies.

/** Where a log call came from. */
export interface CallerInfo {
  /** `file.ts:42` (klog text header). */
  readonly location: string;
  /** JSON string literal of `dir/file.ts:42` (component-base JSON `caller`). */
  readonly jsonShort: string;
  /** The base name without extension, matched by vmodule patterns. */
  readonly module: string;
}

const UNKNOWN: CallerInfo = { location: '???:1', jsonShort: '"???:1"', module: '' };
const EXTENSION = /\.(?:[cm]?[jt]s|[jt]sx)$/;
const CACHE_MAX = 2048;
const cache = new Map<string, CallerInfo>();

interface StackHolder {
  stack?: string;
}

interface CallSiteLike {
  getFileName(): string | null | undefined;
  getLineNumber(): number | null;
  getColumnNumber(): number | null;
}

// Node itself keeps the source maps (--enable-source-maps, or tsx's setSourceMapsEnabled), so
// findSourceMap() can map a raw position; the installed formatter is not needed then.
function nodeHasSourceMaps(): boolean {
  return (process as { sourceMapsEnabled?: boolean }).sourceMapsEnabled === true;
}

const returnSites = (_err: Error, sites: CallSiteLike[]): CallSiteLike[] => sites;
// Marks a frame key produced by the structured path (never starts a formatted frame).
const SITE_PREFIX = '\u0000';

/**
 * A key for the frame that called `fn` (identical for every call from the same site), or undefined
 * (no stack available). Pass it to callerInfo().
 */
export function callerFrame(fn: (...args: never[]) => unknown): string | undefined {
  const limit = Error.stackTraceLimit;
  const prepare: unknown = Reflect.get(Error, 'prepareStackTrace');
  Error.stackTraceLimit = 1;
  const holder: StackHolder = {};
  if (prepare === undefined || nodeHasSourceMaps()) {
    Reflect.set(Error, 'prepareStackTrace', returnSites);
    Error.captureStackTrace(holder, fn);
    const sites = holder.stack as unknown as CallSiteLike[] | undefined; // formatted now, by returnSites
    Reflect.set(Error, 'prepareStackTrace', prepare);
    Error.stackTraceLimit = limit;
    const site = sites?.[0];
    if (site === undefined) return undefined;
    return (
      SITE_PREFIX + (site.getFileName() ?? '') + ':' + site.getLineNumber() + ':' + site.getColumnNumber()
    );
  }
  Error.captureStackTrace(holder, fn);
  Error.stackTraceLimit = limit;
  const stack = holder.stack;
  if (stack === undefined) return undefined;
  const nl = stack.indexOf('\n');
  return nl === -1 ? undefined : stack.slice(nl + 1);
}

// `\0path:line:column` from the structured path, through the source map when Node has one.
function parseSiteKey(key: string): CallerInfo {
  const colSep = key.lastIndexOf(':');
  const lineSep = key.lastIndexOf(':', colSep - 1);
  let path = key.slice(1, lineSep);
  let line = Number(key.slice(lineSep + 1, colSep));
  const column = Number(key.slice(colSep + 1));
  if (path === '') return UNKNOWN;
  try {
    const entry = findSourceMap(path)?.findEntry(line - 1, column - 1) as
      { originalSource?: string; originalLine?: number } | undefined;
    if (entry?.originalSource !== undefined && entry.originalLine !== undefined) {
      path = entry.originalSource;
      line = entry.originalLine + 1;
    }
  } catch {
    // no usable source map: keep the generated position
  }
  return parseFrame(`${path}:${line}:${column}`);
}

function parseFrame(frame: string): CallerInfo {
  let loc = frame.trim();
  if (loc.endsWith(')')) {
    const open = loc.lastIndexOf('(');
    loc = loc.slice(open + 1, -1);
  } else if (loc.startsWith('at ')) {
    loc = loc.slice(3);
  }
  // path:line:column
  const colSep = loc.lastIndexOf(':');
  const lineSep = colSep > 0 ? loc.lastIndexOf(':', colSep - 1) : -1;
  if (lineSep <= 0) return UNKNOWN;
  const line = loc.slice(lineSep + 1, colSep);
  let path = loc.slice(0, lineSep);
  const query = path.indexOf('?');
  if (query !== -1) path = path.slice(0, query);
  const slash = path.lastIndexOf('/');
  const file = path.slice(slash + 1);
  const dirSlash = slash > 0 ? path.lastIndexOf('/', slash - 1) : -1;
  const short = path.slice(dirSlash + 1);
  return {
    location: file + ':' + line,
    jsonShort: JSON.stringify(short + ':' + line),
    module: file.replace(EXTENSION, ''),
  };
}

/** Parses (and caches) a frame text. */
export function callerInfo(frame: string | undefined): CallerInfo {
  if (frame === undefined) return UNKNOWN;
  let info = cache.get(frame);
  if (info === undefined) {
    if (cache.size >= CACHE_MAX) cache.clear();
    info = frame.startsWith(SITE_PREFIX) ? parseSiteKey(frame) : parseFrame(frame);
    cache.set(frame, info);
  }
  return info;
}

/** The caller of `fn`. */
export function captureCaller(fn: (...args: never[]) => unknown): CallerInfo {
  return callerInfo(callerFrame(fn));
}

/** Used when caller capture is off: klog's own fallback location. */
export const NO_CALLER: CallerInfo = UNKNOWN;

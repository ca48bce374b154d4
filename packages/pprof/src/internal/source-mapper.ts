import { readFileSync } from 'node:fs';
import { findSourceMap, type SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Frame } from './profile-builder.ts';

/** A V8 frame before mapping: 0-based positions as V8 reports them, -1 when unknown. */
export interface RawFrame {
  readonly name: string;
  /** `file://` URL (ESM), absolute path (CommonJS), `node:internal/...`, or '' for native frames. */
  readonly url: string;
  /** Start of the function (0-based). */
  readonly startLine0: number;
  readonly startColumn0: number;
  /** The line this frame was executing (0-based); equal to `startLine0` when V8 gave no position. */
  readonly line0: number;
}

// Bounds: a profile touches a few hundred scripts at most; keep the caches far above that but finite.
const MAX_CACHED_FILES = 256;
const MAX_SOURCE_BYTES = 8 * 1024 * 1024;

/** Whether the process maps stack traces through source maps (`--enable-source-maps` or `process.setSourceMapsEnabled(true)`). */
export function sourceMapsEnabledInProcess(): boolean {
  const flag = (process as { sourceMapsEnabled?: boolean }).sourceMapsEnabled;
  if (typeof flag === 'boolean') return flag; // Node >= 20.7
  return process.execArgv.includes('--enable-source-maps');
}

export function urlToPath(url: string): string {
  if (!url.startsWith('file://')) return url;
  try {
    return fileURLToPath(url);
  } catch {
    return url;
  }
}

function displayName(name: string): string {
  return name === '' ? '(anonymous)' : name;
}

/** Frames without mapping: file URLs become paths, lines become 1-based. */
export function unmappedFrame(raw: RawFrame): Frame {
  return {
    name: displayName(raw.name),
    file: urlToPath(raw.url),
    startLine: raw.startLine0 + 1,
    line: raw.line0 + 1,
  };
}

/**
 * Maps generated positions to original sources with Node's own source-map cache (`module.findSourceMap`),
 * which is filled only when source maps were enabled before the module loaded. One mapper lives for one
 * profile conversion, so its caches die with it.
 */
export class SourceMapper {
  readonly #maps = new Map<string, SourceMap | undefined>();
  readonly #lines = new Map<string, readonly string[] | undefined>();
  readonly #frames = new Map<string, Frame>();

  map(raw: RawFrame): Frame {
    const key = `${raw.name}\0${raw.url}\0${raw.startLine0}\0${raw.startColumn0}\0${raw.line0}`;
    let frame = this.#frames.get(key);
    if (frame === undefined) {
      frame = this.#mapUncached(raw);
      this.#frames.set(key, frame);
    }
    return frame;
  }

  #mapUncached(raw: RawFrame): Frame {
    const base = unmappedFrame(raw);
    if (raw.url === '' || raw.url.startsWith('node:') || raw.startLine0 < 0) return base;
    const map = this.#sourceMap(raw.url);
    if (map === undefined) return base;
    // V8 gives no column for the executing line. Column 0 would resolve to the previous line's last
    // mapping (off by one), so use the first non-blank column of the generated line.
    const startColumn = raw.startColumn0 >= 0 ? raw.startColumn0 : this.#firstColumn(raw.url, raw.startLine0);
    const start = lookup(map, raw.startLine0, startColumn);
    if (start === undefined) return base;
    const lineColumn = raw.line0 === raw.startLine0 ? startColumn : this.#firstColumn(raw.url, raw.line0);
    const here = lookup(map, raw.line0, lineColumn);
    const sameSource = here !== undefined && here.file === start.file;
    return {
      name: raw.name === '' && start.name !== undefined ? start.name : displayName(raw.name),
      file: start.file,
      startLine: start.line,
      line: sameSource ? here.line : start.line,
    };
  }

  #sourceMap(url: string): SourceMap | undefined {
    if (this.#maps.has(url)) return this.#maps.get(url);
    let map: SourceMap | undefined;
    try {
      // ESM modules are cached by URL, CommonJS ones by path.
      map = findSourceMap(url) ?? findSourceMap(urlToPath(url));
    } catch {
      map = undefined;
    }
    if (this.#maps.size < MAX_CACHED_FILES) this.#maps.set(url, map);
    return map;
  }

  #firstColumn(url: string, line0: number): number {
    let lines = this.#lines.get(url);
    if (!this.#lines.has(url)) {
      try {
        const text = readFileSync(urlToPath(url), 'utf8');
        lines = text.length <= MAX_SOURCE_BYTES ? text.split('\n') : undefined;
      } catch {
        lines = undefined;
      }
      if (this.#lines.size < MAX_CACHED_FILES) this.#lines.set(url, lines);
    }
    const text = lines?.[line0];
    if (text === undefined) return 0;
    const column = text.search(/\S/);
    return column < 0 ? 0 : column;
  }
}

function lookup(
  map: SourceMap,
  line0: number,
  column0: number,
): { file: string; line: number; name?: string } | undefined {
  const entry = map.findEntry(line0, column0) as Partial<{
    generatedLine: number;
    originalSource: string;
    originalLine: number;
    name: string;
  }>;
  if (entry.originalSource === undefined || entry.originalLine === undefined) return undefined;
  // A lookup past the last mapping of a line answers with an earlier line's mapping: treat as unmapped.
  if (entry.generatedLine !== undefined && entry.generatedLine !== line0) return undefined;
  const result: { file: string; line: number; name?: string } = {
    file: urlToPath(entry.originalSource),
    line: entry.originalLine + 1,
  };
  if (entry.name !== undefined) result.name = entry.name;
  return result;
}

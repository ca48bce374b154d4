import { KlogError, KlogErrorCode } from './errors.ts';
import { goParseInt } from './internal/go-strconv.ts';
import { compileGoGlob } from './internal/glob.ts';

/** One parsed vmodule item: lines from matching files (or loggers) are enabled up to `level`. */
export interface VModuleEntry {
  /** The pattern as written (a Go filepath.Match glob or a literal). */
  readonly pattern: string;
  /** The verbosity threshold for matches (always > 0; klog drops `=0` items). */
  readonly level: number;
  /** Whether `name` (a file base name without extension, or a logger name) matches the pattern. */
  matches(name: string): boolean;
}

const SYNTAX = 'syntax error: expect comma-separated list of filename=N';

// klog treats a pattern with none of `\*?[]` as a literal and compares strings.
const GLOB_META = /[\\*?[\]]/;

function entry(pattern: string, level: number): VModuleEntry {
  if (!GLOB_META.test(pattern)) {
    return { pattern, level, matches: (name) => name === pattern };
  }
  const re = compileGoGlob(pattern);
  return { pattern, level, matches: re ? (name) => re.test(name) : () => false };
}

/**
 * Parses a `-vmodule` spec exactly like klog: comma-separated `pattern=N`; empty items are ignored;
 * `N` is a signed 32-bit integer; `=0` items are dropped. Throws a {@link KlogError}
 * (`KDIAG_KLOG_INVALID_VMODULE`) whose message is klog's own text.
 */
export function parseVModule(spec: string): VModuleEntry[] {
  const entries: VModuleEntry[] = [];
  for (const item of spec.split(',')) {
    if (item.length === 0) continue;
    const parts = item.split('=');
    if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
      throw new KlogError(KlogErrorCode.INVALID_VMODULE, SYNTAX);
    }
    const level = goParseInt(parts[1]!, 32);
    if (!level.ok) throw new KlogError(KlogErrorCode.INVALID_VMODULE, SYNTAX);
    if (level.value < 0)
      throw new KlogError(KlogErrorCode.INVALID_VMODULE, 'negative value for vmodule level');
    if (level.value === 0) continue;
    entries.push(entry(parts[0]!, level.value));
  }
  return entries;
}

/** Formats entries back to a spec (`a=1,b*=2`), like klog's flag String(). */
export function formatVModule(entries: readonly VModuleEntry[]): string {
  return entries.map((e) => `${e.pattern}=${e.level}`).join(',');
}

import { describe } from '@kubediag/options';
import { KlogError, KlogErrorCode } from './errors.ts';
import { formatVModule, parseVModule } from './vmodule.ts';
import type { VModuleEntry } from './vmodule.ts';
import type { VerbosityControl } from './types.ts';

/** klog's `-v` is a signed 32-bit value; negative thresholds make no sense for a setter. */
export const MAX_VERBOSITY = 2147483647;

const SITE_CACHE_MAX = 4096;

/**
 * The verbosity state behind a logger family. `threshold` is the highest level any vmodule entry
 * or `-v` can enable: `V(n)` with `n > threshold` is disabled after one comparison.
 */
export class VerbosityState implements VerbosityControl {
  /** The global `-v` (read directly on the hot path; set through setVerbosity). */
  v: number;
  /** max(v, every vmodule level). */
  threshold: number;
  entries: readonly VModuleEntry[] = [];
  /** Bumped when vmodule changes; loggers cache their name's vmodule level per generation. */
  generation: number = 0;
  /** vmodule level per call site (frame text), like klog's per-PC cache. */
  readonly siteLevels: Map<string, number> = new Map();

  constructor(verbosity: number, vmodule: string) {
    this.v = verbosity;
    this.threshold = verbosity;
    if (vmodule !== '') this.setVModule(vmodule);
  }

  get verbosity(): number {
    return this.v;
  }

  /** The current vmodule spec, normalized (`a=1,b*=2`). */
  get vmodule(): string {
    return formatVModule(this.entries);
  }

  setVerbosity(v: number): void {
    if (!Number.isInteger(v) || v < 0 || v > MAX_VERBOSITY) {
      throw new KlogError(
        KlogErrorCode.INVALID_VERBOSITY,
        `set verbosity: expected an integer from 0 to ${MAX_VERBOSITY}, got ${describe(v)}`,
      );
    }
    this.v = v;
    this.recompute();
  }

  setVModule(spec: string): void {
    this.entries = parseVModule(spec);
    this.generation++;
    this.siteLevels.clear();
    this.recompute();
  }

  /** The level of the first entry matching `name`, or -1. */
  levelFor(name: string): number {
    for (const e of this.entries) if (e.matches(name)) return e.level;
    return -1;
  }

  /** Cached levelFor(module) per call site. */
  siteLevel(site: string, module: string): number {
    let level = this.siteLevels.get(site);
    if (level === undefined) {
      if (this.siteLevels.size >= SITE_CACHE_MAX) this.siteLevels.clear();
      level = module === '' ? -1 : this.levelFor(module);
      this.siteLevels.set(site, level);
    }
    return level;
  }

  private recompute(): void {
    let t = this.v;
    for (const e of this.entries) if (e.level > t) t = e.level;
    this.threshold = t;
  }
}

/**
 * Where a logger's levels come from: a new verbosity state with these levels, or a shared control
 * that carries its own (never both).
 */
export type ResolvedLevels =
  | { readonly verbosity: number; readonly vmodule: string; readonly verbosityControl?: never }
  | { readonly verbosityControl: VerbosityControl; readonly verbosity?: never; readonly vmodule?: never };

/** A new family's state: the shared control's (validated to be a VerbosityState), or a new one. */
export function verbosityStateFor(levels: ResolvedLevels): VerbosityState {
  if (levels.verbosityControl !== undefined) return levels.verbosityControl as VerbosityState;
  return new VerbosityState(levels.verbosity, levels.vmodule);
}

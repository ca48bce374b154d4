import type { RequestHandler } from './types.ts';
import { DiagnosticsServerError, DiagnosticsServerErrorCode } from './errors.ts';

/** One registered route. */
export interface Route {
  /** Exact path, or a subtree prefix ending in `/`. */
  readonly pattern: string;
  readonly handler: RequestHandler;
  /** Wrapped by the filter (everything but the health endpoints). */
  readonly filtered: boolean;
  /** Methods for `Allow` on 405/TRACE. */
  readonly allow: readonly string[];
}

export type RouteMatch =
  | { kind: 'route'; route: Route }
  /** Go's ServeMux: a subtree `/a/` registered and `/a` requested → 301 to `/a/`. */
  | { kind: 'redirect'; location: string }
  | { kind: 'none' };

/**
 * A ServeMux-like table: exact paths win, then the longest subtree prefix. Registration refuses
 * duplicates with controller-runtime's texts.
 */
export class Router {
  readonly #exact = new Map<string, Route>();
  readonly #subtrees: Route[] = [];

  add(route: Route): void {
    if (this.has(route.pattern)) {
      throw new DiagnosticsServerError(
        DiagnosticsServerErrorCode.DuplicatePath,
        `can't register extra handler by duplicate path ${JSON.stringify(route.pattern)} on metrics http server`,
      );
    }
    if (route.pattern.endsWith('/')) {
      this.#subtrees.push(route);
      this.#subtrees.sort((a, b) => b.pattern.length - a.pattern.length);
    } else {
      this.#exact.set(route.pattern, route);
    }
  }

  has(pattern: string): boolean {
    return this.#exact.has(pattern) || this.#subtrees.some((r) => r.pattern === pattern);
  }

  /** First path segments of every route, sorted (for `/statusz`). */
  paths(): string[] {
    const firsts = new Set<string>();
    for (const p of [...this.#exact.keys(), ...this.#subtrees.map((r) => r.pattern)]) {
      firsts.add('/' + (p.split('/')[1] ?? ''));
    }
    return [...firsts].sort();
  }

  match(path: string, search: string): RouteMatch {
    const exact = this.#exact.get(path);
    if (exact !== undefined) return { kind: 'route', route: exact };
    for (const r of this.#subtrees) {
      if (path.startsWith(r.pattern)) return { kind: 'route', route: r };
      if (path + '/' === r.pattern) return { kind: 'redirect', location: r.pattern + search };
    }
    return { kind: 'none' };
  }
}

import type { RequestHandler } from './types.ts';
import { DiagnosticsServerError, DiagnosticsServerErrorCode } from './errors.ts';

/** One registered route. */
export interface Route {
  /** Exact path, or a subtree prefix ending in `/`. */
  readonly pattern: string;
  readonly handler: RequestHandler;
  /** Methods for `Allow` on 405/TRACE. */
  readonly allow: readonly string[];
}

export type RouteMatch =
  | { kind: 'route'; route: Route }
  /** Go's ServeMux: a subtree `/a/` registered and `/a` requested → 301 to `/a/`. */
  | { kind: 'redirect'; location: string }
  | { kind: 'none' };

/** controller-runtime's text for a path registered twice. */
export function duplicatePathError(pattern: string): DiagnosticsServerError {
  return new DiagnosticsServerError(
    DiagnosticsServerErrorCode.DUPLICATE_PATH,
    `can't register extra handler by duplicate path ${JSON.stringify(pattern)} on metrics http server`,
  );
}

/**
 * A ServeMux-like table: exact paths win, then the longest subtree prefix. Registration refuses
 * duplicates with controller-runtime's text.
 */
export class Router {
  readonly #exact = new Map<string, Route>();
  readonly #subtrees: Route[] = [];

  add(route: Route): void {
    if (this.has(route.pattern)) throw duplicatePathError(route.pattern);
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

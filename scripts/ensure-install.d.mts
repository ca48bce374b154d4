/** The repository root. */
export const root: string;
/** The pinned pnpm: `['pnpm', []]` when the one on PATH is that version, else `['npx', ['--yes', 'pnpm@x.y.z']]`. */
export function pnpmCommand(): [command: string, prefix: string[]];
/** Installs the workspace with the pinned pnpm unless node_modules is already there. */
export function ensureInstall(): void;

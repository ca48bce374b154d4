import { accessSync, constants, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EnvtestError, ENVTEST_ERROR_CODES } from './errors.ts';

/** The Kubernetes release the setup command builds (override with `KUBEDIAG_K8S_VERSION`, as setup.sh does). */
export const KUBERNETES_VERSION = 'v1.35.4';
/** The OpenTelemetry Collector release the setup command builds (`KUBEDIAG_OTELCOL_VERSION`). */
export const OTELCOL_VERSION = '0.162.0';

/** The peers {@link findPeer} knows. */
export type PeerName = 'kube-apiserver' | 'etcd' | 'kubectl' | 'otelcol' | 'prometheus' | 'promtool' | 'go';

const PEER_NAMES: readonly PeerName[] = [
  'kube-apiserver',
  'etcd',
  'kubectl',
  'otelcol',
  'prometheus',
  'promtool',
  'go',
];

/** Absolute path of the setup script shipped with this package (works from src/ and dist/). */
export const SETUP_SCRIPT: string = fileURLToPath(new URL('../setup/setup.sh', import.meta.url));

/** The command that provides every peer, for error messages. */
export const SETUP_COMMAND: string = `bash ${SETUP_SCRIPT}`;

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}

/** The cache root of the setup command: `KUBEDIAG_CACHE`, else `$XDG_CACHE_HOME/kubediag`, else `~/.cache/kubediag`. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return (
    nonEmpty(env['KUBEDIAG_CACHE']) ??
    join(nonEmpty(env['XDG_CACHE_HOME']) ?? join(homedir(), '.cache'), 'kubediag')
  );
}

/** Directory of kube-apiserver, etcd and kubectl: `KUBEDIAG_ASSETS`, else the setup command's cache dir. */
export function assetsDir(env: NodeJS.ProcessEnv = process.env): string {
  return (
    nonEmpty(env['KUBEDIAG_ASSETS']) ??
    join(cacheRoot(env), `k8s-${nonEmpty(env['KUBEDIAG_K8S_VERSION']) ?? KUBERNETES_VERSION}`)
  );
}

function isExecutable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  const dirs = (env['PATH'] ?? '').split(delimiter).filter((d) => d !== '');
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Where to look for a control-plane binary, for the lookup and for the error message. */
function controlPlaneCandidate(name: string, dir: string | undefined, env: NodeJS.ProcessEnv): string {
  return join(dir ?? assetsDir(env), name);
}

/**
 * Absolute path of a real peer binary, or a KDIAG_ENVTEST_BINARY_NOT_FOUND error that names
 * `KUBEDIAG_ASSETS` (for the control plane) and the setup command.
 *
 * - kube-apiserver, etcd, kubectl: in `dir`, else `KUBEDIAG_ASSETS`, else the setup cache dir.
 * - otelcol: `KUBEDIAG_OTELCOL`, else `<cache>/otelcol-<version>/otelcol`.
 * - prometheus, promtool, go: on PATH (Debian `prometheus`; Go's toolchain for `go tool pprof`).
 */
export function findPeer(name: PeerName, options: { dir?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const env = options.env ?? process.env;
  if (!PEER_NAMES.includes(name)) {
    throw new EnvtestError(
      ENVTEST_ERROR_CODES.BINARY_NOT_FOUND,
      `find peer: unknown peer; expected one of ${PEER_NAMES.join(', ')}, got ${JSON.stringify(name)}`,
    );
  }
  if (name === 'kube-apiserver' || name === 'etcd' || name === 'kubectl') {
    const candidate = controlPlaneCandidate(name, options.dir, env);
    if (isExecutable(candidate)) return candidate;
    const source =
      options.dir !== undefined
        ? 'the assetsDir option'
        : nonEmpty(env['KUBEDIAG_ASSETS']) !== undefined
          ? 'KUBEDIAG_ASSETS'
          : 'the setup cache directory (KUBEDIAG_ASSETS is unset)';
    throw new EnvtestError(
      ENVTEST_ERROR_CODES.BINARY_NOT_FOUND,
      `find peer ${name}: no executable at ${candidate} (from ${source}); run \`${SETUP_COMMAND}\` to build ` +
        `kube-apiserver, etcd and kubectl, or set KUBEDIAG_ASSETS to a directory that holds them`,
    );
  }
  if (name === 'otelcol') {
    const candidate =
      nonEmpty(env['KUBEDIAG_OTELCOL']) ??
      join(
        cacheRoot(env),
        `otelcol-${nonEmpty(env['KUBEDIAG_OTELCOL_VERSION']) ?? OTELCOL_VERSION}`,
        'otelcol',
      );
    if (isExecutable(candidate)) return candidate;
    throw new EnvtestError(
      ENVTEST_ERROR_CODES.BINARY_NOT_FOUND,
      `find peer otelcol: no executable at ${candidate}; run \`${SETUP_COMMAND} --only otelcol\` ` +
        `or set KUBEDIAG_OTELCOL to an OpenTelemetry Collector binary`,
    );
  }
  const found = onPath(name, env);
  if (found !== undefined) return found;
  const how =
    name === 'go'
      ? 'install Go (go tool pprof ships with it) and put it on PATH'
      : `run \`${SETUP_COMMAND}\` (installs the Debian prometheus package, which has promtool)`;
  throw new EnvtestError(
    ENVTEST_ERROR_CODES.BINARY_NOT_FOUND,
    `find peer ${name}: not found on PATH; ${how}`,
  );
}

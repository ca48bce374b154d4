import { accessSync, constants, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EnvtestError, EnvtestErrorCode } from './errors.ts';
import { applyFindPeerOptions, type FindPeerOptions } from './options.ts';

/** The Kubernetes release the setup command builds (override with `KUBEDIAG_K8S_VERSION`, as setup.sh does). */
export const KUBERNETES_VERSION = 'v1.35.4';
/** The OpenTelemetry Collector release the setup command builds (`KUBEDIAG_OTELCOL_VERSION`). */
export const OTELCOL_VERSION = '0.162.0';
/** The Prometheus 3 release the setup command builds (`KUBEDIAG_PROMETHEUS_VERSION`). */
export const PROMETHEUS_VERSION = '3.16.0';

/** The peers {@link findPeer} knows. */
export type PeerName =
  'kube-apiserver' | 'etcd' | 'kubectl' | 'otelcol' | 'prometheus' | 'prometheus3' | 'promtool' | 'go';

const PEER_NAMES: readonly PeerName[] = [
  'kube-apiserver',
  'etcd',
  'kubectl',
  'otelcol',
  'prometheus',
  'prometheus3',
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

/** The binaries a control-plane directory holds (setup-envtest's `KUBEBUILDER_ASSETS` has the same three). */
const CONTROL_PLANE_BINARIES = ['kube-apiserver', 'etcd', 'kubectl'] as const;

/** Where the control-plane binaries are looked for, and which setting chose it. */
interface ControlPlaneAssets {
  readonly dir: string;
  readonly source: 'KUBEDIAG_ASSETS' | 'KUBEBUILDER_ASSETS' | 'cache';
}

function controlPlaneAssets(env: NodeJS.ProcessEnv): ControlPlaneAssets {
  const kubediag = nonEmpty(env['KUBEDIAG_ASSETS']);
  if (kubediag !== undefined) return { dir: kubediag, source: 'KUBEDIAG_ASSETS' };
  // controller-runtime's setup-envtest users have this set (`setup-envtest use -p path`). It is taken
  // only when it holds the binaries, as setup.sh does: a stale global setting falls back to the cache.
  const kubebuilder = nonEmpty(env['KUBEBUILDER_ASSETS']);
  if (kubebuilder !== undefined && CONTROL_PLANE_BINARIES.every((b) => isExecutable(join(kubebuilder, b))))
    return { dir: kubebuilder, source: 'KUBEBUILDER_ASSETS' };
  return {
    dir: join(cacheRoot(env), `k8s-${nonEmpty(env['KUBEDIAG_K8S_VERSION']) ?? KUBERNETES_VERSION}`),
    source: 'cache',
  };
}

/**
 * Directory of kube-apiserver, etcd and kubectl: `KUBEDIAG_ASSETS`, else `KUBEBUILDER_ASSETS` when it
 * holds all three, else the setup command's cache dir. `setup/setup.sh --print-dir` prints the same.
 */
export function assetsDir(env: NodeJS.ProcessEnv = process.env): string {
  return controlPlaneAssets(env).dir;
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

/** Why the control-plane binaries were looked for where they were, for the error message. */
function describeSource(dir: string | undefined, env: NodeJS.ProcessEnv): string {
  if (dir !== undefined) return 'the assetsDir option';
  const { source } = controlPlaneAssets(env);
  if (source !== 'cache') return source;
  const kubebuilder = nonEmpty(env['KUBEBUILDER_ASSETS']);
  return kubebuilder === undefined
    ? 'the setup cache directory (KUBEDIAG_ASSETS is unset, and so is KUBEBUILDER_ASSETS)'
    : `the setup cache directory (KUBEDIAG_ASSETS is unset; KUBEBUILDER_ASSETS=${kubebuilder} lacks one of ${CONTROL_PLANE_BINARIES.join(', ')})`;
}

/**
 * Absolute path of a real peer binary, or a KDIAG_ENVTEST_BINARY_NOT_FOUND error that names
 * where it looked and why (`KUBEDIAG_ASSETS`, `KUBEBUILDER_ASSETS`) and the setup command.
 *
 * - kube-apiserver, etcd, kubectl: in `dir`, else {@link assetsDir} (`KUBEDIAG_ASSETS`, else
 *   `KUBEBUILDER_ASSETS` when it holds all three, else the setup cache dir).
 * - otelcol: `KUBEDIAG_OTELCOL`, else `<cache>/otelcol-<version>/otelcol`.
 * - prometheus3: `KUBEDIAG_PROMETHEUS`, else `<cache>/prometheus-<version>/prometheus`.
 * - prometheus, promtool, go: on PATH (Debian `prometheus`; Go's toolchain for `go tool pprof`).
 */
export function findPeer(name: PeerName, options?: FindPeerOptions): string {
  const { dir, env } = applyFindPeerOptions(options);
  if (!PEER_NAMES.includes(name)) {
    throw new EnvtestError(
      EnvtestErrorCode.BINARY_NOT_FOUND,
      `find peer: unknown peer; expected one of ${PEER_NAMES.join(', ')}, got ${JSON.stringify(name)}`,
    );
  }
  if (name === 'kube-apiserver' || name === 'etcd' || name === 'kubectl') {
    const candidate = join(dir ?? assetsDir(env), name);
    if (isExecutable(candidate)) return candidate;
    throw new EnvtestError(
      EnvtestErrorCode.BINARY_NOT_FOUND,
      `find peer ${name}: no executable at ${candidate} (from ${describeSource(dir, env)}); run \`${SETUP_COMMAND}\` ` +
        `to build kube-apiserver, etcd and kubectl, or set KUBEDIAG_ASSETS (or KUBEBUILDER_ASSETS, as ` +
        `setup-envtest prints it) to a directory that holds them`,
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
      EnvtestErrorCode.BINARY_NOT_FOUND,
      `find peer otelcol: no executable at ${candidate}; run \`${SETUP_COMMAND} --only otelcol\` ` +
        `or set KUBEDIAG_OTELCOL to an OpenTelemetry Collector binary`,
    );
  }
  if (name === 'prometheus3') {
    const candidate =
      nonEmpty(env['KUBEDIAG_PROMETHEUS']) ??
      join(
        cacheRoot(env),
        `prometheus-${nonEmpty(env['KUBEDIAG_PROMETHEUS_VERSION']) ?? PROMETHEUS_VERSION}`,
        'prometheus',
      );
    if (isExecutable(candidate)) return candidate;
    throw new EnvtestError(
      EnvtestErrorCode.BINARY_NOT_FOUND,
      `find peer prometheus3: no executable at ${candidate}; run \`${SETUP_COMMAND} --only prometheus\` ` +
        `or set KUBEDIAG_PROMETHEUS to a Prometheus 3 binary`,
    );
  }
  const found = onPath(name, env);
  if (found !== undefined) return found;
  const how =
    name === 'go'
      ? 'install Go (go tool pprof ships with it) and put it on PATH'
      : `run \`${SETUP_COMMAND}\` (installs the Debian prometheus package, which has promtool)`;
  throw new EnvtestError(EnvtestErrorCode.BINARY_NOT_FOUND, `find peer ${name}: not found on PATH; ${how}`);
}

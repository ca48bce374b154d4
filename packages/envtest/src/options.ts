import { EnvtestError, ENVTEST_ERROR_CODES } from './errors.ts';

/** Options of {@link startControlPlane}. Every field is optional; see {@link DEFAULT_CONTROL_PLANE_OPTIONS}. */
export interface ControlPlaneOptions {
  /**
   * Write an audit log of TokenReview and SubjectAccessReview requests (level Metadata, everything
   * else None) so tests can count apiserver-side reviews with `readAuditEvents()`.
   * @default false (no audit log)
   */
  auditLog?: boolean;
  /**
   * Extra kube-apiserver flags, appended after the harness's own (a later flag wins for scalar flags).
   * @default [] (none)
   */
  extraApiServerArgs?: readonly string[];
  /**
   * Extra etcd flags, appended after the harness's own.
   * @default [] (none)
   */
  extraEtcdArgs?: readonly string[];
  /**
   * How long etcd and kube-apiserver together may take to become ready (etcd `/health`, apiserver
   * `/readyz`). A cold 2-core machine needs 10-20 s.
   * @default 60000
   */
  startTimeoutMs?: number;
  /**
   * How long stop() waits after SIGTERM before SIGKILL.
   * @default 5000
   */
  stopTimeoutMs?: number;
  /**
   * How many times start is retried with fresh ports after a port conflict.
   * @default 3 (0 turns retries off)
   */
  portConflictRetries?: number;
  /**
   * Use the cluster of `KUBECONFIG` (for example kind) instead of starting one.
   * @default true when `KUBEDIAG_USE_EXISTING_CLUSTER` is `1` or `true`, else false
   */
  useExistingCluster?: boolean;
  /**
   * Directory holding `kube-apiserver` and `etcd`.
   * @default `KUBEDIAG_ASSETS`, else the setup command's cache directory
   */
  assetsDir?: string;
}

/** {@link ControlPlaneOptions} with every default filled in. */
export interface ResolvedControlPlaneOptions {
  readonly auditLog: boolean;
  readonly extraApiServerArgs: readonly string[];
  readonly extraEtcdArgs: readonly string[];
  readonly startTimeoutMs: number;
  readonly stopTimeoutMs: number;
  readonly portConflictRetries: number;
  readonly useExistingCluster: boolean;
  readonly assetsDir: string | undefined;
}

/** Defaults of the options that do not depend on the environment. */
export const DEFAULT_CONTROL_PLANE_OPTIONS: Readonly<{
  auditLog: false;
  extraApiServerArgs: readonly string[];
  extraEtcdArgs: readonly string[];
  startTimeoutMs: 60_000;
  stopTimeoutMs: 5_000;
  portConflictRetries: 3;
}> = Object.freeze({
  auditLog: false,
  extraApiServerArgs: Object.freeze([]),
  extraEtcdArgs: Object.freeze([]),
  startTimeoutMs: 60_000,
  stopTimeoutMs: 5_000,
  portConflictRetries: 3,
});

/** One validation problem: the option's path and what was expected, got what. */
export interface OptionProblem {
  readonly path: string;
  readonly message: string;
}

/** True when `KUBEDIAG_USE_EXISTING_CLUSTER` asks for the existing cluster. */
export function useExistingClusterFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env['KUBEDIAG_USE_EXISTING_CLUSTER']?.trim().toLowerCase();
  return v === '1' || v === 'true';
}

/** Fills defaults (environment included); does not validate. */
export function resolveControlPlaneOptions(
  options: ControlPlaneOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): ResolvedControlPlaneOptions {
  const d = DEFAULT_CONTROL_PLANE_OPTIONS;
  return {
    auditLog: options.auditLog ?? d.auditLog,
    extraApiServerArgs: options.extraApiServerArgs ?? d.extraApiServerArgs,
    extraEtcdArgs: options.extraEtcdArgs ?? d.extraEtcdArgs,
    startTimeoutMs: options.startTimeoutMs ?? d.startTimeoutMs,
    stopTimeoutMs: options.stopTimeoutMs ?? d.stopTimeoutMs,
    portConflictRetries: options.portConflictRetries ?? d.portConflictRetries,
    useExistingCluster: options.useExistingCluster ?? useExistingClusterFromEnv(env),
    // An empty KUBEDIAG_ASSETS counts as unset, as in setup.sh.
    assetsDir: options.assetsDir ?? (env['KUBEDIAG_ASSETS'] === '' ? undefined : env['KUBEDIAG_ASSETS']),
  };
}

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return 'an array';
  return v === null ? 'null' : typeof v === 'number' ? String(v) : typeof v;
}

/** Returns every problem of resolved options (empty when valid). */
export function validateControlPlaneOptions(o: ResolvedControlPlaneOptions): OptionProblem[] {
  const problems: OptionProblem[] = [];
  const bool = (path: string, v: unknown): void => {
    if (typeof v !== 'boolean') problems.push({ path, message: `expected a boolean, got ${show(v)}` });
  };
  const int = (path: string, v: unknown, min: number, max: number): void => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      problems.push({ path, message: `expected an integer in [${min}, ${max}], got ${show(v)}` });
    }
  };
  const strings = (path: string, v: unknown): void => {
    if (!Array.isArray(v)) {
      problems.push({ path, message: `expected an array of strings, got ${show(v)}` });
      return;
    }
    v.forEach((s: unknown, i) => {
      if (typeof s !== 'string')
        problems.push({ path: `${path}.${i}`, message: `expected a string, got ${show(s)}` });
      else if (!s.startsWith('--'))
        problems.push({
          path: `${path}.${i}`,
          message: `expected a flag starting with "--", got ${show(s)}`,
        });
    });
  };
  bool('auditLog', o.auditLog);
  bool('useExistingCluster', o.useExistingCluster);
  strings('extraApiServerArgs', o.extraApiServerArgs);
  strings('extraEtcdArgs', o.extraEtcdArgs);
  int('startTimeoutMs', o.startTimeoutMs, 1, 3_600_000);
  int('stopTimeoutMs', o.stopTimeoutMs, 0, 600_000);
  int('portConflictRetries', o.portConflictRetries, 0, 20);
  if (o.assetsDir !== undefined && (typeof o.assetsDir !== 'string' || o.assetsDir === '')) {
    problems.push({
      path: 'assetsDir',
      message: `expected a non-empty directory path, got ${show(o.assetsDir)}`,
    });
  }
  return problems;
}

/** resolve + validate; throws KDIAG_ENVTEST_INVALID_OPTIONS listing every problem. */
export function resolveAndValidate(options?: ControlPlaneOptions): ResolvedControlPlaneOptions {
  const resolved = resolveControlPlaneOptions(options);
  const problems = validateControlPlaneOptions(resolved);
  if (problems.length > 0) {
    const list = problems.map((p) => `${p.path}: ${p.message}`).join('; ');
    throw new EnvtestError(ENVTEST_ERROR_CODES.INVALID_OPTIONS, `invalid control plane options: ${list}`);
  }
  return resolved;
}

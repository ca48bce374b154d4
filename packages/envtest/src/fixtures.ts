import { randomBytes } from 'node:crypto';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { list, object, string } from '@kubediag/options';
import { EnvtestError, EnvtestErrorCode } from './errors.ts';
import { importClientNode } from './internal/kubeconfig.ts';
import { applyCreateTokenOptions, assertArgument, type CreateTokenOptions } from './options.ts';

/*
 * Fixtures for tests against a control plane with no controller-manager: nothing creates default
 * ServiceAccounts, namespaces never finish deleting (use uniqueName), and there is no GC.
 * Every function takes the admin KubeConfig first.
 */

/** A ServiceAccount reference. */
export interface ServiceAccountRef {
  readonly ns: string;
  readonly sa: string;
}

/** One ClusterRole rule for non-resource URLs (`/metrics`, `/debug/pprof/*`). */
export interface NonResourceRule {
  readonly nonResourceURLs: readonly string[];
  readonly verbs: readonly string[];
}

const SERVICE_ACCOUNT_REF = object({ ns: string(), sa: string() });
const NON_RESOURCE_RULES = list(
  object({
    nonResourceURLs: list(string(), { nonEmpty: true }),
    verbs: list(string(), { nonEmpty: true }),
  }),
);

function statusOf(err: unknown): { code: number | undefined; reason: string | undefined; message: string } {
  const e = err as { code?: unknown; body?: unknown; message?: unknown };
  const code = typeof e.code === 'number' ? e.code : undefined;
  let body: unknown = e.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body) as unknown;
    } catch {
      // Not JSON: keep the text.
    }
  }
  const status = (typeof body === 'object' && body !== null ? body : {}) as {
    reason?: unknown;
    message?: unknown;
  };
  const message =
    typeof status.message === 'string'
      ? status.message
      : typeof body === 'string' && body !== ''
        ? body.slice(0, 500)
        : typeof e.message === 'string'
          ? e.message.split('\n')[0]!
          : String(err);
  return { code, reason: typeof status.reason === 'string' ? status.reason : undefined, message };
}

function isAlreadyExists(err: unknown): boolean {
  return statusOf(err).code === 409;
}

function fixtureError(what: string, err: unknown): EnvtestError {
  const s = statusOf(err);
  const status =
    s.code !== undefined ? `HTTP ${s.code}${s.reason !== undefined ? ` ${s.reason}` : ''}: ` : '';
  return new EnvtestError(EnvtestErrorCode.FIXTURE_FAILED, `${what}: ${status}${s.message}`, {
    cause: err,
  });
}

async function attempt<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw fixtureError(what, err);
  }
}

/**
 * A DNS-1123 label `<prefix>-<8 hex chars>` (lowercased, at most 63 chars): unique names avoid
 * collisions between tests sharing one control plane, whose namespaces never finish deleting.
 */
export function uniqueName(prefix = 'kubediag'): string {
  const suffix = randomBytes(4).toString('hex');
  const clean = prefix
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63 - suffix.length - 1);
  return clean === '' ? `x-${suffix}` : `${clean}-${suffix}`;
}

/** Creates a namespace (default name: a unique `kubediag-test-…`) and returns its name. */
export async function createNamespace(
  kc: KubeConfig,
  name: string = uniqueName('kubediag-test'),
): Promise<string> {
  const { CoreV1Api } = await importClientNode();
  const core = kc.makeApiClient(CoreV1Api);
  await attempt(`create namespace ${name}`, () => core.createNamespace({ body: { metadata: { name } } }));
  return name;
}

/** Creates ServiceAccount `ns/name` (no controller creates any for us) and returns its name. */
export async function createServiceAccount(kc: KubeConfig, ns: string, name: string): Promise<string> {
  const { CoreV1Api } = await importClientNode();
  const core = kc.makeApiClient(CoreV1Api);
  await attempt(`create serviceaccount ${ns}/${name}`, () =>
    core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name, namespace: ns } } }),
  );
  return name;
}

/** Deletes ServiceAccount `ns/name`; tokens minted for it stop authenticating. */
export async function deleteServiceAccount(kc: KubeConfig, ns: string, name: string): Promise<void> {
  const { CoreV1Api } = await importClientNode();
  const core = kc.makeApiClient(CoreV1Api);
  await attempt(`delete serviceaccount ${ns}/${name}`, () =>
    core.deleteNamespacedServiceAccount({ name, namespace: ns }),
  );
}

/** Creates ClusterRole `name` with non-resource URL rules (e.g. `{ nonResourceURLs: ['/metrics'], verbs: ['get'] }`). */
export async function createClusterRole(
  kc: KubeConfig,
  name: string,
  rules: readonly NonResourceRule[],
): Promise<string> {
  assertArgument('invalid cluster role rules', NON_RESOURCE_RULES, rules, 'rules');
  const { RbacAuthorizationV1Api } = await importClientNode();
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  await attempt(`create clusterrole ${name}`, () =>
    rbac.createClusterRole({
      body: {
        metadata: { name },
        rules: rules.map((r) => ({ nonResourceURLs: [...r.nonResourceURLs], verbs: [...r.verbs] })),
      },
    }),
  );
  return name;
}

/**
 * Binds ClusterRole `role` to ServiceAccount `ns/sa` with a ClusterRoleBinding named `<role>:<ns>:<sa>`
 * and returns that name. Binding the same pair twice is not an error.
 */
export async function bindClusterRole(
  kc: KubeConfig,
  role: string,
  subject: ServiceAccountRef,
): Promise<string> {
  assertArgument('invalid service account reference', SERVICE_ACCOUNT_REF, subject, 'subject');
  const { RbacAuthorizationV1Api } = await importClientNode();
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  const name = `${role}:${subject.ns}:${subject.sa}`;
  try {
    await rbac.createClusterRoleBinding({
      body: {
        metadata: { name },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
        subjects: [{ kind: 'ServiceAccount', name: subject.sa, namespace: subject.ns }],
      },
    });
  } catch (err) {
    if (!isAlreadyExists(err))
      throw fixtureError(`bind clusterrole ${role} to ${subject.ns}/${subject.sa}`, err);
  }
  return name;
}

/**
 * Binds `system:auth-delegator` (create TokenReviews and SubjectAccessReviews: what a diagnostics
 * filter needs) to ServiceAccount `ns/sa`.
 */
export function bindAuthDelegator(kc: KubeConfig, subject: ServiceAccountRef): Promise<string> {
  return bindClusterRole(kc, 'system:auth-delegator', subject);
}

/** Mints a bound token for ServiceAccount `ns/sa` through TokenRequest and returns it. */
export async function createToken(
  kc: KubeConfig,
  ns: string,
  sa: string,
  options?: CreateTokenOptions,
): Promise<string> {
  const { audiences, expirationSeconds } = applyCreateTokenOptions(options);
  const { CoreV1Api } = await importClientNode();
  const core = kc.makeApiClient(CoreV1Api);
  const res = await attempt(`create token for ${ns}/${sa}`, () =>
    core.createNamespacedServiceAccountToken({
      name: sa,
      namespace: ns,
      body: {
        spec: {
          expirationSeconds,
          audiences: [...audiences],
        },
      },
    }),
  );
  const token = res.status?.token;
  if (token === undefined || token === '') {
    throw new EnvtestError(
      EnvtestErrorCode.FIXTURE_FAILED,
      `create token for ${ns}/${sa}: response has no status.token`,
    );
  }
  return token;
}

/**
 * Applies a (multi-document) YAML manifest: creates each object, or merge-patches it when it exists.
 * Returns the objects as the apiserver stored them.
 */
export async function applyManifest(kc: KubeConfig, yamlText: string): Promise<KubernetesObject[]> {
  const { KubernetesObjectApi } = await importClientNode();
  const client = KubernetesObjectApi.makeApiClient(kc);
  const docs = parseAllDocuments(yamlText);
  const specs: KubernetesObject[] = [];
  for (const [i, doc] of docs.entries()) {
    if (doc.errors.length > 0) {
      throw new EnvtestError(
        EnvtestErrorCode.FIXTURE_FAILED,
        `apply manifest: document ${i} is not valid YAML: ${doc.errors[0]!.message}`,
      );
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    const obj = value as KubernetesObject;
    if (typeof obj !== 'object' || typeof obj.kind !== 'string' || typeof obj.apiVersion !== 'string') {
      throw new EnvtestError(
        EnvtestErrorCode.FIXTURE_FAILED,
        `apply manifest: document ${i} is not a Kubernetes object; expected apiVersion and kind`,
      );
    }
    specs.push(obj);
  }
  const applied: KubernetesObject[] = [];
  for (const spec of specs) {
    const what = `apply ${spec.kind} ${spec.metadata?.namespace !== undefined ? `${spec.metadata.namespace}/` : ''}${spec.metadata?.name ?? '(no name)'}`;
    try {
      applied.push(await client.create(spec));
    } catch (err) {
      if (!isAlreadyExists(err)) throw fixtureError(what, err);
      const { PatchStrategy } = await importClientNode();
      applied.push(
        await attempt(what, () =>
          client.patch(spec, undefined, undefined, undefined, undefined, PatchStrategy.MergePatch),
        ),
      );
    }
  }
  return applied;
}

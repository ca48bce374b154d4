/** Files and ports one control plane uses; everything lives in its temp dir. */
export interface Layout {
  readonly dir: string;
  readonly etcdClientPort: number;
  readonly etcdPeerPort: number;
  readonly apiServerPort: number;
  readonly etcdDataDir: string;
  readonly certDir: string;
  readonly servingCertFile: string;
  readonly servingKeyFile: string;
  readonly clientCaFile: string;
  readonly saPublicKeyFile: string;
  readonly saPrivateKeyFile: string;
  readonly auditPolicyFile: string;
  readonly auditLogFile: string;
}

/** etcd flags: envtest's set (loopback client and peer URLs, a temp data dir, no fsync). */
export function etcdArgs(l: Layout, extra: readonly string[]): string[] {
  const client = `http://127.0.0.1:${l.etcdClientPort}`;
  const peer = `http://127.0.0.1:${l.etcdPeerPort}`;
  return [
    '--name=default',
    `--data-dir=${l.etcdDataDir}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=default=${peer}`,
    // Test data is thrown away: skipping fsync makes etcd (and apiserver start) much faster.
    '--unsafe-no-fsync=true',
    ...extra,
  ];
}

/**
 * kube-apiserver flags: controller-runtime envtest's set plus what a host with no default route and no
 * controller-manager needs (advertise address, no endpoint reconciler, service-account keys so
 * TokenRequest works, a client CA for the admin certificate).
 */
export function apiServerArgs(l: Layout, auditLog: boolean, extra: readonly string[]): string[] {
  const self = `https://127.0.0.1:${l.apiServerPort}`;
  return [
    `--etcd-servers=http://127.0.0.1:${l.etcdClientPort}`,
    `--cert-dir=${l.certDir}`,
    `--tls-cert-file=${l.servingCertFile}`,
    `--tls-private-key-file=${l.servingKeyFile}`,
    `--secure-port=${l.apiServerPort}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    '--endpoint-reconciler-type=none',
    '--service-cluster-ip-range=10.0.0.0/24',
    '--authorization-mode=RBAC',
    '--allow-privileged=true',
    // No controller-manager runs, so nothing would create the default ServiceAccount this plugin waits for.
    '--disable-admission-plugins=ServiceAccount',
    `--client-ca-file=${l.clientCaFile}`,
    `--service-account-issuer=${self}`,
    `--service-account-key-file=${l.saPublicKeyFile}`,
    `--service-account-signing-key-file=${l.saPrivateKeyFile}`,
    ...(auditLog
      ? [
          `--audit-policy-file=${l.auditPolicyFile}`,
          `--audit-log-path=${l.auditLogFile}`,
          '--audit-log-format=json',
        ]
      : []),
    ...extra,
  ];
}

/**
 * Audit policy: one Metadata event per TokenReview and SubjectAccessReview (the reviews a diagnostics
 * filter causes), nothing else. RequestReceived is omitted so each request is counted once.
 */
export const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
  - level: Metadata
    resources:
      - group: authentication.k8s.io
        resources: ["tokenreviews"]
      - group: authorization.k8s.io
        resources: ["subjectaccessreviews"]
  - level: None
`;

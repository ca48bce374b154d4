/**
 * RFC 6750's b64token, the syntax of a bearer credential: `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" /
 * "+" / "/" ) *"="`. Every token Kubernetes issues or commonly accepts fits: ServiceAccount JWTs and
 * OIDC ID tokens (base64url segments joined by dots), bootstrap tokens (`[a-z0-9]{6}.[a-z0-9]{16}`),
 * OpenShift's `sha256~...`, EKS's `k8s-aws-v1....`, GKE's `ya29....`.
 */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** Why a token cannot be a credential; the `reason` label of the malformed tokens metric. */
export type MalformedTokenReason = 'too_long' | 'bad_characters';

export interface MalformedToken {
  readonly reason: MalformedTokenReason;
  /** For the log and the audit record; never the token. */
  readonly message: string;
}

/**
 * Why `token` cannot be a credential, or undefined when it may be one. Such a token is refused with 401
 * before any TokenReview: the apiserver would only say "not authenticated", at the operator's expense.
 * `maxBytes` 0 means no length bound. Tokens are ASCII here, so characters are bytes.
 */
export function malformedToken(token: string, maxBytes: number): MalformedToken | undefined {
  if (maxBytes > 0 && token.length > maxBytes)
    return { reason: 'too_long', message: `malformed bearer token: longer than ${maxBytes} bytes` };
  if (!B64TOKEN.test(token))
    return {
      reason: 'bad_characters',
      message: 'malformed bearer token: characters outside RFC 6750 b64token',
    };
  return undefined;
}

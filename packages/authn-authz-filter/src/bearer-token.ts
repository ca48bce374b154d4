import { goTrimSpace } from './internal/go-trim-space.ts';

/**
 * Extracts a bearer token exactly like k8s.io/apiserver's bearertoken authenticator: the header is
 * trimmed as Go's `strings.TrimSpace` trims the same bytes, split on single spaces into at most three
 * parts, the scheme compared case-insensitively, and an empty token (`Bearer  x`, two spaces) counts as no credentials rather than an invalid one.
 * Returns undefined when the request carries no usable bearer credential.
 */
export function parseBearerToken(authorization: string | readonly string[] | undefined): string | undefined {
  // Go's Header.Get returns the first value; Node already keeps only the first Authorization header,
  // but a hand-built header map may still hold an array.
  const raw = typeof authorization === 'string' ? authorization : authorization?.[0];
  if (raw === undefined) return undefined;
  const auth = goTrimSpace(raw);
  if (auth === '') return undefined;
  const first = auth.indexOf(' ');
  if (first < 0) return undefined;
  // The canonical spelling first: no lowercased copy of the scheme on the hot path.
  if (first !== 6 || (!auth.startsWith('Bearer') && auth.slice(0, 6).toLowerCase() !== 'bearer'))
    return undefined;
  const rest = auth.slice(first + 1);
  const second = rest.indexOf(' ');
  const token = second < 0 ? rest : rest.slice(0, second);
  return token === '' ? undefined : token;
}

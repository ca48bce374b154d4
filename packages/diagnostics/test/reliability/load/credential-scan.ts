/**
 * Looks for credentials, whole or in fragments, in captured log output. Tokens are base64url (JWTs
 * add dots), so the output is cut into runs of those characters and only runs long enough to hold a
 * fragment are compared, window by window, against every window of every credential.
 */

export interface CredentialLeak {
  /**
   * A credential containing the fragment (its index in the list given; tokens of one issuer share
   * their JWT header, so it may be another), never the credential itself.
   */
  readonly credential: number;
  /** Offset in the output. */
  readonly at: number;
  /** The line around it, with the fragment masked. */
  readonly line: string;
}

/** Shortest fragment looked for. */
export const FRAGMENT_CHARS = 16;

const TOKEN_RUN = new RegExp(`[A-Za-z0-9_.\\-]{${FRAGMENT_CHARS},}`, 'g');

export function findCredentialLeaks(output: string, credentials: readonly string[]): CredentialLeak[] {
  const windows = new Map<string, number>();
  credentials.forEach((cred, index) => {
    if (cred.length < FRAGMENT_CHARS) throw new Error(`credential ${index} is shorter than a fragment`);
    for (let i = 0; i + FRAGMENT_CHARS <= cred.length; i++)
      windows.set(cred.slice(i, i + FRAGMENT_CHARS), index);
  });
  const leaks: CredentialLeak[] = [];
  for (const m of output.matchAll(TOKEN_RUN)) {
    const run = m[0];
    for (let i = 0; i + FRAGMENT_CHARS <= run.length; i++) {
      const credential = windows.get(run.slice(i, i + FRAGMENT_CHARS));
      if (credential === undefined) continue;
      const at = m.index + i;
      const start = output.lastIndexOf('\n', at) + 1;
      const end = output.indexOf('\n', at);
      const line = output.slice(start, end < 0 ? undefined : end);
      leaks.push({ credential, at, line: line.replace(run, `<credential ${credential}>`).slice(0, 300) });
      break;
    }
    if (leaks.length >= 20) break;
  }
  return leaks;
}

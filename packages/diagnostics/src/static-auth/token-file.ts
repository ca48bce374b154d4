import { createHash } from 'node:crypto';
import { DiagnosticsError, DiagnosticsErrorCode } from '../errors.ts';

/** One identity of a static token file. The token itself is kept only as a SHA-256 digest. */
export interface StaticTokenEntry {
  readonly tokenSha256: string;
  readonly username: string;
  readonly uid: string;
  readonly groups: readonly string[];
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/**
 * Parses a token file in kube-apiserver's `--token-auth-file` format: CSV rows
 * `token,user,uid,"group1,group2"` (the groups column is optional). Tokens are hashed at once; the
 * returned entries hold no credential in clear.
 */
export function parseTokenFile(text: string, source: string): StaticTokenEntry[] {
  const entries: StaticTokenEntry[] = [];
  const seen = new Set<string>();
  let record = 0;
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    record++;
    const fields = parseCsvLine(line, source, record);
    if (fields.length < 3) {
      throw new DiagnosticsError(
        DiagnosticsErrorCode.TOKEN_FILE_INVALID,
        `token file '${source}' must have at least 3 columns (token, user name, user uid), found ${fields.length} in record ${record}`,
      );
    }
    const [token, username, uid, groups] = fields as [string, string, string, string | undefined];
    if (token === '' || username === '') {
      throw new DiagnosticsError(
        DiagnosticsErrorCode.TOKEN_FILE_INVALID,
        `token file '${source}' record ${record}: token and user name must not be empty`,
      );
    }
    const tokenSha256 = sha256Hex(token);
    if (seen.has(tokenSha256)) {
      throw new DiagnosticsError(
        DiagnosticsErrorCode.TOKEN_FILE_INVALID,
        `token file '${source}' record ${record}: duplicate token`,
      );
    }
    seen.add(tokenSha256);
    entries.push({
      tokenSha256,
      username,
      uid,
      groups: groups
        ? groups
            .split(',')
            .map((g) => g.trim())
            .filter((g) => g !== '')
        : [],
    });
  }
  return entries;
}

/** RFC 4180 fields with leading spaces trimmed, as Go's encoding/csv with TrimLeadingSpace. */
function parseCsvLine(line: string, source: string, record: number): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    while (line[i] === ' ' || line[i] === '\t') i++;
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) {
          throw new DiagnosticsError(
            DiagnosticsErrorCode.TOKEN_FILE_INVALID,
            `token file '${source}' record ${record}: unterminated quoted field`,
          );
        }
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += line[i++];
      }
    } else {
      while (i < line.length && line[i] !== ',') field += line[i++];
    }
    fields.push(field);
    if (i >= line.length) return fields;
    if (line[i] !== ',') {
      throw new DiagnosticsError(
        DiagnosticsErrorCode.TOKEN_FILE_INVALID,
        `token file '${source}' record ${record}: unexpected character after a quoted field`,
      );
    }
    i++;
  }
}

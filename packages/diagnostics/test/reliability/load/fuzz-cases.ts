/**
 * Generated raw requests for the fuzz test: methods (odd ones too), request targets with
 * percent-encodings, encoded separators, dot segments, double slashes, very long paths and unicode,
 * header sets with malformed Authorization values, duplicates, impersonation attempts and huge
 * headers, bodies and framing, and pprof/health query parameters. Each case is a pure function of
 * the PRNG state, so a seed replays the whole stream.
 */
import { LOAD_ID_HEADER, CANARY_PREFIX } from './protocol.ts';
import type { Prng } from './prng.ts';

export interface FuzzCredentials {
  /** The only token allowed anything (RBAC of the Cluster API docs, plus `get` on the canary). */
  readonly reader: string;
  /** Authenticates, authorized for nothing. */
  readonly nobody: string;
  /** Never valid. */
  readonly garbage: readonly string[];
}

export interface FuzzCase {
  readonly id: string;
  readonly bytes: Buffer;
  /** The method as sent. */
  readonly method: string;
  readonly target: string;
  /** The reader's token appears somewhere in the request: the only requests that may be allowed. */
  readonly carriesReader: boolean;
  /** Send a part (or all) of the request and hang up without waiting for an answer. */
  readonly abort: boolean;
  /** Open a fresh connection for this case. */
  readonly fresh: boolean;
  /** The request line has no HTTP version (HTTP/0.9 form), so no HTTP/1.1 answer is owed. */
  readonly noVersion: boolean;
  /** A short label of the interesting choices, for the class counts. */
  readonly label: string;
}

// Weighted so the cheap protected routes dominate: a heap profile forces a full GC, a goroutine
// dump collects a diagnostic report, and either would eat the run's time budget if picked as often.
const BASE_PATHS: readonly (readonly [number, string])[] = [
  [8, '/metrics'],
  [1, '/metrics/'],
  [3, '/debug/pprof/'],
  [1, '/debug/pprof'],
  [0.3, '/debug/pprof/heap'],
  [0.3, '/debug/pprof/allocs'],
  [3, '/debug/pprof/profile'],
  [0.5, '/debug/pprof/goroutine'],
  [1, '/debug/pprof/cmdline'],
  [1, '/debug/pprof/symbol'],
  [1, '/debug/pprof/trace'],
  [1, '/debug/pprof/threadcreate'],
  [1, '/debug/pprof/nope'],
  [8, '/debug/flags/v'],
  [1, '/debug/flags/'],
  [1, '/debug/'],
  [1, '/statusz'],
  [1, '/flagz'],
  [1, '/healthz'],
  [1, '/livez'],
  [1, '/readyz'],
  [1, '/healthz/load'],
  [1, '/readyz/load'],
  [1, '/livez/ping'],
  [5, `${CANARY_PREFIX}x`],
  [1, CANARY_PREFIX],
  [1, '/load/canary'],
  [1, '/'],
  [1, '/nope'],
];

const METHODS: readonly (readonly [number, string])[] = [
  [32, 'GET'],
  [7, 'HEAD'],
  [14, 'PUT'],
  [6, 'POST'],
  [3, 'DELETE'],
  [3, 'PATCH'],
  [4, 'OPTIONS'],
  [2, 'TRACE'],
  [1, 'CONNECT'],
  [1, 'PROPFIND'],
  [1, 'MKCOL'],
  [1, 'SEARCH'],
  [1, 'PURGE'],
  [1, 'LINK'],
  [1, 'M-SEARCH'],
  [1, 'SOURCE'],
  [1, 'QUERY'],
  [1, 'REPORT'],
  [1, 'get'],
  [1, 'GETT'],
  [1, 'PRI'],
  [1, ''],
  [1, 'G\u00c9T'],
];

const PPROF_PARAMS = [
  'seconds=1',
  'seconds=',
  'seconds=0',
  'seconds=-1',
  'seconds=abc',
  'seconds=1e3',
  'seconds=+1',
  'seconds=%31',
  'seconds=99999999999999999999',
  'seconds=9223372036854775807',
  'seconds=3',
  'debug=0',
  'debug=1',
  'debug=2',
  'debug=-1',
  'debug=abc',
  'debug=99999999999999999999',
  'gc=1',
  'gc=x',
  'seconds=1&debug=1',
  'seconds=1&seconds=2',
  'exclude=ping',
  'verbose',
  'verbose=0',
  'x=%zz',
  '%',
  '&&&=',
  'a=\u00e9',
];

function pctEncodeSome(rng: Prng, path: string): string {
  let out = '';
  for (const ch of path) {
    if (ch !== '/' && rng.chance(0.3)) {
      const hex = Buffer.from(ch).toString('hex').replace(/(..)/g, '%$1');
      out += rng.chance(0.5) ? hex.toUpperCase() : hex;
    } else out += ch;
  }
  return out;
}

function replaceSlash(rng: Prng, path: string, by: string): string {
  const slashes = [...path.matchAll(/\//g)].map((m) => m.index);
  if (slashes.length === 0) return path;
  const at = rng.pick(slashes);
  return path.slice(0, at) + by + path.slice(at + 1);
}

function insertAtSlash(rng: Prng, path: string, text: string): string {
  return replaceSlash(rng, path, `/${text}`);
}

/** One mutation of a path; each kind the issue lists is one branch. */
function mutatePath(rng: Prng, path: string): [string, string] {
  switch (rng.int(0, 13)) {
    case 0:
      return [pctEncodeSome(rng, path), 'pct'];
    case 1:
      return [
        insertAtSlash(rng, path, rng.pick(['./', '../', 'x/../', '%2e/', '%2e%2e/', '.%2E/', '..%2f'])),
        'dot',
      ];
    case 2:
      return [replaceSlash(rng, path, rng.pick(['//', '///', '/./'])), 'double-slash'];
    case 3:
      return [
        replaceSlash(rng, path, rng.pick(['%2f', '%2F', '%5c', '%5C', '\\', '%00'])),
        'encoded-separator',
      ];
    case 4:
      return [
        path +
          rng.pick([
            '\u00e9',
            '\u65e5\u672c',
            '\u202e',
            '%C3%A9',
            '%FF',
            '%C0%AF',
            '%E2%80%AE',
            '\ud83d\ude00',
            '%F0%9F%98%80',
          ]),
        'unicode',
      ];
    case 5:
      return [path.endsWith('/') ? path.slice(0, -1) : `${path}/`, 'slash'];
    case 6:
      return [path + '/a'.repeat(rng.pick([100, 1000, 4000, 9000])), 'long-path'];
    case 7:
      return [
        `${rng.pick(['http://localhost', 'https://evil.example', 'http://127.0.0.1:1', 'HTTP://X'])}${path}`,
        'absolute',
      ];
    case 8:
      return [path.toUpperCase(), 'case'];
    case 9:
      return [path + rng.pick([';x', ';', '#frag', '%23x', '%3Fx', '?#', '%20', ' ', '\t']), 'suffix'];
    case 10:
      return [
        rng.pick(['*', '', 'metrics', '//', '/..', '/../metrics', '/.%2e/metrics', '%2fmetrics']),
        'odd-target',
      ];
    case 11:
      return [path.replace(/[a-z]/, (c) => `%${c.charCodeAt(0).toString(16)}`), 'pct-first'];
    case 12:
      return [`/x/..${path}`, 'dot-prefix'];
    default:
      return [encodeURI(path).replace(/%25/g, '%'), 'as-is'];
  }
}

function target(rng: Prng): [string, string] {
  let path = rng.weighted(BASE_PATHS);
  const labels: string[] = [];
  const mutations = rng.weighted([
    [40, 0],
    [40, 1],
    [15, 2],
    [5, 3],
  ] as const);
  for (let i = 0; i < mutations; i++) {
    const [p, l] = mutatePath(rng, path);
    path = p;
    labels.push(l);
  }
  if (rng.chance(0.35)) {
    const n = rng.weighted([
      [80, 1],
      [20, 3],
    ] as const);
    const q = Array.from({ length: n }, () => rng.pick(PPROF_PARAMS)).join('&');
    path += `?${q}`;
    labels.push('query');
  }
  if (rng.chance(0.01)) {
    path += `?pad=${'q'.repeat(rng.pick([2000, 8000, 20000]))}`;
    labels.push('huge-query');
  }
  return [path, labels.join('+') || 'plain'];
}

function mutateToken(rng: Prng, token: string): string {
  switch (rng.int(0, 3)) {
    case 0:
      return token.slice(0, -1); // truncated
    case 1: {
      // Not the last character: in a JWT it also holds padding bits, and a change there can decode to
      // the same signature, which the apiserver then rightly accepts (seen once, seed 4129754372).
      const at = rng.int(0, token.length - 2);
      const c = token[at] === 'A' ? 'B' : 'A';
      return token.slice(0, at) + c + token.slice(at + 1); // one character changed
    }
    case 2:
      return token.slice(0, rng.int(1, 40)); // a prefix
    default:
      return token.split('.').slice(0, 2).join('.') + '.'; // no signature
  }
}

/** Authorization header lines, and whether the reader's token is among the bytes. */
function authorization(rng: Prng, creds: FuzzCredentials): [string[], string] {
  const r = creds.reader;
  const g = (): string => rng.pick(creds.garbage);
  const choice = rng.weighted<string>([
    [14, 'none'],
    [24, 'reader'],
    [10, 'nobody'],
    [12, 'garbage'],
    [5, 'reader-mutated'],
    [4, 'nobody-mutated'],
    [3, 'lower-scheme'],
    [3, 'two-spaces'],
    [2, 'three-parts'],
    [2, 'trailing-space'],
    [2, 'empty-bearer'],
    [2, 'basic'],
    [2, 'other-scheme'],
    [3, 'duplicate-garbage-first'],
    [3, 'duplicate-reader-first'],
    [2, 'unicode'],
    [1, 'control-byte'],
    [1, 'huge'],
    [1, 'empty-value'],
    [3, 'impersonate'],
    [1, 'proxy-authorization'],
  ]);
  const a = (v: string): string => `Authorization: ${v}`;
  switch (choice) {
    case 'none':
      return [[], choice];
    case 'reader':
      return [[a(`Bearer ${r}`)], choice];
    case 'nobody':
      return [[a(`Bearer ${creds.nobody}`)], choice];
    case 'garbage':
      return [[a(`Bearer ${g()}`)], choice];
    case 'reader-mutated':
      return [[a(`Bearer ${mutateToken(rng, r)}`)], choice];
    case 'nobody-mutated':
      return [[a(`Bearer ${mutateToken(rng, creds.nobody)}`)], choice];
    case 'lower-scheme':
      return [[a(`${rng.pick(['bearer', 'BEARER', 'bEaReR'])} ${r}`)], choice];
    case 'two-spaces':
      return [[a(`Bearer  ${r}`)], choice];
    case 'three-parts':
      return [[a(`Bearer ${r} ${g()}`)], choice];
    case 'trailing-space':
      return [[a(`  Bearer ${r}\t `)], choice];
    case 'empty-bearer':
      return [[a(rng.pick(['Bearer', 'Bearer ', 'Bearer\t']))], choice];
    case 'basic':
      return [[a(`Basic ${Buffer.from(`reader:${g()}`).toString('base64')}`)], choice];
    case 'other-scheme':
      return [[a(`${rng.pick(['Token', 'Negotiate', 'Digest', 'Bearer:'])} ${r}`)], choice];
    case 'duplicate-garbage-first':
      return [[a(`Bearer ${g()}`), a(`Bearer ${r}`)], choice];
    case 'duplicate-reader-first':
      return [[a(`Bearer ${r}`), a(`Bearer ${g()}`)], choice];
    case 'unicode':
      return [[a(`Bearer ${r.slice(0, 30)}\u00e9\u65e5${g()}`)], choice];
    case 'control-byte':
      return [[a(`Bearer ${g()}${rng.pick(['\u0000', '\u0001', '\u007f', '\r', '\n '])}${g()}`)], choice];
    case 'huge':
      return [[a(`Bearer ${g()}${'x'.repeat(rng.pick([4000, 20000]))}`)], choice];
    case 'empty-value':
      return [[a('')], choice];
    case 'impersonate':
      // Headers a proxy might trust; the filter must not: the credential is nobody's.
      return [
        [
          a(`Bearer ${creds.nobody}`),
          'Impersonate-User: system:admin',
          'Impersonate-Group: system:masters',
          'X-Remote-User: system:admin',
          'X-Remote-Group: system:masters',
        ],
        choice,
      ];
    default:
      return [[`Proxy-Authorization: Bearer ${g()}`], choice];
  }
}

function extraHeaders(rng: Prng): [string[], string] {
  const lines: string[] = [];
  const labels: string[] = [];
  const count = rng.weighted([
    [50, 0],
    [35, 1],
    [15, 3],
  ] as const);
  for (let i = 0; i < count; i++) {
    switch (rng.int(0, 13)) {
      case 0:
        lines.push(
          `Accept: ${rng.pick([
            'application/openmetrics-text;version=1.0.0',
            'text/plain',
            '*/*',
            'application/json;g=config.k8s.io;v=v1beta1;as=Statusz',
            'application/json;g=config.k8s.io;v=v1beta1;as=Flagz',
            'nope/nope',
            '',
            'text/plain;q=0',
          ])}`,
        );
        labels.push('accept');
        break;
      case 1:
        lines.push(
          `Accept-Encoding: ${rng.pick(['gzip', 'br', 'identity;q=0', '*', 'gzip;q=0', 'x'.repeat(300)])}`,
        );
        labels.push('encoding');
        break;
      case 2:
        lines.push(`Expect: ${rng.pick(['100-continue', 'nothing'])}`);
        labels.push('expect');
        break;
      case 3:
        lines.push(
          ...rng.pick([
            ['Connection: close'],
            ['Connection: keep-alive'],
            ['Connection: Upgrade', 'Upgrade: websocket'],
            [
              'Connection: Upgrade, HTTP2-Settings',
              'Upgrade: h2c',
              'HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA',
            ],
          ]),
        );
        labels.push('connection');
        break;
      case 4:
        lines.push('Host: evil.example');
        labels.push('dup-host');
        break;
      case 5:
        lines.push(`X-Pad: ${'p'.repeat(rng.pick([1000, 8000, 17000, 40000]))}`);
        labels.push('huge-header');
        break;
      case 6:
        for (let k = 0; k < rng.pick([50, 300]); k++) lines.push(`X-Many-${k}: ${k}`);
        labels.push('many-headers');
        break;
      case 7:
        lines.push(
          rng.pick([
            'NoColonHere',
            ' Leading: space',
            'Bad Name: x',
            'X-Ctl: a\u0001b',
            'X-Fold: a\r\n folded',
            ': empty-name',
            'X-Empty:',
          ]),
        );
        labels.push('malformed-header');
        break;
      case 8:
        lines.push(`X-Unicode-\u00e9: ${rng.pick(['\u00e9', '\u65e5\u672c', '\ud83d\ude00'])}`);
        labels.push('unicode-header');
        break;
      case 9:
        lines.push(
          `Content-Type: ${rng.pick(['text/plain', 'application/json', 'multipart/form-data; boundary=x', '\u00e9'])}`,
        );
        labels.push('content-type');
        break;
      case 10:
        lines.push(`X-Forwarded-For: ${rng.pick(['10.0.0.1', '127.0.0.1, 10.1.1.1', 'garbage'])}`);
        labels.push('forwarded');
        break;
      case 11:
        lines.push(`User-Agent: ${rng.pick(['curl/8.0', '', '\u00e9', 'x'.repeat(2000)])}`);
        labels.push('user-agent');
        break;
      case 12:
        lines.push(`Cookie: session=${'c'.repeat(rng.int(1, 200))}`);
        labels.push('cookie');
        break;
      default:
        lines.push(`X-Forwarded-Proto: ${rng.pick(['http', 'https', ''])}`);
        labels.push('forwarded-proto');
    }
  }
  return [lines, labels.join('+')];
}

/** The body and its framing headers. */
function body(rng: Prng, method: string, path: string, carriesReader: boolean): [string[], Buffer, string] {
  const flags = path.includes('flags');
  const wants = method === 'PUT' || method === 'POST' || method === 'PATCH' ? 0.85 : 0.1;
  if (!rng.chance(wants)) return [[], Buffer.alloc(0), 'no-body'];
  let payload: Buffer;
  if (flags || rng.chance(0.5)) {
    // Only the reader may change -v, and only ever to 10 (the child's -v): any other value taking
    // effect proves a request without an allow decision reached the handler. Half the reader's flag
    // bodies are that one valid value, so that every run sets -v through the whole chain several
    // times: picked 1 in 11, seed 3238058374 made none that was also well framed and allowed.
    const text = carriesReader
      ? flags && rng.chance(0.5)
        ? '10'
        : rng.pick([
            '10',
            '010',
            'abc',
            '',
            ' 10',
            '10\n',
            '1e1',
            '0x10',
            '-10',
            '99999999999999999999',
            '\u00e9',
          ])
      : rng.pick(['0', '1', '3', '7', '11', '42', '007', 'abc', '', '-1', '4294967296']);
    payload = Buffer.from(text);
  } else {
    // Any byte but an ASCII digit: a one-byte body of "2" would be a valid -v.
    const byte = rng.int(0, 245);
    payload = Buffer.alloc(rng.pick([1, 100, 1025, 5000, 70000]), byte >= 0x30 ? byte + 10 : byte);
  }
  switch (
    rng.weighted<string>([
      [70, 'length'],
      [15, 'chunked'],
      [5, 'cl-te'],
      [5, 'double-cl'],
      [5, 'te-odd'],
    ])
  ) {
    case 'chunked': {
      const hex = payload.length.toString(16);
      const chunked =
        payload.length === 0
          ? Buffer.from('0\r\n\r\n')
          : Buffer.concat([Buffer.from(`${hex}\r\n`), payload, Buffer.from('\r\n0\r\n\r\n')]);
      return [['Transfer-Encoding: chunked'], chunked, 'chunked'];
    }
    case 'cl-te':
      return [[`Content-Length: ${payload.length}`, 'Transfer-Encoding: chunked'], payload, 'cl-te'];
    case 'double-cl':
      return [
        [`Content-Length: ${payload.length}`, `Content-Length: ${payload.length + rng.int(0, 1)}`],
        payload,
        'double-cl',
      ];
    case 'te-odd':
      return [
        [
          `Transfer-Encoding: ${rng.pick(['gzip, chunked', 'chunked, identity', 'xchunked', 'chunked\t'])}`,
          `Content-Length: ${payload.length}`,
        ],
        payload,
        'te-odd',
      ];
    default:
      return [[`Content-Length: ${payload.length}`], payload, 'length'];
  }
}

function shuffle<T>(rng: Prng, items: T[]): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}

/** The n-th case of the stream. */
export function generateCase(rng: Prng, n: number, creds: FuzzCredentials): FuzzCase {
  const id = `f${n}`;
  const method = rng.weighted(METHODS);
  const [path, pathLabel] = target(rng);
  const [authLines, authLabel] = authorization(rng, creds);
  const [extra, extraLabel] = extraHeaders(rng);
  const version = rng.weighted<string>([
    [94, 'HTTP/1.1'],
    [3, 'HTTP/1.0'],
    [1, 'HTTP/2.0'],
    [1, 'http/1.1'],
    [1, ''],
  ]);
  const lineEnd = rng.chance(0.01) ? '\n' : '\r\n';
  const provisional = authLines.join('').includes(creds.reader);
  const [framing, payload, bodyLabel] = body(rng, method, path, provisional);
  const headers = [
    ...(rng.chance(0.98) ? ['Host: localhost'] : []),
    `${LOAD_ID_HEADER}: ${id}`,
    ...authLines,
    ...extra,
    ...framing,
  ];
  // Header order is part of the input; keep Host first most of the time like real clients.
  if (rng.chance(0.2)) shuffle(rng, headers);
  const requestLine = version === '' ? `${method} ${path}` : `${method} ${path} ${version}`;
  const head = Buffer.from(`${requestLine}${lineEnd}${headers.join(lineEnd)}${lineEnd}${lineEnd}`, 'utf8');
  const bytes = Buffer.concat([head, payload]);
  const abort = rng.chance(0.03);
  return {
    id,
    bytes: abort ? bytes.subarray(0, rng.int(1, bytes.length)) : bytes,
    method,
    target: path,
    carriesReader: bytes.includes(creds.reader),
    abort,
    fresh: rng.chance(0.03),
    noVersion: version === '',
    label: [pathLabel, authLabel, extraLabel, bodyLabel, version || 'no-version'].filter(Boolean).join(' '),
  };
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Invalid tokens: random base64url strings, a third of them shaped like JWTs. */
export function garbageTokens(rng: Prng, n: number): string[] {
  const chars = (len: number): string => Array.from({ length: len }, () => rng.pick([...B64URL])).join('');
  return Array.from({ length: n }, (_, i) =>
    i % 3 === 0 ? `eyJhbGciOiJSUzI1NiJ9.${chars(rng.int(40, 200))}.${chars(86)}` : chars(rng.int(24, 64)),
  );
}

// Parses YAML (1.1, like go-yaml v2 behind sigs.k8s.io/yaml) or JSON into a small tree that keeps
// what strict decoding needs and plain `toJS()` loses: duplicate keys, source lines, and whether a
// number was written as an integer. Aliases are followed with a bound (no "billion laughs").
import { createRequire } from 'node:module';
import type * as YamlModule from 'yaml';
import type { Document, Node } from 'yaml';
import { joinPath } from '@kubediag/options';

type Yaml = typeof YamlModule;
let yaml: Yaml | undefined;

/**
 * The yaml package, loaded on the first parse: it is ~70 modules, which an operator that never
 * reads a tracing configuration (tracing off) should not pay for at import. Decoding is synchronous,
 * so it is required (yaml is CommonJS under Node) rather than imported.
 */
function loadYaml(): Yaml {
  yaml ??= createRequire(import.meta.url)('yaml') as Yaml;
  return yaml;
}

export type TreeValue =
  | { readonly kind: 'object'; readonly entries: ReadonlyMap<string, TreeEntry>; readonly line: number }
  | { readonly kind: 'array'; readonly items: readonly TreeValue[]; readonly line: number }
  | { readonly kind: 'string'; readonly value: string; readonly line: number }
  | {
      readonly kind: 'number';
      readonly value: number;
      readonly text: string;
      readonly integer: boolean;
      readonly line: number;
    }
  | { readonly kind: 'bool'; readonly line: number }
  | { readonly kind: 'null'; readonly line: number };

export interface TreeEntry {
  readonly value: TreeValue;
  readonly line: number;
}

export interface DuplicateKey {
  /** The key's field path as Kubernetes prints it: `a.b[0].c`. */
  readonly field: string;
  /** The same path in kubediag's syntax (`joinPath`): keys that are not identifiers are quoted. */
  readonly path: string;
  readonly line: number;
}

export type ParseResult =
  | {
      readonly ok: true;
      readonly root: TreeValue;
      readonly duplicates: readonly DuplicateKey[];
      readonly json: boolean;
    }
  | { readonly ok: false; readonly reason: 'empty' }
  | { readonly ok: false; readonly reason: 'malformed'; readonly message: string };

const MAX_ALIAS_RESOLUTIONS = 100;

const YAML_11_OPTIONS = {
  version: '1.1',
  uniqueKeys: false,
  prettyErrors: false,
  // go-yaml v2 reads `1:20` and `2001-12-14` as strings; the yaml package's 1.1 schema would
  // turn them into a number and a Date.
  customTags: (tags: readonly unknown[]) =>
    tags.filter((t) => {
      const tag = t as { format?: string; tag?: string };
      return tag.format !== 'TIME' && tag.tag !== 'tag:yaml.org,2002:timestamp';
    }),
} as const;

// Kubernetes hands `{`-prefixed data to its JSON decoder, where `017` and `yes` are errors.
const JSON_OPTIONS = { version: '1.2', schema: 'json', uniqueKeys: false, prettyErrors: false } as const;

class MalformedError extends Error {}

export function parseTree(text: string): ParseResult {
  const { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments } = loadYaml();
  const json = /^\s*\{/.test(text);
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, {
    ...(json ? JSON_OPTIONS : YAML_11_OPTIONS),
    lineCounter,
  } as never) as unknown;
  const lineOf = (offset: number | undefined): number =>
    offset === undefined ? 0 : lineCounter.linePos(offset).line;
  if (!Array.isArray(docs) || docs.length === 0) return { ok: false, reason: 'empty' };
  const documents = docs as Document.Parsed[];
  for (const doc of documents) {
    const first = doc.errors[0];
    if (first !== undefined) {
      return {
        ok: false,
        reason: 'malformed',
        message: `yaml: line ${lineOf(first.pos[0])}: ${first.message}`,
      };
    }
  }
  if (documents.length > 1) {
    return {
      ok: false,
      reason: 'malformed',
      message: `found ${documents.length} YAML documents; expected exactly one`,
    };
  }
  const doc = documents[0]!;
  if (doc.contents === null) return { ok: false, reason: 'empty' };
  const duplicates: DuplicateKey[] = [];
  let aliases = 0;

  const convert = (node: Node | null, field: string, path: string): TreeValue => {
    if (node === null) return { kind: 'null', line: 0 };
    const line = lineOf(node.range?.[0]);
    if (isAlias(node)) {
      if (++aliases > MAX_ALIAS_RESOLUTIONS)
        throw new MalformedError(`yaml: line ${line}: too many alias resolutions`);
      const target = node.resolve(doc);
      if (target === undefined)
        throw new MalformedError(`yaml: line ${line}: unknown anchor '${node.source}' referenced`);
      return convert(target, field, path);
    }
    if (isMap(node)) {
      const entries = new Map<string, TreeEntry>();
      const merged: TreeValue[] = [];
      for (const pair of node.items) {
        const keyNode = pair.key as Node | null;
        const keyLine = lineOf(keyNode?.range?.[0]);
        if (!isScalar(keyNode))
          throw new MalformedError(`yaml: line ${keyLine}: mapping keys must be scalars`);
        const rawKey: unknown = keyNode.value;
        if (typeof rawKey === 'symbol' || (keyNode.source === '<<' && rawKey === '<<')) {
          // A YAML 1.1 merge key (`<<: *base`), which go-yaml v2 supports too.
          merged.push(convert(pair.value as Node | null, field, path));
          continue;
        }
        const key = typeof rawKey === 'string' ? rawKey : (JSON.stringify(rawKey) ?? 'null');
        const keyField = field === '' ? key : `${field}.${key}`;
        const keyPath = joinPath(path, key);
        const value = convert(pair.value as Node | null, keyField, keyPath);
        if (entries.has(key)) duplicates.push({ field: keyField, path: keyPath, line: keyLine });
        entries.set(key, { value, line: keyLine });
      }
      // Keys written in the mapping win over merged ones; earlier merge sources win over later.
      for (const source of merged) {
        const sources = source.kind === 'array' ? source.items : [source];
        for (const m of sources) {
          if (m.kind !== 'object') {
            throw new MalformedError(
              `yaml: line ${m.line}: map merge requires map or sequence of maps as the value`,
            );
          }
          for (const [key, entry] of m.entries) if (!entries.has(key)) entries.set(key, entry);
        }
      }
      return { kind: 'object', entries, line };
    }
    if (isSeq(node)) {
      return {
        kind: 'array',
        items: node.items.map((item, i) => convert(item as Node | null, `${field}[${i}]`, joinPath(path, i))),
        line,
      };
    }
    if (isScalar(node)) {
      const v: unknown = node.value;
      if (v === null || v === undefined) return { kind: 'null', line };
      if (typeof v === 'boolean') return { kind: 'bool', line };
      if (typeof v === 'number') {
        const range = node.range;
        const literal = range === undefined || range === null ? String(v) : text.slice(range[0], range[1]);
        // JSON keeps the literal (Go's decoder sees `1e3`); YAML goes through a Go float64/int64 first.
        const integer = json ? /^-?(0|[1-9][0-9]*)$/.test(literal) : Number.isInteger(v);
        return { kind: 'number', value: v, text: json ? literal : String(v), integer, line };
      }
      if (typeof v === 'string') return { kind: 'string', value: v, line };
      // !!binary, !!set and friends: no JSON counterpart Kubernetes would accept here.
      return { kind: 'string', value: Object.prototype.toString.call(v), line };
    }
    throw new MalformedError(`yaml: line ${line}: unsupported YAML node`);
  };

  try {
    const root = convert(doc.contents, '', '');
    // `---` alone or `~`: a document with nothing in it.
    if (root.kind === 'null') return { ok: false, reason: 'empty' };
    return { ok: true, root, duplicates, json };
  } catch (err) {
    if (err instanceof MalformedError) return { ok: false, reason: 'malformed', message: err.message };
    throw err;
  }
}

// Strict decoding of a TracingConfiguration document, with kube-apiserver's semantics (apimachinery's
// strict universal decoder over sigs.k8s.io/yaml) and its messages, but reporting every problem at
// once instead of stopping at the first stage that fails.
import { TracingConfigError, TracingConfigInvalidError, TracingErrorCode } from './errors.ts';
import { notSupported, required, withLine } from './internal/field-errors.ts';
import { parseTree, type TreeValue } from './internal/yaml-tree.ts';
import type { TracingConfigProblem } from './problem.ts';
import {
  TRACING_API_VERSIONS,
  TRACING_KIND,
  type TracingApiVersion,
  type TracingConfiguration,
} from './types.ts';
import { validateTracingConfiguration } from './validate.ts';

/** Options of {@link decodeTracingConfiguration}. */
export interface DecodeTracingConfigurationOptions {
  /**
   * Where the data came from, used in error messages (a file path).
   * @default 'input'
   */
  readonly source?: string;
  /**
   * Dotted path of a TracingConfiguration block embedded in a larger configuration (the kubelet's
   * `tracing`). The rest of the document is not checked; an absent or null block means tracing is
   * off and decoding returns `undefined`. Field paths in messages start with this path.
   * @default undefined (the whole document is a TracingConfiguration with apiVersion and kind)
   */
  readonly embeddedAt?: string;
}

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;

// encoding/json's names for JSON kinds: object, array, string, number, bool, null.
function jsonKind(value: TreeValue): string {
  return value.kind;
}

function typeError(goField: string, path: string, value: TreeValue, goType: string): TracingConfigProblem {
  // encoding/json names the literal only when the target is numeric (overflow, fraction).
  const what = value.kind === 'number' && goType === 'int32' ? `number ${value.text}` : jsonKind(value);
  return withLine(
    {
      path,
      type: 'FieldValueTypeInvalid',
      message: `json: cannot unmarshal ${what} into Go struct field ${goField} of type ${goType}`,
    },
    value.line,
  );
}

function join(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}.${name}`;
}

interface BlockResult {
  config: { endpoint?: string; samplingRatePerMillion?: number };
  problems: TracingConfigProblem[];
}

/** Decodes the TracingConfiguration fields of `block`; `goOwner` names the Go struct in type errors. */
function decodeBlock(
  entries: ReadonlyMap<string, { value: TreeValue; line: number }>,
  pathPrefix: string,
  goOwner: string,
  skip: ReadonlySet<string>,
): BlockResult {
  const config: BlockResult['config'] = {};
  const problems: TracingConfigProblem[] = [];
  for (const [key, { value, line }] of entries) {
    if (skip.has(key)) continue;
    const path = join(pathPrefix, key);
    if (key === 'endpoint') {
      if (value.kind === 'string') config.endpoint = value.value;
      else if (value.kind !== 'null') problems.push(typeError(`${goOwner}.${path}`, path, value, 'string'));
    } else if (key === 'samplingRatePerMillion') {
      if (value.kind === 'number' && value.integer && value.value >= INT32_MIN && value.value <= INT32_MAX) {
        config.samplingRatePerMillion = value.value;
      } else if (value.kind !== 'null') {
        problems.push(typeError(`${goOwner}.${path}`, path, value, 'int32'));
      }
    } else {
      problems.push({ path, type: 'FieldValueUnknown', message: `unknown field "${path}"`, line });
    }
  }
  return { config, problems };
}

function checkTypeMeta(
  entries: ReadonlyMap<string, { value: TreeValue; line: number }>,
  rootLine: number,
): { apiVersion?: TracingApiVersion; problems: TracingConfigProblem[] } {
  const problems: TracingConfigProblem[] = [];
  const apiVersion = entries.get('apiVersion');
  const kind = entries.get('kind');
  let version: TracingApiVersion | undefined;
  if (apiVersion === undefined || apiVersion.value.kind === 'null') {
    problems.push(required('apiVersion', `must be one of ${TRACING_API_VERSIONS.join(', ')}`, rootLine));
  } else if (apiVersion.value.kind !== 'string') {
    problems.push(typeError('TracingConfiguration.apiVersion', 'apiVersion', apiVersion.value, 'string'));
  } else if (!(TRACING_API_VERSIONS as readonly string[]).includes(apiVersion.value.value)) {
    problems.push(notSupported('apiVersion', apiVersion.value.value, TRACING_API_VERSIONS, apiVersion.line));
  } else {
    version = apiVersion.value.value as TracingApiVersion;
  }
  if (kind === undefined || kind.value.kind === 'null') {
    problems.push(required('kind', `must be ${TRACING_KIND}`, rootLine));
  } else if (kind.value.kind !== 'string') {
    problems.push(typeError('TracingConfiguration.kind', 'kind', kind.value, 'string'));
  } else if (kind.value.value !== TRACING_KIND) {
    problems.push(notSupported('kind', kind.value.value, [TRACING_KIND], kind.line));
  }
  return version === undefined ? { problems } : { apiVersion: version, problems };
}

function toText(data: string | Uint8Array, source: string): string {
  if (typeof data === 'string') return data.replace(/^\uFEFF/, '');
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(data);
  } catch (err) {
    throw new TracingConfigError(
      TracingErrorCode.MALFORMED,
      `unable to decode tracing configuration data: ${source} is not valid UTF-8`,
      { cause: err },
    );
  }
}

/**
 * Decodes YAML or JSON text into a validated {@link TracingConfiguration}.
 *
 * Strict like kube-apiserver: unknown and duplicate fields, wrong types and out-of-range int32
 * values are errors, YAML is read with 1.1 rules (`yes` is a boolean, `017` is octal). Then
 * component-base's validation runs. All problems are reported together in a
 * {@link TracingConfigInvalidError}.
 *
 * @returns the configuration, or `undefined` for an absent embedded block (tracing off)
 * @throws TracingConfigError `KDIAG_TRACING_CONFIG_EMPTY`, `..._MALFORMED` or `..._INVALID`
 */
export function decodeTracingConfiguration(
  data: string | Uint8Array,
  options: DecodeTracingConfigurationOptions = {},
): TracingConfiguration | undefined {
  const source = options.source ?? 'input';
  const text = toText(data, source);
  const parsed = parseTree(text);
  if (!parsed.ok) {
    if (parsed.reason === 'empty') {
      throw new TracingConfigError(
        TracingErrorCode.EMPTY,
        `tracing config file was empty: ${source} holds no YAML or JSON document; expected a ${TRACING_KIND}`,
      );
    }
    throw new TracingConfigError(
      TracingErrorCode.MALFORMED,
      `unable to decode tracing configuration data: ${source}: ${parsed.message}`,
    );
  }
  const { root } = parsed;
  if (root.kind !== 'object') {
    const target = options.embeddedAt === undefined ? TRACING_KIND : 'a configuration object';
    throw new TracingConfigError(
      TracingErrorCode.MALFORMED,
      `unable to decode tracing configuration data: ${source}: json: cannot unmarshal ${jsonKind(root)} into Go value of type ${target}`,
    );
  }
  const problems: TracingConfigProblem[] = parsed.duplicates.map((d) => ({
    path: d.path,
    type: 'FieldValueDuplicate',
    message: `duplicate field "${d.path}"`,
    line: d.line,
  }));

  let result: TracingConfiguration | undefined;
  if (options.embeddedAt === undefined) {
    const meta = checkTypeMeta(root.entries, root.line);
    // kube-apiserver decodes into TracingConfiguration{TypeMeta; TracingConfiguration `json:",inline"`},
    // hence the doubled name in its type errors.
    const block = decodeBlock(
      root.entries,
      '',
      'TracingConfiguration.TracingConfiguration',
      new Set(['apiVersion', 'kind']),
    );
    problems.push(...sortUnknown(block.problems, parsed.json), ...meta.problems);
    result = {
      ...(meta.apiVersion === undefined ? {} : { apiVersion: meta.apiVersion, kind: TRACING_KIND }),
      ...block.config,
    };
    problems.push(...validateTracingConfiguration(result));
  } else {
    const at = options.embeddedAt;
    const kind = root.entries.get('kind')?.value;
    const owner = kind?.kind === 'string' ? kind.value : 'Object';
    let node: TreeValue | undefined = root;
    for (const segment of at.split('.')) {
      node = node?.kind === 'object' ? node.entries.get(segment)?.value : undefined;
    }
    if (node === undefined || node.kind === 'null') {
      // Duplicates anywhere in the document are still reported: the decoder would refuse the file.
      if (problems.length > 0) throw new TracingConfigInvalidError(source, problems);
      return undefined;
    }
    if (node.kind !== 'object') {
      problems.push(typeError(`${owner}.${at}`, at, node, 'TracingConfiguration'));
    } else {
      const block = decodeBlock(node.entries, at, owner, new Set());
      problems.push(...sortUnknown(block.problems, parsed.json));
      result = block.config;
      problems.push(...validateTracingConfiguration(result, at));
    }
  }
  if (problems.length > 0) throw new TracingConfigInvalidError(source, problems);
  return Object.freeze(result);
}

// For YAML, Kubernetes converts to JSON first (keys sorted), so unknown fields come out sorted.
function sortUnknown(problems: TracingConfigProblem[], json: boolean): TracingConfigProblem[] {
  if (json) return problems;
  const unknown = problems
    .filter((p) => p.type === 'FieldValueUnknown')
    .sort((a, b) => (a.path < b.path ? -1 : 1));
  return [...unknown, ...problems.filter((p) => p.type !== 'FieldValueUnknown')];
}

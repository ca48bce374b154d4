// Strict decoding of a TracingConfiguration document, with kube-apiserver's semantics (apimachinery's
// strict universal decoder over sigs.k8s.io/yaml) and its messages, but reporting every problem at
// once instead of stopping at the first stage that fails.
import { joinPath } from '@kubediag/options';
import { invalidConfiguration, TracingError, TracingErrorCode } from './errors.ts';
import { notSupported, optionPath, required, withLine } from './internal/field-errors.ts';
import { parseTree, type TreeValue } from './internal/yaml-tree.ts';
import { applyDecodeOptions, type DecodeTracingConfigurationOptions } from './options.ts';
import type { TracingConfigProblem } from './problem.ts';
import {
  TRACING_API_VERSIONS,
  TRACING_KIND,
  type TracingApiVersion,
  type TracingConfiguration,
} from './types.ts';
import { validateTracingConfiguration } from './validate.ts';

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;

// encoding/json's names for JSON kinds: object, array, string, number, bool, null.
function jsonKind(value: TreeValue): string {
  return value.kind;
}

/** Where a field is: Kubernetes' dotted path for messages, and kubediag's path for `problem.path`. */
interface Field {
  readonly field: string;
  readonly path: string;
}

function child(parent: Field, key: string): Field {
  return { field: parent.field === '' ? key : `${parent.field}.${key}`, path: joinPath(parent.path, key) };
}

function typeError(goField: string, at: Field, value: TreeValue, goType: string): TracingConfigProblem {
  // encoding/json names the literal only when the target is numeric (overflow, fraction).
  const what = value.kind === 'number' && goType === 'int32' ? `number ${value.text}` : jsonKind(value);
  return withLine(
    {
      path: at.path,
      type: 'FieldValueTypeInvalid',
      message: `json: cannot unmarshal ${what} into Go struct field ${goField} of type ${goType}`,
    },
    value.line,
  );
}

interface BlockResult {
  config: { endpoint?: string; samplingRatePerMillion?: number };
  problems: TracingConfigProblem[];
  /** Kubernetes' field path of each unknown-field problem, the order Kubernetes sorts them in. */
  unknownFields: Map<TracingConfigProblem, string>;
}

/** Decodes the TracingConfiguration fields of `block`; `goOwner` names the Go struct in type errors. */
function decodeBlock(
  entries: ReadonlyMap<string, { value: TreeValue; line: number }>,
  prefix: Field,
  goOwner: string,
  skip: ReadonlySet<string>,
): BlockResult {
  const config: BlockResult['config'] = {};
  const problems: TracingConfigProblem[] = [];
  const unknownFields = new Map<TracingConfigProblem, string>();
  for (const [key, { value, line }] of entries) {
    if (skip.has(key)) continue;
    const at = child(prefix, key);
    if (key === 'endpoint') {
      if (value.kind === 'string') config.endpoint = value.value;
      else if (value.kind !== 'null') problems.push(typeError(`${goOwner}.${at.field}`, at, value, 'string'));
    } else if (key === 'samplingRatePerMillion') {
      if (value.kind === 'number' && value.integer && value.value >= INT32_MIN && value.value <= INT32_MAX) {
        config.samplingRatePerMillion = value.value;
      } else if (value.kind !== 'null') {
        problems.push(typeError(`${goOwner}.${at.field}`, at, value, 'int32'));
      }
    } else {
      const problem: TracingConfigProblem = {
        path: at.path,
        type: 'FieldValueUnknown',
        message: `unknown field "${at.field}"`,
        line,
      };
      problems.push(problem);
      unknownFields.set(problem, at.field);
    }
  }
  return { config, problems, unknownFields };
}

const ROOT: Field = { field: '', path: '' };
const ROOT_APIVERSION = child(ROOT, 'apiVersion');
const ROOT_KIND = child(ROOT, 'kind');

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
    problems.push(typeError('TracingConfiguration.apiVersion', ROOT_APIVERSION, apiVersion.value, 'string'));
  } else if (!(TRACING_API_VERSIONS as readonly string[]).includes(apiVersion.value.value)) {
    problems.push(notSupported('apiVersion', apiVersion.value.value, TRACING_API_VERSIONS, apiVersion.line));
  } else {
    version = apiVersion.value.value as TracingApiVersion;
  }
  if (kind === undefined || kind.value.kind === 'null') {
    problems.push(required('kind', `must be ${TRACING_KIND}`, rootLine));
  } else if (kind.value.kind !== 'string') {
    problems.push(typeError('TracingConfiguration.kind', ROOT_KIND, kind.value, 'string'));
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
    throw new TracingError(
      TracingErrorCode.CONFIG_MALFORMED,
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
 * component-base's validation runs. All problems are reported together in one
 * `KDIAG_TRACING_CONFIG_INVALID` error whose `problems` list them.
 *
 * @returns the configuration, or `undefined` for an absent embedded block (tracing off)
 * @throws TracingError `KDIAG_TRACING_CONFIG_EMPTY`, `..._CONFIG_MALFORMED` or `..._CONFIG_INVALID`;
 *   `KDIAG_TRACING_INVALID_OPTIONS` for invalid options
 */
export function decodeTracingConfiguration(
  data: string | Uint8Array,
  options?: DecodeTracingConfigurationOptions,
): TracingConfiguration | undefined {
  const { source, embeddedAt } = applyDecodeOptions(options);
  const text = toText(data, source);
  const parsed = parseTree(text);
  if (!parsed.ok) {
    if (parsed.reason === 'empty') {
      throw new TracingError(
        TracingErrorCode.CONFIG_EMPTY,
        `tracing config file was empty: ${source} holds no YAML or JSON document; expected a ${TRACING_KIND}`,
      );
    }
    throw new TracingError(
      TracingErrorCode.CONFIG_MALFORMED,
      `unable to decode tracing configuration data: ${source}: ${parsed.message}`,
    );
  }
  const { root } = parsed;
  if (root.kind !== 'object') {
    const target = embeddedAt === undefined ? TRACING_KIND : 'a configuration object';
    throw new TracingError(
      TracingErrorCode.CONFIG_MALFORMED,
      `unable to decode tracing configuration data: ${source}: json: cannot unmarshal ${jsonKind(root)} into Go value of type ${target}`,
    );
  }
  const problems: TracingConfigProblem[] = parsed.duplicates.map((d) => ({
    path: d.path,
    type: 'FieldValueDuplicate',
    message: `duplicate field "${d.field}"`,
    line: d.line,
  }));

  let result: TracingConfiguration | undefined;
  if (embeddedAt === undefined) {
    const meta = checkTypeMeta(root.entries, root.line);
    // kube-apiserver decodes into TracingConfiguration{TypeMeta; TracingConfiguration `json:",inline"`},
    // hence the doubled name in its type errors.
    const block = decodeBlock(
      root.entries,
      ROOT,
      'TracingConfiguration.TracingConfiguration',
      new Set(['apiVersion', 'kind']),
    );
    problems.push(...sortUnknown(block, parsed.json), ...meta.problems);
    result = {
      ...(meta.apiVersion === undefined ? {} : { apiVersion: meta.apiVersion, kind: TRACING_KIND }),
      ...block.config,
    };
    problems.push(...validateTracingConfiguration(result));
  } else {
    const at: Field = { field: embeddedAt, path: optionPath(embeddedAt) };
    const kind = root.entries.get('kind')?.value;
    const owner = kind?.kind === 'string' ? kind.value : 'Object';
    let node: TreeValue | undefined = root;
    for (const segment of embeddedAt.split('.')) {
      node = node?.kind === 'object' ? node.entries.get(segment)?.value : undefined;
    }
    if (node === undefined || node.kind === 'null') {
      // Duplicates anywhere in the document are still reported: the decoder would refuse the file.
      if (problems.length > 0) throw invalidConfiguration(source, problems);
      return undefined;
    }
    if (node.kind !== 'object') {
      problems.push(typeError(`${owner}.${at.field}`, at, node, 'TracingConfiguration'));
    } else {
      const block = decodeBlock(node.entries, at, owner, new Set());
      problems.push(...sortUnknown(block, parsed.json));
      result = block.config;
      problems.push(...validateTracingConfiguration(result, embeddedAt));
    }
  }
  if (problems.length > 0) throw invalidConfiguration(source, problems);
  return Object.freeze(result);
}

// For YAML, Kubernetes converts to JSON first (keys sorted), so unknown fields come out sorted.
function sortUnknown({ problems, unknownFields }: BlockResult, json: boolean): TracingConfigProblem[] {
  if (json) return problems;
  const field = (p: TracingConfigProblem): string => unknownFields.get(p)!;
  const unknown = problems.filter((p) => unknownFields.has(p)).sort((a, b) => (field(a) < field(b) ? -1 : 1));
  return [...unknown, ...problems.filter((p) => !unknownFields.has(p))];
}

// The W3C `tracestate` list, as @opentelemetry/core 2.12's TraceState parses, limits and serializes
// it (ported so that extracting a header does not load @opentelemetry/core; the propagator test
// checks both agree). Members are kept newest first, at most 32 and 512 characters.
import type { TraceState } from '@opentelemetry/api';

const MAX_ITEMS = 32;
const MAX_LENGTH = 512;

const KEY_CHAR = '[_0-9a-z-*/]';
const VALID_KEY = new RegExp(
  `^(?:[a-z]${KEY_CHAR}{0,255}|[a-z0-9]${KEY_CHAR}{0,240}@[a-z]${KEY_CHAR}{0,13})$`,
);
const VALID_VALUE = /^[ -~]{0,255}[!-~]$/;

const validKey = (key: string): boolean => VALID_KEY.test(key);
const validValue = (value: string): boolean => VALID_VALUE.test(value) && !/,|=/.test(value);

/** An immutable `tracestate`; `set` and `unset` return a new one. */
export class W3CTraceState implements TraceState {
  /** Oldest member first: set() appends, serialize() lists the newest first. */
  readonly #members: ReadonlyMap<string, string>;
  readonly #length: number;

  private constructor(members: ReadonlyMap<string, string>, length: number) {
    this.#members = members;
    this.#length = length;
  }

  /** Parses a header value; invalid members are dropped, as are those past the limits. */
  static parse(raw: string): W3CTraceState {
    const members = new Map<string, string>();
    let length = 0;
    for (const part of raw.split(',')) {
      const member = part.trim();
      const eq = member.indexOf('=');
      if (eq === -1) continue;
      const key = member.slice(0, eq);
      const value = member.slice(eq + 1);
      if (!validKey(key) || !validValue(value)) continue;
      const next = length + member.length + (members.size > 0 ? 1 : 0);
      if (next > MAX_LENGTH) continue;
      members.set(key, value);
      length = next;
      if (members.size >= MAX_ITEMS) break;
    }
    return new W3CTraceState(new Map([...members].reverse()), length);
  }

  set(key: string, value: string): W3CTraceState {
    if (!validKey(key) || !validValue(value)) return this;
    const current = this.#members.get(key);
    const length =
      current === undefined
        ? this.#length + key.length + value.length + (this.#members.size > 0 ? 2 : 1)
        : this.#length + value.length - current.length;
    if (length > MAX_LENGTH) return this;
    const members = new Map(this.#members);
    members.delete(key);
    members.set(key, value);
    return new W3CTraceState(members, length);
  }

  unset(key: string): W3CTraceState {
    const current = this.#members.get(key);
    if (current === undefined) return this;
    const separator = this.#members.size > 1 ? 1 : 0;
    const members = new Map(this.#members);
    members.delete(key);
    return new W3CTraceState(members, this.#length - (key.length + current.length + 1) - separator);
  }

  get(key: string): string | undefined {
    return this.#members.get(key);
  }

  serialize(): string {
    return [...this.#members]
      .reverse()
      .map(([key, value]) => `${key}=${value}`)
      .join(',');
  }
}

// Go's strconv.ParseInt(s, 10, 64) / Atoi, which net/http/pprof uses for `seconds`, `debug` and `gc`:
// optional sign, ASCII digits only, no spaces, int64 range.
const INT = /^[+-]?[0-9]+$/;
const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/** Parses like Go's `strconv.ParseInt(s, 10, 64)`; `undefined` where Go returns an error. */
export function parseGoInt(s: string | null | undefined): bigint | undefined {
  if (s === null || s === undefined || !INT.test(s)) return undefined;
  const v = BigInt(s);
  return v > INT64_MAX || v < INT64_MIN ? undefined : v;
}

/** Go's `n, _ := strconv.Atoi(r.FormValue(name))`: 0 when missing or invalid (or out of range). */
export function atoi(s: string | null | undefined): number {
  const v = parseGoInt(s);
  if (v === undefined) return 0;
  return Number(v);
}

/** CPU profile length as Go's `Profile` handler computes it: an integer; invalid, missing or ≤0 means 30. */
export function cpuProfileSeconds(raw: string | null | undefined): bigint {
  const v = parseGoInt(raw);
  return v === undefined || v <= 0n ? 30n : v;
}

/** Result of checking the `seconds` of a non-CPU profile (Go's delta profiles). */
export type DeltaSeconds =
  | { readonly kind: 'none' }
  | { readonly kind: 'delta'; readonly seconds: bigint }
  | { readonly kind: 'error'; readonly message: string };

export const ERR_SECONDS_INVALID = 'invalid value for "seconds" - must be a positive integer';
export const ERR_SECONDS_UNSUPPORTED = '"seconds" parameter is not supported for this profile type';
export const ERR_SECONDS_WITH_DEBUG = 'seconds and debug params are incompatible';

/** Go's `serveDeltaProfile` checks, in Go's order: value, then profile type, then `debug`. */
export function deltaSeconds(raw: string | null, supportsDelta: boolean, debug: number): DeltaSeconds {
  if (raw === null || raw === '') return { kind: 'none' };
  const v = parseGoInt(raw);
  if (v === undefined || v <= 0n) return { kind: 'error', message: ERR_SECONDS_INVALID };
  if (!supportsDelta) return { kind: 'error', message: ERR_SECONDS_UNSUPPORTED };
  if (debug !== 0) return { kind: 'error', message: ERR_SECONDS_WITH_DEBUG };
  return { kind: 'delta', seconds: v };
}

/** The 400 text when `seconds` exceeds the configured maximum (Go has no maximum; kubediag bounds it). */
export function secondsTooLong(max: number): string {
  return `profile duration exceeds the server's maximum of ${max} seconds`;
}

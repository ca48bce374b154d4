// Go's time.ParseDuration units in nanoseconds (µs with the micro sign and with Greek mu, as Go).
const UNIT_NS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1000n,
  µs: 1000n,
  μs: 1000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
const MAX_NS = 2n ** 63n - 1n;

const SYNTAX = /^[-+]?(?:(?:\d+\.?\d*|\.\d+)(?:ns|us|\u00b5s|\u03bcs|ms|s|m|h))+$/;
const PART = /(\d*)(?:\.(\d*))?(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/g;

/**
 * Milliseconds of a Go duration string as `time.ParseDuration` reads it (`500ms`, `1m0s`, `1.5h`,
 * `-2s`, `0`), so that duration flags take what Go's flags take; undefined where Go refuses it
 * (no unit, an unknown unit, more than 2^63-1 ns). Counted in integer nanoseconds as Go does, so
 * `1.1s` is exactly 1100; a fraction of a millisecond stays a fraction for the caller to refuse.
 */
export function parseGoDuration(text: string): number | undefined {
  if (/^[-+]?0$/.test(text)) return 0;
  if (!SYNTAX.test(text)) return undefined;
  let ns = 0n;
  for (const [, whole = '', fraction = '', unit = ''] of text.matchAll(PART)) {
    const scale = UNIT_NS[unit]!;
    ns += BigInt(whole || '0') * scale;
    if (fraction !== '') ns += (BigInt(fraction) * scale) / 10n ** BigInt(fraction.length);
    if (ns > MAX_NS) return undefined;
  }
  const ms = Number(ns) / 1e6;
  return text.startsWith('-') ? -ms : ms;
}

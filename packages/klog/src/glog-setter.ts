import type { VerbosityControl } from './types.ts';
import { goParseInt, goParseUint } from './internal/go-strconv.ts';

/** Result of {@link glogSetter}: the text component-base's GlogSetter would answer (no newline). */
export type GlogSetterResult = { ok: true; message: string } | { ok: false; message: string };

/**
 * Parses a `PUT /debug/flags/v` body exactly like component-base's `logs.GlogSetter` and applies it
 * to `control`. The body is used as-is (no trimming: `"8\n"` is an error, as in Kubernetes):
 * 1. `strconv.ParseUint(body, 10, 32)`; its error text is returned unwrapped
 *    (`strconv.ParseUint: parsing "abc": invalid syntax`, `...: value out of range`);
 * 2. klog's `Level.Set` (`strconv.ParseInt(body, 10, 32)`), whose error is wrapped:
 *    `failed set klog.logging.verbosity <body>: strconv.ParseInt: parsing "<body>": value out of range`;
 * 3. success: `successfully set klog.logging.verbosity to <body>` echoing the raw body (`05`).
 * Pass the raw bytes (a Buffer) to get Go's `\xNN` quoting of invalid UTF-8 in error texts.
 * The HTTP layer adds the trailing newline and the status (200 or 400).
 */
export function glogSetter(control: VerbosityControl, rawBody: string | Uint8Array): GlogSetterResult {
  const u = goParseUint(rawBody, 32);
  if (!u.ok) return { ok: false, message: u.error };
  // Past ParseUint the body is all ASCII digits, so it can be echoed as text.
  const text = typeof rawBody === 'string' ? rawBody : Buffer.from(rawBody).toString('latin1');
  const s = goParseInt(rawBody, 32);
  if (!s.ok) return { ok: false, message: `failed set klog.logging.verbosity ${text}: ${s.error}` };
  control.setVerbosity(s.value);
  return { ok: true, message: `successfully set klog.logging.verbosity to ${text}` };
}

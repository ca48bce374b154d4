import type { ServerResponse } from 'node:http';
import { encodeProfile } from '../encode.ts';
import { serveBinary, serveError, serveText } from '../internal/http-error.ts';
import { ERR_SECONDS_INVALID, parseGoInt } from '../params.ts';
import type { FlightRecorder } from './flight-recorder.ts';
import { renderStallsJson, renderStallsPage } from './stalls-page.ts';

/** The 400 text when `seconds` asks for more than the recorder keeps. */
export function secondsBeyondWindow(windowMs: number): string {
  return `"seconds" exceeds the flight recorder's window of ${Math.floor(windowMs / 1000)} seconds`;
}

/**
 * `flightrecording?seconds=N`: the recorder's last N seconds (the whole window without `seconds`), at
 * once. `seconds` is parsed as Go's pprof handlers do (a positive integer), and cannot exceed the window.
 */
export async function serveFlightRecording(
  recorder: FlightRecorder,
  windowMs: number,
  res: ServerResponse,
  q: URLSearchParams,
): Promise<void> {
  const raw = q.get('seconds');
  let ms = windowMs;
  if (raw !== null && raw !== '') {
    const seconds = parseGoInt(raw);
    if (seconds === undefined || seconds <= 0n) {
      serveError(res, 400, ERR_SECONDS_INVALID);
      return;
    }
    if (seconds * 1000n > BigInt(windowMs)) {
      serveError(res, 400, secondsBeyondWindow(windowMs));
      return;
    }
    ms = Number(seconds) * 1000;
  }
  const { profile } = recorder.recording(ms);
  serveBinary(res, 'flightrecording', await encodeProfile(profile));
}

/** `stalls`: the index of the stall records kept, HTML in the shape of Go's pprof index, or `format=json`. */
export function serveStalls(
  recorder: FlightRecorder,
  prefix: string,
  res: ServerResponse,
  q: URLSearchParams,
): void {
  if (q.get('format') === 'json') {
    serveText(res, renderStallsJson(recorder.stalls), 'application/json');
    return;
  }
  serveText(res, renderStallsPage(recorder.stalls, prefix), 'text/html; charset=utf-8');
}

/** The 404 text of a stall kept without a profile. */
export const STALL_WITHOUT_PROFILE =
  'This stall has no CPU profile: the flight recorder keeps no CPU samples (flightRecorder.cpuSamples is false)';

/** `stalls/<id>`: the stall's CPU profile (gzipped pprof), or 404 `Unknown stall`. */
export function serveStall(recorder: FlightRecorder, id: string, res: ServerResponse): void {
  const record = /^[1-9][0-9]{0,8}$/.test(id) ? recorder.stall(Number(id)) : undefined;
  if (record === undefined) {
    serveError(res, 404, 'Unknown stall');
    return;
  }
  if (record.profile === undefined) {
    serveError(res, 404, STALL_WITHOUT_PROFILE);
    return;
  }
  serveBinary(res, `stall-${record.id}`, record.profile);
}

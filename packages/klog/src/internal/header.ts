// klog's header `Lmmdd hh:mm:ss.uuuuuu PID file:line] ` (internal/buffer FormatHeader): local time,
// zero-padded fields, microseconds, the PID right-aligned in 7 columns. The date/time part changes
// once a second, so it is cached per second; only the microseconds are formatted per line.

function two(n: number): string {
  return n < 10 ? '0' + n : '' + n;
}

const ZEROS = '000000';

/** Formats klog headers for one process. */
export class HeaderFormatter {
  private cachedSecond = Number.NaN;
  private cachedPrefix = '';
  private readonly pidField: string;

  constructor(pid: number) {
    // nDigits(7, ..., pid, ' '): right-aligned, space-padded, at most 7 digits kept.
    this.pidField = ' ' + String(pid).padStart(7, ' ').slice(-7) + ' ';
  }

  /** `severity` is one of I, W, E, F; `location` is `file:line`. */
  format(severity: string, epochMs: number, location: string): string {
    const second = Math.floor(epochMs / 1000);
    if (second !== this.cachedSecond) {
      const d = new Date(second * 1000);
      this.cachedPrefix =
        two(d.getMonth() + 1) +
        two(d.getDate()) +
        ' ' +
        two(d.getHours()) +
        ':' +
        two(d.getMinutes()) +
        ':' +
        two(d.getSeconds()) +
        '.';
      this.cachedSecond = second;
    }
    let us = Math.floor((epochMs - second * 1000) * 1000);
    if (us > 999999) us = 999999;
    else if (us < 0) us = 0;
    const usText = '' + us;
    return (
      severity + this.cachedPrefix + ZEROS.slice(usText.length) + usText + this.pidField + location + '] '
    );
  }
}

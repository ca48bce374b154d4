import { escapeHtml } from '../index-page.ts';
import { formatStallDuration, formatStallTop, type StallRecord } from './stall-record.ts';

/**
 * The stalls index as JSON: oldest first, each with the path of its profile (relative to the index)
 * when it has one.
 */
export function renderStallsJson(records: readonly StallRecord[]): string {
  return `${JSON.stringify(
    records.map((r) => ({
      id: r.id,
      startedAt: new Date(r.startedAt).toISOString(),
      durationMs: r.durationMs,
      samples: r.samples,
      top: r.top.map((f) => ({
        name: f.name,
        file: f.file,
        line: f.line,
        share: Number(f.share.toFixed(4)),
      })),
      ...(r.scheduling === undefined ? {} : { scheduling: r.scheduling }),
      ...(r.profile === undefined ? {} : { profile: `stalls/${r.id}` }),
    })),
    null,
    2,
  )}\n`;
}

/** The stalls index in the shape of Go's pprof index: one row per stall, linking its profile. */
export function renderStallsPage(records: readonly StallRecord[], prefix: string): string {
  const rows = [...records]
    .reverse()
    .map(
      (r) =>
        `<tr><td>${r.profile === undefined ? r.id : `<a href='stalls/${r.id}'>${r.id}</a>`}</td>` +
        `<td>${new Date(r.startedAt).toISOString()}</td>` +
        `<td>${formatStallDuration(r.durationMs)}</td><td>${spent(r)}</td><td>${r.samples}</td>` +
        `<td>${escapeHtml(formatStallTop(r.top, 1))}</td></tr>\n`,
    )
    .join('');
  const title = `${escapeHtml(prefix)}stalls`;
  return `<html>
<head>
<title>${title}</title>
</head>
<body>
${title}
<br>
<p>Event loop stalls seen by the flight recorder, newest first. Each links its CPU profile (gzipped pprof, for go tool pprof) when the recorder keeps CPU samples. Add format=json as a query parameter for JSON.</p>
<table>
<thead><td>Stall</td><td>Started</td><td>Blocked for</td><td>On a CPU / waiting for one / throttled</td><td>Samples</td><td>Top frame</td></thead>
${rows}</table>
${records.length === 0 ? '<p>No stall recorded.</p>\n' : ''}</body>
</html>`;
}

/** `120ms / 690ms / 650ms`: how the thread spent the stall; `-` for a figure the kernel did not give. */
function spent(r: StallRecord): string {
  const s = r.scheduling;
  if (s === undefined) return '-';
  const throttled = s.throttledMs === undefined ? '-' : formatStallDuration(s.throttledMs);
  return `${formatStallDuration(s.onCpuMs)} / ${formatStallDuration(s.waitingMs)} / ${throttled}`;
}

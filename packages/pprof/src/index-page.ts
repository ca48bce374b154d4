/** One row of the `/debug/pprof/` index. */
export interface IndexEntry {
  readonly name: string;
  readonly count: number;
  readonly description: string;
}

// Go's wording where the meaning carries over; Node-specific where it does not.
export const PROFILE_DESCRIPTIONS: Readonly<Record<string, string>> = Object.freeze({
  allocs:
    'A sampling of memory allocations of live objects (V8 keeps samples of live objects only, so this is the same data as heap).',
  cmdline: 'The command line invocation of the current program',
  goroutine:
    'JavaScript stacks of the main thread and worker threads, and the asynchronous operations (libuv handles and requests) that keep the event loop alive. Use debug=2 as a query parameter for a full dump.',
  heap: 'A sampling of memory allocations of live objects. You can specify the gc GET parameter to run GC before taking the heap sample.',
  profile:
    'CPU profile. You can specify the duration in the seconds GET parameter. After you get the profile file, use the go tool pprof command to investigate the profile.',
});

/** The flight recorder's entries, listed while it runs: `flightrecording` only while it samples. */
export const RECORDER_DESCRIPTIONS: Readonly<Record<string, string>> = Object.freeze({
  flightrecording:
    "CPU profile of the last seconds, kept by the flight recorder and served at once. You can specify the duration in the seconds GET parameter, up to the recorder's window.",
  stalls:
    'Event loop stalls the flight recorder saw, each with the CPU profile of the time the loop was blocked. Use format=json as a query parameter for JSON.',
});

/** The stalls entry of a recorder that keeps no CPU samples. */
export const UNSAMPLED_STALLS_DESCRIPTION =
  'Event loop stalls the flight recorder saw, each with how long the loop was blocked and how the thread spent that time (no CPU samples are kept). Use format=json as a query parameter for JSON.';

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The index page in the shape of Go's: a sorted count/profile table with `?debug=1` links, then descriptions. */
export function renderIndexPage(entries: readonly IndexEntry[]): string {
  const sorted = [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const rows = sorted
    .map(
      (e) =>
        `<tr><td>${e.count}</td><td><a href='${encodeURIComponent(e.name)}?debug=1'>${escapeHtml(e.name)}</a></td></tr>\n`,
    )
    .join('');
  const descriptions = sorted
    .map(
      (e) => `<li><div class=profile-name>${escapeHtml(e.name)}: </div> ${escapeHtml(e.description)}</li>\n`,
    )
    .join('');
  return `<html>
<head>
<title>/debug/pprof/</title>
<style>
.profile-name{
	display:inline-block;
	width:6rem;
}
</style>
</head>
<body>
/debug/pprof/
<br>
<p>Set debug=1 as a query parameter to export in legacy text format</p>
<br>
Types of profiles available:
<table>
<thead><td>Count</td><td>Profile</td></thead>
${rows}</table>
<a href="goroutine?debug=2">full goroutine stack dump</a>
<br>
<p>
Profile Descriptions:
<ul>
${descriptions}</ul>
</p>
</body>
</html>`;
}

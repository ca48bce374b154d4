// Renders a flame graph SVG from a pprof file (gzipped or not), for docs/assets. Usage:
//   node --conditions=@kubediag/source --import tsx bench/flamegraph.ts profile.pb.gz out.svg [title]
// The picture in docs/profiling.md is made from a profile our own handler served.
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { readSamples } from '../src/internal/profile-reader.ts';

interface Node {
  name: string;
  value: number;
  children: Map<string, Node>;
}

const [input, output, title = 'CPU profile'] = process.argv.slice(2);
if (!input || !output) throw new Error('usage: flamegraph.ts <profile.pb.gz> <out.svg> [title]');
const raw = readFileSync(input);
const profile = Profile.decode(raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw);

const root: Node = { name: 'all', value: 0, children: new Map() };
for (const s of readSamples(profile)) {
  const v = s.values[s.values.length - 1] ?? 0;
  root.value += v;
  let node = root;
  for (const f of [...s.frames].reverse()) {
    // One box per function (not per line) keeps the graph readable; `go tool pprof -lines` has the lines.
    const short = f.file === '' ? f.name : `${f.name} (${f.file.split('/').slice(-1)[0]})`;
    let child = node.children.get(short);
    if (!child) node.children.set(short, (child = { name: short, value: 0, children: new Map() }));
    child.value += v;
    node = child;
  }
}

const WIDTH = 1200;
const ROW = 18;
let depthMax = 0;
const rects: string[] = [];
const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
function color(name: string): string {
  let h = 0;
  for (const ch of name) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return `hsl(${20 + (h % 40)}, ${70 + (h % 20)}%, ${55 + (h % 15)}%)`;
}
function draw(node: Node, x: number, depth: number): void {
  const w = (node.value / root.value) * (WIDTH - 20);
  if (w < 0.5) return;
  depthMax = Math.max(depthMax, depth);
  rects.push(
    `<g><title>${esc(node.name)} (${((node.value / root.value) * 100).toFixed(1)}%)</title>` +
      `<rect x="${(x + 10).toFixed(1)}" y="{Y${depth}}" width="${w.toFixed(1)}" height="${ROW - 1}" fill="${color(node.name)}" rx="2"/>` +
      (w > 40
        ? `<text x="${(x + 13).toFixed(1)}" y="{T${depth}}" font-size="11" font-family="monospace">${esc(node.name.slice(0, Math.floor(w / 6.8)))}</text>`
        : '') +
      '</g>',
  );
  let cx = x;
  for (const child of [...node.children.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    draw(child, cx, depth + 1);
    cx += (child.value / root.value) * (WIDTH - 20);
  }
}
draw(root, 0, 0);
const height = (depthMax + 1) * ROW + 50;
// Flame graph orientation: root at the bottom.
const body = rects
  .join('\n')
  .replace(/\{Y(\d+)\}/g, (_, d: string) => String(height - 20 - (Number(d) + 1) * ROW))
  .replace(/\{T(\d+)\}/g, (_, d: string) => String(height - 20 - (Number(d) + 1) * ROW + 12));
writeFileSync(
  output,
  `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}">
<rect width="100%" height="100%" fill="#fdfdf6"/>
<text x="${WIDTH / 2}" y="20" font-size="15" font-family="sans-serif" text-anchor="middle">${esc(title)}</text>
${body}
</svg>
`,
);

import { getHeapStatistics } from 'node:v8';
import type { Profile } from 'pprof-format';
import { readSamples, sampleTypeNames } from './internal/profile-reader.ts';

/**
 * `debug=1` text for heap/allocs, in the layout of Go's legacy heap text: a header with totals, one record per
 * stack (`objects: bytes @` then `#\tfunction file:line` frames, biggest first), then the runtime's memory
 * statistics (Go prints runtime.MemStats; here process.memoryUsage and V8 heap statistics).
 */
export function renderHeapText(profile: Profile): string {
  const samples = readSamples(profile).sort((a, b) => (b.values[1] ?? 0) - (a.values[1] ?? 0));
  const objects = samples.reduce((n, s) => n + (s.values[0] ?? 0), 0);
  const bytes = samples.reduce((n, s) => n + (s.values[1] ?? 0), 0);
  const rate = Number(profile.period);
  const out = [`heap profile: ${objects}: ${bytes} [${objects}: ${bytes}] @ heap/${rate * 2}`];
  out.push(`# sample types: ${sampleTypeNames(profile).join(', ')}; sampling interval ${rate} bytes`);
  for (const s of samples) {
    out.push(`${s.values[0] ?? 0}: ${s.values[1] ?? 0} [${s.values[0] ?? 0}: ${s.values[1] ?? 0}] @`);
    for (const f of s.frames) out.push(`#\t${f.name}\t${f.file === '' ? '(native)' : `${f.file}:${f.line}`}`);
    out.push('');
  }
  const m = process.memoryUsage();
  const h = getHeapStatistics();
  out.push(
    '# process.memoryUsage',
    `# RSS = ${m.rss}`,
    `# HeapTotal = ${m.heapTotal}`,
    `# HeapUsed = ${m.heapUsed}`,
    `# External = ${m.external}`,
    `# ArrayBuffers = ${m.arrayBuffers}`,
    '# v8.getHeapStatistics',
    `# TotalHeapSize = ${h.total_heap_size}`,
    `# UsedHeapSize = ${h.used_heap_size}`,
    `# HeapSizeLimit = ${h.heap_size_limit}`,
    `# MallocedMemory = ${h.malloced_memory}`,
    `# NumberOfNativeContexts = ${h.number_of_native_contexts}`,
    `# NumberOfDetachedContexts = ${h.number_of_detached_contexts}`,
  );
  return `${out.join('\n')}\n`;
}

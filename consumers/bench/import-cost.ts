// What importing kubediag costs an operator, measured as operators run it: the packed packages in a
// fresh npm project, whole processes, alternating pairs in one run. The anchor is what every
// client-node operator with metrics imports anyway: @kubernetes/client-node and prom-client.
//   node --import tsx consumers/bench/import-cost.ts [runs]      (default 20 pairs)
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createConsumerProject } from '../support/consumer-project.ts';
import { packWorkspace } from '../support/pack.ts';

const runs = Number(process.argv[2] ?? 20);
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
const clientNode = major > 22 || (major === 22 && minor >= 19) ? 'latest' : '^1.4.0';
const project = await createConsumerProject(await packWorkspace(), { clientNode });

// Each child prints its own CPU time at the end; the parent times the whole process.
const report = `process.stdout.write(JSON.stringify(process.cpuUsage()))`;
const programs = {
  anchor: `await import('@kubernetes/client-node'); await import('prom-client'); ${report}`,
  kubediag: `await import('@kubernetes/client-node'); await import('prom-client'); await import('@kubediag/diagnostics'); ${report}`,
  kubediagAlone: `await import('@kubediag/diagnostics'); ${report}`,
};
for (const [name, source] of Object.entries(programs))
  writeFileSync(join(project.dir, `${name}.mjs`), source);

interface Sample {
  readonly wallMs: number;
  readonly cpuMs: number;
}

function once(name: string): Sample {
  const start = process.hrtime.bigint();
  const out = spawnSync(process.execPath, [join(project.dir, `${name}.mjs`)], {
    cwd: project.dir,
    encoding: 'utf8',
  });
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  if (out.status !== 0) throw new Error(`${name} failed: ${out.stderr}`);
  const cpu = JSON.parse(out.stdout) as { user: number; system: number };
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

for (const name of Object.keys(programs)) once(name); // warm the file cache
const samples: Record<string, Sample[]> = { anchor: [], kubediag: [], kubediagAlone: [] };
for (let i = 0; i < runs; i++) for (const name of Object.keys(programs)) samples[name]!.push(once(name));

const pairs = (field: keyof Sample) =>
  samples['kubediag']!.map((s, i) => s[field] / samples['anchor']![i]![field]);
console.log(
  `node ${process.version}, @kubernetes/client-node ${project.versions['@kubernetes/client-node']}, ${runs} alternating runs`,
);
for (const [name, list] of Object.entries(samples))
  console.log(
    `${name.padEnd(14)} wall ${median(list.map((s) => s.wallMs)).toFixed(0)} ms, CPU ${median(list.map((s) => s.cpuMs)).toFixed(0)} ms`,
  );
console.log(
  `kubediag/anchor, median of pairs: wall ${median(pairs('wallMs')).toFixed(3)}x, CPU ${median(pairs('cpuMs')).toFixed(3)}x`,
);

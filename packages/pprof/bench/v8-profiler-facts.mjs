// The measurements behind the flight recorder's design (bench/RESULTS.md, "V8 profiler facts"). Plain
// JavaScript against node:inspector, nothing of this package, so that it measures V8 and Node only.
// Run with each Node line: node bench/v8-profiler-facts.mjs [clock|rotation|running|rss]...
// (no argument: all). `rotation` runs each case in a fresh process (this file, with `--case`).
import { spawnSync } from 'node:child_process';
import { Session, console as inspectorConsole } from 'node:inspector';
import { createRequire } from 'node:module';
import { setImmediate as tick, setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);
const require = createRequire(import.meta.url);

function session(intervalMicros) {
  const s = new Session();
  s.connect();
  // The in-process session answers before post returns.
  const post = (method, params) => {
    let result;
    let error;
    s.post(method, params, (err, res) => {
      error = err;
      result = res;
    });
    if (error) throw error;
    return result;
  };
  let finished;
  s.on('Profiler.consoleProfileFinished', (m) => (finished = m.params.profile));
  post('Profiler.enable');
  post('Profiler.setSamplingInterval', { interval: intervalMicros });
  return { post, finished: () => finished };
}

/** Samples with their absolute timestamps (µs) and whether `name` is on their stack. */
function samplesOf(profile, name) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  let t = profile.startTime;
  return profile.samples.map((id, k) => {
    t += profile.timeDeltas[k];
    let on = false;
    for (let p = id; p !== undefined; p = parent.get(p))
      if (nodes.get(p).callFrame.functionName === name) on = true;
    const leaf = nodes.get(id).callFrame;
    return { us: t, on, leaf: `${leaf.functionName || '(anonymous)'}:${leaf.lineNumber}` };
  });
}

const hrUs = () => Number(process.hrtime.bigint() / 1000n);
function spin(ms) {
  const end = Date.now() + ms;
  let acc = 0;
  while (Date.now() < end) for (let i = 0; i < 100_000; i++) acc += Math.sqrt(i);
  return acc;
}
function markedLoop(ms) {
  const end = Date.now() + ms;
  let acc = 0;
  while (Date.now() < end) for (let i = 0; i < 100_000; i++) acc += Math.cbrt(i);
  return acc;
}

// (a) Which clock are sample timestamps on? Samples whose timestamp falls in [t0, t1) of
// process.hrtime.bigint()/1000 around a marked loop must be exactly the loop's samples.
function clock() {
  const { post } = session(1000);
  post('Profiler.start');
  spin(100);
  const t0 = hrUs();
  markedLoop(200);
  const t1 = hrUs();
  spin(100);
  const { profile } = post('Profiler.stop');
  const samples = samplesOf(profile, 'markedLoop');
  const inside = samples.filter((s) => s.us >= t0 && s.us < t1);
  const outside = samples.filter((s) => s.us < t0 || s.us >= t1);
  console.log(
    `${process.version} clock: ${inside.filter((s) => s.on).length} of ${inside.length} samples timed inside the loop (hrtime) have it on the stack; ${outside.filter((s) => s.on).length} of ${outside.length} outside do. ` +
      `startTime - hrtime/1000 at Profiler.start's return: ${(profile.startTime - t0).toFixed(0)} µs before the loop; ` +
      `performance.now() is hrtime minus ${(hrUs() - performance.now() * 1000).toFixed(0)} µs (timeOrigin ${performance.timeOrigin.toFixed(0)} is epoch ms)`,
  );
}

// (b) Main-thread cost of one rotation, one case per process:
// --case <restart|chain> <intervalMicros> <idle|reconcile|busy>. `restart`: Profiler.stop then
// Profiler.start on one session; `chain`: the next console profile started, then the previous stopped.
// All cases load typescript (a large code space, as an operator with client-node has); `reconcile` runs
// test/fixtures/reconcile-workload.mjs, `busy` transpiles in a loop (thousands of distinct stacks).
async function rotationCase(strategy, intervalMicros, mode) {
  const ts = require('typescript');
  let stop = false;
  if (mode === 'busy') {
    const src = 'export function f(a: number): number { return a * 2; }\n'.repeat(200);
    void (async () => {
      while (!stop) {
        const end = performance.now() + 20;
        while (performance.now() < end) ts.transpileModule(src, { compilerOptions: { module: 99 } });
        await tick();
      }
    })();
  }
  if (mode === 'reconcile') (await import('../test/fixtures/reconcile-workload.mjs')).startBusyWork();
  const { post, finished } = session(intervalMicros);
  await sleep(2000);
  let title = 0;
  if (strategy === 'chain') inspectorConsole.profile(`c${title}`);
  else post('Profiler.start');
  const rows = [];
  for (const [chunkMs, n] of [
    [1000, 4],
    [5000, 2],
    [10000, 2],
  ]) {
    const r = { chunkMs, stop: [], start: [], nodes: [] };
    for (let i = 0; i < n; i++) {
      await sleep(chunkMs);
      let profile;
      let a, b, c, d;
      if (strategy === 'restart') {
        a = performance.now();
        ({ profile } = post('Profiler.stop'));
        b = performance.now();
        post('Profiler.start');
        c = performance.now();
        d = c;
      } else {
        c = performance.now();
        inspectorConsole.profile(`c${title + 1}`);
        d = performance.now();
        a = performance.now();
        inspectorConsole.profileEnd(`c${title}`);
        b = performance.now();
        title++;
        profile = finished();
      }
      r.stop.push(b - a);
      r.start.push(strategy === 'restart' ? c - b : d - c);
      r.nodes.push(profile.nodes.length);
    }
    rows.push(r);
  }
  stop = true;
  const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  for (const r of rows)
    console.log(
      `${process.version}\t${strategy}\t${intervalMicros / 1000} ms\t${mode}\t${r.chunkMs / 1000} s chunks\tstop ${median(r.stop).toFixed(2)} ms\tstart ${median(r.start).toFixed(2)} ms\tnodes ${median(r.nodes)}`,
    );
  process.exit(0);
}

function rotation() {
  for (const strategy of ['restart', 'chain'])
    for (const interval of ['10000', '20000'])
      for (const mode of ['idle', 'reconcile', 'busy'])
        spawnSync(process.execPath, [self, '--case', strategy, interval, mode], { stdio: 'inherit' });
}

// (d) A profile that runs when a 2 s synchronous loop starts has the loop's stacks. And the caveat:
// a loop V8 compiled (on-stack replacement) while another profiler ran is unknown to the next one.
async function running() {
  const { post, finished } = session(20_000);
  for (const how of ['Profiler.start', 'console profile chain', 'Profiler.start again']) {
    if (how === 'console profile chain') inspectorConsole.profile('d0');
    else post('Profiler.start');
    await sleep(300);
    const t0 = hrUs();
    markedLoop(2000);
    const t1 = hrUs();
    let profile;
    if (how === 'console profile chain') {
      inspectorConsole.profileEnd('d0');
      profile = finished();
    } else ({ profile } = post('Profiler.stop'));
    const during = samplesOf(profile, 'markedLoop').filter((s) => s.us >= t0 && s.us < t1);
    const leaves = new Map();
    for (const s of during) leaves.set(s.leaf, (leaves.get(s.leaf) ?? 0) + 1);
    console.log(
      `${process.version} running (${how}): ${during.filter((s) => s.on).length} of ${during.length} samples during the 2 s loop have it on the stack; leaves ${JSON.stringify([...leaves])}`,
    );
  }
}

// V8's profiler's own memory: RSS before and after the first profile starts, idle, typescript loaded.
async function rss() {
  require('typescript').transpileModule('let x: number = 1', {});
  const settle = async () => {
    await sleep(1000);
    return process.memoryUsage.rss();
  };
  const before = await settle();
  session(20_000);
  inspectorConsole.profile('rss');
  const after = await settle();
  await sleep(5000);
  const later = await settle();
  const mib = (b) => (b / 1048576).toFixed(1);
  console.log(
    `${process.version} profiler RSS: ${mib(before)} MiB -> ${mib(after)} MiB when it starts (+${mib(after - before)}), ${mib(later)} MiB 5 s later`,
  );
}

// Each measurement in a process of its own: a profiler that ran before changes what V8 knows.
const all = { clock, rotation, running, rss };
const args = process.argv.slice(2);
if (args[0] === '--case') await rotationCase(args[1], Number(args[2]), args[3]);
else if (args[0] === '--only') await all[args[1]]();
else
  for (const name of args.length > 0 ? args : Object.keys(all))
    spawnSync(process.execPath, [self, '--only', name], { stdio: 'inherit' });

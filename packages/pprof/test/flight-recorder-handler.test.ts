import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createPprofHandler,
  isPprofError,
  PprofErrorCode,
  type PprofLogger,
  type PprofOptions,
  type StallRecord,
} from '@kubediag/pprof';
import { STALL_WITHOUT_PROFILE } from '../src/flight-recorder/serve.ts';
import { readSamples } from '../src/internal/profile-reader.ts';
import { blockingFile, blockingFunction } from './support/blocking.ts';
import { FakeBackend } from './support/fake-backend.ts';
import { get, serve, type Running } from './support/helpers.ts';

const running: Running[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
});

async function start(options: PprofOptions = {}) {
  const handler = createPprofHandler({ heap: { startOnCreate: false }, ...options });
  await handler.ready();
  const r = await serve(handler);
  running.push(r);
  return { ...r, handler };
}

const recorderOn = (extra: NonNullable<PprofOptions['flightRecorder']> = {}): PprofOptions => ({
  flightRecorder: { enabled: true, ...extra },
});

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(cond()).toBe(true);
}

function expectGoError(reply: Awaited<ReturnType<typeof get>>, status: number, text: string): void {
  expect(reply.status).toBe(status);
  expect(reply.body.toString()).toBe(`${text}\n`);
  expect(reply.headers['x-go-pprof']).toBe('1');
}

const decode = (body: Buffer): Profile => Profile.decode(gunzipSync(body));
const comments = (p: Profile): string[] => p.comment.map((i) => String(p.stringTable.strings[Number(i)]));

/** A logger that records its lines; `warning` only when asked, as a logger without one. */
function recordingLogger(withWarning: boolean) {
  const lines: { level: string; msg: string; kv: Readonly<Record<string, unknown>> | undefined }[] = [];
  const logger: PprofLogger = {
    error: (_err, msg, kv) => lines.push({ level: 'E', msg, kv }),
    V: (level) => ({
      enabled: level <= 0,
      info: (msg, kv) => {
        if (level <= 0) lines.push({ level: `V${level}`, msg, kv });
      },
    }),
    ...(withWarning && { warning: (msg, kv) => lines.push({ level: 'W', msg, kv }) }),
  };
  return { logger, lines };
}

const blockEventLoop = blockingFunction('blockEventLoop');

describe('unit: flight recorder endpoints', () => {
  it('with the recorder off, flightrecording and stalls are unknown profiles and the index does not list them', async () => {
    const { base, handler } = await start();
    expect(handler.flightRecorder).toBeUndefined();
    for (const name of ['flightrecording', 'stalls', 'stalls/1'])
      expectGoError(await get(`${base}/debug/pprof/${name}`), 404, 'Unknown profile');
    expect((await get(`${base}/debug/pprof/`)).body.toString()).not.toMatch(/flightrecording|stalls/);
  });

  it('lists flightrecording and stalls on the index while the recorder runs', async () => {
    const { base } = await start(recorderOn());
    const html = (await get(`${base}/debug/pprof/`)).body.toString();
    const names = [...html.matchAll(/<td><a href='(\w+)\?debug=1'>(\w+)<\/a><\/td>/g)].map((m) => m[2]);
    expect(names).toEqual(['allocs', 'cmdline', 'flightrecording', 'goroutine', 'heap', 'profile', 'stalls']);
    expect(html).toContain('<div class=profile-name>stalls: </div> Event loop stalls');
  });

  it("serves the recorder's last seconds at once, with the recorder's period, and Go's 400 texts", async () => {
    const { base, handler } = await start(recorderOn({ samplingIntervalMicros: 5_000, windowMs: 30_000 }));
    blockEventLoop(50);
    const reply = await get(`${base}/debug/pprof/flightrecording?seconds=5`);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-disposition']).toBe('attachment; filename="flightrecording"');
    const profile = decode(reply.body);
    expect(Number(profile.period)).toBe(5_000_000);
    expect(comments(profile)[0]).toMatch(/^flight recording: last 5000 ms requested, \d+ ms held/);
    expect(readSamples(profile).some((s) => s.frames.some((f) => f.name === 'blockEventLoop'))).toBe(true);
    expect(handler.flightRecorder?.chunks).toBeGreaterThan(0);
    const whole = await get(`${base}/debug/pprof/flightrecording`);
    expect(comments(decode(whole.body))[0]).toMatch(/^flight recording: last 30000 ms requested/);
    const bad = 'invalid value for "seconds" - must be a positive integer';
    for (const s of ['0', '-2', '1.5', 'x'])
      expectGoError(await get(`${base}/debug/pprof/flightrecording?seconds=${s}`), 400, bad);
    expectGoError(
      await get(`${base}/debug/pprof/flightrecording?seconds=31`),
      400,
      `"seconds" exceeds the flight recorder's window of 30 seconds`,
    );
  });

  it('cuts /debug/pprof/profile from the recorder: its period, no backend profile, still one at a time', async () => {
    const backend = new FakeBackend();
    const { base } = await start({ backend, ...recorderOn() });
    const first = get(`${base}/debug/pprof/profile?seconds=1`);
    await new Promise((r) => setTimeout(r, 100));
    expectGoError(
      await get(`${base}/debug/pprof/profile?seconds=1`),
      500,
      'Could not enable CPU profiling: cpu profiling already in use',
    );
    blockingFunction('blockInProfile')(300);
    const reply = await first;
    expect(reply.status).toBe(200);
    const profile = decode(reply.body);
    expect(Number(profile.period)).toBe(20_000_000);
    expect(comments(profile)).toEqual(['cut from the flight recorder: one sample every 20000 us']);
    expect(readSamples(profile).some((s) => s.frames.some((f) => f.name === 'blockInProfile'))).toBe(true);
    expect(backend.requests).toEqual([]);
  });

  // The machine is shared: another gap over a threshold can happen during a test, so each test looks
  // at the stalls its own blocking function caused.
  it('a blocked event loop: one warning naming the function, one onStall, a stall profile and index entry', async () => {
    const stalls: StallRecord[] = [];
    const { logger, lines } = recordingLogger(true);
    const { base, handler } = await start({
      logger,
      ...recorderOn({ stalls: { thresholdMs: 400, onStall: (r) => stalls.push(r) } }),
    });
    const mine = () => stalls.filter((r) => r.top[0]?.name === 'blockInStall');
    blockingFunction('blockInStall')(1000);
    await until(() => mine().length > 0);
    const record = mine()[0]!;
    const warnings = lines.filter((l) => l.level === 'W' && String(l.kv?.['top']).startsWith('blockInStall'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.msg).toBe('Event loop was blocked');
    expect(warnings[0]?.kv).toMatchObject({ profile: `/debug/pprof/stalls/${record.id}` });
    expect(String(warnings[0]?.kv?.['top'])).toMatch(
      new RegExp(`^blockInStall \\(${blockingFile('blockInStall')}:4\\) \\d+%`),
    );
    expect(String(warnings[0]?.kv?.['duration'])).toMatch(/^\d+\.\ds$/);
    if (process.platform === 'linux') {
      // How the thread spent the stall, from the kernel: it cannot have been on a CPU and waiting for
      // one for longer than the stall (plus a scheduler tick of lag in the CPU figure).
      const spent = record.scheduling!;
      expect(spent.onCpuMs).toBeGreaterThan(0);
      expect(spent.onCpuMs + spent.waitingMs).toBeLessThanOrEqual(record.durationMs + 20);
      expect(warnings[0]?.kv).toMatchObject({
        onCPU: expect.stringMatching(/^\d+(ms|\.\ds)$/) as unknown,
        waitingForCPU: expect.stringMatching(/^\d+(ms|\.\ds)$/) as unknown,
      });
    }
    await new Promise((r) => setTimeout(r, 300)); // more beats: still one stall
    expect(mine()).toHaveLength(1);
    expect(record.durationMs).toBeGreaterThanOrEqual(1000);
    expect(handler.flightRecorder?.stalls).toContain(record);
    expect(handler.flightRecorder?.stallBytes).toBeGreaterThan(record.profile!.length);

    const served = await get(`${base}/debug/pprof/stalls/${record.id}`);
    expect(served.status).toBe(200);
    expect(served.headers['content-disposition']).toBe(`attachment; filename="stall-${record.id}"`);
    expect(served.body.equals(record.profile!)).toBe(true);
    const samples = readSamples(decode(served.body));
    expect(samples.some((s) => s.frames[0]?.name === 'blockInStall')).toBe(true);

    const json = JSON.parse(
      (await get(`${base}/debug/pprof/stalls?format=json`)).body.toString(),
    ) as unknown[];
    expect(json).toContainEqual(
      expect.objectContaining({
        id: record.id,
        durationMs: record.durationMs,
        ...(record.scheduling === undefined ? {} : { scheduling: record.scheduling }),
        profile: `stalls/${record.id}`,
      }),
    );
    const html = await get(`${base}/debug/pprof/stalls`);
    expect(html.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(html.body.toString()).toContain(`<tr><td><a href='stalls/${record.id}'>${record.id}</a></td>`);
    expect(html.body.toString()).toContain(`blockInStall (${blockingFile('blockInStall')}:4)`);
    for (const id of [String(record.id + 1000), '0', 'x', `0${record.id}`])
      expectGoError(await get(`${base}/debug/pprof/stalls/${id}`), 404, 'Unknown stall');
  });

  it('writes the stall line with V(0).info when the logger has no warning()', async () => {
    const { logger, lines } = recordingLogger(false);
    const stalls: StallRecord[] = [];
    await start({ logger, ...recorderOn({ stalls: { thresholdMs: 300, onStall: (r) => stalls.push(r) } }) });
    blockEventLoop(600);
    await until(() => stalls.length > 0);
    const levels = lines.filter((l) => l.msg === 'Event loop was blocked').map((l) => l.level);
    expect(levels.length).toBeGreaterThan(0);
    expect(new Set(levels)).toEqual(new Set(['V0']));
  });

  it('names no profile path in the stall line with logProfilePath off (a handler nobody serves)', async () => {
    const { logger, lines } = recordingLogger(true);
    const stalls: StallRecord[] = [];
    await start({
      logger,
      ...recorderOn({ stalls: { thresholdMs: 300, logProfilePath: false, onStall: (r) => stalls.push(r) } }),
    });
    blockEventLoop(600);
    await until(() => stalls.length > 0);
    const warning = lines.find((l) => l.msg === 'Event loop was blocked');
    expect(warning?.kv).toHaveProperty('duration');
    expect(warning?.kv).not.toHaveProperty('profile');
  });

  it('logs an error thrown by onStall and keeps the record', async () => {
    const { logger, lines } = recordingLogger(true);
    const onStall = vi.fn(() => {
      throw new Error('metrics down');
    });
    const { handler } = await start({ logger, ...recorderOn({ stalls: { thresholdMs: 300, onStall } }) });
    blockEventLoop(600);
    await until(() => onStall.mock.calls.length > 0);
    const errors = lines.filter((l) => l.level === 'E');
    expect(errors.length).toBe(onStall.mock.calls.length);
    expect(errors[0]).toMatchObject({
      msg: 'pprof: onStall callback failed',
      kv: { stall: expect.any(Number) },
    });
    expect(handler.flightRecorder?.stalls.length).toBe(onStall.mock.calls.length);
  });

  it('without the stall detector a blocked loop is recorded but not reported', async () => {
    const onStall = vi.fn();
    const { handler } = await start(recorderOn({ stalls: { enabled: false, thresholdMs: 200, onStall } }));
    blockEventLoop(400);
    await new Promise((r) => setTimeout(r, 300));
    expect(onStall).not.toHaveBeenCalled();
    expect(handler.flightRecorder?.stalls).toEqual([]);
  });

  it('one recorder per thread: a second is refused until the first handler closes', async () => {
    const first = createPprofHandler({ heap: { startOnCreate: false }, ...recorderOn() });
    let err: unknown;
    try {
      createPprofHandler({ heap: { startOnCreate: false }, ...recorderOn() });
    } catch (e) {
      err = e;
    }
    expect(isPprofError(err, PprofErrorCode.FLIGHT_RECORDER_IN_USE)).toBe(true);
    await first.close();
    const second = createPprofHandler({ heap: { startOnCreate: false }, ...recorderOn() });
    await second.ready();
    expect(second.flightRecorder).toBeDefined();
    await second.close();
  });
});

describe('unit: flight recorder without CPU samples', () => {
  it('lists stalls but no flightrecording, and takes /debug/pprof/profile from the backend', async () => {
    const backend = new FakeBackend();
    const { base, handler } = await start({ backend, ...recorderOn({ cpuSamples: false }) });
    expect(handler.flightRecorder?.sampling).toBe(false);
    const html = (await get(`${base}/debug/pprof/`)).body.toString();
    const names = [...html.matchAll(/<td><a href='(\w+)\?debug=1'>(\w+)<\/a><\/td>/g)].map((m) => m[2]);
    expect(names).toEqual(['allocs', 'cmdline', 'goroutine', 'heap', 'profile', 'stalls']);
    expect(html).toContain('no CPU samples are kept');
    expectGoError(await get(`${base}/debug/pprof/flightrecording`), 404, 'Unknown profile');
    const reply = get(`${base}/debug/pprof/profile?seconds=1`);
    await until(() => backend.requests.length === 1);
    backend.finish();
    expect((await reply).status).toBe(200);
    expect(handler.flightRecorder?.chunks).toBe(0);
  });

  it('a blocked event loop: one warning with its duration and no top, one onStall, a record without profile', async () => {
    const stalls: StallRecord[] = [];
    const { logger, lines } = recordingLogger(true);
    const { base, handler } = await start({
      logger,
      ...recorderOn({ cpuSamples: false, stalls: { thresholdMs: 400, onStall: (r) => stalls.push(r) } }),
    });
    // The machine is shared: this test's stall is the one at least as long as its block.
    const mine = () => stalls.filter((r) => r.durationMs >= 1000);
    blockEventLoop(1000);
    await until(() => mine().length > 0);
    const record = mine()[0]!;
    expect(record).toMatchObject({ samples: 0, top: [] });
    expect(record.profile).toBeUndefined();
    // Its warning is the one of a second or more ("1.0s"; shorter ones read "850ms").
    const warnings = lines.filter(
      (l) =>
        l.level === 'W' &&
        l.msg === 'Event loop was blocked' &&
        /^\d+\.\ds$/.test(String(l.kv?.['duration'])),
    );
    expect(warnings).toHaveLength(1);
    const warning = warnings[0];
    expect(warning?.kv).not.toHaveProperty('top');
    expect(warning?.kv).not.toHaveProperty('profile');
    if (process.platform === 'linux') {
      expect(record.scheduling!.onCpuMs).toBeGreaterThanOrEqual(10);
      expect(warning?.kv).toMatchObject({ onCPU: expect.stringMatching(/^\d+(ms|\.\ds)$/) as unknown });
    }
    expect(handler.flightRecorder?.bytes).toBe(0);
    expect(handler.flightRecorder?.stallBytes).toBeGreaterThan(0);

    const json = JSON.parse((await get(`${base}/debug/pprof/stalls?format=json`)).body.toString()) as Record<
      string,
      unknown
    >[];
    const entry = json.find((e) => e['id'] === record.id);
    expect(entry).toMatchObject({ durationMs: record.durationMs, samples: 0, top: [] });
    expect(entry).not.toHaveProperty('profile');
    const html = (await get(`${base}/debug/pprof/stalls`)).body.toString();
    expect(html).toContain(`<tr><td>${record.id}</td>`);
    expect(html).not.toContain(`href='stalls/${record.id}'`);
    expectGoError(await get(`${base}/debug/pprof/stalls/${record.id}`), 404, STALL_WITHOUT_PROFILE);
  });
});

describe('unit: flight recorder memory bound', () => {
  it('with a tiny maxBytes the window never holds more, and the oldest chunks go', async () => {
    const maxBytes = 16 * 1024;
    const { handler, base } = await start(
      recorderOn({ maxBytes, chunkMs: 100, samplingIntervalMicros: 1_000 }),
    );
    const recorder = handler.flightRecorder!;
    const seen: number[] = [];
    const oldest: bigint[] = [];
    for (let i = 0; i < 30; i++) {
      blockEventLoop(20);
      await new Promise((r) => setTimeout(r, 30));
      seen.push(recorder.bytes);
      // A dump starts at the ring's oldest chunk (the window is a minute, far longer than held).
      if (i % 10 === 9) {
        const dump = decode((await get(`${base}/debug/pprof/flightrecording`)).body);
        oldest.push(BigInt(dump.timeNanos));
      }
    }
    expect(Math.max(...seen)).toBeLessThanOrEqual(maxBytes);
    expect(Math.max(...seen)).toBeGreaterThan(0);
    // The window held moves forward: older chunks were dropped to stay under the bound.
    expect(oldest[1]! > oldest[0]! && oldest[2]! > oldest[1]!).toBe(true);
  });
});

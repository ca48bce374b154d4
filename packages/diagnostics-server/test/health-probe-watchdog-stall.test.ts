import { afterEach, describe, expect, it } from 'vitest';
import { get } from 'node:http';
import { startBlockingOperator, type BlockingOperator } from './support/blocking-operator.ts';

// The watchdog against a real blocked main thread: an operator process whose main thread busy-loops
// while this test probes it as the kubelet does (a new connection per probe, a 1 s timeout) and reads
// its stderr. The one timing asserted is the kubelet's: every probe is answered within its 1 s. The
// rest are states: the answers' own durations decide what they must say, and a line read before the
// loop returned was written by the worker while the main thread could write nothing. On a loaded
// 2-core machine the margins are wide: the watchdog answers in milliseconds (at most `blockedAfterMs`,
// 500 ms, for a probe arriving as the loop stops), and the block lasts 8 s for a 3 s liveness bound.

/** The kubelet's default probe timeout (`timeoutSeconds: 1`). */
const KUBELET_TIMEOUT_MS = 1000;
const LIVENESS_FAIL_AFTER_MS = 3000;

interface Answer {
  readonly status: number;
  readonly body: string;
}

/** One probe as the kubelet sends it; `undefined` when not answered within its timeout. */
function probe(base: string, path: string): Promise<Answer | undefined> {
  return new Promise((resolve) => {
    const req = get(`${base}${path}`, { agent: false, timeout: KUBELET_TIMEOUT_MS }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => {
      req.destroy();
      resolve(undefined);
    });
    req.on('error', () => resolve(undefined));
  });
}

/** `700ms` or `5.0s` → milliseconds. */
function parseDuration(text: string): number {
  return text.endsWith('ms') ? Number(text.slice(0, -2)) : Number(text.slice(0, -1)) * 1000;
}

/** The duration a watchdog answer reports, or undefined for an answer of the main thread's checks. */
function blockedFor(answer: Answer): number | undefined {
  const m = /^(?:\[-\]event-loop failed: |warn: event loop )blocked for (\d+ms|\d+\.\ds)/m.exec(answer.body);
  return m?.[1] === undefined ? undefined : parseDuration(m[1]);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

let operator: BlockingOperator | undefined;
afterEach(async () => {
  await operator?.stop();
  operator = undefined;
});

describe(
  'unit: the watchdog while the main thread busy-loops (an operator in a child process)',
  { timeout: 90_000 },
  () => {
    it('answers every probe within the kubelet timeout: /readyz fails at once, /livez past its bound, the worker logs the stall, all ok after', async () => {
      operator = await startBlockingOperator({
        enabled: true,
        livenessFailAfterMs: LIVENESS_FAIL_AFTER_MS,
        logIntervalMs: 1000,
      });
      const op = operator;
      expect(await probe(op.probes, '/readyz?verbose')).toEqual({
        status: 200,
        body: '[+]informers ok\nhealthz check passed\n',
      });

      const { returned } = await op.block(8000);
      let stderrAtReturn: string | undefined;
      void returned.then(() => (stderrAtReturn = op.stderr()));
      const ready: (Answer | undefined)[] = [];
      const live: (Answer | undefined)[] = [];
      while (stderrAtReturn === undefined) {
        const [r, l] = await Promise.all([
          probe(op.probes, '/readyz?verbose'),
          probe(op.probes, '/livez?verbose'),
        ]);
        ready.push(r);
        live.push(l);
        await sleep(200);
      }

      // Every probe answered within the kubelet's timeout.
      expect(ready.filter((a) => a === undefined)).toEqual([]);
      expect(live.filter((a) => a === undefined)).toEqual([]);
      const answered = (list: (Answer | undefined)[]): Answer[] => list.filter((a) => a !== undefined);
      // The watchdog answered until the loop returned; the main thread's checks only after (the
      // probes in flight as it returned).
      for (const list of [answered(ready), answered(live)]) {
        const byWatchdog = list.map((a) => blockedFor(a) !== undefined);
        expect(byWatchdog.slice(0, byWatchdog.lastIndexOf(true) + 1).every(Boolean)).toBe(true);
      }
      const readyBlocked = answered(ready).filter((a) => blockedFor(a) !== undefined);
      expect(readyBlocked.length).toBeGreaterThanOrEqual(5);
      for (const a of readyBlocked) {
        expect(a.status).toBe(500);
        expect(a.body).toMatch(
          /^\[-\]event-loop failed: blocked for (\d+ms|\d\.\ds)\nhealthz check failed\n$/,
        );
      }
      // /livez follows the policy its own answer states: ok up to the bound, failing past it (answers
      // within the rounding of the bound's tenth of a second are left out).
      const liveBlocked = answered(live).filter((a) => blockedFor(a) !== undefined);
      const kind = (a: Answer): 'ok' | 'failed' | 'at the bound' => {
        const ms = blockedFor(a)!;
        if (Math.abs(ms - LIVENESS_FAIL_AFTER_MS) <= 50) return 'at the bound';
        const expected = ms > LIVENESS_FAIL_AFTER_MS ? 'failed' : 'ok';
        expect(a.status, a.body).toBe(expected === 'failed' ? 500 : 200);
        return expected;
      };
      const kinds = liveBlocked.map(kind);
      expect(kinds).toContain('ok');
      expect(kinds).toContain('failed');
      expect(liveBlocked.find((a) => a.status === 200)?.body).toMatch(
        /^\[\+\]event-loop ok\nwarn: event loop blocked for \S+, checks not run; livez fails once blocked for more than 3\.0s\nhealthz check passed\n$/,
      );

      // The worker wrote klog W lines while the main thread was still blocked.
      const stillBlocked =
        /^W\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ \S+:\d+\] "Event loop blocked" logger="diagnostics-server\.watchdog" duration="(\d+\.\ds)" state="still blocked"$/gm;
      const during = [...stderrAtReturn.matchAll(stillBlocked)].map((m) => m[1]);
      expect(during.length).toBeGreaterThanOrEqual(1);
      // The first once the block reached logIntervalMs (the tenths say when the worker's timer ran).
      expect(during[0]).toMatch(/^1\.\ds$/);
      // The main thread closes the story at its next beat, with the whole gap.
      const closing =
        /^W.*\] "Event loop blocked" logger="diagnostics-server\.watchdog" duration="(\d+\.\ds)" state="returned"$/m;
      for (let i = 0; i < 100 && !closing.test(op.stderr()); i++) await sleep(50);
      expect(parseDuration(closing.exec(op.stderr())![1]!)).toBeGreaterThanOrEqual(8000);

      // Back to the main thread's own checks.
      expect(await probe(op.probes, '/readyz?verbose')).toEqual({
        status: 200,
        body: '[+]informers ok\nhealthz check passed\n',
      });
      expect(await probe(op.probes, '/livez')).toEqual({ status: 200, body: 'ok' });
      expect(await op.stop()).toBe(0);
      operator = undefined;
    });

    it("writes its lines in the main logger's JSON format when told to", async () => {
      operator = await startBlockingOperator({ enabled: true, logIntervalMs: 1000 }, 'json');
      const op = operator;
      const { returned } = await op.block(2500);
      expect((await probe(op.probes, '/readyz'))?.status).toBe(500);
      await returned;
      const closing = /"state":"returned"/;
      for (let i = 0; i < 100 && !closing.test(op.stderr()); i++) await sleep(50);
      const all = op
        .stderr()
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const lines = all.filter((l) => l['msg'] === 'Event loop blocked');
      expect(lines).toContainEqual({
        ts: expect.any(Number),
        logger: 'diagnostics-server.watchdog',
        caller: expect.stringMatching(/^\S+:\d+$/),
        msg: 'Event loop blocked',
        duration: expect.stringMatching(/^1\.\ds$/),
        state: 'still blocked',
        v: 0,
      });
      expect(lines.at(-1)).toMatchObject({ msg: 'Event loop blocked', state: 'returned', v: 0 });
      // The probe listener's own line about the failed probe, in the same format.
      expect(all).toContainEqual(
        expect.objectContaining({
          logger: 'diagnostics-server.health-probes',
          msg: 'healthz check failed',
          statuses: ['event-loop'],
          v: 0,
        }),
      );
    });
  },
);

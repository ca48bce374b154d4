/**
 * Fuzz: generated raw requests against the operator child, in secure mode (Kubernetes filter) and in
 * insecure mode. The child must survive, every answer must be sane, no protected handler may run
 * without an allow decision (see load/fuzz-oracle.ts) and no credential may reach a log line at -v=10.
 *
 * CI sends KUBEDIAG_FUZZ_COUNT (default 15 000) requests per mode; KUBEDIAG_RELIABILITY=full sends
 * 100 000. KUBEDIAG_FUZZ_SEED=<seed> replays a run (the seed is printed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useControlPlane } from '@kubediag/envtest';
import { setupLoadIdentities, type LoadIdentities } from './load/cluster-identities.ts';
import { findCredentialLeaks } from './load/credential-scan.ts';
import { garbageTokens, type FuzzCredentials } from './load/fuzz-cases.ts';
import { runFuzz } from './load/fuzz-driver.ts';
import { checkEffects, checkResponses } from './load/fuzz-oracle.ts';
import { envCount, FULL_RUN, histogram, keepLog, recordFigures } from './load/figures.ts';
import { killAllOperators, startOperator, type OperatorProcess } from './load/operator-process.ts';
import { createPrng, seedFromEnv } from './load/prng.ts';
import { LOAD_ID_HEADER } from './load/protocol.ts';
import { endpointOf, openConnection } from './load/raw-http.ts';

const COUNT = envCount('KUBEDIAG_FUZZ_COUNT', FULL_RUN ? 100_000 : 15_000);
const CONCURRENCY = 8;
const SEED = seedFromEnv();

let ids: LoadIdentities;
let creds: FuzzCredentials;

beforeAll(async () => {
  console.log(
    `[reliability] fuzz seed ${SEED} (replay: KUBEDIAG_FUZZ_SEED=${SEED}), ${COUNT} requests per mode`,
  );
  ids = await setupLoadIdentities(await useControlPlane(), 'fuzz');
  creds = {
    reader: ids.readerToken,
    nobody: ids.nobodyToken,
    garbage: garbageTokens(createPrng(SEED ^ 0x5bd1e995), 64),
  };
});
afterAll(() => killAllOperators());

/** One well-formed request, for the checks around the fuzz run. */
async function get(op: OperatorProcess, path: string, token?: string): Promise<number> {
  const conn = await openConnection(endpointOf(op.url, op.caPem));
  const auth = token === undefined ? '' : `Authorization: Bearer ${token}\r\n`;
  const r = await conn.exchange(
    `GET ${path} HTTP/1.1\r\nHost: localhost\r\n${LOAD_ID_HEADER}: control\r\n${auth}Connection: close\r\n\r\n`,
  );
  conn.destroy();
  return r.kind === 'response' ? r.status : -1;
}

describe.each(['secure', 'insecure'] as const)('%s mode', (mode) => {
  it(
    `survives ${COUNT} generated requests; nothing protected runs unallowed; no credential is logged`,
    async () => {
      const op = await startOperator({
        mode,
        verbosity: 10,
        instrument: true,
        ...(mode === 'secure' ? { apiserver: ids.apiserver } : {}),
        // A garbage `seconds` means 30 s in Go; with a 2 s maximum it is a 400 instead of a profile
        // that would hold a connection for half a minute. Short header and request bounds keep a
        // case the server waits on from stalling a worker for long.
        server: { maxProfileSeconds: 2, headersTimeoutMs: 5_000, requestTimeoutMs: 10_000 },
      });

      // The instrumentation sees a handler run (so the oracle below is not blind).
      const protectedStatus = await get(op, '/metrics', ids.readerToken);
      expect(protectedStatus).toBe(200);
      expect(op.effects.filter((e) => e.effect === 'metrics' && e.id === 'control')).toHaveLength(1);
      if (mode === 'secure') {
        expect(await get(op, '/metrics', ids.nobodyToken)).toBe(403);
        expect(op.effects.filter((e) => e.effect === 'metrics')).toHaveLength(1);
      }
      op.effects.length = 0;

      const run = await runFuzz(endpointOf(op.url, op.caPem), createPrng(SEED), creds, {
        count: COUNT,
        concurrency: CONCURRENCY,
      });
      const effectsOfRun = [...op.effects];

      // Still alive and serving, nothing crashed or leaked listeners.
      expect(op.exitInfo()).toBeUndefined();
      expect(op.fatals).toEqual([]);
      expect(op.warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
      expect(await get(op, '/healthz')).toBe(200);
      expect(await get(op, '/metrics', ids.readerToken)).toBe(200);

      const records = run.records;
      const violations = [
        ...checkEffects(mode, records, effectsOfRun),
        ...checkResponses(mode, records, effectsOfRun),
      ];
      expect(violations.slice(0, 20), `${violations.length} violations (seed ${SEED})`).toEqual([]);

      const exit = await op.stop();
      const output = op.output();
      const logFile = keepLog(`fuzz-${mode}`, output);
      expect(exit, `graceful stop; the child's log is in ${logFile}`).toEqual({ code: 0, signal: null });

      const credentials = [ids.readerToken, ids.nobodyToken, ids.operatorToken, ...creds.garbage];
      const leaks = findCredentialLeaks(output, credentials);
      expect(leaks, `credential fragments in the log (seed ${SEED})`).toEqual([]);

      const all = [...records.values()];
      const responses = all.filter((r) => r.outcome === 'response');
      const statuses = histogram(responses.map((r) => r.status ?? 0));
      const effects = histogram(effectsOfRun.map((e) => e.effect));
      // Not vacuous: the stream reached the protected handlers with and without the token, and the
      // log was verbose enough to hold a leak if there was one.
      const refusedUnauthorized = responses.filter(
        (r) => !r.carriesReader && (r.status === 401 || r.status === 403),
      );
      // Insecure mode serves only /metrics and the probes.
      const reached = mode === 'secure' ? ['metrics', 'flags', 'canary', 'health'] : ['metrics', 'health'];
      for (const kind of reached)
        expect(
          effects[kind] ?? 0,
          `${kind} handler runs, of ${JSON.stringify(effects)} (seed ${SEED})`,
        ).toBeGreaterThan(0);
      if (mode === 'secure') {
        expect(refusedUnauthorized.length).toBeGreaterThan(COUNT / 10);
        expect(output).toContain(`user={"username":"${ids.readerUser}"`);
      }
      expect(output.match(/"request" logger="diagnostics-server"/g)?.length ?? 0).toBeGreaterThan(COUNT / 4);

      recordFigures(`fuzz-${mode}`, {
        seed: SEED,
        requests: COUNT,
        concurrency: CONCURRENCY,
        elapsedSeconds: Math.round(run.elapsedMs / 100) / 10,
        requestsPerSecond: Math.round(COUNT / (run.elapsedMs / 1000)),
        connections: run.connections,
        outcomes: histogram(all.map((r) => r.outcome)),
        statuses,
        effects,
        carriedReaderToken: all.filter((r) => r.carriesReader).length,
        refusedWithoutToken: refusedUnauthorized.length,
        logBytes: op.outputBytes(),
        logLines: output.split('\n').length - 1,
        credentialsSearched: credentials.length,
        violations: violations.length,
      });
    },
    FULL_RUN ? 1_800_000 : 600_000,
  );
});

import { gzipSync } from 'node:zlib';
import type { Profile } from 'pprof-format';
import { PprofError, PprofErrorCode } from '../errors.ts';
import { compactCpuProfile, type CpuChunk } from '../internal/cpu-chunk.ts';
import { CpuWindowBuilder } from '../internal/cpu-window.ts';
import { acquireThreadLock } from '../internal/thread-lock.ts';
import type { PprofLogger, ResolvedFlightRecorderOptions } from '../options.ts';
import { ChunkRing } from './chunk-ring.ts';
import { Heartbeat } from './heartbeat.ts';
import { ProfileChain } from './profile-chain.ts';
import { formatStallDuration, formatStallTop, StallStore, type StallRecord } from './stall-record.ts';
import { schedulingBetween, ThreadScheduling, type StallScheduling } from './thread-scheduling.ts';

/** What a handler's flight recorder shows of itself: for metrics, health pages and tests. */
export interface FlightRecorderStatus {
  /** V8's profiler runs for the recorder (`flightRecorder.cpuSamples`, and it started). */
  readonly sampling: boolean;
  /** Estimated heap bytes of the samples held (at most `flightRecorder.maxBytes`). */
  readonly bytes: number;
  /** Profiles (chunks) held in the window. */
  readonly chunks: number;
  /** Estimated heap bytes of the stall records kept (at most `flightRecorder.stalls.maxBytes`). */
  readonly stallBytes: number;
  /** The stall records kept, oldest first. */
  readonly stalls: readonly StallRecord[];
}

/** A profile cut from the recorder's stream, with the span it covers. */
export interface RecordedProfile {
  readonly profile: Profile;
  readonly samples: number;
}

/** A window that began at `tap()` and ends at `finish()`, fed chunk by chunk as they are rotated. */
export interface RecorderTap {
  /** Rotates now and returns the window's profile. */
  finish(): RecordedProfile;
  cancel(): void;
}

const KEY = Symbol.for('kubediag.pprof.flightRecorder');
const TOP_FRAMES = 5;
/**
 * Without CPU samples, a stall during which the thread was on a CPU for less than this ran no code of
 * its own (the kernel's figure moves in scheduler ticks, 1-10 ms): it is the machine's, as a sampled
 * stall without samples is.
 */
const NOT_RUN_MS = 10;
const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);
/** Epoch nanoseconds of a monotonic timestamp (µs), through the current offset between the clocks. */
const epochNanos = (us: number): bigint => BigInt(Math.round(Date.now() * 1000 - (nowUs() - us))) * 1000n;

/**
 * The flight recorder and stall detector of one handler. Construction takes the per-thread lock
 * (`KDIAG_PPROF_FLIGHT_RECORDER_IN_USE` if another recorder runs); `start()` starts V8's profiler chain
 * (unless `cpuSamples` is off: then stalls are timed and split, not sampled) and the heartbeat;
 * `close()` stops both and drops everything held.
 *
 * One heartbeat drives everything on the main thread: each beat checks the gap since the previous one
 * (a stall when longer than the threshold) and rotates the chain when the current chunk is `chunkMs`
 * old or a stall needs its samples now. The recorder's own work (a rotation, a dump) is never measured
 * as part of a gap. Rotated chunks feed the open taps (running
 * `/debug/pprof/profile` requests), the stall being recorded, and then the ring.
 */
export class FlightRecorder implements FlightRecorderStatus {
  readonly #o: ResolvedFlightRecorderOptions;
  readonly #logger: PprofLogger | undefined;
  readonly #stallPath: string;
  readonly #sourceMaps: boolean;
  readonly #ring: ChunkRing;
  readonly #stalls: StallStore;
  readonly #taps = new Set<(chunk: CpuChunk) => void>();
  readonly #heartbeat: Heartbeat;
  readonly #release: () => void;
  #chain: ProfileChain | undefined;
  /** The thread's scheduler counters (Linux), read at each beat: what part of a stall was its own. */
  #scheduling: ThreadScheduling | undefined;
  #lastReading: ReturnType<ThreadScheduling['read']>;
  #chunkStartedUs = 0;
  #closed = false;

  constructor(
    options: ResolvedFlightRecorderOptions,
    deps: {
      readonly logger?: PprofLogger | undefined;
      readonly prefix: string;
      readonly sourceMaps: boolean;
    },
  ) {
    this.#release = acquireThreadLock(
      KEY,
      () =>
        new PprofError(
          PprofErrorCode.FLIGHT_RECORDER_IN_USE,
          'flight recorder already running in this thread: close the other handler first',
        ),
    );
    this.#o = options;
    this.#logger = deps.logger;
    this.#stallPath = `${deps.prefix}stalls/`;
    this.#sourceMaps = deps.sourceMaps;
    this.#ring = new ChunkRing(options);
    this.#stalls = new StallStore(options.stalls);
    const s = options.stalls;
    const beatMs = s.enabled
      ? Math.max(10, Math.min(100, Math.floor(s.thresholdMs / 4)))
      : Math.max(10, Math.min(1000, Math.floor(options.chunkMs / 4)));
    this.#heartbeat = new Heartbeat(beatMs, (now, previous, excused) => this.#beat(now, previous, excused));
  }

  /** Starts sampling and the heartbeat. Rejects with `KDIAG_PPROF_BACKEND_UNAVAILABLE` without an inspector. */
  async start(): Promise<void> {
    const chain = this.#o.cpuSamples ? await ProfileChain.start(this.#o.samplingIntervalMicros) : undefined;
    if (this.#closed) {
      chain?.stop();
      return;
    }
    this.#chain = chain;
    this.#chunkStartedUs = nowUs();
    this.#scheduling = ThreadScheduling.open();
    this.#lastReading = this.#scheduling?.read();
    this.#heartbeat.start();
  }

  get bytes(): number {
    return this.#ring.bytes;
  }

  /** V8's profiler runs for this recorder: profiles can be cut from it (`recording`, `tap`). */
  get sampling(): boolean {
    return this.#chain !== undefined;
  }

  get chunks(): number {
    return this.#ring.length;
  }

  get stallBytes(): number {
    return this.#stalls.bytes;
  }

  get stalls(): readonly StallRecord[] {
    return this.#stalls.records;
  }

  /** The SharedArrayBuffer of the heartbeat, for a watchdog thread (see Heartbeat). */
  get heartbeatBuffer(): SharedArrayBuffer {
    return this.#heartbeat.buffer;
  }

  stall(id: number): StallRecord | undefined {
    return this.#stalls.get(id);
  }

  /** The last `ms` of samples, now: rotates first so that the current chunk is included. */
  recording(ms: number): RecordedProfile & { readonly heldMs: number } {
    const started = process.hrtime.bigint();
    const now = nowUs();
    const fresh = this.#rotate();
    if (fresh) this.#ring.push(fresh, now);
    this.#ring.trim(now);
    const from = now - ms * 1000;
    const builder = this.#builder();
    for (const chunk of this.#ring.overlapping(from, now)) builder.add(chunk, from, now);
    const heldFrom = Math.min(now, Math.max(from, this.#ring.oldestUs ?? now));
    const heldMs = Math.round((now - heldFrom) / 1000);
    const profile = builder.build({
      timeNanos: epochNanos(heldFrom),
      durationNanos: BigInt(Math.round((now - heldFrom) * 1000)),
      comments: [
        `flight recording: last ${ms} ms requested, ${heldMs} ms held, one sample every ${this.#o.samplingIntervalMicros} us`,
      ],
    });
    this.#heartbeat.excuse(started);
    return { profile, samples: builder.sampleCount, heldMs };
  }

  /** Starts a window now; its samples are collected as chunks rotate, whatever the ring keeps. */
  tap(): RecorderTap {
    const from = nowUs();
    const builder = this.#builder();
    const feed = (chunk: CpuChunk): void => {
      builder.add(chunk, from);
    };
    this.#taps.add(feed);
    return {
      finish: () => {
        const started = process.hrtime.bigint();
        const fresh = this.#rotate();
        this.#taps.delete(feed);
        if (fresh) this.#ring.push(fresh, nowUs());
        const now = nowUs();
        const profile = builder.build({
          timeNanos: epochNanos(from),
          durationNanos: BigInt(Math.round((now - from) * 1000)),
          comments: [`cut from the flight recorder: one sample every ${this.#o.samplingIntervalMicros} us`],
        });
        this.#heartbeat.excuse(started);
        return { profile, samples: builder.sampleCount };
      },
      cancel: () => {
        this.#taps.delete(feed);
      },
    };
  }

  /** Stops the heartbeat and the profiler chain, drops what is held, and lets another recorder start. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#heartbeat.stop();
    this.#scheduling?.close();
    this.#scheduling = undefined;
    try {
      this.#chain?.stop();
    } finally {
      this.#chain = undefined;
      this.#taps.clear();
      this.#ring.clear();
      this.#stalls.clear();
      this.#release();
    }
  }

  #builder(): CpuWindowBuilder {
    return new CpuWindowBuilder({
      periodNanos: this.#o.samplingIntervalMicros * 1000,
      sourceMaps: this.#sourceMaps,
    });
  }

  #beat(nowNs: bigint, previousNs: bigint, excusedNs: bigint): void {
    try {
      const now = Number(nowNs / 1000n);
      const gapMs = Number(nowNs - previousNs - excusedNs) / 1e6;
      const stalled = this.#o.stalls.enabled && gapMs > this.#o.stalls.thresholdMs;
      if (!stalled && (this.#chain === undefined || now - this.#chunkStartedUs < this.#o.chunkMs * 1000))
        return;
      // The stall ends here, before this beat's own work (the rotation).
      const reading = stalled ? this.#scheduling?.read() : undefined;
      const fresh = this.#rotate();
      if (stalled) {
        const last = this.#lastReading;
        const scheduling = last && reading ? schedulingBetween(last, reading) : undefined;
        this.#recordStall(Number(previousNs / 1000n), now, gapMs, fresh, scheduling);
      }
      if (fresh) this.#ring.push(fresh, now);
    } finally {
      // Read again after this beat's own work, from where the heartbeat measures the next gap.
      this.#lastReading = this.#scheduling?.read();
    }
  }

  /** The current chunk, compacted and fed to the taps; undefined when the chain is stopped or failed. */
  #rotate(): CpuChunk | undefined {
    const chain = this.#chain;
    if (chain === undefined) return undefined;
    let v8;
    try {
      v8 = chain.rotate();
    } catch (err) {
      this.#logger?.error(err, 'pprof: flight recorder rotation failed');
      return undefined;
    } finally {
      this.#chunkStartedUs = nowUs();
    }
    if (v8 === undefined) return undefined;
    const chunk = compactCpuProfile(v8);
    for (const feed of this.#taps) feed(chunk);
    return chunk;
  }

  #recordStall(
    fromUs: number,
    toUs: number,
    gapMs: number,
    fresh: CpuChunk | undefined,
    scheduling: StallScheduling | undefined,
  ): void {
    if (!this.#o.cpuSamples) {
      this.#recordUnsampledStall(fromUs, gapMs, scheduling);
      return;
    }
    const builder = this.#builder();
    for (const chunk of this.#ring.overlapping(fromUs, toUs)) builder.add(chunk, fromUs, toUs);
    if (fresh) builder.add(fresh, fromUs, toUs);
    const duration = formatStallDuration(gapMs);
    const spent = scheduling === undefined ? {} : schedulingKeyValues(scheduling);
    if (builder.sampleCount === 0) {
      // No JavaScript ran: the process itself was not scheduled (a throttled or suspended container).
      this.#logger?.V(1).info('pprof: event loop delay without CPU samples', { duration, ...spent });
      return;
    }
    const id = this.#stalls.nextId();
    const top = builder.topFrames(TOP_FRAMES);
    this.#warn({
      duration,
      ...spent,
      top: formatStallTop(top),
      ...(this.#o.stalls.logProfilePath ? { profile: `${this.#stallPath}${id}` } : {}),
    });
    const profile = builder.build({
      timeNanos: epochNanos(fromUs),
      durationNanos: BigInt(Math.round((toUs - fromUs) * 1000)),
      comments: [`event loop stall ${id}: blocked for ${duration}`],
    });
    this.#keep({
      id,
      startedAt: Math.round(Number(epochNanos(fromUs) / 1_000_000n)),
      durationMs: Math.round(gapMs),
      samples: builder.sampleCount,
      top: Object.freeze(top),
      ...(scheduling === undefined ? {} : { scheduling: Object.freeze(scheduling) }),
      profile: gzipSync(profile.encode()),
    });
  }

  /** A stall without CPU samples: its duration and, where the kernel tells, how the thread spent it. */
  #recordUnsampledStall(fromUs: number, gapMs: number, scheduling: StallScheduling | undefined): void {
    const duration = formatStallDuration(gapMs);
    const spent = scheduling === undefined ? {} : schedulingKeyValues(scheduling);
    if (scheduling !== undefined && scheduling.onCpuMs < NOT_RUN_MS) {
      this.#logger?.V(1).info('pprof: event loop delay while the thread did not run', { duration, ...spent });
      return;
    }
    this.#warn({ duration, ...spent });
    this.#keep({
      id: this.#stalls.nextId(),
      startedAt: Math.round(Number(epochNanos(fromUs) / 1_000_000n)),
      durationMs: Math.round(gapMs),
      samples: 0,
      top: Object.freeze([]),
      ...(scheduling === undefined ? {} : { scheduling: Object.freeze(scheduling) }),
    });
  }

  #warn(kv: Record<string, string>): void {
    if (this.#logger?.warning) this.#logger.warning('Event loop was blocked', kv);
    else this.#logger?.V(0).info('Event loop was blocked', kv);
  }

  /** Keeps the record (bounded by the store) and hands it to `onStall`. */
  #keep(fields: StallRecord): void {
    const record = Object.freeze(fields);
    this.#stalls.add(record);
    try {
      this.#o.stalls.onStall?.(record);
    } catch (err) {
      this.#logger?.error(err, 'pprof: onStall callback failed', { stall: record.id });
    }
  }
}

/** `onCPU="120ms" waitingForCPU="690ms" cpuThrottled="650ms"`: how the thread spent a stall, for its log line. */
function schedulingKeyValues(s: StallScheduling): Record<string, string> {
  return {
    onCPU: formatStallDuration(s.onCpuMs),
    waitingForCPU: formatStallDuration(s.waitingMs),
    ...(s.throttledMs === undefined ? {} : { cpuThrottled: formatStallDuration(s.throttledMs) }),
  };
}

import type { ProfilerBackend } from './backend.ts';
import { DatadogBackend, loadDatadogPprof } from './datadog-backend.ts';
import { InspectorBackend } from './inspector-backend.ts';
import type { BackendChoice } from './options.ts';

type Kind = 'inspector' | 'datadog';

// One backend per kind per thread: V8 has one sampling heap profiler per isolate, so every handler and
// collect call in the process must share it rather than fight over it.
interface Shared {
  readonly kind: Kind;
  readonly backend: Promise<ProfilerBackend>;
  /** Open handlers holding it. */
  handlers: number;
  /** Collect calls running on it. */
  calls: number;
  /** Its last handler has closed: it closes as soon as no call runs on it. */
  orphaned: boolean;
}

const shared = new Map<Kind, Shared>();
// A backend being closed is not handed out again: the next user waits and gets a new one.
const closing = new Map<Kind, Promise<void>>();

/** One user's hold on a backend: a handler holds one while it is open, a collect call while it runs. */
export interface BackendLease {
  readonly backend: Promise<ProfilerBackend>;
  /**
   * Lets go (once; later calls do nothing). A shared backend is closed (heap sampler stopped, inspector
   * session disconnected) when the last handler lets go and no collect call runs on it; one that only
   * collect calls used stays open, so that the heap sampler a collectHeapProfile started keeps sampling
   * for the next call. A `ProfilerBackend` given by the caller is the caller's to close.
   */
  release(): Promise<void>;
}

/**
 * Leases the backend for a choice. `'auto'` picks @datadog/pprof when the application has it installed,
 * the inspector otherwise; a `ProfilerBackend` object is used as is.
 */
export function leaseBackend(choice: BackendChoice, holder: 'handler' | 'call'): BackendLease {
  if (typeof choice === 'object')
    return { backend: Promise.resolve(choice), release: () => Promise.resolve() };
  const entry = kindOf(choice).then(async (kind) => {
    await closing.get(kind);
    const e = sharedEntry(kind);
    if (holder === 'handler') {
      e.handlers++;
      e.orphaned = false;
    } else {
      e.calls++;
    }
    return e;
  });
  let released = false;
  return {
    backend: entry.then((e) => e.backend),
    release: async () => {
      if (released) return;
      released = true;
      const e = await entry;
      if (holder === 'handler') {
        e.handlers--;
        if (e.handlers === 0) e.orphaned = true;
      } else {
        e.calls--;
      }
      if (e.orphaned && e.handlers === 0 && e.calls === 0) await close(e);
    },
  };
}

async function kindOf(choice: 'inspector' | 'datadog' | 'auto'): Promise<Kind> {
  if (choice !== 'auto') return choice;
  return (await loadDatadogPprof()) !== undefined ? 'datadog' : 'inspector';
}

function sharedEntry(kind: Kind): Shared {
  let e = shared.get(kind);
  if (e === undefined) {
    const backend = kind === 'datadog' ? DatadogBackend.create() : Promise.resolve(new InspectorBackend());
    const created: Shared = { kind, backend, handlers: 0, calls: 0, orphaned: false };
    // A failed creation is not kept, so installing the peer later (or a transient failure) can recover.
    backend.catch(() => {
      if (shared.get(kind) === created) shared.delete(kind);
    });
    shared.set(kind, created);
    e = created;
  }
  return e;
}

async function close(e: Shared): Promise<void> {
  if (shared.get(e.kind) !== e) return; // creation failed: nothing runs
  shared.delete(e.kind);
  const done = e.backend
    .then((b) => b.close())
    .catch(() => undefined)
    .finally(() => {
      if (closing.get(e.kind) === done) closing.delete(e.kind);
    });
  closing.set(e.kind, done);
  await done;
}

import type { ProfilerBackend } from './backend.ts';
import { DatadogBackend, loadDatadogPprof } from './datadog-backend.ts';
import { InspectorBackend } from './inspector-backend.ts';
import type { BackendChoice } from './options.ts';

// One backend per kind per thread: V8 has one sampling heap profiler per isolate, so every handler and
// collect call in the process must share it rather than fight over it.
const shared = new Map<'inspector' | 'datadog', Promise<ProfilerBackend>>();

/**
 * Returns the shared backend for a choice. `'auto'` picks @datadog/pprof when the application has it
 * installed, the inspector otherwise; a `ProfilerBackend` object is returned as is.
 */
export async function selectBackend(choice: BackendChoice): Promise<ProfilerBackend> {
  if (typeof choice === 'object') return choice;
  let kind: 'inspector' | 'datadog' = choice === 'auto' ? 'inspector' : choice;
  if (choice === 'auto' && (await loadDatadogPprof()) !== undefined) kind = 'datadog';
  let backend = shared.get(kind);
  if (!backend) {
    backend = kind === 'datadog' ? DatadogBackend.create() : Promise.resolve(new InspectorBackend());
    // A failed creation is not cached, so installing the peer later (or a transient failure) can recover.
    backend.catch(() => shared.delete(kind));
    shared.set(kind, backend);
  }
  return backend;
}

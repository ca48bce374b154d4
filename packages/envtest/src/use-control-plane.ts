import type { ControlPlane } from './types.ts';

/**
 * The control plane of the vitest global setup (see `@kubediag/envtest/vitest`). vitest is imported
 * only when this is called, so importing @kubediag/envtest never loads vitest outside a test.
 */
export async function useControlPlane(): Promise<ControlPlane> {
  const m = await import('./vitest.ts');
  return m.useControlPlane();
}

import { inject } from 'vitest';
import { controlPlaneFromCoordinates, type ControlPlaneCoordinates } from './coordinates.ts';
import { EnvtestError, EnvtestErrorCode } from './errors.ts';
import type { ControlPlane } from './types.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Set by @kubediag/envtest's global setup (src/vitest-global-setup.ts). */
    kubediagControlPlane: ControlPlaneCoordinates;
  }
}

/** The key under which the global setup provides the control plane. */
export const PROVIDE_KEY = 'kubediagControlPlane';

let cached: Promise<ControlPlane> | undefined;

/**
 * The control plane the vitest global setup started for this run (one per run, audit log on).
 * Call it inside tests or hooks; its stop() is a no-op because the global setup owns the processes.
 * Throws KDIAG_ENVTEST_NOT_PROVIDED outside the "integration" project.
 */
export function useControlPlane(): Promise<ControlPlane> {
  cached ??= (async () => {
    const coordinates = inject(PROVIDE_KEY) as ControlPlaneCoordinates | undefined;
    if (coordinates === undefined) {
      throw new EnvtestError(
        EnvtestErrorCode.NOT_PROVIDED,
        'use control plane: no control plane was provided; expected the test in a vitest project whose globalSetup ' +
          'is @kubediag/envtest/src/vitest-global-setup.ts (the "integration" project, files named *.int.test.ts)',
      );
    }
    return controlPlaneFromCoordinates(coordinates);
  })();
  cached.catch(() => (cached = undefined));
  return cached;
}

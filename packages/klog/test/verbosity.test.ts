import { describe, expect, it } from 'vitest';
import {
  KlogError,
  createDiscardLogger,
  createLogger,
  getOutputControl,
  getVerbosityControl,
} from '../src/index.ts';
import type { Logger } from '../src/index.ts';
import { golden } from './support/helpers.ts';

describe('verbosity', () => {
  it('enables V(n) when n <= verbosity and returns one shared object when disabled', () => {
    const l = createLogger(golden({ verbosity: 2 }).options);
    expect(l.V(2).enabled).toBe(true);
    expect(l.V(3).enabled).toBe(false);
    expect(l.V(3)).toBe(l.V(7));
    expect(l.V(3)).toBe(l.withName('x').V(9));
  });

  it('reuses the enabled gate of a level', () => {
    const l = createLogger(golden({ verbosity: 2 }).options);
    expect(l.V(1)).toBe(l.V(1));
  });

  it('shares one state between a logger and all its children: a change is seen by existing children', () => {
    const g = golden({ verbosity: 1 });
    const root = createLogger(g.options);
    const child = root.withName('a').withValues({ k: 1 });
    const grandchild = child.withName('b');
    expect(getVerbosityControl(grandchild)).toBe(getVerbosityControl(root));
    expect(grandchild.V(4).enabled).toBe(false);
    getVerbosityControl(child).setVerbosity(4);
    expect(root.V(4).enabled).toBe(true);
    expect(grandchild.V(4).enabled).toBe(true);
    grandchild.V(4).info('now visible');
    expect(g.lines).toHaveLength(1);
    getVerbosityControl(root).setVerbosity(0);
    expect(child.V(1).enabled).toBe(false);
  });

  it('can share one control between two logger families', () => {
    const first = createLogger(golden({ verbosity: 3 }).options);
    const second = createLogger({ ...golden().options, verbosityControl: getVerbosityControl(first) });
    getVerbosityControl(first).setVerbosity(5);
    expect(second.V(5).enabled).toBe(true);
  });

  it.each([-1, 1.5, 2147483648, NaN])('rejects setVerbosity(%s)', (v) => {
    const c = getVerbosityControl(createLogger(golden().options));
    expect(() => c.setVerbosity(v)).toThrow(KlogError);
    expect(c.verbosity).toBe(0);
  });

  it('exposes the current vmodule spec', () => {
    const c = getVerbosityControl(createLogger(golden({ vmodule: 'a=1,b=0,c*=3' }).options)) as unknown as {
      vmodule: string;
    };
    expect(c.vmodule).toBe('a=1,c*=3');
  });
});

describe('createDiscardLogger', () => {
  it('writes nothing, disables every level and still has a working control', async () => {
    const l = createDiscardLogger();
    l.info('x');
    l.warning('x');
    l.error(new Error('e'), 'x');
    expect(l.V(0).enabled).toBe(false);
    expect(l.withName('a').withValues({ b: 1 })).toBe(l);
    getVerbosityControl(l).setVerbosity(3);
    expect(getVerbosityControl(l).verbosity).toBe(3);
    expect(getOutputControl(l).droppedLines).toBe(0);
    await getOutputControl(l).flush();
  });
});

describe('foreign loggers', () => {
  it('throws KDIAG_KLOG_NOT_A_LOGGER for a logger not made here', () => {
    const stub: Logger = {
      info() {},
      warning() {},
      error() {},
      V: () => ({ enabled: false, info() {} }),
      withName: () => stub,
      withValues: () => stub,
    };
    expect(() => getVerbosityControl(stub)).toThrow(
      expect.objectContaining({ code: 'KDIAG_KLOG_NOT_A_LOGGER' }),
    );
    expect(() => getOutputControl(stub)).toThrow(KlogError);
  });
});

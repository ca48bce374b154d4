process.env.TZ = 'UTC';
import { describe, expect, it } from 'vitest';
import { KlogError, createLogger, getVerbosityControl } from '../src/index.ts';
import { formatVModule, parseVModule } from '../src/vmodule.ts';
import { compileGoGlob } from '../src/internal/glob.ts';
import { golden } from './support/helpers.ts';

describe('parseVModule (klog -vmodule)', () => {
  it('parses pattern=N items, ignores empty items and drops =0 items', () => {
    const entries = parseVModule('recordio=2,,file=1,gfs*=3,zero=0,');
    expect(entries.map((e) => [e.pattern, e.level])).toEqual([
      ['recordio', 2],
      ['file', 1],
      ['gfs*', 3],
    ]);
    expect(formatVModule(entries)).toBe('recordio=2,file=1,gfs*=3');
  });

  it('accepts a signed level like strconv.ParseInt', () => {
    expect(parseVModule('a=+4')[0]?.level).toBe(4);
  });

  it.each([
    ['gopher*', 'syntax error: expect comma-separated list of filename=N'],
    ['=1', 'syntax error: expect comma-separated list of filename=N'],
    ['a=', 'syntax error: expect comma-separated list of filename=N'],
    ['a=b=1', 'syntax error: expect comma-separated list of filename=N'],
    ['a=x', 'syntax error: expect comma-separated list of filename=N'],
    ['a=2147483648', 'syntax error: expect comma-separated list of filename=N'],
    ['a=-1', 'negative value for vmodule level'],
  ])('rejects %j with klog text', (spec, message) => {
    let err: unknown;
    try {
      parseVModule(spec);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KlogError);
    expect(err).toMatchObject({ code: 'KDIAG_KLOG_INVALID_VMODULE', message });
  });
});

describe('vmodule glob (Go filepath.Match)', () => {
  it.each([
    ['gopher*', 'gopher_test', true],
    ['gopher*', 'a_gopher', false],
    ['?x', 'ax', true],
    ['?x', 'abx', false],
    ['[a-c]x', 'bx', true],
    ['[a-c]x', 'dx', false],
    ['[^a-c]x', 'dx', true],
    ['[^a-c]x', 'ax', false],
    ['\\*x', '*x', true],
    ['\\*x', 'ax', false],
    ['a.b', 'a.b', true],
    ['a.b', 'axb', false],
    ['*', 'a/b', false],
  ])('%j matches %j: %s', (pattern, name, expected) => {
    expect(parseVModule(`${pattern}=1`)[0]!.matches(name)).toBe(expected);
  });

  // Node projects name files with hyphens, dots, underscores and digits; each with a wildcard used to
  // throw "Invalid regular expression ... Invalid escape" (a `\-` identity escape in a `u` RegExp).
  it.each([
    ['reconciler-*', 'reconciler-pods', true],
    ['reconciler-*', 'reconciler_pods', false],
    ['*-source', 'config-map-source', true],
    ['cache.v2*', 'cache.v2-lru', true],
    ['cache.v2*', 'cachexv2', false],
    ['work_queue?', 'work_queue2', true],
    ['v[0-9]-*', 'v1-api', true],
    ['v[0-9]-*', 'vx-api', false],
    ['a\\-b*', 'a-bc', true],
    ['[a-]x', 'ax', false],
    ['*+$^(x)|{y}', 'q+$^(x)|{y}', true],
    ['naïve-*', 'naïve-ü', true],
  ])('the file-name characters of Node projects: %j matches %j: %s', (pattern, name, expected) => {
    expect(parseVModule(`${pattern}=4`)[0]!.matches(name)).toBe(expected);
  });

  it('never matches with a malformed pattern, as klog ignores ErrBadPattern', () => {
    expect(compileGoGlob('[')).toBeUndefined();
    expect(compileGoGlob('a\\')).toBeUndefined();
    expect(compileGoGlob('[]a]')).toBeUndefined();
    expect(parseVModule('[=1')[0]!.matches('[')).toBe(false);
  });
});

describe('vmodule on loggers', () => {
  it('enables V(n) for lines from a file whose base name without extension matches', () => {
    const g = golden({ verbosity: 1, vmodule: 'vmodule.test=4' });
    const l = createLogger(g.options);
    expect(l.V(4).enabled).toBe(true);
    expect(l.V(5).enabled).toBe(false);
    l.V(4).info('seen');
    l.V(5).info('not seen');
    expect(g.lines).toHaveLength(1);
  });

  it('matches globs over the file name and ignores other files', () => {
    const g = golden({ verbosity: 0, vmodule: 'other=9,vmod*=3' });
    const l = createLogger(g.options);
    expect(l.V(3).enabled).toBe(true);
    expect(l.V(4).enabled).toBe(false);
    getVerbosityControl(l).setVModule('other=9');
    expect(l.V(1).enabled).toBe(false);
  });

  it('matches logger names; a name match decides before the file', () => {
    const g = golden({ verbosity: 0, vmodule: 'ctrl.reconcile=5,vmodule.test=1' });
    const root = createLogger(g.options);
    const ctrl = root.withName('ctrl').withName('reconcile');
    expect(ctrl.V(5).enabled).toBe(true);
    expect(ctrl.V(6).enabled).toBe(false);
    expect(root.withName('other').V(1).enabled).toBe(true); // by file
    expect(root.withName('other').V(2).enabled).toBe(false);
  });

  it('applies a runtime vmodule change to loggers created before it', () => {
    const g = golden({ verbosity: 0 });
    const child = createLogger(g.options).withName('worker').withValues({ id: 1 });
    expect(child.V(2).enabled).toBe(false);
    getVerbosityControl(child).setVModule('work*=2');
    expect(child.V(2).enabled).toBe(true);
    getVerbosityControl(child).setVModule('');
    expect(child.V(2).enabled).toBe(false);
  });

  it('rejects an invalid vmodule option with klog text', () => {
    expect(() => createLogger(golden({ vmodule: 'x' }).options)).toThrow(
      'vmodule: syntax error: expect comma-separated list of filename=N',
    );
  });
});

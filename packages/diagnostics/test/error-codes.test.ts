// One error shape and one code style across every kubediag package, walked from what each package
// exports: `<Package>ErrorCode` (SCREAMING keys, values `KDIAG_<PACKAGE>_<KEY>`), one class extending
// the kit's KubediagError, an `is<Package>Error` guard, and every code listed in the package README.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as authnAuthz from '@kubediag/authn-authz-filter';
import * as clientMetrics from '@kubediag/client-metrics';
import * as controller from '@kubediag/controller';
import * as diagnosticsServer from '@kubediag/diagnostics-server';
import * as envtest from '@kubediag/envtest';
import * as klog from '@kubediag/klog';
import { KubediagError, isKubediagError, type KubediagErrorOptions } from '@kubediag/options';
import * as pprof from '@kubediag/pprof';
import * as tracing from '@kubediag/tracing-config';
import { describe, expect, it } from 'vitest';
import * as diagnostics from '../src/index.ts';

type ErrorClass = new (
  code: string,
  message: string,
  options?: KubediagErrorOptions,
) => Error & { code: string; problems: readonly unknown[] };

interface PackageErrors {
  readonly dir: string;
  readonly prefix: string;
  readonly codes: Readonly<Record<string, string>>;
  readonly ErrorClass: ErrorClass;
  readonly guard: (err: unknown, code?: never) => boolean;
}

const packages: Readonly<Record<string, PackageErrors>> = {
  '@kubediag/klog': {
    dir: 'klog',
    prefix: 'KLOG',
    codes: klog.KlogErrorCode,
    ErrorClass: klog.KlogError as unknown as ErrorClass,
    guard: klog.isKlogError,
  },
  '@kubediag/pprof': {
    dir: 'pprof',
    prefix: 'PPROF',
    codes: pprof.PprofErrorCode,
    ErrorClass: pprof.PprofError as unknown as ErrorClass,
    guard: pprof.isPprofError,
  },
  '@kubediag/tracing-config': {
    dir: 'tracing-config',
    prefix: 'TRACING',
    codes: tracing.TracingErrorCode,
    ErrorClass: tracing.TracingError as unknown as ErrorClass,
    guard: tracing.isTracingError,
  },
  '@kubediag/authn-authz-filter': {
    dir: 'authn-authz-filter',
    prefix: 'AUTHN_AUTHZ',
    codes: authnAuthz.AuthnAuthzErrorCode,
    ErrorClass: authnAuthz.AuthnAuthzError as unknown as ErrorClass,
    guard: authnAuthz.isAuthnAuthzError,
  },
  '@kubediag/diagnostics-server': {
    dir: 'diagnostics-server',
    prefix: 'SERVER',
    codes: diagnosticsServer.DiagnosticsServerErrorCode,
    ErrorClass: diagnosticsServer.DiagnosticsServerError as unknown as ErrorClass,
    guard: diagnosticsServer.isDiagnosticsServerError,
  },
  '@kubediag/controller': {
    dir: 'controller',
    prefix: 'CONTROLLER',
    codes: controller.ControllerErrorCode,
    ErrorClass: controller.ControllerError as unknown as ErrorClass,
    guard: controller.isControllerError,
  },
  '@kubediag/client-metrics': {
    dir: 'client-metrics',
    prefix: 'CLIENT_METRICS',
    codes: clientMetrics.ClientMetricsErrorCode,
    ErrorClass: clientMetrics.ClientMetricsError as unknown as ErrorClass,
    guard: clientMetrics.isClientMetricsError,
  },
  '@kubediag/diagnostics': {
    dir: 'diagnostics',
    prefix: 'DIAGNOSTICS',
    codes: diagnostics.DiagnosticsErrorCode,
    ErrorClass: diagnostics.DiagnosticsError as unknown as ErrorClass,
    guard: diagnostics.isDiagnosticsError,
  },
  '@kubediag/envtest': {
    dir: 'envtest',
    prefix: 'ENVTEST',
    codes: envtest.EnvtestErrorCode,
    ErrorClass: envtest.EnvtestError as unknown as ErrorClass,
    guard: envtest.isEnvtestError,
  },
};

const packagesDir = join(import.meta.dirname, '..', '..');

describe.each(Object.entries(packages))('%s', (_name, pkg) => {
  const entries = Object.entries(pkg.codes);

  it('names every code KDIAG_<PACKAGE>_<KEY> with a SCREAMING_SNAKE key, and has INVALID_OPTIONS', () => {
    expect(entries.length).toBeGreaterThan(0);
    for (const [key, value] of entries) {
      expect(key).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
      expect(value).toBe(`KDIAG_${pkg.prefix}_${key}`);
    }
    expect(pkg.codes['INVALID_OPTIONS']).toBe(`KDIAG_${pkg.prefix}_INVALID_OPTIONS`);
  });

  it('has one error class on the kit base: code, problems, cause, its guard, the kit guard', () => {
    const cause = new Error('underlying');
    const err = new pkg.ErrorClass(pkg.codes['INVALID_OPTIONS']!, 'invalid options: x: expected y', {
      cause,
      problems: [{ path: 'x', message: 'expected y' }],
    });
    expect(err).toBeInstanceOf(KubediagError);
    expect(err.code).toBe(`KDIAG_${pkg.prefix}_INVALID_OPTIONS`);
    expect(err.problems).toEqual([{ path: 'x', message: 'expected y' }]);
    expect(err.cause).toBe(cause);
    expect(err.name).toBe(pkg.ErrorClass.name);
    expect(pkg.guard(err)).toBe(true);
    expect(pkg.guard(err, pkg.codes['INVALID_OPTIONS'] as never)).toBe(true);
    expect(pkg.guard(new Error('plain'))).toBe(false);
    expect(isKubediagError(err, err.code)).toBe(true);
  });

  it('lists every code in the README Errors section', () => {
    const readme = readFileSync(join(packagesDir, pkg.dir, 'README.md'), 'utf8');
    const errors = readme.slice(readme.indexOf('## Errors'));
    expect(readme).toContain('## Errors');
    for (const [, value] of entries) expect(errors).toContain(value);
  });
});

describe('across packages', () => {
  it('no code is used by two packages, and every prefix is one package', () => {
    const all = Object.values(packages).flatMap((p) => Object.values(p.codes));
    expect(new Set(all).size).toBe(all.length);
    const prefixes = Object.values(packages).map((p) => p.prefix);
    for (const p of prefixes) expect(prefixes.filter((q) => q !== p && q.startsWith(`${p}_`))).toEqual([]);
  });

  it('walks every package that has errors (a new package must be added here)', () => {
    const withErrors = readdirSync(packagesDir).filter((dir) =>
      existsSync(join(packagesDir, dir, 'src', 'errors.ts')),
    );
    expect(
      Object.values(packages)
        .map((p) => p.dir)
        .sort(),
    ).toEqual(withErrors.sort());
  });
});

// kubediag-envtest's command line, run in-process: help, usage errors (exit 2, with the closest
// command or option), and `setup`. `start` runs a real control plane: bin.int.test.ts.
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, USAGE } from '../src/cli.ts';
import { createFakeAssets, type FakeAssets } from './support/fake-assets.ts';
import { processesMatching } from './support/procs.ts';

let assets: FakeAssets;
beforeAll(async () => {
  assets = await createFakeAssets();
});
afterAll(async () => {
  await assets.remove();
});

async function cli(
  argv: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env,
  });
  return { code, stdout, stderr };
}

describe('unit: kubediag-envtest', () => {
  it('prints its usage for --help, -h and help (exit 0), and on stderr without a command (exit 2)', async () => {
    for (const argv of [['--help'], ['-h'], ['help'], ['start', '--help']])
      expect(await cli(argv), argv.join(' ')).toEqual({ code: 0, stdout: USAGE, stderr: '' });
    expect(await cli([])).toEqual({ code: 2, stdout: '', stderr: USAGE });
    expect(USAGE).toMatch(/^Usage: kubediag-envtest <command>/);
  });

  it.each([
    [['strat'], 'kubediag-envtest: unknown command "strat"; did you mean "start"?'],
    [
      ['start', '--kubecnfig', 'x'],
      'kubediag-envtest start: unknown option --kubecnfig; did you mean --kubeconfig?',
    ],
    [['start', '--kubeconfig'], 'kubediag-envtest start: --kubeconfig needs a value'],
    [['start', '--audit-log=yes'], 'kubediag-envtest start: --audit-log takes no value'],
    [['start', 'now'], 'kubediag-envtest start: unexpected argument "now"'],
    [
      ['setup', '--print-dri'],
      'kubediag-envtest setup: unknown option --print-dri; did you mean --print-dir?',
    ],
  ])('refuses %j with exit code 2 and says why', async (argv, message) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `${message}\nRun \`kubediag-envtest --help\` for the commands and their options.\n`,
    );
  });

  it('setup --print-dir prints the directory the harness uses, building nothing', async () => {
    expect(await cli(['setup', '--print-dir'], assets.env({ KUBEBUILDER_ASSETS: assets.full }))).toEqual({
      code: 0,
      stdout: `${assets.full}\n`,
      stderr: '',
    });
    expect((await cli(['setup', '--print-dir'], assets.env())).stdout).toBe(`${assets.cache}/k8s-v1.35.4\n`);
  });

  it('setup runs setup.sh for the control plane (its log on stderr) and prints only the directory', async () => {
    const r = await cli(['setup'], assets.env({ KUBEBUILDER_ASSETS: assets.full }));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${assets.full}\n`);
    expect(r.stderr).toContain('holds kube-apiserver, etcd and kubectl: using them');
  });

  it('setup fails (exit 1) when setup.sh cannot provide the binaries', async () => {
    const r = await cli(['setup'], assets.env());
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('go: no builds in this test');
    expect(r.stderr).toMatch(
      /kubediag-envtest setup: `bash .*setup\.sh --only control-plane` failed \(exit 1\)/,
    );
  });

  it('start refuses an existing --kubeconfig file before starting anything', async () => {
    const existing = join(assets.empty, 'kubeconfig');
    await writeFile(existing, 'mine');
    const r = await cli(['start', '--kubeconfig', existing]);
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr: `kubediag-envtest start: --kubeconfig ${existing} exists; expected a new file (it is removed at stop)\n`,
    });
    expect(readFileSync(existing, 'utf8')).toBe('mine');
    expect(processesMatching('kubediag-envtest-').filter((p) => p.includes(String(process.pid)))).toEqual([]);
  });

  it('is the package\'s "bin", built from src/bin.ts, an ESM script with a shebang', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      bin?: Record<string, string>;
      type?: string;
    };
    expect(pkg.bin).toEqual({ 'kubediag-envtest': './dist/bin.js' });
    expect(pkg.type).toBe('module');
    expect(readFileSync(new URL('../src/bin.ts', import.meta.url), 'utf8')).toMatch(
      /^#!\/usr\/bin\/env node\n/,
    );
  });
});

// A fresh npm project outside the workspace, as an operator author makes one: the packed kubediag
// tarballs, the peers npm picks today for the given ranges, and the consumer programs of fixtures/.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { PackedWorkspace } from './pack.ts';

const run = promisify(execFile);
const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

/** What the consumer project installs besides kubediag. */
export interface ConsumerDependencies {
  /** A semver range or dist-tag of `@kubernetes/client-node`, as an author would write it. */
  readonly clientNode: string;
}

/** An installed consumer project. */
export interface ConsumerProject {
  readonly dir: string;
  /** The versions npm picked. */
  readonly versions: Readonly<Record<string, string>>;
}

/** Creates and installs a consumer project (no lockfile: npm resolves every range today). */
export async function createConsumerProject(
  packed: PackedWorkspace,
  deps: ConsumerDependencies,
): Promise<ConsumerProject> {
  const dir = await mkdtemp(join(tmpdir(), 'kubediag-consumer-'));
  await cp(FIXTURES, dir, { recursive: true });
  const kubediag = Object.fromEntries(
    Object.entries(packed.tarballs).map(([name, file]) => [name, `file:${file}`]),
  );
  const nodeMajor = process.versions.node.split('.')[0]!;
  const manifest = {
    name: 'kubediag-consumer',
    private: true,
    type: 'module',
    dependencies: {
      '@kubediag/diagnostics': kubediag['@kubediag/diagnostics'],
      '@kubediag/tracing-config': kubediag['@kubediag/tracing-config'],
      '@kubernetes/client-node': deps.clientNode,
      'prom-client': '^15.0.0',
    },
    // skipLibCheck is off in the TypeScript consumers, so that our declaration files are checked too;
    // client-node's own typings then need @types/ws (its isomorphic-ws re-exports ws), as for any author.
    devDependencies: { typescript: '^5.9.0', '@types/node': `^${nodeMajor}.0.0`, '@types/ws': '^8.5.0' },
    // The tarballs depend on each other by version; an operator gets them from the registry, we from the packs.
    overrides: kubediag,
  };
  await writeFile(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: dir,
    maxBuffer: 64 << 20,
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
  const versions: Record<string, string> = {};
  for (const name of ['@kubernetes/client-node', 'prom-client', 'typescript', '@kubediag/diagnostics']) {
    const pkg = JSON.parse(await readFile(join(dir, 'node_modules', name, 'package.json'), 'utf8')) as {
      version: string;
    };
    versions[name] = pkg.version;
  }
  return { dir, versions };
}

/** Compiles the TypeScript consumer under one module resolution; resolves with tsc's output on success. */
export async function compileTypeScriptConsumer(
  project: ConsumerProject,
  resolution: 'node16' | 'nodenext' | 'bundler',
): Promise<string> {
  const tsc = join(project.dir, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    const { stdout } = await run(
      process.execPath,
      [tsc, '-p', join(project.dir, 'ts', `tsconfig.${resolution}.json`)],
      {
        cwd: project.dir,
      },
    );
    return stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    throw new Error(`tsc (${resolution}) failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

/** What a consumer program reported on its `KUBEDIAG_CONSUMER` line. */
export interface ConsumerReport {
  readonly node: string;
  readonly url?: string;
  readonly error?: { readonly code?: string; readonly message: string };
  readonly trace?: { readonly traceId: string; readonly spanId: string };
}

/** A running consumer program. */
export interface RunningConsumer {
  readonly report: ConsumerReport;
  /** Everything it printed so far. */
  output(): string;
  /** SIGTERM, then its exit code; rejects when it does not exit within `timeoutMs`. */
  stop(timeoutMs?: number): Promise<number | null>;
  /** Its exit code once it exits by itself. */
  readonly exited: Promise<number | null>;
}

/** Starts `entry` (relative to the project) with Node, waiting for its report line. */
export async function startConsumer(
  project: ConsumerProject,
  entry: string,
  env: Readonly<Record<string, string>>,
): Promise<RunningConsumer> {
  const child: ChildProcess = spawn(process.execPath, [join(project.dir, entry)], {
    cwd: project.dir,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const report = await new Promise<ConsumerReport>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${entry} did not report within 60 s:\n${out}`));
    }, 60_000);
    const look = () => {
      const m = /^KUBEDIAG_CONSUMER (.*)$/m.exec(out);
      if (m === null) return;
      clearTimeout(timer);
      resolve(JSON.parse(m[1]!) as ConsumerReport);
    };
    child.stdout!.on('data', look);
    void exited.then(() => {
      look();
      clearTimeout(timer);
      reject(new Error(`${entry} exited before reporting:\n${out}`));
    });
  });
  return {
    report,
    output: () => out,
    exited,
    async stop(timeoutMs = 20_000) {
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`${entry} did not exit within ${timeoutMs} ms of SIGTERM:\n${out}`));
        }, timeoutMs);
      });
      try {
        return await Promise.race([exited, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

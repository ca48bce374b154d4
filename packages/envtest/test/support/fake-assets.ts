// Directories for tests of where the control-plane binaries come from: one holding executable
// stand-ins for kube-apiserver, etcd and kubectl, one empty, a setup cache, and a `go` that refuses
// (so that a build setup.sh should not start fails at once instead of downloading modules).
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FakeAssets {
  /** Holds executable kube-apiserver, etcd and kubectl. */
  readonly full: string;
  readonly empty: string;
  /** A KUBEDIAG_CACHE that starts empty. */
  readonly cache: string;
  /** An environment for setup.sh: the refusing go first on PATH, HOME and KUBEDIAG_CACHE in the temp dir. */
  env(extra?: Record<string, string>): Record<string, string>;
  remove(): Promise<void>;
}

async function executable(path: string, text: string): Promise<void> {
  await writeFile(path, text);
  await chmod(path, 0o755);
}

export async function createFakeAssets(): Promise<FakeAssets> {
  const root = await mkdtemp(join(tmpdir(), 'kubediag-fake-assets-'));
  const [full, empty, cache, bin] = ['full', 'empty', 'cache', 'bin'].map((d) => join(root, d)) as [
    string,
    string,
    string,
    string,
  ];
  for (const dir of [full, empty, bin]) await mkdir(dir);
  for (const b of ['kube-apiserver', 'etcd', 'kubectl']) await executable(join(full, b), '#!/bin/sh\n');
  await executable(join(bin, 'go'), '#!/bin/sh\necho "go: no builds in this test" >&2\nexit 1\n');
  return {
    full,
    empty,
    cache,
    env: (extra = {}) => ({ PATH: `${bin}:/usr/bin:/bin`, HOME: root, KUBEDIAG_CACHE: cache, ...extra }),
    remove: () => rm(root, { recursive: true, force: true }),
  };
}

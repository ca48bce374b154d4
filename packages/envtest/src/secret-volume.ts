import { mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { integer } from '@kubediag/options';
import { assertArgument } from './options.ts';

/**
 * Publishes a serving pair into `dir` the way kubelet's AtomicWriter updates a mounted Secret: the
 * files go into a fresh `..<generation>` directory, a `..data_tmp` symlink to it is renamed over
 * `..data` (one atomic step), and `tls.crt`/`tls.key` are symlinks through `..data`. The previous
 * generation is removed afterwards, as kubelet does. Start with generation 1. For tests of certificate
 * reloading (a cert dir mounted from a Secret).
 */
export async function publishSecret(
  dir: string,
  generation: number,
  pair: { readonly certPem: string; readonly keyPem: string },
): Promise<void> {
  // The pair is not checked for other keys: callers pass whatever holds certPem and keyPem.
  assertArgument('invalid secret generation', integer({ min: 1 }), generation, 'generation');
  const target = `..gen_${generation}`;
  await mkdir(join(dir, target));
  await writeFile(join(dir, target, 'tls.crt'), pair.certPem);
  await writeFile(join(dir, target, 'tls.key'), pair.keyPem);
  await symlink(target, join(dir, '..data_tmp'));
  await rename(join(dir, '..data_tmp'), join(dir, '..data'));
  if (generation === 1) {
    await symlink('..data/tls.crt', join(dir, 'tls.crt'));
    await symlink('..data/tls.key', join(dir, 'tls.key'));
  } else {
    await rm(join(dir, `..gen_${generation - 1}`), { recursive: true, force: true });
  }
}

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimDir, sweepStaleDirs } from '../src/internal/stale-dirs.ts';

describe('unit: stale temp dirs', () => {
  let parent: string;
  beforeAll(async () => {
    parent = await mkdtemp(join(tmpdir(), 'kubediag-sweep-'));
  });
  afterAll(async () => {
    await rm(parent, { recursive: true, force: true });
  });

  it('removes only dirs whose owner process is gone', async () => {
    const deadPid = spawnSync('/bin/true').pid; // exited and reaped: its pid names no process
    const dead = join(parent, 'kubediag-envtest-dead');
    const mine = join(parent, 'kubediag-envtest-mine');
    const unowned = join(parent, 'kubediag-envtest-starting');
    const other = join(parent, 'something-else');
    for (const d of [dead, mine, unowned, other]) await mkdir(d);
    await writeFile(join(dead, 'owner.pid'), `${deadPid}\n`);
    await writeFile(join(other, 'owner.pid'), `${deadPid}\n`);
    await claimDir(mine);

    expect(await sweepStaleDirs(parent, 'kubediag-envtest-')).toEqual([dead]);
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(mine)).toBe(true);
    expect(existsSync(unowned)).toBe(true);
    expect(existsSync(other)).toBe(true);
  });
});

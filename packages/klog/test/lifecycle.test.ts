import { fstatSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createFileOutput, createLogger, getOutputControl } from '../src/index.ts';

const tmp = mkdtempSync(join(tmpdir(), 'klog-lifecycle-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function activeResources(): string[] {
  return process.getActiveResourcesInfo().sort();
}

/** Whether `fd` still refers to the file whose inode was `ino` (a closed number may be reused). */
function stillOpen(fd: number, ino: number): boolean {
  try {
    return fstatSync(fd).ino === ino;
  } catch (err) {
    expect((err as NodeJS.ErrnoException).code).toBe('EBADF');
    return false;
  }
}

describe('lifecycle', () => {
  it("a file output's close() writes every line, then leaves no timer, handle or descriptor behind", async () => {
    const before = activeResources();
    const path = join(tmp, 'operator.log');
    const output = createFileOutput(path);
    const ino = fstatSync(output.fd).ino;
    const log = createLogger({ output, caller: false });
    for (let i = 0; i < 1000; i++) log.info('line', { i }); // a batch waiting for its flush
    await getOutputControl(log).close();
    expect(activeResources()).toEqual(before);
    expect(stillOpen(output.fd, ino)).toBe(false);
    expect(readFileSync(path, 'utf8').split('\n').filter(Boolean)).toHaveLength(1000);
    log.info('after close');
    expect(getOutputControl(log).droppedLines).toBe(1);
  });

  it('leaves a descriptor it did not open to its owner', async () => {
    const owner = createFileOutput(join(tmp, 'owned.log'));
    const log = createLogger({ output: createFileOutput(owner.fd), caller: false });
    log.info('line');
    await getOutputControl(log).close();
    const ino = fstatSync(owner.fd).ino;
    expect(stillOpen(owner.fd, ino)).toBe(true);
    await getOutputControl(createLogger({ output: owner })).close();
  });
});

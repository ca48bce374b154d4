// The README's main command (`npm run demo`): installs what is missing, then runs the demo operator
// from its TypeScript sources. Extra arguments go to the operator (`npm run demo -- --help`).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ensureInstall, root } from './ensure-install.mjs';

ensureInstall();
const child = spawn(
  process.execPath,
  [
    '--conditions=@kubediag/source',
    '--import',
    'tsx',
    join(root, 'examples/demo-operator/src/main.ts'),
    ...process.argv.slice(2),
  ],
  { cwd: join(root, 'examples/demo-operator'), stdio: 'inherit' },
);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

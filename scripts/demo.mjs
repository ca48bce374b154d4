// The README's main command (`npm run demo`): installs what is missing, builds the packages as they
// ship (incrementally: seconds after the first time), then runs the demo operator's compiled
// JavaScript on them, as an operator runs in its container. Extra arguments go to the operator
// (`npm run demo -- --help`).
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { ensureInstall, root } from './ensure-install.mjs';

ensureInstall();
process.stderr.write('[kubediag] building the packages (node scripts/build.mjs)\n');
execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
const child = spawn(
  process.execPath,
  ['--enable-source-maps', join(root, 'examples/demo-operator/dist/main.js'), ...process.argv.slice(2)],
  { cwd: join(root, 'examples/demo-operator'), stdio: 'inherit' },
);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

// The README's test command (`npm test`): installs what is missing, provides the real peers
// (kube-apiserver, etcd, kubectl, an OpenTelemetry Collector, Prometheus; built once and cached),
// runs every vitest project and ends with one plain line: `N passed, N failed`.
//
//   npm test                       everything
//   npm test -- packages/klog      a subset (arguments go to vitest)
//   KUBEDIAG_SKIP_SETUP=1          do not build or install peers (integration tests then fail loudly)
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensureInstall, root } from './ensure-install.mjs';

ensureInstall();

if (process.env.KUBEDIAG_SKIP_SETUP !== '1') {
  const setup = spawnSync('bash', [join(root, 'packages/envtest/setup/setup.sh')], {
    cwd: root,
    stdio: 'inherit',
  });
  if (setup.status !== 0)
    process.stderr.write('[kubediag] peer setup failed; integration tests will report it\n');
}

const report = join(root, `.vitest-node${process.versions.node.split('.')[0]}.json`);
rmSync(report, { force: true });
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const run = spawnSync(
  process.execPath,
  [
    vitest,
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile=${report}`,
    ...process.argv.slice(2),
  ],
  { cwd: root, stdio: 'inherit' },
);

let passed = 0;
let failed = 0;
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  passed = r.numPassedTests;
  // A file that fails to load counts its failure even though no test in it ran.
  failed =
    r.numFailedTests +
    (r.testResults ?? []).filter((f) => f.status === 'failed' && f.assertionResults.length === 0).length;
} else {
  failed = 1;
}
console.log(`node ${process.versions.node}: ${passed} passed, ${failed} failed`);
process.exit(run.status === 0 && failed === 0 ? 0 : 1);

// `kubediag-envtest start`: a control plane for manual work. It prints where it is, runs until
// SIGINT (Ctrl-C), SIGTERM or SIGHUP, then stops etcd and kube-apiserver gracefully (exit 0). A
// second signal gives up waiting; the exit hook then kills both at once. If one of them dies, it
// says so and exits 1.
import { existsSync, rmSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import type { CliIo } from './cli.ts';
import { startControlPlane } from './control-plane.ts';
import { registerExitCleanup } from './internal/process.ts';

/** What `start`'s command line asks for. */
export interface StartCommandOptions {
  readonly kubeconfig: string | undefined;
  readonly auditLog: boolean;
  readonly extraApiServerArgs: readonly string[];
  readonly extraEtcdArgs: readonly string[];
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export async function startCommand(o: StartCommandOptions, io: CliIo): Promise<number> {
  if (o.kubeconfig !== undefined && existsSync(o.kubeconfig)) {
    io.stderr.write(
      `kubediag-envtest start: --kubeconfig ${o.kubeconfig} exists; expected a new file (it is removed at stop)\n`,
    );
    return 1;
  }
  // Listening from the start: a Ctrl-C while etcd and kube-apiserver come up stops them once they
  // are up, rather than killing them half-started. The listeners also tell the harness's own signal
  // hook that this process stops them itself.
  let stopSignal: NodeJS.Signals | undefined;
  let onStopRequested: (signal: NodeJS.Signals) => void = () => {};
  const stopRequested = new Promise<NodeJS.Signals>((resolve) => (onStopRequested = resolve));
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopSignal !== undefined) {
      io.stderr.write(`kubediag-envtest: ${signal} again: killing etcd and kube-apiserver\n`);
      process.exit(1);
    }
    stopSignal = signal;
    onStopRequested(signal);
  };
  for (const s of SIGNALS) process.on(s, onSignal);
  // Neither signal listeners nor the (unref'd) control-plane processes keep Node running.
  const keepAlive = setInterval(() => {}, 2 ** 30);
  try {
    const started = Date.now();
    const cp = await startControlPlane({
      auditLog: o.auditLog,
      extraApiServerArgs: o.extraApiServerArgs,
      extraEtcdArgs: o.extraEtcdArgs,
    });
    let kubeconfig = cp.kubeconfigPath;
    let unregister = (): void => {};
    if (o.kubeconfig !== undefined) {
      const copy = o.kubeconfig;
      try {
        await copyFile(cp.kubeconfigPath, copy, constants.COPYFILE_EXCL);
      } catch (err) {
        await cp.stop();
        throw err;
      }
      unregister = registerExitCleanup(() => rmSync(copy, { force: true }));
      kubeconfig = copy;
    }
    io.stdout.write(`KUBECONFIG=${kubeconfig}\nAPISERVER=${cp.url}\n`);
    io.stderr.write(
      `kubediag-envtest: control plane ready in ${((Date.now() - started) / 1000).toFixed(1)} s ` +
        `(files in ${cp.dir}${o.auditLog ? `, audit log ${cp.dir}/audit.log` : ''}).\n` +
        `In another shell: export KUBECONFIG=${kubeconfig}\nCtrl-C stops it.\n`,
    );

    const outcome = await Promise.race([
      stopRequested.then((signal) => ({ signal })),
      cp.exited.then((exit) => ({ exit })),
    ]);
    if ('exit' in outcome) {
      const { process: name, code, signal } = outcome.exit;
      io.stderr.write(
        `kubediag-envtest: ${name} exited unexpectedly (${signal ?? `exit code ${String(code)}`}); stopping\n`,
      );
    } else {
      io.stderr.write(`kubediag-envtest: ${outcome.signal}: stopping etcd and kube-apiserver\n`);
    }
    await cp.stop();
    if (o.kubeconfig !== undefined) rmSync(o.kubeconfig, { force: true });
    unregister();
    if ('exit' in outcome) return 1;
    io.stderr.write('kubediag-envtest: stopped\n');
    return 0;
  } finally {
    clearInterval(keepAlive);
    for (const s of SIGNALS) process.removeListener(s, onSignal);
  }
}

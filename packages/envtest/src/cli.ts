// kubediag-envtest, the package's command: `setup` prints the control-plane binaries' directory
// (building them once if needed), as controller-runtime's `setup-envtest use -p path` does; `start`
// runs a control plane for manual work until Ctrl-C, as kind gives a cluster. src/bin.ts runs it.
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { suggest } from '@kubediag/options';
import { startCommand } from './cli-start.ts';
import { isEnvtestError } from './errors.ts';
import { assetsDir, findPeer, SETUP_COMMAND, SETUP_SCRIPT } from './peers.ts';

/** Where the command writes and what environment it reads; the process's own in bin.ts. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly env: NodeJS.ProcessEnv;
}

const NAME = 'kubediag-envtest';

/** Exit codes: as most command-line tools, 2 for a command line that cannot be used. */
const OK = 0;
const FAILED = 1;
const USAGE_ERROR = 2;

export const USAGE: string = `Usage: ${NAME} <command> [options]

Commands:
  setup                 make sure kube-apiserver, etcd and kubectl are there (built once into the
                        cache when KUBEDIAG_ASSETS or KUBEBUILDER_ASSETS does not provide them) and
                        print their directory: export KUBEBUILDER_ASSETS=$(${NAME} setup)
    --print-dir         only print the directory; build nothing
  start                 start etcd and kube-apiserver on 127.0.0.1, print KUBECONFIG=<file> and
                        APISERVER=<url>, and run until Ctrl-C (SIGINT) or SIGTERM, then stop both
    --kubeconfig <file> also write the admin kubeconfig to <file> (a new file; removed at stop)
    --audit-log         write kube-apiserver's TokenReview/SubjectAccessReview audit log
    --apiserver-arg <flag>  an extra kube-apiserver flag, e.g. --apiserver-arg=--v=4 (repeatable)
    --etcd-arg <flag>   an extra etcd flag (repeatable)
  help                  this text (also: --help, -h)

Environment: KUBEDIAG_ASSETS, then KUBEBUILDER_ASSETS (when it holds the three binaries), name
their directory; KUBEDIAG_CACHE, KUBEDIAG_K8S_VERSION the setup cache (see @kubediag/envtest's README).
`;

/** A command line that cannot be used: `kubediag-envtest[ <command>]: <message>`, exit code 2. */
class UsageError extends Error {
  readonly command: string | undefined;
  constructor(command: string | undefined, message: string) {
    super(message);
    this.command = command;
  }
}

type OptionSpec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>;

/**
 * Parses `args` against `spec`, refusing positionals, unknown options (with the closest known one)
 * and options without their value.
 */
function parse(command: string, args: readonly string[], spec: OptionSpec): Record<string, unknown> {
  const { values, tokens } = parseArgs({ args: [...args], options: spec, strict: false, tokens: true });
  for (const token of tokens) {
    if (token.kind === 'positional') throw new UsageError(command, `unexpected argument "${token.value}"`);
    if (token.kind !== 'option') continue;
    const known = spec[token.name];
    if (known === undefined) {
      const guess = suggest(token.name, Object.keys(spec));
      throw new UsageError(
        command,
        `unknown option ${token.rawName}${guess === undefined ? '' : `; did you mean --${guess}?`}`,
      );
    }
    if (known.type === 'string' && token.value === undefined)
      throw new UsageError(command, `${token.rawName} needs a value`);
    if (known.type === 'boolean' && token.value !== undefined)
      throw new UsageError(command, `${token.rawName} takes no value`);
  }
  return values;
}

/** Runs setup.sh for the control plane, its output going to stderr: stdout is the directory alone. */
function runSetupScript(io: CliIo): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [SETUP_SCRIPT, '--only', 'control-plane'], {
      env: io.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d: Buffer) => io.stderr.write(d.toString()));
    child.stderr.on('data', (d: Buffer) => io.stderr.write(d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  });
}

async function setup(args: readonly string[], io: CliIo): Promise<number> {
  const values = parse('setup', args, { 'print-dir': { type: 'boolean' } });
  const dir = assetsDir(io.env);
  if (values['print-dir'] !== true) {
    const status = await runSetupScript(io);
    if (status !== 0) {
      io.stderr.write(
        `${NAME} setup: \`${SETUP_COMMAND} --only control-plane\` failed (exit ${String(status)})\n`,
      );
      return FAILED;
    }
    // Says which binary is missing, and why there, should the script have left one out.
    for (const name of ['kube-apiserver', 'etcd', 'kubectl'] as const) findPeer(name, { env: io.env });
  }
  io.stdout.write(`${dir}\n`);
  return OK;
}

async function start(args: readonly string[], io: CliIo): Promise<number> {
  const values = parse('start', args, {
    kubeconfig: { type: 'string' },
    'audit-log': { type: 'boolean' },
    'apiserver-arg': { type: 'string', multiple: true },
    'etcd-arg': { type: 'string', multiple: true },
  });
  return startCommand(
    {
      kubeconfig: values['kubeconfig'] as string | undefined,
      auditLog: values['audit-log'] === true,
      extraApiServerArgs: (values['apiserver-arg'] as string[] | undefined) ?? [],
      extraEtcdArgs: (values['etcd-arg'] as string[] | undefined) ?? [],
    },
    io,
  );
}

const COMMANDS: Record<string, (args: readonly string[], io: CliIo) => Promise<number>> = { setup, start };

/** Runs `kubediag-envtest <argv>`; resolves with the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined || argv.some((a) => a === '--help' || a === '-h') || command === 'help') {
    (command === undefined ? io.stderr : io.stdout).write(USAGE);
    return command === undefined ? USAGE_ERROR : OK;
  }
  try {
    const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (run === undefined) {
      const guess = suggest(command, [...Object.keys(COMMANDS), 'help']);
      throw new UsageError(
        undefined,
        `unknown command "${command}"${guess === undefined ? '' : `; did you mean "${guess}"?`}`,
      );
    }
    return await run(args, io);
  } catch (err) {
    if (err instanceof UsageError) {
      const where = err.command === undefined ? NAME : `${NAME} ${err.command}`;
      io.stderr.write(
        `${where}: ${err.message}\nRun \`${NAME} --help\` for the commands and their options.\n`,
      );
      return USAGE_ERROR;
    }
    // Coded errors carry the whole story; anything else is a bug worth its stack.
    io.stderr.write(`${NAME}: ${isEnvtestError(err) ? err.message : String((err as Error).stack ?? err)}\n`);
    return FAILED;
  }
}

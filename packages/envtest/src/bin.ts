#!/usr/bin/env node
// The `kubediag-envtest` command (package.json "bin": dist/bin.js). See cli.ts.
import { runCli } from './cli.ts';

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});

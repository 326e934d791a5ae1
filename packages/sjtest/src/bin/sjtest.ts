#!/usr/bin/env node
import { main } from '../cli.js';

main(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  isTty: Boolean(process.stdout.isTTY),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`sjtest: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 70;
  },
);

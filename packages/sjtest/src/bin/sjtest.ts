#!/usr/bin/env node
import { main } from '../cli.js';

// A reader that stops early (`sjtest --list | head`) closes the pipe: that ends the output, quietly.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });

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

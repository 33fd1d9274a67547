#!/usr/bin/env node
// The entry Wireshark's launcher runs: `csharg extcap` without the rest of the csharg command
// (Commander, the other commands, the library), which Wireshark would otherwise load at each of
// its starts for every interface. `csharg extcap ARGS` and this entry with ARGS do the same.
import { runExtcap } from './command';

function flush(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => stream.write('', () => resolve()));
}

if (require.main === module) {
  void runExtcap(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env }).then(async (code) => {
    await Promise.all([flush(process.stdout), flush(process.stderr)]);
    // Nothing may keep the process (a FIFO's pending open, a socket): Wireshark waits for the exit.
    process.exit(code);
  });
}

// Benchmark dispatcher: `node --import tsx bench/run.ts NAME [args]` runs `run(args)` of bench/NAME.ts.

import path from 'node:path';

interface BenchModule {
  run(args: string[]): Promise<void>;
}

async function main(): Promise<void> {
  const [name, ...args] = process.argv.slice(2);
  if (name === undefined || !/^[a-z0-9-]+$/.test(name)) {
    process.stderr.write('usage: bench/run.ts NAME [args]   (NAME = a file bench/NAME.ts, e.g. pcapng)\n');
    process.exitCode = 2;
    return;
  }
  const mod = (await import(path.join(__dirname, `${name}.ts`))) as BenchModule;
  await mod.run(args);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exitCode = 1;
});

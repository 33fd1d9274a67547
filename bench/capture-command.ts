// `csharg capture`'s own cost, without the network: runCapture writing a synthetic capture (300 000
// packets of 96 bytes, 64 KiB chunks, one per macrotask like socket reads, a scripted tank that
// honours pause/resume) into a temporary file, plain, with --count and with --max-bytes. Reports
// wall time and this process's CPU time per run (CPU time is the steadier figure on a shared
// machine); runs interleaved, medians taken.
//
//   npm run bench -- capture-command [--root DIR] [--rounds N]
//
// --root measures another tree's src/ (for a before/after: `git archive COMMIT src | tar -x -C DIR`
// and a node_modules symlink in DIR), side by side with this one.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OptionCode, encodeBlock, option } from '../src/core/pcapng';
import type { CaptureHandlers, CaptureSession } from '../src/core/capture-source';
import type { SharkTank } from '../src/core/shark-tank';

const PACKETS = 300_000;
const CHUNK = 64 * 1024;
const MODES = ['plain', 'count', 'bytes'] as const;

function capture(): Buffer {
  const parts: Buffer[] = [
    encodeBlock({ kind: 'shb', littleEndian: true, options: [option.string(OptionCode.SHB_USERAPPL, 'bench')], endOfOptions: true }),
    encodeBlock({ kind: 'idb', littleEndian: true, linkType: 1, snapLen: 262144, options: [], endOfOptions: true }),
  ];
  const data = Buffer.alloc(96, 7);
  for (let i = 0; i < PACKETS; i++) {
    parts.push(encodeBlock({ kind: 'epb', littleEndian: true, interfaceId: 0, timestampHigh: 0, timestampLow: i, originalLength: data.length, data }));
  }
  return Buffer.concat(parts);
}

function scriptedTank(stream: Buffer): SharkTank {
  return {
    description: 'bench',
    targets: () => Promise.resolve([]),
    clear: () => undefined,
    openCapture(_t, _o, h: CaptureHandlers): CaptureSession {
      let pos = 0;
      let paused = false;
      let ended = false;
      const pump = (): void => {
        if (paused || ended) return;
        if (pos >= stream.length) {
          ended = true;
          h.onEnd({ kind: 'completed' });
          return;
        }
        h.onChunk(stream.subarray(pos, pos + CHUNK));
        pos += CHUNK;
        setImmediate(pump);
      };
      setImmediate(pump);
      return {
        stop() {
          if (!ended) {
            ended = true;
            setImmediate(() => h.onEnd({ kind: 'stopped' }));
          }
          return Promise.resolve({ kind: 'stopped' });
        },
        pause() {
          paused = true;
        },
        resume() {
          if (!paused) return;
          paused = false;
          setImmediate(pump);
        },
      };
    },
  };
}

type RunCapture = (tank: SharkTank, target: { name: string; type: string }, opts: Record<string, unknown>) => Promise<{ packets: number }>;

async function once(runCapture: RunCapture, stream: Buffer, mode: (typeof MODES)[number]): Promise<{ ms: number; cpu: number; packets: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'csharg-bench-capture-'));
  try {
    const opts: Record<string, unknown> = { write: path.join(dir, 'x.pcapng'), quiet: true };
    if (mode === 'count') opts.count = PACKETS - 10;
    if (mode === 'bytes') opts.maxBytes = stream.length - 1000;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const outcome = await runCapture(scriptedTank(stream), { name: 'x', type: 'proc' }, opts);
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    return { ms, cpu: (cpu.user + cpu.system) / 1000, packets: outcome.packets };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(args: string[]): Promise<void> {
  const rootAt = args.indexOf('--root');
  const roundsAt = args.indexOf('--rounds');
  const rounds = roundsAt >= 0 ? Number(args[roundsAt + 1]) : 5;
  const trees: { name: string; dir: string }[] = [{ name: 'this tree', dir: path.join(__dirname, '..') }];
  if (rootAt >= 0) trees.push({ name: args[rootAt + 1]!, dir: path.resolve(args[rootAt + 1]!) });
  const runners = await Promise.all(trees.map(async (t) => ((await import(path.join(t.dir, 'src/cli/capture-command.ts'))) as { runCapture: RunCapture }).runCapture));
  const stream = capture();
  console.log(`csharg capture, ${PACKETS} packets (${(stream.length / 1e6).toFixed(1)} MB) into a file; medians of ${rounds} interleaved runs`);
  for (const mode of MODES) {
    const results = trees.map(() => ({ ms: [] as number[], cpu: [] as number[], packets: 0 }));
    for (let r = 0; r < rounds; r++) {
      for (const [i, runCapture] of runners.entries()) {
        const one = await once(runCapture, stream, mode);
        results[i]!.ms.push(one.ms);
        results[i]!.cpu.push(one.cpu);
        results[i]!.packets = one.packets;
      }
    }
    for (const [i, t] of trees.entries()) {
      const res = results[i]!;
      console.log(`${mode.padEnd(6)} ${t.name.padEnd(24)} wall ${median(res.ms).toFixed(0).padStart(5)} ms  cpu ${median(res.cpu).toFixed(0).padStart(5)} ms  ${(stream.length / 1e6 / (median(res.ms) / 1000)).toFixed(0).padStart(4)} MB/s  ${res.packets} packets`);
    }
  }
}

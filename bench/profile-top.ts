// Summarises V8 CPU profiles (node --cpu-prof, e.g. from `npm run bench -- e2e --cpu-prof DIR`):
// per profile the functions with the most self time, as a share of the profile's samples.
//   npm run bench -- profile-top FILE.cpuprofile|DIR [--top N]
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export function topSelf(profile: Profile, top: number): { name: string; ms: number; share: number }[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const n = byId.get(id);
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    if (!n) return;
    const f = n.callFrame;
    const where = f.url ? `${path.basename(f.url)}:${f.lineNumber + 1}` : '';
    const key = `${f.functionName || '(anonymous)'} ${where}`.trim();
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => ({ name, ms: Math.round(us / 1000), share: Math.round((us / total) * 1000) / 10 }));
}

export async function run(args: string[]): Promise<void> {
  const target = args.find((a) => !a.startsWith('--'));
  if (!target) throw new Error('usage: profile-top FILE.cpuprofile|DIR [--top N]');
  const i = args.indexOf('--top');
  const top = i >= 0 ? Number(args[i + 1]) : 15;
  const files = statSync(target).isDirectory() ? readdirSync(target).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(target, f)) : [target];
  for (const file of files) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
    process.stdout.write(`${path.basename(file)}\n`);
    for (const row of topSelf(profile, top)) process.stdout.write(`  ${String(row.share).padStart(5)}%  ${String(row.ms).padStart(6)} ms  ${row.name}\n`);
  }
  await Promise.resolve();
}

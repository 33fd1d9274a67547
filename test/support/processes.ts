// Which dumpcap processes this test process started and still has (to prove none is left).
import { readFileSync, readdirSync } from 'node:fs';
import { parseProcStat } from '../../src/core/local/proc-stat';

/** PIDs of this process's children that run dumpcap. */
export function childDumpcaps(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = parseProcStat(readFileSync(`/proc/${entry}/stat`, 'utf8'));
      if (stat.comm === 'dumpcap' && stat.ppid === process.pid) pids.push(Number(entry));
    } catch {
      // exited while scanning
    }
  }
  return pids;
}

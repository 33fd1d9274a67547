// Parsing of /proc/PID/stat. The command name (field 2) is chosen by the process itself and may
// hold spaces, parentheses and even newlines, so the fields after it are found by splitting after
// the LAST `)` in the text, never by splitting the whole line on spaces.

/** The fields of /proc/PID/stat that discovery needs. */
export interface ProcStat {
  pid: number;
  /** field 2 without its parentheses, as the kernel reports it (at most 15 bytes, any content) */
  comm: string;
  /** field 3: R, S, D, Z, ... */
  state: string;
  ppid: number;
  /** field 9: kernel PF_* flags */
  flags: number;
  /** field 22: start time in clock ticks since boot */
  starttime: number;
}

/** PF_KTHREAD: the task is a kernel thread (include/linux/sched.h). */
const PF_KTHREAD = 0x00200000;

function integerField(fields: readonly string[], index: number, name: string): number {
  const text = fields[index];
  if (text === undefined || !/^-?\d+$/.test(text)) throw new SyntaxError(`/proc/PID/stat: field ${name} is missing or not an integer`);
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new SyntaxError(`/proc/PID/stat: field ${name} is out of range: ${text}`);
  return value;
}

/** Parses the text of /proc/PID/stat; throws a SyntaxError when it is not one. */
export function parseProcStat(text: string): ProcStat {
  const open = text.indexOf(' (');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new SyntaxError('/proc/PID/stat: no "(comm)" field');
  const pidText = text.slice(0, open);
  if (!/^\d+$/.test(pidText)) throw new SyntaxError(`/proc/PID/stat: bad pid ${JSON.stringify(pidText)}`);
  // After `) ` come fields 3, 4, ...: field N is at index N - 3.
  const rest = text.slice(close + 1).trim().split(/\s+/);
  const state = rest[0];
  if (state === undefined || state === '') throw new SyntaxError('/proc/PID/stat: no state field');
  return {
    pid: Number(pidText),
    comm: text.slice(open + 2, close),
    state,
    ppid: integerField(rest, 4 - 3, 'ppid'),
    flags: integerField(rest, 9 - 3, 'flags'),
    starttime: integerField(rest, 22 - 3, 'starttime'),
  };
}

/** Kernel threads live in the initial namespaces and are never capture targets of their own. */
export function isKernelThread(stat: ProcStat): boolean {
  return (stat.flags & PF_KTHREAD) !== 0;
}

// Flags as Siemens' csharg (Go, cobra/pflag) accepts them, rewritten into the forms Commander
// parses: `-w=F` and `-i=eth0` (pflag drops the `=` after a short flag; Commander would keep it
// in the value), and booleans with a value, `--insecure=false`, `--debug=true`, `-d=1`,
// `--no-headers=true` (pflag's strconv.ParseBool words; Commander knows no boolean values).
// A later `--flag=false` cancels an earlier `--flag`, as the last one wins in pflag.
import type { Command } from 'commander';

interface FlagInfo {
  /** `-d, --debug` as pflag names the flag in its errors */
  display: string;
  takesValue: boolean;
  /** every spelling: `-d` and `--debug` */
  spellings: string[];
}

/** Every flag of `program` and its subcommands by spelling; a spelling with two meanings is left out. */
function flagTable(program: Command): Map<string, FlagInfo> {
  const table = new Map<string, FlagInfo | 'ambiguous'>();
  const visit = (cmd: Command): void => {
    for (const opt of cmd.options) {
      const spellings = [opt.short, opt.long].filter((s): s is string => s !== undefined);
      const info: FlagInfo = { display: spellings.join(', '), takesValue: opt.required || opt.optional, spellings };
      for (const s of spellings) {
        const known = table.get(s);
        if (known === undefined) table.set(s, info);
        else if (known === 'ambiguous' || known.takesValue !== info.takesValue) table.set(s, 'ambiguous');
      }
    }
    for (const sub of cmd.commands) visit(sub);
  };
  visit(program);
  const flags = new Map<string, FlagInfo>();
  for (const [s, info] of table) if (info !== 'ambiguous') flags.set(s, info);
  return flags;
}

/** pflag's boolean words (Go's strconv.ParseBool). */
export function parseCobraBool(value: string, flag: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  throw new Error(`invalid argument "${value}" for "${flag}" flag: expected true or false (1, t, T, TRUE, True, 0, f, F, FALSE, False)`);
}

/**
 * `argv` (node, script, arguments…) with csharg's flag forms rewritten for Commander. Unknown
 * flags and anything after `--` are left as they are (Commander reports them).
 */
export function normalizeCobraFlags(program: Command, argv: readonly string[]): string[] {
  const flags = flagTable(program);
  // A cancelled boolean flag leaves an undefined slot (an empty string is a real argument).
  const out: (string | undefined)[] = argv.slice(0, 2);
  // Where each boolean flag was set so far, to cancel it on a later `=false`.
  const setAt = new Map<FlagInfo, number[]>();
  const setBool = (info: FlagInfo, spelling: string, value: boolean): void => {
    if (value) {
      setAt.set(info, [...(setAt.get(info) ?? []), out.length]);
      out.push(spelling);
      return;
    }
    for (const at of setAt.get(info) ?? []) out[at] = undefined;
    setAt.delete(info);
  };
  const args = argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      out.push(...args.slice(i));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const info = flags.get(eq < 0 ? arg : arg.slice(0, eq));
      if (info === undefined) out.push(arg);
      else if (info.takesValue) {
        out.push(arg);
        // `--filter VALUE`: the next argument is the value, whatever it looks like.
        if (eq < 0 && i + 1 < args.length) out.push(args[++i]);
      } else if (eq < 0) setBool(info, arg, true);
      else setBool(info, arg.slice(0, eq), parseCobraBool(arg.slice(eq + 1), info.display));
      continue;
    }
    if (!arg.startsWith('-') || arg.length < 2) {
      out.push(arg);
      continue;
    }
    // A group of short flags, `-kd`, `-w=F`, `-wF`, `-d=true`, `-i eth0`.
    const group = arg.slice(1);
    const infos = [...group].map((c) => flags.get(`-${c}`));
    if (infos[0] === undefined) {
      out.push(arg);
      continue;
    }
    const rewritten: string[] = [];
    const bools: [FlagInfo, string, boolean][] = [];
    let takesNext = false;
    let ok = true;
    for (let j = 0; j < group.length; j++) {
      const spelling = `-${group[j]!}`;
      const info = flags.get(spelling);
      if (info === undefined) {
        ok = false;
        break;
      }
      if (info.takesValue) {
        let rest = group.slice(j + 1);
        if (rest.startsWith('=')) rest = rest.slice(1);
        rewritten.push(spelling);
        if (rest === '' && !group.endsWith('=')) takesNext = true;
        else rewritten.push(rest);
        break;
      }
      if (group[j + 1] === '=') {
        bools.push([info, spelling, parseCobraBool(group.slice(j + 2), info.display)]);
        break;
      }
      bools.push([info, spelling, true]);
    }
    if (!ok) {
      out.push(arg);
      continue;
    }
    for (const [info, spelling, value] of bools) setBool(info, spelling, value);
    out.push(...rewritten);
    if (takesNext && i + 1 < args.length) out.push(args[++i]);
  }
  return out.filter((a): a is string => a !== undefined);
}

/** `csharg options`: the global flags, one per line, as csharg prints them (no help flag). */
export function globalOptionsUsage(program: Command): string {
  const help = program.createHelp();
  const options = help.visibleOptions(program).filter((o) => o.long !== '--help');
  const terms = options.map((o) => help.optionTerm(o));
  const width = Math.max(...terms.map((t) => t.length));
  return options.map((o, k) => `  ${terms[k]!.padEnd(width)}   ${help.optionDescription(o)}\n`).join('');
}

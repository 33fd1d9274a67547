#!/usr/bin/env node
// The csharg command: csharg's list and capture (with its defects fixed), for Edgeshark services
// and for this machine.
import { Command, InvalidArgumentError, Option } from 'commander';
import { parseDuration } from '../core/duration';
import { SEMVER } from '../core/version';
import { isPacketflixLink, parsePacketflixLink } from '../core/host/packetflix-link';
import type { SharkTank } from '../core/shark-tank';
import type { CaptureOptions, Target } from '../core/target';
import { followingTank } from '../rx/follow';
import type { FollowOptions } from '../rx/follow';
import { refuseTerminalOutput, runCapture } from './capture-command';
import { globalOptionsUsage, normalizeCobraFlags } from './cobra-flags';
import { completionScript, parseShell } from './completion';
import { registerExtcap } from './extcap/command';
import { runMerge } from './merge-command';
import { runPackets } from './packets';
import { DEFAULT_SORT_BY, formatTargets, parseListFormat, parseSortKey, sortTargets } from './list-format';
import { resolveTarget } from './resolve-target';
import type { TargetQuery } from './resolve-target';
import { DEFAULT_EDGESHARK_SERVICE } from '../core/host/kubeconfig';
import { DEFAULT_HOST, tankFor } from './tank';
import type { GlobalOptions } from './tank';
import { groupOf, parseGroups } from './target-groups';
import { asError } from '../core/errors';

function durationArg(text: string): number {
  try {
    return parseDuration(text);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

function countArg(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError(`expected a whole number above 0, got "${text}"`);
  return n;
}

interface CaptureFlags {
  interface?: string[];
  filter?: string;
  avoidPromiscuous?: boolean;
  /** undefined: stdout, but not to a terminal */
  write?: string;
  stopAfter?: number;
  maxBytes?: number;
  count?: number;
  quiet?: boolean;
  wireshark?: boolean;
  follow?: boolean;
  followMaxDelay?: number;
  followGiveUpAfter?: number;
}

function addCaptureFlags(cmd: Command): Command {
  return cmd
    .option('-i, --interface <name>', 'interface to capture (repeatable; default: all of the target\'s)', (v: string, prev: string[] = []) => [...prev, v])
    .option('-f, --filter <expr>', 'capture filter in pcap-filter syntax')
    .option('-p, --avoid-promiscuous', 'ask for no promiscuous mode')
    .option('-w, --write <file>', 'write the pcapng stream to FILE, - for stdout (default: stdout, unless it is a terminal)')
    .option('--stop-after <duration>', 'stop gracefully after a duration, e.g. 10s, 1m30s', durationArg)
    .option('--max-bytes <n>', 'stop gracefully before the file exceeds N bytes (cut at a block boundary)', countArg)
    .option('-c, --count <n>', 'stop gracefully after exactly N packets', countArg)
    .option('--wireshark', 'start `wireshark -k -i -` and feed it the capture')
    .option('--follow', 'when the target goes away and comes back under its name, reconnect (backoff) and mark the gap')
    .option('--follow-max-delay <duration>', 'longest wait between reconnection attempts (default 30s)', durationArg)
    .option('--follow-give-up-after <duration>', 'give up after the target has been gone this long (default 1h)', durationArg)
    .option('-q, --quiet', 'no progress line and no summary on stderr');
}

interface ParsedGlobals extends Omit<GlobalOptions, 'host'> {
  host?: string[];
}

/** The global flags for one service: the last --host wins, as in csharg (merge takes them all). */
function globals(program: Command): GlobalOptions {
  const { host, ...rest } = program.opts<ParsedGlobals>();
  const last = host?.at(-1);
  return { ...rest, ...(last !== undefined ? { host: last } : {}) };
}

/** A `packetflix:` link: its service, target and options; command-line flags override the options. */
function linkCapture(global: GlobalOptions, link: string): { tank: SharkTank; target: Target; options: CaptureOptions } {
  if (global.local) throw new Error('a packetflix: link names an Edgeshark service; leave out --local');
  const parsed = parsePacketflixLink(link);
  if (global.host !== undefined) throw new Error(`a packetflix: link names its service (${parsed.serviceUrl}); leave out --host`);
  if (global.kubeconfig !== undefined || global.context !== undefined || global.edgesharkService !== undefined) {
    throw new Error(`a packetflix: link names its service (${parsed.serviceUrl}); leave out --kubeconfig, --context and --edgeshark-service`);
  }
  return { tank: tankFor({ ...global, host: parsed.serviceUrl }), target: parsed.target, options: parsed.options };
}

/** --follow: reconnect with capped exponential backoff, telling stderr what happens. */
function followOptions(flags: CaptureFlags): FollowOptions {
  const say = (text: string): void => {
    if (!flags.quiet) process.stderr.write(`csharg: ${text}\n`);
  };
  return {
    backoff: { initialMs: 1000, maxMs: flags.followMaxDelay ?? 30_000, factor: 2 },
    ...(flags.followGiveUpAfter !== undefined ? { giveUpAfterMs: flags.followGiveUpAfter } : {}),
    onEvent: (event) => {
      if (event.type === 'lost') say(`capture lost (${event.error.message}); following`);
      else if (event.type === 'retrying') say(`reconnecting in ${Math.round(event.delayMs)} ms (attempt ${event.attempt})`);
      else if (event.type === 'resumed') say(`resumed after a gap of ${Math.round(event.gapMs)} ms`);
    },
  };
}

async function capture(program: Command, query: TargetQuery, flags: CaptureFlags): Promise<void> {
  const global = globals(program);
  if (flags.wireshark && flags.write !== undefined && flags.write !== '-') throw new Error('--wireshark and -w exclude each other: Wireshark reads the capture');
  refuseTerminalOutput(flags.write, flags.wireshark === true);
  let tank: SharkTank;
  let target: Target;
  let linked: CaptureOptions = {};
  if (query.group === undefined && isPacketflixLink(query.name)) {
    ({ tank, target, options: linked } = linkCapture(global, query.name));
  } else {
    tank = tankFor(global);
    // A bare process name takes its one process target; stderr says which (unless --quiet).
    target = resolveTarget(await tank.targets(), query, (text) => {
      if (flags.quiet !== true) process.stderr.write(`csharg: ${text}\n`);
    });
  }
  const nifs = flags.interface ?? linked.nifs;
  const filter = flags.filter ?? linked.filter;
  if (flags.follow) tank = followingTank(tank, followOptions(flags));
  await runCapture(tank, target, {
    ...(nifs ? { nifs } : {}),
    ...(filter ? { filter } : {}),
    avoidPromiscuousMode: flags.avoidPromiscuous === true || linked.avoidPromiscuousMode === true,
    write: flags.write ?? '-',
    ...(flags.stopAfter !== undefined ? { stopAfterMs: flags.stopAfter } : {}),
    ...(flags.maxBytes !== undefined ? { maxBytes: flags.maxBytes } : {}),
    ...(flags.count !== undefined ? { count: flags.count } : {}),
    quiet: flags.quiet === true,
    wireshark: flags.wireshark === true,
    debug: global.debug === true,
  });
}

export function buildProgram(): Command {
  const program = new Command('csharg')
    .description('Live network captures from containers, pods and network namespaces (Siemens Edgeshark, or this machine)')
    .version(SEMVER, '--version')
    .addOption(
      new Option('--host <url>', `Packetflix service URL (env CSHARG_HOST; default ${DEFAULT_HOST}); the last one counts, merge takes several`).argParser(
        (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
      ),
    )
    .option('--local', 'capture on this machine with dumpcap, no Edgeshark needed')
    .option('-k, --insecure', 'accept any TLS certificate of the service')
    .addOption(new Option('--token <token>', 'bearer token for the proxy in front of the service (env CSHARG_TOKEN); with a kubeconfig, instead of its user\'s credentials'))
    .option('--kubeconfig <file>', 'capture in a Kubernetes cluster through its API server, with this kubeconfig (--kubeconfig= : $KUBECONFIG, then ~/.kube/config)')
    .option('--context <name>', 'the kubeconfig context to use (default: its current-context; implies the kubeconfig)')
    .option('--edgeshark-service <service>', `the Edgeshark service in the cluster as NAMESPACE/NAME:PORT (default ${DEFAULT_EDGESHARK_SERVICE}; implies the kubeconfig)`)
    .option('--request-timeout <duration>', 'timeout of discovery and the capture handshake (0 = none)', durationArg)
    .option('-d, --debug', 'show stack traces of errors')
    // Usage errors as every other error, and as csharg prints them: `Error: …` (Commander says `error:`).
    .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'Error: ')) })
    .showHelpAfterError();

  program
    .command('list')
    .alias('ps')
    .description('list capture targets: pods, containers, networks (none = all)')
    .argument('[kinds...]', 'pods, containers and/or networks (singular forms and first letters work too)')
    .option('-o, --output <format>', 'output format, as csharg\'s: json|yaml|wide|name|custom-columns=...|custom-columns-file=...|jsonpath=...|jsonpath-file=...')
    .option('--no-headers', 'no header line in table and custom-columns output')
    .option('--sort-by <key>', 'sort by this JSONPath template over each target (e.g. \'{.netns}\'; also name, node, type); empty: discovery order', DEFAULT_SORT_BY)
    .action(async (kinds: string[], flags: { output?: string; headers: boolean; sortBy: string }) => {
      const groups = parseGroups(kinds);
      const format = parseListFormat(flags.output, { podsOnly: groups.size === 1 && groups.has('pods') });
      const sortKey = parseSortKey(flags.sortBy);
      const tank = tankFor(globals(program));
      const targets = sortTargets((await tank.targets()).filter((t) => groups.has(groupOf(t))), sortKey);
      // Exactly what csharg prints: tables and json end in a newline, jsonpath prints its template only.
      process.stdout.write(formatTargets(targets, format, { headers: flags.headers }));
    });

  const captureCmd = addCaptureFlags(
    program
      .command('capture')
      .description('capture a target\'s traffic as pcapng, until the capture ends, a stop condition is met, or Ctrl-C')
      .argument('[target]', 'target name as `csharg list` shows it (a process target also by its process name alone: web for web(1234)), or a packetflix:ws://… link'),
  ).action(async (name: string | undefined, flags: CaptureFlags) => {
    if (name === undefined) throw new Error('capture needs a target: csharg capture TARGET (see csharg list)');
    await capture(program, { name }, flags);
  });
  // Commander hands flags typed after `capture pod …` to `capture` itself (it knows them too):
  // each subcommand takes the flags given on the command line to either.
  const subFlags = <T extends object>(sub: Command): T => {
    const merged: Record<string, unknown> = { ...sub.opts() };
    for (const [key, value] of Object.entries(captureCmd.opts())) {
      if (sub.getOptionValueSource(key) !== 'cli' && captureCmd.getOptionValueSource(key) === 'cli') merged[key] = value;
    }
    return merged as T;
  };
  addCaptureFlags(
    captureCmd.command('pod').description('capture a pod').argument('<pod>', 'pod name, or namespace/name').option('-n, --namespace <ns>', 'pod namespace', 'default'),
  ).action(async (pod: string, _flags: unknown, sub: Command) => {
    const flags = subFlags<CaptureFlags & { namespace: string }>(sub);
    await capture(program, { name: pod.includes('/') ? pod : `${flags.namespace}/${pod}`, group: 'pods' }, flags);
  });
  addCaptureFlags(
    captureCmd.command('container').description('capture a container').argument('<name>').argument('[node]'),
  ).action(async (name: string, node: string | undefined, _flags: unknown, sub: Command) => {
    await capture(program, { name, group: 'containers', ...(node !== undefined ? { node } : {}) }, subFlags<CaptureFlags>(sub));
  });
  addCaptureFlags(
    captureCmd.command('network').description('capture a process or process-less network namespace').argument('<name>').argument('<node>'),
  ).action(async (name: string, node: string, _flags: unknown, sub: Command) => {
    await capture(program, { name, group: 'networks', node }, subFlags<CaptureFlags>(sub));
  });

  program
    .command('merge')
    .description('capture several targets, on one or several hosts (--host repeated), into one time-ordered pcapng')
    .argument('<targets...>', 'target names; each is captured on every host that has it')
    .option('-i, --interface <name>', 'interface to capture (repeatable; default: all of each target\'s)', (v: string, prev: string[] = []) => [...prev, v])
    .option('-f, --filter <expr>', 'capture filter in pcap-filter syntax')
    .option('-w, --write <file>', 'write the pcapng stream to FILE, - for stdout', '-')
    .option('--stop-after <duration>', 'stop gracefully after a duration', durationArg)
    .option('-c, --count <n>', 'stop after exactly N packets', countArg)
    .option('-q, --quiet', 'no progress line and no summary on stderr')
    .action(async (names: string[], flags: { interface?: string[]; filter?: string; write: string; stopAfter?: number; count?: number; quiet?: boolean }) => {
      const { host, ...rest } = program.opts<ParsedGlobals>();
      const tanks = host && host.length > 0 ? host.map((h) => tankFor({ ...rest, host: h })) : [tankFor(rest)];
      await runMerge(tanks, names, {
        ...(flags.interface ? { nifs: flags.interface } : {}),
        ...(flags.filter ? { filter: flags.filter } : {}),
        write: flags.write,
        ...(flags.stopAfter !== undefined ? { stopAfterMs: flags.stopAfter } : {}),
        ...(flags.count !== undefined ? { count: flags.count } : {}),
        quiet: flags.quiet === true,
      });
    });

  program
    .command('packets')
    .description('print one JSON object per packet of pcapng files (- for stdin): ts (exact ns), iface, caplen, len, linktype')
    .argument('<files...>', 'pcapng files, - for stdin')
    .action(async (files: string[]) => {
      await runPackets(files, process.stdout, process.stdin);
    });

  registerExtcap(program);

  program
    .command('completion')
    .description('print a shell completion script: source <(csharg completion bash)')
    .argument('<shell>', 'bash or zsh')
    .action((shell: string) => {
      process.stdout.write(completionScript(program, parseShell(shell)));
    });

  program
    .command('options')
    .description('list the global command-line options, which apply to all commands')
    .action(() => {
      process.stdout.write(globalOptionsUsage(program));
    });

  program
    .command('version')
    .description('print the version (with the capture sources it has)')
    .action(() => {
      // csharg's own line, so that scripts reading it keep working; our sources instead of its clients.
      process.stdout.write(`csharg version ${SEMVER} (capture service clients: host, local)\n`);
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    // csharg's flag forms (`-w=F`, `--insecure=false`) rewritten for Commander.
    await program.parseAsync(normalizeCobraFlags(program, argv));
    return 0;
  } catch (err) {
    const debug = program.opts<ParsedGlobals>().debug === true;
    const e = asError(err);
    process.stderr.write(`Error: ${debug && e.stack ? e.stack : e.message}\n`);
    return 1;
  }
}

if (require.main === module) {
  let finished = false;
  // Safety net: an event loop that empties while the command still waits is a bug, not success.
  process.once('beforeExit', () => {
    if (finished) return;
    process.stderr.write('Error: internal: the command ended without finishing (please report)\n');
    process.exitCode = 1;
  });
  main(process.argv).then(
    (code) => {
      finished = true;
      process.exitCode = code;
    },
    (err: unknown) => {
      finished = true;
      process.stderr.write(`Error: ${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}

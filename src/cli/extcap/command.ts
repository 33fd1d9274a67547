// `csharg extcap`: Wireshark's extcap interface (see docs/cli.md#csharg-extcap). Wireshark runs
// the launcher `csharg extcap --install` writes; a person runs --install, --uninstall, --help.
// Errors go to stderr as one line, which Wireshark shows as "Error by extcap pipe: …".
import { spawn } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
// Wireshark runs the extcap at every start (--extcap-interfaces, and --extcap-config for each
// interface): only what a call needs is loaded — the host client, the local source, the capture
// (with the whole library's public face) — when it is needed.
import type { CaptureOptions, SharkTank, Target } from '../../index';
import { parsePacketflixLink } from '../../core/host/packetflix-link';
import { asError } from '../../core/errors';
import { resolveTarget } from '../resolve-target';
import { combineFilters, ExtcapUsageError, parseExtcapArgs, splitInterfaces } from './args';
import type { ExtcapArgs } from './args';
import { releaseFifoReader } from './fifo-release';
import {
  configText,
  dltsText,
  interfaceKind,
  interfacesText,
  LINK_INTERFACE,
  loadSettings,
  preferenceName,
  targetValuesText,
  versionSentence,
} from './interfaces';
import type { InterfaceKind } from './interfaces';
import { install, uninstall } from './install';

export interface ExtcapIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

/** How long --extcap-config waits for discovery (Wireshark asks at every start, also `tshark -D`). */
export const CONFIG_DISCOVERY_MS = 3000;
/** How long a reload of the target list waits. */
export const RELOAD_DISCOVERY_MS = 15_000;

export const EXTCAP_HELP = `Usage: csharg extcap --install [--dir DIR] [--host URL]...
       csharg extcap --uninstall [--dir DIR]
       csharg extcap --open-link 'packetflix:ws://…'

Wireshark's extcap interface: Edgeshark targets (and this machine's) as Wireshark interfaces.
--install writes a launcher into Wireshark's personal extcap folder ($XDG_CONFIG_HOME/wireshark/extcap,
or DIR), the hosts given (one interface each) into $XDG_CONFIG_HOME/csharg/extcap.json, and a
packetflix: URL handler ($XDG_DATA_HOME/applications/csharg-packetflix.desktop). CSHARG_HOST adds a host.

Interfaces: edgeshark-HOST-PORT (each host), csharg-local (this machine), packetflix (a link).
Options of an interface (tshark -o extcap.IFACE.OPTION:VALUE, IFACE with _ for . and -):
  host, target, interfaces, filter, nopromiscuous, token, tokenfile, insecure; url (packetflix).
Wireshark calls: --extcap-interfaces, --extcap-dlts, --extcap-config [--extcap-reload-option target],
  --capture --fifo PATH [--extcap-capture-filter F], each with --extcap-interface NAME.
`;

/**
 * Notes on what the capture does: into CSHARG_EXTCAP_LOG or --debug-file when given (Wireshark
 * shows an extcap's stderr as an error), else to stderr with --debug; none otherwise.
 */
function debugNotes(args: ExtcapArgs, io: ExtcapIo): ((text: string) => void) | undefined {
  const file = io.env.CSHARG_EXTCAP_LOG ?? (args.debug ? args.debugFile : undefined);
  if (file !== undefined && file !== '') {
    return (text) => {
      try {
        appendFileSync(file, `${new Date().toISOString()} ${process.pid} ${text}\n`);
      } catch {
        // a log that cannot be written is no reason to fail the capture
      }
    };
  }
  return args.debug ? (text: string): void => void io.stderr.write(`csharg: ${text}\n`) : undefined;
}

/** The bearer token: --token, else the file --token-file names, else CSHARG_TOKEN. */
function tokenOf(args: ExtcapArgs, env: NodeJS.ProcessEnv): string | undefined {
  if (args.token !== undefined && args.token !== '') return args.token;
  if (args.tokenFile !== undefined && args.tokenFile !== '') {
    let text: string;
    try {
      text = readFileSync(args.tokenFile, 'utf8');
    } catch (err) {
      throw new Error(`cannot read the token file ${args.tokenFile}: ${asError(err).message}`);
    }
    const token = text.trim();
    if (token === '') throw new Error(`the token file ${args.tokenFile} is empty`);
    return token;
  }
  const token = env.CSHARG_TOKEN;
  return token !== undefined && token !== '' ? token : undefined;
}

async function hostTank(url: string, args: ExtcapArgs, env: NodeJS.ProcessEnv, timeout?: number): Promise<SharkTank> {
  const { newSharkTankOnHost } = await import('../../core/host/host-shark-tank.js');
  const token = tokenOf(args, env);
  return newSharkTankOnHost(url, {
    ...(token !== undefined ? { bearerToken: token } : {}),
    ...(args.insecure ? { insecureSkipVerify: true } : {}),
    ...(timeout !== undefined ? { timeout, connectTimeout: Math.min(timeout, 5000) } : {}),
  });
}

/** The tank of a host or local interface (undefined for the link interface). */
async function tankOf(kind: InterfaceKind, args: ExtcapArgs, env: NodeJS.ProcessEnv, timeout?: number): Promise<SharkTank | undefined> {
  if (kind.kind === 'local') {
    const { newLocalSharkTank } = await import('../../core/local/local-shark-tank.js');
    return newLocalSharkTank();
  }
  if (kind.kind === 'host') return hostTank(args.hosts.at(-1) ?? kind.host.url, args, env, timeout);
  return undefined;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

async function config(args: ExtcapArgs, io: ExtcapIo): Promise<number> {
  const kind = interfaceKind(loadSettings(io.env), args.iface!);
  const reload = args.reloadOption;
  if (reload !== undefined) {
    if (reload !== 'target' || kind.kind === 'link') throw new ExtcapUsageError(`nothing to reload for option "${reload}"`);
    const tank = (await tankOf(kind, args, io.env, RELOAD_DISCOVERY_MS))!;
    const targets = await withTimeout(tank.targets(), RELOAD_DISCOVERY_MS, `discovery on ${tank.description}`);
    io.stdout.write(targetValuesText(targets, args.target));
    return 0;
  }
  let targets: Target[] | undefined;
  const tank = await tankOf(kind, args, io.env, CONFIG_DISCOVERY_MS);
  if (tank) {
    try {
      targets = await withTimeout(tank.targets(), CONFIG_DISCOVERY_MS, `discovery on ${tank.description}`);
    } catch (err) {
      // The options still show; the target list comes with a reload.
      if (args.debug) io.stderr.write(`csharg: ${asError(err).message}\n`);
    }
  }
  io.stdout.write(configText(kind, targets));
  return 0;
}

async function captureMode(args: ExtcapArgs, io: ExtcapIo): Promise<number> {
  const kind = interfaceKind(loadSettings(io.env), args.iface!);
  let tank: SharkTank;
  let target: Target;
  let linked: CaptureOptions = {};
  if (kind.kind === 'link') {
    if (args.url === undefined || args.url.trim() === '') {
      throw new Error(`no packetflix: link given: set the interface's option (${preferenceName(LINK_INTERFACE, 'url')}), or open a link from Gostwire's web UI`);
    }
    const link = parsePacketflixLink(args.url);
    tank = await hostTank(link.serviceUrl, args, io.env);
    target = link.target;
    linked = link.options;
  } else {
    tank = (await tankOf(kind, args, io.env))!;
    if (args.target === undefined || args.target.trim() === '') {
      throw new Error(`no target chosen for ${args.iface}: pick one in the interface's options (${preferenceName(args.iface!, 'target')})`);
    }
    const name = args.target.trim();
    try {
      target = resolveTarget(await tank.targets(), { name });
    } catch (err) {
      const text = asError(err).message;
      throw new Error(text.includes(' not found') ? text.replace(' not found', ` not found on ${tank.description}`) : `${text} (on ${tank.description})`);
    }
  }
  const nifs = splitInterfaces(args.interfaces);
  const filter = combineFilters(args.captureFilter, args.filter ?? linked.filter);
  const options: CaptureOptions = {
    ...(nifs.length > 0 ? { nifs } : linked.nifs ? { nifs: linked.nifs } : {}),
    ...(filter !== undefined ? { filter } : {}),
    ...(args.noPromiscuous || linked.avoidPromiscuousMode ? { avoidPromiscuousMode: true } : {}),
  };
  const debug = debugNotes(args, io);
  debug?.(`capturing ${target.name} on ${tank.description} into ${args.fifo}`);
  const { captureIntoFifo } = await import('./capture.js');
  const result = await captureIntoFifo(tank, target, options, { fifo: args.fifo!, ...(debug ? { debug } : {}) });
  debug?.(`${result.reason}: ${result.blocks} blocks, ${result.bytes} bytes`);
  return 0;
}

/** `wireshark -k -i packetflix -o extcap.packetflix.url:LINK`: what the packetflix: URL handler runs. */
export function openLinkCommand(link: string, env: NodeJS.ProcessEnv): { file: string; args: string[] } {
  parsePacketflixLink(link);
  return { file: env.CSHARG_WIRESHARK ?? 'wireshark', args: ['-k', '-i', LINK_INTERFACE, '-o', `${preferenceName(LINK_INTERFACE, 'url')}:${link.trim()}`] };
}

async function openLink(args: ExtcapArgs, io: ExtcapIo): Promise<number> {
  const { file, args: argv } = openLinkCommand(args.url ?? '', io.env);
  await new Promise<void>((resolve, reject) => {
    const child = spawn(file, argv, { detached: true, stdio: 'ignore', env: io.env });
    child.once('error', (err) => reject(new Error(`cannot start ${file}: ${err.message}`)));
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
  return 0;
}

/** Runs one extcap request; returns the exit code (errors written to io.stderr). */
export async function runExtcap(argv: readonly string[], io: ExtcapIo): Promise<number> {
  try {
    const args = parseExtcapArgs(argv);
    switch (args.mode) {
      case 'help':
        io.stdout.write(EXTCAP_HELP);
        return 0;
      case 'version':
        io.stdout.write(versionSentence());
        return 0;
      case 'interfaces':
        io.stdout.write(interfacesText(loadSettings(io.env)));
        return 0;
      case 'dlts':
        interfaceKind(loadSettings(io.env), args.iface!);
        io.stdout.write(dltsText());
        return 0;
      case 'config':
        return await config(args, io);
      case 'capture':
        try {
          return await captureMode(args, io);
        } catch (err) {
          // The message first: Wireshark collects it when the FIFO's end makes it stop.
          report(err, io);
          await flushed(io.stderr);
          await releaseFifoReader(args.fifo!);
          return exitCodeOf(err);
        }
      case 'install': {
        const r = install({ ...(args.dir !== undefined ? { dir: args.dir } : {}), hosts: args.hosts, env: io.env });
        io.stdout.write(`wrote ${r.launcher}\n`);
        if (r.hosts) io.stdout.write(`wrote ${r.settings}: ${r.hosts.map((h) => `${h.name} (${h.url})`).join(', ')}\n`);
        io.stdout.write(`wrote ${r.desktop} (packetflix: links; make it the handler: xdg-mime default csharg-packetflix.desktop x-scheme-handler/packetflix)\n`);
        io.stdout.write('`tshark -D` and Wireshark list the interfaces now\n');
        return 0;
      }
      case 'uninstall': {
        const removed = uninstall({ ...(args.dir !== undefined ? { dir: args.dir } : {}), env: io.env });
        io.stdout.write(removed.length > 0 ? removed.map((f) => `removed ${f}\n`).join('') : 'nothing to remove\n');
        return 0;
      }
      case 'open-link':
        return await openLink(args, io);
    }
  } catch (err) {
    report(err, io);
    return exitCodeOf(err);
  }
}

/** One line on stderr, as Wireshark shows it: `Error by extcap pipe: csharg: MESSAGE`. */
function report(err: unknown, io: ExtcapIo): void {
  io.stderr.write(`csharg: ${asError(err).message.replace(/\s*\n\s*/g, ' ')}\n`);
}

function flushed(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => stream.write('', () => resolve()));
}

function exitCodeOf(err: unknown): number {
  return err instanceof ExtcapUsageError ? 2 : 1;
}

/** The arguments after `extcap` on this process's command line (Commander keeps the global flags to itself). */
function rawExtcapArgs(argv: readonly string[]): string[] {
  const at = argv.indexOf('extcap', 2);
  return at < 0 ? [] : argv.slice(at + 1);
}

function flush(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => stream.write('', () => resolve()));
}

/** `csharg extcap …`: registered on the program; exits the process with the extcap's code. */
export function registerExtcap(program: Command): void {
  program
    .command('extcap')
    .description('Wireshark\'s extcap interface: --install puts Edgeshark targets into Wireshark\'s interface list (csharg extcap --help)')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[args...]')
    .action(async () => {
      const code = await runExtcap(rawExtcapArgs(process.argv), { stdout: process.stdout, stderr: process.stderr, env: process.env });
      await Promise.all([flush(process.stdout), flush(process.stderr)]);
      // Nothing may keep the process (a FIFO's pending open, a socket): Wireshark waits for the exit.
      process.exit(code);
    });
}

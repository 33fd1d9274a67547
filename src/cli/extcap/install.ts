// `csharg extcap --install`: a launcher in Wireshark's personal extcap folder that runs this very
// csharg (absolute paths: the node binary, its loader flags, the script) as `csharg extcap`, the
// hosts file it names, and a .desktop file that makes packetflix: links open in Wireshark.
// `--uninstall` removes what --install wrote (the launcher only when it is ours).
import { chmodSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { hostInterfaceName, settingsFile, xdgConfigHome } from './interfaces';
import type { ExtcapHost } from './interfaces';

export const LAUNCHER_NAME = 'csharg-extcap';
export const DESKTOP_NAME = 'csharg-packetflix.desktop';
const MARK = '# csharg extcap launcher';

/** Wireshark's personal extcap folder: `$XDG_CONFIG_HOME/wireshark/extcap` (Wireshark 4.0 on Linux reads it). */
export function personalExtcapDir(env: NodeJS.ProcessEnv): string {
  return path.join(xdgConfigHome(env), 'wireshark', 'extcap');
}

function xdgDataHome(env: NodeJS.ProcessEnv): string {
  const dir = env.XDG_DATA_HOME;
  return dir !== undefined && path.isAbsolute(dir) ? dir : path.join(env.HOME ?? homedir(), '.local', 'share');
}

export function desktopFile(env: NodeJS.ProcessEnv): string {
  return path.join(xdgDataHome(env), 'applications', DESKTOP_NAME);
}

/** POSIX shell single quoting. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** How this csharg's extcap runs: node, the loader flags it runs with (tsx from source), the script and its first words. */
export interface SelfCommand {
  node: string;
  nodeArgs: string[];
  script: string;
  /** before Wireshark's arguments: `extcap` after the csharg command; none for the extcap's own entry */
  scriptArgs: string[];
}

/**
 * The extcap's own entry beside the csharg command's script (cli/extcap/main.js beside
 * cli/main.js): it loads only the extcap, which Wireshark runs at each start for every
 * interface; else the csharg command with `extcap`.
 */
export function extcapEntry(script: string): { script: string; scriptArgs: string[] } {
  const lean = path.join(path.dirname(script), 'extcap', `main${path.extname(script)}`);
  return existsSync(lean) ? { script: lean, scriptArgs: [] } : { script, scriptArgs: ['extcap'] };
}

/** This process's command: only the loader flags of process.execArgv carry over (not --test, --inspect …). */
export function selfCommand(): SelfCommand {
  const nodeArgs: string[] = [];
  const exec = process.execArgv;
  for (let i = 0; i < exec.length; i++) {
    const a = exec[i]!;
    if (/^--(import|require|loader|experimental-loader)$/.test(a) && i + 1 < exec.length) nodeArgs.push(a, exec[++i]!);
    else if (/^--(import|require|loader|experimental-loader)=/.test(a)) nodeArgs.push(a);
  }
  const script = process.argv[1];
  if (script === undefined) throw new Error('cannot tell which csharg runs (no script path)');
  return { node: process.execPath, nodeArgs, ...extcapEntry(realpathSync(script)) };
}

export function launcherText(self: SelfCommand, settings: string): string {
  const words = [self.node, ...self.nodeArgs, self.script, ...self.scriptArgs].map(shellQuote).join(' ');
  return [
    '#!/bin/sh',
    `${MARK}: written by \`csharg extcap --install\`; \`csharg extcap --uninstall\` removes it.`,
    '# Wireshark runs it to list csharg\'s interfaces and to capture from them.',
    `CSHARG_EXTCAP_CONFIG=${shellQuote(settings)}`,
    'export CSHARG_EXTCAP_CONFIG',
    `exec ${words} "$@"`,
    '',
  ].join('\n');
}

export function desktopText(launcher: string): string {
  // Exec quoting as the Desktop Entry spec has it: double quotes, with " ` $ \ escaped.
  const quoted = `"${launcher.replace(/(["`$\\])/g, '\\$1')}"`;
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Wireshark (Edgeshark packetflix: link)',
    'Comment=Opens a packetflix: link from Gostwire\'s web UI as a live capture in Wireshark',
    `Exec=${quoted} --open-link %u`,
    'MimeType=x-scheme-handler/packetflix;',
    'NoDisplay=true',
    'Terminal=false',
    'Categories=Network;',
    '',
  ].join('\n');
}

export interface InstallResult {
  launcher: string;
  settings: string;
  desktop: string;
  hosts: ExtcapHost[] | undefined;
}

/** Writes the launcher (and, with hosts, the hosts file; and the .desktop file). */
export function install(opts: { dir?: string; hosts: string[]; env: NodeJS.ProcessEnv; self?: SelfCommand }): InstallResult {
  const dir = path.resolve(opts.dir ?? personalExtcapDir(opts.env));
  const settings = path.resolve(settingsFile(opts.env));
  const launcher = path.join(dir, LAUNCHER_NAME);
  let hosts: ExtcapHost[] | undefined;
  if (opts.hosts.length > 0) {
    hosts = opts.hosts.map((url) => ({ name: hostInterfaceName(url), url }));
    const names = new Set<string>();
    for (const h of hosts) {
      if (names.has(h.name)) throw new Error(`two hosts give the same interface name ${h.name}`);
      names.add(h.name);
    }
    mkdirSync(path.dirname(settings), { recursive: true });
    writeFileSync(settings, `${JSON.stringify({ hosts }, null, 2)}\n`, { mode: 0o600 });
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(launcher, launcherText(opts.self ?? selfCommand(), settings), { mode: 0o755 });
  chmodSync(launcher, 0o755);
  const desktop = desktopFile(opts.env);
  mkdirSync(path.dirname(desktop), { recursive: true });
  writeFileSync(desktop, desktopText(launcher));
  return { launcher, settings, desktop, hosts };
}

/** Removes what install() wrote; says what it removed. A launcher that is not ours is left alone. */
export function uninstall(opts: { dir?: string; env: NodeJS.ProcessEnv }): string[] {
  const dir = path.resolve(opts.dir ?? personalExtcapDir(opts.env));
  const launcher = path.join(dir, LAUNCHER_NAME);
  const removed: string[] = [];
  let text: string | undefined;
  try {
    text = readFileSync(launcher, 'utf8');
  } catch {
    // not there
  }
  if (text !== undefined) {
    if (!text.includes(MARK)) throw new Error(`${launcher} was not written by csharg extcap --install: left alone`);
    rmSync(launcher);
    removed.push(launcher);
  }
  for (const file of [path.resolve(settingsFile(opts.env)), desktopFile(opts.env)]) {
    try {
      rmSync(file);
      removed.push(file);
    } catch {
      // not there
    }
  }
  return removed;
}

// The command line Wireshark gives an extcap, read into one request. Wireshark calls
// `--extcap-interfaces --extcap-version=4.0`, `--extcap-dlts --extcap-interface X`,
// `--extcap-config --extcap-interface X [--extcap-reload-option OPT --host …]` and
// `--capture --extcap-interface X --fifo PATH [--extcap-capture-filter F] --host … --target …`;
// our own modes are --install, --uninstall and --open-link (the packetflix: URL handler).

export type ExtcapMode = 'interfaces' | 'version' | 'dlts' | 'config' | 'capture' | 'install' | 'uninstall' | 'open-link' | 'help';

export interface ExtcapArgs {
  mode: ExtcapMode;
  /** --extcap-version=4.0: Wireshark's version (informative) */
  wiresharkVersion?: string;
  iface?: string;
  reloadOption?: string;
  fifo?: string;
  captureFilter?: string;
  /** the interface's options, as Wireshark passes them (`--host URL` …); `hosts` may repeat for --install */
  hosts: string[];
  target?: string;
  interfaces?: string;
  filter?: string;
  noPromiscuous: boolean;
  token?: string;
  /** a file holding the token (Wireshark 4.0 does not hand a password set with `tshark -o` on) */
  tokenFile?: string;
  insecure: boolean;
  /** the packetflix: link (interface `packetflix`, and --open-link) */
  url?: string;
  /** --install/--uninstall: the extcap folder instead of Wireshark's personal one */
  dir?: string;
  debug: boolean;
  /** --debug-file FILE: where --debug notes go (else stderr) */
  debugFile?: string;
}

/** A command line Wireshark (or a user) gave that we cannot run. */
export class ExtcapUsageError extends Error {
  override name = 'ExtcapUsageError';
}

const MODE_FLAGS: Record<string, ExtcapMode> = {
  '--extcap-interfaces': 'interfaces',
  '--extcap-dlts': 'dlts',
  '--extcap-config': 'config',
  '--capture': 'capture',
  '--install': 'install',
  '--uninstall': 'uninstall',
  '--help': 'help',
  '-h': 'help',
};

const BOOLEANS = new Set(['--no-promiscuous', '--insecure', '--debug']);

const VALUED = new Set([
  '--extcap-version',
  '--extcap-interface',
  '--extcap-reload-option',
  '--fifo',
  '--extcap-capture-filter',
  // Wireshark passes these when the extcap declares toolbar controls (we declare none) or logs
  '--extcap-control-in',
  '--extcap-control-out',
  '--debug-file',
  '--host',
  '--target',
  '--interfaces',
  '--filter',
  '--token',
  '--token-file',
  '--url',
  '--dir',
  '--open-link',
]);

/** pflag's/Wireshark's boolean words for `--flag=VALUE`. */
function boolValue(flag: string, value: string): boolean {
  if (/^(1|t|true|y|yes)$/i.test(value)) return true;
  if (/^(0|f|false|n|no)$/i.test(value)) return false;
  throw new ExtcapUsageError(`${flag} takes true or false, got "${value}"`);
}

/** Reads the extcap command line (the arguments after `csharg extcap`). */
export function parseExtcapArgs(argv: readonly string[]): ExtcapArgs {
  const out: ExtcapArgs = { mode: 'help', hosts: [], noPromiscuous: false, insecure: false, debug: false };
  const modes: ExtcapMode[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq < 0 ? arg : arg.slice(0, eq);
    const inline = eq < 0 ? undefined : arg.slice(eq + 1);
    const mode = MODE_FLAGS[flag];
    if (mode !== undefined) {
      if (inline !== undefined && !boolValue(flag, inline)) continue;
      modes.push(mode);
      continue;
    }
    if (BOOLEANS.has(flag)) {
      const on = inline === undefined ? true : boolValue(flag, inline);
      if (flag === '--no-promiscuous') out.noPromiscuous = on;
      else if (flag === '--insecure') out.insecure = on;
      else out.debug = on;
      continue;
    }
    const known = VALUED.has(flag);
    // Options of later Wireshark versions (`--extcap-…`) are passed over, not refused.
    if (!known && !flag.startsWith('--extcap-')) {
      throw new ExtcapUsageError(arg.startsWith('-') ? `unknown option ${flag} (see csharg extcap --help)` : `unexpected argument "${arg}" (see csharg extcap --help)`);
    }
    let value = inline;
    if (value === undefined) {
      const next = argv[i + 1];
      if (flag === '--extcap-version' || !known) {
        // A bare `--extcap-version` (or an unknown `--extcap-…` flag) may have no value.
        if (next !== undefined && !next.startsWith('--')) value = argv[++i];
      } else {
        if (next === undefined) throw new ExtcapUsageError(`${flag} needs a value`);
        value = argv[++i];
      }
    }
    if (!known) continue;
    switch (flag) {
      case '--extcap-version':
        modes.push('version');
        if (value !== undefined) out.wiresharkVersion = value;
        break;
      case '--extcap-interface':
        out.iface = value!;
        break;
      case '--extcap-reload-option':
        // `target` as in extcap_example.py; tolerate the option's call form `--target` too
        out.reloadOption = value!.replace(/^-+/, '');
        break;
      case '--fifo':
        out.fifo = value!;
        break;
      case '--extcap-capture-filter':
        out.captureFilter = value!;
        break;
      case '--host':
        out.hosts.push(value!);
        break;
      case '--target':
        out.target = value!;
        break;
      case '--interfaces':
        out.interfaces = value!;
        break;
      case '--filter':
        out.filter = value!;
        break;
      case '--token':
        out.token = value!;
        break;
      case '--token-file':
        out.tokenFile = value!;
        break;
      case '--url':
        out.url = value!;
        break;
      case '--dir':
        out.dir = value!;
        break;
      case '--open-link':
        modes.push('open-link');
        out.url = value!;
        break;
      case '--debug-file':
        out.debugFile = value!;
        break;
      default:
        // --extcap-control-in/out: no toolbar controls here
        break;
    }
  }
  // --extcap-version comes with --extcap-interfaces (Wireshark says which version it is).
  const main = modes.filter((m) => m !== 'version');
  const distinct = [...new Set(main)];
  if (distinct.length > 1) throw new ExtcapUsageError(`only one of ${distinct.map(modeFlag).join(', ')} at a time`);
  out.mode = distinct[0] ?? (modes.includes('version') ? 'version' : 'help');
  const needIface = out.mode === 'dlts' || out.mode === 'config' || out.mode === 'capture';
  if (needIface && out.iface === undefined) throw new ExtcapUsageError(`${modeFlag(out.mode)} needs --extcap-interface NAME (csharg extcap --extcap-interfaces lists them)`);
  if (out.mode === 'capture' && out.fifo === undefined) throw new ExtcapUsageError('--capture needs --fifo PATH (Wireshark gives it)');
  return out;
}

function modeFlag(mode: ExtcapMode): string {
  if (mode === 'version') return '--extcap-version';
  if (mode === 'open-link') return '--open-link';
  return Object.entries(MODE_FLAGS).find(([, m]) => m === mode)?.[0] ?? mode;
}

/** `--interfaces eth0,lo` (commas, slashes or blanks between names) as a list; empty: all. */
export function splitInterfaces(text: string | undefined): string[] {
  if (text === undefined) return [];
  return text.split(/[\s,/]+/).filter((n) => n !== '');
}

/** Wireshark's capture filter (`-f`) and the interface's own filter option, both applying. */
export function combineFilters(captureFilter: string | undefined, filter: string | undefined): string | undefined {
  const parts = [captureFilter, filter].map((f) => f?.trim() ?? '').filter((f) => f !== '');
  if (parts.length === 0) return undefined;
  if (parts.length === 1 || parts[0] === parts[1]) return parts[0];
  return `(${parts[0]}) and (${parts[1]})`;
}

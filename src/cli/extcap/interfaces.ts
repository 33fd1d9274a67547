// What csharg offers Wireshark: its interfaces (one per configured Edgeshark host, one for this
// machine, one for packetflix: links), their link type and their options, as extcap sentences.
//
// Hosts are configured in a small JSON file, `$XDG_CONFIG_HOME/csharg/extcap.json`
// (`{"hosts":[{"name":"…","url":"…"}]}`), written by `csharg extcap --install --host URL`; the
// launcher it installs names the file in CSHARG_EXTCAP_CONFIG. CSHARG_HOST, when set in
// Wireshark's environment, adds one more host.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { processBaseName } from '../../core/target-match';
import type { Target } from '../../core/target';
import { SEMVER } from '../../core/version';

export const LOCAL_INTERFACE = 'csharg-local';
export const LINK_INTERFACE = 'packetflix';
export const HELP_URL = 'https://github.com/csharg/node-red-edgeshark/blob/main/docs/cli.md#csharg-extcap';

export interface ExtcapHost {
  /** the interface name Wireshark shows and `-i` takes */
  name: string;
  url: string;
}

export interface ExtcapSettings {
  hosts: ExtcapHost[];
  /** the file they came from (absent or not) */
  file: string;
}

export type InterfaceKind = { kind: 'host'; host: ExtcapHost } | { kind: 'local' } | { kind: 'link' };

/** `$XDG_CONFIG_HOME` as the XDG spec has it: set and absolute, else ~/.config. */
export function xdgConfigHome(env: NodeJS.ProcessEnv): string {
  const dir = env.XDG_CONFIG_HOME;
  return dir !== undefined && path.isAbsolute(dir) ? dir : path.join(env.HOME ?? homedir(), '.config');
}

export function settingsFile(env: NodeJS.ProcessEnv): string {
  return env.CSHARG_EXTCAP_CONFIG ?? path.join(xdgConfigHome(env), 'csharg', 'extcap.json');
}

/** `edgeshark-HOST-PORT[-PATH]` for a service URL: lower case letters, digits, dots and dashes. */
export function hostInterfaceName(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`not a service URL: "${url}" (expected e.g. http://edgeshark.example:5001)`);
  }
  const parts = [u.hostname.replace(/^\[|\]$/g, ''), u.port, u.pathname].join('-');
  const slug = parts.toLowerCase().replace(/[^a-z0-9.]+/g, '-').replace(/^-+|-+$/g, '');
  return `edgeshark-${slug}`;
}

/** The hosts of the settings file (missing: none) plus CSHARG_HOST. A broken file is an error. */
export function loadSettings(env: NodeJS.ProcessEnv): ExtcapSettings {
  const file = settingsFile(env);
  const hosts: ExtcapHost[] = [];
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read ${file}: ${(err as Error).message}`);
  }
  if (text !== undefined) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new Error(`${file} is not JSON: ${(err as Error).message}`);
    }
    const list = (json as { hosts?: unknown } | null)?.hosts;
    if (!Array.isArray(list)) throw new Error(`${file}: expected {"hosts": [{"url": "http://…:5001"}, …]}`);
    for (const entry of list as unknown[]) {
      const url = typeof entry === 'string' ? entry : (entry as { url?: unknown } | null)?.url;
      if (typeof url !== 'string') throw new Error(`${file}: a host without a "url"`);
      const name = (entry as { name?: unknown } | null)?.name;
      hosts.push({ url, name: typeof name === 'string' && name !== '' ? name : hostInterfaceName(url) });
    }
  }
  const fromEnv = env.CSHARG_HOST;
  if (fromEnv !== undefined && fromEnv !== '' && !hosts.some((h) => h.url === fromEnv)) hosts.push({ url: fromEnv, name: hostInterfaceName(fromEnv) });
  return { hosts, file };
}

export function interfaceKind(settings: ExtcapSettings, iface: string): InterfaceKind {
  if (iface === LOCAL_INTERFACE) return { kind: 'local' };
  if (iface === LINK_INTERFACE) return { kind: 'link' };
  const host = settings.hosts.find((h) => h.name === iface);
  if (host) return { kind: 'host', host };
  const known = [...settings.hosts.map((h) => h.name), LOCAL_INTERFACE, LINK_INTERFACE].join(', ');
  throw new Error(`no csharg interface "${iface}" (there are: ${known}; hosts come from ${settings.file} or CSHARG_HOST)`);
}

/**
 * The name of the Wireshark preference that holds an interface's option, for `tshark -o NAME:VALUE`:
 * Wireshark 4.0 lowers the interface name with every other character an underscore, and drops the
 * option's dashes (`--no-promiscuous` → `nopromiscuous`).
 */
export function preferenceName(iface: string, option: string): string {
  return `extcap.${iface.toLowerCase().replace(/[^a-z0-9]/g, '_')}.${option.replace(/-/g, '').toLowerCase()}`;
}

/** Text inside `{…}`: Wireshark 4.0 has no escapes, so braces (and line breaks) must go. */
function field(text: string): string {
  return text.replace(/[{]/g, '(').replace(/[}]/g, ')').replace(/[\r\n]+/g, ' ');
}

function sentence(kind: string, fields: Record<string, string | number | boolean | undefined>): string {
  const parts = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `{${k}=${field(String(v))}}`);
  return `${kind} ${parts.join('')}\n`;
}

export function versionSentence(): string {
  return sentence('extcap', { version: SEMVER, help: HELP_URL, display: 'csharg: Edgeshark and this machine' });
}

export function interfacesText(settings: ExtcapSettings): string {
  let out = versionSentence();
  for (const h of settings.hosts) out += sentence('interface', { value: h.name, display: `Edgeshark ${h.url}` });
  out += sentence('interface', { value: LOCAL_INTERFACE, display: 'This machine\'s containers and namespaces (csharg --local)' });
  out += sentence('interface', { value: LINK_INTERFACE, display: 'Edgeshark packetflix: link from Gostwire\'s web UI' });
  return out;
}

export function dltsText(): string {
  // The stream is pcapng with each interface's own link type; Ethernet is what captures carry.
  return sentence('dlt', { number: 1, name: 'EN10MB', display: 'Ethernet' });
}

/** Argument numbers: the order Wireshark shows them in, and how `value` lines refer to them. */
export const ARG = { host: 0, target: 1, interfaces: 2, filter: 3, noPromiscuous: 4, token: 5, insecure: 6, url: 7, tokenFile: 8 } as const;

/** A target as a selector value: a process by its name alone when that is unique (it survives a restart). */
export function targetValues(targets: readonly Target[]): { value: string; display: string }[] {
  const baseCount = new Map<string, number>();
  for (const t of targets) {
    const base = processBaseName(t);
    if (base !== undefined) baseCount.set(base, (baseCount.get(base) ?? 0) + 1);
  }
  const rows = targets
    .filter((t) => !/[{}]/.test(t.name))
    .map((t) => {
      const base = processBaseName(t);
      const value = base !== undefined && baseCount.get(base) === 1 && !targets.some((o) => o.name === base) ? base : t.name;
      const node = t.nodeName ? `, node ${t.nodeName}` : '';
      const display = base !== undefined ? `${base} (process, PID ${t.name.slice(base.length + 1, -1)}${node})` : `${t.name} (${t.type}${node})`;
      return { value, display };
    });
  rows.sort((a, b) => (a.display < b.display ? -1 : a.display > b.display ? 1 : 0));
  return rows;
}

/** The `value` lines of the target selector. */
export function targetValuesText(targets: readonly Target[], chosen?: string): string {
  return targetValues(targets)
    .map((r) => sentence('value', { arg: ARG.target, value: r.value, display: r.display, default: r.value === chosen ? 'true' : undefined }))
    .join('');
}

/** The options Wireshark shows for an interface (`--extcap-config`); `targets` fill the selector. */
export function configText(kind: InterfaceKind, targets: readonly Target[] | undefined): string {
  let out = '';
  const capture = 'Capture';
  const server = 'Server';
  if (kind.kind === 'host') {
    out += sentence('arg', { number: ARG.host, call: '--host', display: 'Edgeshark host URL', type: 'string', default: kind.host.url, required: 'true', tooltip: 'The Packetflix service, e.g. http://edgeshark.example:5001', group: server });
  }
  if (kind.kind === 'link') {
    out += sentence('arg', { number: ARG.url, call: '--url', display: 'packetflix: link', type: 'string', required: 'true', tooltip: 'The packetflix:ws://…/capture?container=… link Gostwire\'s web UI hands over', group: capture });
  } else {
    out += sentence('arg', {
      number: ARG.target,
      call: '--target',
      display: 'Target',
      type: 'selector',
      reload: 'true',
      placeholder: 'Reload to list the targets',
      required: 'true',
      tooltip: 'The container, pod, process or namespace to capture (a process by its name alone when that is unique)',
      group: capture,
    });
    if (targets) out += targetValuesText(targets);
    out += sentence('arg', { number: ARG.interfaces, call: '--interfaces', display: 'Interfaces', type: 'string', tooltip: 'The target\'s interfaces to capture, comma-separated (empty: all)', group: capture });
    out += sentence('arg', { number: ARG.filter, call: '--filter', display: 'Capture filter', type: 'string', tooltip: 'A pcap-filter expression, applied where the capture runs', group: capture });
    out += sentence('arg', { number: ARG.noPromiscuous, call: '--no-promiscuous', display: 'No promiscuous mode', type: 'boolflag', default: 'false', group: capture });
  }
  if (kind.kind !== 'local') {
    out += sentence('arg', { number: ARG.token, call: '--token', display: 'Bearer token', type: 'password', tooltip: 'For a proxy in front of the service (else CSHARG_TOKEN)', group: server });
    out += sentence('arg', { number: ARG.tokenFile, call: '--token-file', display: 'Bearer token file', type: 'fileselect', mustexist: 'true', tooltip: 'A file holding the token (for tshark: Wireshark 4.0 does not pass a password given with -o)', group: server });
    out += sentence('arg', { number: ARG.insecure, call: '--insecure', display: 'Accept any TLS certificate', type: 'boolflag', default: 'false', group: server });
  }
  return out;
}

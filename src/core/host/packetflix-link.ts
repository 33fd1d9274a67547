// `packetflix:ws://HOST:PORT/capture?container=JSON&nif=a/b[&filter=...][&chaste]` links, as the
// Gostwire web UI makes them for Wireshark, turned into a service URL, a target and options.

import { CshargError } from '../errors';
import { parseTarget } from '../target';
import type { CaptureOptions, Target } from '../target';

/** A text that is not a usable packetflix: link. */
export class PacketflixLinkError extends CshargError {
  constructor(detail: string) {
    super('PACKETFLIX_LINK', `packetflix link: ${detail}`);
  }
}

export interface PacketflixLink {
  /** the service the link points at, as http(s): `http://HOST:5001` plus any base path */
  readonly serviceUrl: string;
  readonly target: Target;
  readonly options: CaptureOptions;
}

const SCHEME = 'packetflix:';

/** Whether the text looks like a packetflix: link (so callers can try other forms first). */
export function isPacketflixLink(text: string): boolean {
  return text.trim().toLowerCase().startsWith(SCHEME);
}

/** Parses a packetflix: link; throws PacketflixLinkError naming what is wrong. */
export function parsePacketflixLink(text: string): PacketflixLink {
  const trimmed = text.trim();
  if (!isPacketflixLink(trimmed)) throw new PacketflixLinkError(`expected "packetflix:ws://HOST/capture?container=...", got ${JSON.stringify(trimmed.slice(0, 60))}`);
  let url: URL;
  try {
    url = new URL(trimmed.slice(SCHEME.length));
  } catch {
    throw new PacketflixLinkError(`not a URL after "packetflix:": ${JSON.stringify(trimmed.slice(SCHEME.length, SCHEME.length + 60))}`);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new PacketflixLinkError(`expected ws: or wss:, got ${url.protocol}`);
  if (!url.pathname.endsWith('/capture')) throw new PacketflixLinkError(`expected a path ending in /capture, got ${JSON.stringify(url.pathname)}`);

  const container = url.searchParams.get('container');
  if (container === null || container === '') throw new PacketflixLinkError('the container parameter is missing');
  let json: unknown;
  try {
    json = JSON.parse(container);
  } catch {
    throw new PacketflixLinkError(`the container parameter is not JSON: ${JSON.stringify(container.slice(0, 60))}`);
  }
  let target: Target;
  try {
    target = parseTarget(json);
  } catch (err) {
    throw new PacketflixLinkError(`the container parameter is no target: ${(err as Error).message}`);
  }

  const options: { -readonly [K in keyof CaptureOptions]: CaptureOptions[K] } = {};
  const nif = url.searchParams.get('nif');
  // `any` (or no nif) means the target's own interfaces, as Packetflix reads it.
  if (nif !== null && nif !== '' && nif !== 'any') options.nifs = nif.split('/').filter((n) => n !== '');
  const filter = url.searchParams.get('filter');
  if (filter !== null && filter !== '') options.filter = filter;
  if (url.searchParams.has('chaste')) options.avoidPromiscuousMode = true;

  const base = url.pathname.slice(0, -'/capture'.length);
  const scheme = url.protocol === 'wss:' ? 'https:' : 'http:';
  return { serviceUrl: `${scheme}//${url.host}${base}`, target, options };
}

// DNS (and mDNS) through the dns-packet package, decoded once when first read. Over TCP the
// message follows a 2-byte length; a message split across segments is not reassembled.

import * as dnsPacket from 'dns-packet';
import { errorMessage } from '../errors';

export type DnsMessage = dnsPacket.DecodedPacket;

/** The DNS ports the decoder looks at (either side): DNS and multicast DNS. */
export const DNS_PORTS: readonly number[] = [53, 5353];

export class DnsLayer {
  /** the decoded message; undefined when malformed */
  readonly message: DnsMessage | undefined;
  /** why the message could not be decoded */
  readonly malformed: string | undefined;

  constructor(
    payload: Buffer,
    readonly transport: 'udp' | 'tcp',
  ) {
    let bytes = payload;
    let why: string | undefined;
    if (transport === 'tcp') {
      const length = payload.length >= 2 ? payload.readUInt16BE(0) : -1;
      if (length < 0 || payload.length < 2 + length) why = 'DNS message split across TCP segments (not reassembled)';
      else bytes = payload.subarray(2, 2 + length);
    }
    let message: DnsMessage | undefined;
    if (why === undefined) {
      try {
        message = dnsPacket.decode(bytes);
      } catch (e) {
        why = `DNS: ${errorMessage(e)}`;
      }
    }
    this.message = message;
    this.malformed = why;
  }

  get id(): number | undefined {
    return this.message?.id;
  }

  get isResponse(): boolean | undefined {
    return this.message ? this.message.type === 'response' : undefined;
  }

  /** the question names, as written (without the trailing dot) */
  get queryNames(): string[] {
    return this.message?.questions?.map((q) => q.name) ?? [];
  }
}

// The one error kind of the pcapng reader: the bytes are not (or no longer) a pcapng stream.

import { CshargError } from '../errors';

/** The stream is not well-formed pcapng at `offset` (absolute byte offset from the stream start). */
export class PcapngFormatError extends CshargError {
  constructor(
    readonly offset: number,
    detail: string,
  ) {
    super('PCAPNG_FORMAT', `pcapng: ${detail} (at byte offset ${offset})`);
  }
}

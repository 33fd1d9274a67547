import { Observable } from 'rxjs';
import type { OperatorFunction } from 'rxjs';
import { FlowTable } from '../core/analysis/flows';
import type { FlowTableOptions, FlowUpdate } from '../core/analysis/flows';
import type { DecodedPacket } from '../core/decode/decoded-packet';
import type { Packet } from '../core/pcapng/packet';

/**
 * One FlowUpdate per IP packet: the packet's flow (a snapshot) after counting it. Packets without
 * a readable IP header are skipped. Keep the latest update per `flow.id` for a table of flows, or
 * sample it (`auditTime`, `sampleTime`) for periodic views. See core/analysis/flows.ts.
 */
export function flows(options: FlowTableOptions = {}): OperatorFunction<Packet | DecodedPacket, FlowUpdate> {
  new FlowTable(options); // checks the options when the operator is made, not at subscription
  return (source) => new Observable<FlowUpdate>((subscriber) => {
    const table = new FlowTable(options);
    return source.subscribe({
      next(p) {
        const update = table.add(p);
        if (update) subscriber.next(update);
      },
      error: (e: unknown) => subscriber.error(e),
      complete: () => subscriber.complete(),
    });
  });
}

// core/pull: `capturePull`, a capture as an AsyncIterable for `for await`, paced by its consumer
// (the session is paused above a high-water mark of unread bytes). Plain promises, no RxJS: it
// lives in core, beside the sources it pulls from.
//
// May import: the shared model at src/core/ root and core/pcapng/; never RxJS, src/rx/,
// src/nodes/ or src/cli/ (docs/architecture.md).

export { capturePacketsPull, capturePull } from './capture-pull';
export type { CapturePull, CapturePullOptions, CapturePullStats } from './capture-pull';

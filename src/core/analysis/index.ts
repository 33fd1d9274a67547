// core/analysis: pure packet analysis, no I/O and no RxJS: selecting packets by fields (match),
// flows, the tumbling windows that stats and alerts share, window statistics, top talkers, alert
// rules with their evidence and cooldown, the pre-trigger ring, and merging captures by time.
// The operators over them are in src/rx/; the public pieces are exported from src/index.ts.
//
// May import: the shared model at src/core/ root, core/pcapng/ (packets) and core/decode/; never
// RxJS, src/rx/, src/nodes/ or src/cli/ (docs/architecture.md).

export {};

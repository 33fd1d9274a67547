// src/core: the library without RxJS (plain Node.js: streams, events, promises). At this root, the
// shared model every part and face uses; in folders, the parts (docs/architecture.md):
//
//   target.ts, target-match.ts, target-cache.ts, describe-target.ts   capture targets: the model,
//                  discovery parsing, name matching, the cache, a target described for humans
//   errors.ts, capture-errors.ts   typed errors (CshargError and the capture and discovery errors)
//   duration.ts, records.ts, version.ts   durations as csharg reads them, record checks, SEMVER
//   capture-source.ts, shark-tank.ts   the contract every capture source fulfils (CaptureSession,
//                  SharkTank); capture-streamer.ts  csharg's Writable API on it
//   tank-settings.ts   the one factory from settings to a tank (this machine, a URL, a kubeconfig)
//
//   host/      the Edgeshark host client (service URL, proxy, discovery, capture socket, heartbeat)
//   shb/       the Section Header Block: editor, capture target YAML and its reader
//   follow/    --follow without RxJS: backoff, policy, finding the target again, gaps
//   pull/      capturePull: a capture as an AsyncIterable
//   local/     the local capture source: namespaces of this machine, dumpcap inside them
//   pcapng/    the pcapng format: constants, reader, packets, writer
//   decode/    packet decoding
//   analysis/  pure analysis: match, flows, windows, stats, top talkers, alerts, merge
//
// May import (this file and the model): nothing outside src/core/, and no part, except
// tank-settings.ts, which builds a host or a local tank. Never RxJS, src/rx/, src/nodes/ or
// src/cli/. The package's public API is src/index.ts; this file gathers the model only.

export * from './target';
export * from './target-match';
export * from './target-cache';
export * from './describe-target';
export * from './errors';
export * from './capture-errors';
export * from './duration';
export * from './records';
export * from './version';
export * from './capture-source';
export * from './shark-tank';
export * from './capture-streamer';
export * from './tank-settings';

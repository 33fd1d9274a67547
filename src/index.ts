// The package's main export: the library (core and RxJS face). The Node-RED nodes and the CLI
// have entry points of their own, so importing the library loads neither.

// Version and csharg's constants
export { SEMVER } from './core/version';
export { DEFAULT_SERVICE_TIMEOUT_MS, DEFAULT_STOP_TIMEOUT_MS, DEFAULT_MAX_PAYLOAD } from './core/capture-socket';

// Target model, discovery parsing, cache
export { AllNifs, parseTarget, parseDiscovery, parseDiscoveryText, targetToJSON, isBareTarget } from './core/target';
export type { Target, Targets, TargetCluster, CaptureOptions } from './core/target';
export { TargetCache } from './core/target-cache';

// Requests to Packetflix
export { parseServiceUrl, discoveryUrl, captureUrl } from './core/service-url';
export type { ServiceUrl } from './core/service-url';
export {
  captureServiceQueryParams,
  captureServiceHeaders,
  captureRequestFields,
  captureInterfaces,
  completeTarget,
  parsePodName,
} from './core/capture-request';
export type { CaptureRequestFields, PodName } from './core/capture-request';

// SHB editor
export { ShbEditor, shbEditStream, MAX_SHB_SIZE } from './core/shb-editor';
export type { ShbEditorOptions } from './core/shb-editor';
export { captureTargetMetadata, captureTargetYaml } from './core/capture-metadata';
export type { CaptureTargetMetadata } from './core/capture-metadata';

// Capture sources: the common contract, the Edgeshark host client, this machine
export type { CaptureEnd, CaptureHandlers, CaptureSession } from './core/capture-source';
export type { SharkTank } from './core/shark-tank';
export { newSharkTankOnHost } from './core/host-shark-tank';
export type { HostClientOptions, HostSharkTank } from './core/host-shark-tank';
export { newLocalSharkTank } from './core/local/local-shark-tank';
export type { LocalSharkTank, LocalSharkTankOptions } from './core/local/local-shark-tank';
export { openCaptureSocket, attachCaptureSocket, captureClientOptions } from './core/capture-socket';
export type { CaptureSocketOptions, CaptureSocketSession } from './core/capture-socket';
export { streamCaptureInto } from './core/capture-streamer';
export type { CaptureStreamer } from './core/capture-streamer';
export { startCaptureStream } from './core/start-capture-stream';
export { describeTarget } from './core/describe-target';
export type { StartCaptureStreamOptions } from './core/start-capture-stream';
export { withShbEdit } from './core/shb-edited-session';
export { parseDuration } from './core/duration';

// Errors
export {
  CshargError,
  DiscoveryFormatError,
  ServiceUrlError,
  CaptureRequestError,
  PodNameError,
  TargetNotFoundError,
  ShbEditError,
} from './core/errors';
export {
  CaptureHandshakeError,
  CaptureFailedError,
  CaptureProtocolError,
  CaptureConnectionLostError,
  CaptureWriterError,
  DiscoveryError,
} from './core/capture-errors';
export {
  LocalToolMissingError,
  DumpcapMissingError,
  CapturePrivilegeError,
  TargetGoneError,
  LocalTargetError,
  DumpcapFailedError,
  LocalDiscoveryError,
} from './core/local/errors';

// RxJS face
export { targets, capture } from './rx/shark-tank';
export { CaptureObservable } from './rx/capture-observable';
export { stopAfter } from './rx/stop-after';

// pcapng: streaming reader, packets, writer, and their operators
export * from './core/pcapng';
export { pcapngBlocks, packets, toPcapng } from './rx/pcapng';
export { captureBlocks, capturePackets } from './rx/capture-packets';

// core/local: the local capture source: this machine's network namespaces (discovery from /proc,
// the Docker engine and bind mounts) and dumpcap captures inside them, without any Edgeshark
// service.
//
// May import: the shared model at src/core/ root, core/shb/ (the capture's SHB is edited as the
// host client's is) and core/pcapng/; never RxJS, src/rx/, src/nodes/ or src/cli/
// (docs/architecture.md).

export { newLocalSharkTank, bareTargetMatches } from './local-shark-tank';
export type { LocalSharkTank, LocalSharkTankOptions } from './local-shark-tank';
export { startLocalCapture, startLocalCaptureOf, localCaptureSession } from './local-capture';
export type { LocalCapture, LocalCaptureOptions } from './local-capture';
export { discoverLocalTargets, scanNamespaces } from './discovery';
export type { LocalDiscoveryOptions, NamespaceScan } from './discovery';
export { captureInterfaces, dumpcapArguments } from './dumpcap-args';
export {
  CapturePrivilegeError,
  DumpcapFailedError,
  DumpcapMissingError,
  LocalDiscoveryError,
  LocalTargetError,
  LocalToolMissingError,
  TargetGoneError,
} from './errors';

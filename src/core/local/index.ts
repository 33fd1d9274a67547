// The local capture source: this machine's network namespaces and dumpcap captures inside them,
// without any Edgeshark service.

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

// core/host: the Edgeshark host client. One Packetflix service URL (service-url), the proxy it is
// reached through (proxy-agent), discovery over HTTP (http-discovery), the capture request as URL
// query and headers (capture-request), the capture WebSocket with its heartbeat and the reason
// recovered from Packetflix's failure close (capture-socket, heartbeat, close-frame-tail), the
// SharkTank on one host and on a fleet of them, the Edgeshark Service of a Kubernetes cluster
// reached with a kubeconfig (kubeconfig), and Gostwire's `packetflix:` links.
//
// May import: the shared model at src/core/ root, core/shb/ (the client rewrites the capture's
// SHB as csharg does) and core/pcapng/; never RxJS, src/rx/, src/nodes/ or src/cli/ (docs/architecture.md).

export {
  CLIENT_CLOSE_REASON,
  DEFAULT_MAX_PAYLOAD,
  DEFAULT_SERVICE_TIMEOUT_MS,
  DEFAULT_STOP_TIMEOUT_MS,
  attachCaptureSocket,
  captureClientOptions,
  certificateHint,
  openCaptureSocket,
} from './capture-socket';
export type { CaptureSocketOptions, CaptureSocketSession, CaptureTlsOptions } from './capture-socket';
export { DEFAULT_HEARTBEAT_MS, Heartbeat } from './heartbeat';
export type { HeartbeatHooks } from './heartbeat';
export { CLOSE_FRAME_TAIL_BYTES, ReceivedTail, closeFrameAtEnd } from './close-frame-tail';
export type { RecoveredClose } from './close-frame-tail';
export { captureUrl, discoveryUrl, parseServiceUrl } from './service-url';
export type { ServiceUrl } from './service-url';
export {
  MAX_REQUEST_FIELD_LENGTH,
  captureInterfaces,
  captureRequestFields,
  captureServiceHeaders,
  captureServiceQueryParams,
  completeTarget,
  parsePodName,
} from './capture-request';
export type { CaptureRequestFields, PodName } from './capture-request';
export { DEFAULT_DISCOVERY_MAX_BYTES, fetchDiscoveryJSON } from './http-discovery';
export type { DiscoveryRequestOptions } from './http-discovery';
export { ConnectTunnelAgent, ProxyConnectError, ProxyUrlError, noProxyMatches, parseProxyUrl, proxyAgentFor, proxyForUrl } from './proxy-agent';
export type { ConnectTunnelAgentOptions, ProxySettings } from './proxy-agent';
export { PacketflixLinkError, isPacketflixLink, parsePacketflixLink } from './packetflix-link';
export type { PacketflixLink } from './packetflix-link';
export { DEFAULT_CONNECT_TIMEOUT_MS, newSharkTankOnHost } from './host-shark-tank';
export type { HostClientOptions, HostSharkTank } from './host-shark-tank';
export { FleetConfigError, FleetDiscoveryError, FleetRoutingError, newSharkTankFleet } from './fleet-shark-tank';
export type { FleetMemberFailure, SharkTankFleet, SharkTankFleetOptions } from './fleet-shark-tank';
export { DEFAULT_EDGESHARK_SERVICE, KubeconfigError, loadKubeconfig, newSharkTankFromKubeconfig, parseKubeconfig } from './kubeconfig';
export type { KubeconfigOptions, KubeconfigTankOptions } from './kubeconfig';
export { startCaptureStream } from './start-capture-stream';
export type { StartCaptureStreamOptions } from './start-capture-stream';

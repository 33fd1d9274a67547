// The package's main export: the library (core and RxJS face). The Node-RED nodes and the CLI
// have entry points of their own, so importing the library loads neither.

// Version and csharg's constants
export { SEMVER } from './core/version';
export { DEFAULT_SERVICE_TIMEOUT_MS, DEFAULT_STOP_TIMEOUT_MS, DEFAULT_MAX_PAYLOAD } from './core/host/capture-socket';

// Target model, discovery parsing, cache
export { AllNifs, parseTarget, parseDiscovery, parseDiscoveryText, targetToJSON, isBareTarget } from './core/target';
export type { Target, Targets, TargetCluster, CaptureOptions } from './core/target';
export { TargetCache } from './core/target-cache';

// Requests to Packetflix
export { parseServiceUrl, discoveryUrl, captureUrl } from './core/host/service-url';
export type { ServiceUrl } from './core/host/service-url';
export {
  captureServiceQueryParams,
  captureServiceHeaders,
  captureRequestFields,
  captureInterfaces,
  completeTarget,
  parsePodName,
} from './core/host/capture-request';
export type { CaptureRequestFields, PodName } from './core/host/capture-request';

// SHB editor
export { ShbEditor, shbEditStream, MAX_SHB_SIZE } from './core/shb/shb-editor';
export type { ShbEditorOptions } from './core/shb/shb-editor';
export { captureTargetMetadata, captureTargetYaml } from './core/shb/capture-metadata';
export type { CaptureTargetMetadata } from './core/shb/capture-metadata';

// Capture sources: the common contract, the Edgeshark host client, this machine
export { CaptureRun } from './core/capture-source';
export type { CaptureEnd, CaptureHandlers, CaptureSession, CaptureOpener } from './core/capture-source';
export type { SharkTank } from './core/shark-tank';
export { newSharkTankOnHost } from './core/host/host-shark-tank';
export type { HostClientOptions, HostSharkTank } from './core/host/host-shark-tank';
export { newSharkTankFromKubeconfig, loadKubeconfig, kubeconfigFiles, parseEdgesharkService, serviceProxyUrl, KubeconfigError, DEFAULT_EDGESHARK_SERVICE } from './core/host/kubeconfig';
export type { KubeconfigOptions, KubeconfigTankOptions, KubeconfigAccess, EdgesharkService } from './core/host/kubeconfig';
export { newSharkTankFromSettings, describeTankSettings } from './core/tank-settings';
export type { TankSettings, LocalTankSettings, UrlTankSettings, KubeconfigTankSettings, TankTlsSettings } from './core/tank-settings';
export { newLocalSharkTank } from './core/local/local-shark-tank';
export type { LocalSharkTank, LocalSharkTankOptions } from './core/local/local-shark-tank';
export { openCaptureSocket, attachCaptureSocket, captureClientOptions } from './core/host/capture-socket';
export type { CaptureSocketOptions, CaptureSocketSession } from './core/host/capture-socket';
export { streamCaptureInto } from './core/capture-streamer';
export type { CaptureStreamer } from './core/capture-streamer';
export { startCaptureStream } from './core/host/start-capture-stream';
export { describeTarget } from './core/describe-target';
export type { StartCaptureStreamOptions } from './core/host/start-capture-stream';
export { withShbEdit } from './core/shb/edited-session';
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
export type { RxCaptureOptions } from './rx/shark-tank';
export { CaptureObservable } from './rx/capture-observable';
export { stopAfter, stopWhen } from './rx/stop-after';
export type { StopConditionOptions } from './rx/stop-after';
export { writeChunks, OutputFailedError } from './rx/write';

// pcapng: streaming reader, packets, writer, and their operators
export * from './core/pcapng';
export { pcapngBlocks, packets, toPcapng } from './rx/pcapng';
export { captureBlocks, capturePackets } from './rx/capture-packets';

// Links made by Gostwire's web UI for Wireshark
export { parsePacketflixLink, isPacketflixLink, PacketflixLinkError } from './core/host/packetflix-link';
export type { PacketflixLink } from './core/host/packetflix-link';

// Proxies (HTTPS_PROXY / HTTP_PROXY / NO_PROXY)
export { proxyForUrl, noProxyMatches, parseProxyUrl, ConnectTunnelAgent, ProxyConnectError, ProxyUrlError } from './core/host/proxy-agent';
export type { ProxySettings, ConnectTunnelAgentOptions } from './core/host/proxy-agent';
export { DEFAULT_HEARTBEAT_MS } from './core/host/heartbeat';

// Decoding: `decodePacket` for one packet; the `decode()` operator below for streams
export {
  DecodedPacket,
  decode as decodePacket,
  PROTOCOL_NAMES,
  hasProtocol,
  isProtocolName,
  LinkLayer,
  Ipv4Layer,
  Ipv6Layer,
  TcpFlag,
  TcpLayer,
  UdpLayer,
  IcmpLayer,
  ArpLayer,
  DnsLayer,
  DNS_PORTS,
  EtherType,
  IpProtocol,
  LinkType,
  formatIpv4,
  formatIpv6,
  formatMac,
} from './core/decode';
export type { IpLayer, PacketProtocol, ProtocolName, ProtocolLayers, WithProtocol, VlanTag, TcpOptions, DnsMessage } from './core/decode';

// Analysis (pure) and its operators
export { packetMatcher, MatchCriteriaError } from './core/analysis/match';
export type { PacketCriteria, PacketPredicate, OneOrMany } from './core/analysis/match';
export { FlowTable } from './core/analysis/flows';
export type { Flow, FlowUpdate, FlowTableOptions, DirectionCounts } from './core/analysis/flows';
export { WindowStatsAccumulator } from './core/analysis/window-stats';
export type { WindowStats, WindowGroupStats, TrafficCounts } from './core/analysis/window-stats';
export { TopTalkersAccumulator } from './core/analysis/top-talkers';
export type { TopTalkers, Talker } from './core/analysis/top-talkers';
export { AlertRuleError, alertEngine } from './core/analysis/alert-rules';
export type { Alert, AlertKind, AlertPacket, AlertRule, ThresholdRule, RateOfChangeRule, NewTalkerRule, PortScanRule, WindowMetric } from './core/analysis/alert-types';
export { MergedPacket, mergedInterfaceName } from './core/analysis/merge-interface';
export { PreTriggerRing } from './core/analysis/pre-trigger-ring';
export { newSharkTankFleet, FleetConfigError, FleetDiscoveryError, FleetRoutingError } from './core/host/fleet-shark-tank';
export type { SharkTankFleet, SharkTankFleetOptions, FleetMemberFailure } from './core/host/fleet-shark-tank';

export { decode } from './rx/decode';
export { ofProtocol, matchPackets, selectPackets } from './rx/select';
export type { AsDecoded } from './rx/select';
export { stopAfterPackets, takePackets, stopAfterBytes, takePacketBytes, snaplen } from './rx/limits';
export type { TakePacketBytesOptions } from './rx/limits';
export { flows } from './rx/flows';
export { windowStats, topTalkers, windowed } from './rx/stats';
export type { WindowOptions } from './rx/stats';
export { alertWhen } from './rx/alert';
export type { AlertWhenOptions } from './rx/alert';
export { preTrigger } from './rx/pre-trigger';
export type { PreTriggerSpan, PreTriggerOptions } from './rx/pre-trigger';
export { mergeCaptures } from './rx/merge';
export type { MergeCapturesOptions } from './rx/merge';
export { replayPcapng, ReplayError } from './rx/replay';
export type { ReplayOptions, ReplaySource } from './rx/replay';
export { bounded, BoundedStats } from './rx/bounded';
export type { BoundedPolicy, BoundedOptions } from './rx/bounded';
export { capturePull, capturePacketsPull } from './core/pull/capture-pull';
export type { CapturePull, CapturePullOptions, CapturePullStats } from './core/pull/capture-pull';

// Continuous capture: reconnect when the target comes back under its name, gaps marked in the stream
export { captureFollow, followingTank, followRetry } from './rx/follow';
export type { FollowOptions, FollowRetryOptions, FollowEvent } from './rx/follow';
export { CaptureFollowError, TargetLeftError } from './core/follow/errors';

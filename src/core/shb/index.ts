// core/shb: the Section Header Block of a capture, and every place that reads or rewrites one. The
// one SHB reader (section-header: recognise, byte order, length, options, decode; used by the
// pcapng reader, the editor and --follow's aligner and gap comment), the SHB editor that rewrites
// the first SHB's comment with this client's capture target information whatever the chunking
// (shb-editor, edited-session), that information as Go's yaml.v3 writes it (capture-metadata,
// yaml-go), and the reader of it (target-yaml).
//
// May import: the shared model at src/core/ root and core/pcapng/ (its block constants); never
// RxJS, src/rx/, src/nodes/ or src/cli/ (docs/architecture.md).

export { captureTargetOf, decodeSectionHeader, isShbAt, mayStartShb, shbFraming, shbLittleEndian, shbOptions } from './section-header';
export type { ShbFraming } from './section-header';
export { MAX_SHB_SIZE, ShbEditor, shbEditStream } from './shb-editor';
export type { ShbEditorOptions } from './shb-editor';
export { withShbEdit } from './edited-session';
export { CAPTURE_TARGET_MARKER, captureTargetMetadata, captureTargetYaml, replaceCaptureTargetBlock, yamlScalar } from './capture-metadata';
export type { CaptureTargetMetadata } from './capture-metadata';
export { GO_YAML_INDENT, GoYamlWriter } from './yaml-go';
export { parseCaptureTargetYaml, parseYamlScalar } from './target-yaml';

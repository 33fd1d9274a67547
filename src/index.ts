// The package's main export: the library (core and RxJS face). Node-RED nodes and the CLI
// live in their own entry points so that importing the library loads neither.
export { SEMVER } from './core/version';

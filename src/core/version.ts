/** Semantic version of this library; kept in step with package.json by a unit test. */
export const SEMVER = '0.1.0';

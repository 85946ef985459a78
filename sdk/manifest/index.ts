/**
 * Kubernetes manifests (YAML or JSON, any number of documents) ↔ the generated
 * types, with no field lost either way and clear errors for typos.
 */
export { decodeObject, type Json, type JsonObject } from './decode.js';
export { encodeList, encodeObject, type ManifestObject } from './encode.js';
export { ManifestError, type ManifestLocation } from './manifest-error.js';
export { type ParsedObject, parseManifests } from './parse.js';
export { toJson, toYaml } from './print.js';

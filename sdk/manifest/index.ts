/**
 * Kubernetes manifests (YAML or JSON, any number of documents) ↔ the generated
 * types, with no field lost either way and clear errors for typos.
 *
 * Importing this index loads every kind's generated code (the kind table), so that the
 * synchronous codec works for any kind. A process that wants only the kinds it uses (a
 * command-line tool, a kubelet) imports the modules below directly and loads kinds
 * through sdk/kind-loader.ts (`loadManifests` does it for the kinds a file names).
 */
import '../kind-registry.js';

export { decodeObject, type Json, type JsonObject } from './decode.js';
export { encodeList, encodeObject, type ManifestObject } from './encode.js';
export { ManifestError, type ManifestLocation } from './manifest-error.js';
export { loadManifests, type ParsedObject, parseManifests } from './parse.js';
export { toJson, toYaml } from './print.js';

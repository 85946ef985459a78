/**
 * The OpenAPI documents as they are served: built on first request (building every
 * group-version takes a few hundred milliseconds and most apiservers are never asked),
 * then kept, each with its hash and its gzip form. The API cannot change while the
 * apiserver runs, so nothing is ever rebuilt.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { buildV2Document } from './document-v2.js';
import { buildGroupVersionDocument, groupVersions, type OpenApiV3Document } from './document-v3.js';
import { encodeGnosticV2 } from './gnostic-v2.js';
import { groupVersionPath } from './names.js';

export interface ServedDocument {
  readonly body: Buffer;
  /** SHA-512 of the body, upper-case hex, as Kubernetes writes the `hash` of `/openapi/v3` URLs. */
  readonly hash: string;
  gzipped(): Buffer;
}

export interface OpenApiDocuments {
  /** `/openapi/v3`: the path of each group-version's document with its hash. */
  v3Index(): ServedDocument;
  /** The document of `api/v1`, `apis/apps/v1`, …; undefined for a group-version not served. */
  v3(path: string): ServedDocument | undefined;
  v2Json(): ServedDocument;
  v2Protobuf(): ServedDocument;
}

function served(body: Buffer): ServedDocument {
  let gzipped: Buffer | undefined;
  return {
    body,
    hash: createHash('sha512').update(body).digest('hex').toUpperCase(),
    gzipped() {
      gzipped ??= gzipSync(body);
      return gzipped;
    },
  };
}

export function createOpenApiDocuments(): OpenApiDocuments {
  let v3:
    | { index: ServedDocument; byPath: Map<string, ServedDocument>; docs: OpenApiV3Document[] }
    | undefined;
  let v2: { json: ServedDocument; protobuf: ServedDocument } | undefined;

  function buildV3() {
    if (v3) return v3;
    const docs: OpenApiV3Document[] = [];
    const byPath = new Map<string, ServedDocument>();
    for (const gv of groupVersions()) {
      const doc = buildGroupVersionDocument(gv);
      docs.push(doc);
      byPath.set(groupVersionPath(gv.group, gv.version), served(Buffer.from(JSON.stringify(doc))));
    }
    const paths = Object.fromEntries(
      [...byPath].map(([path, doc]) => [path, { serverRelativeURL: `/openapi/v3/${path}?hash=${doc.hash}` }]),
    );
    v3 = { index: served(Buffer.from(JSON.stringify({ paths }))), byPath, docs };
    return v3;
  }

  function buildV2() {
    if (v2) return v2;
    const doc = buildV2Document(buildV3().docs);
    v2 = {
      json: served(Buffer.from(JSON.stringify(doc))),
      protobuf: served(Buffer.from(encodeGnosticV2(doc))),
    };
    return v2;
  }

  return {
    v3Index: () => buildV3().index,
    v3: (path) => buildV3().byPath.get(path),
    v2Json: () => buildV2().json,
    v2Protobuf: () => buildV2().protobuf,
  };
}

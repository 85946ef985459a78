/**
 * The OpenAPI documents as they are served: built on first request (building every
 * group-version takes a few hundred milliseconds and most apiservers are never asked),
 * then kept, each with its hash and its gzip form. The API cannot change while the
 * apiserver runs, so nothing is ever rebuilt. The build yields to the event loop
 * between group-versions, so that the requests in flight wait for one group-version's
 * build at most rather than for all of them.
 */

import { createHash } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
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
  v3Index(): Promise<ServedDocument>;
  /** The document of `api/v1`, `apis/apps/v1`, …; undefined for a group-version not served. */
  v3(path: string): Promise<ServedDocument | undefined>;
  v2Json(): Promise<ServedDocument>;
  v2Protobuf(): Promise<ServedDocument>;
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
  type V3 = { index: ServedDocument; byPath: Map<string, ServedDocument>; docs: OpenApiV3Document[] };
  type V2 = { json: ServedDocument; protobuf: ServedDocument };
  let v3: Promise<V3> | undefined;
  let v2: Promise<V2> | undefined;

  async function buildV3(): Promise<V3> {
    const docs: OpenApiV3Document[] = [];
    const byPath = new Map<string, ServedDocument>();
    for (const gv of groupVersions()) {
      await yieldToEventLoop();
      const doc = buildGroupVersionDocument(gv);
      docs.push(doc);
      byPath.set(groupVersionPath(gv.group, gv.version), served(Buffer.from(JSON.stringify(doc))));
    }
    const paths = Object.fromEntries(
      [...byPath].map(([path, doc]) => [path, { serverRelativeURL: `/openapi/v3/${path}?hash=${doc.hash}` }]),
    );
    return { index: served(Buffer.from(JSON.stringify({ paths }))), byPath, docs };
  }

  async function buildV2(): Promise<V2> {
    const doc = buildV2Document((await getV3()).docs);
    await yieldToEventLoop();
    const json = served(Buffer.from(JSON.stringify(doc)));
    await yieldToEventLoop();
    return { json, protobuf: served(Buffer.from(encodeGnosticV2(doc))) };
  }

  // One build shared by every request that arrives while it runs; a failed build is retried.
  const getV3 = () => {
    v3 ??= buildV3().catch((err: unknown) => {
      v3 = undefined;
      throw err;
    });
    return v3;
  };
  const getV2 = () => {
    v2 ??= buildV2().catch((err: unknown) => {
      v2 = undefined;
      throw err;
    });
    return v2;
  };

  return {
    v3Index: async () => (await getV3()).index,
    v3: async (path) => (await getV3()).byPath.get(path),
    v2Json: async () => (await getV2()).json,
    v2Protobuf: async () => (await getV2()).protobuf,
  };
}

/** Plain HTTPS requests to the REST API (what curl does), with a client certificate or none. */
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import type { CertFiles } from '../../sdk/pki/index.js';

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  json<T = Record<string, unknown>>(): T;
}

export interface HttpOptions {
  readonly method?: string;
  /** JSON of an object; a string or Buffer is sent as it is (say its content-type in headers). */
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** The client certificate; none when null. */
  readonly cert?: CertFiles | null;
}

/** One request to `base` + `path`, trusting `caFile`; resolves once the whole answer is read. */
export function httpRequest(
  base: string,
  caFile: string,
  path: string,
  opts: HttpOptions & { admin: CertFiles },
): Promise<HttpAnswer> {
  const cert = opts.cert === undefined ? opts.admin : opts.cert;
  const body =
    opts.body === undefined
      ? undefined
      : typeof opts.body === 'string' || Buffer.isBuffer(opts.body)
        ? opts.body
        : JSON.stringify(opts.body);
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, base),
      {
        method: opts.method ?? 'GET',
        ca: readFileSync(caFile),
        ...(cert ? { cert: readFileSync(cert.certFile), key: readFileSync(cert.keyFile) } : {}),
        // Node sends a DELETE's body neither chunked nor sized unless told its length.
        headers: {
          ...(body !== undefined
            ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }
            : {}),
          ...opts.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json: <T>() => JSON.parse(text) as T,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

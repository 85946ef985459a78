/** A Prometheus scraper in a few lines, for tests of the metrics endpoints: one GET, as curl would. */
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface ScrapeOptions {
  /** The CA file that verifies the server (HTTPS). */
  ca?: string;
  /** A client certificate and its key. */
  cert?: { certFile: string; keyFile: string };
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** The TLS server name, when the URL's host is not in the certificate. */
  servername?: string;
}

export interface Scraped {
  status: number;
  body: string;
}

/** GETs `url` (http or https); resolves with the status and the body, rejects on a transport error. */
export function scrape(url: string, opts: ScrapeOptions = {}): Promise<Scraped> {
  const u = new URL(url);
  const headers = opts.token ? { authorization: `Bearer ${opts.token}` } : {};
  return new Promise((resolve, reject) => {
    const onResponse = (res: import('node:http').IncomingMessage) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    };
    const req =
      u.protocol === 'https:'
        ? httpsRequest(
            u,
            {
              headers,
              agent: false,
              ...(opts.ca ? { ca: readFileSync(opts.ca) } : {}),
              ...(opts.cert
                ? { cert: readFileSync(opts.cert.certFile), key: readFileSync(opts.cert.keyFile) }
                : {}),
              ...(opts.servername ? { servername: opts.servername } : {}),
            },
            onResponse,
          )
        : httpRequest(u, { headers, agent: false }, onResponse);
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer from ${url} in 10 s`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Static bearer tokens from a CSV file in kube-apiserver's --token-auth-file format:
 * `token,user,uid[,"group1,group2"]` per line. Tokens are compared in constant time and
 * never logged.
 */
import { timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { UserInfo } from './types.js';

export class TokenFileAuthenticator {
  private readonly users = new Map<string, UserInfo>();

  constructor(text: string, source = 'token file') {
    text.split(/\r?\n/).forEach((line, i) => {
      if (line.trim() === '' || line.trimStart().startsWith('#')) return;
      const fields = parseCsvLine(line);
      const [token, name, uid, groups] = fields;
      if (!token || !name || uid === undefined) {
        throw new Error(`${source} line ${i + 1}: expected token,user,uid[,"groups"]`);
      }
      this.users.set(token, {
        name,
        uid,
        groups: groups
          ? groups
              .split(',')
              .map((g) => g.trim())
              .filter((g) => g !== '')
          : [],
      });
    });
  }

  static fromFile(path: string): TokenFileAuthenticator {
    return new TokenFileAuthenticator(readFileSync(path, 'utf8'), path);
  }

  /** The token's user, or undefined when the token is not in the file. */
  authenticate(token: string): UserInfo | undefined {
    const given = Buffer.from(token);
    let found: UserInfo | undefined;
    for (const [known, user] of this.users) {
      const k = Buffer.from(known);
      if (k.length === given.length && timingSafeEqual(k, given)) found = user;
    }
    return found;
  }
}

function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  out.push(cur.trim());
  return out;
}

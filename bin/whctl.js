#!/usr/bin/env node
// Launcher: the compiled code in dist/, which `npm run build` writes (npm ci runs it);
// without it, or with WHEELHOUSE_FROM_SOURCE=1, the TypeScript sources through tsx.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/bin/whctl.js', import.meta.url);
if (process.env.WHEELHOUSE_FROM_SOURCE !== '1' && existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./whctl.ts');
}

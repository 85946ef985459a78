#!/usr/bin/env node
// Launcher: load the TypeScript sources through tsx, then run the command.
import { register } from 'tsx/esm/api';

register();
await import('./whctl.ts');

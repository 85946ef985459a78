/** `whctl create serviceaccount NAME`. */
import type { Generator } from './generator.js';

export const serviceAccountGenerator: Generator = {
  kind: 'ServiceAccount',
  summary: 'Create a service account with the specified name',
  usage: 'Usage:\n  whctl create serviceaccount NAME\n',
  flags: {},
  build: ({ name }) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } }),
};

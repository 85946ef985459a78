/** `whctl create namespace NAME`. */
import type { Generator } from './generator.js';

export const namespaceGenerator: Generator = {
  kind: 'Namespace',
  summary: 'Create a namespace with the specified name',
  usage: 'Usage:\n  whctl create namespace NAME\n',
  flags: {},
  build: ({ name }) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }),
};

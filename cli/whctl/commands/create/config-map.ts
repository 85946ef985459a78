/** `whctl create configmap NAME [--from-literal|--from-file|--from-env-file]...`. */
import { DATA_SOURCE_HELP, dataSourceFlags, gatherData } from './data-sources.js';
import type { Generator } from './generator.js';

export const configMapGenerator: Generator = {
  kind: 'ConfigMap',
  summary: 'Create a config map from a local file, directory or literal value',
  usage: `Usage:
  whctl create configmap NAME [--from-file=[key=]source] [--from-literal=key1=value1] [--from-env-file=source]

Flags:
${DATA_SOURCE_HELP}`,
  flags: dataSourceFlags,
  build({ name, values, cwd, readFile }) {
    const data: Record<string, string> = {};
    const binaryData: Record<string, string> = {};
    for (const [key, value] of gatherData(values, cwd, readFile)) {
      // Text that is not UTF-8 would not survive as a string: it goes to binaryData.
      const text = value.toString('utf8');
      if (Buffer.from(text, 'utf8').equals(value)) data[key] = text;
      else binaryData[key] = value.toString('base64');
    }
    return {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name },
      ...(Object.keys(data).length > 0 ? { data } : {}),
      ...(Object.keys(binaryData).length > 0 ? { binaryData } : {}),
    };
  },
};

/** ConfigMaps (NAME DATA AGE), Secrets (NAME TYPE DATA AGE), ServiceAccounts (NAME SECRETS AGE), as kubectl. */
import type { ConfigMap } from '../gen/wheelhouse/core/v1/config_map.js';
import type { Secret } from '../gen/wheelhouse/core/v1/secret.js';
import type { ServiceAccount } from '../gen/wheelhouse/core/v1/service_account.js';
import { ageColumn, nameColumn } from './columns.js';
import { column, definePrinter } from './printer.js';

const count = (map: Record<string, unknown> | undefined) => Object.keys(map ?? {}).length;

// Counts in DATA columns Kubernetes types as strings: clients print them either way.
export const configMapPrinter = definePrinter<ConfigMap>([
  nameColumn,
  column(
    'Data',
    'string',
    'The number of keys in data and binaryData.',
    (cm) => count(cm.data) + count(cm.binaryData),
  ),
  ageColumn,
]);

export const secretPrinter = definePrinter<Secret>([
  nameColumn,
  // The server defaults the type; a secret not yet stored is Opaque too.
  column(
    'Type',
    'string',
    'The type of the secret, which says what its data holds.',
    (s) => s.type || 'Opaque',
  ),
  // stringData is merged into data when the secret is stored; a secret not yet stored counts both.
  column('Data', 'string', 'The number of keys in data.', (s) => count(s.data) + count(s.stringData)),
  ageColumn,
]);

export const serviceAccountPrinter = definePrinter<ServiceAccount>([
  nameColumn,
  column('Secrets', 'integer', 'The number of secrets the service account lists.', (sa) => sa.secrets.length),
  ageColumn,
]);

/** ConfigMaps (NAME DATA AGE), Secrets (NAME TYPE DATA AGE), ServiceAccounts (NAME SECRETS AGE), as kubectl. */
import type { ConfigMap } from '../../../sdk/gen/wheelhouse/core/v1/config_map.js';
import type { Secret } from '../../../sdk/gen/wheelhouse/core/v1/secret.js';
import type { ServiceAccount } from '../../../sdk/gen/wheelhouse/core/v1/service_account.js';
import { ageColumn } from './generic.js';
import { definePrinter } from './printer.js';

const count = (map: Record<string, unknown> | undefined) => Object.keys(map ?? {}).length;

export const configMapPrinter = definePrinter<ConfigMap>([
  { header: 'DATA', cell: (cm) => String(count(cm.data) + count(cm.binaryData)) },
  ageColumn,
]);

export const secretPrinter = definePrinter<Secret>([
  { header: 'TYPE', cell: (s) => s.type || 'Opaque' },
  { header: 'DATA', cell: (s) => String(count(s.data) + count(s.stringData)) },
  ageColumn,
]);

export const serviceAccountPrinter = definePrinter<ServiceAccount>([
  { header: 'SECRETS', cell: (sa) => String(sa.secrets.length) },
  ageColumn,
]);

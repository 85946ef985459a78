/** The part of the store the apiserver uses: a remote StoreClient or, in tests, a driver. */
import type { Backend } from '../../store/types.js';

export type StoreAccess = Pick<
  Backend,
  'get' | 'list' | 'create' | 'update' | 'delete' | 'watch' | 'status' | 'requestProgress'
>;

/**
 * What every controller is built from: the shared informers, clients under the
 * controller's identity, its event recorder and logger, metrics, and how many
 * reconciles run at once. A controller's own options extend this.
 */
import type { Registry } from 'prom-client';
import type { Clientset } from '../../sdk/client/typed-client.js';
import type { EventRecorder } from '../../sdk/events/index.js';
import type { InformerFactory } from '../../sdk/informers/index.js';
import type { Logger } from '../../sdk/logger.js';

export interface ControllerOptions {
  readonly informers: InformerFactory;
  readonly clients: Clientset;
  readonly events: EventRecorder;
  readonly logger: Logger;
  /** Where the work queue's metrics go; none when unset. */
  readonly registry?: Registry;
  /** Reconciles at once (`--concurrent-<name>-syncs`). */
  readonly workers: number;
}

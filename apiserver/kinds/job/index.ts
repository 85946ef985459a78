/** The Job: Pods run until enough of them succeed. */
import type { Job } from '../../../sdk/gen/wheelhouse/batch/v1/job.js';
import type { KindDefinition } from '../kind-definition.js';
import { jobStrategy } from './strategy.js';

export const jobKind: KindDefinition<Job> = {
  kind: 'Job',
  strategy: () => jobStrategy(),
};

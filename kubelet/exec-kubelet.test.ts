/** Exec end to end through a kubelet process on the process runtime (exec-end-to-end.ts). */
import { describeExec } from './exec-end-to-end.js';

describeExec('the process runtime', {
  start: async () => ({ kubeletArgs: [], image: 'sh' }),
  stop: async () => {},
  tty: false,
});

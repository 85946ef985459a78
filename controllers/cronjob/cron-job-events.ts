/** Events the CronJob controller records, decided by its pure functions and written by the loop. */
export interface CronJobEvent {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
}

export const normal = (reason: string, message: string): CronJobEvent => ({
  type: 'Normal',
  reason,
  message,
});
export const warning = (reason: string, message: string): CronJobEvent => ({
  type: 'Warning',
  reason,
  message,
});

export { registerEventRecorderMetrics } from './event-metrics.js';
export {
  type ClosableEventRecorder,
  createEventRecorder,
  type EventDropReason,
  type EventRecorder,
  type EventRecorderOptions,
  type EventRetryOptions,
  type EventType,
  referenceOf,
} from './event-recorder.js';
export { apiEventSink, type EventSink } from './event-sink.js';

export { registerEventRecorderMetrics } from './event-metrics.js';
export {
  createEventRecorder,
  type EventDropReason,
  type EventRecorder,
  type EventRecorderOptions,
  type EventType,
  referenceOf,
} from './event-recorder.js';
export { apiEventSink, type EventSink } from './event-sink.js';

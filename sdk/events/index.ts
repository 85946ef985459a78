export {
  createEventRecorder,
  type EventRecorder,
  type EventRecorderOptions,
  type EventType,
  referenceOf,
} from './event-recorder.js';
export { apiEventSink, type EventSink } from './event-sink.js';

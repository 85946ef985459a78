export {
  type Controller,
  type ControllerOptions,
  createController,
  type ReconcileRequest,
  type ReconcileResult,
  type Reconciler,
  TerminalError,
} from './controller.js';

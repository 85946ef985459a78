/** Every controller the controller manager can run, in the order they start. */
import type { ControllerDescriptor } from './controller-descriptor.js';

export const controllers: readonly ControllerDescriptor[] = [];

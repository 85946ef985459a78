/**
 * The labels that tie a Job to its Pods, as Kubernetes sets them: the server puts the
 * Job's uid and name on the Pod template and selects by the uid, so that a Job never
 * adopts another's Pods. The unprefixed ones are kept for older tools that read them.
 */
export const controllerUidLabel = 'batch.kubernetes.io/controller-uid';
export const jobNameLabel = 'batch.kubernetes.io/job-name';
export const legacyControllerUidLabel = 'controller-uid';
export const legacyJobNameLabel = 'job-name';
/** An Indexed Job's Pod carries its index in this annotation and label. */
export const jobCompletionIndexAnnotation = 'batch.kubernetes.io/job-completion-index';

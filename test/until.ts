/**
 * Polls a condition on the test's own state until it holds. The deadline only bounds how
 * long a failing test takes to say so, never what a passing one proves: it is generous,
 * since on a loaded machine a few turns of the event loop can take seconds. `what` names
 * the condition in the failure; as a function, it can describe the state at that time.
 */
export async function until(check: () => boolean, what: string | (() => string), ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${ms} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A mistake in how whctl was called: printed as `error: ...` with a pointer to the command's help. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

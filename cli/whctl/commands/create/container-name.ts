/**
 * The container name kubectl derives from an image: the last path component without
 * its tag or digest, `_` made `-` (a name may not hold one).
 */
export function containerNameOf(image: string): string {
  const last = image.split('/').pop() ?? image;
  return (last.split('@')[0] ?? last).split(':')[0]?.replaceAll('_', '-') ?? last;
}

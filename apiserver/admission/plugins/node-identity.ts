/** Who is a node: user `system:node:<name>` in group `system:nodes`, as Kubernetes' node identifier says. */
export const nodesGroup = 'system:nodes';
export const nodeUserPrefix = 'system:node:';

/** The node's name for a node's credentials ('' when the name part is empty), undefined for anyone else. */
export function nodeNameOf(user: string, groups: readonly string[]): string | undefined {
  if (!groups.includes(nodesGroup) || !user.startsWith(nodeUserPrefix)) return undefined;
  return user.slice(nodeUserPrefix.length);
}

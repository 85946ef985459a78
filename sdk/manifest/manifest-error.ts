/** Where in a manifest file a problem is: every part is optional. */
export interface ManifestLocation {
  /** The file name or other origin of the text (`deploy.yaml`, `stdin`). */
  readonly source?: string;
  /** 1-based position of the YAML document in the file. */
  readonly document?: number;
  /** 0-based position of the object inside a `kind: List` document. */
  readonly item?: number;
}

/**
 * The one error the manifest codec throws: a document that is not valid YAML,
 * an unknown kind, an unknown field or a value of the wrong type. The message
 * names the document and the field path, ready to print as it is.
 */
export class ManifestError extends Error {
  override readonly name = 'ManifestError';
  readonly source: string | undefined;
  readonly document: number | undefined;
  readonly item: number | undefined;
  /** The field path, e.g. `spec.template.spec.containers[0].image`; undefined for whole-document errors. */
  readonly path: string | undefined;
  /** The problem alone, without the location. */
  readonly problem: string;

  constructor(location: ManifestLocation, subject: string | undefined, problem: string, path?: string) {
    super(`${describeLocation(location, subject)}: ${problem}`);
    this.source = location.source;
    this.document = location.document;
    this.item = location.item;
    this.path = path;
    this.problem = problem;
  }
}

/** `deploy.yaml: document 2, item 0 (Deployment web)`; `object` when nothing is known. */
export function describeLocation(location: ManifestLocation, subject?: string): string {
  const parts: string[] = [];
  if (location.document !== undefined) parts.push(`document ${location.document}`);
  if (location.item !== undefined) parts.push(`item ${location.item}`);
  let text = parts.length > 0 ? parts.join(', ') : 'object';
  if (subject) text += ` (${subject})`;
  return location.source ? `${location.source}: ${text}` : text;
}

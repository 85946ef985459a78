/**
 * The address of a field inside an object, built as validation descends into
 * it: `root.child('spec').child('containers').index(0).child('image')` prints as
 * `spec.containers[0].image`, and `.child('metadata', 'labels').key('app')` as
 * `metadata.labels[app]`. Paths are immutable: every step returns a new path,
 * so one parent can be shared by the validators of all its children.
 */
import { truncate } from '../../sdk/truncate.js';

/**
 * The longest map key a path prints in full: qualified names (label keys) have up to 317
 * characters; a longer key is a client's mistake, printed as a marked prefix.
 */
const maxKeyChars = 320;

type Step =
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'key'; readonly key: string };

export class FieldPath {
  private constructor(
    private readonly parent: FieldPath | undefined,
    private readonly step: Step | undefined,
  ) {}

  private static readonly rootPath = new FieldPath(undefined, undefined);

  /** The path of the object itself (prints as the empty string). */
  static root(): FieldPath {
    return FieldPath.rootPath;
  }

  /** A path starting at a top-level field: `FieldPath.of('spec', 'template')`. */
  static of(name: string, ...more: string[]): FieldPath {
    return FieldPath.rootPath.child(name, ...more);
  }

  child(name: string, ...more: string[]): FieldPath {
    let path = new FieldPath(this, { kind: 'name', name });
    for (const next of more) path = new FieldPath(path, { kind: 'name', name: next });
    return path;
  }

  /** An element of a list: `[3]`. */
  index(index: number): FieldPath {
    return new FieldPath(this, { kind: 'index', index });
  }

  /** An entry of a map: `[app]`. */
  key(key: string): FieldPath {
    return new FieldPath(this, { kind: 'key', key });
  }

  toString(): string {
    const steps: Step[] = [];
    for (let p: FieldPath | undefined = this; p?.step !== undefined; p = p.parent) steps.push(p.step);
    let out = '';
    for (const step of steps.reverse()) {
      if (step.kind === 'name') out += out === '' ? step.name : `.${step.name}`;
      else if (step.kind === 'index') out += `[${step.index}]`;
      else out += `[${truncate(step.key, maxKeyChars)}]`;
    }
    return out;
  }
}

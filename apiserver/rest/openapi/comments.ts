/**
 * The comments of the .proto files, which the descriptor set carries as source info
 * (`buf build` keeps it): the descriptions of the schemas and their properties.
 */
import type { DescField, DescMessage } from '@bufbuild/protobuf';

/** Source-info path of a message: [4, i] at the top of its file, then [3, j] per nesting level. */
function pathOf(message: DescMessage): number[] {
  if (message.parent) {
    return [...pathOf(message.parent), 3, message.parent.proto.nestedType.indexOf(message.proto)];
  }
  return [4, message.file.proto.messageType.indexOf(message.proto)];
}

const commentsByFile = new WeakMap<object, Map<string, string>>();

/**
 * A comment as one text: the lines of a paragraph joined by spaces, paragraphs
 * separated by a blank line, as Kubernetes writes its descriptions.
 */
function normalize(comment: string): string {
  return comment
    .split(/\n\s*\n/)
    .map((paragraph) =>
      paragraph
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '')
        .join(' '),
    )
    .filter((paragraph) => paragraph !== '')
    .join('\n\n');
}

function commentAt(message: DescMessage, path: readonly number[]): string {
  const file = message.file.proto;
  let comments = commentsByFile.get(file);
  if (!comments) {
    comments = new Map(
      (file.sourceCodeInfo?.location ?? []).map((l) => [
        l.path.join(','),
        normalize(l.leadingComments ?? ''),
      ]),
    );
    commentsByFile.set(file, comments);
  }
  return comments.get(path.join(',')) ?? '';
}

/** The comment above a message; '' when it has none. */
export function messageComment(message: DescMessage): string {
  return commentAt(message, pathOf(message));
}

/** The comment above a field of `message`; '' when it has none. */
export function fieldComment(message: DescMessage, field: DescField): string {
  return commentAt(message, [...pathOf(message), 2, message.proto.field.indexOf(field.proto)]);
}

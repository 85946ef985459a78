/**
 * File names in the PKI folder come from configuration (node names among them): accept only
 * names that cannot climb out of the folder or hide as dot files.
 */
const FILE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9._-]*$/;

export function checkFileName(name: string): void {
  if (!FILE_NAME.test(name) || name.includes('..')) {
    throw new Error(
      `invalid PKI file name ${JSON.stringify(name)}: use letters, digits, '.', '_' and '-', starting with a letter or digit`,
    );
  }
}

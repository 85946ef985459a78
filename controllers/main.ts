/** `wheelhouse controller-manager`: the controller manager with every controller of this release. */
import { runControllerManagerWith } from './controller-manager.js';
import { controllers } from './controllers.js';

export async function runControllerManager(argv: string[]): Promise<void> {
  const code = await runControllerManagerWith(controllers, argv);
  process.exit(code);
}

// Runs the store as its own process (tests and benchmarks spawn it; users run `wheelhouse store`).
import { runStore } from './main.js';

await runStore(process.argv.slice(2));

import { backendSuite } from '../backend-suite.js';
import { openBackend } from '../registry.js';
import './index.js';

backendSuite('memory', (options) => openBackend('memory://', options));

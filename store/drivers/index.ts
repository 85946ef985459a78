// Importing a driver registers its scheme with openBackend.
import './level.js';
import './memory.js';
import './etcd.js';

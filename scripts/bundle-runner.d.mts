/** Types of bundle-runner.mjs (plain JavaScript: the build copies it into dist/ as it is). */
export declare function commandOf(argv: readonly string[]): string;
export declare function runBundle(url: URL, options?: { command?: string; cacheDir?: string }): void;
export declare const BUNDLE_HEAD: string;
export declare const BUNDLE_TAIL: string;

// Types of build-state.mjs (plain JavaScript: the bin reads it before TypeScript can load).
export declare const ROOT: string;
export declare const DIST: string;
export declare const DIST_CLI_DIR: string;
export declare const DIST_CLI: string;
export declare const STAMP: string;
export declare const SOURCES_LIST: string;
export declare function newestSourceMtimeMs(): number;
export declare function distState(): 'fresh' | 'missing' | 'stale';

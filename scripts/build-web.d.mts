/** Types for scripts/build-web.mjs, imported by the test configuration and harness. */
export declare const publicDir: string;
export declare function buildWeb(options?: { quiet?: boolean }): Promise<void>;

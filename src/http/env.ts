/** The Hono environment shared by every route: dependencies and what middleware found. */
import type { Deps } from '../deps.js';
import type { Caller } from '../service/caller.js';

export type AppEnv = {
  Variables: {
    deps: Deps;
    requestId: string;
    /** The exact bytes of the body, for `bdh`. Empty when there is none. */
    rawBody: Uint8Array;
    /** The authenticated prescriber or pharmacy. */
    caller: Caller;
    /** The problem code answered, for the request log. */
    problem: string;
    /** The page language negotiated from Accept-Language (pages only). */
    language: string;
  };
};

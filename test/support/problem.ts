/** Domain refusals in unit tests. */
import { OrdoError } from '../../src/domain/errors.js';

/** The problem a call throws, or null; anything but an OrdoError fails the test. */
export function problem(f: () => unknown) {
  try {
    f();
    return null;
  } catch (e) {
    if (!(e instanceof OrdoError)) throw e;
    return { code: e.code, detail: e.detail, errors: e.data.errors ?? [], paths: (e.data.errors ?? []).map((x) => x.path) };
  }
}

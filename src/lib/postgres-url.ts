/** ORDO_DB as a PostgreSQL URL: how it is recognised, and how messages show it. */

/** A PostgreSQL URL (what selects this store): postgres:// or postgresql://. */
export const isPostgresUrl = (v: string) => /^postgres(ql)?:\/\//i.test(v);

/** The URL as messages may show it: without its password. */
export function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    if (u.searchParams.has('password')) u.searchParams.set('password', '***');
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}

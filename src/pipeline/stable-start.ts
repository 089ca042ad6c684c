import { BinlakeError } from '../core/errors.js';

/**
 * The tables' schemas and a capture start position with no DDL on those tables committed
 * between the two. Capture tracks schemas from the start position on, so a schema read before
 * the position misses an ALTER committed in between: rows after the position would carry a
 * shape binlake never saw. Hence: read, take the position, read again, and retry while the two
 * reads differ (a DDL after the position also makes them differ; the retry is merely cautious).
 */
export async function stableStart<S, P>(
  readSchemas: () => Promise<S>,
  takePosition: () => Promise<P>,
  same: (a: S, b: S) => boolean,
  attempts = 5,
): Promise<{ schemas: S; position: P }> {
  let schemas = await readSchemas();
  for (let attempt = 1; ; attempt++) {
    const position = await takePosition();
    const again = await readSchemas();
    if (same(schemas, again)) return { schemas, position };
    if (attempt >= attempts) {
      throw new BinlakeError(
        'BLK_S1207',
        `the synced tables' definitions changed during each of ${attempts} attempts to pick a start position`,
        { remedy: 'run binlake sync again once the schema changes on the source are done' },
      );
    }
    schemas = again;
  }
}

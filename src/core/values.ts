/**
 * The canonical, lossless value of one MySQL cell, shared by the snapshot reader (source/),
 * the binlog decoder (binlog/) and the sinks. Both capture paths must produce the *same*
 * JS value for the same stored MySQL value; tests assert it.
 *
 * | MySQL                                   | Value                                               |
 * | --------------------------------------- | --------------------------------------------------- |
 * | TINYINT..INT, signed or unsigned, YEAR  | number                                              |
 * | BIGINT signed / unsigned                | bigint                                              |
 * | BIT(n)                                  | bigint (the bits as an unsigned integer)            |
 * | FLOAT                                   | number holding the exact float32 (Math.fround)      |
 * | DOUBLE                                  | number                                              |
 * | DECIMAL(p,s)                            | string, canonical: '-12.340' (exactly s decimals)   |
 * | DATE                                    | string 'YYYY-MM-DD' (zero parts kept: '2020-00-15') |
 * | DATETIME(fsp), TIMESTAMP(fsp)           | string 'YYYY-MM-DD hh:mm:ss[.f{fsp}]'; TIMESTAMP in UTC |
 * | TIME(fsp)                               | string '[-]hhh:mm:ss[.f{fsp}]' (hours may exceed 24) |
 * | CHAR/VARCHAR/TEXT with a charset, JSON  | string (JSON as its text)                           |
 * | ENUM, SET                               | string (the member text; SET members joined by ',') |
 * | BINARY/VARBINARY/BLOB, binary collation | Uint8Array                                          |
 * | GEOMETRY                                | Uint8Array (4-byte little-endian SRID + WKB)        |
 * | NULL                                    | null                                                |
 */
export type Value = null | number | bigint | string | Uint8Array;

/** A row in the column order of its `TableSchema`. */
export type Row = Value[];

/** A stable text form of a value, used by verify and test diffs. Binary becomes `0x…` hex. */
export function canonicalText(value: Value): string {
  if (value === null) return 'NULL';
  if (value instanceof Uint8Array)
    return `0x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  return String(value);
}

export function rowText(row: Row): string[] {
  return row.map(canonicalText);
}

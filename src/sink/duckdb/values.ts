import {
  BIGINT,
  BLOB,
  DECIMAL,
  DOUBLE,
  DuckDBBlobValue,
  DuckDBDecimalValue,
  type DuckDBType,
  type DuckDBValue,
  FLOAT,
  INTEGER,
  SMALLINT,
  TINYINT,
  UBIGINT,
  UINTEGER,
  USMALLINT,
  UTINYINT,
  VARCHAR,
} from '@duckdb/node-api';
import type { Value } from '../../core/values.js';
import type { DuckDbStorage } from './type-mapping.js';

/**
 * Canonical Value ⇄ DuckDB, per storage type. Every conversion is exact or throws a TypeError
 * (the sink turns it into BLK_D4007 naming the table and column); nothing is rounded.
 */

export function kindOf(value: unknown): string {
  return value instanceof Uint8Array ? 'Uint8Array' : typeof value;
}

function expectNumber(value: unknown, storage: string): number {
  if (typeof value === 'number') return value;
  if (
    typeof value === 'bigint' &&
    value >= BigInt(Number.MIN_SAFE_INTEGER) &&
    value <= BigInt(Number.MAX_SAFE_INTEGER)
  ) {
    return Number(value);
  }
  throw new TypeError(`${storage} expects a number, got ${kindOf(value)} ${String(value)}`);
}

function expectBigInt(value: unknown, storage: string): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  throw new TypeError(`${storage} expects a bigint, got ${kindOf(value)} ${String(value)}`);
}

function expectString(value: unknown, storage: string): string {
  if (typeof value === 'string') return value;
  throw new TypeError(`${storage} expects a string, got ${kindOf(value)}`);
}

function expectBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  throw new TypeError(`BLOB expects a Uint8Array, got ${kindOf(value)}`);
}

const DECIMAL_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?$/;

/** Canonical DECIMAL text ('-12.340') → unscaled integer at `scale`; refuses anything it would have to round. */
export function parseDecimal(text: string, width: number, scale: number): bigint {
  const m = DECIMAL_TEXT.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new TypeError(`'${text}' is not a decimal number`);
  let fraction = m[3] ?? '';
  if (fraction.length > scale) {
    if (!/^0*$/.test(fraction.slice(scale))) throw new TypeError(`'${text}' has more than ${scale} decimals`);
    fraction = fraction.slice(0, scale);
  }
  const digits = (m[2] + fraction.padEnd(scale, '0')).replace(/^0+(?=\d)/, '');
  if (digits.replace(/^0+/, '').length > width)
    throw new TypeError(`'${text}' does not fit DECIMAL(${width},${scale})`);
  const unscaled = BigInt(digits === '' ? '0' : digits);
  return m[1] === '-' ? -unscaled : unscaled;
}

/** Unscaled integer → canonical text with exactly `scale` decimals ('-0.050'). */
export function formatDecimal(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const text =
    scale === 0 ? digits : `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  return negative ? `-${text}` : text;
}

/** The DuckDB type object of a storage type, for bound parameters. */
export function duckDbType(storage: DuckDbStorage): DuckDBType {
  switch (storage.type) {
    case 'TINYINT':
      return TINYINT;
    case 'SMALLINT':
      return SMALLINT;
    case 'INTEGER':
      return INTEGER;
    case 'UTINYINT':
      return UTINYINT;
    case 'USMALLINT':
      return USMALLINT;
    case 'UINTEGER':
      return UINTEGER;
    case 'BIGINT':
      return BIGINT;
    case 'UBIGINT':
      return UBIGINT;
    case 'FLOAT':
      return FLOAT;
    case 'DOUBLE':
      return DOUBLE;
    case 'DECIMAL':
      return DECIMAL(storage.width, storage.scale);
    case 'VARCHAR':
      return VARCHAR;
    case 'BLOB':
      return BLOB;
  }
}

/** A canonical Value as a bound parameter of `storage`'s type. */
export function toDuckDbValue(value: Value, storage: DuckDbStorage): DuckDBValue {
  if (value === null) return null;
  switch (storage.type) {
    case 'BIGINT':
    case 'UBIGINT':
      return expectBigInt(value, storage.type);
    case 'DECIMAL':
      return new DuckDBDecimalValue(
        parseDecimal(expectString(value, 'DECIMAL'), storage.width, storage.scale),
        storage.width,
        storage.scale,
      );
    case 'VARCHAR':
      return expectString(value, 'VARCHAR');
    case 'BLOB':
      return new DuckDBBlobValue(expectBytes(value));
    default:
      return expectNumber(value, storage.type);
  }
}

/** A value read from DuckDB back to the canonical Value of its column. */
export function fromDuckDbValue(value: DuckDBValue, storage: DuckDbStorage): Value {
  if (value === null) return null;
  switch (storage.type) {
    case 'BIGINT':
    case 'UBIGINT':
      return value as bigint;
    case 'DECIMAL': {
      const d = value as DuckDBDecimalValue;
      return formatDecimal(d.value, d.scale);
    }
    case 'VARCHAR':
      return value as string;
    case 'BLOB':
      return new Uint8Array((value as DuckDBBlobValue).bytes);
    default:
      return value as number;
  }
}

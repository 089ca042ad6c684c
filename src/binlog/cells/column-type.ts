/**
 * MySQL field type codes as they appear in TABLE_MAP events (`enum_field_types` in
 * `include/field_types.h` / MariaDB `include/mysql_com.h`). ENUM, SET, CHAR and BINARY travel
 * as STRING with the real type in the column metadata.
 */
export const ColumnType = {
  DECIMAL: 0,
  TINY: 1,
  SHORT: 2,
  LONG: 3,
  FLOAT: 4,
  DOUBLE: 5,
  NULL: 6,
  TIMESTAMP: 7,
  LONGLONG: 8,
  INT24: 9,
  DATE: 10,
  TIME: 11,
  DATETIME: 12,
  YEAR: 13,
  NEWDATE: 14,
  VARCHAR: 15,
  BIT: 16,
  TIMESTAMP2: 17,
  DATETIME2: 18,
  TIME2: 19,
  TYPED_ARRAY: 20,
  VECTOR: 242,
  INVALID: 243,
  BOOL: 244,
  JSON: 245,
  NEWDECIMAL: 246,
  ENUM: 247,
  SET: 248,
  TINY_BLOB: 249,
  MEDIUM_BLOB: 250,
  LONG_BLOB: 251,
  BLOB: 252,
  VAR_STRING: 253,
  STRING: 254,
  GEOMETRY: 255,
} as const;

export type ColumnTypeName = keyof typeof ColumnType;
export type ColumnTypeCode = (typeof ColumnType)[ColumnTypeName];

const NAMES = new Map<number, ColumnTypeName>(
  Object.entries(ColumnType).map(([name, code]) => [code, name as ColumnTypeName]),
);

export function columnTypeName(code: number): string {
  return NAMES.get(code) ?? `TYPE_${code}`;
}

export function isKnownColumnType(code: number): code is ColumnTypeCode {
  return NAMES.has(code);
}

/** Columns the SIGNEDNESS optional metadata covers, in order (MySQL/MariaDB `is_numeric_type`). */
export function isNumericType(type: number): boolean {
  switch (type) {
    case ColumnType.TINY:
    case ColumnType.SHORT:
    case ColumnType.INT24:
    case ColumnType.LONG:
    case ColumnType.LONGLONG:
    case ColumnType.NEWDECIMAL:
    case ColumnType.FLOAT:
    case ColumnType.DOUBLE:
      return true;
    default:
      return false;
  }
}

/** Columns the (DEFAULT|COLUMN)_CHARSET optional metadata covers: text and blob types, by real type. */
export function isCharacterType(realType: number): boolean {
  switch (realType) {
    case ColumnType.STRING:
    case ColumnType.VAR_STRING:
    case ColumnType.VARCHAR:
    case ColumnType.TINY_BLOB:
    case ColumnType.MEDIUM_BLOB:
    case ColumnType.LONG_BLOB:
    case ColumnType.BLOB:
      return true;
    default:
      return false;
  }
}

export function isEnumOrSet(realType: number): boolean {
  return realType === ColumnType.ENUM || realType === ColumnType.SET;
}

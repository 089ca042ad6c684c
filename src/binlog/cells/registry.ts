import { BinlakeError } from '../../core/errors.js';
import { bitDecoder } from './bit.js';
import { BLOB_JSON, blobDecoder, geometryDecoder } from './blob.js';
import { type ColumnTypeCode, columnTypeName, isKnownColumnType } from './column-type.js';
import { decimalDecoder } from './decimal.js';
import { INTEGER_JSON, integerDecoder } from './integer.js';
import { jsonDecoder } from './json.js';
import type { CellDecoder, CellJsonWriter, ColumnPlan } from './plan.js';
import { realDecoder } from './real.js';
import { STRING_JSON, stringDecoder } from './string.js';
import { temporalDecoder } from './temporal.js';

/** Picks the cell decoder for a compiled column; returns one that throws when the type cannot be decoded. */
type CellCompiler = (c: ColumnPlan) => CellDecoder;

function unsupported(c: ColumnPlan): CellDecoder {
  return () => {
    throw new BinlakeError(
      'BLK_B2006',
      `column ${c.name} has type ${columnTypeName(c.type)}, which binlake cannot decode`,
      {
        details: { column: c.name, type: c.type },
        remedy: 'exclude this table from the task or change the column type',
      },
    );
  };
}

/** Every column type code → its family's compiler. Exhaustive: a new code fails `tsc` here. */
export const CELL_COMPILERS: Record<ColumnTypeCode, CellCompiler> = {
  0: unsupported, // DECIMAL: pre-5.0 decimal, never in a row-based binlog
  1: integerDecoder,
  2: integerDecoder,
  3: integerDecoder,
  4: realDecoder,
  5: realDecoder,
  6: unsupported, // NULL type: only in result sets
  7: temporalDecoder,
  8: integerDecoder,
  9: integerDecoder,
  10: temporalDecoder,
  11: temporalDecoder,
  12: temporalDecoder,
  13: temporalDecoder,
  14: temporalDecoder,
  15: stringDecoder,
  16: bitDecoder,
  17: temporalDecoder,
  18: temporalDecoder,
  19: temporalDecoder,
  20: unsupported, // TYPED_ARRAY: internal to multi-valued indexes
  242: unsupported, // VECTOR (MySQL 9)
  243: unsupported, // INVALID
  244: unsupported, // BOOL: internal
  245: jsonDecoder,
  246: decimalDecoder,
  247: stringDecoder, // ENUM (also carried as STRING with metadata)
  248: stringDecoder, // SET
  249: blobDecoder,
  250: blobDecoder,
  251: blobDecoder,
  252: blobDecoder,
  253: stringDecoder,
  254: stringDecoder,
  255: geometryDecoder,
};

export function compileCell(c: ColumnPlan): CellDecoder {
  return isKnownColumnType(c.type) ? CELL_COMPILERS[c.type](c) : unsupported(c);
}

/**
 * Cell decoders whose JSON can be written without going through a Value, by the decoder a
 * column was compiled to: the decoder chosen last decides, so no column can get a writer that
 * reads differently from its `read`. Text needs a codec that reads printable ASCII as itself.
 */
const TEXT_JSON: ReadonlyMap<CellDecoder, CellJsonWriter> = new Map([...STRING_JSON, ...BLOB_JSON]);

/** Every other cell: decoded, then written. */
const writeDecoded: CellJsonWriter = (r, c, out) => out.value(c.read(r, c));

/** The JSON writer of a compiled column (call after `read` is final). */
export function compileCellJson(c: ColumnPlan): CellJsonWriter {
  const asciiAsItself = c.codec?.kind === 'utf8' || c.codec?.kind === 'latin1';
  const text = asciiAsItself ? TEXT_JSON.get(c.read) : undefined;
  return text ?? INTEGER_JSON.get(c.read) ?? writeDecoded;
}

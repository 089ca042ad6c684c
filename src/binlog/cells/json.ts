import { blobLength } from './blob.js';
import { jsonBinaryToText } from './json-binary.js';
import type { CellDecoder, ColumnPlan } from './plan.js';
import { invalid } from './string.js';

/** MySQL JSON (type 245): a blob-style length, then binary JSON → its SELECT text. */
const readJson: CellDecoder = (r, c) => {
  const len = blobLength(r, c);
  const p = r.take(len);
  return jsonBinaryToText(r.buf, p, p + len);
};

export function jsonDecoder(c: ColumnPlan): CellDecoder {
  if (c.meta < 1 || c.meta > 4) return invalid(c, `json length size ${c.meta}`);
  return readJson;
}

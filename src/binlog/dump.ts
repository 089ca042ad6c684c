/**
 * JSON-ready forms for `dump()`: bigint → decimal string, Uint8Array → `0x…` hex (the same
 * form as `canonicalText`, so binary row values are never mistaken for text), arrays and plain
 * objects recursively; undefined fields are dropped.
 */
export function jsonReady(value: unknown): unknown {
  if (value === null || value === undefined) return value ?? null;
  switch (typeof value) {
    case 'bigint':
      return value.toString();
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'string':
    case 'boolean':
      return value;
    case 'object':
      break;
    default:
      return String(value);
  }
  if (value instanceof Uint8Array) return hex(value);
  if (Array.isArray(value)) return value.map(jsonReady);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v !== undefined && typeof v !== 'function') out[k] = jsonReady(v);
  }
  return out;
}

export function hex(bytes: Uint8Array): string {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`;
}

/** At most `max` bytes as hex, for error details. */
export function hexExcerpt(bytes: Uint8Array, from = 0, max = 64): string {
  const start = Math.max(0, Math.min(from, bytes.length));
  const slice = Buffer.from(bytes.buffer, bytes.byteOffset + start, Math.min(max, bytes.length - start));
  return slice.toString('hex') + (bytes.length - start > max ? '…' : '');
}

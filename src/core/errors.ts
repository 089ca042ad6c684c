import { ERROR_CODES, type ErrorCode } from './error-codes.js';

export interface BinlakeErrorOptions {
  /** One sentence telling the user what to do about it. */
  remedy?: string;
  /** Machine-readable context (positions, names, hex). Never secrets. */
  details?: Record<string, unknown>;
  cause?: unknown;
}

/**
 * The one error class of binlake. `message` says what happened in the user's terms,
 * `remedy` what to do; `code` is stable and documented in `ERROR_CODES`.
 */
export class BinlakeError extends Error {
  readonly code: ErrorCode;
  readonly remedy: string | undefined;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: BinlakeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BinlakeError';
    this.code = code;
    this.remedy = options.remedy;
    this.details = options.details ?? {};
  }

  /** `[BLK_S1203] binlog_row_image is MINIMAL — set binlog_row_image=FULL in my.cnf and restart` */
  describe(): string {
    return `[${this.code}] ${this.message}${this.remedy ? ` — ${this.remedy}` : ''}`;
  }

  get summary(): string {
    return ERROR_CODES[this.code];
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, remedy: this.remedy, details: this.details };
  }
}

export function isBinlakeError(error: unknown, code?: ErrorCode): error is BinlakeError {
  return error instanceof BinlakeError && (code === undefined || error.code === code);
}

/** A readable one-liner for any thrown value, used at the CLI and state boundaries. */
export function describeError(error: unknown): string {
  if (error instanceof BinlakeError) return error.describe();
  if (error instanceof Error) return error.message;
  return String(error);
}

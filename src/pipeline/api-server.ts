import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { BinlakeError, describeError, isBinlakeError } from '../core/errors.js';

/**
 * The local HTTP API of a running `binlake sync`. DuckDB lets one process write the file, so
 * `status`, `merge` and `verify` of other processes come here. Bound to 127.0.0.1 by default;
 * bound anywhere else it requires a bearer token (config `api.token`).
 *
 * GET /status → TaskStatus JSON · GET /metrics → Prometheus text · POST /merge {table, at, into}
 * · POST /verify {table?, at?, limit?}
 */
export interface ApiHandlers {
  status(): unknown;
  metrics(): Promise<string>;
  merge(request: { table: string; at: number; into?: string }): Promise<unknown>;
  verify(request: { table?: string; at?: number; limit?: number }): Promise<unknown>;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

export class ApiServer {
  private constructor(
    private readonly server: http.Server,
    readonly host: string,
    readonly port: number,
  ) {}

  static async start(
    options: { host: string; port: number; token?: string },
    handlers: ApiHandlers,
  ): Promise<ApiServer> {
    if (!isLoopback(options.host) && !options.token) {
      throw new BinlakeError('BLK_C0003', `api.host is ${options.host} but api.token is not set`, {
        remedy: 'set api.token (e.g. "${BINLAKE_API_TOKEN}") or keep api.host at 127.0.0.1',
      });
    }
    const token = options.token ? Buffer.from(`Bearer ${options.token}`) : null;
    const server = http.createServer((req, res) => {
      void handle(req, res, token, handlers);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => resolve());
    });
    server.unref();
    const address = server.address() as AddressInfo;
    return new ApiServer(server, options.host, address.port);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function authorized(req: http.IncomingMessage, token: Buffer | null): boolean {
  if (!token) return true;
  const given = Buffer.from(req.headers.authorization ?? '');
  return given.length === token.length && timingSafeEqual(given, token);
}

async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 1_000_000) throw new BinlakeError('BLK_C0006', 'request body too large');
  }
  return body ? (JSON.parse(body) as Record<string, unknown>) : {};
}

function send(res: http.ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  const text =
    type === 'application/json'
      ? JSON.stringify(body, (_, v) => (typeof v === 'bigint' ? v.toString() : v))
      : String(body);
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(text);
}

async function handle(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  token: Buffer | null,
  handlers: ApiHandlers,
): Promise<void> {
  try {
    if (!authorized(req, token)) {
      send(res, 401, { error: { code: 'unauthorized', message: 'missing or wrong bearer token' } });
      return;
    }
    const url = new URL(req.url ?? '/', 'http://local');
    if (req.method === 'GET' && url.pathname === '/status') return send(res, 200, handlers.status());
    if (req.method === 'GET' && url.pathname === '/metrics') {
      return send(res, 200, await handlers.metrics(), 'text/plain; version=0.0.4');
    }
    if (req.method === 'POST' && url.pathname === '/merge') {
      const body = await readJson(req);
      return send(
        res,
        200,
        await handlers.merge({
          table: String(body.table),
          at: Number(body.at),
          into: body.into ? String(body.into) : undefined,
        }),
      );
    }
    if (req.method === 'POST' && url.pathname === '/verify') {
      const body = await readJson(req);
      return send(
        res,
        200,
        await handlers.verify({
          table: body.table ? String(body.table) : undefined,
          at: body.at === undefined ? undefined : Number(body.at),
          limit: body.limit === undefined ? undefined : Number(body.limit),
        }),
      );
    }
    send(res, 404, { error: { code: 'not_found', message: `${req.method} ${url.pathname}` } });
  } catch (error) {
    const payload = isBinlakeError(error) ? error.toJSON() : { code: null, message: describeError(error) };
    send(res, isBinlakeError(error) ? 409 : 500, { error: payload });
  }
}

/** Client side: calls the API of a running sync; a BinlakeError from the server is rethrown as one. */
export async function callApi<T>(
  info: { host: string; port: number; token: string | null },
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<T> {
  const host = info.host.includes(':') ? `[${info.host}]` : info.host;
  const response = await fetch(`http://${host}:${info.port}${path}`, {
    method,
    headers: {
      ...(info.token ? { authorization: `Bearer ${info.token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) {
    let parsed: { error?: { code?: string; message?: string; remedy?: string } } = {};
    try {
      parsed = JSON.parse(text);
    } catch {}
    const e = parsed.error ?? {};
    if (e.code?.startsWith('BLK_')) {
      throw new BinlakeError(e.code as never, e.message ?? 'error', { remedy: e.remedy });
    }
    throw new Error(`binlake API ${path}: HTTP ${response.status} ${e.message ?? text}`);
  }
  return (path === '/metrics' ? text : JSON.parse(text)) as T;
}

/**
 * The control socket's wire format: JSON lines, one request and one response
 * per line. Pure: no I/O, no logging.
 *
 * ```
 * request   {"id": <string|number|null>, "cmd": "<name>", "args": ["<string>", …]}
 * response  {"id": <same id>, "ok": true,  "data": <any JSON>}
 *           {"id": <same id>, "ok": false, "error": {"code": "<CODE>", "message": "<text>"}}
 * ```
 *
 * `id` is the client's to choose and is echoed unchanged; `args` may be
 * omitted. A line that is not a valid request still gets a response, with the
 * id when one could be read and `null` otherwise.
 */
import { isObject } from '../util/is-object.js';

/** What a client may use as a request id. */
export type RequestId = string | number | null;

export interface ControlRequest {
  id: RequestId;
  cmd: string;
  args: string[];
}

export interface ControlErrorBody {
  code: string;
  message: string;
}

export type ControlResponse = { id: RequestId; ok: true; data: unknown } | { id: RequestId; ok: false; error: ControlErrorBody };

/**
 * Refusals that mean the request was not run, so a client may send it again:
 * every slot held by a client with a request in flight (`ETOOMANYCLIENTS`),
 * or the connection closed for a newcomer while no request of it was running
 * or waiting (`EEVICTED`; an answer already written comes before it).
 */
export const NOT_RUN_CODES: ReadonlySet<string> = new Set(['ETOOMANYCLIENTS', 'EEVICTED']);

/** Longest id echoed back; a longer one is refused so responses stay small. */
export const MAX_ID_LENGTH = 128;
/**
 * Marks a line that does not parse as binary rather than mistyped text: a C0
 * control other than tab, DEL, or U+FFFD (what the line splitter makes of
 * bytes that are not UTF-8).
 */
const BINARY_CHARACTER = /[\u0000-\u0008\u000a-\u001f\u007f\ufffd]/;
/** Command names are short lower-case words (`status`, `takeover`, …). */
const COMMAND_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;
/** No command takes more; a bound keeps a hostile request cheap to refuse. */
export const MAX_ARGS = 64;

export type DecodeRequestResult = { ok: true; request: ControlRequest } | { ok: false; id: RequestId; error: ControlErrorBody };

function isRequestId(v: unknown): v is RequestId {
  return v === null || (typeof v === 'string' && v.length <= MAX_ID_LENGTH) || (typeof v === 'number' && Number.isFinite(v));
}

function refuse(id: RequestId, code: string, message: string): DecodeRequestResult {
  return { ok: false, id, error: { code, message } };
}

/**
 * Decodes one request line (without its newline). Never throws: every bad
 * line becomes an error with code `EBADJSON` (not JSON) or `EBADREQUEST`
 * (JSON of the wrong shape), and the message says what is wrong.
 */
export function decodeRequest(line: string): DecodeRequestResult {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    const binary = BINARY_CHARACTER.exec(line);
    if (binary !== null) {
      // JSON.parse's message would quote the bytes back; say what they are instead.
      const what = binary[0] === '\ufffd' ? 'a byte that is not UTF-8' : `control character 0x${binary[0].charCodeAt(0).toString(16).padStart(2, '0')}`;
      return refuse(null, 'EBADJSON', `request is binary, not JSON text: ${what} at character ${binary.index + 1}; send one JSON object per line`);
    }
    return refuse(null, 'EBADJSON', `request is not JSON (${(err as Error).message}); send one JSON object per line`);
  }
  if (!isObject(value)) return refuse(null, 'EBADREQUEST', 'request must be a JSON object like {"id":1,"cmd":"status","args":[]}');
  const rawId = value.id ?? null;
  if (!isRequestId(rawId)) {
    return refuse(null, 'EBADREQUEST', `"id" must be a string of at most ${MAX_ID_LENGTH} characters, a number or null`);
  }
  const id = rawId;
  for (const key of Object.keys(value)) {
    if (key !== 'id' && key !== 'cmd' && key !== 'args') return refuse(id, 'EBADREQUEST', `unknown field "${key}"; a request has "id", "cmd" and "args"`);
  }
  if (typeof value.cmd !== 'string' || !COMMAND_PATTERN.test(value.cmd)) {
    return refuse(id, 'EBADREQUEST', '"cmd" must be a command name like "status" (send "help" for the list)');
  }
  const args = value.args ?? [];
  if (!Array.isArray(args) || args.some((a) => typeof a !== 'string')) return refuse(id, 'EBADREQUEST', '"args" must be a list of strings');
  if (args.length > MAX_ARGS) return refuse(id, 'EBADREQUEST', `"args" has ${args.length} items; at most ${MAX_ARGS} are accepted`);
  return { ok: true, request: { id, cmd: value.cmd, args: args as string[] } };
}

/** Encodes a request as one line, newline included. */
export function encodeRequest(request: ControlRequest): string {
  return `${JSON.stringify({ id: request.id, cmd: request.cmd, args: request.args })}\n`;
}

/** Encodes a response as one line, newline included. */
export function encodeResponse(response: ControlResponse): string {
  return `${JSON.stringify(response)}\n`;
}

/** An error response. */
export function errorResponse(id: RequestId, code: string, message: string): ControlResponse {
  return { id, ok: false, error: { code, message } };
}

/**
 * Decodes one response line (for clients).
 * @throws {SyntaxError} when the line is not JSON or not a response object.
 */
export function decodeResponse(line: string): ControlResponse {
  const value: unknown = JSON.parse(line);
  if (!isObject(value) || !isRequestId(value.id ?? null) || typeof value.ok !== 'boolean') {
    throw new SyntaxError('response must be an object with "id" and a boolean "ok"');
  }
  const id = (value.id ?? null) as RequestId;
  if (value.ok) return { id, ok: true, data: value.data ?? null };
  const error = value.error;
  if (!isObject(error) || typeof error.code !== 'string' || typeof error.message !== 'string') {
    throw new SyntaxError('an error response must carry "error": {"code", "message"} strings');
  }
  return { id, ok: false, error: { code: error.code, message: error.message } };
}

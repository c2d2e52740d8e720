import t from 'tap';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse, MAX_ARGS, MAX_ID_LENGTH } from '../../src/control/protocol.js';
import { seededRandomFor } from './seeded-random.js';

t.test('decodeRequest', async (t) => {
  const cases: Array<{ desc: string; input: string; want?: object; wantCode?: string; wantId?: unknown }> = [
    { desc: 'accepts a full request', input: '{"id":7,"cmd":"status","args":[]}', want: { id: 7, cmd: 'status', args: [] } },
    { desc: 'accepts a string id and args', input: '{"id":"a-1","cmd":"takeover","args":["web"]}', want: { id: 'a-1', cmd: 'takeover', args: ['web'] } },
    { desc: 'defaults a missing id to null and missing args to []', input: '{"cmd":"help"}', want: { id: null, cmd: 'help', args: [] } },
    { desc: 'accepts a null id', input: '{"id":null,"cmd":"vips"}', want: { id: null, cmd: 'vips', args: [] } },
    { desc: 'rejects text that is not JSON', input: 'status please', wantCode: 'EBADJSON', wantId: null },
    { desc: 'rejects an empty line', input: '', wantCode: 'EBADJSON', wantId: null },
    { desc: 'rejects a truncated object', input: '{"id":1,"cmd":"sta', wantCode: 'EBADJSON', wantId: null },
    { desc: 'rejects a JSON array', input: '["status"]', wantCode: 'EBADREQUEST', wantId: null },
    { desc: 'rejects a JSON string', input: '"status"', wantCode: 'EBADREQUEST', wantId: null },
    { desc: 'rejects JSON null', input: 'null', wantCode: 'EBADREQUEST', wantId: null },
    { desc: 'rejects an object id (and cannot echo it)', input: '{"id":{"x":1},"cmd":"status"}', wantCode: 'EBADREQUEST', wantId: null },
    { desc: 'rejects an overlong id', input: JSON.stringify({ id: 'x'.repeat(MAX_ID_LENGTH + 1), cmd: 'status' }), wantCode: 'EBADREQUEST', wantId: null },
    { desc: 'rejects a missing cmd, echoing the id', input: '{"id":3}', wantCode: 'EBADREQUEST', wantId: 3 },
    { desc: 'rejects a numeric cmd', input: '{"id":3,"cmd":5}', wantCode: 'EBADREQUEST', wantId: 3 },
    { desc: 'rejects a cmd that is not a command name', input: '{"id":3,"cmd":"../etc"}', wantCode: 'EBADREQUEST', wantId: 3 },
    { desc: 'rejects an upper-case cmd', input: '{"id":3,"cmd":"STATUS"}', wantCode: 'EBADREQUEST', wantId: 3 },
    { desc: 'rejects non-string args', input: '{"id":"q","cmd":"takeover","args":[1]}', wantCode: 'EBADREQUEST', wantId: 'q' },
    { desc: 'rejects args that are not a list', input: '{"id":"q","cmd":"takeover","args":"web"}', wantCode: 'EBADREQUEST', wantId: 'q' },
    { desc: 'rejects too many args', input: JSON.stringify({ id: 1, cmd: 'vips', args: Array(MAX_ARGS + 1).fill('a') }), wantCode: 'EBADREQUEST', wantId: 1 },
    { desc: 'rejects unknown fields', input: '{"id":1,"cmd":"status","argv":[]}', wantCode: 'EBADREQUEST', wantId: 1 },
  ];
  for (const c of cases) {
    const r = decodeRequest(c.input);
    if (c.want !== undefined) {
      t.same(r, { ok: true, request: c.want }, c.desc);
    } else {
      t.equal(r.ok, false, c.desc);
      if (!r.ok) {
        t.equal(r.error.code, c.wantCode, `${c.desc}: code`);
        t.equal(r.id, c.wantId, `${c.desc}: id`);
        t.ok(r.error.message.length > 10, `${c.desc}: says what is wrong`);
      }
    }
  }
});

t.test('binary garbage is named as such, not quoted back', async (t) => {
  const cases: Array<[string, RegExp]> = [
    [Buffer.from([0x7b, 0xff, 0xfe, 0x00]).toString('utf8'), /binary, not JSON text: a byte that is not UTF-8 at character 2/],
    ['{"id":1,\u0000"cmd"}', /binary, not JSON text: control character 0x00 at character 9/],
    ['\u001b[1mstatus', /control character 0x1b at character 1/],
  ];
  for (const [input, message] of cases) t.match(decodeRequest(input), { ok: false, id: null, error: { code: 'EBADJSON', message } }, JSON.stringify(input));
  t.match(decodeRequest('{"id":1,\t"cmd":"status"}'), { ok: true }, 'a tab is whitespace, not binary');
  t.match(decodeRequest('{"id":"\ufffd","cmd":"status"}'), { ok: true }, 'U+FFFD inside valid JSON is accepted');
  t.match(decodeRequest('status please'), { error: { message: /^request is not JSON/ } }, "plain text keeps the parser's message");
});

t.test('decodeRequest survives any input', async (t) => {
  const rng = seededRandomFor(t);
  for (let i = 0; i < 2000; i++) {
    const bytes = rng.bytes(1 + (i % 200));
    const r = decodeRequest(bytes.toString(i % 2 === 0 ? 'utf8' : 'latin1'));
    if (r.ok) t.type(r.request.cmd, 'string', `seed ${rng.seed}, line ${i}`);
  }
  t.pass(`2000 random lines decoded without throwing (seed ${rng.seed})`);
});

t.test('encodeRequest / decodeRequest round-trip', async (t) => {
  const req = { id: 'x', cmd: 'notify', args: ['INSTANCE', 'VI 1', 'MASTER', '100'] };
  const line = encodeRequest(req);
  t.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'), 'one line');
  t.same(decodeRequest(line.slice(0, -1)), { ok: true, request: req });
});

t.test('decodeResponse', async (t) => {
  const cases: Array<{ desc: string; input: string; want?: object; wantErr?: boolean }> = [
    { desc: 'reads a success', input: '{"id":1,"ok":true,"data":{"a":1}}', want: { id: 1, ok: true, data: { a: 1 } } },
    { desc: 'fills missing data with null', input: '{"id":1,"ok":true}', want: { id: 1, ok: true, data: null } },
    {
      desc: 'reads an error',
      input: '{"id":null,"ok":false,"error":{"code":"EIDLE","message":"bye"}}',
      want: { id: null, ok: false, error: { code: 'EIDLE', message: 'bye' } },
    },
    { desc: 'rejects garbage', input: 'nope', wantErr: true },
    { desc: 'rejects a missing ok', input: '{"id":1}', wantErr: true },
    { desc: 'rejects an error without code', input: '{"id":1,"ok":false,"error":{"message":"x"}}', wantErr: true },
  ];
  for (const c of cases) {
    if (c.wantErr) t.throws(() => decodeResponse(c.input), SyntaxError, c.desc);
    else t.same(decodeResponse(c.input), c.want, c.desc);
  }
  const ok = { id: 5, ok: true as const, data: [1, 'two'] };
  t.same(decodeResponse(encodeResponse(ok).trimEnd()), ok, 'encodeResponse round-trips');
});

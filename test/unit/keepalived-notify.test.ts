import t from 'tap';
import { groupsForKeepalivedName, parseFifoLine, parseNotifyArgs } from '../../src/keepalived/notify.js';

t.test('parseNotifyArgs', async (t) => {
  const cases: Array<{ desc: string; input: string[]; want?: object; wantErr?: RegExp }> = [
    {
      desc: 'reads keepalived instance arguments',
      input: ['INSTANCE', 'VI_1', 'MASTER', '100'],
      want: { type: 'INSTANCE', name: 'VI_1', state: 'MASTER', role: 'MASTER', priority: 100 },
    },
    {
      desc: 'reads group arguments without priority',
      input: ['GROUP', 'VG_1', 'BACKUP'],
      want: { type: 'GROUP', name: 'VG_1', state: 'BACKUP', role: 'BACKUP', priority: undefined },
    },
    {
      desc: 'maps FAULT to FAULT',
      input: ['INSTANCE', 'VI_1', 'FAULT', '0'],
      want: { type: 'INSTANCE', name: 'VI_1', state: 'FAULT', role: 'FAULT', priority: 0 },
    },
    {
      desc: 'maps STOP to BACKUP',
      input: ['INSTANCE', 'VI_1', 'STOP', '100'],
      want: { type: 'INSTANCE', name: 'VI_1', state: 'STOP', role: 'BACKUP', priority: 100 },
    },
    {
      desc: 'maps DELETED to BACKUP',
      input: ['INSTANCE', 'VI_1', 'DELETED'],
      want: { type: 'INSTANCE', name: 'VI_1', state: 'DELETED', role: 'BACKUP', priority: undefined },
    },
    {
      desc: 'accepts lower case type and state',
      input: ['instance', 'VI_1', 'master', '255'],
      want: { type: 'INSTANCE', name: 'VI_1', state: 'MASTER', role: 'MASTER', priority: 255 },
    },
    { desc: 'rejects too few arguments', input: ['INSTANCE', 'VI_1'], wantErr: /TYPE NAME STATE/ },
    { desc: 'rejects too many arguments', input: ['INSTANCE', 'VI_1', 'MASTER', '1', 'x'], wantErr: /TYPE NAME STATE/ },
    { desc: 'rejects an unknown type', input: ['VS', 'x', 'MASTER'], wantErr: /INSTANCE or GROUP/ },
    { desc: 'rejects an unknown state', input: ['INSTANCE', 'VI_1', 'UP'], wantErr: /STATE must be/ },
    { desc: 'rejects a priority above 255', input: ['INSTANCE', 'VI_1', 'MASTER', '256'], wantErr: /PRIORITY/ },
    { desc: 'rejects a non-numeric priority', input: ['INSTANCE', 'VI_1', 'MASTER', 'high'], wantErr: /PRIORITY/ },
    { desc: 'rejects an empty name', input: ['INSTANCE', '', 'MASTER'], wantErr: /NAME/ },
  ];
  for (const c of cases) {
    const r = parseNotifyArgs(c.input);
    if (c.want !== undefined) t.same(r, { ok: true, event: c.want }, c.desc);
    else t.match(r, { ok: false, message: c.wantErr }, c.desc);
  }
});

t.test('parseFifoLine', async (t) => {
  const cases: Array<{ desc: string; input: string; want: object }> = [
    {
      desc: 'reads an instance line',
      input: 'INSTANCE "VI_1" MASTER 100',
      want: { kind: 'event', event: { type: 'INSTANCE', name: 'VI_1', state: 'MASTER', role: 'MASTER', priority: 100 } },
    },
    {
      desc: 'reads a group line',
      input: 'GROUP "VG_1" BACKUP 0',
      want: { kind: 'event', event: { type: 'GROUP', name: 'VG_1', state: 'BACKUP', role: 'BACKUP', priority: 0 } },
    },
    { desc: 'reads a name with spaces', input: 'INSTANCE "web vip" FAULT 50', want: { kind: 'event', event: { name: 'web vip', role: 'FAULT' } } },
    {
      desc: 'reads a line without priority',
      input: 'INSTANCE "VI_1" STOP',
      want: { kind: 'event', event: { state: 'STOP', role: 'BACKUP', priority: undefined } },
    },
    { desc: 'ignores MASTER_RX_LOWER_PRI', input: 'INSTANCE "VI_1" MASTER_RX_LOWER_PRI 100', want: { kind: 'ignored' } },
    { desc: 'ignores a checker VS line', input: 'VS [192.0.2.1]:tcp:80 UP', want: { kind: 'ignored' } },
    { desc: 'ignores a checker RS line', input: 'RS [192.0.2.5]:tcp:80 [192.0.2.1]:tcp:80 DOWN', want: { kind: 'ignored' } },
    { desc: 'ignores other types', input: 'DAEMON "x" UP', want: { kind: 'ignored' } },
    { desc: 'rejects an unquoted name', input: 'INSTANCE VI_1 MASTER 100', want: { kind: 'invalid' } },
    { desc: 'rejects garbage', input: '\u0000\u0001 hello', want: { kind: 'invalid' } },
    { desc: 'rejects a bad priority', input: 'INSTANCE "VI_1" MASTER 999', want: { kind: 'invalid' } },
  ];
  for (const c of cases) t.match(parseFifoLine(c.input), c.want, c.desc);
});

t.test('groupsForKeepalivedName', async (t) => {
  const groups = [
    { name: 'web', keepalived: ['VI_1'] },
    { name: 'web2', keepalived: ['VI_1', 'VG_1'] },
    { name: 'mail', keepalived: [] },
    { name: 'VI_9', keepalived: [] },
  ];
  const cases: Array<{ desc: string; name: string; want: string[] }> = [
    { desc: 'maps an instance to every group listing it', name: 'VI_1', want: ['web', 'web2'] },
    { desc: 'maps a sync group', name: 'VG_1', want: ['web2'] },
    { desc: 'defaults to the group of the same name', name: 'mail', want: ['mail'] },
    { desc: 'defaults to a group named like an instance', name: 'VI_9', want: ['VI_9'] },
    { desc: 'maps nothing for an unknown name', name: 'VI_2', want: [] },
  ];
  for (const c of cases) t.same(groupsForKeepalivedName(groups, c.name), c.want, c.desc);
});

/**
 * completion/vip-arpctl.bash under bash-completion: commands, options, and
 * group names and VIPs asked from the daemon. The daemon's answer is stood in
 * for by a vip-arpctl on PATH that prints the JSON `vip-arpctl --json vips`
 * prints (the shape core-commands.ts returns); the test checks that the
 * completion asks with the right arguments, including --socket.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const COMPLETION = join(REPO, 'completion', 'vip-arpctl.bash');
const BASH_COMPLETION = '/usr/share/bash-completion/bash_completion';
const VIPS_JSON = JSON.stringify([
  { name: 'web', role: 'MASTER', interface: 'eth0', vips: ['198.51.100.10', '198.51.100.11'], mac: '02:00:00:00:00:01' },
  { name: 'mail', role: 'BACKUP', interface: 'eth0', vips: ['198.51.100.25'] },
]);

/** Completes `line` (the cursor at its end) and returns COMPREPLY, sorted. */
function complete(dir: string, line: string): string[] {
  const script = `
source ${BASH_COMPLETION}
source ${COMPLETION}
COMP_LINE=${JSON.stringify(line)}
COMP_POINT=\${#COMP_LINE}
read -ra COMP_WORDS <<<"$COMP_LINE"
[[ $COMP_LINE == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$((\${#COMP_WORDS[@]} - 1))
_vip_arpctl vip-arpctl "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\\n' "\${COMPREPLY[@]}"
`;
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', script], {
    encoding: 'utf8',
    env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, ASKED: join(dir, 'asked') },
  });
  if (r.status !== 0) throw new Error(`bash failed: ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean).sort();
}

t.test('vip-arpctl completion', { skip: existsSync(BASH_COMPLETION) ? false : 'needs bash-completion (apt-get install bash-completion)' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vip-arpd-completion-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'vip-arpctl'), `#!/bin/sh\necho "$*" >> "$ASKED"\necho '${VIPS_JSON}'\n`, { mode: 0o755 });

  t.same(complete(dir, 'vip-arpctl st'), ['status'], 'a command');
  t.same(complete(dir, 'vip-arpctl --j'), ['--json'], 'an option');
  t.same(complete(dir, 'vip-arpctl takeover '), ['mail', 'web'], 'group names from the daemon');
  t.same(complete(dir, 'vip-arpctl --json release w'), ['web'], 'after an option too');
  t.same(complete(dir, 'vip-arpctl garp 198.51.100.1'), ['198.51.100.10', '198.51.100.11'], 'VIPs from the daemon (and groups) for garp');
  t.same(complete(dir, 'vip-arpctl ann'), ['announce'], 'the neutral alias of garp');
  t.same(complete(dir, 'vip-arpctl announce w'), ['web'], 'announce: groups (and VIPs) like garp');
  t.same(complete(dir, 'vip-arpctl probe '), ['198.51.100.10', '198.51.100.11', '198.51.100.25', 'mail', 'web'], 'probe: groups and VIPs');
  t.same(complete(dir, 'vip-arpctl log-level d'), ['debug'], 'log levels');
  t.same(complete(dir, 'vip-arpctl notify INSTANCE VI_1 M'), ['MASTER'], "keepalived's states");
  t.same(complete(dir, 'vip-arpctl takeover web '), [], 'one group only');
  rmSync(join(dir, 'asked'), { force: true });
  t.same(complete(dir, 'vip-arpctl --socket /tmp/other.sock role '), ['mail', 'web'], 'with --socket');
  t.match(readFileSync(join(dir, 'asked'), 'utf8'), /^--socket \/tmp\/other\.sock --json --timeout 1000 vips$/m, 'the daemon named by --socket is asked');

  // An unreachable daemon: no names, no error output.
  writeFileSync(join(dir, 'vip-arpctl'), '#!/bin/sh\necho "vip-arpctl: cannot connect" >&2\nexit 3\n', { mode: 0o755 });
  t.same(complete(dir, 'vip-arpctl takeover '), [], 'nothing to offer when the daemon is down');
});

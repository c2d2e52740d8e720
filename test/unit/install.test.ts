/**
 * scripts/install.sh and uninstall.sh into a temp DESTDIR: what they write,
 * that --dry-run writes nothing, that an existing config survives a
 * reinstall and an uninstall, and that the installed copy runs on its own.
 */
import t from 'tap'
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const INSTALL = join(REPO, 'scripts', 'install.sh')
const UNINSTALL = join(REPO, 'scripts', 'uninstall.sh')

function sh(script: string, args: string[]): { code: number; out: string } {
  const r = spawnSync(script, args, { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } })
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` }
}

function listAll(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((p) => !p.includes('node_modules/')).sort()
}

t.test('install, reinstall, uninstall and purge in a DESTDIR', async (t) => {
  const dest = mkdtempSync(join(tmpdir(), 'vip-arpd-install-'))
  t.teardown(() => rmSync(dest, { recursive: true, force: true }))

  const dry = sh(INSTALL, ['--dry-run', '--destdir', dest])
  t.equal(dry.code, 0, 'dry run succeeds')
  t.match(dry.out, /would run: cp -a .*package\.json/, 'dry run says what it would copy')
  t.match(dry.out, /would write: .*vip-arpd\.service/)
  t.same(listAll(dest), [], 'dry run changes nothing')

  const first = sh(INSTALL, ['--destdir', dest])
  t.equal(first.code, 0, 'install succeeds', { output: first.out })
  for (const f of ['opt/vip-arpd/dist/cli/vip-arpd.js', 'opt/vip-arpd/node_modules/pino/package.json', 'etc/systemd/system/vip-arpd.service', 'etc/vip-arpd/vip-arpd.json']) {
    t.ok(existsSync(join(dest, f)), `${f} installed`)
  }
  t.notOk(existsSync(join(dest, 'opt/vip-arpd/node_modules/tap')), 'no dev dependencies')
  t.equal(readlinkSync(join(dest, 'usr/local/bin/vip-arpctl')), '/opt/vip-arpd/dist/cli/vip-arpctl.js', 'vip-arpctl on PATH')
  t.match(readFileSync(join(dest, 'etc/systemd/system/vip-arpd.service'), 'utf8'), new RegExp(`^ExecStart=${process.execPath} /opt/vip-arpd/dist/cli/vip-arpd\\.js `, 'm'), 'ExecStart uses this node')
  t.match(first.out, /not running systemctl daemon-reload/, 'no systemctl in a DESTDIR')

  // The installed copy stands alone: its own addon and dependencies.
  const app = join(dest, 'opt/vip-arpd')
  const check = spawnSync(process.execPath, [join(app, 'dist/cli/vip-arpd.js'), '--check-config', '--config', join(dest, 'etc/vip-arpd/vip-arpd.json')], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } })
  t.equal(check.status, 0, 'installed daemon validates the installed example config', { output: check.stdout + check.stderr })
  const addon = execFileSync(process.execPath, ['--input-type=module', '-e', "const m = await import('./dist/native/addon.js'); process.stdout.write(typeof m.native.openPacket)"], { cwd: app, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } })
  t.equal(addon, 'function', 'installed native addon loads')

  writeFileSync(join(dest, 'etc/vip-arpd/vip-arpd.json'), '{"groups": []}\n')
  const again = sh(INSTALL, ['--destdir', dest])
  t.equal(again.code, 0, 'reinstall succeeds')
  t.match(again.out, /keeping existing .*vip-arpd\.json/)
  t.equal(readFileSync(join(dest, 'etc/vip-arpd/vip-arpd.json'), 'utf8'), '{"groups": []}\n', 'an existing config is never overwritten')

  const dryUn = sh(UNINSTALL, ['--dry-run', '--destdir', dest])
  t.equal(dryUn.code, 0)
  t.match(dryUn.out, /would run: rm -rf .*opt\/vip-arpd/)
  t.ok(existsSync(join(app, 'dist')), 'uninstall dry run changes nothing')

  const un = sh(UNINSTALL, ['--destdir', dest])
  t.equal(un.code, 0, 'uninstall succeeds', { output: un.out })
  t.same(listAll(dest).filter((p) => !/^(etc|usr|opt|etc\/systemd|etc\/systemd\/system|usr\/local|usr\/local\/s?bin)$/.test(p)),
    ['etc/vip-arpd', 'etc/vip-arpd/vip-arpd.json', 'etc/vip-arpd/vips', ...readdirSync(join(dest, 'etc/vip-arpd/vips')).map((f) => `etc/vip-arpd/vips/${f}`)].sort(),
    'only the config is left')

  const purge = sh(UNINSTALL, ['--purge', '--destdir', dest])
  t.equal(purge.code, 0)
  t.notOk(existsSync(join(dest, 'etc/vip-arpd')), '--purge removes the config')
})

t.test('a dry run on the real system would create the user and change nothing', { skip: process.getuid?.() === 0 ? false : 'needs root (install.sh refuses to run otherwise)' }, async (t) => {
  const hasUser = spawnSync('getent', ['passwd', 'vip-arpd']).status === 0
  const r = sh(INSTALL, ['--dry-run'])
  t.equal(r.code, 0, 'dry run succeeds', { output: r.out })
  t.match(r.out, hasUser ? /user vip-arpd exists/ : /would run: useradd --system --user-group .* vip-arpd/)
  t.match(r.out, /would write: \/etc\/systemd\/system\/vip-arpd\.service/)
  t.equal(spawnSync('getent', ['passwd', 'vip-arpd']).status === 0, hasUser, 'user database unchanged')
  t.equal(existsSync('/opt/vip-arpd.new'), false)
})

t.test('install refuses an unbuilt or unknown invocation clearly', async (t) => {
  const r = sh(INSTALL, ['--bogus'])
  t.equal(r.code, 64)
  t.match(r.out, /unknown option --bogus/)
})

// Who app processes run as when Ferry is root, decided from /etc/passwd and /etc/group text fed to the rules.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { chownSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { appIdentity, parsePasswd } from '../../../src/core/spawn/identity.js'
import { tmpDir } from '../../helpers/tmp.js'

const files = {
  passwd: 'root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n' +
    'deploy:x:1000:0:Deploy:/home/deploy:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\nbroken line\n',
  group: 'root:x:0:\nwww-data:x:33:\nstaff:x:50:\nnogroup:x:65534:\n'
}

test('not root: no switching, whatever --user says', () => {
  assert.equal(appIdentity({ appRoot: '/', ownerOf: '/', user: 'www-data' }, 1000, files), undefined)
})

test('root: --user and --group by name or number', () => {
  assert.deepEqual(appIdentity({ appRoot: '/', ownerOf: '/', user: 'www-data' }, 0, files), { uid: 33, gid: 33, user: 'www-data', home: '/var/www', shell: '/usr/sbin/nologin' })
  assert.equal(appIdentity({ appRoot: '/', ownerOf: '/', user: '33', group: 'staff' }, 0, files)?.gid, 50)
  assert.equal(appIdentity({ appRoot: '/', ownerOf: '/', user: 'deploy' }, 0, files)?.gid, 65534, 'a primary group of root becomes nogroup')
})

test('root: never root, and unknown names are one-line errors', () => {
  assert.throws(() => appIdentity({ appRoot: '/', ownerOf: '/', user: 'root' }, 0, files), /never run as root/)
  assert.throws(() => appIdentity({ appRoot: '/', ownerOf: '/', user: '0' }, 0, files), /never run as root/)
  assert.throws(() => appIdentity({ appRoot: '/', ownerOf: '/', user: 'www-data', group: 'root' }, 0, files), /never run in the root group/)
  assert.throws(() => appIdentity({ appRoot: '/', ownerOf: '/', user: 'ghost' }, 0, files), { code: 'E_OPTION_INVALID', message: '--user: no user ghost on this machine' })
  assert.throws(() => appIdentity({ appRoot: '/', ownerOf: '/', user: 'www-data', group: 'ghosts' }, 0, files), /--group: no group ghosts/)
})

test('root, no --user: the owner of the file; nobody when root owns it; a bare uid without a passwd entry', { skip: process.geteuid?.() !== 0 ? 'needs root to chown the probe files' : false }, t => {
  const dir = tmpDir(t)
  const mine = join(dir, 'app.js')
  writeFileSync(mine, '')
  assert.equal(appIdentity({ appRoot: dir, ownerOf: mine }, 0, files)?.user, 'nobody')
  chownSync(mine, 33, 33)
  assert.equal(appIdentity({ appRoot: dir, ownerOf: mine }, 0, files)?.uid, 33)
  chownSync(mine, 4242, 4242)
  assert.deepEqual(appIdentity({ appRoot: dir, ownerOf: mine }, 0, files), { uid: 4242, gid: 4242, user: '4242', home: '/', shell: '/usr/sbin/nologin' })
})

test('root, no --user: an ordinary user\'s app directory runs as that user, even when its startup file is another user\'s', { skip: process.geteuid?.() !== 0 ? 'needs root to chown the probe files' : false }, t => {
  const dir = tmpDir(t)
  const app = join(dir, 'app')
  mkdirSync(app)
  const theirs = join(dir, 'theirs.js')
  writeFileSync(theirs, '')
  chownSync(theirs, 33, 33)
  symlinkSync(theirs, join(app, 'app.js'))
  assert.equal(appIdentity({ appRoot: app, ownerOf: join(app, 'app.js') }, 0, files)?.uid, 33, 'root\'s directory: the file\'s owner, as before')
  chownSync(app, 65534, 65534)
  assert.deepEqual(appIdentity({ appRoot: app, ownerOf: join(app, 'app.js') }, 0, files), { uid: 65534, gid: 65534, user: 'nobody', home: '/nonexistent', shell: '/usr/sbin/nologin' })
  chownSync(app, 4242, 50)
  assert.deepEqual(appIdentity({ appRoot: app, ownerOf: join(app, 'app.js') }, 0, files), { uid: 4242, gid: 50, user: '4242', home: '/', shell: '/usr/sbin/nologin' },
    'an owner without a passwd entry gets the directory\'s group, not a group numbered like its uid')
})

test('passwd parsing skips malformed lines', () => {
  assert.deepEqual(parsePasswd(files.passwd).map(u => u.name), ['root', 'www-data', 'deploy', 'nobody'])
})

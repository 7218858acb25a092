// Who app processes run as when Ferry is root, decided from /etc/passwd and /etc/group text fed to the rules.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { chownSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { appIdentity, parsePasswd } from '../../../src/core/spawn/identity.js'
import { tmpDir } from '../../helpers/tmp.js'

const files = {
  passwd: 'root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n' +
    'deploy:x:1000:0:Deploy:/home/deploy:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\nbroken line\n',
  group: 'root:x:0:\nwww-data:x:33:\nstaff:x:50:\nnogroup:x:65534:\n'
}

test('not root: no switching, whatever --user says', () => {
  assert.equal(appIdentity({ ownerOf: '/', user: 'www-data' }, 1000, files), undefined)
})

test('root: --user and --group by name or number', () => {
  assert.deepEqual(appIdentity({ ownerOf: '/', user: 'www-data' }, 0, files), { uid: 33, gid: 33, user: 'www-data', home: '/var/www' })
  assert.equal(appIdentity({ ownerOf: '/', user: '33', group: 'staff' }, 0, files)?.gid, 50)
  assert.equal(appIdentity({ ownerOf: '/', user: 'deploy' }, 0, files)?.gid, 65534, 'a primary group of root becomes nogroup')
})

test('root: never root, and unknown names are one-line errors', () => {
  assert.throws(() => appIdentity({ ownerOf: '/', user: 'root' }, 0, files), /never run as root/)
  assert.throws(() => appIdentity({ ownerOf: '/', user: '0' }, 0, files), /never run as root/)
  assert.throws(() => appIdentity({ ownerOf: '/', user: 'www-data', group: 'root' }, 0, files), /never run in the root group/)
  assert.throws(() => appIdentity({ ownerOf: '/', user: 'ghost' }, 0, files), { code: 'E_OPTION_INVALID', message: '--user: no user ghost on this machine' })
  assert.throws(() => appIdentity({ ownerOf: '/', user: 'www-data', group: 'ghosts' }, 0, files), /--group: no group ghosts/)
})

test('root, no --user: the owner of the file; nobody when root owns it; a bare uid without a passwd entry', { skip: process.geteuid?.() !== 0 ? 'needs root to chown the probe files' : false }, t => {
  const dir = tmpDir(t)
  const mine = join(dir, 'app.js')
  writeFileSync(mine, '')
  assert.equal(appIdentity({ ownerOf: mine }, 0, files)?.user, 'nobody')
  chownSync(mine, 33, 33)
  assert.equal(appIdentity({ ownerOf: mine }, 0, files)?.uid, 33)
  chownSync(mine, 4242, 4242)
  assert.deepEqual(appIdentity({ ownerOf: mine }, 0, files), { uid: 4242, gid: 4242, user: '4242', home: '/' })
})

test('passwd parsing skips malformed lines', () => {
  assert.deepEqual(parsePasswd(files.passwd).map(u => u.name), ['root', 'www-data', 'deploy', 'nobody'])
})

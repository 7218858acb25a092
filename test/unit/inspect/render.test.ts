import { test } from 'node:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { repoRoot } from '../../helpers/tmp.js'
import assert from 'node:assert/strict'
import { summarize, type MemoryStats } from '../../../src/core/inspect/memory-stats.js'
import type { ProcessInfo } from '../../../src/core/inspect/scan.js'
import { formatDate, formatMb, renderMemoryStats, renderTable } from '../../../src/cli/render/memory-stats.js'

const p = (pid: number, ppid: number, vmsize_kb: number | null, private_dirty_kb: number | null, command: string): ProcessInfo =>
  ({ pid, ppid, vmsize_kb, private_dirty_kb, swap_kb: 0, rss_kb: 0, command, comm: command.slice(0, 15), exe: null })

// The processes of the reference's memory-stats.txt, under Ferry's titles (sizes in kB chosen to print the same).
const ferry = [
  p(3273, 1, 298906, 2150, 'Ferry watchdog'),
  p(3275, 3273, 1064243, 3891, 'Ferry core'),
  p(3293, 3275, 26419, 1434, 'node server.js --port 4000'),
  p(3306, 3275, 1065267, 46694, 'Ferry NodeApp: /srv/apps/hello'),
  p(3355, 3275, 1064755, 46080, 'Ferry NodeApp: /srv/apps/hello')
]
const date = new Date(2026, 10, 28, 14, 47, 55)

test('formatMb and formatDate: one decimal MB, `?` when unknown; local time with its offset', () => {
  assert.equal(formatMb(298906), '291.9 MB')
  assert.equal(formatMb(0), '0.0 MB')
  assert.equal(formatMb(null), '?')
  assert.match(formatDate(date), /^2026-11-28 14:47:55 [+-]\d{4}$/)
})

test('renderTable: columns as wide as their widest cell plus two spaces, rule and title one wider than the header', () => {
  assert.equal(renderTable('T', ['A', 'BB', 'C'], [['xxx', 'y', 'tail  '], ['1', '2', '3']]),
    '\n---- T ----\nA    BB  C\n-----------\nxxx  y   tail\n1    2   3\n')
  assert.equal(renderTable('A long title', ['A'], []), '\n--- A long title ---\n', 'no room: three dashes each side')
})

test('renderMemoryStats: the reference layout, every value known', () => {
  const stats: MemoryStats = { apache: summarize([]), nginx: summarize([]), ferry: summarize(ferry) }
  const expected = [
    'Version: 0.1.0',
    `Date   : ${formatDate(date)}`,
    '',
    '------- Apache processes --------',
    '### Processes: 0',
    '### Total private dirty RSS: 0.00 MB',
    '',
    '',
    '-------- Nginx processes --------',
    '### Processes: 0',
    '### Total private dirty RSS: 0.00 MB',
    '',
    '',
    '------- Ferry processes -------',
    'PID   VMSize     Private  Name',
    '-------------------------------',
    '3273  291.9 MB   2.1 MB   Ferry watchdog',
    '3275  1039.3 MB  3.8 MB   Ferry core',
    '3293  25.8 MB    1.4 MB   node server.js --port 4000',
    '3306  1040.3 MB  45.6 MB  Ferry NodeApp: /srv/apps/hello',
    '3355  1039.8 MB  45.0 MB  Ferry NodeApp: /srv/apps/hello',
    '### Processes: 5',
    '### Total private dirty RSS: 97.90 MB',
    ''
  ].join('\n')
  assert.equal(renderMemoryStats({ stats, version: '0.1.0', date, isRoot: false }), expected)
})

test('renderMemoryStats: `?` for unknown values, totals that say what they leave out, the root warning, --no-apache', () => {
  const nginx = [p(200, 1, 12000, 1024, 'nginx: master process /usr/sbin/nginx'), p(201, 200, 12400, null, 'nginx: worker process')]
  const stats: MemoryStats = { apache: null, nginx: summarize(nginx), ferry: summarize([p(7, 1, null, null, 'Ferry core')]) }
  const expected = [
    'Version: 0.1.0',
    `Date   : ${formatDate(date)}`,
    '',
    '-------- Nginx processes ---------',
    'PID  PPID  VMSize   Private  Name',
    '----------------------------------',
    '200  1     11.7 MB  1.0 MB   nginx: master process /usr/sbin/nginx',
    '201  200   12.1 MB  ?        nginx: worker process',
    '### Processes: 2',
    '### Total private dirty RSS: 1.00 MB (?) excludes 1 of 2 processes that could not be read',
    '',
    '',
    '----- Ferry processes -----',
    'PID  VMSize  Private  Name',
    '---------------------------',
    '7    ?       ?        Ferry core',
    '### Processes: 1',
    '### Total private dirty RSS: 0.00 MB (?) excludes 1 of 1 process that could not be read',
    '*** WARNING: Some processes\' private dirty RSS could not be read (shown as ?). It is the best measure of the ' +
      'memory a process really uses; run this command as root (sudo) to see it for all of them.',
    ''
  ].join('\n')
  assert.equal(renderMemoryStats({ stats, version: '0.1.0', date, isRoot: false }), expected)
  assert.ok(!renderMemoryStats({ stats, version: '0.1.0', date, isRoot: true }).includes('WARNING'), 'root saw all it could')
})

// --passenger-compat: passenger-memory-stats's layout word for word. The reference's own processes and sizes
// (private sizes chosen to print the same and to total the reference's 97.84 MB) must reproduce its stdout byte for
// byte; the reference file also caught two lines of stderr (the Apache warning), which are not part of stdout.
test('renderMemoryStats with passengerCompat reproduces the reference memory-stats.txt (stdout) byte for byte', () => {
  const reference = readFileSync(join(repoRoot, 'test', 'fixtures', 'golden', 'passenger-reference-memory-stats.txt'), 'utf8')
  const stdout = reference.split('\n').filter(l => !l.startsWith('*** WARNING') && !l.startsWith('Please set the APXS2')).join('\n')
  const passenger = [
    p(3273, 1, 298906, 2150, 'Passenger watchdog'),
    p(3275, 3273, 1064243, 3891, 'Passenger core'),
    p(3293, 3275, 26419, 1434, '/usr/lib/passenger/support-binaries/PassengerAgent temp-dir-toucher /tmp/passenger-standalone.XXXXXX --cleanup --daemonize --pid-file /tmp/passenger-standalone.XXXXXX/temp_dir_toucher.pid --log-file /srv/apps/hello/passenger.4000.log'),
    p(3306, 3275, 1065267, 46644, 'Passenger NodeApp: /srv/apps/hello'),
    p(3355, 3275, 1064755, 46070, 'Passenger NodeApp: /srv/apps/hello')
  ]
  const stats: MemoryStats = { apache: summarize([]), nginx: summarize([]), ferry: summarize(passenger) }
  const tz = process.env.TZ
  process.env.TZ = 'UTC'
  try {
    const out = renderMemoryStats({ stats, version: '6.0.17', date: new Date(Date.UTC(2026, 10, 28, 14, 47, 55)), isRoot: true, passengerCompat: true })
    assert.equal(out, stdout)
  } finally {
    if (tz === undefined) delete process.env.TZ
    else process.env.TZ = tz
  }
})

test('renderMemoryStats with passengerCompat: Passenger\'s section titles, bare ` (?)`, Passenger\'s warning, --no-apache', () => {
  const nginx = [p(200, 1, 12000, 1024, 'nginx: master process /usr/sbin/nginx'), p(201, 200, 12400, null, 'nginx: worker process')]
  const apache = [p(300, 1, 9000, 512, '/usr/sbin/apache2 -k start')]
  const stats: MemoryStats = { apache: summarize(apache), nginx: summarize(nginx), ferry: summarize(ferry) }
  const out = renderMemoryStats({ stats, version: '0.1.0', date, isRoot: false, passengerCompat: true })
  const lines = out.split('\n')
  // Titles: what agents written for passenger-memory-stats search for.
  assert.deepEqual(lines.filter(l => /^-+ .+ -+$/.test(l)).map(l => l.replace(/^-+ | -+$/g, '')), ['Apache processes', 'Nginx processes', 'Passenger processes'])
  assert.ok(!out.includes('Ferry processes'))
  // Sections two blank lines apart, none before the first.
  assert.match(lines[2], /^-+ Apache processes -+$/)
  assert.match(lines[3], /^PID +PPID +VMSize +Private +Name$/, 'Apache processes found: a table like nginx\'s')
  assert.equal(lines[lines.indexOf('-------- Nginx processes ---------') - 1], '')
  assert.equal(lines[lines.indexOf('-------- Nginx processes ---------') - 2], '')
  assert.ok(lines.includes('### Total private dirty RSS: 1.00 MB (?)'))
  assert.equal(lines.at(-2), '*** WARNING: Please run this tool with sudo. Otherwise the private dirty RSS (a reliable metric for real memory usage) of processes cannot be determined.')
  const noApache = renderMemoryStats({ stats: { ...stats, apache: null }, version: '0.1.0', date, isRoot: true, passengerCompat: true })
  assert.ok(!noApache.includes('Apache'))
  assert.ok(noApache.startsWith(`Version: 0.1.0\nDate   : ${formatDate(date)}\n-------- Nginx processes ---------\n`))
  assert.ok(!noApache.includes('WARNING'), 'root saw all it could')
})

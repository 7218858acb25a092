import { test } from 'node:test'
import assert from 'node:assert/strict'
import { formatHttpDate, parseHttpDate } from '../../../src/core/cache/http-date.js'

const T = Date.UTC(1994, 10, 6, 8, 49, 37)

test('the three formats of RFC 9110 §5.6.7 are dates', () => {
  assert.equal(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT'), T)
  assert.equal(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT', Date.UTC(2026, 0, 1)), T)
  assert.equal(parseHttpDate('Sun Nov  6 08:49:37 1994'), T)
  assert.equal(parseHttpDate('Sun Nov 16 08:49:37 1994'), Date.UTC(1994, 10, 16, 8, 49, 37))
  assert.equal(parseHttpDate(formatHttpDate(T)), T)
  assert.equal(parseHttpDate('Thu, 31 Dec 2099 23:59:59 GMT'), Date.UTC(2099, 11, 31, 23, 59, 59))
  assert.equal(parseHttpDate('Sat, 31 Dec 2016 23:59:60 GMT'), Date.UTC(2017, 0, 1), 'a leap second')
})

test('RFC 850 years: more than 50 years ahead means the century before', () => {
  const now = Date.UTC(2026, 5, 1)
  assert.equal(new Date(parseHttpDate('Monday, 01-Jan-76 00:00:00 GMT', now)!).getUTCFullYear(), 2076)
  assert.equal(new Date(parseHttpDate('Monday, 01-Jan-77 00:00:00 GMT', now)!).getUTCFullYear(), 1977)
  assert.equal(new Date(parseHttpDate('Monday, 01-Jan-26 00:00:00 GMT', now)!).getUTCFullYear(), 2026)
})

test('anything else is not a date', () => {
  const bad = [
    undefined, '', '0', '-1', 'soon', '1994-11-06T08:49:37Z', '784111777',
    'Thu, 18 Aug 2050 02:01:18 UTC', // not GMT
    'Thu 18 Aug 2050 02:01:18 GMT', // missing comma
    'Thu, 18 Aug 2050  02:01:18 GMT', // doubled space
    'Thu,  18 Aug 2050 02:01:18 GMT',
    'Thu, 18-Aug-2050 02:01:18 GMT', // dashes in an IMF-fixdate
    'Thu, 18 Aug 2050 2:01:18 GMT', // one-digit hour
    'Thu, 8 Aug 2050 02:01:18 GMT', // one-digit day
    'thu, 18 aug 2050 02:01:18 gmt', // names are case-sensitive
    'Thu, 18 Aug 50 02:01:18 GMT', // two-digit year in an IMF-fixdate
    'Thu, 18 Aug 2050 02:01:18 GMT ', 'Thu, 18 Aug 2050 02:01:18', 'Thu, 18 Aug 2050 02:01:18 +0000',
    'Thu, 18 Sept 2050 02:01:18 GMT', 'Thx, 18 Aug 2050 02:01:18 GMT', 'Thursday, 18 Aug 2050 02:01:18 GMT',
    'Thu, 30 Feb 2050 02:01:18 GMT', 'Thu, 00 Aug 2050 02:01:18 GMT', 'Thu, 18 Aug 2050 24:00:00 GMT',
    'Thu, 18 Aug 2050 02:60:18 GMT', 'Thu, 18 Aug 2050 02:01:61 GMT',
    'Thu, 18-Aug-50 02:01:18 GMT', // short weekday in an RFC 850 date
    'Thursday, 18-Aug-2050 02:01:18 GMT', 'Thu Aug 18 02:01:18 2050 GMT', 'Thu Aug 6 02:01:18 2050',
    'Sun, 06 Nov 1994 08:49:37 GMT, Mon, 07 Nov 1994 08:49:37 GMT'
  ]
  for (const v of bad) assert.equal(parseHttpDate(v), undefined, JSON.stringify(v))
})

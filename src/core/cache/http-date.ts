// HTTP-date (RFC 9110 §5.6.7), parsed strictly. Date.parse accepts nearly anything ("…2050 02:01:18 UTC", a
// missing comma, a one-digit hour), and a lenient reading of Expires is how a cache ends up serving a response until
// 2050: here only the three formats the RFC names are dates, and callers treat anything else as no date at all.
//
//   IMF-fixdate  Sun, 06 Nov 1994 08:49:37 GMT    (the one senders must use)
//   RFC 850      Sunday, 06-Nov-94 08:49:37 GMT   (obsolete; two-digit year)
//   asctime      Sun Nov  6 08:49:37 1994         (obsolete; day padded with a space)
//
// Names are case-sensitive, as the grammar spells them. The weekday must be a weekday's name but is not checked
// against the date (the date is what matters; the RFC asks nothing more). A day that does not exist in its month
// (Feb 30) is not a date.

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const MONTH = MONTHS.join('|')
const DAY = 'Mon|Tue|Wed|Thu|Fri|Sat|Sun'
const DAY_LONG = 'Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday'
const TIME = '(\\d\\d):(\\d\\d):(\\d\\d)'

const IMF_FIXDATE = new RegExp(`^(?:${DAY}), (\\d\\d) (${MONTH}) (\\d{4}) ${TIME} GMT$`)
const RFC850 = new RegExp(`^(${DAY_LONG}), (\\d\\d)-(${MONTH})-(\\d\\d) ${TIME} GMT$`)
const ASCTIME = new RegExp(`^(?:${DAY}) (${MONTH}) ((?:\\d| )\\d) ${TIME} (\\d{4})$`)

/**
 * The time (ms since the epoch) an HTTP-date stands for, or undefined when `value` is not one. `now` only decides
 * the century of an RFC 850 date: a year that would be more than 50 years in the future is taken from the past
 * century (RFC 9110 §5.6.7).
 */
export function parseHttpDate (value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined || value.length < 24 || value.length > 40) return undefined
  let m = IMF_FIXDATE.exec(value)
  if (m !== null) return build(Number(m[3]), m[2]!, Number(m[1]), m[4]!, m[5]!, m[6]!)
  m = ASCTIME.exec(value)
  if (m !== null) return build(Number(m[6]), m[1]!, Number(m[2]!.trim()), m[3]!, m[4]!, m[5]!)
  m = RFC850.exec(value)
  if (m !== null) {
    const thisYear = new Date(now).getUTCFullYear()
    let year = Math.floor(thisYear / 100) * 100 + Number(m[4])
    if (year > thisYear + 50) year -= 100
    const t = build(year, m[3]!, Number(m[2]), m[5]!, m[6]!, m[7]!)
    // A future date whose weekday names the century before is one the 50-year rule guessed wrong: `Thursday, 01-Jan-70`
    // is the epoch (an "already expired" many servers send), not a Wednesday in 2070 to cache until.
    if (t !== undefined && t > now && weekday(t) !== m[1]) {
      const before = build(year - 100, m[3]!, Number(m[2]), m[5]!, m[6]!, m[7]!)
      if (before !== undefined && weekday(before) === m[1]) return before
    }
    return t
  }
  return undefined
}

const DAYS_LONG = DAY_LONG.split('|')

/** The long weekday name of `t` (ms, UTC). */
function weekday (t: number): string {
  return DAYS_LONG[(new Date(t).getUTCDay() + 6) % 7]!
}

function build (year: number, monthName: string, day: number, hh: string, mm: string, ss: string): number | undefined {
  const month = MONTHS.indexOf(monthName)
  const hour = Number(hh)
  const minute = Number(mm)
  const second = Number(ss)
  // 60: a leap second, which the grammar allows; it rolls into the next minute.
  if (hour > 23 || minute > 59 || second > 60 || day < 1) return undefined
  const d = new Date(0)
  d.setUTCFullYear(year, month, day) // not Date.UTC, which takes years 0–99 as 1900–1999
  // Feb 30 rolls over into March: such a day does not exist.
  if (d.getUTCDate() !== day) return undefined
  return d.getTime() + ((hour * 60 + minute) * 60 + second) * 1000
}

/** `t` (ms) as an IMF-fixdate, the form Ferry writes. */
export function formatHttpDate (t: number): string {
  return new Date(t).toUTCString()
}

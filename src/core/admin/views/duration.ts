// Durations as passenger-status prints them (Uptime, Last used, XML uptime/last_used_desc):
//   under a minute `22s`; from a minute `3m 5s`; from an hour `1h 2m 3s`; from a day `2d 1h 0m 7s`.
// Every unit below the largest one is printed, zeros included, so the shape only depends on the magnitude.
// Whole seconds, rounded down; negative spans (clock skew, `now` before the event) print as `0s`.

export function formatDuration (ms: number): string {
  const total = Number.isFinite(ms) && ms > 0 ? Math.floor(ms / 1000) : 0
  const d = Math.floor(total / 86400)
  const h = Math.floor(total / 3600) % 24
  const m = Math.floor(total / 60) % 60
  const s = total % 60
  if (d > 0) return `${d}d ${h}h ${m}m ${s}s`
  if (h > 0) return `${h}h ${m}m ${s}s`
  if (m > 0) return `${m}m ${s}s`
  return `${s}s`
}

/** The span from `since` to `now` (both ms since the epoch). */
export function formatSince (since: number, now: number): string {
  return formatDuration(now - since)
}

// Invalidations between the processes of an app that accept their clients themselves (--bypass): each keeps a
// turbocache of its own, so what a write answered by one of them invalidated is reported to the core
// (invalidationReporter, in the process) and passed on to the others (relayTo, in the core; process-reports.ts picks
// who gets them). Bounded both ways: one message at a time on each channel, and a report is checked before it is
// passed on.
/** What writes answered by one process invalidated in its turbocache: these URL keys, or (too many) everything. */
export type Invalidated = { readonly keys: readonly string[] } | { readonly all: true }

/** The part of an IPC channel (a child process's in the core, `process` in the app's) the relay uses. */
export interface Channel {
  readonly connected: boolean
  send (message: unknown, callback: (err: Error | null) => void): boolean
}

/**
 * Passes invalidations on to one process, one message at a time: while the channel has not taken the last one, what
 * comes meanwhile is not queued but turns into one `all` (the process drops its whole cache, which is always safe),
 * sent once the channel is free. So a process that reads slowly never makes the core hold more than one message for it.
 */
export function relayTo (proc: Channel): (what: Invalidated) => void {
  let sending = false
  let owed = false
  const send = (what: Invalidated): void => {
    if (!proc.connected) return
    sending = true
    proc.send({ type: 'ferry:cache-invalidate', ...what }, () => {
      sending = false
      if (owed) { owed = false; send({ all: true }) }
    })
  }
  return what => { if (sending) owed = true; else send(what) }
}

/**
 * At most this many URL keys in one report, each at most this long: a process sends `all` instead of more, or of a
 * longer key (invalidationReporter). A report outside these bounds is not passed on: only a process that does not run
 * Ferry's preload sends one.
 */
const MAX_INVALIDATED_KEYS = 32
const MAX_URL_KEY_LENGTH = 20 * 1024
/** How long a process gathers the keys its writes invalidated before it reports them. */
export const INVALIDATION_BATCH_MS = 5

/**
 * In an app's process: reports the URL keys its writes invalidated, gathered for `batchMs` and sent together, each
 * once, one message at a time (the next waits until the channel took the last), so a flood of writes costs the core a
 * few messages a second per process and nothing piles up. More keys than one report carries, or a key longer than the
 * core takes, are reported as `all`: the other processes drop their whole caches, which is always safe.
 */
export function invalidationReporter (channel: Channel, batchMs = INVALIDATION_BATCH_MS): (urlKeys: readonly string[]) => void {
  const keys = new Set<string>()
  let all = false
  let sending = false
  let timer: ReturnType<typeof setTimeout> | undefined
  const flush = (): void => {
    timer = undefined
    if (sending || !channel.connected) return // sent once the message before it is taken (below)
    const message = all ? { type: 'ferry:cache-invalidated', all: true } : { type: 'ferry:cache-invalidated', keys: [...keys] }
    all = false
    keys.clear()
    sending = true
    channel.send(message, () => {
      sending = false
      if (all || keys.size > 0) timer ??= setTimeout(flush, batchMs)
    })
  }
  return urlKeys => {
    for (const key of urlKeys) {
      if (all) break
      if (key.length > MAX_URL_KEY_LENGTH || keys.size >= MAX_INVALIDATED_KEYS) all = true
      else keys.add(key)
    }
    timer ??= setTimeout(flush, batchMs)
  }
}

/** A process's report, checked: what it invalidated, or undefined for a report outside the bounds above (not passed on). */
export function invalidated (m: Record<string, unknown>): Invalidated | undefined {
  if (m.all === true) return { all: true }
  const v = m.keys
  if (!Array.isArray(v) || v.length === 0 || v.length > MAX_INVALIDATED_KEYS) return undefined
  for (const k of v) if (typeof k !== 'string' || k.length > MAX_URL_KEY_LENGTH) return undefined
  return { keys: v as string[] }
}

// Small helpers for tests that start app processes: reach a target over HTTP the way the core does, and tell
// whether a pid is still alive.
import { readFileSync } from 'node:fs'
import { setTimeout as delay } from 'node:timers/promises'
import { Client } from 'undici'
import type { UpstreamTarget } from '../../src/core/spawn/loader.js'

export interface Answer { readonly status: number, readonly body: string }

/** One GET on a fresh connection to the target (a Unix socket or a loopback port). */
export async function httpGet (target: UpstreamTarget, path = '/'): Promise<Answer> {
  const client = target.kind === 'unix'
    ? new Client('http://localhost', { socketPath: target.socketPath })
    : new Client(`http://${target.host}:${target.port}`)
  try {
    const res = await client.request({ method: 'GET', path })
    return { status: res.statusCode, body: await res.body.text() }
  } finally {
    await client.close()
  }
}

/** A pipelining-1 client on the target's Unix socket, closed after the test (for tests that send more than one GET). */
export function clientFor (t: { after: (fn: () => Promise<void>) => void }, target: UpstreamTarget): Client {
  const client = new Client('http://localhost', { socketPath: target.kind === 'unix' ? target.socketPath : '', pipelining: 1 })
  t.after(() => client.close())
  return client
}

/** True while the pid is a running process; a zombie nobody has reaped yet counts as dead. */
export function isAlive (pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return false
  }
}

/** Polls until check() is true; false if it is still false after timeoutMs. */
export async function eventually (check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) return false
    await delay(20)
  }
  return true
}

/** Collects process warnings (listener leaks, deprecations) so a suite can fail on them. */
export function collectWarnings (): { readonly warnings: string[], stop: () => void } {
  const warnings: string[] = []
  const onWarning = (w: Error): void => { warnings.push(`${w.name}: ${w.message}`) }
  process.on('warning', onWarning)
  return { warnings, stop: () => process.off('warning', onWarning) }
}

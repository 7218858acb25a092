// A raw HTTP/1.1 client for tests that pipeline, split and time their requests by hand, and reads the answers
// back: status, headers and body of each, once all of them have arrived.
import type { TestContext } from 'node:test'
import { connect, type Socket } from 'node:net'
import { once } from 'node:events'

export interface Answer { status: number, headers: Record<string, string>, body: string }

export interface RawClient {
  readonly s: Socket
  /** Everything received so far. */
  readonly text: () => string
  /** Waits until what was received matches `re` (a reset or `ms` passing first throws, with what came). */
  readonly waitFor: (re: RegExp, ms?: number) => Promise<void>
  /** Settles when the connection has closed (a reset shows as a close and missing text). */
  readonly closed: Promise<unknown>
  readonly answers: (methods: string[]) => Promise<Answer[]>
}

/**
 * A raw client, destroyed when the test ends: what it received so far, and that read as HTTP/1.1 answers to
 * `methods` (HEAD and 304 have no body).
 */
export async function rawClient (t: TestContext, url: string): Promise<RawClient> {
  const { hostname, port } = new URL(url)
  const s = connect(Number(port), hostname)
  s.setNoDelay(true)
  t.after(() => s.destroy())
  await once(s, 'connect')
  let text = ''
  s.setEncoding('latin1')
  s.on('data', (d: string) => { text += d })
  // An unhandled 'error' would fail whichever test runs then.
  s.on('error', () => {})
  const closed = new Promise(resolve => s.once('close', resolve))
  const until = async <T>(got: () => T | undefined, ms: number, what: string): Promise<T> => {
    const deadline = Date.now() + ms
    for (;;) {
      const out = got()
      if (out !== undefined) return out
      if (Date.now() > deadline || s.destroyed) throw new Error(`never received ${what}; got:\n${text}`)
      await new Promise(resolve => setTimeout(resolve, 10))
    }
  }
  return {
    s,
    text: () => text,
    waitFor: async (re, ms = 10_000) => { await until(() => re.test(text) ? true : undefined, ms, String(re)) },
    closed,
    answers: async methods => await until(() => parseAnswers(text, methods), 10_000, `${methods.length} answers`)
  }
}

/** The answers in `text`, once all of them have fully arrived. */
export function parseAnswers (text: string, methods: string[]): Answer[] | undefined {
  const out: Answer[] = []
  let at = 0
  for (const method of methods) {
    const end = text.indexOf('\r\n\r\n', at)
    if (end < 0) return undefined
    const [statusLine, ...lines] = text.slice(at, end).split('\r\n')
    const headers: Record<string, string> = {}
    for (const l of lines) { const i = l.indexOf(':'); headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim() }
    const status = Number(statusLine!.split(' ')[1])
    const length = method === 'HEAD' || status === 304 ? 0 : Number(headers['content-length'])
    if (text.length < end + 4 + length) return undefined
    out.push({ status, headers, body: text.slice(end + 4, end + 4 + length) })
    at = end + 4 + length
  }
  return out
}

export const serial = (a: Answer): string => /serial=(\d+)/.exec(a.body)?.[1] ?? `none in ${a.status}`
export const req = (path: string, more = ''): string => `GET ${path} HTTP/1.1\r\nHost: a\r\n${more}\r\n`

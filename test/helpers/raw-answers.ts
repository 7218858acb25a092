// A raw HTTP/1.1 client for tests that pipeline, split and time their requests by hand, and reads the answers
// back: status, headers and body of each, once all of them have arrived.
import type { TestContext } from 'node:test'
import { connect, type Socket } from 'node:net'
import { once } from 'node:events'

export interface Answer { status: number, headers: Record<string, string>, body: string }

/** A raw client: what it received so far, read as HTTP/1.1 answers to `methods` (HEAD and 304 have no body). */
export async function rawClient (t: TestContext, url: string): Promise<{ s: Socket, answers: (methods: string[]) => Promise<Answer[]> }> {
  const { hostname, port } = new URL(url)
  const s = connect(Number(port), hostname)
  s.setNoDelay(true)
  t.after(() => s.destroy())
  await once(s, 'connect')
  let text = ''
  s.setEncoding('latin1')
  s.on('data', (d: string) => { text += d })
  s.on('error', () => {})
  const answers = async (methods: string[]): Promise<Answer[]> => {
    const deadline = Date.now() + 10_000
    for (;;) {
      const parsed = parseAnswers(text, methods)
      if (parsed !== undefined) return parsed
      if (Date.now() > deadline || s.destroyed) throw new Error(`never received ${methods.length} answers; got:\n${text}`)
      await new Promise(resolve => setTimeout(resolve, 10))
    }
  }
  return { s, answers }
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

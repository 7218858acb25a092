// N requests for one URL sent at the same moment, each on a connection of its own (as N clients arriving together
// would), for the collapsed-miss case: how many reach the app, and how long each client waits.
import { request } from 'node:http'

export interface Answer { readonly status: number, readonly body: string, readonly ms: number }

function one (url: string): Promise<Answer> {
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, timeout: 30_000 }, res => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { body += chunk })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ms: performance.now() - started }))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within 30 s`)))
    req.on('error', reject)
    req.end()
  })
}

export async function burst (url: string, n: number): Promise<Answer[]> {
  return await Promise.all(Array.from({ length: n }, async () => await one(url)))
}

/** The q-quantile (0..1) of xs, nearest rank. */
export function quantile (xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]
}

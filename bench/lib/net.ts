// Loopback-only networking helpers: free ports and readiness probes.
import { get } from 'node:http'
import { createServer } from 'node:net'

export const HOST = '127.0.0.1'

const handedOut = new Set<number>()

/** A port the kernel says is free on 127.0.0.1; never the same one twice in a run, since none is bound until its target starts. */
export async function freePort (): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = createServer()
      srv.once('error', reject)
      srv.listen(0, HOST, () => {
        const addr = srv.address()
        srv.close(() => { typeof addr === 'object' && addr !== null ? resolve(addr.port) : reject(new Error('no port')) })
      })
    })
    if (!handedOut.has(port)) {
      handedOut.add(port)
      return port
    }
  }
}

/** One GET on a fresh connection; resolves the status code, or undefined if the request failed. */
function probe (url: string): Promise<number | undefined> {
  return new Promise(resolve => {
    const req = get(url, { agent: false, timeout: 1000 }, res => {
      res.resume()
      res.on('end', () => resolve(res.statusCode))
      res.on('error', () => resolve(undefined))
    })
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolve(undefined))
  })
}

/**
 * Polls url until it answers 200. `failed` is checked between attempts so a target that died while starting is
 * reported at once instead of after the whole timeout.
 */
export async function waitForHttp (url: string, timeoutMs: number, failed: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let last: number | undefined
  for (;;) {
    const why = failed()
    if (why !== undefined) throw new Error(why)
    last = await probe(url)
    if (last === 200) return
    if (Date.now() >= deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms (last status: ${last ?? 'no response'})`)
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}

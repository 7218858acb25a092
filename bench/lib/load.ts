// The load generator. It always runs in its own process, so it never shares an event loop (or a GC) with the
// bench or with anything it measures: wrk when it is on PATH, else autocannon inside bench/load-worker.js.
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { runToEnd } from './procs.js'
import { which } from './which.js'

export interface LoadResult {
  readonly rps: number
  readonly p50Ms: number
  readonly p99Ms: number
  /** Connection errors, resets and timeouts. */
  readonly errors: number
  /** Responses outside 2xx (wrk counts outside 2xx/3xx). */
  readonly non2xx: number
  readonly totalRequests: number
}

export interface LoadTool {
  readonly name: string
  readonly version: string
  /** How it is invoked, for the report. */
  readonly describe: (connections: number, seconds: number) => string
  readonly run: (url: string, connections: number, seconds: number) => Promise<LoadResult>
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/** wrk prints durations as "521.00us", "1.23ms", "2.00s". */
function wrkDurationMs (text: string, label: string): number {
  const match = new RegExp(`^\\s*${label}\\s+([\\d.]+)(us|ms|s|m|h)\\s*$`, 'm').exec(text)
  if (match === null) throw new Error(`no "${label}" latency line in wrk's output:\n${text}`)
  return Number(match[1]) * (UNIT_MS[match[2]] ?? NaN)
}

export function parseWrk (text: string): LoadResult {
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(text)
  if (rps === null) throw new Error(`no Requests/sec in wrk's output:\n${text}`)
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text)
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(text)
  const total = /(\d+) requests in /.exec(text)
  return {
    rps: Number(rps[1]),
    p50Ms: wrkDurationMs(text, '50%'),
    p99Ms: wrkDurationMs(text, '99%'),
    errors: socket === null ? 0 : socket.slice(1).reduce((sum, n) => sum + Number(n), 0),
    non2xx: non2xx === null ? 0 : Number(non2xx[1]),
    totalRequests: total === null ? 0 : Number(total[1])
  }
}

function wrkTool (bin: string): LoadTool {
  let version = 'wrk'
  try {
    // `wrk -v` prints its version and exits non-zero; the output is still there.
    execFileSync(bin, ['-v'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (err) {
    version = String((err as { stdout?: string }).stdout ?? '').split('\n')[0].replace(/ Copyright.*/, '') || 'wrk'
  }
  // One thread: on a small machine every extra load thread is a core taken from the servers being measured.
  const args = (c: number, s: number): string[] => ['-t1', `-c${c}`, `-d${s}s`, '--latency']
  return {
    name: 'wrk',
    version,
    describe: (c, s) => `wrk ${args(c, s).join(' ')} <url>`,
    run: async (url, c, s) => parseWrk(await runToEnd('wrk', bin, [...args(c, s), url], (s + 30) * 1000))
  }
}

function autocannonTool (): LoadTool {
  const worker = fileURLToPath(new URL('../load-worker.js', import.meta.url))
  return {
    name: 'autocannon',
    version: `autocannon (in a child node ${process.version})`,
    describe: (c, s) => `node dist/bench/load-worker.js <url> ${c} ${s}  (autocannon, ${c} connections, ${s} s)`,
    run: async (url, c, s) => {
      const out = await runToEnd('autocannon', process.execPath, [worker, url, String(c), String(s)], (s + 30) * 1000)
      return JSON.parse(out.trim().split('\n').pop() ?? '') as LoadResult
    }
  }
}

/** wrk unless absent or BENCH_TOOL=autocannon. */
export function pickLoadTool (): LoadTool {
  const wrk = which('wrk')
  if (wrk !== undefined && process.env.BENCH_TOOL !== 'autocannon') return wrkTool(wrk)
  return autocannonTool()
}

// For the --metrics-address tests: where an instance serves its metrics, and one sample out of its exposition.
import { logged, type RunningFerry } from '../../helpers/ferry.js'

/** The metrics listener's base URL, from the core's log line (the port is the one bound for port 0). */
export async function metricsUrl (f: Pick<RunningFerry, 'output'>): Promise<string> {
  await logged(f, /metrics on http:\/\/\S+\/metrics/, 'the metrics address')
  return /metrics on (http:\/\/\S+)\/metrics/.exec(f.output())![1]!
}

/** The value of the sample `name` whose labels are exactly `labels`; undefined when there is none. */
export function sampleValue (text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (m === null || m[1] !== name) continue
    const found: Record<string, string> = {}
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) found[l[1]!] = l[2]!.replace(/\\(.)/g, '$1')
    const keys = Object.keys(labels)
    if (Object.keys(found).length === keys.length && keys.every(k => found[k] === labels[k])) return Number(m[3])
  }
  return undefined
}

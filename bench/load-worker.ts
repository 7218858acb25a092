// autocannon in a process of its own (the fallback when wrk is not installed): the load generator must not share
// an event loop with the bench or the servers it measures. Usage: node load-worker.js URL CONNECTIONS SECONDS.
// Prints one line of JSON in the shape of LoadResult (lib/load.ts).
import autocannon from 'autocannon'

const [url, connections, seconds] = process.argv.slice(2)
if (url === undefined || connections === undefined || seconds === undefined) {
  process.stderr.write('usage: load-worker.js URL CONNECTIONS SECONDS\n')
  process.exit(2)
}

const r = await autocannon({ url, connections: Number(connections), duration: Number(seconds) })
process.stdout.write(JSON.stringify({
  rps: r.requests.average,
  p50Ms: r.latency.p50,
  p99Ms: r.latency.p99,
  // autocannon's errors already include timeouts.
  errors: r.errors,
  non2xx: r.non2xx,
  totalRequests: r.requests.total
}) + '\n')

// Failure answers of the pipeline: an error page for a request that cannot be served, logged when it is Ferry's or
// the app's fault (5xx but 503, which is a full queue or a stop, not a fault).
import { isSpawnError } from '../../spawn/spawn-error.js'
import { errorId, renderErrorPage, sendError, statusOf } from '../error-pages.js'
import type { RequestHead, ResponseSink } from '../exchange-types.js'
import type { PipelineState } from './state.js'

/** Answers with an error page; `friendly`: the app's --friendly-error-pages (the error's detail is shown). */
export function failPage (st: PipelineState, req: RequestHead, res: ResponseSink, err: unknown, friendly: boolean): void {
  const status = statusOf(err)
  const id = errorId()
  const message = err instanceof Error ? err.message : String(err)
  // Keyed without the URL and ID: a crash-looping app fails every request alike, and that is one line a window.
  if (status >= 500 && status !== 503) {
    st.o.logger.error(`${req.method ?? ''} ${req.url ?? ''}: ${message} (error ID ${id})`,
      `requests answered ${status} (their URLs and error IDs are not logged one by one): ${message}`)
  }
  const detail = friendly ? { message, failure: isSpawnError(err) ? err.failure : undefined } : undefined
  const wantsJson = (req.headers['content-type'] ?? '').startsWith('application/json')
  sendError(res, req.method, status, renderErrorPage({ status, id, detail }), wantsJson)
}

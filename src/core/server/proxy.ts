// Streams one request to an app process and its response back, with backpressure both ways. The response is read
// ahead of a slow client up to the high watermark, so the app process is freed early.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Dispatcher } from 'undici'
import type { AppProcess } from '../pool/app-process.js'
import { requestHeadersForApp, stripResponseHopHeaders, hasRequestBody, type AppHeaders } from './headers.js'

export interface ProxyContext {
  readonly highWatermark: number
  /** Called exactly once, when the app is done with this request (success or not). */
  readonly onDone: (p: AppProcess, failure: Error | undefined) => void
  /** Called when the app failed before a response started: the caller answers with an error page. */
  readonly onFailedBeforeResponse: (req: IncomingMessage, res: ServerResponse, err: Error) => void
}

export function proxyRequest (req: IncomingMessage, res: ServerResponse, p: AppProcess, upstream: Dispatcher, ctx: ProxyContext): void {
  const handler = new ProxyHandler(req, res, p, ctx)
  upstream.dispatch({
    method: req.method ?? 'GET',
    path: req.url ?? '/',
    headers: requestHeadersForApp(req.rawHeaders, { clientAddress: req.socket.remoteAddress, proto: 'http' }),
    body: hasRequestBody(req.headers) ? req : null
  }, handler)
}

class ProxyHandler implements Dispatcher.DispatchHandler {
  readonly #req: IncomingMessage
  readonly #res: ServerResponse
  readonly #p: AppProcess
  readonly #ctx: ProxyContext
  #controller: Dispatcher.DispatchController | undefined
  #done = false

  constructor (req: IncomingMessage, res: ServerResponse, p: AppProcess, ctx: ProxyContext) {
    this.#req = req
    this.#res = res
    this.#p = p
    this.#ctx = ctx
    res.once('close', () => {
      // The client went away before the end: stop reading from the app.
      if (!this.#done) this.#controller?.abort(new Error('client closed the connection'))
    })
  }

  onRequestStart (controller: Dispatcher.DispatchController): void {
    this.#controller = controller
    if (this.#res.destroyed) controller.abort(new Error('client closed the connection'))
  }

  onResponseStart (_c: Dispatcher.DispatchController, statusCode: number, headers: AppHeaders, statusMessage?: string): void {
    stripResponseHopHeaders(headers)
    if (statusMessage !== undefined && statusMessage !== '') this.#res.writeHead(statusCode, statusMessage, headers)
    else this.#res.writeHead(statusCode, headers)
  }

  onResponseData (controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const res = this.#res
    res.write(chunk)
    const limit = this.#ctx.highWatermark
    if (limit > 0 && res.writableLength >= limit && !controller.paused) {
      controller.pause()
      res.once('drain', () => controller.resume())
    }
  }

  onResponseEnd (): void {
    this.#finish(undefined)
    this.#res.end()
  }

  onResponseError (_c: Dispatcher.DispatchController, err: Error): void {
    if (this.#done) return
    this.#finish(err)
    if (this.#res.destroyed) return
    if (this.#res.headersSent) this.#res.destroy(err)
    else this.#ctx.onFailedBeforeResponse(this.#req, this.#res, err)
  }

  #finish (err: Error | undefined): void {
    if (this.#done) return
    this.#done = true
    this.#ctx.onDone(this.#p, err)
  }
}

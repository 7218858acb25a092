// The pages Ferry itself answers with. The development page and the log line render the same error object; the
// production page says only what happened and an error ID to search the log for, and leaks nothing else.
import { randomBytes } from 'node:crypto'
import type { ResponseSink } from './exchange-types.js'
import { FerryError } from '../errors.js'
import type { SpawnFailure } from '../spawn/loader.js'

export function errorId (): string { return randomBytes(4).toString('hex') }

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad request',
  404: 'Not found',
  408: 'Request timeout',
  500: 'We\'re sorry, but something went wrong',
  502: 'Incomplete response received from application',
  503: 'This website is under heavy load (queue full)',
  504: 'The application did not answer in time'
}

const EXPLANATIONS: Readonly<Record<number, string>> = {
  408: 'The request body stopped arriving before it was complete.',
  500: 'The web application could not be started or failed. The administrator can find details in the server log.',
  502: 'The application closed the connection before sending a complete response.',
  503: 'Too many requests are waiting for this application. Please try again in a moment.'
}

export function escapeHtml (s: string): string {
  return s.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`)
}

export interface ErrorPageInput {
  readonly status: number
  readonly id: string
  /** Development only: what went wrong and the app's output. */
  readonly detail?: { readonly message: string, readonly failure?: SpawnFailure }
}

export function renderErrorPage (input: ErrorPageInput): string {
  const title = TITLES[input.status] ?? 'Error'
  const parts = [
    '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>', escapeHtml(title), '</title></head><body>\n',
    '<h1>', escapeHtml(title), '</h1>\n<p>', escapeHtml(EXPLANATIONS[input.status] ?? ''), '</p>\n',
    '<p>Error ID: <code>', input.id, '</code></p>\n'
  ]
  const d = input.detail
  if (d !== undefined) {
    parts.push('<h2>Error</h2>\n<pre>', escapeHtml(d.message), '</pre>\n')
    if (d.failure !== undefined) {
      parts.push('<h2>Command</h2>\n<pre>', escapeHtml(d.failure.command), '</pre>\n<p>in ', escapeHtml(d.failure.cwd), '</p>\n')
      parts.push('<h2>Application output</h2>\n<pre>', escapeHtml(d.failure.output.join('\n')), '</pre>\n')
    }
  }
  parts.push('</body></html>\n')
  return parts.join('')
}

/**
 * Seconds a client refused with 503 (queue full, shutting down) is asked to wait before trying again: long enough
 * for a queue to move or a restart to finish, short enough that a person retrying by hand is not turned away.
 */
export const RETRY_AFTER_S = 5

/** Answers with an error page unless the response has started; then the only honest thing left is to cut it. */
export function sendError (res: ResponseSink, method: string | undefined, status: number, body: string, wantsJson: boolean): void {
  if (res.headersSent) { res.destroy(); return }
  const payload = wantsJson ? JSON.stringify({ status: 'error', code: status, message: TITLES[status] ?? 'Error' }) : body
  const headers: Record<string, string | number> = {
    'Content-Type': wantsJson ? 'application/json' : 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(payload),
    'Cache-Control': 'no-cache, no-store, must-revalidate'
  }
  if (status === 503) headers['Retry-After'] = RETRY_AFTER_S
  res.writeHead(status, headers)
  res.end(method === 'HEAD' ? undefined : payload)
}

export function statusOf (err: unknown): number {
  return err instanceof FerryError ? err.httpStatus : 500
}

/** A short plain-text answer of Ferry's own (a refusal, no app for the host), never cached. */
export function answerPlain (res: ResponseSink, method: string | undefined, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' })
  res.end(method === 'HEAD' ? undefined : body)
}

// node's own HTTP parser (llhttp, through the internal HTTPParser that node:http drives), as a reference to compare
// Ferry with. Internal, so typed here with only what the tests use; lib/_http_client.js shows how node drives it.
import { createRequire } from 'node:module'

export interface NodeParser {
  initialize (type: number, resource: object, maxHeaderSize: number, lenient: number): void
  execute (data: Buffer): number | Error
  finish (): Error | undefined
  close (): void
  [key: number]: unknown
}

export interface NodeParserClass {
  new (): NodeParser
  readonly REQUEST: number
  readonly RESPONSE: number
  readonly kOnHeaders: number
  readonly kOnHeadersComplete: number
  readonly kOnBody: number
  readonly kOnMessageComplete: number
}

export const HTTPParser = (createRequire(import.meta.url)('_http_common') as { HTTPParser: NodeParserClass }).HTTPParser

/** The code of an error the parser returned (HPE_…), else its message. */
export function parseErrorCode (err: Error): string {
  return (err as Error & { code?: string }).code ?? err.message
}

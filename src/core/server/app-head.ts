// The app's response head as the response parser (response-parser.ts) reads it: a leaf that imports nothing, so
// the modules that render it (headers.ts) and the ones that parse it do not import each other.

/** The app's response head, read once: what the proxy, the turbocache and the client's head are made from. */
export class AppHead {
  constructor (
    readonly status: number,
    readonly statusText: string,
    /** The app's flat [name, value, …] list, hop-by-hop headers included, values without surrounding blanks. */
    readonly headers: string[],
    /** The same names lowercased, one per header, so that nobody downstream lowercases them again. */
    readonly names: string[],
    /** The head as it came, each line with its CRLF, without the empty line that ends it. */
    readonly text: string,
    /** Where each header line starts in `text`; one ends where the next starts (the last at the end of `text`). */
    readonly lineStarts: number[],
    /** Transfer-Encoding: chunked. */
    readonly chunked: boolean
  ) {}
}

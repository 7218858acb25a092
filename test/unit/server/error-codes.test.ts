// The request path's errors are FerryErrors: a code from errors.ts, the HTTP status it gives a client, one line.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ResponseParser } from '../../../src/core/server/response-parser.js'
import { renderHeaderLines } from '../../../src/core/server/raw-response.js'
import { isFerryError, type FerryError } from '../../../src/core/errors.js'

const ignore = { onHead: () => {}, onBody: () => {}, onComplete: () => {} }

function thrownBy (fn: () => unknown): FerryError {
  try { fn() } catch (err) {
    assert.ok(isFerryError(err), `not a FerryError: ${String(err)}`)
    assert.doesNotMatch(err.message, /\n/)
    return err
  }
  assert.fail('nothing was thrown')
}

test('a response the app got wrong is E_APP_RESPONSE_INVALID (502), one cut short E_APP_RESPONSE (502)', () => {
  for (const wire of ['HTTP/1.1 abc\r\n\r\n', 'HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n']) {
    const err = thrownBy(() => new ResponseParser(ignore, false).execute(Buffer.from(wire, 'latin1')))
    assert.equal(err.code, 'E_APP_RESPONSE_INVALID', wire)
    assert.equal(err.httpStatus, 502)
  }
  const p = new ResponseParser(ignore, false)
  p.execute(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'))
  const err = thrownBy(() => p.finishOnClose())
  assert.equal(err.code, 'E_APP_RESPONSE')
  assert.equal(err.httpStatus, 502)
})

test('a header node would not send is E_HEADER_INVALID', () => {
  const err = thrownBy(() => renderHeaderLines(['X-A', 'a\r\nSet-Cookie: stolen=1']))
  assert.equal(err.code, 'E_HEADER_INVALID')
  assert.match(err.message, /X-A/)
})

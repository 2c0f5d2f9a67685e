import t from 'tap'
import { encodeResponseHead } from '../../../server/sse/response-head.js'

t.test('an event-stream head by default, with every header and connection: close', async (t) => {
  t.equal(encodeResponseHead({ 'content-type': 'text/event-stream', 'x-absent': undefined, vary: ['a', 'b'] }),
    'HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nvary: a\r\nvary: b\r\nconnection: close\r\n\r\n')
})

t.test('an error head carries its status and reason; a value cannot break out of its line', async (t) => {
  t.equal(encodeResponseHead({ 'x-note': 'a\r\nset-cookie: b' }, 413), 'HTTP/1.1 413 Payload Too Large\r\nx-note: aset-cookie: b\r\nconnection: close\r\n\r\n')
  t.match(encodeResponseHead({}, 599), /^HTTP\/1\.1 599 \r\n/, 'a status without a standard reason still makes a valid status line')
})

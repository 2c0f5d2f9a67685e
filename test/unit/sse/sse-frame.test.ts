import t from 'tap'
import type { StoredEvent } from '../../../server/core/event.js'
import { encodeComment, encodeEvent, encodeMetric, encodeRetry } from '../../../server/sse/sse-frame.js'

t.test('encodeEvent writes id, event and data lines and a closing blank line', async (t) => {
  t.equal(encodeEvent('metric', '{"a":1}', 42), 'id: 42\nevent: metric\ndata: {"a":1}\n\n')
})

t.test('encodeEvent leaves out the id line when no id is given', async (t) => {
  t.equal(encodeEvent('reset', '{}'), 'event: reset\ndata: {}\n\n')
})

t.test('encodeEvent keeps an id of 0', async (t) => {
  t.equal(encodeEvent('x', 'y', 0), 'id: 0\nevent: x\ndata: y\n\n')
})

t.test('encodeEvent splits data on every kind of line break into data lines', async (t) => {
  t.equal(encodeEvent('x', 'a\r\nb\rc\nd'), 'event: x\ndata: a\ndata: b\ndata: c\ndata: d\n\n')
})

t.test('a line break in data cannot inject an id or event field or end the frame early', async (t) => {
  const frame = encodeEvent('x', 'ok\n\nid: 999\nevent: evil')
  t.equal(frame, 'event: x\ndata: ok\ndata: \ndata: id: 999\ndata: event: evil\n\n')
  t.equal(frame.indexOf('\n\n'), frame.length - 2, 'the only blank line is the last one')
})

t.test('a line break in the event name stays inside event fields', async (t) => {
  t.equal(encodeEvent('a\nb', 'd'), 'event: a\nevent: b\ndata: d\n\n')
})

t.test('encodeEvent writes empty data as one empty data line', async (t) => {
  t.equal(encodeEvent('x', ''), 'event: x\ndata: \n\n')
})

t.test('encodeMetric writes the stored point as JSON with its id', async (t) => {
  const stored: StoredEvent = { id: 7, metric: 'cpu.load', value: 0.5, ts: 1700000000000 }
  t.equal(encodeMetric(stored),
    'id: 7\nevent: metric\ndata: {"id":7,"metric":"cpu.load","value":0.5,"ts":1700000000000}\n\n')
})

t.test('encodeMetric escapes line breaks inside tag values so the frame stays one data line', async (t) => {
  const stored: StoredEvent = { id: 1, metric: 'm', value: 1, ts: 2, tags: { host: 'a\nb\rc' } }
  const frame = encodeMetric(stored)
  t.equal(frame, 'id: 1\nevent: metric\ndata: {"id":1,"metric":"m","value":1,"ts":2,"tags":{"host":"a\\nb\\rc"}}\n\n')
  t.equal(frame.split('\n').length, 5)
})

t.test('encodeMetric matches encodeEvent for the same point', async (t) => {
  const stored: StoredEvent = { id: 3, metric: 'm', value: -1.5, ts: 9, tags: { k: 'v' } }
  t.equal(encodeMetric(stored), encodeEvent('metric', JSON.stringify(stored), 3))
})

t.test('encodeComment writes a colon line that EventSource ignores', async (t) => {
  t.equal(encodeComment('ping'), ': ping\n\n')
})

t.test('encodeComment splits multi-line text into several comment lines', async (t) => {
  t.equal(encodeComment('a\nb\r\nc'), ': a\n: b\n: c\n\n')
})

t.test('encodeComment of empty text is a bare comment line', async (t) => {
  t.equal(encodeComment(''), ': \n\n')
})

t.test('encodeRetry writes the delay in whole ms', async (t) => {
  t.equal(encodeRetry(3000), 'retry: 3000\n\n')
  t.equal(encodeRetry(1500.9), 'retry: 1500\n\n')
})

t.test('encodeRetry clamps a negative delay to 0', async (t) => {
  t.equal(encodeRetry(-5), 'retry: 0\n\n')
  t.equal(encodeRetry(0), 'retry: 0\n\n')
})

import t from 'tap'
import { describeSlotKey, streamSlotKey, trustProxyOption } from '../../../server/http/client-address.js'

t.test('TRUST_PROXY becomes Fastify\'s trustProxy: off, the list, or a function for a hop count', async (t) => {
  t.equal(trustProxyOption(undefined), false)
  t.same(trustProxyOption(['10.0.0.0/8', 'loopback']), ['10.0.0.0/8', 'loopback'])
  const hops = trustProxyOption(2)
  if (typeof hops !== 'function') throw new Error('a hop count must become a function')
  t.same([0, 1, 2, 3].map((hop) => hops('192.0.2.1', hop)), [true, true, false, false], 'the two nearest hops are believed, whoever they are')
})

t.test('a stream slot key is the IPv4 address, or the IPv6 /64', async (t) => {
  t.equal(streamSlotKey('203.0.113.9'), '203.0.113.9')
  t.equal(streamSlotKey('::ffff:203.0.113.9'), '203.0.113.9', 'an IPv4-mapped address counts as IPv4')
  t.equal(streamSlotKey('2001:db8:0:7:1:2:3:4'), '2001:db8:0:7::')
  t.equal(streamSlotKey('2001:DB8:0:7::ffff'), '2001:db8:0:7::')
  t.equal(streamSlotKey('not-an-address'), 'not-an-address', 'whatever a trusted proxy forwarded is still one key')
  t.equal(describeSlotKey('2001:db8:0:7::'), '2001:db8:0:7::/64')
  t.equal(describeSlotKey('203.0.113.9'), '203.0.113.9')
})

t.test('loopback and a client already gone take no slot', async (t) => {
  for (const ip of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1', '0:0:0:0:0:0:0:1']) t.equal(streamSlotKey(ip), undefined, ip)
  t.equal(streamSlotKey(undefined), undefined)
  t.equal(streamSlotKey('128.0.0.1'), '128.0.0.1')
})

import { networkInterfaces } from 'node:os'
import t from 'tap'
import { hostMatcher } from '../../../server/guards/host-check.js'

t.test('loopback names always name this server; other names and a missing Host do not', async (t) => {
  const matches = hostMatcher({ bindHost: '127.0.0.1' })
  for (const host of ['localhost', 'localhost:3000', '127.0.0.1:80', '[::1]:3000', '[0:0:0:0:0:0:0:1]']) t.ok(matches(host), host)
  for (const host of [undefined, '', 'attacker.example', '127.0.0.2', '10.1.2.3', '[::1', 'localhost:99999', 'a b']) t.notOk(matches(host), String(host))
})

t.test('a specific bound address or name is admitted, and no other address of the machine', async (t) => {
  const interfaces = (): string[] => ['10.1.2.3', '192.168.7.8']
  t.ok(hostMatcher({ bindHost: '10.1.2.3', interfaceAddresses: interfaces })('10.1.2.3:3000'))
  t.notOk(hostMatcher({ bindHost: '10.1.2.3', interfaceAddresses: interfaces })('192.168.7.8:3000'), 'not bound there')
  t.ok(hostMatcher({ bindHost: 'Pulse.LAN' })('pulse.lan:3000'))
  t.ok(hostMatcher({ bindHost: 'fd00::5' })('[fd00::5]:3000'))
})

t.test('bound to every interface, any address of the machine is admitted, and still no other name', async (t) => {
  let addresses = ['127.0.0.1', '10.1.2.3', 'fe80::1']
  for (const bindHost of ['0.0.0.0', '::']) {
    const matches = hostMatcher({ bindHost, interfaceAddresses: () => addresses })
    for (const host of ['10.1.2.3:3000', '[fe80::1]:3000', '[FE80:0::1]']) t.ok(matches(host), `${bindHost}: ${host}`)
    for (const host of ['10.9.9.9', 'attacker.example', '[fe80::2]']) t.notOk(matches(host), `${bindHost}: ${host}`)
  }
  const matches = hostMatcher({ bindHost: '0.0.0.0', interfaceAddresses: () => addresses })
  addresses = [...addresses, '10.9.9.9']
  t.ok(matches('10.9.9.9'), 'an address the machine gained after start')
})

t.test('by default the addresses come from the machine\'s own interfaces', async (t) => {
  const own = Object.values(networkInterfaces()).flatMap((entries) => (entries ?? []).map((entry) => entry.address))
  const matches = hostMatcher({ bindHost: '0.0.0.0' })
  for (const address of own) t.ok(matches(address.includes(':') ? `[${address}]:3000` : `${address}:3000`), address)
  t.notOk(matches('203.0.113.9'), 'a documentation address is not this machine')
})

t.test('allowed hosts: exact names, .name for a domain and its subdomains, * for any', async (t) => {
  const matches = hostMatcher({ bindHost: '127.0.0.1', allowedHosts: ['pulse.example.com', '.corp.example', '10.0.0.5', '::5'] })
  for (const host of ['pulse.example.com', 'corp.example', 'a.b.corp.example:8080', '10.0.0.5:3000', '[::5]']) t.ok(matches(host), host)
  for (const host of ['www.pulse.example.com', 'xcorp.example', 'corp.example.attacker.example']) t.notOk(matches(host), host)
  t.ok(hostMatcher({ bindHost: '127.0.0.1', allowedHosts: ['*'] })('anything.example'))
  t.notOk(hostMatcher({ bindHost: '127.0.0.1', allowedHosts: ['.not a name', 'not a name'] })('x.example'), 'an entry that is no host admits nothing')
})

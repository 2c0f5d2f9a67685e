import t from 'tap'
import { canonicalHost } from '../../../server/http/host-names.js'

t.test('canonicalHost reads a Host header or a configured name as a URL would', async (t) => {
  const cases = [
    ['localhost:3000', 'localhost'], ['LocalHost.', 'localhost'], ['127.1', '127.0.0.1'], ['0x7f.0.0.1:80', '127.0.0.1'],
    ['[::1]:3000', '[::1]'], ['::1', '[::1]'], ['[0:0::1]', '[::1]'], ['my_service:8080', 'my_service']
  ] as const
  for (const [given, expected] of cases) t.equal(canonicalHost(given), expected, given)
  for (const given of ['', 'a b', 'evil@127.0.0.1', 'host/path', 'host:99999', '[::1', 'host:port']) t.equal(canonicalHost(given), undefined, given)
})

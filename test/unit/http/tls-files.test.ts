import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { ConfigError } from '../../../server/config/config.js'
import { readTlsFiles } from '../../../server/http/tls-files.js'
import { tempDir } from '../../helpers/app.js'
import { selfSignedCertificate } from '../../helpers/tls.js'

/** The ConfigError readTlsFiles throws for these paths; throws (failing the test) when it does not. */
function tlsError (tlsCert: string, tlsKey: string): ConfigError {
  try {
    readTlsFiles({ tlsCert, tlsKey })
  } catch (err) {
    if (err instanceof ConfigError) return err
    throw err
  }
  throw new Error(`expected a ConfigError for ${tlsCert} and ${tlsKey}`)
}

t.test('no TLS settings, no files', async (t) => {
  t.equal(readTlsFiles({}), undefined)
})

t.test('reads a certificate and its key', async (t) => {
  const certificate = selfSignedCertificate(t)
  const files = readTlsFiles({ tlsCert: certificate.certPath, tlsKey: certificate.keyPath })
  t.same(files?.cert, certificate.cert)
  t.match(files?.key.toString(), /^-----BEGIN PRIVATE KEY-----/)
})

t.test('an unusable file is named by its setting', async (t) => {
  const certificate = selfSignedCertificate(t)
  const other = selfSignedCertificate(t)
  const garbage = join(tempDir(t), 'garbage.pem')
  writeFileSync(garbage, 'not a pem file')
  t.match(tlsError('/nonexistent/cert.pem', certificate.keyPath), { setting: 'TLS_CERT', message: 'TLS_CERT /nonexistent/cert.pem cannot be read (ENOENT)' })
  t.match(tlsError(certificate.certPath, tempDir(t)), { setting: 'TLS_KEY', message: /cannot be read \(EISDIR\)/ })
  t.match(tlsError(garbage, certificate.keyPath), { setting: 'TLS_CERT', message: /is not a PEM certificate/ })
  t.match(tlsError(certificate.certPath, garbage), { setting: 'TLS_KEY', message: /is not an unencrypted PEM private key/ })
  t.match(tlsError(certificate.keyPath, certificate.certPath), { setting: 'TLS_CERT' }, 'the two swapped')
  t.match(tlsError(certificate.certPath, other.keyPath), { setting: 'TLS_KEY', message: /is not the key of the certificate in TLS_CERT/ })
})

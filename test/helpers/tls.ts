import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from './app.js'

/** A certificate and key made for one test, as files (for TLS_CERT and TLS_KEY) and as the PEM a client trusts. */
export interface TestCertificate {
  readonly certPath: string
  readonly keyPath: string
  /** The certificate, to pass as `ca` to a client. */
  readonly cert: Buffer
}

/**
 * Makes a self-signed P-256 certificate for 127.0.0.1 and localhost with the
 * system openssl, valid for a day, in a directory removed when the test ends.
 */
export function selfSignedCertificate (t: { teardown: (fn: () => unknown) => void }): TestCertificate {
  const dir = tempDir(t)
  const certPath = join(dir, 'cert.pem')
  const keyPath = join(dir, 'key.pem')
  execFileSync('/usr/bin/openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', keyPath, '-out', certPath
  ], { stdio: 'ignore' })
  return { certPath, keyPath, cert: readFileSync(certPath) }
}

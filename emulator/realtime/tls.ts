// The local certificate for wss:// (and https://) on the emulator's port. Amplify v6 always opens
// wss://, even for an http:// GraphQL URL (APPSYNC-REALTIME.md §1.2), so the emulator needs TLS.
// A local CA is generated once into the data folder and signs a certificate for localhost,
// 127.0.0.1 and ::1; clients trust the CA (NODE_EXTRA_CA_CERTS, a `ca` option, or the OS store).
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { generate } from 'selfsigned';

export interface LocalTls {
  key: string;
  cert: string;
  /** The local CA's certificate (PEM): what a client trusts. */
  ca: string;
  caFile: string;
}

const DAY_MS = 24 * 60 * 60_000;

function usable(cert: string, ca: string, hosts: string[], now: number): boolean {
  try {
    const leaf = new X509Certificate(cert);
    const authority = new X509Certificate(ca);
    const fresh = (c: X509Certificate) => Date.parse(c.validTo) - now > 30 * DAY_MS && Date.parse(c.validFrom) <= now;
    const covers = (h: string) => (isIP(h) ? leaf.checkIP(h) : leaf.checkHost(h)) !== undefined;
    return fresh(leaf) && fresh(authority) && leaf.verify(authority.publicKey) && hosts.every(covers);
  } catch {
    return false;
  }
}

/** The certificate in `dir`, made (or made again when expiring or missing a host) on first use. */
export async function localCertificate(dir: string, extraHosts: string[] = []): Promise<LocalTls> {
  const hosts = [...new Set(['localhost', '127.0.0.1', '::1', ...extraHosts.filter((h) => h !== '' && h !== '0.0.0.0' && h !== '::')])];
  const files = { ca: join(dir, 'ca.pem'), caKey: join(dir, 'ca-key.pem'), cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') };
  if (Object.values(files).every((f) => existsSync(f))) {
    const existing = { ca: readFileSync(files.ca, 'utf8'), cert: readFileSync(files.cert, 'utf8'), key: readFileSync(files.key, 'utf8') };
    if (usable(existing.cert, existing.ca, hosts, Date.now())) return { ...existing, caFile: files.ca };
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const now = new Date();
  const years = (n: number) => new Date(now.getTime() + n * 365 * DAY_MS);
  // EC P-256: generated in milliseconds; every TLS client in use accepts it.
  const ca = await generate([{ name: 'commonName', value: 'Tollgate local CA' }, { name: 'organizationName', value: 'Tollgate (offline emulator)' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate: now,
    notAfterDate: years(10),
    extensions: [
      { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const leaf = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate: now,
    // Browsers refuse server certificates valid for more than 398 days.
    notAfterDate: new Date(now.getTime() + 397 * DAY_MS),
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: hosts.map((h) => (isIP(h) ? { type: 7 as const, ip: h } : { type: 2 as const, value: h })) },
    ],
  });
  writeFileSync(files.caKey, ca.private, { mode: 0o600 });
  writeFileSync(files.ca, ca.cert);
  writeFileSync(files.key, leaf.private, { mode: 0o600 });
  writeFileSync(files.cert, leaf.cert);
  return { key: leaf.private, cert: leaf.cert, ca: ca.cert, caFile: files.ca };
}

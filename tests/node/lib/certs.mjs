// Throw-away certificates for the cluster's mutual TLS, made with the
// openssl CLI by tests/tls/make-test-pki.sh (its header lists the files):
// a cluster CA with node certificates node-a, node-b and node-c, and a
// foreign CA with a node certificate `foreign`. Removed at process exit.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SOURCE_DIR } from './kafka.mjs';

export function makeTestPki() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flux-test-pki-'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  execFileSync(path.join(SOURCE_DIR, 'tests', 'tls', 'make-test-pki.sh'), [dir],
    { stdio: ['ignore', 'ignore', 'inherit'] });
  return {
    dir,
    // The cluster.tls-* flags of node certificate `node`, trusting CA `ca`.
    tlsArgs(node, ca = 'ca') {
      return [`--cluster.tls-cert=${path.join(dir, `${node}.pem`)}`,
        `--cluster.tls-key=${path.join(dir, `${node}.key`)}`,
        `--cluster.tls-ca=${path.join(dir, `${ca}.pem`)}`];
    },
  };
}

// Signs the tokens scripts/bench presents in the churn-with-auth runs
// (flux-bench --auth-token-file), with `jose`: an implementation
// independent of Flux's (libjwt). One token a line, each for its own user
// (sub bench-<i>), so that no token is presented twice within a run.
//
//   node make-tokens.mjs --alg=HS256 --secret-file=F --count=N --out=FILE
//   node make-tokens.mjs --alg=ES256 --key=PRIVATE.pem --kid=K --count=N --out=FILE
//
// Other options: --rooms=bench.* (comma-separated room patterns, the
// `rooms` claim), --ttl-s=3600 (exp = now + ttl). Keys are the caller's
// (scripts/bench makes them with openssl in a temporary directory).
import { readFileSync, writeFileSync } from 'node:fs';
import { SignJWT, importPKCS8 } from 'jose';

const args = Object.fromEntries(process.argv.slice(2).map((a) => {
  const m = /^--([^=]+)=(.*)$/.exec(a);
  if (!m) throw new Error(`make-tokens: bad argument ${a}`);
  return [m[1], m[2]];
}));
const alg = args.alg ?? 'HS256';
const count = Number(args.count ?? 1000);
const rooms = (args.rooms ?? 'bench.*').split(',').filter(Boolean);
const ttl = Number(args['ttl-s'] ?? 3600);
if (!args.out || !(count > 0)) throw new Error('make-tokens: --out and --count are needed');

let key;
if (alg.startsWith('HS')) {
  key = new TextEncoder().encode(readFileSync(args['secret-file'], 'utf8'));
} else {
  key = await importPKCS8(readFileSync(args.key, 'utf8'), alg);
}
const header = { alg, typ: 'JWT', ...(args.kid ? { kid: args.kid } : {}) };
const now = Math.floor(Date.now() / 1000);
const lines = [];
for (let i = 0; i < count; ++i) {
  lines.push(await new SignJWT({ rooms }).setProtectedHeader(header)
    .setSubject(`bench-${i}`).setIssuedAt(now).setExpirationTime(now + ttl)
    .sign(key));
}
writeFileSync(args.out, lines.join('\n') + '\n');
console.log(JSON.stringify({ alg, count, rooms, bytes: lines[0].length }));

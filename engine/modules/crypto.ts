// `k6/crypto`: hashes, HMAC and random bytes over node:crypto.
import type * as NodeCrypto from 'node:crypto';

// Loaded on first use: node:crypto costs a worker VU more start-up time than the rest of its
// runtime together, and most scripts never hash.
let loaded: typeof NodeCrypto | undefined;
const nodeCrypto = (): typeof NodeCrypto => (loaded ??= process.getBuiltinModule('node:crypto'));

type Data = string | ArrayBuffer | Uint8Array;
type OutputEncoding = 'hex' | 'base64' | 'base64url' | 'base64rawurl' | 'binary';

const ALGORITHMS: Record<string, string> = {
  md4: 'md4', md5: 'md5', sha1: 'sha1', sha256: 'sha256', sha384: 'sha384', sha512: 'sha512',
  sha512_224: 'sha512-224', sha512_256: 'sha512-256', ripemd160: 'ripemd160',
};

const bytes = (d: Data): Buffer | string => (typeof d === 'string' ? d : d instanceof ArrayBuffer ? Buffer.from(d) : Buffer.from(d.buffer, d.byteOffset, d.byteLength));

function algorithm(name: string): string {
  const algo = ALGORITHMS[name];
  if (!algo) throw new Error(`k6/crypto: unsupported hash algorithm '${name}'`);
  return algo;
}

function output(buf: Buffer, enc: OutputEncoding): string | ArrayBuffer {
  switch (enc) {
    case 'hex':
      return buf.toString('hex');
    case 'base64':
      return buf.toString('base64');
    case 'base64url':
      return buf.toString('base64url').padEnd(Math.ceil(buf.toString('base64url').length / 4) * 4, '=');
    case 'base64rawurl':
      return buf.toString('base64url');
    case 'binary':
      return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
    default:
      throw new Error(`k6/crypto: unsupported output encoding '${String(enc)}'`);
  }
}

const hash = (algo: string) => (input: Data, enc: OutputEncoding) => output(nodeCrypto().createHash(algorithm(algo)).update(bytes(input)).digest(), enc);

export const md4 = hash('md4');
export const md5 = hash('md5');
export const sha1 = hash('sha1');
export const sha256 = hash('sha256');
export const sha384 = hash('sha384');
export const sha512 = hash('sha512');
export const sha512_224 = hash('sha512_224');
export const sha512_256 = hash('sha512_256');
export const ripemd160 = hash('ripemd160');

export function hmac(algo: string, secret: Data, data: Data, enc: OutputEncoding): string | ArrayBuffer {
  return output(nodeCrypto().createHmac(algorithm(algo), bytes(secret)).update(bytes(data)).digest(), enc);
}

type NodeHash = NodeCrypto.Hash | NodeCrypto.Hmac;

/** k6's Hasher: update() as often as needed, then digest(encoding). */
class Hasher {
  #h: NodeHash;
  constructor(h: NodeHash) {
    this.#h = h;
  }
  update(input: Data): void {
    this.#h.update(bytes(input));
  }
  digest(enc: OutputEncoding): string | ArrayBuffer {
    return output(this.#h.digest(), enc);
  }
}

export function createHash(algo: string): Hasher {
  return new Hasher(nodeCrypto().createHash(algorithm(algo)));
}

export function createHMAC(algo: string, secret: Data): Hasher {
  return new Hasher(nodeCrypto().createHmac(algorithm(algo), bytes(secret)));
}

export function randomBytes(n: number): ArrayBuffer {
  const buf = nodeCrypto().randomBytes(n);
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
}

export default { md4, md5, sha1, sha256, sha384, sha512, sha512_224, sha512_256, ripemd160, hmac, createHash, createHMAC, randomBytes };

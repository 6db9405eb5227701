/**
 * An in-memory coarse vector index: one sign bit per dimension, compared by Hamming distance (XOR + popcount over
 * 32-bit words) on the dimensions where the query is not zero (so a sparse query is compared on what it holds). It picks candidates for the exact cosine re-ranking done in SQLite (sqlite-vec's
 * `vec_distance_cosine`), which is what keeps vector retrieval at 100,000 chunks within a few milliseconds:
 * sqlite-vec's exact `vec0` scan reads every float of every vector (measured in BENCHMARKS.md).
 */

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

export function signBits(vector: Float32Array, words: number): Uint32Array {
  const bits = new Uint32Array(words);
  for (let i = 0; i < vector.length; i++) if (vector[i]! > 0) bits[i >>> 5]! |= 1 << (i & 31);
  return bits;
}

function nonZeroBits(vector: Float32Array, words: number): Uint32Array {
  const bits = new Uint32Array(words);
  for (let i = 0; i < vector.length; i++) if (vector[i] !== 0) bits[i >>> 5]! |= 1 << (i & 31);
  return bits;
}

export class BinaryIndex {
  private words: number;
  private bits = new Uint32Array(0);
  private ids = new Float64Array(0);
  private slotOf = new Map<number, number>();
  private size = 0;

  constructor(readonly dimensions: number) {
    this.words = Math.ceil(dimensions / 32);
  }

  get count(): number {
    return this.size;
  }

  add(id: number, vector: Float32Array): void {
    if (this.slotOf.has(id)) this.remove([id]);
    if (this.size === this.ids.length) this.grow();
    const slot = this.size++;
    this.bits.set(signBits(vector, this.words), slot * this.words);
    this.ids[slot] = id;
    this.slotOf.set(id, slot);
  }

  /** Removes by moving the last entry into the freed slot (order does not matter to a scan). */
  remove(ids: Iterable<number>): void {
    for (const id of ids) {
      const slot = this.slotOf.get(id);
      if (slot === undefined) continue;
      const last = --this.size;
      if (slot !== last) {
        this.bits.copyWithin(slot * this.words, last * this.words, (last + 1) * this.words);
        const moved = this.ids[last]!;
        this.ids[slot] = moved;
        this.slotOf.set(moved, slot);
      }
      this.slotOf.delete(id);
    }
  }

  /** Ids of the `k` entries with the fewest differing sign bits (ties broken by position). */
  nearest(vector: Float32Array, k: number): number[] {
    const n = this.size;
    if (n === 0 || k <= 0) return [];
    const query = signBits(vector, this.words);
    const mask = nonZeroBits(vector, this.words);
    const words = this.words;
    const distance = new Uint16Array(n);
    const histogram = new Uint32Array(words * 32 + 1);
    for (let slot = 0, offset = 0; slot < n; slot++, offset += words) {
      let d = 0;
      for (let w = 0; w < words; w++) d += popcount((this.bits[offset + w]! ^ query[w]!) & mask[w]!);
      distance[slot] = d;
      histogram[d]!++;
    }
    // The cut-off distance that admits k entries, found by counting rather than sorting n distances.
    let cut = 0;
    for (let seen = 0; cut < histogram.length && seen + histogram[cut]! < k; cut++) seen += histogram[cut]!;
    const picked: Array<[number, number]> = [];
    for (let slot = 0; slot < n; slot++) if (distance[slot]! <= cut) picked.push([distance[slot]!, this.ids[slot]!]);
    picked.sort((a, b) => a[0] - b[0]);
    return picked.slice(0, k).map(([, id]) => id);
  }

  private grow(): void {
    const capacity = Math.max(1024, this.ids.length * 2);
    const bits = new Uint32Array(capacity * this.words);
    bits.set(this.bits);
    const ids = new Float64Array(capacity);
    ids.set(this.ids);
    this.bits = bits;
    this.ids = ids;
  }
}

/**
 * An in-memory coarse vector index: one sign bit per dimension, compared by Hamming distance (XOR + popcount over
 * 32-bit words) on the dimensions where the query is not zero (so a sparse query is compared on what it holds). It
 * picks candidates for the exact cosine re-ranking done in SQLite (sqlite-vec's `vec_distance_cosine`), which is what
 * keeps vector retrieval at 100,000 chunks within a few milliseconds: sqlite-vec's exact `vec0` scan reads every
 * float of every vector (measured in BENCHMARKS.md).
 *
 * Long vectors (more than `HEAD_WORDS` × 32 dimensions, such as text-embedding-3-small's 1536) are compared in two
 * steps when the query is dense: first on their first 256 dimensions only, kept in a separate contiguous array (a
 * sixth of the memory to read for 1536), keeping `HEAD_KEEP` × k entries; then on every dimension among those. One
 * full pass over 100,000 × 1536 bits took 6.9 ms of CPU; the two steps take about 2 ms (BENCHMARKS.md).
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

/** Words (of 32 dimensions) in the first step for long vectors, and entries it keeps per result asked for. */
const HEAD_WORDS = 8;
const HEAD_KEEP = 20;

/**
 * The `k` smallest of `distance` (ties by index), closest first, as indexes; counting sort over the small integer
 * distances, so no per-entry objects are made.
 */
function smallest(distance: Uint16Array, maxDistance: number, k: number): Int32Array {
  const count = distance.length;
  const histogram = new Uint32Array(maxDistance + 2);
  for (let i = 0; i < count; i++) histogram[distance[i]!]!++;
  const take = Math.min(k, count);
  // Start offset of each distance in the output; entries past `take` are dropped (a sparse query compares few bits,
  // so tens of thousands of entries can share the cut-off distance).
  let start = 0;
  for (let d = 0; d <= maxDistance; d++) {
    const n = histogram[d]!;
    histogram[d] = start;
    start += n;
  }
  const out = new Int32Array(take);
  for (let i = 0; i < count; i++) {
    const at = histogram[distance[i]!]!++;
    if (at < take) out[at] = i;
  }
  return out;
}

export class BinaryIndex {
  private words: number;
  private bits = new Uint32Array(0);
  /** The first HEAD_WORDS words of every entry, contiguous (long vectors only). */
  private head: Uint32Array | null = null;
  private ids = new Float64Array(0);
  private slotOf = new Map<number, number>();
  private size = 0;

  constructor(readonly dimensions: number) {
    this.words = Math.ceil(dimensions / 32);
    if (this.words > HEAD_WORDS) this.head = new Uint32Array(0);
  }

  get count(): number {
    return this.size;
  }

  add(id: number, vector: Float32Array): void {
    if (this.slotOf.has(id)) this.remove([id]);
    if (this.size === this.ids.length) this.grow();
    const slot = this.size++;
    const bits = signBits(vector, this.words);
    this.bits.set(bits, slot * this.words);
    this.head?.set(bits.subarray(0, HEAD_WORDS), slot * HEAD_WORDS);
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
        this.head?.copyWithin(slot * HEAD_WORDS, last * HEAD_WORDS, (last + 1) * HEAD_WORDS);
        const moved = this.ids[last]!;
        this.ids[slot] = moved;
        this.slotOf.set(moved, slot);
      }
      this.slotOf.delete(id);
    }
  }

  /** Ids of the `k` entries with the fewest differing sign bits (ties broken by position), closest first. */
  nearest(vector: Float32Array, k: number): number[] {
    const n = this.size;
    if (n === 0 || k <= 0) return [];
    const words = this.words;
    const query = signBits(vector, words);
    const mask = nonZeroBits(vector, words);
    let slots: Int32Array | null = null;
    // Two steps only for a dense query: a sparse one (the tests' hashed words) may hold nothing in the head.
    let headBits = 0;
    for (let w = 0; w < HEAD_WORDS && this.head; w++) headBits += popcount(mask[w]!);
    if (this.head && n > k * HEAD_KEEP && headBits >= HEAD_WORDS * 16) {
      const head = this.head;
      const distance = new Uint16Array(n);
      for (let slot = 0, offset = 0; slot < n; slot++, offset += HEAD_WORDS) {
        let d = 0;
        for (let w = 0; w < HEAD_WORDS; w++) d += popcount((head[offset + w]! ^ query[w]!) & mask[w]!);
        distance[slot] = d;
      }
      // Position order, so that ties in the second step are broken by position too.
      slots = smallest(distance, HEAD_WORDS * 32, k * HEAD_KEEP).sort();
    }
    const count = slots ? slots.length : n;
    const bits = this.bits;
    // Only the words where the query holds something count (all of them for a dense query).
    const active = Int32Array.from({ length: words }, (_, w) => w).filter((w) => mask[w] !== 0);
    const used = active.length;
    const distance = new Uint16Array(count);
    for (let i = 0; i < count; i++) {
      const offset = (slots ? slots[i]! : i) * words;
      let d = 0;
      if (used === words) for (let w = 0; w < words; w++) d += popcount((bits[offset + w]! ^ query[w]!) & mask[w]!);
      else
        for (let j = 0; j < used; j++) {
          const w = active[j]!;
          d += popcount((bits[offset + w]! ^ query[w]!) & mask[w]!);
        }
      distance[i] = d;
    }
    return Array.from(smallest(distance, words * 32, k), (i) => this.ids[slots ? slots[i]! : i]!);
  }

  private grow(): void {
    const capacity = Math.max(1024, this.ids.length * 2);
    const bits = new Uint32Array(capacity * this.words);
    bits.set(this.bits);
    this.bits = bits;
    if (this.head) {
      const head = new Uint32Array(capacity * HEAD_WORDS);
      head.set(this.head);
      this.head = head;
    }
    const ids = new Float64Array(capacity);
    ids.set(this.ids);
    this.ids = ids;
  }
}

/**
 * An in-memory coarse vector index: one sign bit per dimension, compared by Hamming distance (XOR + popcount over
 * 32-bit words) on the dimensions where the query is not zero (so a sparse query is compared on what it holds). It
 * picks candidates for the exact cosine re-ranking done in SQLite (sqlite-vec's `vec_distance_cosine`), which is what
 * keeps vector retrieval at 100,000 chunks within a few milliseconds: sqlite-vec's exact `vec0` scan reads every
 * float of every vector (measured in BENCHMARKS.md).
 *
 * Long vectors (more than `HEAD_WORDS` × 32 dimensions, such as text-embedding-3-small's 1536) are compared in two
 * steps when the query is dense: first on their first 256 dimensions only (a sixth of the memory to read for 1536),
 * keeping `HEAD_KEEP` × k entries; then on every dimension among those. One full pass over 100,000 × 1536 bits took
 * 6.9 ms of CPU; the two steps about 2.5 ms (BENCHMARKS.md).
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
  /**
   * Word-major: word w of every entry, then word w + 1 of every entry (`planes[w * capacity + slot]`). A pass over
   * the words a query holds, or over the first HEAD_WORDS, then reads contiguous memory: entry-major, a sparse query
   * touching 10 of 48 words read three cache lines per entry (5 ms at 100,000 × 1536, measured).
   */
  private planes = new Uint32Array(0);
  /** Long vectors also entry-major, for the second step's scattered entries (one cache line or so each). */
  private rows: Uint32Array | null = null;
  private capacity = 0;
  private ids = new Float64Array(0);
  private slotOf = new Map<number, number>();
  private size = 0;

  constructor(readonly dimensions: number) {
    this.words = Math.ceil(dimensions / 32);
    if (this.words > HEAD_WORDS) this.rows = new Uint32Array(0);
  }

  get count(): number {
    return this.size;
  }

  add(id: number, vector: Float32Array): void {
    if (this.slotOf.has(id)) this.remove([id]);
    if (this.size === this.capacity) this.grow();
    const slot = this.size++;
    const bits = signBits(vector, this.words);
    for (let w = 0; w < this.words; w++) this.planes[w * this.capacity + slot] = bits[w]!;
    this.rows?.set(bits, slot * this.words);
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
        for (let w = 0; w < this.words; w++) this.planes[w * this.capacity + slot] = this.planes[w * this.capacity + last]!;
        this.rows?.copyWithin(slot * this.words, last * this.words, (last + 1) * this.words);
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
    const { words, planes, capacity } = this;
    const query = signBits(vector, words);
    const mask = nonZeroBits(vector, words);
    // Only the words where the query holds something count (all of them for a dense query).
    const active = Int32Array.from({ length: words }, (_, w) => w).filter((w) => mask[w] !== 0);
    let headBits = 0;
    for (let w = 0; w < Math.min(HEAD_WORDS, words); w++) headBits += popcount(mask[w]!);
    // Two steps only for long vectors and a dense query: a sparse one (the tests' hashed words) may hold nothing in
    // the head, and its one pass reads only the few words it holds anyway.
    const rows = this.rows;
    if (rows && n > k * HEAD_KEEP && headBits >= HEAD_WORDS * 16) {
      const distance = new Uint16Array(n);
      for (let w = 0; w < HEAD_WORDS; w++) addDistances(distance, planes, w * capacity, n, query[w]!, mask[w]!);
      // Position order, so that ties in the second step are broken by position too.
      const slots = smallest(distance, HEAD_WORDS * 32, k * HEAD_KEEP).sort();
      const exact = new Uint16Array(slots.length);
      for (let i = 0; i < slots.length; i++) {
        const offset = slots[i]! * words;
        let d = 0;
        for (let w = 0; w < words; w++) d += popcount((rows[offset + w]! ^ query[w]!) & mask[w]!);
        exact[i] = d;
      }
      return Array.from(smallest(exact, words * 32, k), (i) => this.ids[slots[i]!]!);
    }
    const distance = new Uint16Array(n);
    for (let j = 0; j < active.length; j++) {
      const w = active[j]!;
      addDistances(distance, planes, w * capacity, n, query[w]!, mask[w]!);
    }
    return Array.from(smallest(distance, words * 32, k), (slot) => this.ids[slot]!);
  }

  private grow(): void {
    const capacity = Math.max(1024, this.capacity * 2);
    const planes = new Uint32Array(capacity * this.words);
    for (let w = 0; w < this.words; w++) planes.set(this.planes.subarray(w * this.capacity, w * this.capacity + this.size), w * capacity);
    this.planes = planes;
    if (this.rows) {
      const rows = new Uint32Array(capacity * this.words);
      rows.set(this.rows);
      this.rows = rows;
    }
    const ids = new Float64Array(capacity);
    ids.set(this.ids);
    this.ids = ids;
    this.capacity = capacity;
  }
}

/** Adds one word's differing bits to every entry's distance: one contiguous pass over a plane. */
function addDistances(distance: Uint16Array, planes: Uint32Array, start: number, n: number, query: number, mask: number): void {
  for (let slot = 0; slot < n; slot++) distance[slot]! += popcount((planes[start + slot]! ^ query) & mask);
}

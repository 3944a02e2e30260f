/**
 * Typed arrays for work that ends within one call, carved out of buffers kept between
 * calls. Allocating a typed array costs microseconds (its memory lives outside the heap),
 * and a density evaluation needs dozens that die with it. Every array handed out since the
 * last `reset` stays valid until the next one, so only code that owns the instance resets
 * it, at the start of its call; the arrays come zeroed, as new ones would.
 */
export class WorkArrays {
  private floats = new Float64Array(1 << 14);
  private floatsUsed = 0;
  private ints = new Int32Array(1 << 12);
  private intsUsed = 0;

  reset(): void {
    this.floatsUsed = 0;
    this.intsUsed = 0;
  }

  float64(length: number): Float64Array {
    if (this.floatsUsed + length > this.floats.length) {
      // Arrays already handed out keep the old buffer; the next ones come from a larger one.
      this.floats = new Float64Array(Math.max(2 * this.floats.length, length));
      this.floatsUsed = 0;
    }
    const out = this.floats.subarray(this.floatsUsed, this.floatsUsed + length);
    this.floatsUsed += length;
    return out.fill(0);
  }

  int32(length: number): Int32Array {
    if (this.intsUsed + length > this.ints.length) {
      this.ints = new Int32Array(Math.max(2 * this.ints.length, length));
      this.intsUsed = 0;
    }
    const out = this.ints.subarray(this.intsUsed, this.intsUsed + length);
    this.intsUsed += length;
    return out.fill(0);
  }
}

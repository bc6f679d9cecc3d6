/** `k6/data` SharedArray: built once from its function (every VU would read the same copy). */
export class SharedArray<T> {
  constructor(_name: string, build: () => T[]) {
    // biome-ignore lint/correctness/noConstructorReturn: k6's SharedArray is array-like; the fake returns the array itself.
    return build() as unknown as SharedArray<T>;
  }
}

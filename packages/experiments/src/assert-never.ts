/** Compile-time exhaustiveness check for `switch` over a union; throws if reached at runtime. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}

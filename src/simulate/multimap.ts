/**
 * Appends to the list a map keeps under `key`, in place. The planner files a simulated hour's calls
 * one by one (tens of thousands at the rates a bench asks for); copying the list on every append
 * made planning an hour quadratic in its size.
 */
export function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

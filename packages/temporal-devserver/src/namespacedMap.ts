/**
 * A map keyed by namespace and an id within it, as two levels of maps: no key string per entry
 * (namespace and id joined), which for a map holding every closed run is a string per run.
 */
export class NamespacedMap<T> {
  private readonly namespaces = new Map<string, Map<string, T>>();

  get(namespace: string, id: string): T | undefined {
    return this.namespaces.get(namespace)?.get(id);
  }

  set(namespace: string, id: string, value: T): void {
    let entries = this.namespaces.get(namespace);
    if (!entries) this.namespaces.set(namespace, (entries = new Map<string, T>()));
    entries.set(id, value);
  }

  delete(namespace: string, id: string): void {
    const entries = this.namespaces.get(namespace);
    entries?.delete(id);
    if (entries?.size === 0) this.namespaces.delete(namespace);
  }

  *values(): IterableIterator<T> {
    for (const entries of this.namespaces.values()) yield* entries.values();
  }
}
